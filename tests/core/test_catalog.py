from core import catalog
from core.catalog import MetricType, Source


def test_every_name_is_unique_and_idiomatic():
    names = [m.name for m in catalog.ALL]
    assert len(names) == len(set(names))
    for m in catalog.ALL:
        if m.source in (Source.WORKER, Source.EXPORTER):
            assert m.name.startswith("dict_"), m.name
        if m.type is MetricType.COUNTER and m.source is not Source.SERVER:
            assert m.name.endswith("_total"), m.name
        if m.type is not MetricType.COUNTER:
            assert not m.name.endswith("_total"), m.name
        if m.type is MetricType.INFO:
            assert m.name.endswith("_info"), m.name


def test_no_label_can_hold_an_identifier():
    forbidden = {"claim_id", "workflow_id", "run_id", "entry_key", "key", "pix_key"}
    for m in catalog.ALL:
        assert not forbidden & set(m.labels), m.name


def test_series_lookup_resolves_histogram_parts():
    hist = catalog.get("dict_claim_resolution_seconds")
    assert catalog.lookup_series(hist.bucket) is hist
    assert catalog.lookup_series("dict_claims_started_total") is catalog.get(
        "dict_claims_started_total"
    )
    assert catalog.lookup_series("dict_claims_started_total_bucket") is None
    assert catalog.lookup_series("temporal_taskqueue_depth") is None
