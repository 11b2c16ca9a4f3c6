"""Schema → SQLAlchemy tables with every constraint the schema implies, and their DDL per dialect.

* PRIMARY KEY ``pk_<table>`` (one or several columns), NOT NULL where the column can never be null
  (:func:`mock_pipelines.core.column_facts.column_facts`, the same answer the quality checks use).
* FOREIGN KEY ``fk_<table>_<cols>`` (composite and self-referencing too), DEFERRABLE INITIALLY DEFERRED on
  PostgreSQL and SQLite so a parent table or partition can be replaced (delete + insert of the same keys)
  while children reference it; checked at commit. MySQL has no deferrable constraints (see
  :mod:`mock_pipelines.store.sql.loaders`). Child-side FK columns get an index (``ix_…``) unless the primary
  key starts with them: without it every parent delete scans the child table.
* UNIQUE ``uq_<table>_<col>`` for ``unique: true`` columns.
* CHECK ``ck_<table>_<col>_range`` / ``ck_<table>_<col>_values`` from the column facts the quality rules
  ``between__<col>`` / ``values_in_set__<col>`` are derived from.
* CHECK ``chk_<table>_<name>`` for each condition of the table's ``checks:``, translated from the
  expression (:func:`mock_pipelines.core.row_checks.to_sql`: comparisons, and/or/not, + - * /, is_null,
  coalesce, abs, lower, upper, date and timestamp literals; column names quoted by the dialect).
* Partitioned tables get :data:`PARTITION_COLUMN` (NOT NULL) and an index on it.
* A column that references existing rows (``ref: {existing: …}``) takes the type of the referenced column
  (given in ``existing``, reflected from the source) unless it declares one; when the destination is the
  same database as the source it also gets FOREIGN KEY ``fk_<table>_<col>`` to the existing table (other
  destinations cannot hold a constraint to another database: none there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable, SetColumnComment, SetTableComment

from mock_pipelines.core.column_facts import ColumnFacts, column_facts
from mock_pipelines.core.row_checks import to_sql
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, TableSpec
from mock_pipelines.store.sql.names import PARTITION_COLUMN, check_identifier, constraint_name
from mock_pipelines.store.sql.types import arrow_schemas, check_dialect, max_length_type, sql_type, value_type

PARTITION_KEY_LENGTH = 64  # VARCHAR length of the partition column (keys look like 2024-01-05 or 2024-01-05-13:00)
_DIALECTS = {"postgresql": postgresql.dialect, "mysql": mysql.dialect, "sqlite": sqlite.dialect}


@dataclass(frozen=True)
class ExistingTarget:
    """What the destination knows of the table a ``ref: {existing: …}`` column references: the referenced
    column's SQL type (None: unknown) and whether it lives in the same database (then a FOREIGN KEY)."""

    sql_type: sa.types.TypeEngine | None
    same_database: bool


def table_metadata(spec: DatasetSpec, dialect: str, schema: str | None = None, *,
                   partitioned: Collection[str] = (),
                   existing: Mapping[str, ExistingTarget] | None = None) -> sa.MetaData:
    """One ``sa.Table`` per table of the dataset, in ``spec.table_order()``; the tables named in
    ``partitioned`` get :data:`PARTITION_COLUMN` and an index on it. ``existing`` (by reference text) types
    the columns that reference existing rows and says which get a FOREIGN KEY (tables referenced that way
    are in the metadata only as stubs, never created)."""
    dialect = check_dialect(dialect)
    if schema is not None:
        check_identifier(schema, "schema")
    unknown = sorted(set(partitioned) - set(spec.tables))
    if unknown:
        raise ValueError(f"partitioned names unknown table(s) {', '.join(unknown)} of dataset {spec.name!r}")
    metadata = sa.MetaData(schema=schema)
    arrow = arrow_schemas(spec)
    for name in spec.table_order():
        _build_table(metadata, spec, spec.tables[name], arrow, dialect, partitioned=name in partitioned,
                     existing=existing or {})
    return metadata


