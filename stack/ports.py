"""Small helpers for loopback ports."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(
    host: str, port: int, timeout: float = 30.0, alive: Callable[[], bool] | None = None
) -> None:
    """Return once ``host:port`` accepts a TCP connection; TimeoutError names it otherwise.

    ``alive`` (the process that should open the port is still running) ends the wait early."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            if alive is not None and not alive():
                raise TimeoutError(f"the process meant to listen on {host}:{port} exited") from None
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"nothing listening on {host}:{port} after {timeout:.0f}s"
                ) from None
            time.sleep(0.1)
