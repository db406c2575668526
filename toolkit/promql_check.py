"""Does a query only name series and labels that exist? A small PromQL reader that says.

The official Temporal dashboards show "No data" because their queries name metrics or labels the
SDK never emits. This reader parses a query, looks every selector's metric up in a table of
known series (the metric catalog plus recording rules), and follows the labels through
functions, aggregations and binary operators, so that a matcher, a ``by (...)`` clause, an
``on (...)`` clause or a ``label_replace`` source naming a label the series cannot carry is
reported, and so is a vector operation whose two sides could never match::

    >>> known = {"up": frozenset({"job", "instance"})}
    >>> problems('sum by (pod) (up{job="x"})', known)
    ["sum by (pod): label 'pod' is not on the argument (has: instance, job)"]

It covers the PromQL the dashboards use; promtool checks the full syntax separately.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from core import catalog
from core.catalog import MetricType
from toolkit.selectors import cluster_label, dialect, scraped_namespace

Labels = frozenset[str]
SCALAR = None  # the label set of a scalar expression

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<duration>\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*(?![a-zA-Z0-9_]))
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![a-zA-Z_:])|0x[0-9a-fA-F]+|[Ii]nf|NaN)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,(){}\[\]@])
    """,
    re.VERBOSE,
)

AGGREGATIONS = {
    "sum", "avg", "min", "max", "count", "stddev", "stdvar", "group",
    "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio",
}  # fmt: skip
# Functions whose result keeps the labels of their (first) vector argument.
_PASS_THROUGH = {
    "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "resets",
    "changes", "abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "exp", "ln",
    "log2", "log10", "sqrt", "sort", "sort_desc", "timestamp", "avg_over_time",
    "min_over_time", "max_over_time", "sum_over_time", "count_over_time", "last_over_time",
    "quantile_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time",
    "holt_winters", "sgn", "histogram_count", "histogram_sum",
}  # fmt: skip
_SET_OPS = {"and", "or", "unless"}
_PRECEDENCE = [
    {"or"},
    {"and", "unless"},
    {"==", "!=", "<=", "<", ">=", ">"},
    {"+", "-"},
    {"*", "/", "%", "atan2"},
    {"^"},
]


class PromQLError(ValueError):
    """The query could not be read."""


@dataclass
class _Tok:
    kind: str
    text: str


