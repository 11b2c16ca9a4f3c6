"""CHECK constraints read with sqlglot: the common forms become generator parameters, the rest a check.

A condition is split at its top-level ANDs. Each part of a form a generator can honour by construction
becomes a fact of its column — ``price > 0`` and ``qty BETWEEN 1 AND 100`` bounds, ``status IN ('a', 'b')``
a value set, ``delivered_at >= ordered_at`` a time after another column. Whatever the form, the whole
condition is also translated into the schema language's expression syntax and kept as a ``checks:`` entry
(a CHECK constraint of the landed table and a quality check) when every part of it can be written there;
a condition that cannot (``length(code) = 3``, a regular expression, a sub-select) is left out with a
warning naming it, and written into the YAML as a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mock_pipelines.imports.model import SourceCheck

_COMPARISONS = {"GT": ">", "GTE": ">=", "LT": "<", "LTE": "<=", "EQ": "==", "NEQ": "!="}
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
_FUNCTIONS = {"lower": "lower", "upper": "upper", "abs": "abs", "coalesce": "coalesce"}
_CHECK_NAME = re.compile(r"[^A-Za-z0-9_]+")


@dataclass
class Bound:
    value: float | int | str
    exclusive: bool


@dataclass
class ColumnFacts:
    """What the CHECKs of a table say about one column."""

    lower: Bound | None = None
    upper: Bound | None = None
    values: list[Any] | None = None
    after: tuple[str, bool] | None = None  # (other column, strictly after)
    before: tuple[str, bool] | None = None


@dataclass
class TableChecks:
    columns: dict[str, ColumnFacts] = field(default_factory=dict)
    kept: list[tuple[str, str, SourceCheck]] = field(default_factory=list)  # (name, condition, source)
    left_out: list[tuple[SourceCheck, str]] = field(default_factory=list)  # (source, why)

    def facts(self, column: str) -> ColumnFacts:
        return self.columns.setdefault(column, ColumnFacts())


class _Untranslatable(Exception):
    pass


def read_checks(checks: list[SourceCheck], columns: set[str], dialect: str | None, table: str) -> TableChecks:
    """The facts and the translated conditions of a table's CHECK constraints."""
    import sqlglot
    from sqlglot import exp

    out = TableChecks()
    used: set[str] = set()
    for check in checks:
        try:
            tree = sqlglot.parse_one(check.sql, read=dialect or None)
        except Exception as exc:  # sqlglot raises several error types for text it cannot read
            out.left_out.append((check, f"sqlglot cannot read it ({str(exc).splitlines()[0]})"))
            continue
        if _is_json_valid(tree, exp):
            continue  # MariaDB's JSON columns: the column is JSON already
        for part in _conjuncts(tree, exp):
            _learn(part, columns, out, exp)
        try:
            condition = _translate(tree, columns, exp)
        except _Untranslatable as why:
            out.left_out.append((check, str(why)))
            continue
        name = _name(check, condition, columns, table, used)
        out.kept.append((name, condition, check))
    return out


