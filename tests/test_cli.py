"""The `usage-reports` command line, run as a real subprocess against the loopback vendor simulators."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Run, clean_environment
from snapshots import altostrat_pdf
from usage_reports.testing import (
    SANDBOX_STATSIG_CONSOLE_KEY,
    Reply,
    VendorSimulators,
)

pytestmark = pytest.mark.slow

WORKSPACE = "ws_a1b2c3d4e5f6g7h8"
OCTOBER_MS = (1_790_812_800_000, 1_793_491_200_000)  # 2026-10-01 and 2026-11-01, UTC midnight
OCTOBER_FILE = "statsig-usage-20261001-20261101.csv"
SECRET_LOOKING_KEY = "console-not-the-sandbox-key-9f8e7d"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("usage-reports"), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


# --- single reports ------------------------------------------------------------------------


def test_statsig_saves_the_suggested_file_and_prints_path_size_and_sha256(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    result = run("statsig", "--start", "2026-10-01", "--end", "2026-11-01")

    assert result.returncode == 0, result.stderr
    saved = tmp_path / OCTOBER_FILE
    assert saved.read_bytes() == simulators.statsig.report_bytes(*OCTOBER_MS)
    assert OCTOBER_FILE in result.stdout
    assert str(saved.stat().st_size) in result.stdout
    assert _sha256(saved) in result.stdout
    assert result.stderr == ""  # not a terminal: no progress


def test_statsig_takes_datetimes_with_an_offset(run: Run, simulators: VendorSimulators) -> None:
    result = run("statsig", "--start", "2026-10-01T02:00:00+02:00", "--end", "2026-11-01T00:00:00Z", "--json")

    assert result.returncode == 0, result.stderr
    parameters = json.loads(result.stdout)["parameters"]
    assert parameters["period"] == {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"}
    assert (parameters["start"], parameters["end"]) == OCTOBER_MS
    assert simulators.requests_to("statsig")[0].query == f"start={OCTOBER_MS[0]}&end={OCTOBER_MS[1]}"


def test_edge_impulse_follows_the_redirect_to_storage_into_the_output_path(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    result = run(
        "edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", "--report-id", "3", "-o", "ei.csv"
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ei.csv").read_bytes() == simulators.report_bytes(3)
    assert [r.server for r in simulators.requests] == ["edge_impulse", "storage"]


def test_altostrat_output_into_a_folder_uses_the_suggested_name(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    (tmp_path / "reports").mkdir()

    result = run("altostrat", "--workspace-id", WORKSPACE, "-o", "reports")

    assert result.returncode == 0, result.stderr
    saved = tmp_path / "reports" / altostrat_pdf(WORKSPACE)
    assert saved.read_bytes() == simulators.altostrat.report_bytes(WORKSPACE)


def test_output_dash_writes_only_the_report_to_stdout(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "usage_reports", "altostrat", "--workspace-id", WORKSPACE, "-o", "-"],
        cwd=tmp_path,
        env=vendor_env,
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == simulators.altostrat.report_bytes(WORKSPACE)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    existing = tmp_path / OCTOBER_FILE
    existing.write_bytes(b"keep me")

    refused = run("statsig", "--start", "2026-10-01", "--end", "2026-11-01")
    assert refused.returncode == 2
    assert "--force" in _one_error_line(refused)
    assert existing.read_bytes() == b"keep me"
    assert simulators.requests == []

    forced = run("statsig", "--start", "2026-10-01", "--end", "2026-11-01", "--force")
    assert forced.returncode == 0, forced.stderr
    assert existing.read_bytes() == simulators.statsig.report_bytes(*OCTOBER_MS)


def test_json_prints_one_result_object_and_quiet_prints_nothing(run: Run, tmp_path: Path) -> None:
    as_json = run("altostrat", "--workspace-id", WORKSPACE, "--json")
    quiet = run("altostrat", "--workspace-id", WORKSPACE, "-o", "again.pdf", "--quiet")

    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["ok"] is True
    assert document["provider"] == "altostrat"
    assert document["sha256"] == _sha256(tmp_path / altostrat_pdf(WORKSPACE))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


# --- exit codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("statsig",), "--end"),
        (("statsig", "--end", "2026-11-01T00:00:00"), "offset"),
        (("statsig", "--end", "November"), "ISO date"),
        (("statsig", "--start", "2026-11-01", "--end", "2026-10-01"), "statsig: --start must be before --end"),
        (
            ("edge-impulse", "--organization-id", "0", "--inner-organization-id", "1", "--report-id", "1"),
            "--organization-id: must be a positive integer, got 0",
        ),
        (("altostrat", "--workspace-id", "ws a"), "whitespace"),
        (("fetch-all", "--out-dir", "out"), "CONFIG"),
        (("teleport",), "invalid choice"),
    ],
)
def test_bad_usage_or_invalid_input_exits_2_with_one_line_and_sends_nothing(
    run: Run, simulators: VendorSimulators, args: tuple[str, ...], mentions: str
) -> None:
    result = run(*args)

    assert result.returncode == 2
    assert mentions in _one_error_line(result)
    assert simulators.requests == []


def test_missing_credentials_exit_2_naming_the_variable_and_send_nothing(
    run: Run, simulators: VendorSimulators
) -> None:
    result = run("statsig", "--end", "2026-11-01", env={"STATSIG_CONSOLE_API_KEY": None})

    assert result.returncode == 2
    assert "STATSIG_CONSOLE_API_KEY" in _one_error_line(result)
    assert simulators.requests == []


def test_server_errors_after_retries_exit_1(run: Run, simulators: VendorSimulators, tmp_path: Path) -> None:
    simulators.queue("altostrat", Reply(status=503), Reply(status=503))

    result = run("altostrat", "--workspace-id", WORKSPACE, "--max-retries", "1")

    assert result.returncode == 1
    assert "HTTP 503" in _one_error_line(result)
    assert len(simulators.requests_to("altostrat")) == 2
    assert list(tmp_path.iterdir()) == []  # nothing partial left behind


def test_connection_refused_exits_1(run: Run, tmp_path: Path) -> None:
    with VendorSimulators() as stopped:
        closed_url = stopped.statsig_url  # a loopback port nobody listens on once closed

    result = run("statsig", "--end", "2026-11-01", "--max-retries", "0", env={"STATSIG_BASE_URL": closed_url})

    assert result.returncode == 1
    assert "connection failed" in _one_error_line(result)


def test_a_refused_key_exits_1_and_is_never_printed(run: Run) -> None:
    # The simulator echoes a wrong key back in its 401 message, as Statsig does.
    result = run("statsig", "--end", "2026-11-01", "--json", env={"STATSIG_CONSOLE_API_KEY": SECRET_LOOKING_KEY})

    assert result.returncode == 1
    assert "HTTP 401" in _one_error_line(result)
    assert json.loads(result.stdout)["exit_code"] == 1
    assert SECRET_LOOKING_KEY not in result.stdout + result.stderr


# --- fetch-all -------------------------------------------------------------------------------------

BATCH = f"""\
[[statsig]]
name = "project-a"
start = 2026-10-01
end = 2026-11-01

