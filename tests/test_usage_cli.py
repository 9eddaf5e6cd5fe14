"""`usage-reports usage` and `usage-reports charges`: formats, exit codes, refusals in the user's words."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from usage_reports.cli._usage_commands import main
from usage_runs import RATES, RunFolder, statsig_row


def _two_months(tmp_path: Path) -> list[str]:
    folders = []
    for month, cpu, name in (("2026-10", "100", "Acme"), ("2026-11", "150", "Acme Robotics")):
        run = RunFolder(tmp_path / month, month=month)
        run.compute_time(organization_id=1, tenant_id=7, tenant_name=name, cpu=cpu, gpu="1", total="2")
        run.statsig_csv("web", [statsig_row(f"{month}-01", 21, project="P1")])
        run.report("altostrat", "tenants", b"%PDF-1.7\n", "application/pdf")
        run.write()
        folders.append(str(run.folder))
    return folders


def _rates(tmp_path: Path, text: str = RATES) -> str:
    path = tmp_path / "rates.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_usage_writes_csv_when_stdout_is_not_a_terminal_and_notes_the_files_only_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", *_two_months(tmp_path)]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert len(rows) == 2 * 4
    assert Decimal(rows[0]["quantity"]) == 100
    assert "listed, not parsed (no documented structure): 2 files (altostrat report)" in captured.err


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "parquet"])
def test_months_gives_a_column_per_month_then_change_and_change_pct_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    folders = _two_months(tmp_path)
    dest = tmp_path / f"months.{fmt}"
    assert main(["usage", *folders, "--months", "--by", "tenant,metric", "--format", fmt, "-o", str(dest)]) == 0
    if fmt == "table":
        header = dest.read_text(encoding="utf-8").splitlines()[0].split()
        assert header[-4:] == ["2026-10", "2026-11", "CHANGE", "CHANGE_PCT"]
        text = next(line for line in dest.read_text(encoding="utf-8").splitlines() if "cpu_compute_time" in line)
        assert text.split()[-4:] == ["100", "150", "50", "50"]
        return
    rows: list[dict[str, Any]]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(dest.read_text(encoding="utf-8"))))
    elif fmt == "json":
        rows = json.loads(dest.read_text(encoding="utf-8"))
    else:
        relation = duckdb.read_parquet(str(dest))
        rows = [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]
    assert list(rows[0])[-4:] == ["2026-10", "2026-11", "change", "change_pct"]
    cpu = next(r for r in rows if r["metric"] == "cpu_compute_time")
    assert (float(cpu["2026-10"]), float(cpu["2026-11"]), float(cpu["change_pct"])) == (100, 150, 50)
    assert cpu["tenant_name"] == "Acme Robotics"


def test_a_changed_file_is_refused_by_name_with_exit_1_and_the_other_rows_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = _two_months(tmp_path)
    changed = Path(folders[1]) / "web-statsig-usage-2026-11.csv"
    changed.write_text(changed.read_text(encoding="utf-8").replace(",21,", ",9999,"), encoding="utf-8")
    dest = tmp_path / "usage.csv"
    assert main(["usage", *folders, "-o", str(dest)]) == 1
    err = capsys.readouterr().err
    assert f"error: refused {changed}: sha256" in err
    assert "does not match the manifest" in err
    rows = list(csv.DictReader(io.StringIO(dest.read_text(encoding="utf-8"))))
    assert len(rows) == 2 * 4 - 1
    assert str(changed) not in {r["source_path"] for r in rows}


def test_a_statsig_csv_missing_a_column_exits_1_naming_file_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = RunFolder(tmp_path / "2026-10")
    broken = run.statsig_csv("web", [statsig_row("2026-10-01", 1)], header=("Date", "Event Type", "Name", "Sources"))
    run.statsig_csv("app", [statsig_row("2026-10-01", 2)])
    run.write()
    assert main(["usage", str(run.folder), "--json"]) == 1
    captured = capsys.readouterr()
    assert f"refused {broken}: no 'Daily Billable Events', 'Project' column" in captured.err
    result = json.loads(captured.out)
    assert (result["exit_code"], result["rows"], [r["path"] for r in result["refused"]]) == (1, 1, [str(broken)])


def test_charges_writes_focus_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "charges.parquet"
    assert main(["charges", *_two_months(tmp_path), "--rates", _rates(tmp_path), "-o", str(dest)]) == 0
    relation = duckdb.read_parquet(str(dest))
    assert {"BilledCost", "SubAccountName", "x_Metric"} <= set(relation.columns)
    assert relation.aggregate("count(*)").fetchall() == [(6,)]  # 2 months x (cpu, gpu, billable_events)
    assert "6 charges (EUR) written to" in capsys.readouterr().err


def test_charges_with_an_unpriced_metric_exits_2_naming_it_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "charges.parquet"
    rates = _rates(tmp_path, RATES.replace("[statsig]\nbillable_events = 0.00002\n", ""))
    assert main(["charges", *_two_months(tmp_path), "--rates", rates, "-o", str(dest)]) == 2
    assert "no price for [statsig] billable_events" in capsys.readouterr().err
    assert not dest.exists()
    assert list(tmp_path.glob("*.part")) == []


def test_a_folder_without_manifest_or_a_bad_rate_card_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", str(tmp_path)]) == 2
    assert "manifest.json: no manifest" in capsys.readouterr().err
    folders = _two_months(tmp_path)
    assert main(["charges", *folders, "--rates", _rates(tmp_path, 'currency = "EUR"\n[statsig]\nx = 1\n')]) == 2
    assert "[statsig] x: unknown metric" in capsys.readouterr().err


def test_the_rate_card_shown_in_the_help_is_one_that_loads(tmp_path: Path) -> None:
    from usage_reports.cli._usage_commands import example_rate_card
    from usage_reports.usage import RateCard

    path = tmp_path / "rates.toml"
    path.write_text("\n".join(line.strip() for line in example_rate_card().splitlines()), encoding="utf-8")
    card = RateCard.load(path)
    assert card.currency == "EUR"
    assert set(card.prices) == {"edge_impulse", "statsig"}
    assert card.price("edge_impulse", "7", "cpu_compute_time") != card.price("edge_impulse", "8", "cpu_compute_time")


def test_a_destination_in_a_missing_folder_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "no-such-folder" / "usage.csv"
    assert main(["usage", *_two_months(tmp_path), "-o", str(dest)]) == 2
    assert f"folder '{dest.parent}' does not exist" in capsys.readouterr().err
    assert not dest.parent.exists()


@pytest.mark.parametrize("command", ["usage", "charges"])
def test_a_destination_whose_extension_names_another_format_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    dest = tmp_path / "usage.xlsx"
    rates = ["--rates", _rates(tmp_path)] if command == "charges" else []
    assert main([command, str(tmp_path / "no-such-run"), *rates, "-o", str(dest)]) == 2
    err = capsys.readouterr().err
    assert f"-o {dest}: .xlsx is not a format this writes" in err
    assert "no-such-run" not in err  # refused before any folder is read
    assert not dest.exists()
    # --format says what to write whatever the name; a name without an extension gets CSV
    assert main(["usage", *_two_months(tmp_path), "--format", "csv", "-o", str(dest)]) == 0
    assert dest.read_text(encoding="utf-8").startswith("provider,")
    plain = tmp_path / "usage-2026.11"
    assert main(["usage", *_two_months(tmp_path), "-o", str(plain)]) == 0
    assert plain.read_text(encoding="utf-8").startswith("provider,")


def test_parquet_needs_a_destination(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", *_two_months(tmp_path), "--format", "parquet"]) == 2
    assert "--format parquet: give -o DEST" in capsys.readouterr().err


def test_chart_draws_a_png_per_tenant_and_month(tmp_path: Path) -> None:
    chart = tmp_path / "usage.png"
    assert (
        main(["usage", *_two_months(tmp_path), "--months", "--chart", str(chart), "-o", str(tmp_path / "m.csv")]) == 0
    )
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)


def test_without_the_data_extra_the_command_says_which_pip_install_to_run(tmp_path: Path) -> None:
    folders = _two_months(tmp_path)
    code = (
        "import sys\nsys.modules['duckdb'] = None  # as if not installed\n"
        "from usage_reports.cli._usage_commands import main\n"
        f"sys.exit(main(['usage', {folders[0]!r}]))"
    )
    result = _fresh(code)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().endswith("pip install 'usage-reports[data]'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_core_and_the_usage_package_import_without_loading_duckdb_or_matplotlib() -> None:
    result = _fresh(
        "import sys, usage_reports, usage_reports.usage, usage_reports.cli._usage_commands\n"
        "print(sorted(m for m in ('duckdb', 'matplotlib') if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_demo_step_shows_the_usage_and_writes_a_focus_file_priced_by_the_example_rate_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from usage_reports.cli._output import Output
    from usage_reports.cli._usage_commands import demo_usage

    folder = Path(_two_months(tmp_path)[0])
    out = Output(json_output=False, quiet=False, stdout=sys.stdout, stderr=sys.stderr)
    demo_usage(folder, out)
    captured = capsys.readouterr()
    assert "CPU_COMPUTE_TIME" not in captured.out
    assert "cpu_compute_time" in captured.out
    assert "2026-10" in captured.out.splitlines()[1]
    relation = duckdb.read_parquet(str(folder / "charges.parquet"))
    assert relation.aggregate("count(*)").fetchall() == [(3,)]  # cpu, gpu (total not billed), billable_events
    assert "charges in FOCUS 1.2" in captured.err
