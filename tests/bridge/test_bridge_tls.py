"""TLS and mTLS between the client and the simulator, with certificates made in the test: a
claim goes through, and each wrong setting fails with one line naming the setting."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from certificates import CertificateAuthority, Issued

from core import settings
from core.errors import SettingsError
from core.settings import PLAINTEXT, BridgeTLS
from stack.ports import free_port
from worker.bridge import api
from worker.bridge.client import BridgeClient
from worker.bridge.simulator import run_simulator
from worker.bridge.tls import ServerTLS, client_certificate_expiry
from worker.metrics import certificate_expiry
from worker.runtime import make_runtime

CLAIMER, OWNER = "12345678", "87654321"


class Pki:
    def __init__(self, folder: Path) -> None:
        self.ca = CertificateAuthority.create(folder, "bridge-ca")
        self.other_ca = CertificateAuthority.create(folder, "other-ca")
        self.server = self.ca.issue("bridge")
        self.client = self.ca.issue("worker", client=True, expires_in=timedelta(days=20))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


def mtls(pki: Pki, client: Issued | None = None) -> BridgeTLS:
    client = client or pki.client
    return BridgeTLS(ca=pki.ca.path, cert=client.cert, key=client.key)


@pytest.fixture
async def mtls_address(pki: Pki) -> AsyncIterator[str]:
    tls = ServerTLS(pki.server.cert, pki.server.key, client_ca=pki.ca.path)
    async with run_simulator("127.0.0.1:0", tls=tls) as sim:
        yield sim.address


async def create(address: str, tls: BridgeTLS) -> api.ClaimRecord:
    async with BridgeClient(address, timeout=3.0, tls=tls) as bridge:
        claim = api.ClaimRequest(str(uuid.uuid4()), "12345678909", CLAIMER, OWNER)
        return await bridge.create_claim(claim)


async def refused(address: str, tls: BridgeTLS) -> str:
    with pytest.raises(api.BridgeUnavailableError) as caught:
        await create(address, tls)
    message = str(caught.value)
    assert "\n" not in message
    return message


async def test_a_claim_goes_through_mtls(pki: Pki, mtls_address: str) -> None:
    record = await create(mtls_address, mtls(pki))
    assert record.status is api.ClaimStatus.WAITING_RESOLUTION


async def test_a_claim_goes_through_tls_without_client_certificate(pki: Pki) -> None:
    async with run_simulator(tls=ServerTLS(pki.server.cert, pki.server.key)) as sim:
        record = await create(sim.address, BridgeTLS(ca=pki.ca.path))
    assert record.status is api.ClaimStatus.WAITING_RESOLUTION


async def test_a_wrong_ca_names_bridge_tls_ca(pki: Pki, mtls_address: str) -> None:
    tls = BridgeTLS(ca=pki.other_ca.path, cert=pki.client.cert, key=pki.client.key)
    message = await refused(mtls_address, tls)
    assert f"not signed by BRIDGE_TLS_CA={pki.other_ca.path}" in message


async def test_an_expired_bridge_certificate_is_named(pki: Pki, tmp_path: Path) -> None:
    old = pki.ca.issue("old-bridge", expires_in=timedelta(days=-1))
    async with run_simulator(tls=ServerTLS(old.cert, old.key)) as sim:
        message = await refused(sim.address, BridgeTLS(ca=pki.ca.path))
    assert "the Bridge's certificate has expired" in message


def test_an_expired_client_certificate_names_bridge_tls_cert(pki: Pki) -> None:
    old = pki.ca.issue("old-worker", client=True, expires_in=timedelta(hours=-1))
    expected = r"^BRIDGE_TLS_CERT=.*old-worker.crt: the certificate expired on .*; renew it$"
    with pytest.raises(SettingsError, match=expected):
        BridgeClient("127.0.0.1:1", tls=mtls(pki, old))


async def test_a_missing_client_certificate_names_bridge_tls_cert(
    pki: Pki, mtls_address: str
) -> None:
    message = await refused(mtls_address, BridgeTLS(ca=pki.ca.path))
    assert "requires a client certificate; set BRIDGE_TLS_CERT and BRIDGE_TLS_KEY" in message


async def test_a_client_certificate_from_another_ca_is_named(pki: Pki, mtls_address: str) -> None:
    stranger = pki.other_ca.issue("stranger", client=True)
    message = await refused(mtls_address, mtls(pki, stranger))
    assert f"refused the client certificate BRIDGE_TLS_CERT={stranger.cert}" in message


async def test_tls_is_the_default_and_a_plaintext_bridge_is_refused(pki: Pki) -> None:
    async with run_simulator() as sim:
        message = await refused(sim.address, BridgeTLS(ca=pki.ca.path))
        assert "does not answer TLS" in message
        # Plaintext is only used when asked for.
        assert (await create(sim.address, PLAINTEXT)).claim_id


async def test_server_name_verifies_a_certificate_for_another_name(pki: Pki) -> None:
    named = pki.ca.issue("named-bridge", dns="bridge.dict.test", ip=None)
    async with run_simulator(tls=ServerTLS(named.cert, named.key)) as sim:
        await refused(sim.address, BridgeTLS(ca=pki.ca.path))
        tls = BridgeTLS(ca=pki.ca.path, server_name="bridge.dict.test")
        assert (await create(sim.address, tls)).claim_id


def test_settings_read_the_bridge_tls_variables(pki: Pki) -> None:
    env = {
        "BRIDGE_TLS_CA": str(pki.ca.path),
        "BRIDGE_TLS_CERT": str(pki.client.cert),
        "BRIDGE_TLS_KEY": str(pki.client.key),
        "BRIDGE_TLS_SERVER_NAME": "bridge.dict.test",
    }
    loaded = settings.load(env).bridge_tls
    assert loaded == BridgeTLS(pki.ca.path, pki.client.cert, pki.client.key, "bridge.dict.test")
    assert settings.load({}).bridge_tls == BridgeTLS()  # TLS, system roots
    assert settings.load({"BRIDGE_PLAINTEXT": "true"}).bridge_tls == PLAINTEXT


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BRIDGE_PLAINTEXT": "maybe"}, "^BRIDGE_PLAINTEXT=maybe: expected true or false$"),
        ({"BRIDGE_TLS_CERT": "CERT"}, "BRIDGE_TLS_CERT and BRIDGE_TLS_KEY go together"),
        ({"BRIDGE_PLAINTEXT": "1", "BRIDGE_TLS_CA": "CA"}, "BRIDGE_PLAINTEXT is set together"),
        ({"BRIDGE_TLS_CA": "/nonexistent/ca.crt"}, "^BRIDGE_TLS_CA=/nonexistent/ca.crt: no such"),
        (
            {"TEMPORAL_TLS_SERVER_NAME": "temporal.test"},
            "^TEMPORAL_TLS_SERVER_NAME=temporal.test: a server name without TLS",
        ),
    ],
)
def test_bad_bridge_settings_are_one_line_naming_the_variable(
    pki: Pki, env: dict[str, str], message: str
) -> None:
    paths = {"CERT": str(pki.client.cert), "CA": str(pki.ca.path)}
    env = {k: paths.get(v, v) for k, v in env.items()}
    with pytest.raises(SettingsError, match=message):
        settings.load(env)


def test_a_ca_file_that_is_not_a_certificate_is_named(tmp_path: Path) -> None:
    junk = tmp_path / "ca.crt"
    junk.write_text("not a certificate\n")
    with pytest.raises(SettingsError, match=r"^BRIDGE_TLS_CA=.*ca.crt: not a PEM certificate"):
        BridgeClient("127.0.0.1:1", tls=BridgeTLS(ca=junk))


def test_client_certificate_expiry_is_served_as_a_metric(pki: Pki) -> None:
    expires = client_certificate_expiry(mtls(pki))
    assert expires == pki.client.not_after
    assert client_certificate_expiry(PLAINTEXT) is None
    port = free_port()
    runtime = make_runtime(f"127.0.0.1:{port}")
    certificate_expiry(runtime.metric_meter, expires)
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    line = next(
        line
        for line in body.splitlines()
        if line.startswith("dict_bridge_client_certificate_expiry_timestamp_seconds{")
    )
    assert line.split("{")[1].split("}")[0] == 'service_name="temporal-core-sdk"'
    assert abs(float(line.rsplit(" ", 1)[1]) - pki.client.not_after.timestamp()) < 1.0
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=body, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_the_simulator_command_serves_mtls(pki: Pki) -> None:
    address = f"127.0.0.1:{free_port()}"
    main = (
        "import sys, dictobs.cli as c; c.PARTS = ('worker.bridge.cli',); "
        "sys.exit(c.main(sys.argv[1:]))"
    )
    flags = ["--tls-cert", str(pki.server.cert), "--tls-key", str(pki.server.key)]
    flags += ["--tls-client-ca", str(pki.ca.path)]
    server = subprocess.Popen(
        [sys.executable, "-c", main, "bridge-sim", "serve", "--listen", address, *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert f"listening on {address} (mTLS" in server.stdout.readline()
        assert asyncio.run(create(address, mtls(pki))).claim_id
        with pytest.raises(api.BridgeUnavailableError, match="requires a client certificate"):
            asyncio.run(create(address, BridgeTLS(ca=pki.ca.path)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    half = subprocess.run(
        [sys.executable, "-c", main, "bridge-sim", "serve", "--tls-cert", str(pki.server.cert)],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    )
    assert half.returncode == 2
    assert half.stderr.strip() == (
        "dictobs: error: --tls-cert and --tls-key go together: give both to serve TLS"
    )
