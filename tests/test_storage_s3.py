"""download() to s3:// against a real S3 API on loopback (moto's server, started by the tests).

Same promises as on the local disk: nothing at the destination unless it is
complete, no existing object replaced without overwrite, sha256 recorded,
storage credentials nowhere in logs, reprs or errors; bad destinations are
refused before any vendor request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
import subprocess
import sys
import traceback

import pytest
from cli_runner import vendor_environment
from facade_runner import run, sandbox_settings
from s3_server import (  # noqa: F401 - the fixtures s3, s3_server
    ACCESS_KEY_ID,
    S3,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    STORAGE_SECRETS,
    s3_fixture,
    s3_server_fixture,
)
from usage_reports import (
    AltostratUsagePdf,
    AsyncUsageReports,
    EdgeImpulseUsageReport,
    InvalidRequest,
    MissingCredentials,
    StorageError,
    UnexpectedResponse,
    UsageReports,
)
from usage_reports.destinations import _storage as storage
from usage_reports.testing import Reply, VendorSimulators

#: Over one 8 MiB part: the report goes up as a multipart upload of three parts.
LARGE = 17 * 1024 * 1024


def vendor_requests(simulators: VendorSimulators) -> int:
    return len(simulators.requests)


def truncated_pdf() -> Reply:
    return Reply(
        status=200,
        headers=(("Content-Type", "application/pdf"),),
        body=b"%PDF-1.7" + b"x" * 5000,
        declared_length=90_000,
    )


@pytest.mark.parametrize("size", [300_000, LARGE], ids=["single-put", "multipart"])
def test_download_to_s3_stores_the_whole_report_with_its_sha256(
    simulators: VendorSimulators, s3: S3, kind: str, size: int
) -> None:
    simulators.set_report_size(3, size)
    url = s3.url("usage/2026-10/ei.csv")
    report = run(kind, sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), url)
    data = s3.get("usage/2026-10/ei.csv")
    assert data == simulators.report_bytes(3)
    assert report.url == url
    assert report.path is None
    assert report.content is None
    assert report.size == size
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert s3.metadata("usage/2026-10/ei.csv") == {"sha256": report.sha256}
    assert s3.keys() == ["usage/2026-10/ei.csv"]
    assert s3.multipart_uploads() == []
    parts = [r.part_number for r in s3.requests if r.part_number is not None]
    assert parts == ([1, 2, 3] if size == LARGE else [])


def test_failed_part_upload_leaves_no_object_and_no_multipart_upload(
    simulators: VendorSimulators, s3: S3, kind: str
) -> None:
    simulators.set_report_size(3, LARGE)
    s3.faults.fail_part = 2
    with pytest.raises(StorageError, match=r"s3://usage-bucket/r\.csv: could not upload part 2: PermissionError"):
        run(kind, sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), s3.url("r.csv"))
    assert s3.faults.aborted.is_set()
    assert s3.keys() == []
    assert s3.multipart_uploads() == []


def test_truncated_vendor_body_sends_nothing_to_the_store(simulators: VendorSimulators, s3: S3, kind: str) -> None:
    simulators.queue("altostrat", truncated_pdf())
    with pytest.raises(UnexpectedResponse, match="truncated"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), s3.url("usage.pdf"))
    assert [r.method for r in s3.requests][:2] == ["HEAD", "HEAD"]  # the bucket and the object, checked before
    assert [r for r in s3.requests if r.writes] == []
    assert s3.keys() == []


def test_retry_after_a_truncated_body_uploads_only_the_complete_report(
    simulators: VendorSimulators, s3: S3, kind: str
) -> None:
    """The first attempt's bytes (more of them than the whole report has) are dropped, not uploaded."""
    simulators.set_report_size(3, 20_000)
    simulators.queue(
        "storage",
        Reply(status=200, headers=(("Content-Type", "text/csv"),), body=b"partial\n" * 6_000, declared_length=90_000),
    )
    report = run(
        kind, sandbox_settings(simulators, max_retries=1), "download", EdgeImpulseUsageReport(1, 2, 3), s3.url("r.csv")
    )
    assert s3.get("r.csv") == simulators.report_bytes(3)
    assert report.size == 20_000


