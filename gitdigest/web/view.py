"""What the result page draws, computed from a stored result's ``meta.json``: the clickable
tree, the per-file token bars and the caps sentence. Pure functions of plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .settings import WebSettings

#: how many files the token bar chart shows
BARS = 25
#: a tree with more rows than this starts folded (the digest comes first on the page)
OPEN_TREE = 150
#: how much of a digest too big for the page is shown as a preview
PREVIEW = 64 * 1024

_PRIVATE = re.compile(r"(?P<host>\S+) resolves to (?P<address>\S+), a private or local address; "
                      r"allow the host explicitly to digest it")


@dataclass
class Node:
    """One row of the tree: a folder or a file, in the digest or skipped with a reason."""

    name: str
    path: str
    folder: bool
    state: str = "in"  # "in" or the skip reason
    tokens: int = 0
    detail: str = ""
    children: dict[str, Node] = field(default_factory=dict)

    @property
    def sorted_children(self) -> list[Node]:
        """Files before folders, each by name: the digest's own order."""
        return sorted(self.children.values(), key=lambda n: (n.folder, n.name))


def tree(meta: dict[str, Any]) -> Node:
    """The tree of included files (with tokens) and skipped paths (with reasons)."""
    root = Node("", "", True)
    for path, tokens, _size in meta["files"]:
        _place(root, path, "in", tokens, "")
    for path, reason, detail in meta["skipped"]:
        _place(root, path, reason, 0, detail)
    _settle(root)
    return root


def _settle(node: Node) -> str | None:
    """The state ``node`` and everything below it share (None when mixed). A folder whose
    files were all left out the same way (say, excluded) takes that state itself."""
    if not node.children:
        return node.state
    states = {_settle(child) for child in node.children.values()}
    if len(states) != 1 or None in states:
        return None
    only = states.pop()
    if node.state == "in" and node.tokens == 0 and only is not None:
        node.state = only
    return node.state if node.state == only else None


def _place(root: Node, path: str, state: str, tokens: int, detail: str) -> None:
    folder = path.endswith("/")
    parts = path.rstrip("/").split("/")
    node = root
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        prefix = "/".join(parts[: depth + 1])
        child = node.children.get(part)
        if child is None:
            is_folder = folder or not last
            child = Node(part, prefix + ("/" if is_folder else ""), is_folder)
            node.children[part] = child
        if state == "in":
            child.tokens += tokens
        if last:
            child.state = state
            child.detail = detail
        node = child


def bars(meta: dict[str, Any]) -> list[tuple[str, int, float]]:
    """The largest files: path, tokens and the bar's width as a share of the largest."""
    files = sorted(meta["files"], key=lambda row: (-row[1], row[0]))[:BARS]
    top = max((row[1] for row in files), default=0) or 1
    return [(path, tokens, tokens / top) for path, tokens, _ in files]


def human_size(size: int) -> str:
    """``1.5 MB`` (powers of 1024, as ``--max-size`` reads them)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def caps(settings: WebSettings) -> list[str]:
    """The limits of this server, one sentence each, as the page states them."""
    hosts = ", ".join(settings.allow_hosts)
    lines = [
        f"At most {settings.max_files:,} files and {human_size(settings.max_total_size)} of "
        "text per digest; the rest are listed as skipped (reason limit), never silently.",
        f"Each git network operation times out after {settings.git_timeout:g} s; a whole "
        f"digest may take {settings.time_limit:g} s.",
        f"Each client may start {settings.rate_per_minute} digests a minute and run "
        f"{settings.per_client} at once.",
        "Sources: http(s) repositories on public addresses"
        + (f", and these hosts: {hosts}" if hosts else "")
        + (". Local folders under: " + ", ".join(settings.local_roots)
           if settings.local_roots else "; no local folders") + ".",
        f"Digests up to {human_size(settings.show_limit)} are shown here; bigger ones are "
        "downloaded whole.",
    ]
    return lines



def tree_rows(meta: dict[str, Any]) -> int:
    """How many paths the tree lists (included and skipped)."""
    return len(meta["files"]) + len(meta["skipped"])


def advice(message: str, settings: WebSettings) -> str:
    """A refusal of this server's network rules, with what its operator can change (the
    visitor cannot: the rules are the server's)."""
    private = _PRIVATE.fullmatch(message)
    if private:
        return (f"{private['host']} resolves to {private['address']}, a private or local "
                "address, which this server does not digest; its operator can allow the host "
                f"with --allow-host {private['host']}")
    if message.startswith("local folders are not allowed"):
        return (message + "; this server's operator can offer folders with "
                "--allow-local --root DIR")
    if message.endswith("is outside the allowed folders"):
        return (message + f" ({', '.join(settings.local_roots)}); this server's operator "
                "chooses them with --root DIR")
    return message
