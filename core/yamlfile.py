"""Reading a YAML file a user wrote, with an error that says what went wrong in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from core.errors import first_line


def read(path: Path, prepare: Callable[[str], str] | None = None) -> Any:
    """The document in ``path`` (None when it is empty); ``prepare`` edits the text first (the
    SLO spec fills its variables).

    ValueError says ``cannot read it (...)`` or ``not valid YAML (...)``; the caller puts the
    name of its input (a flag, a file) in front.
    """
    docs = read_all(path, prepare)
    if len(docs) > 1:
        raise ValueError(f"not valid YAML (expected one document, found {len(docs)})")
    return docs[0] if docs else None


def read_all(path: Path, prepare: Callable[[str], str] | None = None) -> list[Any]:
    """Every document in ``path`` (a stream separated by ``---``), empty ones left out; errors
    as :func:`read`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"cannot read it ({err.strerror})") from None
    try:
        docs = list(yaml.safe_load_all(prepare(text) if prepare else text))
    except yaml.YAMLError as err:
        raise ValueError(f"not valid YAML ({first_line(err)})") from None
    return [d for d in docs if d is not None]
