"""TLS and basic auth for the exporter's own endpoint, from an exporter-toolkit web config.

The same file format every Prometheus exporter reads::

    tls_server_config:
      cert_file: /etc/dict-exporter/tls.crt
      key_file: /etc/dict-exporter/tls.key
      client_ca_file: /etc/dict-exporter/ca.crt   # optional: require client certificates
    basic_auth_users:
      prometheus: $2b$12$...                       # bcrypt hash (htpasswd -nBC 12 "" | tr -d ':')

Only these keys (and ``client_auth_type``) are understood; anything else is an error rather than
silently ignored, because a misspelt key would leave the endpoint open. Every hash is checked
when the file is loaded, so a malformed one stops the exporter at start instead of failing every
request later.

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
from cryptography import x509

from exporters.config import ConfigError

_TLS_KEYS = {"cert_file", "key_file", "client_ca_file", "client_auth_type"}
# bcrypt's modular crypt format: version, a two-digit cost 04..31, 22 characters of salt and 31
# of hash in bcrypt's base64 alphabet.
_BCRYPT_HASH = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")
BCRYPT_MAX_PASSWORD_BYTES = 72
_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}


@dataclass
class WebConfig:
    ssl_context: ssl.SSLContext | None = None
    cert_not_after: float | None = None  # Unix time the served certificate expires
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
    def auth_required(self) -> bool:
        return bool(self.users)

    def describe(self) -> str:
        """What the endpoint asks of a client, for ``--check-config``.

        >>> WebConfig().describe()
        'plain HTTP, no authentication'
        """
        tls = "plain HTTP"
        if self.ssl_context is not None:
            mutual = self.ssl_context.verify_mode == ssl.CERT_REQUIRED
            tls = "TLS with client certificates" if mutual else "TLS"
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
    unknown = set(doc) - {"tls_server_config", "basic_auth_users"}
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {sorted(unknown)[0]!r}; known: basic_auth_users, "
            "tls_server_config"
        )
    config = WebConfig()
    if doc.get("tls_server_config") is not None:
        config.ssl_context, cert = _ssl_context(doc["tls_server_config"], where, path.parent)
        config.cert_not_after = _not_after(cert, where)
    if doc.get("basic_auth_users") is not None:
        config.users = _users(doc["basic_auth_users"], where)
        config._fixed_hash()  # at load, so the first unknown user costs no more than others
    return config


def _not_after(cert: Path, where: str) -> float:
    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except (OSError, ValueError):
        raise ConfigError(
            f"{where}: tls_server_config.cert_file={cert}: not a PEM certificate"
        ) from None
    return loaded.not_valid_after_utc.timestamp()


def _ssl_context(tls: Any, where: str, base: Path) -> tuple[ssl.SSLContext, Path]:
    if not isinstance(tls, dict):
        raise ConfigError(f"{where}: tls_server_config must be a mapping")
    unknown = set(tls) - _TLS_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key tls_server_config.{sorted(unknown)[0]}; known: "
            + ", ".join(sorted(_TLS_KEYS))
        )
    for key in ("cert_file", "key_file"):
        if not tls.get(key):
            raise ConfigError(f"{where}: tls_server_config.{key} is required")

    def resolve(key: str) -> Path:
        # Relative paths are relative to the web config file, as in exporter-toolkit.
        file = Path(str(tls[key]))
        file = file if file.is_absolute() else base / file
        if not file.is_file():
            raise ConfigError(f"{where}: tls_server_config.{key}={file}: no such file")
        return file

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    cert_file = resolve("cert_file")
    try:
        context.load_cert_chain(cert_file, resolve("key_file"))
    except (ssl.SSLError, OSError) as err:
        raise ConfigError(
            f"{where}: tls_server_config.cert_file/key_file cannot be loaded "
            f"({getattr(err, 'reason', None) or err.__class__.__name__}); check both are PEM "
            "and belong together"
        ) from None
    auth = tls.get("client_auth_type") or (
        "RequireAndVerifyClientCert" if tls.get("client_ca_file") else "NoClientCert"
    )
    if auth not in _CLIENT_AUTH:
        raise ConfigError(
            f"{where}: tls_server_config.client_auth_type={auth!r}; use one of "
            + ", ".join(_CLIENT_AUTH)
        )
    if tls.get("client_ca_file"):
        try:
            context.load_verify_locations(resolve("client_ca_file"))
        except ssl.SSLError:
            raise ConfigError(
                f"{where}: tls_server_config.client_ca_file is not a PEM CA bundle"
            ) from None
    elif auth != "NoClientCert":
        raise ConfigError(
            f"{where}: client_auth_type={auth} needs tls_server_config.client_ca_file"
        )
    context.verify_mode = _CLIENT_AUTH[auth]
    return context, cert_file


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
