"""PIX keys at rest: a claim run by an encrypting worker on the real dev server leaves no key in
its history; the codec server gives it back to whoever holds the token and the key, also after a
key rotation; the search attributes the exporter counts stay readable without any key."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer
from worker_support import CLAIMER, OWNER, wait_for_status

from core import codec, domain
from core.pii import mask_key
from core.settings import PLAINTEXT, TemporalSettings
from core.temporal_client import connect
from stack import binaries
from stack.devserver import DevServer
from worker.bridge.api import ClaimStatus
from worker.bridge.simulator import Simulator, run_simulator
from worker.codec_server import CodecServer, CodecServerConfig
from worker.main import running_worker
from worker.model import (
    DECISION_SIGNAL,
    ClaimInput,
    ClaimState,
    claim_workflow_id,
    monitor_workflow_id,
)
from worker.starter import start_claim
from worker.workflows import WORKFLOWS

pytestmark = pytest.mark.devserver

TOKEN = "codec-test-token-0123456789"
UI = "http://localhost:8233"
SERVER_ATTRIBUTES = {"BuildIds", "TemporalChangeVersion"}


@dataclass
class Encrypted:
    """An encrypting worker and client on the dev server, and one claim it ran to the end."""

    server: DevServer
    client: Client
    sim: Simulator
    task_queue: str
    key_file: Path
    old_key_line: str
    claim: ClaimInput


def _settings(server: DevServer, key_file: Path | None) -> TemporalSettings:
    return TemporalSettings(server.address, server.namespace, codec_key_file=key_file)


@pytest.fixture(scope="module")
async def encrypted(dev_server: DevServer, tmp_path_factory) -> AsyncIterator[Encrypted]:
    key_file = tmp_path_factory.mktemp("codec") / "codec-keys"
    old_key_line = codec.new_key_line("2026-06")
    key_file.write_text(old_key_line)
    client = await connect(_settings(dev_server, key_file))
    queue = f"dict-task-queue-{uuid.uuid4().hex[:8]}"
    # An e-mail key: its masked form (m***@e***.br) is checked as well as the key itself.
    claim = ClaimInput(str(uuid.uuid4()), f"maria.{uuid.uuid4().hex[:8]}@example.com.br",
                       CLAIMER, OWNER)  # fmt: skip
    async with (
        run_simulator("127.0.0.1:0") as sim,
        running_worker(
            client, sim.address, task_queue=queue, metrics=False, bridge_tls=PLAINTEXT
        ),  # fmt: skip
    ):
        sim.set_fault("CreateClaim", fail_next=1)  # a failure, with its message, in the history
        handle = await start_claim(client, claim, task_queue=queue)
        await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
        await handle.signal(DECISION_SIGNAL, True)
        await handle.result()
        yield Encrypted(dev_server, client, sim, queue, key_file, old_key_line, claim)


@pytest.fixture
def codec_server(encrypted: Encrypted) -> Iterator[CodecServer]:
    config = CodecServerConfig(
        key_file=encrypted.key_file,
        namespace=encrypted.server.namespace,
        token=TOKEN,
        allowed_origins=(UI,),
    )
    with CodecServer(("127.0.0.1", 0), config).serving() as server:
        yield server


async def _history(client: Client, workflow_id: str) -> WorkflowHistory:
    return await client.get_workflow_handle(workflow_id).fetch_history()


def _raw(history: WorkflowHistory) -> bytes:
    """Everything the server stored, as bytes and as the JSON the UI and CLI read."""
    proto = History(events=history.events).SerializeToString()
    return proto + history.to_json().encode()


def _input_payloads(history: WorkflowHistory) -> dict[str, object]:
    """The claim's start input as the codec protocol's JSON."""
    started = history.events[0].workflow_execution_started_event_attributes
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in started.input.payloads
        ]
    }


def _post(server: CodecServer, path: str, body: object, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    try:
        conn.request("POST", path, json.dumps(body).encode(), headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _decoded_keys(body: bytes) -> list[str]:
    """The ``entry_key`` of each decoded payload (JSON-encoded claim inputs)."""
    keys = []
    for payload in json.loads(body)["payloads"]:
        data = json.loads(base64.b64decode(payload["data"]))
        keys.append(data["entry_key"])
    return keys


async def test_the_history_holds_no_pix_key_in_any_form(encrypted: Encrypted, dev_client: Client):
    key = encrypted.claim.entry_key
    claim_id = encrypted.claim.claim_id
    for workflow_id in (claim_workflow_id(claim_id), monitor_workflow_id(claim_id)):
        history = await _history(dev_client, workflow_id)
        raw = _raw(history)
        assert key.encode() not in raw, workflow_id
        assert mask_key(key).encode() not in raw, workflow_id
        assert key.split("@")[0].encode() not in raw, workflow_id  # not even the name
        started = history.events[0].workflow_execution_started_event_attributes
        [payload] = started.input.payloads
        assert payload.metadata["encoding"] == b"binary/encrypted"
        assert payload.metadata["encryption-key-id"] == b"2026-06"
    assert key not in claim_workflow_id(claim_id)


async def test_failures_in_the_history_are_encrypted_too(encrypted: Encrypted, dev_client: Client):
    history = await _history(dev_client, claim_workflow_id(encrypted.claim.claim_id))
    # A retried attempt's failure is recorded with the attempt that succeeded after it.
    failures = [
        e.activity_task_started_event_attributes.last_failure
        for e in history.events
        if e.activity_task_started_event_attributes.HasField("last_failure")
    ] + [
        e.activity_task_failed_event_attributes.failure
        for e in history.events
        if e.HasField("activity_task_failed_event_attributes")
    ]
    assert failures, "the injected CreateClaim failure is not in the history"
    for failure in failures:
        assert failure.message == "Encoded failure"
        assert failure.encoded_attributes.metadata["encoding"] == b"binary/encrypted"
    # The client with the key reads the Bridge's message back.
    decoded = await encrypted.client.data_converter.decode_failure(failures[0])
    assert str(decoded) == "BridgeUnavailableError: UNAVAILABLE: injected fault (fail_next)"


async def test_search_attributes_stay_readable_without_the_key(
    encrypted: Encrypted, dev_client: Client
):
    claim_id = encrypted.claim.claim_id
    desc = await dev_client.get_workflow_handle(claim_workflow_id(claim_id)).describe()
    attrs = {k.name: v for k, v in desc.typed_search_attributes}
    assert attrs[domain.SA_CLAIM_STATUS] == "COMPLETED"
    assert attrs[domain.SA_CLAIMER_ISPB] == CLAIMER and attrs[domain.SA_OWNER_ISPB] == OWNER
    # The server's own (build ids, patch ids) beside ours: nothing personal among them.
    assert set(attrs) - SERVER_ATTRIBUTES == set(domain.SEARCH_ATTRIBUTES)
    assert encrypted.claim.entry_key not in json.dumps({k: str(v) for k, v in attrs.items()})
    query = (
        f"WorkflowId = '{claim_workflow_id(claim_id)}' AND {domain.SA_CLAIM_STATUS} = 'COMPLETED'"
    )
    for _ in range(100):  # visibility is eventually consistent
        if (await dev_client.count_workflows(query)).count == 1:
            break
        await asyncio.sleep(0.1)
    assert (await dev_client.count_workflows(query)).count == 1


async def test_the_codec_server_decodes_for_the_token_holder_only(
    encrypted: Encrypted, dev_client: Client, codec_server: CodecServer
):
    history = await _history(dev_client, claim_workflow_id(encrypted.claim.claim_id))
    body = _input_payloads(history)
    good = {"Authorization": f"Bearer {TOKEN}", "X-Namespace": encrypted.server.namespace,
            "Content-Type": "application/json"}  # fmt: skip
    status, _, answer = await asyncio.to_thread(_post, codec_server, "/decode", body, good)
    assert status == 200
    assert _decoded_keys(answer) == [encrypted.claim.entry_key]
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"},
                    {"Authorization": TOKEN}):  # fmt: skip
        status, sent, answer = await asyncio.to_thread(
            _post, codec_server, "/decode", body, headers
        )
        assert status == 401
        assert sent["WWW-Authenticate"] == "Bearer"
        assert encrypted.claim.entry_key.encode() not in answer


async def test_a_rotated_key_file_still_decodes_old_histories(
    encrypted: Encrypted, dev_client: Client, codec_server: CodecServer, tmp_path
):
    history = await _history(dev_client, claim_workflow_id(encrypted.claim.claim_id))
    # The rotation: the new key first (it encrypts), the old one kept below it.
    encrypted.key_file.write_text(codec.new_key_line("2026-12") + encrypted.old_key_line)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    status, _, answer = await asyncio.to_thread(
        _post, codec_server, "/decode", _input_payloads(history), headers
    )
    assert status == 200, answer
    assert _decoded_keys(answer) == [encrypted.claim.entry_key]
    # New claims get the new key; the old history replays with the rotated file.
    rotated = await connect(_settings(encrypted.server, encrypted.key_file))
    [fresh] = await rotated.data_converter.encode([encrypted.claim])
    assert fresh.metadata["encryption-key-id"] == b"2026-12"
    ring = codec.KeyRing.read(encrypted.key_file)
    await Replayer(workflows=WORKFLOWS, data_converter=codec.data_converter(ring)).replay_workflow(
        history
    )
    # Without the old key the payload is refused, naming the key id it needs.
    only_new = tmp_path / "only-new"
    only_new.write_text(encrypted.key_file.read_text().splitlines()[0] + "\n")
    with CodecServer(
        ("127.0.0.1", 0), CodecServerConfig(only_new, "dict", TOKEN)
    ).serving() as server:
        status, _, answer = await asyncio.to_thread(
            _post, server, "/decode", _input_payloads(history), headers
        )
    assert status == 400
    assert (
        "key id 2026-06, which the key file does not hold (it holds 2026-12)"
        in json.loads(answer)["error"]
    )


async def test_dictobs_claim_commands_encrypt_and_decrypt_through_the_key_file(
    encrypted: Encrypted, dev_client: Client, tmp_path
):
    claim_id, key = str(uuid.uuid4()), f"jose.{uuid.uuid4().hex[:8]}@example.com.br"
    key_file = tmp_path / "codec-keys"  # the worker's keys, whatever a rotation test did
    key_file.write_text(encrypted.old_key_line)
    env = {**os.environ, "TEMPORAL_ADDRESS": encrypted.server.address,
           "TEMPORAL_NAMESPACE": encrypted.server.namespace,
           "TEMPORAL_TASK_QUEUE": encrypted.task_queue,
           "TEMPORAL_CODEC_KEY_FILE": str(key_file)}  # fmt: skip

    async def dictobs(*args: str, stdin: str = "") -> str:
        # In a thread: the worker answering the command runs on this test's event loop.
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "dictobs.cli", "claim", *args], env=env,
            input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert key not in done.stdout + done.stderr
        return done.stdout

    started = await dictobs("start", "--claim-id", claim_id, "--key-file", "-", "--claimer-ispb",
                      CLAIMER, "--owner-ispb", OWNER, stdin=key)  # fmt: skip
    assert started.strip() == claim_workflow_id(claim_id)
    # The status query's answer is encrypted by the worker and decrypted by the command.
    for _ in range(100):
        status = await dictobs("status", "--claim-id", claim_id)
        if "WAITING_RESOLUTION" in status:
            break
        await asyncio.sleep(0.1)
    assert status.splitlines()[0] == "status: WAITING_RESOLUTION"
    # Without the key file the command says which setting is missing, in one line.
    without = {k: v for k, v in env.items() if k != "TEMPORAL_CODEC_KEY_FILE"}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "dictobs.cli", "claim", "status", "--claim-id",
                         claim_id], env=without, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (2, (
        "dictobs: error: payload encrypted with key id 2026-06, and no key file is set: set "
        "TEMPORAL_CODEC_KEY_FILE to the key file that holds it\n"
    ))  # fmt: skip
    await dictobs("decide", "--claim-id", claim_id, "--reject")
    handle = encrypted.client.get_workflow_handle(
        claim_workflow_id(claim_id), result_type=ClaimState
    )
    result = await handle.result()
    assert result.status is ClaimStatus.CANCELLED
    raw = _raw(await _history(dev_client, claim_workflow_id(claim_id)))
    assert key.encode() not in raw and mask_key(key).encode() not in raw


def _cli_input(stdout: str) -> dict[str, str]:
    """The start input of ``temporal workflow show --output json``: encoding and data."""
    started = json.loads(stdout)["events"][0]["workflowExecutionStartedEventAttributes"]
    [payload] = started["input"]["payloads"]
    return {
        "encoding": base64.b64decode(payload["metadata"]["encoding"]).decode(),
        "data": base64.b64decode(payload["data"]).decode("utf-8", "replace"),
    }


def test_the_temporal_cli_shows_the_history_through_the_codec_server(
    encrypted: Encrypted, codec_server: CodecServer
):
    key = encrypted.claim.entry_key
    show = [str(binaries.temporal_cli()), "workflow", "show", "--output", "json",
            "--address", encrypted.server.address, "--namespace", encrypted.server.namespace,
            "--workflow-id", claim_workflow_id(encrypted.claim.claim_id)]  # fmt: skip

    def run(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*show, *flags], capture_output=True, text=True, timeout=60)

    plain = run()
    assert plain.returncode == 0, plain.stderr
    assert _cli_input(plain.stdout)["encoding"] == "binary/encrypted"
    assert key not in _cli_input(plain.stdout)["data"]
    decoded = run("--codec-endpoint", codec_server.url, "--codec-auth", f"Bearer {TOKEN}")
    assert decoded.returncode == 0, decoded.stderr
    assert _cli_input(decoded.stdout)["encoding"] == "json/plain"
    assert json.loads(_cli_input(decoded.stdout)["data"])["entry_key"] == key
    # Without the token the CLI retries the 401 until its deadline (10 s) and then fails;
    # the HTTP test above covers the refusal.
