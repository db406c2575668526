"""The image definition: pinned base, multi-stage, the project installed from its own
pyproject.toml with nothing but what the Dockerfile copies, non-root, ``dictobs`` as entrypoint.

No container engine runs here, so the build stage's install is replayed: the files the Dockerfile
copies (less .dockerignore) are built into a wheel the way ``pip install .`` builds it, and the
``dictobs`` command runs from that wheel alone.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from deploy import render

pytestmark = pytest.mark.deploy
REPO = render.DEPLOY.parent
LINES = [
    line.strip()
    for line in re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text()).splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _stages() -> list[list[str]]:
    stages: list[list[str]] = []
    for line in LINES:
        if line.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def _copied() -> list[str]:
    """Sources of the build stage's COPY instructions."""
    build = next(s for s in _stages() if s[0].endswith(" AS build"))
    return [p for line in build if line.startswith("COPY ") for p in line.split()[1:-1]]


def test_base_is_pinned_and_stages_build_on_it():
    (base, build, final) = _stages()
    assert re.fullmatch(
        r"FROM python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})? AS base", base[0]
    )
    assert build[0] == "FROM base AS build" and final[0] == "FROM base"


def test_final_stage_runs_dictobs_as_the_manifests_user_with_no_build_tools():
    final = _stages()[-1]
    assert 'ENTRYPOINT ["dictobs"]' in final
    assert "dictobs" in PYPROJECT["project"]["scripts"]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users == ["10001:10001"]
    for obj in (o for env in render.environments() for o in render.load_manifests(env)):
        if obj["kind"] == "Deployment":
            security = obj["spec"]["template"]["spec"]["securityContext"]
            assert f"{security['runAsUser']}:{security['runAsGroup']}" == users[0]
    runs = " ".join(line for line in final if line.startswith("RUN "))
    assert not re.search(r"apt-get install|pip install|gcc|build-essential", runs)
    assert "pip uninstall --yes pip setuptools" in runs
    assert any(line.startswith("COPY --from=build /opt/dictobs") for line in final)


def test_every_package_the_project_installs_is_copied():
    packages = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packages | {"pyproject.toml", "README.md"} == {
        p.rstrip("/").removeprefix("./") for p in _copied()
    }


def _ignored(rel: str, patterns: list[str]) -> bool:
    """Whether .dockerignore ``patterns`` leave ``rel`` out of the build context."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            return True
    return False


def test_the_build_stage_install_gives_a_working_dictobs(tmp_path):
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    context = tmp_path / "context"
    for source in _copied():
        src = REPO / source
        if src.is_file():
            context.mkdir(exist_ok=True)
            shutil.copy2(src, context / src.name)
            continue
        for file in src.rglob("*"):
            rel = file.relative_to(REPO).as_posix()
            if file.is_file() and not _ignored(rel, patterns):
                (context / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, context / rel)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(wheels), str(context)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = wheels.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
        names = archive.namelist()
    assert "alerts/slos.yaml" in names and "dictobs/py.typed" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("deploy/manifests")]
    probe = (
        "import json, dictobs, dictobs.cli;"
        "sub = dictobs.cli.build_parser()._subparsers._group_actions[0];"
        "print(json.dumps([dictobs.__file__, sorted(sub.choices)]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    where, commands = json.loads(proc.stdout)
    assert Path(where).is_relative_to(site)
    assert {"worker", "exporter"} <= set(commands)
