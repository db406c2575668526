"""Where a benchmark's dev server keeps its SQLite file."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TMPFS = Path("/dev/shm")


@contextmanager
def run_dir(prefix: str) -> Iterator[Path]:
    """A fresh folder on tmpfs when the machine has one: on disk, SQLite's fsyncs, not the code
    being measured, set the pace and most of the noise."""
    scratch = str(TMPFS) if TMPFS.is_dir() else None
    with tempfile.TemporaryDirectory(prefix=prefix, dir=scratch) as folder:
        yield Path(folder)
