"""B8: fetch-all's cost per entry as the batch grows (1000 and 5000 entries): it must stay flat.

Each entry is a distinct Statsig project report (``name = "pN"``, same month),
so every entry is one request and one file. The client-side limiter is off
(``Statsig(rate_limits=())``: at 100 per 10 s it would time the limiter), the
simulators run in their own process with no added latency, and the batch is
the real ``run_batch`` that ``usage-reports fetch-all`` calls, quiet, into a
fresh folder, with its manifest. A second run over the same folder (every
file skipped by its sha256) is timed too: it reads the manifest and hashes
every file.

The judged figures are time per entry at the large size over time per entry
at the small one (flat = 1.0; target <= 1.25), in CPU time of this process
(steady on a shared machine) and in wall time. Run alone, or with a profile:

    python -m benchmarks.b8_batch [--sizes 1000,5000] [--reps 3] [--profile 1000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from usage_reports import Statsig
from usage_reports.batch._config import Config, parse_config_text
from usage_reports.batch._runner import BaseSettings
from usage_reports.cli._fetch_all import run_batch
from usage_reports.cli._output import Output
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY

from ._common import BenchmarkResult, Figure, Mode, Spread, load_average, log
from ._simserver import SimulatorProcess

CONCURRENCY = 8
TARGET = 1.25


def config_of(count: int) -> Config:
    entries = "".join(f'[[statsig]]\nname = "p{i}"\nstart = 2026-10-01\nend = 2026-11-01\n' for i in range(count))
    return parse_config_text(entries, f"{count} statsig entries")


@dataclass(frozen=True)
class Timing:
    """One batch: wall time, and CPU time of this process (every thread: the event loop, the manifest writer)."""

    wall: float
    cpu: float


def _batch(config: Config, statsig_url: str, out_dir: Path) -> Timing:
    """One fetch-all of ``config`` into ``out_dir`` (every entry must succeed)."""
    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=statsig_url, rate_limits=())
    stderr = io.StringIO()
    out = Output(json_output=False, quiet=True, stdout=io.StringIO(), stderr=stderr)
    started, cpu = time.perf_counter(), time.process_time()
    code, records = run_batch(
        config,
        source="bench",
        base=BaseSettings({}, {"statsig": settings}),
        environ={},
        out_dir=out_dir,
        out=out,
        concurrency=CONCURRENCY,
    )
    timing = Timing(time.perf_counter() - started, time.process_time() - cpu)
    if code != 0 or len(records) != len(config.entries):
        raise RuntimeError(f"batch failed (exit {code}): {stderr.getvalue()[-2000:]}")
    return timing


Runs = dict[int, tuple[list[Timing], list[Timing]]]


def measure(sizes: Sequence[int], reps: int, statsig_url: str) -> Runs:
    """Per size: the fresh runs and the re-runs (all skipped)."""
    configs = {size: config_of(size) for size in sizes}
    times: Runs = {size: ([], []) for size in sizes}
    with tempfile.TemporaryDirectory(prefix="usage-reports-b8-") as scratch:
        _batch(config_of(min(sizes)), statsig_url, Path(scratch) / "warm")  # warm the server and the imports
        for rep in range(reps):
            for size in sizes if rep % 2 == 0 else list(reversed(sizes)):
                folder = Path(scratch) / f"n{size}-r{rep}"
                fresh = _batch(configs[size], statsig_url, folder)
                again = _batch(configs[size], statsig_url, folder)
                times[size][0].append(fresh)
                times[size][1].append(again)
                log(
                    f"  B8 {size} entries: wall {fresh.wall:.2f} s ({fresh.wall / size * 1000:.2f} ms/entry), "
                    f"cpu {fresh.cpu:.2f} s ({fresh.cpu / size * 1000:.2f} ms/entry); re-run wall {again.wall:.2f} s, "
                    f"cpu {again.cpu:.2f} s; load {load_average()}"
                )
                shutil.rmtree(folder)
    return times


def profile(size: int, statsig_url: str, top: int = 30) -> str:
    """A cProfile of one fresh fetch-all of ``size`` entries: the functions taking the most time."""
    config = config_of(size)
    with tempfile.TemporaryDirectory(prefix="usage-reports-b8-profile-") as scratch:
        _batch(config_of(20), statsig_url, Path(scratch) / "warm")
        profiler = cProfile.Profile()
        profiler.enable()
        _batch(config, statsig_url, Path(scratch) / "out")
        profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def _figure(
    kind: str, what: str, runs: Runs, small: int, large: int, index: int, measure_of: Callable[[Timing], float]
) -> Figure:
    per_small = [measure_of(t) / small for t in runs[small][index]]
    per_large = [measure_of(t) / large for t in runs[large][index]]
    ratio = Spread.of([b / a for a, b in zip(per_small, per_large, strict=True)])
    return Figure(
        id=f"B8-{kind}",
        what=what,
        measured=Spread.of(per_large).median,
        reference=Spread.of(per_small).median,
        unit="s",
        ratio=ratio,
        target=f"<= {TARGET:.2f}x (flat)",
        passed=ratio.median <= TARGET,
        note=f"{large}: {Spread.of([measure_of(t) for t in runs[large][index]]).median:.2f} s, "
        f"{small}: {Spread.of([measure_of(t) for t in runs[small][index]]).median:.2f} s",
    )


def run(mode: Mode, sizes: Sequence[int] | None = None, reps: int | None = None) -> BenchmarkResult:
    sizes = list(sizes or (mode.pick(1000, 50), mode.pick(5000, 250)))
    reps = reps or mode.pick(3, 1)
    with SimulatorProcess(latency=0.0) as sim:
        runs = measure(sizes, reps, sim.urls["statsig"])
    small, large = sizes[0], sizes[-1]
    return BenchmarkResult(
        id="B8",
        title="fetch-all cost per entry as the batch grows",
        figures=[
            _figure("fresh-cpu", f"fetch-all CPU per entry, {large} vs {small} entries", runs, small, large, 0, _cpu),
            _figure(
                "fresh-wall", f"fetch-all wall per entry, {large} vs {small} entries", runs, small, large, 0, _wall
            ),
            _figure(
                "rerun-cpu", f"re-run (all skipped) CPU per entry, {large} vs {small}", runs, small, large, 1, _cpu
            ),
            _figure(
                "rerun-wall", f"re-run (all skipped) wall per entry, {large} vs {small}", runs, small, large, 1, _wall
            ),
        ],
        notes=[
            f"run_batch (what fetch-all calls), {CONCURRENCY} at a time, Statsig(rate_limits=()), simulators in "
            f"their own process, no added latency; {reps} repetitions, sizes alternating in order. CPU is this "
            "process's (all its threads), the simulators' excluded: on a shared machine it is the steadier measure.",
        ],
    )


def _cpu(timing: Timing) -> float:
    return timing.cpu


def _wall(timing: Timing) -> float:
    return timing.wall


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.b8_batch", description=__doc__)
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated batch sizes (default 1000,5000)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="N", help="print a cProfile of one N-entry run instead")
    args = parser.parse_args(argv)
    if args.profile:
        with SimulatorProcess(latency=0.0) as sim:
            print(profile(args.profile, sim.urls["statsig"]))
        return 0
    from ._common import render_text, table_rows

    result = run(Mode(smoke=False), [int(s) for s in args.sizes.split(",")], args.reps)
    print(render_text(table_rows([result])))
    for figure in result.figures:
        print(f"  {figure.id}: {figure.note}")
    for note in result.notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
