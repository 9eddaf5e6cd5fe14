"""B5: the cost of ``import usage_reports`` against ``import httpx``, in fresh interpreters.

Each round runs three fresh ``python -c`` processes in rotating order: ``pass``,
``import httpx`` and ``import usage_reports``. The import cost is the wall time
above the bare interpreter of the same round; the ratio is usage_reports' cost
over httpx's. Bytecode caches are warmed first. One ``-X importtime`` run shows
where the time goes.
"""

from __future__ import annotations

import subprocess
import sys
import time

from ._common import BenchmarkResult, Figure, Mode, Spread, child_env

TARGET = 1.3
SNIPPETS = {"bare": "pass", "httpx": "import httpx", "usage_reports": "import usage_reports"}
#: Packages whose cumulative import time is worth naming.
BREAKDOWN = (
    "httpx",
    "attrs",
    "usage_reports_clients.edgeimpulse",
    "usage_reports_clients.altostrat",
    "usage_reports_clients.statsig",
    "usage_reports",
)


def _wall(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - started


def importtime_breakdown(env: dict[str, str]) -> dict[str, float]:
    """Cumulative import microseconds of the top-level packages, from ``-X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import usage_reports"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if name in BREAKDOWN and cumulative.isdigit():
            found[name] = max(found.get(name, 0.0), float(cumulative))
    return found


def run(mode: Mode) -> BenchmarkResult:
    rounds = mode.pick(30, 2)
    env = child_env()
    for code in SNIPPETS.values():  # warm the bytecode caches and the page cache
        _wall(code, env)
    times: dict[str, list[float]] = {name: [] for name in SNIPPETS}
    names = list(SNIPPETS)
    for round_ in range(rounds):
        order = names[round_ % 3 :] + names[: round_ % 3]
        for name in order:
            times[name].append(_wall(SNIPPETS[name], env))
    facade_cost = [u - b for u, b in zip(times["usage_reports"], times["bare"], strict=True)]
    httpx_cost = [h - b for h, b in zip(times["httpx"], times["bare"], strict=True)]
    ratio = Spread.of([f / h for f, h in zip(facade_cost, httpx_cost, strict=True) if h > 0] or [float("nan")])
    breakdown = importtime_breakdown(env)
    detail = ", ".join(f"{name} {microseconds / 1000:.0f} ms" for name, microseconds in breakdown.items())
    return BenchmarkResult(
        id="B5",
        title="import usage_reports vs import httpx",
        figures=[
            Figure(
                id="B5-import",
                what="import usage_reports (cost above bare start)",
                measured=Spread.of(facade_cost).median,
                reference=Spread.of(httpx_cost).median,
                unit="s",
                ratio=ratio,
                target=f"<= {TARGET}x import httpx",
                passed=ratio.median <= TARGET,
                note=f"bare interpreter {Spread.of(times['bare']).median * 1000:.0f} ms; -X importtime cumulative: {detail}",
                extra={f"importtime_{name}_ms": microseconds / 1000 for name, microseconds in breakdown.items()},
            )
        ],
        notes=[
            f"{rounds} rounds of three fresh `python -c` processes (pass / import httpx / import usage_reports),"
            " rotating order; cost = wall minus the same round's bare start; ratio per round."
        ],
    )
