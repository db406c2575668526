"""An in-process stand-in for Grafana's HTTP API, for testing the push without Grafana.

A real HTTP server (threaded, loopback, a free port) answering the calls the push makes with
the status codes and bodies Grafana documents:

- ``GET /api/health`` (no auth): ``{"commit", "database": "ok", "version"}``;
- ``GET /api/folders/:uid`` (200 or 404), ``POST /api/folders`` (200, 409 same uid or title);
- ``GET /api/search?type=dash-folder|dash-db&query=``;
- ``GET /api/dashboards/uid/:uid`` (200 with ``dashboard`` and ``meta``, or 404);
- ``POST /api/dashboards/db``: versions increment on every save; 412 ``version-mismatch``
  when the sent version is not the stored one and ``overwrite`` is false, 412 ``name-exists``
  for a title taken in the folder, 400 ``Cannot save provisioned dashboard``, 404 for an
  unknown ``folderUid``;
- Bearer tokens and basic auth, 401 for missing or wrong credentials, 403 when a Viewer writes.

Knobs for tests: :meth:`provision` (a dashboard that refuses saves), ``delay`` (answer late),
``after_get`` and ``before_create_folder`` (stage a concurrent change between two calls).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stack.ports import free_port

EDITOR, VIEWER = "Editor", "Viewer"
VERSION = "11.3.0"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass
class Stored:
    dashboard: dict[str, Any]
    folder_uid: str
    provisioned: bool = False
    updated_by: str = "admin"
    message: str = ""  # the save's commit message, shown in Grafana's version history


@dataclass
class State:
    tokens: dict[str, str] = field(default_factory=dict)  # token → role
    users: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, password) → role
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, Stored] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    after_get: Callable[[str], None] | None = None  # after GET /api/dashboards/uid/:uid
    before_create_folder: Callable[[], None] | None = None  # before POST /api/folders
    next_id: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``state.requests`` instead."""

    # --- plumbing -----------------------------------------------------------------------------

    def _send(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

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
        if state.delay:
            time.sleep(state.delay)
        if method == "GET" and url.path == "/api/health":
            self._send(200, {"commit": "double", "database": "ok", "version": VERSION})
            return
        role = self._role()
        if role is None:
            return
        query = urllib.parse.parse_qs(url.query)
        m = re.fullmatch(r"/api/folders/([^/]+)", url.path)
        if method == "GET" and m:
            self._get_folder(urllib.parse.unquote(m.group(1)))
        elif method == "POST" and url.path == "/api/folders":
            self._create_folder(role)
        elif method == "GET" and url.path == "/api/search":
            self._search(query)
        elif method == "GET" and (m := re.fullmatch(r"/api/dashboards/uid/([^/]+)", url.path)):
            self._get_dashboard(urllib.parse.unquote(m.group(1)))
        elif method == "POST" and url.path == "/api/dashboards/db":
            self._save_dashboard(role)
        else:
            self._send(404, {"message": "Not found"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    # --- folders ------------------------------------------------------------------------------

    def _get_folder(self, uid: str) -> None:
        folder = self.server.state.folders.get(uid)
        if folder is None:
            self._send(404, _errutil(404, "folder not found", "folder.notFound"))
        else:
            self._send(200, folder)

    def _create_folder(self, role: str) -> None:
        if role != EDITOR:
            self._forbidden("folders:create")
            return
        body = self._body() or {}
        title = str(body.get("title") or "")
        if not title:
            self._send(400, {"message": "folder title cannot be empty"})
            return
        state = self.server.state
        if state.before_create_folder is not None:
            state.before_create_folder()
        with state.lock:
            uid = str(body.get("uid") or f"f{state.next_id}")
            if uid in state.folders:
                self._send(409, {"message": "a folder with the same uid already exists"})
                return
            if any(f["title"] == title for f in state.folders.values()):
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
            hits = [
                {"id": s.dashboard["id"], "uid": uid, "title": s.dashboard["title"],
                 "type": "dash-db", "url": f"/d/{uid}/{_slug(s.dashboard['title'])}",
                 "folderUid": s.folder_uid}
                for uid, s in state.dashboards.items()
                if text in s.dashboard["title"].lower()
            ]  # fmt: skip
        self._send(200, hits)

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
                dash, folder_uid, message=str(body.get("message") or "")
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
    ) -> None:
        self.state = State(tokens=dict(tokens or {}), users=dict(users or {}))
        self.port = free_port()
        self._server = _Server(("127.0.0.1", self.port), self.state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> GrafanaDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- test knobs ---------------------------------------------------------------------------

    def add_folder(self, uid: str, title: str) -> None:
        with self.state.lock:
            self.state.folders[uid] = {
                "id": self.state.new_id(),
                "uid": uid,
                "title": title,
                "url": f"/dashboards/f/{uid}/{_slug(title)}",
                "version": 1,
            }

    def provision(self, dashboard: dict[str, Any], folder_uid: str = "") -> None:
        """Store ``dashboard`` as if loaded by file provisioning: saves to it get 400."""
        with self.state.lock:
            dash = copy.deepcopy(dashboard)
            dash["id"], dash["version"] = self.state.new_id(), 1
            self.state.dashboards[dash["uid"]] = Stored(dash, folder_uid, provisioned=True)

    def edit(self, uid: str, user: str = "someone") -> None:
        """A person saves a change to the dashboard in Grafana's UI."""
        with self.state.lock:
            stored = self.state.dashboards[uid]
            stored.dashboard["description"] = "edited by hand in Grafana"
            stored.dashboard["version"] += 1
            stored.updated_by = user

    def version(self, uid: str) -> int:
        return int(self.state.dashboards[uid].dashboard["version"])

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.state.requests if r[0] == "POST"]
