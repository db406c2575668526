"""Every knob of the generated rules in one place: jobs, selectors, thresholds, runbook links.

Like kubernetes-mixin's ``config``: a deployment whose scrape jobs are named differently edits
this file (or builds a :class:`RulesConfig` of its own) and regenerates; no rule retypes a job
name or a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import domain, settings

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


def client_error_regex() -> str:
    """``serviceerror_(NotFound|...)``: the ``error_type`` values of client-caused errors."""
    return "serviceerror_(" + "|".join(CLIENT_ERROR_TYPES) + ")"


@dataclass(frozen=True)
class RulesConfig:
    # Scrape jobs (Prometheus' ``job`` label) of the three metric sources.
    server_job: str = "temporal-server"
    worker_job: str = "dict-worker"
    exporter_job: str = "dict-exporter"
    # The DICT namespace and task queue, as each source labels them: the SDK and the exporter
    # keep the name; the server writes ``taskqueue`` with ``-`` turned into ``_``.
    namespace: str = settings.NAMESPACE
    task_queue: str = settings.TASK_QUEUE
    claim_workflow_type: str = domain.CREATE_CLAIM_WORKFLOW
    # Runbook links: the pattern gets the section anchor (the alert name in lower case).
    runbook_url_pattern: str = "docs/runbook.md#%s"

    # Thresholds.
    workflow_failure_rate: float = 0.1  # failed workflows per second, by workflow type
    backlog_tasks: int = 1000
    schedule_to_start_warning_seconds: float = 0.2
    schedule_to_start_critical_seconds: float = 1.0
    activity_retry_ratio: float = 0.1  # failed attempts / received attempts
    bridge_error_ratio: float = 0.05
    frontend_error_ratio: float = 0.01
    persistence_p99_seconds: float = 1.0
    sync_match_ratio: float = 0.95
    exporter_stale_seconds: int = 300

    @property
    def server_task_queue(self) -> str:
        """The task queue as the server labels it: ``dict-task-queue`` → ``dict_task_queue``."""
        return self.task_queue.replace("-", "_")

    def queue_labels(self, job: str) -> dict[str, str]:
        """Matchers for the DICT task queue in the series of ``job`` (the worker or exporter)."""
        return {"job": job, "namespace": self.namespace, "task_queue": self.task_queue}

    def server_queue_labels(self) -> dict[str, str]:
        """The same queue as the server labels it."""
        return {
            "job": self.server_job,
            "namespace": self.namespace,
            "taskqueue": self.server_task_queue,
        }

    def runbook_url(self, alert: str) -> str:
        return self.runbook_url_pattern % alert.lower()


DEFAULT = RulesConfig()
