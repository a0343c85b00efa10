"""--compress: per language, every signature stays and no body does; the map lists definitions."""

from __future__ import annotations

import pytest

from gitdigest.focus.compress import MARKER, language_of, outline

pytestmark = pytest.mark.extra

# (path, source, signatures that must stay, body lines that must go)
CASES = [
    ("pkg/service.py", '''"""Service layer.

More detail that the outline drops.
"""
import os
from typing import Any

LIMIT = 10  # top-level constant


@dataclass
class Service(Base):
    """A service.

    Long explanation.
    """

    name: str = "x"

    @property
    def size(self) -> int:
        """How big.

        Details.
        """
        secret_body_1 = os.getcwd()
        return len(secret_body_1)

    async def fetch(self, url: str, *, retries: int = 3) -> Any:
        secret_body_2 = await get(url)
        return secret_body_2


def helper(a, b=2):
    def inner():
        secret_body_3 = 1
    return a + b
''', ["import os", "from typing import Any", "LIMIT = 10", "@dataclass",
      "class Service(Base):", '"""A service."""', "@property", "def size(self) -> int:",
      '"""How big."""', "async def fetch(self, url: str, *, retries: int = 3) -> Any:",
      "def helper(a, b=2):", '"""Service layer."""', 'name: str = "x"'],
     ["secret_body", "Long explanation", "Details.", "def inner", "top-level constant",
      "More detail"]),
    ("web/app.js", """import { a } from './a.js';
// a comment
export const VERSION = '1.0';
export function start(port, host) {
  const secret_body_1 = port + 1;
  return secret_body_1;
}
class Router extends Base {
  route(path, handler) {
    const secret_body_2 = path;
  }
}
const handle = async (req) => {
  const secret_body_3 = req;
};
""", ["import { a } from './a.js';", "export const VERSION = '1.0';",
      "export function start(port, host)", "class Router extends Base", "route(path, handler)",
      "const handle = async (req) =>"], ["secret_body", "a comment"]),
    ("web/types.ts", """import type { X } from './x';
export interface Options { depth: number; }
export type Id = string;
export class Store<T> implements Repo<T> {
  private items: T[] = [];
  get(id: Id): T | undefined {
    const secret_body_1 = this.items.find((i) => i.id === id);
    return secret_body_1;
  }
}
export function make(options: Options): Store<X> {
  return new Store(secret_body_2);
}
""", ["import type { X } from './x';", "export interface Options { depth: number; }",
      "export type Id = string;", "export class Store<T> implements Repo<T>",
      "private items: T[] = [];", "get(id: Id): T | undefined",
      "export function make(options: Options): Store<X>"], ["secret_body"]),
    ("cmd/main.go", """package main

import (
\t"fmt"
)

// MaxSize is a constant.
const MaxSize = 10

type Server struct {
\tAddr string
}

func (s *Server) Serve(port int) error {
\tsecretBody1 := fmt.Sprint(port)
\treturn nil
}

func main() {
\tsecretBody2 := 1
}
""", ["package main", '"fmt"', "const MaxSize = 10", "type Server struct {", "Addr string",
      "func (s *Server) Serve(port int) error", "func main()"], ["secretBody", "is a constant"]),
    ("src/lib.rs", """use std::fmt;

pub const LIMIT: usize = 3;

/// A point.
pub struct Point { pub x: i32 }

pub trait Shape {
    fn area(&self) -> f64;
}

impl Shape for Point {
    fn area(&self) -> f64 {
        let secret_body_1 = 1.0;
        secret_body_1
    }
}

pub fn parse<T: FromStr>(text: &str) -> Result<T, Error> {
    let secret_body_2 = text.parse();
    secret_body_2
}
""", ["use std::fmt;", "pub const LIMIT: usize = 3;", "pub struct Point { pub x: i32 }",
      "pub trait Shape", "fn area(&self) -> f64;", "impl Shape for Point",
      "fn area(&self) -> f64 {", "pub fn parse<T: FromStr>(text: &str) -> Result<T, Error>"],
     ["secret_body"]),
    ("src/App.java", """package com.example;

import java.util.List;

@Service
public class App extends Base {
    private static final int LIMIT = 3;

    public App(String name) {
        this.secretBody1 = name;
    }

    @Override
    public List<String> names(int count) throws IOException {
        String secretBody2 = "x";
        return List.of(secretBody2);
    }
}
""", ["package com.example;", "import java.util.List;", "@Service",
      "public class App extends Base", "private static final int LIMIT = 3;",
      "public App(String name)", "@Override",
      "public List<String> names(int count) throws IOException"], ["secretBody"]),
    ("src/util.c", """#include <stdio.h>
#define LIMIT 10
/* license text */
struct point { int x; int y; };
static const int table[] = {1, 2};

static int *find(struct point *p, int n) {
    int secret_body_1 = n;
    return 0;
}

int main(int argc, char **argv) {
    int secret_body_2 = 0;
    return secret_body_2;
}
""", ["#include <stdio.h>", "#define LIMIT 10", "struct point { int x; int y; };",
      "static const int table[] = {1, 2};", "static int *find(struct point *p, int n)",
      "int main(int argc, char **argv)"], ["secret_body", "license text"]),
    ("src/widget.cpp", """#include <vector>
namespace ui {
class Widget : public Base {
 public:
  explicit Widget(int size);
  int size() const { return secret_body_1; }
};
int Widget::area(int scale) const {
  int secret_body_2 = scale;
  return secret_body_2;
}
}  // namespace ui
""", ["#include <vector>", "namespace ui", "class Widget : public Base",
      "explicit Widget(int size);", "int size() const", "int Widget::area(int scale) const"],
     ["secret_body"]),
    ("src/Cart.cs", """using System;
namespace Shop {
    [Serializable]
    public class Cart : ICart {
        public const int Max = 5;
        public Cart(int size) { secretBody1 = size; }
        public decimal Total(decimal tax) {
            var secretBody2 = tax;
            return secretBody2;
        }
    }
}
""", ["using System;", "namespace Shop", "[Serializable]", "public class Cart : ICart",
      "public const int Max = 5;", "public Cart(int size)", "public decimal Total(decimal tax)"],
     ["secretBody"]),
    ("lib/cart.rb", """require 'json'

module Shop
  LIMIT = 5

  class Cart < Base
    def initialize(items)
      @secret_body_1 = items
    end

    def self.load(path, strict: true)
      secret_body_2 = File.read(path)
    end
  end
end
""", ["require 'json'", "module Shop", "LIMIT = 5", "class Cart < Base",
      "def initialize(items)", "def self.load(path, strict: true)"], ["secret_body"]),
    ("src/Cart.php", """<?php
namespace Shop;

use Foo\\Bar;

const LIMIT = 5;

#[Entity]
class Cart extends Base implements Countable {
    private int $size = 0;

    public function count(): int {
        $secretBody1 = $this->size;
        return $secretBody1;
    }
}

function helper(array $items): array {
    return $secretBody2;
}
""", ["namespace Shop;", "use Foo\\Bar;", "const LIMIT = 5;", "#[Entity]",
      "class Cart extends Base implements Countable", "private int $size = 0;",
      "public function count(): int", "function helper(array $items): array"], ["secretBody"]),
]