def _tokens(expr: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:
            raise PromQLError(f"unexpected character {expr[pos]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(_Tok(kind, m.group()))
    out.append(_Tok("eof", ""))
    return out


def _fmt(labels: Labels) -> str:
    return ", ".join(sorted(labels)) or "no labels"


class _Reader:
    """Recursive descent over the tokens; each ``_expr`` returns the result's label set."""

    def __init__(self, expr: str, known: Mapping[str, Labels]) -> None:
        self.toks = _tokens(expr)
        self.i = 0
        self.known = known
        self.problems: list[str] = []
        self.equalities: Labels = frozenset()

    # token helpers
    def peek(self, offset: int = 0) -> _Tok:
        return self.toks[min(self.i + offset, len(self.toks) - 1)]

    def take(self, text: str | None = None) -> _Tok:
        tok = self.peek()
        if text is not None and tok.text != text:
            raise PromQLError(f"expected {text!r}, found {tok.text or 'end of query'!r}")
        self.i += 1
        return tok

    def label_list(self) -> list[str]:
        self.take("(")
        names = []
        while self.peek().text != ")":
            names.append(self.take().text)
            if self.peek().text == ",":
                self.take(",")
        self.take(")")
        return names

    # grammar
    def parse(self) -> Labels | None:
        result = self.binary(0)
        if self.peek().kind != "eof":
            raise PromQLError(f"unexpected {self.peek().text!r} after the expression")
        return result

    def binary(self, level: int) -> Labels | None:
        if level == len(_PRECEDENCE):
            return self.unary()
        lhs = self.binary(level + 1)
        while self.peek().text in _PRECEDENCE[level]:
            op = self.take().text
            bool_mod = False
            if self.peek().text == "bool":
                self.take()
                bool_mod = True
            on: list[str] | None = None
            ignoring: list[str] | None = None
            group: tuple[str, list[str]] | None = None
            if self.peek().text in ("on", "ignoring"):
                which = self.take().text
                names = self.label_list()
                on, ignoring = (names, None) if which == "on" else (None, names)
                if self.peek().text in ("group_left", "group_right"):
                    side = self.take().text
                    extra = self.label_list() if self.peek().text == "(" else []
                    group = (side, extra)
            # ^ is right-associative; everything else left-associative.
            rhs = self.binary(level if op == "^" else level + 1)
            lhs = self.combine(op, lhs, rhs, on, ignoring, group, bool_mod)
        return lhs

    def combine(
        self,
        op: str,
        lhs: Labels | None,
        rhs: Labels | None,
        on: list[str] | None,
        ignoring: list[str] | None,
        group: tuple[str, list[str]] | None,
        bool_mod: bool,
    ) -> Labels | None:
        if lhs is SCALAR or rhs is SCALAR:
            return rhs if lhs is SCALAR else lhs
        where = f"'{op}'"
        if on is not None:
            for side, labels in (("left", lhs), ("right", rhs)):
                for name in on:
                    if name not in labels:
                        self.problems.append(
                            f"{where} on ({', '.join(on)}): label {name!r} is not on the "
                            f"{side} side (has: {_fmt(labels)})"
                        )
        elif op not in _SET_OPS:
            drop = set(ignoring or ())
            if group is None and lhs - drop != rhs - drop:
                self.problems.append(
                    f"{where}: the two sides carry different labels ({_fmt(lhs)} vs "
                    f"{_fmt(rhs)}), so no series would match; aggregate both sides to the same "
                    "labels or use on(...)"
                )
        if group is not None:
            side, extra = group
            one = rhs if side == "group_left" else lhs
            for name in extra:
                if name not in one:
                    self.problems.append(f"{where} {side}: label {name!r} is not on that side")
            many = lhs if side == "group_left" else rhs
            return many | frozenset(extra)
        if op == "or":
            return lhs & rhs  # only the labels every series of the union carries
        if op in _SET_OPS:
            return lhs
        if on is not None:
            return frozenset(on)
        return lhs - frozenset(ignoring or ())

    def unary(self) -> Labels | None:
        if self.peek().text in ("-", "+"):
            self.take()
            return self.unary()
        return self.postfix(self.primary())

    def postfix(self, labels: Labels | None) -> Labels | None:
        while True:
            if self.peek().text == "[":  # range or subquery
                self.take("[")
                while self.peek().text != "]":
                    if self.peek().kind == "eof":
                        raise PromQLError("unclosed '['")
                    self.take()
                self.take("]")
            elif self.peek().text == "offset":
                self.take()
                if self.peek().text == "-":
                    self.take()
                self.take()
            elif self.peek().text == "@":
                self.take()
                self.take()
                if self.peek().text == "(":
                    self.take("(")
                    self.take(")")
            else:
                return labels

    def primary(self) -> Labels | None:
        tok = self.peek()
        if tok.kind == "number":
            self.take()
            return SCALAR
        if tok.kind == "string":
            self.take()
            return SCALAR
        if tok.text == "(":
            self.take("(")
            inner = self.binary(0)
            self.take(")")
            return inner
        if tok.text == "{":
            return self.selector(None)
        if tok.kind == "ident":
            if tok.text in AGGREGATIONS and self.peek(1).text in ("(", "by", "without"):
                return self.aggregation()
            if self.peek(1).text == "(":
                return self.function()
            self.take()
            return self.selector(tok.text)
        raise PromQLError(f"unexpected {tok.text or 'end of query'!r}")

    def selector(self, name: str | None) -> Labels:
        matchers: list[tuple[str, str, str]] = []
        if self.peek().text == "{":
            self.take("{")
            while self.peek().text != "}":
                label = self.take().text
                op = self.take().text
                value = self.take().text
                matchers.append((label, op, value))
                if self.peek().text == ",":
                    self.take(",")
            self.take("}")
        if name is None:
            names = [v.strip("\"'`") for lbl, op, v in matchers if lbl == "__name__" and op == "="]
            if not names:
                self.problems.append("a selector without a metric name cannot be checked")
                return frozenset()
            name = names[0]
        if name not in self.known:
            self.problems.append(f"metric {name!r} is not in the metric catalog")
            return frozenset()
        labels = self.known[name]
        # absent() of a selector carries the labels it matched with ``=``.
        self.equalities = frozenset(lbl for lbl, op, _ in matchers if op == "=" and lbl in labels)
        for label, _, _ in matchers:
            if label != "__name__" and label not in labels:
                self.problems.append(
                    f"{name}: label {label!r} is not on this metric (has: {_fmt(labels)})"
                )
        return labels

    def args(self) -> list[Labels | str | None]:
        """Arguments of a call; string literals are returned as their text."""
        self.take("(")
        out: list[Labels | str | None] = []
        while self.peek().text != ")":
            if self.peek().kind == "string" and self.peek(1).text in (",", ")"):
                out.append(self.take().text[1:-1])
            else:
                out.append(self.binary(0))
            if self.peek().text == ",":
                self.take(",")
        self.take(")")
        return out

    def function(self) -> Labels | None:
        name = self.take().text
        self.equalities = frozenset()
        args = self.args()
        vectors = [a for a in args if isinstance(a, frozenset)]
        if name in ("time", "scalar", "pi"):
            return SCALAR
        if name == "vector":
            return frozenset()
        if name in ("absent", "absent_over_time"):
            return self.equalities
        if name == "histogram_quantile":
            labels = vectors[0] if vectors else frozenset()
            if "le" not in labels:
                self.problems.append("histogram_quantile: its argument has no 'le' label")
            return labels - {"le"}
        if name in ("label_replace", "label_join"):
            labels = vectors[0] if vectors else frozenset()
            names = [a for a in args if isinstance(a, str)]
            dst = names[0] if names else ""
            sources = names[2:3] if name == "label_replace" else names[2:]
            for src in sources:
                if src not in labels:
                    self.problems.append(
                        f"{name}: source label {src!r} is not on its argument (has: {_fmt(labels)})"
                    )
            return labels | {dst}
        if name in _PASS_THROUGH:
            return vectors[0] if vectors else SCALAR
        self.problems.append(f"function {name!r} is not known to this checker")
        return vectors[0] if vectors else SCALAR

    def aggregation(self) -> Labels:
        op = self.take().text
        clause: tuple[str, list[str]] | None = None
        if self.peek().text in ("by", "without"):
            clause = (self.take().text, self.label_list())
        args = self.args()
        if clause is None and self.peek().text in ("by", "without"):
            clause = (self.take().text, self.label_list())
        vectors = [a for a in args if isinstance(a, frozenset)]
        inner = vectors[-1] if vectors else frozenset()
        extra = {a for a in args if isinstance(a, str)} if op == "count_values" else set()
        if clause is None:
            kept: Labels = frozenset()
        elif clause[0] == "by":
            for name in clause[1]:
                if name not in inner:
                    self.problems.append(
                        f"{op} by ({', '.join(clause[1])}): label {name!r} is not on the "
                        f"argument (has: {_fmt(inner)})"
                    )
            kept = frozenset(clause[1])
        else:
            kept = inner - frozenset(clause[1])
        if op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return inner
        return kept | extra


def catalog_series() -> dict[str, Labels]:
    """Series name → labels, for every series of the metric catalog as the SDK dialect spells
    it: a scraped series also carries its target's labels, a histogram's ``_bucket`` ``le``."""
    known: dict[str, Labels] = {}
    spelling = dialect()
    for metric in catalog.ALL:
        if not spelling.emits(metric):
            continue
        labels = frozenset(spelling.labels(metric))
        labels |= scraped_namespace(labels) | cluster_label()
        if metric.source is not catalog.Source.PROMETHEUS:
            labels |= frozenset(catalog.TARGET_LABELS)
        for name in spelling.all_series(metric):
            bucket = metric.type is MetricType.HISTOGRAM and name.endswith("_bucket")
            known[name] = labels | {"le"} if bucket else labels
    return known


def problems(expr: str, known: Mapping[str, Labels]) -> list[str]:
    """What in ``expr`` names an unknown series or a label its series cannot carry."""
    try:
        reader = _Reader(expr, known)
        reader.parse()
    except PromQLError as err:
        return [f"cannot read the query: {err}"]
    return reader.problems
