"""``python -m benchmarks._download_child EDGE_IMPULSE_URL DEST``: one facade download, in its own process.

Its own process so that its peak RSS is the download's alone (the parent reads
it with os.wait4). Prints one JSON line: size, sha256, seconds inside the
process (after imports) and VmHWM.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from usage_reports import EdgeImpulse, EdgeImpulseUsageReport, UsageReports
from usage_reports.testing import SANDBOX_EDGE_IMPULSE_API_KEY

REPORT = EdgeImpulseUsageReport(organization_id=1, inner_organization_id=2, report_id=3)


def _vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def main(argv: list[str]) -> int:
    base_url, destination = argv
    started = time.perf_counter()
    with UsageReports(
        edge_impulse=EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=base_url), environ={}, max_retries=0
    ) as reports:
        report = reports.download(REPORT, destination, overwrite=True)
    seconds = time.perf_counter() - started
    print(json.dumps({"size": report.size, "sha256": report.sha256, "seconds": seconds, "vm_hwm_kib": _vm_hwm_kib()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
