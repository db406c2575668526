"""Connecting to Temporal with the pack's settings (plain, TLS, mTLS or API key), encrypting
payloads when ``TEMPORAL_CODEC_KEY_FILE`` names a key file (:mod:`core.codec`)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from core import codec
from core.settings import TemporalSettings


def tls_config(settings: TemporalSettings) -> TLSConfig | bool:
    """The SDK's TLS argument: a config when any TLS option is set, else plain text."""
    if not settings.tls_enabled:
        return False
    return TLSConfig(
        server_root_ca_cert=settings.tls_ca.read_bytes() if settings.tls_ca else None,
        client_cert=settings.tls_cert.read_bytes() if settings.tls_cert else None,
        client_private_key=settings.tls_key.read_bytes() if settings.tls_key else None,
        domain=settings.tls_server_name,
    )


async def connect(settings: TemporalSettings, runtime: Runtime | None = None) -> Client:
    """Connect a client to the configured namespace."""
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        tls=tls_config(settings),
        api_key=settings.api_key,
        runtime=runtime,
        data_converter=data_converter(settings),
    )


def data_converter(settings: TemporalSettings) -> DataConverter:
    """Encrypting with the key file's keys when one is set (read now: a key just rotated in is
    used), else the SDK's default."""
    path = settings.codec_key_file
    ring = codec.KeyRing.read(path, f"TEMPORAL_CODEC_KEY_FILE={path}") if path else None
    return codec.data_converter(ring)
