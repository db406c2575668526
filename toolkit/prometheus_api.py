"""Asking a running Prometheus over its HTTP API (``/api/v1/...``): one function per question.

An unreachable server or an API error raises :class:`PrometheusAPIError` whose message names
the URL and says what happened, in one line.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

Sample = tuple[dict[str, str], float]


class PrometheusAPIError(RuntimeError):
    """Prometheus could not be asked, or refused the question."""


def api(base_url: str, path: str, params: Mapping[str, str], timeout: float = 10.0) -> Any:
    """``data`` of ``GET <base_url>/api/v1/<path>?<params>``."""
    url = f"{base_url.rstrip('/')}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as err:
        try:
            detail = json.load(err).get("error", err.reason)
        except ValueError:
            detail = err.reason
        raise PrometheusAPIError(f"{base_url}: {path} failed: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise PrometheusAPIError(
            f"cannot reach Prometheus at {base_url} ({reason}); is it running, is the URL right?"
        ) from None
    if not isinstance(body, dict) or body.get("status") != "success":
        error = body.get("error") if isinstance(body, dict) else body
        raise PrometheusAPIError(f"{base_url}: {path} failed: {error}")
    return body["data"]


def query(base_url: str, expr: str) -> list[Sample]:
    """An instant query; each sample as (labels, value), NaN where Prometheus says NaN."""
    data = api(base_url, "query", {"query": expr})
    return [(r["metric"], float(r["value"][1])) for r in data["result"]]
