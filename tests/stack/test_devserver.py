import asyncio
import socket
import time
import urllib.request

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from core import domain, settings
from stack.devserver import DevServer
from stack.ports import free_port
from stack.process import ServiceError


async def test_dev_server_has_the_claim_search_attributes(dev_server, dev_client):
    resp = await dev_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=settings.NAMESPACE)
    )
    for name in domain.SEARCH_ATTRIBUTES:
        assert name in resp.custom_attributes, name
    body = urllib.request.urlopen(dev_server.metrics_url, timeout=10).read().decode()
    assert "service_requests" in body


def test_start_returns_once_the_frontend_answers(tmp_path):
    """The first calls after start() are answered: no "Frontend is not healthy yet"."""

    async def first_calls(server: DevServer) -> None:
        client = await Client.connect(server.address, namespace=server.namespace)
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=server.namespace)
        )
        resp = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=server.namespace)
        )
        assert set(domain.SEARCH_ATTRIBUTES) <= set(resp.custom_attributes)

    for attempt in range(2):  # a fresh server, then the same one restarted on its SQLite file
        server = DevServer(run_dir=tmp_path, port=free_port(), metrics_port=free_port())
        with server:
            asyncio.run(first_calls(server))
        assert not server.running, attempt


def test_start_fails_fast_and_says_why(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = DevServer(run_dir=tmp_path, port=taken.getsockname()[1], metrics_port=free_port())
        began = time.monotonic()
        with pytest.raises(ServiceError, match="exited with status") as err:
            server.start()
    assert "address already in use" in str(err.value)
    assert time.monotonic() - began < 20
    assert not server.running
