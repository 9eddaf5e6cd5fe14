"""The vendor simulators in a process of their own.

``python -m benchmarks._simserver --latency 0.02 --report-size N`` starts them,
prints one JSON line with their URLs, and stops them when stdin closes. A
separate process keeps the server's Python work off the client's GIL and core,
so the client under test is measured, not the two taking turns.

A line ``accepted`` on stdin is answered with one JSON line: the connections
each server has accepted so far (counted where the server accepts them).
"""

from __future__ import annotations

import argparse
import json
import socketserver
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Self

from ._child import ChildServer


def _count_accepted_connections() -> Counter[int]:
    """Count, per listening port, the connections every socketserver in this process accepts.

    This process runs nothing but the simulators, which are socketservers; the
    count is taken at accept(), the one place every new connection passes.
    """
    counts: Counter[int] = Counter()
    lock = threading.Lock()
    accept = socketserver.TCPServer.get_request

    def counting_get_request(server: socketserver.TCPServer) -> tuple[object, object]:
        connection = accept(server)
        with lock:
            counts[server.server_address[1]] += 1
        return connection

    socketserver.TCPServer.get_request = counting_get_request  # type: ignore[method-assign,assignment]
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    from usage_reports.testing import VendorSimulators

    accepted = _count_accepted_connections()
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
        ports = {name: int(url.split(":")[2].split("/")[0]) for name, url in urls.items()}
        for line in sys.stdin:  # until the parent closes our stdin
            if line.strip() == "accepted":
                print(json.dumps({name: accepted[port] for name, port in ports.items()}), flush=True)
    return 0


class SimulatorProcess(ChildServer):
    """Start the simulators in a child process; ``.urls`` maps server name to base URL."""

    def __init__(self, *, latency: float = 0.0, report_size: int = 4096) -> None:
        super().__init__("benchmarks._simserver", "--latency", str(latency), "--report-size", str(report_size))
        self.urls: dict[str, str] = {}

    def __enter__(self) -> Self:
        super().__enter__()
        self.urls = json.loads(self.ready)
        return self

    def accepted(self) -> dict[str, int]:
        """Connections each server has accepted since it started."""
        counts: dict[str, int] = self.ask("accepted")
        return counts


if __name__ == "__main__":
    sys.exit(main())
