"""SLIs: what counts as an error, as PromQL over a window.

Three kinds, all reduced to queries with the window left open (``{{.window}}``, Sloth's
placeholder):

- ``events``: ``error_query`` (or ``good_query``) and ``total_query``, events per second;
- ``latency``: the share of a catalog histogram's observations above a bucket bound;
- ``raw``: an ``error_ratio_query`` that is already a ratio (Sloth's ``sli.raw``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import catalog
from core.catalog import MetricType
from toolkit import promtool
from toolkit.selectors import dialect

WINDOW = "{{.window}}"
# Sloth reads the placeholder as a Go template: ``{{ .window }}`` is the same variable.
_WINDOW_SPELLINGS = re.compile(r"\{\{ *\.window *\}\}")


class SLOSpecError(ValueError):
    """An SLO file the generator cannot use; the message names the file, the SLO and the field."""


def _fill(template: str, window: str) -> str:
    return template.replace(WINDOW, window)


@dataclass(frozen=True)
class EventsSLI:
    """Errors (or good events) over all events, both as rates over ``{{.window}}``."""

    total_query: str
    error_query: str | None = None
    good_query: str | None = None

    def error(self, window: str) -> str:
        if self.error_query is None:
            raise ValueError("this SLI counts good events; use good()")
        return _fill(self.error_query, window)

    def good(self, window: str) -> str:
        if self.good_query is None:
            raise ValueError("this SLI counts error events; use error()")
        return _fill(self.good_query, window)

    def total(self, window: str) -> str:
        return _fill(self.total_query, window)

    def queries(self, window: str) -> list[tuple[str, str]]:
        named = [("sli.events.total_query", self.total(window))]
        if self.error_query is not None:
            named.append(("sli.events.error_query", _fill(self.error_query, window)))
        if self.good_query is not None:
            named.append(("sli.events.good_query", _fill(self.good_query, window)))
        return named


@dataclass(frozen=True)
class LatencySLI:
    """Observations of histogram ``metric`` slower than ``threshold`` seconds are errors.

    ``threshold`` must be one of the histogram's bucket bounds, so that the count is exact.
    """

    metric: str
    threshold: float
    selector: str = ""

    def _sel(self, *extra: str) -> str:
        parts = [p for p in (self.selector.strip(), *extra) if p]
        return "{" + ", ".join(parts) + "}" if parts else ""

    def _series(self, suffix: str) -> str:
        """The histogram's ``_bucket`` or ``_count`` as the SDK dialect spells it."""
        return dialect().series(catalog.get(self.metric), suffix)

    def le_matcher(self) -> str:
        """The threshold's bucket, its bound in the histogram's unit (ms for ``core-ms``)."""
        bound = dialect().bound(catalog.get(self.metric), self.threshold)
        return f'le=~"{le_regex(bound)}"'

    def total(self, window: str) -> str:
        return f"sum(rate({self._series('count')}{self._sel()}[{window}]))"

    def good(self, window: str) -> str:
        return f"sum(rate({self._series('bucket')}{self._sel(self.le_matcher())}[{window}]))"

    def error(self, window: str) -> str:
        return f"{self.total(window)} - {self.good(window)}"

    def queries(self, window: str) -> list[tuple[str, str]]:
        return [("sli.latency.selector", self.error(window))]


@dataclass(frozen=True)
class RawSLI:
    """A ready error ratio; no events, so the period SLI is an average of 5m ratios (as Sloth)."""

    error_ratio_query: str

    def ratio(self, window: str) -> str:
        return _fill(self.error_ratio_query, window)

    def queries(self, window: str) -> list[tuple[str, str]]:
        return [("sli.raw.error_ratio_query", self.ratio(window))]


SLI = EventsSLI | LatencySLI | RawSLI


# --- bucket bounds ----------------------------------------------------------------------------


def go_float(value: float) -> str:
    """``value`` as Go's ``strconv.FormatFloat(v, 'g', -1, 64)``: 2595600 → ``2.5956e+06``."""
    sign, digits, exp = Decimal(repr(float(value))).normalize().as_tuple()
    assert isinstance(exp, int)
    text = "".join(map(str, digits))
    point = len(digits) + exp  # position of the decimal point in ``text``
    if not -4 <= point - 1 < 6:  # Go's shortest 'g' switches to an exponent here
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        e = point - 1
        return f"{'-' if sign else ''}{mant}e{'+' if e >= 0 else '-'}{abs(e):02d}"
    if point <= 0:
        out = "0." + "0" * -point + text
    elif point >= len(text):
        out = text + "0" * (point - len(text))
    else:
        out = text[:point] + "." + text[point:]
    return ("-" if sign else "") + out


def le_spellings(value: float) -> list[str]:
    """Every way an exporter or Prometheus may spell bucket bound ``value`` in ``le``.

    Go clients and Prometheus 2 write ``1`` and ``2.5956e+06``; Prometheus 3 normalizes to
    ``1.0`` and ``2.5956e+06``; Python clients write ``1.0`` and ``2.5956e+06``; the Rust SDK
    writes ``1`` and ``2595600``.
    """
    forms = {go_float(value), repr(float(value))}
    if float(value).is_integer():
        forms.add(str(int(value)))
    forms |= {f + ".0" for f in list(forms) if not re.search(r"[.e]", f)}
    return sorted(forms, key=lambda f: (len(f), f))


