"""A steady stream of claims through a running stack until it is stopped: owners who confirm,
owners who reject, claims nobody decides (started with a short period, so they expire within
minutes) and, now and then, a Bridge hiccup small enough that every claim still goes through.

It runs on an event loop of its own in a thread, so that synchronous callers (the demo, the
end-to-end tests, an incident drill) go on with their work meanwhile::

    flow = ClaimFlow("127.0.0.1:7233", "127.0.0.1:50051", FlowSettings(rate=0.5))
    flow.start()
    ...
    print(flow.counts())
    flow.stop()

Each claim is followed to its end: a start, a decision signal or a result the server could not
answer (it restarts) is tried again until it goes through, so no claim is dropped by a restart of
the worker or of the Temporal server.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from temporalio.client import Client, WorkflowFailureError
from temporalio.converter import DataConverter
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import RPCError

from core import settings
from core.domain import CANCEL_CLAIM, COMPLETE_CLAIM, CREATE_CLAIM, TRANSFER_ENTRY, ClaimStatus
from worker.bridge import admin
from worker.bridge.faults import Fault
from worker.model import DECISION_SIGNAL, ClaimInput, ClaimState, claim_workflow_id
from worker.starter import ClaimError, start_claim

log = logging.getLogger(__name__)
T = TypeVar("T")
CLAIMER, OWNER = "12345678", "87654321"
RETRY_EVERY = 1.0  # seconds between tries of a call the server did not answer


class Kind(enum.Enum):
    CONFIRM = "confirmed"
    REJECT = "rejected"
    WAIT = "left to expire"


# The claims in the order they start, over and over: five confirmed, two rejected, one left to
# expire at its short deadline.
MIX = (Kind.CONFIRM, Kind.CONFIRM, Kind.REJECT, Kind.CONFIRM, Kind.WAIT, Kind.CONFIRM,
       Kind.REJECT, Kind.CONFIRM)  # fmt: skip
# A hiccup fails some calls of one Bridge method for a few seconds, each in turn.
HICCUP_METHODS = (CREATE_CLAIM, COMPLETE_CLAIM, TRANSFER_ENTRY, CANCEL_CLAIM)


@dataclass(frozen=True)
class FlowSettings:
    rate: float  # claims started per second
    wait_period: float = 180.0  # seconds a claim nobody decides has before it expires
    decide_after: float = 3.0  # seconds the owner takes to confirm or reject
    # Seconds between Bridge hiccups (None: none), how long one lasts and the share of calls
    # it fails: a method's retries (1 s, then 2 s apart) mostly outlast it.
    hiccup_every: float | None = 60.0
    hiccup_for: float = 4.0
    hiccup_error_rate: float = 0.2
    task_queue: str = settings.TASK_QUEUE

    def __post_init__(self) -> None:
        if not 0 < self.rate <= 50:
            raise ValueError(f"rate {self.rate:g}: give claims per second above 0, at most 50")
        if self.wait_period <= 0 or self.decide_after < 0 or self.hiccup_for <= 0:
            raise ValueError("wait_period and hiccup_for must be above 0, decide_after >= 0")
        if self.hiccup_every is not None and self.hiccup_every <= self.hiccup_for:
            raise ValueError("hiccup_every must be longer than hiccup_for")


@dataclass(frozen=True)
class Counts:
    """What the flow has done so far."""

    started: int = 0
    completed: int = 0  # confirmed: completed at the Bridge, the entry transferred
    cancelled: int = 0  # rejected by the owner
    expired: int = 0  # nobody decided before the deadline
    failed: int = 0  # the workflow failed for good (every retry spent)
    hiccups: int = 0
    rate: float = 0.0  # claims started per second over the last minute
    oldest_open: float | None = None  # seconds since the oldest claim still open started

    @property
    def settled(self) -> int:
        return self.completed + self.cancelled + self.expired + self.failed

    @property
    def open(self) -> int:
        return self.started - self.settled


@dataclass
class _Book:
    """The flow's counters, written by the flow's thread and read by any other."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counts = field(default_factory=Counts)
    kinds: dict[str, Kind] = field(default_factory=dict)  # claim id → kind, every claim started
    open_since: dict[str, float] = field(default_factory=dict)  # claim id → monotonic start
    results: dict[str, ClaimStatus | None] = field(default_factory=dict)  # None: failed
    recent: deque[float] = field(default_factory=deque)  # monotonic start times, last minute

    def add(self, **more: int) -> None:
        with self.lock:
            c = self.counts
            self.counts = Counts(**{k: getattr(c, k) + more.get(k, 0) for k in _COUNTERS})


