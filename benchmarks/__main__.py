"""``python -m benchmarks [--smoke] [--only B1,B3] [--json PATH]``: run, print the table, write JSON.

Exit status 0 even when a target is missed (a miss is a finding, reported in
the table); non-zero only when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from ._common import (
    REPO_ROOT,
    BenchmarkResult,
    Mode,
    load_average,
    log,
    machine_info,
    render_markdown,
    render_text,
    table_rows,
    to_json,
)

BENCHMARKS: dict[str, str] = {
    "B1": "benchmarks.b1_overhead",
    "B2": "benchmarks.b2_download",
    "B3": "benchmarks.b3_fanout",
    "B4": "benchmarks.b4_ratelimit",
    "B5": "benchmarks.b5_import",
    "B6": "benchmarks.b6_codegen",
    "B7": "benchmarks.b7_month_end",
    "B8": "benchmarks.b8_batch",
    "B9": "benchmarks.b9_usage",
}
DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "latest.json"


def _selection(only: str | None) -> list[str]:
    if not only:
        return list(BENCHMARKS)
    chosen = [part.strip().upper() for part in only.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark id(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition (what the tests run)")
    parser.add_argument("--only", metavar="IDS", help="comma-separated ids, e.g. B1,B3")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="PATH", help=f"default {DEFAULT_JSON}")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args(argv)
    mode = Mode(smoke=args.smoke)
    selected = _selection(args.only)

    command = "python -m benchmarks " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    machine = machine_info()
    log(f"benchmarks ({'smoke' if mode.smoke else 'full'}): {', '.join(selected)} on {machine['cpu']}")
    results: list[BenchmarkResult] = []
    failed: list[str] = []
    for name in selected:
        run: Callable[[Mode], BenchmarkResult] = importlib.import_module(BENCHMARKS[name]).run
        log(f"{name} ...")
        started = time.perf_counter()
        try:
            result = run(mode)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        result.seconds = round(time.perf_counter() - started, 2)
        log(f"{name} done in {result.seconds:.1f} s")
        results.append(result)

    machine["load_average_at_end"] = load_average()
    rows = table_rows(results)
    print(render_text(rows))
    for result in results:
        for note in result.notes:
            print(f"  {result.id}: {note}")
        for figure in result.figures:
            if figure.note:
                print(f"  {figure.id}: {figure.note}")
    print()
    print(", ".join(f"{key}: {value}" for key, value in machine.items()))
    if args.markdown:
        print()
        print(render_markdown(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(to_json(results, machine, mode.smoke, command), encoding="utf-8")
    log(f"wrote {args.json}")
    if failed:
        log(f"could not run: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
