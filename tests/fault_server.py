"""A tiny loopback server that misbehaves on purpose, one scripted behaviour per connection.

The vendor simulators answer like the vendors; this one answers like a broken
or hostile server: raw status lines, reason phrases holding secrets, bodies
trickled a byte at a time, a body held open mid-stream until the test lets
go. Each accepted connection reads one request head, records it, and runs the
next scripted behaviour (``FaultServer.script``), then closes. Tests
synchronise on its events (``streaming``: a behaviour has sent part of a body
and is holding), never on the clock.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Self

STOP_TIMEOUT = 5.0


class Connection:
    """One accepted connection, as a behaviour sees it."""

    def __init__(self, server: FaultServer, sock: socket.socket, head: bytes) -> None:
        self.server = server
        self.sock = sock
        self.head = head

    @property
    def target(self) -> str:
        """The request target (path and query) of the request line."""
        line = self.head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        return parts[1] if len(parts) > 1 else ""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def wait(self, seconds: float) -> bool:
        """Pause; True when the server is stopping (the behaviour should end)."""
        return self.server.stopping.wait(seconds)


Behaviour = Callable[[Connection], None]


def head(status: int, reason: str | bytes, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """A status line and headers, exactly as given (no header is added)."""
    raw_reason = reason if isinstance(reason, bytes) else reason.encode("latin-1")
    lines = [b"HTTP/1.1 %d %s" % (status, raw_reason)]
    lines += [f"{name}: {value}".encode("latin-1") for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def reply(
    status: int = 200,
    reason: str | bytes = "OK",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> Behaviour:
    """Answer with this status line, these headers plus Content-Length and Connection: close, and body."""
    fixed = (*headers, ("Content-Length", str(len(body))), ("Connection", "close"))

    def behave(connection: Connection) -> None:
        connection.send(head(status, reason, fixed) + body)

    return behave


#: A trickle ends (the connection closes) after this long, so a client without a deadline fails instead of hanging.
TRICKLE_FOR = 30.0


def trickle(connection: Connection, interval: float) -> None:
    """One byte every ``interval`` seconds, for TRICKLE_FOR seconds or until the server stops."""
    for _ in range(int(TRICKLE_FOR / interval)):
        if connection.wait(interval):
            return
        connection.send(b"a")


def trickle_headers(interval: float, *, status_line: bytes = b"HTTP/1.1 200 OK\r\n") -> Behaviour:
    """A status line, then one byte of a header every ``interval`` seconds (for TRICKLE_FOR seconds)."""

    def behave(connection: Connection) -> None:
        connection.send(status_line + b"X-Slow: ")
        connection.server.streaming.set()
        trickle(connection, interval)

    return behave


def trickle_body(interval: float, *, headers: Iterable[tuple[str, str]] = (), length: int = 1_000_000) -> Behaviour:
    """Headers promising ``length`` bytes at once, then the body one byte every ``interval`` (for TRICKLE_FOR s)."""
    fixed = (*headers, ("Content-Length", str(length)), ("Connection", "close"))

    def behave(connection: Connection) -> None:
        connection.send(head(200, "OK", fixed))
        connection.server.streaming.set()
        trickle(connection, interval)

    return behave


def hold_mid_body(first: bytes, *, headers: Iterable[tuple[str, str]] = (), length: int = 100_000_000) -> Behaviour:
    """Headers promising ``length`` bytes, the ``first`` of them, then nothing until the server stops.

    Sets ``streaming`` once ``first`` is sent: the client is mid-download from then on.
    """
    fixed = (*headers, ("Content-Length", str(length)), ("Connection", "close"))

    def behave(connection: Connection) -> None:
        connection.send(head(200, "OK", fixed) + first)
        connection.server.streaming.set()
        connection.server.stopping.wait()

    return behave


def _not_scripted(connection: Connection) -> None:
    reply(500, "Not scripted", body=b"the test scripted no answer for this request")(connection)


class FaultServer:
    """Listens on 127.0.0.1; a context manager. ``url`` is its base URL (plain http on loopback)."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.streaming = threading.Event()
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._script: deque[Behaviour] = deque()
        self._default: Behaviour = _not_scripted
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def script(self, *behaviours: Behaviour) -> None:
        """The next connections' behaviours, first in first out."""
        with self._lock:
            self._script.extend(behaviours)

    def always(self, behaviour: Behaviour) -> None:
        """The behaviour once the script is used up."""
        self._default = behaviour

    def targets(self) -> list[str]:
        with self._lock:
            heads = list(self.requests)
        return [h.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[1] for h in heads]

    def __enter__(self) -> Self:
        thread = threading.Thread(target=self._accept, name="fault-accept", daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stopping.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(STOP_TIMEOUT)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), name="fault-conn", daemon=True)
            with self._lock:
                self._sockets.add(sock)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            sock.settimeout(STOP_TIMEOUT)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            request_head = data.split(b"\r\n\r\n", 1)[0]
            with self._lock:
                self.requests.append(request_head)
                behaviour = self._script.popleft() if self._script else self._default
            behaviour(Connection(self, sock, request_head))
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
