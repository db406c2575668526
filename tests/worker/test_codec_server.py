"""``dictobs codec-server`` without Temporal: the protocol's answers (200, 400 on bad JSON, 401,
403, 404, 413), the CORS preflight the Temporal UI sends, key files read again on rotation, and
flags refused in one line."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import codec
from core.errors import CLIError
from dictobs.cli import main
from stack.ports import free_port, wait_for_port
from worker import codec_cli
from worker.codec_server import CodecServer, CodecServerConfig

TOKEN = "s3cret-token-for-tests-0123"
UI = "https://temporal.example.com"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PIX_KEY = "12345678909"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "codec-keys"
    path.write_text(codec.new_key_line("k1"))
    return path


@pytest.fixture
def server(key_file: Path) -> Iterator[CodecServer]:
    config = CodecServerConfig(key_file, "dict", TOKEN, allowed_origins=(UI,), max_body=4096)
    with CodecServer(("127.0.0.1", 0), config).serving() as srv:
        yield srv


def call(srv: CodecServer, method: str, path: str, body: bytes = b"", **headers: str):  # type: ignore[no-untyped-def]
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    try:
        conn.request(method, path, body, {k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def payloads(*texts: str) -> bytes:
    """A ``Payloads`` JSON body of JSON strings, as an SDK would have encoded them."""
    items = [
        {
            "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
            "data": base64.b64encode(json.dumps(t).encode()).decode(),
        }
        for t in texts
    ]
    return json.dumps({"payloads": items}).encode()


def texts(body: bytes) -> list[str]:
    return [json.loads(base64.b64decode(p["data"])) for p in json.loads(body)["payloads"]]


def test_encode_then_decode_round_trips_under_any_prefix(server: CodecServer) -> None:
    status, _, encoded = call(server, "POST", "/encode", payloads(PIX_KEY), **AUTH)
    assert status == 200
    assert PIX_KEY.encode() not in base64.b64decode(json.loads(encoded)["payloads"][0]["data"])
    status, headers, decoded = call(server, "POST", "/dict/decode", encoded, **AUTH)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert texts(decoded) == [PIX_KEY]
    # Payloads never encrypted pass through unchanged.
    status, _, plain = call(server, "POST", "/decode", payloads("x"), **AUTH)
    assert (status, texts(plain)) == (200, ["x"])


@pytest.mark.parametrize(
    "body", [b"not json", b'{"payloads": [{"data": 5}]}', b'{"payload": []}'], ids=str
)
def test_bad_json_is_400(server: CodecServer, body: bytes) -> None:
    status, _, answer = call(server, "POST", "/decode", body, **AUTH)
    assert status == 400
    assert json.loads(answer)["error"].startswith("expected a Payloads message as JSON")


def test_a_payload_that_does_not_decrypt_is_400(server: CodecServer) -> None:
    metadata = {"encoding": b"binary/encrypted", "encryption-key-id": b"k1"}
    body = {"payloads": [{"metadata": {k: base64.b64encode(v).decode() for k, v in
                                       metadata.items()}, "data": "AAAA"}]}  # fmt: skip
    status, _, answer = call(server, "POST", "/decode", json.dumps(body).encode(), **AUTH)
    assert status == 400
    assert json.loads(answer)["error"].startswith("payload with key id k1 does not decrypt")


def test_refusals(server: CodecServer) -> None:
    body = payloads(PIX_KEY)
    assert call(server, "POST", "/decode", body)[0] == 401
    assert call(server, "POST", "/decode", body, Authorization="Bearer nope")[0] == 401
    assert call(server, "POST", "/decode", body, Authorization=f"Basic {TOKEN}")[0] == 401
    assert call(server, "POST", "/other", body, **AUTH)[0] == 404
    assert call(server, "POST", "/decode", body, X_Namespace="default", **AUTH)[0] == 403
    assert call(server, "POST", "/decode", body, X_Namespace="dict", **AUTH)[0] == 200
    assert call(server, "POST", "/decode", b"x" * 5000, **AUTH)[0] == 413
    status, headers, _ = call(server, "GET", "/healthz")
    assert status == 200 and headers["Server"] == "dict-codec-server"


def test_the_ui_preflight_is_answered_for_its_origin_only(server: CodecServer) -> None:
    status, headers, _ = call(
        server, "OPTIONS", "/decode", Origin=UI, Access_Control_Request_Method="POST",
        Access_Control_Request_Headers="authorization,content-type,x-namespace",
    )  # fmt: skip
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == UI
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-namespace"} <= allowed
    status, headers, _ = call(server, "OPTIONS", "/decode", Origin="https://evil.example")
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    # The answer itself carries the header the browser checks.
    status, headers, _ = call(server, "POST", "/decode", payloads("x"), Origin=UI, **AUTH)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == UI


def test_a_rotated_key_file_is_read_again_and_a_broken_one_ignored(
    server: CodecServer, key_file: Path
) -> None:
    _, _, encoded = call(server, "POST", "/encode", payloads(PIX_KEY), **AUTH)
    key_file.write_text(codec.new_key_line("k2") + key_file.read_text())
    _, _, again = call(server, "POST", "/encode", payloads(PIX_KEY), **AUTH)
    [payload] = json.loads(again)["payloads"]
    assert base64.b64decode(payload["metadata"]["encryption-key-id"]) == b"k2"
    assert texts(call(server, "POST", "/decode", encoded, **AUTH)[2]) == [PIX_KEY]
    key_file.write_text("k3: too-short\n")  # a bad update: the last good keys stay in use
    status, _, decoded = call(server, "POST", "/decode", again, **AUTH)
    assert (status, texts(decoded)) == (200, [PIX_KEY])


@pytest.mark.parametrize(
    "flags, env, message",
    [
        ([], {}, "no bearer token: pass --token-file FILE or set CODEC_SERVER_TOKEN"),
        ([], {"CODEC_SERVER_TOKEN": "short"}, "CODEC_SERVER_TOKEN: the token needs at least 16"),
        (["--no-auth", "--listen", "0.0.0.0:0"], {},
         "--no-auth on --listen 0.0.0.0:0: without a token the server listens on loopback"),
        (["--allow-origin", "https://ui.example/path"], {"CODEC_SERVER_TOKEN": TOKEN},
         "--allow-origin https://ui.example/path: expected an origin"),
        (["--tls-cert", "cert.pem"], {"CODEC_SERVER_TOKEN": TOKEN},
         "--tls-cert and --tls-key go together"),
        (["--no-auth"], {"CODEC_SERVER_TOKEN": TOKEN}, "--no-auth together with a token"),
    ],
)  # fmt: skip
def test_bad_flags_are_one_line(key_file, monkeypatch, capsys, flags, env, message) -> None:
    monkeypatch.delenv("CODEC_SERVER_TOKEN", raising=False)
    monkeypatch.setenv("TEMPORAL_CODEC_KEY_FILE", str(key_file))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["codec-server", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dictobs: error: {message}") and err.count("\n") == 1
    assert TOKEN not in err


def test_a_bad_key_file_flag_is_named(tmp_path, monkeypatch, capsys) -> None:
    bad = tmp_path / "keys"
    bad.write_text("k1: AAAA\n")
    monkeypatch.setenv("CODEC_SERVER_TOKEN", TOKEN)
    assert main(["codec-server", "--key-file", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(
        f"dictobs: error: --key-file {bad}: line 1: the key of k1 is 3 bytes, AES-256 needs 32"
    )


def test_the_command_serves_until_sigterm_and_prints_no_secret(key_file: Path) -> None:
    port = free_port()
    token_file = key_file.parent / "token"
    token_file.write_text(TOKEN + "\n")
    env = {**os.environ, "TEMPORAL_CODEC_KEY_FILE": str(key_file)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dictobs.cli", "codec-server", "--listen", f"127.0.0.1:{port}",
         "--token-file", str(token_file), "--allow-origin", UI],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for_port("127.0.0.1", port, timeout=30, alive=lambda: proc.poll() is None)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/encode", payloads(PIX_KEY), AUTH)
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.splitlines() == [
        f"codec server on http://127.0.0.1:{port} for namespace dict: key ids k1 (k1 encrypts); "
        f"bearer token; browser origins: {UI}",
        "codec server stopped",
    ]
    secret = key_file.read_text().split(": ")[1].strip()
    assert secret not in out + err and TOKEN not in out + err and PIX_KEY not in out + err


def test_tls_serves_https_and_a_bad_certificate_is_one_line(key_file, tmp_path, capsys) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    context = codec_cli._ssl_context(cert, key)
    config = CodecServerConfig(key_file, "dict", TOKEN, ssl_context=context)
    with CodecServer(("127.0.0.1", 0), config).serving() as srv:
        assert srv.url.startswith("https://127.0.0.1:")
        client = ssl.create_default_context(cafile=str(cert))
        conn = http.client.HTTPSConnection("127.0.0.1", srv.server_address[1], context=client)
        conn.request("POST", "/encode", payloads(PIX_KEY), AUTH)
        assert conn.getresponse().status == 200
        conn.close()
    with pytest.raises(CLIError, match=rf"^--tls-cert {key} / --tls-key {cert}: cannot load"):
        codec_cli._ssl_context(key, cert)  # swapped
