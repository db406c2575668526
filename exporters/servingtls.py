"""The TLS the exporter's endpoint serves, from a web config's ``tls_server_config``.

::

    tls_server_config:
      cert_file: tls.crt                 # relative to the web config file
      key_file: tls.key
      client_ca_file: ca.crt             # optional: client certificates required
      client_auth_type: RequireAndVerifyClientCert
      min_version: TLS12                 # TLS10 | TLS11 | TLS12 (default) | TLS13
      max_version: TLS13
      cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]   # Go's names, TLS 1.2 and older
      prefer_server_cipher_suites: true

The keys and spellings are exporter-toolkit's, so one file serves every exporter. The
certificate and key are read again when their files change (checked at most once a second, on
a new connection or a scrape of the expiry): a renewed certificate is served without a restart,
and a pair that does not load keeps the previous one serving, with one line in the log.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from exporters.config import ConfigError

log = logging.getLogger(__name__)

# How often, at most, the certificate and key files are looked at for a change.
CHECK_EVERY_SECONDS = 1.0

_KEYS = {
    "cert_file",
    "key_file",
    "client_ca_file",
    "client_auth_type",
    "min_version",
    "max_version",
    "cipher_suites",
    "prefer_server_cipher_suites",
}
_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
# exporter-toolkit takes the names of Go's crypto/tls CipherSuites() (the ones without known
# weaknesses); these are OpenSSL's names for the same suites.
CIPHERS = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
}
# TLS 1.3's suites are always on, in Go as in OpenSSL: naming them restricts nothing.
TLS13_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}


@dataclass(frozen=True)
class _Options:
    """Everything the context is built from; only the files' content may change later."""

    where: str
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None
    verify_mode: ssl.VerifyMode
    min_version: ssl.TLSVersion
    max_version: ssl.TLSVersion
    ciphers: str | None  # OpenSSL cipher list for TLS 1.2 and older; None: OpenSSL's default
    prefer_server_ciphers: bool


class ServingTLS:
    """The SSL context connections are served with, rebuilt when the certificate or key file
    changes. Thread-safe: the accept loop and scrapes both ask for it."""

    def __init__(self, options: _Options) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._stamp = _stamp(options)
        self._context, self._not_after = _build(options)
        self._checked = time.monotonic()
        self._refused: tuple[int, ...] | None = None  # files already found broken

    @property
    def mutual(self) -> bool:
        return self.options.verify_mode == ssl.CERT_REQUIRED

    def context(self) -> ssl.SSLContext:
        self._reload_if_changed()
        return self._context

    def not_after(self) -> float:
        """Unix time the certificate now served expires."""
        self._reload_if_changed()
        return self._not_after

    def _reload_if_changed(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._checked < CHECK_EVERY_SECONDS:
                return
            self._checked = now
            try:
                stamp = _stamp(self.options)
            except ConfigError as err:  # a file missing in the middle of its replacement
                self._refuse((), err)
                return
            if stamp == self._stamp or stamp == self._refused:
                return
            try:
                context, not_after = _build(self.options)
            except ConfigError as err:
                self._refuse(stamp, err)
                return
            self._context, self._not_after, self._stamp = context, not_after, stamp
            self._refused = None
        log.info(
            "serving the renewed certificate %s (expires %s)",
            self.options.cert_file,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(not_after)),
        )

    def _refuse(self, stamp: tuple[int, ...], err: ConfigError) -> None:
        if stamp == self._refused:  # said once per broken state, not once a second
            return
        self._refused = stamp
        # The message names the files and the reason, never their content.
        log.warning("%s; still serving the certificate loaded before", err)


