"""Jupyter notebooks as readable cells instead of JSON."""

from __future__ import annotations

import json
from typing import Any

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


def notebook_to_text(text: str, *, outputs: bool = False) -> str | None:
    """Render a notebook as ``# %%`` cells (markdown and code); None if it is not a notebook.

    With ``outputs`` the text outputs follow each code cell as ``# Output:`` comments and images
    become a one-line placeholder.
    """
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError):  # deeply nested JSON is not a notebook either
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    parts = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type", "code")
        source = _joined(cell.get("source", ""))
        if kind == "code":
            parts.append("# %%\n" + source)
            if outputs:
                parts.extend(_outputs(cell.get("outputs", [])))
        else:
            parts.append(f"# %% [{kind}]\n" + source)
    return "\n\n".join(part.rstrip("\n") for part in parts) + "\n" if parts else ""


def _joined(value: Any) -> str:
    """nbformat allows ``source`` as one string or as a list of lines."""
    if isinstance(value, list):
        return "".join(str(line) for line in value)
    return str(value)


def _outputs(items: Any) -> list[str]:
    rendered = []
    for output in items if isinstance(items, list) else []:
        if not isinstance(output, dict):
            continue
        data = output.get("data", {}) if isinstance(output.get("data"), dict) else {}
        if "text" in output:
            body = _joined(output["text"])
        elif "text/plain" in data:
            body = _joined(data["text/plain"])
        elif output.get("output_type") == "error":
            body = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        else:
            body = ""
        images = [kind for kind in _IMAGE_TYPES if kind in data]
        lines = [f"# {line}" for line in body.rstrip("\n").splitlines()]
        lines += [f"# [{kind} output omitted]" for kind in images]
        if lines:
            rendered.append("# Output:\n" + "\n".join(lines))
    return rendered
