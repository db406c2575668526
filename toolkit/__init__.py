"""The toolkit the parts share: PromQL durations, catalog-checked selectors, the expression
checker, the promtool runner, the generated-file writer and generated Markdown blocks.

It builds on :mod:`core` only; rules, SLIs, dashboards and docs use it alike.
"""
