"""Where ``dictobs dashboards build`` writes, and the Grafana folder the dashboards live in."""

from pathlib import Path

from core import config

GENERATED = Path(__file__).resolve().parent / "generated"
FOLDER = config.DEFAULT.dashboard_folder
