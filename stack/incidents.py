"""Scripted incidents on the running stack: a fault, the alerts it fires, and their resolution.

Each incident is data (:data:`INCIDENTS`): the fault, the claims that arrive meanwhile, the alerts
it must fire. :func:`run` injects the fault, waits until every expected alert is firing in
Prometheus (``ALERTS``) and notified at the webhook behind Alertmanager, removes the fault, and
waits until each one is resolved and its resolution notified, printing a timeline as it goes
and a summary at the end. ``dictobs demo --incident NAME`` and the end-to-end tests run them on
drill rules (:mod:`alerts.drill`), so that an incident takes a minute or two, not an hour.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import config, settings
from core.errors import CLIError
from stack.demo_stack import DemoStack
from stack.webhook import WebhookReceiver

if TYPE_CHECKING:  # the worker's code and the SDK: loaded only to run an incident
    from temporalio.client import Client

    from worker.model import ClaimInput

Say = Callable[[str], None]
OVERDUE_PERIOD_SECONDS = 5.0  # a claim whose deadline passes while nobody can expire it
# The dev server of a drill: matching forgets a worker 15s after its last poll (5m by default),
# so that a stopped worker's queue shows no pollers within a drill's minute; an idle long poll
# returns after 5s (1m by default), so that a running worker polls again well within that.
DRILL_DYNAMIC_CONFIG = {
    "matching.PollerHistoryTTL": '"15s"',
    "matching.longPollExpirationInterval": '"5s"',
}


class IncidentError(RuntimeError):
    """An expected alert did not fire, or did not resolve, in time; the message says which."""


@dataclass(frozen=True)
class Expect:
    """An alert the incident must fire, told apart by ``labels`` where one name has several
    severities (an SLO's page and ticket)."""

    alertname: str
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def selector(self) -> str:
        matchers = [f'alertname="{self.alertname}"', *(f'{k}="{v}"' for k, v in self.labels)]
        return "{" + ", ".join(matchers) + "}"

    def matches(self, labels: dict[str, str]) -> bool:
        return labels.get("alertname") == self.alertname and all(
            labels.get(k) == v for k, v in self.labels
        )

    def __str__(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.labels)
        return f"{self.alertname} ({extra})" if extra else self.alertname


@dataclass(frozen=True)
class Incident:
    name: str
    about: str  # what goes wrong, as the timeline says it
    fault: str  # one of FAULTS
    expect: tuple[Expect, ...]
    claims_during: int = 0  # claims arriving during the fault, one every CLAIM_EVERY seconds
    overdue_claims: int = 0  # claims whose deadline passes during the fault
    backlog: bool = False  # claims enough to take the task queue past the backlog threshold
    dilute: bool = False  # after the fault, claims until the error ratios fall back


CLAIM_EVERY = 10.0
DILUTE_BATCH, DILUTE_EVERY, DILUTE_MAX = 20, 2.0, 1500

INCIDENTS: dict[str, Incident] = {
    incident.name: incident
    for incident in (
        Incident(
            "bridge-outage",
            "the Bridge answers every call UNAVAILABLE",
            "bridge-unavailable",
            (
                Expect("DictBridgeErrorRatioHigh"),
                Expect("BridgeAvailabilityErrorBudgetBurn", (("sloth_severity", "page"),)),
            ),
            claims_during=2,
            dilute=True,
        ),
        Incident(
            "worker-stopped",
            "the worker stops while claims arrive past the backlog threshold",
            "stop-worker",
            (Expect("TemporalTaskQueueNoPollers"), Expect("TemporalTaskQueueBacklogHigh")),
            backlog=True,
        ),
        Incident(
            "claim-overdue",
            "the worker stops and a claim with a 5-second deadline arrives: nobody expires it",
            "stop-worker",
            (Expect("ClaimWorkflowPastDeadline"),),
            overdue_claims=1,
        ),
        Incident(
            "exporter-stopped",
            "the claim exporter stops",
            "stop-exporter",
            (Expect("DictExporterDown"),),
        ),
        Incident(
            "temporal-frozen",
            "the Temporal server freezes (SIGSTOP): it neither answers nor exits",
            "freeze-temporal",
            # TemporalHistoryServiceDown waits for 5 minutes without history metrics, a window
            # the drill does not shorten: the scrape failing is what a drill can show.
            (Expect("TemporalServerTargetDown"),),
        ),
    )
}


def _bridge_down(stack: DemoStack) -> None:
    from worker.bridge import admin
    from worker.bridge.faults import Fault

    admin.set_fault(stack.env["BRIDGE_ADDRESS"], Fault(unavailable=True), tls=settings.PLAINTEXT)


def _bridge_up(stack: DemoStack) -> None:
    from worker.bridge import admin

    admin.clear_faults(stack.env["BRIDGE_ADDRESS"], tls=settings.PLAINTEXT)


def _temporal(stack: DemoStack, signum: int) -> None:
    assert stack.temporal is not None, "start() first"
    stack.temporal.service.signal(signum)


# name: (inject, remove, what removing it is called)
FAULTS: dict[str, tuple[Callable[[DemoStack], None], Callable[[DemoStack], None], str]] = {
    "bridge-unavailable": (_bridge_down, _bridge_up, "the Bridge answers again"),
    "stop-worker": (
        lambda s: s.service("Worker").stop(),
        lambda s: s.start_again("Worker"),
        "the worker started again",
    ),
    "stop-exporter": (
        lambda s: s.service("Exporter").stop(),
        lambda s: s.start_again("Exporter"),
        "the exporter started again",
    ),
    "freeze-temporal": (
        lambda s: _temporal(s, signal.SIGSTOP),
        lambda s: _temporal(s, signal.SIGCONT),
        "the Temporal server thawed (SIGCONT)",
    ),
}


@dataclass
class Seen:
    """When (seconds after the fault) each step happened for one expected alert."""

    pending: float | None = None
    firing: float | None = None
    notified: float | None = None
    receiver: str = ""
    resolved: float | None = None
    resolved_notified: float | None = None


@dataclass
class Timeline:
    incident: Incident
    seen: dict[Expect, Seen]
    removed_at: float = 0.0
    claims_started: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)


