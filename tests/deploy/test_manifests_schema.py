"""Every rendered object is one the API server (strict Kubernetes schemas) and the Prometheus
Operator (its own models) accept; a misspelt or mistyped field fails, naming object and field."""

from __future__ import annotations

import copy

import pytest

from deploy import render, validate

pytestmark = pytest.mark.deploy
OBJECTS = [(env, obj) for env in render.environments() for obj in render.load_manifests(env)]


@pytest.mark.parametrize(
    ("env", "obj"), OBJECTS, ids=[f"{e}/{o['kind']}/{o['metadata']['name']}" for e, o in OBJECTS]
)
def test_object_validates(env, obj):
    assert validate.problems(obj) == []


def _first(env: str, kind: str) -> dict:
    return copy.deepcopy(next(o for e, o in OBJECTS if e == env and o["kind"] == kind))


def test_a_misspelt_core_field_is_named():
    obj = _first("example", "Deployment")
    obj["spec"]["template"]["spec"]["containers"][1]["securityContext"]["readOnlyRootFilesytem"] = (
        True
    )
    assert validate.problems(obj) == [
        "Deployment/dict-worker: spec.template.spec.containers[1].securityContext: Additional "
        "properties are not allowed ('readOnlyRootFilesytem' was unexpected)"
    ]


def test_a_mistyped_core_field_is_named():
    obj = _first("standalone", "Service")
    obj["spec"]["ports"][0]["port"] = "9465"
    (problem,) = validate.problems(obj)
    assert problem.startswith("Service/dict-exporter: spec.ports[0].port: '9465' is not of type")


def test_a_misspelt_operator_field_is_named():
    obj = _first("example", "ServiceMonitor")
    obj["spec"]["endpoints"][0]["honourLabels"] = True
    name = obj["metadata"]["name"]
    assert validate.problems(obj) == [
        f"ServiceMonitor/{name}: spec.endpoints[0].honourLabels: unknown field"
    ]


def test_a_mistyped_operator_field_is_named():
    obj = _first("example", "PrometheusRule")
    obj["spec"]["groups"][0]["interval"] = 30
    name = obj["metadata"]["name"]
    assert validate.problems(obj) == [
        f"PrometheusRule/{name}: spec.groups[0].interval: Input should be a valid string"
    ]
