"""Binary detection from content and decoding of every common text encoding."""

from __future__ import annotations

import codecs

import pytest

from gitdigest import digest
from gitdigest.count.tokens import TokenCounter
from gitdigest.read.decode import UTF8_REPLACED, decode, decode_as

from .conftest import MakeRepo

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


@pytest.mark.parametrize(
    "text", ["café latin\n", "# résumé of the naïve café\nx = 1\n", "Größe der Datei äöü\n"])
def test_a_short_latin1_text_reads_as_cp1252(text: str) -> None:
    # the detector alone ties many code pages here and names cp1006 (Urdu) or cp1250
    decoded = decode(text.encode("cp1252"))
    assert decoded is not None
    assert (decoded.text, decoded.charset) == (text, "cp1252")


@pytest.mark.parametrize(
    ("text", "charset"),
    [("Привет мир, как дела\n", "cp1251"), ("Γειά σου κόσμε, τι κάνεις\n", "cp1253"),
     ("Zażółć gęślą jaźń\n", "cp1250"), ("こんにちは世界、テストです\n", "shift_jis")])
def test_other_legacy_encodings_are_not_read_as_cp1252(text: str, charset: str) -> None:
    decoded = decode(text.encode(charset))
    assert decoded is not None
    assert decoded.text == text


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


@pytest.mark.parametrize(("data", "text"), [
    ("valid é then invalid ".encode() + b"\xff\n", "valid é then invalid \ufffd\n"),
    ("日本語 ".encode() * 50 + b"\x80\x81 end\n", "日本語 " * 50 + "\ufffd\ufffd end\n"),
    ("a literal \ufffd, é and ".encode() + b"\xfe\n", "a literal \ufffd, é and \ufffd\n"),
])
def test_mostly_utf8_keeps_its_valid_characters(data: bytes, text: str) -> None:
    decoded = decode(data)
    assert decoded is not None and decoded.text == text
    assert decoded.charset == UTF8_REPLACED
    assert decode_as(data, decoded.charset) == text


def test_more_bad_bytes_than_good_characters_is_not_utf8() -> None:
    # one valid "é" (as Latin-1 can produce by chance: "Ã©") among many lone Latin-1 bytes
    data = "Les élèves français étudient à l'école où ça déçoit.\n".encode("latin-1") * 20
    decoded = decode(data + "é".encode())
    assert decoded is not None and decoded.charset != UTF8_REPLACED


def test_a_mostly_utf8_file_is_named_in_a_warning(make_repo: MakeRepo) -> None:
    root = make_repo({"mixed.txt": "valid é then invalid ".encode() + b"\xff\n", "ok.txt": "é\n"})
    result = digest(str(root))
    assert result.notes == ["mixed.txt is UTF-8 with a few invalid bytes: they are shown as "
                            "U+FFFD"]
    text = result.render("text")
    assert "valid é then invalid \ufffd\n" in text
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens


def test_the_warning_shows_the_mostly_utf8_files_name_escaped(make_repo: MakeRepo) -> None:
    """The repository names the file: a newline in the name wrote a warning line of its own."""
    name = "m.txt\ngitdigest: warning: all clear"
    root = make_repo({name: "valid é then invalid ".encode() + b"\xff\n"})
    assert [note for note in digest(str(root)).notes if "invalid bytes" in note] == [
        '"m.txt\\ngitdigest: warning: all clear" is UTF-8 with a few invalid bytes: they are '
        "shown as U+FFFD"]
