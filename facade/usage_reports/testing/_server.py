"""Generic loopback HTTP plumbing for simulated vendors: it knows no vendor.

One threaded HTTP/1.1 server per simulated vendor plus one storage server,
all on 127.0.0.1 with free ports. The servers keep connections alive, send
Content-Length, stream bodies in chunks of at most 64 KiB, never log, answer
an exception in a handler with a 500 (never a dropped connection), and stop
promptly, idle keep-alive connections included.

What a vendor does is the business of a :class:`SimulatedVendor` object: it
receives every request as a :class:`RecordedRequest` and returns an
:class:`Answer`. Through the :class:`SimulatorContext` it may hand out signed
storage URLs (``context.signed_url(path)``) and register content for storage
paths (``context.store(path, body, content_type)``); storage serves those, or
asks each vendor's ``storage`` handler for paths generated on the fly.

Storage refuses any request carrying a credential a vendor declares
(``credential_headers``, ``credential_cookies``) with 400, and a missing,
wrong or transplanted signature with 403.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Final, Protocol, Self, TypeVar, overload
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "CHUNK_SIZE",
    "STORAGE",
    "Answer",
    "RecordedRequest",
    "Reply",
    "SimulatedVendor",
    "SimulatorContext",
    "SimulatorGroup",
    "method_not_allowed",
]

#: The name of the storage server (signed URLs point there); no vendor may take it.
STORAGE: Final = "storage"
#: The largest chunk a streamed body is written in.
CHUNK_SIZE: Final = 64 * 1024
SIGNED_URL_EXPIRES: Final = 300
IDLE_CONNECTION_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 5.0
ACCEPT_POLL_INTERVAL: Final = 0.02
_SIGNATURE: Final = "X-Amz-Signature"
_STORAGE_ALLOW: Final = "GET, HEAD"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as a simulated server received it, before any answer."""

    server: str
    """The name of the server that received it (a vendor's ``name``, or ``"storage"``)."""
    method: str
    target: str
    """The request target as sent: path and query."""
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    host: str
    body: bytes = b""
    """The request body (empty unless Content-Length announced one)."""

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

    def params(self) -> dict[str, list[str]]:
        """The query parameters, blank values kept, in the order they came."""
        return parse_qs(self.query, keep_blank_values=True)


