"""Hostile servers, hostile files, hostile signals: every promise holds under attack (issue 15).

Each test drives a misbehaving server over a real loopback socket (the
``fault`` server of ``fault_server.py``, or the vendor simulators with a
scripted reply) and pins what the library promises instead: one of its own
errors, a redacted and escaped message, nothing left on disk, a bounded time
and a bounded memory.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from facade_runner import run, sandbox_settings
from fault_server import (
    Connection,
    FaultServer,
    head,
    hold_mid_body,
    reply,
    trickle,
    trickle_body,
    trickle_headers,
)
from usage_reports import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_FETCH_SIZE,
    Altostrat,
    AltostratUsagePdf,
    APIError,
    AuthenticationError,
    EdgeImpulse,
    EdgeImpulseUsageReport,
    InvalidRequest,
    PermissionDenied,
    ServerError,
    Statsig,
    StatsigUsageReport,
    StorageError,
    Timeout,
    UnexpectedResponse,
    UsageReports,
    UsageReportsError,
)
from usage_reports._decode import BodyDecoder, BodyRefused
from usage_reports._redact import Redactor, printable
from usage_reports._signals import Terminated, exit_status, stopping_on_signals
from usage_reports._urls import SecretURL
from usage_reports.testing import Reply, VendorSimulators

TESTS = str(Path(__file__).parent)
KEY = "console-hostile-secret-key"
SIGNATURE = "d1e2a3d4b5e6e7f8signature0123456789abcdef"
STATSIG = StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 1))
EDGE = EdgeImpulseUsageReport(1, 2, 3)
CSV = (("Content-Type", "text/csv"),)
JSON = (("Content-Type", "application/json"),)


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def against(server: FaultServer, **overrides: Any) -> dict[str, Any]:
    """Client keyword arguments pointing every provider at the fault server."""
    kwargs: dict[str, Any] = {
        "edge_impulse": EdgeImpulse(api_key="ei-hostile-key", base_url=server.url + "/v1"),
        "altostrat": Altostrat(token="alto-hostile-token", base_url=server.url),
        "statsig": Statsig(console_api_key=KEY, base_url=server.url),
        "environ": {},
        "max_retries": 0,
    }
    kwargs.update(overrides)
    return kwargs


def rendered(exc: BaseException) -> str:
    """What an error tracker could show: message, repr, the whole chain (even a suppressed context),
    and the locals of every frame but the tests' own."""
    shown = traceback.TracebackException.from_exception(exc, capture_locals=True)
    pending: list[traceback.TracebackException | None] = [shown]
    while pending:
        part = pending.pop()
        if part is not None:
            part.stack = traceback.StackSummary.from_list([f for f in part.stack if TESTS not in f.filename])
            part.__suppress_context__ = False
            pending += [part.__cause__, part.__context__]
    return "".join(shown.format()) + repr(exc) + str(getattr(exc, "body_excerpt", ""))


# --- one redaction of every server-provided text ----------------------------------------


def test_a_key_in_the_reason_phrase_of_a_401_with_a_text_body_is_redacted(fault: FaultServer, kind: str) -> None:
    fault.script(
        reply(401, f"Invalid key {KEY}", headers=(("Content-Type", "text/plain"),), body=f"no: {KEY}".encode())
    )
    with pytest.raises(AuthenticationError, match=r"Invalid key \[REDACTED\]") as info:
        run(kind, against(fault), "fetch", STATSIG)
    assert info.value.body_excerpt == "no: [REDACTED]"
    assert KEY not in rendered(info.value)


def test_a_signed_url_in_a_storage_403_reason_and_body_is_redacted(fault: FaultServer, kind: str) -> None:
    signed = f"{fault.url}/r.csv?X-Amz-Signature={SIGNATURE}"
    fault.script(
        reply(302, "Found", headers=(("Location", signed),)),
        reply(403, f"expired {signed}", headers=(("Content-Type", "application/xml"),), body=signed.encode()),
    )
    with pytest.raises(PermissionDenied, match=r"expired http://127\.0\.0\.1:\d+/r\.csv\?\[REDACTED\]") as info:
        run(kind, against(fault), "fetch", EDGE)
    assert fault.targets()[1] == f"/r.csv?X-Amz-Signature={SIGNATURE}"  # the signature did go to storage
    assert SIGNATURE not in rendered(info.value)


