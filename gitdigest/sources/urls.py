"""Remote locations: parse what a user pastes (URLs of any host, scp-style, slugs) into what
git needs to clone and what the URL says about ref and subpath. Pure: no network.

A URL's route tail (``/tree/<ref-and-path>``) is kept whole, because where the ref ends and the
path begins is only known from the server's list of branches and tags (see ``remote.py``).

Everything a user can type either parses to a clone URL git can use safely or raises
:class:`UsageError` (exit 2) *before* any network: a malformed URL must never reach git, and
never end as an internal error.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import SplitResult, unquote, urlsplit

from ..core.errors import SourceNotFound, UsageError
from ..core.paths import display

DEFAULT_HOST = "github.com"
# Longer than any URL a forge serves (browsers and servers stop near 8 KiB); a cap keeps an
# absurd argument from reaching git or a file name in the clone cache.
MAX_SPEC = 4096
_SCP = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[^@/:\s]+):(?!//)(?P<path>[^\s]*)$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$")
_HOST_PATH = re.compile(r"^(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?)/(?P<path>.+)$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# git's remote-helper syntax (``ext::sh -c ...``, ``fd::3``): ext:: runs any command, so it is
# recognised in order to be refused, never passed on.
_TRANSPORT = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
_HOST_NAME = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
# Route markers of the common forges, by what the segment after the repository says.
_GITHUB = {"tree": "tree", "blob": "blob", "commit": "commit", "commits": "commit"}
_GITEA_KINDS = {"branch": "tree", "tag": "tree", "commit": "commit"}
TWO_SEGMENT_HOSTS = {"github.com", "bitbucket.org", "codeberg.org", "gitea.com"}
SCHEMES = ("https", "http", "ssh", "git", "file")
# greedy: a password may hold "@" (urlsplit, and git, split at the last one)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@")


@dataclass(frozen=True)
class RemoteURL:
    """A parsed remote: ``clone_url`` for git, ``repo`` (owner/name, any depth, case kept),
    and what the route says: ``route`` (``tree``, ``blob``, ``commit``, or ``pull`` /
    ``merge_request`` with the number as ``tail``) with its ``tail``."""

    clone_url: str
    scheme: str
    host: str
    repo: str
    route: str | None = None
    tail: str = ""
    username: str | None = None
    password: str | None = None

    @property
    def display(self) -> str:
        """The URL without credentials, for summaries and messages."""
        return self.clone_url

    @property
    def name(self) -> str:
        """The repository's name (last segment, without ``.git``)."""
        return _strip_git(self.repo.rsplit("/", 1)[-1])


def looks_remote(spec: str) -> bool:
    """Whether ``spec`` is meant as a remote (a URL, scp-style, ``host/path`` or a slug).

    It agrees with :func:`parse_remote`: a spec that looks remote is parsed as one (and may
    then be refused with a precise message); one that does not is a local path."""
    return bool(_URL.match(spec) or _TRANSPORT.match(spec) or _scp(spec)
                or _HOST_PATH.match(spec) or _SLUG.match(spec))


def parse_source(spec: str, default_host: str = DEFAULT_HOST, *,
                 exists: Callable[[str], bool] = os.path.lexists) -> RemoteURL | None:
    """Decide what SOURCE names: ``None`` for a local path that exists, else the remote.

    A local path that exists always wins. A missing path raises :class:`SourceNotFound`,
    also when it merely looks like ``owner/repo`` but its first segment exists here
    (``src/flaks`` beside ``src/`` is a typo, not a GitHub repository). An empty SOURCE (an
    unset ``$REPO`` in a script) raises :class:`UsageError` instead of meaning ``.``.
    ``exists`` answers for a path relative to the current folder (tests pass their own).
    """
    if not spec:
        raise UsageError("empty SOURCE: give a folder, a file or a repository URL "
                         "(. for the current folder)")
    if "\0" in spec:  # no path can hold NUL, and os calls would raise ValueError on it
        raise UsageError(f"SOURCE contains a NUL character: {_shown(spec)}")
    if exists(spec):
        return None
    if looks_remote(spec) and not _local_typo(spec, exists):
        return parse_remote(spec, default_host)
    raise SourceNotFound(f"no such file or folder: {_shown(spec)}")


def _local_typo(spec: str, exists: Callable[[str], bool]) -> bool:
    """A scheme-less ``a/b`` or ``host/path`` whose first segment exists locally is a
    mistyped local path: the user was pointing into that folder, not at a forge."""
    if _URL.match(spec) or _TRANSPORT.match(spec) or _scp(spec):
        return False
    first = spec.split("/", 1)[0]
    return bool(first) and exists(first)


