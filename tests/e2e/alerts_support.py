"""The stack the alert tests break: the whole pack on free loopback ports, on drill rules, with
the pack's Alertmanager routing notifying a webhook."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alerts import generate
from alerts.drill import Drill
from core import config
from stack import incidents
from stack.demo_stack import DemoPorts, DemoStack
from stack.incidents import Timeline
from stack.ports import free_port

# The backlog threshold of the stack the tests break, a setting of the pack configuration:
# twenty-one claims take the queue past it as surely as a thousand and one take it past the
# default, and a two-core machine, busy with the claims of the incidents before, drains them in
# seconds instead of minutes.
BACKLOG_TASKS = 20


@contextmanager
def alert_stack(run_dir: Path) -> Iterator[DemoStack]:
    shipped = config.current()
    thresholds = dataclasses.replace(shipped.thresholds, backlog_tasks=BACKLOG_TASKS)
    config.use(dataclasses.replace(shipped, thresholds=thresholds))
    rules = run_dir / "drill-rules"
    generate.generate(out_dir=rules, tests_dir=None, drill=Drill())
    ports = DemoPorts(**{name: free_port() for name in DemoPorts().as_dict()})
    stack = DemoStack(
        run_dir, ports, rules_dir=rules, temporal_dynamic_config=incidents.DRILL_DYNAMIC_CONFIG
    )
    try:
        stack.start(print)
        yield stack
    finally:
        stack.stop()
        config.use(shipped)


# Seconds an alert may take to resolve (and the stack to settle before a fault). The default
# suits the demo on an idle machine; here the rest of the session shares two cores with the
# stack, which runs at a lower priority than the healthy stack of the quiet check.
RESOLVE_TIMEOUT = 240.0


def run_incident(stack: DemoStack, name: str, **options: Any) -> Timeline:
    """The incident ``name`` on ``stack``, its timeline printed (pytest -s shows it)."""
    options.setdefault("resolve_timeout", RESOLVE_TIMEOUT)
    return asyncio.run(incidents.run(stack, incidents.INCIDENTS[name], print, **options))
