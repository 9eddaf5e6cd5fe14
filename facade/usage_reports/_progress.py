"""Live progress on a terminal: one line per running download (bytes, rate) and one for the batch.

Drawn on stderr, redrawn at most ten times a second and erased when done, so
the final output is only what the command prints. Off when stderr is not a
terminal, or with --quiet or --json: then ``Progress`` is a no-op.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import IO, Final

REDRAW_INTERVAL: Final = 0.1
_UNITS: Final = ("B", "KiB", "MiB", "GiB", "TiB")


def human_size(size: float) -> str:
    for unit in _UNITS:
        if size < 1024 or unit == _UNITS[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


@dataclass
class _Task:
    label: str
    started: float
    received: int = 0


@dataclass
class Progress:
    """Tracks downloads; draws them when ``stream`` is a terminal and ``enabled``."""

    stream: IO[str]
    enabled: bool
    total: int = 0  # entries in the batch; 0 for a single download (no batch line)
    done: int = 0
    failed: int = 0
    skipped: int = 0
    _tasks: dict[str, _Task] = field(default_factory=dict)
    _finished_bytes: int = 0
    _started: float = field(default_factory=time.monotonic)
    _drawn_lines: int = 0
    _last_draw: float = 0.0

    @classmethod
    def for_stream(cls, stream: IO[str], *, quiet: bool, total: int = 0) -> Progress:
        try:
            terminal = stream.isatty()
        except (AttributeError, ValueError):
            terminal = False
        return cls(stream=stream, enabled=terminal and not quiet, total=total)

    def start(self, label: str) -> None:
        self._tasks[label] = _Task(label, time.monotonic())
        self._draw(force=True)

    def advance(self, label: str, received: int) -> None:
        task = self._tasks.get(label)
        if task is not None:
            task.received = received
            self._draw()

    def finish(self, label: str, *, ok: bool, skipped: bool = False) -> None:
        task = self._tasks.pop(label, None)
        if task is not None:
            self._finished_bytes += task.received
        self.done += 1
        self.failed += not ok
        self.skipped += skipped
        self._draw(force=True)

    def close(self) -> None:
        self._erase()
        self.enabled = False

    # drawing

    def _lines(self, now: float) -> list[str]:
        lines = []
        for task in self._tasks.values():
            elapsed = max(now - task.started, 1e-6)
            rate = human_size(task.received / elapsed)
            lines.append(f"  {task.label:<40.40} {human_size(task.received):>10}  {rate:>10}/s")
        if self.total:
            received = self._finished_bytes + sum(task.received for task in self._tasks.values())
            rate = human_size(received / max(now - self._started, 1e-6))
            extra = "".join(
                f", {count} {word}" for count, word in ((self.failed, "failed"), (self.skipped, "skipped")) if count
            )
            lines.append(
                f"batch: {self.done}/{self.total} done{extra}, {len(self._tasks)} running"
                f"  {human_size(received)}  {rate}/s"
            )
        return lines

    def _erase(self) -> None:
        if self.enabled and self._drawn_lines:
            # Up to the first drawn line, then clear to the end of the screen.
            self.stream.write(f"\r\x1b[{self._drawn_lines - 1}A\x1b[J" if self._drawn_lines > 1 else "\r\x1b[J")
            self.stream.flush()
            self._drawn_lines = 0

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < REDRAW_INTERVAL:
            return
        self._last_draw = now
        self._erase()
        lines = self._lines(now)
        if lines:
            self.stream.write("\n".join(lines))
            self.stream.flush()
            self._drawn_lines = len(lines)
