"""UsageTable: run folders (manifest + files, as fetch-all writes them) read into one tidy table."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from s3_server import S3, s3_fixture, s3_server_fixture  # noqa: F401 - the fixtures s3, s3_server
from usage_reports.usage import FolderError, RefusedFiles, UsageTable
from usage_runs import RunFolder, csv_text, statsig_row

COLUMNS = [
    "provider",
    "account_id",
    "tenant_id",
    "tenant_name",
    "period_start",
    "period_end",
    "day",
    "metric",
    "quantity",
    "unit",
    "dimensions",
    "source_path",
    "source_sha256",
]


def _rows(folders: list[Path], **kwargs: bool) -> list[dict[str, object]]:
    with UsageTable.from_folders(folders, **kwargs) as table:
        return list(table.rows())


def test_the_table_has_exactly_the_documented_columns_and_decimal_quantities(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.compute_time(organization_id=1, tenant_id=7, tenant_name="Acme", cpu="1", gpu="2", total="3")
    run.statsig_csv("web", [statsig_row("2026-10-01", 21)])
    run.write()
    with UsageTable.from_folders([run.folder]) as table:
        assert table.columns == COLUMNS
        types = dict(zip(table.relation.columns, [str(t) for t in table.relation.types], strict=True))
        table.to_parquet(tmp_path / "usage.parquet")
    assert types["quantity"] == "DECIMAL(38,18)"
    assert types["day"] == "DATE"
    parquet = duckdb.read_parquet(str(tmp_path / "usage.parquet"))
    assert list(zip(parquet.columns, [str(t) for t in parquet.types], strict=True)) == [
        (name, {"quantity": "DECIMAL(38,18)", "day": "DATE"}.get(name, "VARCHAR")) for name in COLUMNS
    ]


def test_compute_time_json_gives_cpu_and_gpu_seconds_and_total_minutes_exactly_as_reported(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10", offset="+01:00")
    path = run.compute_time(
        organization_id=12, tenant_id=7, tenant_name="Acme", cpu="3600.125", gpu="0.1", total="60.005"
    )
    run.write()
    rows = _rows([run.folder])
    assert [(r["metric"], r["quantity"], r["unit"]) for r in rows] == [
        ("cpu_compute_time", Decimal("3600.125"), "seconds"),
        ("gpu_compute_time", Decimal("0.1"), "seconds"),
        ("total_compute_time", Decimal("60.005"), "minutes"),
    ]
    for row in rows:
        assert row["provider"] == "edge_impulse"
        assert row["account_id"] == "12"
        assert row["tenant_id"] == "7"
        assert row["tenant_name"] == "Acme"
        assert row["period_start"] == "2026-10-01T00:00:00+01:00"
        assert row["period_end"] == "2026-11-01T00:00:00+01:00"
        assert row["day"] is None
        assert json.loads(str(row["dimensions"])) == {}
        assert row["source_path"] == str(path)
        assert row["source_sha256"] == run.records[0]["sha256"]


def test_a_compute_time_field_not_reported_gives_no_row_never_a_zero(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.compute_time(organization_id=1, tenant_id=7, tenant_name=None, cpu="5", gpu=None, total=None)
    run.write()
    rows = _rows([run.folder])
    assert [(r["metric"], r["quantity"], r["tenant_name"]) for r in rows] == [("cpu_compute_time", 5, None)]


def test_a_vendors_float_is_kept_digit_for_digit_and_one_with_more_digits_than_kept_refuses_its_file(
    tmp_path: Path,
) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.compute_time(organization_id=1, tenant_id=7, tenant_name=None, cpu="1.2345678901234567e-7", gpu="1", total="1")
    run.compute_time(
        organization_id=1, tenant_id=8, tenant_name=None, cpu="0.30000000000000004", gpu="1", total="1750.6166666666666"
    )
    run.write()
    with UsageTable.from_folders([run.folder], strict=False) as table:
        kept = {(r["tenant_id"], r["metric"]): r["quantity"] for r in table.rows()}
        assert len(table.problems) == 1
        assert table.problems[0].path.endswith("edge-impulse-compute-time-1-7-2026-10.json")
        assert "cpuComputeTime: 0.00000012345678901234567 is not a decimal number" in table.problems[0].reason
    assert {tenant for tenant, _ in kept} == {"8"}
    assert kept[("8", "cpu_compute_time")] == Decimal("0.30000000000000004")
    assert kept[("8", "total_compute_time")] == Decimal("1750.6166666666666")


def test_a_compute_time_answer_reporting_a_failure_is_refused(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.compute_time(
        organization_id=1, tenant_id=7, tenant_name=None, cpu=None, gpu=None, total=None,
        body=b'{"success": false, "error": "no such organization"}',
    )  # fmt: skip
    run.write()
    with pytest.raises(RefusedFiles, match=r"compute-time-1-7-2026-10\.json: 'success' is not true"):
        UsageTable.from_folders([run.folder])


def test_statsig_csv_with_quoted_sources_is_one_daily_row_per_line_with_the_documented_dimensions(
    tmp_path: Path,
) -> None:
    run = RunFolder(tmp_path / "2026-10")
    text = (
        "Date,Event Type,Name,Sources,Daily Billable Events,Project\n"
        '2023-01-12,check_gate,my-tracked-event,"react-client,js-client",21,My-Project\n'
        '2023-01-13,log_event,"name, with comma","a,b,c",7,Other\n'
    )
    run.statsig_text("web", text)
    run.write()
    rows = _rows([run.folder])
    assert [(str(r["day"]), r["tenant_id"], r["quantity"], r["metric"], r["unit"]) for r in rows] == [
        ("2023-01-12", "My-Project", Decimal(21), "billable_events", "events"),
        ("2023-01-13", "Other", Decimal(7), "billable_events", "events"),
    ]
    assert json.loads(str(rows[0]["dimensions"])) == {
        "event_type": "check_gate",
        "name": "my-tracked-event",
        "sources": "react-client,js-client",
    }
    assert json.loads(str(rows[1]["dimensions"]))["sources"] == "a,b,c"
    assert json.loads(str(rows[1]["dimensions"]))["name"] == "name, with comma"
    assert {r["account_id"] for r in rows} == {"web"}
    assert {r["tenant_name"] for r in rows} == {None}


def test_an_unknown_statsig_column_is_kept_in_the_dimensions_never_dropped(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    header = ("Date", "Region", "Event Type", "Name", "Sources", "Daily Billable Events", "Project")
    row = {**statsig_row("2026-10-02", 5), "Region": "eu-west"}
    run.statsig_csv("web", [row], header=header)
    run.statsig_csv("app", [statsig_row("2026-10-02", 6)])  # another header in the same table
    run.write()
    rows = {r["account_id"]: r for r in _rows([run.folder])}
    assert json.loads(str(rows["web"]["dimensions"])) == {
        "event_type": "check_gate",
        "name": "my-tracked-event",
        "sources": "react-client,js-client",
        "Region": "eu-west",
    }
    assert "Region" not in json.loads(str(rows["app"]["dimensions"]))


def test_a_statsig_csv_missing_a_documented_column_is_refused_naming_file_and_column_and_the_others_are_read(
    tmp_path: Path,
) -> None:
    run = RunFolder(tmp_path / "2026-10")
    broken = run.statsig_csv(
        "web", [statsig_row("2026-10-01", 1)], header=("Date", "Event Type", "Name", "Sources", "Project")
    )
    run.statsig_csv("app", [statsig_row("2026-10-01", 2)])
    run.compute_time(organization_id=1, tenant_id=7, tenant_name=None, cpu="1", gpu="1", total="1")
    run.write()
    with pytest.raises(RefusedFiles) as refused:
        UsageTable.from_folders([run.folder])
    assert [p.path for p in refused.value.problems] == [str(broken)]
    assert "no 'Daily Billable Events' column" in refused.value.problems[0].reason
    with UsageTable.from_folders([run.folder], strict=False) as table:
        assert sorted({str(r["account_id"]) for r in table.rows()}) == ["1", "app"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2026-10-01,check_gate,x,y,many,P", "Daily Billable Events many: not a decimal number"),
        ("2026-13-01,check_gate,x,y,3,P", "Date 2026-13-01: not a date"),
        ("2026-10-01,check_gate,x,y,3,P,extra", "not CSV as documented"),
    ],
    ids=["quantity", "date", "columns"],
)
def test_a_statsig_value_not_as_documented_refuses_that_file_only(tmp_path: Path, line: str, reason: str) -> None:
    run = RunFolder(tmp_path / "2026-10")
    header = "Date,Event Type,Name,Sources,Daily Billable Events,Project\n"
    bad = run.statsig_text("web", header + "2026-10-02,check_gate,x,y,4,P\n" + line + "\n")
    run.statsig_text("app", header + "2026-10-02,check_gate,x,y,4,Q\n")
    run.write()
    with UsageTable.from_folders([run.folder], strict=False) as table:
        assert [r["tenant_id"] for r in table.rows()] == ["Q"]
        assert [p.path for p in table.problems] == [str(bad)]
        assert reason in table.problems[0].reason


def test_a_file_changed_since_its_manifest_is_refused_by_name_and_none_of_its_rows_is_kept(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    changed = run.statsig_csv("web", [statsig_row("2026-10-01", 21), statsig_row("2026-10-02", 22)])
    run.compute_time(organization_id=1, tenant_id=7, tenant_name=None, cpu="1", gpu="1", total="1")
    changed_json = run.compute_time(organization_id=1, tenant_id=8, tenant_name=None, cpu="1", gpu="1", total="1")
    run.write()
    changed.write_text(csv_text([statsig_row("2026-10-01", 9999)]), encoding="utf-8")
    changed_json.write_bytes(changed_json.read_bytes().replace(b'"cpuComputeTime": 1', b'"cpuComputeTime": 2'))
    with pytest.raises(RefusedFiles) as refused:
        UsageTable.from_folders([run.folder])
    assert sorted(p.path for p in refused.value.problems) == sorted([str(changed), str(changed_json)])
    assert all("does not match the manifest" in p.reason for p in refused.value.problems)
    with UsageTable.from_folders([run.folder], strict=False) as table:
        assert {(r["provider"], r["tenant_id"]) for r in table.rows()} == {("edge_impulse", "7")}


def test_a_file_listed_but_gone_is_refused_by_name(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    gone = run.statsig_csv("web", [statsig_row("2026-10-01", 21)])
    run.write()
    gone.unlink()
    with pytest.raises(RefusedFiles, match=r"web-statsig-usage-2026-10\.csv: listed in the manifest but not found"):
        UsageTable.from_folders([run.folder])


def test_reports_without_documented_structure_are_listed_and_never_parsed(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    report = run.edge_impulse_report(organization_id=1, tenant_id=7, tenant_name="Acme")
    pdf = run.report("altostrat", "tenants", b"%PDF-1.7\n", "application/pdf")
    run.compute_time(organization_id=1, tenant_id=7, tenant_name="Acme", cpu="1", gpu="1", total="1")
    run.write()
    report.write_bytes(b"changed: a listed file is never read")
    with UsageTable.from_folders([run.folder]) as table:
        assert {str(r["source_path"]) for r in table.rows()} == {str(run.folder / run.records[2]["path"])}
        listed = table.files()
    assert [(f.provider, f.kind, f.path, f.tenant_name) for f in listed] == [
        ("edge_impulse", "report", str(report), "Acme"),
        ("altostrat", "report", str(pdf), None),
    ]


def test_a_tenant_renamed_between_months_keeps_each_months_name_and_is_one_tenant_month_over_month(
    tmp_path: Path,
) -> None:
    folders = []
    for month, name, seconds in (("2026-10", "Acme", "100"), ("2026-11", "Acme Robotics", "150")):
        run = RunFolder(tmp_path / month, month=month)
        run.compute_time(organization_id=1, tenant_id=7, tenant_name=name, cpu=seconds, gpu="0", total="2")
        run.write()
        folders.append(run.folder)
    with UsageTable.from_folders(folders) as table:
        names = {(str(r["period_start"])[:7], r["tenant_name"]) for r in table.rows()}
        assert names == {("2026-10", "Acme"), ("2026-11", "Acme Robotics")}
        view = list(table.month_over_month(by=["tenant", "metric"]).rows())
    cpu = [r for r in view if r["metric"] == "cpu_compute_time"]
    assert len(cpu) == 1
    assert cpu[0]["tenant_name"] == "Acme Robotics"
    assert (cpu[0]["2026-10"], cpu[0]["2026-11"], cpu[0]["change"], cpu[0]["change_pct"]) == (100, 150, 50, 50)


def test_month_over_month_has_one_column_per_month_then_change_and_change_pct(tmp_path: Path) -> None:
    folders = []
    for month, events in (("2026-10", (10, 20)), ("2026-11", (15, 0)), ("2026-12", (30, 5))):
        run = RunFolder(tmp_path / month, month=month)
        run.statsig_csv(
            "web",
            [statsig_row(f"{month}-01", events[0], project="A"), statsig_row(f"{month}-02", events[1], project="B")],
        )
        run.write()
        folders.append(run.folder)
    with UsageTable.from_folders(folders) as table:
        view = table.month_over_month(by=["tenant"])
        assert view.columns == ["provider", "account_id", "tenant_id", "tenant_name", "2026-10", "2026-11", "2026-12",
                                "change", "change_pct"]  # fmt: skip
        rows = {r["tenant_id"]: r for r in view.rows()}
        by_metric = table.month_over_month(by=["metric"]).columns
    assert (rows["A"]["change"], rows["A"]["change_pct"]) == (15, 100)
    assert (rows["B"]["change"], rows["B"]["change_pct"]) == (5, None)  # from zero: no percentage
    assert by_metric[:2] == ["metric", "unit"]


def test_month_over_month_refuses_an_unknown_grouping_by_name(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.write()
    with UsageTable.from_folders([run.folder]) as table, pytest.raises(ValueError, match="unknown grouping 'colour'"):
        table.month_over_month(by=["tenant", "colour"])


def test_a_folder_without_a_manifest_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FolderError, match=r"empty/manifest\.json: no manifest"):
        UsageTable.from_folders([tmp_path / "empty"])
    (tmp_path / "empty" / "manifest.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(FolderError, match="not a usage-reports manifest"):
        UsageTable.from_folders([tmp_path / "empty"])


def test_the_same_folder_given_twice_is_read_once(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.statsig_csv("web", [statsig_row("2026-10-01", 21)])
    run.write()
    assert len(_rows([run.folder, run.folder])) == 1


def test_a_run_folder_in_an_object_store_is_read_and_the_table_written_back(tmp_path: Path, s3: S3) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.statsig_csv("web", [statsig_row("2026-10-01", 21)])
    run.compute_time(organization_id=1, tenant_id=7, tenant_name="Acme", cpu="1.5", gpu="1", total="1")
    run.write()
    for file in run.folder.iterdir():
        s3.put(f"usage/2026-10/{file.name}", file.read_bytes())
    with UsageTable.from_folders([s3.url("usage/2026-10")]) as table:
        rows = list(table.rows())
        table.to_csv(s3.url("tables/usage.csv"))
    assert {str(r["source_path"]) for r in rows} == {
        s3.url("usage/2026-10/web-statsig-usage-2026-10.csv"),
        s3.url("usage/2026-10/edge-impulse-compute-time-1-7-2026-10.json"),
    }
    assert Decimal("1.5") in {r["quantity"] for r in rows}
    written = s3.get("tables/usage.csv").decode()
    assert written.splitlines()[0] == ",".join(COLUMNS)
    assert len(written.splitlines()) == 1 + len(rows)


def test_the_fixture_run_folders_are_manifests_as_fetch_all_writes_them(tmp_path: Path) -> None:
    from manifest_checks import manifest_of

    run = RunFolder(tmp_path / "2026-10")
    run.compute_time(organization_id=1, tenant_id=7, tenant_name="Acme", cpu="1", gpu="2", total="3")
    run.edge_impulse_report(organization_id=1, tenant_id=7, tenant_name="Acme")
    run.statsig_csv("web", [statsig_row("2026-10-01", 21)])
    run.report("altostrat", "tenants", b"%PDF-1.7\n", "application/pdf")
    run.write()
    document = manifest_of(run.folder)  # validated against the shipped manifest.schema.json
    assert [r.get("kind", "report") for r in document["entries"]] == ["compute_time", "report", "report", "report"]


def test_month_over_month_keeps_a_days_rows_with_the_run_that_reported_them_in_a_zone(tmp_path: Path) -> None:
    """A Berlin month's Statsig CSV may hold the UTC day before it starts: no made-up month column for that day."""
    run = RunFolder(tmp_path / "2026-10", month="2026-10", offset="+02:00")
    run.statsig_csv("web", [statsig_row("2026-09-30", 7, project="A"), statsig_row("2026-10-01", 5, project="A")])
    run.write()
    with UsageTable.from_folders([run.folder]) as table:
        view = table.month_over_month(by=["tenant"])
        assert len(table) == 2  # every row kept, as reported
        (row,) = view.rows()
        assert [column for column in view.columns if column[:2] == "20"] == ["2026-10"]
    assert row["2026-10"] == 12
