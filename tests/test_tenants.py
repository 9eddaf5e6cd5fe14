"""Edge Impulse tenants in the monthly job: each tenant's compute time saved beside its report, names recorded.

Over loopback against the simulators (every request checked against the vendored spec when the
``simulators`` fixture tears down); the CLI through a real subprocess (tests/cli_runner.py).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Run, vendor_environment
from facade_runner import sandbox_settings
from usage_reports import EdgeImpulseComputeTime, EdgeImpulseUsageReport, Period, UnexpectedResponse, UsageReports
from usage_reports._contract import Wait, request_kind
from usage_reports._providers import provider_for_request
from usage_reports.batch import Config, run
from usage_reports.batch._runner import EntryStarted, EntryWaiting, Event
from usage_reports.cli._progress import Progress, label_width
from usage_reports.testing import EdgeImpulseSimulator, Reply, VendorSimulators

OCTOBER = Period.month(2026, 10)
EVIL = "Evil\x1b[2J\x07\r\nCorp"

ALL_TENANTS = """\
[defaults]
period = "last-month"

[[edge_impulse]]
organization_id = 1
inner_organization_id = "all"
poll_interval = 0.01
"""


def _ei(sims: VendorSimulators) -> EdgeImpulseSimulator:
    return sims.vendor("edge_impulse", EdgeImpulseSimulator)


def _world(sims: VendorSimulators, *names: str) -> None:
    """Tenants 2, 3... named ``names``, no report yet, none failing."""
    ei = _ei(sims)
    ei.clear_world()
    for tenant_id, name in enumerate(names, 2):
        ei.add_tenant(tenant_id, name)


def _run(
    tmp_path: Path, sims: VendorSimulators, text: str, as_of: date, folder: str = "{period}", **options: Any
) -> Any:
    path = tmp_path / "usage.toml"
    path.write_text(text, encoding="utf-8")
    return run(
        Config.load(path),
        out_dir=tmp_path / "usage" / folder,
        as_of=as_of,
        environ=vendor_environment(sims),
        **options,
    )


def _manifest(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return document


def test_fetch_all_saves_each_tenants_compute_time_as_the_vendors_json_beside_its_report(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    _world(simulators, "Acme", "Globex")
    result = _run(tmp_path, simulators, ALL_TENANTS, date(2026, 11, 3))
    assert result.exit_code == 0, result.records
    folder = tmp_path / "usage" / "2026-10"
    entries = {e["path"]: e for e in _manifest(folder)["entries"]}
    assert set(entries) == {
        "edge-impulse-usage-1-2-2026-10.csv",
        "edge-impulse-usage-1-3-2026-10.csv",
        "edge-impulse-compute-time-1-2-2026-10.json",
        "edge-impulse-compute-time-1-3-2026-10.json",
    }
    for tenant, name in ((2, "Acme"), (3, "Globex")):
        report = entries[f"edge-impulse-usage-1-{tenant}-2026-10.csv"]
        compute = entries[f"edge-impulse-compute-time-1-{tenant}-2026-10.json"]
        assert (report["kind"], compute["kind"]) == ("report", "compute_time")
        assert report["tenant_name"] == compute["tenant_name"] == name
        assert compute["period"] == report["period"]
        assert compute["media_type"] == "application/json"
        body = (folder / compute["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == compute["sha256"]
        document = json.loads(body)
        assert document["success"] is True
        assert "cpuComputeTime" in document
    sent = [r for r in simulators.requests_to("edge_impulse") if r.path.endswith("/usage/computeTime")]
    served = {r.path.split("/")[-3] for r in sent}
    assert served == {"2", "3"}
    # the file is the vendor's body, bytes unchanged: the same as the namespace's answer reads
    with UsageReports(**sandbox_settings(simulators)) as reports:
        numbers = reports.edge_impulse.compute_time(1, 2, OCTOBER)
    saved = json.loads((folder / "edge-impulse-compute-time-1-2-2026-10.json").read_bytes())
    assert str(numbers.cpu_seconds) == str(saved["cpuComputeTime"])


def test_a_rerun_skips_the_compute_time_files_and_asks_for_no_compute_time(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    _world(simulators, "Acme")
    assert _run(tmp_path, simulators, ALL_TENANTS, date(2026, 11, 3)).exit_code == 0
    simulators.reset()
    again = _run(tmp_path, simulators, ALL_TENANTS, date(2026, 11, 3))
    assert again.exit_code == 0
    assert [(r.kind, r.skipped, r.tenant_name) for r in again.records] == [
        ("report", True, "Acme"),
        ("compute_time", True, "Acme"),
    ]
    assert not [r for r in simulators.requests if r.path.endswith("/usage/computeTime")]
    # a compute-time file changed since: refused by name, like any file whose sha256 is not the recorded one
    changed = tmp_path / "usage" / "2026-10" / "edge-impulse-compute-time-1-2-2026-10.json"
    changed.write_bytes(b'{"success": true}')
    third = _run(tmp_path, simulators, ALL_TENANTS, date(2026, 11, 3))
    refused = [r for r in third.records if r.kind == "compute_time"]
    assert [(r.ok, r.error.type if r.error else None) for r in refused] == [(False, "FileExists")]


def test_a_tenant_renamed_between_two_months_keeps_each_months_name_in_its_manifest(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    _world(simulators, "Initech")
    assert _run(tmp_path, simulators, ALL_TENANTS, date(2026, 11, 3)).exit_code == 0
    _ei(simulators).add_tenant(2, "Initrode")  # renamed in Studio during November
    assert _run(tmp_path, simulators, ALL_TENANTS, date(2026, 12, 3)).exit_code == 0
    october = _manifest(tmp_path / "usage" / "2026-10")["entries"]
    november = _manifest(tmp_path / "usage" / "2026-11")["entries"]
    assert {e["tenant_name"] for e in october} == {"Initech"}
    assert {e["tenant_name"] for e in november} == {"Initrode"}
    # file names stay id-based: a rename moves no file
    assert {e["path"] for e in november} == {
        "edge-impulse-usage-1-2-2026-11.csv",
        "edge-impulse-compute-time-1-2-2026-11.json",
    }


def test_explicit_tenant_ids_are_named_from_one_listing_and_compute_time_false_saves_no_json(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    _world(simulators, "Acme", "Globex")
    _ei(simulators).page_size = 10  # one page per listing
    text = ALL_TENANTS.replace('"all"', "[2, 3]") + (
        '\n[[edge_impulse]]\nname = "csv-only"\norganization_id = 1\ninner_organization_id = 2\n'
        "poll_interval = 0.01\ncompute_time = false\n"
    )
    result = _run(tmp_path, simulators, text, date(2026, 11, 3), concurrency=1)
    assert result.exit_code == 0, result.records
    assert [(r.path, r.kind, r.tenant_name) for r in result.records] == [
        ("edge-impulse-usage-1-2-2026-10.csv", "report", "Acme"),
        ("edge-impulse-compute-time-1-2-2026-10.json", "compute_time", "Acme"),
        ("edge-impulse-usage-1-3-2026-10.csv", "report", "Globex"),
        ("edge-impulse-compute-time-1-3-2026-10.json", "compute_time", "Globex"),
        ("csv-only-edge-impulse-usage-1-2-2026-10.csv", "report", "Acme"),
    ]
    listings = [r for r in simulators.requests if r.path == "/v1/api/organizations/1/whitelabel/organizations"]
    assert len([r for r in listings if "offset=0" in r.query]) == 2  # read once per config entry, not per tenant


def test_a_report_id_entry_gets_no_compute_time(tmp_path: Path, simulators: VendorSimulators) -> None:
    ei = _ei(simulators)
    _world(simulators, "Acme")
    report = ei.add_report(2, OCTOBER.start, OCTOBER.end)
    text = f"[[edge_impulse]]\norganization_id = 1\ninner_organization_id = 2\nreport_id = {report.id}\n"
    result = _run(tmp_path, simulators, text, date(2026, 11, 3), folder="by-id")
    assert [(r.kind, r.tenant_name) for r in result.records] == [("report", "Acme")]
    assert not [r for r in simulators.requests if r.path.endswith("/usage/computeTime")]


def test_the_compute_time_downloads_from_python_as_a_usage_report(tmp_path: Path, simulators: VendorSimulators) -> None:
    request = EdgeImpulseComputeTime(1, 2, period=OCTOBER)
    assert request_kind(request) == "compute_time"
    assert request_kind(EdgeImpulseUsageReport(1, 2, period=OCTOBER)) == "report"
    assert provider_for_request(request).name == "edge_impulse"
    with UsageReports(**sandbox_settings(simulators)) as reports:
        report = reports.download(request, tmp_path / "ct.json")
    body = (tmp_path / "ct.json").read_bytes()
    assert (report.size, report.sha256, report.media_type) == (
        len(body),
        hashlib.sha256(body).hexdigest(),
        "application/json",
    )
    assert report.suggested_filename == "edge-impulse-compute-time-1-2-2026-10.json"
    assert json.loads(body)["success"] is True


@pytest.mark.raw_requests
@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"success": false, "error": "tenant \\u001b[2J gone"}', "success=false: tenant \\x1b[2J gone"),
        (b"<html>maintenance</html>", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
    ],
)
def test_a_compute_time_that_is_not_json_with_success_true_is_refused_and_nothing_is_written(
    tmp_path: Path, simulators: VendorSimulators, body: bytes, why: str
) -> None:
    simulators.queue("edge_impulse", Reply(headers=(("Content-Type", "application/json"),), body=body))
    with UsageReports(**sandbox_settings(simulators)) as reports, pytest.raises(UnexpectedResponse) as info:
        reports.download(EdgeImpulseComputeTime(1, 2, period=OCTOBER), tmp_path / "ct.json")
    assert why in str(info.value)
    assert "\x1b" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_tenant_waiting_for_its_report_is_told_to_the_observer_with_its_polls(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    _world(simulators, "Acme")
    _ei(simulators).pending_polls = 3
    events: list[Event] = []
    result = _run(tmp_path, simulators, ALL_TENANTS, date(2026, 11, 3), observer=events.append)
    assert result.exit_code == 0
    waiting = [e for e in events if isinstance(e, EntryWaiting)]
    label = next(r.label for r in result.records if r.kind == "report")
    assert waiting
    assert {e.label for e in waiting} == {label}
    assert [e.polls for e in waiting] == list(range(1, len(waiting) + 1))
    assert all(b.seconds >= a.seconds >= 0 for a, b in itertools.pairwise(waiting))
    started = [i for i, e in enumerate(events) if isinstance(e, EntryStarted) and e.label == label]
    assert started
    assert started[0] < events.index(waiting[0])


def test_the_resolve_flow_numbers_its_polls() -> None:
    from usage_reports._providers.edge_impulse._resolve import _Clock

    clock = _Clock(deadline=float("inf"), interval=2.0, began=0.0)
    pauses: list[Wait] = []
    for _ in range(3):
        step = clock.next()
        assert step is not None
        pause, clock = step
        pauses.append(pause)
    assert [(p.polls, p.seconds) for p in pauses] == [(1, 2.0), (2, 3.0), (3, 4.5)]


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_progress_shows_waiting_for_report_and_uses_the_terminals_width() -> None:
    now = [100.0]
    label = "edge_impulse[1] organization_id=1 inner_organization_id=1234567 compute_time"
    assert len(label) > 40
    wide = _Terminal()
    progress = Progress(stream=wide, enabled=True, total=1, clock=lambda: now[0], columns=lambda: 200)  # type: ignore[arg-type]
    progress.start(label)
    progress.wait(label, 3, 10.0)
    now[0] += 2
    progress.advance(label, 0)
    last = wide.text.rsplit("\x1b[J", 1)[-1].split("\n")[0]  # the download's line (the batch line follows)
    assert label in last  # not cut on a wide terminal
    assert "waiting for report (poll 3, 12 s)" in last
    assert "0 B/s" not in last
    now[0] += 1
    progress.advance(label, 2048)
    assert "waiting" not in wide.text.rsplit("\x1b[J", 1)[-1].split("\n")[0]  # bytes arrive: the usual figures
    narrow = _Terminal()
    small = Progress(stream=narrow, enabled=True, clock=lambda: now[0], columns=lambda: 60)  # type: ignore[arg-type]
    small.start(label)
    assert label not in narrow.text
    assert label[:39] + "\u2026" in narrow.text
    assert label_width(60) == 40
    assert label_width(200) == 142


def test_tenant_names_reach_the_terminal_escaped_in_every_table(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    _world(simulators, EVIL)
    tenants = run("edge-impulse-tenants", "--organization-id", "1")
    assert tenants.returncode == 0, tenants.stderr
    assert "Evil\\x1b[2J\\x07\\r\\nCorp" in tenants.stdout
    (tmp_path / "usage.toml").write_text(ALL_TENANTS, encoding="utf-8")
    fetched = run("fetch-all", "usage.toml", "--out-dir", "out", "--as-of", "2026-11-03")
    assert fetched.returncode == 0, fetched.stderr
    for output in (tenants.stdout, fetched.stdout, fetched.stderr):
        assert not set(output) & {"\x1b", "\x07", "\r"}
    rows = [line for line in fetched.stdout.splitlines() if line.startswith("edge_impulse")]
    assert len(rows) == 2  # a report and a compute time: one line each, no row split by a newline
    assert all("Evil\\x1b[2J\\x07\\r\\nCorp" in row for row in rows)
    shown = run("manifest", "out")
    assert shown.returncode == 0, shown.stderr
    assert not set(shown.stdout) & {"\x1b", "\x07", "\r"}
    assert len([line for line in shown.stdout.splitlines() if "Evil\\x1b[2J\\x07\\r\\nCorp" in line]) == 2
    names = {e["tenant_name"] for e in _manifest(tmp_path / "out")["entries"]}
    assert names == {EVIL}  # the manifest keeps the name as the vendor has it (JSON escapes it)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_fetch_all_on_a_terminal_shows_a_tenant_waiting_for_its_report(
    tmp_path: Path, simulators: VendorSimulators, vendor_env: dict[str, str]
) -> None:
    import pty

    _world(simulators, "Acme")
    _ei(simulators).pending_polls = 4  # the report this run creates stays pending for four polls
    (tmp_path / "usage.toml").write_text(ALL_TENANTS.replace("0.01", "0.2"), encoding="utf-8")
    leader, follower = pty.openpty()
    received = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                return
            if not data:
                return
            received.extend(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "usage_reports", "fetch-all", "usage.toml", "--out-dir", "out"],
            cwd=tmp_path,
            env={**vendor_env, "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
        reader.join(5)
        os.close(leader)
    assert result.returncode == 0, received.decode("utf-8", "replace")
    drawn = received.decode("utf-8", "replace")
    assert "edge_impulse[1] organization_id=1 inner_organization_id=2 " in drawn
    assert re.search(r"waiting for report \(poll [1-4], \d+ s\)", drawn)
