"""The pack configuration: every knob of the rules, the dashboards and the deployment.

Like kubernetes-mixin's ``_config``: scrape job names, the label that carries the Temporal
namespace, an optional cluster label, the thresholds, the runbook and Temporal Web UI URL
patterns. The rules page on these thresholds and the dashboards' panels turn red at the same
numbers; no rule or panel retypes a job name or a threshold.

A deployment whose names differ overrides what it needs from a YAML file
(``dictobs --pack-config FILE ...``)::

    server_job: temporal
    namespace_label: exported_namespace   # under the Prometheus Operator
    thresholds:
      backlog_tasks: 5000

An unknown key is refused with its name and the keys there are.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import domain, settings, yamlfile
from core.catalog import dialects
from core.errors import CLIError

# Where the pack's runbook is published: docs/runbook.md of its repository, as the Git host
# renders it (anchors are the section titles in lower case, GitHub's rule).
RUNBOOK_URL = "https://github.com/dict-observability/dict-observability/blob/main/docs/runbook.md"

# Server errors the caller causes: not the server's unavailability (frontend alert and SLO).
CLIENT_ERROR_TYPES: tuple[str, ...] = (
    "NotFound",
    "NamespaceNotFound",
    "InvalidArgument",
    "WorkflowExecutionAlreadyStarted",
    "AlreadyExists",
    "NamespaceAlreadyExists",
    "CancellationAlreadyRequested",
    "FailedPrecondition",
    "PermissionDenied",
    "QueryFailed",
    "Canceled",
    "WorkflowNotReady",
    "ClientVersionNotSupported",
    "NewerBuildExists",
)


# Bridge answers that mean the Bridge (or the way to it) failed, as gRPC status names. Business
# answers (INVALID_ARGUMENT, ALREADY_EXISTS, NOT_FOUND, FAILED_PRECONDITION) are the Bridge
# working; CANCELLED is the caller giving up (a worker shutting down).
BRIDGE_FAILURE_CODES: tuple[str, ...] = (
    "UNAVAILABLE",
    "DEADLINE_EXCEEDED",
    "INTERNAL",
    "UNKNOWN",
    "RESOURCE_EXHAUSTED",
    "UNAUTHENTICATED",
    "PERMISSION_DENIED",
    "UNIMPLEMENTED",
    "DATA_LOSS",
)

# RESOURCE_EXHAUSTED causes that mean the server is overloaded; the others (rate, concurrency
# and quota limits) are limits doing their job and are not paged on.
OVERLOAD_CAUSES: tuple[str, ...] = (
    "SystemOverloaded",
    "PersistenceLimit",
    "PersistenceStorageLimit",
    "CircuitBreakerOpen",
)


def bridge_failure_regex() -> str:
    return "|".join(BRIDGE_FAILURE_CODES)


def client_error_regex() -> str:
    """``serviceerror_(NotFound|...)``: the ``error_type`` values of client-caused errors."""
    return "serviceerror_(" + "|".join(CLIENT_ERROR_TYPES) + ")"


@dataclass(frozen=True)
class Thresholds:
    """Where an alert fires, and where its panel turns orange (warning) or red (critical)."""

    # Failed / closed workflows of one type over 1h, once at least the minimum failed.
    workflow_failure_ratio: float = 0.05
    workflow_failure_min_failures: int = 3
    backlog_tasks: int = 1000
    schedule_to_start_warning_seconds: float = 0.2
    schedule_to_start_critical_seconds: float = 1.0
    activity_retry_ratio: float = 0.1  # failed attempts / attempts, over 15m
    activity_retry_min_attempts: int = 20  # fewer attempts in 15m say nothing about a ratio
    bridge_error_ratio: float = 0.05
    frontend_error_ratio: float = 0.01
    persistence_p99_seconds: float = 1.0
    sync_match_ratio: float = 0.95
    sync_match_min_polls: int = 60  # successful polls in 10m (0.1/s) before the ratio counts
    exporter_stale_seconds: int = 300
    exporter_rate_limited_ratio: float = 0.1  # of the exporter's calls to Temporal, over 15m
    timer_lag_seconds: float = 60.0  # p99 from a timer's fire time to its task done
    # Client certificates: renew within a week (warning); a day left is critical.
    certificate_expiry_warning_seconds: int = 7 * 86400
    certificate_expiry_critical_seconds: int = 86400


@dataclass(frozen=True)
class PackConfig:
    # Scrape jobs (Prometheus' ``job`` label) of the three metric sources.
    server_job: str = "temporal-server"
    worker_job: str = "dict-worker"
    exporter_job: str = "dict-exporter"
    # The label that carries the Temporal namespace: ``namespace`` on a static scrape; the
    # Prometheus Operator renames it ``exported_namespace``.
    namespace_label: str = "namespace"
    # A label that tells clusters apart in a shared Prometheus (e.g. ``cluster``); none here.
    cluster_label: str | None = None
    # The DICT namespace and task queue, as each source labels them: the SDK and the exporter
    # keep the name; the server writes ``taskqueue`` with ``-`` turned into ``_``.
    namespace: str = settings.NAMESPACE
    task_queue: str = settings.TASK_QUEUE
    claim_workflow_type: str = domain.CREATE_CLAIM_WORKFLOW
    # Runbook links: the pattern gets the section anchor (the alert name in lower case).
    # Absolute, so that the link opens from a notification; point it at where your copy of the
    # runbook is served.
    runbook_url_pattern: str = RUNBOOK_URL + "#%s"
    # Temporal Web UI, for the deployment (dictobs pack-config): the pattern gets the namespace.
    temporal_ui_url_pattern: str = "http://localhost:8233/namespaces/%s/workflows"
    # The Grafana folder the dashboards are pushed to and provisioned in.
    dashboard_folder: str = "DICT observability"
    # How the workers' SDK spells its metrics (core/catalog/dialects.py, docs/sdk-dialects.md):
    # openmetrics (Python with the pack's PrometheusConfig, Go tally, Java Micrometer), go-otel
    # (Go with OpenTelemetry), core-ms (TypeScript, Python, .NET by default).
    sdk_dialect: str = dialects.DEFAULT
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def server_task_queue(self) -> str:
        """The task queue as the server labels it: ``dict-task-queue`` → ``dict_task_queue``."""
        return self.task_queue.replace("-", "_")

    def queue_labels(self, job: str) -> dict[str, str]:
        """Matchers for the DICT task queue in the series of ``job`` (the worker or exporter)."""
        return {"job": job, self.namespace_label: self.namespace, "task_queue": self.task_queue}

    def server_queue_labels(self) -> dict[str, str]:
        """The same queue as the server labels it."""
        return {
            "job": self.server_job,
            self.namespace_label: self.namespace,
            "taskqueue": self.server_task_queue,
        }

    def namespace_labels(self, job: str) -> dict[str, str]:
        """Matchers for the DICT namespace in the series of ``job``."""
        return {"job": job, self.namespace_label: self.namespace}

    def by(self, *labels: str) -> str:
        """An aggregation's labels: ``namespace`` spelled as scraped, the cluster label added.

        >>> PackConfig(namespace_label="exported_namespace", cluster_label="cluster").by(
        ...     "namespace", "task_queue")
        'exported_namespace, task_queue, cluster'
        """
        names = [self.namespace_label if name == "namespace" else name for name in labels]
        return ", ".join([*names, self.cluster_label] if self.cluster_label else names)

    def runbook_url(self, alert: str) -> str:
        return self.runbook_url_pattern % alert.lower()

    def spec_variables(self) -> dict[str, str]:
        """What an SLO spec may write as ``{{.name}}`` instead of spelling it out.

        >>> DEFAULT.spec_variables()["namespace"], DEFAULT.spec_variables()["server_task_queue"]
        ('dict', 'dict_task_queue')
        """
        return {
            "namespace": self.namespace,
            "namespace_label": self.namespace_label,
            "task_queue": self.task_queue,
            "server_task_queue": self.server_task_queue,
            "claim_workflow_type": self.claim_workflow_type,
            "server_job": self.server_job,
            "worker_job": self.worker_job,
            "exporter_job": self.exporter_job,
            "client_error_regex": client_error_regex(),
            "bridge_failure_regex": bridge_failure_regex(),
        }


DEFAULT = PackConfig()
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_current = [DEFAULT]


def current() -> PackConfig:
    """The configuration this command runs with: :data:`DEFAULT` unless :func:`use` set one."""
    return _current[0]


def use(cfg: PackConfig) -> None:
    """Run the rest of this command with ``cfg`` (``dictobs --pack-config FILE``)."""
    _current[0] = cfg


def from_mapping(raw: Mapping[str, Any], source: str = "pack configuration") -> PackConfig:
    """:data:`DEFAULT` with the keys of ``raw`` overridden; CLIError names an unknown key, a
    value of the wrong type, and the keys there are."""
    config: PackConfig = _build(PackConfig, DEFAULT, raw, source, "")
    return config


def load(path: Path) -> PackConfig:
    """The pack configuration with the overrides of the YAML file ``path``."""
    try:
        raw = yamlfile.read(path)
    except ValueError as err:
        raise CLIError(f"--pack-config={path}: {err}") from None
    if raw is None:
        return DEFAULT
    if not isinstance(raw, dict):
        raise CLIError(f"--pack-config={path}: expected a mapping of keys to values")
    return from_mapping(raw, f"--pack-config={path}")


def _build(cls: Any, default: Any, raw: Mapping[str, Any], source: str, prefix: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if key not in fields:
            known = ", ".join(prefix + k for k in fields)
            raise CLIError(f"{source}: unknown key {name!r}; the keys are: {known}")
        current = getattr(default, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise CLIError(f"{source}: {name} must be a mapping of its keys to values")
            changes[key] = _build(type(current), current, value, source, f"{name}.")
        else:
            changes[key] = _value(name, current, fields[key].type, value, source)
    return dataclasses.replace(default, **changes)


def _value(name: str, current: Any, annotation: Any, value: Any, source: str) -> Any:
    """``value`` for the field ``name``, checked against its annotation (``int``, ``float``,
    ``str`` or ``str | None``): thresholds are positive, label names are Prometheus label
    names, URL patterns have one ``%s``."""
    kind = str(annotation)

    def refuse(what: str) -> CLIError:
        return CLIError(f"{source}: {name} must be {what}, not {value!r}")

    if value is None and "None" in kind:
        return None
    if kind in ("int", "float"):
        number = kind == "float" and isinstance(value, float)
        if isinstance(value, bool) or not (isinstance(value, int) or number) or value <= 0:
            raise refuse("a positive whole number" if kind == "int" else "a positive number")
        return float(value) if kind == "float" else value
    if not isinstance(value, str) or not value.strip():
        raise refuse("a non-empty text")
    if name == "sdk_dialect" and value not in dialects.NAMES:
        raise refuse("one of " + ", ".join(dialects.NAMES))
    if name.endswith("_label") and not _LABEL_NAME.fullmatch(value):
        raise refuse("a Prometheus label name")
    if name.endswith("_url_pattern") and value.count("%s") != 1:
        raise refuse("a URL with one %s where the name goes")
    if name.endswith("_url_pattern") and not value.startswith(("https://", "http://")):
        raise refuse("an absolute http(s) URL (a notification cannot open a relative link)")
    return value
