"""Configuration: ``[tool.gitdigest]`` in a ``pyproject.toml`` or a ``.gitdigest.toml``, and
``GITDIGEST_<OPTION>`` environment variables, read through the option declarations.

Keys are the long option names (``max-tokens``, ``exclude`` as a list, ``no-gitignore = true``);
nothing is declared here: every key, its type, its parser and its limits come from the field of
:class:`~gitdigest.options.Options` it names. Precedence, highest first: the command line (or the
keywords a Python caller passes), the environment, the configuration file (a ``--profile``
table over the file's top table), the declared defaults.

A remote repository's configuration is applied only when the caller trusts it, and even then
never for what decides where the run reads, writes or fetches (options declared not on
``remote_config``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .core.errors import UsageError
from .options import AUTO, Options, allowed, check_value, coerce, is_multiple, kind_of, spec_of

#: Where configuration is looked for in the source folder, first found wins.
CONFIG_FILES = (".gitdigest.toml", "pyproject.toml")
ENV_PREFIX = "GITDIGEST_"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})

Field = dataclasses.Field[Any]


def key_of(item: Field) -> str:
    """A field's configuration key: its long option name (``max-tokens``, ``no-gitignore``)."""
    longs = [flag for flag in spec_of(item).flags if flag.startswith("--")]
    return longs[-1][2:] if longs else item.name.replace("_", "-")


def env_name(item: Field) -> str:
    """A field's environment variable: ``GITDIGEST_MAX_TOKENS``, ``GITDIGEST_NO_GITIGNORE``."""
    return ENV_PREFIX + key_of(item).upper().replace("-", "_")


def _configurable() -> dict[str, Field]:
    """Options a file or the environment may set (their declarations say which)."""
    return {key_of(item): item for item in fields(Options) if allowed(item, "config")}


@dataclass
class Layer:
    """Values from one place, by field name, with where each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: Any, origin: str) -> None:
        """Set one value (a later set wins)."""
        self.values[name] = value
        self.origins[name] = origin


@dataclass
class Resolved:
    """The merged options and, for each field, where its value came from."""

    options: Options
    origins: dict[str, str]
    #: the configuration file read, if any
    file: str | None = None
    profile: str | None = None


def _value(item: Field, raw: Any, where: str) -> Any:
    """One value from a file or the environment, checked by the field's declaration."""
    spec = spec_of(item)
    kind = kind_of(item)
    key = key_of(item)
    try:
        if is_multiple(item):
            if isinstance(raw, str):
                raw = [raw]
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise UsageError(f"{key} takes a pattern or a list of patterns")
        elif kind is bool:
            if not isinstance(raw, bool):
                raise UsageError(f"{key} takes true or false")
            raw = raw != spec.negated  # `no-gitignore = true` switches gitignore off
        elif kind is str and spec.parse is None:
            if not isinstance(raw, str):
                raise UsageError(f"{key} takes a string, not {raw!r}")
        elif isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise UsageError(f"{key} takes a number, not {raw!r}")
        elif kind is int and spec.parse is None and isinstance(raw, float):
            raise UsageError(f"{key} takes a whole number, not {raw!r}")
        value = coerce(item, raw)
        check_value(item, value)
    except UsageError as error:
        message = str(error)
        named = key in message or spec_of(item).choices is not None  # "unknown format 'x'"
        raise UsageError(f"{where}: {message if named else f'{key}: {message}'}") from None
    return value


def _env_raw(item: Field, text: str, name: str) -> Any:
    """Environment text as a file would write it: words for switches, commas between patterns."""
    if is_multiple(item):
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind_of(item) is bool:
        word = text.strip().lower()
        if word not in _TRUE | _FALSE:
            raise UsageError(f"{name}={text!r}: use 1/true/yes/on or 0/false/no/off")
        return word in _TRUE
    return text


def environment_layer(environ: Mapping[str, str]) -> Layer:
    """``GITDIGEST_<OPTION>`` variables (unknown GITDIGEST_ names are left alone: some belong
    to other parts of gitdigest, such as GITDIGEST_TOKEN)."""
    layer = Layer()
    for item in _configurable().values():
        name = env_name(item)
        if name in environ:
            raw = _env_raw(item, environ[name], name)
            layer.set(item.name, _value(item, raw, f"environment {name}"), f"environment {name}")
    return layer


