"""Reading the rendered pods the way the kubelet would, and laying them out on this machine.

A container's secret volumes become real files under a temporary root (``/etc/dictobs/...`` →
``ROOT/etc/dictobs/...``), its emptyDirs empty folders there, and every argument, environment
value and probe command that names a mounted path is rewritten to the same place. Nothing else
of the manifest is changed.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import codec
from deploy import render


@dataclass
class Container:
    env_name: str  # the environment (example, standalone)
    workload: str  # the Deployment
    spec: dict[str, Any]
    volumes: dict[str, dict[str, Any]]  # pod volumes by name

    @property
    def id(self) -> str:
        return f"{self.env_name}/{self.workload}/{self.spec['name']}"

    @property
    def env(self) -> dict[str, str]:
        return {e["name"]: e["value"] for e in self.spec.get("env", [])}

    def port(self, name: str) -> int:
        return next(int(p["containerPort"]) for p in self.spec["ports"] if p["name"] == name)

    def mounted_files(self) -> dict[str, tuple[str, str]]:
        """Path in the container → (Secret, key) of every secret file mounted."""
        out: dict[str, tuple[str, str]] = {}
        for mount in self.spec.get("volumeMounts", []):
            secret = self.volumes[mount["name"]].get("secret")
            if secret is None:
                continue
            for item in secret["items"]:
                out[f"{mount['mountPath']}/{item['path']}"] = (secret["secretName"], item["key"])
        return out

    def empty_dirs(self) -> list[str]:
        return [
            m["mountPath"]
            for m in self.spec.get("volumeMounts", [])
            if "emptyDir" in self.volumes[m["name"]]
        ]


def containers() -> Iterator[Container]:
    for env in render.environments():
        for obj in render.load_manifests(env):
            if obj["kind"] != "Deployment":
                continue
            pod = obj["spec"]["template"]["spec"]
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            for spec in pod["containers"]:
                yield Container(env, obj["metadata"]["name"], spec, volumes)


def of(process: str) -> list[Container]:
    """Containers whose first argument (the dictobs subcommand) is ``process``."""
    return [c for c in containers() if c.spec["args"][0] == process]


# Names Prometheus verifies the exporter's certificate for (its ServiceMonitors' serverName).
SERVICE_NAMES = ("dict-worker.dict-observability.svc", "dict-exporter.dict-observability.svc")


def self_signed_pair(folder: Path) -> tuple[str, str]:
    """(certificate, key) PEM text for 127.0.0.1 and the Services' names, made with openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1," + ",".join(f"DNS:{n}" for n in SERVICE_NAMES),
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert.read_text(), key.read_text()


def secret_contents(folder: Path) -> dict[str, str]:
    """Content for each Secret key the manifests mount, as an operator would create them."""
    cert, key = self_signed_pair(folder)
    return {
        "ca.crt": cert,
        "tls.crt": cert,
        "tls.key": key,
        "api-key": "test-api-key\n",
        "codec-keys": codec.new_key_line("test-1"),
        # The exporter's web config as docs/deploy.md shows it: TLS, files beside it.
        "web-config.yml": "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n",
    }


@dataclass
class Laid:
    root: Path
    args: list[str]
    env: dict[str, str]
    files: dict[str, Path]  # container path → file on this machine
    mounts: tuple[str, ...] = ()  # mount paths, longest first

    def local(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def command(self, probe: dict[str, Any]) -> list[str]:
        return [self._rewrite(part) for part in probe["exec"]["command"]]

    def _rewrite(self, text: str) -> str:
        """A value that is a mounted path (or ``--flag=`` one) → the path on this machine."""
        if not self.mounts:
            return text
        alternatives = "|".join(re.escape(m) for m in self.mounts)
        pattern = rf"(^|=)({alternatives})(?=/|$)"
        return re.sub(pattern, lambda m: m.group(1) + str(self.local(m.group(2))), text, count=1)


def lay_out(container: Container, root: Path) -> Laid:
    """Create the container's mounted files and folders under ``root``; its args and env with
    mounted paths pointing there."""
    contents = secret_contents(root / ".pki")
    mounts = tuple(
        sorted((m["mountPath"] for m in container.spec.get("volumeMounts", [])), key=len)[::-1]
    )
    laid = Laid(root, [], {}, {}, mounts)
    for path, (_, key) in container.mounted_files().items():
        local = laid.local(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(contents[key])
        laid.files[path] = local
    for path in container.empty_dirs():
        laid.local(path).mkdir(parents=True, exist_ok=True)
    laid.args = [laid._rewrite(a) for a in container.spec["args"]]
    laid.env = {k: laid._rewrite(v) for k, v in container.env.items()}
    return laid


def on_dev_server(laid: Laid, address: str, namespace: str) -> Laid:
    """The same container pointed at a local dev server, which speaks plain text: its TLS and
    API-key settings are dropped here (the loader tests prove those files are read)."""
    env = {k: v for k, v in laid.env.items() if not k.startswith(("TEMPORAL_TLS_", "TEMPORAL_API"))}
    env |= {"TEMPORAL_ADDRESS": address, "TEMPORAL_NAMESPACE": namespace}
    args = [a for a in laid.args if not a.startswith("--temporal.api-key-file=")]
    return Laid(laid.root, args, env, laid.files, laid.mounts)


def listen_on(laid: Laid, flag: str, port: int) -> tuple[Laid, int]:
    """``flag=HOST:PORT`` moved to 127.0.0.1:``port`` (tests share this machine); returns the
    port the manifest had, for checking the probes and Services against it."""
    (given,) = [a for a in laid.args if a.startswith(f"{flag}=")]
    args = [f"{flag}=127.0.0.1:{port}" if a == given else a for a in laid.args]
    return Laid(laid.root, args, laid.env, laid.files, laid.mounts), int(given.rsplit(":", 1)[1])
