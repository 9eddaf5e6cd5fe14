"""The Edge Impulse commands of the CLI: a report by period, the listings, and their mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import Run
from usage_reports.testing import EdgeImpulseSimulator, VendorSimulators

pytestmark = pytest.mark.slow


def test_a_report_by_period_is_found_or_created_and_saved_under_the_period(
    run: Run, simulators: VendorSimulators, tmp_path: Path
) -> None:
    simulators.vendor("edge_impulse", EdgeImpulseSimulator).pending_polls = 0
    result = run(
        "edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", "--period", "2026-10", "--json"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["path"] == "edge-impulse-usage-1-2-2026-10.csv"
    assert (tmp_path / "edge-impulse-usage-1-2-2026-10.csv").stat().st_size == document["size"]
    assert [r.method for r in simulators.requests_to("edge_impulse")].count("POST") == 1


def test_the_tenant_listing_prints_a_table_or_json(run: Run, simulators: VendorSimulators) -> None:
    table = run("edge-impulse-tenants", "--organization-id", "1")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CREATED"]
    assert [line.split()[0] for line in lines[1:]] == ["2", "3", "4", "5", "6"]
    as_json = run("edge-impulse-tenants", "--organization-id", "1", "--json")
    rows = json.loads(as_json.stdout)["rows"]
    assert [row["id"] for row in rows] == [2, 3, 4, 5, 6]
    assert rows[1]["name"] == "Zürich Robotics AG"


def test_the_report_listing_shows_period_and_status(run: Run, simulators: VendorSimulators) -> None:
    result = run("edge-impulse-reports", "--organization-id", "1", "--inner-organization-id", "3", "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["period"], row["status"]) == ("2026-10", "finished")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--report-id", "3", "--period", "2026-10"),
            "edge-impulse: give exactly one of --report-id and --period",
        ),
        ((), "edge-impulse: give exactly one of --report-id and --period"),
        (("--period", "2026-13"), "--period: '2026-13' is not a month"),
        (("--period", "2026-10", "--timezone", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_bad_report_selection_is_one_line_exit_2_before_any_request(
    run: Run, simulators: VendorSimulators, args: tuple[str, ...], message: str
) -> None:
    result = run("edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert simulators.requests == []


def test_missing_credentials_keep_the_librarys_own_hint(run: Run, simulators: VendorSimulators) -> None:
    result = run(
        "edge-impulse",
        "--organization-id",
        "1",
        "--inner-organization-id",
        "2",
        "--report-id",
        "3",
        env={"EDGE_IMPULSE_API_KEY": None, "EDGE_IMPULSE_JWT": None},
    )
    assert result.returncode == 2
    assert "set EDGE_IMPULSE_API_KEY (or EDGE_IMPULSE_JWT)" in result.stderr
    assert simulators.requests == []


def test_both_edge_impulse_credentials_in_the_environment_is_refused(run: Run, simulators: VendorSimulators) -> None:
    result = run("edge-impulse-tenants", "--organization-id", "1", env={"EDGE_IMPULSE_JWT": "ei-sandbox-jwt"})
    assert result.returncode == 2
    assert "both EDGE_IMPULSE_API_KEY and EDGE_IMPULSE_JWT are set; unset one" in result.stderr
    assert simulators.requests == []


def test_one_download_says_whether_its_report_was_reused_or_created(run: Run, simulators: VendorSimulators) -> None:
    simulators.vendor("edge_impulse", EdgeImpulseSimulator).pending_polls = 0
    args = ("edge-impulse", "--organization-id", "1", "--period", "2026-10")
    created = run(*args, "--inner-organization-id", "2")
    reused = run(*args, "--inner-organization-id", "3", "-o", "reused.csv")
    assert created.returncode == 0, created.stderr
    assert reused.returncode == 0, reused.stderr
    assert "(report_id=1002 report=created)" in created.stdout
    assert "(report_id=1001 report=reused)" in reused.stdout


def test_the_report_listing_tells_the_same_month_in_two_zones_apart(run: Run, simulators: VendorSimulators) -> None:
    from usage_reports import Period

    berlin = Period.month(2026, 10, tz="Europe/Berlin")
    simulators.vendor("edge_impulse", EdgeImpulseSimulator).add_report(3, berlin.start, berlin.end)
    table = run("edge-impulse-reports", "--organization-id", "1", "--inner-organization-id", "3")
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split()[:4] == ["ID", "PERIOD", "START", "END"]
    starts = sorted(row.split()[2] for row in rows)
    assert starts == ["2026-10-01T00:00:00+00:00", "2026-10-01T00:00:00+02:00"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", "--period", "2099-05"), "--period"),
        (("statsig", "--period", "2099-05"), "--period"),
        (("statsig", "--start", "2099-05-01", "--end", "2099-06-01"), "--start"),
    ],
)
def test_one_report_for_a_period_that_has_not_started_is_refused_before_any_request(
    run: Run, simulators: VendorSimulators, args: tuple[str, ...], option: str
) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"usage-reports: error: {option}: the period has not started yet (it starts 2099-05-01T00:00:00+00:00); "
        "nothing was sent"
    ]
    assert simulators.requests == []
