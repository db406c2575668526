"""A small client for the Grafana HTTP API calls the push needs, on the standard library.

Transport failures and refused credentials become :class:`GrafanaError` with one line that says
what happened and what to check; other HTTP answers (404, 409, 412, 400) are returned to the
caller, which knows what they mean for its request. The token or password only ever goes into
the ``Authorization`` header: no message, log line or ``repr`` contains it, and a redirect to
another scheme, host or port is followed without it. Plain ``http://`` to anything but loopback
is warned about: the token would cross the network in clear.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class GrafanaError(Exception):
    """Grafana could not be used; the message names the cause and the fix. Never a secret."""


@dataclass(frozen=True)
class Response:
    status: int
    body: Any

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("message", "")) or json.dumps(self.body)
        return str(self.body)[:200]

    @property
    def reason(self) -> str:
        """Grafana's ``status`` field on 412 answers: version-mismatch, name-exists, ..."""
        return str(self.body.get("status", "")) if isinstance(self.body, dict) else ""


def redact(url: str) -> str:
    """``url`` without any user:password part, safe to print."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine, where plain http never crosses a network.

    >>> is_loopback("localhost"), is_loopback("127.0.0.2"), is_loopback("grafana.example")
    (True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _SameOriginRedirect(urllib.request.HTTPRedirectHandler):
    """Follows redirects, dropping the credentials when the scheme, host or port changes (the
    standard handler would send the token to whichever host the redirect names)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        moved = new is not None and _origin(newurl) != _origin(req.full_url)
        if moved and new is not None and new.headers.pop("Authorization", None) is not None:
            log.warning(
                "Grafana redirected to %s: followed without the credentials", redact(newurl)
            )
        return new


_OPENER = urllib.request.build_opener(_SameOriginRedirect())


@dataclass(frozen=True)
class Grafana:
    """``Grafana(url, token=...)`` or ``Grafana(url, user=..., password=...)``."""

    url: str
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GrafanaError(
                f"GRAFANA_URL={redact(self.url)!r} is not an http(s) URL; "
                "set it like https://grafana.example.com"
            )
        if parts.username or parts.password:
            raise GrafanaError(
                f"GRAFANA_URL={redact(self.url)} carries credentials in the URL; "
                "put them in GRAFANA_TOKEN or GRAFANA_USER/GRAFANA_PASSWORD instead"
            )
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            log.warning(
                "GRAFANA_URL=%s is plain http to another host: the credentials cross the "
                "network in clear; use https",
                self.url,
            )

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    def _auth_header(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None and self.password is not None:
            raw = f"{self.user}:{self.password}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return None

    def request(self, method: str, path: str, body: Any = None) -> Response:
        """One call; raises GrafanaError for transport failures, 401 and 403."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        auth = self._auth_header()
        if auth:
            req.add_header("Authorization", auth)
        where = f"Grafana at {redact(self.base)}"
        log.debug("%s %s", method, path)
        try:
            with _OPENER.open(req, timeout=self.timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        except urllib.error.URLError as err:
            raise GrafanaError(_transport(where, err.reason, self.timeout)) from None
        except TimeoutError as err:
            raise GrafanaError(_transport(where, err, self.timeout)) from None
        except (ssl.SSLError, ConnectionError) as err:
            raise GrafanaError(_transport(where, err, self.timeout)) from None
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        resp_ = Response(status, parsed)
        if status == 401:
            how = "GRAFANA_TOKEN" if self.token else "GRAFANA_USER/GRAFANA_PASSWORD"
            if auth is None:
                raise GrafanaError(
                    f"{where} asks for credentials (401): set GRAFANA_TOKEN (a service account "
                    "token) or GRAFANA_USER and GRAFANA_PASSWORD"
                )
            raise GrafanaError(
                f"{where} refused the credentials (401: {resp_.message}): check {how}"
            )
        if status == 403:
            raise GrafanaError(
                f"{where} denied {method} {path} (403: {resp_.message}): the credentials work "
                "but lack permission; use a service account with the Editor role (folders:create, "
                "dashboards:write)"
            )
        return resp_

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> Response:
        return self.request("POST", path, body)


def _transport(where: str, reason: object, timeout: float) -> str:
    """One line for a failure below HTTP: refused, timed out, TLS, DNS."""
    if isinstance(reason, ssl.SSLCertVerificationError):
        return (
            f"TLS verification of {where} failed ({reason.verify_message}): "
            "install the CA that signed Grafana's certificate or fix GRAFANA_URL's host name"
        )
    if isinstance(reason, ssl.SSLError):
        return (
            f"TLS handshake with {where} failed ({reason.reason or reason}): "
            "is it really https? Use http:// if Grafana serves plain HTTP"
        )
    if isinstance(reason, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused; is Grafana running there?"
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"{where} did not answer within {timeout:g}s; check the URL and the network"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host of {where}: check GRAFANA_URL"
    return f"cannot reach {where}: {reason}"
