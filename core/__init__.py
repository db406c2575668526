"""The core of the pack: the domain's words, the metric catalog, the settings and the errors.

Every other package builds on it; it imports nothing else of the pack.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dict-observability")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
