"""The push against each Grafana API the double models (legacy ``/api`` only, and the
``dashboard.grafana.app`` resources in ``v1beta1`` and ``v1``): what it writes where, ``--diff``,
``--prune``, nested folders, the organisation, and retries."""

from __future__ import annotations

import grafana_double
import pytest
from grafana_double import LEGACY, V1, V1BETA1, GrafanaDouble
from push_fixtures import TOKEN, VIEWER_TOKEN, edited_models, env, grafana, run

from dashboards import build, grafana_api
from dashboards.render import TAG

__all__ = ["env", "grafana", "run"]  # fixtures

APIS = [LEGACY, V1BETA1, V1]
FOLDER_UID = build.folder_uid(build.FOLDER)


def _dashboard_writes(grafana):
    return [(m, p) for m, p in grafana.writes() if "dashboards" in p]


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_push_uses_the_api_the_server_offers_and_a_second_push_changes_nothing(env, run, grafana):
    status, out = run("push")
    assert status == 0, out
    assert "5 created" in out
    api = grafana.state.api
    writes = _dashboard_writes(grafana)
    folders = [w for w in grafana.writes() if w[1].endswith("/folders")]
    if api == LEGACY:
        assert set(writes) == {("POST", "/api/dashboards/db")}
        assert folders == [("POST", "/api/folders")]
        assert "through /api/dashboards" in out
    else:
        base = f"/apis/dashboard.grafana.app/{api}/namespaces/default/dashboards"
        assert set(writes) == {("POST", base)}
        assert folders == [("POST", f"/apis/folder.grafana.app/{api}/namespaces/default/folders")]
        assert f"through dashboard.grafana.app/{api} (namespace default)" in out
    for uid, stored in grafana.state.dashboards.items():
        assert stored.folder_uid == FOLDER_UID
        assert f"{grafana.url}/d/{uid}" in out
        # Grafana hands the JSON back in its own key order, with id and version added.
        assert list(stored.dashboard) != sorted(stored.dashboard)
        assert {"id", "version"} <= set(stored.dashboard)
    saves = len(grafana.writes())
    status, out = run("push")
    assert status == 0, out
    assert "0 created, 0 changed, 5 unchanged" in out
    assert len(grafana.writes()) == saves


