"""SLO specifications: the YAML files, read into one validated model.

Ours (``version: dictobs/v1``, default ``alerts/slos.yaml``) declares every SLO of the pack, each
with its own service, and adds latency-threshold SLIs on a catalog histogram. What a team already
has is read too, as Sloth reads it: Sloth's ``prometheus/v1``, its Kubernetes
``PrometheusServiceLevel`` and OpenSLO's ``openslo/v1alpha`` ratio metrics
(:mod:`alerts.slo.formats` turns the last two into the first). A file may hold several documents
(``---``) and a directory stands for every ``*.yaml``/``*.yml`` under it. Every format lands in the
same :class:`SLO` model and produces the same kind of rules::

    >>> slo = load_slos()[0]
    >>> slo.id, slo.objective, slo.period_window
    ('dict-claims-workflow-success', 99.9, '30d')

The model is in :mod:`alerts.slo.model`, the names the rules record in :mod:`alerts.slo.naming`.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from alerts.slo import formats, plugins, sli
from alerts.slo.model import (
    K8S_VERSION,
    NATIVE_VERSION,
    OPENSLO_VERSION,
    SLO,
    SLOTH_VERSION,
    Alerting,
    AlertSpec,
)
from alerts.slo.sli import SLI, EventsSLI, LatencySLI, RawSLI, SLOSpecError
from core import yamlfile
from core.config import PackConfig, current
from toolkit import durations

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "slos.yaml"
DEFAULT_PERIOD = "30d"
# Sloth's rule for service and SLO names (they end up in group names and ``sloth_id``).
NAME = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$")


def fill_variables(text: str, cfg: PackConfig | None = None) -> str:
    """``text`` with the pack configuration's ``{{.name}}`` variables filled in (namespace,
    claim workflow type, job names...; :meth:`PackConfig.spec_variables`). Sloth's own
    ``{{.window}}`` stays for the rules to fill."""
    for name, value in (cfg or current()).spec_variables().items():
        text = text.replace(f"{{{{.{name}}}}}", value)
    return text


# --- reading --------------------------------------------------------------------------------


def spec_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``*.yaml``/``*.yml`` under the directory ``path``, sorted."""
    if not path.is_dir():
        return [path]
    found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not found:
        raise SLOSpecError(f"{path}: no *.yaml or *.yml spec file in this directory")
    return found


def load_slos(
    path: Path | None = None, *, check_queries: bool = True, default_period: str = DEFAULT_PERIOD
) -> list[SLO]:
    """Every SLO in ``path`` (default ``alerts/slos.yaml``; a file of one or more documents, or
    a directory of them), validated. ``default_period`` is the period of the SLOs whose spec
    sets none (Sloth's ``--default-slo-period``).

    Raises :class:`SLOSpecError` naming the file, the SLO and the field on the first problem.
    With ``check_queries`` the PromQL of every SLI is parsed by ``promtool``.
    """
    path = DEFAULT_PATH if path is None else Path(path)
    period = _period_days(f"default period {default_period!r}", default_period)
    slos: list[SLO] = []
    for file in spec_files(path):
        slos += _load_file(file, period)
    seen: set[str] = set()
    for slo in slos:
        if slo.id in seen:
            raise SLOSpecError(f"{slo.source}: slo {slo.name!r}: id {slo.id!r} is declared twice")
        seen.add(slo.id)
    if check_queries:
        sli.check_syntax(slos_queries(slos))
    return slos


def _load_file(path: Path, default_period: float) -> list[SLO]:
    try:
        docs = yamlfile.read_all(path, fill_variables)
    except ValueError as err:
        raise SLOSpecError(f"{path}: {err}") from None
    if not docs:
        raise SLOSpecError(f"{path}: declares no SLOs; expected a spec with 'version' and 'slos'")
    slos: list[SLO] = []
    for i, doc in enumerate(docs):
        source = str(path) if len(docs) == 1 else f"{path} (document {i + 1})"
        slos += _read_doc(doc, source, default_period)
    return slos