def le_regex(value: float) -> str:
    """A regex (escaped for a PromQL string) matching every spelling: ``1(\\\\.0)?``."""
    forms = le_spellings(value)
    plain = [f for f in forms if not f.endswith(".0") or f[:-2] not in forms]
    parts = [re.escape(f) + r"(\.0)?" if f + ".0" in forms else re.escape(f) for f in plain]
    regex = parts[0] if len(parts) == 1 else "(" + "|".join(parts) + ")"
    return regex.replace("\\", "\\\\")


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# --- parsing ----------------------------------------------------------------------------------


def _query(where: str, obj: dict[str, Any], key: str, fld: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SLOSpecError(f"{where}: field {fld}: expected a PromQL query")
    value = _WINDOW_SPELLINGS.sub(WINDOW, value)
    if WINDOW not in value:
        raise SLOSpecError(
            f"{where}: field {fld}: the query has no {WINDOW} placeholder for the window"
        )
    return value.strip()


def _only(where: str, obj: Any, fld: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise SLOSpecError(f"{where}: field {fld}: expected a mapping")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise SLOSpecError(
            f"{where}: field {fld}: unknown key {unknown[0]!r}; allowed: "
            + ", ".join(sorted(allowed))
        )
    return obj


def parse(where: str, raw: Any) -> SLI:
    """The SLI of one SLO's ``sli:`` mapping."""
    obj = _only(where, raw, "sli", {"events", "latency", "raw", "plugin"})
    if "plugin" in obj:
        plugin = obj["plugin"]
        pid = plugin.get("id") if isinstance(plugin, dict) else None
        raise SLOSpecError(
            f"{where}: field sli.plugin: SLI plugin {pid!r} is Go code that only Sloth can run; "
            "write the SLI it stands for as sli.events (error_query, total_query) or sli.raw"
        )
    if len(obj) != 1:
        raise SLOSpecError(f"{where}: field sli: give exactly one of events, latency, raw")
    (kind,) = obj
    if kind == "events":
        ev = _only(where, obj[kind], "sli.events", {"error_query", "good_query", "total_query"})
        if ("error_query" in ev) == ("good_query" in ev):
            raise SLOSpecError(
                f"{where}: field sli.events: give error_query or good_query (one of them)"
            )
        which = "error_query" if "error_query" in ev else "good_query"
        query = _query(where, ev, which, f"sli.events.{which}")
        total = _query(where, ev, "total_query", "sli.events.total_query")
        if " ".join(query.split()) == " ".join(total.split()):
            raise SLOSpecError(
                f"{where}: field sli.events.{which}: the same query as total_query, so the "
                f"{'error ratio is always 1' if which == 'error_query' else 'SLI never fails'}; "
                "count only the failed events (or only the good ones)"
            )
        return EventsSLI(total_query=total, **{which: query})
    if kind == "raw":
        rw = _only(where, obj[kind], "sli.raw", {"error_ratio_query"})
        return RawSLI(_query(where, rw, "error_ratio_query", "sli.raw.error_ratio_query"))
    lat = _only(where, obj[kind], "sli.latency", {"metric", "selector", "threshold"})
    return _latency(where, lat)


def _latency(where: str, lat: dict[str, Any]) -> LatencySLI:
    name = lat.get("metric")
    try:
        metric = catalog.get(str(name))
    except KeyError as err:
        raise SLOSpecError(f"{where}: field sli.latency.metric: {err.args[0]}") from None
    if metric.type is not MetricType.HISTOGRAM:
        raise SLOSpecError(
            f"{where}: field sli.latency.metric: {metric.name} is a {metric.type.value}, "
            "not a histogram"
        )
    threshold = lat.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise SLOSpecError(f"{where}: field sli.latency.threshold: expected seconds, e.g. 1")
    if float(threshold) not in metric.buckets:
        raise SLOSpecError(
            f"{where}: field sli.latency.threshold: {threshold} is not a bucket of "
            f"{metric.name} (buckets: {', '.join(_plain(b) for b in metric.buckets)}); "
            "pick one of them or add it to the catalog"
        )
    selector = lat.get("selector", "")
    if not isinstance(selector, str) or "{" in selector or "}" in selector:
        raise SLOSpecError(
            f"{where}: field sli.latency.selector: expected label matchers without braces, "
            'e.g. namespace="dict"'
        )
    return LatencySLI(metric=metric.name, threshold=float(threshold), selector=selector.strip())


# --- syntax -----------------------------------------------------------------------------------


def check_syntax(queries: list[tuple[str, str]]) -> None:
    """Parse every query with ``promtool`` in one run; the first bad one raises, named."""
    try:
        problems = promtool.parse_problems(queries)
    except promtool.PromtoolError as err:
        raise SLOSpecError(f"cannot check the SLI queries: {err}") from None
    if problems:
        where, why = problems[0]
        raise SLOSpecError(f"{where}: the query does not parse: {why}")
