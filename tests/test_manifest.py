"""The manifest people and monitors read: its schema, its summary, its merge, and `usage-reports manifest DIR`.

fetch-all runs as a real subprocess against the loopback simulators; every
manifest it writes is validated against the JSON Schema shipped in the package.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_runner import MONTHLY_CONFIG, Run
from manifest_checks import manifest_of, validate
from snapshots import altostrat_pdf
from usage_reports.batch import ConfigError, Record, _schema
from usage_reports.batch._document import parse_manifest, schema
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, Reply, VendorSimulators

pytestmark = pytest.mark.slow

WORKSPACE = "ws_a1b2c3d4e5f6g7h8"
ALTOSTRAT_FILE = altostrat_pdf(WORKSPACE)
BATCH = f"""\
[[statsig]]
name = "project-a"
start = 2026-10-01
end = 2026-11-01

[[statsig]]
name = "project-b"
credential_env = "STATSIG_KEY_B"
start = 2026-09-01
end = 2026-10-01

[[altostrat]]
workspace_id = "{WORKSPACE}"

[[edge_impulse]]
organization_id = 1
inner_organization_id = 2
report_id = 3
"""
ENV = {"STATSIG_KEY_B": SANDBOX_STATSIG_CONSOLE_KEY}
MONTHLY = MONTHLY_CONFIG


def _config(tmp_path: Path, text: str, name: str = "batch.toml") -> str:
    (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return name


def _records(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {record["path"]: record for record in document["entries"] if record["path"] is not None}


# --- the schema ---------------------------------------------------------------------------------------------


def test_the_schema_ships_in_the_installed_package_as_a_valid_draft_2020_12_schema() -> None:
    shipped = files("usage_reports.batch").joinpath("manifest.schema.json")
    assert shipped.is_file()
    document = json.loads(shipped.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    assert document == schema()
    assert document["properties"]["version"] == {
        "const": 2,
        "description": document["properties"]["version"]["description"],
    }


def test_the_shipped_schema_is_the_one_generated_from_the_record_classes() -> None:
    shipped = files("usage_reports.batch").joinpath("manifest.schema.json").read_text(encoding="utf-8")
    assert shipped == _schema.text(), "run: python -m usage_reports.batch._schema"
    assert _schema.main(["--check"]) == 0


def test_the_generated_schema_follows_a_change_of_the_record_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A field added to Record shows in the generated schema: the shipped file would then differ."""
    import attrs

    @attrs.frozen(kw_only=True)
    class Wider(Record):
        colour: str = attrs.field(metadata={"description": "new"})

    monkeypatch.setitem(_schema.DEFINITIONS, Wider, "entry")
    monkeypatch.delitem(_schema.DEFINITIONS, Record)
    generated = _schema.generate()["$defs"]["entry"]
    assert generated["properties"]["colour"] == {"type": "string", "description": "new"}
    assert "colour" in generated["required"]
    assert _schema.text() != files("usage_reports.batch").joinpath("manifest.schema.json").read_text(encoding="utf-8")


def test_records_of_a_version_2_manifest_without_kind_or_tenant_name_read_with_their_defaults() -> None:
    document = _minimal_manifest()
    validate(document)  # a manifest written before kind and tenant_name were added is still valid
    manifest = parse_manifest(json.dumps(document), "m.json")
    assert manifest.entries[0].kind == "report"
    assert manifest.entries[0].tenant_name is None
    assert manifest.entries[0].path == ALTOSTRAT_FILE


def test_a_record_that_is_not_a_record_is_refused_naming_the_key() -> None:
    document = _minimal_manifest()
    document["entries"][0]["size"] = "big"
    with pytest.raises(ConfigError, match=r"m.json: invalid value for type, expected int \| None @ entries\[0\]\.size"):
        parse_manifest(json.dumps(document), "m.json")


def _minimal_manifest() -> dict[str, Any]:
    record = {
        "label": "altostrat[1]",
        "provider": "altostrat",
        "name": None,
        "period": None,
        "parameters": {"workspace_id": WORKSPACE},
        "credential_env": None,
        "path": ALTOSTRAT_FILE,
        "details": {},
        "ok": True,
        "skipped": False,
        "error": None,
        "exit_code": 0,
        "size": 10,
        "sha256": hashlib.sha256(b"0123456789").hexdigest(),
        "media_type": "application/pdf",
        "started_at": "2026-11-02T02:00:00.000Z",
        "finished_at": "2026-11-02T02:00:01.000Z",
        "run_id": "r1",
    }
    summary = {
        "run_id": "r1",
        "state": "finished",
        "ok": True,
        "exit_code": 0,
        "started_at": "2026-11-02T02:00:00.000Z",
        "finished_at": "2026-11-02T02:00:01.000Z",
        "wall_time_seconds": 1.0,
        "entries": 1,
        "downloaded": 1,
        "skipped": 0,
        "failed": 0,
        "downloaded_bytes": 10,
        "total_bytes": 10,
    }
    return {
        "format": "usage-reports manifest",
        "version": 2,
        "generator": "usage-reports 0.1.0",
        "summary": summary,
        "entries": [record],
    }


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d["entries"][0].pop("sha256"), "'sha256' is a required property"),
        (lambda d: d["entries"][0].update(sha256="not-hex"), "not-hex"),
        (lambda d: d["entries"][0].update(colour="blue"), "Additional properties are not allowed"),
        (lambda d: d["entries"][0].update(ok=False), "None is not of type 'object'"),
        (lambda d: d["summary"].update(state="done"), "'done' is not one of"),
        (lambda d: d["entries"][0].update(finished_at="yesterday"), "yesterday"),
        (lambda d: d.update(format="something else"), "'usage-reports manifest' was expected"),
    ],
)
def test_the_schema_refuses_what_a_manifest_cannot_hold(change: Any, complaint: str) -> None:
    document = _minimal_manifest()
    validate(document)  # the baseline is valid
    change(document)
    with pytest.raises(jsonschema.ValidationError, match=complaint):
        validate(document)