def parse(tls: Any, where: str, base: Path) -> ServingTLS:
    """A ``tls_server_config`` mapping, checked; ConfigError naming the key otherwise."""
    if not isinstance(tls, dict):
        raise ConfigError(f"{where}: tls_server_config must be a mapping")
    unknown = set(tls) - _KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key tls_server_config.{sorted(unknown)[0]}; known: "
            + ", ".join(sorted(_KEYS))
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

    auth = tls.get("client_auth_type") or (
        "RequireAndVerifyClientCert" if tls.get("client_ca_file") else "NoClientCert"
    )
    if auth not in _CLIENT_AUTH:
        raise ConfigError(
            f"{where}: tls_server_config.client_auth_type={auth!r}; use one of "
            + ", ".join(_CLIENT_AUTH)
        )
    if not tls.get("client_ca_file") and auth != "NoClientCert":
        raise ConfigError(
            f"{where}: client_auth_type={auth} needs tls_server_config.client_ca_file"
        )
    lowest = _version(tls, "min_version", "TLS12", where)
    highest = _version(tls, "max_version", "TLS13", where)
    if lowest > highest:
        raise ConfigError(
            f"{where}: tls_server_config.min_version={tls['min_version']} is above "
            f"max_version={tls.get('max_version', 'TLS13')}; lower min_version"
        )
    ciphers = _ciphers(tls.get("cipher_suites"), where)
    if ciphers == "":  # TLS 1.3 suites only: as in Go, nothing older can be negotiated
        if highest < ssl.TLSVersion.TLSv1_3:
            raise ConfigError(
                f"{where}: tls_server_config.cipher_suites names TLS 1.3 suites only, but "
                f"max_version={tls['max_version']}; add TLS 1.2 suites or raise max_version"
            )
        lowest, ciphers = ssl.TLSVersion.TLSv1_3, None
    prefer = tls.get("prefer_server_cipher_suites", True)
    if not isinstance(prefer, bool):
        raise ConfigError(
            f"{where}: tls_server_config.prefer_server_cipher_suites={prefer!r}; use true or false"
        )
    return ServingTLS(
        _Options(
            where=where,
            cert_file=resolve("cert_file"),
            key_file=resolve("key_file"),
            client_ca_file=resolve("client_ca_file") if tls.get("client_ca_file") else None,
            verify_mode=_CLIENT_AUTH[auth],
            min_version=lowest,
            max_version=highest,
            ciphers=ciphers,
            prefer_server_ciphers=prefer,
        )
    )


def _version(tls: dict[str, Any], key: str, default: str, where: str) -> ssl.TLSVersion:
    value = tls.get(key, default)
    if value not in VERSIONS:
        raise ConfigError(
            f"{where}: tls_server_config.{key}={value!r}; use one of " + ", ".join(VERSIONS)
        )
    return VERSIONS[value]


def _ciphers(names: Any, where: str) -> str | None:
    """The OpenSSL cipher list of exporter-toolkit's ``cipher_suites``; "" when every name is a
    TLS 1.3 suite, None when the key is absent or empty (OpenSSL's default list)."""
    if names is None or names == []:
        return None
    if not isinstance(names, list):
        raise ConfigError(f"{where}: tls_server_config.cipher_suites must be a list of names")
    chosen = []
    for name in names:
        if name in TLS13_SUITES:
            continue
        if name not in CIPHERS:
            raise ConfigError(
                f"{where}: tls_server_config.cipher_suites: unknown cipher {name!r}; use Go's "
                "names of suites without known weaknesses, e.g. "
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            )
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).set_ciphers(CIPHERS[name])
        except ssl.SSLError:
            raise ConfigError(
                f"{where}: tls_server_config.cipher_suites: {name} is not offered by this "
                f"OpenSSL ({ssl.OPENSSL_VERSION}); choose another suite"
            ) from None
        chosen.append(CIPHERS[name])
    return ":".join(chosen)


def _stamp(options: _Options) -> tuple[int, ...]:
    """What tells that a file changed: its modification time, size and inode (a Kubernetes
    Secret volume swaps a symlink; stat follows it to the new file)."""
    stamp: list[int] = []
    for key, path in (("cert_file", options.cert_file), ("key_file", options.key_file)):
        try:
            info = path.stat()
        except OSError as err:
            raise ConfigError(
                f"{options.where}: tls_server_config.{key}={path}: {err.strerror}"
            ) from None
        stamp += [info.st_mtime_ns, info.st_size, info.st_ino]
    return tuple(stamp)


def _build(options: _Options) -> tuple[ssl.SSLContext, float]:
    where = options.where
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated, and asked for
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = options.min_version
        context.maximum_version = options.max_version
    if options.ciphers:
        context.set_ciphers(options.ciphers)
    if options.prefer_server_ciphers:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        context.load_cert_chain(options.cert_file, options.key_file)
    except (ssl.SSLError, OSError) as err:
        raise ConfigError(
            f"{where}: tls_server_config.cert_file/key_file cannot be loaded "
            f"({getattr(err, 'reason', None) or err.__class__.__name__}); check both are PEM "
            "and belong together"
        ) from None
    if options.client_ca_file is not None:
        try:
            context.load_verify_locations(options.client_ca_file)
        except (ssl.SSLError, OSError):
            raise ConfigError(
                f"{where}: tls_server_config.client_ca_file is not a PEM CA bundle"
            ) from None
    context.verify_mode = options.verify_mode
    return context, _not_after(options)


def _not_after(options: _Options) -> float:
    try:
        loaded = x509.load_pem_x509_certificate(options.cert_file.read_bytes())
    except (OSError, ValueError):
        raise ConfigError(
            f"{options.where}: tls_server_config.cert_file={options.cert_file}: not a PEM "
            "certificate"
        ) from None
    return loaded.not_valid_after_utc.timestamp()
