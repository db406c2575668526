"""The manifests and the mixin are what the jsonnet library renders from the pack: committed
byte for byte, built on the generated rules and dashboards (not copies), and a bad environment
fails rendering with a message naming the bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import _jsonnet
import pytest
import yaml

from deploy import pack, render
from deploy.knobs import pack_knobs

pytestmark = pytest.mark.deploy
ENVIRONMENTS = render.environments()


def test_committed_manifests_are_what_the_library_renders():
    assert render.differences() == [], "run `make manifests` and commit the result"


def test_check_names_a_stale_file(tmp_path, monkeypatch):
    stale = render.MANIFESTS / "example" / "service-dict-worker.yaml"
    original = stale.read_text()
    backup = tmp_path / "backup.yaml"
    backup.write_text(original)
    try:
        stale.write_text(original.replace("9464", "9999"))
        proc = subprocess.run(
            [sys.executable, "-m", "deploy", "check"], capture_output=True, text=True, timeout=120
        )
    finally:
        stale.write_text(backup.read_text())
    assert proc.returncode == 1
    assert "stale: deploy/manifests/example/service-dict-worker.yaml" in proc.stderr


WORKLOAD_KINDS = (
    "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy",
    "ServiceMonitor", "PrometheusRule", "ConfigMap",
)  # fmt: skip


def test_both_example_environments_render():
    assert ENVIRONMENTS == ["example", "standalone"]
    kinds = {env: sorted({o["kind"] for o in render.load_manifests(env)}) for env in ENVIRONMENTS}
    for env in ENVIRONMENTS:
        assert set(WORKLOAD_KINDS) <= set(kinds[env])


def _objects(env: str, kind: str) -> list[dict]:
    return [o for o in render.load_manifests(env) if o["kind"] == kind]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_dashboard_config_maps_hold_the_generated_files_byte_for_byte(env):
    knobs = pack_knobs()
    files = {p.name: p.read_text() for p in knobs.dashboards_dir.glob("*.json")}
    maps = _objects(env, "ConfigMap")
    data = {name: text for cm in maps for name, text in cm["data"].items()}
    assert data == files
    for cm in maps:
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["metadata"]["annotations"]["grafana_folder"] == knobs.dashboard_folder


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_prometheus_rules_hold_every_generated_group(env):
    knobs = pack_knobs()
    generated = [
        group
        for path in sorted(knobs.rules_dir.glob("*.yaml"))
        for group in yaml.safe_load(path.read_text())["groups"]
    ]
    rendered = [g for rule in _objects(env, "PrometheusRule") for g in rule["spec"]["groups"]]
    key = lambda g: g["name"]  # noqa: E731
    assert sorted(rendered, key=key) == sorted(generated, key=key)


def test_the_mixin_serves_the_generated_rules_and_dashboards():
    out = json.loads(
        _jsonnet.evaluate_snippet(
            "mixin",
            "local m = import 'deploy/mixin.libsonnet'; "
            "{alerts: m.prometheusAlerts, rules: m.prometheusRules, "
            "dashboards: m.grafanaDashboards, config: m._config}",
            jpathdir=[str(render.DEPLOY.parent)],
        )
    )
    knobs = pack_knobs()
    alerts = [r for g in out["alerts"]["groups"] for r in g["rules"]]
    records = [r for g in out["rules"]["groups"] for r in g["rules"]]
    assert alerts and all("alert" in r for r in alerts)
    assert records and all("record" in r for r in records)
    assert out["dashboards"] == {
        p.name: json.loads(p.read_text()) for p in knobs.dashboards_dir.glob("*.json")
    }
    assert out["config"]["workerJob"] == knobs.worker_job
    assert out["config"]["namespaceLabel"] == knobs.namespace_label


def test_the_pack_file_imports_the_generated_files_instead_of_copying_them():
    text = pack.PACK.read_text()
    for path in sorted(pack_knobs().rules_dir.glob("*.yaml")):
        assert f"importstr '../../../alerts/generated/{path.name}'" in text
    assert "groups" not in text and '"panels"' not in text


def _environment(folder: Path, body: str) -> Path:
    main = folder / "main.jsonnet"
    lib = render.DEPLOY / "lib" / "dictobs.libsonnet"
    main.write_text(f"local dictobs = import '{lib}';\ndictobs.new({body})\n")
    return main


def _with(extra: str = "") -> str:
    """An environment that renders, with ``extra`` settings added."""
    return "{" + GOOD + (", " + extra if extra else "") + "}"


GOOD = "image: 'registry.example.com/dict-observability:1', bridge: {cidrs: ['10.0.0.0/8']}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{bridge: {cidrs: ['10.0.0.0/8']}}", "image is required"),
        ("{image: '', bridge: {cidrs: ['10.0.0.0/8']}}", "image is required"),
        (_with("worker: {replicas: -1}"), "worker.replicas: -1: must be a whole number"),
        (
            _with("exporter: {replicas: 1.5}"),
            "exporter.replicas: 1.5: must be a whole number",
        ),
        (_with("temporal: {adress: 'x:7233'}"), "temporal.adress: unknown key"),
        (_with("replica: 3"), "replica: unknown key"),
        (_with("exporter: {mode: 'both'}"), "exporter.mode: both: use sidecar or standalone"),
        ("{image: 'i'}", "bridge: set bridge.cidrs or bridge.namespace"),
        (
            "{image: 'i', bridge: {cidrs: ['10.0.0.0/8'], tlsSecret: null}}",
            "bridge.tlsSecret: the worker reaches the Bridge over mTLS only",
        ),
    ],
)
def test_bad_environment_fails_naming_the_input(tmp_path, body, message):
    main = _environment(tmp_path, body)
    with pytest.raises(render.RenderError) as err:
        render.evaluate(main)
    line = str(err.value)
    assert line.startswith(f"{main}: deploy environment: ") and message in line, line
    assert "\n" not in line and "std.jsonnet" not in line


def test_a_good_environment_renders(tmp_path):
    objects = render.evaluate(_environment(tmp_path, _with()))
    assert {o["kind"] for o in objects} >= {"Deployment", "ServiceMonitor"}


def test_the_secret_name_and_server_name_are_knobs(tmp_path) -> None:
    main = _environment(
        tmp_path,
        "{image: 'i', bridge: {cidrs: ['10.0.0.0/8'], tlsSecret: 'bank-bridge-client', "
        "serverName: 'bridge.dict.example'}}",
    )
    (deployment,) = [o for o in render.evaluate(main) if o["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    secrets = [v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v]
    assert "bank-bridge-client" in secrets
    (worker,) = [c for c in pod["containers"] if c["name"] == "worker"]
    env = {e["name"]: e["value"] for e in worker["env"]}
    assert env["BRIDGE_TLS_SERVER_NAME"] == "bridge.dict.example"


def test_make_manifests_stops_on_a_bad_environment_and_writes_nothing():
    env_dir = render.ENVIRONMENTS / "zz-broken"
    env_dir.mkdir()
    before = {p: p.read_bytes() for p in render.MANIFESTS.rglob("*.yaml")}
    try:
        _environment(env_dir, _with("worker: {replicas: -2}"))
        proc = subprocess.run(
            [sys.executable, "-m", "deploy", "generate"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        (env_dir / "main.jsonnet").unlink()
        env_dir.rmdir()
    after = {p: p.read_bytes() for p in render.MANIFESTS.rglob("*.yaml")}
    assert after == before
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "manifests: error: deploy/environments/zz-broken/main.jsonnet: deploy environment: "
        "worker.replicas: -2: must be a whole number, 0 or more"
    )
