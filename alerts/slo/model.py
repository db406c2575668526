"""What an SLO is once read: objective, period, SLI and alerting, whatever file it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alerts.slo.naming import LABEL_ID, LABEL_SERVICE, LABEL_SLO
from alerts.slo.sli import SLI
from toolkit import durations

NATIVE_VERSION = "dictobs/v1"
SLOTH_VERSION = "prometheus/v1"
K8S_VERSION = "sloth.slok.dev/v1"
OPENSLO_VERSION = "openslo/v1alpha"
# ``sloth_mode`` of the info series, per spec format, as Sloth's ``generate`` writes it.
MODES = {K8S_VERSION: "cli-gen-k8s", OPENSLO_VERSION: "cli-gen-openslo"}


@dataclass(frozen=True)
class AlertSpec:
    """One of an SLO's two burn-rate alerts (page or ticket)."""

    disable: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    for_: str | None = None  # Prometheus ``for:``; none by default (the short window confirms)
    # Low traffic: fire only when the long window of a tier saw at least this many events
    # (the pack's own format; below it, the other alert of the SLO, if any, still fires).
    min_events: int | None = None


@dataclass(frozen=True)
class Alerting:
    name: str  # empty when both alerts are disabled (then no alert is written)
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    page: AlertSpec = field(default_factory=AlertSpec)
    ticket: AlertSpec = field(default_factory=AlertSpec)
    # A sparse SLI (its source series exist only after a first event since a restart): how
    # long it may be missing before SLOMetricsAbsent (the pack's own format; default: now).
    absent_window: str | None = None

    @property
    def enabled(self) -> bool:
        """False when both alerts are disabled: the SLO has no alert group at all."""
        return not (self.page.disable and self.ticket.disable)


@dataclass(frozen=True)
class SLO:
    service: str
    name: str
    objective: float  # percent, e.g. 99.9
    description: str
    sli: SLI
    alerting: Alerting
    period_days: float = 30.0
    labels: Mapping[str, str] = field(default_factory=dict)
    source: str = ""  # the file it came from, for error messages
    spec_version: str = NATIVE_VERSION
    # Evaluation interval per group kind (sli, meta, alerts), from Sloth's rule-intervals plugin.
    intervals: Mapping[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """``sloth_id``: service and SLO name, as Sloth builds it."""
        return f"{self.service}-{self.name}"

    @property
    def mode(self) -> str:
        """``sloth_mode``: how Sloth would have generated the rules of this spec's format."""
        return MODES.get(self.spec_version, "cli-gen-prom")

    @property
    def error_budget(self) -> float:
        """Fraction of events allowed to fail: ``(100 - 99.9) / 100``, computed as Sloth does."""
        return (100 - self.objective) / 100

    @property
    def objective_ratio(self) -> float:
        return self.objective / 100

    @property
    def period_seconds(self) -> int:
        return round(self.period_days * 86400)

    @property
    def period_window(self) -> str:
        """The period as Prometheus prints it: ``30d``, or ``4w`` for 28 days."""
        return durations.format(self.period_seconds)

    @property
    def identity(self) -> dict[str, str]:
        """The labels that name this SLO on every series it records."""
        return {LABEL_ID: self.id, LABEL_SERVICE: self.service, LABEL_SLO: self.name}

    def selector(self) -> str:
        """``sloth_id="…", sloth_service="…", sloth_slo="…"``: matchers for the SLO's series."""
        return ", ".join(f'{k}="{v}"' for k, v in self.identity.items())