def test_terminal_escapes_a_server_writes_are_escaped_in_messages(fault: FaultServer, kind: str) -> None:
    body = json.dumps({"message": "\x1b[2J\x1b]0;owned\x07 bye\x9b31m \u202egnp.exe"}).encode()
    fault.script(reply(400, "Bad Request", headers=JSON, body=body))
    with pytest.raises(UnexpectedResponse, match="HTTP 400") as info:
        run(kind, against(fault), "fetch", STATSIG)
    message = str(info.value)
    assert "\\x1b[2J\\x1b]0;owned\\x07 bye\\x9b31m \\u202egnp.exe" in message
    assert info.value.body_excerpt is not None
    for text in (message, info.value.body_excerpt):
        assert not any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or char == "\u202e" for char in text), text


def test_api_errors_carry_the_request_id_and_a_short_redacted_escaped_body_excerpt(
    fault: FaultServer, kind: str
) -> None:
    body = f"{KEY} \x1b[31m".encode() + b"y" * 5000
    fault.script(reply(500, "Oops", headers=(("X-Request-Id", "req-4711"),), body=body))
    with pytest.raises(ServerError, match=r"\(request id req-4711\)") as info:
        run(kind, against(fault), "fetch", STATSIG)
    excerpt = info.value.body_excerpt
    assert info.value.request_id == "req-4711"
    assert excerpt is not None
    assert excerpt.startswith("[REDACTED] \\x1b[31myyy")
    assert len(excerpt) == 200
    assert "req-4711" in repr(info.value)


def test_printable_escapes_c0_c1_del_and_bidi_controls_and_keeps_text() -> None:
    assert printable("a\x1b[2Jb\x07c\td\ne\rf\x7fg\x9bh\u202ei\u2028j é 日本") == (
        "a\\x1b[2Jb\\x07c\\td\\ne\\rf\\x7fg\\x9bh\\u202ei\\u2028j é 日本"
    )


def test_quote_redacts_before_it_escapes_and_cuts() -> None:
    quote = Redactor(["s3cr3t-key"]).quote
    assert (
        quote(b"key s3cr3t-key at https://x.example/r?sig=1\x1b") == "key [REDACTED] at https://x.example/r?[REDACTED]"
    )
    assert quote("\x1bs3cr3t-key") == "\\x1b[REDACTED]"
    assert quote("x" * 300, limit=10) == "x" * 9 + "…"


# --- one place where foreign exceptions become library errors --------------------------


@pytest.mark.parametrize("location", ["javascript:alert(1)", "data:text/plain,hello", "http://[::1"])
@pytest.mark.parametrize("request_", [EDGE, STATSIG], ids=["edge_impulse", "statsig"])
def test_an_unusable_location_is_an_unexpected_response_even_where_redirects_are_not_followed(
    fault: FaultServer, kind: str, location: str, request_: Any
) -> None:
    fault.script(reply(302, "Found", headers=(("Location", location),)))
    with pytest.raises(UnexpectedResponse, match="Location") as info:
        run(kind, against(fault, max_retries=2), "fetch", request_)
    assert isinstance(info.value.__cause__, httpx.InvalidURL | httpx.RemoteProtocolError)
    assert len(fault.requests) == 1  # refused at once, never retried


@pytest.mark.parametrize("method", ["fetch", "download"])
def test_a_body_labelled_gzip_that_is_not_gzip_is_an_unexpected_response(
    fault: FaultServer, tmp_path: Path, kind: str, method: str
) -> None:
    fault.script(reply(200, headers=(*CSV, ("Content-Encoding", "gzip")), body=b"plain,csv\n1,2\n"))
    args: tuple[Any, ...] = (STATSIG,) if method == "fetch" else (STATSIG, tmp_path / "r.csv")
    with pytest.raises(UnexpectedResponse, match="labelled gzip but is not"):
        run(kind, against(fault), method, *args)
    assert list(tmp_path.iterdir()) == []


def test_an_encoding_never_asked_for_is_refused_not_stored_encoded(fault: FaultServer, kind: str) -> None:
    fault.script(reply(200, headers=(*CSV, ("Content-Encoding", "br")), body=b"\x1b\x00\x00"))
    with pytest.raises(UnexpectedResponse, match="unsupported Content-Encoding 'br'"):
        run(kind, against(fault), "fetch", STATSIG)


