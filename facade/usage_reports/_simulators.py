"""Loopback HTTP servers that behave like the three vendors, per the vendored specs.

They serve the test suite, the ``usage-reports demo`` command and the
benchmarks, so they are standard library only, bind 127.0.0.1 on free ports,
speak HTTP/1.1 with keep-alive and Content-Length, stream large bodies in
64 KiB chunks, never log, and stop cleanly (idle keep-alive connections
included).

Four servers run side by side::

    edge_impulse  /v1/api/organizations/{o}/whitelabel/organizations/{i}/usage/reports/{r}/download
                  -> 302 to a signed storage URL (absolute, another host and port)
    storage       /reports/{o}-{i}-{r}.csv?X-Amz-Signature=..  and  /statsig/...csv?X-Amz-Signature=..
                  -> 200 text/csv; 403 on a bad signature; 400 when any vendor credential arrives
    altostrat     /workspaces/{workspaceId}/organizations/usage.pdf -> 200 application/pdf
    statsig       /console/v1/project/usage_billing/report?start&end -> 200 text/csv (or the JSON variant)

Tests script one-off answers with :meth:`VendorSimulators.queue` and inspect
what arrived in :attr:`VendorSimulators.requests`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import re
import secrets
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Final, Self
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "SANDBOX_ALTOSTRAT_TOKEN",
    "SANDBOX_EDGE_IMPULSE_API_KEY",
    "SANDBOX_EDGE_IMPULSE_JWT",
    "SANDBOX_STATSIG_CONSOLE_KEY",
    "SERVERS",
    "RecordedRequest",
    "Reply",
    "VendorSimulators",
]

SANDBOX_EDGE_IMPULSE_API_KEY = "ei-sandbox-key"
SANDBOX_EDGE_IMPULSE_JWT = "ei-sandbox-jwt"
SANDBOX_ALTOSTRAT_TOKEN = "alto-sandbox-token"  # noqa: S105 - a sandbox value only the simulators accept
SANDBOX_STATSIG_CONSOLE_KEY = "console-sandbox-key"

EDGE_IMPULSE: Final = "edge_impulse"
STORAGE: Final = "storage"
ALTOSTRAT: Final = "altostrat"
STATSIG: Final = "statsig"
SERVERS: Final = (EDGE_IMPULSE, STORAGE, ALTOSTRAT, STATSIG)

CHUNK_SIZE: Final = 64 * 1024
SIGNED_URL_EXPIRES: Final = 300
STATSIG_MAX_ROWS: Final = 400
IDLE_CONNECTION_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 5.0
ACCEPT_POLL_INTERVAL: Final = 0.02
_DAY_MS: Final = 86_400_000

# Headers and cookies that carry a vendor credential: none may reach storage.
_CREDENTIAL_HEADERS: Final = frozenset({"x-api-key", "x-jwt-token", "authorization", "statsig-api-key"})
_CREDENTIAL_COOKIES: Final = frozenset({"jwt"})

_EI_DOWNLOAD = re.compile(
    r"/v1/api/organizations/([1-9][0-9]*)/whitelabel/organizations/([1-9][0-9]*)/usage/reports/([1-9][0-9]*)/download"
)
_STORAGE_REPORT = re.compile(r"/reports/([1-9][0-9]*)-([1-9][0-9]*)-([1-9][0-9]*)\.csv")
_STORAGE_STATSIG = re.compile(r"/statsig/usage_billing_([0-9]+)_([0-9]+)\.csv")
_ALTOSTRAT_PDF = re.compile(r"/workspaces/([^/]*)/organizations/usage\.pdf")
_WORKSPACE_ID = re.compile(r"ws_[a-z0-9]+")
_STATSIG_REPORT = "/console/v1/project/usage_billing/report"
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as a simulator received it, before any answer."""

    server: str
    method: str
    target: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    host: str

    def header(self, name: str) -> str | None:
        """The first value of a header, matched case-insensitively; None when absent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def cookies(self) -> dict[str, str]:
        """The cookies of every Cookie header (first occurrence of a name wins)."""
        jar: dict[str, str] = {}
        for key, value in self.headers:
            if key.lower() != "cookie":
                continue
            for pair in value.split(";"):
                name, sep, val = pair.strip().partition("=")
                if sep and name:
                    jar.setdefault(name, val)
        return jar


@dataclass(frozen=True)
class Reply:
    """A scripted answer that replaces a server's default behaviour for one request."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    declared_length: int | None = None
    """Announce this Content-Length; when it differs from len(body), the body is sent and the connection closed."""
    delay: float = 0.0
    drop_connection: bool = False
    """Close the socket without sending any response."""


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    chunks: Iterable[bytes]
    length: int


