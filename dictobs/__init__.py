"""dict-observability: the observability and SLO pack for DICT claim processing on Temporal."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dict-observability")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
