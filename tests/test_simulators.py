"""The vendor simulators behave as the specs (and NOTES) describe, and stay quiet and stoppable.

Served bodies are checked by their properties (a real CSV parser, the PDF's
own cross-reference table, exact sizes), never against the simulator's own
builders.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from usage_reports.testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_EDGE_IMPULSE_JWT,
    SANDBOX_STATSIG_CONSOLE_KEY,
    Answer,
    RecordedRequest,
    Reply,
    SimulatorContext,
    VendorSimulators,
)

# These tests send off-spec requests on purpose, to pin how the simulators refuse them.
pytestmark = pytest.mark.raw_requests

KIB = 1024
DAY_MS = 86_400_000
EI_PATH = "/api/organizations/1/whitelabel/organizations/2/usage/reports/{report}/download"
ALTOSTRAT_PATH = "/workspaces/{workspace}/organizations/usage.pdf"
STATSIG_PATH = "/console/v1/project/usage_billing/report"
EI_AUTH = {"x-api-key": SANDBOX_EDGE_IMPULSE_API_KEY}
STATSIG_AUTH = {"STATSIG-API-KEY": SANDBOX_STATSIG_CONSOLE_KEY}
ALTOSTRAT_AUTH = {"Authorization": f"Bearer {SANDBOX_ALTOSTRAT_TOKEN}"}
EI_CSV_HEADER = ["date", "organization_id", "metric", "value"]
STATSIG_CSV_HEADER = ["Date", "Event Type", "Name", "Sources", "Daily Billable Events", "Project"]
YEAR_10000_MS = 253_402_300_800_000  # 10000-01-01T00:00:00Z: no calendar date to print


def with_cookies(headers: dict[str, str], cookies: dict[str, str]) -> dict[str, str]:
    """Cookies as a plain header: the shared client must not keep per-request cookies."""
    if not cookies:
        return headers
    return {**headers, "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def location(client: httpx.Client, sims: VendorSimulators, report: int = 3) -> str:
    response = client.get(sims.edge_impulse_url + EI_PATH.format(report=report), headers=EI_AUTH)
    assert response.status_code == 302
    return response.headers["location"]


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def assert_whole_report_csv(body: bytes) -> None:
    """The Edge Impulse report CSV: the header, then whole 4-field rows with an integer value."""
    rows = csv_rows(body)
    assert rows[0] == EI_CSV_HEADER
    assert len(rows) >= 2
    for row in rows[1:]:
        assert len(row) == 4, row
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[0]), row
        assert row[1].isdigit(), row
        assert row[3].isdigit(), row
    assert body.endswith(b"\n")


def pdf_objects(pdf: bytes) -> list[bytes]:
    """Every object of a PDF, found through its trailer and cross-reference table (checked on the way)."""
    assert pdf.startswith(b"%PDF-1.")
    match = re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf)
    assert match is not None, "no startxref at the end"
    xref = int(match.group(1))
    table = re.match(rb"xref\n0 (\d+)\n0000000000 65535 f \n((?:\d{10} 00000 n \n)*)trailer\n", pdf[xref:])
    assert table is not None, "startxref does not point at an xref table"
    offsets = [int(entry[:10]) for entry in table.group(2).splitlines()]
    assert len(offsets) == int(table.group(1)) - 1
    objects = []
    for number, offset in enumerate(offsets, 1):
        header = b"%d 0 obj\n" % number
        assert pdf[offset:].startswith(header), f"xref entry {number} points at {pdf[offset : offset + 12]!r}"
        end = pdf.index(b"\nendobj\n", offset)
        objects.append(pdf[offset + len(header) : end])
    return objects


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
    [
        EI_PATH.format(report=0),
        EI_PATH.format(report="x"),
        EI_PATH.format(report="9" * 5000),
        "/api/organizations",
        EI_PATH.format(report=1) + "/more",
    ],
    ids=["zero", "not-a-number", "5000-digits", "prefix", "suffix"],
)
def test_edge_impulse_unknown_path_is_404_json(
    http_client: httpx.Client, simulators: VendorSimulators, path: str
) -> None:
    response = http_client.get(simulators.edge_impulse_url + path, headers=EI_AUTH)
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_storage_serves_the_report_csv_at_its_set_size_without_credentials(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    simulators.set_report_size(3, 10_000)
    response = http_client.get(location(http_client, simulators))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv"
    assert response.headers["content-length"] == "10000"
    assert len(response.content) == 10_000
    assert_whole_report_csv(response.content)
    assert not response.content.isascii(), "reports carry UTF-8"
    assert http_client.get(location(http_client, simulators)).content == response.content, "deterministic"


def test_report_bytes_are_exactly_what_storage_serves(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    simulators.set_report_size(4, 3_000)
    served = http_client.get(location(http_client, simulators, report=4)).content
    assert simulators.report_bytes(4) == served
    assert simulators.report_size(4) == 3_000
    assert simulators.report_size(5) == simulators.edge_impulse_report_size == 4096


def test_report_csv_is_whole_rows_of_exactly_the_set_size_for_any_size(http_client: httpx.Client) -> None:
    with VendorSimulators() as sims:

        @settings(max_examples=40, deadline=None)
        @given(
            # ids the default world never issued (its reports start at 1001 and belong to other tenants)
            report_id=st.integers(min_value=1, max_value=1000) | st.integers(min_value=10**6, max_value=10**9),
            size=st.integers(min_value=0, max_value=3 * 64 * KIB),
        )
        def check(report_id: int, size: int) -> None:
            sims.set_report_size(report_id, size)
            body = http_client.get(location(http_client, sims, report=report_id)).content
            assert len(body) == size
            if size >= 57:  # the header plus the shortest padding row
                assert_whole_report_csv(body)

        check()


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
    head = b""
    tail = b""
    with http_client.stream("GET", location(http_client, simulators, report=5)) as response:
        assert response.headers["content-length"] == str(size)
        for chunk in response.iter_raw():
            received += len(chunk)
            head = head or chunk
            tail = (tail + chunk)[-200:]
    assert received == size
    assert head.startswith(b"date,organization_id,metric,value\n")
    assert tail.endswith(b"\n")
    assert len(csv_rows(tail.split(b"\n", 1)[1])[-1]) == 4, "the last row is whole"


# --- Altostrat ----------------------------------------------------------------------


def test_altostrat_serves_a_valid_multipage_pdf_with_binary_bytes(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    url = simulators.altostrat_url + ALTOSTRAT_PATH.format(workspace="ws_a1b2")
    response = http_client.get(url, headers=ALTOSTRAT_AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert int(response.headers["content-length"]) == len(pdf)
    assert pdf.startswith(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(UnicodeDecodeError, match="utf-8"):
        pdf.decode("utf-8")
    objects = pdf_objects(pdf)
    for body in objects:
        if stream := re.match(rb"<< /Length (\d+) >>\nstream\n", body):
            assert body[stream.end() + int(stream.group(1)) :] == b"\nendstream"
    pages = [body for body in objects if body.startswith(b"<< /Type /Page ")]
    tree = re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", pdf)
    assert tree is not None
    assert int(tree.group(1)) == len(pages) >= 2
    assert b"(Organization usage for ws_a1b2)" in pdf
    assert http_client.get(url, headers=ALTOSTRAT_AUTH).content == pdf, "deterministic"
    other = http_client.get(
        simulators.altostrat_url + ALTOSTRAT_PATH.format(workspace="ws_other"), headers=ALTOSTRAT_AUTH
    )
    assert other.content != pdf


def test_altostrat_report_bytes_are_exactly_what_it_serves(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    url = simulators.altostrat_url + ALTOSTRAT_PATH.format(workspace="ws_z9")
    assert simulators.altostrat.report_bytes("ws_z9") == http_client.get(url, headers=ALTOSTRAT_AUTH).content


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", SANDBOX_ALTOSTRAT_TOKEN, f"Basic {SANDBOX_ALTOSTRAT_TOKEN}"]
)
def test_altostrat_rejects_missing_or_wrong_bearer_with_empty_401(
    http_client: httpx.Client, simulators: VendorSimulators, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = http_client.get(simulators.altostrat_url + ALTOSTRAT_PATH.format(workspace="ws_a1"), headers=headers)
    assert response.status_code == 401
    assert response.content == b""


@pytest.mark.parametrize("workspace", ["WS_A1", "ws_", "ws_a-1", "org_a1", "ws_a1%2F"])
def test_altostrat_rejects_malformed_workspace_id_with_empty_404(
    http_client: httpx.Client, simulators: VendorSimulators, workspace: str
) -> None:
    url = simulators.altostrat_url + ALTOSTRAT_PATH.format(workspace=workspace)
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
    assert b'"server,client"' in response.content
    header, *rows = csv_rows(response.content)
    assert header == STATSIG_CSV_HEADER
    assert all(len(row) == 6 for row in rows)
    assert sorted({row[0] for row in rows}) == ["2024-10-04", "2024-10-05"]
    assert len(rows) == 2 * len({row[1] for row in rows})
    assert {row[3] for row in rows} >= {"server,client", "client"}
    assert all(row[4].isdigit() for row in rows)


def test_statsig_csv_is_capped_at_400_rows(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    params = {"start": 0, "end": 10_000 * DAY_MS}
    response = http_client.get(simulators.statsig_url + STATSIG_PATH, params=params, headers=STATSIG_AUTH)
    assert response.status_code == 200
    assert len(csv_rows(response.content)) == 1 + 400


def test_statsig_report_bytes_are_exactly_what_it_serves(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    params = {"start": 3 * DAY_MS, "end": 9 * DAY_MS}
    served = http_client.get(simulators.statsig_url + STATSIG_PATH, params=params, headers=STATSIG_AUTH).content
    assert simulators.statsig.report_bytes(3 * DAY_MS, 9 * DAY_MS) == served


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
    [
        {},
        {"end": "abc"},
        {"end": "0"},
        {"end": "-5"},
        {"start": "10", "end": "10"},
        {"start": "x", "end": "5"},
        {"end": str(YEAR_10000_MS + 1)},
        {"start": str(YEAR_10000_MS), "end": str(YEAR_10000_MS + DAY_MS)},
        {"end": "9" * 5000},
    ],
    ids=[
        "missing-end",
        "end-not-int",
        "end-zero",
        "end-negative",
        "start-not-before-end",
        "start-not-int",
        "end-past-year-9999",
        "start-past-year-9999",
        "end-5000-digits",
    ],
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


def test_statsig_accepts_a_range_ending_at_the_last_day_of_year_9999(
    http_client: httpx.Client, simulators: VendorSimulators
) -> None:
    params = {"start": YEAR_10000_MS - DAY_MS, "end": YEAR_10000_MS}
    response = http_client.get(simulators.statsig_url + STATSIG_PATH, params=params, headers=STATSIG_AUTH)
    assert response.status_code == 200
    assert {row[0] for row in csv_rows(response.content)[1:]} == {"9999-12-31"}


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
        assert csv_response.headers["content-type"] == "text/csv"
        header, *rows = csv_rows(csv_response.content)
        assert header == STATSIG_CSV_HEADER
        assert sorted({row[0] for row in rows}) == ["1970-01-01", "1970-01-02"]
        assert http_client.get(url, headers=STATSIG_AUTH).status_code == 400
        sims.statsig_json_variant = False
        direct = http_client.get(sims.statsig_url + STATSIG_PATH, params=params, headers=STATSIG_AUTH)
        assert direct.content == csv_response.content


# --- Methods, errors in handlers ---------------------------------------------------------------


OPERATIONS = [
    ("edge_impulse", EI_PATH.format(report=3), EI_AUTH, "GET, HEAD"),
    ("altostrat", ALTOSTRAT_PATH.format(workspace="ws_a1"), ALTOSTRAT_AUTH, "GET, HEAD"),
    ("statsig", STATSIG_PATH + "?end=5", STATSIG_AUTH, "GET, HEAD"),
]


@pytest.mark.parametrize(("server", "path", "headers", "allow"), OPERATIONS, ids=[op[0] for op in OPERATIONS])
@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"])
def test_a_method_the_operation_lacks_is_405_with_allow(
    http_client: httpx.Client,
    simulators: VendorSimulators,
    server: str,
    path: str,
    headers: dict[str, str],
    allow: str,
    method: str,
) -> None:
    response = http_client.request(method, simulators.base_url(server) + path, headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert b"<html" not in response.content.lower()


def test_head_is_answered_like_get_without_a_body(simulators: VendorSimulators) -> None:
    port = urlsplit(simulators.statsig_url).port
    assert port is not None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("HEAD", STATSIG_PATH + f"?end={2 * DAY_MS}", headers=STATSIG_AUTH)
        response = connection.getresponse()
        assert response.status == 200
        assert int(response.headers["content-length"]) > 0
        assert response.read() == b""
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["QUERY", "BREW"])
def test_a_method_unknown_to_http_is_405_too_never_501(simulators: VendorSimulators, method: str) -> None:
    port = urlsplit(simulators.statsig_url).port
    assert port is not None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, STATSIG_PATH, headers=STATSIG_AUTH)
        response = connection.getresponse()
        assert response.status == 405
        assert response.headers["allow"] == "GET, HEAD"
        assert response.read() == b""
    finally:
        connection.close()


def test_a_request_the_standard_library_refuses_is_answered_in_plain_text(simulators: VendorSimulators) -> None:
    port = urlsplit(simulators.statsig_url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        # One byte over the limit of a header line, and nothing after it: the server reads all that was sent
        # (a close with unread bytes would reset the connection and could lose the answer).
        raw.sendall(b"GET / HTTP/1.1\r\n" + b"x" * 65_537)
        answer = raw.recv(4096)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"Content-Type: text/plain" in answer
    assert b"<html" not in answer.lower()


class Faulty:
    """A vendor whose handler fails: before answering, in a streamed body's first chunk, or mid-stream."""

    name = "faulty"
    spec = "none"
    base_path = ""
    credential_headers = frozenset({"x-faulty-key"})
    credential_cookies = frozenset({"faulty"})

    def handle(self, request: RecordedRequest, context: SimulatorContext) -> Answer:
        if request.path == "/raise":
            raise RuntimeError("a bug in a handler")
        if request.path == "/first-chunk":
            return Answer.stream(200, "text/plain", self._failing(after=0), 10)
        if request.path == "/mid-stream":
            return Answer.stream(200, "text/plain", self._failing(after=1), 10 * 64 * KIB)
        if request.path == "/link":
            context.store("/faulty/object.txt", b"stored body", "text/plain")
            return Answer.json(200, {"url": context.signed_url("/faulty/object.txt")})
        return Answer.content(200, "text/plain", b"fine")

    def storage(self, request: RecordedRequest, context: SimulatorContext) -> Answer | None:
        if request.path == "/faulty/generated.txt":
            return Answer.content(200, "text/plain", b"generated")
        return None

    @staticmethod
    def _failing(after: int) -> Iterator[bytes]:
        for _ in range(after):
            yield b"x" * 64 * KIB
        raise ValueError("a bug in a body builder")


