"""SLO specifications: the YAML files, read into one validated model.

Two formats are read. Ours (``version: dictobs/v1``, default ``alerts/slos.yaml``) declares every
SLO of the pack, each with its own service, and adds latency-threshold SLIs on a catalog
histogram. Sloth's ``prometheus/v1`` is read too, so that a team can bring the specs it already
has; both land in the same :class:`SLO` model and produce the same kind of rules::

    >>> slo = load_slos()[0]
    >>> slo.id, slo.objective, slo.period_window
    ('dict-claims-workflow-success', 99.9, '30d')

The model is in :mod:`alerts.slo.model`, the names the rules record in :mod:`alerts.slo.naming`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alerts.slo import sli
from alerts.slo.model import NATIVE_VERSION, SLO, Alerting, AlertSpec
from alerts.slo.sli import SLI, EventsSLI, LatencySLI, RawSLI, SLOSpecError
from core import yamlfile
from core.config import PackConfig, current
from toolkit import durations

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "slos.yaml"
SLOTH_VERSION = "prometheus/v1"
DEFAULT_PERIOD = "30d"


def fill_variables(text: str, cfg: PackConfig | None = None) -> str:
    """``text`` with the pack configuration's ``{{.name}}`` variables filled in (namespace,
    claim workflow type, job names...; :meth:`PackConfig.spec_variables`). Sloth's own
    ``{{.window}}`` stays for the rules to fill."""
    for name, value in (cfg or current()).spec_variables().items():
        text = text.replace(f"{{{{.{name}}}}}", value)
    return text


# --- reading --------------------------------------------------------------------------------


def load_slos(path: Path | None = None, *, check_queries: bool = True) -> list[SLO]:
    """Every SLO in ``path`` (default ``alerts/slos.yaml``), validated.

    Raises :class:`SLOSpecError` naming the file, the SLO and the field on the first problem.
    With ``check_queries`` the PromQL of every SLI is parsed by ``promtool``.
    """
    path = DEFAULT_PATH if path is None else Path(path)
    try:
        doc = yamlfile.read(path, fill_variables)
    except ValueError as err:
        raise SLOSpecError(f"{path}: {err}") from None
    if not isinstance(doc, dict):
        raise SLOSpecError(f"{path}: expected a mapping with 'version' and 'slos'")
    version = doc.get("version")
    if version == NATIVE_VERSION:
        slos = _read_native(doc, str(path))
    elif version == SLOTH_VERSION:
        slos = _read_sloth(doc, str(path))
    else:
        raise SLOSpecError(
            f"{path}: field version: {version!r} is unknown; use {NATIVE_VERSION!r} "
            f"or Sloth's {SLOTH_VERSION!r}"
        )
    seen: set[str] = set()
    for slo in slos:
        if slo.id in seen:
            raise SLOSpecError(f"{path}: slo {slo.name!r}: id {slo.id!r} is declared twice")
        seen.add(slo.id)
    if check_queries:
        sli.check_syntax(slos_queries(slos))
    return slos


def load_many(paths: list[Path]) -> list[SLO]:
    """SLOs of several files, ids unique across all of them."""
    slos: list[SLO] = []
    for path in paths:
        for slo in load_slos(path):
            if any(s.id == slo.id for s in slos):
                raise SLOSpecError(f"{path}: slo {slo.name!r}: id {slo.id!r} is declared twice")
            slos.append(slo)
    return slos


def slos_queries(slos: list[SLO]) -> list[tuple[str, str]]:
    """(where, PromQL) for every query the SLIs produce, windows filled in."""
    out = []
    for slo in slos:
        where = f"{slo.source}: slo {slo.name!r}"
        for fld, query in slo.sli.queries("5m"):
            out.append((f"{where}: field {fld}", query))
    return out


def _keys(
    where: str, obj: Any, allowed: set[str], required: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise SLOSpecError(f"{where}: expected a mapping, got {type(obj).__name__}")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise SLOSpecError(
            f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )
    missing = sorted(required - set(obj))
    if missing:
        raise SLOSpecError(f"{where}: field {missing[0]}: missing")
    return obj


def _str(where: str, value: Any, fld: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SLOSpecError(f"{where}: field {fld}: expected a non-empty string")
    return value


def _labels(where: str, value: Any, fld: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SLOSpecError(f"{where}: field {fld}: expected a mapping of names to strings")
    return {k: str(v) for k, v in value.items()}


def _objective(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SLOSpecError(f"{where}: field objective: expected a percentage like 99.9")
    if not 0 < value < 100:
        raise SLOSpecError(
            f"{where}: field objective: {value} is outside (0, 100); a percentage below 100 "
            "(100 leaves no error budget)"
        )
    return float(value)


def _period_days(where: str, value: Any) -> float:
    try:
        seconds = durations.seconds(str(value))
    except ValueError as err:
        raise SLOSpecError(f"{where}: field period: {err}") from None
    if seconds % 86400:
        raise SLOSpecError(f"{where}: field period: {value!r} is not a whole number of days")
    return seconds / 86400


_ALERT_KEYS = {"disable", "labels", "annotations", "for"}


def _alert(where: str, obj: Any) -> AlertSpec:
    if obj is None:
        return AlertSpec()
    obj = _keys(where, obj, _ALERT_KEYS)
    disable = obj.get("disable", False)
    if not isinstance(disable, bool):
        raise SLOSpecError(f"{where}: field disable: expected true or false")
    for_ = obj.get("for")
    if for_ is not None:
        try:
            for_ = durations.normalize(str(for_))
        except ValueError as err:
            raise SLOSpecError(f"{where}: field for: {err}") from None
    return AlertSpec(
        disable=disable,
        labels=_labels(where, obj.get("labels"), "labels"),
        annotations=_labels(where, obj.get("annotations"), "annotations"),
        for_=for_,
    )


def _alerting(where: str, obj: Any) -> Alerting:
    obj = _keys(
        f"{where}: field alerting",
        obj,
        {"name", "labels", "annotations", "page_alert", "ticket_alert"},
        {"name"},
    )
    name = _str(where, obj["name"], "alerting.name")
    if not name.isidentifier():
        raise SLOSpecError(f"{where}: field alerting.name: {name!r} is not a CamelCase name")
    return Alerting(
        name=name,
        labels=_labels(where, obj.get("labels"), "alerting.labels"),
        annotations=_labels(where, obj.get("annotations"), "alerting.annotations"),
        page=_alert(f"{where}: field alerting.page_alert", obj.get("page_alert")),
        ticket=_alert(f"{where}: field alerting.ticket_alert", obj.get("ticket_alert")),
    )


_SLO_KEYS = {"name", "objective", "description", "labels", "sli", "alerting"}


def _slo(
    where: str,
    raw: dict[str, Any],
    service: str,
    period_days: float,
    source: str,
    spec_version: str,
) -> SLO:
    name = _str(where, raw["name"], "name")
    return SLO(
        service=service,
        name=name,
        objective=_objective(where, raw["objective"]),
        description=_str(where, raw.get("description", name), "description"),
        sli=sli.parse(where, raw["sli"]),
        alerting=_alerting(where, raw["alerting"]),
        period_days=period_days,
        labels=_labels(where, raw.get("labels"), "labels"),
        source=source,
        spec_version=spec_version,
    )


def _slo_where(source: str, index: int, raw: Any) -> str:
    """``file: slo 'name'`` when the entry has a name, else ``file: slos[3]``."""
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        return f"{source}: slo {raw['name']!r}"
    return f"{source}: slos[{index}]"


def _read_native(doc: dict[str, Any], source: str) -> list[SLO]:
    top = _keys(source, doc, {"version", "period", "slos"}, {"slos"})
    default_period = _period_days(source, top.get("period", DEFAULT_PERIOD))
    if not isinstance(top["slos"], list) or not top["slos"]:
        raise SLOSpecError(f"{source}: field slos: expected a non-empty list")
    slos = []
    for i, raw in enumerate(top["slos"]):
        where = _slo_where(source, i, raw)
        raw = _keys(
            where,
            raw,
            {*_SLO_KEYS, "service", "period"},
            {"name", "service", "objective", "sli", "alerting"},
        )
        period = _period_days(where, raw["period"]) if "period" in raw else default_period
        service = _str(where, raw["service"], "service")
        slos.append(_slo(where, raw, service, period, source, NATIVE_VERSION))
    return slos


def _read_sloth(doc: dict[str, Any], source: str) -> list[SLO]:
    """Sloth's ``prometheus/v1``: one service per file, 30-day period."""
    top = _keys(source, doc, {"version", "service", "labels", "slos"}, {"service", "slos"})
    service = _str(source, top["service"], "service")
    common = _labels(source, top.get("labels"), "labels")
    if not isinstance(top["slos"], list) or not top["slos"]:
        raise SLOSpecError(f"{source}: field slos: expected a non-empty list")
    slos = []
    for i, raw in enumerate(top["slos"]):
        where = _slo_where(source, i, raw)
        raw = _keys(where, raw, _SLO_KEYS, {"name", "objective", "sli", "alerting"})
        slo = _slo(where, raw, service, 30.0, source, SLOTH_VERSION)
        if isinstance(slo.sli, LatencySLI):
            raise SLOSpecError(
                f"{source}: slo {slo.name!r}: field sli.latency: not part of Sloth's format; "
                f"use version {NATIVE_VERSION!r}"
            )
        slos.append(
            SLO(**{**slo.__dict__, "labels": {**common, **slo.labels}})  # file labels first
        )
    return slos


__all__ = [
    "SLI",
    "SLO",
    "AlertSpec",
    "Alerting",
    "EventsSLI",
    "LatencySLI",
    "RawSLI",
    "SLOSpecError",
    "load_many",
    "load_slos",
]
