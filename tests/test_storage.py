"""Object-store destinations, unit level: URL checks, fsspec's memory store, staged uploads, the helpers.

S3 against a real S3 API is in test_storage_s3.py; here the stores are
fsspec's in-process memory filesystem and, for the staged-file path used by
GCS and Azure, a small staging filesystem that publishes only on commit().
"""

from __future__ import annotations

import gc
import hashlib
import io
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import pytest
from facade_runner import run, sandbox_settings
from fsspec.registry import _registry
from fsspec.spec import AbstractBufferedFile, AbstractFileSystem
from usage_reports import (
    AltostratUsagePdf,
    EdgeImpulseUsageReport,
    InvalidRequest,
    StorageError,
    UnexpectedResponse,
)
from usage_reports.destinations import _storage as storage
from usage_reports.destinations._object_stores import ObjectLocation, ObjectStore, redact_storage_text
from usage_reports.destinations._storage import RemoteSink
from usage_reports.testing import Reply, VendorSimulators


@pytest.fixture
def bucket() -> Iterator[str]:
    """A fresh bucket in fsspec's process-wide memory store, removed afterwards."""
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    fs = fsspec.filesystem("memory")
    fs.mkdir(f"/{name}")
    yield name
    fs.rm(f"/{name}", recursive=True)


def memory_bytes(url: str) -> bytes:
    data: bytes = fsspec.filesystem("memory").cat_file(url)
    return data


# --- destinations refused before any vendor request ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/usage.csv", r"^download destination 'ftp://host/usage\.csv': unsupported protocol 'ftp'; give"),
        ("s3://usage-bucket", r"'s3://usage-bucket' does not name an object"),
        ("s3://usage-bucket/usage/", r"'s3://usage-bucket/usage/' does not name an object"),
        ("s3:///usage.csv", r"'s3:///usage\.csv' names no bucket"),
        ("s3://usage-bucket/a/../usage.csv", r"has an empty, '\.' or '\.\.' path segment"),
        ("s3://usage-bucket//usage.csv", r"has an empty, '\.' or '\.\.' path segment"),
        ("s3://usage-bucket/usage.csv?versionId=3", r"'s3://usage-bucket/usage\.csv\?\[REDACTED\]' has a query string"),
        ("s3://usage-bucket/usage\x00.csv", r"contains control characters"),
        ("file://otherhost/tmp/usage.csv", r"a file:// URL must name a local path"),
    ],
)
def test_bad_destination_url_is_refused_in_one_line_before_any_request(
    simulators: VendorSimulators, url: str, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message) as refused:
        run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), url)
    assert "\n" not in str(refused.value)
    assert simulators.requests == []


@pytest.mark.parametrize(
    ("url", "module", "extra"),
    [("s3://usage-bucket/u.csv", "s3fs", "s3"), ("gs://b/u.csv", "gcsfs", "gcs"), ("az://c/u.csv", "adlfs", "azure")],
)
def test_store_package_not_installed_names_the_extra_before_any_request(
    simulators: VendorSimulators, monkeypatch: pytest.MonkeyPatch, url: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails, as when the extra is not installed
    monkeypatch.delitem(_registry, url.split(":", 1)[0], raising=False)  # fsspec as if it never imported it
    expected = rf"^download destination '{url}' needs {module}: pip install 'usage-reports\[{extra}\]'"
    with pytest.raises(InvalidRequest, match=expected):
        run("async", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), url)
    assert simulators.requests == []


def test_account_in_an_azure_url_is_refused_and_hidden() -> None:
    with pytest.raises(
        InvalidRequest, match=r"'az://\[REDACTED\]@account\.blob/x\.csv' carries credentials"
    ) as refused:
        storage.resolve("az://container:sv=2024&sig=abc@account.blob/x.csv")
    assert "sig=abc" not in str(refused.value)


def test_missing_bucket_in_memory_store_is_refused_before_any_request(simulators: VendorSimulators) -> None:
    with pytest.raises(InvalidRequest, match=r"bucket 'no-such-bucket-x1' does not exist"):
        run(
            "sync",
            sandbox_settings(simulators),
            "download",
            AltostratUsagePdf("ws_a1"),
            "memory://no-such-bucket-x1/u.pdf",
        )
    assert simulators.requests == []


# --- download to memory:// (the generic RemoteSink logic) ------------------------------------------------


def test_download_to_memory_store_writes_the_report_and_its_url(
    simulators: VendorSimulators, bucket: str, kind: str
) -> None:
    url = f"memory://{bucket}/usage/ei.csv"
    report = run(kind, sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), url)
    data = memory_bytes(url)
    assert data == simulators.report_bytes(3)
    assert report.url == url
    assert report.path is None
    assert report.sha256 == hashlib.sha256(data).hexdigest()


