"""Input validation tables: every form the Bridge accepts, and the ones it must refuse."""

from __future__ import annotations

import pytest

from worker.bridge.api import ClaimRequest, ValidationError
from worker.validation import (
    key_type,
    mask_key,
    validate_claim_id,
    validate_claim_request,
    validate_ispb,
)

CLAIM_ID = "3f2b8c1e-9d4a-4e6b-8a7c-1b2c3d4e5f60"

VALID_KEYS = [
    ("12345678909", "CPF"),
    ("52998224725", "CPF"),
    ("11144477735", "CPF"),
    ("11222333000181", "CNPJ"),
    ("11444777000161", "CNPJ"),
    ("joao@example.com", "EMAIL"),
    ("maria.silva+pix@banco.example.com.br", "EMAIL"),
    ("Joao.Silva@Example.com", "EMAIL"),
    ("a" * 65 + "@example.com", "EMAIL"),  # 77 characters, the DICT limit
    ("+5561988880000", "PHONE"),
    ("+556132221111", "PHONE"),
    ("c8a3e2b1-5f4d-4a7e-9b3c-2d1e0f9a8b7c", "EVP"),
]

INVALID_KEYS = [
    ("12345678900", "check digits"),  # CPF, wrong check digits
    ("11111111111", "check digits"),  # CPF made of one digit
    ("123.456.789-09", "expected"),  # DICT keys carry digits only
    ("1234567890", "expected"),  # 10 digits: neither CPF nor CNPJ
    ("11222333000182", "check digits"),  # CNPJ, wrong check digit
    ("00000000000000", "check digits"),
    ("joao@", "e-mail"),
    ("@example.com", "e-mail"),
    ("joao@example", "e-mail"),  # no top-level domain
    ("jo..ao@example.com", "e-mail"),
    (".joao@example.com", "e-mail"),
    ("joao silva@example.com", "e-mail"),
    ("a" * 66 + "@example.com", "77"),  # 78 characters
    ("+55619888800001", "phone"),  # 12 digits
    ("+55619888800", "phone"),  # 9 digits
    ("+5461988880000", "phone"),  # not Brazil
    ("+5501988880000", "phone"),  # area code cannot start with 0
    ("5561988880000", "expected"),  # phone without +
    ("C8A3E2B1-5F4D-4A7E-9B3C-2D1E0F9A8B7C", "lowercase"),
    ("c8a3e2b1-5f4d-4a7e-9b3c", "expected"),
    ("", "missing"),
]


@pytest.mark.parametrize(("key", "expected"), VALID_KEYS)
def test_valid_keys_have_their_type(key: str, expected: str) -> None:
    assert key_type(key) == expected


@pytest.mark.parametrize(("key", "hint"), INVALID_KEYS)
def test_invalid_keys_name_the_field_and_never_echo_the_key(key: str, hint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        key_type(key)
    message = str(caught.value)
    assert message.startswith("entry_key: ")
    assert hint in message
    if key:
        assert key not in message
    assert caught.value.non_retryable


@pytest.mark.parametrize("value", ["00000000", "12345678", "60701190"])
def test_valid_ispb(value: str) -> None:
    assert validate_ispb(value, "owner_ispb") == value


@pytest.mark.parametrize(
    "value", ["1234567", "123456789", "1234567a", "", " 2345678", None, 12345678]
)
def test_invalid_ispb_names_the_field(value: object) -> None:
    with pytest.raises(ValidationError, match=r"^claimer_ispb: .*8 digits"):
        validate_ispb(value, "claimer_ispb")


@pytest.mark.parametrize("value", [CLAIM_ID, "00000000-0000-4000-8000-000000000000"])
def test_valid_claim_id(value: str) -> None:
    assert validate_claim_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        CLAIM_ID.upper(),
        CLAIM_ID.replace("-", ""),
        "claim-1",
        CLAIM_ID + "0",
        "{" + CLAIM_ID + "}",
        "",
        None,
    ],
)
def test_invalid_claim_id_names_the_field(value: object) -> None:
    with pytest.raises(ValidationError, match=r"^claim_id: .*UUID"):
        validate_claim_id(value)


def test_claim_request_checks_every_field() -> None:
    good = ClaimRequest(CLAIM_ID, "12345678909", "12345678", "87654321")
    validate_claim_request(good)
    cases = {
        "claim_id": ClaimRequest("x", good.entry_key, good.claimer_ispb, good.owner_ispb),
        "entry_key": ClaimRequest(CLAIM_ID, "12345678900", good.claimer_ispb, good.owner_ispb),
        "claimer_ispb": ClaimRequest(CLAIM_ID, good.entry_key, "1", good.owner_ispb),
        "owner_ispb": ClaimRequest(CLAIM_ID, good.entry_key, good.claimer_ispb, "x"),
    }
    for field, request in cases.items():
        with pytest.raises(ValidationError, match=rf"^{field}: "):
            validate_claim_request(request)


def test_claimer_and_owner_must_differ() -> None:
    same = ClaimRequest(CLAIM_ID, "12345678909", "12345678", "12345678")
    with pytest.raises(ValidationError, match=r"^owner_ispb: equals claimer_ispb"):
        validate_claim_request(same)


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("12345678909", "***.456.789-**"),
        ("11222333000181", "**.222.333/****-**"),
        ("joao@example.com", "j***@e***.com"),
        ("+5561988880000", "+55*******0000"),
        ("+556132221111", "+55******1111"),
        ("c8a3e2b1-5f4d-4a7e-9b3c-2d1e0f9a8b7c", "c8a3e2b1-****"),
        ("not a key", "***"),
        ("", "***"),
    ],
)
def test_mask_key_hides_the_personal_part(key: str, masked: str) -> None:
    assert mask_key(key) == masked
    if len(key) > 4:
        assert key not in mask_key(key)