def find_config(folder: Path) -> Path | None:
    """The configuration file in ``folder``: a ``.gitdigest.toml``, else a ``pyproject.toml``
    that has a ``[tool.gitdigest]`` table."""
    for name in CONFIG_FILES:
        path = folder / name
        if path.is_file() and (name != "pyproject.toml" or _mentions_us(path.read_bytes(),
                                                                           str(path))):
            return path
    return None


def _mentions_us(pyproject: bytes, where: str) -> bool:
    """Whether a pyproject.toml may hold our table, without parsing it: another tool's broken
    or templated pyproject.toml (a cookiecutter's) must not stop a digest."""
    return b"gitdigest" in pyproject and "gitdigest" in _parse(pyproject, where).get("tool", {})


def _parse(data: bytes, where: str) -> dict[str, Any]:
    # imported here: `import gitdigest` stays cheap for runs that read no configuration
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        document: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
        return document
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"{where}: not valid TOML: {error}") from None


def table_of(data: bytes, name: str) -> dict[str, Any]:
    """The gitdigest table of a configuration file's bytes (``name`` says which file)."""
    document = _parse(data, name)
    if Path(name).name == "pyproject.toml":
        table = document.get("tool", {}).get("gitdigest", {})
        return table if isinstance(table, dict) else {}
    return document


def file_layer(table: dict[str, Any], where: str, profile: str | None = None, *,
               remote: bool = False, folder: Path | None = None) -> Layer:
    """The values of a configuration table, with ``profile``'s table over the top one. An
    unknown key or profile is an error naming it and the file. File names (options whose
    metavar is FILE) are relative to ``folder``, the configuration file's own."""
    known = _configurable()
    profiles = table.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        raise UsageError(f"{where}: profiles must be tables ([profiles.NAME])")
    if profile is not None and profile not in profiles:
        names = ", ".join(sorted(profiles)) or "none"
        raise UsageError(f"unknown profile {profile!r} in {where} (profiles: {names})")
    layer = Layer()
    tables = [(None, {k: v for k, v in table.items() if k != "profiles"}, where)]
    tables += [(name, values, f"{where} [profile {name}]") for name, values in profiles.items()]
    for name, values, origin in tables:  # every table is checked, the chosen ones applied
        for key, raw in values.items():
            item = known.get(key)
            if item is None:
                hint = " (a token belongs in GITDIGEST_TOKEN, not a file)" if key == "token" \
                    else ""
                raise UsageError(f"unknown key {key!r} in {origin}{hint}")
            value = _value(item, raw, origin)
            if folder is not None and spec_of(item).metavar == "FILE" and value != "-":
                value = _inside(folder, value, f"{origin}: {key}")
            if name is not None and name != profile:
                continue
            if remote and not allowed(item, "remote_config"):
                raise UsageError(f"{origin}: {key} cannot be set by a remote repository's "
                                 "configuration")
            layer.set(item.name, value, origin)
    return layer


def _inside(folder: Path, value: str, what: str) -> str:
    """``value`` (a file a configuration names) relative to ``folder``, the configuration
    file's own, and inside it: a repository someone cloned could otherwise write a digest
    over any file its user can write (``output = "../../.ssh/authorized_keys"``, with a
    ``header`` of the attacker's key) or read any into it (``instructions``). Links are
    followed; a path outside is given on the command line instead."""
    path = folder / value  # an absolute value stays as it is
    root = os.path.realpath(folder)
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise UsageError(f"{what} = {value!r} is outside the folder of its configuration "
                         f"file ({folder}); give a path outside it on the command line")
    return str(path)