def _answer(status: int, content_type: str | None, body: bytes, *extra: tuple[str, str]) -> _Answer:
    headers = ((("Content-Type", content_type),) if content_type else ()) + extra
    return _Answer(status, headers, (body,), len(body))


def _json_answer(status: int, payload: object) -> _Answer:
    return _answer(status, "application/json", json.dumps(payload).encode("utf-8"))


# --- Edge Impulse report CSV ------------------------------------------------

_EI_HEADER: Final = b"date,organization_id,metric,value\n"
_EI_METRICS: Final = (
    "compute_time_seconds",
    "storage_bytes",
    "dsp_jobs",
    "Gerätestunden",  # non-ASCII on purpose: reports carry UTF-8
    "données_traitées",
    "推論回数",
)
_EI_PAD_MIN: Final = len(b"2026-01-01,0,padding,0\n")


def _ei_block(report_id: int) -> tuple[bytes, list[int]]:
    """A ~64 KiB run of whole CSV rows for this report, and each row's length."""
    rows: list[bytes] = []
    total = 0
    index = 0
    while total < CHUNK_SIZE - 128:
        day = 1 + index // len(_EI_METRICS) % 28
        metric = _EI_METRICS[index % len(_EI_METRICS)]
        org = 1000 + (report_id * 7 + index) % 97
        value = (report_id * 2_654_435_761 + index * 40_503) % 1_000_003
        row = f"2026-01-{day:02d},{org},{metric},{value}\n".encode()
        rows.append(row)
        total += len(row)
        index += 1
    return b"".join(rows), [len(row) for row in rows]


def _ei_pad_row(length: int) -> bytes:
    return b"2026-01-01,0,padding," + b"0" * (length - _EI_PAD_MIN + 1) + b"\n"


def iter_edge_impulse_report(report_id: int, size: int) -> Iterator[bytes]:
    """The CSV of a report, exactly ``size`` bytes, in chunks of at most 64 KiB, with flat memory."""
    if size < len(_EI_HEADER) + _EI_PAD_MIN:
        yield (_EI_HEADER + _ei_pad_row(max(size, _EI_PAD_MIN)))[:size]
        return
    block, row_lengths = _ei_block(report_id)
    remaining = size - len(_EI_HEADER)
    full, rest = divmod(remaining, len(block))
    if full and 0 < rest < _EI_PAD_MIN:
        full, rest = full - 1, rest + len(block)
    yield _EI_HEADER
    for _ in range(full):
        yield block
    # The tail: whole rows while a padding row (or nothing) can still fill the rest.
    taken = 0
    for length in row_lengths:
        left = rest - taken - length
        if left != 0 and left < _EI_PAD_MIN:
            break
        taken += length
        if left == 0:
            break
    tail = block[:taken]
    if rest > taken:
        tail += _ei_pad_row(rest - taken)
    for start in range(0, len(tail), CHUNK_SIZE):
        yield tail[start : start + CHUNK_SIZE]


# --- Statsig usage CSV ----------------------------------------------------------

