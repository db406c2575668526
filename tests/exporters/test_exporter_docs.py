"""docs/exporter.md and the README list every metric and every setting the code has."""

from __future__ import annotations

import pytest

from core.catalog.exporter import EXPORTER_METRICS
from exporters import docs
from exporters.settings_table import SETTINGS
from toolkit import docblocks

DOCS = [docs.DOC, docs.README]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_document_matches_what_the_code_generates(doc):
    current = doc.read_text()
    assert docblocks.blocks(current) == ["settings", "metrics"]
    assert current == docs.render(current), "run: python -m exporters.docs"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_metric_and_setting_is_in_the_document(doc):
    text = doc.read_text()
    for metric in EXPORTER_METRICS:
        assert f"| `{metric.name}` |" in text
    for setting in SETTINGS:
        assert f"| `{setting.flag}` | `{setting.key}` |" in text
