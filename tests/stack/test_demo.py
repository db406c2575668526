"""``dictobs demo`` end to end, as a user runs it: what its output shows, and that it leaves no
process and no port behind, whether it ends on its own (``--once``) or is interrupted."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stack.demo_claims import EXPIRY_KEY, KEYS, TWICE_KEY
from stack.demo_stack import RULES_DIR, DemoPorts
from stack.ports import free_port

pytestmark = pytest.mark.devserver
REPO = Path(__file__).resolve().parents[2]


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(state, parent pid, start time) of a process, None once it is gone."""
    try:
        # After the command name in parentheses: state, ppid, ... starttime (field 22).
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1]), fields[19]


def _descendants(root: int) -> set[tuple[int, str]]:
    """(pid, start time) of every live process below ``root``."""
    stats = {int(p.name): _stat(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    found: dict[int, str] = {}
    level = {root}
    while level:
        level = {pid for pid, st in stats.items() if st and st[1] in level and pid not in found}
        found.update((pid, stats[pid][2]) for pid in level)  # type: ignore[index]
    return set(found.items())


def _alive(pid: int, started: str) -> bool:
    st = _stat(pid)
    return st is not None and st[2] == started and st[0] != "Z"


class Demo:
    """``dictobs demo`` in a subprocess on free ports, its output in a file, its children
    recorded while it runs."""

    def __init__(self, run_dir: Path, *flags: str) -> None:
        self.ports = DemoPorts(**{name: free_port() for name in DemoPorts().as_dict()})
        self.run_dir = run_dir
        self.out = run_dir.parent / f"{run_dir.name}.out"
        command = [sys.executable, "-m", "dictobs.cli", "demo", "--run-dir", str(run_dir), *flags]
        command += [f"--{n.replace('_', '-')}-port={p}" for n, p in self.ports.as_dict().items()]
        with self.out.open("wb") as out:
            self.proc = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=REPO,
            )
        self.children: set[tuple[int, str]] = set()

    @property
    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def watch(self, until: str | None = None, timeout: float = 90.0) -> None:
        """Record children until the demo exits or ``until`` appears in its output."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and not (until and until in self.output):
            self.children |= _descendants(self.proc.pid)
            assert time.monotonic() < deadline, f"demo still running after {timeout:.0f}s:\n{self}"
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def assert_left_nothing(self) -> None:
        left = [pid for pid, started in self.children if _alive(pid, started)]
        assert not left, f"still running after the demo exited: {left}\n{self}"
        for name, port in self.ports.as_dict().items():
            with socket.socket() as s:
                assert s.connect_ex(("127.0.0.1", port)) != 0, f"{name} port {port} still open"

    def __str__(self) -> str:
        return f"--- output (exit {self.proc.returncode}):\n{self.output}"


@pytest.mark.e2e
def test_demo_once_runs_every_outcome_then_an_incident_and_leaves_nothing(tmp_path):
    """``dictobs demo --once --incident exporter-stopped``: the claims of every outcome and
    what the stack shows of them, then the incident's timeline from the fault to the resolved
    notification while the claims keep flowing, then everything stopped (``--once`` alone stops
    after the show)."""
    demo = Demo(tmp_path / "demo", "--once", "--incident", "exporter-stopped")
    try:
        demo.watch(timeout=240)
    finally:
        demo.stop()
    out = demo.output
    assert demo.proc.returncode == 0, str(demo)

    for line in (
        r"confirmed by the owner .* -> COMPLETED",
        r"rejected by the owner .* -> CANCELLED",
        r"Bridge failed 2 times, retried .* -> WAITING_RESOLUTION",
        r"nobody decided for 30 days .* -> EXPIRED",
        r"refused, started twice",
    ):
        assert re.search(line, out), f"no line matching {line!r}\n{demo}"

    for job in ("temporal-server", "dict-worker", "dict-exporter"):
        assert f"up{{job='{job}'}} = 1" in out, demo
    assert "dict_exporter_up = 1" in out, demo
    assert "still no" not in out, demo
    assert 'dict_claims_resolved_total{outcome="confirmed"} = 1' in out, demo
    assert 'dict_claims_resolved_total{outcome="cancelled"} = 1' in out, demo
    # Three waiting for a decision, the one started twice, the one after the retries.
    assert 'dict_claims_open{status="WAITING_RESOLUTION"} = 4' in out, demo

    rules = re.search(r"Rules: (\d+) groups loaded from (\d+) files: (\d+) alerting", out)
    assert rules, demo
    groups, files, alerting = map(int, rules.groups())
    # On drill rules: the shipped ones, evaluated sooner.
    assert "runs on drill rules" in out and "dictobs rules generate --drill" in out, demo
    drill = sorted(p.name for p in (demo.run_dir / "drill-rules").glob("*.yaml"))
    assert drill == sorted(p.name for p in RULES_DIR.glob("*.yaml")) and files == len(drill) > 0
    assert groups > 0 and alerting > 0
    assert "SLOs (dictobs slo status):" in out, demo
    assert re.search(r"dict-claims-workflow-success  objective 99\.9% over 30d", out), demo
    assert "rules are not loaded" not in out, demo

    # PIX keys are personal data: masked in the output and in every log.
    logs = {p.name: p.read_text(errors="replace") for p in demo.run_dir.glob("*.log")}
    assert {"temporal.log", "worker.log", "exporter.log", "prometheus.log"} <= set(logs)
    for key in (*KEYS, TWICE_KEY, EXPIRY_KEY):
        for name, text in {"output": out, **logs}.items():
            assert key not in text, f"a PIX key in clear in the {name}"
    # And encrypted at rest: nowhere in the files that hold Temporal's histories.
    assert "Codec server" in out and "payloads encrypted" in out, demo
    stored = [p for p in demo.run_dir.glob("temporal.sqlite*") if p.is_file()]
    assert stored, list(demo.run_dir.iterdir())
    for path in stored:
        data = path.read_bytes()
        for key in (*KEYS, TWICE_KEY):
            assert key.encode() not in data, f"a PIX key in clear in {path.name}"

    # The dev server, the simulator, codec server, worker, exporter, Alertmanager, Prometheus.
    assert len(demo.children) >= 7, demo.children

    steps = [
        r"fault injected: the claim exporter stops",
        r"firing    DictExporterDown",
        r"notified  DictExporterDown -> ticket",
        r"fault removed: the exporter started again",
        r"resolved  DictExporterDown",
        r"notified  DictExporterDown resolved -> ticket",
        r"Summary of exporter-stopped",
        r"--once: stopping everything",
    ]
    at = [m.start() if (m := re.search(step, out)) else -1 for step in steps]
    assert -1 not in at and at == sorted(at), f"steps out of order or missing: {at}\n{demo}"
    demo.assert_left_nothing()


def test_demo_interrupted_while_starting_stops_what_it_started(tmp_path):
    demo = Demo(tmp_path / "demo")
    try:
        demo.watch(until="Temporal dev server", timeout=60)
        assert demo.proc.poll() is None, demo
        demo.children |= _descendants(demo.proc.pid)
        os.kill(demo.proc.pid, signal.SIGINT)  # what Ctrl-C sends
        demo.proc.wait(60)
    finally:
        demo.stop()
    assert demo.proc.returncode == 130, demo
    assert demo.children, "the demo had started nothing yet"
    demo.assert_left_nothing()


@pytest.mark.parametrize(
    ("flags", "named"),
    [(("--rate", "0"), "--rate"), (("--expire-after", "soon"), "--expire-after")],
)
def test_a_bad_stream_setting_is_refused_before_anything_starts(tmp_path, flags, named):
    proc = subprocess.run(
        [sys.executable, "-m", "dictobs.cli", "demo", "--run-dir", str(tmp_path / "demo"), *flags],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 2, proc
    assert proc.stderr.count("\n") == 1 and named in proc.stderr, proc.stderr
    assert not (tmp_path / "demo").exists()
