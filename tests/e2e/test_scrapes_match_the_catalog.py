"""Every metric the catalog says a running part emits is in that part's real scrape, with the
catalog's labels: the worker (SDK and claim metrics), the exporter and the Temporal server, with
claims flowing.

Some metrics appear only on a first event (a failure, a timeout, a request refused). They are
listed below with the event, and each event is caused on the running stack; the few this machine
cannot cause are listed with the reason.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from e2e_support import JOBS, Live, wait_until
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError
from workflow_tasks import take_and_never_answer

from core import catalog, settings
from core.catalog import Metric, MetricType, Source, exporter, sdk, server, worker
from core.domain import CREATE_CLAIM
from core.settings import PLAINTEXT
from core.temporal_client import connect
from stack.claim_flow import CLAIMER, OWNER
from toolkit import exposition
from worker.bridge.admin import set_fault
from worker.bridge.faults import Fault
from worker.model import ClaimInput, claim_workflow_id
from worker.starter import start_claim

pytestmark = pytest.mark.e2e

PARTS = {
    "worker": (Source.SDK, Source.WORKER),
    "exporter": (Source.EXPORTER,),
    "server": (Source.SERVER,),
}
FAILED_RUN = "a claim workflow fails (CreateClaim unavailable past its three attempts)"
FAILED_ACTIVITY = "an activity attempt fails (a Bridge call refused)"
REFUSED = "the Bridge refuses a claim for a business reason (CreateClaim: INVALID_ARGUMENT)"
# A status monitor is told to stop, not cancelled: only a claim cancelled on request counts here.
CANCELLED = "a claim workflow is cancelled on request"
IDLE = "the claim stream pauses until the worker's polls come back empty (5s without a task)"
# Metric → the event that makes it appear; each is caused below.
ON_FIRST_EVENT: dict[Metric, str] = {
    sdk.WORKFLOW_FAILED: FAILED_RUN,
    server.WORKFLOW_FAILED: FAILED_RUN,
    sdk.ACTIVITY_EXECUTION_FAILED: FAILED_ACTIVITY,
    worker.ACTIVITY_FAILURES: FAILED_ACTIVITY,
    worker.CLAIMS_REFUSED: REFUSED,
    sdk.WORKFLOW_CANCELED: CANCELLED,
    server.WORKFLOW_CANCEL: CANCELLED,
    server.WORKFLOW_TIMEOUT: "a claim workflow reaches its execution timeout",
    server.WORKFLOW_TERMINATE: "a claim workflow is terminated",
    sdk.REQUEST_FAILURE: "a worker request fails: an activity completes while the Temporal "
    "server is gone",
    sdk.WORKFLOW_TASK_EXECUTION_FAILED: "a workflow task fails: a claim started with an input "
    "the workflow cannot decode",
    server.SERVICE_ERROR_WITH_TYPE: "a request fails (describe a workflow that does not exist)",
    server.SERVICE_ERRORS_RESOURCE_EXHAUSTED: "requests over the visibility rate limit",
    server.APPROXIMATE_BACKLOG_COUNT: "tasks wait in the queue while the worker is frozen",
    server.APPROXIMATE_BACKLOG_AGE: "tasks wait in the queue while the worker is frozen",
    sdk.LONG_REQUEST_FAILURE: "the worker's task polls fail while the Temporal server is gone",
    server.START_TO_CLOSE_TIMEOUT: "a workflow task is taken and never answered",
    sdk.WORKFLOW_TASK_POLL_EMPTY: IDLE,
    sdk.ACTIVITY_POLL_NO_TASK: IDLE,
}
# Metric → why this machine does not make it appear.
NOT_CAUSED: dict[Metric, str] = {
    sdk.WORKFLOW_CONTINUE_AS_NEW: "no claim workflow continues as new",
    sdk.STICKY_CACHE_FORCED_EVICTION: "the worker's sticky cache (the SDK's default size) never "
    "fills at a demo's load",
    sdk.STICKY_CACHE_MISS: "counted when a sticky task comes for a run the worker evicted from "
    "its cache, which never fills here (a restarted worker gets full histories, no miss)",
    worker.BRIDGE_CLIENT_CERT_EXPIRY: "set only with mTLS to the Bridge; the simulator here "
    "serves plaintext (tests/bridge/test_bridge_tls.py covers the certificate)",
    exporter.EXPORTER_SERVING_CERT_EXPIRY: "set only when /metrics is served over TLS "
    "(tests/exporters/test_exporter_web.py covers it)",
    server.PERSISTENCE_ERROR_WITH_TYPE: "needs a failing database; the dev server's SQLite "
    "does not fail on request",
}
# Catalog labels a part's scrape does not carry, and why.
LABELS_NOT_SEEN: dict[Metric, tuple[set[str], str]] = {
    metric: ({"task_queue"}, "only calls made for a task queue carry it: the worker's are polls "
             "(temporal_long_request_*); a starter's StartWorkflowExecution carries it")
    for metric in (sdk.REQUEST, sdk.REQUEST_LATENCY, sdk.REQUEST_FAILURE)
}  # fmt: skip


def emitted(part: str) -> list[Metric]:
    return [m for m in catalog.ALL if m.source in PARTS[part]]


def problems(live: Live, part: str, metrics: list[Metric]) -> list[str]:
    """What is wrong with each of ``metrics`` in ``part``'s scrape right now."""
    scraped = exposition.scrape(live.metrics_url(part))
    out = []
    for metric in metrics:
        name = metric.count if metric.type is MetricType.HISTOGRAM else metric.name
        if name not in scraped:
            out.append(f"{part}: {name} not served")
            continue
        seen = {label for labels in scraped[name] for label in labels}
        missing = set(metric.labels) - seen - LABELS_NOT_SEEN.get(metric, (set(), ""))[0]
        extra = seen - set(metric.labels)
        if missing or extra:
            out.append(f"{part}: {name}: catalog labels missing {sorted(missing)}, "
                       f"labels not in the catalog {sorted(extra)}")  # fmt: skip
    return out


