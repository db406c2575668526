"""``python -m benchmarks [NAME ...]``: run every benchmark module (or the named ones)."""

from __future__ import annotations

import importlib
import sys

# Each module has ``main() -> None``; listed here in the order they run.
BENCHMARKS = ("worker_throughput", "exporter_refresh")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
