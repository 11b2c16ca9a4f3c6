"""Column types: schema type (and the Arrow type the engine produces) → SQL type per dialect.

==========  =========================  ==========================  ======================
schema      PostgreSQL                 MySQL / MariaDB             SQLite
==========  =========================  ==========================  ======================
int         BIGINT                     BIGINT                      BIGINT
float       DOUBLE PRECISION           DOUBLE                      REAL
decimal     NUMERIC(p,s)               DECIMAL(p,s)                NUMERIC(p,s)
bool        BOOLEAN                    BOOL (TINYINT(1))           BOOLEAN
string      TEXT                       VARCHAR(255) if keyed, TEXT TEXT
string [1]  VARCHAR(N)                 VARCHAR(N)                  VARCHAR(N)
date        DATE                       DATE                        DATE
timestamp   TIMESTAMP [WITH TIME ZONE] DATETIME(6)                 DATETIME
uuid        UUID                       CHAR(36)                    CHAR(36)
json        JSONB                      JSON                        TEXT
==========  =========================  ==========================  ======================

[1] a string column with ``max_length: N``.

Columns whose type is inferred from their generator (no ``type:`` written) get the type of the Arrow
values the engine produces for them, found by generating one row of each table.
"""

from __future__ import annotations

import threading

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from mock_pipelines.core.engine import DatasetPlan, PlanOptions, arrow_type
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec
from mock_pipelines.spec.types import LogicalType

DIALECTS = ("postgresql", "mysql", "sqlite")
MYSQL_KEY_LENGTH = 255  # VARCHAR length of MySQL string columns that are keyed, unique or indexed
_PROBE_ROWS = 64  # rows per table of the plan that reveals inferred types (enough for children to exist)

_cache: dict[str, dict[str, pa.Schema]] = {}
_lock = threading.Lock()


def check_dialect(dialect: str) -> str:
    name = "mysql" if dialect == "mariadb" else dialect
    if name not in DIALECTS:
        raise ValueError(f"unsupported SQL dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    return name


def value_type(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def arrow_schemas(spec: DatasetSpec) -> dict[str, pa.Schema]:
    """The Arrow schema the engine produces for each table (dictionary-encoded strings as generated)."""
    key = f"{spec.name}:{spec.spec_hash()}"
    with _lock:
        if key in _cache:
            return _cache[key]
    declared = {name: _declared_schema(spec, name) for name in spec.tables}
    if all(s is not None for s in declared.values()):
        schemas = {k: v for k, v in declared.items() if v is not None}
    else:
        probe = DatasetPlan(spec, PlanOptions(rows={t: _PROBE_ROWS for t, ts in spec.tables.items()
                                                    if ts.rows.per is None}))
        schemas = {name: declared[name] or _probe_schema(probe, spec, name) for name in spec.tables}
    with _lock:
        _cache[key] = schemas
    return schemas


def _declared_schema(spec: DatasetSpec, table: str) -> pa.Schema | None:
    types = [arrow_type(c.type) for c in spec.tables[table].columns.values()]
    if any(t is None for t in types):
        return None
    return pa.schema([pa.field(n, t) for n, t in zip(spec.tables[table].columns, types, strict=True)])


def _probe_schema(probe: DatasetPlan, spec: DatasetSpec, table: str) -> pa.Schema:
    try:
        return probe.table(table).arrow_schema
    except Exception:  # a table without rows in the probe, or a column without its existing keys: per column
        return pa.schema([pa.field(n, _probe_type(probe, table, n) or arrow_type(c.type) or pa.string())
                          for n, c in spec.tables[table].columns.items()])


def _probe_type(probe: DatasetPlan, table: str, column: str) -> pa.DataType | None:
    """The type of one generated column, or None when it cannot be generated here (no existing keys)."""
    try:
        return probe.table(table).value_type(column)
    except Exception:
        return None


def sql_type(col: ColumnSpec, arrow: pa.DataType, dialect: str, *, keyed: bool) -> sa.types.TypeEngine:
    """The SQL type of a column. ``keyed``: part of a key, unique or indexed (MySQL needs a bounded
    VARCHAR there, TEXT cannot be indexed)."""
    name = col.type.name
    arrow = value_type(arrow)
    if name is LogicalType.UUID:
        return postgresql.UUID(as_uuid=False) if dialect == "postgresql" else sa.CHAR(36)
    if name is LogicalType.JSON:
        return {"postgresql": postgresql.JSONB(), "mysql": mysql.JSON()}.get(dialect, sa.Text())
    if name is LogicalType.DECIMAL:
        return sa.Numeric(col.type.precision, col.type.scale, asdecimal=True)
    if col.max_length is not None and (pa.types.is_string(arrow) or pa.types.is_large_string(arrow)):
        return max_length_type(col.max_length)
    return arrow_sql_type(arrow, dialect, keyed=keyed)


def max_length_type(n: int) -> sa.String:
    """VARCHAR(N) in every dialect for a column with ``max_length: N`` (its values were cut to fit). Marked,
    so the check of an existing table tells it from MySQL's VARCHAR(255) of keyed columns, which is no
    promise about the values' length."""
    t = sa.String(n)
    t.max_length = n  # type: ignore[attr-defined]
    return t


def declared_max_length(t: sa.types.TypeEngine) -> int | None:
    """N of a type made by :func:`max_length_type`, else None."""
    return getattr(t, "max_length", None)


def arrow_type_of_sql(sql: sa.types.TypeEngine) -> pa.DataType:
    """The Arrow type of the values of a SQL column (what keys read from it hold)."""
    if isinstance(sql, sa.Integer):
        return pa.int64()
    if isinstance(sql, sa.Float):
        return pa.float64()
    if isinstance(sql, sa.Numeric) and sql.precision is not None:
        return pa.decimal128(sql.precision, sql.scale or 0)
    if isinstance(sql, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(sql, sa.Date):
        return pa.date32()
    if isinstance(sql, sa.Boolean):
        return pa.bool_()
    return pa.string()


def arrow_sql_type(arrow: pa.DataType, dialect: str, *, keyed: bool = False) -> sa.types.TypeEngine:
    """The SQL type of values of an Arrow type (what :func:`sql_type` gives a column whose schema type says
    no more than its values: no uuid, json or declared decimal)."""
    arrow = value_type(arrow)
    if pa.types.is_decimal(arrow):
        return sa.Numeric(arrow.precision, arrow.scale, asdecimal=True)
    if pa.types.is_integer(arrow):
        return sa.BigInteger()
    if pa.types.is_floating(arrow):
        return {"postgresql": postgresql.DOUBLE_PRECISION(), "mysql": mysql.DOUBLE(asdecimal=False)}.get(dialect, sa.REAL())
    if pa.types.is_boolean(arrow):
        return sa.Boolean(create_constraint=False)
    if pa.types.is_date(arrow):
        return sa.Date()
    if pa.types.is_timestamp(arrow):
        if dialect == "mysql":
            return mysql.DATETIME(fsp=6)
        return sa.TIMESTAMP(timezone=arrow.tz is not None) if dialect == "postgresql" else sa.DateTime()
    if dialect == "mysql" and keyed:
        return sa.String(MYSQL_KEY_LENGTH)
    return sa.Text()
