"""TLS between the worker and the Bridge: credentials from :class:`core.settings.BridgeTLS`.

::

    tls = settings.load().bridge_tls        # BRIDGE_TLS_CA, BRIDGE_TLS_CERT, ... or PLAINTEXT
    async with BridgeClient(address, tls=tls) as bridge:
        ...

The files are read and checked when the credentials are built, so a wrong file is a one-line
error naming the setting before any call: not a certificate, a client certificate that expired
or is not valid yet. What only the handshake can tell (the Bridge's certificate signed by
another CA or expired, a client certificate the Bridge wants and did not get) is explained by
:func:`explain_failure` from gRPC's status text, again naming the setting to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
from cryptography import x509

from core.errors import SettingsError
from core.settings import BridgeTLS


def read_certificate(path: Path, setting: str) -> x509.Certificate:
    """The first PEM certificate in ``path``; SettingsError naming ``setting`` otherwise."""
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not a PEM certificate"
        raise SettingsError(f"{setting}={path}: {reason}; point it at a PEM file") from None


def check_validity(cert: x509.Certificate, path: Path, setting: str, now: datetime) -> None:
    """SettingsError naming ``setting`` when ``cert`` is expired or not valid yet at ``now``."""
    if cert.not_valid_after_utc <= now:
        when = cert.not_valid_after_utc.isoformat()
        raise SettingsError(f"{setting}={path}: the certificate expired on {when}; renew it")
    if cert.not_valid_before_utc > now:
        when = cert.not_valid_before_utc.isoformat()
        raise SettingsError(f"{setting}={path}: the certificate is not valid before {when}")


def client_certificate_expiry(tls: BridgeTLS) -> datetime | None:
    """When the client certificate stops being valid (None without mTLS)."""
    if tls.cert is None:
        return None
    return read_certificate(tls.cert, "BRIDGE_TLS_CERT").not_valid_after_utc


def _read(path: Path | None, setting: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as err:
        raise SettingsError(f"{setting}={path}: {err.strerror}") from None


def channel_credentials(
    tls: BridgeTLS, now: datetime | None = None
) -> grpc.ChannelCredentials | None:
    """Credentials for a secure channel, or None for plaintext (only when asked for)."""
    if tls.plaintext:
        return None
    now = now or datetime.now(UTC)
    if tls.ca is not None:
        read_certificate(tls.ca, "BRIDGE_TLS_CA")
    if tls.cert is not None:
        check_validity(
            read_certificate(tls.cert, "BRIDGE_TLS_CERT"), tls.cert, "BRIDGE_TLS_CERT", now
        )
    return grpc.ssl_channel_credentials(
        root_certificates=_read(tls.ca, "BRIDGE_TLS_CA"),
        private_key=_read(tls.key, "BRIDGE_TLS_KEY"),
        certificate_chain=_read(tls.cert, "BRIDGE_TLS_CERT"),
    )


def channel_options(tls: BridgeTLS) -> list[tuple[str, str]]:
    """The name verified on the Bridge's certificate, when it differs from the address' host."""
    if tls.server_name and not tls.plaintext:
        return [("grpc.ssl_target_name_override", tls.server_name)]
    return []


@dataclass(frozen=True)
class ServerTLS:
    """What the simulator serves: its certificate and key, and with ``client_ca`` mTLS (a client
    certificate signed by that CA is required)."""

    cert: Path
    key: Path
    client_ca: Path | None = None


def server_credentials(tls: ServerTLS) -> grpc.ServerCredentials:
    cert, key = _read(tls.cert, "--tls-cert"), _read(tls.key, "--tls-key")
    assert cert is not None and key is not None
    return grpc.ssl_server_credentials(
        [(key, cert)],
        root_certificates=_read(tls.client_ca, "--tls-client-ca"),
        require_client_auth=tls.client_ca is not None,
    )


# What gRPC's status text says (BoringSSL's reasons, measured with grpcio 1.85) and the setting
# to fix. A Bridge that refuses the client's certificate, or wanted one and got none, closes the
# connection without a reason: the client then sees only "Socket closed".
_EXPIRED = "certificate has expired"
_UNTRUSTED = ("unable to get local issuer certificate", "self signed certificate", "self-signed")
_NOT_TLS = "WRONG_VERSION_NUMBER"
_CLOSED = "Socket closed"


def explain_failure(details: str, tls: BridgeTLS) -> str | None:
    """A one-line reason naming the setting to fix, when ``details`` (gRPC's status text of an
    UNAVAILABLE call) shows a TLS failure; None otherwise or on a plaintext channel."""
    if tls.plaintext:
        return None
    if _EXPIRED in details:
        return "the Bridge's certificate has expired (renew it on the Bridge)"
    if any(reason in details for reason in _UNTRUSTED) or "CERTIFICATE_VERIFY_FAILED" in details:
        ca = f"BRIDGE_TLS_CA={tls.ca}" if tls.ca else "the system roots (BRIDGE_TLS_CA is unset)"
        return f"the Bridge's certificate is not signed by {ca}; set BRIDGE_TLS_CA to its CA"
    if _NOT_TLS in details:
        return (
            "the Bridge does not answer TLS; check BRIDGE_ADDRESS (BRIDGE_PLAINTEXT=true is "
            "for a local simulator only)"
        )
    if _CLOSED in details and tls.cert is None:
        return (
            "the Bridge closed the connection in the handshake: it requires a client "
            "certificate; set BRIDGE_TLS_CERT and BRIDGE_TLS_KEY"
        )
    if _CLOSED in details:
        return (
            f"the Bridge closed the connection in the handshake: it refused the client "
            f"certificate BRIDGE_TLS_CERT={tls.cert} (signed by a CA it does not trust?)"
        )
    return None
