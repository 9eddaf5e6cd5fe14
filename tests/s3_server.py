"""A real S3 API on loopback: moto's server app behind a werkzeug server the tests start themselves.

A thin WSGI layer in front of moto records every request (method, path,
query) and lets a test script faults on the server side: fail one UploadPart
with 403, or hold one until the test releases it (events, never sleeps).

    from s3_server import S3, s3_fixture, s3_server_fixture  # noqa: F401 - the fixtures `s3`, `s3_server`

    def test_x(s3: S3) -> None:          # fresh state, env pointing at the server, bucket s3.bucket
        s3.faults.fail_part = 2
        ...
        assert s3.multipart_uploads() == []
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.serving import BaseWSGIServer, make_server

#: Fake credentials: distinctive, so a test can look for them in logs, reprs and messages.
ACCESS_KEY_ID = "AKIAUSAGEREPORTSTEST1"
SECRET_ACCESS_KEY = "usage-reports-test-secret-0123456789abcdef"
SESSION_TOKEN = "usage-reports-test-session-token-9876543210"
STORAGE_SECRETS = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN)
BUCKET = "usage-bucket"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class S3Request:
    method: str
    path: str
    query: dict[str, list[str]]

    @property
    def part_number(self) -> int | None:
        """The part of an UploadPart request, else None."""
        if self.method == "PUT" and "uploadId" in self.query and "partNumber" in self.query:
            return int(self.query["partNumber"][0])
        return None

    @property
    def put_object(self) -> bool:
        """A PutObject (not a part of a multipart upload)."""
        return self.method == "PUT" and "uploadId" not in self.query and "partNumber" not in self.query

    @property
    def writes(self) -> bool:
        return self.method in ("PUT", "POST", "DELETE")


@dataclass
class Faults:
    """Server-side hooks, reset for every test."""

    fail_part: int | None = None
    """Answer this UploadPart with 403 AccessDenied (as when credentials expire mid-upload)."""
    hold_part: int | None = None
    """Hold this UploadPart until ``release`` is set; ``part_held`` is set when it arrives."""
    part_held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    hold_put: bool = False
    """Hold the first PutObject until ``release`` is set; ``put_held`` is set when it arrives, ``held_answered``
    once the server has answered it (after the release)."""
    put_held: threading.Event = field(default_factory=threading.Event)
    held_answered: threading.Event = field(default_factory=threading.Event)
    deny_head: bool = False
    deny_puts: str | None = None
    """Answer every PUT with 403 AccessDenied and this message (as stores that name the key they refuse)."""
    """Answer every HEAD with 403, as for a policy that allows s3:PutObject but no reads or listing."""
    aborted: threading.Event = field(default_factory=threading.Event)
    """Set when an AbortMultipartUpload has been answered."""


_ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message><RequestId>test</RequestId></Error>"
)


class S3Server:
    """moto's S3 on 127.0.0.1, port chosen by the kernel, served from a thread."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        self.requests: list[S3Request] = []
        self.faults = Faults()
        self.config_folder = Path()
        self._lock = threading.Lock()

        class QuietHandler(MotoRequestHandler):
            def log(self, type: str, message: str, *args: object) -> None:
                """No access log on the test's stderr."""

        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._wrap(app), threaded=True, request_handler=QuietHandler
        )
        self.endpoint = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-s3", daemon=True)
        self._thread.start()

    def _wrap(self, app: WsgiApp) -> WsgiApp:
        def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            request = S3Request(
                method=environ["REQUEST_METHOD"],
                path=environ.get("PATH_INFO", ""),
                query=urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            )
            with self._lock:
                self.requests.append(request)
                faults = self.faults
            if request.method == "HEAD" and faults.deny_head:
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [b""]
            if request.method == "PUT" and faults.deny_puts is not None:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [_ACCESS_DENIED.replace(b"Access Denied", faults.deny_puts.encode())]
            part = request.part_number
            held = (part is not None and part == faults.hold_part) or (
                request.put_object and faults.hold_put and not faults.put_held.is_set()
            )
            if held:
                (faults.put_held if request.put_object else faults.part_held).set()
                faults.release.wait(timeout=60)
            if part is not None and part == faults.fail_part:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [_ACCESS_DENIED]
            try:
                body = app(environ, start_response)
            finally:
                if held:
                    faults.held_answered.set()
            if request.method == "DELETE" and "uploadId" in request.query:
                faults.aborted.set()
            return body

        return middleware

    def reset(self) -> None:
        """Forget every bucket, object and upload, every recorded request and fault."""
        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        with self._lock:
            self.requests = []
            self.faults = Faults()

    def close(self) -> None:
        self.faults.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class S3:
    """One test's view: the server, a bucket, and a plain boto3 client to look at what is stored."""

    def __init__(self, server: S3Server, bucket: str) -> None:
        import boto3

        self.server = server
        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            aws_session_token=SESSION_TOKEN,
        )

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def requests(self) -> list[S3Request]:
        return list(self.server.requests)

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def metadata(self, key: str) -> dict[str, str]:
        head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        return dict(head["Metadata"])

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def multipart_uploads(self) -> list[str]:
        """Keys of multipart uploads still in progress (neither completed nor aborted)."""
        listing = self.client.list_multipart_uploads(Bucket=self.bucket)
        return sorted(upload["Key"] for upload in listing.get("Uploads", []))


@pytest.fixture(scope="session", name="s3_server")
def s3_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = S3Server()
    server.config_folder = tmp_path_factory.mktemp("aws")
    (server.config_folder / "config").write_text("[default]\n")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(name="s3")
def s3_fixture(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    """A fresh S3 with bucket ``usage-bucket``; the environment configures the store as the AWS CLI reads it."""
    s3_server.reset()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    # The same environment for every test: the library's store for it is built once.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(s3_server.config_folder / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(s3_server.config_folder / "credentials-absent"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = S3(s3_server, BUCKET)
    store.client.create_bucket(Bucket=BUCKET)
    with s3_server._lock:
        s3_server.requests = []
    yield store
    s3_server.faults.release.set()
