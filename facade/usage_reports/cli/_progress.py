"""Live progress on a terminal: one line per running download and one for the batch.

A download line shows bytes and rate; when the server announced the size, also
the total, the percentage and the time left (at the rate so far):

    my-vendor-usage-2026-10.csv           12.0 MiB / 48.0 MiB   25%   4.0 MiB/s   0:09 left

Drawn on stderr, redrawn at most ten times a second and erased when done, so
the final output is only what the command prints. Off when stderr is not a
terminal, or with --quiet or --json: then ``Progress`` is a no-op.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ..batch._runner import Event

REDRAW_INTERVAL: Final = 0.1
_UNITS: Final = ("B", "KiB", "MiB", "GiB", "TiB")


def human_size(size: float) -> str:
    for unit in _UNITS:
        if size < 1024 or unit == _UNITS[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def duration(seconds: float) -> str:
    """``0:09``, ``12:34``, ``1:02:03``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


#: The widest line a download's figures take beside its label (sizes, percentage, rate, time left).
_FIGURES_WIDTH: Final = 58


def label_width(columns: int) -> int:
    """How wide a label may be on a terminal ``columns`` wide (at least 40, as on a narrow one)."""
    return max(40, columns - _FIGURES_WIDTH)


@dataclass
class _Task:
    label: str
    started: float
    received: int = 0
    size: int | None = None  # announced by the server; None: unknown
    waiting: tuple[int, float, float] | None = None  # the vendor builds the report: polls, seconds waited, when told

    def line(self, now: float, width: int = 40) -> str:
        label = self.label if len(self.label) <= width else self.label[: width - 1] + "\u2026"
        label = f"{label:<{width}}"
        if self.waiting is not None and not self.received:
            polls, seconds, told = self.waiting
            return f"  {label} waiting for report (poll {polls}, {seconds + now - told:.0f} s)"
        elapsed = max(now - self.started, 1e-6)
        rate = self.received / elapsed
        shown = human_size(self.received)
        if not self.size:
            return f"  {label} {shown:>10}  {human_size(rate):>10}/s"
        percent = min(100, self.received * 100 // self.size)
        left = duration((self.size - self.received) / rate) + " left" if rate > 0 else "--:-- left"
        return f"  {label} {shown:>10} / {human_size(self.size):<10} {percent:>3}%  {human_size(rate):>10}/s  {left}"


@dataclass
class Progress:
    """Tracks downloads; draws them when ``stream`` is a terminal and ``enabled``."""

    stream: IO[str]
    enabled: bool
    total: int = 0  # entries in the batch; 0 for a single download (no batch line)
    done: int = 0
    failed: int = 0
    skipped: int = 0
    clock: Callable[[], float] = time.monotonic
    #: The terminal's width in columns (looked up at each redraw: a resized window is followed).
    columns: Callable[[], int] = lambda: shutil.get_terminal_size().columns
    _tasks: dict[str, _Task] = field(default_factory=dict)
    _finished_bytes: int = 0
    _started: float = -1.0
    _drawn_lines: int = 0
    _last_draw: float = 0.0

    @classmethod
    def for_stream(cls, stream: IO[str], *, quiet: bool, total: int = 0) -> Progress:
        try:
            terminal = stream.isatty()
        except (AttributeError, ValueError):
            terminal = False
        return cls(stream=stream, enabled=terminal and not quiet, total=total)

    def __post_init__(self) -> None:
        if self._started < 0:
            self._started = self.clock()

    def start(self, label: str) -> None:
        self._tasks[label] = _Task(label, self.clock())
        self._draw(force=True)

    def advance(self, label: str, received: int, size: int | None = None) -> None:
        """``received`` bytes so far; ``size`` the announced total (default: ``received.total``, if it has one)."""
        task = self._tasks.get(label)
        if task is not None:
            if size is None:
                announced = getattr(received, "total", None)
                size = announced if isinstance(announced, int) else None
            changed = size != task.size
            task.received, task.size = int(received), size
            self._draw(force=changed)  # a total just announced is shown at once

    def wait(self, label: str, polls: int, seconds: float) -> None:
        """The vendor is still building ``label``'s report: ``polls`` looks so far, ``seconds`` waited in all."""
        task = self._tasks.get(label)
        if task is not None:
            task.waiting = (polls, seconds, self.clock())
            self._draw(force=True)

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
        width = label_width(self.columns())
        lines = [task.line(now, width) for task in self._tasks.values()]
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
        now = self.clock()
        if not force and now - self._last_draw < REDRAW_INTERVAL:
            return
        self._last_draw = now
        self._erase()
        lines = self._lines(now)
        if lines:
            self.stream.write("\n".join(lines))
            self.stream.flush()
            self._drawn_lines = len(lines)


def observer(progress: Progress) -> Callable[[Event], None]:
    """A batch observer drawing the run's events on ``progress``."""
    from ..batch._runner import EntryFinished, EntryProgressed, EntryStarted, EntryWaiting, RunPlanned

    def on(event: Event) -> None:
        if isinstance(event, EntryProgressed):
            progress.advance(event.label, event.received, event.size)
        elif isinstance(event, EntryWaiting):
            progress.wait(event.label, event.polls, event.seconds)
        elif isinstance(event, EntryStarted):
            progress.start(event.label)
        elif isinstance(event, EntryFinished):
            record = event.record
            progress.finish(record.label, ok=record.ok, skipped=record.skipped)
        elif isinstance(event, RunPlanned):
            progress.total = event.total

    return on