def test_existing_object_in_memory_store_is_kept_without_overwrite(
    simulators: VendorSimulators, bucket: str, kind: str
) -> None:
    url = f"memory://{bucket}/u.pdf"
    fsspec.filesystem("memory").pipe_file(url, b"old")
    with pytest.raises(InvalidRequest, match="already exists; pass overwrite=True"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), url)
    assert simulators.requests == []
    run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), url, overwrite=True)
    assert memory_bytes(url).startswith(b"%PDF-")


def test_failed_download_leaves_no_object(simulators: VendorSimulators, bucket: str, kind: str) -> None:
    simulators.queue(
        "altostrat",
        Reply(
            status=200,
            headers=(("Content-Type", "application/pdf"),),
            body=b"%PDF-1.7" + b"x" * 500,
            declared_length=9_000,
        ),
    )
    url = f"memory://{bucket}/u.pdf"
    with pytest.raises(UnexpectedResponse, match="truncated"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), url)
    assert not fsspec.filesystem("memory").exists(url)


@pytest.mark.parametrize("outcome", ["commit", "abort"])
def test_spool_file_is_closed_after_commit_or_abort(bucket: str, outcome: str) -> None:
    """The spool is an unnamed temporary file: closing it is what frees its disk space."""
    sink = RemoteSink(ObjectLocation("memory", bucket, "r.csv"), overwrite=False)
    sink.check()
    sink.write(b"a,b\n")
    spool = sink._spool
    assert spool is not None
    if outcome == "commit":
        sink.commit()
        assert memory_bytes(f"memory://{bucket}/r.csv") == b"a,b\n"
    else:
        sink.abort()
    assert spool.closed


def test_file_url_downloads_to_the_local_path(simulators: VendorSimulators, tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    report = run("sync", sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), target.as_uri())
    assert report.path == target
    assert target.read_bytes() == simulators.report_bytes(3)


# --- the staged-file path (GCS, Azure): nothing visible until commit(), discard() on any failure -----------


class StagingFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """Publishes a file at commit() (like gcsfs) or at close() (like adlfs, whatever autocommit says).

    It can fail one write (a transient error: the next one would succeed), or
    have the object appear just before the commit.
    """

    protocol = "staging"
    cachable = False  # a fresh instance per test

    def __init__(self, *, publish_at_close: bool = False) -> None:
        super().__init__()
        self.publish_at_close = publish_at_close
        self.published: dict[str, bytes] = {}
        self.discarded: list[str] = []
        self.fail_after: int | None = None
        self.appear_before_commit = False

    def _open(self, path: str, mode: str = "rb", block_size: Any = None, autocommit: bool = True, **kwargs: Any) -> Any:
        return StagedFile(self, path, mode=mode, block_size=block_size or 1024, autocommit=autocommit)

    def exists(self, path: str, **kwargs: Any) -> bool:
        return path in self.published or any(key.startswith(path.rstrip("/") + "/") for key in self.published)

    def isfile(self, path: str) -> bool:
        return path in self.published


class StagedFile(AbstractBufferedFile):  # type: ignore[misc]
    fs: StagingFileSystem

    def _initiate_upload(self) -> None:
        self.staged = bytearray()

    def _upload_chunk(self, final: bool = False) -> bool:
        if self.fs.fail_after is not None and len(self.staged) + self.buffer.tell() > self.fs.fail_after:
            self.fs.fail_after = None
            raise ConnectionResetError("the store hung up")
        self.staged += self.buffer.getvalue()
        if final and (self.autocommit or self.fs.publish_at_close):
            self._publish()
        return True

    def commit(self) -> None:
        if not self.fs.publish_at_close:
            self._publish()

    def _publish(self) -> None:
        if self.fs.appear_before_commit:
            self.fs.published[self.path] = b"someone else's"
        if "x" in self.mode and self.path in self.fs.published:
            raise FileExistsError(self.path)
        self.fs.published[self.path] = bytes(self.staged)

    def discard(self) -> None:
        self.fs.discarded.append(self.path)


def staged_upload(fs: StagingFileSystem, data: bytes, *, overwrite: bool = False) -> None:
    ObjectStore(fs).upload(
        ObjectLocation("gs", "bkt", "r.csv"),
        io.BytesIO(data),
        len(data),
        overwrite=overwrite,
        sha256=hashlib.sha256(data).hexdigest(),
        cancelled=threading.Event(),
    )


STAGING = [pytest.param(False, id="publish-at-commit"), pytest.param(True, id="publish-at-close")]


@pytest.mark.parametrize("publish_at_close", STAGING)
def test_staged_upload_publishes_the_whole_file(publish_at_close: bool) -> None:
    fs = StagingFileSystem(publish_at_close=publish_at_close)
    staged_upload(fs, b"a,b\n" * 10_000)
    assert fs.published == {"bkt/r.csv": b"a,b\n" * 10_000}
    assert fs.discarded == []


