"""A progress line on standard error for long work, shown only on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

REDRAW_SECONDS = 0.2


class ProgressBar:
    """`done/total`, a bar, the rate and the time left; silent when not on a terminal."""

    def __init__(
        self, label: str, total: int, unit: str = "lines", stream: TextIO | None = None
    ) -> None:
        self.label, self.total, self.unit = label, max(total, 1), unit
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.started = self.last_drawn = time.monotonic()
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if self.enabled and (now - self.last_drawn >= REDRAW_SECONDS or done >= self.total):
            self.last_drawn = now
            self.draw(now)

    def draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        filled = int(30 * min(self.done, self.total) / self.total)
        bar = "#" * filled + "." * (30 - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {self.done}/{self.total} {self.unit} "
            f"{rate:,.0f}/s ETA {left:,.0f}s "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
