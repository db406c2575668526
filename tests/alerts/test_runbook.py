"""Every alert's runbook link lands on a section of docs/runbook.md.

Anchors are computed the way GitHub renders Markdown headings (:func:`toolkit.markdown.anchors`).
"""

from __future__ import annotations

import re

import pytest
import yaml

from alerts import generate
from alerts.slo import naming
from alerts.slo.rules import ABSENT_ALERT
from alerts.slo.spec import load_slos
from core.config import RUNBOOK_URL
from toolkit import promql_check, promtool
from toolkit.markdown import HEADING, anchors

RUNBOOK_PATH = "docs/runbook.md"
RUNBOOK = generate.REPO_ROOT / RUNBOOK_PATH
RULE_FILES = sorted(generate.GENERATED_DIR.glob("*.yaml"))


def promql_examples(markdown: str) -> list[str]:
    """The queries of every ```promql block: a query starts at column 0, indented lines continue
    it, ``#`` starts a comment."""
    queries: list[list[str]] = []
    for block in re.findall(r"^```promql\n(.*?)^```", markdown, re.S | re.M):
        start = len(queries)
        for line in block.splitlines():
            code = re.sub(r"(^|\s+)#.*$", "", line)
            if not code.strip():
                continue
            if code[0].isspace() and len(queries) > start:
                queries[-1].append(code)
            else:
                queries.append([code])
    return ["\n".join(q) for q in queries]


def alert_rules():
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    yield f"{path.name}: {group['name']}: {rule['alert']}", rule


# Shapes of the PIX key types that can be written down: CPF, CNPJ, a Brazilian phone number in
# the DICT's +55 format, an e-mail address.
PIX_KEY_SHAPES = {
    "CPF": re.compile(r"(?<![\d.])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\d.])"),
    "CNPJ": re.compile(r"(?<![\d.])\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}(?![\d.])"),
    "phone": re.compile(r"\+55\s?\(?\d{2}\)?\s?\d{4,5}-?\d{4}"),
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
}


def pix_keys(text: str) -> list[tuple[str, str]]:
    return [
        (kind, m.group(0)) for kind, shape in PIX_KEY_SHAPES.items() for m in shape.finditer(text)
    ]


def test_anchors_follow_github():
    markdown = "\n".join(
        [
            "# DICT on-call runbook",
            "## Workflows and activities (group dict-workflows)",
            "### TemporalWorkflowFailureRateHigh",
            "### `dict_claims_overdue` > 0?",
            "## Notes",
            "```sh",
            "# Open claims, by claim status",
            "```",
            "~~~",
            "## not a heading",
            "```",
            "~~~",
            "## Notes",
            "#NoSpaceIsNoHeading",
            "### [Linked](https://example.invalid) heading ###",
        ]
    )
    assert anchors(markdown) == [
        "dict-on-call-runbook",
        "workflows-and-activities-group-dict-workflows",
        "temporalworkflowfailureratehigh",
        "dict_claims_overdue--0",
        "notes",
        "notes-1",
        "linked-heading",
    ]


def test_every_alert_has_a_runbook_url():
    missing = [where for where, rule in alert_rules() if not rule["annotations"].get("runbook_url")]
    assert RULE_FILES
    assert missing == []


def test_every_runbook_url_points_at_a_section_of_the_runbook():
    sections = set(anchors(RUNBOOK.read_text()))
    wrong = []
    for where, rule in alert_rules():
        url, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        # The published copy of docs/runbook.md: the anchor must exist in this one.
        if url != RUNBOOK_URL or not (generate.REPO_ROOT / RUNBOOK_PATH).is_file():
            wrong.append(f"{where}: {url} is not {RUNBOOK_URL}")
        elif anchor not in sections:
            wrong.append(f"{where}: no heading with anchor #{anchor} in {RUNBOOK_PATH}")
    assert wrong == []


def test_every_slo_alert_has_a_section():
    """From the SLO spec itself, so a section is missing even before the rules are regenerated."""
    sections = set(anchors(RUNBOOK.read_text()))
    names = {slo.alerting.name for slo in load_slos()} | {ABSENT_ALERT}
    assert sorted(n for n in names if n.lower() not in sections) == []


def test_links_inside_the_runbook_resolve():
    text = RUNBOOK.read_text()
    sections = set(anchors(text))
    broken = sorted({a for a in re.findall(r"\]\(#([^)]+)\)", text) if a not in sections})
    assert broken == []


