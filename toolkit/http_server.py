"""A small threaded HTTP server for the pack's endpoints (the exporter, the codec server).

Plain ``http.server`` threads, with what an endpoint facing a network needs: optional TLS with
the handshake in the request's own thread (one slow client cannot hold the accept loop), at most
``max_concurrent`` connections served at once (more are closed at once rather than each getting
a thread), IPv6 listen addresses, and client errors (a dropped connection, a failed handshake)
kept out of standard error.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

log = logging.getLogger(__name__)


class CappedHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_concurrent: int,
        thread_name: str,
    ) -> None:
        self.max_concurrent, self.thread_name = max_concurrent, thread_name
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self.refused_connections = 0
        if ":" in address[0]:  # "[::]:9465" arrives here as "::"
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        """TLS for every connection when set; subclasses say where it comes from."""
        return None

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        return f"{self.scheme}://{f'[{host}]' if ':' in host else host}:{port}"

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        context = self.ssl_context
        if context is not None:
            sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.refused_connections += 1
            log.debug("over %d requests at once: closing %s", self.max_concurrent, client_address)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that drops the connection or fails the TLS handshake is not our error.
        log.debug("request from %s failed", client_address, exc_info=True)

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name=self.thread_name, daemon=True)
        thread.start()
        return thread

    @contextmanager
    def serving(self) -> Iterator[Self]:
        """Serve in a thread for as long as the block runs, then stop and close the socket."""
        self.start_in_thread()
        try:
            yield self
        finally:
            self.shutdown()
            self.server_close()
