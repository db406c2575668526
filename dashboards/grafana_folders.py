"""The folder the push writes into: a path of nested folders, found or created in Grafana.

``Observability/DICT`` is folder ``DICT`` inside folder ``Observability`` (``parentUid``). Each
level is found by its uid (made from the path so far, so the default ``DICT observability`` keeps
its uid ``dict-observability``) or else by its exact title under its parent, and created when
missing. Grafana 12 and later serve folders as resources (``/apis/folder.grafana.app/<version>/
namespaces/<ns>/folders``, the parent as the ``grafana.app/folder`` annotation); older servers
through ``/api/folders``.
"""

from __future__ import annotations

import urllib.parse
from typing import Protocol

from dashboards.build import folder_uid
from dashboards.grafana_api import Grafana, GrafanaError, GrafanaSetupError, Response

GROUP = "folder.grafana.app"
RESOURCE_VERSIONS = ("v1", "v1beta1")  # best first
PARENT_ANNOTATION = "grafana.app/folder"
MAX_DEPTH = 4  # Grafana's limit on nested folders
PAGE = 500


def folder_path(text: str) -> list[str]:
    """The titles of a nested folder path, outermost first: ``Observability/DICT`` →
    ``["Observability", "DICT"]``. Fails, naming ``--folder`` and the fix, on a path Grafana
    cannot hold."""
    titles = [part.strip() for part in text.split("/")]
    problem = ""
    if any(not t for t in titles):
        problem = "has an empty folder title"
    elif len(titles) > MAX_DEPTH:
        problem = f"is {len(titles)} folders deep; Grafana nests at most {MAX_DEPTH}"
    else:
        try:
            for title in titles:
                folder_uid(title)
        except ValueError:
            problem = "has a folder title without letters or digits"
    if problem:
        raise GrafanaSetupError(
            f"--folder {text!r} {problem}: give folder titles separated by '/', "
            "for example 'Observability/DICT'"
        )
    return titles


def folder_uids(titles: list[str]) -> list[str]:
    """The uid of each folder on the path: that of its path so far.

    >>> folder_uids(["Observability", "DICT"])
    ['observability', 'observability-dict']
    """
    return [folder_uid("/".join(titles[: i + 1])) for i in range(len(titles))]


class Folders(Protocol):
    """One of Grafana's folder APIs."""

    def exists(self, uid: str) -> bool: ...

    def titled(self, title: str, parent: str | None) -> str | None:
        """The uid of a folder called ``title`` under ``parent`` (None: at the top)."""
        ...

    def create(self, uid: str, title: str, parent: str | None) -> Response:
        """Create; 200 or 201 when created, 409 when the uid (or the title) is taken."""
        ...


def _failed(what: str, resp: Response) -> GrafanaError:
    return GrafanaError(f"{what} failed ({resp.status}: {resp.message})")


def _exists(grafana: Grafana, path: str, uid: str) -> bool:
    resp = grafana.get(path)
    if resp.status not in (200, 404):
        raise _failed(f"reading folder {uid!r}", resp)
    return resp.status == 200


class LegacyFolders:
    """``/api/folders``: every Grafana (deprecated from Grafana 13)."""

    def __init__(self, grafana: Grafana) -> None:
        self.grafana = grafana

    def exists(self, uid: str) -> bool:
        return _exists(self.grafana, f"/api/folders/{urllib.parse.quote(uid)}", uid)

    def titled(self, title: str, parent: str | None) -> str | None:
        query = {"limit": "1000", **({"parentUid": parent} if parent else {})}
        resp = self.grafana.get(f"/api/folders?{urllib.parse.urlencode(query)}")
        if resp.status != 200 or not isinstance(resp.body, list):
            raise _failed("listing folders", resp)
        return next((str(f["uid"]) for f in resp.body if f.get("title") == title), None)

    def create(self, uid: str, title: str, parent: str | None) -> Response:
        body = {"uid": uid, "title": title, **({"parentUid": parent} if parent else {})}
        return self.grafana.post("/api/folders", body)


class ResourceFolders:
    """``/apis/folder.grafana.app/<version>/namespaces/<ns>/folders``: Grafana 12 and later."""

    def __init__(self, grafana: Grafana, version: str) -> None:
        self.grafana = grafana
        self.version = version
        self.base = f"/apis/{GROUP}/{version}/namespaces/{grafana.namespace}/folders"

    def exists(self, uid: str) -> bool:
        return _exists(self.grafana, f"{self.base}/{urllib.parse.quote(uid)}", uid)

    def titled(self, title: str, parent: str | None) -> str | None:
        for item in self.grafana.items(self.base, PAGE):
            meta = item.get("metadata") or {}
            above = (meta.get("annotations") or {}).get(PARENT_ANNOTATION) or None
            if above == parent and (item.get("spec") or {}).get("title") == title:
                return str(meta["name"])
        return None

    def create(self, uid: str, title: str, parent: str | None) -> Response:
        metadata = {"name": uid, **({"annotations": {PARENT_ANNOTATION: parent}} if parent else {})}
        body = {
            "apiVersion": f"{GROUP}/{self.version}",
            "kind": "Folder",
            "metadata": metadata,
            "spec": {"title": title},
        }
        return self.grafana.post(self.base, body)


def discover(grafana: Grafana) -> Folders:
    """Folders as resources when the server offers them, else ``/api/folders``."""
    version = grafana.resource_version(GROUP, RESOURCE_VERSIONS)
    return LegacyFolders(grafana) if version is None else ResourceFolders(grafana, version)


def _find(folders: Folders, title: str, uid: str, parent: str | None) -> str | None:
    return uid if folders.exists(uid) else folders.titled(title, parent)


def find(folders: Folders, titles: list[str]) -> list[str]:
    """The uids of the folders on the path that exist, outermost first, up to the first
    missing one."""
    found: list[str] = []
    for title, uid in zip(titles, folder_uids(titles), strict=True):
        existing = _find(folders, title, uid, found[-1] if found else None)
        if existing is None:
            break
        found.append(existing)
    return found


def ensure(folders: Folders, titles: list[str]) -> str:
    """The uid of the innermost folder, creating the missing ones (409: someone created it
    meanwhile)."""
    found = find(folders, titles)
    uids = folder_uids(titles)
    for i in range(len(found), len(titles)):
        parent = found[-1] if found else None
        resp = folders.create(uids[i], titles[i], parent)
        name = "/".join(titles[: i + 1])
        if resp.status in (200, 201):
            found.append(uids[i])
            continue
        if resp.status == 409:
            again = _find(folders, titles[i], uids[i], parent)
            if again is not None:
                found.append(again)
                continue
            raise GrafanaError(
                f"folder {name!r} could not be created ({resp.message}) and was not found "
                "either: another folder may use its uid; choose another name with --folder"
            )
        raise _failed(f"creating folder {name!r}", resp)
    return found[-1]