def test_the_lists_name_only_metrics_a_running_part_emits():
    listed = [*ON_FIRST_EVENT, *NOT_CAUSED]
    assert len(set(listed)) == len(listed), "a metric is listed twice"
    assert all(m.source in (Source.SDK, Source.WORKER, Source.EXPORTER, Source.SERVER)
               for m in listed)  # fmt: skip


@pytest.mark.parametrize("part", PARTS)
def test_with_claims_flowing_every_metric_is_scraped_with_the_catalog_labels(live, part):
    wait_until(lambda: live.flow.counts().settled >= 10, "ten claims settled")
    usual = [m for m in emitted(part) if m not in ON_FIRST_EVENT and m not in NOT_CAUSED]
    found = problems(live, part, usual)
    assert found == [], "\n".join(found)


def test_prometheus_scrapes_every_part(live):
    up = {labels["job"]: (value, set(labels) - {"__name__"})
          for labels, value in live.prometheus.query(catalog.get("up").name)}  # fmt: skip
    assert up == {job: (1.0, set(server.UP.labels)) for job in JOBS.values()}


def _raw_claim(period: float | None = None) -> ClaimInput:
    return ClaimInput(str(uuid.uuid4()), str(uuid.uuid4()), CLAIMER, OWNER, period)


async def _start_raw(client: Client, claim: object, claim_id: str, **options: object):
    """A claim workflow started without the starter's retry policy (it fails for good) or with
    options a real claim never gets."""
    return await client.start_workflow(
        "CreateClaimWorkflow",
        claim,
        id=claim_workflow_id(claim_id),
        task_queue=settings.TASK_QUEUE,
        **options,  # type: ignore[arg-type]
    )


