"""Serving the exporter: ``/`` (a landing page), ``/metrics`` and ``/healthz``.

Plain ``http.server`` threads (:mod:`toolkit.http_server`): a scrape only formats the cached
snapshot, so there is nothing to gain from an async server. With a web config the endpoint
speaks TLS (handshake in the request's own thread, so one slow client cannot hold the accept
loop) and asks for basic auth on every path but ``/healthz`` (a liveness probe carries no
credentials, and "the HTTP server runs" is no secret). At most :data:`MAX_CONCURRENT_REQUESTS`
connections are served at once; more are closed at once rather than each getting a thread. The
``Server`` header names the exporter only; the web config's ``http_server_config.headers`` go on
every response. Each new connection gets the certificate on disk at that moment
(:mod:`exporters.servingtls` reloads it when it changes).
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import ssl
from http.server import BaseHTTPRequestHandler
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from exporters.webconfig import WebConfig
from toolkit.http_server import CappedHTTPServer

log = logging.getLogger(__name__)

# Prometheus scrapes one at a time; a handful of probes and people beside it is plenty.
MAX_CONCURRENT_REQUESTS = 8

LANDING = """<!doctype html>
<html><head><title>DICT claim exporter</title></head>
<body><h1>DICT claim exporter</h1>
<p>Open claims, claim age, deadlines and task-queue depth for namespace <code>{namespace}</code>,
refreshed from Temporal every {interval} in the background.</p>
<ul><li><a href="metrics">/metrics</a></li><li><a href="healthz">/healthz</a></li></ul>
</body></html>
"""


class MetricsServer(CappedHTTPServer):
    def __init__(
        self,
        address: tuple[str, int],
        registry: CollectorRegistry,
        web: WebConfig,
        landing: str,
    ) -> None:
        self.registry, self.web, self.landing = registry, web, landing
        super().__init__(
            address, _Handler, max_concurrent=MAX_CONCURRENT_REQUESTS, thread_name="exporter-http"
        )

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        return self.web.ssl_context

    @property
    def scheme(self) -> str:  # without loading the certificate
        return "https" if self.web.tls is not None else "http"


class _Handler(BaseHTTPRequestHandler):
    server: MetricsServer
    timeout = 30  # seconds a client may take to send its request
    server_version = "dict-exporter"
    sys_version = ""  # the default would add "Python/3.x.y" to the Server header

    def version_string(self) -> str:
        return self.server_version

    def end_headers(self) -> None:
        for name, value in self.server.web.headers.items():  # http_server_config.headers
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":  # liveness: no credentials needed, nothing revealed
            self._body(b"ok\n", "text/plain; charset=utf-8")
            return
        if not self._authorized():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="dict-exporter"')
            self._body(b"Unauthorized\n", "text/plain; charset=utf-8", send_status=False)
            return
        if path == "/metrics":
            encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
            self._body(encoder(self.server.registry), content_type)
        elif path == "/":
            self._body(self.server.landing.encode(), "text/html; charset=utf-8")
        else:
            self.send_response(404)
            self._body(b"Not found: try /metrics\n", "text/plain; charset=utf-8", False)

    def _authorized(self) -> bool:
        web = self.server.web
        if not web.auth_required:
            return True
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return bool(sep) and web.check(user, password)

    def _body(self, body: bytes, content_type: str, send_status: bool = True) -> None:
        if send_status:
            self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def landing_page(namespace: str, interval: str) -> str:
    return LANDING.format(namespace=html.escape(namespace), interval=html.escape(interval))
