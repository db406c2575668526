"""Generated files: their YAML text, the same bytes on every run, and writing all of a file or
none of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and a rename, so a reader
    (or an interrupted run) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 suits secrets, not generated files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, never folded."""


class _IndentedDumper(_Dumper):
    """The same, with lists indented under their key (as people write rule files)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.representer.SafeRepresenter, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _FastDumper(yaml.CSafeDumper):
    """_Dumper's output through libyaml's emitter, where PyYAML has it (the same text)."""


_Dumper.add_representer(str, _str)
_FastDumper.add_representer(str, _str)


def yaml_text(
    doc: Any,
    *,
    header: str = "",
    sort_keys: bool = False,
    indent_lists: bool = False,
    width: int = 10_000,
    allow_unicode: bool = True,
) -> str:
    r"""``header`` then ``doc`` as YAML, deterministic: keys in the order built (or sorted),
    multi-line strings as literal blocks, lines folded only beyond ``width``.

    >>> print(yaml_text({"expr": "a\nb", "for": ["5m"]}, header="# generated\n"), end="")
    # generated
    expr: |-
      a
      b
    for:
    - 5m
    """
    return header + yaml.dump(
        doc,
        Dumper=_IndentedDumper if indent_lists else _FastDumper,
        sort_keys=sort_keys,
        width=width,
        allow_unicode=allow_unicode,
        default_flow_style=False,
    )