def _merge(given: Mapping[str, Any], layers: list[Layer], base: Mapping[str, Any] | None = None,
           base_origins: Mapping[str, str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Lowest layer first; ``given`` (command line or keywords) wins over all."""
    values: dict[str, Any] = dict(base or {})
    origins: dict[str, str] = dict(base_origins or {})
    for layer in layers:
        values.update(layer.values)
        origins.update(layer.origins)
    for name, value in given.items():
        values[name] = value
        origins[name] = "command line"
    return values, origins


def local_folder(source: str) -> Path | None:
    """The folder a local source's configuration lives in (None for a remote source)."""
    path = Path(source)
    try:
        if path.is_dir():
            return path
        if path.is_file():
            return path.parent
    except OSError:
        return None
    return None


@dataclass
class Configuration:
    """How one run's options are assembled: what the caller gave, the environment, a profile,
    and whether a remote repository's configuration may apply."""

    given: dict[str, Any]
    environ: Mapping[str, str]
    profile: str | None = None
    trust_remote: bool = False
    #: receives one line when a remote configuration is ignored (surfaces print it)
    warn: Callable[[str], None] = field(default=lambda message: None)

    def resolve(self) -> Resolved:
        """The options before the source is opened: a local source's configuration applies,
        a remote one's is read later (see :meth:`reconfigure`)."""
        source = str(self.given.get("source", "."))
        env = environment_layer(self.environ)
        folder = local_folder(source)
        path = find_config(folder) if folder is not None else None
        layers = [env]
        if path is not None:
            layers.insert(0, file_layer(table_of(path.read_bytes(), str(path)), str(path),
                                        self.profile, folder=path.parent))
        elif self.profile is not None and folder is not None:
            raise UsageError(f"--profile {self.profile}: no .gitdigest.toml or pyproject.toml "
                             f"with [tool.gitdigest] in {folder}")
        values, origins = _merge(self.given, layers)
        return Resolved(Options.create(**values), origins, None if path is None else str(path),
                        self.profile)

    def reconfigure(self, read: Callable[[str], bytes | None]) -> Options | None:
        """For a remote source, once it is open: its configuration file under the caller's
        environment and command line, when trusted; else a warning that it was ignored. None
        when nothing changes."""
        for name in CONFIG_FILES:
            data = read(name)
            if data is None or (name == "pyproject.toml" and b"gitdigest" not in data):
                continue
            where = f"the remote repository's {name}"
            if not self.trust_remote:  # not even parsed: an untrusted file cannot fail the run
                self.warn(f"ignored {where}: a remote configuration could weaken secret "
                          "redaction; --trust-remote-config applies it")
                return None
            table = table_of(data, name)
            if not table and name == "pyproject.toml":
                continue
            remote = file_layer(table, where, self.profile, remote=True)
            values, _ = _merge(self.given, [remote, environment_layer(self.environ)])
            return Options.create(**values)
        if self.profile is not None:
            raise UsageError(f"--profile {self.profile}: the remote repository has no "
                             "configuration file")
        return None


def load_options(source: str = ".", *, profile: str | None = None,
                 environ: Mapping[str, str] | None = None, **given: Any) -> Options:
    """The options the command line would use for ``source``: ``given`` (keywords as
    :meth:`Options.create` takes them) over ``GITDIGEST_<OPTION>`` variables (``environ``,
    default ``os.environ``) over the source folder's configuration file (with ``profile``)
    over the defaults. A remote source's configuration is not read."""
    configuration = Configuration({"source": source, **given},
                                  os.environ if environ is None else environ, profile)
    return configuration.resolve().options


def describe(resolved: Resolved) -> str:
    """The merged options and where each value came from, as TOML with comments."""
    lines = [f"# configuration file: {resolved.file or 'none'}"
             + (f", profile {resolved.profile}" if resolved.profile else "")]
    rows = []
    for item in fields(Options):
        if item.name == "token":
            continue
        value = getattr(resolved.options, item.name)
        if kind_of(item) is bool and spec_of(item).negated:
            value = not value
        origin = resolved.origins.get(item.name, "default")
        if item.name == "tokenizer" and value == AUTO:  # say what auto will count with
            origin += _auto_counts(resolved.options)
        rows.append((f"{key_of(item)} = {_toml(value)}", origin))
    width = max(len(text) for text, _ in rows)
    lines += [f"{text.ljust(width)}  # {origin}" for text, origin in rows]
    return "\n".join(lines) + "\n"


def _auto_counts(options: Options) -> str:
    from .count.encoding import resolve  # the model table and tokens: only for --print-config

    try:
        return f": counts with {resolve(options)[0].tokenizer}"
    except UsageError:  # an unknown model: the run itself says so
        return ""


def _toml(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
