"""Progress on a terminal: click's progress bar for counted work, a one-line status for the
rest. Used by surfaces that talk to a person (the command line); the library only calls a
:data:`~gitdigest.sources.Progress` callback and prints nothing.

Progress is drawn only when stderr is a terminal: a pipe, a file or a CI log gets none of it
(no carriage returns, no escape codes), and the digest's own sink never sees any.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from typing import Any, TextIO

import click

from ..sources import Step

_ERASE = "\r\033[K"  # back to the line's start, clear to its end
_TICK = 0.5  # seconds between redraws of the elapsed time


def wants_color(stream: TextIO | None = None) -> bool:
    """Colour only for a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    stream = stream or sys.stderr
    return stream.isatty() and not os.environ.get("NO_COLOR")


class TerminalProgress:
    """A :data:`~gitdigest.sources.Progress` callback that draws on a terminal. Call
    :meth:`close` before printing anything else on the stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._bar: Any = None  # click's ProgressBar (a private class)
        self._stage = ""
        self._status = ""
        self._since = time.monotonic()
        # A bar moves as files finish, and one huge file can take a minute: a ticker redraws
        # the elapsed time meanwhile, so a long step never looks hung.
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="gitdigest-progress",
                                        daemon=True)
        self._ticker.start()

    @classmethod
    def for_stderr(cls) -> TerminalProgress | None:
        """Progress on stderr when it is a terminal, else None."""
        return cls(sys.stderr) if sys.stderr.isatty() else None

    def __call__(self, message: str) -> None:
        with self._lock:
            if isinstance(message, Step) and message.total > 0:
                self._advance(message)
            else:
                self._since = time.monotonic()
                self._show(str(message))

    def _elapsed(self) -> str:
        seconds = int(time.monotonic() - self._since)
        return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"

    def _tick(self) -> None:
        while not self._stop.wait(_TICK):
            with self._lock:
                if self._bar is not None:  # update(0) would not redraw: no step was made
                    self._bar.current_item = self._elapsed()
                    self._bar.render_progress()
                elif self._status:
                    self._show(self._status, redraw=True)

    def _advance(self, step: Step) -> None:
        if self._bar is None or step.stage != self._stage:
            self._end()
            self._clear_status()
            self._stage = step.stage
            self._since = time.monotonic()
            self._bar = click.progressbar(
                length=step.total, label=f"gitdigest: {step.stage}", file=self.stream,
                show_eta=False, show_percent=True, color=wants_color(self.stream),
                item_show_func=lambda elapsed: elapsed,
                width=max(10, min(36, shutil.get_terminal_size().columns - 70)))
            self._bar.__enter__()
        self._bar.update(step.done - self._bar.pos, self._elapsed())

    def _show(self, message: str, *, redraw: bool = False) -> None:
        if not redraw:
            self._end()
        width = shutil.get_terminal_size().columns - 1
        line = f"gitdigest: {message}" + (f" ({self._elapsed()})" if redraw else "")
        self.stream.write(_ERASE + line[:width])
        self.stream.flush()
        self._status = message

    def _clear_status(self) -> None:
        if self._status:
            self.stream.write(_ERASE)
            self.stream.flush()
            self._status = ""

    def _end(self) -> None:
        if self._bar is not None:
            self._bar.render_finish()  # leaves the finished bar on its own line
            self._bar = None
            self._stage = ""

    def close(self) -> None:
        """Stop the ticker, finish any bar and erase any status line (safe to call more than
        once)."""
        self._stop.set()
        if self._ticker.is_alive() and self._ticker is not threading.current_thread():
            self._ticker.join()
        with self._lock:
            self._end()
            self._clear_status()
