"""TLS, basic auth and response headers for the exporter's own endpoint, from an exporter-toolkit
web config.

The same file format every Prometheus exporter reads::

    tls_server_config:
      cert_file: /etc/dict-exporter/tls.crt
      key_file: /etc/dict-exporter/tls.key
      client_ca_file: /etc/dict-exporter/ca.crt   # optional: require client certificates
      min_version: TLS12                          # see exporters.servingtls for the rest
    http_server_config:
      headers:
        Strict-Transport-Security: max-age=31536000
        X-Content-Type-Options: nosniff
    basic_auth_users:
      prometheus: $2b$12$...                       # bcrypt hash (htpasswd -nBC 12 "" | tr -d ':')

Only exporter-toolkit's keys that the endpoint honours are understood; anything else is an
error rather than silently ignored, because a misspelt key would leave the endpoint open. Every
hash is checked when the file is loaded, so a malformed one stops the exporter at start instead
of failing every request later.

Password checks are built not to leak or burn: one bcrypt check runs at a time (sixteen wrong
passwords at once must not take every core), an unknown user is checked against a fixed hash of
the same cost (its refusal takes as long as a wrong password's, so user names cannot be found
by timing), and a password longer than bcrypt's 72 bytes is refused like any wrong one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from exporters import servingtls
from exporters.config import ConfigError

# bcrypt's modular crypt format: version, a two-digit cost 04..31, 22 characters of salt and 31
# of hash in bcrypt's base64 alphabet.
_BCRYPT_HASH = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")
BCRYPT_MAX_PASSWORD_BYTES = 72
# The response headers exporter-toolkit lets a web config set, and the values it allows (None:
# any value). Others are refused, as there: the set is the same across the Prometheus ecosystem.
HEADERS: dict[str, tuple[str, ...] | None] = {
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": None,
    "Content-Security-Policy": None,
}


@dataclass
class WebConfig:
    tls: servingtls.ServingTLS | None = None
    headers: dict[str, str] = field(default_factory=dict)  # added to every response
    users: dict[str, bytes] = field(default_factory=dict, repr=False)  # user → bcrypt hash
    # bcrypt is slow on purpose; remember digests of credentials already checked so that a
    # scrape every 15 s does not cost a bcrypt round each time.
    _verified: set[bytes] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One bcrypt check at a time, whatever the number of connections.
    _bcrypt_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # What an unknown user's password is checked against: as costly as the users' hashes.
    _unknown_user_hash: bytes = field(default=b"", repr=False)

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        """The context of the next connection (rebuilt when the certificate files changed)."""
        return self.tls.context() if self.tls is not None else None

    @property
    def cert_not_after(self) -> float | None:
        """Unix time the certificate now served expires; None without TLS."""
        return self.tls.not_after() if self.tls is not None else None

    @property
    def auth_required(self) -> bool:
        return bool(self.users)

    def describe(self) -> str:
        """What the endpoint asks of a client, for ``--check-config``.

        >>> WebConfig().describe()
        'plain HTTP, no authentication'
        """
        tls = "plain HTTP"
        if self.tls is not None:
            tls = "TLS with client certificates" if self.tls.mutual else "TLS"
        users = f"basic auth ({len(self.users)} users)" if self.users else "no authentication"
        return f"{tls}, {users}"

    def check(self, user: str, password: str) -> bool:
        known = self.users.get(user)
        hashed = known if known is not None else self._fixed_hash()
        secret = password.encode()
        digest = hashlib.sha256(hashed + b"\0" + secret).digest()
        with self._lock:
            if known is not None and any(
                hmac.compare_digest(digest, seen) for seen in self._verified
            ):
                return True
        # The same bcrypt round for every refusal: an unknown user, a wrong password, and a
        # password bcrypt cannot take (over 72 bytes: its first 72 bytes are checked, then
        # refused).
        with self._bcrypt_lock:
            matches = bcrypt.checkpw(secret[:BCRYPT_MAX_PASSWORD_BYTES], hashed)
        if not matches or known is None or len(secret) > BCRYPT_MAX_PASSWORD_BYTES:
            return False
        with self._lock:
            self._verified.add(digest)
        return True

    def _fixed_hash(self) -> bytes:
        with self._lock:
            if not self._unknown_user_hash:
                cost = max((int(h[4:6]) for h in self.users.values()), default=12)
                salt = bcrypt.gensalt(rounds=cost)
                self._unknown_user_hash = bcrypt.hashpw(b"no such user", salt)
            return self._unknown_user_hash


def load(path: Path | None, origin: str = "--web.config.file") -> WebConfig:
    if path is None:
        return WebConfig()
    where = f"{origin}={path}"
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except OSError as err:
        raise ConfigError(f"{where}: cannot read it ({err.strerror})") from None
    except yaml.YAMLError:
        raise ConfigError(f"{where}: not valid YAML") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: expected a mapping with tls_server_config/basic_auth_users")
    unknown = set(doc) - {"tls_server_config", "http_server_config", "basic_auth_users"}
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {sorted(unknown)[0]!r}; known: basic_auth_users, "
            "http_server_config, tls_server_config"
        )
    config = WebConfig()
    if doc.get("tls_server_config") is not None:
        config.tls = servingtls.parse(doc["tls_server_config"], where, path.parent)
    if doc.get("http_server_config") is not None:
        config.headers = _headers(doc["http_server_config"], where)
    if doc.get("basic_auth_users") is not None:
        config.users = _users(doc["basic_auth_users"], where)
        config._fixed_hash()  # at load, so the first unknown user costs no more than others
    return config


def _headers(http: Any, where: str) -> dict[str, str]:
    """``http_server_config``: its ``headers``, checked as exporter-toolkit checks them."""
    if not isinstance(http, dict):
        raise ConfigError(f"{where}: http_server_config must be a mapping")
    unknown = set(http) - {"headers", "http2"}
    if unknown:
        raise ConfigError(
            f"{where}: unknown key http_server_config.{sorted(unknown)[0]}; known: headers, http2"
        )
    if not isinstance(http.get("http2", True), bool):
        raise ConfigError(f"{where}: http_server_config.http2 must be true or false")
    headers = http.get("headers") or {}
    if not isinstance(headers, dict):
        raise ConfigError(f"{where}: http_server_config.headers must map header names to values")
    out: dict[str, str] = {}
    for name, value in headers.items():
        text = "" if value is None else str(value)
        if name not in HEADERS:
            raise ConfigError(
                f"{where}: http_server_config.headers.{name} cannot be set; allowed: "
                + ", ".join(HEADERS)
            )
        allowed = HEADERS[name]
        if allowed is not None and text not in allowed:
            raise ConfigError(
                f"{where}: http_server_config.headers.{name}={text!r}; use one of "
                + ", ".join(allowed)
            )
        if "\r" in text or "\n" in text:
            raise ConfigError(f"{where}: http_server_config.headers.{name} holds a line break")
        if text:  # blank: unset, as in exporter-toolkit
            out[str(name)] = text
    return out


def _users(users: Any, where: str) -> dict[str, bytes]:
    if not isinstance(users, dict) or not users:
        raise ConfigError(f"{where}: basic_auth_users must map user names to bcrypt hashes")
    out: dict[str, bytes] = {}
    for user, hashed in users.items():
        text = str(hashed or "").strip()
        if not _BCRYPT_HASH.fullmatch(text) or not _bcrypt_accepts(text.encode()):
            # Never echo the value: it might be a plain password put there by mistake.
            raise ConfigError(
                f"{where}: basic_auth_users.{user} is not a bcrypt hash ($2b$, a cost of 04 to "
                f"31, 53 characters of salt and hash); make one with `htpasswd -nBC 12 {user}` "
                "and keep the part after the colon"
            )
        out[str(user)] = text.encode()
    return out


def _bcrypt_accepts(hashed: bytes) -> bool:
    """Whether the bcrypt library takes the hash; costs one round of its cost, once, at load."""
    try:
        bcrypt.checkpw(b"", hashed)
    except ValueError:
        return False
    return True
