"""HTTP plumbing: a threading HTTP/1.1 server that hands each request to an `answer` callback,
writes the `Response` and records it. It tracks open connections so stopping can cut them."""

from __future__ import annotations

import contextlib
import http.server
import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

from netdoctor.frontends.serve.faults import RequestRecord
from netdoctor.frontends.serve.responses import Response

log = logging.getLogger(__name__)

Answer = Callable[[str, SplitResult, Mapping[str, str]], Response]
"""`answer(method, request target, headers)` → the response; it must not raise."""

MAX_DRAINED_BODY = 16 << 20
"""Request bodies up to this size are read and dropped; bigger ones close the connection."""


LISTEN_BACKLOG = 512
"""Pending connections the kernel queues (socketserver's default is 5: a burst of clients, a
parallel capture or k9s opening many watches, timed out on SYN retries)."""


class HttpServer(http.server.ThreadingHTTPServer):
    """Serves `answer` on `address`, one daemon thread per connection."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        answer: Answer,
        record: Callable[[RequestRecord], None],
    ) -> None:
        self.answer = answer
        self.record = record
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a needless DNS lookup on loopback.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-answer, or speak plain HTTP to the TLS port, are routine.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def connection_opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def connection_closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def shutdown_connections(self) -> None:
        """Shut down every open connection, so keep-alive clients do not hold threads."""
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without this, keep-alive responses stall ~40 ms each on delayed ACKs (Nagle).
    disable_nagle_algorithm = True
    timeout = 120
    server_version = "netdoctor-serve"
    sys_version = ""
    server: HttpServer

    def setup(self) -> None:
        super().setup()
        self.server.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connection_closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the API keeps its own request log

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def __getattr__(self, name: str) -> Any:
        # Every other method (POST, PUT, PATCH, DELETE, OPTIONS, ...) gets a 405 Status.
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def _drain_body(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_DRAINED_BODY:
            self.close_connection = True
        elif length > 0:
            self.rfile.read(length)

    def _answer(self) -> None:
        method = self.command
        if method not in ("GET", "HEAD"):
            self._drain_body()
        target = urlsplit(self.path)
        response = self.server.answer(method, target, self.headers)
        self.server.record(RequestRecord(method, target.path, target.query, response.status))
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if response.stream is not None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(sum(len(b) for b in response.body)))
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if method != "HEAD":
            for chunk in response.body:
                self.wfile.write(chunk)
        if response.stream is not None:
            self._stream(response.stream if method != "HEAD" else iter(()))

    def _stream(self, chunks: Iterator[bytes]) -> None:
        """Write `chunks` with chunked transfer encoding, each flushed at once (watch events)."""
        try:
            for chunk in chunks:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client went away mid-watch
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
