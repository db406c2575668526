"""Push the generated dashboards to Grafana, into one folder, by uid.

First everything is read (:func:`prepare`, :func:`plan`): which dashboard and folder APIs the
server offers (:mod:`dashboards.grafana_dashboards`, :mod:`dashboards.grafana_folders`), the
folder path, what Grafana has for each dashboard, and with ``prune`` the pack's dashboards in the
folder that the pack no longer generates. Nothing is written until every dashboard can be
(:func:`apply`), so an edit found in Grafana stops the push before its first write.

Each pushed dashboard carries a stamp (a fingerprint of what we pushed); when the dashboard in
Grafana no longer matches its stamp, someone edited it there and the push stops unless ``force``.
The fingerprint is of the JSON with sorted keys and without what Grafana adds on save (``id``,
``version``), so a server that returns the dashboard normalised still matches.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
from dataclasses import dataclass
from typing import Any

from core import __version__
from dashboards import grafana_folders
from dashboards.grafana_api import Grafana, GrafanaError, redact
from dashboards.grafana_dashboards import (
    CHANGED,
    CREATED,
    PRUNED,
    UNCHANGED,
    Dashboards,
    Existing,
    Plan,
    PushError,
    discover,
    edited_error,
    provisioned_error,
)
from dashboards.grafana_folders import Folders
from dashboards.render import dumps

__all__ = ["CHANGED", "CREATED", "PRUNED", "UNCHANGED", "Plan", "PushError"]

STAMP = "dictobs"  # top-level key of a pushed dashboard: {"fingerprint": ..., "pack": ...}
_VOLATILE = ("id", "version", STAMP)


@dataclass(frozen=True)
class Result:
    uid: str
    title: str
    action: str
    url: str  # "" once pruned
    version: int | None


def fingerprint(model: dict[str, Any]) -> str:
    return hashlib.sha256(dumps(_content(model)).encode()).hexdigest()


def _content(model: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in model.items() if k not in _VOLATILE}


# --- plan and apply ---------------------------------------------------------------------------


def check_health(grafana: Grafana) -> None:
    resp = grafana.get("/api/health")
    if resp.status != 200:
        raise GrafanaError(
            f"Grafana at {redact(grafana.base)} answered /api/health with {resp.status}: "
            f"{resp.message}; is GRAFANA_URL the Grafana root URL?"
        )
    database = resp.body.get("database") if isinstance(resp.body, dict) else None
    if database != "ok":
        raise GrafanaError(
            f"Grafana at {redact(grafana.base)} reports its database as {database!r}"
        )


@dataclass
class Target:
    """Where a push goes: the server's dashboard API and the folder path, as read."""

    grafana: Grafana
    dashboards: Dashboards
    folder_api: Folders
    titles: list[str]
    folders: list[str]  # uids of the folders on the path that exist

    @property
    def folder(self) -> str | None:
        """The innermost folder's uid, None while it does not exist."""
        return self.folders[-1] if len(self.folders) == len(self.titles) else None

    @property
    def missing(self) -> list[str]:
        """The folder paths a push would create."""
        return ["/".join(self.titles[: i + 1]) for i in range(len(self.folders), len(self.titles))]


def prepare(grafana: Grafana, folder: str) -> Target:
    """Read where the push goes; writes nothing."""
    titles = grafana_folders.folder_path(folder)
    check_health(grafana)
    dashboards = discover(grafana)
    folder_api = grafana_folders.discover(grafana)
    found = grafana_folders.find(folder_api, titles)
    return Target(grafana, dashboards, folder_api, titles, found)