def _name(check: SourceCheck, condition: str, columns: set[str], table: str, used: set[str]) -> str:
    """The constraint's own name (without the table prefix), else the columns it reads, made unique."""
    read = [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'", "", condition)) if w in columns]
    base = check.name or "_".join(dict.fromkeys(read))
    base = _CHECK_NAME.sub("_", base).strip("_").lower() or "check"
    prefix = f"{table}_"
    if base.startswith(prefix) and len(base) > len(prefix):
        base = base[len(prefix):]  # stores_area → area: the table is in the constraint name already
    if base.startswith("chk_"):
        base = base[4:]
    base = base[:48] if base[0].isalpha() or base[0] == "_" else f"c_{base}"[:48]
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


def _is_json_valid(tree: Any, exp: Any) -> bool:
    while isinstance(tree, exp.Paren):
        tree = tree.this
    name = getattr(tree, "name", "") if isinstance(tree, exp.Func) else ""
    return isinstance(tree, exp.Func) and (name or type(tree).__name__).lower() in ("json_valid", "isjson",
                                                                                      "jsonvalid")


def _conjuncts(tree: Any, exp: Any) -> list[Any]:
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if isinstance(tree, exp.And):
        return _conjuncts(tree.this, exp) + _conjuncts(tree.expression, exp)
    return [tree]


def _column(node: Any, columns: set[str], exp: Any) -> str | None:
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    if isinstance(node, exp.Column) and node.name in columns:
        return node.name
    return None


def _constant(node: Any, exp: Any) -> Any:
    """The value of a literal (a number, a text, a negative number, a cast text such as '2020-01-01'::date)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Neg):
        value = _constant(node.this, exp)
        if isinstance(value, int | float):
            return -value
        raise _Untranslatable("a minus sign before a text")
    if isinstance(node, exp.Cast):
        return _constant(node.this, exp)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        try:
            return int(text)
        except ValueError:
            return float(text)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    raise _Untranslatable(f"{node.sql()} is not a constant")


def _any_list(node: Any, exp: Any) -> list[Any] | None:
    """The items of ``= ANY (ARRAY[...])``, PostgreSQL's own spelling of an IN list, or None."""
    if not isinstance(node, exp.Any):
        return None
    inner = node.this
    while isinstance(inner, exp.Paren | exp.Cast):
        inner = inner.this
    return list(inner.expressions) if isinstance(inner, exp.Array) else None


def _learn(part: Any, columns: set[str], out: TableChecks, exp: Any) -> None:
    """Record what one conjunct says about a column, if it is one of the common forms."""
    try:
        items = _any_list(part.expression, exp) if isinstance(part, exp.EQ) else None
        if items is not None:
            name = _column(part.this, columns, exp)
            if name:
                out.facts(name).values = [_constant(v, exp) for v in items]
            return
        if isinstance(part, exp.Between):
            name = _column(part.this, columns, exp)
            if name:
                facts = out.facts(name)
                facts.lower = Bound(_constant(part.args["low"], exp), False)
                facts.upper = Bound(_constant(part.args["high"], exp), False)
            return
        if isinstance(part, exp.In) and not part.args.get("query"):
            name = _column(part.this, columns, exp)
            if name:
                out.facts(name).values = [_constant(v, exp) for v in part.expressions]
            return
        op = _COMPARISONS.get(type(part).__name__)
        if op is None:
            return
        left, right = part.this, part.expression
        lcol, rcol = _column(left, columns, exp), _column(right, columns, exp)
        if lcol and rcol:
            if op in (">", ">="):
                out.facts(lcol).after = (rcol, op == ">")
            elif op in ("<", "<="):
                out.facts(rcol).after = (lcol, op == "<")
            return
        if rcol and not lcol:
            lcol, op, right = rcol, _FLIPPED[op], left
        if not lcol:
            return
        value = _constant(right, exp)
        facts = out.facts(lcol)
        if op in (">", ">="):
            facts.lower = Bound(value, op == ">")
        elif op in ("<", "<="):
            facts.upper = Bound(value, op == "<")
        elif op == "==":
            facts.values = [value]
    except _Untranslatable:
        return


def _translate(node: Any, columns: set[str], exp: Any) -> str:
    """The condition in the schema language's expression syntax (see docs "CHECK constraints")."""
    if isinstance(node, exp.Paren):
        inner = node.this
        while isinstance(inner, exp.Cast) and isinstance(inner.this, exp.Literal | exp.Neg | exp.Paren):
            inner = inner.this  # (0)::numeric is 0
        if isinstance(inner, exp.Literal | exp.Neg | exp.Column):
            return _translate(inner, columns, exp)
        return f"({_translate(inner, columns, exp)})"
    if isinstance(node, exp.EQ) and _any_list(node.expression, exp) is not None:
        x = _translate(node.this, columns, exp)
        items = _any_list(node.expression, exp) or []
        return "(" + " or ".join(f"{x} == {_translate(v, columns, exp)}" for v in items) + ")"
    if isinstance(node, exp.And):
        return f"{_translate(node.this, columns, exp)} and {_translate(node.expression, columns, exp)}"
    if isinstance(node, exp.Or):
        return f"({_translate(node.this, columns, exp)} or {_translate(node.expression, columns, exp)})"
    if isinstance(node, exp.Not):
        return f"not ({_translate(node.this, columns, exp)})"
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        inner = f"is_null({_translate(node.this, columns, exp)})"
        return f"not {inner}" if node.args.get("negate") else inner
    if isinstance(node, exp.Between):
        x = _translate(node.this, columns, exp)
        return (f"{_translate(node.args['low'], columns, exp)} <= {x} <= "
                f"{_translate(node.args['high'], columns, exp)}")
    if isinstance(node, exp.In) and not node.args.get("query"):
        x = _translate(node.this, columns, exp)
        return "(" + " or ".join(f"{x} == {_translate(v, columns, exp)}" for v in node.expressions) + ")"
    op = _COMPARISONS.get(type(node).__name__)
    if op is not None:
        return f"{_translate(node.this, columns, exp)} {op} {_translate(node.expression, columns, exp)}"
    arithmetic = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/"}.get(type(node).__name__)
    if arithmetic:
        return f"{_translate(node.this, columns, exp)} {arithmetic} {_translate(node.expression, columns, exp)}"
    if isinstance(node, exp.Neg):
        return f"-{_translate(node.this, columns, exp)}"
    if isinstance(node, exp.Column):
        if node.name not in columns:
            raise _Untranslatable(f"it reads {node.sql()}, which is not a column of the table")
        return node.name
    if isinstance(node, exp.Cast):
        target = node.to.this.value.lower() if hasattr(node.to.this, "value") else str(node.to).lower()
        inner = node.this
        if isinstance(inner, exp.Literal) and inner.is_string and target in ("date", "timestamp", "datetime"):
            return f"{'date' if target == 'date' else 'timestamp'}({inner.this!r})"
        return _translate(inner, columns, exp)
    if isinstance(node, exp.Literal | exp.Boolean):
        return repr(_constant(node, exp))
    if isinstance(node, exp.Func):
        name = (node.sql_name() if hasattr(node, "sql_name") else type(node).__name__).lower()
        if name in _FUNCTIONS:
            args = [a for a in [node.this, *node.expressions] if a is not None]
            return f"{_FUNCTIONS[name]}({', '.join(_translate(a, columns, exp) for a in args)})"
        raise _Untranslatable(f"the function {name.upper()} has no equivalent a CHECK of the schema language "
                              "accepts")
    raise _Untranslatable(f"{node.sql()} has no equivalent in the schema language")