@pytest.mark.parametrize(("path", "source", "kept", "gone"), CASES,
                         ids=[case[0].rpartition(".")[2] for case in CASES])
def test_every_signature_stays_and_no_body(path: str, source: str, kept: list[str],
                                           gone: list[str]) -> None:
    found = outline(path, source)
    assert found is not None
    for line in kept:
        assert line in found.compressed, f"{line!r} lost from\n{found.compressed}"
    for text in gone:
        assert text not in found.compressed, f"{text!r} kept in\n{found.compressed}"
    assert MARKER in found.compressed
    assert len(found.compressed) < len(source)
    entry = found.map_entry()  # the map: definitions only, never a body
    assert entry and all(text not in entry for text in gone)


def test_map_entry_lists_definitions_with_members_indented() -> None:
    found = outline("service.py", CASES[0][1])
    assert found is not None
    assert found.map_entry() == (
        "class Service(Base)\n"
        "  def size(self) -> int\n"
        "  async def fetch(self, url: str, *, retries: int = 3) -> Any\n"
        "def helper(a, b=2)\n")  # `inner` is inside a body: not part of the map
    assert [d.name for d in found.definitions] == ["Service", "size", "fetch", "helper", "inner"]


def test_languages_by_extension() -> None:
    assert language_of("a/b.py") == "python"
    assert language_of("x.TSX") == "typescript"
    assert language_of("x.h") == "c"
    assert language_of("README.md") is None and language_of("Makefile") is None
    assert outline("notes.txt", "def f(): pass") is None


