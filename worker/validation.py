"""Checks every Bridge input before it is sent, and masks PIX keys for logs.

The rules are the DICT formats: an ISPB is 8 digits; a PIX key (``entry_key``) is a CPF or CNPJ
with valid check digits, an e-mail of at most 77 characters, a phone as ``+55`` then 10 or 11
digits, or an EVP (random key, a lowercase UUID). Claim ids are lowercase canonical UUIDs.

A failure raises :class:`worker.bridge.api.ValidationError` whose message starts with the field
name and says the expected form. Messages never contain the key itself: it is personal data.

>>> key_type("+5561988880000")
'PHONE'
>>> mask_key("12345678909")
'***.456.789-**'
"""

from __future__ import annotations

import re
from typing import Literal

from core.pii import mask_key
from worker.bridge.api import ClaimRequest, ValidationError

__all__ = ["mask_key"]  # masking lives in core.pii; callers here import it from this module

KeyType = Literal["CPF", "CNPJ", "EMAIL", "PHONE", "EVP"]

EMAIL_MAX_LENGTH = 77  # the DICT limit for e-mail keys

_ISPB = re.compile(r"[0-9]{8}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UUID_ANY_CASE = re.compile(_UUID.pattern, re.IGNORECASE)
_PHONE = re.compile(r"\+55[1-9][0-9]{9,10}")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    rf"@{_LABEL}(?:\.{_LABEL})+",
    re.IGNORECASE,
)

_KEY_FORMS = (
    "a CPF (11 digits), a CNPJ (14 digits), an e-mail (at most 77 characters), "
    "a phone (+55 then 10 or 11 digits, e.g. +55DDNNNNNNNNN) or an EVP (lowercase UUID)"
)
_CPF_WEIGHTS = (range(10, 1, -1), range(11, 1, -1))
_CNPJ_WEIGHTS = ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))


def _check_digit(digits: str, weights: range | tuple[int, ...]) -> int:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if remainder < 2 else 11 - remainder


def _check_digits_ok(digits: str, weights: tuple[range | tuple[int, ...], ...]) -> bool:
    # A run of one digit (000.000.000-00, 111...) passes the arithmetic but is not issued.
    if len(set(digits)) == 1:
        return False
    body = len(digits) - 2
    first = _check_digit(digits[:body], weights[0])
    second = _check_digit(digits[:body] + str(first), weights[1])
    return digits[body:] == f"{first}{second}"


def is_valid_cpf(value: str) -> bool:
    return (
        len(value) == 11
        and value.isascii()
        and value.isdigit()
        and _check_digits_ok(value, _CPF_WEIGHTS)
    )


def is_valid_cnpj(value: str) -> bool:
    return (
        len(value) == 14
        and value.isascii()
        and value.isdigit()
        and _check_digits_ok(value, _CNPJ_WEIGHTS)
    )


def _require_str(value: object, field: str, expected: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{field}: missing; expected {expected}")
    return value


def validate_ispb(value: object, field: str) -> str:
    """Return ``value`` if it is an ISPB (exactly 8 digits); ValidationError naming ``field``."""
    text = _require_str(value, field, "an ISPB of exactly 8 digits")
    if not _ISPB.fullmatch(text):
        raise ValidationError(f"{field}: expected an ISPB of exactly 8 digits, e.g. 00000000")
    return text


def validate_claim_id(value: object, field: str = "claim_id") -> str:
    """Return ``value`` if it is a claim id (a lowercase canonical UUID)."""
    expected = "a lowercase canonical UUID, e.g. 3f2b8c1e-9d4a-4e6b-8a7c-1b2c3d4e5f60"
    text = _require_str(value, field, expected)
    if not _UUID.fullmatch(text):
        raise ValidationError(f"{field}: expected {expected}")
    return text


def key_type(key: object) -> KeyType:
    """The DICT type of a PIX key; ValidationError (field ``entry_key``) if it is none."""
    text = _require_str(key, "entry_key", _KEY_FORMS)
    if text.isascii() and text.isdigit():
        if len(text) == 11:
            if is_valid_cpf(text):
                return "CPF"
            raise ValidationError("entry_key: CPF check digits do not match (11 digits expected)")
        if len(text) == 14:
            if is_valid_cnpj(text):
                return "CNPJ"
            raise ValidationError("entry_key: CNPJ check digits do not match (14 digits expected)")
    elif text.startswith("+"):
        if _PHONE.fullmatch(text):
            return "PHONE"
        raise ValidationError(
            "entry_key: expected a phone as +55 then 10 or 11 digits, e.g. +55DDNNNNNNNNN"
        )
    elif "@" in text:
        if len(text) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                f"entry_key: e-mail longer than {EMAIL_MAX_LENGTH} characters (the DICT limit)"
            )
        if _EMAIL.fullmatch(text):
            return "EMAIL"
        raise ValidationError("entry_key: expected an e-mail such as name@provider.com.br")
    elif _UUID.fullmatch(text):
        return "EVP"
    elif _UUID_ANY_CASE.fullmatch(text):
        raise ValidationError("entry_key: an EVP must be a lowercase UUID")
    raise ValidationError(f"entry_key: expected {_KEY_FORMS}")


def validate_claim_request(request: ClaimRequest) -> None:
    """Check every field of a CreateClaim, including that the claim crosses institutions."""
    validate_claim_id(request.claim_id)
    validate_ispb(request.claimer_ispb, "claimer_ispb")
    validate_ispb(request.owner_ispb, "owner_ispb")
    key_type(request.entry_key)
    if request.claimer_ispb == request.owner_ispb:
        raise ValidationError(
            "owner_ispb: equals claimer_ispb; a claim moves a key between two institutions"
        )
