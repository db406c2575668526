"""An in-process stand-in for Grafana's HTTP API, for testing the push without Grafana.

A real HTTP server (threaded, loopback, a free port, plain HTTP or TLS with an optional client
certificate) answering the calls the push makes with the status codes and bodies Grafana
documents. ``api`` picks the server: ``legacy`` (Grafana 11: ``/api`` only, ``/apis/...`` is
404), ``v1beta1`` (Grafana 12) or ``v1`` (Grafana 13), the last two serving dashboards as
resources as well as through ``/api``, from the same store.

The legacy API (every server):

- ``GET /api/health`` (no auth): ``{"commit", "database": "ok", "version"}``;
- ``GET /api/folders/:uid`` (200 with ``parentUid``, or 404), ``GET /api/folders?parentUid=``
  (the children, or the top-level folders), ``POST /api/folders`` with ``parentUid`` (200;
  409 same uid, or same title under the same parent; 404 for an unknown parent);
- ``GET /api/search?type=dash-folder|dash-db&query=&tag=&folderUIDs=&limit=&page=``;
- ``GET /api/dashboards/uid/:uid`` (200 with ``dashboard`` and ``meta``, or 404);
- ``POST /api/dashboards/db``: versions increment on every save; 412 ``version-mismatch``
  when the sent version is not the stored one and ``overwrite`` is false, 412 ``name-exists``
  for a title taken in the folder, 400 ``Cannot save provisioned dashboard``, 404 for an
  unknown ``folderUid``;
- ``DELETE /api/dashboards/uid/:uid`` (200 ``{"title", "message", "uid"}``, 404, 400 for a
  provisioned one).

The resource API (``v1beta1`` and ``v1``): ``GET /apis/dashboard.grafana.app`` (an
``APIGroup`` listing the versions, the v2 and alpha ones beside the classic ones), and under
``/apis/dashboard.grafana.app/<version>/namespaces/<ns>/dashboards``: ``GET`` (a
``DashboardList``, ``limit`` and ``continue``), ``POST`` (201; 409 ``AlreadyExists``),
``GET|PUT|DELETE /<name>`` (``PUT`` 409 ``Conflict`` when ``metadata.resourceVersion`` is not
the current one, 404 ``NotFound``). ``metadata.name`` is the uid, the folder the
``grafana.app/folder`` annotation; errors are Kubernetes ``Status`` bodies. The namespace is
``default`` for organisation 1 and ``org-<id>`` for the others; another organisation's
namespace is 403. Folders likewise under ``/apis/folder.grafana.app/<version>/namespaces/<ns>/
folders`` (``GET`` list and item, ``POST`` 201 or 409 ``AlreadyExists``; the parent as the
``grafana.app/folder`` annotation), from the same store as ``/api/folders``.

Grafana returns a saved dashboard normalised: the keys in its own order, ``id`` and
``version`` added (as a resource: ``uid`` and ``version`` in the spec, the id as a label). The
double does the same, so the push's edit detection is tested against it.

Bearer tokens and basic auth, 401 for missing or wrong credentials, 403 when a Viewer writes;
the credentials belong to organisation ``org_id`` and a request naming another one in
``X-Grafana-Org-Id`` is 401.

Knobs for tests: :meth:`add_dashboard` and :meth:`add_folder` (saved by someone else),
:meth:`provision` (a dashboard that refuses saves), :meth:`edit` (a hand edit), ``delay``
(answer late), ``failures`` (the next matching requests answer 429 or 5xx with the given
headers), ``after_get``, ``before_create_folder`` and ``before_save`` (stage a concurrent change
between two calls).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stack.ports import free_port

EDITOR, VIEWER = "Editor", "Viewer"
LEGACY, V1BETA1, V1 = "legacy", "v1beta1", "v1"
GRAFANA_VERSIONS = {LEGACY: "11.3.0", V1BETA1: "12.1.0", V1: "13.0.0"}
# The versions of dashboard.grafana.app each server offers, preferred first.
RESOURCE_VERSIONS = {
    LEGACY: [],
    V1BETA1: ["v1beta1", "v0alpha1", "v2alpha1"],
    V1: ["v1", "v2", "v1beta1", "v0alpha1"],
}
# The versions of folder.grafana.app each server offers.
FOLDER_VERSIONS = {LEGACY: [], V1BETA1: ["v1beta1"], V1: ["v1", "v1beta1"]}
GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
FOLDER_ANNOTATION = "grafana.app/folder"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass
class Stored:
    dashboard: dict[str, Any]
    folder_uid: str
    provisioned: bool = False
    updated_by: str = "admin"
    message: str = ""  # the save's commit message, shown in Grafana's version history
    resource_version: int = 0


def normalised(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard as Grafana hands it back: same content, keys in another order."""

    def reorder(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reorder(value[k]) for k in sorted(value, reverse=True)}
        if isinstance(value, list):
            return [reorder(v) for v in value]
        return value

    return dict(reorder(dashboard))


