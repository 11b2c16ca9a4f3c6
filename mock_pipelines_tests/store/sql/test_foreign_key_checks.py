"""``foreign_key_checks="after_load"`` (PostgreSQL): a whole-table load drops the table's own foreign keys in
its transaction and adds them back before commit, where PostgreSQL validates them set-wise. The keys come
back exactly as they were, a bad row still fails the load (leaving the old rows), and partitions keep the
per-row checks."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from mock_pipelines.store.sql import Database, SqlDestinationError
from mock_pipelines_tests.store.sql.conftest import plan_of


@pytest.fixture
def after_load(postgres_db):
    url, schema = postgres_db
    db = Database(url, schema, foreign_key_checks="after_load")
    statements: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute",
                    lambda _conn, _cur, statement, *_args: statements.append(statement))
    yield db, statements
    db.dispose()


def _foreign_keys(db: Database) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = CAST(:s AS regnamespace) ORDER BY 1, 2"), {"s": db.schema})]


def _load(db: Database, plan, names) -> None:
    for name in names:
        tp = plan.table(name)
        db.write_batches(plan.spec, name, tp.arrow_schema, tp.batches())


def test_foreign_keys_come_back_as_they_were_and_hold(after_load):
    db, statements = after_load
    plan = plan_of("hr", seed=3, scale=0.2)  # employees references itself and departments
    db.ensure_tables(plan.spec)
    before = _foreign_keys(db)
    assert any("employees" in t and "REFERENCES" in d and "employees(" in d for t, _, d in before)
    _load(db, plan, plan.order())
    _load(db, plan, plan.order())  # a second, replacing load
    assert _foreign_keys(db) == before
    dropped = [s for s in statements if "DROP CONSTRAINT" in s]
    assert any("employees" in s for s in dropped) and not any("locations" in s for s in dropped)  # a root table
    for name in plan.order():
        assert db.read(plan.spec, name).num_rows == plan.table(name).n_rows


def test_an_orphan_still_fails_the_load_and_leaves_the_old_rows(after_load):
    db, _ = after_load
    plan = plan_of("hr", seed=3, scale=0.2)
    db.ensure_tables(plan.spec)
    _load(db, plan, ["locations", "departments"])
    good = plan.table("departments").to_table()
    bad = good.set_column(good.column_names.index("location_id"), "location_id",
                          pc.add(good["location_id"], pa.scalar(10_000_000, good["location_id"].type)))
    before, rows = _foreign_keys(db), db.read(plan.spec, "departments")
    assert rows.num_rows == good.num_rows > 0
    with pytest.raises(SqlDestinationError, match="foreign key constraint"):
        db.write_batches(plan.spec, "departments", bad.schema, bad.to_batches())
    assert db.read(plan.spec, "departments").equals(rows)
    assert _foreign_keys(db) == before


def test_partitions_are_checked_per_row(after_load):
    import datetime as dt

    db, statements = after_load
    plan = plan_of("shop", seed=9, scale=0.1, partitioned=True)
    partitioned = [t for t in plan.order() if plan.table(t).is_partitioned]
    db.ensure_tables(plan.spec, partitioned=partitioned)
    _load(db, plan, [t for t in plan.order() if t not in partitioned])
    statements.clear()
    start, end = dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)
    for name in partitioned:
        piece = plan.table(name).slice(start, end, "2024-01-01")
        db.write_batches(plan.spec, name, piece.schema, piece.batches(), partition_key="2024-01-01")
    assert statements and not [s for s in statements if "CONSTRAINT" in s]


def test_an_unknown_setting_is_refused(postgres_db):
    with pytest.raises(SqlDestinationError, match="per_row, after_load"):
        Database(postgres_db[0], foreign_key_checks="later")


def test_a_parent_that_loses_a_key_its_children_use_is_refused(after_load):
    db, _ = after_load
    plan = plan_of("hr", seed=3, scale=0.2)
    db.ensure_tables(plan.spec)
    _load(db, plan, plan.order())
    departments = db.read(plan.spec, "departments")
    used = db.read(plan.spec, "employees", columns=["department_id"])["department_id"][0].as_py()
    fewer = departments.filter(pc.not_equal(departments["department_id"], used))
    with pytest.raises(SqlDestinationError, match="foreign key constraint"):
        db.write_batches(plan.spec, "departments", fewer.schema, fewer.to_batches())
    assert db.read(plan.spec, "departments").equals(departments)
