"""The codec server: decrypts (and encrypts) payloads for the Temporal UI and CLI.

Temporal's codec server protocol: ``POST .../decode`` and ``POST .../encode`` with a ``Payloads``
message as protobuf JSON (``{"payloads": [{"metadata": {...}, "data": "<base64>"}]}``), answered
with the converted ``Payloads`` the same way; only the last part of the path counts, so the
server can sit under any prefix. Bad JSON or a payload that does not decrypt is 400.

What makes it safe to expose to operators:

- every ``POST`` needs ``Authorization: Bearer <token>`` (compared in constant time), unless the
  server was started without a token on a loopback address;
- a request naming another namespace in ``X-Namespace`` is refused (403);
- bodies over ``max_body`` bytes are refused (413) before they are read;
- a browser may call it only from the configured origins (the Temporal UI): ``OPTIONS``
  preflights are answered for them and refused (403) for any other origin;
- the key file is read again when it changes (a rotated Kubernetes Secret), keeping the last
  good keys when the new file is bad; neither keys, tokens nor payloads reach a log.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from core import codec
from core.errors import SettingsError, first_line
from toolkit.http_server import CappedHTTPServer

log = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024  # a page of history's payloads; Temporal's own blob limit is 2 MiB
MAX_CONCURRENT_REQUESTS = 16  # the UI decodes a page of events in a few parallel requests
CORS_HEADERS = "Authorization, Content-Type, X-Namespace"


@dataclass(frozen=True)
class CodecServerConfig:
    key_file: Path
    namespace: str
    token: str | None = field(default=None, repr=False)
    allowed_origins: tuple[str, ...] = ()
    max_body: int = MAX_BODY
    ssl_context: ssl.SSLContext | None = None


class KeyFile:
    """The ring of a key file, read again when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self.codec = codec.EncryptionCodec(codec.KeyRing.read(path))

    def _stat(self) -> tuple[int, int, int]:
        st = os.stat(self.path)  # a Secret update swaps a symlink: compare what it points at
        return st.st_ino, st.st_mtime_ns, st.st_size

    def current(self) -> codec.EncryptionCodec:
        with self._lock:
            try:
                stamp = self._stat()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self.codec = codec.EncryptionCodec(codec.KeyRing.read(self.path))
                    log.info("key file %s read again: key ids %s", self.path, self.codec.ring.ids)
            except (OSError, SettingsError) as err:
                log.warning("key file %s: %s; still using key ids %s", self.path,
                            first_line(err), self.codec.ring.ids)  # fmt: skip
            return self.codec


class CodecServer(CappedHTTPServer):
    def __init__(self, address: tuple[str, int], config: CodecServerConfig) -> None:
        self.config = config
        self.keys = KeyFile(config.key_file)
        super().__init__(
            address, _Handler, max_concurrent=MAX_CONCURRENT_REQUESTS, thread_name="codec-server"
        )

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        return self.config.ssl_context


class _Handler(BaseHTTPRequestHandler):
    server: CodecServer
    timeout = 30  # seconds a client may take to send its request
    server_version = "dict-codec-server"
    sys_version = ""  # the default would add "Python/3.x.y" to the Server header
    protocol_version = "HTTP/1.1"  # the UI keeps its connection; every answer has a length

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/healthz":
            self._send(200, b"ok\n", "text/plain; charset=utf-8")
        else:
            self._error(404, "not found: POST .../encode or .../decode")

    def do_OPTIONS(self) -> None:
        origin = self.headers.get("Origin")
        if origin is None or origin not in self.server.config.allowed_origins:
            self._error(403, "origin not allowed: start the codec server with --allow-origin")
            return
        self.send_response(204)
        self._cors(origin)
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", CORS_HEADERS)
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        config = self.server.config
        if not self._authorized():
            self._error(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
            return
        operation = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if operation not in ("encode", "decode"):
            self._error(404, "not found: POST .../encode or .../decode")
            return
        namespace = self.headers.get("X-Namespace")
        if namespace and namespace != config.namespace:
            self._error(403, f"this codec server serves namespace {config.namespace} only")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._error(411, "send the body with a Content-Length")
            return
        if not 0 <= length <= config.max_body:
            self._error(413, f"body over {config.max_body} bytes")
            return
        try:
            payloads = json_format.Parse(self.rfile.read(length), Payloads())
        except (json_format.ParseError, UnicodeDecodeError, ValueError):
            self._error(400, 'expected a Payloads message as JSON: {"payloads": [...]}')
            return
        ring = self.server.keys.current()
        convert = ring.encrypt if operation == "encode" else ring.decrypt
        try:
            out = Payloads(payloads=[convert(p) for p in payloads.payloads])
        except codec.CodecError as err:
            self._error(400, str(err))
            return
        body = json_format.MessageToJson(out, indent=None).encode()
        self._send(200, body, "application/json")

    def _authorized(self) -> bool:
        token = self.server.config.token
        if token is None:
            return True
        given = self.headers.get("Authorization", "").encode()
        return hmac.compare_digest(given, f"Bearer {token}".encode())

    def _cors(self, origin: str | None) -> None:
        if origin is not None and origin in self.server.config.allowed_origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Vary", "Origin")

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        # The body of a refused request may be left unread: never read it as the next request.
        self.close_connection = True
        body = json.dumps({"error": message}).encode() + b"\n"
        self._send(status, body, "application/json", {**(headers or {}), "Connection": "close"})

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self._cors(self.headers.get("Origin"))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # decoded payloads are personal data
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)