def test_existing_object_is_refused_before_any_vendor_request(simulators: VendorSimulators, s3: S3, kind: str) -> None:
    s3.put("usage.pdf", b"last month's report")
    with pytest.raises(InvalidRequest, match=r"'s3://usage-bucket/usage\.pdf' already exists; pass overwrite=True"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), s3.url("usage.pdf"))
    assert vendor_requests(simulators) == 0
    assert s3.get("usage.pdf") == b"last month's report"


def test_overwrite_replaces_an_existing_object(simulators: VendorSimulators, s3: S3, kind: str) -> None:
    s3.put("usage.pdf", b"last month's report")
    report = run(
        kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), s3.url("usage.pdf"), overwrite=True
    )
    assert s3.get("usage.pdf").startswith(b"%PDF-")
    assert report.sha256 == hashlib.sha256(s3.get("usage.pdf")).hexdigest()


def test_a_failed_overwrite_leaves_the_old_object_whole(simulators: VendorSimulators, s3: S3) -> None:
    """With overwrite the upload is unconditional, and still atomic: the old object stays until the new one is whole."""
    s3.put("r.csv", b"last month's report")
    simulators.set_report_size(3, LARGE)
    s3.faults.fail_part = 2
    with pytest.raises(StorageError, match="could not upload part 2"):
        run(
            "sync",
            sandbox_settings(simulators),
            "download",
            EdgeImpulseUsageReport(1, 2, 3),
            s3.url("r.csv"),
            overwrite=True,
        )
    assert s3.get("r.csv") == b"last month's report"
    assert s3.multipart_uploads() == []
    s3.faults.fail_part = None
    run(
        "sync",
        sandbox_settings(simulators),
        "download",
        EdgeImpulseUsageReport(1, 2, 3),
        s3.url("r.csv"),
        overwrite=True,
    )
    assert s3.get("r.csv") == simulators.report_bytes(3)


@pytest.mark.parametrize("size", [4096, LARGE], ids=["single-put", "multipart"])
def test_object_appearing_during_the_download_is_left_untouched(
    simulators: VendorSimulators, s3: S3, size: int
) -> None:
    """The If-None-Match: * of the upload refuses it atomically; the multipart upload is aborted."""
    simulators.set_report_size(3, size)

    written: list[int] = []

    def someone_else_writes(received: int) -> None:
        if received and not written:  # once the check is past and the body is streaming
            s3.put("r.csv", b"someone else's")
            written.append(received)

    with (
        UsageReports(**sandbox_settings(simulators)) as client,
        pytest.raises(InvalidRequest, match=r"'s3://usage-bucket/r\.csv' appeared during the download"),
    ):
        client.download(EdgeImpulseUsageReport(1, 2, 3), s3.url("r.csv"), on_progress=someone_else_writes)
    assert s3.get("r.csv") == b"someone else's"
    assert s3.multipart_uploads() == []


def test_write_only_credentials_can_upload_and_still_never_replace(simulators: VendorSimulators, s3: S3) -> None:
    """Without read rights the checks cannot see the bucket or the object; the conditional upload still decides."""
    s3.faults.deny_head = True
    run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), s3.url("new.csv"))
    assert s3.get("new.csv") == simulators.report_bytes(3)
    s3.put("old.csv", b"last month's report")
    with pytest.raises(InvalidRequest, match=r"'s3://usage-bucket/old\.csv' appeared during the download"):
        run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), s3.url("old.csv"))
    assert s3.get("old.csv") == b"last month's report"


def test_missing_bucket_is_refused_before_any_vendor_request(simulators: VendorSimulators, s3: S3, kind: str) -> None:
    with pytest.raises(
        InvalidRequest,
        match=r"^download destination 's3://no-such-bucket/r\.csv': bucket 'no-such-bucket' does not exist$",
    ):
        run(
            kind, sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), "s3://no-such-bucket/r.csv"
        )
    assert vendor_requests(simulators) == 0


