"""Change data in SQL databases: the change log, snapshot and history land per partition and read back as
generated; the live table follows the snapshot of each partition applied, in order or not, with its
foreign keys on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa

from mock_pipelines.core.changes import (
    ARRIVED_TS,
    BEFORE,
    EVENT_TS,
    HISTORY,
    LOG,
    OP,
    SNAPSHOT,
    VALID_FROM,
    output_table,
)
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import US_PER_DAY, PartitionScheme, to_us
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.sql import SqlDestinationError
from mock_pipelines.store.sql.compat import family
from mock_pipelines.store.sql.live import STATE_TABLE
from mock_pipelines.store.sql.store import SqlStore
from mock_pipelines_tests.store.sql.conftest import DIALECTS

START = dt.datetime(2024, 1, 1)
CHUNK = 50  # small batches: several per window

LIVING = """
dataset: living
seed: 7
tables:
  plans:
    rows: 6
    primary_key: plan_id
    columns:
      plan_id: {gen: sequence}
      price: {dist: "uniform(5, 50, round=2)", type: "decimal(10,2)"}
    changes:
      updates:
        - column: price
          every_days: 2
          factor: "uniform(1.0, 1.2)"
  customers:
    rows: 300
    partitioned: {time_column: signup_ts, rows_per_day: 25}
    primary_key: customer_id
    columns:
      customer_id: {gen: sequence}
      signup_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      first_name: {gen: first_name}
      city: {gen: city}
      state: {gen: state_abbr}
      segment: {gen: choice, values: {consumer: 0.6, business: 0.3, vip: 0.1}}
      label: {expr: "segment + '/' + state"}
      balance: {dist: "uniform(0, 1000, round=2)", type: "decimal(12,2)"}
      plan_id: {ref: plans.plan_id}
    changes:
      updates:
        - columns: [city, state]
          every_days: 3
        - column: segment
          every_days: "uniform(1, 4)"
        - column: balance
          every_days: 1
          factor: "lognormal(0, 0.1)"
      deletes: {share: 0.3, after_days: "exponential(2)", mode: PARENT_MODE}
      late: {share: 0.1, max_days: 2}
  orders:
    rows: 2000
    partitioned: {time_column: order_ts, rows_per_day: 60}
    primary_key: order_id
    columns:
      order_id: {gen: sequence, start: 1000}
      customer_id: {ref: customers.customer_id}
      order_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      status: {gen: choice, values: {placed: 0.9, cancelled: 0.1}}
      amount: {dist: "uniform(1, 100, round=2)", type: "decimal(10,2)"}
    changes:
      updates:
        - column: status
          states:
            placed: {paid: 0.9, cancelled: 0.1}
            paid: {shipped: 0.95, refunded: 0.05}
            shipped: {delivered: 1}
          dwell_days: {placed: "uniform(0.01, 0.5)", paid: "uniform(0.5, 2)", shipped: "uniform(1, 4)"}
      deletes: {share: 0.1, after_days: 2, mode: hard}
      parent_deletes: CHILD_POLICY
"""
KEYS = {"plans": "plan_id", "customers": "customer_id", "orders": "order_id"}
ORDER = ["plans", "customers", "orders"]  # parents first


def living_plan(tmp_path: Path, parent_mode: str = "soft", child_policy: str = "cascade") -> DatasetPlan:
    path = tmp_path / f"living_{parent_mode}_{child_policy}.yaml"
    path.write_text(LIVING.replace("PARENT_MODE", parent_mode).replace("CHILD_POLICY", child_policy))
    return DatasetPlan(load_dataset(path), PlanOptions(partitions=PartitionScheme(START, "daily")))


def start_of(day: int) -> int:
    """Start of day ``day`` (counted from 1), in microseconds."""
    return to_us(START) + (day - 1) * US_PER_DAY


def key_of(day: int) -> str:
    return (START + dt.timedelta(days=day - 1)).date().isoformat()


@pytest.fixture(params=DIALECTS)
def url_schema(request: pytest.FixtureRequest, tmp_path: Path):
    """``(url, schema)`` of an empty database of this test on each dialect."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_db")
    if request.param == "mysql":
        return request.getfixturevalue("mysql_db")[0], None
    return f"sqlite:///{tmp_path / 'living.db'}", None


def open_store(url_schema, plan: DatasetPlan) -> SqlStore:
    url, schema = url_schema
    return SqlStore(url, schema, {"living": plan.spec}, partitioned={"living": ["customers", "orders"]})


def apply(store: SqlStore, plan: DatasetPlan, table: str, day: int):
    return store.apply_live("living", table, key_of(day), plan.table(table).changes, start_of(day),
                            start_of(day + 1), CHUNK)