def parse_remote(spec: str, default_host: str = DEFAULT_HOST) -> RemoteURL:
    """Parse ``spec``; raise :class:`UsageError` for what cannot be a repository."""
    spec = spec.strip()
    if len(spec) > MAX_SPEC:
        raise UsageError(f"SOURCE is too long for a repository URL ({len(spec)} characters)")
    transport = _TRANSPORT.match(spec)
    if transport and not _URL.match(spec):
        raise UsageError(f"git transport {transport.group(0)!r} is not supported in "
                         f"{_shown(spec)}; use an https, http, ssh, git or file URL")
    if not _printable(spec):
        raise UsageError(f"a repository URL cannot contain spaces or control characters "
                         f"(percent-encode them, e.g. %20): {_shown(spec)}")
    if "://" in spec:
        return _parse_url(spec)
    scp = _scp(spec)
    if scp:
        path = scp.group("path").strip("/")
        if not path:
            raise UsageError(f"a repository URL needs a path after the colon: {_shown(spec)}")
        return _routed("ssh", _host(scp.group("host"), spec), path, spec, user=scp.group("user"),
                       scp=True)
    if _HOST_PATH.match(spec):
        return _parse_url(f"https://{spec}")
    if _SLUG.match(spec):
        return _routed("https", default_host, spec, spec)
    raise UsageError(f"not a local path or a repository URL: {_shown(spec)}")


def _scp(spec: str) -> re.Match[str] | None:
    """scp-style ``user@host:path`` or ``host.domain:path``; a bare ``word:path`` is not one
    (it is far more often a local name than an ssh alias)."""
    match = _SCP.match(spec)
    if match is None:
        return None
    if match.group("user"):
        return match
    # "host.example:8443/owner/repo" is a URL pasted without its scheme (git would read 8443
    # as a folder on an ssh host, a path nobody has); _HOST_PATH reads it as https.
    if "." in match.group("host") and not _HOST_PATH.match(spec):
        return match
    return None


def _parse_url(spec: str) -> RemoteURL:
    try:  # urlsplit and .port raise ValueError for "[bad]" hosts and non-numeric ports
        parts = urlsplit(spec)
        port = parts.port
    except ValueError as error:
        raise UsageError(f"invalid URL {_shown(spec)}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UsageError(f"unsupported URL scheme {scheme!r} in {_shown(spec)}; use https, "
                         "http, ssh, git or file")
    if scheme == "file":
        return _parse_file(parts, spec)
    path = parts.path.strip("/")
    if not parts.hostname or not path:
        raise UsageError(f"a repository URL needs a host and a path: {_shown(spec)}")
    if port == 0:
        raise UsageError(f"invalid port 0 in {_shown(spec)}")
    host = _host(parts.hostname, spec, bracketed="[" in parts.netloc)
    host += f":{port}" if port else ""
    user = parts.username or None  # "https://@host/..." has an empty user: none
    if scheme in ("https", "http"):
        return _routed(scheme, host, path, spec, user=user and unquote(user),
                       password=parts.password and unquote(parts.password), decode=True)
    # ssh and git: the user (still encoded, as git wants it) goes into the clone URL
    return _routed(scheme, host, path, spec, user=user, decode=True)


def _parse_file(parts: SplitResult, spec: str) -> RemoteURL:
    if parts.netloc not in ("", "localhost"):
        raise UsageError(f"a file URL names a path on this machine (file:///path), not on "
                         f"{parts.netloc!r}: {_shown(spec)}")
    path = unquote(parts.path).strip("/")
    if not path:
        raise UsageError(f"a file URL needs a path: {_shown(spec)}")
    if not path.isprintable():  # %00 or %0A decoded: no path git can open
        raise UsageError(f"control characters in {_shown(spec)}")
    return RemoteURL(f"file:///{path}", "file", "", path)


def _host(name: str, spec: str, *, bracketed: bool = False) -> str:
    """The host as git and the token scoping need it: lower case, IDNA (punycode) for
    unicode names, brackets around IPv6; anything else is refused."""
    if bracketed or ":" in name:
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            address = None
        if address is None or address.version != 6 or not bracketed:
            raise UsageError(f"invalid host {name!r} in {_shown(spec)}")
        return f"[{name}]"
    try:  # a unicode host (bücher.de) becomes xn--bcher-kva.de, which curl and ssh accept
        ascii_name = name.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UsageError(f"invalid host {_shown(name)} in {_shown(spec)}") from None
    if not _HOST_NAME.match(ascii_name) or ".." in ascii_name:
        # also refuses "-oProxyCommand=...": a host that reads as an ssh option
        raise UsageError(f"invalid host {_shown(name)} in {_shown(spec)}")
    return ascii_name


