"""checkov's Kubernetes and Dockerfile checks over what we ship: no failed check without a
written reason beside its waiver, and no waiver left that no check needs."""

from __future__ import annotations

import pytest

from deploy import checkov, render

pytestmark = pytest.mark.deploy


@pytest.fixture(scope="module")
def scan() -> checkov.Scan:
    return checkov.scan()


@pytest.fixture(scope="module")
def findings(scan) -> list[checkov.Finding]:
    return scan.findings


def test_every_failed_check_is_waived_with_a_reason(findings):
    assert checkov.problems(findings, checkov.waivers()) == []


def test_the_scan_sees_the_manifests_and_the_dockerfile(scan, findings):
    objects = sum(len(render.load_manifests(env)) for env in render.environments())
    assert scan.summary["kubernetes"]["resource_count"] >= objects  # pod templates count too
    assert scan.summary["dockerfile"]["resource_count"] == 1
    assert scan.summary["dockerfile"]["passed"] > 20
    # The waived digest check fails on exactly the Deployments.
    digest = sorted(f.file for f in findings if f.check == "CKV_K8S_43")
    assert digest == [
        "/deploy/manifests/example/deployment-dict-worker.yaml",
        "/deploy/manifests/standalone/deployment-dict-exporter.yaml",
    ]


def test_a_failed_check_without_a_waiver_is_reported(findings):
    assert checkov.problems(findings, {}) == [f"not waived: {f}" for f in findings]
    assert checkov.problems([], {"CKV_K8S_43": "why"}) == ["waiver no check needs: CKV_K8S_43"]
    assert checkov.problems(findings, {"CKV_K8S_43": ""}) == ["waiver without a reason: CKV_K8S_43"]
