"""Fixtures shared by the push tests: a Grafana double, the environment pointing at it, and
``dictobs dashboards`` run in-process."""

from __future__ import annotations

import argparse
import copy
import logging

import pytest
from grafana_double import EDITOR, LEGACY, VIEWER, GrafanaDouble

from core.errors import CLIError
from dashboards import build, cli

TOKEN = "glsa_editor-Secret-7f3a9c"
VIEWER_TOKEN = "glsa_viewer-Secret-1b2c3d"
PASSWORD = "pw-Secret-42"
GRAFANA_VARIABLES = (
    "GRAFANA_TOKEN",
    "GRAFANA_USER",
    "GRAFANA_PASSWORD",
    "GRAFANA_ORG_ID",
    "GRAFANA_TLS_CA",
    "GRAFANA_TLS_CERT",
    "GRAFANA_TLS_KEY",
    "GRAFANA_TLS_SKIP_VERIFY",
)


@pytest.fixture
def grafana(request):
    """A Grafana double; ``indirect`` parametrisation picks its API (legacy, v1beta1, v1)."""
    double = GrafanaDouble(
        tokens={TOKEN: EDITOR, VIEWER_TOKEN: VIEWER},
        users={("admin", PASSWORD): EDITOR},
        api=getattr(request, "param", LEGACY),
    )
    with double:
        yield double


@pytest.fixture
def env(monkeypatch, grafana):
    for name in GRAFANA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRAFANA_URL", grafana.url)
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    return monkeypatch


@pytest.fixture
def run(tmp_path, capsys, caplog):
    """Run ``dictobs dashboards ARGS`` in-process: (exit status, stdout + stderr)."""
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def _run(*argv: str) -> tuple[int, str]:
        parser = argparse.ArgumentParser(prog="dictobs")
        cli.register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["dashboards", *argv, "--out", str(tmp_path / "out")])
        try:
            status = args.func(args)
        except CLIError as err:
            print(f"dictobs: error: {err}")
            status = err.status
        captured = capsys.readouterr()
        seen.append(captured.out + captured.err + caplog.text)
        return status, captured.out + captured.err

    _run.seen = seen  # type: ignore[attr-defined]
    return _run


def edited_models(monkeypatch, uid: str, **changes):
    """Make the generator produce dashboard ``uid`` with ``changes``."""
    real = build.models()

    def models():
        out = copy.deepcopy(real)
        for model in out:
            if model["uid"] == uid:
                model.update(changes)
        return out

    monkeypatch.setattr(build, "models", models)
