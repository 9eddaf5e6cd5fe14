"""The vendor simulators in a process of their own.

``python -m benchmarks._simserver --latency 0.02 --report-size N`` starts them,
prints one JSON line with their URLs, and stops them when stdin closes. A
separate process keeps the server's Python work off the client's GIL and core,
so the client under test is measured, not the two taking turns.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Self

from ._common import child_env


def main(argv: Sequence[str] | None = None) -> int:
    from usage_reports.testing import VendorSimulators

    parser = argparse.ArgumentParser(prog="python -m benchmarks._simserver")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--report-size", type=int, default=4096)
    args = parser.parse_args(argv)
    with VendorSimulators(latency=args.latency, edge_impulse_report_size=args.report_size) as sim:
        urls = {
            "edge_impulse": sim.edge_impulse_url,
            "storage": sim.storage_url,
            "altostrat": sim.altostrat_url,
            "statsig": sim.statsig_url,
        }
        print(json.dumps(urls), flush=True)
        sys.stdin.read()  # until the parent closes our stdin
    return 0


class SimulatorProcess:
    """Start the simulators in a child process; ``.urls`` maps server name to base URL."""

    def __init__(self, *, latency: float = 0.0, report_size: int = 4096) -> None:
        self._args = ["--latency", str(latency), "--report-size", str(report_size)]
        self._process: subprocess.Popen[str] | None = None
        self.urls: dict[str, str] = {}

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._simserver", *self._args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        stdout: IO[str] | None = self._process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            self._stop()
            raise RuntimeError("the simulator process exited before printing its URLs")
        self.urls = json.loads(line)
        return self

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()


if __name__ == "__main__":
    sys.exit(main())