@pytest.mark.parametrize("grafana", [V1], indirect=True)
def test_a_server_offering_only_other_dashboard_schemas_is_pushed_through_the_legacy_api(
    env, run, grafana, monkeypatch
):
    """v2 carries another dashboard schema and alpha versions are experimental: neither is used."""
    monkeypatch.setitem(grafana_double.RESOURCE_VERSIONS, V1, ["v2", "v0alpha1"])
    status, out = run("push")
    assert status == 0, out
    assert "through /api/dashboards" in out
    assert set(_dashboard_writes(grafana)) == {("POST", "/api/dashboards/db")}


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_a_changed_dashboard_is_updated_with_the_version_it_read(env, run, grafana):
    assert run("push")[0] == 0
    edited_models(env, "dict-slos", description="a new description")
    status, out = run("push")
    assert status == 0, out
    assert "1 changed" in out
    assert grafana.version("dict-slos") == 2
    assert grafana.state.dashboards["dict-slos"].dashboard["description"] == "a new description"
    if grafana.state.api != LEGACY:
        assert ("PUT", f"/apis/dashboard.grafana.app/{grafana.state.api}/namespaces/default/"
                "dashboards/dict-slos") in grafana.writes()  # fmt: skip


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_a_dashboard_found_in_another_folder_is_moved_into_the_packs(env, run, grafana):
    model = next(m for m in build.models() if m["uid"] == "dict-slos")
    grafana.add_folder("elsewhere", "Elsewhere")
    grafana.add_dashboard(model, "elsewhere")
    status, out = run("push")
    assert status == 0, out
    assert "changed   DICT / SLOs" in out
    assert grafana.state.dashboards["dict-slos"].folder_uid == FOLDER_UID
    status, out = run("push")
    assert "0 created, 0 changed, 5 unchanged" in out


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_an_edit_in_grafana_stops_the_push_before_any_write(env, run, grafana):
    assert run("push")[0] == 0
    grafana.edit("dict-temporal-server")  # the last one pushed
    edited_models(env, "dict-claims-overview", description="new")  # the first one
    saves = len(grafana.writes())
    status, out = run("push")
    assert status == 1
    assert "edited in Grafana" in out and "--force" in out
    assert len(grafana.writes()) == saves
    status, out = run("push", "--force")
    assert status == 0, out
    assert "edited by hand" not in grafana.state.dashboards["dict-temporal-server"].dashboard.get(
        "description", ""
    )


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_a_concurrent_edit_is_refused_by_grafanas_version_check(env, run, grafana):
    """Someone saves in Grafana between our read and our write: Grafana refuses our save (412
    version-mismatch on /api, 409 Conflict on the resource)."""
    assert run("push")[0] == 0
    edited_models(env, "dict-task-queues", description="new")
    grafana.state.after_get = lambda uid: grafana.edit(uid) if uid == "dict-task-queues" else None
    saves = len(grafana.writes())
    status, out = run("push")
    assert status == 1
    assert "edited in Grafana" in out and "--force" in out
    assert len(grafana.writes()) == saves + 1  # the refused save
    assert grafana.version("dict-task-queues") == 2  # the hand edit, not ours


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_diff_shows_what_would_change_and_dry_run_writes_nothing(env, run, grafana):
    assert run("push")[0] == 0
    old = grafana.state.dashboards["dict-slos"].dashboard["description"]
    del grafana.state.dashboards["dict-claims-overview"]
    edited_models(env, "dict-slos", description="a new description")
    saves = len(grafana.writes())
    status, out = run("push", "--diff", "--dry-run")
    assert status == 0, out
    assert "--- grafana/dict-slos.json\n+++ generated/dict-slos.json\n" in out
    assert f"-  {_json_line('description', old)}" in out
    assert f"+  {_json_line('description', 'a new description')}" in out
    assert "--- /dev/null\n+++ generated/dict-claims-overview.json\n" in out
    assert "grafana/dict-worker-sdk.json" not in out  # unchanged: no diff
    # What Grafana adds on save (id, version) and the pack's stamp are not differences.
    for key in ("id", "version", "dictobs"):
        assert f'\n-  "{key}": ' not in out and f'\n+  "{key}": ' not in out
    assert "created   DICT / Claims overview" in out
    assert "changed   DICT / SLOs" in out
    assert "unchanged DICT / Worker and SDK health" in out
    assert len(grafana.writes()) == saves
    status, out = run("push", "--diff")
    assert status == 0, out
    assert out.index("+++ generated/dict-slos.json") < out.index("changed   DICT / SLOs")
    assert grafana.state.dashboards["dict-slos"].dashboard["description"] == "a new description"


def _json_line(key: str, value: str) -> str:
    import json

    return f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_prune_deletes_only_the_packs_dashboards_in_its_folder_that_it_no_longer_makes(
    env, run, grafana
):
    assert run("push")[0] == 0
    grafana.add_folder("elsewhere", "Elsewhere")
    stale = {"uid": "dict-old", "title": "DICT / Old", "tags": [TAG], "panels": []}
    grafana.add_dashboard(stale, FOLDER_UID)
    grafana.add_dashboard({**stale, "uid": "dict-other-folder"}, "elsewhere")
    grafana.add_dashboard({**stale, "uid": "someone-elses", "tags": ["team"]}, FOLDER_UID)
    saves = len(grafana.writes())

    status, out = run("push")
    assert status == 0, out
    assert "dict-old" in grafana.state.dashboards  # only with --prune

    status, out = run("push", "--prune", "--dry-run", "--diff")
    assert status == 0, out
    assert "pruned    DICT / Old  uid=dict-old  (no longer generated" in out
    assert "--- grafana/dict-old.json\n+++ /dev/null\n" in out
    assert "dict-other-folder" not in out and "someone-elses" not in out
    assert len(grafana.writes()) == saves

    status, out = run("push", "--prune")
    assert status == 0, out
    assert out.index("deleting DICT / Old  uid=dict-old") < out.index("pruned    DICT / Old")
    assert "5 unchanged, 1 pruned" in out
    assert set(grafana.state.dashboards) >= {"dict-other-folder", "someone-elses"}
    assert "dict-old" not in grafana.state.dashboards
    assert [m for m, _ in grafana.writes()[saves:]] == ["DELETE"]


@pytest.mark.parametrize("grafana", [LEGACY, V1], indirect=True)
def test_nested_folder_path_is_created_under_its_parent(env, run, grafana):
    grafana.add_folder("abc", "Observability")  # an existing parent, found by title
    status, out = run("push", "--folder", "Observability/DICT")
    assert status == 0, out
    leaf = grafana.state.folders["observability-dict"]
    assert leaf["title"] == "DICT" and leaf["parentUid"] == "abc"
    assert {s.folder_uid for s in grafana.state.dashboards.values()} == {"observability-dict"}
    status, out = run("push", "--folder", "Observability/DICT")
    assert status == 0, out
    assert "5 unchanged" in out
    assert len(grafana.state.folders) == 2


