"""Where ``dictobs dashboards build`` writes, and the Grafana folder the dashboards live in."""

from pathlib import Path

GENERATED = Path(__file__).resolve().parent / "generated"
FOLDER = "DICT observability"
