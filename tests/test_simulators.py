"""The vendor simulators behave as the specs (and NOTES) describe, and stay quiet and stoppable."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from usage_reports._simulators import (
    CHUNK_SIZE,
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_EDGE_IMPULSE_JWT,
    SANDBOX_STATSIG_CONSOLE_KEY,
    Reply,
    VendorSimulators,
    altostrat_pdf,
    iter_edge_impulse_report,
    statsig_csv,
)

# These tests send off-spec requests on purpose, to pin how the simulators refuse them.
pytestmark = pytest.mark.raw_requests

DAY_MS = 86_400_000
EI_PATH = "/api/organizations/1/whitelabel/organizations/2/usage/reports/{report}/download"
STATSIG_PATH = "/console/v1/project/usage_billing/report"
EI_AUTH = {"x-api-key": SANDBOX_EDGE_IMPULSE_API_KEY}
STATSIG_AUTH = {"STATSIG-API-KEY": SANDBOX_STATSIG_CONSOLE_KEY}
ALTOSTRAT_AUTH = {"Authorization": f"Bearer {SANDBOX_ALTOSTRAT_TOKEN}"}


def with_cookies(headers: dict[str, str], cookies: dict[str, str]) -> dict[str, str]:
    """Cookies as a plain header: the shared client must not keep per-request cookies."""
    if not cookies:
        return headers
    return {**headers, "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def location(client: httpx.Client, sims: VendorSimulators, report: int = 3) -> str:
    response = client.get(sims.edge_impulse_url + EI_PATH.format(report=report), headers=EI_AUTH)
    assert response.status_code == 302
    return response.headers["location"]


# --- Edge Impulse and storage ----------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "cookies"),
    [(EI_AUTH, {}), ({"x-jwt-token": SANDBOX_EDGE_IMPULSE_JWT}, {}), ({}, {"jwt": SANDBOX_EDGE_IMPULSE_JWT})],
    ids=["api-key", "jwt-header", "jwt-cookie"],
)
def test_edge_impulse_redirects_each_credential_to_a_cross_origin_signed_url(
    http_client: httpx.Client, simulators: VendorSimulators, headers: dict[str, str], cookies: dict[str, str]
) -> None:
    url = simulators.edge_impulse_url + EI_PATH.format(report=7)
    response = http_client.get(url, headers=with_cookies(headers, cookies))
    assert response.status_code == 302
    assert response.content == b""
    target = urlsplit(response.headers["location"])
    origin = urlsplit(simulators.edge_impulse_url)
    assert (target.hostname, target.port) != (origin.hostname, origin.port)
    assert target.hostname != origin.hostname
    assert target.path == "/reports/1-2-7.csv"
    assert re.fullmatch(r"X-Amz-Signature=[0-9a-f]{64}&X-Amz-Expires=300", target.query)


@pytest.mark.parametrize(
    ("headers", "cookies"),
    [
        ({}, {}),
        ({"x-api-key": "wrong"}, {}),
        ({}, {"jwt": "wrong"}),
        ({"Authorization": "Bearer " + SANDBOX_EDGE_IMPULSE_JWT}, {}),
    ],
    ids=["none", "wrong-key", "wrong-cookie", "bearer-is-not-accepted"],
)
def test_edge_impulse_rejects_missing_or_wrong_credentials_with_401_json(
    http_client: httpx.Client, simulators: VendorSimulators, headers: dict[str, str], cookies: dict[str, str]
) -> None:
    response = http_client.get(
        simulators.edge_impulse_url + EI_PATH.format(report=1), headers=with_cookies(headers, cookies)
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["success"] is False
    assert body["error"]


@pytest.mark.parametrize(
    "path",
    [EI_PATH.format(report=0), EI_PATH.format(report="x"), "/api/organizations", EI_PATH.format(report=1) + "/more"],
)
def test_edge_impulse_unknown_path_is_404_json(
    http_client: httpx.Client, simulators: VendorSimulators, path: str
) -> None:
    response = http_client.get(simulators.edge_impulse_url + path, headers=EI_AUTH)
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_storage_serves_the_report_csv_exactly_without_credentials(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    simulators.set_report_size(3, 10_000)
    response = http_client.get(location(http_client, simulators))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv"
    assert response.headers["content-length"] == "10000"
    assert response.content == simulators.report_bytes(3)
    text = response.content.decode("utf-8")
    assert text.startswith("date,organization_id,metric,value\n")
    assert not text.isascii()


@pytest.mark.parametrize(
    ("headers", "cookies"),
    [
        ({"x-api-key": "anything"}, {}),
        ({"X-JWT-Token": "anything"}, {}),
        ({"Authorization": "Bearer anything"}, {}),
        ({"statsig-api-key": "anything"}, {}),
        ({}, {"jwt": "anything"}),
    ],
    ids=["x-api-key", "x-jwt-token", "authorization", "statsig-api-key", "jwt-cookie"],
)
def test_storage_refuses_any_vendor_credential_with_400(
    http_client: httpx.Client, simulators: VendorSimulators, headers: dict[str, str], cookies: dict[str, str]
) -> None:
    response = http_client.get(location(http_client, simulators), headers=with_cookies(headers, cookies))
    assert response.status_code == 400
    assert response.text == "credential leaked to storage"


def test_storage_refuses_missing_wrong_or_transplanted_signature_with_403(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    signed = location(http_client, simulators, report=3)
    unsigned = signed.split("?", 1)[0]
    assert http_client.get(unsigned).status_code == 403
    assert http_client.get(re.sub(r"Signature=[0-9a-f]", "Signature=g", signed)).status_code == 403
    assert http_client.get(signed.replace("1-2-3.csv", "1-2-4.csv")).status_code == 403


def test_storage_streams_a_large_report_with_exact_length(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    size = 8 * 1024 * 1024 + 12_345
    simulators.set_report_size(5, size)
    received = 0
    tail = b""
    with http_client.stream("GET", location(http_client, simulators, report=5)) as response:
        assert response.headers["content-length"] == str(size)
        for chunk in response.iter_raw():
            received += len(chunk)
            tail = (tail + chunk)[-200:]
    assert received == size
    assert tail.endswith(b"\n")


@settings(max_examples=200, deadline=None)
@given(report_id=st.integers(min_value=1, max_value=10**9), size=st.integers(min_value=0, max_value=3 * CHUNK_SIZE))
def test_report_csv_has_exact_size_bounded_chunks_and_whole_rows(report_id: int, size: int) -> None:
    chunks = list(iter_edge_impulse_report(report_id, size))
    data = b"".join(chunks)
    assert len(data) == size
    assert all(len(chunk) <= CHUNK_SIZE for chunk in chunks)
    assert data == b"".join(iter_edge_impulse_report(report_id, size)), "deterministic"
    if size >= 57:  # header plus the shortest padding row
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert rows[0] == ["date", "organization_id", "metric", "value"]
        assert all(len(row) == 4 and row[3].isdigit() for row in rows[1:])
        assert data.endswith(b"\n")


# --- Altostrat ----------------------------------------------------------------------


def test_altostrat_serves_a_valid_multipage_pdf_with_binary_bytes(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    response = http_client.get(
        simulators.altostrat_url + "/workspaces/ws_a1b2/organizations/usage.pdf", headers=ALTOSTRAT_AUTH
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf == altostrat_pdf("ws_a1b2")
    assert pdf.startswith(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(UnicodeDecodeError):
        pdf.decode("utf-8")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[startxref:].startswith(b"xref\n0 ")
    offsets = [int(entry) for entry in re.findall(rb"(\d{10}) 00000 n \n", pdf[startxref:])]
    for number, offset in enumerate(offsets, 1):
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number)
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", pdf):
        assert pdf[match.end() + int(match.group(1)) :].startswith(b"\nendstream")
    pages = int(re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", pdf).group(1))  # type: ignore[union-attr]
    assert pages >= 2
    assert b"(Organization usage for ws_a1b2)" in pdf


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", SANDBOX_ALTOSTRAT_TOKEN, f"Basic {SANDBOX_ALTOSTRAT_TOKEN}"]
)
def test_altostrat_rejects_missing_or_wrong_bearer_with_empty_401(
    http_client: httpx.Client, simulators: VendorSimulators, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = http_client.get(simulators.altostrat_url + "/workspaces/ws_a1/organizations/usage.pdf", headers=headers)
    assert response.status_code == 401
    assert response.content == b""


@pytest.mark.parametrize("workspace", ["WS_A1", "ws_", "ws_a-1", "org_a1", "ws_a1%2F"])
def test_altostrat_rejects_malformed_workspace_id_with_empty_404(
    http_client: httpx.Client, simulators: VendorSimulators, workspace: str
) -> None:
    url = f"{simulators.altostrat_url}/workspaces/{workspace}/organizations/usage.pdf"
    response = http_client.get(url, headers=ALTOSTRAT_AUTH)
    assert response.status_code == 404
    assert response.content == b""


# --- Statsig ------------------------------------------------------------------------


def test_statsig_csv_has_one_row_per_event_type_per_utc_day_with_quoted_sources(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    start, end = 20_000 * DAY_MS + 5, 20_002 * DAY_MS
    response = http_client.get(
        simulators.statsig_url + STATSIG_PATH, params={"start": start, "end": end}, headers=STATSIG_AUTH
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv"
    assert response.content == statsig_csv(start, end)
    assert b'"server,client"' in response.content
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert {row["Date"] for row in rows} == {"2024-10-04", "2024-10-05"}
    assert all(len(row) == 6 for row in rows)
    assert {row["Sources"] for row in rows} >= {"server,client", "client"}


def test_statsig_csv_is_capped_at_400_rows() -> None:
    assert statsig_csv(0, 10_000 * DAY_MS).count(b"\n") == 1 + 400


def test_statsig_401_echoes_the_key_that_was_sent(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    response = http_client.get(
        simulators.statsig_url + STATSIG_PATH, params={"end": 5}, headers={"STATSIG-API-KEY": "console-leak"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "message": "This endpoint only accepts an active CONSOLE key, but an invalid key was sent. Key: console-leak",
    }


@pytest.mark.parametrize(
    "params",
    [{}, {"end": "abc"}, {"end": "0"}, {"end": "-5"}, {"start": "10", "end": "10"}, {"start": "x", "end": "5"}],
    ids=["missing-end", "end-not-int", "end-zero", "end-negative", "start-not-before-end", "start-not-int"],
)
def test_statsig_rejects_invalid_range_with_400_json(
    http_client: httpx.Client, simulators: VendorSimulators, params: dict[str, str]
) -> None:
    response = http_client.get(simulators.statsig_url + STATSIG_PATH, params=params, headers=STATSIG_AUTH)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "message": "Invalid request. Please check the request input and try again.",
    }


def test_statsig_json_variant_points_at_a_credential_free_signed_csv(http_client: httpx.Client) -> None:
    with VendorSimulators(statsig_json_variant=True) as sims:
        params = {"start": 0, "end": 2 * DAY_MS}
        response = http_client.get(sims.statsig_url + STATSIG_PATH, params=params, headers=STATSIG_AUTH)
        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Report URL generated successfully"
        url = body["data"][0]["url"]
        assert url.startswith(sims.storage_url + "/statsig/")
        csv_response = http_client.get(url)
        assert csv_response.status_code == 200
        assert csv_response.content == statsig_csv(0, 2 * DAY_MS)
        assert http_client.get(url, headers=STATSIG_AUTH).status_code == 400


# --- Scripted replies, recording, lifecycle ----------------------------------------------------


def test_queued_replies_answer_once_each_in_order_then_default_resumes(simulators: VendorSimulators) -> None:
    simulators.queue("statsig", Reply(status=429, body=b"slow down"), Reply(status=503))
    url = simulators.statsig_url + STATSIG_PATH
    with httpx.Client(headers=STATSIG_AUTH) as client:
        statuses = [client.get(url, params={"end": DAY_MS}).status_code for _ in range(3)]
    assert statuses == [429, 503, 200]


def test_reply_with_declared_length_beyond_body_truncates_and_closes(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    simulators.queue("altostrat", Reply(body=b"%PDF-1.7 partial", declared_length=1000))
    with pytest.raises(httpx.RemoteProtocolError):
        http_client.get(simulators.altostrat_url + "/anything")


def test_reply_drop_connection_sends_nothing(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    simulators.queue("edge_impulse", Reply(drop_connection=True))
    with pytest.raises(httpx.RemoteProtocolError):
        http_client.get(simulators.edge_impulse_url + EI_PATH.format(report=1), headers=EI_AUTH)
    assert len(simulators.requests_to("edge_impulse")) == 1


def test_reply_delay_and_latency_postpone_the_answer(http_client: httpx.Client) -> None:
    with VendorSimulators(latency=0.05) as sims:
        sims.queue("statsig", Reply(delay=0.1))
        started = time.perf_counter()
        http_client.get(sims.statsig_url + "/")
        assert time.perf_counter() - started >= 0.15
        started = time.perf_counter()
        http_client.get(sims.statsig_url + "/")
        assert time.perf_counter() - started >= 0.05


def test_requests_are_recorded_as_received(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    http_client.get(
        simulators.statsig_url + STATSIG_PATH + "?end=5&start=1",
        headers={"STATSIG-API-KEY": "k", "X-Custom-Case": "v", "Cookie": "a=1"},
    )
    (sent,) = simulators.requests
    assert sent.server == "statsig"
    assert sent.method == "GET"
    assert sent.target == STATSIG_PATH + "?end=5&start=1"
    assert sent.path == STATSIG_PATH
    assert sent.query == "end=5&start=1"
    assert sent.host == urlsplit(simulators.statsig_url).netloc
    assert ("X-Custom-Case", "v") in sent.headers
    assert sent.header("statsig-api-key") == "k"
    assert sent.header("absent") is None
    assert sent.cookies() == {"a": "1"}


def test_reset_forgets_requests_and_queued_replies(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    simulators.queue("altostrat", Reply(status=500))
    http_client.get(simulators.statsig_url + "/")
    simulators.reset()
    assert simulators.requests == []
    assert http_client.get(simulators.altostrat_url + "/").status_code == 404


def test_unknown_server_name_is_refused(simulators: VendorSimulators) -> None:
    with pytest.raises(ValueError, match="unknown server"):
        simulators.queue("s3", Reply())


def test_connections_are_kept_alive_across_requests(simulators: VendorSimulators) -> None:
    port = urlsplit(simulators.statsig_url).port
    assert port is not None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        statuses, sockets = [], []
        for _ in range(3):
            connection.request("GET", "/nowhere")
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            sockets.append(connection.sock)
        assert len({id(sock) for sock in sockets}) == 1
        assert statuses == [404, 404, 404]
    finally:
        connection.close()


def test_close_ends_idle_and_streaming_connections_promptly_and_frees_ports(
    http_client: httpx.Client, capfd: pytest.CaptureFixture[str]
) -> None:
    sims = VendorSimulators().start()
    sims.set_report_size(3, 500 * CHUNK_SIZE)
    port = urlsplit(sims.statsig_url).port
    assert port is not None
    http_client.get(sims.statsig_url + "/")  # leaves an idle keep-alive connection in the pool
    with http_client.stream("GET", location(http_client, sims)) as response:
        chunks = response.iter_raw()
        next(chunks)  # and a 32 MiB body the server is still sending
        started = time.perf_counter()
        sims.close()
        assert time.perf_counter() - started < 2
        with pytest.raises(httpx.TransportError):
            for _ in chunks:
                pass
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert capfd.readouterr() == ("", ""), "the simulators never log"


def test_client_vanishing_mid_stream_is_handled_quietly(
    http_client: httpx.Client, simulators: VendorSimulators, capfd: pytest.CaptureFixture[str]
) -> None:
    simulators.set_report_size(3, 200 * CHUNK_SIZE)
    with http_client.stream("GET", location(http_client, simulators)) as response:
        next(response.iter_raw())
    assert (
        http_client.get(simulators.statsig_url + STATSIG_PATH, params={"end": 5}, headers=STATSIG_AUTH).status_code
        == 200
    )
    assert capfd.readouterr() == ("", "")


def test_urls_are_unavailable_before_start() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = VendorSimulators().edge_impulse_url


def test_json_error_bodies_are_valid_json(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    response = http_client.get(simulators.edge_impulse_url + "/nope")
    assert json.loads(response.content) == {"success": False, "error": "Not found"}
