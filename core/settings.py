"""The one place that reads the environment.

Every part of the pack (worker, exporter, CLI, dashboards push) takes its connection settings
from here, so a variable has one name and one default everywhere. Defaults are the
specification's: namespace ``dict``, task queue ``dict-task-queue``, frontend on 7233, server
metrics on 7243.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core import addresses
from core.errors import SettingsError

NAMESPACE = "dict"
TASK_QUEUE = "dict-task-queue"
TEMPORAL_PORT = 7233
SERVER_METRICS_PORT = 7243
WORKER_METRICS_PORT = 9464
EXPORTER_PORT = 9465
BRIDGE_PORT = 50051
PROMETHEUS_PORT = 9090
ALERTMANAGER_PORT = 9093
CODEC_SERVER_PORT = 8081


@dataclass(frozen=True)
class TemporalSettings:
    address: str = f"localhost:{TEMPORAL_PORT}"
    namespace: str = NAMESPACE
    task_queue: str = TASK_QUEUE
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_server_name: str | None = None
    api_key: str | None = field(default=None, repr=False)
    # Payloads are encrypted with the keys in this file (core.codec); unset: plaintext.
    codec_key_file: Path | None = None

    @property
    def tls_enabled(self) -> bool:
        return any((self.tls_ca, self.tls_cert, self.api_key))


@dataclass(frozen=True)
class GrafanaSettings:
    url: str | None = None
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    org_id: int = 1
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_skip_verify: bool = False


@dataclass(frozen=True)
class Settings:
    temporal: TemporalSettings
    grafana: GrafanaSettings
    bridge_address: str = f"localhost:{BRIDGE_PORT}"
    worker_metrics_address: str = f"127.0.0.1:{WORKER_METRICS_PORT}"
    exporter_address: str = f"127.0.0.1:{EXPORTER_PORT}"
    bridge_tls: BridgeTLS = field(default_factory=lambda: BridgeTLS())


def _path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise SettingsError(f"{name}={value}: no such file; point it at a readable file")
    return path


def _api_key(env: Mapping[str, str]) -> str | None:
    """``TEMPORAL_API_KEY``, or the key read from the file ``TEMPORAL_API_KEY_FILE`` names (a
    mounted Secret keeps the key out of the process environment)."""
    key, path = env.get("TEMPORAL_API_KEY") or None, _path(env, "TEMPORAL_API_KEY_FILE")
    if key and path:
        raise SettingsError("TEMPORAL_API_KEY and TEMPORAL_API_KEY_FILE are both set: keep one")
    if path is None:
        return key
    try:
        return path.read_text().strip() or None
    except (OSError, UnicodeDecodeError):
        raise SettingsError(f"TEMPORAL_API_KEY_FILE={path}: cannot read it as text") from None


def _codec_key_file(env: Mapping[str, str]) -> Path | None:
    """``TEMPORAL_CODEC_KEY_FILE``, checked now (a bad key file is an error before anything
    connects, not a failed workflow task later)."""
    value = env.get("TEMPORAL_CODEC_KEY_FILE")
    if not value:
        return None
    from core.codec import KeyRing  # the cryptography library, only for who encrypts

    KeyRing.read(Path(value), f"TEMPORAL_CODEC_KEY_FILE={value}")
    return Path(value)


def _host_port(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    try:
        addresses.parse(value)
    except ValueError:
        raise SettingsError(f"{name}={value}: expected HOST:PORT, for example {default}") from None
    return value


def temporal_address_variable(env: Mapping[str, str]) -> str:
    """Which variable names the frontend: ``TEMPORAL_ADDRESS``, or the specification's
    ``TEMPORAL_HOST`` (§3.2) when only that one is set.

    >>> temporal_address_variable({"TEMPORAL_HOST": "a:1", "TEMPORAL_ADDRESS": "b:2"})
    'TEMPORAL_ADDRESS'
    >>> temporal_address_variable({"TEMPORAL_HOST": "temporal-frontend:7233"})
    'TEMPORAL_HOST'
    """
    if not env.get("TEMPORAL_ADDRESS") and env.get("TEMPORAL_HOST"):
        return "TEMPORAL_HOST"
    return "TEMPORAL_ADDRESS"


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``env`` (the process environment by default)."""
    env = os.environ if env is None else env
    cert, key = _path(env, "TEMPORAL_TLS_CERT"), _path(env, "TEMPORAL_TLS_KEY")
    if bool(cert) != bool(key):
        raise SettingsError(
            "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together for mTLS: set both or neither"
        )
    temporal = TemporalSettings(
        address=_host_port(env, temporal_address_variable(env), TemporalSettings.address),
        namespace=env.get("TEMPORAL_NAMESPACE") or NAMESPACE,
        task_queue=env.get("TEMPORAL_TASK_QUEUE") or TASK_QUEUE,
        tls_ca=_path(env, "TEMPORAL_TLS_CA"),
        tls_cert=cert,
        tls_key=key,
        tls_server_name=env.get("TEMPORAL_TLS_SERVER_NAME") or None,
        api_key=_api_key(env),
        codec_key_file=_codec_key_file(env),
    )
    _check_temporal_tls(temporal)
    return Settings(
        temporal=temporal,
        grafana=load_grafana(env),
        bridge_address=_host_port(env, "BRIDGE_ADDRESS", Settings.bridge_address),
        worker_metrics_address=_host_port(
            env, "WORKER_METRICS_ADDRESS", Settings.worker_metrics_address
        ),
        exporter_address=_host_port(env, "EXPORTER_ADDRESS", Settings.exporter_address),
        bridge_tls=load_bridge_tls(env),
    )


