"""Benchmarks run by ``make bench``: each module measures side by side in one run, prints a table
of figures and ratios, and writes them as JSON under ``build/bench/`` so runs can be compared."""
