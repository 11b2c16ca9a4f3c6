"""Table-level CHECK constraints (``checks:``): conditions over a row's own columns.

A check is an expression of :mod:`mock_pipelines.core.expressions` that yields a boolean per row. It lands
as a SQL ``CHECK`` constraint (:mod:`mock_pipelines.store.sql.ddl`) and as a blocking quality rule
(``check__<name>``), so only the part of the language that every database can hold is accepted:

* columns of the same table (a CHECK constraint cannot reach another table: no ``fk.parent_column``);
* comparisons (chains too), ``and``/``or``/``not``, ``+ - * /``, numbers, strings, ``True``/``False``;
* ``is_null(x)``, ``coalesce(a, b, …)``, ``abs(x)``, ``lower(s)``, ``upper(s)``, and the literals
  ``date('2024-01-01')`` / ``timestamp('2024-01-01 00:00:00')``.

As in SQL, a row whose condition is null (it reads a null) satisfies the check: only ``False`` violates it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.expressions import Expression, parse_expression

SQL_FUNCTIONS = ("is_null", "coalesce", "abs", "lower", "upper", "date", "timestamp")
LITERAL_FUNCTIONS = ("date", "timestamp")  # their argument must be a constant text
SQL_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_OP_TEXT = {ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}


@dataclass(frozen=True)
class CheckProblem:
    """Why a check is refused: ``offset`` is the 0-based column in its text."""

    message: str
    offset: int = 0
    suggestion: str | None = None


def check_problems(expr: Expression) -> list[CheckProblem]:
    """What keeps a parsed expression from being a CHECK constraint (an empty list when nothing does).
    Column names are checked by the caller, which knows the table."""
    problems: list[CheckProblem] = []
    for node in ast.walk(expr.tree):
        at = getattr(node, "col_offset", 0)
        if isinstance(node, ast.Attribute):
            ref = f"{ast.unparse(node.value)}.{node.attr}"
            problems.append(CheckProblem(
                f"`{ref}` reads a parent table, which a CHECK constraint cannot reach", at,
                f"copy the attribute into a column of this table (e.g. `{node.attr}: {{expr: {ref}}}`) and "
                "check that column"))
        elif isinstance(node, ast.BinOp) and not isinstance(node.op, SQL_BINOPS):
            problems.append(CheckProblem(
                f"`{_OP_TEXT.get(type(node.op), '?')}` has no SQL form the three databases share", at,
                "use + - * / and comparisons, or compute the value in a column and check that column"))
        elif isinstance(node, ast.BinOp) and any(isinstance(x, ast.Constant) and isinstance(x.value, str)
                                                 for x in (node.left, node.right)):
            problems.append(CheckProblem("`+` joins texts only in expressions, not in SQL", at,
                                         "compare the texts themselves, or build the text in a column"))
        elif isinstance(node, ast.IfExp):
            problems.append(CheckProblem("`x if c else y` has no SQL form here", at,
                                         "write the condition with and/or: `not c or x`"))
        elif isinstance(node, ast.Call):
            name = node.func.id  # type: ignore[attr-defined]  # parse_expression allows plain names only
            if name not in SQL_FUNCTIONS:
                problems.append(CheckProblem(
                    f"{name}() has no SQL form in a CHECK constraint", at,
                    f"use {', '.join(f + '()' for f in SQL_FUNCTIONS[:5])} there, or compute the value in a "
                    "column and check that column"))
            elif name in LITERAL_FUNCTIONS and not (
                    len(node.args) == 1 and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                problems.append(CheckProblem(f"{name}() takes a constant text in a check", at,
                                             f"e.g. {name}('2024-01-01'); compare the column itself otherwise"))
    body = expr.tree.body
    if not _is_condition(body):
        problems.append(CheckProblem(
            f"`{expr.text.strip()}` is not a condition: a check must be true or false for each row",
            getattr(body, "col_offset", 0), "compare it, e.g. `balance >= 0` or `end_at > start_at`"))
    return problems


def _is_condition(node: ast.AST) -> bool:
    """Statically boolean: a comparison, and/or/not, is_null(), True/False, or a bare column (whose type
    is checked against the table's columns)."""
    if isinstance(node, ast.Compare | ast.BoolOp):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return True
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "is_null":
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    return isinstance(node, ast.Name)


def bare_column(expr: Expression) -> str | None:
    """The column a check made of one bare column name reads (it must then be a boolean column)."""
    body = expr.tree.body
    return body.id if isinstance(body, ast.Name) else None


def default_name(text: str, taken: Iterable[str]) -> str:
    """A check's name when none is given: the columns it reads (``scheduled_at_booked_at``), made unique."""
    try:
        refs = sorted((r for r in parse_expression(text).references if "." not in r), key=text.find)
    except ValueError:
        refs = []
    base = "_".join(refs)[:40].strip("_") or "row"
    taken = set(taken)
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


def violations(text: str, resolve: Callable[[str], pa.Array], length: int) -> pa.Array:
    """A boolean mask of the rows that violate the check (False where the condition is true or null).
    Raises TypeError when the expression does not give booleans."""
    result = parse_expression(text).evaluate(resolve, length)
    if pa.types.is_dictionary(result.type):
        result = result.dictionary_decode()
    if pa.types.is_null(result.type):
        return pa.repeat(pa.scalar(False), length)
    if not pa.types.is_boolean(result.type):
        raise TypeError(f"gives {result.type} values, not true/false")
    return pc.fill_null(pc.invert(result), False)


_FLIPPED = {ast.Lt: ">", ast.LtE: ">=", ast.Gt: "<", ast.GtE: "<="}
_AS_IS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(node.operand)
        return None if inner is None else -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    return None


def column_bounds(expr: Expression) -> list[tuple[str, str, float]]:
    """The comparisons of a column with a number that every row must pass, as (column, operator with the
    column on the left, number): each comparison of the check's top-level conjunction (``a >= 0 and
    b < 10``, a chain ``0 <= a <= 5``). A generator's declared range can prove them possible to violate."""
    out: list[tuple[str, str, float]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            for value in node.values:
                visit(value)
        elif isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                if type(op) in _AS_IS:
                    if isinstance(left, ast.Name) and (n := _number(right)) is not None:
                        out.append((left.id, _AS_IS[type(op)], n))
                    elif isinstance(right, ast.Name) and (n := _number(left)) is not None:
                        out.append((right.id, _FLIPPED[type(op)], n))
                left = right

    visit(expr.tree.body)
    return out


def may_violate(op: str, bound: float, lo: Any, hi: Any, slack: float = 0.0) -> str | None:
    """Why values in [lo, hi] (None: unbounded on that side) can fail ``value <op> bound``, or None when the
    range shows no way. ``slack``: how far rounding may move a value, given to a bound it may round onto."""
    if op in (">=", ">"):
        if lo is None:
            return f"unbounded below, so some rows can be {'below' if op == '>=' else 'at or below'} {bound:g}"
        if (lo < bound - slack) if op == ">=" else (lo <= bound):  # a clipped value sits at its bound
            return f"as low as {lo:g}, so some rows can be {'below' if op == '>=' else 'at or below'} {bound:g}"
    else:
        if hi is None:
            return f"unbounded above, so some rows can be {'above' if op == '<=' else 'at or above'} {bound:g}"
        if (hi > bound + slack) if op == "<=" else (hi >= bound):
            return f"as high as {hi:g}, so some rows can be {'above' if op == '<=' else 'at or above'} {bound:g}"
    return None


def suggestion_for(expr: Expression, table: str) -> str:
    """A hint for a check the generated rows violate: the bound or order to declare on the column."""
    body = expr.tree.body
    if isinstance(body, ast.Compare) and len(body.ops) == 1:
        left, op, right = body.left, body.ops[0], body.comparators[0]
        if isinstance(right, ast.Name) and isinstance(left, ast.Constant):  # 0 <= balance → balance >= 0
            left, right = right, left
            op = {ast.Lt: ast.Gt(), ast.LtE: ast.GtE(), ast.Gt: ast.Lt(), ast.GtE: ast.LtE()}.get(type(op), op)
        if isinstance(left, ast.Name) and isinstance(right, ast.Constant) and not isinstance(right.value, str):
            key = "min" if isinstance(op, ast.Gt | ast.GtE) else "max" if isinstance(op, ast.Lt | ast.LtE) else None
            if key:
                return (f"give {table}.{left.id} `{key}: {right.value}` (or a distribution that stays on that "
                        "side), so every row satisfies it by construction")
        if isinstance(left, ast.Name) and isinstance(right, ast.Name) and isinstance(op, ast.Gt | ast.GtE):
            return (f"generate {table}.{left.id} after {right.id} (`after: {right.id}` with a positive "
                    f"`min_delay_days`, or `expr: {right.id} + days(…)`), so every row satisfies it")
    return ("constrain the columns it reads (min:/max:, after:, an expression) so every row satisfies it by "
            "construction, or drop the check")


# ---- SQL ------------------------------------------------------------------------------------------------

_SQL_CMP = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_SQL_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def to_sql(text: str, dialect: str, quote: Callable[[str], str]) -> str:
    """The check as the condition of a SQL ``CHECK`` for ``dialect`` (postgresql, mysql or sqlite), column
    names quoted by ``quote``. Only for checks :func:`check_problems` accepts (ValueError otherwise)."""
    expr = parse_expression(text)
    if check_problems(expr):
        raise ValueError(f"check {text!r} has no SQL form: {check_problems(expr)[0].message}")
    return _Sql(dialect, quote).visit(expr.tree.body)


class _Sql:
    def __init__(self, dialect: str, quote: Callable[[str], str]):
        self.dialect = dialect
        self.quote = quote

    def visit(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return self.quote(node.id)
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.BoolOp):
            op = " AND " if isinstance(node.op, ast.And) else " OR "
            return "(" + op.join(self.visit(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            if isinstance(node.op, ast.Not):
                return f"(NOT {operand})"
            return f"(-{operand})" if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Compare):
            parts, left = [], node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                parts.append(f"({self.visit(left)} {_SQL_CMP[type(op)]} {self.visit(right)})")
                left = right
            return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Div):  # the expression language divides as floats; SQL integers do not
                return f"(({left} * 1.0) / {right})"
            return f"({left} {_SQL_ARITH[type(node.op)]} {right})"
        if isinstance(node, ast.Call):
            name = node.func.id  # type: ignore[attr-defined]
            if name == "is_null":
                return f"({self.visit(node.args[0])} IS NULL)"
            if name in LITERAL_FUNCTIONS:
                return self.moment(name, node.args[0].value)  # type: ignore[attr-defined]
            return f"{name.upper()}({', '.join(self.visit(a) for a in node.args)})"
        raise ValueError(f"{type(node).__name__} has no SQL form")

    def constant(self, value: object) -> str:
        if isinstance(value, bool):
            return ("1" if value else "0") if self.dialect == "sqlite" else ("TRUE" if value else "FALSE")
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return repr(value)

    def moment(self, kind: str, text: str) -> str:
        """A date or timestamp literal; SQLite holds them as text in SQLAlchemy's format."""
        value = parse_expression(f"{kind}({text!r})").evaluate(lambda _: None, 1)[0].as_py()  # type: ignore[arg-type]
        if kind == "date":
            shown = value.isoformat()
        else:
            shown = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
        return f"'{shown}'" if self.dialect == "sqlite" else f"{kind.upper()} '{shown}'"
