"""The visibility queries the exporter counts with, built in one place; the dashboards' links to
the Temporal Web UI list the same claims with the same queries.

Only constructs measured to work on SQL visibility are used: ``=``, ``IN``, ``<``, ``BETWEEN``,
``IS NULL``, ``AND``, and ``GROUP BY ExecutionStatus`` (the only field SQL visibility groups by:
``GROUP BY DictClaimStatus`` is refused, so claims are counted once per status instead). Names
come from the validated configuration, which admits no quote characters.

A count costs what the store reads to answer it, not what it returns, so two counts are worded
for the index that reads least. SQLite visibility (the dev server) answers a query holding
``ExecutionStatus = 'Running'`` from its status index, walking every running workflow whatever
else the query says; measured at 20,000 open claims (``python -m benchmarks exporter_refresh``):

- a claim-status count says ``CloseTime IS NULL`` (the same workflows) so that the claim-status
  index drives it: it reads the claims holding that status, 2-14 ms instead of 30 ms each;
- a workflow-type count says ``WorkflowType BETWEEN 't' AND 't'`` (the same as ``= 't'``) so that
  the type index drives it: it reads the workflows of that type, 2 ms instead of 29 ms for a type
  with none open.

Both read the same rows on any store whose planner chooses well (Elasticsearch, or SQL with
statistics).

>>> q = ClaimQueries(("CreateClaimWorkflow",))
>>> q.open_claims()
"WorkflowType = 'CreateClaimWorkflow' AND ExecutionStatus = 'Running'"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core import domain

RUNNING = "ExecutionStatus = 'Running'"
UNCLOSED = "CloseTime IS NULL"  # the running workflows, without naming the status index


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, as visibility compares it: ``2026-11-28T18:00:00.000000Z``."""
    if moment.tzinfo is None:
        raise ValueError("visibility times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unix_nanos(text: str) -> str:
    """A time written as Unix nanoseconds, which visibility also accepts (unquoted): the form a
    Grafana link can build from its variables (``${__to}000000`` is the range's end).

    >>> unix_nanos("${__to}000000")
    '${__to}000000'
    """
    if "'" in text or " " in text:
        raise ValueError(f"{text!r} is not a time in Unix nanoseconds")
    return text


Moment = datetime | str  # a time, or one already written by :func:`unix_nanos`


def _time(moment: Moment) -> str:
    return unix_nanos(moment) if isinstance(moment, str) else f"'{timestamp(moment)}'"


def _quoted(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError(f"{value!r} cannot appear in a visibility query")
    return f"'{value}'"


def workflow_type_is(types: tuple[str, ...]) -> str:
    if not types:
        raise ValueError("at least one workflow type is needed")
    if len(types) == 1:
        return f"WorkflowType = {_quoted(types[0])}"
    return f"WorkflowType IN ({', '.join(_quoted(t) for t in types)})"


def open_of_type(workflow_type: str) -> str:
    """One count per configured type; never ``GROUP BY WorkflowType`` (unbounded label values).

    >>> open_of_type("MonitorStatusWorkflow").split(" AND E")[0]
    "WorkflowType BETWEEN 'MonitorStatusWorkflow' AND 'MonitorStatusWorkflow'"
    """
    name = _quoted(workflow_type)
    return f"WorkflowType BETWEEN {name} AND {name} AND {RUNNING}"


@dataclass(frozen=True)
class ClaimQueries:
    """Queries about claims: running workflows of the claim workflow types."""

    claim_types: tuple[str, ...]
    status_attribute: str = domain.SA_CLAIM_STATUS
    deadline_attribute: str = domain.SA_CLAIM_DEADLINE

    @property
    def _claims(self) -> str:
        return workflow_type_is(self.claim_types)

    def open_claims(self) -> str:
        return f"{self._claims} AND {RUNNING}"

    def with_status(self, status: str) -> str:
        """Open claims holding ``status``, led by the attribute so that its index drives it."""
        return f"{self.status_attribute} = {_quoted(status)} AND {self._claims} AND {UNCLOSED}"

    def started_before(self, cutoff: datetime) -> str:
        """Open claims older than ``now - cutoff``: one rung of the age ladder."""
        return f"{self.open_claims()} AND StartTime < '{timestamp(cutoff)}'"

    @property
    def _unresolved(self) -> str:
        """Not yet resolved at the Bridge: a claim that reached its final status and is only
        notifying the parties (NotifyUsers may retry for a while) is neither near nor past its
        deadline."""
        final = ", ".join(_quoted(s.value) for s in sorted(domain.TERMINAL_STATUSES))
        return f"{self.status_attribute} NOT IN ({final})"

    def deadline_between(self, start: Moment, end: Moment) -> str:
        """Unresolved open claims whose deadline falls between ``start`` and ``end``."""
        return (
            f"{self.open_claims()} AND {self._unresolved} AND {self.deadline_attribute} "
            f"BETWEEN {_time(start)} AND {_time(end)}"
        )

    def deadline_before(self, moment: Moment) -> str:
        """Unresolved open claims whose deadline has passed: the auto-cancel did not happen."""
        return (
            f"{self.open_claims()} AND {self._unresolved} "
            f"AND {self.deadline_attribute} < {_time(moment)}"
        )

    def stuck_in(self, status: str, since_before: datetime) -> str:
        """Open claims that have held ``status`` since before ``since_before`` (claims started
        before the status-since attribute existed lack it and are not counted)."""
        return (
            f"{self.status_attribute} = {_quoted(status)} AND {self._claims} AND {UNCLOSED} "
            f"AND {domain.SA_CLAIM_STATUS_SINCE} < '{timestamp(since_before)}'"
        )

    def closed_unresolved(self) -> str:
        """Claims whose workflow closed while the claim was still open at the Bridge, one group
        per execution status (one call). A run that handed its claim to a retry is not one.

        >>> ClaimQueries(("C",)).closed_unresolved().split(" AND ")[2]
        "DictClaimStatus IN ('OPEN', 'WAITING_RESOLUTION', 'CONFIRMED') GROUP BY ExecutionStatus"
        """
        statuses = ", ".join(_quoted(s.value) for s in domain.UNRESOLVED_STATUSES)
        return (
            f"{self._claims} AND ExecutionStatus != 'Running' "
            f"AND {self.status_attribute} IN ({statuses}) GROUP BY ExecutionStatus"
        )

    def closed_since(self, moment: datetime) -> str:
        """Claims closed after ``moment``, one group per execution status (one call)."""
        return (
            f"{self._claims} AND ExecutionStatus != 'Running' "
            f"AND CloseTime > '{timestamp(moment)}' GROUP BY ExecutionStatus"
        )
