"""Do tables that already exist fit the schema? Every problem is collected, not just the first.

A column fits when its type belongs to a family that holds the values without loss (an INTEGER or
SMALLINT for an int column — the database refuses a value that does not fit, with its own clear error;
VARCHAR/CHAR/TEXT/ENUM for strings, a VARCHAR at least as long as a declared ``max_length``; a JSON column
into JSON, text or a PostgreSQL ARRAY of text, enum, integer, numeric or boolean items; a NUMERIC with at least the declared integer digits and scale for a
decimal…), and when it accepts NULL wherever the schema may produce one. Extra columns are fine when they
are nullable or have a default; the load leaves them alone.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from mock_pipelines.store.sql.names import PARTITION_COLUMN
from mock_pipelines.store.sql.types import declared_max_length

# Which found families a column of each expected family accepts.
_ACCEPTS = {
    "int": {"int"},
    "float": {"float"},
    "decimal": {"decimal"},
    "bool": {"bool"},
    "string": {"string"},
    "date": {"date"},
    "timestamp": {"timestamp", "timestamptz"},  # a time without a zone is read as UTC (sessions run in UTC)
    "timestamptz": {"timestamptz"},
    "uuid": {"uuid", "string"},
    "json": {"json", "string", "array"},  # a JSON array into a PostgreSQL ARRAY (loaders.postgres_arrays)
}
# The item families of a PostgreSQL ARRAY a JSON array column lands into (an ENUM reflects as a string).
ARRAY_ITEM_FAMILIES = frozenset({"string", "int", "float", "decimal", "bool"})


def family(t: sa.types.TypeEngine, dialect: str) -> str:
    """The kind of values a (declared or reflected) SQL type holds."""
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, mysql.TINYINT) and getattr(t, "display_width", None) == 1:
        return "bool"  # MySQL's BOOL is TINYINT(1)
    if isinstance(t, sa.Integer):
        return "int"
    if isinstance(t, sa.Float):
        return "float"
    if isinstance(t, sa.Numeric):
        return "decimal"
    if isinstance(t, sa.DateTime):
        tz = bool(getattr(t, "timezone", False))
        return "timestamptz" if tz and dialect == "postgresql" else "timestamp"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, postgresql.UUID | sa.Uuid):
        return "uuid"
    if isinstance(t, sa.JSON | postgresql.JSONB):
        return "json"
    if isinstance(t, sa.String):
        return "string"
    if isinstance(t, sa.ARRAY):
        return "array"
    return type(t).__name__.lower()


def type_text(t: sa.types.TypeEngine, dialect: sa.Dialect) -> str:
    try:
        return str(t.compile(dialect=dialect))
    except Exception:  # a reflected type this dialect cannot render: its class name will do
        return type(t).__name__


def table_problems(expected: sa.Table, found: list[dict[str, Any]], dialect: sa.Dialect) -> list[str]:
    """Mismatches between the table the schema implies and the columns the database reports."""
    problems: list[str] = []
    by_name = {c["name"]: c for c in found}
    lower = {c["name"].lower(): c for c in found}
    name = expected.name
    for column in expected.columns:
        have = by_name.get(column.name) or lower.get(column.name.lower())
        want = type_text(column.type, dialect)
        if have is None:
            hint = " (partitioned tables keep each row's partition key in it)" if column.name == PARTITION_COLUMN \
                else ""
            problems.append(f"{name}.{column.name}: missing column (expected {want}){hint}")
            continue
        problems.extend(_column_problems(name, column, have, dialect, want))
    expected_names = {c.name.lower() for c in expected.columns}
    for extra in found:
        if extra["name"].lower() in expected_names:
            continue
        if not extra.get("nullable", True) and extra.get("default") is None and not extra.get("autoincrement") \
                and not extra.get("computed") and not extra.get("identity"):
            problems.append(f"{name}.{extra['name']}: NOT NULL column without a default that the schema does not "
                            "fill — give it a default, make it nullable, or add it to the schema")
    return problems


def _column_problems(table: str, column: sa.Column, have: dict[str, Any], dialect: sa.Dialect,
                     want: str) -> list[str]:
    problems = []
    want_family = family(column.type, dialect.name)
    got_family = family(have["type"], dialect.name)
    got = type_text(have["type"], dialect)
    if got_family not in _ACCEPTS.get(want_family, {want_family}):
        problems.append(f"{table}.{column.name}: expected {want}, found {got}")
    elif want_family == "decimal" and not _decimal_fits(column.type, have["type"]):
        problems.append(f"{table}.{column.name}: expected {want}, found {got} (too few digits: values would be "
                        "rounded or rejected)")
    elif want_family == "uuid" and got_family == "string" and (getattr(have["type"], "length", None) or 36) < 36:
        problems.append(f"{table}.{column.name}: expected {want}, found {got} (a UUID needs 36 characters)")
    elif want_family == "string" and got_family == "string" and _too_short(column.type, have["type"]):
        problems.append(f"{table}.{column.name}: expected {want}, found {got} (shorter than the schema's "
                        f"max_length {declared_max_length(column.type)}: values would be rejected) — widen the "
                        "column or lower max_length")
    elif got_family == "array" and family(have["type"].item_type, dialect.name) not in ARRAY_ITEM_FAMILIES:
        problems.append(f"{table}.{column.name}: expected {want}, found {got} (a JSON array lands in an ARRAY of "
                        "text, enum, integer, numeric or boolean items only)")
    if column.nullable and not have.get("nullable", True):
        problems.append(f"{table}.{column.name}: NOT NULL in the database but the schema may write NULL here "
                        "(null_rate, nullable or a nullable reference) — drop the NOT NULL or the nulls")
    return problems


def _too_short(want: sa.types.TypeEngine, have: sa.types.TypeEngine) -> bool:
    """A VARCHAR(M) found where the schema's max_length N (VARCHAR(N)) needs M >= N; an ENUM is judged by
    the database on each value instead (its labels are the schema's `choice` values)."""
    wanted, found = declared_max_length(want), getattr(have, "length", None)
    return wanted is not None and found is not None and not isinstance(have, sa.Enum) and found < wanted


def _decimal_fits(want: sa.types.TypeEngine, have: sa.types.TypeEngine) -> bool:
    precision, scale = getattr(have, "precision", None), getattr(have, "scale", None)
    if precision is None:
        return True  # PostgreSQL's unconstrained NUMERIC holds any value exactly
    scale = scale or 0
    return scale >= (want.scale or 0) and precision - scale >= (want.precision or 0) - (want.scale or 0)  # type: ignore[attr-defined]
