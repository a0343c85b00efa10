"""Digest a repository from Python and look at the result.

Run: python examples/python_api.py [PATH]
"""

from __future__ import annotations

import sys

from gitdigest import digest


def main(path: str = ".") -> None:
    result = digest(path, exclude=["tests/"], max_size="1MB")
    print(f"{result.summary.files} files, {result.summary.tokens:,} tokens ({result.tokenizer})")
    for document in result.largest[:3]:
        print(f"  {document.path}: {document.tokens:,} tokens")
    for skipped in result.skipped[:3]:
        print(f"  skipped {skipped.path}: {skipped.reason} ({skipped.detail})")
    if "--json" in sys.argv:
        result.write("-", format="json")


if __name__ == "__main__":
    main(next((arg for arg in sys.argv[1:] if not arg.startswith("--")), "."))