def _claim(period: float | None = None) -> ClaimInput:
    from stack.demo_claims import CLAIMER, OWNER
    from worker.model import ClaimInput

    key = f"incident.{uuid.uuid4().hex[:12]}@example.com"
    return ClaimInput(str(uuid.uuid4()), key, CLAIMER, OWNER, period_seconds=period)


class _Run:
    def __init__(self, stack: DemoStack, incident: Incident, say: Say) -> None:
        assert stack.prometheus is not None and stack.webhook is not None, "start() first"
        self.stack, self.incident, self.say = stack, incident, say
        self.prometheus = stack.prometheus
        self.webhook: WebhookReceiver = stack.webhook
        self.timeline = Timeline(incident, {e: Seen() for e in incident.expect})
        self.began = time.monotonic()
        self.began_wall = time.time()
        self._up_since: float | None = None

    def at(self) -> float:
        return time.monotonic() - self.began

    def event(self, what: str) -> None:
        at = self.at()
        self.timeline.events.append((at, what))
        self.say(f"  [{at:6.1f}s] {what}")

    def alert_states(self) -> dict[Expect, str]:
        """Each expected alert's state in Prometheus' ``ALERTS`` (absent: not active)."""
        states: dict[Expect, str] = {}
        for expect in self.incident.expect:
            for labels, _ in self.prometheus.query(f"ALERTS{expect.selector}"):
                if labels.get("alertstate") == "firing" or expect not in states:
                    states[expect] = labels.get("alertstate", "")
        return states

    def settled(self) -> bool:
        """Every part of the stack scraped and up, every rule group evaluated since then (the
        rules saw the stack whole), and :meth:`quiet`."""
        cfg = config.current()
        up = {job for job, ok in self.prometheus.targets_up().items() if ok}
        if not {cfg.server_job, cfg.worker_job, cfg.exporter_job} <= up:
            self._up_since = None
            return False
        if self._up_since is None:
            self._up_since = time.time()
        groups = self.prometheus.rule_groups()
        since = self._up_since
        if not all(datetime.fromisoformat(g["lastEvaluation"]).timestamp() > since for g in groups):
            return False
        return self.quiet()

    def quiet(self) -> bool:
        """No expected alert is active, in Prometheus or in Alertmanager, and the last
        notification of each (if any) said resolved: otherwise Alertmanager, which already
        notified it as firing, would stay silent when the fault fires it again."""
        return all(self._quiet(e) for e in self.incident.expect)

    def _quiet(self, expect: Expect) -> bool:
        assert self.stack.alertmanager is not None
        if self.prometheus.query(f"ALERTS{expect.selector}"):
            return False
        if any(expect.matches(a["labels"]) for a in self.stack.alertmanager.api("alerts")):
            return False
        last = [a.status for n in self.webhook.notifications() for a in n.alerts
                if expect.matches(a.labels)]  # fmt: skip
        return not last or last[-1] == "resolved"

    def notified(self, expect: Expect, status: str) -> str | None:
        """The receiver that got ``expect`` with ``status`` since the fault, if any did."""
        for note in self.webhook.notifications():
            if note.received_at < self.began_wall:
                continue
            for alert in note.alerts:
                if alert.status == status and expect.matches(alert.labels):
                    return note.receiver
        return None

    def watch_firing(self) -> bool:
        """One look; True once every expected alert is firing and notified."""
        states = self.alert_states()
        for expect, seen in self.timeline.seen.items():
            state = states.get(expect)
            if state == "pending" and seen.pending is None:
                seen.pending = self.at()
                self.event(f"pending   {expect}")
            if state == "firing" and seen.firing is None:
                seen.firing = self.at()
                self.event(f"firing    {expect}  (in Prometheus' ALERTS)")
            if seen.firing is not None and seen.notified is None:
                receiver = self.notified(expect, "firing")
                if receiver:
                    seen.notified, seen.receiver = self.at(), receiver
                    self.event(f"notified  {expect} -> {receiver} (webhook via Alertmanager)")
        return all(s.notified is not None for s in self.timeline.seen.values())

    def watch_resolved(self) -> bool:
        states = self.alert_states()
        for expect, seen in self.timeline.seen.items():
            if expect not in states and seen.resolved is None:
                seen.resolved = self.at()
                self.event(f"resolved  {expect}")
            if seen.resolved is not None and seen.resolved_notified is None:
                receiver = self.notified(expect, "resolved")
                if receiver:
                    seen.resolved_notified = self.at()
                    self.event(f"notified  {expect} resolved -> {receiver}")
        return all(s.resolved_notified is not None for s in self.timeline.seen.values())

    async def start_claims(self, client: Client, count: int, period: float | None = None) -> None:
        from worker.starter import start_claim

        limit = asyncio.Semaphore(64)

        async def one() -> None:
            async with limit:
                await start_claim(client, _claim(period))

        await asyncio.gather(*(one() for _ in range(count)))
        self.timeline.claims_started += count

    async def until(self, done: Callable[[], bool], timeout: float, waiting_for: str) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                missing = ", ".join(self._missing(waiting_for))
                raise IncidentError(
                    f"incident {self.incident.name}: after {timeout:.0f}s still not "
                    f"{waiting_for}: {missing} (logs in {self.stack.run_dir}/)"
                )
            await asyncio.sleep(1.0)

    def _missing(self, waiting_for: str) -> list[str]:
        if waiting_for == "quiet before the fault":
            cfg = config.current()
            up = {job for job, ok in self.prometheus.targets_up().items() if ok}
            jobs = (cfg.server_job, cfg.worker_job, cfg.exporter_job)
            return [f"{job} not up" for job in jobs if job not in up] + [
                str(e) for e in self.incident.expect if not self._quiet(e)
            ]
        step = "notified" if waiting_for == "firing and notified" else "resolved_notified"
        return [str(e) for e, s in self.timeline.seen.items() if getattr(s, step) is None]


