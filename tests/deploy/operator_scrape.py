"""The scrape configuration the Prometheus Operator generates for a ServiceMonitor endpoint, for
one known target, as a plain Prometheus ``scrape_configs`` entry.

The Operator finds targets through Kubernetes service discovery and turns its metadata into target
labels (``namespace``, ``service``, ``pod``, ``container``, ``endpoint``, and ``job`` from the
Service name), then applies the endpoint's ``relabelings``; ``metricRelabelings`` become
``metric_relabel_configs``, and ``honor_labels`` is the endpoint's ``honorLabels`` (false unless
set). Here the target is a static address and the metadata is given, so the same labels reach the
same rules in the same order, with nothing else of Kubernetes needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    address: str  # host:port this machine serves the pod's port on
    namespace: str  # Kubernetes namespace of the Service and pod
    service: str
    pod: str
    container: str


def _snake(key: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), key)


def relabel(rule: dict[str, Any]) -> dict[str, Any]:
    """A ServiceMonitor relabeling (camelCase) as a Prometheus relabel config."""
    return {_snake(k): v for k, v in rule.items()}


def scrape_config(
    monitor: dict[str, Any],
    index: int,
    target: Target,
    secret_file: Callable[[str, str], str],
) -> dict[str, Any]:
    """The job for ``monitor``'s endpoint ``index`` scraping ``target``; ``secret_file(secret,
    key)`` is where a Secret key the endpoint refers to lies on this machine."""
    meta, endpoint = monitor["metadata"], monitor["spec"]["endpoints"][index]
    from_discovery = {
        "namespace": target.namespace,
        "service": target.service,
        "pod": target.pod,
        "container": target.container,
        "endpoint": endpoint["port"],
        "job": target.service,
    }
    config: dict[str, Any] = {
        "job_name": f"serviceMonitor/{meta['namespace']}/{meta['name']}/{index}",
        "honor_labels": endpoint.get("honorLabels", False),
        "metrics_path": endpoint.get("path", "/metrics"),
        "scheme": endpoint.get("scheme", "http"),
        "static_configs": [{"targets": [target.address]}],
        "relabel_configs": [
            {"target_label": label, "replacement": value} for label, value in from_discovery.items()
        ]
        + [relabel(r) for r in endpoint.get("relabelings", [])],
        "metric_relabel_configs": [relabel(r) for r in endpoint.get("metricRelabelings", [])],
    }
    tls = endpoint.get("tlsConfig")
    if tls:
        config["tls_config"] = {"server_name": tls["serverName"]}
        if "ca" in tls:
            ref = tls["ca"]["secret"]
            config["tls_config"]["ca_file"] = secret_file(ref["name"], ref["key"])
    return config
