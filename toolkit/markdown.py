"""Markdown headings and their anchors, as GitHub renders them: what a link to a section of a
document in the repository (a runbook section, say) must point at.

Anchors: lower case, punctuation other than ``-`` and ``_`` dropped, spaces turned into ``-``, a
repeated heading suffixed ``-1``, ``-2``, ...; headings inside fenced code blocks are not
headings.

>>> anchors("# Runbook\\n## Before you start\\n```\\n# not a heading\\n```\\n## Before you start")
['runbook', 'before-you-start', 'before-you-start-1']
"""

from __future__ import annotations

import re
from collections import Counter

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def github_anchor(heading: str) -> str:
    text = _LINK.sub(r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> list[str]:
    """The anchors of every heading outside code fences, in order."""
    seen: Counter[str] = Counter()
    out = []
    fence = None
    for line in markdown.splitlines():
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)[0]
            continue
        if fence is not None:
            if opened and opened.group(1)[0] == fence:
                fence = None
            continue
        heading = HEADING.match(line)
        if heading:
            base = github_anchor(heading.group(2))
            out.append(base if seen[base] == 0 else f"{base}-{seen[base]}")
            seen[base] += 1
    return out
