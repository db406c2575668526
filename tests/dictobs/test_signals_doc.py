"""docs/signals.md: every metric of the catalog, who emits it and what uses it, kept current."""

from __future__ import annotations

from core import catalog
from core.catalog import exporter, sdk
from dictobs import signals
from toolkit import docblocks


def _row(text: str, metric: catalog.Metric) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| `{metric.name}` |"))


def test_the_document_matches_what_the_code_generates():
    current = signals.DOC.read_text()
    assert docblocks.blocks(current) == ["signals"]
    assert current == docblocks.render(current, signals.GENERATORS), (
        "run: python -m dictobs.signals"
    )


def test_every_metric_has_a_row_with_its_type_labels_and_emitter():
    text = signals.DOC.read_text()
    for metric in catalog.ALL:
        row = _row(text, metric)
        assert f"| {metric.type.value} |" in row
        for label in metric.labels:
            assert f"`{label}`" in row
        section = text[: text.index(row)].rsplit("### ", 1)[1].splitlines()[0]
        assert section == signals.EMITTERS[metric.source]


def test_rows_name_the_rules_panels_and_tests_that_read_the_metric():
    text = signals.DOC.read_text()
    backlog = _row(text, exporter.TASK_QUEUE_BACKLOG)
    assert "`TemporalTaskQueueBacklogHigh`" in backlog
    assert "dict-task-queues: panel 'Backlog count (exporter, DescribeTaskQueue)'" in backlog
    assert "`alerts/tests/operational-dict-worker-test.yaml`" in backlog
    responsiveness = _row(text, sdk.WORKFLOW_TASK_SCHEDULE_TO_START)
    assert "SLO `dict-worker-workflow-task-responsiveness`" in responsiveness
    assert "`alerts/generated/tests/slo-dict-worker-workflow-task-responsiveness-test.yaml`" in (
        responsiveness
    )
    unused = _row(text, sdk.WORKFLOW_CONTINUE_AS_NEW)
    # No rule and no panel reads it (the end-to-end test names it as a metric it cannot cause).
    assert unused.endswith("| — | — | `tests/e2e/test_scrapes_match_the_catalog.py` |")