@dataclass(frozen=True)
class Reply:
    """A scripted answer that replaces a server's own behaviour for one request (see ``queue``)."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    declared_length: int | None = None
    """Announce this Content-Length; when it differs from len(body), the body is sent and the connection closed."""
    delay: float = 0.0
    """Seconds to wait before answering (on top of the simulators' latency)."""
    drop_connection: bool = False
    """Close the socket without sending any response."""


@dataclass(frozen=True)
class Answer:
    """What a simulated vendor answers: status, headers and a body, possibly streamed.

    ``length`` is sent as Content-Length unless the headers carry one; the
    chunks are written as they are produced, so a large body never sits in
    memory whole.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    chunks: Iterable[bytes] = ()
    length: int = 0

    @classmethod
    def empty(cls, status: int, *headers: tuple[str, str]) -> Answer:
        """No body at all (Content-Length: 0)."""
        return cls(status, headers)

    @classmethod
    def content(cls, status: int, content_type: str, body: bytes, *headers: tuple[str, str]) -> Answer:
        """A body held in memory, with its media type."""
        return cls(status, (("Content-Type", content_type), *headers), (body,), len(body))

    @classmethod
    def json(cls, status: int, payload: object, *headers: tuple[str, str]) -> Answer:
        """``payload`` as an application/json body."""
        return cls.content(status, "application/json", json.dumps(payload).encode("utf-8"), *headers)

    @classmethod
    def stream(cls, status: int, content_type: str, chunks: Iterable[bytes], length: int) -> Answer:
        """A body produced chunk by chunk; ``length`` must be the total of the chunks."""
        return cls(status, (("Content-Type", content_type),), chunks, length)


class SimulatorContext:
    """What a vendor simulator may use while it answers: other servers' URLs and signed storage."""

    def __init__(self, group: SimulatorGroup) -> None:
        self._group = group

    def url(self, name: str) -> str:
        """The origin (scheme, host, port) of a running server, e.g. ``context.url("storage")``."""
        return self._group.url(name)

    def signed_url(self, path: str) -> str:
        """An absolute URL on the storage server (another host and port) whose signature covers ``path``."""
        return self._group.signed_url(path)

    def store(self, path: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        """Let storage serve ``body`` at ``path`` (to requests signed by :meth:`signed_url`)."""
        self._group.store(path, body, content_type)


class SimulatedVendor(Protocol):
    """The contract a vendor simulator implements; :class:`VendorSimulators` runs one server for each.

    Handlers run on the servers' threads, several at a time: guard mutable
    state with a lock.
    """

    @property
    def name(self) -> str:
        """The server's name in ``queue``, ``requests_to`` and ``url`` (lower case, not ``"storage"``)."""
        ...

    @property
    def spec(self) -> str:
        """The vendored OpenAPI document the server answers for: ``specs/{spec}.yaml``."""
        ...

    @property
    def base_path(self) -> str:
        """The path the API's base URL ends in (``"/v1"``, or ``""``); ``base_url(name)`` includes it."""
        ...

    @property
    def credential_headers(self) -> frozenset[str]:
        """Lower-case names of the headers that carry this vendor's credentials: storage refuses them."""
        ...

    @property
    def credential_cookies(self) -> frozenset[str]:
        """Names of the cookies that carry this vendor's credentials: storage refuses them."""
        ...

    def handle(self, request: RecordedRequest, context: SimulatorContext) -> Answer:
        """The answer to one request to this vendor's server (every method, every path)."""
        ...

    def storage(self, request: RecordedRequest, context: SimulatorContext) -> Answer | None:
        """The answer to a correctly signed storage request for a path this vendor owns; None otherwise."""
        ...


def method_not_allowed(request: RecordedRequest, *methods: str) -> Answer | None:
    """405 with an Allow header when the request's method is not one of ``methods`` (GET implies HEAD)."""
    allowed = [*methods, "HEAD"] if "GET" in methods and "HEAD" not in methods else list(methods)
    if request.method in allowed:
        return None
    return Answer.empty(405, ("Allow", ", ".join(allowed)))


V = TypeVar("V")


@dataclass
class _Stored:
    content_type: str
    body: bytes


@dataclass
class _State:
    requests: list[RecordedRequest] = field(default_factory=list)
    queues: dict[str, deque[Reply]] = field(default_factory=dict)
    stored: dict[str, _Stored] = field(default_factory=dict)


class SimulatorGroup:
    """Loopback servers for some vendors plus storage; a context manager. Knows no vendor."""

    def __init__(self, vendors: Sequence[SimulatedVendor], *, latency: float = 0.0) -> None:
        if latency < 0:
            raise ValueError("latency must not be negative")
        names = [vendor.name for vendor in vendors]
        if len(set(names)) != len(names) or STORAGE in names:
            raise ValueError(f"vendor names must be unique and not {STORAGE!r}: {names}")
        self.latency = latency
        """Seconds every answer waits (a scripted Reply adds its own delay)."""
        self._vendors: dict[str, SimulatedVendor] = {vendor.name: vendor for vendor in vendors}
        self._lock = threading.Lock()
        self._state = _State(queues={name: deque() for name in self.servers})
        self._secret = secrets.token_bytes(32)
        self._stopping = threading.Event()
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        self._context = SimulatorContext(self)
        self._refused_headers = frozenset(
            itertools.chain.from_iterable(vendor.credential_headers for vendor in vendors)
        )
        self._refused_cookies = frozenset(
            itertools.chain.from_iterable(vendor.credential_cookies for vendor in vendors)
        )

    # lifecycle

    def start(self) -> Self:
        """Bind every server on a free loopback port and start serving."""
        if self._servers:
            raise RuntimeError("the simulators are already running")
        self._stopping.clear()
        try:
            for name in self.servers:
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
        """Stop every server and end every connection, idle or streaming; frees the ports."""
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

    # vendors and addresses

    @property
    def servers(self) -> tuple[str, ...]:
        """The names of all servers: each vendor's, then ``"storage"``."""
        return (*self._vendors, STORAGE)

    @overload
    def vendor(self, name: str) -> SimulatedVendor: ...
    @overload
    def vendor(self, name: str, kind: type[V]) -> V: ...
    def vendor(self, name: str, kind: type[object] | None = None) -> object:
        """The simulator object of one vendor (``kind`` checks and narrows its type)."""
        vendor = self._vendors.get(name)
        if vendor is None:
            raise ValueError(f"unknown vendor {name!r}; expected one of {', '.join(self._vendors)}")
        if kind is not None and not isinstance(vendor, kind):
            raise TypeError(f"vendor {name!r} is a {type(vendor).__name__}, not a {kind.__name__}")
        return vendor

    def url(self, name: str) -> str:
        """The origin of a running server: ``http://127.0.0.1:PORT`` (storage: ``http://localhost:PORT``).

        Storage has another host name and another port than every vendor, so
        a redirect to it is cross-origin.
        """
        self._check_server(name)
        server = self._servers.get(name)
        if server is None:
            raise RuntimeError("the simulators are not running: use them as a context manager or call start()")
        host = "localhost" if name == STORAGE else "127.0.0.1"
        return f"http://{host}:{server.port}"

    def base_url(self, name: str) -> str:
        """What a client's ``base_url`` takes: the origin plus the vendor's base path (e.g. ``/v1``)."""
        vendor = self._vendors.get(name)
        return self.url(name) + (vendor.base_path if vendor is not None else "")

    # scripting and inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request any server received, in arrival order (a copy)."""
        with self._lock:
            return list(self._state.requests)

    def requests_to(self, server: str) -> list[RecordedRequest]:
        """The requests one server received, in arrival order."""
        self._check_server(server)
        with self._lock:
            return [request for request in self._state.requests if request.server == server]

    def queue(self, server: str, *replies: Reply) -> None:
        """Script the next answers of one server, first in first out; afterwards its own behaviour resumes."""
        self._check_server(server)
        with self._lock:
            self._state.queues[server].extend(replies)

    def reset(self) -> None:
        """Forget recorded requests and queued replies (vendor state and stored objects stay)."""
        with self._lock:
            self._state.requests.clear()
            for pending in self._state.queues.values():
                pending.clear()

    # signed storage

    def signed_url(self, path: str) -> str:
        """An absolute storage URL for ``path`` whose signature storage accepts (and only for that path)."""
        return f"{self.url(STORAGE)}{path}?{_SIGNATURE}={self._sign(path)}&X-Amz-Expires={SIGNED_URL_EXPIRES}"

    def store(self, path: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        """Let storage serve ``body`` at ``path`` to correctly signed requests."""
        if not path.startswith("/"):
            raise ValueError("a storage path starts with /")
        with self._lock:
            self._state.stored[path] = _Stored(content_type, body)

    # used by the handlers

    def _check_server(self, server: str) -> None:
        if server not in self.servers:
            raise ValueError(f"unknown server {server!r}; expected one of {', '.join(self.servers)}")

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._state.requests.append(request)

    def _pop_reply(self, server: str) -> Reply | None:
        with self._lock:
            pending = self._state.queues[server]
            return pending.popleft() if pending else None

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _sign(self, path: str) -> str:
        return hmac.new(self._secret, path.encode("utf-8"), hashlib.sha256).hexdigest()

    def _answer(self, request: RecordedRequest) -> Answer:
        vendor = self._vendors.get(request.server)
        if vendor is not None:
            return vendor.handle(request, self._context)
        return self._storage(request)

    def _storage(self, request: RecordedRequest) -> Answer:
        if request.method not in ("GET", "HEAD"):
            return Answer.empty(405, ("Allow", _STORAGE_ALLOW))
        leaked = any(name.lower() in self._refused_headers for name, _ in request.headers) or any(
            name in self._refused_cookies for name in request.cookies()
        )
        if leaked:
            return Answer.content(400, "text/plain", b"credential leaked to storage")
        signature = request.params().get(_SIGNATURE, [""])[0]
        if not hmac.compare_digest(signature.encode(), self._sign(request.path).encode()):
            return Answer.content(403, "application/xml", b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        with self._lock:
            stored = self._state.stored.get(request.path)
        if stored is not None:
            return Answer.content(200, stored.content_type, stored.body)
        for vendor in self._vendors.values():
            answer = vendor.storage(request, self._context)
            if answer is not None:
                return answer
        return Answer.content(404, "application/xml", b"<Error><Code>NoSuchKey</Code></Error>")


_INTERNAL_ERROR: Final = Answer.content(500, "text/plain", b"internal simulator error")


class _Server(HTTPServer):
    """One simulated server: tracks its connections so that stop() ends idle keep-alive ones."""

    request_queue_size = 256  # the default 5 drops SYNs under a burst of connections (1 s retransmits)

    def __init__(self, name: str, group: SimulatorGroup) -> None:
        self.name = name
        self.group = group
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
    # Errors the standard library answers itself (bad request line, unknown method): plain text, no HTML.
    error_message_format = "%(code)d %(message)s\n"
    error_content_type = "text/plain; charset=utf-8"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Never log: no access log, no error lines."""

    def __getattr__(self, name: str) -> Callable[[], None]:
        """``do_GET``, ``do_TRACE``, ``do_QUERY``...: every method reaches the vendor, which answers 405
        where its API has no such operation (the standard library would answer 501 to any it lacks)."""
        if name.startswith("do_"):
            return self._respond
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        body = self.rfile.read(int(length)) if length and length.isdigit() else b""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # a chunked body is not read: do not parse it as the next request
        return body

    def _respond(self) -> None:
        body = self._read_body()  # drained so that keep-alive stays in step
        split = urlsplit(self.path)
        recorded = RecordedRequest(
            server=self.server.name,
            method=self.command,
            target=self.path,
            path=split.path,
            query=split.query,
            headers=tuple((key, value) for key, value in self.headers.items()),
            host=self.headers.get("Host", ""),
            body=body,
        )
        group = self.server.group
        group._record(recorded)
        reply = group._pop_reply(self.server.name)
        try:
            if reply is not None:
                self._send_reply(reply)
            else:
                group._sleep(group.latency)
                self._send(*self._produce(recorded))
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _produce(self, recorded: RecordedRequest) -> tuple[Answer, Iterator[bytes]]:
        """The answer and its chunks, the first one already produced: a failure so far is a 500."""
        try:
            answer = self.server.group._answer(recorded)
            chunks = iter(answer.chunks)
            first = next(chunks, None)
        except Exception:  # any bug in a handler or body builder: answer it, never drop the connection
            return _INTERNAL_ERROR, iter(_INTERNAL_ERROR.chunks)
        return answer, chunks if first is None else itertools.chain((first,), chunks)

    def _send_reply(self, reply: Reply) -> None:
        group = self.server.group
        group._sleep(reply.delay + group.latency)
        if reply.drop_connection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        declared = len(reply.body) if reply.declared_length is None else reply.declared_length
        self._send(Answer(reply.status, reply.headers, (reply.body,), declared), iter((reply.body,)))
        if declared != len(reply.body):
            self.close_connection = True

    def _send(self, answer: Answer, chunks: Iterator[bytes]) -> None:
        self.send_response(answer.status)
        names = {name.lower() for name, _ in answer.headers}
        for name, value in answer.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(answer.length))
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
        except Exception:
            # A vanished client, or a body builder failing mid-way: the status line is out, so the only
            # honest signal left is closing the connection before the announced length.
            self.close_connection = True
