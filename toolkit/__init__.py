"""The toolkit the parts share: PromQL durations, catalog-checked selectors, the expression
checker, the promtool runner, the generated-file writer, generated Markdown blocks and a reader of
what a ``/metrics`` endpoint serves.

It builds on :mod:`core` only; rules, SLIs, dashboards and docs use it alike.
"""
