"""A small, safe, vectorised expression language for derived columns — never eval/exec.

Expressions use Python's *syntax* (parsed with :mod:`ast`, mode ``eval``) but only a whitelist of node
types is accepted and evaluation is our own tree walk over whole Arrow arrays with pyarrow.compute:

    quantity * unit_price
    round(quantity * unit_price * (1 - discount), 2)
    years_between(birth_date, signup_ts)
    if_else(age >= 65, "senior", "adult")
    customer_id.signup_ts + days(3)          # a parent's column through a foreign key

Templates are strings with ``{column}`` or ``{column|filter}`` placeholders: ``"{first_name|lower}.{last_name|lower}@example.com"``.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings


class ExpressionError(ValueError):
    """An expression or template the evaluator refuses; ``offset`` is the 0-based column in the text."""

    def __init__(self, message: str, offset: int | None = None, suggestion: str | None = None):
        super().__init__(message)
        self.offset = offset
        self.suggestion = suggestion


_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.Name,
    ast.Attribute, ast.Constant, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Pow, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt,
    ast.GtE,
)


def _as_float(a):
    return pc.cast(a, pa.float64()) if _is_arrow(a) and pa.types.is_integer(a.type) else a


def _is_arrow(a) -> bool:
    return isinstance(a, pa.Array | pa.ChunkedArray | pa.Scalar)


def _years_between(start, end):
    # Whole years completed, as people count age: subtract one if the anniversary is not reached yet.
    start = _to_date(start)
    end = _to_date(end)
    years = pc.subtract(pc.year(end), pc.year(start))
    before = pc.or_(pc.less(pc.month(end), pc.month(start)),
                    pc.and_(pc.equal(pc.month(end), pc.month(start)), pc.less(pc.day(end), pc.day(start))))
    return pc.subtract(years, pc.cast(before, pa.int64()))


def _to_date(a):
    if isinstance(a, str):
        return pa.scalar(dt.date.fromisoformat(a[:10]))
    if _is_arrow(a) and pa.types.is_timestamp(a.type):
        return pc.cast(a, pa.date32())
    return a


def _days_between(start, end):
    return pc.days_between(_to_date(start), _to_date(end))


def _days(n):
    return pa.scalar(dt.timedelta(days=float(n))) if not _is_arrow(n) else pc.cast(
        pc.multiply(pc.cast(n, pa.float64()), 86_400_000_000.0).cast(pa.int64(), safe=False), pa.duration("us"))


def _hours(n):
    return _days(n / 24) if not _is_arrow(n) else _days(pc.divide(pc.cast(n, pa.float64()), 24.0))


def _minutes(n):
    return _days(n / 1440) if not _is_arrow(n) else _days(pc.divide(pc.cast(n, pa.float64()), 1440.0))


def _round(a, ndigits=0):
    return pc.round(_as_float(a), ndigits=int(ndigits))


def _str(a):
    return pc.cast(a, pa.string()) if _is_arrow(a) else pa.scalar(str(a))


FUNCTIONS: dict[str, Callable[..., object]] = {
    "lower": pc.utf8_lower,
    "upper": pc.utf8_upper,
    "title": pc.utf8_title,
    "strip": pc.utf8_trim_whitespace,
    "length": pc.utf8_length,
    "concat": lambda *a: pc.binary_join_element_wise(*[_str(x) for x in a], ""),
    "replace": lambda a, old, new: pc.replace_substring(a, old, new),
    "round": _round,
    "floor": lambda a: pc.floor(_as_float(a)),
    "ceil": lambda a: pc.ceil(_as_float(a)),
    "abs": pc.abs,
    "sqrt": lambda a: pc.sqrt(_as_float(a)),
    "min": pc.min_element_wise,
    "max": pc.max_element_wise,
    "int": lambda a: pc.cast(pc.trunc(_as_float(a)) if _is_arrow(a) and pa.types.is_floating(a.type) else a,
                             pa.int64()),
    "float": lambda a: pc.cast(a, pa.float64()),
    "str": _str,
    "year": pc.year,
    "month": pc.month,
    "day": pc.day,
    "hour": pc.hour,
    "weekday": pc.day_of_week,
    "date": lambda a: pa.scalar(dt.date.fromisoformat(a)) if isinstance(a, str) else pc.cast(a, pa.date32()),
    "timestamp": lambda a: pa.scalar(dt.datetime.fromisoformat(a), pa.timestamp("us")) if isinstance(a, str)
    else pc.cast(a, pa.timestamp("us")),
    "years_between": _years_between,
    "days_between": _days_between,
    "days": _days,
    "hours": _hours,
    "minutes": _minutes,
    "if_else": lambda c, a, b: pc.if_else(c, a, b),
    "coalesce": pc.coalesce,
    "is_null": pc.is_null,
}

_BINOPS: dict[type, Callable[..., object]] = {
    ast.Add: lambda a, b: pc.add(a, b) if not (_stringy(a) or _stringy(b))
    else pc.binary_join_element_wise(_str(a), _str(b), ""),
    ast.Sub: pc.subtract,
    ast.Mult: pc.multiply,
    ast.Div: lambda a, b: pc.divide(_as_float(a), _as_float(b)),
    ast.FloorDiv: lambda a, b: pc.floor(pc.divide(_as_float(a), _as_float(b))),
    ast.Mod: lambda a, b: pc.subtract(a, pc.multiply(pc.floor(pc.divide(_as_float(a), _as_float(b))), b)),
    ast.Pow: lambda a, b: pc.power(_as_float(a), b),
}
_CMPOPS = {ast.Eq: pc.equal, ast.NotEq: pc.not_equal, ast.Lt: pc.less, ast.LtE: pc.less_equal,
           ast.Gt: pc.greater, ast.GtE: pc.greater_equal}


def _stringy(a) -> bool:
    if isinstance(a, str):
        return True
    return _is_arrow(a) and pa.types.is_string(a.type)


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.Expression
    references: tuple[str, ...]

    def evaluate(self, resolve: Callable[[str], pa.Array], length: int) -> pa.Array:
        out = _Evaluator(resolve).visit(self.tree.body)
        if isinstance(out, pa.Scalar):
            return pa.repeat(out, length)
        if not _is_arrow(out):
            return pa.repeat(pa.scalar(out), length)
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


@lru_cache(maxsize=1024)
def parse_expression(text: str) -> Expression:
    """Parse and check an expression; the result names the columns it reads (``a`` or ``fk.parent_col``)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid expression: {exc.msg}", (exc.offset or 1) - 1) from None
    refs: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed in expressions",
                                  getattr(node, "col_offset", None))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                from mock_pipelines.core.registry import suggest

                raise ExpressionError(f"unknown function {name!r}", node.col_offset, suggest(name, FUNCTIONS))
            if node.keywords:
                raise ExpressionError("functions take positional arguments only", node.col_offset)
        if isinstance(node, ast.Attribute):
            if not isinstance(node.value, ast.Name):
                raise ExpressionError("only one level of `fk_column.parent_column` is allowed", node.col_offset)
            refs.append(f"{node.value.id}.{node.attr}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str | bool):
            raise ExpressionError(f"constant {node.value!r} is not allowed", node.col_offset)
    attribute_bases = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    func_names = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in attribute_bases and id(node) not in func_names:
            refs.append(node.id)
    return Expression(text, tree, tuple(dict.fromkeys(refs)))


class _Evaluator:
    def __init__(self, resolve: Callable[[str], pa.Array]):
        self.resolve = resolve

    def visit(self, node: ast.AST):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.resolve(node.id)
        if isinstance(node, ast.Attribute):
            return self.resolve(f"{node.value.id}.{node.attr}")  # type: ignore[attr-defined]
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.UnaryOp):
            value = self.visit(node.operand)
            if isinstance(node.op, ast.USub):
                return pc.negate(value) if _is_arrow(value) else -value
            if isinstance(node.op, ast.Not):
                return pc.invert(value) if _is_arrow(value) else not value
            return value
        if isinstance(node, ast.BoolOp):
            fn = pc.and_kleene if isinstance(node.op, ast.And) else pc.or_kleene
            values = [self.visit(v) for v in node.values]
            out = values[0]
            for v in values[1:]:
                out = fn(out, v)
            return out
        if isinstance(node, ast.Compare):
            left = self.visit(node.left)
            out = None
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self.visit(comparator)
                part = _CMPOPS[type(op)](left, right)
                out = part if out is None else pc.and_kleene(out, part)
                left = right
            return out
        if isinstance(node, ast.IfExp):
            return pc.if_else(self.visit(node.test), self.visit(node.body), self.visit(node.orelse))
        if isinstance(node, ast.Call):
            return FUNCTIONS[node.func.id](*[self.visit(a) for a in node.args])  # type: ignore[attr-defined]
        raise ExpressionError(f"{type(node).__name__} is not allowed")


