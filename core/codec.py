"""Payloads encrypted at rest in Temporal: AES-256-GCM under keys read from a mounted file.

Workflow inputs, results, signals, queries and failure messages hold PIX keys (personal data);
Temporal keeps them in its history until retention ends. With ``TEMPORAL_CODEC_KEY_FILE`` set,
every client the pack connects (worker, ``dictobs claim``, demo) encrypts them before they leave
the process, and ``dictobs codec-server`` decrypts them for operators who hold the same file.

The key file names each key, newest first; the first encrypts, every one decrypts::

    # KEY-ID: base64 of 32 random bytes (AES-256), newest first
    2026-12: <44 base64 characters>
    2026-06: <44 base64 characters>

An encrypted payload carries ``encoding: binary/encrypted`` and ``encryption-key-id: <id>`` in
its metadata (the only part left in clear) and ``nonce || ciphertext`` as data; the key id is
bound to the ciphertext as associated data, so relabelling a payload makes it fail to decrypt.
Search attributes never pass through a codec: they stay readable for the exporter's counts.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from core.errors import SettingsError

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce, random per payload
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
KEY_FILE_FIX = (
    "write one `KEY-ID: BASE64-KEY` line per key, newest first, each key 32 random bytes "
    "(printf '%s: %s\\n' 2026-12 \"$(head -c 32 /dev/urandom | base64)\")"
)


class CodecError(ValueError):
    """A payload this codec cannot decrypt; the message names its key id, never a key."""


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class KeyRing:
    """The keys of one key file: ``keys[0]`` encrypts, every key decrypts.

    >>> ring = KeyRing.parse("new: " + "A" * 43 + "=\\nold: " + "B" * 43 + "=\\n", "keys.txt")
    >>> ring.encrypting.id, ring.ids, ring
    ('new', ('new', 'old'), KeyRing(ids=('new', 'old')))
    """

    keys: tuple[Key, ...]

    @property
    def encrypting(self) -> Key:
        return self.keys[0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.keys)

    def __repr__(self) -> str:  # never the key bytes
        return f"KeyRing(ids={self.ids!r})"

    @classmethod
    def parse(cls, text: str, source: str) -> KeyRing:
        """Keys from the text of a key file; ``source`` names it in errors (``FILE`` or
        ``VARIABLE=FILE``). Errors name the line, never its content."""
        keys: list[Key] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key_id, colon, encoded = (part.strip() for part in line.partition(":"))
            where = f"{source}: line {number}"
            if not colon or not _KEY_ID.match(key_id):
                raise SettingsError(
                    f"{where}: expected `KEY-ID: BASE64-KEY` with a key id of letters, digits, "
                    f"'.', '_' or '-'; {KEY_FILE_FIX}"
                )
            if key_id in {k.id for k in keys}:
                raise SettingsError(
                    f"{where}: key id {key_id} appears twice; give each key its own id"
                )
            try:
                secret = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise SettingsError(
                    f"{where}: the key of {key_id} is not valid base64; {KEY_FILE_FIX}"
                ) from None
            if len(secret) != KEY_BYTES:
                raise SettingsError(
                    f"{where}: the key of {key_id} is {len(secret)} bytes, AES-256 needs "
                    f"{KEY_BYTES}; {KEY_FILE_FIX}"
                )
            keys.append(Key(key_id, secret))
        if not keys:
            raise SettingsError(f"{source}: holds no key; {KEY_FILE_FIX}")
        return cls(tuple(keys))

    @classmethod
    def read(cls, path: Path, source: str | None = None) -> KeyRing:
        """The keys in the file ``path``; every problem is a :class:`SettingsError` naming
        ``source`` (default: the path) and the fix."""
        source = source or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SettingsError(
                f"{source}: no such file; point it at the mounted key file"
            ) from None
        except (OSError, UnicodeDecodeError) as err:
            why = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
            raise SettingsError(f"{source}: cannot read it ({why}); {KEY_FILE_FIX}") from None
        return cls.parse(text, source)


def new_key_line(key_id: str) -> str:
    """A key file line with a fresh random key (the demo's throwaway key file)."""
    if not _KEY_ID.match(key_id):
        raise ValueError(f"key id {key_id!r}: use letters, digits, '.', '_' or '-'")
    return f"{key_id}: {base64.b64encode(os.urandom(KEY_BYTES)).decode()}\n"


class EncryptionCodec(PayloadCodec):
    """Encrypts every payload under the ring's first key; decrypts under the key its metadata
    names, and passes payloads that were never encrypted through unchanged (histories written
    before the codec was turned on)."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._ciphers = {k.id: AESGCM(k.secret) for k in ring.keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.ring.encrypting.id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecError(
                f"payload encrypted with key id {key_id or '(none)'}, which the key file does "
                f"not hold (it holds {', '.join(self.ring.ids)}); add that key below the "
                "current one: a rotation keeps the old keys"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except (InvalidTag, ValueError):  # ValueError: shorter than a nonce
            raise CodecError(
                f"payload with key id {key_id} does not decrypt: the key under that id is not "
                "the one it was encrypted with, or the payload was altered"
            ) from None
        return Payload.FromString(plain)


class _NoKeys(PayloadCodec):
    """A client without a key file: payloads go out in clear, and an encrypted one coming back
    is an error that says which setting is missing (not the SDK's "Unknown payload encoding")."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        for payload in payloads:
            if payload.metadata.get("encoding") == ENCODING:
                key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", "replace")
                raise CodecError(
                    f"payload encrypted with key id {key_id or '(none)'}, and no key file is "
                    "set: set TEMPORAL_CODEC_KEY_FILE to the key file that holds it"
                )
        return list(payloads)


def data_converter(ring: KeyRing | None) -> DataConverter:
    """The converter of every client: encrypting with ``ring``, or payloads in clear without
    one (and a clear error on an encrypted payload).

    Failure messages and stack traces move into the encrypted attributes too: a Bridge error
    quoting a key would otherwise sit in clear in the history."""
    if ring is None:
        return DataConverter(payload_codec=_NoKeys())
    return DataConverter(
        payload_codec=EncryptionCodec(ring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
