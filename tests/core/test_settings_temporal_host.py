"""The specification's ``TEMPORAL_HOST`` (§3.2) names the frontend too; ``TEMPORAL_ADDRESS`` wins
when both are set, and a bad value is named by the variable it came from."""

import pytest

from core import settings
from core.errors import SettingsError
from exporters.config import ConfigError, load


def test_temporal_host_alone_names_the_frontend():
    loaded = settings.load({"TEMPORAL_HOST": "temporal-frontend:7233"})
    assert loaded.temporal.address == "temporal-frontend:7233"
    assert load({}, {"TEMPORAL_HOST": "temporal-frontend:7233"}).temporal.address == (
        "temporal-frontend:7233"
    )


def test_temporal_address_wins_over_temporal_host():
    env = {"TEMPORAL_HOST": "spec-host:7233", "TEMPORAL_ADDRESS": "ours:7233"}
    assert settings.load(env).temporal.address == "ours:7233"
    assert load({}, env).temporal.address == "ours:7233"


def test_neither_set_keeps_the_default():
    assert settings.load({}).temporal.address == "localhost:7233"


def test_a_bad_temporal_host_is_named():
    with pytest.raises(SettingsError, match=r"^TEMPORAL_HOST=nohost: expected HOST:PORT"):
        settings.load({"TEMPORAL_HOST": "nohost"})
    with pytest.raises(ConfigError, match="TEMPORAL_HOST"):
        load({}, {"TEMPORAL_HOST": "nohost"})
