"""Names the schema language accepts, for tables and columns a source may name otherwise.

A source may call a column ``from``, ``class``, ``order-date``, ``2fa`` or a 90-character name; the schema
language takes identifiers of at most 63 characters that no expression would misread. Such names are
renamed (``from_``, ``order_date``, ``c_2fa``) everywhere they occur — keys, references, CHECK texts —
with a warning naming both, before inference sees them.
"""

from __future__ import annotations

import keyword
import re

from mock_pipelines.imports.model import ImportWarning, SourceSchema
from mock_pipelines.spec.model import IDENTIFIER, RESERVED_COLUMNS


def valid_name(name: str, taken: set[str]) -> str:
    """``name`` itself when the schema language accepts it, else the closest name it does."""
    if IDENTIFIER.match(name) and not keyword.iskeyword(name) and name not in RESERVED_COLUMNS:
        return name
    out = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "column"
    if not re.match(r"[A-Za-z_]", out):
        out = f"c_{out}"
    out = out[:60]
    if keyword.iskeyword(out) or out in RESERVED_COLUMNS:
        out += "_"
    base, n = out, 2
    while out in taken:
        out, n = f"{base[:58]}_{n}", n + 1
    return out


def make_names_valid(source: SourceSchema) -> None:
    """Rename tables and columns the schema language would refuse, in place, with a warning for each."""
    tables = _renames(list(source.tables), source, "table")
    source.tables = {tables.get(n, n): t for n, t in source.tables.items()}
    for table in source.tables.values():
        table.name = tables.get(table.name, table.name)
        if table.per_parent:
            table.per_parent = tables.get(table.per_parent, table.per_parent)
        for fk in table.foreign_keys:
            fk.ref_table = tables.get(fk.ref_table, fk.ref_table)
    columns = {}
    for table in source.tables.values():
        columns[table.name] = _renames([c.name for c in table.columns], source, f"column of {table.name}")
    for table in source.tables.values():
        mine = columns[table.name]
        if not mine and not any(columns.get(fk.ref_table) for fk in table.foreign_keys):
            continue
        for column in table.columns:
            column.name = mine.get(column.name, column.name)
        table.primary_key = [mine.get(c, c) for c in table.primary_key]
        table.unique = [[mine.get(c, c) for c in group] for group in table.unique]
        for fk in table.foreign_keys:
            fk.columns = [mine.get(c, c) for c in fk.columns]
            theirs = columns.get(fk.ref_table, {})
            fk.ref_columns = [theirs.get(c, c) for c in fk.ref_columns]
        if mine:
            for check in table.checks:
                check.sql = _renamed_sql(check.sql, mine, source.dialect)
        if table.stats is not None and mine:
            table.stats.columns = {mine.get(k, k): v for k, v in table.stats.columns.items()}


def _renames(names: list[str], source: SourceSchema, what: str) -> dict[str, str]:
    taken = {n for n in names if valid_name(n, set()) == n}
    out = {}
    for name in names:
        new = valid_name(name, taken)
        if new != name:
            taken.add(new)
            out[name] = new
            source.warnings.append(ImportWarning(name, f"the {what} {name!r} is renamed {new!r}: the schema "
                                                 "language takes identifiers (letters, digits, _; at most 63; "
                                                 "no Python keyword)",
                                                 "rename it in the source, or map the name when loading"))
    return out


def _renamed_sql(sql: str, renames: dict[str, str], dialect: str | None) -> str:
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read=dialect or None)
    except Exception:  # an unreadable CHECK is reported (and left out) by the CHECK reader
        return sql
    for column in tree.find_all(exp.Column):
        if column.name in renames:
            column.set("this", exp.to_identifier(renames[column.name]))
    return tree.sql(dialect=dialect or None)