def section(markdown: str, heading: str) -> str:
    """The text under ``heading`` (a whole heading line) up to the next heading of its level or
    a higher one."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = markdown.splitlines()
    start = lines.index(heading) + 1
    end = next(
        (
            i
            for i in range(start, len(lines))
            if (m := HEADING.match(lines[i])) and len(m.group(1)) <= level
        ),
        len(lines),
    )
    return "\n".join(lines[start:end])


_INDEX_ROW = re.compile(r"^\| \[(\w+)\]\(#\w+\) \| ([^|]+) \|.*\| ([^|]+) \|$")


def alert_index(markdown: str) -> dict[str, tuple[set[str], str]]:
    """``{alert: (severities, for)}`` from the table of the Alert index section."""
    rows = {}
    for line in section(markdown, "## Alert index").splitlines():
        row = _INDEX_ROW.match(line)
        if row:
            severities = {re.sub(r"\(.*?\)", "", s).strip() for s in row.group(2).split("/")}
            rows[row.group(1)] = (severities, row.group(3).strip())
    return rows


def test_the_alert_index_is_read_row_by_row():
    markdown = "\n".join(
        [
            "## Alert index",
            "",
            "| alert | severity | threshold | for |",
            "| --- | --- | --- | --- |",
            "| [Slow](#slow) | warning / critical | p99 > 0.2 s / > 1 s | 10m |",
            "| [Burn](#burn) | critical (page) / warning (ticket) | burn rate | none |",
            "",
            "## Next",
            "| [Other](#other) | info | x | 1h |",
        ]
    )
    assert alert_index(markdown) == {
        "Slow": ({"warning", "critical"}, "10m"),
        "Burn": ({"critical", "warning"}, "none"),
    }


def test_the_alert_index_lists_each_operational_alert_with_its_severities_and_for():
    rules: dict[str, tuple[set[str], set[str]]] = {}
    for group in yaml.safe_load((generate.GENERATED_DIR / generate.OPERATIONAL).read_text())[
        "groups"
    ]:
        for rule in group["rules"]:
            if "alert" in rule:
                severities, fors = rules.setdefault(rule["alert"], (set(), set()))
                severities.add(rule["labels"]["severity"])
                fors.add(rule.get("for", "none"))
    assert rules
    index = alert_index(RUNBOOK.read_text())
    wrong = []
    for name, (severities, fors) in sorted(rules.items()):
        assert len(fors) == 1, f"{name}: rules of one name with different for: {fors}"
        expected = (severities, fors.pop())
        if name not in index:
            wrong.append(f"{name}: not in the alert index")
        elif index[name] != expected:
            wrong.append(f"{name}: the index says {index[name]}, the rules {expected}")
    assert wrong == []


def test_the_severity_table_explains_every_severity_the_alerts_use():
    table = section(RUNBOOK.read_text(), "### Severity")
    explained = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    used = {s for _, rule in alert_rules() if (s := rule.get("labels", {}).get("severity"))}
    assert used
    assert sorted(used - explained) == []


def test_promql_examples_are_split_into_queries():
    markdown = "\n".join(
        [
            "```promql",
            "# a comment line",
            "sum(rate(a_total[5m]))   # trailing comment",
            "",
            "sum(rate(b_total[5m]))",
            "  / sum(rate(c_total[5m]))",
            "```",
            "```sh",
            "echo not promql",
            "```",
        ]
    )
    assert promql_examples(markdown) == [
        "sum(rate(a_total[5m]))",
        "sum(rate(b_total[5m]))\n  / sum(rate(c_total[5m]))",
    ]


def test_every_promql_example_parses_and_names_catalog_metrics_and_labels():
    queries = promql_examples(RUNBOOK.read_text())
    assert len(queries) > 20
    assert promtool.parse_problems([(q, q) for q in queries]) == []
    known = naming.known_series(load_slos(check_queries=False))
    problems = [f"{q}: {p}" for q in queries for p in promql_check.problems(q, known)]
    assert problems == []


@pytest.mark.parametrize(
    "text",
    [
        "dictobs claim start --key 123.456.789-09",
        "a CPF written plainly: 12345678909",
        "CNPJ 12.345.678/0001-95 in a query",
        "call +55 11 91234-5678",
        "owner fulano@example.com.br",
    ],
)
def test_the_pix_key_check_sees_each_key_type(text):
    assert pix_keys(text)


def test_the_runbook_holds_no_pix_key():
    assert pix_keys(RUNBOOK.read_text()) == []


def test_every_alert_section_ends_in_something_to_do():
    """Each section says what to do, or sends the reader to the section that does."""
    # Split on the alert headings themselves: PromQL comments in the examples start with "#".
    parts = re.split(r"^##+ ", RUNBOOK.read_text(), flags=re.M)
    sections = {part.split("\n", 1)[0]: part for part in parts}
    silent = [
        name
        for name in sorted({rule["alert"] for _, rule in alert_rules()})
        if not re.search(r"\*\*[Dd]o\*\*", sections[name])
    ]
    assert silent == []
