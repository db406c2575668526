"""``HOST:PORT``, read the same way everywhere (settings, flags, the exporter's YAML).

>>> parse("127.0.0.1:9465"), parse("[::1]:7233"), parse(":9465", any_host=True)
(('127.0.0.1', 9465), ('::1', 7233), ('', 9465))
"""

from __future__ import annotations


def parse(text: str, *, any_host: bool = False, any_port: bool = False) -> tuple[str, int]:
    """``(host, port)`` of ``text``; ValueError when it is not ``HOST:PORT``.

    ``any_host`` admits an empty host (listen on every interface), ``any_port`` port 0 (the
    system picks one). An IPv6 host comes back without its brackets.
    """
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"{text!r} is not HOST:PORT")
    number = int(port)
    if not (0 if any_port else 1) <= number <= 65535:
        raise ValueError(f"{text!r}: port {number} is out of range")
    if not host and not any_host:
        raise ValueError(f"{text!r} has no host")
    return host.strip("[]"), number
