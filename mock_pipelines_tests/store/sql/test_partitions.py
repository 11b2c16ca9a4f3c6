"""Time-partitioned runs: writing a partition replaces exactly that partition's rows."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mock_pipelines.store.content import content_hash
from mock_pipelines.store.sql import PARTITION_COLUMN, SqlDestinationError
from mock_pipelines_tests.store.sql.conftest import plan_of, sorted_by_key

DAYS = [dt.datetime(2024, 1, d) for d in (1, 2, 3, 4)]


def _key(day: dt.datetime) -> str:
    return day.date().isoformat()


def _load_run(database, plan):
    """Whole tables first, then day after day every partitioned table, parents first (as Dagster does)."""
    partitioned = [t for t in plan.order() if plan.table(t).is_partitioned]
    database.ensure_tables(plan.spec, partitioned=partitioned)
    for name in plan.order():
        if name not in partitioned:
            tp = plan.table(name)
            database.write_batches(plan.spec, name, tp.arrow_schema, tp.batches())
    for start, end in itertools.pairwise(DAYS):
        for name in partitioned:
            _write_day(database, plan, name, start, end)
    return partitioned


def _write_day(database, plan, name, start, end, chunk_size=64):
    piece = plan.table(name).slice(start, end, _key(start), chunk_size=chunk_size)
    return database.write_batches(plan.spec, name, piece.schema, piece.batches(), partition_key=_key(start))


def _expected(plan, name, start, end):
    return plan.table(name).slice(start, end, _key(start)).table.to_table(*_range(plan, name, start, end))


def _range(plan, name, start, end):
    piece = plan.table(name).slice(start, end, _key(start))
    return piece.lo, piece.hi


def test_rewriting_a_partition_replaces_exactly_that_partition(database):
    plan = plan_of("shop", seed=9, scale=0.3, partitioned=True)
    partitioned = _load_run(database, plan)
    assert {"customers", "orders", "payments"} <= set(partitioned)
    keys = [_key(d) for d in DAYS[:-1]]
    for name in partitioned:
        present = database.list_partitions(plan.spec, name)
        assert set(present) <= set(keys) and present == sorted(present)
    before = {(name, k): database.read(plan.spec, name, [k]) for name in partitioned for k in keys}
    # re-materialise day 2 of every partitioned table (customers and orders are parents of other partitions)
    for name in partitioned:
        result = _write_day(database, plan, name, DAYS[1], DAYS[2], chunk_size=1000)
        assert result.partition_key == keys[1]
    for name in partitioned:
        pk = plan.spec.tables[name].primary_key
        for start, end, key in zip(DAYS, DAYS[1:], keys, strict=False):
            got = database.read(plan.spec, name, [key])
            assert got.equals(before[(name, key)]), (name, key)  # identical row sets, other days untouched
            expected = sorted_by_key(_expected(plan, name, start, end), pk).cast(got.schema)
            assert got.equals(expected), (name, key)
            assert PARTITION_COLUMN not in got.column_names
        whole = database.read(plan.spec, name)
        assert whole.num_rows == sum(before[(name, k)].num_rows for k in keys)


def test_a_partition_written_with_other_rows_keeps_the_other_partitions(database):
    plan = plan_of("shop", seed=9, scale=0.3, partitioned=True)
    _load_run(database, plan)
    day1, day2 = _key(DAYS[0]), _key(DAYS[1])
    others = database.read(plan.spec, "reviews", [day1])
    piece = plan.table("reviews").slice(DAYS[1], DAYS[2], day2)
    rows = piece.table.to_table(piece.lo, piece.hi)
    assert rows.num_rows >= 2
    half = rows.slice(0, rows.num_rows // 2)
    result = database.write_batches(plan.spec, "reviews", half.schema, half.to_batches(), partition_key=day2)
    assert result.content_hash == content_hash(half)
    assert database.read(plan.spec, "reviews", [day2]).num_rows == half.num_rows
    assert database.read(plan.spec, "reviews", [day1]).equals(others)


def test_a_partition_key_needs_the_partition_column(database):
    plan = plan_of("shop", seed=9, scale=0.1, partitioned=True)
    database.ensure_tables(plan.spec)  # nothing declared partitioned
    piece = plan.table("customers").slice(DAYS[0], DAYS[1], "2024-01-01")
    with pytest.raises(SqlDestinationError, match=f"no {PARTITION_COLUMN} column"):
        database.write_batches(plan.spec, "customers", piece.schema, piece.batches(), partition_key="2024-01-01")


@pytest.mark.parametrize("key", ["", "x" * 65, "2024\n01"])
def test_a_bad_partition_key_is_refused(database, key):
    plan = plan_of("shop", seed=9, scale=0.1)
    tp = plan.table("categories")
    with pytest.raises(SqlDestinationError, match="invalid partition key"):
        database.write_batches(plan.spec, "categories", tp.arrow_schema, tp.batches(), partition_key=key)
