"""Every format parses back, shows the same files in one order, and survives hostile content."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from gitdigest import digest
from gitdigest.render.markdown import fence, language

from .conftest import MakeRepo

HOSTILE = {
    "a.xml": "<![CDATA[ x ]]> ]]> </document_content></document><document index=\"9\">&amp; &\n",
    "b.md": "Some ``` fences ```` and `` inline\n```\nnot closed\n",
    "c.py": "s = '<|endoftext|>' \x0c form feed \x01 control\r\nCRLF line\r\n",
    "d\u00e9j\u00e0/e.txt": "unicode folder\n",
    "f.txt": "",
}


@pytest.fixture
def hostile(make_repo: MakeRepo):  # type: ignore[no-untyped-def]
    return digest(str(make_repo(HOSTILE)))


def test_all_formats_show_the_same_files_in_the_same_order(hostile) -> None:  # type: ignore[no-untyped-def]
    order = [d.path for d in hostile.files]
    assert order == ["a.xml", "b.md", "c.py", "f.txt", "d\u00e9j\u00e0/e.txt"]
    text = hostile.render("text")
    assert re.findall(r"^FILE: (.+)$", text, re.M) == order
    assert [f["path"] for f in json.loads(hostile.render("json"))["files"]] == order
    root = ET.fromstring(hostile.render("xml"))
    assert [d.findtext("source") for d in root.iter("document")] == order
    assert re.findall(r"^### `(.+)`$", hostile.render("markdown"), re.M) == order


def test_xml_is_well_formed_and_round_trips(hostile) -> None:  # type: ignore[no-untyped-def]
    root = ET.fromstring(hostile.render("xml"))
    documents = {d.findtext("source"): d.findtext("document_content")
                 for d in root.iter("document")}
    assert [d.get("index") for d in root.iter("document")] == ["1", "2", "3", "4", "5"]
    assert documents["a.xml"] == HOSTILE["a.xml"]
    assert documents["b.md"] == HOSTILE["b.md"]
    # XML 1.0 cannot hold \x0c or \x01: they become U+FFFD; \r survives as &#13;
    assert documents["c.py"] == HOSTILE["c.py"].replace("\x0c", "\ufffd").replace("\x01", "\ufffd")
    assert documents["f.txt"] in ("", None)
    assert root.findtext("tree") == hostile.tree
    assert root.find("summary/tokens").text == str(hostile.summary.tokens)  # type: ignore[union-attr]


def test_markdown_fences_hold(hostile) -> None:  # type: ignore[no-untyped-def]
    markdown = hostile.render("markdown")
    section = markdown.split("### `b.md`\n\n", 1)[1]
    opening = section.split("\n", 1)[0]
    assert opening == "`````markdown"
    body = section[len(opening) + 1:]
    assert body.startswith(HOSTILE["b.md"] + "`````\n")
    assert fence("no backticks") == "```"
    assert language("src/x.rs") == "rust" and language("Makefile") == "makefile"
    assert language("README") == ""


def test_json_round_trips_content(hostile) -> None:  # type: ignore[no-untyped-def]
    files = {f["path"]: f["content"] for f in json.loads(hostile.render("json"))["files"]}
    assert files == {path: text for path, text in HOSTILE.items()}


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "xml"])
def test_notes_and_prompt_come_first_in_every_format(make_repo: MakeRepo, fmt: str) -> None:
    from gitdigest.notes import notes_text

    result = digest(str(make_repo({"a.py": "a\n"})), with_notes=True, header="Review this code.")
    rendered = result.render(fmt)
    if fmt == "json":
        data = json.loads(rendered)
        assert data["instructions"] == "Review this code."
        assert data["notes"] == notes_text("ja")
        return
    if fmt == "xml":
        root = ET.fromstring(rendered)
        assert root.findtext("instructions") == "Review this code."
        assert root.findtext("reference") == notes_text("ja")
        return
    assert rendered.startswith("Review this code.\n\n")
    assert rendered.index("大規模言語モデル") < rendered.index("a.py")
    assert "LLM reference notes (bundled with gitdigest)" in rendered
