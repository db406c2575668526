"""The exporter's own endpoint: landing page, health, TLS and basic auth from a web config."""

from __future__ import annotations

import base64
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import bcrypt
import pytest
from exporter_helpers import exporter_config, scrape, value, wait_until

from core.catalog import exporter as cat
from exporters.app import Exporter

pytestmark = pytest.mark.devserver


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def get(url: str, context: ssl.SSLContext | None = None, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_plain_endpoint_serves_landing_health_and_metrics(dev_server):
    with Exporter(exporter_config(dev_server)) as exporter:
        status, page = get(exporter.url + "/")
        assert status == 200 and 'href="metrics"' in page
        assert get(exporter.url + "/healthz") == (200, "ok\n")
        assert get(exporter.url + "/nope")[0] == 404
        wait_until(lambda: exporter.state.up, what="a first successful refresh")
        _, series = scrape(exporter.url)
        assert value(series, cat.EXPORTER_UP.name) == 1
        assert value(series, cat.EXPORTER_BUILD_INFO.name,
                     version=_version(), temporalio_version="1.35.0") == 1  # fmt: skip


def test_tls_and_basic_auth_from_a_web_config(dev_server, tmp_path):
    cert, key = self_signed(tmp_path)
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    web = tmp_path / "web.yaml"
    web.write_text(
        f"tls_server_config:\n  cert_file: {cert.name}\n  key_file: {key}\n"
        f"basic_auth_users:\n  prometheus: '{hashed}'\n"
    )  # cert_file relative: resolved against the web config's folder
    config = exporter_config(dev_server, web__config_file=str(web))
    trusted = ssl.create_default_context(cafile=str(cert))
    with Exporter(config) as exporter:
        assert exporter.url.startswith("https://127.0.0.1:")
        wait_until(lambda: exporter.state.up, what="a first successful refresh")
        _, series = scrape(exporter.url, trusted, basic("prometheus", "s3cret"))
        assert value(series, cat.EXPORTER_UP.name) == 1
        assert get(exporter.url + "/metrics", trusted)[0] == 401
        assert get(exporter.url + "/metrics", trusted, **basic("prometheus", "wrong"))[0] == 401
        assert get(exporter.url + "/metrics", trusted, **basic("nobody", "s3cret"))[0] == 401
        # The liveness probe carries no credentials.
        assert get(exporter.url + "/healthz", trusted) == (200, "ok\n")
        # Plain HTTP to the TLS port gets no metrics.
        plain = exporter.url.replace("https://", "http://") + "/metrics"
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(plain, timeout=5).read()
        # An untrusted certificate is refused by a verifying client.
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            get(exporter.url + "/metrics", ssl.create_default_context())


def _version() -> str:
    from core import __version__

    return __version__
