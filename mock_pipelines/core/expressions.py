"""A small, safe, vectorised expression language for derived columns — never eval/exec.

Expressions use Python's *syntax* (parsed with :mod:`ast`, mode ``eval``) but only a whitelist of node
types is accepted and evaluation is our own tree walk over whole Arrow arrays with pyarrow.compute:

    quantity * unit_price
    round(quantity * unit_price * (1 - discount), 2)
    years_between(birth_date, signup_ts)
    if_else(age >= 65, "senior", "adult")
    customer_id.signup_ts + days(3)          # a parent's column through a foreign key
    appointment_id.doctor_id.base_fee        # ... at any depth, one foreign key per hop
    if_else(status == "cancelled", reason, null)

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
from mock_pipelines.core.timeline import US_PER_DAY


class Refused(ValueError):
    """An operation refused while evaluating, with a hint for the person who wrote the expression."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


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


def _to_float(a):
    """Operands of `/`, `//`, `%` and `**`, which always give floats: integers, decimals and Python numbers
    become float64 (a decimal divided exactly would outgrow any precision)."""
    if _is_arrow(a):
        if pa.types.is_integer(a.type) or pa.types.is_decimal(a.type) or pa.types.is_floating(a.type):
            return pc.cast(a, pa.float64())
        return a
    if isinstance(a, int | float) and not isinstance(a, bool):
        return pa.scalar(float(a), pa.float64())
    return a


DECIMAL_DIGITS = 18  # an exact decimal quotient: at most 18 digits (its unscaled value fits 64 bits)


def _exact_operand(a) -> bool:
    """A decimal or an integer (column or constant): what a decimal divides exactly."""
    if _is_arrow(a):
        return pa.types.is_decimal(a.type) or pa.types.is_integer(a.type)
    return isinstance(a, int) and not isinstance(a, bool)


def _unscaled(a, length: int | None) -> tuple[np.ndarray, int, np.ndarray | None]:
    """(unscaled int64 values, scale, null mask) of a decimal or integer operand, refusing a value whose
    unscaled form does not fit 64 bits."""
    if not _is_arrow(a):
        return np.asarray([a], dtype=np.int64), 0, None
    if isinstance(a, pa.Scalar):
        a = pa.array([a.as_py()], a.type)
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    null = np.asarray(a.is_null().to_numpy(zero_copy_only=False)) if a.null_count else None
    if pa.types.is_integer(a.type):
        return np.asarray(pc.fill_null(a.cast(pa.int64()), 0).to_numpy()), 0, null
    scale = a.type.scale
    wide = pc.fill_null(a, 0).cast(pa.decimal128(38, scale)) if a.type != pa.decimal128(38, scale) else \
        pc.fill_null(a, 0)
    words = np.frombuffer(wide.buffers()[1], dtype=np.int64)[2 * wide.offset:2 * (wide.offset + len(wide))]
    low, high = words[0::2], words[1::2]
    if not np.array_equal(high, low >> 63):
        raise Refused(f"a decimal of more than {DECIMAL_DIGITS} digits cannot be divided exactly",
                      "round it first, or declare a smaller type for the columns it reads")
    return low.copy(), scale, null


