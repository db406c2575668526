"""Generated blocks inside hand-written Markdown: tables that come from the code, never retyped.

A block is delimited by ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``;
:func:`render` replaces its inside with what the generator of that name returns, and leaves the
prose around it alone. Each document's tests compare the committed text with :func:`render`'s.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from toolkit.files import write_atomically

Generators = Mapping[str, Callable[[], str]]

_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z-]+) -->\n).*?(<!-- END GENERATED: (?P=name) -->)",
    re.DOTALL,
)


def render(text: str, generators: Generators) -> str:
    """``text`` with every generated block replaced by what its generator produces now."""

    def block(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in generators:
            raise KeyError(f"no generator for block {name!r}; known: {', '.join(generators)}")
        return match.group(1) + generators[name]() + match.group(3)

    return _BLOCK.sub(block, text)


def blocks(text: str) -> list[str]:
    """Names of the generated blocks in ``text``, in order."""
    return [m.group("name") for m in _BLOCK.finditer(text)]


def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def update(doc: Path, generators: Generators, *, check: bool = False) -> bool:
    """Rewrite ``doc``'s generated blocks in place (atomically); with ``check`` only say whether
    it is out of date. Returns True when the document was (or would be) changed."""
    current = doc.read_text(encoding="utf-8")
    wanted = render(current, generators)
    if current == wanted:
        return False
    if not check:
        write_atomically(doc, wanted)
    return True


def main(docs: Mapping[Path, Generators], argv: list[str], command: str) -> int:
    """``python -m <module> [--check]`` for a module that owns ``docs``."""
    check = "--check" in argv
    stale = [doc for doc, generators in docs.items() if update(doc, generators, check=check)]
    for doc in stale:
        if check:
            print(f"{doc} is out of date: run {command}", file=sys.stderr)
        else:
            print(f"updated {doc}")
    return 1 if check and stale else 0
