"""One catalog entry per SDK metric, spelt per SDK dialect: names, labels, units, existence."""

from __future__ import annotations

import dataclasses

import pytest

from core import catalog, config
from core.catalog import dialects, sdk, worker
from toolkit import promql_check
from toolkit.selectors import in_seconds, sel

OPENMETRICS = dialects.get(dialects.OPENMETRICS)
GO_OTEL = dialects.get(dialects.GO_OTEL)
CORE_MS = dialects.get(dialects.CORE_MS)


@pytest.fixture
def use_dialect():
    def use(name: str) -> None:
        config.use(dataclasses.replace(config.DEFAULT, sdk_dialect=name))

    yield use
    config.use(config.DEFAULT)


def test_openmetrics_spells_every_metric_as_the_catalog_names_it():
    for metric in catalog.ALL:
        assert OPENMETRICS.all_series(metric) == metric.series, metric.name
        assert OPENMETRICS.labels(metric) == metric.labels, metric.name


@pytest.mark.parametrize(
    ("dialect", "metric", "suffix", "name"),
    [
        (GO_OTEL, sdk.WORKFLOW_COMPLETED, "", "temporal_workflow_completed"),
        (GO_OTEL, sdk.STICKY_CACHE_FORCED_EVICTION, "",
         "temporal_sticky_cache_total_forced_eviction"),
        (GO_OTEL, sdk.ACTIVITY_EXECUTION_LATENCY, "count",
         "temporal_activity_execution_latency_seconds_count"),
        (CORE_MS, sdk.ACTIVITY_EXECUTION_LATENCY, "count",
         "temporal_activity_execution_latency_count"),
        (CORE_MS, sdk.WORKER_TASK_SLOTS_AVAILABLE, "", "temporal_worker_task_slots_available"),
        (CORE_MS, worker.CLAIMS_STARTED, "", "dict_claims_started_total"),
    ],
)  # fmt: skip
def test_each_dialect_spells_the_base_name_its_way(dialect, metric, suffix, name):
    assert dialect.series(metric, suffix) == name


def test_bounds_and_values_are_converted_only_for_durations_in_milliseconds():
    hist = sdk.WORKFLOW_TASK_SCHEDULE_TO_START
    assert [d.bound(hist, 0.2) for d in (OPENMETRICS, GO_OTEL, CORE_MS)] == [0.2, 0.2, 200.0]
    assert CORE_MS.in_seconds(hist, "q") == "q / 1000"
    assert GO_OTEL.in_seconds(hist, "q") == "q"
    assert CORE_MS.bound(worker.CLAIM_RESOLUTION, 3600.0) == 3600.0


def test_go_labels_every_series_with_its_root_tags_and_no_service_name():
    labels = GO_OTEL.labels(sdk.STICKY_CACHE_SIZE)
    assert {"client_name", "workflow_type", "activity_type", "worker_type"} <= set(labels)
    assert "service_name" not in labels


def test_activity_task_received_exists_only_where_a_core_sdk_emits_it():
    received = sdk.ACTIVITY_TASK_RECEIVED
    assert [d.emits(received) for d in (OPENMETRICS, GO_OTEL, CORE_MS)] == [True, False, True]


def test_selectors_and_the_label_check_follow_the_dialect(use_dialect):
    use_dialect(dialects.GO_OTEL)
    assert sel(sdk.WORKFLOW_FAILED, client_name="temporal_go") == (
        'temporal_workflow_failed{client_name="temporal_go"}'
    )
    with pytest.raises(ValueError, match="has no label 'service_name'"):
        sel(sdk.WORKFLOW_FAILED, service_name="x")
    with pytest.raises(ValueError, match="not emitted by workers of SDK dialect go-otel"):
        sel(sdk.ACTIVITY_TASK_RECEIVED)
    known = promql_check.catalog_series()
    assert "worker_type" in known["temporal_sticky_cache_size"]
    assert "temporal_workflow_failed_total" not in known
    use_dialect(dialects.CORE_MS)
    hist = sdk.REQUEST_LATENCY
    assert in_seconds(hist, "x") == "x / 1000"
    assert sel(hist, hist.bucket) == "temporal_request_latency_bucket"


def test_an_unknown_dialect_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="'go'; the dialects are: openmetrics, go-otel, core-ms"):
        dialects.get("go")