def _decimal_divide(a, b, scale: int, length: int) -> pa.Array:
    """``a / b`` for decimals and integers, exact: the quotient rounded half to even at ``scale`` digits,
    computed on 64-bit unscaled integers (no float). A zero divisor gives null."""
    num, sa, null_a = _unscaled(a, length)
    den, sb, null_b = _unscaled(b, length)
    k = scale + sb - sa  # quotient unscaled = num * 10^k / den
    top = (2 ** 63 - 1) // 10 ** abs(k) if abs(k) <= 18 else 0
    if k >= 0:
        if top == 0 or np.abs(num).max(initial=0) > top:
            raise Refused(f"a decimal division at scale {scale} overflows {DECIMAL_DIGITS} digits",
                          "declare a smaller scale, or bound the values divided")
        num = num * 10 ** k
    else:
        if top == 0 or np.abs(den).max(initial=0) > top:
            raise Refused(f"a decimal division at scale {scale} overflows {DECIMAL_DIGITS} digits",
                          "declare a larger scale, or bound the divisor")
        den = den * 10 ** (-k)
    num, den = np.broadcast_arrays(num, den)
    zero = den == 0
    sign = np.where(den < 0, -1, 1)
    num, den = num * sign, np.where(zero, 1, den * sign)
    q, r = np.divmod(num, den)  # floor: 0 <= r < den
    up = (r > den - r) | ((r == den - r) & (q % 2 == 1))  # half to even
    out = q + up
    null = zero.copy()
    for mask in (null_a, null_b):
        if mask is not None:
            null |= mask
    if len(out) != length:
        out, null = np.broadcast_to(out, (length,)), np.broadcast_to(null, (length,))
    words = np.empty(2 * length, dtype=np.int64)
    words[0::2], words[1::2] = out, out >> 63
    values = pa.Array.from_buffers(pa.decimal128(38, scale), length, [None, pa.py_buffer(words.tobytes())])
    if null.any():
        values = pc.if_else(pa.array(null), pa.nulls(length, values.type), values)
    return values.cast(pa.decimal128(DECIMAL_DIGITS + 1, scale))


def _any(mask) -> bool:
    if isinstance(mask, pa.Scalar):
        return bool(mask.as_py())
    return bool(pc.any(mask).as_py())


def _power(a, b):
    base, exponent = _to_float(a), _to_float(b)
    out = pc.power(base, exponent)
    if _is_arrow(out) and pa.types.is_floating(out.type) and _any(
            pc.and_(pc.is_inf(out), pc.and_(pc.is_finite(base), pc.is_finite(exponent)))):
        raise Refused("`**` overflows: the result is too large for a float (over 1.8e308)",
                      "use smaller operands, or compute with logarithms")
    return out


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


MAX_DURATION_DAYS = 3_652_059  # days from 0001-01-01 to 9999-12-31: the widest span a date can have
ROUND_DIGITS = 30  # round(x, n) accepts -30 <= n <= 30


def _days(n):
    """A duration of ``n`` days (fractional allowed), rounded to the nearest microsecond."""
    if not _is_arrow(n):
        if not _plain_number(n):
            raise Refused(f"days() needs a number, got {n!r}", "e.g. days(3) or days(delay_column)")
        if not abs(n) <= MAX_DURATION_DAYS:
            raise Refused(f"a duration of {n!r} days is out of range: it is at most {MAX_DURATION_DAYS:,} days "
                          "(years 1 to 9999)", "a duration of days, hours or minutes within the calendar")
        return pa.scalar(dt.timedelta(days=float(n)))
    micros = pc.round(pc.multiply(pc.cast(n, pa.float64()), float(US_PER_DAY)))
    top = pc.max(pc.abs(micros)).as_py()
    if top is not None and not top <= MAX_DURATION_DAYS * US_PER_DAY:
        raise Refused(f"days(n) is out of range: n reaches {top / US_PER_DAY:g} days, a duration is at "
                      f"most {MAX_DURATION_DAYS:,} days (years 1 to 9999)", "bound the column the duration reads")
    return pc.cast(micros.cast(pa.int64()), pa.duration("us"))


def _hours(n):
    return _days(n / 24 if _plain_number(n) else pc.divide(pc.cast(n, pa.float64()), 24.0))


def _minutes(n):
    return _days(n / 1440 if _plain_number(n) else pc.divide(pc.cast(n, pa.float64()), 1440.0))


def _seconds(n):
    return _days(n / 86400 if _plain_number(n) else pc.divide(pc.cast(n, pa.float64()), 86400.0))


def _plain_number(n) -> bool:
    return isinstance(n, int | float) and not isinstance(n, bool)


