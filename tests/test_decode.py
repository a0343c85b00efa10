"""Binary detection from content and decoding of every common text encoding."""

from __future__ import annotations

import codecs

import pytest

from gitdigest.read.decode import decode, decode_as

TEXT = "naïve café – 日本語\n"


@pytest.mark.parametrize(
    ("data", "charset"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32-be"),
    ],
)
def test_unicode_with_and_without_bom(data: bytes, charset: str) -> None:
    decoded = decode(data)
    assert decoded is not None
    assert (decoded.text, decoded.charset) == (TEXT, charset)
    assert decode_as(data, charset) == TEXT


def test_latin1_is_text_not_binary() -> None:
    text = "Les élèves français étudient à l'école où ça déçoit.\n" * 20
    decoded = decode(text.encode("latin-1"))
    assert decoded is not None
    assert decoded.text == text
    assert decoded.charset != "utf-8"
    assert decode_as(text.encode("latin-1"), decoded.charset) == text


def test_utf8_beyond_the_first_kilobyte() -> None:
    text = "a" * 1023 + "é" + "b" * 100  # a 2-byte character straddles byte 1024
    decoded = decode(text.encode("utf-8"))
    assert decoded is not None and decoded.text == text


@pytest.mark.parametrize(
    "data",
    [b"\x7fELF\x02\x01\x01\x00" + bytes(100), bytes(range(256)) * 4,
     b"GIF89a" + bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 50],
)
def test_binary_from_content(data: bytes) -> None:
    assert decode(data) is None


def test_empty_and_escape_sequences_are_text() -> None:
    empty = decode(b"")
    assert empty is not None and empty.text == ""
    coloured = b"\x1b[31mred\x1b[0m and plain\n"
    decoded = decode(coloured)
    assert decoded is not None and decoded.text == coloured.decode()


def test_crlf_is_kept_as_is() -> None:
    decoded = decode(b"a\r\nb\r\n")
    assert decoded is not None and decoded.text == "a\r\nb\r\n"
