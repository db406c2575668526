"""Connecting to Temporal with the pack's settings (plain, TLS, mTLS or API key)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

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
    )
