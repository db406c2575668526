"""Configuration: flags over environment over YAML, and bad settings stop the exporter early."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from exporters import cli, webconfig
from exporters.config import ConfigError, load
from stack.ports import free_port


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_are_the_specifications():
    config = load({}, {})
    assert config.temporal.address == "localhost:7233"
    assert config.temporal.namespace == "dict"
    assert config.task_queues == ("dict-task-queue",)
    assert config.age_labels == ("1d", "7d", "14d", "21d", "28d", "29d", "30d")
    assert config.age_thresholds[-1] == timedelta(days=30)
    assert config.interval == timedelta(seconds=30)
    assert config.near_deadline_label == "48h"
    assert config.claim_statuses == (
        "OPEN", "WAITING_RESOLUTION", "CONFIRMED", "CANCELLED", "COMPLETED", "EXPIRED",
    )  # fmt: skip


def test_flags_win_over_environment_which_wins_over_the_file(tmp_path):
    yaml_file = write(
        tmp_path / "exporter.yaml",
        "temporal:\n  address: file:1\n  namespace: from-file\n"
        "task_queues: [a, b]\nrefresh:\n  interval: 1m\n  deadline: 50s\n",
    )
    env = {"TEMPORAL_ADDRESS": "env:2", "EXPORTER_ADDRESS": "127.0.0.1:9999"}
    config = load({"temporal.address": "flag:3"}, env, yaml_file)
    assert config.temporal.address == "flag:3"
    assert config.temporal.namespace == "from-file"
    assert config.listen_address == "127.0.0.1:9999"
    assert config.task_queues == ("a", "b")
    assert config.interval == timedelta(minutes=1)
    assert load({}, env, yaml_file).temporal.address == "env:2"


def test_api_key_comes_from_a_file_or_the_environment_and_is_never_printed(tmp_path):
    key_file = write(tmp_path / "key", "s3cr3t-key\n")
    config = load({"temporal.api_key_file": str(key_file)}, {})
    assert config.temporal.api_key == "s3cr3t-key"
    assert "s3cr3t" not in repr(config)
    assert load({}, {"TEMPORAL_API_KEY": "k2"}).temporal.api_key == "k2"


@pytest.mark.parametrize(
    ("yaml_text", "flags", "message"),
    [
        ("refresh:\n  intervl: 30s\n", {}, "unknown key 'refresh.intervl'"),
        ("colour: blue\n", {}, "unknown key 'colour'"),
        ("refresh:\n  interval: soon\n", {}, "refresh.interval: 'soon' is not a duration"),
        ("", {"refresh.deadline": "40s"}, "--refresh.deadline=40s is longer than"),
        ("", {"age_thresholds": ["7d", "1d"]}, "--age-thresholds: list each age once"),
        ("", {"visibility.rate": "0"}, "need a rate above 0"),
        ("", {"temporal.address": "nohost"}, "--temporal.address: 'nohost' is not HOST:PORT"),
        ("", {"temporal.tls.cert_file": "/nonexistent.pem"}, "--temporal.tls.cert-file="),
        ("[1, 2]\n", {}, "the top level must be a mapping"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path, yaml_text, flags, message):
    yaml_file = write(tmp_path / "exporter.yaml", yaml_text)
    with pytest.raises(ConfigError, match=_escape(message)):
        load(flags, {}, yaml_file)


def test_a_client_key_without_its_certificate_is_refused(tmp_path):
    key = write(tmp_path / "client.key", "-----BEGIN PRIVATE KEY-----\n")
    with pytest.raises(ConfigError, match="TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together"):
        load({"temporal.tls.key_file": str(key)}, {})


def test_an_unreadable_certificate_is_refused(tmp_path):
    folder = tmp_path / "ca.pem"
    folder.mkdir()  # a directory: exists, cannot be read as a file (even as root)
    with pytest.raises(ConfigError, match=r"--temporal.tls.ca-file=.*ca.pem"):
        load({"temporal.tls.ca_file": str(folder)}, {})


def test_web_config_rejects_unknown_keys_and_plain_passwords_without_echoing_them(tmp_path):
    typo = write(tmp_path / "web.yaml", "basic_auth_user:\n  prom: x\n")
    with pytest.raises(ConfigError, match="unknown key 'basic_auth_user'"):
        webconfig.load(typo)
    plain = write(tmp_path / "web2.yaml", "basic_auth_users:\n  prom: hunter2\n")
    with pytest.raises(ConfigError, match=r"basic_auth_users\.prom is not a bcrypt hash") as err:
        webconfig.load(plain)
    assert "hunter2" not in str(err.value)
    missing = write(tmp_path / "web3.yaml", "tls_server_config:\n  cert_file: c.pem\n")
    with pytest.raises(ConfigError, match=r"tls_server_config\.key_file is required"):
        webconfig.load(missing)


def test_bad_settings_exit_2_with_one_line_before_serving(tmp_path, capsys):
    listen = free_port()
    status = cli.main(["--refresh.interval", "10x", "--web.listen-address", f"127.0.0.1:{listen}"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.count("\n") == 0 and "--refresh.interval" in err
    with socket.socket() as s:  # nothing was left listening
        assert s.connect_ex(("127.0.0.1", listen)) != 0


def test_an_unreachable_temporal_stops_the_process_with_status_2():
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    proc = subprocess.run(
        [sys.executable, "-m", "exporters", "--temporal.address", dead,
         "--web.listen-address", f"127.0.0.1:{free_port()}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(
        f"dictobs exporter: error: --temporal.address={dead}: cannot connect"
    )


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_check_config_reports_the_call_plan_and_warns_when_the_deadline_is_too_short(capsys):
    assert cli.main(["--check-config"]) == 0
    out = capsys.readouterr()
    assert "at most 66 calls per refresh" in out.out and out.err == ""
    tight = ["--check-config", "--refresh.interval", "5s", "--refresh.deadline", "4s"]
    assert cli.main(tight) == 0
    assert "warning: refreshes may overrun refresh.deadline" in capsys.readouterr().err


def test_a_tls_server_name_without_tls_is_refused_naming_the_flag():
    expected = r"^--temporal.tls.server-name=temporal.test: a server name without TLS"
    with pytest.raises(ConfigError, match=expected):
        load({"temporal.tls.server_name": "temporal.test"}, env={})


def test_the_payload_codec_key_is_not_the_exporters_business(tmp_path):
    # It counts by search attributes and reads no payload: a key file in its environment (even a
    # broken one) is neither read nor used.
    config = load({}, {"TEMPORAL_CODEC_KEY_FILE": str(tmp_path / "absent")})
    assert config.temporal.codec_key_file is None
