"""CHECK constraints as the database stores them → SQL text a person (and the inference) reads easily.

PostgreSQL rewrites what the user wrote: ``price > 0`` comes back as ``price > 0::numeric``,
``role IN ('a', 'b')`` as ``(role)::text = ANY ((ARRAY['a'::character varying, ...])::text[])`` and
``BETWEEN`` as two comparisons in parentheses; MariaDB quotes every name with backticks. :func:`tidy_check`
parses the text with sqlglot in the database's dialect and undoes what changes nothing: casts of literals,
casts of a column to text, ``= ANY (ARRAY[...])`` (back to ``IN``), ``<> ALL (ARRAY[...])`` (``NOT IN``),
parentheses around a single comparison, needless quotes. Anything it cannot parse is kept as it is.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

TEXT_TYPES = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR,
              exp.DataType.Type.NVARCHAR, exp.DataType.Type.NCHAR}
SIMPLE = (exp.Column, exp.Literal, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Between,
          exp.Is, exp.Like, exp.ILike, exp.Null, exp.Boolean)
JSON_VALID = re.compile(r"\s*json_valid\s*\(\s*`?(\w+)`?\s*\)\s*", re.IGNORECASE)


def tidy_check(sql: str, dialect: str) -> str:
    """``sql`` (a CHECK condition) without the noise the database added; unchanged when it cannot parse."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except Exception:  # sqlglot raises ParseError/TokenError and, on odd input, other errors
        return sql.strip()
    if tree is None:
        return sql.strip()
    for _ in range(4):  # a rewrite can expose another (a cast inside a new IN list): repeat until stable
        before = tree.sql(dialect=dialect)
        tree = tree.transform(_tidy)
        if tree.sql(dialect=dialect) == before:
            break
    while isinstance(tree, exp.Paren):
        tree = tree.this
    for identifier in tree.find_all(exp.Identifier):
        identifier.set("quoted", False)  # the generator quotes again where the dialect needs it
    return tree.sql(dialect=dialect)


def json_valid_column(sql: str) -> str | None:
    """The column of a MariaDB ``json_valid(`col`)`` CHECK (how MariaDB spells a JSON column), else None."""
    match = JSON_VALID.fullmatch(sql)
    return match.group(1) if match else None


def domain_check_for(sql: str, column: str, dialect: str) -> str:
    """A domain's CHECK (``VALUE > 0``) written for one column (``quantity > 0``)."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except Exception:
        return re.sub(r"\bVALUE\b", column, sql)
    tree = tree.transform(lambda node: exp.column(column) if isinstance(node, exp.Column)
                          and node.name.upper() == "VALUE" and not node.table else node)
    return tidy_check(tree.sql(dialect=dialect), dialect)


def _tidy(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Cast) and _harmless_cast(node):
        return _unparen(node.this)
    if isinstance(node, exp.EQ | exp.NEQ):
        quantifier, operand = _quantified(node.expression)
        items = _array_items(operand) if operand is not None else None
        wanted = "ANY" if isinstance(node, exp.EQ) else "ALL"  # = ANY is IN, <> ALL is NOT IN
        if items is not None and quantifier == wanted:
            result: exp.Expression = exp.In(this=_unparen(node.this), expressions=items)
            return exp.Not(this=result) if wanted == "ALL" else result
    if isinstance(node, exp.Paren) and isinstance(node.this, SIMPLE):
        return node.this
    return node


def _harmless_cast(node: exp.Cast) -> bool:
    inner = _unparen(node.this)
    if isinstance(inner, exp.Literal) or (isinstance(inner, exp.Neg) and isinstance(inner.this, exp.Literal)):
        return True
    if isinstance(inner, exp.Array) and all(isinstance(_unparen(i), exp.Literal) for i in inner.expressions):
        return True
    target = node.to
    text_target = target.this in TEXT_TYPES or (
        target.this == exp.DataType.Type.ARRAY and bool(target.expressions)
        and target.expressions[0].this in TEXT_TYPES)
    return isinstance(inner, exp.Column | exp.Array) and text_target


def _quantified(node: exp.Expression) -> tuple[str | None, exp.Expression | None]:
    """("ANY" | "ALL", operand) of ``ANY (...)`` / ``ALL (...)`` (sqlglot reads ALL as a plain function)."""
    if isinstance(node, exp.Any):
        return "ANY", node.this
    if isinstance(node, exp.All):
        return "ALL", node.this
    name = str(node.this).upper() if isinstance(node, exp.Anonymous) else ""
    if name in ("ANY", "ALL") and len(node.expressions) == 1:
        return name, node.expressions[0]
    return None, None


def _array_items(node: exp.Expression) -> list[exp.Expression] | None:
    inner = _unparen(node)
    if isinstance(inner, exp.Cast):
        inner = _unparen(inner.this)
    if isinstance(inner, exp.Array):
        return [_unparen(i) for i in inner.expressions]
    return None


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node
