"""What every benchmark shares: its result rows, summary statistics, machine facts, the table."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True)
class Spread:
    """Median, minimum and maximum of n repetitions."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no values to summarise")
        return cls(statistics.median(values), min(values), max(values), len(values))


@dataclass(frozen=True)
class Figure:
    """One row of the table: a measured value beside its reference, and the ratio that is judged.

    ``ratio`` is what the target applies to; its spread is over the repetitions
    (each repetition measures the subject and the reference back to back).
    ``passed`` is None when the row has no target (reported only).
    """

    id: str
    what: str
    measured: float
    reference: float | None
    unit: str
    ratio: Spread
    target: str
    passed: bool | None
    note: str = ""
    extra: dict[str, float | int | str | bool] = field(default_factory=dict)


@dataclass
class BenchmarkResult:
    id: str
    title: str
    figures: list[Figure]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Mode:
    """Sizes and repetitions: the full run, or the smoke run the test suite uses."""

    smoke: bool

    def pick(self, full: int, smoke: int) -> int:
        return smoke if self.smoke else full

    def pick_float(self, full: float, smoke: float) -> float:
        return smoke if self.smoke else full


def machine_info() -> dict[str, str | int]:
    import httpx

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = "unknown"
    curl = _first_line(["/usr/bin/curl", "--version"])
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "httpx": httpx.__version__,
        "curl": curl,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": load_average(),
    }


def load_average() -> str:
    """1, 5 and 15 minute load averages: other work on the machine shows in every figure."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unavailable"


def _first_line(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    return out.splitlines()[0] if out else "unavailable"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.3g} ms" if value < 1 else f"{value:.3g} s"
    if unit == "us":
        return f"{value:.1f} us"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit == "req/s":
        return f"{value:.0f} req/s"
    return f"{value:.3g} {unit}".strip()


def verdict(passed: bool | None) -> str:
    return "-" if passed is None else ("pass" if passed else "MISS")


def table_rows(results: Sequence[BenchmarkResult]) -> list[list[str]]:
    rows = [["id", "what", "measured", "reference", "ratio (median)", "spread (min-max), n", "target", "result"]]
    for result in results:
        for f in result.figures:
            rows.append(
                [
                    f.id,
                    f.what,
                    fmt(f.measured, f.unit),
                    fmt(f.reference, f.unit),
                    f"{f.ratio.median:.3f}",
                    f"{f.ratio.low:.3f}-{f.ratio.high:.3f}, n={f.ratio.n}",
                    f.target,
                    verdict(f.passed),
                ]
            )
    return rows


def render_text(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_markdown(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows[1:]]
    return "\n".join(out)


def to_json(results: Sequence[BenchmarkResult], machine: dict[str, Any], smoke: bool, command: str) -> str:
    payload = {
        "command": command,
        "mode": "smoke" if smoke else "full",
        "machine": machine,
        "benchmarks": [asdict(result) for result in results],
    }
    return json.dumps(payload, indent=2) + "\n"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def child_env() -> dict[str, str]:
    """An environment for child processes: no vendor credentials or base URLs leak in from the caller."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EDGE_IMPULSE_", "ALTOSTRAT_", "STATSIG_", "USAGE_REPORTS_"))
    }