@dataclass
class State:
    tokens: dict[str, str] = field(default_factory=dict)  # token → role
    users: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, password) → role
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, Stored] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)  # of each request, in order
    api: str = LEGACY
    org_id: int = 1  # the organisation the credentials belong to
    failures: list[tuple[str | None, int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    after_get: Callable[[str], None] | None = None  # after a dashboard GET, with its uid
    before_create_folder: Callable[[], None] | None = None  # before POST /api/folders
    before_save: Callable[[str], None] | None = None  # before a dashboard save, with its uid
    next_id: int = 1
    next_resource_version: int = 1000
    lock: threading.RLock = field(default_factory=threading.RLock)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def new_resource_version(self) -> int:
        self.next_resource_version += 1
        return self.next_resource_version

    @property
    def namespace(self) -> str:
        return "default" if self.org_id == 1 else f"org-{self.org_id}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``state.requests`` instead."""

    # --- plumbing -----------------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _resources(self) -> bool:
        return self.server.state.api != LEGACY

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            return None

    def _role(self) -> str | None:
        """The caller's role, or None after answering 401."""
        state = self.server.state
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            role = state.tokens.get(auth[7:])
            if role is None:
                self._send(401, _errutil(401, "Invalid API key", "api-key.invalid"))
            return role
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user, password = "", ""
            role = state.users.get((user, password))
            if role is None:
                self._send(
                    401, _errutil(401, "Invalid username or password", "password-auth.failed")
                )
            return role
        self._send(401, {"message": "Unauthorized"})
        return None

    def _forbidden(self, action: str) -> None:
        self._send(
            403,
            {
                "accessErrorId": "ACE0000000001",
                "message": "You'll need additional permissions to perform this action. "
                f"Permissions needed: any of {action}",
                "title": "Access denied",
            },
        )

    def _route(self, method: str) -> None:
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        with state.lock:
            state.requests.append((method, url.path))
            state.headers.append(dict(self.headers.items()))
            failure = next((f for f in state.failures if f[0] in (None, method)), None)
            if failure is not None:
                state.failures.remove(failure)
        if state.delay:
            time.sleep(state.delay)
        if failure is not None:
            _, status, headers = failure
            self._body()
            self._send(status, {"message": f"injected {status}"}, headers)
            return
        if method == "GET" and url.path == "/api/health":
            version = GRAFANA_VERSIONS[state.api]
            self._send(200, {"commit": "double", "database": "ok", "version": version})
            return
        role = self._role()
        if role is None:
            return
        org = self.headers.get("X-Grafana-Org-Id")
        if org is not None and org != str(state.org_id):
            self._send(401, _errutil(401, "User not a member of the organization", "org.notMember"))
            return
        query = urllib.parse.parse_qs(url.query)
        if url.path.startswith(f"/apis/{FOLDER_GROUP}"):
            self._route_folders(method, url.path, query, role)
            return
        if url.path.startswith("/apis/"):
            self._route_resources(method, url.path, query, role)
            return
        m = re.fullmatch(r"/api/folders/([^/]+)", url.path)
        if method == "GET" and m:
            self._get_folder(urllib.parse.unquote(m.group(1)))
        elif method == "GET" and url.path == "/api/folders":
            self._list_folders(query)
        elif method == "POST" and url.path == "/api/folders":
            self._create_folder(role)
        elif method == "GET" and url.path == "/api/search":
            self._search(query)
        elif method == "GET" and (m := re.fullmatch(r"/api/dashboards/uid/([^/]+)", url.path)):
            self._get_dashboard(urllib.parse.unquote(m.group(1)))
        elif method == "DELETE" and (m := re.fullmatch(r"/api/dashboards/uid/([^/]+)", url.path)):
            self._delete_dashboard(urllib.parse.unquote(m.group(1)), role)
        elif method == "POST" and url.path == "/api/dashboards/db":
            self._save_dashboard(role)
        else:
            self._send(404, {"message": "Not found"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # --- folders ------------------------------------------------------------------------------

    def _get_folder(self, uid: str) -> None:
        folder = self.server.state.folders.get(uid)
        if folder is None:
            self._send(404, _errutil(404, "folder not found", "folder.notFound"))
        else:
            self._send(200, folder)

    def _list_folders(self, query: dict[str, list[str]]) -> None:
        parent = (query.get("parentUid") or [""])[0]
        with self.server.state.lock:
            folders = [
                {"id": f["id"], "uid": f["uid"], "title": f["title"]}
                for f in self.server.state.folders.values()
                if f.get("parentUid", "") == parent
            ]
        self._send(200, folders)

    def _create_folder(self, role: str) -> None:
        if role != EDITOR:
            self._forbidden("folders:create")
            return
        body = self._body() or {}
        title = str(body.get("title") or "")
        if not title:
            self._send(400, {"message": "folder title cannot be empty"})
            return
        parent = str(body.get("parentUid") or "")
        state = self.server.state
        if state.before_create_folder is not None:
            state.before_create_folder()
        with state.lock:
            if parent and parent not in state.folders:
                self._send(404, _errutil(404, "folder not found", "folder.notFound"))
                return
            uid = str(body.get("uid") or f"f{state.next_id}")
            if uid in state.folders:
                self._send(409, {"message": "a folder with the same uid already exists"})
                return
            siblings = [f for f in state.folders.values() if f.get("parentUid", "") == parent]
            if any(f["title"] == title for f in siblings):
                self._send(
                    409, {"message": "a dashboard or folder with the same name already exists"}
                )
                return
            folder = {
                "id": state.new_id(),
                "uid": uid,
                "title": title,
                "url": f"/dashboards/f/{uid}/{_slug(title)}",
                "hasAcl": False,
                "canSave": True,
                "canEdit": True,
                "canAdmin": True,
                "version": 1,
                **({"parentUid": parent} if parent else {}),
            }
            state.folders[uid] = folder
        self._send(200, folder)

    def _search(self, query: dict[str, list[str]]) -> None:
        state = self.server.state
        kind = (query.get("type") or ["dash-db"])[0]
        text = (query.get("query") or [""])[0].lower()
        hits: list[dict[str, Any]] = []
        if kind == "dash-folder":
            hits = [
                {"id": f["id"], "uid": f["uid"], "title": f["title"], "type": "dash-folder",
                 "url": f["url"]}
                for f in state.folders.values()
                if text in f["title"].lower()
            ]  # fmt: skip
        else:
            tags = query.get("tag") or []
            folders = query.get("folderUIDs") or []
            hits = [
                {"id": s.dashboard["id"], "uid": uid, "title": s.dashboard["title"],
                 "type": "dash-db", "url": f"/d/{uid}/{_slug(s.dashboard['title'])}",
                 "tags": list(s.dashboard.get("tags") or []), "folderUid": s.folder_uid}
                for uid, s in state.dashboards.items()
                if text in s.dashboard["title"].lower()
                and all(t in (s.dashboard.get("tags") or []) for t in tags)
                and (not folders or s.folder_uid in folders)
            ]  # fmt: skip
        limit = int((query.get("limit") or ["1000"])[0])
        page = int((query.get("page") or ["1"])[0])
        self._send(200, hits[(page - 1) * limit : page * limit])

    # --- dashboards ---------------------------------------------------------------------------

    def _get_dashboard(self, uid: str) -> None:
        state = self.server.state
        with state.lock:
            stored = state.dashboards.get(uid)
            if stored is None:
                self._send(404, {"message": "Dashboard not found"})
                if state.after_get is not None:
                    state.after_get(uid)
                return
            folder = state.folders.get(stored.folder_uid, {})
            meta = {
                "type": "db",
                "canSave": True,
                "canEdit": True,
                "slug": _slug(stored.dashboard["title"]),
                "url": f"/d/{uid}/{_slug(stored.dashboard['title'])}",
                "version": stored.dashboard["version"],
                "folderUid": stored.folder_uid,
                "folderTitle": folder.get("title", "General"),
                "provisioned": stored.provisioned,
                "provisionedExternalId": f"{uid}.json" if stored.provisioned else "",
                "updatedBy": stored.updated_by,
            }
            body = {"dashboard": copy.deepcopy(stored.dashboard), "meta": meta}
        self._send(200, body)
        if state.after_get is not None:
            state.after_get(uid)

    def _save_dashboard(self, role: str) -> None:
        if role != EDITOR:
            self._forbidden("dashboards:write")
            return
        body = self._body()
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            self._send(400, {"message": "bad request data"})
            return
        dash = copy.deepcopy(body["dashboard"])
        title = str(dash.get("title") or "")
        if not title.strip():
            self._send(400, {"message": "Dashboard title cannot be empty"})
            return
        uid = str(dash.get("uid") or "")
        folder_uid = str(body.get("folderUid") or "")
        overwrite = bool(body.get("overwrite"))
        state = self.server.state
        if state.before_save is not None:
            state.before_save(uid)
        with state.lock:
            if folder_uid and folder_uid not in state.folders:
                self._send(404, _errutil(404, "folder not found", "folder.notFound"))
                return
            existing = state.dashboards.get(uid)
            if existing is not None and existing.provisioned:
                self._send(400, {"message": "Cannot save provisioned dashboard"})
                return
            same_title = [
                u
                for u, s in state.dashboards.items()
                if u != uid and s.folder_uid == folder_uid and s.dashboard["title"] == title
            ]
            if same_title and not overwrite:
                self._send(
                    412,
                    {
                        "message": "A dashboard with the same name in the folder already exists",
                        "status": "name-exists",
                    },
                )
                return
            for other in same_title:
                del state.dashboards[other]
            if existing is not None:
                current = existing.dashboard["version"]
                if dash.get("version") != current and not overwrite:
                    self._send(
                        412,
                        {
                            "message": "The dashboard has been changed by someone else",
                            "status": "version-mismatch",
                        },
                    )
                    return
                dash["id"] = existing.dashboard["id"]
                dash["version"] = current + 1
            else:
                dash["id"] = state.new_id()
                dash["version"] = 1
            dash["uid"] = uid or f"d{dash['id']}"
            state.dashboards[dash["uid"]] = Stored(
                normalised(dash),
                folder_uid,
                message=str(body.get("message") or ""),
                resource_version=state.new_resource_version(),
            )
        slug = _slug(title)
        self._send(
            200,
            {
                "id": dash["id"],
                "uid": dash["uid"],
                "url": f"/d/{dash['uid']}/{slug}",
                "status": "success",
                "version": dash["version"],
                "slug": slug,
                "folderUid": folder_uid,
            },
        )

    def _delete_dashboard(self, uid: str, role: str) -> None:
        if role != EDITOR:
            self._forbidden("dashboards:delete")
            return
        state = self.server.state
        with state.lock:
            stored = state.dashboards.get(uid)
            if stored is None:
                self._send(404, {"message": "Dashboard not found"})
                return
            if stored.provisioned:
                self._send(
                    400, {"message": "Dashboard cannot be deleted because it was provisioned"}
                )
                return
            del state.dashboards[uid]
        title = stored.dashboard["title"]
        self._send(200, {"title": title, "message": f"Dashboard {title} deleted", "uid": uid})

    # --- dashboards as resources --------------------------------------------------------------

    def _status(self, code: int, reason: str, message: str, name: str = "") -> None:
        """A Kubernetes ``Status`` error body, as the resource API answers."""
        details = {"name": name, "group": GROUP, "kind": "dashboards"} if name else {}
        self._send(
            code,
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": message, "reason": reason, "details": details, "code": code},
        )  # fmt: skip

    def _resource_route(
        self, method: str, path: str, group: str, resource: str, offered: dict[str, list[str]]
    ) -> tuple[str, str | None] | None:
        """(version, name or None) of a request for ``resource`` in ``group``; None once
        answered: the group's discovery, a 404 for what this server does not serve (every
        ``/apis`` path on a legacy server, the v2 schema), a 403 for another organisation's
        namespace."""
        versions = offered[self.server.state.api]
        if not versions:
            self._send(404, {"message": "Not found"})
            return None
        if method == "GET" and path.rstrip("/") == f"/apis/{group}":
            self._send(200, _api_group(group, versions))
            return None
        m = re.fullmatch(
            rf"/apis/{re.escape(group)}/([^/]+)/namespaces/([^/]+)/{resource}(?:/([^/]+))?", path
        )
        if m is None or m.group(1) not in versions or m.group(1).startswith("v2"):
            self._status(404, "NotFound", "the server could not find the requested resource")
            return None
        version, namespace, name = m.group(1), m.group(2), m.group(3)
        if namespace != self.server.state.namespace:
            self._status(
                403,
                "Forbidden",
                f'{resource}.{group} is forbidden: namespace mismatch "{namespace}"',
            )
            return None
        return version, urllib.parse.unquote(name) if name else None

    def _route_resources(
        self, method: str, path: str, query: dict[str, list[str]], role: str
    ) -> None:
        state = self.server.state
        route = self._resource_route(method, path, GROUP, "dashboards", RESOURCE_VERSIONS)
        if route is None:
            return
        version, name = route
        writes = {
            "POST": "dashboards:create",
            "PUT": "dashboards:write",
            "DELETE": "dashboards:delete",
        }
        if method in writes and role != EDITOR:
            self._status(403, "Forbidden", f"dashboards.{GROUP} is forbidden: {writes[method]}")
            return
        if method == "GET" and name is None:
            self._list_resources(version, query)
        elif method == "GET" and name is not None:
            with state.lock:
                stored = state.dashboards.get(name)
                body = None if stored is None else self._resource(version, name, stored)
            if body is None:
                self._status(404, "NotFound", f'dashboards.{GROUP} "{name}" not found', name)
            else:
                self._send(200, body)
            if state.after_get is not None:
                state.after_get(name)
        elif method == "POST" and name is None:
            self._write_resource(version, None)
        elif method == "PUT" and name is not None:
            self._write_resource(version, name)
        elif method == "DELETE" and name is not None:
            self._delete_resource(name)
        else:
            self._status(405, "MethodNotAllowed", f"{method} is not supported here")

    def _route_folders(
        self, method: str, path: str, query: dict[str, list[str]], role: str
    ) -> None:
        state = self.server.state
        route = self._resource_route(method, path, FOLDER_GROUP, "folders", FOLDER_VERSIONS)
        if route is None:
            return
        version, name = route
        if method == "POST" and role != EDITOR:
            self._status(403, "Forbidden", f"folders.{FOLDER_GROUP} is forbidden: folders:create")
            return
        with state.lock:
            if method == "GET" and name is None:
                limit = int((query.get("limit") or ["500"])[0])
                start = int(base64.b64decode((query.get("continue") or ["MA=="])[0]) or 0)
                uids = sorted(state.folders)
                items = [self._folder(version, u) for u in uids[start : start + limit]]
                metadata: dict[str, Any] = {}
                if start + limit < len(uids):
                    metadata["continue"] = base64.b64encode(str(start + limit).encode()).decode()
                answer: tuple[int, Any] = (
                    200,
                    {"kind": "FolderList", "apiVersion": f"{FOLDER_GROUP}/{version}",
                     "metadata": metadata, "items": items},
                )  # fmt: skip
            elif method == "GET" and name is not None:
                uid = name
                answer = (
                    (200, self._folder(version, uid))
                    if uid in state.folders
                    else (404, _k8s_status(404, "NotFound", f'folders "{uid}" not found'))
                )
            elif method == "POST" and name is None:
                answer = self._create_folder_resource(version)
            else:
                answer = (405, _k8s_status(405, "MethodNotAllowed", f"{method} is not supported"))
        self._send(*answer)

    def _folder(self, version: str, uid: str) -> dict[str, Any]:
        folder = self.server.state.folders[uid]
        annotations = {"grafana.app/createdBy": "service-account:double"}
        if folder.get("parentUid"):
            annotations[FOLDER_ANNOTATION] = folder["parentUid"]
        return {
            "kind": "Folder",
            "apiVersion": f"{FOLDER_GROUP}/{version}",
            "metadata": {
                "name": uid,
                "namespace": self.server.state.namespace,
                "uid": f"k8s-{uid}",
                "resourceVersion": str(folder["version"]),
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"grafana.app/deprecatedInternalID": str(folder["id"])},
                "annotations": annotations,
            },
            "spec": {"title": folder["title"]},
        }

    def _create_folder_resource(self, version: str) -> tuple[int, Any]:
        state = self.server.state
        body = self._body()
        metadata = (body or {}).get("metadata") or {}
        uid = str(metadata.get("name") or "")
        title = str(((body or {}).get("spec") or {}).get("title") or "")
        parent = str((metadata.get("annotations") or {}).get(FOLDER_ANNOTATION) or "")
        if not uid or not title:
            return 400, _k8s_status(400, "BadRequest", "metadata.name and spec.title are required")
        if parent and parent not in state.folders:
            return 400, _k8s_status(400, "BadRequest", f"parent folder {parent} not found")
        if state.before_create_folder is not None:
            state.before_create_folder()
        if uid in state.folders:
            return 409, _k8s_status(
                409, "AlreadyExists", f'folders.{FOLDER_GROUP} "{uid}" already exists'
            )
        state.folders[uid] = {
            "id": state.new_id(),
            "uid": uid,
            "title": title,
            "url": f"/dashboards/f/{uid}/{_slug(title)}",
            "version": 1,
            **({"parentUid": parent} if parent else {}),
        }
        return 201, self._folder(version, uid)

    def _resource(self, version: str, name: str, stored: Stored) -> dict[str, Any]:
        state = self.server.state
        annotations = {
            "grafana.app/createdBy": "service-account:double",
            "grafana.app/updatedBy": f"user:{stored.updated_by}",
            "grafana.app/updatedTimestamp": "2026-01-01T00:00:00Z",
        }
        if stored.folder_uid:
            annotations[FOLDER_ANNOTATION] = stored.folder_uid
        if stored.provisioned:
            annotations["grafana.app/managedBy"] = "classic-file-provisioning"
        spec = {k: v for k, v in stored.dashboard.items() if k != "id"}
        return {
            "kind": "Dashboard",
            "apiVersion": f"{GROUP}/{version}",
            "metadata": {
                "name": name,
                "namespace": state.namespace,
                "uid": f"k8s-{name}",
                "resourceVersion": str(stored.resource_version),
                "generation": stored.dashboard["version"],
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"grafana.app/deprecatedInternalID": str(stored.dashboard["id"])},
                "annotations": annotations,
            },
            "spec": copy.deepcopy(spec),
            "status": {},
        }

    def _list_resources(self, version: str, query: dict[str, list[str]]) -> None:
        state = self.server.state
        limit = int((query.get("limit") or ["500"])[0])
        start = int(base64.b64decode((query.get("continue") or ["MA=="])[0]).decode() or 0)
        with state.lock:
            names = sorted(state.dashboards)
            items = [
                self._resource(version, n, state.dashboards[n])
                for n in names[start : start + limit]
            ]
        metadata: dict[str, Any] = {"resourceVersion": str(state.next_resource_version)}
        if start + limit < len(names):
            metadata["continue"] = base64.b64encode(str(start + limit).encode()).decode()
        self._send(
            200,
            {"kind": "DashboardList", "apiVersion": f"{GROUP}/{version}", "metadata": metadata,
             "items": items},
        )  # fmt: skip

    def _write_resource(self, version: str, name: str | None) -> None:
        body = self._body()
        if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
            self._status(400, "BadRequest", "the body must be a Dashboard with a spec")
            return
        metadata = body.get("metadata") or {}
        uid = str(metadata.get("name") or "")
        if name is not None and uid != name:
            self._status(400, "BadRequest", "the name in the body does not match the URL")
            return
        if not uid:
            self._status(400, "BadRequest", "metadata.name or metadata.generateName is required")
            return
        annotations = metadata.get("annotations") or {}
        folder_uid = str(annotations.get(FOLDER_ANNOTATION) or "")
        spec = copy.deepcopy(body["spec"])
        if not str(spec.get("title") or "").strip():
            self._status(400, "BadRequest", "Dashboard title cannot be empty")
            return
        state = self.server.state
        if state.before_save is not None:
            state.before_save(uid)
        with state.lock:
            existing = state.dashboards.get(uid)
            if name is None and existing is not None:
                self._status(
                    409, "AlreadyExists", f'dashboards.{GROUP} "{uid}" already exists', uid
                )
                return
            if name is not None and existing is None:
                self._status(404, "NotFound", f'dashboards.{GROUP} "{uid}" not found', uid)
                return
            if folder_uid and folder_uid not in state.folders:
                self._status(
                    404, "NotFound", f'folders.folder.grafana.app "{folder_uid}" not found'
                )
                return
            if existing is not None and existing.provisioned:
                self._status(400, "BadRequest", "Cannot save provisioned dashboard", uid)
                return
            sent = metadata.get("resourceVersion")
            if existing is not None and sent and str(sent) != str(existing.resource_version):
                self._status(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on dashboards.{GROUP} "{uid}": the object '
                    "has been modified; please apply your changes to the latest version and "
                    "try again",
                    uid,
                )
                return
            spec["uid"] = uid
            spec["id"] = existing.dashboard["id"] if existing else state.new_id()
            spec["version"] = existing.dashboard["version"] + 1 if existing else 1
            stored = Stored(
                normalised(spec),
                folder_uid,
                message=str(annotations.get("grafana.app/message") or ""),
                resource_version=state.new_resource_version(),
            )
            state.dashboards[uid] = stored
            answer = self._resource(version, uid, stored)
        self._send(201 if existing is None else 200, answer)

    def _delete_resource(self, name: str) -> None:
        state = self.server.state
        with state.lock:
            stored = state.dashboards.get(name)
            if stored is None:
                self._status(404, "NotFound", f'dashboards.{GROUP} "{name}" not found', name)
                return
            if stored.provisioned:
                self._status(
                    400,
                    "BadRequest",
                    "Dashboard cannot be deleted because it was provisioned",
                    name,
                )
                return
            del state.dashboards[name]
        self._send(
            200,
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
             "details": {"name": name, "group": GROUP, "kind": "dashboards",
                         "uid": f"k8s-{name}"}},
        )  # fmt: skip


def _api_group(group: str, versions: list[str]) -> dict[str, Any]:
    """The discovery answer of ``GET /apis/<group>``, the first version preferred."""
    listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": listed,
        "preferredVersion": listed[0],
    }