def ddl_statements(spec: DatasetSpec, dialect: str, schema: str | None = None, *,
                   partitioned: Collection[str] = (), create_schema: bool = False,
                   existing: Mapping[str, ExistingTarget] | None = None) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements, parents before children. With ``create_schema`` and a
    named schema, first the statements that create it when it does not exist (see
    :func:`namespace_statements`), so the output runs on a fresh database."""
    dialect = check_dialect(dialect)
    metadata = table_metadata(spec, dialect, schema, partitioned=partitioned, existing=existing)
    compiler_dialect = _DIALECTS[dialect]()
    statements = (namespace_statements(dialect, schema, compiler_dialect.identifier_preparer.quote)
                  if create_schema else [])
    for name in spec.table_order():
        table = metadata.tables[_key(name, schema)]
        statements.append(str(CreateTable(table).compile(dialect=compiler_dialect)).strip())
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            statements.append(str(CreateIndex(index).compile(dialect=compiler_dialect)).strip())
        if dialect == "postgresql":  # PostgreSQL keeps comments out of CREATE TABLE
            comments = ([SetTableComment(table)] if table.comment else []) + \
                [SetColumnComment(c) for c in table.columns if c.comment]
            statements.extend(str(c.compile(dialect=compiler_dialect)).strip() for c in comments)
    return statements


def namespace_statements(dialect: str, schema: str | None, quote: Callable[[str], str]) -> list[str]:
    """Statements that create a named schema (PostgreSQL) / database (MariaDB/MySQL, where a schema is a
    database) only when it does not exist; none without a schema, and on SQLite (no schemas to create).

    Both servers check the CREATE privilege before ``IF NOT EXISTS``, so a plain ``CREATE SCHEMA IF NOT
    EXISTS`` fails for a role that may only use a schema made for it: the existence test comes first, in a
    ``DO`` block (PostgreSQL) or a prepared statement chosen by it (MariaDB/MySQL)."""
    if schema is None:
        return []
    literal = "'" + schema.replace("'", "''") + "'"  # names are checked already (no quotes): belt and braces
    if dialect == "postgresql":
        return [f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {literal}) THEN "
                f"CREATE SCHEMA {quote(schema)}; END IF; END $$"]
    if dialect == "mysql":
        create = f"CREATE DATABASE {quote(schema)} CHARACTER SET utf8mb4".replace("'", "''")
        return [f"SET @mock_pipelines_ddl = IF(EXISTS(SELECT 1 FROM information_schema.SCHEMATA "
                f"WHERE SCHEMA_NAME = {literal.replace(chr(92), chr(92) * 2)}), 'DO 0', '{create}')",
                "PREPARE mock_pipelines_ddl FROM @mock_pipelines_ddl",
                "EXECUTE mock_pipelines_ddl",
                "DEALLOCATE PREPARE mock_pipelines_ddl"]
    return []


def _key(table: str, schema: str | None) -> str:
    return f"{schema}.{table}" if schema else table


def keyed_columns(t: TableSpec, spec: DatasetSpec) -> set[str]:
    """Columns that sit in a key, a unique constraint, a foreign key or are referenced by one."""
    keyed = set(t.primary_key) | {c.name for c in t.columns.values() if c.unique}
    keyed |= {c for fk in t.foreign_keys for c in fk.columns}
    for other in spec.tables.values():
        keyed |= {c for fk in other.foreign_keys if fk.table == t.name for c in fk.ref_columns}
    return keyed


def _column_type(spec: DatasetSpec, t: TableSpec, col: ColumnSpec, arrow: dict[str, pa.Schema],
                 dialect: str, keyed: set[str]) -> sa.types.TypeEngine:
    """A foreign-key column takes the type of the column it references, so the constraint always fits."""
    fk = t.fk_for_column(col.name)
    if fk is not None and fk.table in spec.tables:
        parent = spec.tables[fk.table]
        ref = parent.columns[fk.ref_columns[fk.columns.index(col.name)]]
        if fk.table != t.name or ref.name != col.name:
            inherited = _column_type(spec, parent, ref, arrow, dialect, keyed_columns(parent, spec)) \
                if parent is not t else sql_type(ref, arrow[parent.name].field(ref.name).type, dialect, keyed=True)
            return _own_length(inherited, col.max_length)
    return sql_type(col, arrow[t.name].field(col.name).type, dialect, keyed=col.name in keyed)


def _own_length(inherited: sa.types.TypeEngine, max_length: int | None) -> sa.types.TypeEngine:
    """A foreign-key column with a max_length of its own (the check made sure its parent's values fit):
    VARCHAR(N) where it would inherit an unbounded or longer string type."""
    if max_length is None or not isinstance(inherited, sa.String) or isinstance(inherited, sa.Enum):
        return inherited
    length = getattr(inherited, "length", None)
    return max_length_type(max_length) if length is None or length > max_length else inherited


def table_columns(spec: DatasetSpec, t: TableSpec, arrow: dict[str, pa.Schema], dialect: str,
                  existing: Mapping[str, ExistingTarget] | None = None) -> list[sa.Column]:
    """The columns of a table, typed and NOT NULL as its CREATE TABLE has them (the one place that knows
    the SQL type of a column of a schema; the tables of change data reuse it)."""
    keyed = keyed_columns(t, spec)
    columns = []
    for col in t.columns.values():
        check_identifier(col.name, f"column of table {t.name!r}")
        nullable = col.name not in t.primary_key and column_facts(spec, t, col, spec.locale).nullable
        sql = _existing_type(col, dialect, existing or {}) or _column_type(spec, t, col, arrow, dialect, keyed)
        columns.append(sa.Column(col.name, sql, nullable=nullable, autoincrement=False,
                                 comment=col.description or None))
    return columns


def _existing_type(col: ColumnSpec, dialect: str, existing: Mapping[str, ExistingTarget]) -> sa.types.TypeEngine | None:
    """A reference to existing rows without ``type:`` lands as the referenced column: its very type in the
    same database (so the FOREIGN KEY fits), the type of its values elsewhere."""
    target = existing.get(col.existing.text) if col.existing is not None and not col.type_given else None
    if target is None or target.sql_type is None:
        return None
    if target.same_database:
        return target.sql_type
    from mock_pipelines.store.sql.types import arrow_sql_type, arrow_type_of_sql

    return arrow_sql_type(arrow_type_of_sql(target.sql_type), dialect, keyed=True)


def _build_table(metadata: sa.MetaData, spec: DatasetSpec, t: TableSpec, arrow: dict[str, pa.Schema],
                 dialect: str, *, partitioned: bool, existing: Mapping[str, ExistingTarget]) -> sa.Table:
    check_identifier(t.name, "table")
    columns = table_columns(spec, t, arrow, dialect, existing)
    if partitioned:
        if PARTITION_COLUMN in t.columns:
            raise ValueError(f"table {t.name!r} has a column named {PARTITION_COLUMN!r}, the name reserved for "
                             "the partition key of partitioned tables: rename the column")
        columns.append(sa.Column(PARTITION_COLUMN, sa.String(PARTITION_KEY_LENGTH), nullable=False,
                                 comment="Partition key of the row (the Dagster partition that wrote it)."))
    table = sa.Table(t.name, metadata, *columns, comment=t.description or None)
    if t.primary_key:
        table.append_constraint(sa.PrimaryKeyConstraint(*t.primary_key, name=constraint_name("pk", t.name)))
    for col in t.columns.values():
        if col.unique and [col.name] != t.primary_key:
            table.append_constraint(sa.UniqueConstraint(col.name, name=constraint_name("uq", t.name, [col.name])))
    _add_foreign_keys(table, t, metadata.schema, dialect)
    _add_existing_foreign_keys(table, t, dialect, existing)
    for check in _checks(spec, t, table, partitioned):
        table.append_constraint(check)
    quote = _DIALECTS[dialect]().identifier_preparer.quote
    for user in t.checks:  # `checks:` of the schema, validated to have a SQL form
        table.append_constraint(sa.CheckConstraint(sa.text(to_sql(user.expr, dialect, quote)),
                                                   name=user_check_name(t.name, user.name)))
    if partitioned:
        sa.Index(constraint_name("ix", t.name, [PARTITION_COLUMN]), table.c[PARTITION_COLUMN])
    return table


def _add_foreign_keys(table: sa.Table, t: TableSpec, schema: str | None, dialect: str) -> None:
    deferrable = {"deferrable": True, "initially": "DEFERRED"} if dialect != "mysql" else {}
    prefix = f"{schema}." if schema else ""
    for fk in t.foreign_keys:
        check_identifier(fk.table, "referenced table")
        table.append_constraint(sa.ForeignKeyConstraint(
            fk.columns, [f"{prefix}{fk.table}.{c}" for c in fk.ref_columns],
            name=constraint_name("fk", t.name, fk.columns), **deferrable))
        covered = t.primary_key[:len(fk.columns)] == fk.columns
        if not covered and dialect != "mysql":  # InnoDB indexes foreign keys by itself
            sa.Index(constraint_name("ix", t.name, fk.columns), *(table.c[c] for c in fk.columns))


def _add_existing_foreign_keys(table: sa.Table, t: TableSpec, dialect: str,
                               existing: Mapping[str, ExistingTarget]) -> None:
    """FOREIGN KEY to the existing table of each ``ref: {existing: …}`` column whose source is this very
    database. The existing table enters the metadata as a stub (one column), never created or dropped."""
    metadata = table.metadata
    for col in t.columns.values():
        ref = col.existing
        target = existing.get(ref.text) if ref is not None else None
        if ref is None or target is None or not target.same_database:
            continue
        check_identifier(ref.table, "referenced table")
        key = f"{ref.schema}.{ref.table}" if ref.schema else ref.table
        stub = metadata.tables.get(key)
        if stub is None:
            stub = sa.Table(ref.table, metadata, sa.Column(ref.column, target.sql_type or table.c[col.name].type),
                            schema=ref.schema if ref.schema else sa.BLANK_SCHEMA)
        elif ref.column not in stub.c or stub.c[ref.column].table is table:
            raise ValueError(f"{t.name}.{col.name} references existing rows of {key}, a table the dataset itself "
                             "lands in the same place: reference the generated table (ref: table.column) instead")
        table.append_constraint(sa.ForeignKeyConstraint(
            [col.name], [stub.c[ref.column]], name=constraint_name("fk", t.name, [col.name]),
            **({"deferrable": True, "initially": "DEFERRED"} if dialect != "mysql" else {})))
        if t.primary_key[:1] != [col.name] and dialect != "mysql":
            sa.Index(constraint_name("ix", t.name, [col.name]), table.c[col.name])


# ---- CHECK constraints ---------------------------------------------------------------------------------

def _checks(spec: DatasetSpec, t: TableSpec, table: sa.Table, partitioned: bool) -> list[sa.CheckConstraint]:
    """Ranges and value sets from the column facts (for a partitioned table, the time column holds creation
    times instead of its generator's values: it has no range there)."""
    checks = []
    for col in t.columns.values():
        if col.name not in table.c:
            continue
        known = column_facts(spec, t, col, spec.locale, partitioned=partitioned)
        for suffix, expr in (("values", _values_expr(table.c[col.name], known)),
                             ("range", _range_expr(table.c[col.name], known) if known.has_range else None)):
            if expr is not None:
                checks.append(sa.CheckConstraint(expr, name=constraint_name("ck", t.name, [col.name, suffix])))
    return checks


def user_check_name(table: str, check: str) -> str:
    """The constraint name of a schema's `checks:` entry: ``chk_<table>_<name>`` (apart from the ``ck_``
    names derived from column facts, so no check name can clash with them)."""
    return constraint_name("chk", table, [check])


def _range_expr(column: sa.Column, known: ColumnFacts) -> sa.ColumnElement[bool] | None:
    lo = _literal(known.lo, column.type)
    hi = _literal(known.hi, column.type)
    parts = ([column >= lo] if lo is not None else []) + ([column <= hi] if hi is not None else [])
    if not parts:
        return None
    return sa.and_(*parts) if len(parts) > 1 else parts[0]


def _values_expr(column: sa.Column, known: ColumnFacts) -> sa.ColumnElement[bool] | None:
    if known.values is None or isinstance(column.type, sa.Boolean):
        return None  # a set of booleans constrains nothing a BOOLEAN column does not already
    values = [_literal(v, column.type) for v in dict.fromkeys(known.values) if v is not None]
    if not values or any(v is None for v in values):
        return None
    return column.in_(values)


def _literal(value: Any, sql: sa.types.TypeEngine) -> Any:
    """A bound written as a value of the column's SQL type (a date bound of a date column, …), or None."""
    if value is None or isinstance(value, bool):
        return None
    python = _python_type(sql)
    if python is dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else None
    if python is dt.datetime:
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None) if value.tzinfo is not None else value
        return dt.datetime(value.year, value.month, value.day) if isinstance(value, dt.date) else None
    if python in (int, float, Decimal):
        return value if isinstance(value, int | float | Decimal) else None
    return value if isinstance(value, str) and python is str else None


def _python_type(sql: sa.types.TypeEngine) -> type | None:
    if isinstance(sql, sa.Date | sa.DateTime | sa.Numeric | sa.Integer | sa.Float | sa.String):
        try:
            return sql.python_type
        except NotImplementedError:
            return None
    return None


def arrow_types(spec: DatasetSpec) -> dict[str, pa.Schema]:
    """The Arrow schemas the DDL was derived from, dictionary types decoded (what read-back returns)."""
    return {name: pa.schema([pa.field(f.name, value_type(f.type)) for f in s])
            for name, s in arrow_schemas(spec).items()}
