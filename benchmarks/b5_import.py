"""B5: the cost of ``import usage_reports`` against ``import httpx``, in fresh interpreters.

Each round runs fresh ``python -c`` processes in rotating order: ``pass``,
``import httpx``, ``import usage_reports`` and the line a user writes first
(``from usage_reports import UsageReports, StatsigUsageReport``), both judged
(issue 22: <= 1.2x ``import httpx`` on wall and CPU time), and, reported
beside them, a client ready to send (``UsageReports()`` built, against
``httpx.Client()`` built). A cost is the wall time above the bare
interpreter of the same round; each ratio is computed per round, and the
median is judged. The children's CPU time (``os.wait4``) is kept beside the
wall time: on a shared machine it is the steadier of the two.

Bytecode caches are warmed first, with ``PYTHONDONTWRITEBYTECODE`` removed
from the children's environment: with it set, the editable install compiles
the package from source in every process while httpx's wheel has its caches,
which measures the compiler, not the import. ``-X importtime`` runs show what
is imported above ``import httpx`` and at what cost.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict

from ._common import BenchmarkResult, Figure, Mode, Spread, child_env

TARGET = 1.2
FIRST_LINE = "from usage_reports import UsageReports, StatsigUsageReport"
SNIPPETS = {
    "bare": "pass",
    "httpx": "import httpx",
    "usage_reports": "import usage_reports",
    "first_line": FIRST_LINE,
    "httpx_client": "import httpx; httpx.Client().close()",
    "facade_client": f"{FIRST_LINE}; UsageReports(environ={{}}).close()",
}


def _run(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh interpreter running ``code``."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"python -c {code!r} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def _importtime(code: str, env: dict[str, str]) -> dict[str, int]:
    """Self microseconds of every module ``code`` imports, from ``-X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    found: dict[str, int] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if own.isdigit():
            found[name] = int(own)
    return found


def above_httpx(code: str, env: dict[str, str], runs: int) -> dict[str, float]:
    """Milliseconds of import work ``code`` adds to ``import httpx``, per top-level package (fastest of ``runs``).

    A module counts when ``import httpx`` does not load it; its self time is the
    smallest over the runs (the least disturbed by other work on the machine).
    """
    baseline: set[str] = set()
    for _ in range(runs):
        baseline |= set(_importtime("import httpx", env))
    fastest: dict[str, int] = {}
    for _ in range(runs):
        for name, own in _importtime(code, env).items():
            fastest[name] = min(own, fastest.get(name, own))
    groups: defaultdict[str, float] = defaultdict(float)
    for name, own in fastest.items():
        if name not in baseline:
            top = name.split(".")[0]
            groups[top if top in ("usage_reports", "attr", "attrs") else "other"] += own / 1000
    if "attr" in groups or "attrs" in groups:
        groups["attrs"] = groups.pop("attr", 0.0) + groups.pop("attrs", 0.0)
    return dict(groups)