_STATSIG_HEADER: Final = ("Date", "Event Type", "Name", "Sources", "Daily Billable Events", "Project")
_STATSIG_EVENTS: Final = (
    ("log_event", "checkout_completed", "server,client"),
    ("gate_exposure", "new_café_menu", "client"),
    ("experiment_exposure", "prix_réduits_été", "server,client,edge"),
)


def statsig_csv(start: int, end: int) -> bytes:
    """Rows for each UTC day in [start, end) (unix ms), capped at 400 rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_STATSIG_HEADER)
    rows = 0
    day = start // _DAY_MS * _DAY_MS
    while day < end and rows < STATSIG_MAX_ROWS:
        date = datetime.fromtimestamp(day / 1000, tz=UTC).date().isoformat()
        for number, (event_type, name, sources) in enumerate(_STATSIG_EVENTS):
            if rows >= STATSIG_MAX_ROWS:
                break
            count = (day // _DAY_MS * 7_919 + number * 104_729) % 5_000_000
            writer.writerow((date, event_type, name, sources, count, "Démo Project"))
            rows += 1
        day += _DAY_MS
    return out.getvalue().encode("utf-8")


# --- Altostrat usage PDF -------------------------------------------------------

_PDF_ORGANIZATIONS: Final = (
    "Acme Networks",
    "Zürich Fibre AG",
    "Société Générale Lab",
    "Nordic Ærø Links",
    "São Paulo Operations",
    "Kraków Edge",
    "Málaga Branch Office",
    "Øresund Transit",
    "Québec Retail",
    "Brønnøysund Depot",
)
_PDF_ROWS_PER_PAGE: Final = 5


def _pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (so non-ASCII names are single non-UTF-8 bytes)."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_line(font: str, size: int, x: int, y: int, text: str) -> bytes:
    return b"BT /%s %d Tf 1 0 0 1 %d %d Tm %s Tj ET\n" % (font.encode(), size, x, y, _pdf_text(text))


def altostrat_pdf(workspace_id: str) -> bytes:
    """A valid multi-page PDF (correct xref) reporting usage for every organisation of a workspace."""
    seed = hashlib.sha256(workspace_id.encode("utf-8")).digest()
    table = [
        (
            f"org_{seed[i]:02x}{i:02d}{seed[i + 10]:02x}",
            name,
            1 + seed[i] % 40,
            3 + seed[i + 5] % 250,
            50 + seed[i] % 4 * 50,
        )
        for i, name in enumerate(_PDF_ORGANIZATIONS)
    ]
    pages: list[bytes] = []
    summary = _pdf_line("F2", 18, 72, 760, f"Organization usage for {workspace_id}")
    summary += _pdf_line("F1", 11, 72, 736, "Altostrat SDX (simulated): resource usage and limits per organization")
    summary += _pdf_line("F1", 11, 72, 712, f"Organizations: {len(table)}")
    summary += _pdf_line("F1", 11, 72, 696, f"Sites in use: {sum(row[2] for row in table)}")
    summary += _pdf_line("F1", 11, 72, 680, f"Devices in use: {sum(row[3] for row in table)}")
    pages.append(summary)
    for first in range(0, len(table), _PDF_ROWS_PER_PAGE):
        page = _pdf_line("F2", 14, 72, 760, f"Organizations of {workspace_id}")
        y = 730
        for x, title in ((72, "Organization"), (250, "Name"), (420, "Sites"), (470, "Devices"), (530, "Limit")):
            page += _pdf_line("F2", 10, x, y, title)
        for org_id, name, sites, devices, limit in table[first : first + _PDF_ROWS_PER_PAGE]:
            y -= 18
            for x, cell in ((72, org_id), (250, name), (420, str(sites)), (470, str(devices)), (530, str(limit))):
                page += _pdf_line("F1", 10, x, y, cell)
        pages.append(page)
    numbered = [
        page + _pdf_line("F1", 9, 72, 40, f"Page {number} of {len(pages)}") for number, page in enumerate(pages, 1)
    ]

    # Objects: 1 catalog, 2 page tree, 3-4 fonts, 5 info, then a page and its content stream per page.
    first_page = 6
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(numbered)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(numbered)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title %s /Producer (usage-reports simulator) /CreationDate (D:20260101000000Z) >>"
        % _pdf_text(f"Organization usage for {workspace_id}"),
    ]
    for i, content in enumerate(numbered):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (first_page + 2 * i + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- HTTP plumbing -------------------------------------------------------------


class _Server(HTTPServer):
    """One vendor: tracks its connections so that close() ends idle keep-alive ones."""

    request_queue_size = 256  # the default 5 drops SYNs under a burst of connections (1 s retransmits)

    def __init__(self, name: str, owner: VendorSimulators) -> None:
        self.name = name
        self.owner = owner
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves a host name (socket.getfqdn), which can be slow offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    @property
    def port(self) -> int:
        return self.server_port

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        assert isinstance(request, socket.socket)
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), name=f"sim-{self.name}", daemon=True
        )
        with self._lock:
            self._connections.add(request)
            self._threads.add(thread)
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: object) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: S110 - a vanished client is not worth a word
            pass
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._connections.discard(request)
                self._threads.discard(threading.current_thread())

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        """Never log (the default prints a traceback to stderr)."""

    def stop(self) -> None:
        self.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()
        deadline = time.monotonic() + STOP_TIMEOUT
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads or time.monotonic() >= deadline:
                return
            threads[0].join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vendor-simulator"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Never log: no access log, no error lines."""

    def do_GET(self) -> None:
        self._respond()

    def do_HEAD(self) -> None:
        self._respond()

    def do_POST(self) -> None:
        self._respond()

    def do_PUT(self) -> None:
        self._respond()

    def do_PATCH(self) -> None:
        self._respond()

    def do_DELETE(self) -> None:
        self._respond()

    def _respond(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            self.rfile.read(int(length))  # drain a request body so keep-alive stays in step
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # a chunked body is not read: do not parse it as the next request
        split = urlsplit(self.path)
        recorded = RecordedRequest(
            server=self.server.name,
            method=self.command,
            target=self.path,
            path=split.path,
            query=split.query,
            headers=tuple((key, value) for key, value in self.headers.items()),
            host=self.headers.get("Host", ""),
        )
        owner = self.server.owner
        owner._record(recorded)
        reply = owner._pop_reply(self.server.name)
        try:
            if reply is not None:
                self._send_reply(reply)
            else:
                owner._sleep(owner.latency)
                self._send(owner._default_answer(recorded))
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _send_reply(self, reply: Reply) -> None:
        owner = self.server.owner
        owner._sleep(reply.delay + owner.latency)
        if reply.drop_connection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        declared = len(reply.body) if reply.declared_length is None else reply.declared_length
        self._send(_Answer(reply.status, reply.headers, (reply.body,), declared))
        if declared != len(reply.body):
            self.close_connection = True

    def _send(self, answer: _Answer) -> None:
        self.send_response(answer.status)
        names = {name.lower() for name, _ in answer.headers}
        for name, value in answer.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(answer.length))
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in answer.chunks:
            self.wfile.write(chunk)


