"""The exporter's configuration: defaults, then the YAML file, then the environment, then flags.

Everything is validated here, before anything connects or listens: a problem becomes one
:class:`ConfigError` whose message names the setting as the user wrote it (the flag, the variable
or ``FILE: key``) and what a good value looks like.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from core import addresses, settings, yamlfile
from core.errors import SettingsError
from core.settings import TemporalSettings
from exporters.settings_table import BY_KEY, SECTIONS, SETTINGS, Kind, Setting
from toolkit import durations

# Names end up inside visibility queries between single quotes; allowing only these characters
# keeps a configured name from changing the query.
_NAME = re.compile(r"^[A-Za-z0-9_.:/@-]+$")


class ConfigError(ValueError):
    """A setting the exporter cannot use; the message names it and says what would work."""


@dataclass(frozen=True)
class ExporterConfig:
    temporal: TemporalSettings
    listen_address: str
    web_config_file: Path | None
    task_queues: tuple[str, ...]
    workflow_types: tuple[str, ...]
    claim_workflow_types: tuple[str, ...]
    claim_statuses: tuple[str, ...]
    age_thresholds: tuple[timedelta, ...]
    oldest_resolution: timedelta
    oldest_max_age: timedelta
    near_deadline_window: timedelta
    closed_window: timedelta
    stuck_after: timedelta
    interval: timedelta
    deadline: timedelta
    rpc_timeout: timedelta
    visibility_rate: float
    visibility_burst: int
    # Durations shown in labels keep the user's spelling ("48h" stays "48h", not "2d").
    age_labels: tuple[str, ...] = ()
    near_deadline_label: str = ""
    closed_window_label: str = ""
    origins: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class _Value:
    raw: Any
    origin: str  # how the user wrote it: "--refresh.interval", "EXPORTER_ADDRESS", "f.yaml: x"


def load(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> ExporterConfig:
    """Merge the sources (``flags`` maps a setting key to a value; None means not given)."""
    values: dict[str, _Value] = {s.key: _Value(s.default, f"default {s.key}") for s in SETTINGS}
    if config_file is not None:
        values.update(_read_yaml(config_file))
    for s in SETTINGS:
        name = next((n for n in (s.env, s.env_alias) if n and env and env.get(n)), None)
        if name is not None and env is not None:
            raw = env[name]
            values[s.key] = _Value((raw,) if s.kind is Kind.NAMES else raw, name)
    for key, raw in (flags or {}).items():
        if raw is not None:
            values[key] = _Value(raw, BY_KEY[key].flag)
    return _build(values, env or {})


def _read_yaml(path: Path) -> dict[str, _Value]:
    try:
        doc = yamlfile.read(path)
    except ValueError as err:
        raise ConfigError(f"--config.file={path}: {err}") from None
    if doc is None:
        return {}
    out: dict[str, _Value] = {}
    _flatten(path, doc, "", out)
    return out


def _flatten(path: Path, node: Any, prefix: str, out: dict[str, _Value]) -> None:
    if not isinstance(node, dict):
        where = prefix or "the top level"
        raise ConfigError(f"{path}: {where} must be a mapping of settings")
    for name, value in node.items():
        key = f"{prefix}{name}"
        if key in SECTIONS:
            _flatten(path, value, f"{key}.", out)
        elif key in BY_KEY:
            out[key] = _Value(value, f"{path}: {key}")
        else:
            known = ", ".join(sorted(k for k in BY_KEY if k.startswith(prefix)))
            raise ConfigError(f"{path}: unknown key {key!r}; known keys here: {known}")


def _build(values: dict[str, _Value], env: Mapping[str, str]) -> ExporterConfig:
    def get(key: str) -> Any:
        return _convert(BY_KEY[key], values[key])

    interval, deadline = get("refresh.interval"), get("refresh.deadline")
    for key, value in (("refresh.interval", interval), ("refresh.deadline", deadline)):
        if value <= timedelta(0):
            raise ConfigError(f"{values[key].origin}: must be longer than 0s")
    if deadline > interval:
        raise ConfigError(
            f"{values['refresh.deadline'].origin}={durations.format(deadline, weeks=False)} is "
            f"longer than refresh.interval={durations.format(interval, weeks=False)}: refreshes "
            "would overlap; shorten it"
        )
    thresholds = get("age_thresholds")
    if list(thresholds) != sorted(set(thresholds)) or thresholds[0] <= timedelta(0):
        raise ConfigError(
            f"{values['age_thresholds'].origin}: list each age once, above 0s, in rising order"
        )
    max_age = get("oldest_age.max")
    if max_age <= thresholds[-1]:
        raise ConfigError(
            f"{values['oldest_age.max'].origin}: must exceed the last age threshold "
            f"({durations.format(thresholds[-1], weeks=False)})"
        )
    for key in ("oldest_age.resolution", "near_deadline_window", "closed_window", "stuck_after"):
        if get(key) <= timedelta(0):
            raise ConfigError(f"{values[key].origin}: must be longer than 0s")
    rate, burst = get("visibility.rate"), get("visibility.burst")
    if not rate > 0 or burst < 1:
        raise ConfigError(
            f"{values['visibility.rate'].origin} / visibility.burst: need a rate above 0 and a "
            "burst of at least 1"
        )
    return ExporterConfig(
        temporal=_temporal(values, env),
        listen_address=get("web.listen_address"),
        web_config_file=get("web.config_file"),
        task_queues=get("task_queues"),
        workflow_types=get("workflow_types"),
        claim_workflow_types=get("claim_workflow_types"),
        claim_statuses=get("claim_statuses"),
        age_thresholds=thresholds,
        oldest_resolution=get("oldest_age.resolution"),
        oldest_max_age=max_age,
        near_deadline_window=get("near_deadline_window"),
        closed_window=get("closed_window"),
        stuck_after=get("stuck_after"),
        interval=interval,
        deadline=deadline,
        rpc_timeout=get("refresh.rpc_timeout"),
        visibility_rate=rate,
        visibility_burst=burst,
        age_labels=tuple(durations.label(t) for t in _texts(values["age_thresholds"].raw)),
        near_deadline_label=durations.label(values["near_deadline_window"].raw),
        closed_window_label=durations.label(values["closed_window"].raw),
        origins={key: v.origin for key, v in values.items()},
    )


def _temporal(values: dict[str, _Value], env: Mapping[str, str]) -> TemporalSettings:
    """Reuse ``core.settings`` for the connection so its checks and defaults hold here too."""
    as_env = {
        s.env: str(_convert(s, values[s.key]))
        for s in SETTINGS
        if s.env and s.key.startswith("temporal.") and values[s.key].raw is not None
    }
    api_key_file = _convert(BY_KEY["temporal.api_key_file"], values["temporal.api_key_file"])
    if api_key_file is not None:
        as_env["TEMPORAL_API_KEY"] = _read_secret(api_key_file, values["temporal.api_key_file"])
    elif env.get("TEMPORAL_API_KEY"):
        as_env["TEMPORAL_API_KEY"] = env["TEMPORAL_API_KEY"]
    try:
        loaded = settings.load(as_env).temporal
    except SettingsError as err:
        message = str(err)
        for s in SETTINGS:  # name the setting the way the user wrote it
            if s.env and message.startswith(f"{s.env}="):
                message = values[s.key].origin + message[len(s.env) :]
        raise ConfigError(message) from None
    for key in ("temporal.tls.ca_file", "temporal.tls.cert_file", "temporal.tls.key_file"):
        path = _convert(BY_KEY[key], values[key])
        if path is not None:
            _read_secret(path, values[key])  # unreadable files fail now, not at connect
    return loaded


def _read_secret(path: Path, value: _Value) -> str:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError) as err:
        why = err.strerror if isinstance(err, OSError) else "not text"
        raise ConfigError(f"{value.origin}={path}: cannot read it ({why})") from None


def _convert(setting: Setting, value: _Value) -> Any:
    raw, origin = value.raw, value.origin
    if raw is None:
        return None
    try:
        return _CONVERTERS[setting.kind](raw)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{origin}: {err}") from None


def _names(raw: Any) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items:
        raise ValueError("expected a non-empty list of names")
    names = tuple(str(item).strip() for item in items)
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"{name!r} is not a plain name (letters, digits, _ . : / @ -)")
    if len(set(names)) != len(names):
        raise ValueError("a name is listed twice")
    return names


def _durations(raw: Any) -> tuple[timedelta, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items:
        raise ValueError("expected a non-empty list of durations such as 7d, 28d")
    return tuple(durations.parse(str(item)) for item in items)


def _texts(raw: Any) -> list[str]:
    return [str(item) for item in (raw.split(",") if isinstance(raw, str) else raw)]


def _number(raw: Any) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def _integer(raw: Any) -> int:
    if isinstance(raw, bool) or not str(raw).strip().lstrip("-").isdigit():
        raise ValueError(f"{raw!r} is not a whole number")
    return int(raw)


def _address(raw: Any) -> str:
    text = str(raw)
    try:
        addresses.parse(text, any_host=True, any_port=True)
    except ValueError:
        raise ValueError(f"{text!r} is not HOST:PORT, for example 127.0.0.1:9465") from None
    return text


def _path(raw: Any) -> Path:
    return Path(str(raw))


_CONVERTERS: dict[Kind, Any] = {
    Kind.TEXT: str,
    Kind.NAMES: _names,
    Kind.DURATION: lambda raw: durations.parse(str(raw)),
    Kind.DURATIONS: _durations,
    Kind.NUMBER: _number,
    Kind.INTEGER: _integer,
    Kind.PATH: _path,
    Kind.ADDRESS: _address,
}
