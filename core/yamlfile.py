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
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"cannot read it ({err.strerror})") from None
    try:
        return yaml.safe_load(prepare(text) if prepare else text)
    except yaml.YAMLError as err:
        raise ValueError(f"not valid YAML ({first_line(err)})") from None
