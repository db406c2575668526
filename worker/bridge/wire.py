"""What client and simulator agree on beyond the proto: enum and time conversion, and how a
domain error travels over gRPC.

A domain error is sent as a status code plus the error type in the trailing metadata key
``dict-error-type``, with the message as status details. The client rebuilds the same class from
the type; when the type is missing (a proxy answered, or a fault was injected) the status code
alone decides.
"""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from worker.bridge import api
from worker.bridge.proto import bridge_pb2 as pb

ERROR_TYPE_KEY = "dict-error-type"

# The BridgeService methods, as the observer and the fault injection name them.
METHODS = (
    "CreateClaim",
    "CompleteClaim",
    "CancelClaim",
    "GetClaim",
    "TransferEntry",
    "NotifyUsers",
)

DOMAIN_ERRORS: dict[str, type[api.BridgeError]] = {
    cls.error_type: cls
    for cls in (
        api.ValidationError,
        api.KeyAlreadyExistsError,
        api.NotFoundError,
        api.AlreadyResolvedError,
        api.NotConfirmedError,
        api.BridgeUnavailableError,
        api.BridgeInternalError,
    )
}

_CODE_OF_ERROR: dict[type[api.BridgeError], grpc.StatusCode] = {
    api.ValidationError: grpc.StatusCode.INVALID_ARGUMENT,
    api.KeyAlreadyExistsError: grpc.StatusCode.ALREADY_EXISTS,
    api.NotFoundError: grpc.StatusCode.NOT_FOUND,
    api.AlreadyResolvedError: grpc.StatusCode.FAILED_PRECONDITION,
    api.NotConfirmedError: grpc.StatusCode.FAILED_PRECONDITION,
    api.BridgeUnavailableError: grpc.StatusCode.UNAVAILABLE,
    api.BridgeInternalError: grpc.StatusCode.INTERNAL,
}

_ERROR_OF_CODE: dict[grpc.StatusCode, type[api.BridgeError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: api.ValidationError,
    grpc.StatusCode.ALREADY_EXISTS: api.KeyAlreadyExistsError,
    grpc.StatusCode.NOT_FOUND: api.NotFoundError,
    grpc.StatusCode.FAILED_PRECONDITION: api.AlreadyResolvedError,
    grpc.StatusCode.UNAVAILABLE: api.BridgeUnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: api.BridgeUnavailableError,
    # Overload answers are worth retrying, like an outage.
    grpc.StatusCode.RESOURCE_EXHAUSTED: api.BridgeUnavailableError,
}


def code_for(error: api.BridgeError) -> grpc.StatusCode:
    """The status code the simulator answers a domain error with."""
    for cls in type(error).__mro__:
        if cls in _CODE_OF_ERROR:
            return _CODE_OF_ERROR[cls]
    return grpc.StatusCode.INTERNAL


def error_from_status(
    code: grpc.StatusCode, details: str, error_type: str | None
) -> api.BridgeError:
    """The domain error for a failed call: by the error type when sent, else by the code."""
    sent = DOMAIN_ERRORS.get(error_type or "")
    if sent is not None:
        return sent(details or code.name)
    cls = _ERROR_OF_CODE.get(code, api.BridgeInternalError)
    return cls(f"{code.name}: {details}" if details else code.name)


def status_code(name: str) -> grpc.StatusCode:
    """``grpc.StatusCode`` by name (``"UNAVAILABLE"``); ValueError listing the names otherwise."""
    try:
        code = grpc.StatusCode[name.upper()]
    except KeyError:
        names = ", ".join(c.name for c in grpc.StatusCode if c is not grpc.StatusCode.OK)
        raise ValueError(f"unknown gRPC status code {name!r}; use one of {names}") from None
    if code is grpc.StatusCode.OK:
        raise ValueError("an injected failure cannot have status OK")
    return code


def status_to_pb(status: api.ClaimStatus) -> str:
    """The proto enum value name; message constructors take names as well as numbers."""
    return f"CLAIM_STATUS_{status.value}"


def status_from_pb(value: pb.ClaimStatus) -> api.ClaimStatus:
    name = pb.ClaimStatus.Name(value).removeprefix("CLAIM_STATUS_")
    try:
        return api.ClaimStatus(name)
    except ValueError:
        raise api.BridgeInternalError(f"Bridge answered claim status {name}") from None


def reason_to_pb(reason: api.CancelReason) -> str:
    return f"CANCEL_REASON_{reason.value}"


def reason_from_pb(value: pb.CancelReason) -> api.CancelReason:
    """The cancel reason of a request; ValidationError when missing or unknown."""
    try:
        name = pb.CancelReason.Name(value).removeprefix("CANCEL_REASON_")
        return api.CancelReason(name)
    except ValueError:
        choices = ", ".join(r.value for r in api.CancelReason)
        raise api.ValidationError(f"reason: expected one of {choices}") from None


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def record_to_pb(record: api.ClaimRecord) -> pb.ClaimReply:
    return pb.ClaimReply(
        claim_id=record.claim_id,
        external_id=record.external_id,
        status=status_to_pb(record.status),
        expires_at=timestamp(record.expires_at),
    )


def record_from_pb(reply: pb.ClaimReply) -> api.ClaimRecord:
    return api.ClaimRecord(
        claim_id=reply.claim_id,
        external_id=reply.external_id,
        status=status_from_pb(reply.status),
        expires_at=reply.expires_at.ToDatetime(tzinfo=UTC),
    )
