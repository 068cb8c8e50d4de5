"""Progress report: a tqdm bar on a terminal, plain log lines with rate and ETA otherwise (batch jobs)."""

from __future__ import annotations

import datetime
import sys
import time
from typing import TextIO

from tqdm import tqdm


def note(message: str, stream: TextIO | None = None) -> None:
    """Print one line to stderr without breaking a tqdm bar."""
    tqdm.write(message, file=stream or sys.stderr)


class Progress:
    """Tracks steps ``initial … total``; ``update`` once per step with a short status (e.g. "T 300.0 K")."""

    def __init__(self, total: int, initial: int, label: str, every: int | None = None, stream: TextIO | None = None,
                 unit: str = "step"):
        self.total, self.label, self.unit = total, label, unit
        self.stream = stream or sys.stderr
        self.every = every or max(1, min(1000, total // 20))
        self.start_step, self.start_time = initial, time.perf_counter()
        self.bar = (tqdm(total=total, initial=initial, unit=unit, desc=label, file=self.stream, dynamic_ncols=True)
                    if self.stream.isatty() else None)

    def update(self, step: int, status: str = "") -> None:
        """Record that ``step`` is done (steps are counted from 1)."""
        if self.bar is not None:
            self.bar.update(step - self.bar.n)
            self.bar.set_postfix_str(status, refresh=False)
        elif step % self.every == 0 or step == self.total:
            rate = self.steps_per_second(step)
            eta = datetime.timedelta(seconds=round((self.total - step) / rate)) if rate > 0 else "?"
            note(f"{self.label}: {self.unit} {step}/{self.total} ({100 * step / self.total:.1f} %), "
                 f"{rate:.1f} {self.unit}s/s, ETA {eta}" + (f", {status}" if status else ""), self.stream)

    def steps_per_second(self, step: int) -> float:
        """Average rate from construction until ``step`` was reached."""
        return (step - self.start_step) / max(time.perf_counter() - self.start_time, 1e-9)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
