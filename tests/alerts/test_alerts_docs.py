"""docs/alerts.md lists every SLO and every alert the generator writes."""

from __future__ import annotations

import yaml

from alerts import docs, generate
from alerts.slo.spec import load_slos
from toolkit import docblocks


def test_the_document_matches_what_the_code_generates():
    current = docs.DOC.read_text()
    assert docblocks.blocks(current) == ["slos", "alerts"]
    assert current == docblocks.render(current, docs.GENERATORS), "run: python -m alerts.docs"


def test_every_slo_and_alert_is_in_the_document():
    text = docs.DOC.read_text()
    for slo in load_slos(check_queries=False):
        assert f"| `{slo.id}` | {slo.objective:g}% over 30d |" in text
    for path in generate.GENERATED_DIR.glob("*.yaml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    assert f"[{rule['alert']}](runbook.md#{rule['alert'].lower()})" in text
