"""fetch-all into an object-store prefix, against a real S3 API on loopback (moto's server, started by the tests).

The same promises as in a folder: reports and manifest.json side by side, a
re-run that skips what the manifest recorded (by the sha256 stored with each
object, or its bytes), no object replaced without --force, nothing left by a
failed upload, one run at a time (a lock object created with If-None-Match).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import textwrap
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Run
from fault_server import FaultServer, hold_mid_body
from manifest_checks import validate, wait_until
from s3_server import S3, STORAGE_SECRETS, s3_fixture, s3_server_fixture  # noqa: F401 - the fixtures s3, s3_server
from snapshots import altostrat_pdf
from usage_reports.batch import _journal as manifest_module
from usage_reports.batch._config import parse_config_text
from usage_reports.batch._runner import BaseSettings
from usage_reports.cli._fetch_all import run_batch
from usage_reports.cli._output import Output
from usage_reports.testing import VendorSimulators

pytestmark = pytest.mark.slow

WORKSPACE = "ws_a1b2c3d4e5f6g7h8"
PDF = altostrat_pdf(WORKSPACE)
CSV = "web-statsig-usage-2026-10.csv"
MONTHLY = f"""\
[defaults]
period = "last-month"

[[statsig]]
name = "web"

[[altostrat]]
workspace_id = "{WORKSPACE}"
"""
PREFIX = "s3://usage-bucket/usage/{period}"
FOLDER = "usage/2026-10"
LARGE = 17 * 1024 * 1024  # three parts of a multipart upload


def _aws() -> dict[str, str | None]:
    """The store's configuration as the s3 fixture set it, for the CLI subprocess."""
    return {name: value for name, value in os.environ.items() if name.startswith("AWS_")}


