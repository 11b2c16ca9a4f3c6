"""A table's `checks:` land as real CHECK constraints chk_<table>_<name> in PostgreSQL, MariaDB and SQLite:
the generated rows load, and a row that breaks a check is refused by the database."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.row_checks import to_sql
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.sql import ddl_statements
from mock_pipelines_tests.store.sql.conftest import DIALECTS

SCHEMA = """\
dataset: rooms
tables:
  bookings:
    rows: 300
    primary_key: booking_id
    checks:
      - {name: price_not_negative, check: "price >= 0"}
      - {name: ends_after_start, check: "end_at > start_at"}
      - {name: sane_guests, check: "1 <= guests <= 8 and guests / 2 < 2.5"}   # 5 / 2 is 2.5, not 2
      - {name: open_or_cancelled, check: "not cancelled or is_null(note) or lower(note) != 'ok'"}
      - {name: recent, check: "start_at >= timestamp('2020-01-01 00:00:00') and day >= date('2020-01-01')"}
      - "coalesce(discount, 0) <= abs(price)"
    columns:
      booking_id: {gen: sequence}
      price: {expr: "guests * 40.5", type: "decimal(10,2)"}   # no generator range: only the checks guard it
      discount: {dist: "uniform(0, 1)", null_rate: 0.5}
      guests: {expr: "1 + booking_id % 4", type: int}
      cancelled: {gen: boolean}
      note: {template: "O'Hara {booking_id}", null_rate: 0.3}
      start_at: {gen: timestamp, start: "2023-01-01", end: "2023-12-31"}
      end_at: {gen: timestamp, after: start_at, min_delay_days: 1, max_delay_days: 14}
      day: {expr: "date(start_at)", type: date}
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "rooms.yaml"
    path.write_text(SCHEMA)
    spec = load_dataset(path)
    DatasetPlan(spec).check(probe=True)
    return spec


def test_to_sql_translates_the_language_per_dialect():
    quote = '"{}"'.format
    assert to_sql("0 <= x < 10 and not is_null(y)", "postgresql", quote) == \
        '(((0 <= "x") AND ("x" < 10)) AND (NOT ("y" IS NULL)))'
    assert to_sql("a / 2 > b or s == 'it''s'", "mysql", quote) == "(((("'"a" * 1.0) / 2) > "b") OR ("s" = \'its\'))'
    assert to_sql("s != \"O'Hara\"", "sqlite", quote) == "(\"s\" <> 'O''Hara')"
    assert to_sql("flag == True", "sqlite", quote) == '("flag" = 1)'
    assert to_sql("flag == True", "postgresql", quote) == '("flag" = TRUE)'
    assert to_sql("d >= date('2024-01-31')", "postgresql", quote) == "(\"d\" >= DATE '2024-01-31')"
    assert to_sql("d >= date('2024-01-31')", "sqlite", quote) == "(\"d\" >= '2024-01-31')"
    with pytest.raises(ValueError, match="no SQL form"):
        to_sql("x % 2 == 0", "postgresql", quote)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_ddl_names_every_check(spec, dialect):
    ddl = "\n".join(ddl_statements(spec, dialect))
    for name in ("price_not_negative", "ends_after_start", "sane_guests", "open_or_cancelled", "recent",
                 "discount_price"):
        assert f"CONSTRAINT chk_bookings_{name} CHECK (" in ddl


VIOLATIONS = {  # check -> values that break it and no other constraint
    "price_not_negative": {"price": -5},
    "ends_after_start": {"end_at": dt.datetime(2022, 1, 1)},
    "sane_guests": {"guests": 5},
    "open_or_cancelled": {"cancelled": True, "note": "OK"},
    "recent": {"day": dt.date(2019, 12, 31)},
    "discount_price": {"price": 0.25},
}


def test_the_constraints_exist_and_refuse_a_violating_row(spec, database):
    database.ensure_tables(spec)
    plan = DatasetPlan(spec)
    tp = plan.table("bookings")
    database.write_batches(spec, "bookings", tp.arrow_schema, tp.batches(chunk_size=100))  # generated rows load
    inspector = sa.inspect(database.engine)
    names = {c["name"] for c in inspector.get_check_constraints("bookings", schema=database.schema)}
    assert {f"chk_bookings_{n}" for n in VIOLATIONS} <= names
    table = sa.Table("bookings", sa.MetaData(schema=database.schema), autoload_with=database.engine)
    good = {"booking_id": 10_000, "price": 100, "discount": 0.5, "guests": 2, "cancelled": False, "note": "late",
            "start_at": dt.datetime(2023, 5, 1, 10), "end_at": dt.datetime(2023, 5, 3, 10), "day": dt.date(2023, 5, 1)}
    with database.engine.begin() as conn:
        conn.execute(table.insert().values(**good))  # a row satisfying every check is accepted
    for i, (name, change) in enumerate(VIOLATIONS.items()):
        row = {**good, "booking_id": 20_000 + i, **change}
        with pytest.raises(sa.exc.DBAPIError) as info, database.engine.begin() as conn:
            conn.execute(table.insert().values(**row))
        message = str(info.value.orig)
        assert f"chk_bookings_{name}" in message, (name, message)
