"""Histories recorded from earlier versions of the workflows replay on the current code without
nondeterminism: the gate for every workflow change (docs/worker.md, Versioning)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from worker.workflows import WORKFLOWS
from worker.workflows.create_claim import MONITOR_PATCH, STOP_MONITOR_PATCH
from worker.workflows.notice import NOTICE_PATCH

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_workflow_has_a_recorded_history():
    recorded = {
        json.loads(h.read_text())["events"][0]["workflowExecutionStartedEventAttributes"][
            "workflowType"
        ]["name"]
        for h in HISTORIES
    }
    assert recorded == {workflow._Definition.must_from_class(w).name for w in WORKFLOWS}


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays_without_nondeterminism(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    # raises on nondeterminism, e.g. a command added without workflow.patched()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)


def _event_types(path: Path) -> list[str]:
    return [e["eventType"] for e in json.loads(path.read_text())["events"]]


def _patches(path: Path) -> set[str]:
    """The patch ids a history's markers record."""
    found = set()
    for event in json.loads(path.read_text())["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker["markerName"] == "core_patch":
            data = marker["details"]["patch-data"]["payloads"][0]["data"]
            found.add(json.loads(base64.b64decode(data))["id"])
    return found


def test_histories_cover_both_sides_of_the_monitor_patch():
    # Recorded before the monitor child existed: no marker, no child. Replaying them above
    # proves workflow.patched() keeps those claims deterministic.
    before = [
        p for p in HISTORIES if p.name.startswith("create_claim_") and p.suffixes == [".json"]
    ]
    after = [p for p in HISTORIES if ".monitored" in p.suffixes]
    assert before and after
    for path in before:
        assert _patches(path) == set(), path.name
        assert "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED" not in _event_types(path)
    for path in after:
        assert _patches(path) == {MONITOR_PATCH}, path.name
        assert "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED" in _event_types(path)


def test_histories_cover_both_sides_of_the_resolved_notice_patch():
    # Complete, cancel and expire tell the claim's workflow since NOTICE_PATCH; their histories
    # recorded before it have no marker and no signal, and replay on the old branch.
    resolving = ("complete_claim", "cancel_claim", "expire_completion")
    for name in resolving:
        before = HISTORIES[0].parent / f"{name}.json"
        after = HISTORIES[0].parent / f"{name}.noticed.json"
        assert NOTICE_PATCH not in _patches(before), name
        assert "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED" not in _event_types(before)
        assert _patches(after) == {NOTICE_PATCH}, name
        assert "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED" in _event_types(after)


def test_histories_cover_both_sides_of_the_monitor_stop_patch():
    # A claim tells its monitor to stop since STOP_MONITOR_PATCH; the claims recorded before it
    # cancel the monitor, and replay on the old branch.
    cancelled = HISTORIES[0].parent / "create_claim_confirmed.monitored.json"
    assert STOP_MONITOR_PATCH not in _patches(cancelled)
    assert "EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED" in _event_types(
        cancelled
    )
    stopped = [p for p in HISTORIES if ".stopped" in p.suffixes]
    assert {p.name.split(".")[0] for p in stopped} >= {
        "create_claim_confirmed",
        "create_claim_rejected",
    }
    for path in stopped:
        events = _event_types(path)
        assert STOP_MONITOR_PATCH in _patches(path), path.name
        assert "EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED" not in events
        if "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED" in events:  # decided: the monitor was running
            assert "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED" in events, path.name