[[statsig]]
name = "project-b"
credential_env = "STATSIG_KEY_B"
start = 2026-09-01T00:00:00+00:00
end = 2026-10-01T00:00:00Z

[[altostrat]]
workspace_id = "{WORKSPACE}"

[[edge_impulse]]
organization_id = 1
inner_organization_id = 2
report_id = 3
"""
BATCH_FILES = {
    "project-a-statsig-usage-20261001-20261101.csv",
    "project-b-statsig-usage-20260901-20261001.csv",
    altostrat_pdf(WORKSPACE),
    "edge-impulse-usage-1-2-3.csv",
}


def _config(tmp_path: Path, text: str) -> str:
    (tmp_path / "batch.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return "batch.toml"


def _manifest(folder: Path) -> list[dict[str, Any]]:
    document = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = document["entries"]
    return entries


def test_fetch_all_downloads_every_entry_and_records_it_in_the_manifest(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    result = run(
        "fetch-all", _config(tmp_path, BATCH), "--out-dir", "out", env={"STATSIG_KEY_B": SANDBOX_STATSIG_CONSOLE_KEY}
    )

    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} == BATCH_FILES | {"manifest.json"}
    records = {record["path"]: record for record in _manifest(out)}
    assert set(records) == BATCH_FILES
    for name, record in records.items():
        assert record["ok"] is True
        assert record["error"] is None
        assert record["sha256"] == _sha256(out / name)
        assert record["size"] == (out / name).stat().st_size
        assert record["started_at"] <= record["finished_at"]
    assert records["project-a-statsig-usage-20261001-20261101.csv"]["parameters"] == {
        "period": {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
        "start": OCTOBER_MS[0],
        "end": OCTOBER_MS[1],
    }
    assert records["edge-impulse-usage-1-2-3.csv"]["provider"] == "edge_impulse"
    assert "manifest.json" in result.stdout


def test_credential_env_gives_an_entry_its_own_key(run: Run, tmp_path: Path, simulators: VendorSimulators) -> None:
    config = _config(
        tmp_path,
        """\
        [[statsig]]
        credential_env = "STATSIG_KEY_B"
        end = 2026-11-01
        """,
    )
    # The provider's usual variable holds a refused key: success proves the entry's variable was used.
    result = run(
        "fetch-all",
        config,
        "--out-dir",
        "out",
        env={"STATSIG_CONSOLE_API_KEY": SECRET_LOOKING_KEY, "STATSIG_KEY_B": SANDBOX_STATSIG_CONSOLE_KEY},
    )

    assert result.returncode == 0, result.stderr
    assert simulators.requests_to("statsig")[0].header("STATSIG-API-KEY") == SANDBOX_STATSIG_CONSOLE_KEY


def test_one_failing_entry_does_not_stop_the_others_and_exits_1(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    simulators.queue("altostrat", Reply(status=500))

    result = run(
        "fetch-all",
        _config(tmp_path, BATCH),
        "--out-dir",
        "out",
        "--max-retries",
        "0",
        env={"STATSIG_KEY_B": SANDBOX_STATSIG_CONSOLE_KEY},
    )

    assert result.returncode == 1
    assert "HTTP 500" in _one_error_line(result)
    records = {record["path"]: record for record in _manifest(tmp_path / "out")}
    failed = records[altostrat_pdf(WORKSPACE)]
    assert failed["ok"] is False
    assert failed["error"]["type"] == "ServerError"
    assert failed["sha256"] is None
    assert not (tmp_path / "out" / altostrat_pdf(WORKSPACE)).exists()
    assert all(record["ok"] for name, record in records.items() if name != failed["path"])


def test_a_rerun_skips_finished_files_and_fetches_only_what_failed(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    config = _config(tmp_path, BATCH)
    env = {"STATSIG_KEY_B": SANDBOX_STATSIG_CONSOLE_KEY}
    simulators.queue("altostrat", Reply(status=500))
    assert run("fetch-all", config, "--out-dir", "out", "--max-retries", "0", env=env).returncode == 1
    simulators.reset()

    rerun = run("fetch-all", config, "--out-dir", "out", "--json", env=env)

    assert rerun.returncode == 0, rerun.stderr
    assert [r.server for r in simulators.requests] == ["altostrat"]
    entries = json.loads(rerun.stdout)["entries"]
    assert sorted(e["path"] for e in entries if e["skipped"]) == sorted(BATCH_FILES - {altostrat_pdf(WORKSPACE)})
    assert all(record["ok"] for record in _manifest(tmp_path / "out"))


def test_force_downloads_finished_files_again(run: Run, tmp_path: Path, simulators: VendorSimulators) -> None:
    config = _config(tmp_path, f'[[altostrat]]\nworkspace_id = "{WORKSPACE}"\n')
    assert run("fetch-all", config, "--out-dir", "out").returncode == 0

    forced = run("fetch-all", config, "--out-dir", "out", "--force")

    assert forced.returncode == 0, forced.stderr
    assert len(simulators.requests_to("altostrat")) == 2
    assert _manifest(tmp_path / "out")[0]["skipped"] is False


def test_a_file_that_does_not_match_the_manifest_is_not_replaced(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    config = _config(tmp_path, f'[[altostrat]]\nworkspace_id = "{WORKSPACE}"\n')
    assert run("fetch-all", config, "--out-dir", "out").returncode == 0
    changed = tmp_path / "out" / altostrat_pdf(WORKSPACE)
    changed.write_bytes(b"edited by hand")

    result = run("fetch-all", config, "--out-dir", "out")

    assert result.returncode == 2
    assert "--force" in _one_error_line(result)
    assert changed.read_bytes() == b"edited by hand"
    assert len(simulators.requests_to("altostrat")) == 1


@pytest.mark.parametrize(
    ("config", "mentions"),
    [
        ('[[statsig]]\nend = 2026-11-01\ncolour = "blue"\n', ["statsig[1]", "colour", "unknown key"]),
        ("[[edge_impulse]]\norganization_id = 1\nreport_id = 3\n", ["edge_impulse[1]", "inner_organization_id"]),
        ('[[altostrat]]\nworkspace_id = "ws_a"\n[[altostrat]]\nworkspace_id = 7\n', ["altostrat[2]", "workspace_id"]),
        ('[[statsig]]\nname = "b"\nend = 2026-11-01T00:00:00\n', ["statsig[1] (b)", "end", "offset"]),
        ("[[statsig]]\nstart = 2026-11-01\nend = 2026-10-01\n", ["statsig[1]", "start must be before end"]),
        ('[[statsig]]\ncredential_env = "NOT_SET_ANYWHERE"\nend = 2026-11-01\n', ["statsig[1]", "NOT_SET_ANYWHERE"]),
        ("[[statsig]]\nend = 2026-11-01\n[[statsig]]\nend = 2026-11-01\n", ["statsig[2]", "same file"]),
        ("[[stats1g]]\nend = 2026-11-01\n", ["stats1g", "unknown table"]),
        ("[[statsig]\nend = 2026-11-01\n", ["invalid TOML"]),
        ("", ["no entries"]),
    ],
)
def test_a_bad_config_exits_2_naming_the_entry_and_field_and_sends_nothing(
    run: Run, tmp_path: Path, simulators: VendorSimulators, config: str, mentions: list[str]
) -> None:
    result = run("fetch-all", _config(tmp_path, config), "--out-dir", "out")

    assert result.returncode == 2
    line = _one_error_line(result)
    for mention in mentions:
        assert mention in line
    assert simulators.requests == []
    assert not (tmp_path / "out").exists()


def test_a_batch_with_a_missing_credential_exits_2_before_sending_anything(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    result = run(
        "fetch-all",
        _config(tmp_path, BATCH),
        "--out-dir",
        "out",
        env={"ALTOSTRAT_TOKEN": None, "STATSIG_KEY_B": SANDBOX_STATSIG_CONSOLE_KEY},
    )

    assert result.returncode == 2
    assert "ALTOSTRAT_TOKEN" in _one_error_line(result)
    assert simulators.requests == []


# --- progress ------------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_is_drawn_on_a_terminal_and_erased(tmp_path: Path, vendor_env: dict[str, str]) -> None:
    import pty

    (tmp_path / "batch.toml").write_text(BATCH, encoding="utf-8")
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
            [sys.executable, "-m", "usage_reports", "fetch-all", "batch.toml", "--out-dir", "out"],
            cwd=tmp_path,
            env={**vendor_env, "STATSIG_KEY_B": SANDBOX_STATSIG_CONSOLE_KEY},
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

    assert result.returncode == 0
    drawn = received.decode("utf-8", "replace")
    assert "batch: 4/4 done" in drawn
    assert "/s" in drawn  # a rate
    assert drawn.endswith("\x1b[J")  # erased at the end: only the summary remains
    assert "batch:" not in result.stdout


# --- demo ---------------------------------------------------------------------------------------------------


def test_demo_produces_all_three_providers_reports_and_a_manifest_with_no_environment(tmp_path: Path) -> None:
    # The user's own credentials must neither be needed nor used.
    env = {**clean_environment(), "STATSIG_CONSOLE_API_KEY": SECRET_LOOKING_KEY}

    def demo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "usage_reports", "demo", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    first = demo()

    assert first.returncode == 0, first.stderr
    out = tmp_path / "usage-reports-demo"
    records = _manifest(out)
    assert {record["provider"] for record in records} == {"edge_impulse", "altostrat", "statsig"}
    assert all(record["ok"] and not record["skipped"] for record in records)
    for record in records:
        assert _sha256(out / record["path"]) == record["sha256"]
    assert any((out / r["path"]).read_bytes().startswith(b"%PDF-") for r in records)
    assert str(out) in first.stdout
    assert "PROVIDER" in first.stdout

    second = demo("--json")

    assert second.returncode == 0, second.stderr
    assert all(entry["skipped"] for entry in json.loads(second.stdout)["entries"])