def test_manifests_of_real_runs_validate_against_the_schema(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    """A listing refused (403), an entry failing (500), entries downloaded; then a re-run that skips, downloads
    every tenant and has a report job failing."""
    config = _config(tmp_path, MONTHLY)
    member = {"EDGE_IMPULSE_API_KEY": "ei-sandbox-member-key"}
    simulators.queue("altostrat", Reply(status=500))
    first = run("fetch-all", config, "--out-dir", "out", "--as-of", "2026-11-02", "--max-retries", "0", env=member)
    assert first.returncode == 1, first.stderr

    document = manifest_of(tmp_path / "out")
    listing = next(r for r in document["entries"] if r["provider"] == "edge_impulse")
    assert listing["path"] is None
    assert listing["error"]["status_code"] == 403
    failed = _records(document)[ALTOSTRAT_FILE]
    assert (failed["error"]["type"], failed["error"]["status_code"]) == ("ServerError", 500)
    web = _records(document)["web-statsig-usage-2026-10.csv"]
    assert web["period"] == {"start": "2026-10-01T00:00:00+00:00", "end": "2026-11-01T00:00:00+00:00"}

    again = run("fetch-all", config, "--out-dir", "out", "--as-of", "2026-11-02", "--json")
    assert again.returncode == 1  # tenant 6's report job fails in the simulated world
    document = manifest_of(tmp_path / "out")
    records = _records(document)
    assert records["web-statsig-usage-2026-10.csv"]["skipped"] is True
    assert records[ALTOSTRAT_FILE]["ok"] is True
    job = records["edge-impulse-usage-1-6-2026-10.csv"]
    assert (job["error"]["type"], job["error"]["status_code"]) == ("ReportJobFailed", None)
    assert records["edge-impulse-usage-1-2-2026-10.csv"]["details"]["report"] == "created"
    assert [r for r in document["entries"] if r["path"] is None] == []  # the old listing failure is not carried
    assert json.loads(again.stdout)["summary"] == document["summary"]


# --- the summary --------------------------------------------------------------------------------------------


def test_the_summary_counts_what_the_last_run_did(run: Run, tmp_path: Path, simulators: VendorSimulators) -> None:
    config = _config(tmp_path, BATCH)
    out = tmp_path / "out"
    simulators.queue("altostrat", Reply(status=500))
    first = run("fetch-all", config, "--out-dir", "out", "--max-retries", "0", env=ENV)
    assert first.returncode == 1

    document = manifest_of(out)
    summary = document["summary"]
    downloaded = [r for r in document["entries"] if r["ok"]]
    sizes = sum((out / r["path"]).stat().st_size for r in downloaded)
    assert {k: summary[k] for k in ("state", "ok", "exit_code", "entries", "downloaded", "skipped", "failed")} == {
        "state": "finished",
        "ok": False,
        "exit_code": 1,
        "entries": 4,
        "downloaded": 3,
        "skipped": 0,
        "failed": 1,
    }
    assert summary["downloaded_bytes"] == summary["total_bytes"] == sizes > 0
    assert summary["started_at"] <= summary["finished_at"]
    assert summary["wall_time_seconds"] > 0
    assert {r["run_id"] for r in document["entries"]} == {summary["run_id"]}

    second = run("fetch-all", config, "--out-dir", "out", env=ENV)
    assert second.returncode == 0, second.stderr
    summary = manifest_of(out)["summary"]
    pdf = (out / ALTOSTRAT_FILE).stat().st_size
    assert (summary["downloaded"], summary["skipped"], summary["failed"], summary["ok"]) == (1, 3, 0, True)
    assert summary["downloaded_bytes"] == pdf
    assert summary["total_bytes"] == sizes + pdf


# --- merging ------------------------------------------------------------------------------------------------


def test_a_run_merges_into_the_manifest_of_earlier_runs_and_replaces_only_its_own_files(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    pdf_only = _config(tmp_path, f'[[altostrat]]\nworkspace_id = "{WORKSPACE}"\n', "pdf.toml")
    csv_only = _config(tmp_path, "[[statsig]]\nstart = 2026-10-01\nend = 2026-11-01\n", "csv.toml")
    csv_file = "statsig-usage-20261001-20261101.csv"
    out = tmp_path / "out"

    assert run("fetch-all", pdf_only, "--out-dir", "out").returncode == 0
    pdf_run = manifest_of(out)["summary"]["run_id"]
    assert run("fetch-all", csv_only, "--out-dir", "out").returncode == 0

    document = manifest_of(out)
    assert [r["path"] for r in document["entries"]] == [csv_file, ALTOSTRAT_FILE]  # the last run's first
    assert document["summary"]["entries"] == 1
    assert _records(document)[ALTOSTRAT_FILE]["run_id"] == pdf_run != document["summary"]["run_id"]

    assert run("fetch-all", pdf_only, "--out-dir", "out", "--force").returncode == 0
    document = manifest_of(out)
    assert [r["path"] for r in document["entries"]] == [ALTOSTRAT_FILE, csv_file]  # one record per file
    assert _records(document)[ALTOSTRAT_FILE]["run_id"] == document["summary"]["run_id"] != pdf_run
    assert len(simulators.requests_to("altostrat")) == 2


def test_a_version_1_manifest_is_still_honoured_and_rewritten_as_version_2(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    config = _config(tmp_path, f'[[altostrat]]\nworkspace_id = "{WORKSPACE}"\n')
    out = tmp_path / "out"
    assert run("fetch-all", config, "--out-dir", "out").returncode == 0
    record = dict(_records(manifest_of(out))[ALTOSTRAT_FILE])
    del record["run_id"]
    old = {
        "format": "usage-reports manifest",
        "version": 1,
        "generator": "usage-reports 0.0.9",
        "started_at": "2026-11-02T02:00:00.000Z",
        "finished_at": "2026-11-02T02:00:01.000Z",
        "ok": True,
        "entries": [record],
    }
    (out / "manifest.json").write_text(json.dumps(old), encoding="utf-8")

    shown = run("manifest", "out", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["summary"]["downloaded"] == 1

    again = run("fetch-all", config, "--out-dir", "out")
    assert again.returncode == 0, again.stderr
    assert len(simulators.requests_to("altostrat")) == 1  # skipped by the version 1 record's sha256
    assert manifest_of(out)["version"] == 2


# --- usage-reports manifest DIR ---------------------------------------------------------------------------------


def test_manifest_command_prints_a_table_and_exits_0_after_a_clean_run(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    assert run("fetch-all", _config(tmp_path, BATCH), "--out-dir", "out", env=ENV).returncode == 0

    shown = run("manifest", "out")

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["PROVIDER", "NAME", "PERIOD", "RESULT", "SIZE", "SHA256", "FILE", "FINISHED"]
    row = next(line for line in lines if "project-a-statsig-usage-20261001-20261101.csv" in line)
    assert row.split()[:4] == ["statsig", "project-a", "2026-10", "ok"]
    assert "finished in" in shown.stdout
    assert "4 downloaded, 0 skipped, 0 failed" in shown.stdout
    assert shown.stderr == ""
    assert run("manifest", "out/manifest.json").returncode == 0


def test_manifest_command_exits_1_when_the_last_run_had_failures_and_json_prints_the_summary(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    simulators.queue("altostrat", Reply(status=500))
    config = _config(tmp_path, BATCH)
    assert run("fetch-all", config, "--out-dir", "out", "--max-retries", "0", env=ENV).returncode == 1

    shown = run("manifest", "out")
    as_json = run("manifest", "out", "--json")

    assert shown.returncode == 1
    assert f"FAILED altostrat[1] {ALTOSTRAT_FILE}: " in shown.stdout
    assert "HTTP 500" in shown.stdout
    assert as_json.returncode == 1
    result = json.loads(as_json.stdout)
    assert (result["ok"], result["exit_code"]) == (False, 1)
    assert result["summary"] == manifest_of(tmp_path / "out")["summary"]
    assert result["summary"]["failed"] == 1

    assert run("fetch-all", config, "--out-dir", "out", env=ENV).returncode == 0
    assert run("manifest", "out").returncode == 0  # the last run is what counts


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda folder: None, "DIR missing: no such folder"),
        (lambda folder: folder.mkdir(), "DIR missing: no manifest.json (has fetch-all run there?)"),
        (
            lambda folder: (folder.mkdir(), (folder / "manifest.json").write_text('{"a": 1}')),
            "not a usage-reports manifest",
        ),
    ],
)
def test_manifest_command_exits_2_without_a_manifest(
    run: Run, tmp_path: Path, setup: Any, message: str, simulators: VendorSimulators
) -> None:
    setup(tmp_path / "missing")
    shown = run("manifest", "missing")
    assert shown.returncode == 2
    assert message in shown.stderr
    assert len(shown.stderr.splitlines()) == 1