def _k8s_status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}  # fmt: skip


def _errutil(status: int, message: str, message_id: str) -> dict[str, Any]:
    """The body shape of Grafana's structured errors (errutil)."""
    return {"message": message, "messageId": message_id, "statusCode": status, "traceID": ""}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: State) -> None:
        super().__init__(address, _Handler)
        self.state = state


class GrafanaDouble:
    """``with GrafanaDouble(tokens={"t": "Editor"}) as g: ... g.url ...``"""

    def __init__(
        self,
        tokens: dict[str, str] | None = None,
        users: dict[tuple[str, str], str] | None = None,
        *,
        api: str = LEGACY,
        org_id: int = 1,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.state = State(
            tokens=dict(tokens or {}), users=dict(users or {}), api=api, org_id=org_id
        )
        self.port = free_port()
        self._server = _Server(("127.0.0.1", self.port), self.state)
        self.tls = tls is not None
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> GrafanaDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- test knobs ---------------------------------------------------------------------------

    def add_folder(self, uid: str, title: str, parent: str = "") -> None:
        with self.state.lock:
            self.state.folders[uid] = {
                "id": self.state.new_id(),
                "uid": uid,
                "title": title,
                "url": f"/dashboards/f/{uid}/{_slug(title)}",
                "version": 1,
                **({"parentUid": parent} if parent else {}),
            }

    def add_dashboard(self, dashboard: dict[str, Any], folder_uid: str = "") -> None:
        """Store ``dashboard`` as if someone had saved it in Grafana."""
        with self.state.lock:
            dash = copy.deepcopy(dashboard)
            dash["id"], dash["version"] = self.state.new_id(), 1
            version = self.state.new_resource_version()
            self.state.dashboards[dash["uid"]] = Stored(
                normalised(dash), folder_uid, resource_version=version
            )

    def provision(self, dashboard: dict[str, Any], folder_uid: str = "") -> None:
        """Store ``dashboard`` as if loaded by file provisioning: saves to it get 400."""
        self.add_dashboard(dashboard, folder_uid)
        self.state.dashboards[dashboard["uid"]].provisioned = True

    def edit(self, uid: str, user: str = "someone") -> None:
        """A person saves a change to the dashboard in Grafana's UI."""
        with self.state.lock:
            stored = self.state.dashboards[uid]
            stored.dashboard["description"] = "edited by hand in Grafana"
            stored.dashboard["version"] += 1
            stored.resource_version = self.state.new_resource_version()
            stored.updated_by = user

    def version(self, uid: str) -> int:
        return int(self.state.dashboards[uid].dashboard["version"])

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.state.requests if r[0] in ("POST", "PUT", "DELETE")]
