"""Run folders as fetch-all writes them, for the usage table's tests: files, and a manifest with their real sha256.

    run = RunFolder(tmp_path / "2026-10", month="2026-10")
    run.compute_time(organization_id=1, tenant_id=7, tenant_name="Acme", cpu="3600", gpu="120.5", total="62.0")
    run.statsig_csv("web", [statsig_row("2026-10-01", 21, project="My-Project")])
    run.report("altostrat", "tenants", b"%PDF-1.7 ...", "application/pdf")
    run.write()                                 # manifest.json, records shaped like fetch-all's

``python tests/usage_runs.py --sample DIR`` writes two months of sample runs
and a rate card into DIR (what ``nox -s focus`` prices and validates).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATSIG_HEADER = ("Date", "Event Type", "Name", "Sources", "Daily Billable Events", "Project")
RATES = """\
currency = "EUR"
invoice_issuer = "Acme White Label GmbH"
[edge_impulse]
cpu_compute_time = 0.00025
gpu_compute_time = 0.0011
not_billed = ["total_compute_time"]
[statsig]
billable_events = 0.00002
[edge_impulse.tenants.7]
cpu_compute_time = 0.0002
"""


def month_period(month: str, offset: str = "+00:00") -> dict[str, str]:
    """The period of a calendar month as a manifest records it: ISO instants with an offset, end exclusive."""
    year, number = (int(part) for part in month.split("-"))
    end_year, end_month = (year + 1, 1) if number == 12 else (year, number + 1)
    return {
        "start": f"{year:04d}-{number:02d}-01T00:00:00{offset}",
        "end": f"{end_year:04d}-{end_month:02d}-01T00:00:00{offset}",
    }


def statsig_row(
    day: str,
    events: int | str,
    *,
    project: str = "My-Project",
    event_type: str = "check_gate",
    name: str = "my-tracked-event",
    sources: str = "react-client,js-client",
) -> dict[str, str]:
    return {
        "Date": day,
        "Event Type": event_type,
        "Name": name,
        "Sources": sources,
        "Daily Billable Events": str(events),
        "Project": project,
    }


def csv_text(rows: Sequence[Mapping[str, str]], header: Sequence[str] = STATSIG_HEADER) -> str:
    """CSV as the vendor writes it: quoted only where needed (a comma list of Sources), CRLF-free."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@dataclass