# --- The simulators ------------------------------------------------------------


class VendorSimulators:
    """Four loopback servers (Edge Impulse, its storage, Altostrat, Statsig); a context manager."""

    def __init__(
        self, *, latency: float = 0.0, edge_impulse_report_size: int = 4096, statsig_json_variant: bool = False
    ) -> None:
        if latency < 0 or edge_impulse_report_size < 0:
            raise ValueError("latency and edge_impulse_report_size must not be negative")
        self.latency = latency
        self.edge_impulse_report_size = edge_impulse_report_size
        self.statsig_json_variant = statsig_json_variant
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Reply]] = {name: deque() for name in SERVERS}
        self._report_sizes: dict[int, int] = {}
        self._secret = secrets.token_bytes(32)
        self._stopping = threading.Event()
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []

    # lifecycle

    def start(self) -> Self:
        if self._servers:
            raise RuntimeError("the simulators are already running")
        self._stopping.clear()
        try:
            for name in SERVERS:
                server = _Server(name, self)
                self._servers[name] = server
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": ACCEPT_POLL_INTERVAL},
                    name=f"sim-{name}-accept",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        self._stopping.set()
        servers, self._servers = self._servers, {}
        # Stop the servers side by side: each waits up to a poll interval for its accept loop.
        stoppers = [threading.Thread(target=server.stop, name=f"sim-{name}-stop") for name, server in servers.items()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for thread in self._threads:
            thread.join(STOP_TIMEOUT)
        self._threads = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # addresses

    def _port(self, name: str) -> int:
        server = self._servers.get(name)
        if server is None:
            raise RuntimeError("the simulators are not running: use them as a context manager or call start()")
        return server.port

    @property
    def edge_impulse_url(self) -> str:
        """Base URL as the spec's server has it (with /v1): pass to EdgeImpulse(base_url=...)."""
        return f"http://127.0.0.1:{self._port(EDGE_IMPULSE)}/v1"

    @property
    def storage_url(self) -> str:
        """Another host name and another port than the vendors: a cross-origin redirect target."""
        return f"http://localhost:{self._port(STORAGE)}"

    @property
    def altostrat_url(self) -> str:
        return f"http://127.0.0.1:{self._port(ALTOSTRAT)}"

    @property
    def statsig_url(self) -> str:
        return f"http://127.0.0.1:{self._port(STATSIG)}"

    # scripting and inspection

    def requests_to(self, server: str) -> list[RecordedRequest]:
        self._check_server(server)
        with self._lock:
            return [request for request in self.requests if request.server == server]

    def queue(self, server: str, *replies: Reply) -> None:
        """Script the next answers of one server, first in first out."""
        self._check_server(server)
        with self._lock:
            self._queues[server].extend(replies)

    def set_report_size(self, report_id: int, size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        with self._lock:
            self._report_sizes[report_id] = size

    def report_size(self, report_id: int) -> int:
        with self._lock:
            return self._report_sizes.get(report_id, self.edge_impulse_report_size)

    def report_bytes(self, report_id: int) -> bytes:
        """The exact bytes storage serves for a report (meant for small sizes in tests)."""
        return b"".join(iter_edge_impulse_report(report_id, self.report_size(report_id)))

    def reset(self) -> None:
        """Forget recorded requests and queued replies (report sizes stay)."""
        with self._lock:
            del self.requests[:]
            for pending in self._queues.values():
                pending.clear()

    def _check_server(self, server: str) -> None:
        if server not in SERVERS:
            raise ValueError(f"unknown server {server!r}; expected one of {', '.join(SERVERS)}")

    # used by the handlers

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _pop_reply(self, server: str) -> Reply | None:
        with self._lock:
            pending = self._queues[server]
            return pending.popleft() if pending else None

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _sign(self, path: str) -> str:
        return hmac.new(self._secret, path.encode("utf-8"), hashlib.sha256).hexdigest()

    def _signed_url(self, path: str) -> str:
        return f"{self.storage_url}{path}?X-Amz-Signature={self._sign(path)}&X-Amz-Expires={SIGNED_URL_EXPIRES}"

    def _default_answer(self, request: RecordedRequest) -> _Answer:
        if request.method not in ("GET", "HEAD"):
            return _answer(405, None, b"", ("Allow", "GET, HEAD"))
        if request.server == EDGE_IMPULSE:
            return self._edge_impulse(request)
        if request.server == STORAGE:
            return self._storage(request)
        if request.server == ALTOSTRAT:
            return self._altostrat(request)
        return self._statsig(request)

    def _edge_impulse(self, request: RecordedRequest) -> _Answer:
        match = _EI_DOWNLOAD.fullmatch(request.path)
        if match is None:
            return _json_answer(404, {"success": False, "error": "Not found"})
        authenticated = (
            request.header("x-api-key") == SANDBOX_EDGE_IMPULSE_API_KEY
            or request.header("x-jwt-token") == SANDBOX_EDGE_IMPULSE_JWT
            or request.cookies().get("jwt") == SANDBOX_EDGE_IMPULSE_JWT
        )
        if not authenticated:
            return _json_answer(401, {"success": False, "error": "Invalid or missing API key or JWT token"})
        organization, inner, report = match.groups()
        location = self._signed_url(f"/reports/{organization}-{inner}-{report}.csv")
        return _answer(302, None, b"", ("Location", location))

    def _storage(self, request: RecordedRequest) -> _Answer:
        leaked = any(name.lower() in _CREDENTIAL_HEADERS for name, _ in request.headers) or any(
            name in _CREDENTIAL_COOKIES for name in request.cookies()
        )
        if leaked:
            return _answer(400, "text/plain", b"credential leaked to storage")
        signature = parse_qs(request.query).get("X-Amz-Signature", [""])[0]
        if not hmac.compare_digest(signature.encode(), self._sign(request.path).encode()):
            return _answer(403, "application/xml", b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        if report := _STORAGE_REPORT.fullmatch(request.path):
            report_id = int(report.group(3))
            size = self.report_size(report_id)
            return _Answer(200, (("Content-Type", "text/csv"),), iter_edge_impulse_report(report_id, size), size)
        if statsig := _STORAGE_STATSIG.fullmatch(request.path):
            return _answer(200, "text/csv", statsig_csv(int(statsig.group(1)), int(statsig.group(2))))
        return _answer(404, "application/xml", b"<Error><Code>NoSuchKey</Code></Error>")

    def _altostrat(self, request: RecordedRequest) -> _Answer:
        match = _ALTOSTRAT_PDF.fullmatch(request.path)
        if match is None:
            return _answer(404, None, b"")
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token != SANDBOX_ALTOSTRAT_TOKEN:
            return _answer(401, None, b"")
        workspace_id = match.group(1)
        if not _WORKSPACE_ID.fullmatch(workspace_id):
            return _answer(404, None, b"")
        return _answer(200, "application/pdf", altostrat_pdf(workspace_id))

    def _statsig(self, request: RecordedRequest) -> _Answer:
        if request.path != _STATSIG_REPORT:
            return _json_answer(404, {"status": 404, "message": "Not Found"})
        key = request.header("STATSIG-API-KEY") or ""
        if key != SANDBOX_STATSIG_CONSOLE_KEY:
            message = f"This endpoint only accepts an active CONSOLE key, but an invalid key was sent. Key: {key}"
            return _json_answer(401, {"status": 401, "message": message})
        params = parse_qs(request.query, keep_blank_values=True)
        end_text = params.get("end", [""])[0]
        start_text = params.get("start", [None])[0]
        invalid = _json_answer(
            400, {"status": 400, "message": "Invalid request. Please check the request input and try again."}
        )
        if not _INTEGER.fullmatch(end_text) or int(end_text) <= 0:
            return invalid
        end = int(end_text)
        if start_text is None:
            start = max(0, end - 7 * _DAY_MS)
        elif not _INTEGER.fullmatch(start_text) or int(start_text) < 0:
            return invalid
        else:
            start = int(start_text)
        if start >= end:
            return invalid
        if self.statsig_json_variant:
            url = self._signed_url(f"/statsig/usage_billing_{start}_{end}.csv")
            return _json_answer(200, {"message": "Report URL generated successfully", "data": [{"url": url}]})
        return _answer(200, "text/csv", statsig_csv(start, end))
