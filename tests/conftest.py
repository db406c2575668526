"""Fixtures shared by every part's tests: the real servers, started on free loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from stack import binaries
from stack.devserver import DevServer
from stack.ports import free_port


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    """One real ``temporal server start-dev`` for the whole session (namespace ``dict``)."""
    server = DevServer(
        run_dir=tmp_path_factory.mktemp("temporal"),
        port=free_port(),
        metrics_port=free_port(),
    )
    with server:
        yield server


@pytest.fixture(scope="session")
async def dev_client(dev_server: DevServer) -> Client:
    return await Client.connect(dev_server.address, namespace=dev_server.namespace)


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server: a 30-day claim runs in well under a second.

    One per test (it starts in about 0.1 s): the server's clock is shared by everything on it,
    and whatever a test leaves behind (a workflow whose worker is gone, a lock the server never
    releases, such as an activity cancelled before a worker took it) would otherwise stop time
    for every later test."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binaries.temporal_test_server())
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