async def run(
    stack: DemoStack,
    incident: Incident,
    say: Say,
    fire_timeout: float = 150.0,
    resolve_timeout: float = 150.0,
    while_firing: Callable[[Timeline], None] | None = None,
) -> Timeline:
    """Run ``incident`` on ``stack``; the timeline of what happened. IncidentError when an
    expected alert does not fire or resolve in time (the fault is removed either way).
    ``while_firing`` is called once every expected alert is firing and notified, before the
    fault is removed."""
    from core.temporal_client import connect

    client = await connect(settings.load(stack.env).temporal)  # encrypting, as the worker
    inject, remove, removed = FAULTS[incident.fault]
    expected = ", ".join(str(e) for e in incident.expect)
    say(f"\nIncident {incident.name}: {incident.about}.")
    say(f"  expecting {expected}")
    run_ = _Run(stack, incident, say)
    # An alert already active (a part still starting, the last incident still resolving) would
    # make a timeline of something else.
    await run_.until(run_.settled, resolve_timeout, "quiet before the fault")
    run_.began, run_.began_wall = time.monotonic(), time.time()
    inject(stack)
    run_.event(f"fault injected: {incident.about}")
    feeders: list[asyncio.Task[Any]] = []
    try:
        if incident.overdue_claims:
            await run_.start_claims(client, incident.overdue_claims, OVERDUE_PERIOD_SECONDS)
            run_.event(
                f"{incident.overdue_claims} claim(s) started with a "
                f"{OVERDUE_PERIOD_SECONDS:g}s deadline"
            )
        if incident.backlog:
            count = config.current().thresholds.backlog_tasks + 1
            await run_.start_claims(client, count)
            run_.event(f"{count} claims started (the backlog threshold is {count - 1} tasks)")
        if incident.claims_during:
            feeders.append(asyncio.create_task(_trickle(run_, client, incident.claims_during)))
        await run_.until(run_.watch_firing, fire_timeout, "firing and notified")
        if while_firing is not None:
            while_firing(run_.timeline)
    finally:
        for task in feeders:
            task.cancel()
        remove(stack)
        run_.timeline.removed_at = run_.at()
        run_.event(f"fault removed: {removed}")
    if incident.dilute:
        feeders.append(asyncio.create_task(_dilute(run_, client)))
    try:
        await run_.until(run_.watch_resolved, resolve_timeout, "resolved and notified")
    finally:
        for task in feeders:
            task.cancel()
    summary(run_.timeline, say)
    return run_.timeline


