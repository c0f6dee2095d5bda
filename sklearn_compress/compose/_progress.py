"""Progress of compress() and compression_report() on stderr, for ``verbose=``.

One line per step of the work with that step's own wall time, as
``[sklearn-compress] <step> (<seconds> s)``; where the number of remaining
units of work is known (the settings groups of an accuracy budget, the steps
whose sizes a report measures), a bar on the same line, drawn only when
stderr is a terminal (a log file gets the lines alone).
"""

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["PREFIX", "Progress"]

PREFIX = "[sklearn-compress] "
_BAR_WIDTH = 30


class Progress:
    """Timed progress lines if ``verbose``, else nothing.

    ``stream`` defaults to ``sys.stderr`` as it is when a line is written
    (pytest's capture replaces it).
    """

    def __init__(self, verbose: int | bool, stream: TextIO | None = None) -> None:
        self.enabled = bool(verbose)
        self._stream = stream
        self._bar_shown = False

    @property
    def stream(self) -> TextIO:
        return sys.stderr if self._stream is None else self._stream

    def __call__(self, message: str) -> None:
        """Print one progress line (after clearing a bar)."""
        if not self.enabled:
            return
        self._clear_bar()
        print(PREFIX + message, file=self.stream, flush=True)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Time the block; then print ``label (seconds s)``."""
        start = time.perf_counter()
        yield
        self(f"{label} ({time.perf_counter() - start:.1f} s)")

    def bar(self, done: int, total: int, label: str) -> None:
        """Draw ``label [####....] done/total`` over the current line, on a terminal only."""
        if not self.enabled or not _is_terminal(self.stream) or total <= 0:
            return
        filled = _BAR_WIDTH * min(done, total) // total
        self.stream.write(f"\r{PREFIX}{label} [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] "
                          f"{done}/{total}")
        self.stream.flush()
        self._bar_shown = True

    def done(self) -> None:
        """Remove a bar left on the terminal."""
        self._clear_bar()

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._bar_shown = False


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())
