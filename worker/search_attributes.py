"""The claim's searchable state: custom search attributes set at start and on every transition.

The claim exporter counts open claims by status (one count per ``DictClaimStatus`` value: SQL
visibility groups by ``ExecutionStatus`` only) and by deadline (``DictClaimDeadline < '<time>'``),
so a claim carries its status, its deadline and the two institutions from the moment it starts
(the starter sets them) and the workflow updates the status each time it moves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)
from temporalio.service import RPCError, RPCStatusCode

from core import domain
from core.domain import ClaimStatus
from worker.model import ClaimInput

STATUS = SearchAttributeKey.for_keyword(domain.SA_CLAIM_STATUS)
DEADLINE = SearchAttributeKey.for_datetime(domain.SA_CLAIM_DEADLINE)
CLAIMER_ISPB = SearchAttributeKey.for_keyword(domain.SA_CLAIMER_ISPB)
OWNER_ISPB = SearchAttributeKey.for_keyword(domain.SA_OWNER_ISPB)
STATUS_SINCE = SearchAttributeKey.for_datetime(domain.SA_CLAIM_STATUS_SINCE)


def initial(
    claim: ClaimInput, deadline: datetime, since: datetime | None = None
) -> TypedSearchAttributes:
    """What a claim carries from its start: status OPEN (since ``since``, when given), its
    deadline and both ISPBs."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(STATUS, ClaimStatus.OPEN.value),
        SearchAttributePair(DEADLINE, deadline),
        SearchAttributePair(CLAIMER_ISPB, claim.claimer_ispb),
        SearchAttributePair(OWNER_ISPB, claim.owner_ispb),
    ]
    if since is not None:
        pairs.append(SearchAttributePair(STATUS_SINCE, since))
    return TypedSearchAttributes(pairs)


def initial_updates(
    claim: ClaimInput, deadline: datetime, since: datetime | None = None
) -> list[SearchAttributeUpdate[Any]]:
    """The same as :func:`initial`, as an upsert (the deadline is the workflow's own)."""
    return [pair.key.value_set(pair.value) for pair in initial(claim, deadline, since)]


def handed_over() -> list[SearchAttributeUpdate[Any]]:
    """What a failing run leaves behind when its retry takes the claim over."""
    return [STATUS.value_set(domain.HANDED_OVER)]


def status_update(
    status: ClaimStatus, since: datetime | None = None
) -> list[SearchAttributeUpdate[Any]]:
    """The new status and, when given, the moment it was set (what finds stuck claims)."""
    updates: list[SearchAttributeUpdate[Any]] = [STATUS.value_set(status.value)]
    if since is not None:
        updates.append(STATUS_SINCE.value_set(since))
    return updates


async def ensure_registered(client: Client) -> None:
    """Register the claim search attributes on the client's namespace; those already there
    are left alone.

    ``temporal server start-dev`` gets them on its command line (:mod:`stack.devserver`); the
    time-skipping test server and a fresh cluster need this call.
    """
    kinds = {
        "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    }
    for name, kind in domain.SEARCH_ATTRIBUTES.items():
        request = AddSearchAttributesRequest(
            namespace=client.namespace, search_attributes={name: kinds[kind]}
        )
        try:
            await client.operator_service.add_search_attributes(request)
        except RPCError as err:
            if err.status is not RPCStatusCode.ALREADY_EXISTS:
                raise