def _read_doc(doc: Any, source: str, default_period: float) -> list[SLO]:
    if not isinstance(doc, dict):
        raise SLOSpecError(f"{source}: expected a mapping with 'version' and 'slos'")
    try:
        kind = formats.kind_of(doc)
    except SLOSpecError as err:
        raise SLOSpecError(f"{source}: {err}") from None
    if kind == K8S_VERSION:
        return _read_sloth(formats.from_k8s(source, doc), source, default_period, kind)
    if kind == OPENSLO_VERSION:
        doc, days = formats.from_openslo(source, doc)
        return _read_sloth(doc, source, days or default_period, kind)
    version = doc.get("version")
    if version == NATIVE_VERSION:
        return _read_native(doc, source, default_period)
    if version == SLOTH_VERSION:
        return _read_sloth(doc, source, default_period, SLOTH_VERSION)
    raise SLOSpecError(
        f"{source}: field version: {version!r} is unknown; use {NATIVE_VERSION!r}, "
        f"Sloth's {SLOTH_VERSION!r} (or its apiVersion {K8S_VERSION!r}, kind "
        f"{formats.K8S_KIND}) or OpenSLO's apiVersion {OPENSLO_VERSION!r}"
    )


def load_many(paths: list[Path], default_period: str = DEFAULT_PERIOD) -> list[SLO]:
    """SLOs of several files or directories, ids unique across all of them."""
    slos: list[SLO] = []
    for path in paths:
        for slo in load_slos(path, default_period=default_period):
            if any(s.id == slo.id for s in slos):
                raise SLOSpecError(
                    f"{slo.source}: slo {slo.name!r}: id {slo.id!r} is declared twice"
                )
            slos.append(slo)
    return slos


def with_labels(slos: list[SLO], extra: dict[str, str]) -> list[SLO]:
    """``slos`` with ``extra`` labels on every SLO (winning over the spec's), as Sloth's
    ``--extra-labels`` adds them: on every recorded series, not on the alerts' own labels."""
    if not extra:
        return slos
    return [replace(slo, labels={**slo.labels, **extra}) for slo in slos]


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


def _name(where: str, value: Any, fld: str) -> str:
    name = _str(where, value, fld)
    if not NAME.match(name):
        raise SLOSpecError(
            f"{where}: field {fld}: {name!r} is not a valid name; use letters, digits, '-', "
            "'_' and '.', starting and ending with a letter or digit (it names rule groups)"
        )
    return name


