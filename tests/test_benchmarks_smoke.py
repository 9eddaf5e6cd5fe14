"""The benchmark runner still runs: ``python -m benchmarks --smoke`` (tiny sizes, one repetition).

Speed targets are not asserted here (no timed unit tests); what is asserted is
that every benchmark produced numeric figures, and that the Statsig limiter
never let more requests into a window than its limit, on either clock.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: The runner runs every benchmark once; a loaded CI runner needs longer than the suite's default timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

EXPECTED_IDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9")


@pytest.fixture(scope="module")
def smoke_results(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("bench") / "smoke.json"
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out)],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # seconds on an idle machine; a loaded CI runner may take several times that
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    data: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _benchmarks(data: dict[str, object]) -> dict[str, dict[str, object]]:
    benchmarks = data["benchmarks"]
    assert isinstance(benchmarks, list)
    return {str(b["id"]): b for b in benchmarks}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def test_every_benchmark_reports_numeric_figures(smoke_results: dict[str, object]) -> None:
    assert smoke_results["mode"] == "smoke"
    benchmarks = _benchmarks(smoke_results)
    assert sorted(benchmarks) == list(EXPECTED_IDS)
    for bench_id, bench in benchmarks.items():
        figures = bench["figures"]
        assert isinstance(figures, list)
        assert figures, f"{bench_id} reported no figure"
        for figure in figures:
            assert str(figure["id"]).startswith(bench_id)
            assert _is_number(figure["measured"]), figure
            assert figure["reference"] is None or _is_number(figure["reference"]), figure
            ratio = figure["ratio"]
            for key in ("median", "low", "high"):
                assert _is_number(ratio[key]), figure
            assert ratio["n"] >= 1
            assert figure["passed"] in (True, False, None)


def test_statsig_limiter_never_exceeds_its_limit(smoke_results: dict[str, object]) -> None:
    figures = {f["id"]: f for f in _benchmarks(smoke_results)["B4"]["figures"]}  # type: ignore[attr-defined]
    window = figures["B4-window"]["extra"]
    assert window["max_server"] <= window["limit"], window
    assert window["max_client"] <= window["limit"], window
    assert figures["B4-window"]["passed"] is True


def test_machine_info_is_recorded(smoke_results: dict[str, object]) -> None:
    machine = smoke_results["machine"]
    assert isinstance(machine, dict)
    for key in ("cpu", "cores", "python", "httpx", "date"):
        assert machine[key], key
