"""``dictobs dashboards push`` against the Grafana double: a real HTTP server on loopback."""

from __future__ import annotations

import pytest
from grafana_double import LEGACY, V1, V1BETA1
from push_fixtures import PASSWORD, TOKEN, VIEWER_TOKEN, edited_models, env, grafana, run

from core import __version__
from dashboards import build
from dashboards.grafana_api import Grafana
from stack.ports import free_port

__all__ = ["env", "grafana", "run"]  # fixtures

FOLDER_UID = build.folder_uid(build.FOLDER)
APIS = [LEGACY, V1BETA1, V1]


def test_push_creates_folder_and_dashboards_and_prints_their_urls(env, run, grafana):
    status, out = run("push")
    assert status == 0, out
    assert grafana.state.folders[FOLDER_UID]["title"] == build.FOLDER
    assert set(grafana.state.dashboards) == {m["uid"] for m in build.models()}
    for uid, stored in grafana.state.dashboards.items():
        assert stored.folder_uid == FOLDER_UID
        assert __version__ in stored.message
        assert f"{grafana.url}/d/{uid}/" in out
    assert "5 created" in out


def test_provisioned_dashboard_is_reported_as_managed_by_files_before_any_write(env, run, grafana):
    model = next(m for m in build.models() if m["uid"] == "dict-temporal-server")
    grafana.provision({**model, "description": "older file version"})
    for flags in ((), ("--force",)):
        status, out = run("push", *flags)
        assert status == 1
        assert "provisioned from files in Grafana (Grafana refuses to save it)" in out
        assert "dictobs dashboards build" in out
        assert grafana.writes() == []


def test_provisioned_dashboard_refused_by_grafana_is_reported_as_managed_by_files(
    env, run, grafana
):
    """Provisioned by the time of our save: Grafana's own answer says so."""
    model = next(m for m in build.models() if m["uid"] == "dict-temporal-server")
    grafana.state.before_save = lambda uid: (
        grafana.provision({**model, "description": "older file version"})
        if uid == "dict-temporal-server"
        else None
    )
    status, out = run("push")
    assert status == 1
    assert "provisioned" in out and "Cannot save provisioned dashboard" in out
    assert "dictobs dashboards build" in out


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"GRAFANA_TOKEN": "glsa_wrong-Secret-000"}, "refused the credentials (401"),
        ({"GRAFANA_TOKEN": VIEWER_TOKEN}, "403"),
        ({"GRAFANA_USER": "admin", "GRAFANA_PASSWORD": "wrong-Secret-pw"}, "(401"),
        ({}, "asks for credentials (401)"),
    ],
)
def test_credentials_errors(env, run, grafana, variables, expected):
    env.delenv("GRAFANA_TOKEN")
    for name, value in variables.items():
        env.setenv(name, value)
    status, out = run("push")
    assert status == 1
    assert expected in out
    for value in variables.values():
        if "Secret" in value:
            assert value not in out


def test_basic_auth_pushes(env, run, grafana):
    env.delenv("GRAFANA_TOKEN")
    env.setenv("GRAFANA_USER", "admin")
    env.setenv("GRAFANA_PASSWORD", PASSWORD)
    status, out = run("push")
    assert status == 0, out
    assert PASSWORD not in out
    assert len(grafana.state.dashboards) == 5


def _folder_writes(grafana):
    return [w for w in grafana.writes() if w[1].endswith("/folders")]


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_existing_folder_with_the_same_title_is_reused(env, run, grafana):
    grafana.add_folder("abc123", build.FOLDER)
    assert run("push")[0] == 0
    assert _folder_writes(grafana) == []
    assert {s.folder_uid for s in grafana.state.dashboards.values()} == {"abc123"}


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_folder_created_meanwhile_409_is_used(env, run, grafana):
    grafana.state.before_create_folder = lambda: grafana.add_folder(FOLDER_UID, build.FOLDER)
    status, out = run("push")
    assert status == 0, out
    assert len(_folder_writes(grafana)) == 1  # answered 409
    assert {s.folder_uid for s in grafana.state.dashboards.values()} == {FOLDER_UID}


@pytest.mark.parametrize("grafana", APIS, indirect=True)
def test_folder_deleted_during_the_push_404(env, run, grafana):
    grafana.state.before_save = lambda uid: grafana.state.folders.clear()
    status, out = run("push")
    assert status == 1
    assert "cannot find folder" in out and "run the push again" in out


def test_connection_refused(env, run):
    env.setenv("GRAFANA_URL", f"http://127.0.0.1:{free_port()}")
    status, out = run("push")
    assert status == 1
    assert "connection refused" in out


def test_timeout(env, run, grafana):
    grafana.state.delay = 2.0
    status, out = run("push", "--timeout", "0.3")
    assert status == 1
    assert "did not answer within 0.3s" in out


def test_tls_failure(env, run, grafana):
    env.setenv("GRAFANA_URL", grafana.url.replace("http://", "https://"))
    status, out = run("push")
    assert status == 1
    assert "TLS handshake" in out


def test_dry_run_reports_created_changed_unchanged_and_writes_nothing(env, run, grafana):
    assert run("push")[0] == 0
    del grafana.state.dashboards["dict-claims-overview"]
    grafana.edit("dict-slos")
    edited_models(env, "dict-worker-sdk", description="new")
    saves = len(grafana.writes())
    versions = {uid: grafana.version(uid) for uid in grafana.state.dashboards}
    status, out = run("push", "--dry-run")
    assert status == 0, out
    assert "created   DICT / Claims overview" in out
    assert "changed   DICT / Worker and SDK health" in out
    assert "changed   DICT / SLOs  uid=dict-slos  (edited in Grafana" in out
    assert "unchanged DICT / Temporal server" in out
    assert "nothing was written" in out
    assert len(grafana.writes()) == saves
    assert {uid: grafana.version(uid) for uid in grafana.state.dashboards} == versions


def test_without_grafana_url_it_only_builds(monkeypatch, run, tmp_path):
    monkeypatch.delenv("GRAFANA_URL", raising=False)
    status, out = run("push")
    assert status == 0
    assert "GRAFANA_URL is not set" in out and str(tmp_path / "out") in out
    assert (tmp_path / "out" / "dict-slos.json").is_file()


def test_token_never_reaches_output_or_logs(env, run, grafana):
    run("push", "--dry-run")
    run("push")
    grafana.edit("dict-slos")
    run("push")
    grafana.state.delay = 1.0
    run("push", "--timeout", "0.2")
    assert len(run.seen) == 4
    for text in run.seen:
        assert TOKEN not in text
        assert "Secret" not in text
    assert TOKEN not in repr(Grafana(grafana.url, token=TOKEN))
