"""Secrets reach the processes as files: the API key is read from TEMPORAL_API_KEY_FILE."""

import pytest

from core import settings
from core.errors import SettingsError


def test_api_key_is_read_from_the_file(tmp_path):
    key = tmp_path / "api-key"
    key.write_text("secret-key-value\n")
    loaded = settings.load({"TEMPORAL_API_KEY_FILE": str(key)})
    assert loaded.temporal.api_key == "secret-key-value"
    assert loaded.temporal.tls_enabled
    assert "secret-key-value" not in repr(loaded)


def test_a_missing_key_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match=r"^TEMPORAL_API_KEY_FILE=.*/nope: no such file"):
        settings.load({"TEMPORAL_API_KEY_FILE": str(tmp_path / "nope")})


def test_key_and_key_file_together_are_refused(tmp_path):
    key = tmp_path / "api-key"
    key.write_text("k")
    with pytest.raises(SettingsError, match="both set: keep one"):
        settings.load({"TEMPORAL_API_KEY_FILE": str(key), "TEMPORAL_API_KEY": "other"})
