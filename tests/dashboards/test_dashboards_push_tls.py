"""The push over TLS to the Grafana double: a private CA, a client certificate (mutual TLS),
skip-verify with a warning, and one-line errors (exit 2, nothing written) for each TLS setting
that cannot work. The certificates are made in the test (``tests/certs.py``, with
``cryptography``)."""

from __future__ import annotations

import ssl

import pytest
from certificates import CertificateAuthority
from grafana_double import EDITOR, V1, GrafanaDouble
from push_fixtures import GRAFANA_VARIABLES, PASSWORD, TOKEN, run

__all__ = ["run"]  # fixture


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority.create(tmp, "grafana-ca")
    other = CertificateAuthority.create(tmp, "other-ca")
    return {
        "ca": ca.path,
        "server": ca.issue("grafana", ip="127.0.0.1"),
        "client": ca.issue("dictobs", client=True),
        "stranger": other.issue("stranger", client=True),
    }


def _server_context(pki, *, client_ca: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server"].cert, pki["server"].key)
    if client_ca:
        context.load_verify_locations(cafile=pki["ca"])
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def _double(pki, *, client_ca: bool = False) -> GrafanaDouble:
    return GrafanaDouble(
        tokens={TOKEN: EDITOR},
        users={("admin", PASSWORD): EDITOR},
        api=V1,
        tls=_server_context(pki, client_ca=client_ca),
    )


@pytest.fixture
def https(pki, monkeypatch):
    with _double(pki) as double:
        _point(monkeypatch, double)
        yield double


@pytest.fixture
def mtls(pki, monkeypatch):
    with _double(pki, client_ca=True) as double:
        _point(monkeypatch, double)
        monkeypatch.setenv("GRAFANA_TLS_CA", str(pki["ca"]))
        yield double


def _point(monkeypatch, double: GrafanaDouble) -> None:
    for name in GRAFANA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRAFANA_URL", double.url)
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)


def _one_line_exit_2(status: int, out: str) -> None:
    assert status == 2, out
    assert out.count("\n") == 1, out


def test_push_over_tls_with_the_private_ca(https, pki, run, monkeypatch):
    monkeypatch.setenv("GRAFANA_TLS_CA", str(pki["ca"]))
    status, out = run("push")
    assert status == 0, out
    assert https.url.startswith("https://")
    assert "5 created" in out and len(https.state.dashboards) == 5


def test_an_unknown_ca_fails_naming_grafana_tls_ca(https, run):
    status, out = run("push")
    _one_line_exit_2(status, out)
    assert "TLS verification" in out and "GRAFANA_TLS_CA" in out
    assert https.state.dashboards == {}


def test_skip_verify_pushes_with_a_warning(https, run, monkeypatch, caplog):
    monkeypatch.setenv("GRAFANA_TLS_SKIP_VERIFY", "true")
    status, out = run("push")
    assert status == 0, out
    assert "GRAFANA_TLS_SKIP_VERIFY is set: Grafana's certificate is not verified" in caplog.text
    assert len(https.state.dashboards) == 5


def test_a_ca_file_that_is_not_a_certificate_fails_before_any_request(
    https, run, monkeypatch, tmp_path
):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    monkeypatch.setenv("GRAFANA_TLS_CA", str(bad))
    status, out = run("push")
    _one_line_exit_2(status, out)
    assert f"GRAFANA_TLS_CA={bad}: not a PEM CA certificate" in out
    assert https.state.requests == []
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"GRAFANA_TLS_CA": "/nonexistent/ca.pem"}, "GRAFANA_TLS_CA=/nonexistent/ca.pem: no such"),
        ({"GRAFANA_TLS_CERT": "{client.cert}"}, "GRAFANA_TLS_CERT and GRAFANA_TLS_KEY go together"),
        ({"GRAFANA_TLS_SKIP_VERIFY": "maybe"}, "GRAFANA_TLS_SKIP_VERIFY=maybe: expected true"),
        (
            {"GRAFANA_TLS_CA": "{ca}", "GRAFANA_TLS_SKIP_VERIFY": "1"},
            "GRAFANA_TLS_CA and GRAFANA_TLS_SKIP_VERIFY are both set",
        ),
        (
            {"GRAFANA_TLS_CERT": "{client.cert}", "GRAFANA_TLS_KEY": "{stranger.key}"},
            "not a PEM certificate and its unencrypted private key",
        ),
    ],
)
def test_tls_settings_that_cannot_work_fail_before_any_request(
    https, pki, run, monkeypatch, tmp_path, variables, expected
):
    paths = {
        "{ca}": pki["ca"],
        "{client.cert}": pki["client"].cert,
        "{stranger.key}": pki["stranger"].key,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, str(paths.get(value, value)))
    status, out = run("push")
    _one_line_exit_2(status, out)
    assert expected in out
    assert https.state.requests == []
    assert not (tmp_path / "out").exists()


def test_mutual_tls_pushes_with_the_client_certificate(mtls, pki, run, monkeypatch):
    monkeypatch.setenv("GRAFANA_TLS_CERT", str(pki["client"].cert))
    monkeypatch.setenv("GRAFANA_TLS_KEY", str(pki["client"].key))
    status, out = run("push")
    assert status == 0, out
    assert len(mtls.state.dashboards) == 5


@pytest.mark.parametrize("client", [None, "stranger"])
def test_a_server_refusing_the_client_certificate_fails_naming_it(
    mtls, pki, run, monkeypatch, client
):
    if client is not None:
        monkeypatch.setenv("GRAFANA_TLS_CERT", str(pki[client].cert))
        monkeypatch.setenv("GRAFANA_TLS_KEY", str(pki[client].key))
    status, out = run("push")
    _one_line_exit_2(status, out)
    assert "client certificate" in out and "GRAFANA_TLS_CERT" in out
    assert mtls.state.dashboards == {}


def test_secrets_never_reach_output_or_logs(mtls, pki, run, monkeypatch):
    """Token, password and private key, through successes and failures alike."""
    key_text = pki["client"].key.read_text()
    key_body = key_text.splitlines()[1]
    monkeypatch.setenv("GRAFANA_TLS_CERT", str(pki["client"].cert))
    monkeypatch.setenv("GRAFANA_TLS_KEY", str(pki["client"].key))
    run("push", "--diff")
    mtls.edit("dict-slos")
    run("push", "--diff", "--dry-run", "--prune")
    run("push")
    monkeypatch.delenv("GRAFANA_TOKEN")
    monkeypatch.setenv("GRAFANA_USER", "admin")
    monkeypatch.setenv("GRAFANA_PASSWORD", PASSWORD)
    run("push", "--force")
    monkeypatch.setenv("GRAFANA_PASSWORD", "wrong-Secret-pw")
    run("push")
    monkeypatch.setenv("GRAFANA_ORG_ID", "7")
    run("push")
    monkeypatch.setenv("GRAFANA_TLS_KEY", str(pki["stranger"].key))
    run("push")
    assert len(run.seen) == 7
    for text in run.seen:
        for secret in (TOKEN, PASSWORD, "wrong-Secret-pw", key_body, "PRIVATE KEY"):
            assert secret not in text


def test_tls_settings_with_a_plain_http_url_fail(pki, run, monkeypatch, tmp_path):
    with GrafanaDouble(tokens={TOKEN: EDITOR}) as plain:
        _point(monkeypatch, plain)
        monkeypatch.setenv("GRAFANA_TLS_CA", str(pki["ca"]))
        status, out = run("push")
        _one_line_exit_2(status, out)
        assert "is not https" in out and "GRAFANA_TLS_" in out
        assert plain.state.requests == []
