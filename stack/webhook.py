"""A webhook on loopback that records what Alertmanager notifies: the demo's and the tests'
pager and ticket queue.

Alertmanager POSTs one JSON document per notification (webhook payload version 4): the receiver,
the group's status and each alert with its status and labels. Nothing leaves the machine.

>>> with WebhookReceiver() as hook:
...     _ = _post(hook.url, {"receiver": "page", "status": "firing",
...                          "alerts": [{"status": "firing", "labels": {"alertname": "A"}}]})
...     [(n.receiver, a.alertname, a.status) for n in hook.notifications() for a in n.alerts]
[('page', 'A', 'firing')]
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class NotifiedAlert:
    status: str  # firing or resolved
    labels: dict[str, str]

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")


@dataclass(frozen=True)
class Notification:
    received_at: float  # unix time
    receiver: str  # page or ticket
    status: str
    alerts: tuple[NotifiedAlert, ...]


class WebhookReceiver:
    """An HTTP server on ``127.0.0.1`` (a free port unless given) in a thread of its own."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._received: list[Notification] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="alert-webhook", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def notifications(self) -> list[Notification]:
        with self._lock:
            return list(self._received)

    def notified(
        self, alertname: str, status: str = "firing", receiver: str | None = None, since: float = 0
    ) -> Notification | None:
        """The first notification since ``since`` (unix time) that carries ``alertname`` with
        ``status``, to ``receiver`` if given."""
        for note in self.notifications():
            if note.received_at < since or (receiver and note.receiver != receiver):
                continue
            if any(a.alertname == alertname and a.status == status for a in note.alerts):
                return note
        return None

    def _record(self, doc: dict[str, Any]) -> None:
        alerts = tuple(
            NotifiedAlert(str(a.get("status", "")), dict(a.get("labels", {})))
            for a in doc.get("alerts", [])
        )
        note = Notification(
            time.time(), str(doc.get("receiver", "")), str(doc.get("status", "")), alerts
        )
        with self._lock:
            self._received.append(note)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        record = self._record

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    doc = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self.send_error(400, "expected Alertmanager's JSON webhook payload")
                    return
                record(doc if isinstance(doc, dict) else {})
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the demo's output is its timeline, not an access log

        return Handler


def _post(url: str, doc: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url, json.dumps(doc).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        return int(resp.status)
