"""PIX keys stay out of printed objects, Bridge error text and process arguments."""

from __future__ import annotations

import subprocess
import sys
import traceback
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from grpc import aio

from core.pii import mask_key, scrub
from core.settings import PLAINTEXT
from worker.bridge import api
from worker.bridge.client import BridgeClient
from worker.bridge.proto import bridge_pb2 as pb
from worker.bridge.proto import bridge_pb2_grpc as pb_grpc
from worker.model import ClaimInput

KEYS = ("12345678909", "11222333000181", "maria@silva-family.net", "+5561988880000")
EVP = "c8a3e2b1-5f4d-4a7e-9b3c-2d1e0f9a8b7c"


@pytest.mark.parametrize("key", [*KEYS, EVP])
def test_claim_inputs_and_requests_print_the_key_masked(key: str) -> None:
    claim_id = str(uuid.uuid4())
    for obj in (
        ClaimInput(claim_id, key, "12345678", "87654321"),
        api.ClaimRequest(claim_id, key, "12345678", "87654321"),
    ):
        text = f"{obj!r} {obj} {[obj]}"
        assert key not in text
        assert mask_key(key) in text and claim_id in text
        try:
            raise RuntimeError(obj)
        except RuntimeError:
            assert key not in traceback.format_exc()


def test_a_masked_email_keeps_no_domain_name() -> None:
    assert mask_key("maria@silva-family.net") == "m***@s***.net"
    assert mask_key("joao@example.com.br") == "j***@e***.br"
    assert mask_key("a@localhost") == "a***@***"


def test_scrub_masks_each_key_shape_and_keeps_the_claim_id() -> None:
    claim_id = str(uuid.uuid4())
    text = (
        f"claim {claim_id}: keys 12345678909, 123.456.789-09, 11222333000181, "
        f"11.222.333/0001-81, +5561988880000, maria@silva-family.net, {EVP}; ispb 12345678"
    )
    scrubbed = scrub(text, keep=[claim_id])
    for secret in (*KEYS, "123.456.789-09", "11.222.333/0001-81", EVP, "silva-family"):
        assert secret not in scrubbed
    assert claim_id in scrubbed and "ispb 12345678" in scrubbed


class _TalkativeBridge(pb_grpc.BridgeServiceServicer):
    """A Bridge whose error text quotes the key and another claim's id."""

    async def GetClaim(self, request: pb.GetClaimRequest, context: Any) -> pb.ClaimReply:
        await context.abort(
            grpc.StatusCode.INTERNAL,
            f"lookup of {request.claim_id} failed: key 12345678909 (maria@silva-family.net) "
            f"is locked by {EVP}",
        )
        raise AssertionError("abort returned")


@pytest.fixture
async def talkative() -> AsyncIterator[str]:
    server = aio.server()
    pb_grpc.add_BridgeServiceServicer_to_server(_TalkativeBridge(), server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(grace=None)


async def test_bridge_error_text_reaches_the_caller_scrubbed(talkative: str) -> None:
    claim_id = str(uuid.uuid4())
    async with BridgeClient(talkative, timeout=3.0, tls=PLAINTEXT) as bridge:
        with pytest.raises(api.BridgeInternalError) as caught:
            await bridge.get_claim(claim_id)
    message = str(caught.value)
    assert message.startswith(f"INTERNAL: lookup of {claim_id} failed: key ***.456.789-** ")
    for secret in ("12345678909", "silva-family", EVP):
        assert secret not in message


MAIN = "import sys, dictobs.cli as c; c.PARTS = ('worker.cli',); sys.exit(c.main(sys.argv[1:]))"


def claim_start(
    *args: str, stdin: str = "", owner: str = "87654321"
) -> subprocess.CompletedProcess[str]:
    env_port = "127.0.0.1:1"  # nothing listens: nothing here may get as far as Temporal
    return subprocess.run(
        [sys.executable, "-c", MAIN, "claim", "start", "--temporal-address", env_port,
         "--claim-id", str(uuid.uuid4()), "--claimer-ispb", "12345678",
         "--owner-ispb", owner, *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_claim_start_refuses_a_key_on_the_command_line() -> None:
    done = claim_start("--key-file", "-", "--key", "12345678909")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "dictobs: error: --key: a PIX key on the command line shows in ps, shell history and CI "
        "logs; put it in a file and pass --key-file FILE, or pipe it to --key-file -"
    )
    assert "12345678909" not in done.stderr


def test_claim_start_reads_the_key_from_standard_input_or_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The key is checked before the institutions differ: this error means it was read and valid.
    done = claim_start("--key-file", "-", stdin="12345678909\n", owner="12345678")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("dictobs: error: owner_ispb: equals claimer_ispb")
    key_file = tmp_path / "key"
    key_file.write_text("12345678900\n")  # wrong check digits: refused before connecting
    done = claim_start("--key-file", str(key_file))
    assert done.returncode == 2
    assert done.stderr.startswith("dictobs: error: entry_key: CPF check digits do not match")
    assert "12345678900" not in done.stderr


def test_claim_start_names_a_bad_key_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope"
    done = claim_start("--key-file", str(missing))
    assert done.stderr.strip() == f"dictobs: error: --key-file {missing}: No such file or directory"
    done = claim_start("--key-file", "-", stdin="12345678909\n11222333000181\n")
    assert done.stderr.strip() == (
        "dictobs: error: --key-file standard input: expected the PIX key on one line, got 2"
    )
