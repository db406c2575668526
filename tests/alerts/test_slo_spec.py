"""The SLO file is validated: every mistake is one error naming the file, the SLO and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from alerts.slo import rules as slo_rules
from alerts.slo.sli import LatencySLI, SLOSpecError, le_regex, le_spellings
from alerts.slo.spec import load_slos
from toolkit import durations

EVENTS = """\
      events:
        error_query: sum(rate(temporal_workflow_failed_total[{{.window}}]))
        total_query: sum(rate(temporal_workflow_completed_total[{{.window}}]))"""


def spec(tmp_path: Path, slo_body: str, top: str = "version: dictobs/v1\n") -> Path:
    """A spec file with one SLO named ``checkout`` whose body is ``slo_body``."""
    path = tmp_path / "slos.yaml"
    path.write_text(
        top
        + "slos:\n  - service: dict-claims\n    name: checkout\n"
        + textwrap.indent(textwrap.dedent(slo_body), "    ")
    )
    return path


def good_body(**override: str) -> str:
    fields = {
        "objective": "objective: 99.9",
        "sli": "sli:\n" + EVENTS,
        "alerting": "alerting:\n  name: CheckoutBurn",
    }
    fields.update(override)
    return "\n".join(v for v in fields.values() if v) + "\n"


def events(error: str, total: str = "sum(rate(x[{{.window}}]))") -> str:
    return f"sli:\n  events:\n    error_query: {error}\n    total_query: {total}"


def latency(metric: str, threshold: str) -> str:
    return f"sli:\n  latency:\n    metric: {metric}\n    threshold: {threshold}"


def error_of(tmp_path: Path, body: str, top: str = "version: dictobs/v1\n") -> str:
    with pytest.raises(SLOSpecError) as err:
        load_slos(spec(tmp_path, body, top))
    return str(err.value)


def test_the_shipped_file_loads_with_every_required_slo():
    slos = {s.id: s for s in load_slos()}
    assert {i: s.objective for i, s in slos.items()} == {
        "dict-claims-workflow-success": 99.9,
        "dict-claims-resolution-deadline": 99.99,
        "dict-bridge-call-availability": 99.5,
        "dict-worker-workflow-task-responsiveness": 99,
        "temporal-frontend-availability": 99.9,
    }
    assert {s.period_window for s in slos.values()} == {"30d"}
    deadline = slos["dict-claims-resolution-deadline"].sli
    assert isinstance(deadline, LatencySLI) and deadline.threshold == 30 * 86400 + 3600


def test_a_good_spec_loads(tmp_path):
    (slo,) = load_slos(spec(tmp_path, good_body()))
    assert (slo.id, slo.objective, slo.alerting.name) == (
        "dict-claims-checkout",
        99.9,
        "CheckoutBurn",
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"objective": "objective: 100"},
            "slo 'checkout': field objective: 100 is outside (0, 100)",
        ),
        ({"objective": "objective: 0"}, "field objective: 0 is outside (0, 100)"),
        ({"objective": "objective: 120"}, "field objective: 120 is outside (0, 100)"),
        ({"objective": "objective: high"}, "field objective: expected a percentage"),
        ({"extra": "owner: me"}, "slo 'checkout': unknown key 'owner'"),
        (
            {"sli": events("sum(rate(x[5m]))")},
            "field sli.events.error_query: the query has no {{.window}} placeholder",
        ),
        (
            {"sli": events("sum(rate(x[{{.window}})")},
            "slo 'checkout': field sli.events.error_query: the query does not parse",
        ),
        (
            {"sli": "sli:\n  events:\n    total_query: sum(rate(x[{{.window}}]))"},
            "field sli.events: give error_query or good_query",
        ),
        (
            {"sli": latency("dict_claim_resolution_seconds", "2592001")},
            "field sli.latency.threshold: 2592001 is not a bucket of dict_claim_resolution_seconds",
        ),
        (
            {"sli": latency("dict_claims_started_total", "1")},
            "field sli.latency.metric: dict_claims_started_total is a counter, not a histogram",
        ),
        (
            {"sli": latency("temporal_workflow_duration_seconds", "1")},
            "field sli.latency.metric:",
        ),
        ({"sli": "sli:\n  lateness: {}"}, "field sli: unknown key 'lateness'"),
        ({"alerting": "alerting:\n  name: not a name"}, "field alerting.name: 'not a name'"),
        (
            {"alerting": "alerting:\n  name: X\n  page_alert:\n    for: soon"},
            "field alerting.page_alert: field for: 'soon' is not a duration",
        ),
        ({"alerting": ""}, "slo 'checkout': field alerting: missing"),
    ],
)
def test_each_mistake_names_the_slo_and_the_field(tmp_path, override, expected):
    message = error_of(tmp_path, good_body(**override))
    assert str(tmp_path / "slos.yaml") in message
    assert expected in message


def test_file_level_mistakes_are_named(tmp_path):
    assert "field version: 'v9' is unknown" in error_of(tmp_path, good_body(), "version: v9\n")
    assert "field period: '30x' is not a duration" in error_of(
        tmp_path, good_body(), "version: dictobs/v1\nperiod: 30x\n"
    )
    assert "not a whole number of days" in error_of(
        tmp_path, good_body(), "version: dictobs/v1\nperiod: 36h\n"
    )
    bad_yaml = tmp_path / "broken.yaml"
    bad_yaml.write_text("slos: [\n")
    with pytest.raises(SLOSpecError, match=r"broken\.yaml: not valid YAML"):
        load_slos(bad_yaml)
    with pytest.raises(SLOSpecError, match=r"missing\.yaml: cannot read"):
        load_slos(tmp_path / "missing.yaml")


def test_an_id_declared_twice_is_refused(tmp_path):
    path = spec(tmp_path, good_body())
    path.write_text(path.read_text() + path.read_text().split("slos:\n", 1)[1])
    with pytest.raises(SLOSpecError, match="id 'dict-claims-checkout' is declared twice"):
        load_slos(path)


def test_a_28_day_period_is_named_as_prometheus_prints_it(tmp_path):
    (slo,) = load_slos(spec(tmp_path, good_body(), "version: dictobs/v1\nperiod: 28d\n"))
    assert slo.period_window == "4w"
    names = {r["record"] for r in slo_rules.sli_recordings(slo)["rules"]}
    assert "slo:sli_error:ratio_rate4w" in names


@pytest.mark.parametrize(
    ("period_days", "factors"),
    [(30, [14.4, 6, 3, 1]), (28, [13.44, 5.6, 2.8, 0.9333])],
)
def test_burn_factors_keep_the_budget_shares_for_any_period(period_days, factors):
    got = [w.factor(period_days * 86400) for w in slo_rules.WINDOWS]
    assert got == pytest.approx(factors, abs=1e-4)
    assert [(w.long, w.short) for w in slo_rules.WINDOWS] == [
        ("1h", "5m"),
        ("6h", "30m"),
        ("1d", "2h"),
        ("3d", "6h"),
    ]


def test_durations_print_as_prometheus_does():
    assert [durations.format(durations.seconds(t)) for t in ("30d", "28d", "90m", "7d", "1y")] == [
        "30d",
        "4w",
        "1h30m",
        "1w",
        "1y",
    ]
    for bad in ("", "5", "1m1h", "-1d", "0s"):
        with pytest.raises(ValueError):
            durations.seconds(bad)


def test_latency_bucket_bound_matches_prometheus_2_and_3_spellings():
    assert le_regex(1.0) == r"1(\\.0)?"
    assert "1" in le_spellings(1.0) and "1.0" in le_spellings(1.0)
    assert {"2.5956e+06", "2595600", "2595600.0"} <= set(le_spellings(2595600.0))


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"sli": events("sum(rate(x[{{.window}}]))", "sum(rate(x[{{ .window }}]))")},
            "field sli.events.error_query: the same query as total_query",
        ),
        (
            {"extra": "labels:\n  team:"},
            "field labels.team: empty value (Prometheus drops a label whose value is empty)",
        ),
        ({"extra": "labels:\n  team: ''"}, "field labels.team: empty value"),
        ({"extra": "labels:\n  team: [a]"}, "field labels.team: expected a string"),
        (
            {"alerting": "alerting:\n  page_alert:\n    disable: true"},
            "field alerting.name: missing; name the alert, or disable both",
        ),
        (
            {"extra": "plugins:\n  chain:\n    - id: sloth.dev/core/debug/v1"},
            "unknown key 'plugins'",  # ours has no plugins at all
        ),
    ],
)
def test_specs_sloth_would_refuse_or_we_cannot_honour_are_named(tmp_path, override, expected):
    message = error_of(tmp_path, good_body(**override))
    assert message.startswith(f"{tmp_path / 'slos.yaml'}: slo 'checkout': ")
    assert expected in message


@pytest.mark.parametrize("bad", ["check out", "check/out", "-checkout", "checkout."])
def test_names_are_restricted_to_what_sloth_allows(tmp_path, bad):
    path = spec(tmp_path, good_body())
    path.write_text(path.read_text().replace("name: checkout", f"name: {bad!r}"))
    with pytest.raises(SLOSpecError, match=r"field name: .* is not a valid name"):
        load_slos(path)
    path.write_text(spec(tmp_path, good_body()).read_text().replace("dict-claims", repr(bad)))
    with pytest.raises(SLOSpecError, match=r"field service: .* is not a valid name"):
        load_slos(path)


def test_a_spec_without_slos_is_refused(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n---\n")
    with pytest.raises(SLOSpecError, match=r"empty\.yaml: declares no SLOs"):
        load_slos(empty)
    none = tmp_path / "none.yaml"
    none.write_text("version: prometheus/v1\nservice: svc\nslos: []\n")
    with pytest.raises(SLOSpecError, match=r"none\.yaml: field slos: declares no SLOs"):
        load_slos(none)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "README.md").write_text("specs go here\n")
    with pytest.raises(SLOSpecError, match=r"folder: no \*\.yaml or \*\.yml spec file"):
        load_slos(folder)


def test_a_directory_reads_every_spec_under_it_and_label_values_are_yaml_scalars(tmp_path):
    (tmp_path / "team" / "deep").mkdir(parents=True)
    doc = "version: prometheus/v1\nservice: SVC\nlabels:\n  paging: true\n  tier: 1\n"
    doc += "slos:\n  - name: NAME\n    objective: 99\n    sli:\n" + textwrap.indent(EVENTS, "  ")
    doc += "\n    alerting:\n      name: Burn\n"
    (tmp_path / "team" / "a.yaml").write_text(doc.replace("SVC", "alpha").replace("NAME", "one"))
    (tmp_path / "team" / "deep" / "b.yml").write_text(
        doc.replace("SVC", "beta").replace("NAME", "two")
    )
    (tmp_path / "team" / "notes.txt").write_text("not a spec\n")
    slos = load_slos(tmp_path / "team")
    assert [s.id for s in slos] == ["alpha-one", "beta-two"]
    assert dict(slos[0].labels) == {"paging": "true", "tier": "1"}


def test_a_mistake_in_a_later_document_names_it(tmp_path):
    path = tmp_path / "two.yaml"
    doc = "version: prometheus/v1\nservice: SVC\nslos:\n  - name: xy\n    objective: OBJ\n"
    doc += "    sli:\n" + textwrap.indent(EVENTS, "  ") + "\n    alerting:\n      name: X\n"
    first = doc.replace("SVC", "svc-a").replace("OBJ", "99")
    path.write_text(first + "---\n" + doc.replace("SVC", "svc-b").replace("OBJ", "100"))
    with pytest.raises(SLOSpecError) as err:
        load_slos(path)
    assert str(err.value).startswith(f"{path} (document 2): slo 'xy': field objective: 100")


def test_an_slo_plugin_is_refused_by_id(tmp_path):
    path = tmp_path / "plugins.yaml"
    path.write_text(
        "version: prometheus/v1\nservice: api\nslo_plugins:\n  chain:\n"
        "    - id: sloth.dev/contrib/denominator_corrected_rules/v1\nslos:\n"
        "  - name: xy\n    objective: 99\n    sli:\n" + textwrap.indent(EVENTS, "  ") + "\n"
    )
    with pytest.raises(SLOSpecError) as err:
        load_slos(path)
    assert str(err.value) == (
        f"{path}: field slo_plugins: SLO plugin "
        "'sloth.dev/contrib/denominator_corrected_rules/v1' is Go code that only Sloth can run; "
        "remove it and write what it adds as the SLO's sli, labels and alerting (of Sloth's "
        "plugins only sloth.dev/contrib/rule_intervals/v1 is read here)"
    )


def test_an_unknown_resource_is_named(tmp_path):
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(SLOSpecError, match=r"cm\.yaml: field apiVersion/kind: 'v1'/'ConfigMap'"):
        load_slos(path)


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        (
            "- id: sloth.dev/contrib/rule_intervals/v1\n  config: {interval: {alert: 1m}}",
            "field slo_plugins.chain[0].config: field interval.default: missing",
        ),
        (
            "- id: sloth.dev/contrib/rule_intervals/v1\n  config: {interval: {default: soon}}",
            "field interval.default: 'soon' is not a duration",
        ),
        (
            "- id: sloth.dev/contrib/rule_intervals/v1\n  config: {interval: {default: 1m}}\n"
            "- id: sloth.dev/contrib/info_labels/v1",
            "SLO plugin 'sloth.dev/contrib/info_labels/v1' is Go code",
        ),
    ],
)
def test_only_the_rule_intervals_plugin_is_read(tmp_path, chain, expected):
    path = tmp_path / "plugins.yaml"
    path.write_text(
        "version: prometheus/v1\nservice: api\nslo_plugins:\n  chain:\n"
        + textwrap.indent(chain, "    ")
        + "\nslos:\n  - name: xy\n    objective: 99\n    sli:\n"
        + textwrap.indent(EVENTS, "  ")
        + "\n    alerting:\n      name: X\n"
    )
    with pytest.raises(SLOSpecError) as err:
        load_slos(path)
    assert str(err.value).startswith(f"{path}: ")
    assert expected in str(err.value)
    good = "- id: sloth.dev/contrib/rule_intervals/v1\n  config: {interval: {default: 90s}}"
    path.write_text(
        path.read_text().replace(textwrap.indent(chain, "    "), textwrap.indent(good, "    "))
    )
    (slo,) = load_slos(path)
    assert dict(slo.intervals) == {"sli": "1m30s", "meta": "1m30s", "alerts": "1m30s"}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("count: 30", "count: 0"), "field spec.timeWindows[0].count: expected a number of days"),
        (("unit: Day", "unit: Month"), "field spec.timeWindows: expected one window in days"),
        (("      target: 0.999\n", ""), "spec.objectives[0]: field target: expected a ratio"),
        (("queryType: promql", "queryType: graphite"), "field ratioMetrics.good: expected source"),
        (("  service: shop\n", ""), "field service: expected a non-empty string"),
    ],
)
def test_openslo_mistakes_are_named(tmp_path, edit, expected):
    text = (Path(__file__).parent / "slo_formats" / "openslo.spec.yaml").read_text()
    assert edit[0] in text
    path = tmp_path / "openslo.yaml"
    path.write_text(text.replace(*edit, 1))
    with pytest.raises(SLOSpecError) as err:
        load_slos(path)
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value)