def _breakdown_text(groups: dict[str, float]) -> str:
    parts = sorted(groups.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {ms:.1f} ms" for name, ms in parts) or "nothing"


def _ratio(subject: list[float], reference: list[float]) -> Spread:
    return Spread.of([s / r for s, r in zip(subject, reference, strict=True) if r > 0] or [float("nan")])


def run(mode: Mode) -> BenchmarkResult:
    rounds = mode.pick(20, 2)
    #: Each snippet runs this many times per round and its fastest run counts: on a shared machine a process is
    #: sometimes descheduled for tens of ms, which the fastest of a few runs leaves out (as timeit does).
    best_of = mode.pick(2, 1)
    env = child_env()
    bytecode_was_off = env.pop("PYTHONDONTWRITEBYTECODE", None) is not None
    for _ in range(mode.pick(2, 1)):  # warm (and write) the bytecode caches and the page cache
        for code in SNIPPETS.values():
            _run(code, env)
    wall: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    cpu: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    names = list(SNIPPETS)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            runs = [_run(SNIPPETS[name], env) for _ in range(best_of)]
            wall[name].append(min(seconds for seconds, _ in runs))
            cpu[name].append(min(cpu_seconds for _, cpu_seconds in runs))

    def cost(clock: dict[str, list[float]], name: str) -> list[float]:
        return [value - bare for value, bare in zip(clock[name], clock["bare"], strict=True)]

    importtime_runs = mode.pick(5, 1)
    import_groups = above_httpx("import usage_reports", env, importtime_runs)
    first_groups = above_httpx(FIRST_LINE, env, importtime_runs)
    bare_ms = statistics.median(wall["bare"]) * 1000

    def figure(
        id_: str, what: str, subject: str, reference: str, target: str, judged: bool, note: str, clock: str = "wall"
    ) -> Figure:
        """A row on one clock (wall or CPU), with the other clock's ratio in its note."""
        times, other, other_name = (wall, cpu, "CPU") if clock == "wall" else (cpu, wall, "wall")
        ratio = _ratio(cost(times, subject), cost(times, reference))
        other_ratio = _ratio(cost(other, subject), cost(other, reference))
        return Figure(
            id=id_,
            what=what,
            measured=Spread.of(cost(times, subject)).median,
            reference=Spread.of(cost(times, reference)).median,
            unit="s",
            ratio=ratio,
            target=target,
            passed=(ratio.median <= TARGET) if judged else None,
            note=f"{note}; {other_name}-time ratio {other_ratio.median:.3f} ({other_ratio.low:.2f}-{other_ratio.high:.2f})",
            extra={f"{other_name.lower()}_ratio_median": round(other_ratio.median, 4)},
        )

    import_figure = figure(
        "B5-import",
        "import usage_reports (cost above bare start)",
        "usage_reports",
        "httpx",
        f"<= {TARGET}x import httpx",
        True,
        f"bare interpreter {bare_ms:.0f} ms; above import httpx (-X importtime, self): {_breakdown_text(import_groups)}",
    )
    import_figure.extra.update({f"above_httpx_{name}_ms": round(ms, 2) for name, ms in import_groups.items()})
    import_cpu_figure = figure(
        "B5-import-cpu",
        "same, CPU time (user + system) above bare start",
        "usage_reports",
        "httpx",
        f"<= {TARGET}x import httpx",
        True,
        "the steadier clock on a shared machine",
        clock="cpu",
    )
    first_figure = figure(
        "B5-first-line",
        f"`{FIRST_LINE}`",
        "first_line",
        "httpx",
        f"<= {TARGET}x import httpx",
        True,
        f"above import httpx (-X importtime, self): {_breakdown_text(first_groups)}",
    )
    first_figure.extra.update({f"above_httpx_{name}_ms": round(ms, 2) for name, ms in first_groups.items()})
    first_cpu_figure = figure(
        "B5-first-line-cpu",
        "same, CPU time (user + system) above bare start",
        "first_line",
        "httpx",
        f"<= {TARGET}x import httpx",
        True,
        "the steadier clock on a shared machine",
        clock="cpu",
    )
    client_figure = figure(
        "B5-client",
        "same + UsageReports() built and closed",
        "facade_client",
        "httpx_client",
        "(reported; ref: httpx.Client())",
        False,
        "the first client loads the engine, drivers, sinks, storage, limiter and every vendor's home",
    )
    notes = [
        f"{rounds} rounds of {len(SNIPPETS)} fresh `python -c` processes in rotating order, each the fastest of"
        f" {best_of}; cost = wall (or CPU) minus the same round's bare start; ratio per round, median judged;"
        " the import is judged on both clocks.",
    ]
    if bytecode_was_off:
        notes.append(
            "PYTHONDONTWRITEBYTECODE was set in the runner's environment; removed for the children so that"
            " bytecode caches are used, as after a normal install."
        )
    return BenchmarkResult(
        id="B5",
        title="import usage_reports vs import httpx",
        figures=[import_figure, import_cpu_figure, first_figure, first_cpu_figure, client_figure],
        notes=notes,
    )