def _config(tmp_path: Path, text: str) -> str:
    (tmp_path / "usage.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return "usage.toml"


def _manifest(s3: S3, folder: str = FOLDER) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(s3.get(f"{folder}/manifest.json"))
    validate(document)
    return document


def _records(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in document["entries"]}


def _fetch_all(run: Run, config: str, *args: str) -> Any:
    return run("fetch-all", config, "--out-dir", PREFIX, "--as-of", "2026-11-02", *args, env=_aws())


def test_fetch_all_writes_reports_and_manifest_under_the_period_prefix(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    result = _fetch_all(run, _config(tmp_path, MONTHLY), "--json")

    assert result.returncode == 0, result.stderr
    assert s3.keys() == [f"{FOLDER}/{PDF}", f"{FOLDER}/manifest.json", f"{FOLDER}/{CSV}"]  # no lock object left
    document = _manifest(s3)
    records = _records(document)
    assert set(records) == {PDF, CSV}
    for name, record in records.items():
        data = s3.get(f"{FOLDER}/{name}")
        assert record["sha256"] == hashlib.sha256(data).hexdigest() == s3.metadata(f"{FOLDER}/{name}")["sha256"]
        assert record["size"] == len(data)
    assert records[CSV]["period"]["start"] == "2026-10-01T00:00:00+00:00"
    output = json.loads(result.stdout)
    assert output["manifest"] == f"s3://usage-bucket/{FOLDER}/manifest.json"
    assert output["summary"] == document["summary"]
    assert list(tmp_path.iterdir()) == [tmp_path / "usage.toml"]  # nothing written locally
    for secret in STORAGE_SECRETS:
        assert secret not in s3.get(f"{FOLDER}/manifest.json").decode()

    shown = run("manifest", f"s3://usage-bucket/{FOLDER}", env=_aws())
    assert shown.returncode == 0, shown.stderr
    assert CSV in shown.stdout
    assert "2 downloaded, 0 skipped, 0 failed" in shown.stdout


def test_a_rerun_skips_what_the_manifest_recorded_by_the_objects_sha256(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    config = _config(tmp_path, MONTHLY)
    assert _fetch_all(run, config).returncode == 0
    pdf = s3.get(f"{FOLDER}/{PDF}")
    s3.put(f"{FOLDER}/{PDF}", pdf)  # the same bytes, copied by another tool: no sha256 metadata; its bytes are hashed
    assert s3.metadata(f"{FOLDER}/{PDF}") == {}
    simulators.reset()
    s3.server.requests.clear()

    again = _fetch_all(run, config, "--json")

    assert again.returncode == 0, again.stderr
    assert simulators.requests == []
    assert all(entry["skipped"] for entry in json.loads(again.stdout)["entries"])
    written = sorted({r.path for r in s3.requests if r.method == "PUT"})
    assert written == [f"/usage-bucket/{FOLDER}/.fetch-all.lock", f"/usage-bucket/{FOLDER}/manifest.json"]
    assert _manifest(s3)["summary"]["skipped"] == 2


def test_an_object_that_is_not_the_recorded_one_is_replaced_only_with_force(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    config = _config(tmp_path, MONTHLY)
    assert _fetch_all(run, config).returncode == 0
    s3.put(f"{FOLDER}/{PDF}", b"edited by hand")

    refused = _fetch_all(run, config)

    assert refused.returncode == 2
    assert f"s3://usage-bucket/{FOLDER}/{PDF} already exists and is not the file manifest.json recorded" in (
        refused.stderr
    )
    assert "--force" in refused.stderr
    assert s3.get(f"{FOLDER}/{PDF}") == b"edited by hand"
    assert len(simulators.requests_to("altostrat")) == 1

    forced = _fetch_all(run, config, "--force")

    assert forced.returncode == 0, forced.stderr
    assert s3.get(f"{FOLDER}/{PDF}").startswith(b"%PDF-")
    assert _records(_manifest(s3))[PDF]["sha256"] == hashlib.sha256(s3.get(f"{FOLDER}/{PDF}")).hexdigest()


def test_a_failed_upload_leaves_no_object_and_the_manifest_records_it(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    simulators.set_report_size(3, LARGE)
    s3.faults.fail_part = 2
    config = _config(
        tmp_path,
        f"""\
        [[edge_impulse]]
        organization_id = 1
        inner_organization_id = 2
        report_id = 3

        [[altostrat]]
        workspace_id = "{WORKSPACE}"
        """,
    )

    result = run("fetch-all", config, "--out-dir", "s3://usage-bucket/usage/now", env=_aws())

    assert result.returncode == 1
    assert "could not upload part 2" in result.stderr
    assert s3.keys() == [f"usage/now/{PDF}", "usage/now/manifest.json"]
    assert s3.multipart_uploads() == []
    assert s3.faults.aborted.is_set()
    records = _records(_manifest(s3, "usage/now"))
    failed = records["edge-impulse-usage-1-2-3.csv"]
    assert (failed["ok"], failed["error"]["type"], failed["exit_code"]) == (False, "StorageError", 1)
    assert records[PDF]["ok"] is True


def test_a_lock_object_refuses_the_prefix_naming_its_holder_and_nothing_is_sent(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    holder = {"run_id": "r0", "pid": 4242, "host": "cron-host-7", "started_at": "2026-11-02T02:00:00.000Z"}
    s3.put(f"{FOLDER}/.fetch-all.lock", json.dumps(holder).encode())

    result = _fetch_all(run, _config(tmp_path, MONTHLY))

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert f"--out-dir s3://usage-bucket/{FOLDER} is in use by another fetch-all" in lines[0]
    assert "pid 4242 on cron-host-7, started 2026-11-02T02:00:00.000Z" in lines[0]
    assert f"delete s3://usage-bucket/{FOLDER}/.fetch-all.lock" in lines[0]
    assert simulators.requests == []
    assert s3.keys() == [f"{FOLDER}/.fetch-all.lock"]


def test_a_missing_bucket_is_one_line_exit_2_before_anything_is_sent(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    result = run("fetch-all", _config(tmp_path, MONTHLY), "--out-dir", "s3://no-such-bucket/usage", env=_aws())

    assert result.returncode == 2
    assert "bucket 'no-such-bucket' does not exist" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert simulators.requests == []


def test_progress_is_checkpointed_to_the_store_while_the_run_goes_on(
    vendor_env: dict[str, str],
    simulators: VendorSimulators,
    s3: S3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An object store cannot append a journal: the manifest is replaced on a throttle (here: every record)."""
    monkeypatch.setattr(manifest_module, "CHECKPOINT_INTERVAL", 0.0)
    with FaultServer() as fault:
        fault.always(hold_mid_body(b"Date,Event\n" * 1000, headers=(("Content-Type", "text/csv"),)))
        environ = {**vendor_env, "STATSIG_BASE_URL": fault.url}
        pdf_first = f'[defaults]\nperiod = "last-month"\n[[altostrat]]\nworkspace_id = "{WORKSPACE}"\n[[statsig]]\nname = "web"\n'
        config = parse_config_text(pdf_first, "usage.toml", as_of=date(2026, 11, 2))
        out = Output(json_output=False, quiet=True, stdout=io.StringIO(), stderr=io.StringIO())
        outcome: list[int] = []

        def batch() -> None:
            code, _ = run_batch(
                config,
                source="usage.toml",
                base=BaseSettings(environ),
                environ=environ,
                out_dir=PREFIX,
                out=out,
                concurrency=1,
                max_retries=0,
            )
            outcome.append(code)

        worker = threading.Thread(target=batch)
        worker.start()
        try:
            assert fault.streaming.wait(60), "the run never reached the held download"

            def checkpointed() -> bool:
                return f"{FOLDER}/manifest.json" in set(s3.keys()) and PDF in _records(_manifest(s3))

            wait_until(checkpointed, "a checkpoint holding the PDF")
            running = _manifest(s3)
            assert running["summary"]["state"] == "running"
            assert list(_records(running)) == [PDF]
            assert f"{FOLDER}/.fetch-all.lock" in set(s3.keys())
        finally:
            fault.stopping.set()  # the held body ends short: that entry fails, the run finishes
            worker.join(60)
    assert outcome == [1]
    finished = _manifest(s3)
    assert finished["summary"]["state"] == "finished"
    assert _records(finished)[CSV]["ok"] is False
    assert f"{FOLDER}/.fetch-all.lock" not in set(s3.keys())
