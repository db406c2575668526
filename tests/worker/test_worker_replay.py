"""Histories recorded from earlier versions of the workflows replay on the current code without
nondeterminism: the gate for every workflow change (docs/worker.md, Versioning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from worker.workflows import WORKFLOWS

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
