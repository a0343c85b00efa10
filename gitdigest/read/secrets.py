"""Offline secret detection and in-place redaction with MongoDB's Kingfisher.

``scan`` finds secrets in one file's text, ``redact`` replaces each with ``[REDACTED:<rule>]``
and keeps every other character, and ``only_secret`` tells a file that is nothing but a secret
(a private key file) from a file that merely holds one. ``apply`` puts the three together for
one of the ``MODES``.

The scanner (``kingfisher-secret-scanner``, imported as ``kingfisher_sdk``) is imported and
built on first use, once per process, never when this module is imported. It only detects:
Kingfisher's validation and revocation (which call provider APIs) are never imported or used,
so scanning makes no network connection. Its rules are compiled with Vectorscan; the compiled
database is kept in Kingfisher's rule cache (``$KF_RULE_CACHE_DIR``, else
``$XDG_CACHE_HOME/kingfisher``), which turns a ~5 s compile into a ~0.5 s load on later runs.

A scanner built before the pipeline forks its workers is inherited by them and works there.
A ``Finding`` never holds the secret itself: only where it is and which rule found it.

Kingfisher never sees a file's real path, only a neutral name (:func:`scan_name`): it skips
some paths outright (images and fonts, lockfiles, ``node_modules/``, vendored folders), and a
digest shows those texts all the same when an include or ``--no-default-ignores`` brings them
in. The name keeps the one part of a path that rules read for what it says about the text, a
few extensions (``.yaml`` for Kubernetes secrets, ``.tf``, ``.php``, ``.html``/``.css`` for
markup context, ``.md`` and friends for documentation), and never one Kingfisher skips.

Kingfisher reports an AWS access key id only beside its secret key (as its validation needs
both); an id alone still names the account, so :data:`AWS_KEY_ID` finds it on its own.
"""

from __future__ import annotations

import bisect
import importlib.metadata
import itertools
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..core import background
from ..core.errors import SecretScanError
from ..options import SECRET_MODES

MODES = SECRET_MODES
_CONFIDENCE: Literal["medium"] = "medium"
REASON = "secret"  # the skip reason of a file withheld because of a secret

# Kingfisher's rule ids are namespaced ("betterleaks.github-pat", "veles.secrets/sendgrid");
# the namespace says which upstream catalogue a rule came from, not what it found.
_NAMESPACES = ("betterleaks.", "veles.secrets/", "kingfisher.", "custom.")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# What may remain of a file that is only a secret: PEM armour and RFC 1421 headers.
_ARMOUR = re.compile(
    r"^[ \t]*(?:-----(?:BEGIN|END) [A-Z0-9 ]+-----|Proc-Type:.*|DEK-Info:.*)[ \t]*\r?$",
    re.MULTILINE,
)

#: the name Kingfisher is told a text has, unless the path says something rules read
NEUTRAL_NAME = "gitdigest-input"
#: extensions that rules or their filters read for what the text is: rules bound to a path
#: (``.php``, ``.tf``/``.hcl``, ``.yaml``/``.yml``), HTML and CSS (markup context), and
#: documentation and example files (the credential-URI rule's filter). Kingfisher skips none
#: of them (tests/test_secrets.py checks that, and that no path rule is left without its name).
_MEANINGFUL_SUFFIXES = frozenset({
    ".php", ".tf", ".hcl", ".yaml", ".yml", ".html", ".htm", ".xhtml", ".css",
    ".md", ".mdx", ".rst", ".adoc", ".asciidoc", ".example", ".sample", ".template"})
#: whole file names that rules look for
_MEANINGFUL_NAMES = frozenset({"nuget.config", ".git-credentials"})
#: an AWS access key id, long-term (AKIA) or temporary (ASIA); AWS's documentation's ids
#: end in EXAMPLE and are left alone
AWS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])")
_AWS_RULE = "aws-access-token"  # Kingfisher's name for the id beside its secret
#: what we add to Kingfisher, for the cache key: a count cached as "no secret" by a scan that
#: was given the real path (and skipped the file) must not be trusted now
_OWN_RULES = "neutral-names.aws-key-ids"


@dataclass(frozen=True)
class Finding:
    """One secret: 1-based ``line`` where it starts, the ``rule`` that found it (short, no
    spaces), and the character offsets ``start``/``end`` into the scanned text."""

    line: int
    rule: str
    start: int
    end: int


_lock = threading.Lock()
_scanner: Any = None


def engine() -> str:
    """What finds secrets, for the token cache key: a count cached as "no secret" must not
    outlive the scanner (or the rules) that decided it."""
    try:
        version = importlib.metadata.version("kingfisher-secret-scanner")
    except importlib.metadata.PackageNotFoundError:
        version = "missing"
    return f"kingfisher-{version}-{_CONFIDENCE}-{_OWN_RULES}"