@pytest.fixture
def faulty() -> Iterator[VendorSimulators]:
    with VendorSimulators(vendors=[Faulty()]) as sims:
        yield sims


@pytest.mark.parametrize("path", ["/raise", "/first-chunk"])
def test_an_exception_in_a_handler_is_a_500_on_a_connection_that_stays_usable(
    faulty: VendorSimulators, path: str, capfd: pytest.CaptureFixture[str]
) -> None:
    with httpx.Client(base_url=faulty.url("faulty")) as client:
        response = client.get(path)
        assert response.status_code == 500
        assert response.text == "internal simulator error"
        assert client.get("/fine").text == "fine"
    assert capfd.readouterr() == ("", ""), "the simulators never log"


def test_an_exception_mid_stream_closes_the_connection_before_the_announced_length(
    faulty: VendorSimulators,
) -> None:
    with (
        httpx.Client(base_url=faulty.url("faulty")) as client,
        pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"),
    ):
        client.get("/mid-stream")


def test_a_vendor_of_ones_own_stores_objects_behind_signed_urls(
    http_client: httpx.Client, faulty: VendorSimulators
) -> None:
    assert faulty.servers == ("faulty", "storage")
    url = http_client.get(faulty.url("faulty") + "/link").json()["url"]
    assert url.startswith(faulty.url("storage") + "/faulty/object.txt?X-Amz-Signature=")
    stored = http_client.get(url)
    assert (stored.status_code, stored.text, stored.headers["content-type"]) == (200, "stored body", "text/plain")
    generated = http_client.get(faulty.signed_url("/faulty/generated.txt"))
    assert (generated.status_code, generated.text) == (200, "generated")
    assert http_client.get(faulty.signed_url("/faulty/absent.txt")).status_code == 404
    assert http_client.get(url, headers={"X-Faulty-Key": "k"}).status_code == 400
    assert http_client.get(url, headers={"Cookie": "faulty=1"}).status_code == 400
    assert http_client.get(url, headers={"x-api-key": "k"}).status_code == 200, "only declared credentials count"


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
    with pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"):
        http_client.get(simulators.altostrat_url + "/anything")


