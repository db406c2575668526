"""Security scan of the rendered manifests and the Dockerfile with checkov.

checkov's newest release conflicts with the pack's pins (and the one that installs beside them
takes pip ten minutes to find), so it gets a virtual environment of its own, created on first
use under ``build/checkov`` and kept. Every failed check must be waived in
``deploy/checkov-waivers.yaml`` with a written reason; a waiver no check needs is an error too.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from deploy.render import DEPLOY, MANIFESTS

REPO = DEPLOY.parent
VERSION = "3.3.30"
VENV = REPO / "build" / "checkov"
WAIVERS = DEPLOY / "checkov-waivers.yaml"


@dataclass(frozen=True)
class Finding:
    check: str
    name: str
    resource: str
    file: str

    def __str__(self) -> str:
        return f"{self.check} ({self.name}) on {self.resource} in {self.file}"


def executable() -> Path:
    """checkov from its own venv, installed (once, under a lock) when missing."""
    binary, stamp = VENV / "bin" / "checkov", VENV / f".installed-{VERSION}"
    if stamp.exists():
        return binary
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with (VENV.parent / "checkov.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            base = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base, "-m", "venv", "--clear", str(VENV)], check=True)
            subprocess.run(
                [str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                 f"checkov=={VERSION}"],
                check=True, timeout=1200,
            )  # fmt: skip
            stamp.touch()
    return binary


@dataclass(frozen=True)
class Scan:
    findings: list[Finding]  # failed checks
    summary: dict[str, dict[str, Any]]  # checkov's summary by framework: passed, failed, ...


def scan() -> Scan:
    """checkov over ``deploy/manifests`` (Kubernetes) and the ``Dockerfile``."""
    files = [*sorted(MANIFESTS.glob("*/*.yaml")), REPO / "Dockerfile"]
    proc = subprocess.run(
        [str(executable()), "--quiet", "--compact", "--output", "json", "--skip-download",
         "--framework", "kubernetes", "dockerfile",
         *(arg for f in files for arg in ("--file", str(f.relative_to(REPO))))],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    if proc.returncode not in (0, 1):  # 1: some check failed
        raise RuntimeError(f"checkov failed ({proc.returncode}): {proc.stderr[-2000:]}")
    reports: Any = json.loads(proc.stdout)
    if isinstance(reports, dict):
        reports = [reports]
    findings = sorted(
        (
            Finding(c["check_id"], c["check_name"], c["resource"], c["file_path"])
            for report in reports
            for c in report["results"]["failed_checks"]
        ),
        key=str,
    )
    return Scan(findings, {report["check_type"]: report["summary"] for report in reports})


def waivers() -> dict[str, str]:
    """Check id → the reason it is waived."""
    doc = yaml.safe_load(WAIVERS.read_text()) or {}
    return {str(k): str(v or "").strip() for k, v in doc.items()}


def problems(findings: list[Finding], waived: dict[str, str]) -> list[str]:
    out = [f"not waived: {f}" for f in findings if f.check not in waived]
    out += [f"waiver without a reason: {check}" for check, why in waived.items() if not why]
    needed = {f.check for f in findings}
    out += [f"waiver no check needs: {check}" for check in waived if check not in needed]
    return out
