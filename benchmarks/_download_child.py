"""``python -m benchmarks._download_child EDGE_IMPULSE_URL API_KEY DEST``: one facade download, in its own process.

Its own process so that its peak RSS is the download's alone (the parent reads
it with os.wait4). It imports only the facade (not the simulators: the key is
an argument), as a program using the library would. Prints one JSON line:
size, sha256, VmHWM, the seconds it waited for a CPU, and seconds since its work started (after imports): at
the first and the last byte received, and at return (the file committed:
fsync, rename, folder fsync); and its CPU time at the first byte.
"""

from __future__ import annotations

import json
import sys
import time

from usage_reports import EdgeImpulse, EdgeImpulseUsageReport, UsageReports

from ._proc import vm_hwm_kib, waited_for_cpu

REPORT = EdgeImpulseUsageReport(organization_id=1, inner_organization_id=2, report_id=3)


def main(argv: list[str]) -> int:
    base_url, key, destination = argv
    marks: list[float] = []
    cpu_at_first_byte: list[float] = []

    def progress(received: int) -> None:
        if received:
            if not marks:
                marks.append(time.perf_counter())
                cpu_at_first_byte.append(time.process_time())
            else:
                marks[1:] = [time.perf_counter()]

    started = time.perf_counter()
    started_at = time.time()
    with UsageReports(edge_impulse=EdgeImpulse(api_key=key, base_url=base_url), environ={}, max_retries=0) as reports:
        report = reports.download(REPORT, destination, overwrite=True, on_progress=progress)
    seconds = time.perf_counter() - started
    first, last = (marks[0], marks[-1]) if marks else (started, started)
    print(
        json.dumps(
            {
                "size": report.size,
                "sha256": report.sha256,
                "seconds": seconds,
                "first_byte": first - started,
                "cpu_at_first_byte": cpu_at_first_byte[0] if cpu_at_first_byte else 0.0,
                "last_byte": last - started,
                "synced": seconds,
                "vm_hwm_kib": vm_hwm_kib(),
                "waited_for_cpu": waited_for_cpu(),
                "started_at": started_at,
                "ended_at": time.time(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