_FSIZE_CHILD = textwrap.dedent(
    """
    import json, os, resource, signal, sys
    from usage_reports import EdgeImpulse, EdgeImpulseUsageReport, UsageReports, UsageReportsError

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
    folder = sys.argv[2]
    settings = EdgeImpulse(api_key=sys.argv[3], base_url=sys.argv[1])
    with UsageReports(edge_impulse=settings, environ={}, max_retries=0) as client:
        try:
            client.download(EdgeImpulseUsageReport(1, 2, 3), os.path.join(folder, "r.csv"))
        except UsageReportsError as exc:
            print(json.dumps({"type": type(exc).__name__, "message": str(exc), "errno": getattr(exc, "errno", None)}))
        else:
            print(json.dumps({"type": None}))
    """
)


def test_a_file_size_limit_during_download_is_a_storage_error_and_leaves_nothing(
    simulators: VendorSimulators, tmp_path: Path
) -> None:
    from usage_reports.testing import SANDBOX_EDGE_IMPULSE_API_KEY

    simulators.set_report_size(3, 2 * 1024 * 1024)
    folder = tmp_path / "out"
    folder.mkdir()
    child = subprocess.run(
        [sys.executable, "-c", _FSIZE_CHILD, simulators.edge_impulse_url, str(folder), SANDBOX_EDGE_IMPULSE_API_KEY],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result["type"] == "StorageError", result
    assert result["message"].startswith(f"{folder / 'r.csv'}: cannot write the report: File too large")
    assert result["errno"] == 27  # EFBIG
    assert list(folder.iterdir()) == []


def test_storage_error_is_a_usage_reports_error_drawn_in_the_tree() -> None:
    import usage_reports._exceptions as exceptions

    assert issubclass(StorageError, UsageReportsError)
    assert not issubclass(StorageError, APIError)
    assert "StorageError" in (exceptions.__doc__ or "")


# --- a total deadline per call --------------------------------------------------------


@pytest.mark.parametrize("behaviour", ["headers", "body"])
def test_a_server_trickling_a_byte_at_a_time_is_stopped_by_the_deadline(
    fault: FaultServer, tmp_path: Path, kind: str, behaviour: str
) -> None:
    fault.script(trickle_headers(0.1) if behaviour == "headers" else trickle_body(0.1, headers=CSV))
    started = time.monotonic()
    with pytest.raises(Timeout, match=r"deadline of 1\.5 s passed .*\(deadline=\)"):
        run(kind, against(fault, timeout=5, deadline=1.5), "download", STATSIG, tmp_path / "r.csv")
    elapsed = time.monotonic() - started
    assert fault.streaming.is_set()
    assert 1.5 <= elapsed < 1.5 + 5.0  # without a deadline the trickle, and the call, go on for good
    assert list(tmp_path.iterdir()) == []


def _redirect_with_a_trickled_body(fault: FaultServer) -> Callable[[Connection], None]:
    """A 302 to the server itself whose small body (within the drain limit) then comes a byte at a time."""

    def behave(connection: Connection) -> None:
        fixed = (("Location", fault.url + "/file.csv"), ("Content-Length", "1000"))
        connection.send(head(302, "Found", fixed))
        connection.server.streaming.set()
        trickle(connection, 0.1)

    return behave


def test_draining_a_trickled_redirect_body_is_stopped_by_the_deadline(fault: FaultServer, kind: str) -> None:
    fault.script(_redirect_with_a_trickled_body(fault), reply(200, headers=CSV, body=b"a,b\n"))
    started = time.monotonic()
    with pytest.raises(Timeout, match=r"deadline of 1\.5 s passed .*\(deadline=\)"):
        run(kind, against(fault, timeout=5, deadline=1.5), "fetch", EDGE)
    assert fault.streaming.is_set()
    assert 1.5 <= time.monotonic() - started < 1.5 + 5.0  # the 1000 bytes would take 100 s


def test_the_deadline_spans_retries_and_their_waits(fault: FaultServer, kind: str) -> None:
    fault.always(reply(503, "Busy", headers=(("Retry-After", "1"),)))
    started = time.monotonic()
    with pytest.raises(ServerError, match="HTTP 503"):
        run(kind, against(fault, max_retries=20, deadline=2.0), "fetch", STATSIG)
    assert time.monotonic() - started < 2.0  # the last wait would pass the deadline: the last error is raised
    assert 1 <= len(fault.requests) <= 2  # not the 21 attempts max_retries allows


def test_the_default_deadline_is_thirty_minutes_and_nonsense_is_refused() -> None:
    assert DEFAULT_DEADLINE == 1800.0
    with UsageReports(environ={}) as client:
        assert client.deadline == DEFAULT_DEADLINE
    for nonsense in (0, -1, float("inf"), float("nan"), "60", True):
        with pytest.raises(InvalidRequest, match="deadline must be a positive, finite number of seconds"):
            UsageReports(environ={}, deadline=nonsense)  # type: ignore[arg-type]


# --- bounded memory: size cap and decompression bombs ----------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_fetch_refuses_a_body_larger_than_max_fetch_size(fault: FaultServer, kind: str, declared: bool) -> None:
    body = b"a,b\n" * 2000
    if declared:
        fault.script(reply(200, headers=CSV, body=body))
    else:
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)

        def send_chunked(connection: Any) -> None:
            connection.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
            )

        fault.script(send_chunked)
    with pytest.raises(UnexpectedResponse, match=r"max_fetch_size \(1000"):
        run(kind, against(fault, max_fetch_size=1000), "fetch", STATSIG)