def live_rows(store: SqlStore, table: str) -> list[dict]:
    return store.read("living", output_table(table, "live")).to_pylist()


def snapshot_rows(plan: DatasetPlan, table: str, day: int) -> list[dict]:
    """The core's snapshot as of the end of ``day``, in key order (independent of any database)."""
    changes = plan.table(table).changes
    rows = pa.Table.from_batches(list(changes.snapshot(start_of(day + 1), 1000)), schema=changes.snapshot_schema)
    return sorted(rows.to_pylist(), key=lambda r: r[KEYS[table]])


def engine_of(store: SqlStore) -> sa.Engine:
    return store.database("living").engine


def qualified(store: SqlStore, name: str) -> str:
    schema = store.database("living").schema
    return f'"{schema}"."{name}"' if schema else name


# ---- the live table ---------------------------------------------------------------------------------------

def test_partitions_applied_in_order_keep_the_live_table_equal_to_each_snapshot(url_schema, tmp_path):
    plan = living_plan(tmp_path)
    store = open_store(url_schema, plan)
    try:
        totals = {t: {"upserted": 0, "deleted": 0} for t in ORDER}
        for day in range(1, 7):
            for table in ORDER:
                result = apply(store, plan, table, day)
                assert result.mode == "delta", (table, day)  # the first partition on an empty table, then the next
                assert result.previous == (key_of(day - 1) if day > 1 else None)
                expected = snapshot_rows(plan, table, day)
                assert live_rows(store, table) == expected, (table, day)
                assert result.rows == len(expected)
                totals[table]["upserted"] += result.upserted
                totals[table]["deleted"] += result.deleted
        # Not vacuous: rows changed after insert, orders were hard-deleted, customers soft-deleted (kept).
        assert totals["plans"]["upserted"] > 6 and totals["orders"]["deleted"] > 10
        customers = live_rows(store, "customers")
        assert sum(r["deleted_at"] is not None for r in customers) > 10
        orders_ids = {r["order_id"] for r in live_rows(store, "orders")}
        assert totals["orders"]["upserted"] > len(orders_ids)  # updates of rows already there
        # The partition applied last, again: nothing to do, nothing changes.
        before = {t: live_rows(store, t) for t in ORDER}
        for table in ORDER:
            again = apply(store, plan, table, 6)
            assert (again.mode, again.upserted, again.deleted, again.previous) == ("noop", 0, 0, key_of(6))
        assert {t: live_rows(store, t) for t in ORDER} == before
        with engine_of(store).connect() as conn:
            state = dict(conn.execute(sa.text(f"SELECT table_name, partition_key FROM "
                                              f"{qualified(store, STATE_TABLE)}")).all())
        assert state == {output_table(t, "live"): key_of(6) for t in ORDER}
        # Another process (a store that only checks the tables it finds) goes on from there.
        url, schema = url_schema
        later = SqlStore(url, schema, {"living": plan.spec}, mode="existing")
        try:
            for table in ORDER:
                assert apply(later, plan, table, 7).mode == "delta"
                assert live_rows(later, table) == snapshot_rows(plan, table, 7)
        finally:
            later.dispose()
    finally:
        store.dispose()


def test_going_back_rewinds_the_live_table_and_a_gap_is_synced(url_schema, tmp_path):
    plan = living_plan(tmp_path)
    store = open_store(url_schema, plan)
    try:
        for day in range(1, 8):
            for table in ORDER:
                apply(store, plan, table, day)
        for day, expected_mode in ((4, "sync"), (5, "delta"), (8, "sync")):  # back 3 days, next one, over a gap
            results = {}
            for table in ORDER:  # parents first, in every direction
                results[table] = result = apply(store, plan, table, day)
                # A parent's sync that deleted rows clears its children's watermark: their next apply is a sync.
                cleared = table == "orders" and results["customers"].mode == "sync" \
                    and results["customers"].deleted > 0
                assert result.mode == ("sync" if cleared else expected_mode), (table, day)
                assert live_rows(store, table) == snapshot_rows(plan, table, day), (table, day)
            if day == 4:  # customers created on days 5-7 left: the cascade took their orders, the watermark with them
                assert results["customers"].deleted > 0 and results["orders"].previous is None
        assert apply(store, plan, "orders", 8).mode == "noop"
    finally:
        store.dispose()


