"""The end-to-end tests' stacks: one per test module (a module may kill parts of it), started
in a temporary folder and stopped at the module's end (see :mod:`e2e_support`); and the healthy
stack the quiet test looks back over, started once collection is done (see
:mod:`healthy_support`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import Live, running
from healthy_support import QUIET_TEST, Healthy

HEALTHY = pytest.StashKey[Healthy]()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with running(tmp_path_factory.mktemp("e2e")) as stack:
        yield stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The quiet test last: its ten minutes pass while everything else runs."""
    items.sort(key=lambda item: item.path.name == QUIET_TEST)


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(item.path.name == QUIET_TEST for item in session.items):
        run_dir = Path(tempfile.mkdtemp(prefix="dictobs-healthy-"))
        healthy = Healthy(run_dir).start()
        # The rest of the session runs at a lower CPU priority than the healthy stack, started by
        # a thread of its own (Linux keeps a priority per thread, and a child inherits its
        # parent thread's): on two cores, the other tests' stacks would otherwise starve it and
        # make its workflow tasks wait, which is a loaded machine, not an unhealthy stack.
        os.nice(10)
        session.config.stash[HEALTHY] = healthy
        session.config.add_cleanup(lambda: shutil.rmtree(run_dir, ignore_errors=True))
        session.config.add_cleanup(healthy.stop)  # cleanups run last first: stop, then remove


@pytest.fixture
def healthy(request: pytest.FixtureRequest) -> Healthy:
    return request.config.stash[HEALTHY]