def _routed(scheme: str, host: str, path: str, spec: str, *, user: str | None = None,
            password: str | None = None, scp: bool = False, decode: bool = False) -> RemoteURL:
    # Split before decoding, so "%2F" cannot make new segments; the clone URL keeps the
    # segments as typed (a valid URL stays valid), ``repo`` and ``tail`` are decoded.
    raw = [s for s in path.split("/") if s]
    segments = [unquote(s) for s in raw] if decode else raw
    if not all(s.isprintable() for s in segments):
        raise UsageError(f"control characters in {_shown(spec)}")
    if user is not None and user.startswith("-"):
        raise UsageError(f"invalid user name in {_shown(spec)}")
    repo_segments, route, tail = _split_route(segments, host)
    if not repo_segments:
        raise UsageError(f"no repository in {_shown(spec)}")
    if any(s in (".", "..") for s in repo_segments):
        raise UsageError(f"'.' and '..' cannot name a repository: {_shown(spec)}")
    if host.split(":")[0] in TWO_SEGMENT_HOSTS and len(repo_segments) < 2:
        # github.com/user is a profile page; cloning it would only fail on the network
        raise UsageError(f"{_shown(spec)} names an owner, not a repository: "
                         f"use {host}/OWNER/REPO")
    repo = "/".join(repo_segments)
    repo_path = "/".join(raw[:len(repo_segments)])
    if scp:
        clone = f"{user + '@' if user else ''}{host}:{repo_path}"
    elif scheme == "ssh":
        clone = f"ssh://{user + '@' if user else ''}{host}/{repo_path}"
    else:
        clone = f"{scheme}://{host}/{repo_path}"
    url = RemoteURL(clone, scheme, host, repo, route, tail)
    if scheme in ("https", "http") and (user or password):  # credentials in a URL become a token
        url = replace(url, username=user, password=password)
    return url


def _split_route(segments: list[str], host: str) -> tuple[list[str], str | None, str]:
    """Repository segments, the route kind and the tail after the route marker."""
    if "-" in segments:  # GitLab: group/sub/project/-/tree/<ref>/<path>
        at = segments.index("-")
        kind = segments[at + 1] if at + 1 < len(segments) else ""
        number = segments[at + 2] if at + 2 < len(segments) else ""
        if kind == "merge_requests" and number.isdigit():  # a merge request: its head ref
            return segments[:at], "merge_request", number
        route = {"tree": "tree", "blob": "blob", "commit": "commit", "commits": "commit"}.get(kind)
        return segments[:at], route, "/".join(segments[at + 2:]) if route else ""
    for at in range(2, len(segments)):
        marker = segments[at]
        rest = segments[at + 1:]
        if marker == "pull" and rest and rest[0].isdigit():  # a GitHub pull request
            return segments[:at], "pull", rest[0]
        if marker in _GITHUB and rest:
            return segments[:at], _GITHUB[marker], "/".join(rest)
        if marker == "src" and rest:
            if rest[0] in _GITEA_KINDS and len(rest) > 1:  # Gitea, Forgejo, Codeberg
                return segments[:at], _GITEA_KINDS[rest[0]], "/".join(rest[1:])
            return segments[:at], "tree", "/".join(rest)  # Bitbucket: /src/<ref>/<path>
    if host.split(":")[0] in TWO_SEGMENT_HOSTS and len(segments) > 2:
        return segments[:2], None, ""  # github.com/owner/repo/issues...: the repository
    return segments, None, ""


def _printable(text: str) -> bool:
    """No control, format (bidi overrides, zero-width), separator or undecodable-byte
    characters: what a terminal would hide, a URL cannot carry, or git would choke on."""
    return text.isprintable() and " " not in text


def _shown(text: str, limit: int = 200) -> str:
    """``text`` for a one-line error message: escaped, quoted when odd, and cut when long."""
    text = strip_credentials(text)  # a message never shows a URL's password
    cut = text if len(text) <= limit else text[:limit] + "..."
    # display() escapes what isprintable() refuses, so a bidi override or a line separator
    # cannot rearrange or split the message
    return display(cut)


def _strip_git(name: str) -> str:
    return name[:-4] if name.endswith(".git") else name


def split_tail(tail: str) -> list[tuple[str, str]]:
    """Every way to read a route tail as ``(ref, subpath)``, longest ref first."""
    parts = tail.split("/")
    return [("/".join(parts[:i]), "/".join(parts[i:])) for i in range(len(parts), 0, -1)]


def is_sha(text: str) -> bool:
    """7 to 40 hexadecimal digits: a (possibly short) commit id."""
    return bool(_SHA.match(text))


def _secret(match: re.Match[str]) -> bool:
    """Whether a URL's user part can hold a secret: any password, and any user part of an
    http(s) URL (``https://TOKEN@host`` is how tokens are pasted); ``ssh://git@`` is not."""
    scheme = match.group("scheme").lower()
    return ":" in match.group("userinfo") or scheme in ("http://", "https://")


def has_credentials(text: str) -> bool:
    """Whether ``text`` holds a URL with credentials (``https://user:pass@host/...``)."""
    return any(_secret(match) for match in _USERINFO.finditer(text))


def strip_credentials(text: str) -> str:
    """``text`` with the user part of every URL that can hold a secret replaced by ``***``:
    for records, names, messages and logs."""
    def replace(match: re.Match[str]) -> str:
        return f"{match.group('scheme')}***@" if _secret(match) else match.group(0)

    return _USERINFO.sub(replace, text)
