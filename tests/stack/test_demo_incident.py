"""``dictobs demo --once --incident exporter-stopped`` as a user runs it: the timeline from the
fault to the resolved notification, on drill rules, and nothing left behind."""

from __future__ import annotations

import re

import pytest
from test_demo import Demo

pytestmark = [pytest.mark.devserver, pytest.mark.e2e]


def test_an_incident_prints_its_timeline_from_fault_to_resolved_notification(tmp_path):
    demo = Demo(tmp_path / "demo", "--once", "--incident", "exporter-stopped")
    try:
        demo.watch(timeout=240)
    finally:
        demo.stop()
    out = demo.output
    assert demo.proc.returncode == 0, str(demo)
    assert "runs on drill rules" in out and "dictobs rules generate --drill" in out, demo
    assert sorted(p.name for p in (demo.run_dir / "drill-rules").glob("*.yaml")) == [
        "operational-alerts.yaml",
        "slo-rules.yaml",
    ]
    steps = [
        r"fault injected: the claim exporter stops",
        r"firing    DictExporterDown",
        r"notified  DictExporterDown -> ticket",
        r"fault removed: the exporter started again",
        r"resolved  DictExporterDown",
        r"notified  DictExporterDown resolved -> ticket",
        r"Summary of exporter-stopped",
    ]
    at = [m.start() if (m := re.search(step, out)) else -1 for step in steps]
    assert -1 not in at and at == sorted(at), f"steps out of order or missing: {at}\n{demo}"
    demo.assert_left_nothing()
