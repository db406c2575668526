import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClaimStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIM_STATUS_UNSPECIFIED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_OPEN: _ClassVar[ClaimStatus]
    CLAIM_STATUS_WAITING_RESOLUTION: _ClassVar[ClaimStatus]
    CLAIM_STATUS_CONFIRMED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_CANCELLED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_COMPLETED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_EXPIRED: _ClassVar[ClaimStatus]

class CancelReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANCEL_REASON_UNSPECIFIED: _ClassVar[CancelReason]
    CANCEL_REASON_REJECTED: _ClassVar[CancelReason]
    CANCEL_REASON_EXPIRED: _ClassVar[CancelReason]
    CANCEL_REASON_REQUESTED: _ClassVar[CancelReason]
CLAIM_STATUS_UNSPECIFIED: ClaimStatus
CLAIM_STATUS_OPEN: ClaimStatus
CLAIM_STATUS_WAITING_RESOLUTION: ClaimStatus
CLAIM_STATUS_CONFIRMED: ClaimStatus
CLAIM_STATUS_CANCELLED: ClaimStatus
CLAIM_STATUS_COMPLETED: ClaimStatus
CLAIM_STATUS_EXPIRED: ClaimStatus
CANCEL_REASON_UNSPECIFIED: CancelReason
CANCEL_REASON_REJECTED: CancelReason
CANCEL_REASON_EXPIRED: CancelReason
CANCEL_REASON_REQUESTED: CancelReason

class CreateClaimRequest(_message.Message):
    __slots__ = ("claim_id", "entry_key", "claimer_ispb", "owner_ispb")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_KEY_FIELD_NUMBER: _ClassVar[int]
    CLAIMER_ISPB_FIELD_NUMBER: _ClassVar[int]
    OWNER_ISPB_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    entry_key: str
    claimer_ispb: str
    owner_ispb: str
    def __init__(self, claim_id: _Optional[str] = ..., entry_key: _Optional[str] = ..., claimer_ispb: _Optional[str] = ..., owner_ispb: _Optional[str] = ...) -> None: ...

class CompleteClaimRequest(_message.Message):
    __slots__ = ("claim_id",)
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    def __init__(self, claim_id: _Optional[str] = ...) -> None: ...

class CancelClaimRequest(_message.Message):
    __slots__ = ("claim_id", "reason")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    reason: CancelReason
    def __init__(self, claim_id: _Optional[str] = ..., reason: _Optional[_Union[CancelReason, str]] = ...) -> None: ...

class GetClaimRequest(_message.Message):
    __slots__ = ("claim_id",)
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    def __init__(self, claim_id: _Optional[str] = ...) -> None: ...

class ClaimReply(_message.Message):
    __slots__ = ("claim_id", "external_id", "status", "expires_at")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    external_id: str
    status: ClaimStatus
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, claim_id: _Optional[str] = ..., external_id: _Optional[str] = ..., status: _Optional[_Union[ClaimStatus, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TransferEntryRequest(_message.Message):
    __slots__ = ("claim_id",)
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    def __init__(self, claim_id: _Optional[str] = ...) -> None: ...

class TransferEntryReply(_message.Message):
    __slots__ = ("claim_id", "transferred_now")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSFERRED_NOW_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    transferred_now: bool
    def __init__(self, claim_id: _Optional[str] = ..., transferred_now: _Optional[bool] = ...) -> None: ...

class NotifyUsersRequest(_message.Message):
    __slots__ = ("claim_id", "confirmed")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    confirmed: bool
    def __init__(self, claim_id: _Optional[str] = ..., confirmed: _Optional[bool] = ...) -> None: ...

class NotifyUsersReply(_message.Message):
    __slots__ = ("claim_id", "notifications")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    notifications: int
    def __init__(self, claim_id: _Optional[str] = ..., notifications: _Optional[int] = ...) -> None: ...

class Fault(_message.Message):
    __slots__ = ("method", "error_rate", "latency_seconds", "unavailable", "fail_next", "code", "lose_reply_next")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    FAIL_NEXT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    LOSE_REPLY_NEXT_FIELD_NUMBER: _ClassVar[int]
    method: str
    error_rate: float
    latency_seconds: float
    unavailable: bool
    fail_next: int
    code: str
    lose_reply_next: int
    def __init__(self, method: _Optional[str] = ..., error_rate: _Optional[float] = ..., latency_seconds: _Optional[float] = ..., unavailable: _Optional[bool] = ..., fail_next: _Optional[int] = ..., code: _Optional[str] = ..., lose_reply_next: _Optional[int] = ...) -> None: ...

class ClearFaultsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FaultsReply(_message.Message):
    __slots__ = ("faults",)
    FAULTS_FIELD_NUMBER: _ClassVar[int]
    faults: _containers.RepeatedCompositeFieldContainer[Fault]
    def __init__(self, faults: _Optional[_Iterable[_Union[Fault, _Mapping]]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Stats(_message.Message):
    __slots__ = ("calls", "injected_failures", "claims", "claims_by_status", "transfers", "notifications", "faults")
    class CallsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class InjectedFailuresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ClaimsByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CALLS_FIELD_NUMBER: _ClassVar[int]
    INJECTED_FAILURES_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    FAULTS_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.ScalarMap[str, int]
    injected_failures: _containers.ScalarMap[str, int]
    claims: int
    claims_by_status: _containers.ScalarMap[str, int]
    transfers: int
    notifications: int
    faults: _containers.RepeatedCompositeFieldContainer[Fault]
    def __init__(self, calls: _Optional[_Mapping[str, int]] = ..., injected_failures: _Optional[_Mapping[str, int]] = ..., claims: _Optional[int] = ..., claims_by_status: _Optional[_Mapping[str, int]] = ..., transfers: _Optional[int] = ..., notifications: _Optional[int] = ..., faults: _Optional[_Iterable[_Union[Fault, _Mapping]]] = ...) -> None: ...