# ---- templates ------------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
TEMPLATE_FILTERS: dict[str, Callable[[pa.Array, str], pa.Array]] = {  # (values, locale) → values
    "lower": lambda a, _: pc.utf8_lower(a),
    "upper": lambda a, _: pc.utf8_upper(a),
    "title": lambda a, _: pc.utf8_title(a),
    "strip": lambda a, _: pc.utf8_trim_whitespace(a),
    "slug": lambda a, _: pc.replace_substring_regex(pc.utf8_lower(a), r"[^a-z0-9]+", "-"),
    "ascii": lambda a, locale: ascii_filter(a, locale),
}
_NOT_ASCII_FILTERED = r"[^A-Za-z0-9._-]+"


def ascii_filter(values: pa.Array | pa.ChunkedArray, locale: str = "en_US") -> pa.Array:
    """The ``|ascii`` template filter: transliterate to ASCII for the locale the way e-mail addresses fold
    names (de_DE ``Matthäi`` → ``Matthaei``, ja_JP ``木村`` → ``Kimura``; other letters through anyascii:
    ``Łódź`` → ``Lodz``), keeping case, then drop what is not a letter, digit, ``.``, ``_`` or ``-``. Each
    distinct value is transliterated once; a column that is ASCII already skips the transliteration."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:  # nothing to transliterate
        return pc.replace_substring_regex(values, _NOT_ASCII_FILTERED, "")
    from mock_pipelines.core.generators.internet import transliterate

    encoded = pc.dictionary_encode(values)
    distinct = pa.array([transliterate(v, locale) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.replace_substring_regex(distinct, _NOT_ASCII_FILTERED, "").take(encoded.indices)


UNIQUE_TOKEN = "_unique"  # a short base-36 token, distinct for every row of the table
ROW_TOKEN = "_row"  # the row number (0-based)


@dataclass(frozen=True)
class Template:
    text: str
    parts: tuple[tuple[str, str | None, tuple[str, ...]], ...]  # (literal, column or None, filters)

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for _, c, _ in self.parts if c and not c.startswith("_")))

    @property
    def has_unique_token(self) -> bool:
        return any(c in (UNIQUE_TOKEN, ROW_TOKEN) for _, c, _ in self.parts)

    def render(self, resolve: Callable[[str], pa.Array], rows: np.ndarray, key: int,
               locale: str = "en_US") -> pa.Array:
        """The template's text for ``rows``; ``locale`` is the table's (``|ascii`` transliterates for it)."""
        pieces: list[pa.Array | str] = []
        for literal, column, filters in self.parts:
            if literal:
                pieces.append(literal)
            if column is None:
                continue
            if column == UNIQUE_TOKEN:
                value = strings.base36(rnd.permute_pow2(rows.astype(np.uint64), 40, key))
            elif column == ROW_TOKEN:
                value = strings.int_to_str(rows)
            else:
                value = resolve(column)
                if value.type != pa.string():
                    value = pc.cast(value, pa.string())
            for f in filters:
                value = TEMPLATE_FILTERS[f](value, locale)
            pieces.append(value)
        if not any(not isinstance(p, str) for p in pieces):
            return pa.repeat(pa.scalar("".join(pieces)), len(rows))  # type: ignore[arg-type]
        return strings.concat(pieces)


@lru_cache(maxsize=1024)
def parse_template(text: str) -> Template:
    parts = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        name, *filters = [s.strip() for s in match.group(1).split("|")]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?", name):
            raise ExpressionError(f"invalid placeholder {{{match.group(1)}}}", match.start())
        for f in filters:
            if f not in TEMPLATE_FILTERS:
                from mock_pipelines.core.registry import suggest

                raise ExpressionError(f"unknown template filter {f!r}", match.start(), suggest(f, TEMPLATE_FILTERS))
        parts.append((text[pos:match.start()], name, tuple(filters)))
        pos = match.end()
    if pos < len(text) or not parts:
        parts.append((text[pos:], None, ()))
    return Template(text, tuple(parts))


def evaluate_with(values: Mapping[str, pa.Array], text: str) -> pa.Array:
    """Convenience for tests and the CLI: evaluate ``text`` over a mapping of equal-length arrays."""
    expr = parse_expression(text)
    length = len(next(iter(values.values()))) if values else 1
    return expr.evaluate(lambda name: values[name], length)
