"""The loopback webhook records what Alertmanager posts, and refuses what is not its payload."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from stack.webhook import WebhookReceiver

PAYLOAD = b"""{"version": "4", "receiver": "ticket", "status": "resolved", "alerts": [
  {"status": "resolved", "labels": {"alertname": "DictExporterDown", "severity": "warning"}}]}"""


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return int(resp.status)


def test_a_notification_is_recorded_with_its_receiver_status_and_labels():
    with WebhookReceiver() as hook:
        assert hook.url.startswith("http://127.0.0.1:")
        assert _post(hook.url, PAYLOAD) == 200
        note = hook.notified("DictExporterDown", "resolved", receiver="ticket")
        assert note is not None and note.status == "resolved"
        assert note.alerts[0].labels["severity"] == "warning"
        assert hook.notified("DictExporterDown", "firing") is None


def test_a_body_that_is_not_json_is_refused_and_not_recorded():
    with WebhookReceiver() as hook:
        with pytest.raises(urllib.error.HTTPError) as refused:
            _post(hook.url, b"not json")
        assert refused.value.code == 400
        assert hook.notifications() == []