@pytest.mark.parametrize("publish_at_close", STAGING)
def test_staged_upload_failing_midway_is_discarded_and_never_published(publish_at_close: bool) -> None:
    fs = StagingFileSystem(publish_at_close=publish_at_close)
    fs.fail_after = 9 * 1024 * 1024
    data = b"x" * (3 * 8 * 1024 * 1024)  # three parts: the second one fails
    with pytest.raises(StorageError, match=r"^gs://bkt/r\.csv: could not upload part 2: ConnectionResetError"):
        staged_upload(fs, data)
    gc.collect()  # a half-written file object must not publish itself when collected
    assert fs.published == {}
    assert fs.discarded == ["bkt/r.csv"]


@pytest.mark.parametrize("publish_at_close", STAGING)
def test_staged_upload_refused_at_commit_when_the_object_appeared(publish_at_close: bool) -> None:
    fs = StagingFileSystem(publish_at_close=publish_at_close)
    fs.appear_before_commit = True
    with pytest.raises(
        InvalidRequest, match=r"'gs://bkt/r\.csv' appeared during the download .*; it was left untouched"
    ):
        staged_upload(fs, b"new")
    assert fs.published == {"bkt/r.csv": b"someone else's"}
    assert fs.discarded == ["bkt/r.csv"]


def test_staged_uploads_stay_out_of_fsspecs_shared_transaction() -> None:
    """fsspec's open(autocommit=False) files every such file in the filesystem's one shared transaction, for good
    (a later ``with fs.transaction`` would commit or discard them all again); the store's own uploads do not."""
    fs = StagingFileSystem()
    for _ in range(3):
        fs.published.clear()
        staged_upload(fs, b"a,b\n")
    assert fs._transaction is None or list(fs._transaction.files) == []


# --- helpers for a manifest beside the reports ----------------------------------------------------------


def test_join_puts_a_name_under_a_local_folder_or_a_store_prefix(tmp_path: Path) -> None:
    assert storage.join(tmp_path, "manifest.json") == tmp_path / "manifest.json"
    assert storage.join("s3://usage-bucket/usage/2026-10", "m.json") == "s3://usage-bucket/usage/2026-10/m.json"
    assert storage.join("s3://usage-bucket/usage/2026-10/", "m.json") == "s3://usage-bucket/usage/2026-10/m.json"
    assert storage.join("s3://usage-bucket", "m.json") == "s3://usage-bucket/m.json"


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "a\nb"])
def test_join_refuses_a_name_that_is_not_one_segment(name: str) -> None:
    with pytest.raises(InvalidRequest, match="must be a single non-empty path segment"):
        storage.join("s3://usage-bucket/usage", name)


@pytest.mark.parametrize("where", ["local", "memory"])
def test_manifest_helpers_round_trip(where: str, tmp_path: Path, bucket: str) -> None:
    folder: storage.Location = tmp_path if where == "local" else f"memory://{bucket}/usage/2026-10"
    manifest = storage.join(folder, "manifest.json")
    assert not storage.exists(manifest)
    with pytest.raises(FileNotFoundError, match=r"manifest\.json"):
        storage.read_text(manifest)
    storage.write_text_atomic(manifest, "first\n")
    storage.write_text_atomic(manifest, "second\n")
    assert storage.exists(manifest)
    assert storage.read_text(manifest) == "second\n"


def test_local_write_text_atomic_leaves_no_temporary_file(tmp_path: Path) -> None:
    storage.write_text_atomic(tmp_path / "manifest.json", "{}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]
    with pytest.raises(InvalidRequest, match=r"folder '.*missing' does not exist"):
        storage.write_text_atomic(tmp_path / "missing" / "manifest.json", "{}\n")


def test_fsspec_and_the_stores_load_only_when_a_url_is_used(tmp_path: Path) -> None:
    """The destinations package, local paths and streams never import fsspec or a store's package."""
    script = (
        "import sys\n"
        "from usage_reports import destinations\n"
        f"folder = {str(tmp_path)!r}\n"
        "destinations.write_text_atomic(destinations.join(folder, 'm.json'), '{}')\n"
        "assert destinations.exists(destinations.join(folder, 'm.json'))\n"
        "assert not destinations.is_remote(folder) and destinations.is_remote('s3://b/k')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fsspec', 's3fs', 'botocore', 'aiobotocore')))\n"
        "destinations.resolve('memory://b/k')\n"
        "print('fsspec' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.splitlines() == ["[]", "True"]


# --- the log guard's patterns, for credentials it was not told about (rotated session tokens) ---------------


def test_storage_log_redaction_hides_credential_fields_it_was_not_told_about() -> None:
    line = (
        "Sending http request: <AWSPreparedRequest method=PUT, url=https://b.s3.amazonaws.com/k?X-Amz-Signature=abc, "
        "headers={'X-Amz-Security-Token': b'IQoJb3JpZ2luX2VjEXAMPLETOKEN', 'Authorization': "
        "b'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEYID/20261126/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=0123abcd'}> x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLETOKEN"
    )
    shown = redact_storage_text(line)
    for secret in ("IQoJb3JpZ2luX2VjEXAMPLETOKEN", "ASIAEXAMPLEKEYID", "0123abcd", "X-Amz-Signature=abc"):
        assert secret not in shown
    assert "Sending http request" in shown