def _scalar(value: Any) -> str | None:
    """A label value as Sloth reads it: the YAML scalar's text (``true``, ``2``), not Python's
    ``str()`` (``True``); None for what is not a scalar."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def _labels(where: str, value: Any, fld: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SLOSpecError(f"{where}: field {fld}: expected a mapping of names to strings")
    out = {}
    for key, raw in value.items():
        text = _scalar(raw)
        if text is None and raw is not None:
            raise SLOSpecError(f"{where}: field {fld}.{key}: expected a string, got {raw!r}")
        if not text:
            raise SLOSpecError(
                f"{where}: field {fld}.{key}: empty value (Prometheus drops a label whose "
                "value is empty); give it a value or remove the label"
            )
        out[key] = text
    return out


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
# Keys only the pack's own format has (Sloth's formats keep Sloth's keys).
_NATIVE_ALERT_KEYS = {"min_events"}
_NATIVE_ALERTING_KEYS = {"absent_window"}


def _count(where: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SLOSpecError(f"{where}: expected a whole number of events, 1 or more")
    return value


def _alert(where: str, obj: Any, native: bool) -> AlertSpec:
    if obj is None:
        return AlertSpec()
    obj = _keys(where, obj, _ALERT_KEYS | (_NATIVE_ALERT_KEYS if native else set()))
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
        min_events=_count(f"{where}: field min_events", obj.get("min_events")),
    )


def _alerting(where: str, obj: Any, native: bool) -> Alerting:
    keys = {"name", "labels", "annotations", "page_alert", "ticket_alert"}
    if native:
        keys |= _NATIVE_ALERTING_KEYS
    obj = _keys(f"{where}: field alerting", obj, keys)
    page = _alert(f"{where}: field alerting.page_alert", obj.get("page_alert"), native)
    ticket = _alert(f"{where}: field alerting.ticket_alert", obj.get("ticket_alert"), native)
    absent_window = obj.get("absent_window")
    if absent_window is not None:
        try:
            absent_window = durations.normalize(str(absent_window))
        except ValueError as err:
            raise SLOSpecError(f"{where}: field alerting.absent_window: {err}") from None
    name = ""
    if "name" in obj or not (page.disable and ticket.disable):
        # As in Sloth, an SLO whose two alerts are disabled needs no alert name.
        if "name" not in obj:
            raise SLOSpecError(
                f"{where}: field alerting.name: missing; name the alert, or disable both "
                "page_alert and ticket_alert"
            )
        name = _str(where, obj["name"], "alerting.name")
        if not name.isidentifier():
            raise SLOSpecError(f"{where}: field alerting.name: {name!r} is not a CamelCase name")
    return Alerting(
        name=name,
        labels=_labels(where, obj.get("labels"), "alerting.labels"),
        annotations=_labels(where, obj.get("annotations"), "alerting.annotations"),
        page=page,
        ticket=ticket,
        absent_window=absent_window,
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
    name = _name(where, raw["name"], "name")
    indicator = sli.parse(where, raw["sli"])
    alerting = _alerting(where, raw["alerting"], spec_version == NATIVE_VERSION)
    counted = [a for a in ("page_alert", "ticket_alert") if _spec(alerting, a).min_events]
    if counted and isinstance(indicator, sli.RawSLI):
        raise SLOSpecError(
            f"{where}: field alerting.{counted[0]}.min_events: a raw error ratio has no events "
            "to count; use an events or latency SLI, or leave min_events out"
        )
    return SLO(
        service=service,
        name=name,
        objective=_objective(where, raw["objective"]),
        description=_str(where, raw.get("description", name), "description"),
        sli=indicator,
        alerting=alerting,
        period_days=period_days,
        labels=_labels(where, raw.get("labels"), "labels"),
        source=source,
        spec_version=spec_version,
    )


def _spec(alerting: Alerting, key: str) -> AlertSpec:
    return alerting.page if key == "page_alert" else alerting.ticket


def _slo_where(source: str, index: int, raw: Any) -> str:
    """``file: slo 'name'`` when the entry has a name, else ``file: slos[3]``."""
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        return f"{source}: slo {raw['name']!r}"
    return f"{source}: slos[{index}]"


def _slo_list(source: str, value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise SLOSpecError(f"{source}: field slos: declares no SLOs; expected a non-empty list")
    return value


def _read_native(doc: dict[str, Any], source: str, default_days: float) -> list[SLO]:
    top = _keys(source, doc, {"version", "period", "slos"}, {"slos"})
    default_period = _period_days(source, top["period"]) if "period" in top else default_days
    _slo_list(source, top["slos"])
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
        service = _name(where, raw["service"], "service")
        slos.append(_slo(where, raw, service, period, source, NATIVE_VERSION))
    return slos


def _read_sloth(doc: dict[str, Any], source: str, period_days: float, spec: str) -> list[SLO]:
    """Sloth's ``prometheus/v1`` (and what :mod:`alerts.slo.formats` turns into it): one
    service per document."""
    top = _keys(
        source, doc, {"version", "service", "labels", "slos", "slo_plugins"}, {"service", "slos"}
    )
    common_intervals = {}
    if "slo_plugins" in top:
        common_intervals = plugins.intervals(source, top["slo_plugins"], "slo_plugins")
    service = _name(source, top["service"], "service")
    common = _labels(source, top.get("labels"), "labels")
    slos = []
    for i, raw in enumerate(_slo_list(source, top["slos"])):
        where = _slo_where(source, i, raw)
        raw = _keys(where, raw, {*_SLO_KEYS, "plugins"}, {"name", "objective", "sli"})
        if "plugins" in raw:
            intervals = {**common_intervals, **plugins.intervals(where, raw["plugins"], "plugins")}
        else:
            intervals = common_intervals
        raw = {"alerting": {}, **raw}
        slo = _slo(where, raw, service, period_days, source, spec)
        if isinstance(slo.sli, LatencySLI):
            raise SLOSpecError(
                f"{source}: slo {slo.name!r}: field sli.latency: not part of Sloth's format; "
                f"use version {NATIVE_VERSION!r}"
            )
        slos.append(replace(slo, labels={**common, **slo.labels}, intervals=intervals))
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
