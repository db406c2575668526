"""What each alert means to the people it reaches: what a claim owner (or the DICT team) feels
when it fires, and the one page that stands for that symptom.

One page per user-visible symptom: an alert that is not that page is a warning or a ticket
that says which part failed, and names the page it sits under. ``docs/alerts.md`` renders this
as a table; a test holds it against the rules, so a new alert cannot ship without its line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Impact:
    feels: str  # what a claim owner or the DICT team notices
    page: str  # the one page for that symptom; the alert's own name when it is the page


_SLO_CLAIMS = "ClaimWorkflowErrorBudgetBurn"
_SLO_DEADLINE = "ClaimDeadlineErrorBudgetBurn"
_SLO_BRIDGE = "BridgeAvailabilityErrorBudgetBurn"
_SLO_WORKER = "WorkerResponsivenessErrorBudgetBurn"
_SLO_FRONTEND = "TemporalFrontendErrorBudgetBurn"
_NO_POLLERS = "TemporalTaskQueueNoPollers"
_PAST_DEADLINE = "ClaimWorkflowPastDeadline"
_BLIND = "nothing yet; the team is blind on part of the pack until it is fixed"

IMPACTS: dict[str, Impact] = {
    # Claims failing
    _SLO_CLAIMS: Impact("claims fail instead of completing", _SLO_CLAIMS),
    "TemporalWorkflowFailureRateHigh": Impact("claims fail instead of completing", _SLO_CLAIMS),
    "TemporalActivityRetryRateHigh": Impact(
        "claims slow down while a step is retried", _SLO_CLAIMS
    ),
    "TemporalWorkflowNondeterminism": Impact(
        "claims stop moving, deadlines included, after a deploy", "TemporalWorkflowNondeterminism"
    ),
    # Claims resolved late, or never
    _SLO_DEADLINE: Impact("claims resolved after their 30-day deadline", _SLO_DEADLINE),
    _PAST_DEADLINE: Impact("a claim is open at the central bank past its deadline", _PAST_DEADLINE),
    "ClaimWorkflowClosedUnresolved": Impact(
        "a claim is open at the central bank and nothing will cancel it",
        "ClaimWorkflowClosedUnresolved",
    ),
    "ClaimStuckInStatus": Impact(
        "a claim is not registered, or confirmed but not transferred, for over an hour",
        _SLO_BRIDGE,
    ),
    "ClaimWorkflowTimedOutOrTerminated": Impact(
        "a claim's workflow ended without notifying anyone", "ClaimWorkflowClosedUnresolved"
    ),
    "TemporalTimerQueueLagging": Impact(
        "claims reaching their deadline are cancelled late", _SLO_DEADLINE
    ),
    # The Bridge
    _SLO_BRIDGE: Impact("claims stall while the central bank's Bridge fails", _SLO_BRIDGE),
    "DictBridgeErrorRatioHigh": Impact("claims stall while the Bridge fails", _SLO_BRIDGE),
    "DictBridgeClientCertificateExpiration": Impact(
        "soon: every Bridge call refused when the certificate expires",
        "DictBridgeClientCertificateExpiration",
    ),
    # Workers
    _SLO_WORKER: Impact("claims wait for a worker", _SLO_WORKER),
    "TemporalWorkflowTaskScheduleToStartSlow": Impact("claims wait for a worker", _SLO_WORKER),
    "TemporalActivityScheduleToStartSlow": Impact("claims wait for a worker", _SLO_WORKER),
    "TemporalWorkerTaskSlotsExhausted": Impact("claims wait for a free slot", _SLO_WORKER),
    "TemporalTaskQueueBacklogHigh": Impact("claims queue up", _SLO_WORKER),
    "TemporalSyncMatchRateLow": Impact("claims queue up", _SLO_WORKER),
    _NO_POLLERS: Impact("no claim moves at all", _NO_POLLERS),
    "DictWorkerDown": Impact(_BLIND + " (worker and SDK views)", _NO_POLLERS),
    # The Temporal server
    "TemporalHistoryServiceDown": Impact(
        "nothing moves: no claim, no timer", "TemporalHistoryServiceDown"
    ),
    "TemporalResourceExhausted": Impact(
        "claims slow down or stall: the server is overloaded", "TemporalResourceExhausted"
    ),
    _SLO_FRONTEND: Impact("starting, deciding and reading claims fails", _SLO_FRONTEND),
    "TemporalFrontendErrorRatioHigh": Impact(
        "starting, deciding and reading claims fails", _SLO_FRONTEND
    ),
    "TemporalPersistenceLatencyHigh": Impact("everything slows down", _SLO_FRONTEND),
    "TemporalServerTargetDown": Impact(
        _BLIND + " (one server instance)", "TemporalHistoryServiceDown"
    ),
    # The pack itself
    "DictExporterDown": Impact(_BLIND + " (claim deadlines, backlog, pollers)", _PAST_DEADLINE),
    "DictExporterStale": Impact(_BLIND + " (claim numbers lag)", _PAST_DEADLINE),
    "DictExporterRateLimited": Impact(_BLIND + " (claim numbers lag)", _PAST_DEADLINE),
    "DictExporterServingCertificateExpiration": Impact(
        "soon: the exporter unreachable when its certificate expires",
        "DictExporterServingCertificateExpiration",
    ),
    "SLOMetricsAbsent": Impact(_BLIND + " (an SLO cannot be computed)", "Watchdog"),
    "Watchdog": Impact("nothing: it always fires; its silence is the alarm", "Watchdog"),
}
