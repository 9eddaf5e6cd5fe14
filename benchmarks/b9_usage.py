"""B9: the usage table and the charges over a year of run folders, beside a plain DuckDB read of the same files.

A year of monthly run folders as fetch-all writes them: per month, 500 Edge
Impulse tenants' compute-time JSON and 50 Statsig projects' usage CSV (30
days x 40 events: 1200 rows each), each folder with its manifest (real
sha256). Timed, each in a fresh process (its peak RSS is its own, read from
/proc/self/status after the work):

- **ours**: ``UsageTable.from_folders(folders)`` then ``table.charges(card)``
  (every file hashed against its manifest, parsed, every row priced);
- **plain**: DuckDB alone, ``CREATE TABLE ... AS SELECT * FROM read_csv([...])``
  and ``read_json([...])`` over the same files (no manifest, no check, no
  pricing): the floor of reading those bytes with the same engine.

Figures: wall and CPU time of ours over plain (target <= 1.5x), and peak RSS
(flat: ours over plain, and ours at 12 months over ours at 3 months, both
<= 1.5x). ``python -m benchmarks.b9_usage [--months 12] [--reps 3]``.
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._common import REPO_ROOT, BenchmarkResult, Figure, Mode, Spread, child_env, load_average, log
from ._proc import vm_hwm_kib

TARGET = 1.5
RATES = """\
currency = "EUR"
[edge_impulse]
cpu_compute_time = 0.00025
gpu_compute_time = 0.0011
not_billed = ["total_compute_time"]
[statsig]
billable_events = 0.00002
"""


@dataclass(frozen=True)
class Size:
    months: int
    tenants: int
    projects: int
    days: int
    events: int


def _record(provider: str, name: str | None, path: Path, month: str, parameters: dict[str, Any], **extra: Any) -> Any:
    data = path.read_bytes()
    start = f"{month}-01T00:00:00+00:00"
    year, number = int(month[:4]), int(month[5:])
    end = f"{year + number // 12:04d}-{number % 12 + 1:02d}-01T00:00:00+00:00"
    return {
        "label": f"{provider} ({path.name})",
        "provider": provider,
        "name": name,
        "period": {"start": start, "end": end},
        "parameters": parameters,
        "credential_env": None,
        "path": path.name,
        "details": {},
        "ok": True,
        "skipped": False,
        "error": None,
        "exit_code": 0,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "media_type": "application/json" if path.suffix == ".json" else "text/csv",
        "started_at": "2026-12-01T02:00:00.000Z",
        "finished_at": "2026-12-01T02:00:01.000Z",
        "run_id": "b9",
        **extra,
    }


def write_runs(base: Path, size: Size) -> list[Path]:
    """``size.months`` run folders (2026-01...) with their files and manifests; deterministic content."""
    rng = random.Random(9)
    folders = []
    for index in range(size.months):
        month = f"{2026 + index // 12:04d}-{index % 12 + 1:02d}"
        folder = base / month
        folder.mkdir(parents=True)
        records = []
        for tenant in range(1, size.tenants + 1):
            cpu, gpu = rng.randint(0, 10**6) / 4, rng.randint(0, 10**4) / 2
            path = folder / f"edge-impulse-compute-time-1-{tenant}-{month}.json"
            path.write_text(
                json.dumps(
                    {"success": True, "cpuComputeTime": cpu, "gpuComputeTime": gpu, "totalComputeTime": 1 + cpu / 60}
                ),
                encoding="utf-8",
            )
            parameters = {"organization_id": 1, "inner_organization_id": tenant}
            records.append(
                _record("edge_impulse", None, path, month, parameters, kind="compute_time", tenant_name=f"t{tenant}")
            )
        for project in range(size.projects):
            lines = ["Date,Event Type,Name,Sources,Daily Billable Events,Project"]
            for day in range(1, min(size.days, calendar.monthrange(int(month[:4]), int(month[5:]))[1]) + 1):
                for event in range(size.events):
                    lines.append(
                        f'{month}-{day:02d},log_event,event-{event},"react-client,js-client",'
                        f"{rng.randint(0, 100000)},project-{project}"
                    )
            path = folder / f"p{project}-statsig-usage-{month}.csv"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            records.append(_record("statsig", f"p{project}", path, month, {}))
        manifest = {
            "format": "usage-reports manifest",
            "version": 2,
            "generator": "b9",
            "summary": {},
            "entries": records,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        folders.append(folder)
    return folders


# --- the children ----------------------------------------------------------------------------------------------


def _child_ours(folders: list[str], rates: str) -> int:
    from usage_reports.usage import RateCard, UsageTable

    with UsageTable.from_folders(folders) as table, tempfile.TemporaryDirectory(prefix="b9-") as out:
        charges = table.charges(RateCard.load(rates))
        charges.to_parquet(Path(out) / "charges.parquet")  # every charge computed and written
        return len(charges)


def _child_plain(folders: list[str]) -> int:
    import duckdb

    csvs = [str(p) for f in folders for p in sorted(Path(f).glob("*.csv"))]
    jsons = [str(p) for f in folders for p in sorted(Path(f).glob("*.json")) if p.name != "manifest.json"]
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE c AS SELECT * FROM read_csv($files, header = true, filename = true)", {"files": csvs})
    con.execute("CREATE TABLE j AS SELECT * FROM read_json($files, filename = true)", {"files": jsons})
    rows = con.execute("SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM j)").fetchone()
    con.close()
    return int(rows[0]) if rows else 0


def child(subject: str, folders: list[str], rates: str) -> dict[str, Any]:
    """Import, then time the work: wall and CPU of the work, the peak RSS before it and after it."""
    if subject == "ours":
        import usage_reports.usage._charges
        import usage_reports.usage._table  # noqa: F401
    import duckdb  # noqa: F401

    before = vm_hwm_kib()
    started, cpu = time.perf_counter(), time.process_time()
    rows = _child_ours(folders, rates) if subject == "ours" else _child_plain(folders)
    return {
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "hwm_before_kib": before,
        "hwm_kib": vm_hwm_kib(),
        "rows": rows,
    }


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mib: float
    rows: int


def _spawn(subject: str, folders: list[Path], rates: Path) -> Run:
    command = [sys.executable, "-m", "benchmarks.b9_usage", "--child", subject, "--rates", str(rates)]
    result = subprocess.run(
        [*command, *map(str, folders)], capture_output=True, text=True, env=child_env(), cwd=REPO_ROOT, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"B9 {subject} child failed: {result.stderr[-3000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    return Run(measured["wall"], measured["cpu"], measured["hwm_kib"] / 1024, measured["rows"])


def measure(size: Size, reps: int) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {"ours": [], "plain": [], "ours-quarter": []}
    with tempfile.TemporaryDirectory(prefix="usage-reports-b9-") as scratch:
        started = time.perf_counter()
        folders = write_runs(Path(scratch) / "runs", size)
        rates = Path(scratch) / "rates.toml"
        rates.write_text(RATES, encoding="utf-8")
        log(f"  B9 wrote {len(folders)} run folders in {time.perf_counter() - started:.1f} s")
        quarter = folders[: max(1, len(folders) // 4)]
        _spawn("plain", folders, rates)  # warm the page cache and the interpreter's files
        for rep in range(reps):
            order = ("ours", "plain") if rep % 2 == 0 else ("plain", "ours")
            for subject in order:
                runs[subject].append(_spawn(subject, folders, rates))
            runs["ours-quarter"].append(_spawn("ours", quarter, rates))
            ours, plain = runs["ours"][-1], runs["plain"][-1]
            log(
                f"  B9 rep {rep + 1}: ours {ours.wall:.2f} s wall, {ours.cpu:.2f} s CPU, {ours.peak_mib:.0f} MiB "
                f"({ours.rows} charges); plain {plain.wall:.2f} s, {plain.cpu:.2f} s, {plain.peak_mib:.0f} MiB "
                f"({plain.rows} rows); ours over {len(quarter)} months {runs['ours-quarter'][-1].peak_mib:.0f} MiB; "
                f"load {load_average()}"
            )
    return runs


def _ratio_figure(figure_id: str, what: str, ours: list[float], reference: list[float], unit: str, note: str) -> Figure:
    ratio = Spread.of([a / b for a, b in zip(ours, reference, strict=True)])
    return Figure(
        id=figure_id,
        what=what,
        measured=Spread.of(ours).median,
        reference=Spread.of(reference).median,
        unit=unit,
        ratio=ratio,
        target=f"<= {TARGET:.2f}x",
        passed=ratio.median <= TARGET,
        note=note,
    )


def run(mode: Mode, size: Size | None = None, reps: int | None = None) -> BenchmarkResult:
    size = size or Size(
        months=mode.pick(12, 2),
        tenants=mode.pick(500, 5),
        projects=mode.pick(50, 2),
        days=mode.pick(30, 3),
        events=mode.pick(40, 2),
    )
    reps = reps or mode.pick(3, 1)
    runs = measure(size, reps)
    ours, plain, quarter = runs["ours"], runs["plain"], runs["ours-quarter"]
    files = size.months * (size.tenants + size.projects)
    shape = (
        f"{size.months} months x ({size.tenants} tenants + {size.projects} projects x {size.days} days x "
        f"{size.events} events) = {files} files, {plain[0].rows} rows read"
    )
    months_quarter = max(1, size.months // 4)
    return BenchmarkResult(
        id="B9",
        title="usage table and charges vs a plain DuckDB read",
        figures=[
            _ratio_figure(
                "B9-wall",
                "table + charges, wall, over plain read_csv/read_json",
                [r.wall for r in ours],
                [r.wall for r in plain],
                "s",
                shape,
            ),
            _ratio_figure(
                "B9-cpu",
                "table + charges, CPU, over plain read_csv/read_json",
                [r.cpu for r in ours],
                [r.cpu for r in plain],
                "s",
                shape,
            ),
            _ratio_figure(
                "B9-peak",
                "table + charges, peak RSS, over plain read",
                [r.peak_mib for r in ours],
                [r.peak_mib for r in plain],
                "MiB",
                "each in a fresh process",
            ),
            _ratio_figure(
                "B9-flat",
                f"peak RSS, {size.months} months over {months_quarter}",
                [r.peak_mib for r in ours],
                [r.peak_mib for r in quarter],
                "MiB",
                f"{size.months} vs {months_quarter} months of the same shape",
            ),
        ],
        notes=[
            f"{shape}; ours = UsageTable.from_folders + charges written to Parquet (sha256 of every file checked, "
            "every row "
            f"priced), plain = DuckDB read_csv + read_json into tables; each in a fresh process, {reps} "
            "repetitions alternating the order; peak RSS = VmHWM of that process.",
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.b9_usage", description=__doc__)
    parser.add_argument("--child", choices=("ours", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--rates", help=argparse.SUPPRESS)
    parser.add_argument("folders", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.folders, args.rates)))
        return 0
    from ._common import render_text, table_rows

    result = run(Mode(smoke=False), Size(args.months, 500, 50, 30, 40), args.reps)
    print(render_text(table_rows([result])))
    for note in result.notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
