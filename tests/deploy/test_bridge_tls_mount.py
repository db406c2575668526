"""The worker reaches the Bridge over mTLS in every shipped manifest: its client certificate
Secret is mounted read-only, and the BRIDGE_TLS_* settings name files that the mount holds."""

from __future__ import annotations

from pathlib import Path

import pods
import pytest

from core import settings
from deploy import render

pytestmark = pytest.mark.deploy
WORKERS = pods.of("worker")
FILES = {"BRIDGE_TLS_CA": "ca.crt", "BRIDGE_TLS_CERT": "tls.crt", "BRIDGE_TLS_KEY": "tls.key"}


def bridge_mount(container: pods.Container) -> tuple[dict, dict]:
    """The worker's mount of its Bridge Secret and that volume's secret source."""
    (mount,) = [
        m
        for m in container.spec["volumeMounts"]
        if any(container.env.get(s, "").startswith(m["mountPath"] + "/") for s in FILES)
    ]
    return mount, container.volumes[mount["name"]]["secret"]


@pytest.mark.parametrize("container", WORKERS, ids=lambda c: c.id)
def test_the_bridge_settings_name_files_of_the_mounted_secret(container: pods.Container) -> None:
    assert set(FILES) | {"BRIDGE_TLS_SERVER_NAME"} == set(settings.BRIDGE_TLS_VARIABLES)
    mount, secret = bridge_mount(container)
    assert mount["readOnly"] is True
    assert secret["defaultMode"] == 0o440
    items = {item["path"]: item["key"] for item in secret["items"]}
    for setting, key in FILES.items():
        path = container.env[setting]
        assert path.startswith(mount["mountPath"] + "/"), (setting, path)
        relative = path[len(mount["mountPath"]) + 1 :]
        assert items.get(relative) == key, (setting, path, items)
    assert sorted(items.values()) == sorted(FILES.values())


def test_no_shipped_manifest_asks_for_plaintext_to_the_bridge() -> None:
    for env in render.environments():
        text = "".join(p.read_text() for p in (render.MANIFESTS / env).glob("*.yaml"))
        assert "BRIDGE_PLAINTEXT" not in text, env


@pytest.mark.parametrize("container", WORKERS, ids=lambda c: c.id)
def test_the_worker_reads_its_bridge_certificate_from_the_mount(
    container: pods.Container, tmp_path: Path
) -> None:
    laid = pods.lay_out(container, tmp_path)
    tls = settings.load(laid.env).bridge_tls
    assert not tls.plaintext
    mount, _ = bridge_mount(container)
    for setting, path in (("BRIDGE_TLS_CA", tls.ca), ("BRIDGE_TLS_CERT", tls.cert),
                          ("BRIDGE_TLS_KEY", tls.key)):  # fmt: skip
        assert path is not None and path.is_file(), setting
        assert path.parent == laid.local(mount["mountPath"]), setting