_COUNTERS = ("started", "completed", "cancelled", "expired", "failed", "hiccups")
_BY_STATUS = {
    ClaimStatus.COMPLETED: "completed",
    ClaimStatus.CANCELLED: "cancelled",
    ClaimStatus.EXPIRED: "expired",
}


class ClaimFlow:
    def __init__(
        self,
        temporal_address: str,
        bridge_address: str,
        flow: FlowSettings,
        namespace: str = settings.NAMESPACE,
        bridge_tls: settings.BridgeTLS = settings.PLAINTEXT,  # the demo's simulator
        data_converter: DataConverter | None = None,  # the worker's: encrypting with its keys
    ) -> None:
        self.temporal_address = temporal_address
        self.bridge_address = bridge_address
        self.bridge_tls = bridge_tls
        self.data_converter = data_converter
        self.settings = flow
        self.namespace = namespace
        self.hiccups_on = self.settings.hiccup_every is not None  # an incident may turn them off
        self._book = _Book()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._starting = True

    # --- the caller's side -------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> ClaimFlow:
        """Connect and start the stream; ConnectionError when Temporal cannot be reached."""
        self._thread = threading.Thread(target=self._run, name="claim-flow", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise ConnectionError(f"no Temporal at {self.temporal_address} after {timeout:.0f}s")
        if self._error is not None:
            raise ConnectionError(f"claim flow: {self._error}")
        return self

    def pause(self) -> None:
        """Start no new claims; those under way still go to their end."""
        self._starting = False

    def resume(self) -> None:
        """Start claims again after :meth:`pause`, at the flow's rate."""
        self._starting = True

    def stop(self, timeout: float = 15.0) -> None:
        """Stop at once: no new claim, no more waiting for results, no hiccup left in force."""
        self._starting = False
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def counts(self) -> Counts:
        book = self._book
        now = time.monotonic()
        with book.lock:
            while book.recent and book.recent[0] < now - 60:
                book.recent.popleft()
            oldest = min(book.open_since.values(), default=None)
            span = min(60.0, now - self._began) if self._began else 0.0
            rate = len(book.recent) / span if span >= 1 else 0.0
            c = book.counts
        return Counts(**{k: getattr(c, k) for k in _COUNTERS}, rate=rate,
                      oldest_open=None if oldest is None else now - oldest)  # fmt: skip

    def claims(self) -> dict[str, Kind]:
        """Every claim started so far: claim id → what its owner does."""
        with self._book.lock:
            return dict(self._book.kinds)

    def results(self) -> dict[str, ClaimStatus | None]:
        """How each settled claim ended (None: its workflow failed)."""
        with self._book.lock:
            return dict(self._book.results)

    def wait_settled(self, timeout: float) -> bool:
        """Stop starting claims and wait until every claim started has settled."""
        self.pause()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.counts().open == 0:
                return True
            time.sleep(0.5)
        return False

    # --- the flow's thread -------------------------------------------------------------------

    _began = 0.0

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as err:  # handed to start(); the thread must not die silently
            self._error = err
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        # The client retries what the server does not answer and warns on stderr each time, over
        # the demo's status line: the flow tries again on its own, errors only.
        quiet = TelemetryConfig(logging=LoggingConfig(TelemetryFilter("ERROR", "ERROR")))
        client = await Client.connect(
            self.temporal_address,
            namespace=self.namespace,
            runtime=Runtime(telemetry=quiet),
            data_converter=self.data_converter or DataConverter.default,
        )
        self._began = time.monotonic()
        self._ready.set()
        tasks = {asyncio.create_task(self._claims(client))}
        if self.settings.hiccup_every is not None:
            tasks.add(asyncio.create_task(self._hiccups(self.settings.hiccup_every)))
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _claims(self, client: Client) -> None:
        """Start a claim every 1/rate seconds, each followed to its end by a task of its own."""
        under_way: set[asyncio.Task[None]] = set()
        interval = 1.0 / self.settings.rate
        next_at = time.monotonic()
        try:
            for n in itertools.count():
                if self._starting:
                    task = asyncio.create_task(self._claim(client, n, MIX[n % len(MIX)]))
                    under_way.add(task)
                    task.add_done_callback(under_way.discard)
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        finally:
            for task in under_way:
                task.cancel()
            await asyncio.gather(*under_way, return_exceptions=True)

    def _new_claim(self, n: int, kind: Kind) -> ClaimInput:
        claim_id = str(uuid.uuid4())
        # An e-mail or a random key (EVP), each used once: the Bridge refuses a second open claim
        # on a key.
        key = f"client.{claim_id[:8]}@example.com" if n % 2 else str(uuid.uuid4())
        period = self.settings.wait_period if kind is Kind.WAIT else None
        return ClaimInput(claim_id, key, CLAIMER, OWNER, period_seconds=period)

    async def _claim(self, client: Client, n: int, kind: Kind) -> None:
        claim = self._new_claim(n, kind)
        book = self._book
        await self._start(client, claim)
        with book.lock:
            book.kinds[claim.claim_id] = kind
            book.open_since[claim.claim_id] = time.monotonic()
            book.recent.append(time.monotonic())
        book.add(started=1)
        handle = client.get_workflow_handle(
            claim_workflow_id(claim.claim_id), result_type=ClaimState
        )
        if kind is not Kind.WAIT:
            await asyncio.sleep(self.settings.decide_after)
            await _again(lambda: handle.signal(DECISION_SIGNAL, kind is Kind.CONFIRM))
        try:
            state: ClaimState | None = await _again(handle.result)
        except WorkflowFailureError:
            state = None
        with book.lock:
            book.open_since.pop(claim.claim_id, None)
            book.results[claim.claim_id] = state.status if state else None
        book.add(**{_BY_STATUS.get(state.status, "failed") if state else "failed": 1})

    async def _start(self, client: Client, claim: ClaimInput) -> None:
        """Start the claim; when the server did not answer, try again until it is started (a
        start whose reply was lost is found by its workflow id)."""
        while True:
            try:
                await start_claim(client, claim, task_queue=self.settings.task_queue)
                return
            except ClaimError as err:
                try:
                    await client.get_workflow_handle(claim_workflow_id(claim.claim_id)).describe()
                    return  # started by an earlier try
                except RPCError:
                    log.info("claim start not answered, trying again: %s", err)
            await asyncio.sleep(RETRY_EVERY)

    async def _hiccups(self, every: float) -> None:
        fail = self.settings.hiccup_error_rate
        for n in itertools.count():
            await asyncio.sleep(every - self.settings.hiccup_for)
            if not self.hiccups_on:
                continue
            method = HICCUP_METHODS[n % len(HICCUP_METHODS)]
            try:
                await asyncio.to_thread(self._fault, Fault(method, error_rate=fail))
                self._book.add(hiccups=1)
                await asyncio.sleep(self.settings.hiccup_for)
            finally:  # also when stopped in the middle: no hiccup outlives the flow
                await asyncio.to_thread(self._fault, Fault(method))

    def _fault(self, fault: Fault) -> None:
        try:
            admin.set_fault(self.bridge_address, fault, tls=self.bridge_tls)
        except admin.SimulatorAdminError as err:
            log.warning("Bridge hiccup not set: %s", err)


async def _again(call: Callable[[], Awaitable[T]]) -> T:
    """``call()`` until the server answers: RPC errors (the server restarting) are retried."""
    while True:
        try:
            return await call()
        except RPCError as err:
            log.info("Temporal did not answer, trying again: %s", err)
            await asyncio.sleep(RETRY_EVERY)