def _round(a, ndigits=0):
    return pc.round(_as_float(a), ndigits=_round_digits(ndigits))


def _round_digits(ndigits) -> int:
    if isinstance(ndigits, pa.Scalar):
        ndigits = ndigits.as_py()
    if isinstance(ndigits, float) and ndigits.is_integer():
        ndigits = int(ndigits)
    if isinstance(ndigits, bool) or not isinstance(ndigits, int) or not -ROUND_DIGITS <= ndigits <= ROUND_DIGITS:
        raise Refused(f"round(x, n) needs a whole number n between {-ROUND_DIGITS} and {ROUND_DIGITS}, "
                      f"got {ndigits!r}", "e.g. round(price, 2)")
    return ndigits


def _date_literal(a):
    if isinstance(a, str):
        try:
            return pa.scalar(dt.date.fromisoformat(a))
        except ValueError as exc:
            raise Refused(f"invalid date {a!r} ({exc})", "write a real date as 'YYYY-MM-DD', e.g. "
                          "date('2024-12-31')") from None
    return pc.cast(a, pa.date32())


def _timestamp_literal(a):
    if isinstance(a, str):
        try:
            return pa.scalar(dt.datetime.fromisoformat(a), pa.timestamp("us"))
        except ValueError as exc:
            raise Refused(f"invalid timestamp {a!r} ({exc})", "write a real moment as 'YYYY-MM-DD HH:MM:SS', "
                          "e.g. timestamp('2024-12-31 23:00:00')") from None
    return pc.cast(a, pa.timestamp("us"))


NULL_NAMES = ("null", "None")  # the null literal: `null` (or Python's `None`)


def _typed_nulls(*args):
    """Give a bare ``null`` the type of the other operands (``coalesce(reason, null)``, ``max(x, null)``):
    the kernels of those functions have no form for a null-typed operand next to a typed one."""
    typed = next((a.type for a in args if _is_arrow(a) and not pa.types.is_null(a.type)), None)
    if typed is None:
        return args
    return tuple(a.cast(typed) if _is_arrow(a) and pa.types.is_null(a.type) else a for a in args)


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
    "min": lambda *a: pc.min_element_wise(*_typed_nulls(*a)),
    "max": lambda *a: pc.max_element_wise(*_typed_nulls(*a)),
    "int": lambda a: pc.cast(pc.trunc(_as_float(a)) if _is_arrow(a) and pa.types.is_floating(a.type) else a,
                             pa.int64()),
    "float": lambda a: pc.cast(a, pa.float64()),
    "str": _str,
    "year": pc.year,
    "month": pc.month,
    "day": pc.day,
    "hour": pc.hour,
    "weekday": pc.day_of_week,
    "date": _date_literal,
    "timestamp": _timestamp_literal,
    "years_between": _years_between,
    "days_between": _days_between,
    "days": _days,
    "hours": _hours,
    "minutes": _minutes,
    "seconds": _seconds,
    "if_else": lambda c, a, b: pc.if_else(c, *_typed_nulls(a, b)),
    "coalesce": lambda *a: pc.coalesce(*_typed_nulls(*a)),
    "is_null": pc.is_null,
}

