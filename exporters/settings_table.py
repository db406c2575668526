"""Every exporter setting once: its YAML key, its flag, its environment variable and its default.

The flags, the YAML schema, the validation messages and the table in ``docs/exporter.md`` are all
built from :data:`SETTINGS`, so a setting cannot exist in one of them and not the others.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core import settings
from core.domain import CLAIM_WORKFLOW_TYPES, NEAR_DEADLINE_HOURS, WORKFLOW_TYPES, ClaimStatus


class Kind(enum.Enum):
    TEXT = "text"
    NAMES = "list of names"
    DURATION = "duration"
    DURATIONS = "list of durations"
    NUMBER = "number"
    INTEGER = "integer"
    PATH = "file"
    ADDRESS = "host:port"


@dataclass(frozen=True)
class Setting:
    key: str  # dotted path in the YAML file; also the flag, with "-" for "_"
    kind: Kind
    default: str | tuple[str, ...] | None
    help: str
    env: str | None = None
    flag_override: str | None = None
    env_alias: str | None = None  # read when ``env`` is not set (the specification's name)

    @property
    def flag(self) -> str:
        return self.flag_override or "--" + self.key.replace("_", "-")

    @property
    def dest(self) -> str:
        return self.key.replace(".", "__")


AGE_THRESHOLDS = ("1d", "7d", "14d", "21d", "28d", "29d", "30d")

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "temporal.address",
        Kind.ADDRESS,
        f"localhost:{settings.TEMPORAL_PORT}",
        "Temporal frontend",
        "TEMPORAL_ADDRESS",
        env_alias="TEMPORAL_HOST",
    ),
    Setting("temporal.namespace", Kind.TEXT, settings.NAMESPACE, "namespace", "TEMPORAL_NAMESPACE"),
    Setting(
        "temporal.tls.ca_file",
        Kind.PATH,
        None,
        "CA bundle that signed the frontend's certificate (enables TLS)",
        "TEMPORAL_TLS_CA",
    ),
    Setting(
        "temporal.tls.cert_file",
        Kind.PATH,
        None,
        "client certificate for mTLS (with key_file)",
        "TEMPORAL_TLS_CERT",
    ),
    Setting(
        "temporal.tls.key_file",
        Kind.PATH,
        None,
        "client private key for mTLS (with cert_file)",
        "TEMPORAL_TLS_KEY",
    ),
    Setting(
        "temporal.tls.server_name",
        Kind.TEXT,
        None,
        "name to verify on the frontend's certificate",
        "TEMPORAL_TLS_SERVER_NAME",
    ),
    Setting(
        "temporal.api_key_file",
        Kind.PATH,
        None,
        "file holding an API key (Temporal Cloud); or set TEMPORAL_API_KEY",
    ),
    Setting(
        "web.listen_address",
        Kind.ADDRESS,
        f"127.0.0.1:{settings.EXPORTER_PORT}",
        "where /metrics is served",
        "EXPORTER_ADDRESS",
    ),
    Setting(
        "web.config_file",
        Kind.PATH,
        None,
        "exporter-toolkit web config: TLS and basic auth for this endpoint",
        flag_override="--web.config.file",  # the flag every Prometheus exporter has
    ),
    Setting(
        "task_queues",
        Kind.NAMES,
        (settings.TASK_QUEUE,),
        "task queues whose depth is reported",
        "TEMPORAL_TASK_QUEUE",
    ),
    Setting("workflow_types", Kind.NAMES, WORKFLOW_TYPES, "workflow types counted while open"),
    Setting(
        "claim_workflow_types",
        Kind.NAMES,
        CLAIM_WORKFLOW_TYPES,
        "workflow types that are claims (status, age, deadline)",
    ),
    Setting(
        "claim_statuses",
        Kind.NAMES,
        tuple(s.value for s in ClaimStatus),
        "values of the claim status search attribute counted",
    ),
    Setting("age_thresholds", Kind.DURATIONS, AGE_THRESHOLDS, "the claim-age ladder"),
    Setting(
        "oldest_age.resolution",
        Kind.DURATION,
        "1m",
        "how precisely the oldest open claim's age is searched",
    ),
    Setting(
        "oldest_age.max",
        Kind.DURATION,
        "90d",
        "the age search stops here (reports this value when a claim is older)",
    ),
    Setting(
        "near_deadline_window",
        Kind.DURATION,
        f"{NEAR_DEADLINE_HOURS}h",
        "a claim this close to its deadline",
    ),
    Setting("closed_window", Kind.DURATION, "5m", "lookback for claims closed recently"),
    Setting(
        "stuck_after",
        Kind.DURATION,
        "1h",
        "a claim held this long in OPEN or CONFIRMED (statuses a healthy claim leaves within "
        "minutes) is stuck",
    ),
    Setting("refresh.interval", Kind.DURATION, "30s", "time between background refreshes"),
    Setting(
        "refresh.deadline",
        Kind.DURATION,
        "25s",
        "a refresh still running after this is abandoned (at most the interval)",
    ),
    Setting("refresh.rpc_timeout", Kind.DURATION, "10s", "timeout of a single call to Temporal"),
    Setting(
        "visibility.rate",
        Kind.NUMBER,
        "5",
        "calls per second to Temporal, below its visibility rate limit",
    ),
    Setting("visibility.burst", Kind.INTEGER, "5", "calls allowed back to back"),
)
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
# YAML mappings that hold settings rather than being one.
SECTIONS = frozenset(
    prefix
    for s in SETTINGS
    for prefix in (s.key.rsplit(".", i)[0] for i in range(1, s.key.count(".") + 1))
)
