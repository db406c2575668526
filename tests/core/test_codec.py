"""The payload codec's key file and its encryption, without a server: what an operator gets wrong
in a key file is one line naming the file, the line and the fix, and never shows key bytes."""

from __future__ import annotations

import base64
import os
import re

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from core import codec, settings
from core.errors import SettingsError
from dictobs.cli import main

PIX_KEY = "joao.silva@example.com.br"


def _key(n: int = 32) -> str:
    return base64.b64encode(os.urandom(n)).decode()


def _ring(*ids: str) -> codec.KeyRing:
    return codec.KeyRing.parse("".join(codec.new_key_line(i) for i in ids), "keys")


BAD_FILES = {
    "empty": ("", r"holds no key"),
    "comments only": ("# no key yet\n\n", r"holds no key"),
    "no key id": (f"{_key()}\n", r"line 1: expected `KEY-ID: BASE64-KEY`"),
    "bad key id": (f"key one: {_key()}\n", r"line 1: expected `KEY-ID: BASE64-KEY`"),
    "bad base64": ("# rotated\nk1: not*base64!\n", r"line 2: the key of k1 is not valid base64"),
    "16-byte key": (f"k1: {_key(16)}\n", r"line 1: the key of k1 is 16 bytes, AES-256 needs 32"),
    "twice": (f"k1: {_key()}\nk1: {_key()}\n", r"line 2: key id k1 appears twice"),
}


@pytest.mark.parametrize("text, message", BAD_FILES.values(), ids=BAD_FILES)
def test_a_bad_key_file_is_one_line_naming_the_file_and_the_fix(tmp_path, text, message):
    path = tmp_path / "codec-keys"
    path.write_text(text)
    with pytest.raises(SettingsError) as err:
        settings.load({"TEMPORAL_CODEC_KEY_FILE": str(path)})
    line = str(err.value)
    assert line.startswith(f"TEMPORAL_CODEC_KEY_FILE={path}: ")
    assert "\n" not in line
    assert re.search(message, line)
    assert "head -c 32 /dev/urandom" in line or "give each key its own" in line  # the fix
    for secret in re.findall(r":\s*(\S+)$", text, re.M):  # no key material, good or bad
        assert secret not in line


def test_a_missing_key_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match=r"^TEMPORAL_CODEC_KEY_FILE=.*/nope: no such file"):
        settings.load({"TEMPORAL_CODEC_KEY_FILE": str(tmp_path / "nope")})


def test_dictobs_reports_a_bad_key_file_in_one_line_before_connecting(
    tmp_path, monkeypatch, capsys
):
    keys, pix = tmp_path / "codec-keys", tmp_path / "pix-key"
    keys.write_text(f"k1: {_key(31)}\n")
    pix.write_text(PIX_KEY)
    monkeypatch.setenv("TEMPORAL_CODEC_KEY_FILE", str(keys))
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")  # nothing listens: never reached
    status = main(
        ["claim", "start", "--claim-id", "3f2b0c1e-1111-4222-8333-444455556666",
         "--key-file", str(pix), "--claimer-ispb", "12345678", "--owner-ispb", "87654321"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2
    assert err == (
        f"dictobs: error: TEMPORAL_CODEC_KEY_FILE={keys}: line 1: the key of k1 is 31 bytes, "
        f"AES-256 needs 32; {codec.KEY_FILE_FIX}\n"
    )


def test_the_settings_and_the_ring_never_print_key_bytes(tmp_path):
    line = codec.new_key_line("2026-12")
    path = tmp_path / "codec-keys"
    path.write_text(line)
    loaded = settings.load({"TEMPORAL_CODEC_KEY_FILE": str(path)})
    ring = codec.KeyRing.read(path)
    secret = line.split(": ")[1].strip()
    for shown in (repr(loaded), repr(ring), repr(ring.keys), str(ring.encrypting)):
        assert secret not in shown
        assert repr(ring.encrypting.secret) not in shown


async def test_a_payload_round_trips_and_holds_no_plaintext():
    conv = codec.data_converter(_ring("k1"))
    [encoded] = await conv.encode([{"entry_key": PIX_KEY}])
    assert encoded.metadata["encoding"] == b"binary/encrypted"
    assert encoded.metadata["encryption-key-id"] == b"k1"
    assert PIX_KEY.encode() not in encoded.SerializeToString()
    assert await conv.decode([encoded], [dict]) == [{"entry_key": PIX_KEY}]


async def test_a_rotated_ring_decodes_what_the_old_key_encrypted():
    old = _ring("2026-06")
    [encoded] = await codec.data_converter(old).encode([PIX_KEY])
    rotated = codec.KeyRing((*_ring("2026-12").keys, *old.keys))
    assert rotated.encrypting.id == "2026-12"
    assert await codec.data_converter(rotated).decode([encoded], [str]) == [PIX_KEY]
    [again] = await codec.data_converter(rotated).encode([PIX_KEY])
    assert again.metadata["encryption-key-id"] == b"2026-12"


async def test_an_unknown_key_id_names_the_id_and_the_fix():
    [encoded] = await codec.data_converter(_ring("2026-06")).encode([PIX_KEY])
    with pytest.raises(codec.CodecError) as err:
        await codec.EncryptionCodec(_ring("2026-12")).decode([encoded])
    assert str(err.value) == (
        "payload encrypted with key id 2026-06, which the key file does not hold (it holds "
        "2026-12); add that key below the current one: a rotation keeps the old keys"
    )


async def test_a_relabelled_or_altered_payload_does_not_decrypt():
    ring = codec.KeyRing((*_ring("a").keys, *_ring("b").keys))
    [encoded] = await codec.EncryptionCodec(ring).encode([Payload(data=b"x")])
    encoded.metadata["encryption-key-id"] = b"b"  # the key id is bound to the ciphertext
    with pytest.raises(codec.CodecError, match="key id b does not decrypt"):
        await codec.EncryptionCodec(ring).decode([encoded])


async def test_payloads_written_before_encryption_still_decode():
    [plain] = await DataConverter.default.encode([PIX_KEY])
    assert await codec.data_converter(_ring("k1")).decode([plain], [str]) == [PIX_KEY]


async def test_a_client_without_keys_names_the_missing_setting():
    [encoded] = await codec.data_converter(_ring("2026-06")).encode([PIX_KEY])
    with pytest.raises(codec.CodecError) as err:
        await codec.data_converter(None).decode([encoded], [str])
    assert str(err.value) == (
        "payload encrypted with key id 2026-06, and no key file is set: set "
        "TEMPORAL_CODEC_KEY_FILE to the key file that holds it"
    )
    [plain] = await codec.data_converter(None).encode([PIX_KEY])
    assert plain.metadata["encoding"] == b"json/plain"