def test_invalid_bucket_name_is_refused_before_any_vendor_request(simulators: VendorSimulators, s3: S3) -> None:
    with pytest.raises(InvalidRequest, match=r"'s3://bad!bucket/r\.csv': 'bad!bucket' is not a valid bucket name$"):
        run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), "s3://bad!bucket/r.csv")
    assert vendor_requests(simulators) == 0


def test_missing_storage_credentials_are_reported_before_any_vendor_request(
    simulators: VendorSimulators, s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    with pytest.raises(MissingCredentials, match=r"^s3://usage-bucket/r\.csv: no storage credentials found"):
        run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), s3.url("r.csv"))
    assert vendor_requests(simulators) == 0


def test_endpoint_is_read_from_the_aws_config_file_like_the_aws_cli(
    simulators: VendorSimulators, s3: S3, monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    config = tmp_path / "config-with-endpoint"  # type: ignore[operator]
    config.write_text(f"[profile usage]\nendpoint_url = {s3.server.endpoint}\nregion = us-east-1\n")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "usage")
    run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), s3.url("r.csv"))
    assert s3.get("r.csv") == simulators.report_bytes(3)


def test_cancelled_async_download_aborts_the_upload_and_leaves_nothing(simulators: VendorSimulators, s3: S3) -> None:
    simulators.set_report_size(3, LARGE)
    s3.faults.hold_part = 2

    async def main() -> None:
        async with AsyncUsageReports(**sandbox_settings(simulators)) as client:
            task = asyncio.create_task(client.download(EdgeImpulseUsageReport(1, 2, 3), s3.url("big.csv")))
            assert await asyncio.to_thread(s3.faults.part_held.wait, 60), "part 2 never reached the server"
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            s3.faults.release.set()  # part 2 goes through; the upload then stops and aborts
            assert await asyncio.to_thread(s3.faults.aborted.wait, 60), "the multipart upload was not aborted"

    asyncio.run(main())
    assert s3.keys() == []
    assert s3.multipart_uploads() == []