_BINOPS: dict[type, Callable[..., object]] = {
    # Integer arithmetic is checked: an overflow is an error, never a silently wrapped value.
    ast.Add: lambda a, b: pc.add_checked(a, b) if not (_stringy(a) or _stringy(b))
    else pc.binary_join_element_wise(_str(a), _str(b), ""),
    ast.Sub: pc.subtract_checked,
    ast.Mult: pc.multiply_checked,
    ast.Div: lambda a, b: pc.divide(_to_float(a), _to_float(b)),
    ast.FloorDiv: lambda a, b: pc.floor(pc.divide(_to_float(a), _to_float(b))),
    ast.Mod: lambda a, b: pc.subtract(_to_float(a), pc.multiply(pc.floor(pc.divide(_to_float(a), _to_float(b))),
                                                                _to_float(b))),
    ast.Pow: _power,
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

    def evaluate(self, resolve: Callable[[str], pa.Array], length: int, decimal_scale: int | None = None) -> pa.Array:
        """The values for ``length`` rows; ``decimal_scale``: the scale the column declares (``decimal(p,s)``),
        at which a decimal divided by a decimal or an integer is computed exactly (else ``/`` gives floats)."""
        out = _Evaluator(resolve, decimal_scale, length).visit(self.tree.body)
        if isinstance(out, pa.Scalar):
            return pa.repeat(out, length)
        if not _is_arrow(out):
            return pa.repeat(pa.scalar(out), length)
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


# Bounds on an expression's size, checked before it is walked: a formula a person writes is far smaller,
# and deeper or larger trees would only exhaust the stack or the memory of the tool.
MAX_EXPRESSION_CHARS = 4_000
MAX_EXPRESSION_NODES = 1_000
MAX_EXPRESSION_DEPTH = 60
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


@lru_cache(maxsize=1024)
def parse_tree(text: str, what: str, too_long_hint: str) -> ast.Expression:
    """``text`` parsed as one Python expression (``what`` names it in errors), refused with an
    :class:`ExpressionError` when it is longer than ``MAX_EXPRESSION_CHARS`` or is not valid syntax."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"{what} of {len(text):,} characters is too long (at most "
                              f"{MAX_EXPRESSION_CHARS:,})", 0, too_long_hint)
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid {what}: {exc.msg}", (exc.offset or 1) - 1) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"invalid {what}: {type(exc).__name__}: {exc}"[:200], 0) from None


def parse_expression(text: str) -> Expression:
    """Parse and check an expression; the result names the columns it reads (``a`` or ``fk.parent_col``).

    Besides the syntax and the whitelist, the parts made of constants only are evaluated here, so a
    division by zero, an invalid date literal or an overflowing power is refused before any data exists.
    """
    tree = parse_tree(text, "expression", "split it into several derived columns")
    _check_size(tree)
    refs: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed in expressions",
                                  getattr(node, "col_offset", None))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                from mock_pipelines.spec.errors import suggest

                raise ExpressionError(f"unknown function {name!r}", node.col_offset, suggest(name, FUNCTIONS))
            if node.keywords:
                raise ExpressionError("functions take positional arguments only", node.col_offset)
        if isinstance(node, ast.Attribute) and _dotted(node) is None:
            raise ExpressionError("a parent attribute is a chain of names: `fk_column.parent_column` or "
                                  "`fk_column.parent_fk.column`", node.col_offset)
        if isinstance(node, ast.Constant) and node.value is not None and \
                not isinstance(node.value, int | float | str | bool):
            raise ExpressionError(f"constant {node.value!r} is not allowed", node.col_offset)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool) \
                and not _INT64[0] <= node.value <= _INT64[1]:
            raise ExpressionError(f"integer {node.value} does not fit a 64-bit integer", node.col_offset,
                                  f"write it as a float ({float(node.value):.6g}) or use a smaller number")
    attribute_parts = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    func_names = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in attribute_parts:
            refs.append(_dotted(node))  # type: ignore[arg-type]
        if isinstance(node, ast.Name) and id(node) not in attribute_parts and id(node) not in func_names \
                and node.id not in NULL_NAMES:
            refs.append(node.id)
    _check_constants(tree.body, text)
    return Expression(text, tree, tuple(dict.fromkeys(refs)))


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` of an attribute chain over plain names, or None (``f(x).y``, ``"s".upper``)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _check_size(tree: ast.AST) -> None:
    """Refuse trees deeper or larger than the bounds above (iteratively: no recursion on untrusted depth)."""
    stack = [(tree, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(f"expression nested more than {MAX_EXPRESSION_DEPTH} levels deep",
                                  getattr(node, "col_offset", 0), "split it into several derived columns")
        if count > MAX_EXPRESSION_NODES:
            raise ExpressionError(f"expression has more than {MAX_EXPRESSION_NODES:,} parts",
                                  getattr(node, "col_offset", 0), "split it into several derived columns")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_constants(node: ast.AST, text: str) -> bool:
    """True when ``node`` reads no column. Evaluates every largest constant part once (an error there would
    be an error on every row) and checks what must be a constant: round's digits, a non-zero divisor."""
    if isinstance(node, ast.Name) and node.id in NULL_NAMES:
        return True
    if isinstance(node, ast.Name | ast.Attribute):
        return False
    if isinstance(node, ast.Call):
        children = node.args
    else:
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
    flags = [_check_constants(c, text) for c in children]
    if isinstance(node, ast.Call) and node.func.id == "round" and len(node.args) > 1:  # type: ignore[attr-defined]
        digits = node.args[1]
        if not flags[1]:
            raise ExpressionError("round(x, n): n must be a constant", digits.col_offset,
                                  "write the number of digits, e.g. round(price, 2)")
        try:
            _round_digits(_constant_value(digits))
        except Refused as exc:
            raise ExpressionError(str(exc), digits.col_offset, exc.hint) from None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and flags[1]:
        divisor = _constant_value(node.right)
        divisor = divisor.as_py() if isinstance(divisor, pa.Scalar) else divisor
        if isinstance(divisor, int | float) and not isinstance(divisor, bool) and divisor == 0:
            raise ExpressionError("division by zero", node.right.col_offset,
                                  "divide by a non-zero number (every row would divide by zero)")
    if all(flags):
        _constant_value(node)
        return True
    return False


def _constant_value(node: ast.expr):
    try:
        return _Evaluator(_no_columns).visit(node)
    except ExpressionError:
        raise
    except Exception as exc:  # any failure of a constant part is the schema's error
        hint = exc.hint if isinstance(exc, Refused) else \
            "this part reads no column, so it would fail the same way on every row"
        raise ExpressionError(f"{ast.unparse(node)}: {_reason(exc)}", node.col_offset, hint) from None


def _no_columns(name: str):
    raise ExpressionError(f"unexpected column {name!r} in a constant")


def _reason(exc: Exception) -> str:
    """A short reason for a failed operation, without Arrow's kernel jargon."""
    if isinstance(exc, pa.ArrowNotImplementedError):
        return "the operation does not apply to these types of values"
    message = str(exc).split("\n")[0]
    return message or type(exc).__name__


class _Evaluator:
    def __init__(self, resolve: Callable[[str], pa.Array], decimal_scale: int | None = None, length: int = 1):
        self.resolve = resolve
        self.decimal_scale = decimal_scale
        self.length = length

    def visit(self, node: ast.AST):
        if isinstance(node, ast.Constant):
            return pa.scalar(None) if node.value is None else node.value
        if isinstance(node, ast.Name):
            return pa.scalar(None) if node.id in NULL_NAMES else self.resolve(node.id)
        if isinstance(node, ast.Attribute):
            return self.resolve(_dotted(node))  # type: ignore[arg-type]
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Div) and self.decimal_scale is not None and _exact_operand(left) \
                    and _exact_operand(right) and any(_is_arrow(x) and pa.types.is_decimal(x.type)
                                                      for x in (left, right)):
                length = max(len(x) if isinstance(x, pa.Array | pa.ChunkedArray) else 1 for x in (left, right))
                return _decimal_divide(left, right, self.decimal_scale, length)
            return _BINOPS[type(node.op)](left, right)
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
            return pc.if_else(self.visit(node.test), *_typed_nulls(self.visit(node.body), self.visit(node.orelse)))
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
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", name):
            raise ExpressionError(f"invalid placeholder {{{match.group(1)}}}", match.start())
        for f in filters:
            if f not in TEMPLATE_FILTERS:
                from mock_pipelines.spec.errors import suggest

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
