"""The end-to-end tests' stack: one per test module (a module may kill parts of it), started
in a temporary folder and stopped at the module's end. See :mod:`e2e_support`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import Live, running


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with running(tmp_path_factory.mktemp("e2e")) as stack:
        yield stack