def test_storage_credentials_never_reach_logs_reprs_or_errors(
    simulators: VendorSimulators, s3: S3, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    simulators.set_report_size(3, LARGE)
    with UsageReports(**sandbox_settings(simulators)) as client:
        report = client.download(EdgeImpulseUsageReport(1, 2, 3), s3.url("ok.csv"))
        s3.faults.fail_part = 2
        with pytest.raises(StorageError, match="upload part 2") as failed:
            client.download(EdgeImpulseUsageReport(1, 2, 3), s3.url("failed.csv"))
    texts = {
        "logs": caplog.text,
        "report repr": repr(report),
        "error": str(failed.value) + repr(failed.value),
        "traceback with causes": "".join(traceback.format_exception(failed.value)),
    }
    assert "Sending http request" in caplog.text  # botocore's DEBUG request dump was there, redacted
    assert "X-Amz-Security-Token" in caplog.text
    for where, text in texts.items():
        for secret in STORAGE_SECRETS:
            assert secret not in text, f"a storage credential in the {where}"


def test_credentials_read_from_the_aws_files_never_reach_errors_that_echo_them(
    simulators: VendorSimulators, s3: S3, monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    """Some stores name the refused key in their error message; credentials from ~/.aws are redacted as well."""
    credentials = tmp_path / "credentials"  # type: ignore[operator]
    credentials.write_text(
        f"[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
        f"aws_session_token = {SESSION_TOKEN}\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    s3.faults.deny_puts = f"The access key {ACCESS_KEY_ID} (token {SESSION_TOKEN}) may not write here"
    with pytest.raises(StorageError, match=r"could not upload the report: PermissionError: .*may not write") as refused:
        run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), s3.url("r.csv"))
    shown = str(refused.value) + "".join(traceback.format_exception(refused.value))
    for secret in STORAGE_SECRETS:
        assert secret not in shown


def test_credentials_in_the_url_are_refused_and_not_shown(simulators: VendorSimulators, s3: S3) -> None:
    secret = "wJalrXUtnFEMI-not-a-real-secret"
    with pytest.raises(InvalidRequest, match="carries credentials") as refused:
        run(
            "sync",
            sandbox_settings(simulators),
            "download",
            EdgeImpulseUsageReport(1, 2, 3),
            f"s3://AKIAEXAMPLE:{secret}@usage-bucket/r.csv",
        )
    assert secret not in str(refused.value)
    assert "AKIAEXAMPLE" not in str(refused.value)
    assert vendor_requests(simulators) == 0
    assert s3.requests == []


def test_manifest_helpers_work_beside_the_reports_in_s3(s3: S3) -> None:
    folder = "s3://usage-bucket/usage/2026-10/"
    manifest = storage.join(folder, "manifest.json")
    assert manifest == "s3://usage-bucket/usage/2026-10/manifest.json"
    assert not storage.exists(manifest)
    with pytest.raises(FileNotFoundError, match=r"manifest\.json"):
        storage.read_text(manifest)
    storage.write_text_atomic(manifest, '{"entries": []}\n')
    storage.write_text_atomic(manifest, '{"entries": [1]}\n')
    assert storage.exists(manifest)
    assert storage.read_text(manifest) == '{"entries": [1]}\n'
    assert s3.keys() == ["usage/2026-10/manifest.json"]


# --- a stop signal, or a kill, in the middle of an upload ------------------------------------------------

#: The CLI with the default disposition of SIGTERM (a job started in the background may inherit it ignored).
_CLI = (
    "import runpy, signal, sys\n"
    "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    "sys.argv[0] = 'usage-reports'\n"
    "runpy.run_module('usage_reports', run_name='__main__')\n"
)
_DOWNLOAD = ("edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", "--report-id", "3", "-o")


def _download_in_a_child(simulators: VendorSimulators, url: str) -> subprocess.Popen[str]:
    """``usage-reports edge-impulse ... -o URL`` in a child process, with the vendors and the store configured."""
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, *_DOWNLOAD, url],
        env=vendor_environment(simulators),  # the s3 fixture's AWS_* variables included
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_sigterm_mid_multipart_upload_aborts_it_and_leaves_nothing(simulators: VendorSimulators, s3: S3) -> None:
    simulators.set_report_size(3, LARGE)
    s3.faults.hold_part = 2
    child = _download_in_a_child(simulators, s3.url("big.csv"))
    try:
        assert s3.faults.part_held.wait(60), "part 2 never reached the server"
        child.send_signal(signal.SIGTERM)
        # aborted while part 2 is still held: the stop did it, not a failed or finished upload
        assert s3.faults.aborted.wait(60), "the multipart upload was not aborted"
    finally:
        s3.faults.release.set()
        _, stderr = child.communicate(timeout=60)
    assert child.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr
    assert s3.keys() == []
    assert s3.multipart_uploads() == []


@pytest.mark.slow
def test_sigkill_mid_upload_of_a_report_up_to_one_part_leaves_no_multipart_upload(
    simulators: VendorSimulators, s3: S3
) -> None:
    """A killed process cleans nothing up: a report up to 8 MiB is one PutObject, whole or absent."""
    simulators.set_report_size(3, 300_000)
    s3.faults.hold_put = True
    child = _download_in_a_child(simulators, s3.url("r.csv"))
    try:
        assert s3.faults.put_held.wait(60), "the report never reached the server as one PutObject"
        child.kill()
        child.communicate(timeout=60)
    finally:
        s3.faults.release.set()
    assert s3.faults.held_answered.wait(60)
    assert s3.multipart_uploads() == []
    assert s3.keys() == [] or s3.get("r.csv") == simulators.report_bytes(3)  # the PUT arrived whole, or not at all