def _org_id(env: Mapping[str, str]) -> int:
    value = (env.get("GRAFANA_ORG_ID") or "1").strip()
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(
            f"GRAFANA_ORG_ID={value}: expected the organisation's number (1 for the first "
            "organisation); see Administration > Organizations in Grafana"
        )
    return int(value)


def load_grafana(env: Mapping[str, str]) -> GrafanaSettings:
    """``GRAFANA_URL``, ``GRAFANA_TOKEN`` or ``GRAFANA_USER``/``GRAFANA_PASSWORD``,
    ``GRAFANA_ORG_ID`` and the TLS settings of the connection: ``GRAFANA_TLS_CA``,
    ``GRAFANA_TLS_CERT`` with ``GRAFANA_TLS_KEY`` (a client certificate), and
    ``GRAFANA_TLS_SKIP_VERIFY``."""
    cert, key = _path(env, "GRAFANA_TLS_CERT"), _path(env, "GRAFANA_TLS_KEY")
    if bool(cert) != bool(key):
        raise SettingsError(
            "GRAFANA_TLS_CERT and GRAFANA_TLS_KEY go together for a client certificate: "
            "set both or neither"
        )
    ca, skip = _path(env, "GRAFANA_TLS_CA"), _flag(env, "GRAFANA_TLS_SKIP_VERIFY")
    if ca and skip:
        raise SettingsError(
            "GRAFANA_TLS_CA and GRAFANA_TLS_SKIP_VERIFY are both set: a CA verifies the "
            "server, skipping verification ignores it; keep one (the CA)"
        )
    return GrafanaSettings(
        url=(env.get("GRAFANA_URL") or "").rstrip("/") or None,
        token=env.get("GRAFANA_TOKEN") or None,
        user=env.get("GRAFANA_USER") or None,
        password=env.get("GRAFANA_PASSWORD") or None,
        org_id=_org_id(env),
        tls_ca=ca,
        tls_cert=cert,
        tls_key=key,
        tls_skip_verify=skip,
    )


def _check_temporal_tls(temporal: TemporalSettings) -> None:
    """A server name only means something on a TLS connection: alone it would leave the
    connection in plaintext while the operator believes it verified."""
    if temporal.tls_server_name and not temporal.tls_enabled:
        raise SettingsError(
            f"TEMPORAL_TLS_SERVER_NAME={temporal.tls_server_name}: a server name without TLS "
            "would leave the connection in plaintext; set TEMPORAL_TLS_CA (or a client "
            "certificate, or an API key) to connect with TLS, or unset the server name"
        )


# The Bridge connection. The real Bridge (the central bank's DICT network) requires mutual TLS,
# so TLS is the default and plaintext is used only when BRIDGE_PLAINTEXT asks for it (the local
# simulator in the demo and the tests).
BRIDGE_TLS_VARIABLES = (
    "BRIDGE_TLS_CA",
    "BRIDGE_TLS_CERT",
    "BRIDGE_TLS_KEY",
    "BRIDGE_TLS_SERVER_NAME",
)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class BridgeTLS:
    """How the worker reaches the Bridge: TLS (``ca`` unset: the system's roots), mTLS with
    ``cert`` and ``key``, or plaintext only when ``plaintext`` says so."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    server_name: str | None = None
    plaintext: bool = False

    def __post_init__(self) -> None:
        if bool(self.cert) != bool(self.key):
            raise SettingsError(
                "BRIDGE_TLS_CERT and BRIDGE_TLS_KEY go together for mTLS: set both or neither"
            )
        if self.plaintext and any((self.ca, self.cert, self.server_name)):
            raise SettingsError(
                "BRIDGE_PLAINTEXT is set together with BRIDGE_TLS_* settings: keep one "
                "(plaintext is only for a local simulator)"
            )


PLAINTEXT = BridgeTLS(plaintext=True)


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={value}: expected true or false")


def load_bridge_tls(env: Mapping[str, str]) -> BridgeTLS:
    """``BRIDGE_TLS_CA``, ``BRIDGE_TLS_CERT``, ``BRIDGE_TLS_KEY``, ``BRIDGE_TLS_SERVER_NAME`` and
    ``BRIDGE_PLAINTEXT`` (``true`` only for a local simulator)."""
    return BridgeTLS(
        ca=_path(env, "BRIDGE_TLS_CA"),
        cert=_path(env, "BRIDGE_TLS_CERT"),
        key=_path(env, "BRIDGE_TLS_KEY"),
        server_name=env.get("BRIDGE_TLS_SERVER_NAME") or None,
        plaintext=_flag(env, "BRIDGE_PLAINTEXT"),
    )