@pytest.mark.parametrize("parent_mode,child_policy,constrained", [
    ("soft", "cascade", True),   # soft-deleted customers stay: their orders may reference them
    ("hard", "cascade", True),   # hard-deleted customers take their orders along (ON DELETE CASCADE)
])  # hard-deleted customers whose orders are kept: refused where the schema says it (a reference would dangle)
def test_live_foreign_keys_hold_through_soft_and_hard_deletes(url_schema, tmp_path, parent_mode, child_policy,
                                                              constrained):
    plan = living_plan(tmp_path, parent_mode, child_policy)
    store = open_store(url_schema, plan)
    try:
        for day in range(1, 6):
            for table in ORDER:
                apply(store, plan, table, day)
                assert live_rows(store, table) == snapshot_rows(plan, table, day), (table, day)
        database = store.database("living")
        with database.engine.connect() as conn:
            fks = sa.inspect(conn).get_foreign_keys("orders__live", schema=database.schema)
        assert [(fk["referred_table"], fk["constrained_columns"]) for fk in fks] == \
            ([("customers__live", ["customer_id"])] if constrained else [])
        customers = {r["customer_id"] for r in live_rows(store, "customers")}
        orders = live_rows(store, "orders")
        orphans = [r for r in orders if r["customer_id"] not in customers]
        if constrained:
            assert not orphans
            assert (_insert_orphan(store, max(customers) + 1000) is not None)  # the database refuses it
        else:
            assert orphans  # hard deletes left orders behind: why this variant has no foreign key
        if parent_mode == "hard":
            assert len(customers) < 5 * 25  # customers were hard-deleted
        for table in ORDER:  # back to day 2, parents first: hard-deleted rows return, later ones leave
            apply(store, plan, table, 2)
            assert live_rows(store, table) == snapshot_rows(plan, table, 2), table
    finally:
        store.dispose()


def _insert_orphan(store: SqlStore, customer_id: int) -> Exception | None:
    """Try to add an order of a customer that is not in customers__live; the error, if refused."""
    engine = engine_of(store)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"INSERT INTO {qualified(store, 'orders__live')} (order_id, customer_id, order_ts, "
                                 "status, amount) VALUES (99999999, :c, :t, 'placed', 1)"),
                         {"c": customer_id, "t": START})
    except sa.exc.IntegrityError as exc:
        return exc
    return None


def test_a_child_applied_before_its_parent_is_refused_and_nothing_changes(url_schema, tmp_path):
    plan = living_plan(tmp_path)
    store = open_store(url_schema, plan)
    try:
        for table in ORDER:
            apply(store, plan, table, 1)
        before = live_rows(store, "orders")
        with pytest.raises(SqlDestinationError, match="apply parents before children"):
            apply(store, plan, "orders", 2)  # orders of day 2 reference customers of day 2, not applied yet
        assert live_rows(store, "orders") == before
        for table in ORDER:
            result = apply(store, plan, table, 2)
            assert result.mode == "delta"  # the failed apply left the watermark at day 1
        assert live_rows(store, "orders") == snapshot_rows(plan, "orders", 2)
    finally:
        store.dispose()


# ---- the change outputs -----------------------------------------------------------------------------------

def _sort_key(output: str, key: str):
    if output == LOG:
        return lambda r: (r[ARRIVED_TS], r[key], r[EVENT_TS], r[OP])
    if output == HISTORY:
        return lambda r: (r[key], r[VALID_FROM])
    return lambda r: r[key]


def _core_rows(plan: DatasetPlan, table: str, output: str, day: int, chunk: int) -> tuple[pa.Schema, list]:
    changes = plan.table(table).changes
    start, end = start_of(day), start_of(day + 1)
    batches = {LOG: lambda: changes.log(start, end, chunk), SNAPSHOT: lambda: changes.snapshot(end, chunk),
               HISTORY: lambda: changes.history(end, chunk)}[output]()
    return changes.schema(output), list(batches)


@pytest.mark.parametrize("table", ["customers", "orders"])
def test_change_outputs_land_per_partition_and_read_back_as_generated(url_schema, tmp_path, table):
    plan = living_plan(tmp_path)
    store = open_store(url_schema, plan)
    key = KEYS[table]
    try:
        for output in (LOG, SNAPSHOT, HISTORY):
            name = output_table(table, output)
            expected = {}
            for day in (1, 2, 3):
                schema, batches = _core_rows(plan, table, output, day, CHUNK)
                result = store.write_batches("living", name, schema, batches, key_of(day))
                rows = pa.Table.from_batches(batches, schema=schema).to_pylist()
                assert result.rows == len(rows) > 0
                expected[day] = sorted(rows, key=_sort_key(output, key))
            # a partition written again (other chunks) replaces exactly itself
            schema, batches = _core_rows(plan, table, output, 2, 7)
            store.write_batches("living", name, schema, batches, key_of(2))
            for day in (1, 2, 3):
                got = store.read("living", name, [key_of(day)]).to_pylist()
                assert sorted(got, key=_sort_key(output, key)) == expected[day], (name, day)
            assert store.list_partitions("living", name) == [key_of(d) for d in (1, 2, 3)]
        assert any(r[OP] == "u" for r in expected_log(plan, table))
    finally:
        store.dispose()


