"""A child process the pack starts and owns: its own process group, a log file, a readiness wait,
and a stop that leaves nothing running."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class ServiceError(RuntimeError):
    """A service did not start; the message has the reason and the tail of its log."""


class Service:
    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._last: tuple[list[str], Callable[[], None], Mapping[str, str] | None] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(
        self,
        command: Sequence[str],
        ready: Callable[[], None],
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Start ``command`` and return once ``ready()`` returns; ``ready`` raises TimeoutError.

        ``env`` is added to this process's environment for the child."""
        self._last = (list(command), ready, env)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped as a whole
                env={**os.environ, **env} if env else None,
            )
        try:
            ready()
        except (TimeoutError, OSError) as err:
            exited = self.process.poll()
            self.stop()
            why = f"exited with status {exited}" if exited is not None else str(err)
            raise ServiceError(f"{self.name} did not start: {why}\n{self.log_tail()}") from err

    def restart(self) -> None:
        """Start it again as it was last started (after :meth:`kill` or a crash)."""
        if self._last is None:
            raise RuntimeError(f"{self.name} was never started")
        self.stop()
        self.start(*self._last)

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or the OOM killer would: no clean-up."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def log_tail(self, size: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the whole process group (SIGSTOP freezes it, SIGCONT thaws it)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signum)

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