class RunFolder:
    """One fetch-all run folder being written: each file added is recorded; ``write()`` writes the manifest."""

    folder: Path
    month: str = "2026-10"
    offset: str = "+00:00"
    records: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    @property
    def period(self) -> dict[str, str]:
        return month_period(self.month, self.offset)

    def add(
        self,
        provider: str,
        name: str | None,
        path: str,
        data: bytes,
        *,
        media_type: str,
        parameters: Mapping[str, object] | None = None,
        kind: str | None = None,
        tenant_name: str | None = None,
        period: Mapping[str, str | None] | None = None,
    ) -> Path:
        target = self.folder / path
        target.write_bytes(data)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        record: dict[str, Any] = {
            "label": f"{provider}[{len(self.records)}]" + (f" ({name})" if name else ""),
            "provider": provider,
            "name": name,
            "period": dict(period) if period is not None else self.period,
            "parameters": dict(parameters or {}),
            "credential_env": None,
            "path": path,
            "details": {},
            "ok": True,
            "skipped": False,
            "error": None,
            "exit_code": 0,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "media_type": media_type,
            "started_at": now,
            "finished_at": now,
            "run_id": "0" * 32,
        }
        if kind is not None:
            record["kind"] = kind
        if tenant_name is not None or kind == "compute_time":
            record["tenant_name"] = tenant_name
        self.records.append(record)
        return target

    def compute_time(
        self,
        *,
        organization_id: int,
        tenant_id: int,
        tenant_name: str | None,
        cpu: str | None,
        gpu: str | None,
        total: str | None,
        body: bytes | None = None,
    ) -> Path:
        """The vendor's computeTime JSON (numbers written exactly as given), recorded with kind compute_time."""
        if body is None:
            fields = [('"success"', "true")] + [
                (f'"{key}"', value)
                for key, value in (("cpuComputeTime", cpu), ("gpuComputeTime", gpu), ("totalComputeTime", total))
                if value is not None
            ]
            body = ("{" + ", ".join(f"{k}: {v}" for k, v in fields) + "}").encode()
        path = f"edge-impulse-compute-time-{organization_id}-{tenant_id}-{self.month}.json"
        return self.add(
            "edge_impulse",
            None,
            path,
            body,
            media_type="application/json",
            parameters={"organization_id": organization_id, "inner_organization_id": tenant_id},
            kind="compute_time",
            tenant_name=tenant_name,
        )

    def edge_impulse_report(self, *, organization_id: int, tenant_id: int, tenant_name: str | None = None) -> Path:
        """A usage report CSV (its columns are not documented: listed, never read)."""
        return self.add(
            "edge_impulse",
            None,
            f"edge-impulse-usage-{organization_id}-{tenant_id}-{self.month}.csv",
            b"Whatever,Columns\n1,2\n",
            media_type="text/csv",
            parameters={"organization_id": organization_id, "inner_organization_id": tenant_id},
            tenant_name=tenant_name,
        )

    def statsig_csv(
        self, name: str, rows: Sequence[Mapping[str, str]], *, header: Sequence[str] = STATSIG_HEADER
    ) -> Path:
        return self.statsig_text(name, csv_text(rows, header))

    def statsig_text(self, name: str, text: str) -> Path:
        return self.add(
            "statsig",
            name,
            f"{name}-statsig-usage-{self.month}.csv",
            text.encode(),
            media_type="text/csv",
            parameters={"period": self.period},
        )

    def report(self, provider: str, name: str, data: bytes, media_type: str) -> Path:
        suffix = "pdf" if media_type == "application/pdf" else "bin"
        return self.add(provider, name, f"{name}-{provider}-{self.month}.{suffix}", data, media_type=media_type)

    def write(self) -> Path:
        """manifest.json with every record (the run's summary as fetch-all writes it)."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        document = {
            "format": "usage-reports manifest",
            "version": 2,
            "generator": "usage-reports tests",
            "summary": {
                "run_id": "0" * 32,
                "state": "finished",
                "ok": True,
                "exit_code": 0,
                "started_at": now,
                "finished_at": now,
                "wall_time_seconds": 0.0,
                "entries": len(self.records),
                "downloaded": len(self.records),
                "skipped": 0,
                "failed": 0,
                "downloaded_bytes": sum(r["size"] for r in self.records),
                "total_bytes": sum(r["size"] for r in self.records),
            },
            "entries": self.records,
        }
        target = self.folder / "manifest.json"
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        return target


def sample(base: Path) -> tuple[list[Path], Path]:
    """Two months of runs (Edge Impulse compute time, Statsig CSVs, listed reports) and a rate card."""
    folders = []
    for month, cpu, name in (("2026-10", "3600", "Acme"), ("2026-11", "5400.5", "Acme Robotics")):
        run = RunFolder(base / month, month=month)
        run.compute_time(organization_id=1, tenant_id=7, tenant_name=name, cpu=cpu, gpu="120.25", total="62.0")
        run.compute_time(organization_id=1, tenant_id=8, tenant_name="Beta", cpu="10", gpu="0", total="0.2")
        run.edge_impulse_report(organization_id=1, tenant_id=7, tenant_name=name)
        days = [f"{month}-{day:02d}" for day in (1, 2, 3)]
        run.statsig_csv("web", [statsig_row(day, 21 + i, project="My-Project") for i, day in enumerate(days)])
        run.report("altostrat", "tenants", b"%PDF-1.7\n%sample\n", "application/pdf")
        run.write()
        folders.append(run.folder)
    rates = base / "rates.toml"
    rates.write_text(RATES, encoding="utf-8")
    return folders, rates


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write sample run folders and a rate card")
    parser.add_argument("--sample", type=Path, required=True, metavar="DIR")
    parser.add_argument("--charges", type=Path, metavar="FILE.parquet", help="also price them into this file")
    args = parser.parse_args(argv)
    folders, rates = sample(args.sample)
    if args.charges:
        from usage_reports.usage import RateCard, UsageTable

        with UsageTable.from_folders(folders) as table:
            table.charges(RateCard.load(rates)).to_parquet(args.charges)
    print(json.dumps({"folders": [str(f) for f in folders], "rates": str(rates)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