def test_broken_and_odd_text_never_fails() -> None:
    for text in ["def (:\n  x = [", "", "\udcff\n def f(x):\n    return x\n", "é = 1\n"]:
        found = outline("odd.py", text)
        assert found is not None and isinstance(found.compressed, str)


COMMENTED = '''import os  # why os
# a comment on its own line
def _set_debug(self, value: bool) -> bool | None:  # If the flag isn't provided
    # the body's own comment
    return None


def parse(text: str) -> int:
    """Parse the text that the caller
    gives, on two lines.

    A second paragraph that the outline drops.
    """
    count = 1  # trailing
    return count


def long(text: str) -> int:
    """Read a very long first paragraph. It goes on and on, about every detail of how the
    text is read and which of its parts are kept and which are dropped, long past what an
    outline needs to say about it, and ends here.
    """
    return 0

LIMIT = 2  # a note
'''


def test_map_entries_carry_no_comments() -> None:
    found = outline("a.py", COMMENTED)
    assert found is not None
    assert found.map_entry().splitlines() == [
        "def _set_debug(self, value: bool) -> bool | None", "def parse(text: str) -> int",
        "def long(text: str) -> int"]


def test_compressed_text_has_no_trailing_spaces_or_comment_lines() -> None:
    found = outline("a.py", COMMENTED)
    assert found is not None
    lines = found.compressed.splitlines()
    assert not [line for line in lines if line != line.rstrip()]
    assert "#" not in found.compressed
    assert lines[:4] == ["import os", "def _set_debug(self, value: bool) -> bool | None:",
                         f"    {MARKER}", ""]
    assert "LIMIT = 2" in lines


def test_docstrings_are_cut_at_a_paragraph_or_sentence_end() -> None:
    found = outline("a.py", COMMENTED)
    assert found is not None
    assert '    """Parse the text that the caller gives, on two lines."""' in found.compressed
    assert '    """Read a very long first paragraph."""' in found.compressed
    assert "second paragraph" not in found.compressed


MANY = "".join(f"def step_{i:02}(value: int) -> int:\n    return value + {i}\n\n\n"
               for i in range(30))


def test_a_map_entry_lists_the_names_picked_first_in_file_order() -> None:
    found = outline("steps.py", MANY)
    assert found is not None
    plain = found.map_entry().splitlines()
    assert plain[-1] == f"{MARKER} 14 more" and "def step_25(value: int) -> int" not in plain
    aimed = found.map_entry(lambda name: int(name in {"step_25", "step_03"})).splitlines()
    assert aimed[-1] == f"{MARKER} 14 more" and len(aimed) == len(plain)
    # the picked names first, then the rest top level first; written in file order
    assert aimed[:4] == ["def step_00(value: int) -> int", "def step_01(value: int) -> int",
                         "def step_02(value: int) -> int", "def step_03(value: int) -> int"]
    assert "def step_25(value: int) -> int" in aimed
    assert "def step_15(value: int) -> int" not in aimed  # the last plain one made room
