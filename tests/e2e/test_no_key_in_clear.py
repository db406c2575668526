"""No PIX key in clear anywhere the running pack writes: with claims flowing (confirmed,
rejected, expired, through Bridge hiccups), every key the Bridge simulator was sent is looked for
in every log of the stack (the Temporal server, the worker, the exporter, Prometheus,
Alertmanager, and the simulator's own), in the scrapes of the worker, the exporter and the
server, and in the raw history of every workflow of the namespace as Temporal stores it.

The histories are read without the payload codec, as anyone with read access to the namespace
(the UI, the CLI) reads them; the same history decoded with the worker's keys holds the claim's
key, so the scan looks where a key would be.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from e2e_support import Live, wait_until
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client

from core import settings
from core.temporal_client import data_converter
from toolkit import exposition
from worker.model import claim_workflow_id

pytestmark = pytest.mark.e2e

BRIDGE_LOGGERS = ("worker.bridge",)


class _Kept(logging.Handler):
    """Every record the in-process Bridge simulator logs, formatted as a log file would be."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def bridge_log() -> Iterator[_Kept]:
    kept = _Kept()
    saved = [(logging.getLogger(n), logging.getLogger(n).level) for n in BRIDGE_LOGGERS]
    for logger, _ in saved:
        logger.addHandler(kept)
        logger.setLevel(logging.DEBUG)
    yield kept
    for logger, level in saved:
        logger.removeHandler(kept)
        logger.setLevel(level)


def _keys(live: Live) -> dict[str, str]:
    """Claim id → the PIX key the Bridge was sent for it."""
    return live.sim.ledger.entry_keys()


def _found(keys: dict[str, str], where: str, text: bytes) -> list[str]:
    return [f"{where}: the key of claim {c}" for c, k in keys.items() if k.encode() in text]


async def _histories(live: Live) -> dict[str, tuple[bytes, list[Payloads]]]:
    """Workflow id and run → its raw history, and the inputs of its start event."""
    env = settings.load(live.stack.env).temporal
    client = await Client.connect(env.address, namespace=env.namespace)  # no codec: as stored
    out: dict[str, tuple[bytes, list[Payloads]]] = {}
    async for execution in client.list_workflows():
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        raw = b"".join(event.SerializeToString() for event in history.events)
        started = history.events[0].workflow_execution_started_event_attributes
        out[f"{execution.id}/{execution.run_id}"] = (raw, [started.input])
    return out


def test_no_pix_key_in_clear_in_any_log_scrape_or_history(bridge_log, live):
    wait_until(
        lambda: (c := live.flow.counts()).completed and c.cancelled and c.expired and c.hiccups,
        "claims confirmed, rejected and expired, and a Bridge hiccup",
        timeout=90,
    )
    keys = _keys(live)
    assert len(keys) >= 10 and bridge_log.lines, "the scan needs claims and the Bridge's log"
    found: list[str] = []

    logs = sorted(live.stack.run_dir.glob("**/*.log"))
    assert {p.name for p in logs} >= {"worker.log", "exporter.log"}, logs
    for path in logs:
        found += _found(keys, f"log {path.name}", path.read_bytes())
    found += _found(keys, "the Bridge simulator's log", "\n".join(bridge_log.lines).encode())

    for part in ("worker", "exporter", "server"):
        scraped = exposition.text(live.metrics_url(part)).encode()
        found += _found(keys, f"{part} /metrics", scraped)

    histories = asyncio.run(_histories(live))
    assert len(histories) >= len(keys)
    for where, (raw, _) in histories.items():
        found += _found(keys, f"history of {where}", raw)
    assert found == [], "\n".join(found)

    # The control: decoded with the worker's keys, a claim's input holds its key.
    codec = data_converter(settings.load(live.stack.env).temporal).payload_codec
    assert codec is not None, "the demo's worker encrypts payloads"
    claim_id, key = next(iter(keys.items()))
    raw, inputs = next(
        v for w, v in histories.items() if w.startswith(f"{claim_workflow_id(claim_id)}/")
    )
    decoded = asyncio.run(codec.decode(list(inputs[0].payloads)))
    assert any(key.encode() in p.data for p in decoded)
    assert key.encode() not in raw
