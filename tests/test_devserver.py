import urllib.request

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

from dictobs import settings


async def test_dev_server_has_the_claim_search_attributes(dev_server, dev_client):
    resp = await dev_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=settings.NAMESPACE)
    )
    for name in settings.SEARCH_ATTRIBUTES:
        assert name in resp.custom_attributes, name
    body = urllib.request.urlopen(dev_server.metrics_url, timeout=10).read().decode()
    assert "service_requests" in body
