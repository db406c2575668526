"""The exporter's endpoint under abuse: password checks that neither leak user names by timing
nor burn every core, long passwords answered 401, hashes checked at load, a cap on concurrent
connections, /healthz open to probes, and a Server header that names no Python version."""

from __future__ import annotations

import base64
import http.client as httpc
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from core.catalog import exporter as cat
from exporters import cli, webconfig
from exporters import http as endpoint
from exporters.budget import CallStats
from exporters.collector.exporter import ExporterCollector
from exporters.config import ConfigError
from exporters.refresher import State

COST = 10  # slow enough that a skipped bcrypt round shows in the timing


@pytest.fixture(scope="module")
def hashed() -> str:
    return bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=COST)).decode()


def web_file(folder: Path, users: dict[str, str]) -> Path:
    path = folder / "web.yaml"
    lines = ["basic_auth_users:"] + [f"  {user}: '{value}'" for user, value in users.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def web(tmp_path: Path, hashed: str) -> webconfig.WebConfig:
    return webconfig.load(web_file(tmp_path, {"prometheus": hashed}))


@pytest.fixture
def server(web: webconfig.WebConfig) -> Iterator[endpoint.MetricsServer]:
    srv = endpoint.MetricsServer(("127.0.0.1", 0), CollectorRegistry(), web, "landing")
    srv.start_in_thread()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def request(srv: endpoint.MetricsServer, path: str, user: str | None = None, password: str = ""):  # type: ignore[no-untyped-def]
    conn = httpc.HTTPConnection(*srv.server_address[:2], timeout=30)  # type: ignore[misc]
    headers = {}
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def median_seconds(check, times: int = 5) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        check()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def test_an_unknown_user_costs_the_same_bcrypt_check_as_a_wrong_password(
    web: webconfig.WebConfig,
) -> None:
    known = median_seconds(lambda: web.check("prometheus", "wrong"))
    unknown = median_seconds(lambda: web.check("nobody", "wrong"))
    assert not web.check("nobody", "s3cret")
    # Without the fixed hash an unknown user is refused in microseconds.
    assert unknown > known / 3, (unknown, known)
    assert unknown < known * 3, (unknown, known)


def test_a_password_over_72_bytes_is_answered_401(server: endpoint.MetricsServer) -> None:
    assert request(server, "/metrics", "prometheus", "x" * 100).status == 401
    # bcrypt would accept the first 72 bytes of a long password: it is refused all the same.
    long = "s3cret" + "y" * 80
    assert not server.web.check("prometheus", long)
    assert request(server, "/metrics", "prometheus", "s3cret").status == 200


def test_healthz_needs_no_credentials_but_metrics_do(server: endpoint.MetricsServer) -> None:
    assert request(server, "/healthz").status == 200
    assert request(server, "/metrics").status == 401
    assert request(server, "/").status == 401


def test_the_server_header_names_no_python_version(server: endpoint.MetricsServer) -> None:
    assert request(server, "/healthz").getheader("Server") == "dict-exporter"


def test_bcrypt_checks_run_one_at_a_time(web: webconfig.WebConfig) -> None:
    running, most = 0, 0
    guard = threading.Lock()
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        try:
            return real(password, hashed)
        finally:
            with guard:
                running -= 1

    webconfig.bcrypt.checkpw = counting  # type: ignore[assignment]
    try:
        threads = [
            threading.Thread(target=web.check, args=("prometheus", f"wrong{i}")) for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        webconfig.bcrypt.checkpw = real
    assert most == 1


def test_connections_beyond_the_cap_are_closed(server: endpoint.MetricsServer) -> None:
    host, port = server.server_address[:2]
    # Idle connections each hold a slot (the handler waits for their request line).
    slots = range(endpoint.MAX_CONCURRENT_REQUESTS)
    idle = [socket.create_connection((str(host), int(port))) for _ in slots]
    try:
        deadline = time.monotonic() + 10
        extra = socket.create_connection((str(host), int(port)))
        extra.settimeout(5)
        extra.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        assert extra.recv(100) == b""  # closed without an answer
        extra.close()
        assert server.refused_connections >= 1 and time.monotonic() < deadline
    finally:
        for s in idle:
            s.close()
    # Slots come back once the connections end.
    wait = time.monotonic() + 10
    while time.monotonic() < wait:
        try:
            if request(server, "/healthz").status == 200:
                break
        except (ConnectionError, httpc.HTTPException):
            time.sleep(0.1)
    assert request(server, "/healthz").status == 200


@pytest.mark.parametrize(
    "value",
    [
        "$2b$12$tooshort",
        "$2b$99$" + "a" * 53,  # cost out of range
        "$2x$12$" + "a" * 53,  # unknown version
        "plain-password",
    ],
)
def test_a_malformed_hash_is_refused_at_load_without_echoing_it(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"basic_auth_users.prometheus is not a bcrypt hash") as e:
        webconfig.load(web_file(tmp_path, {"prometheus": value}))
    assert value not in str(e.value)


def test_check_config_loads_the_web_config(tmp_path: Path, hashed: str, capsys) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "web-tls.yaml"
    missing.write_text("tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n")
    assert cli.main(["--check-config", "--web.config.file", str(missing)]) == 2
    assert "tls_server_config.cert_file=" in capsys.readouterr().err
    ok = web_file(tmp_path, {"prometheus": hashed})
    assert cli.main(["--check-config", "--web.config.file", str(ok)]) == 0
    assert "endpoint plain HTTP, basic auth (1 users)" in capsys.readouterr().out


def test_the_serving_certificate_expiry_is_loaded_and_served(tmp_path: Path) -> None:
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "5",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    web = tmp_path / "web.yaml"
    web.write_text(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n")
    loaded = webconfig.load(web)
    assert loaded.cert_not_after is not None
    assert abs(loaded.cert_not_after - (time.time() + 5 * 86400)) < 120
    collector = ExporterCollector(lambda: State(), CallStats(), lambda: loaded.cert_not_after)
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    name = cat.EXPORTER_SERVING_CERT_EXPIRY.name
    (line,) = [x for x in text.splitlines() if x.startswith(name + " ")]
    assert abs(float(line.split()[1]) - loaded.cert_not_after) < 1
    plain = CollectorRegistry()
    plain.register(ExporterCollector(lambda: State(), CallStats()))
    assert name not in generate_latest(plain).decode()