async def _cause_failures(live: Live) -> None:
    client = await connect(settings.load(live.stack.env).temporal)  # encrypting, as the worker
    bridge = live.sim.address
    # A run that fails for good, its activity failing three times on the way.
    set_fault(bridge, Fault(CREATE_CLAIM, unavailable=True), tls=PLAINTEXT)
    claim = _raw_claim()
    handle = await _start_raw(client, claim, claim.claim_id)
    with pytest.raises(WorkflowFailureError):  # the failure is the event
        await asyncio.wait_for(handle.result(), timeout=60)
    # A claim the Bridge refuses: its run fails at once, counted as a business refusal.
    set_fault(bridge, Fault(CREATE_CLAIM, error_rate=1.0, code="INVALID_ARGUMENT"), tls=PLAINTEXT)
    with pytest.raises(WorkflowFailureError):
        await asyncio.wait_for((await start_claim(client, _raw_claim())).result(), timeout=60)
    set_fault(bridge, Fault(CREATE_CLAIM), tls=PLAINTEXT)

    # Terminated, cancelled on request, timed out; a task that cannot decode its input.
    for end in ("terminate", "cancel"):
        handle = await start_claim(client, _raw_claim())
        await asyncio.sleep(1)
        await getattr(handle, end)()
    claim = _raw_claim()
    await _start_raw(client, claim, claim.claim_id, execution_timeout=timedelta(seconds=2))
    bad_id = str(uuid.uuid4())
    bad = await _start_raw(client, {"claim_id": 42}, bad_id)
    worker_metrics = live.metrics_url("worker")
    await asyncio.to_thread(
        wait_until,
        lambda: sdk.WORKFLOW_TASK_EXECUTION_FAILED.name in exposition.scrape(worker_metrics),
        "the worker failing the task of a claim it cannot decode",
    )
    with pytest.raises(RPCError):  # a client error the server counts: NotFound
        await client.get_workflow_handle(f"missing-{uuid.uuid4()}").describe()
    # Visibility calls over the dev server's rate limit.
    await asyncio.gather(
        *(client.count_workflows("ExecutionStatus='Running'") for _ in range(200)),
        return_exceptions=True,
    )
    await asyncio.sleep(3)
    await bad.terminate("end-to-end test: input it cannot decode")
    await _task_never_answered(client)


async def _task_never_answered(client: Client) -> None:
    """A workflow task taken and never answered: history times it out a second later."""
    handle = await take_and_never_answer(client, "e2e")
    await asyncio.sleep(2)
    await handle.terminate("end-to-end test: a task never answered")


@pytest.fixture(scope="module")
def events(live):
    """Every event of ON_FIRST_EVENT, caused on the running stack while the claims flow."""
    live.flow.hiccups_on = False  # the faults below must not be cleared by a hiccup's end
    time.sleep(live.flow.settings.hiccup_for + 0.5)
    try:
        _server_gone(live)
        _worker_frozen(live)
        _idle(live)
        asyncio.run(_cause_failures(live))
    finally:
        live.flow.hiccups_on = True


def _server_gone(live: Live) -> None:
    """The Temporal server killed while a Bridge call is in flight, until that call is done (its
    activity's completion then fails); then started again. First, as the server's counters start
    again with it."""
    temporal, sim = live.stack.temporal, live.sim
    assert temporal is not None
    set_fault(sim.address, Fault(CREATE_CLAIM, latency=3.0), tls=PLAINTEXT)
    calls = sim.calls(CREATE_CLAIM)
    wait_until(lambda: sim.calls(CREATE_CLAIM) > calls, "a CreateClaim call in flight")
    created = sim.stats().claims
    temporal.service.kill()
    try:
        wait_until(lambda: sim.stats().claims > created, "the call in flight done")
    finally:
        temporal.start()
        set_fault(sim.address, Fault(CREATE_CLAIM), tls=PLAINTEXT)


def _idle(live: Live) -> None:
    """No new claim until a workflow poll and an activity poll of the worker came back empty."""
    names = (sdk.WORKFLOW_TASK_POLL_EMPTY.name, sdk.ACTIVITY_POLL_NO_TASK.name)
    live.flow.pause()
    try:
        wait_until(
            lambda: all(n in exposition.scrape(live.metrics_url("worker")) for n in names),
            "empty polls while no claim starts",
        )
    finally:
        live.flow.resume()


def _worker_frozen(live: Live) -> None:
    """The worker frozen while claims keep coming, until tasks wait in the queue."""
    worker_ = live.stack.service("Worker").process
    assert worker_ is not None
    os.killpg(worker_.pid, signal.SIGSTOP)
    try:
        wait_until(
            lambda: (
                server.APPROXIMATE_BACKLOG_COUNT.name
                in exposition.scrape(live.metrics_url("server"))
            ),
            "a backlog while the worker is frozen",
        )
    finally:
        os.killpg(worker_.pid, signal.SIGCONT)


@pytest.mark.parametrize("part", PARTS)
def test_each_metric_of_a_first_event_appears_with_the_catalog_labels_once_caused(
    live, events, part
):
    listed = [m for m in emitted(part) if m in ON_FIRST_EVENT]
    found: list[str] = []

    def all_there() -> bool:
        found[:] = problems(live, part, listed)
        return not found

    try:
        wait_until(all_there, f"every first-event metric of the {part}", timeout=60)
    except AssertionError:
        why = {m.name: ON_FIRST_EVENT[m] for m in listed}
        pytest.fail("\n".join(found) + f"\n(events: {why})")
