"""``dictobs bridge-sim``: serve in a real process, steer it with fault/stats/clear."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from certificates import CertificateAuthority

from dictobs import cli
from stack.ports import free_port
from worker.bridge.simulator import Simulator
from worker.bridge.simulator_thread import SimulatorThread
from worker.bridge.tls import ServerTLS

# Only this part's subcommands, so the test does not depend on the other parts importing.
MAIN = (
    "import sys, dictobs.cli as c; c.PARTS = ('worker.bridge.cli',); sys.exit(c.main(sys.argv[1:]))"
)


def dictobs(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "BRIDGE_PLAINTEXT": "true"},  # the simulators here serve plaintext
    )


@pytest.fixture
def only_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "PARTS", ("worker.bridge.cli",))
    monkeypatch.setenv("BRIDGE_PLAINTEXT", "true")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with SimulatorThread() as simulator:
        yield simulator


def test_serve_runs_until_sigterm_and_answers_the_admin_commands() -> None:
    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [sys.executable, "-c", MAIN, "bridge-sim", "serve", "--listen", address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith(f"bridge simulator listening on {address}")

        done = dictobs("bridge-sim", "fault", "--address", address, "--method", "CreateClaim",
                       "--error-rate", "0.3", "--code", "internal")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "fault CreateClaim: error_rate=0.3 latency=0s code=INTERNAL" in done.stdout

        done = dictobs("bridge-sim", "stats", "--address", address, "--json")
        assert done.returncode == 0, done.stderr
        stats = json.loads(done.stdout)
        assert stats["faults"][0]["method"] == "CreateClaim"
        assert stats["faults"][0]["error_rate"] == 0.3

        done = dictobs("bridge-sim", "clear", "--address", address)
        assert done.returncode == 0, done.stderr
        done = dictobs("bridge-sim", "stats", "--address", address)
        assert "faults: none" in done.stdout

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
        assert "stopped" in server.stdout.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_serve_on_a_busy_port_fails_with_one_line(sim: Simulator) -> None:
    done = dictobs("bridge-sim", "serve", "--listen", sim.address)
    assert done.returncode == 2
    assert done.stderr.startswith(f"dictobs: error: cannot listen on {sim.address}: ")
    assert done.stderr.count("\n") == 1
    assert "--listen" in done.stderr


def test_fault_then_stats_in_process(
    only_bridge: None, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["bridge-sim", "fault", "--address", sim.address, "--latency", "0.05",
                     "--fail-next", "2"]) == 0  # fmt: skip
    assert [(f.method, f.latency, f.fail_next) for f in sim.faults.faults()] == [(None, 0.05, 2)]
    assert cli.main(["bridge-sim", "fault", "--address", sim.address, "--method", "GetClaim",
                     "--unavailable"]) == 0  # fmt: skip
    assert cli.main(["bridge-sim", "fault", "--address", sim.address, "--method", "CancelClaim",
                     "--lose-reply-next", "3"]) == 0  # fmt: skip
    capsys.readouterr()
    assert cli.main(["bridge-sim", "stats", "--address", sim.address]) == 0
    out = capsys.readouterr().out
    assert "fault all methods: error_rate=0 latency=0.05s fail_next=2 code=UNAVAILABLE" in out
    assert "fault GetClaim: error_rate=0 latency=0s unavailable code=UNAVAILABLE" in out
    assert "fault CancelClaim: error_rate=0 latency=0s lose_reply_next=3 code=UNAVAILABLE" in out
    assert "claims: 0 (none)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--error-rate", "1.5"], "error rate 1.5 is outside [0, 1]"),
        (["--error-rate", "abc"], "--error-rate abc: expected a number"),
        (["--latency", "-2"], "latency -2"),
        (["--latency", "nan"], "--latency nan: expected a finite number"),
        (["--fail-next", "1.5"], "--fail-next 1.5: expected a whole number"),
        (["--lose-reply-next", "-1"], "lose_reply_next -1 must be >= 0"),
        (["--method", "DropTables"], "'DropTables' is not a Bridge method"),
        (["--code", "TEAPOT"], "unknown gRPC status code 'TEAPOT'"),
    ],
)
def test_bad_fault_values_fail_with_one_line_and_change_nothing(
    only_bridge: None,
    sim: Simulator,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert cli.main(["bridge-sim", "fault", "--address", sim.address, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("dictobs: error: ")
    assert message in err
    assert sim.faults.faults() == []


@pytest.mark.parametrize("command", ["fault", "clear", "stats"])
def test_unreachable_or_malformed_address_fails_with_one_line(
    only_bridge: None, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    nothing = f"127.0.0.1:{free_port()}"
    assert cli.main(["bridge-sim", command, "--address", nothing]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot reach the Bridge simulator at {nothing}" in err
    assert cli.main(["bridge-sim", command, "--address", "localhost"]) == 2
    assert "--address localhost: expected HOST:PORT" in capsys.readouterr().err


def test_address_defaults_to_bridge_address(
    only_bridge: None,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BRIDGE_ADDRESS", sim.address)
    assert cli.main(["bridge-sim", "clear"]) == 0
    assert sim.address in capsys.readouterr().out


def test_admin_commands_reach_an_mtls_simulator_with_the_workers_settings(
    only_bridge: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ca = CertificateAuthority.create(tmp_path, "bridge-ca")
    server, client = ca.issue("bridge"), ca.issue("worker", client=True)
    tls = ServerTLS(server.cert, server.key, client_ca=ca.path)
    monkeypatch.delenv("BRIDGE_PLAINTEXT")
    monkeypatch.setenv("BRIDGE_TLS_CA", str(ca.path))
    with SimulatorThread(tls=tls) as sim:
        monkeypatch.setenv("BRIDGE_TLS_CERT", str(client.cert))
        monkeypatch.setenv("BRIDGE_TLS_KEY", str(client.key))
        assert cli.main(["bridge-sim", "fault", "--address", sim.address, "--method",
                         "CreateClaim", "--fail-next", "1"]) == 0  # fmt: skip
        assert [f.method for f in sim.faults.faults()] == ["CreateClaim"]
        assert cli.main(["bridge-sim", "stats", "--address", sim.address]) == 0
        assert "fault CreateClaim: error_rate=0 latency=0s fail_next=1" in capsys.readouterr().out

        # Without the client certificate the simulator closes the handshake: one line naming
        # the settings to set, and nothing changes.
        monkeypatch.delenv("BRIDGE_TLS_CERT")
        monkeypatch.delenv("BRIDGE_TLS_KEY")
        assert cli.main(["bridge-sim", "clear", "--address", sim.address]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert f"TLS to the Bridge simulator at {sim.address}" in err
        assert "set BRIDGE_TLS_CERT and BRIDGE_TLS_KEY" in err
        assert [f.method for f in sim.faults.faults()] == ["CreateClaim"]
