"""Alertmanager's ``amtool``: found once, run with a clear error when it is missing.

The pack's Alertmanager routing is checked with ``amtool check-config`` and its routes with
``amtool config routes test``.
"""

from __future__ import annotations

import shutil
import subprocess

INSTALL_HINT = "install Debian's prometheus-alertmanager package (make setup does)"


class AmtoolError(RuntimeError):
    """amtool is missing or could not be run."""


def path() -> str:
    """amtool on PATH, else Debian's ``/usr/bin/amtool``."""
    found = shutil.which("amtool") or shutil.which("/usr/bin/amtool")
    if found is None:
        raise AmtoolError(f"amtool not found on PATH or in /usr/bin: {INSTALL_HINT}")
    return found


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``amtool args...``; the caller reads the return code and the output."""
    return subprocess.run(
        [path(), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
