"""The Bridge simulator on its own event loop in a thread, for synchronous programs (tests, and
the end-to-end stack that reads its per-claim side effects)::

with SimulatorThread("127.0.0.1:0") as sim:
    print(sim.address)
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from worker.bridge.simulator import Simulator, run_simulator
from worker.bridge.tls import ServerTLS


class SimulatorThread:
    """:func:`run_simulator` on its own event loop in a daemon thread, for synchronous code.

    ``start()`` returns the :class:`Simulator` once it listens; its methods are thread-safe.
    """

    def __init__(
        self, listen: str = "127.0.0.1:0", *, seed: int = 0, tls: ServerTLS | None = None
    ) -> None:
        self._listen = listen
        self._seed = seed
        self._tls = tls
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.simulator: Simulator | None = None

    @property
    def address(self) -> str:
        if self.simulator is None:
            raise RuntimeError("the simulator thread is not started")
        return self.simulator.address

    def start(self, timeout: float = 10.0) -> Simulator:
        self._thread = threading.Thread(target=self._run, name="bridge-simulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"bridge simulator did not start on {self._listen} in {timeout}s")
        if self._error is not None:
            raise self._error
        assert self.simulator is not None
        return self.simulator

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread; a no-op when not running."""
        if self._thread is None:
            return
        if self._thread.is_alive() and self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as err:  # handed to start(); the thread must not die silently
            self._error = err
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with run_simulator(self._listen, seed=self._seed, tls=self._tls) as sim:
            self.simulator = sim
            self._ready.set()
            await self._stop.wait()