def load(cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Build the scanner for this process unless it is built already.

    Call it before forking workers so they inherit it instead of each loading the rules.
    ``cache_dir`` chooses where the compiled rules are cached (default: Kingfisher's own).
    """
    _get(cache_dir)


def load_in_background(cache_dir: str | os.PathLike[str] | None = None) -> Callable[[], None]:
    """Start ``load`` in a thread and return ``wait``, which joins it and raises its error.

    Loading the rules (~0.5 s with a warm rule cache) runs mostly outside the GIL, so it
    overlaps the tokenizer's load; call ``wait`` before forking (never fork with it running).
    """
    return background.start(lambda: load(cache_dir), "gitdigest-secrets-load")


def _get(cache_dir: str | os.PathLike[str] | None = None) -> Any:
    global _scanner
    if _scanner is not None:
        return _scanner
    with _lock:
        if _scanner is None:
            try:
                import kingfisher_sdk
            except ImportError as exc:
                raise SecretScanError(
                    "secret scanning needs the kingfisher-secret-scanner package "
                    f"(pip install kingfisher-secret-scanner): {exc}") from exc
            try:
                rules = kingfisher_sdk.Rules(confidence=_CONFIDENCE, cache_dir=cache_dir)
                # The CLI's matching (HTML/CSS context, contained secrets suppressed, nested
                # Base64), but without honouring "kingfisher:ignore" comments: a repository
                # cannot ask for its own secrets to be left in.
                scanner = kingfisher_sdk.DetectionScanner(rules, inline_ignores=False)
            except Exception as exc:
                raise SecretScanError(
                    f"the secret scanner could not load its rules: {exc}") from exc
            _scanner = _scan_function(scanner, kingfisher_sdk.ScanInput)
    return _scanner


def _scan_function(scanner: Any, scan_input: Any) -> Callable[[str, bytes], Any]:
    """``(path, data) -> findings``. The SDK's ``scan_input`` only checks its argument and
    hands ``data`` and ``path`` to the native scanner, then wraps each finding; calling the
    native scanner directly saves ~9 µs a file (a third of a small file's scan), which is
    0.9 s of CPU over 100,000 files. The native findings have the attributes we read. If a
    later SDK moves its insides, the public call is used."""
    direct = getattr(getattr(scanner, "_native", None), "scan_input", None)
    if callable(direct):
        return lambda path, data: direct(data, path)
    return lambda path, data: scanner.scan_input(scan_input(path, data))


def short_rule(rule_id: str) -> str:
    """``betterleaks.github-pat`` -> ``github-pat``: the name used in ``[REDACTED:...]``."""
    for namespace in _NAMESPACES:
        if rule_id.startswith(namespace):
            rule_id = rule_id[len(namespace):]
            break
    return _UNSAFE.sub("-", rule_id).strip("-") or "secret"


def scan_name(path: str) -> str:
    """The name Kingfisher sees for the file at ``path``: a neutral name, with the file's
    extension only when rules read it (see the module's docstring). Never a name Kingfisher
    skips, so every text we show is scanned, wherever it lies."""
    name = path.rpartition("/")[2].lower()
    if name in _MEANINGFUL_NAMES:
        return name
    dot = name.rfind(".")
    suffix = name[dot:] if dot > 0 else ""
    return NEUTRAL_NAME + suffix if suffix in _MEANINGFUL_SUFFIXES else NEUTRAL_NAME


def scan(text: str, path: str) -> list[Finding]:
    """The secrets in ``text`` (the file at ``path``, whose extension some rules read), sorted
    by position, overlapping findings merged into one (named after the first, longest)."""
    if not text or text.isspace():
        return []
    data = text.encode("utf-8", "surrogatepass")  # one char -> 1 to 4 bytes, never fails
    try:
        raw = _get()(scan_name(path), data)
    except SecretScanError:
        raise
    except Exception as exc:
        raise SecretScanError(f"{path}: secret scan failed: {type(exc).__name__}: {exc}") from exc
    ids = _aws_key_ids(text, data)
    if not raw and not ids:
        return []
    size = len(data)
    spans = ids
    for found in raw:
        location = found.location
        start = _boundary(data, min(int(location["start_offset"]), size), -1)
        end = _boundary(data, min(int(location["end_offset"]), size), +1)
        if end > start:
            spans.append((start, end, not found.visible, short_rule(found.rule_id)))
    # Earliest first, then longest, then the rule Kingfisher reports over its helpers.
    spans.sort(key=lambda span: (span[0], -span[1], span[2]))
    merged: list[list[Any]] = []
    for start, end, _, rule in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, rule])
    to_char = _char_offsets(data, {offset for span in merged for offset in span[:2]},
                            ascii_only=text.isascii())
    findings = []
    for start, end, rule in merged:
        first, last = to_char[start], to_char[end]
        findings.append(Finding(text.count("\n", 0, first) + 1, rule, first, last))
    return findings


def _aws_key_ids(text: str, data: bytes) -> list[tuple[int, int, bool, str]]:
    """AWS access key ids in ``text`` as spans of byte offsets into ``data``, the way
    :func:`scan` takes Kingfisher's. Kingfisher finds an id only within a few lines of its
    secret key; alone, it still names the account."""
    if "AKIA" not in text and "ASIA" not in text:  # the usual case, at memchr speed
        return []
    spans = []
    for match in AWS_KEY_ID.finditer(text):
        if match.group().endswith("EXAMPLE"):
            continue
        start = match.start() if text.isascii() else len(
            text[:match.start()].encode("utf-8", "surrogatepass"))
        spans.append((start, start + 20, False, _AWS_RULE))  # the id is 20 ASCII characters
    return spans


def scan_each(texts: Sequence[str], what: str = "") -> list[list[Finding]]:
    """The secrets in each of many short texts (path names, commit subjects), found in one
    scan of them all, one after another on lines of their own: each finding is clipped to the
    text it falls in, with offsets and line into that text. ``what`` names the texts in an
    error message."""
    if not texts:
        return []
    found: list[list[Finding]] = [[] for _ in texts]
    findings = scan("\n".join(texts), what or NEUTRAL_NAME)
    if not findings:  # the usual case: no offsets needed (100,000 paths in ~0.1 s)
        return found
    starts = list(itertools.accumulate((len(text) + 1 for text in texts), initial=0))
    for finding in findings:
        first = bisect.bisect_right(starts, finding.start) - 1
        last = bisect.bisect_right(starts, max(finding.end - 1, finding.start)) - 1
        for index in range(first, last + 1):
            base, text = starts[index], texts[index]
            start, end = max(finding.start - base, 0), min(finding.end - base, len(text))
            if end > start:
                found[index].append(Finding(text.count("\n", 0, start) + 1, finding.rule,
                                            start, end))
    return found


def _boundary(data: bytes, offset: int, step: int) -> int:
    """``offset`` moved off a UTF-8 continuation byte: back for a start, forward for an end,
    so a match that begins or ends inside a character covers all of it."""
    while 0 < offset < len(data) and data[offset] & 0xC0 == 0x80:
        offset += step
    return offset


def _char_offsets(data: bytes, bounds: set[int], *, ascii_only: bool) -> dict[int, int]:
    """Character offset of each byte offset in ``bounds`` (each on a character boundary)."""
    if ascii_only:
        return {offset: offset for offset in bounds}
    mapping = {}
    position = chars = 0
    for offset in sorted(bounds):
        chars += len(data[position:offset].decode("utf-8", "surrogatepass"))
        mapping[offset] = chars
        position = offset
    return mapping


def redact(text: str, findings: Sequence[Finding]) -> str:
    """``text`` with each finding replaced by ``[REDACTED:<rule>]``, everything else kept."""
    parts = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position:  # overlaps the previous one (not from scan)
            if finding.end > position:
                position = finding.end
            continue
        parts.append(text[position:finding.start])
        parts.append(f"[REDACTED:{finding.rule}]")
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def only_secret(text: str, findings: Sequence[Finding]) -> bool:
    """True when the findings are all there is: take them out, and what remains is white
    space and PEM armour (``-----BEGIN ... PRIVATE KEY-----``, ``Proc-Type:``...)."""
    if not findings:
        return False
    parts = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        parts.append(text[position:finding.start])
        position = max(position, finding.end)
    parts.append(text[position:])
    return not _ARMOUR.sub("", "\n".join(parts)).strip()


def apply(text: str, path: str, mode: str = "redact") -> tuple[str | None, list[Finding]]:
    """One file under ``mode``: the text to digest (``None``: withhold the file, reason
    ``REASON``) and the findings to report. ``redact`` withholds only a file that is nothing
    but a secret; ``exclude`` withholds every file with a secret; ``off`` does not scan."""
    if mode not in MODES:
        raise SecretScanError(f"unknown secrets mode {mode!r} (choose from {', '.join(MODES)})")
    if mode == "off":
        return text, []
    findings = scan(text, path)
    if not findings:
        return text, findings
    if mode == "exclude" or only_secret(text, findings):
        return None, findings
    return redact(text, findings), findings
