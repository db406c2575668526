"""Every link on a panel resolves: a runbook link lands on its alert's section of the runbook,
and a Temporal UI link carries a visibility query the real dev server accepts and answers with
the claims the panel counts."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from core import config, domain
from dashboards import build, links

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbook.md"
# Alerts no panel shows: the certificates' expiry is read from the certificates themselves, and
# the Watchdog always fires, for the dead man's switch outside Prometheus.
NO_PANEL = {
    "DictBridgeClientCertificateExpiration",
    "DictExporterServingCertificateExpiration",
    "Watchdog",
}
STATUS = SearchAttributeKey.for_keyword(domain.SA_CLAIM_STATUS)
DEADLINE = SearchAttributeKey.for_datetime(domain.SA_CLAIM_DEADLINE)
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def models():
    return build.models()


def _links(models, where: str):
    for model in models:
        for panel in model["panels"]:
            found = panel.get("links", []) if where == "panel" else (
                panel.get("fieldConfig", {}).get("defaults", {}).get("links", [])
            )  # fmt: skip
            for link in found:
                yield model["uid"], panel["title"], link


def _alerts() -> set[str]:
    names = set()
    for path in (ROOT / "alerts" / "generated").glob("*.yaml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {rule["alert"] for rule in group["rules"] if "alert" in rule}
    return names


def test_every_runbook_link_lands_on_its_alerts_section(models):
    from toolkit.markdown import anchors

    sections = set(anchors(RUNBOOK.read_text()))
    alerts = _alerts()
    seen = set()
    for uid, title, link in _links(models, "panel"):
        alert = link["title"].removeprefix("Runbook: ")
        assert alert in alerts, f"{uid} {title!r}: no alert named {alert}"
        url, _, anchor = link["url"].partition("#")
        assert link["url"] == config.current().runbook_url(alert)
        assert url == config.RUNBOOK_URL and anchor in sections, f"{uid} {title!r}: {link['url']}"
        seen.add(alert)
    # Every alert that watches something a panel shows links from that panel.
    assert alerts - seen == NO_PANEL


def test_claim_panels_link_to_the_claims_in_the_temporal_ui(models):
    claims = next(m for m in models if m["uid"] == "dict-claims-overview")
    titled = {title: link for uid, title, link in _links([claims], "data")}
    for title in ("Open claims", "Near deadline", "Past deadline", "Open claims by status",
                  "Next deadline countdown", "Oldest open claim"):  # fmt: skip
        assert title in titled, title
    url = titled["Past deadline"]["url"]
    assert url.startswith("http://localhost:8233/namespaces/${namespace}/workflows?query=")


def _filled(url: str, now: datetime) -> str:
    """The visibility query of a link as Grafana sends it, its variables filled in."""
    values = {
        "${namespace}": "dict",
        "${__to}": str(int(now.timestamp() * 1000)),
        f"${{{links.VAR_NEAR_UNTIL}}}": str(
            int((now + timedelta(seconds=links.NEAR_SECONDS)).timestamp()) * 10**9
        ),
        "${__field.labels.status}": "OPEN",
    }
    for var, value in values.items():
        url = url.replace(var, value)
    assert "${" not in url, url
    [query] = parse_qs(urlsplit(url).query)["query"]
    return query


async def _claim(client: Client, status: str, deadline: datetime) -> str:
    handle = await client.start_workflow(
        domain.CREATE_CLAIM_WORKFLOW,
        id=f"links-{uuid.uuid4()}",
        task_queue=f"links-{uuid.uuid4().hex[:8]}",  # no worker: the claim stays open
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(STATUS, status), SearchAttributePair(DEADLINE, deadline)]
        ),
    )
    return handle.id


@pytest.mark.devserver
async def test_temporal_ui_links_list_the_claims_they_count(models, dev_client):
    now = datetime.now(UTC)
    overdue = await _claim(dev_client, "OPEN", now - HOUR)
    near = await _claim(dev_client, "WAITING_RESOLUTION", now + 10 * HOUR)
    far = await _claim(dev_client, "OPEN", now + 100 * HOUR)
    ours = {overdue, near, far}

    try:

        async def listed(query: str) -> set[str]:
            return {w.id async for w in dev_client.list_workflows(query)} & ours

        claims = next(m for m in models if m["uid"] == "dict-claims-overview")
        queries = {
            link["title"]: _filled(link["url"], now + timedelta(seconds=5))
            for _, _, link in _links([claims], "data")
        }
        open_claims = queries["Open claims in the Temporal UI"]
        give_up = time.monotonic() + 30
        while await listed(open_claims) != ours:  # visibility is eventually consistent
            assert time.monotonic() < give_up, "the seeded claims never showed in visibility"
            await asyncio.sleep(0.2)
        near_title = f"Claims within {domain.NEAR_DEADLINE_HOURS} h of their deadline"
        assert await listed(queries["Claims past their deadline"]) == {overdue}
        assert await listed(queries[near_title]) == {near}
        assert await listed(queries["Open claims with status ${__field.labels.status}"]) == {
            overdue,
            far,
        }
    finally:  # the session's server is shared: leave no claim open behind
        for workflow_id in ours:
            await dev_client.get_workflow_handle(workflow_id).terminate("test done")
