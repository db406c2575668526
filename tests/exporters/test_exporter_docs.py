"""docs/exporter.md lists every metric and every setting the code has."""

from __future__ import annotations

from dictobs.catalog.exporter import EXPORTER_METRICS
from exporters import docs
from exporters.settings_table import SETTINGS


def test_the_document_matches_what_the_code_generates():
    current = docs.DOC.read_text()
    assert current == docs.render(current), "run: python -m exporters.docs"


def test_every_metric_and_setting_is_in_the_document():
    text = docs.DOC.read_text()
    for metric in EXPORTER_METRICS:
        assert f"| `{metric.name}` |" in text
    for setting in SETTINGS:
        assert f"| `{setting.flag}` | `{setting.key}` |" in text
