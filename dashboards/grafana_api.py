"""A small client for the Grafana HTTP API calls the push needs, on the standard library.

Transport failures and refused credentials become :class:`GrafanaError` with one line that says
what happened and what to check; other HTTP answers (404, 409, 412, 400) are returned to the
caller, which knows what they mean for its request. The token or password only ever goes into
the ``Authorization`` header: no message, log line or ``repr`` contains it, and a redirect to
another scheme, host or port is followed without it. Plain ``http://`` to anything but loopback
is warned about: the token would cross the network in clear.

429 and 5xx answers are retried a bounded number of times, waiting what ``Retry-After`` asks
(up to a limit) or else backing off exponentially. A write is retried only on answers that say it
was not carried out (429, 502, 503, 504): a 500 may have saved it. Every request names the
organisation (``X-Grafana-Org-Id``); TLS to Grafana can use a private CA, a client certificate,
or, with a warning, no verification at all (:func:`tls_context`).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ATTEMPTS = 4  # tries per request when Grafana answers 429 or 5xx
BACKOFF = 0.5  # seconds before the second try; doubled for each further one
MAX_WAIT = 30.0  # the longest Retry-After honoured; longer ones fail the push at once
RETRIED_READ = frozenset({429, 500, 502, 503, 504})
RETRIED_WRITE = frozenset({429, 502, 503, 504})  # the request was not carried out
IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE"})  # a PUT names the version it read
sleep = time.sleep  # tests replace it to record the waits instead of waiting


class GrafanaError(Exception):
    """Grafana could not be used; the message names the cause and the fix. Never a secret."""


class GrafanaSetupError(GrafanaError):
    """A setting of the connection must change (a CA, a client certificate, the organisation):
    the message names the setting."""


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

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


def tls_context(
    ca: Path | None = None,
    cert: Path | None = None,
    key: Path | None = None,
    skip_verify: bool = False,
) -> ssl.SSLContext | None:
    """The TLS context for Grafana, or None for the system's defaults. Files that cannot be
    used fail here, before any request, naming the setting."""
    if ca is None and cert is None and not skip_verify:
        return None
    context = ssl.create_default_context()
    if ca is not None:
        try:
            context.load_verify_locations(cafile=str(ca))
        except (ssl.SSLError, OSError, ValueError):
            raise GrafanaSetupError(
                f"GRAFANA_TLS_CA={ca}: not a PEM CA certificate; point it at the PEM file of "
                "the CA that signed Grafana's certificate"
            ) from None
    if cert is not None:
        try:
            context.load_cert_chain(certfile=str(cert), keyfile=str(key) if key else None)
        except (ssl.SSLError, OSError, ValueError):
            raise GrafanaSetupError(
                f"GRAFANA_TLS_CERT={cert} with GRAFANA_TLS_KEY={key}: not a PEM certificate and "
                "its unencrypted private key; point them at the client certificate and its key"
            ) from None
    if skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        log.warning(
            "GRAFANA_TLS_SKIP_VERIFY is set: Grafana's certificate is not verified, so anyone "
            "between here and Grafana can read the credentials; set GRAFANA_TLS_CA instead"
        )
    return context


def namespace(org_id: int) -> str:
    """The resource API's namespace of an organisation (OSS and on-premise Grafana).

    >>> namespace(1), namespace(3)
    ('default', 'org-3')
    """
    return "default" if org_id == 1 else f"org-{org_id}"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number, or an HTTP date.

    >>> retry_after("2"), retry_after(None), retry_after("soon")
    (2.0, None, None)
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Grafana:
    """``Grafana(url, token=...)`` or ``Grafana(url, user=..., password=...)``."""

    url: str
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    org_id: int = 1
    tls: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    attempts: int = ATTEMPTS

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

    @property
    def namespace(self) -> str:
        return namespace(self.org_id)

    def _auth_header(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None and self.password is not None:
            raw = f"{self.user}:{self.password}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return None

    def _opener(self) -> urllib.request.OpenerDirector:
        handlers: list[urllib.request.BaseHandler] = [_SameOriginRedirect()]
        if self.tls is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self.tls))
        return urllib.request.build_opener(*handlers)

    def request(self, method: str, path: str, body: Any = None) -> Response:
        """One call, retried on 429 and 5xx; raises GrafanaError for transport failures, 401,
        403 and answers that stay 429 or 5xx."""
        where = f"Grafana at {redact(self.base)}"
        retried = RETRIED_READ if method in IDEMPOTENT else RETRIED_WRITE
        for attempt in range(1, self.attempts + 1):
            resp = self._once(method, path, body)
            if resp.status not in retried:
                return resp
            asked = retry_after(resp.headers.get("Retry-After"))
            if asked is not None and asked > MAX_WAIT:
                raise GrafanaError(
                    f"{where} answered {resp.status} to {method} {path} and asks to wait "
                    f"{asked:g}s (Retry-After), more than the {MAX_WAIT:g}s the push waits: "
                    "push again later"
                )
            if attempt == self.attempts:
                break
            wait = asked if asked is not None else BACKOFF * 2 ** (attempt - 1)
            log.warning(
                "%s answered %s to %s %s; trying again in %gs (%d of %d)",
                where,
                resp.status,
                method,
                path,
                wait,
                attempt + 1,
                self.attempts,
            )
            sleep(wait)
        raise GrafanaError(
            f"{where} answered {resp.status} to {method} {path} {self.attempts} times "
            f"({resp.message}): Grafana is overloaded or failing; check its logs and push again"
        )

    def _once(self, method: str, path: str, body: Any) -> Response:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        req.add_header("X-Grafana-Org-Id", str(self.org_id))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        auth = self._auth_header()
        if auth:
            req.add_header("Authorization", auth)
        where = f"Grafana at {redact(self.base)}"
        log.debug("%s %s", method, path)
        try:
            with self._opener().open(req, timeout=self.timeout) as resp:
                status, raw, headers = resp.status, resp.read(), dict(resp.headers.items())
        except urllib.error.HTTPError as err:
            status, raw, headers = err.code, err.read(), dict(err.headers.items())
        except urllib.error.URLError as err:
            raise _transport_error(where, err.reason, self.timeout) from None
        except TimeoutError as err:
            raise _transport_error(where, err, self.timeout) from None
        except (ssl.SSLError, ConnectionError) as err:
            raise _transport_error(where, err, self.timeout) from None
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        resp_ = Response(status, parsed, headers)
        # Credentials of another organisation: 401, or a 403 that names the namespace.
        other_org = status == 401 or (
            status == 403 and any(w in resp_.message.lower() for w in ("namespace", "organization"))
        )
        if other_org and self.org_id != 1 and auth is not None:
            how = "GRAFANA_TOKEN" if self.token else "GRAFANA_USER"
            raise GrafanaSetupError(
                f"{where} refused {method} {path} in organisation {self.org_id} "
                f"({status}: {resp_.message}): check GRAFANA_ORG_ID={self.org_id}, the "
                f"credentials ({how}) must belong to that organisation"
            )
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

    def resource_version(self, group: str, wanted: tuple[str, ...]) -> str | None:
        """The first of ``wanted`` that the server offers of the resource API ``group``
        (``GET /apis/<group>`` lists them); None when it offers none of them, as a server before
        Grafana 12 does (it answers 404)."""
        resp = self.get(f"/apis/{group}")
        if resp.status not in (200, 404, 406):
            raise GrafanaError(
                f"Grafana at {redact(self.base)} answered /apis/{group} with {resp.status} "
                f"({resp.message}); is GRAFANA_URL the Grafana root URL?"
            )
        found = resp.body if resp.status == 200 and isinstance(resp.body, dict) else {}
        offered = {v.get("version") for v in found.get("versions") or [] if isinstance(v, dict)}
        return next((v for v in wanted if v in offered), None)

    def items(self, path: str, page: int = 500) -> Iterator[dict[str, Any]]:
        """Every item of the resource list at ``path``, page by page (``metadata.continue``)."""
        token = ""
        while True:
            query = {"limit": str(page), **({"continue": token} if token else {})}
            resp = self.get(f"{path}?{urllib.parse.urlencode(query)}")
            if resp.status != 200 or not isinstance(resp.body, dict):
                raise GrafanaError(
                    f"listing {path} failed ({resp.status}: {resp.message}); check Grafana's logs"
                )
            yield from resp.body.get("items") or []
            token = str((resp.body.get("metadata") or {}).get("continue") or "")
            if not token:
                return

    def put(self, path: str, body: Any) -> Response:
        return self.request("PUT", path, body)

    def delete(self, path: str) -> Response:
        return self.request("DELETE", path)


# OpenSSL's names for a server that wants a client certificate or refuses the one it got.
_CLIENT_CERT_REFUSED = (
    "CERTIFICATE_REQUIRED",
    "UNKNOWN_CA",
    "BAD_CERTIFICATE",
    "CERTIFICATE_UNKNOWN",
)


def _transport_error(where: str, reason: object, timeout: float) -> GrafanaError:
    if isinstance(reason, ssl.SSLCertVerificationError):
        return GrafanaSetupError(_transport(where, reason, timeout))
    refused = isinstance(reason, ssl.SSLError) and any(
        name in str(reason).upper() for name in _CLIENT_CERT_REFUSED
    )
    # A server that wants a client certificate may close the connection instead of saying so.
    closed = isinstance(reason, ssl.SSLEOFError | ConnectionResetError) and "https://" in where
    if closed:
        return GrafanaSetupError(
            f"{where} closed the TLS connection ({reason}): when it requires a client "
            "certificate, set GRAFANA_TLS_CERT and GRAFANA_TLS_KEY to one signed by a CA it "
            "trusts; otherwise check GRAFANA_URL and Grafana's logs"
        )
    if refused:
        return GrafanaSetupError(
            f"{where} refused the TLS connection for want of a client certificate it trusts "
            f"({getattr(reason, 'reason', None) or reason}): set GRAFANA_TLS_CERT and "
            "GRAFANA_TLS_KEY to a certificate signed by a CA Grafana's server trusts"
        )
    return GrafanaError(_transport(where, reason, timeout))


def _transport(where: str, reason: object, timeout: float) -> str:
    """One line for a failure below HTTP: refused, timed out, TLS, DNS."""
    if isinstance(reason, ssl.SSLCertVerificationError):
        return (
            f"TLS verification of {where} failed ({reason.verify_message}): set GRAFANA_TLS_CA "
            "to the CA that signed Grafana's certificate, or fix GRAFANA_URL's host name"
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