def test_reply_drop_connection_sends_nothing(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    simulators.queue("edge_impulse", Reply(drop_connection=True))
    with pytest.raises(httpx.RemoteProtocolError, match="disconnected"):
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
    http_client.post(
        simulators.statsig_url + STATSIG_PATH + "?end=5&start=1",
        headers={"STATSIG-API-KEY": "k", "X-Custom-Case": "v", "Cookie": "a=1"},
        content=b"a body",
    )
    (sent,) = simulators.requests
    assert sent.server == "statsig"
    assert sent.method == "POST"
    assert sent.target == STATSIG_PATH + "?end=5&start=1"
    assert sent.path == STATSIG_PATH
    assert sent.query == "end=5&start=1"
    assert sent.params() == {"end": ["5"], "start": ["1"]}
    assert sent.host == urlsplit(simulators.statsig_url).netloc
    assert sent.body == b"a body"
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


def test_unknown_server_or_vendor_names_are_refused(simulators: VendorSimulators) -> None:
    with pytest.raises(ValueError, match="unknown server 's3'; expected one of edge_impulse, altostrat"):
        simulators.queue("s3", Reply())
    with pytest.raises(ValueError, match="unknown server"):
        simulators.url("s3")
    with pytest.raises(ValueError, match="unknown vendor 'storage'"):
        simulators.vendor("storage")
    with pytest.raises(TypeError, match="vendor 'statsig' is a StatsigSimulator, not a AltostratSimulator"):
        simulators.vendor("statsig", type(simulators.altostrat))


def test_vendor_names_must_be_unique_and_not_storage() -> None:
    with pytest.raises(ValueError, match="vendor names must be unique"):
        VendorSimulators(vendors=[Faulty(), Faulty()])
    storage = Faulty()
    storage.name = "storage"
    with pytest.raises(ValueError, match="and not 'storage'"):
        VendorSimulators(vendors=[storage])


def test_url_is_the_origin_and_base_url_adds_the_vendors_base_path(simulators: VendorSimulators) -> None:
    origin = simulators.url("edge_impulse")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", origin)
    assert simulators.base_url("edge_impulse") == simulators.edge_impulse_url == origin + "/v1"
    assert simulators.base_url("statsig") == simulators.statsig_url == simulators.url("statsig")
    assert re.fullmatch(r"http://localhost:\d+", simulators.storage_url)
    assert simulators.servers == ("edge_impulse", "altostrat", "statsig", "storage")


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
    sims.set_report_size(3, 500 * 64 * KIB)
    port = urlsplit(sims.statsig_url).port
    assert port is not None
    http_client.get(sims.statsig_url + "/")  # leaves an idle keep-alive connection in the pool
    with http_client.stream("GET", location(http_client, sims)) as response:
        chunks = response.iter_raw()
        next(chunks)  # and a 32 MiB body the server is still sending
        started = time.perf_counter()
        sims.close()
        assert time.perf_counter() - started < 2
        with pytest.raises(httpx.TransportError, match=r"(?i)incomplete|reset|closed"):  # depends on timing
            for _ in chunks:
                pass
    with (
        pytest.raises(ConnectionRefusedError, match="refused"),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass
    assert capfd.readouterr() == ("", ""), "the simulators never log"


def test_client_vanishing_mid_stream_is_handled_quietly(
    http_client: httpx.Client, simulators: VendorSimulators, capfd: pytest.CaptureFixture[str]
) -> None:
    simulators.set_report_size(3, 200 * 64 * KIB)
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


def test_negative_sizes_and_latency_are_refused() -> None:
    with pytest.raises(ValueError, match="latency must not be negative"):
        VendorSimulators(latency=-1)
    with pytest.raises(ValueError, match="edge_impulse_report_size must not be negative"):
        VendorSimulators(edge_impulse_report_size=-1)
    with pytest.raises(ValueError, match="size must not be negative"):
        VendorSimulators().set_report_size(1, -1)


def test_json_error_bodies_are_valid_json(http_client: httpx.Client, simulators: VendorSimulators) -> None:
    response = http_client.get(simulators.edge_impulse_url + "/nope")
    assert json.loads(response.content) == {"success": False, "error": "Not found"}