def plan_one(model: dict[str, Any], existing: Existing | None, folder: str | None) -> Plan:
    """``folder``: the uid of the folder the dashboard belongs in, None while it does not exist
    (a dashboard found elsewhere is moved into it)."""
    uid, title = model["uid"], model["title"]
    if existing is None:
        return Plan(uid, title, CREATED, after=model)
    current = existing.dashboard
    stamp = current.get(STAMP) or {}
    edited = stamp.get("fingerprint") != fingerprint(current)
    same = fingerprint(current) == fingerprint(model)
    elsewhere = existing.folder_uid != folder
    return Plan(
        uid,
        title,
        UNCHANGED if same and not elsewhere else CHANGED,
        version=existing.version,
        revision=existing.revision,
        edited=edited and not same,
        provisioned=existing.provisioned,
        path=existing.path,
        before=current,
        after=model,
    )


def plan(target: Target, models: list[dict[str, Any]], *, prune: bool = False) -> list[Plan]:
    """What a push would do, reading only: one plan per model, then with ``prune`` one per
    dashboard of the pack (by its tag) in the folder that it no longer generates."""
    plans = [plan_one(m, target.dashboards.get(m["uid"]), target.folder) for m in models]
    if prune and target.folder is not None:
        ours = {m["uid"] for m in models}
        for uid, title in sorted(target.dashboards.in_folder(target.folder)):
            if uid in ours:
                continue
            existing = target.dashboards.get(uid)
            if existing is None:  # deleted meanwhile
                continue
            plans.append(
                Plan(
                    uid,
                    title,
                    PRUNED,
                    version=existing.version,
                    revision=existing.revision,
                    provisioned=existing.provisioned,
                    path=existing.path,
                    before=existing.dashboard,
                )
            )
    return plans


def diff(p: Plan) -> str:
    """A unified diff of what the push changes in ``p``'s dashboard ("" when nothing): the JSON
    as Grafana has it and as it would be, keys sorted, without what Grafana adds on save."""
    before = dumps(_content(p.before)).splitlines(keepends=True) if p.before else []
    after = dumps(_content(p.after)).splitlines(keepends=True) if p.after else []
    lines = difflib.unified_diff(
        before,
        after,
        fromfile=f"grafana/{p.uid}.json" if p.before else "/dev/null",
        tofile=f"generated/{p.uid}.json" if p.after else "/dev/null",
    )
    return "".join(lines)


def blockers(plans: list[Plan], force: bool) -> None:
    """Fail before the first write when a dashboard was edited in Grafana, or is provisioned
    from files and would have to change (Grafana refuses to save or delete those, even with
    ``force``)."""
    for p in plans:
        if p.provisioned and p.action in (CHANGED, PRUNED):
            raise provisioned_error(
                p, f"Grafana refuses to {'delete' if p.action == PRUNED else 'save'} it"
            )
        if p.action == CHANGED and p.edited and not force:
            raise edited_error(p)


def apply(target: Target, plans: list[Plan], *, force: bool = False) -> list[Result]:
    """Carry out ``plans``: create the missing folders, save what differs, delete what is pruned;
    the same push twice changes nothing."""
    blockers(plans, force)
    grafana = target.grafana
    writes = [p for p in plans if p.action in (CREATED, CHANGED)]
    folder = target.folder
    if folder is None and writes:
        folder = grafana_folders.ensure(target.folder_api, target.titles)
    results = []
    for p in plans:
        if p.action == UNCHANGED:
            url = grafana.base + (p.path or f"/d/{p.uid}")
            results.append(Result(p.uid, p.title, p.action, url, p.revision))
        elif p.action == PRUNED:
            target.dashboards.delete(p)
            results.append(Result(p.uid, p.title, p.action, "", p.revision))
        elif p.after is not None and folder is not None:
            body = copy.deepcopy(p.after)
            body[STAMP] = {"fingerprint": fingerprint(p.after), "pack": __version__}
            path, version = target.dashboards.save(body, p, folder, force)
            results.append(Result(p.uid, p.title, p.action, grafana.base + path, version))
    return results


def push(
    grafana: Grafana,
    models: list[dict[str, Any]],
    folder: str,
    *,
    force: bool = False,
    prune: bool = False,
) -> list[Result]:
    """Read, plan and apply in one call."""
    target = prepare(grafana, folder)
    return apply(target, plan(target, models, prune=prune), force=force)
