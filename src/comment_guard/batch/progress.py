"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

_WIDTH = 24


class ProgressBar:
    """Redraws ``[#####.....]  45%  12,345 records  2,100/s`` at most ``per_second`` times a second.

    ``fraction`` returns how much of the input has been read, in [0, 1]. ``enabled``
    defaults to whether ``stream`` (stderr) is a terminal, so logs and pipes stay clean.
    """

    def __init__(
        self,
        fraction: Callable[[], float],
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        per_second: float = 8.0,
    ) -> None:
        self.fraction = fraction
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled if enabled is not None else _is_terminal(self.stream)
        self.interval = 1.0 / per_second
        self.count = 0
        self._started = time.perf_counter()
        self._drawn = 0.0

    def advance(self, records: int = 1) -> None:
        """Count ``records`` more and redraw if enough time has passed."""
        self.count += records
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._drawn >= self.interval:
            self._drawn = now
            self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        done = max(0.0, min(1.0, self.fraction()))
        filled = round(done * _WIDTH)
        rate = self.count / max(now - self._started, 1e-9)
        bar = "#" * filled + "." * (_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {done:4.0%}  {self.count:,} records  {rate:,.0f}/s ")
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty()) if callable(isatty) else False
