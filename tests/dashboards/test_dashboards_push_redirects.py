"""The Grafana token follows a redirect only to the same scheme, host and port, and plain http
to anything but loopback is warned about."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dashboards.grafana_api import Grafana

TOKEN = "glsa_redirect-Secret-5e6f"


class Recorder(ThreadingHTTPServer):
    """Answers ``/redirect`` with a 302 to ``target`` and anything else with ``{}``, recording
    the Authorization header of every request by path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.target = ""
        self.seen: list[tuple[str, str | None]] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", self.server.target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    first, second = Recorder(), Recorder()
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (first, second)]
    for t in threads:
        t.start()
    try:
        yield first, second
    finally:
        for s in (first, second):
            s.shutdown()
            s.server_close()


def test_a_redirect_to_another_port_is_followed_without_the_token(servers, caplog) -> None:  # type: ignore[no-untyped-def]
    first, second = servers
    first.target = f"http://127.0.0.1:{second.port}/api/health"
    grafana = Grafana(f"http://127.0.0.1:{first.port}", token=TOKEN)
    assert grafana.get("/redirect").status == 200
    assert first.seen == [("/redirect", f"Bearer {TOKEN}")]
    assert second.seen == [("/api/health", None)]
    assert "followed without the credentials" in caplog.text
    assert TOKEN not in caplog.text


def test_a_redirect_to_another_host_name_is_followed_without_the_token(servers) -> None:  # type: ignore[no-untyped-def]
    first, _ = servers
    first.target = f"http://localhost:{first.port}/api/health"  # same server, another host
    Grafana(f"http://127.0.0.1:{first.port}", token=TOKEN).get("/redirect")
    assert first.seen == [("/redirect", f"Bearer {TOKEN}"), ("/api/health", None)]


def test_a_redirect_on_the_same_origin_keeps_the_token(servers) -> None:  # type: ignore[no-untyped-def]
    first, _ = servers
    first.target = "/grafana/api/health"
    Grafana(f"http://127.0.0.1:{first.port}", token=TOKEN).get("/redirect")
    assert first.seen[1] == ("/grafana/api/health", f"Bearer {TOKEN}")


def test_plain_http_to_a_remote_host_is_warned_about(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING)
    Grafana("http://grafana.example.com", token=TOKEN)
    assert "plain http to another host" in caplog.text and TOKEN not in caplog.text
    caplog.clear()
    Grafana("http://127.0.0.1:3000", token=TOKEN)
    Grafana("http://localhost:3000", token=TOKEN)
    Grafana("https://grafana.example.com", token=TOKEN)
    assert caplog.text == ""
