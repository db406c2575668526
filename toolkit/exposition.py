"""Reading what a ``/metrics`` endpoint serves (the Prometheus text format) as series and labels.

Names are kept exactly as served: the Temporal server's counters have no ``_total``, and a parser
that follows the OpenMetrics naming rules would rename them::

    >>> series('# TYPE service_requests counter\\nservice_requests{operation="Poll",x="a b"} 3\\n')
    {'service_requests': [{'operation': 'Poll', 'x': 'a b'}]}
"""

from __future__ import annotations

import re
import urllib.request

_SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def series(text: str) -> dict[str, list[dict[str, str]]]:
    """Series name → the label sets it is served with."""
    out: dict[str, list[dict[str, str]]] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            out.setdefault(match[1], []).append(dict(_LABEL.findall(match[2] or "")))
    return out


Key = tuple[str, tuple[tuple[str, str], ...]]


def values(text: str) -> dict[Key, float]:
    """(series name, sorted label pairs) → value.

    >>> values('dict_refreshes_total{result="failed"} 2\\ndict_up 1\\n')
    {('dict_refreshes_total', (('result', 'failed'),)): 2.0, ('dict_up', ()): 1.0}
    """
    out: dict[Key, float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            labels = tuple(sorted(_LABEL.findall(match[2] or "")))
            out[(match[1], labels)] = float(match[3])
    return out


def text(url: str, timeout: float = 10.0) -> str:
    """The exposition ``url`` serves now, as text."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return str(resp.read().decode())


def scrape(url: str, timeout: float = 10.0) -> dict[str, list[dict[str, str]]]:
    """:func:`series` of what ``url`` serves now."""
    return series(text(url, timeout))


def scrape_values(url: str, timeout: float = 10.0) -> dict[Key, float]:
    """:func:`values` of what ``url`` serves now."""
    return values(text(url, timeout))
