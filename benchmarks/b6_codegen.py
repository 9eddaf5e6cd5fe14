"""B6: seconds for ``python -m tools.codegen check`` and ``generate`` (all three specs), no venv creation.

Both run with this interpreter (the dev venv, or nox's bench venv, already
built): what is timed is the command, not a virtualenv's setup. ``check`` runs
from the repository root (it regenerates into a temporary folder and leaves the
tree alone); ``generate`` runs in a temporary copy of specs/, generated/, tools/
and pyproject.toml so that the working tree is untouched. There is no reference:
seconds are reported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._common import REPO_ROOT, BenchmarkResult, Figure, Mode, Spread, child_env

COPIED = ("specs", "generated", "tools", "pyproject.toml")


def _copy_repo(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", ".mypy_cache")
    for name in COPIED:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


def _timed(root: Path, command: str) -> float:
    env = child_env()
    env["RUFF_NO_CACHE"] = "true"
    env.pop("PYTHONPATH", None)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "tools.codegen", command], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"tools.codegen {command} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return seconds


def run(mode: Mode) -> BenchmarkResult:
    reps = mode.pick(3, 1)
    check: list[float] = []
    generate: list[float] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="usage-reports-bench-codegen-") as tmp:
        copy = Path(tmp) / "repo"
        copy.mkdir()
        _copy_repo(copy)
        for _ in range(reps):
            generate.append(_timed(copy, "generate"))
        if mode.smoke:  # the test suite's smoke run: the check is the codegen_check session's own business
            notes.append("smoke mode: generate timed once, check not timed")
        else:
            try:
                for _ in range(reps):
                    check.append(_timed(REPO_ROOT, "check"))
                where = "the repository root"
            except RuntimeError:
                # The working tree may be mid-edit (generated/ drifted): time the check on the fresh copy instead.
                check = [_timed(copy, "check") for _ in range(reps)]
                where = "the temporary copy (the working tree's check failed: generated/ differs from specs/)"
            notes.append(f"check timed in {where}")
    figures = []
    for id, what, values in (
        ("B6-check", "python -m tools.codegen check (3 specs)", check),
        ("B6-generate", "python -m tools.codegen generate (3 specs)", generate),
    ):
        if not values:
            continue
        spread = Spread.of(values)
        figures.append(
            Figure(
                id=id,
                what=what,
                measured=spread.median,
                reference=None,
                unit="s",
                ratio=Spread(1.0, spread.low / spread.median, spread.high / spread.median, spread.n),
                target="report seconds",
                passed=None,
                note=f"min {spread.low:.2f} s, max {spread.high:.2f} s",
            )
        )
    notes.append(
        f"{reps} repetition(s) each, {os.path.basename(sys.executable)} from the current environment; "
        "ratio column = spread relative to the median (no reference)."
    )
    return BenchmarkResult(id="B6", title="codegen check and generate", figures=figures, notes=notes)