@pytest.mark.parametrize(
    "path", ["Observability//DICT", "/DICT", "a/b/c/d/e", "Observability/???", " / "]
)
def test_a_folder_path_grafana_cannot_hold_fails_before_anything_is_written(
    env, run, grafana, tmp_path, path
):
    status, out = run("push", "--folder", path)
    assert status == 2
    assert out.count("\n") == 1
    assert f"--folder {path!r}" in out and "separated by '/'" in out
    assert grafana.state.requests == []
    assert not (tmp_path / "out").exists()


def test_organisation_selects_header_and_namespace(env, run):
    with GrafanaDouble(tokens={TOKEN: "Editor"}, api=V1, org_id=3) as other:
        env.setenv("GRAFANA_URL", other.url)
        env.setenv("GRAFANA_ORG_ID", "3")
        status, out = run("push")
        assert status == 0, out
        assert "namespace org-3" in out
        assert all(h.get("X-Grafana-Org-Id") == "3" for h in other.state.headers)
        base = "/apis/dashboard.grafana.app/v1/namespaces/org-3/dashboards"
        assert ("POST", base) in other.writes()

        env.setenv("GRAFANA_ORG_ID", "2")
        status, out = run("push")
        assert status == 2
        assert "GRAFANA_ORG_ID=2" in out and out.count("\n") == 1


def test_a_viewer_in_another_organisation_is_told_about_permission(env, run):
    with GrafanaDouble(tokens={VIEWER_TOKEN: "Viewer"}, api=V1, org_id=2) as other:
        env.setenv("GRAFANA_URL", other.url)
        env.setenv("GRAFANA_TOKEN", VIEWER_TOKEN)
        env.setenv("GRAFANA_ORG_ID", "2")
        status, out = run("push")
        assert status == 1
        assert "403" in out and "Editor role" in out and "GRAFANA_ORG_ID" not in out


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5"])
def test_organisation_that_is_not_a_number_fails_before_any_request(env, run, grafana, value):
    env.setenv("GRAFANA_ORG_ID", value)
    status, out = run("push")
    assert status == 2
    assert f"GRAFANA_ORG_ID={value}" in out and "number" in out
    assert grafana.state.requests == []


# --- retries ----------------------------------------------------------------------------------


@pytest.fixture
def waits(monkeypatch):
    """The waits between retries, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(grafana_api, "sleep", recorded.append)
    return recorded


@pytest.mark.parametrize("grafana", [LEGACY, V1], indirect=True)
def test_429_and_503_are_retried_honouring_retry_after(env, run, grafana, waits):
    grafana.state.failures = [(None, 429, {"Retry-After": "3"}), (None, 503, {})]
    status, out = run("push")
    assert status == 0, out
    assert waits == [3.0, 2 * grafana_api.BACKOFF]  # the health check's second try
    assert len(grafana.state.dashboards) == 5


def test_a_write_answered_503_is_retried(env, run, grafana, waits):
    grafana.state.failures = [("POST", 503, {"Retry-After": "1"})]
    status, out = run("push")
    assert status == 0, out
    assert waits == [1.0]
    assert len(grafana.state.dashboards) == 5


def test_retries_are_bounded(env, run, grafana, waits):
    grafana.state.failures = [(None, 502, {})] * 10
    status, out = run("push")
    assert status == 1
    assert f"answered 502 to GET /api/health {grafana_api.ATTEMPTS} times" in out
    assert waits == [0.5, 1.0, 2.0]
    assert len(grafana.state.requests) == grafana_api.ATTEMPTS


def test_a_long_retry_after_fails_at_once(env, run, grafana, waits):
    grafana.state.failures = [(None, 429, {"Retry-After": "600"})]
    status, out = run("push")
    assert status == 1
    assert "asks to wait 600s (Retry-After)" in out and "push again later" in out
    assert waits == []


def test_a_write_answered_500_is_not_retried(env, run, grafana, waits):
    """A 500 may have saved the write: sending it again could act twice."""
    grafana.state.failures = [("POST", 500, {})]
    status, out = run("push")
    assert status == 1
    assert "500" in out
    assert waits == []
    assert [m for m, _ in grafana.writes()] == ["POST"]
