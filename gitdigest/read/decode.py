"""Bytes to text: binary detection from content, BOMs, UTF-16/32, UTF-8 with a few bad bytes,
and legacy 8-bit fallbacks."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bytes that text almost never holds: C0 controls except tab, newlines, form feed, escape.
_CONTROL = bytes([*range(0, 8), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_SAMPLE = 8192
_CONTROL_RATIO = 0.10


#: UTF-8 whose few invalid bytes were replaced by U+FFFD (decoded again the same way)
UTF8_REPLACED = "utf-8+replaced"


@dataclass(frozen=True)
class Decoded:
    """Text and the charset it was decoded with (``utf-8`` for the usual case)."""

    text: str
    charset: str


def decode(data: bytes) -> Decoded | None:
    """Decode ``data`` as text, or return None when it is binary.

    Order: a BOM decides; NUL bytes or many control bytes mean binary; then strict UTF-8; then
    UTF-8 with U+FFFD for a few bad bytes (:func:`mostly_utf8`); then charset detection for
    legacy encodings (Latin-1, cp1252, Shift-JIS...).
    """
    for bom, charset in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom):].decode(_codec(charset)), charset)
            except UnicodeDecodeError:
                return None
    if b"\0" in data or _looks_binary(data[:_SAMPLE]):
        return None
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    return Decoded(text, UTF8_REPLACED) if mostly_utf8(data, text) else _legacy(data)


def mostly_utf8(data: bytes, text: str) -> bool:
    """Whether ``data`` (decoded as ``text`` with U+FFFD for invalid sequences) is UTF-8 with
    a few bad bytes rather than another encoding: it holds at least one valid multi-byte
    UTF-8 character and no more invalid sequences than valid ones. A file in Latin-1, cp1252
    or Shift-JIS almost never holds valid UTF-8 sequences: nearly all its non-ASCII bytes
    are invalid, and charset detection decides it."""
    replaced = text.count("\ufffd")
    bad = replaced - data.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", "ignore")) - replaced
    return 0 < bad <= valid


def decode_as(data: bytes, charset: str) -> str:
    """Decode again with the charset :func:`decode` chose (the render pass uses this)."""
    for bom, name in _BOMS:
        if name == charset and data.startswith(bom):
            return data[len(bom):].decode(_codec(charset))
    return data.decode(_codec(charset), "replace")


def _codec(charset: str) -> str:
    return "utf-8" if charset in ("utf-8-sig", UTF8_REPLACED) else charset


def _looks_binary(sample: bytes) -> bool:
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls / len(sample) > _CONTROL_RATIO


def _legacy(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes  # imported only for the rare non-UTF-8 file

    best = from_bytes(data).best()
    if best is None:
        return None
    charset = "cp1252" if _reads_as_cp1252(data, best.chaos) else codecs.lookup(best.encoding).name
    try:
        return Decoded(data.decode(charset), charset)
    except (UnicodeDecodeError, LookupError):
        return None


def _reads_as_cp1252(data: bytes, chaos: float) -> bool:
    """Whether ``data`` reads as cleanly in cp1252 (Latin-1 as Windows writes it) as in the
    detector's best guess. On a short text many code pages tie and the detector names the
    first (``café`` came out as cp1006, Urdu); a source file in an 8-bit encoding is far
    more often Western European than anything else, so cp1252 wins a tie and only a tie:
    Cyrillic, Greek or Polish text read as cp1252 is a mess of accents and loses."""
    from charset_normalizer.md import mess_ratio

    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # five bytes cp1252 leaves undefined
        return False
    return mess_ratio(text[:_SAMPLE * 8], maximum_threshold=1.0) <= chaos
