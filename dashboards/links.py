"""From a number to what is behind it: links to the claims in the Temporal Web UI and to the
runbook section of the alert that watches a panel.

The Temporal UI lists the workflows a visibility query selects (``.../workflows?query=...``); the
links use the exporter's own queries (:mod:`core.visibility`), so a click lists the very claims
that were counted. A query needs absolute times, and Grafana can only write the range's end
(``${__to}``, in milliseconds): visibility also reads a time as Unix nanoseconds, so "now" is
``${__to}000000`` and "now + 48 h" comes from a hidden variable Prometheus computes
(:data:`NEAR_UNTIL`). URL patterns come from the pack configuration.

>>> "DictClaimDeadline+%3C+%24%7B__to%7D000000" in past_deadline().url
False
>>> "DictClaimDeadline%20%3C%20${__to}000000" in past_deadline().url
True
"""

from __future__ import annotations

from urllib.parse import quote

from core import config, domain, visibility
from dashboards.model import Link, Variable
from dashboards.queries import VAR_NAMESPACE

# Unix nanoseconds of the dashboard's "now" (the end of its time range).
NOW = visibility.unix_nanos("${__to}000000")
VAR_NEAR_UNTIL = "near_deadline_until"
NEAR_SECONDS = domain.NEAR_DEADLINE_HOURS * 3600
# Prometheus prints whole floats in full (no exponent), so the value reads as an integer.
NEAR_UNTIL = Variable(
    name=VAR_NEAR_UNTIL,
    label="End of the near-deadline window (Unix ns)",
    query=f"vector((time() + {NEAR_SECONDS}) * 1e9)",
    regex=r"/^\{\} (\d+)/",
    hidden=True,
)


def _claims() -> visibility.ClaimQueries:
    return visibility.ClaimQueries((config.current().claim_workflow_type,))


def temporal_ui(title: str, query: str) -> Link:
    """The Temporal UI's workflow list for ``query``, in the dashboard's namespace. Grafana's
    ``${...}`` stay as they are for Grafana to fill in; the rest is URL-encoded."""
    base = config.current().temporal_ui_url_pattern % f"${{{VAR_NAMESPACE}}}"
    return Link(title, f"{base}?query={quote(query, safe='${}')}")


def open_claims() -> Link:
    return temporal_ui("Open claims in the Temporal UI", _claims().open_claims())


def near_deadline() -> Link:
    near = visibility.unix_nanos(f"${{{VAR_NEAR_UNTIL}}}")
    return temporal_ui(
        f"Claims within {domain.NEAR_DEADLINE_HOURS} h of their deadline",
        _claims().deadline_between(NOW, near),
    )


def past_deadline() -> Link:
    return temporal_ui("Claims past their deadline", _claims().deadline_before(NOW))


def with_status() -> Link:
    """From a series of a by-status panel to the open claims holding that status."""
    return temporal_ui(
        "Open claims with status ${__field.labels.status}",
        _claims().with_status("${__field.labels.status}"),
    )
