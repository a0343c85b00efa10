"""``--copy``: the digest onto the clipboard through the platform's own tool."""

from __future__ import annotations

import os
import shutil
import subprocess

from ..core.errors import ClipboardError

# (program, arguments, the environment variable its display needs, if any)
TOOLS = (
    ("wl-copy", (), "WAYLAND_DISPLAY"),
    ("xclip", ("-selection", "clipboard"), "DISPLAY"),
    ("xsel", ("--clipboard", "--input"), "DISPLAY"),
    ("pbcopy", (), None),
    ("clip", (), None),
)


def copy(text: str) -> str:
    """Copy ``text``; return the tool used."""
    headless: list[tuple[str, str]] = []  # installed, but the display they need is not set
    for program, arguments, display in TOOLS:
        path = shutil.which(program)
        if path is None:
            continue
        if display is not None and not os.environ.get(display):
            headless.append((program, display))
            continue
        encoding = "utf-16-le" if program == "clip" else "utf-8"
        result = subprocess.run([path, *arguments], input=text.encode(encoding),
                                capture_output=True, check=False, timeout=30)
        if result.returncode != 0:
            raise ClipboardError(f"{program} failed: "
                                 f"{result.stderr.decode(errors='replace').strip()}")
        return program
    if headless:
        tools = " and ".join(program for program, _ in headless)
        unset = " and ".join(sorted({variable for _, variable in headless}))
        raise ClipboardError(f"no display for the clipboard: {tools} "
                             f"{'is' if len(headless) == 1 else 'are'} installed but {unset} "
                             f"{'is' if ' and ' not in unset else 'are'} not set (no graphical "
                             "session); write the digest with -o FILE or -o - instead")
    raise ClipboardError("no clipboard tool found: install wl-clipboard (Wayland) or xclip or "
                         "xsel (X11); macOS and Windows have pbcopy and clip")
