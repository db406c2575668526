"""dict-observability: the ``dictobs`` command that wires the pack's parts together."""

from core import __version__

__all__ = ["__version__"]