def test_max_fetch_size_defaults_to_256_mib_and_does_not_cap_download(
    simulators: VendorSimulators, tmp_path: Path
) -> None:
    assert DEFAULT_MAX_FETCH_SIZE == 256 * 1024 * 1024
    report = run("sync", sandbox_settings(simulators, max_fetch_size=10), "download", EDGE, tmp_path / "r.csv")
    assert report.size == 4096


def _gzip_bomb(inflated: int) -> bytes:
    """A single gzip member of ``inflated`` zero bytes, about inflated/1000 bytes long, built in milliseconds."""
    mebibyte = b"\0" * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(mebibyte) + packer.flush(zlib.Z_FULL_FLUSH)  # byte-aligned, no back-reference
    crc = 0
    for _ in range(inflated // len(mebibyte)):
        crc = zlib.crc32(mebibyte, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = crc.to_bytes(4, "little") + (inflated % 2**32).to_bytes(4, "little")
    return header + block * (inflated // len(mebibyte)) + packer.flush() + trailer


def test_the_gzip_bomb_builder_builds_a_real_bomb() -> None:
    bomb = _gzip_bomb(8 * 1024 * 1024)
    assert len(bomb) < 20_000
    assert gzip.decompress(bomb) == b"\0" * (8 * 1024 * 1024)


_BOMB_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, tempfile, os
    resource.setrlimit(resource.RLIMIT_AS, (1024 * 1024 * 1024, 1024 * 1024 * 1024))
    from datetime import date
    from usage_reports import Statsig, StatsigUsageReport, UsageReports, UsageReportsError

    def peak_rss():
        # VmHWM is this process image's own peak; ru_maxrss would keep the peak of the image a fork copied
        # from the (large, late in a test session) parent before exec.
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    results = {"rss_before": peak_rss()}
    settings = Statsig(console_api_key="console-bomb-key", base_url=sys.argv[1])
    folder = tempfile.mkdtemp()
    with UsageReports(statsig=settings, environ={}, max_retries=0) as client:
        for method in ("fetch", "download"):
            started = time.monotonic()
            try:
                args = (os.path.join(folder, "r.csv"),) if method == "download" else ()
                getattr(client, method)(StatsigUsageReport(end=date(2026, 11, 1)), *args)
            except UsageReportsError as exc:
                results[method] = {"type": type(exc).__name__, "message": str(exc)}
            except MemoryError:
                results[method] = {"type": "MemoryError"}
            results[method]["seconds"] = time.monotonic() - started
            results[method]["peak_rss"] = peak_rss()
    results["left"] = os.listdir(folder)
    results["peak_rss"] = peak_rss()
    print(json.dumps(results))
    """
)


def test_a_gzip_bomb_is_refused_quickly_with_flat_memory(fault: FaultServer) -> None:
    """1 MiB of gzip inflating to 1 GiB: fetch and download refuse it at ~1 MiB, under a 1 GiB address-space cap."""
    bomb = _gzip_bomb(1024 * 1024 * 1024)
    assert len(bomb) < 1_200_000
    fault.always(reply(200, headers=(*CSV, ("Content-Encoding", "gzip")), body=bomb))
    child = subprocess.run([sys.executable, "-c", _BOMB_CHILD, fault.url], capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr
    results = json.loads(child.stdout)
    for method in ("fetch", "download"):
        assert results[method]["type"] == "UnexpectedResponse", results
        assert "decompression bomb" in results[method]["message"]
        assert results[method]["seconds"] < 30
    assert results["left"] == []
    assert results["peak_rss"] < 200 * 1024 * 1024, results  # the child's own peak, interpreter included


def test_decoded_pieces_are_bounded_and_every_encoding_round_trips() -> None:
    data = bytes(range(256)) * 2048  # 512 KiB: under the ratio's grace, whatever it compresses to
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    cases = {
        "gzip": gzip.compress(data[:200_000]) + gzip.compress(data[200_000:]),  # two members
        "x-gzip": gzip.compress(data),
        "deflate": zlib.compress(data),
        "identity": data,
    }
    cases["deflate, identity"] = raw_deflate.compress(data) + raw_deflate.flush()
    for encoding, body in cases.items():
        decoder = BodyDecoder(encoding, piece=4096)
        pieces = [piece for start in range(0, len(body), 65536) for piece in decoder.feed(body[start : start + 65536])]
        pieces += list(decoder.flush())
        assert b"".join(pieces) == data, encoding
        assert max(len(piece) for piece in pieces) <= (len(data) if encoding == "identity" else 4096)


def test_a_truncated_or_implausible_compressed_body_is_refused() -> None:
    truncated = BodyDecoder("gzip")
    list(truncated.feed(gzip.compress(b"a,b\n" * 1000)[:-12]))
    with pytest.raises(BodyRefused, match="ends before its end marker"):
        list(truncated.flush())
    bomb = BodyDecoder("gzip", max_ratio=100, grace=1024 * 1024)
    with pytest.raises(BodyRefused, match="decompression bomb"):
        list(bomb.feed(_gzip_bomb(16 * 1024 * 1024)))
    assert bomb.decoded <= 1024 * 1024 + bomb.piece


# --- an empty 200 is never a report ---------------------------------------------------


@pytest.mark.parametrize(
    ("server", "headers", "request_"),
    [
        ("statsig", CSV, STATSIG),
        ("storage", CSV, EDGE),
        ("altostrat", (("Content-Type", "application/pdf"),), AltostratUsagePdf("ws_a1")),
    ],
    ids=["statsig", "edge_impulse", "altostrat"],
)
def test_an_empty_200_is_never_a_report(
    simulators: VendorSimulators, tmp_path: Path, kind: str, server: str, headers: Any, request_: Any
) -> None:
    simulators.queue(server, Reply(status=200, headers=headers, body=b""))
    with pytest.raises(UnexpectedResponse, match=r"empty \(0 bytes\): not a report"):
        run(kind, sandbox_settings(simulators), "download", request_, tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


# --- a symlink as destination is refused before any I/O --------------------------------


@pytest.mark.parametrize("points_to", ["nowhere.csv", "real.csv"], ids=["dangling", "to-a-file"])
def test_a_symlink_destination_is_refused_before_any_request(
    simulators: VendorSimulators, tmp_path: Path, kind: str, points_to: str
) -> None:
    (tmp_path / "real.csv").write_bytes(b"keep me")
    link = tmp_path / "r.csv"
    link.symlink_to(tmp_path / points_to)
    with pytest.raises(InvalidRequest, match="is a symbolic link"):
        run(kind, sandbox_settings(simulators), "download", STATSIG, link, overwrite=True)
    assert simulators.requests == []
    assert (tmp_path / "real.csv").read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "real.csv"]


# --- credential-bearing URLs stay out of frame locals ---------------------------------


def test_a_secret_url_shows_its_origin_only() -> None:
    url = SecretURL(httpx.URL(f"https://bucket.example:8443/reports/1.csv?X-Amz-Signature={SIGNATURE}"))
    assert repr(url) == str(url) == "SecretURL('https://bucket.example:8443/[hidden]')"
    assert SIGNATURE in str(url.url)


@pytest.mark.parametrize("failure", ["storage-500", "storage-drop", "downgrade", "link-then-404", "timeout"])
def test_signed_urls_never_show_in_a_traceback_with_its_locals(kind: str, failure: str) -> None:
    with VendorSimulators(statsig_json_variant=failure == "link-then-404") as sim:
        request_: Any = STATSIG if failure == "link-then-404" else EDGE
        overrides: dict[str, Any] = {}
        if failure == "storage-500":
            sim.queue("storage", Reply(status=500))
        elif failure == "storage-drop":
            sim.queue("storage", Reply(drop_connection=True))
        elif failure == "downgrade":
            location = f"http://storage.example.com/r.csv?X-Amz-Signature={SIGNATURE}"
            sim.queue("edge_impulse", Reply(status=302, headers=(("Location", location),)))
        elif failure == "link-then-404":
            sim.queue("storage", Reply(status=404, body=b"<Error><Code>NoSuchKey</Code></Error>"))
        else:
            sim.queue("storage", Reply(delay=2.0))
            overrides["timeout"] = 0.2
        with pytest.raises(UsageReportsError, match=r"^(edge_impulse|statsig): ") as info:
            run(kind, sandbox_settings(sim, **overrides), "fetch", request_)
        signatures = [SIGNATURE] + [
            r.query.split("X-Amz-Signature=")[1].split("&")[0] for r in sim.requests_to("storage")
        ]
    text = rendered(info.value)
    assert "X-Amz-Signature" not in text
    for signature in signatures:
        assert signature not in text


# --- one signal path for the CLI ---------------------------------------------------------


def test_a_stop_signal_raises_terminated_in_the_main_thread_and_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated, match="stopped by SIGTERM") as info, stopping_on_signals():
        signal.raise_signal(signal.SIGTERM)  # the handler runs before raise_signal returns
    assert exit_status(info.value) == 143
    assert exit_status(KeyboardInterrupt()) == 130
    assert signal.getsignal(signal.SIGTERM) == before


# A job started in the background by a shell inherits SIGINT ignored, and the CLI rightly keeps it
# ignored; the test wants the disposition an interactive or service-managed process has.
_CLI_WITH_DEFAULT_SIGNALS = (
    "import runpy, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
    "sys.argv[0] = 'usage-reports'\n"
    "runpy.run_module('usage_reports', run_name='__main__')\n"
)


def _cli_env(fault: FaultServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGE_IMPULSE_", "ALTOSTRAT_", "STATSIG_"))}
    return {**env, "STATSIG_CONSOLE_API_KEY": KEY, "STATSIG_BASE_URL": fault.url}


def _stop_mid_download(fault: FaultServer, folder: Path, args: list[str], signum: int) -> subprocess.Popen[str]:
    """Start the CLI, wait until the server is mid-body and the .part file exists, send the signal."""
    fault.always(hold_mid_body(b"Date,Event\n" + b"2026-10-01,x\n" * 5000, headers=CSV))
    child = subprocess.Popen(
        [sys.executable, "-c", _CLI_WITH_DEFAULT_SIGNALS, *args],
        cwd=folder,
        env=_cli_env(fault),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert fault.streaming.wait(60), "the CLI never reached the server"
        limit = time.monotonic() + 60
        while not any(path.name.endswith(".part") for path in folder.rglob("*")):  # the client has written
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < limit, "no .part file appeared"
            time.sleep(0.01)
        child.send_signal(signum)
        child.wait(60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: signal.Signals(s).name)
def test_a_stop_signal_mid_download_leaves_nothing_and_exits_128_plus_signum(
    fault: FaultServer, tmp_path: Path, signum: int
) -> None:
    child = _stop_mid_download(fault, tmp_path, ["statsig", "--end", "2026-11-01", "-o", "r.csv"], signum)
    _, stderr = child.communicate()
    assert child.returncode == 128 + signum, stderr
    assert stderr.strip() == f"usage-reports: error: stopped by {signal.Signals(signum).name}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_sigterm_before_any_entry_finished_leaves_no_partial_file_a_manifest_saying_interrupted_and_exits_143(
    fault: FaultServer, tmp_path: Path
) -> None:
    config = tmp_path / "usage.toml"
    config.write_text("[[statsig]]\nstart = 2026-10-01\nend = 2026-11-01\n", encoding="utf-8")
    child = _stop_mid_download(fault, tmp_path, ["fetch-all", str(config), "--out-dir", "out"], signal.SIGTERM)
    _, stderr = child.communicate()
    assert child.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["manifest.json", "out", "usage.toml"]
    document = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert (document["summary"]["state"], document["summary"]["entries"], document["entries"]) == ("interrupted", 0, [])
    shown = subprocess.run(
        [sys.executable, "-m", "usage_reports", "manifest", "out"], cwd=tmp_path, capture_output=True, text=True
    )
    assert shown.returncode == 1
    assert "DID NOT FINISH" in shown.stdout


def test_the_cli_escapes_terminal_control_characters_in_what_it_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from usage_reports.cli._main import main

    config = tmp_path / "usage.toml"
    config.write_text('[[statsig]]\nend = 2026-11-01\n"\\u001b[2J\\u0007" = 1\n', encoding="utf-8")
    assert main(["fetch-all", str(config), "--out-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "\\x1b[2J\\x07: unknown key" in err
    assert "\x1b" not in err
    assert "\x07" not in err