def expected_log(plan: DatasetPlan, table: str) -> list[dict]:
    schema, batches = _core_rows(plan, table, LOG, 3, 1000)
    return pa.Table.from_batches(batches, schema=schema).to_pylist()


def test_output_tables_have_the_table_types_and_no_key_constraints(url_schema, tmp_path):
    plan = living_plan(tmp_path)
    store = open_store(url_schema, plan)
    try:
        for output in (LOG, SNAPSHOT, HISTORY):
            schema, batches = _core_rows(plan, "customers", output, 1, CHUNK)
            store.write_batches("living", output_table("customers", output), schema, batches, key_of(1))
        store.prepare("living")
        database = store.database("living")
        with database.engine.connect() as conn:
            inspector = sa.inspect(conn)
            dialect = conn.dialect.name if conn.dialect.name != "mariadb" else "mysql"
            base = {c["name"]: c for c in inspector.get_columns("customers", schema=database.schema)}
            log_columns = {c["name"]: c for c in inspector.get_columns("customers__changes", schema=database.schema)}
            for name in ("balance", "segment", "customer_id", "signup_ts"):
                assert str(log_columns[name]["type"]) == str(base[name]["type"])
            assert str(log_columns[BEFORE + "balance"]["type"]) == str(base["balance"]["type"])
            assert "12" in str(log_columns["balance"]["type"])  # decimal(12,2) kept
            assert family(log_columns[EVENT_TS]["type"], dialect) == "timestamp"
            assert family(log_columns["deleted_at"]["type"], dialect) == "timestamp"
            assert not log_columns[OP]["nullable"] and log_columns[BEFORE + "balance"]["nullable"]
            for output in (LOG, SNAPSHOT, HISTORY):
                name = output_table("customers", output)
                assert not inspector.get_pk_constraint(name, schema=database.schema)["constrained_columns"]
                assert inspector.get_foreign_keys(name, schema=database.schema) == []
                assert not inspector.get_unique_constraints(name, schema=database.schema)
    finally:
        store.dispose()


def test_output_tables_refuse_a_write_without_a_partition_or_with_other_columns(url_schema, tmp_path):
    plan = living_plan(tmp_path)
    store = open_store(url_schema, plan)
    try:
        schema, batches = _core_rows(plan, "orders", LOG, 1, CHUNK)
        with pytest.raises(SqlDestinationError, match="partition key"):
            store.write_batches("living", "orders__changes", schema, batches, None)
        with pytest.raises(SqlDestinationError, match=r"missing __changed"):
            store.write_batches("living", "orders__changes", schema.remove(schema.get_field_index("__changed")),
                                [], key_of(1))
        with pytest.raises(SqlDestinationError, match="apply_live"):
            store.write_batches("living", "orders__live", schema, batches, key_of(1))
    finally:
        store.dispose()


def test_apply_live_refuses_a_table_without_changes_and_an_empty_window(tmp_path):
    plan = living_plan(tmp_path)
    spec = plan.spec
    store = SqlStore(f"sqlite:///{tmp_path / 'refused.db'}", None, {"living": spec})
    try:
        changes = plan.table("customers").changes
        with pytest.raises(SqlDestinationError, match="has no table 'nothing'"):
            store.apply_live("living", "nothing", key_of(1), changes, start_of(1), start_of(2))
        with pytest.raises(SqlDestinationError, match="empty window"):
            store.apply_live("living", "customers", key_of(1), changes, start_of(2), start_of(2))
        with pytest.raises(SqlDestinationError, match="invalid partition key"):
            store.apply_live("living", "customers", "", changes, start_of(1), start_of(2))
        store.prepare("living")  # the tables of the schema, not those of change data
        existing = SqlStore(f"sqlite:///{tmp_path / 'refused.db'}", None, {"living": spec}, mode="existing")
        schema, batches = _core_rows(plan, "customers", LOG, 1, CHUNK)
        with pytest.raises(SqlDestinationError, match="customers__changes: missing table"):
            existing.write_batches("living", "customers__changes", schema, batches, key_of(1))
        with pytest.raises(SqlDestinationError, match="customers__live: missing table"):
            existing.apply_live("living", "customers", key_of(1), changes, start_of(1), start_of(2))
        existing.dispose()
    finally:
        store.dispose()