async def _trickle(run_: _Run, client: Client, count: int) -> None:
    """Claims arriving during the fault, so that it has calls to fail."""
    for _ in range(count):
        await run_.start_claims(client, 1)
        await asyncio.sleep(CLAIM_EVERY)


async def _dilute(run_: _Run, client: Client) -> None:
    """Claims after the fault until the error ratios over their windows fall back below the
    thresholds: a ratio alert resolves when good calls outweigh the failed ones, not sooner."""
    run_.event(f"claims keep arriving ({DILUTE_BATCH} every {DILUTE_EVERY:g}s) until it resolves")
    started = 0
    while started < DILUTE_MAX:
        await run_.start_claims(client, DILUTE_BATCH)
        started += DILUTE_BATCH
        await asyncio.sleep(DILUTE_EVERY)


def summary(timeline: Timeline, say: Say) -> None:
    """One line per expected alert: seconds after the fault to each step."""

    def t(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}s"

    incident = timeline.incident
    say(
        f"\nSummary of {incident.name}, in seconds after the fault (fault removed at "
        f"{timeline.removed_at:.0f}s; {timeline.claims_started} claims started):"
    )
    columns = ("pending", "firing", "notified", "resolved", "notified")
    say(f"  {'alert':<58} " + " ".join(f"{c:>9}" for c in columns))
    for expect, seen in timeline.seen.items():
        steps = (seen.pending, seen.firing, seen.notified, seen.resolved, seen.resolved_notified)
        say(f"  {expect!s:<58} " + " ".join(f"{t(v):>9}" for v in steps))


def drill_rules(run_dir: Path) -> Path:
    """Write the drill rules under ``run_dir`` (as ``dictobs rules generate --drill``); their
    folder."""
    from alerts import generate
    from alerts.drill import Drill

    out = run_dir / "drill-rules"
    generate.generate(out_dir=out, tests_dir=None, drill=Drill())
    return out


def on_drill_rules(name: str) -> str:
    """What the demo says before it starts the stack for incident ``name``."""
    from alerts.drill import Drill

    return (
        f"Incident {name} runs on drill rules ({Drill().describe()}; dictobs rules generate "
        "--drill) so that it finishes in a couple of minutes; rate windows are as shipped, and "
        "the dev server forgets a worker's pollers after 15s instead of 5m."
    )


def play(stack: DemoStack, name: str, say: Say) -> Timeline:
    """``dictobs demo --incident NAME``: the incident on the demo's stack; CLIError when an
    alert does not fire or resolve in time."""
    try:
        return asyncio.run(run(stack, INCIDENTS[name], say))
    except IncidentError as err:
        raise CLIError(str(err)) from None
