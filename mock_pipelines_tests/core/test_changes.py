"""Rows that change: the change log, the snapshot and the SCD2 history agree with each other and with
themselves whatever is generated alone, in which order, in which chunks."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.changes import (
    ARRIVED_TS,
    BEFORE,
    CHANGED,
    EVENT_TS,
    IS_CURRENT,
    NEVER,
    OP,
    VALID_FROM,
    VALID_TO,
)
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import US_PER_DAY, PartitionScheme, to_us
from mock_pipelines.schema.parse import load_dataset

START = dt.datetime(2024, 1, 1)
DAYS = 40

SCHEMA = """
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
          every_days: 15
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
      zip: {gen: zipcode}
      segment: {gen: choice, values: {consumer: 0.6, business: 0.3, vip: 0.1}}
      label: {expr: "segment + '/' + state"}
      balance: {dist: "uniform(0, 1000, round=2)", type: "decimal(12,2)"}
      plan_id: {ref: plans.plan_id}
    changes:
      updates:
        - columns: [city, state, zip]
          every_days: 12
        - column: segment
          every_days: "uniform(5, 30)"
        - column: balance
          every_days: 4
          factor: "lognormal(0, 0.1)"
      deletes: {share: 0.2, after_days: "exponential(15)", mode: soft}
      late: {share: 0.1, max_days: 2}
  addresses:
    rows: {per: customers, count: "uniform(1, 2)"}
    partitioned: {time_column: added_ts}
    primary_key: [customer_id, address_no]
    columns:
      customer_id: {ref: customers.customer_id}
      address_no: {gen: child_index}
      added_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      street: {gen: street_address}
    changes:
      parent_deletes: cascade
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
      deletes: {share: 0.05, after_days: 10, mode: hard}
      parent_deletes: cascade
"""


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("living") / "living.yaml"
    path.write_text(SCHEMA)
    return path


def plan_of(schema_file) -> DatasetPlan:
    return DatasetPlan(load_dataset(schema_file), PlanOptions(partitions=PartitionScheme(START, "daily")))


@pytest.fixture(scope="module")
def plan(schema_file) -> DatasetPlan:
    return plan_of(schema_file)


def day_end(d: int) -> int:
    """End (exclusive) of day d, counted from 1."""
    return to_us(START) + d * US_PER_DAY


def log_of(plan: DatasetPlan, table: str, d: int, chunk_size: int = 262_144) -> pa.Table:
    changes = plan.table(table).changes
    return pa.Table.from_batches(list(changes.log(day_end(d - 1), day_end(d), chunk_size)), schema=changes.log_schema)


def snapshot_of(plan: DatasetPlan, table: str, d: int, chunk_size: int = 262_144) -> pa.Table:
    changes = plan.table(table).changes
    return pa.Table.from_batches(list(changes.snapshot(day_end(d), chunk_size)), schema=changes.snapshot_schema)


def history_of(plan: DatasetPlan, table: str, d: int, chunk_size: int = 262_144) -> pa.Table:
    changes = plan.table(table).changes
    return pa.Table.from_batches(list(changes.history(day_end(d), chunk_size)), schema=changes.history_schema)


def by_key(table: pa.Table, key: str) -> dict:
    return {row[key]: row for row in table.to_pylist()}


def replay(logs: list[pa.Table], key: str, columns: list[str], before_us: int) -> dict:
    """Apply the events that happened before ``before_us`` in event-time order, as a CDC consumer would."""
    events = pa.concat_tables(logs)
    events = events.filter(pc.less(events[EVENT_TS], pa.scalar(before_us, pa.timestamp("us")).cast(pa.timestamp("us"))))
    events = events.sort_by([(EVENT_TS, "ascending"), (key, "ascending")])
    state: dict = {}
    for row in events.to_pylist():
        if row[OP] == "d":
            assert row[key] in state, "a delete of a row that was never inserted"
            del state[row[key]]
        else:
            assert (row[OP] == "c") == (row[key] not in state), f"{row[OP]} of {row[key]} out of order"
            state[row[key]] = {c: row[c] for c in columns}
    return state


@pytest.mark.parametrize("table,key", [("customers", "customer_id"), ("orders", "order_id"), ("plans", "plan_id")])
def test_the_snapshot_of_a_day_is_the_replay_of_every_change_log_up_to_it(plan, table, key):
    late_days = 2  # events of day D arrive by D + 2: replay the logs that far, the events of days 1..D
    logs = [log_of(plan, table, d) for d in range(1, DAYS + late_days + 1)]
    for d in (1, 7, 20, DAYS):
        snap = snapshot_of(plan, table, d)
        expected = {r[key]: r for r in snap.to_pylist()}
        assert expected, "the snapshot is empty"
        assert replay(logs[: d + late_days], key, snap.column_names, day_end(d)) == expected


def test_the_change_log_has_updates_deletes_and_late_arrivals(plan):
    logs = pa.concat_tables([log_of(plan, "customers", d) for d in range(1, DAYS + 1)])
    ops = pc.value_counts(logs[OP]).to_pylist()
    counts = {o["values"]: o["counts"] for o in ops}
    assert counts["c"] > 500 and counts["u"] > 1000 and "d" not in counts  # soft deletes are updates
    late = pc.greater(logs[ARRIVED_TS], logs[EVENT_TS]).to_numpy(zero_copy_only=False)
    assert 0.07 < late.mean() < 0.13  # share 0.1
    delay = pc.subtract(logs[ARRIVED_TS], logs[EVENT_TS]).cast(pa.int64()).to_numpy()
    assert delay.max() <= 2 * US_PER_DAY and delay.min() >= 0
    # Every update names what it changed, and the before values differ exactly there.
    updates = logs.filter(pc.equal(logs[OP], "u")).to_pylist()
    for row in updates[:500]:
        changed = set(row[CHANGED].split(","))
        assert changed
        for c in ("city", "state", "zip", "segment", "label", "balance", "deleted_at"):
            assert (row[BEFORE + c] != row[c]) == (c in changed), (c, row)
    moves = [r for r in updates if "city" in r[CHANGED].split(",")]
    assert moves and all({"state", "zip"} <= set(r[CHANGED].split(",")) or r[BEFORE + "state"] == r["state"]
                         for r in moves)
    # An expression follows the columns it reads.
    assert all(r["label"] == f"{r['segment']}/{r['state']}" for r in updates)


def test_a_day_generated_alone_in_any_chunks_equals_itself_in_a_full_run(schema_file, plan):
    for d in (3, 17):
        full = [log_of(plan, "customers", e) for e in range(1, d + 1)][-1]
        alone = log_of(plan_of(schema_file), "customers", d, chunk_size=37)
        assert alone.equals(full)
        assert snapshot_of(plan_of(schema_file), "orders", d, chunk_size=50).equals(snapshot_of(plan, "orders", d))
        assert history_of(plan_of(schema_file), "customers", d, chunk_size=64).equals(
            history_of(plan, "customers", d))


@pytest.mark.parametrize("table,key", [("customers", "customer_id"), ("orders", "order_id")])
def test_scd2_history_is_contiguous_with_one_current_version_equal_to_the_snapshot(plan, table, key):
    d = 30
    hist = history_of(plan, table, d).to_pylist()
    snap = by_key(snapshot_of(plan, table, d), key)
    versions: dict = {}
    for row in hist:
        versions.setdefault(row[key], []).append(row)
    hard = plan.table(table).changes.hard_deletes
    for k, rows in versions.items():
        starts = [r[VALID_FROM] for r in rows]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        for a, b in itertools.pairwise(rows):
            assert a[VALID_TO] == b[VALID_FROM] and not a[IS_CURRENT]
        current = [r for r in rows if r[IS_CURRENT]]
        if k in snap:
            assert len(current) == 1 and rows[-1][IS_CURRENT]
            image = {c: v for c, v in rows[-1].items() if c not in (VALID_FROM, VALID_TO, IS_CURRENT)}
            assert image == snap[k]
        else:
            assert hard and not current and rows[-1][VALID_TO] is not None
    assert set(snap) <= set(versions)


def test_order_status_moves_only_along_the_declared_transitions(plan):
    hist = history_of(plan, "orders", DAYS).to_pylist()
    allowed = {("placed", "paid"), ("placed", "cancelled"), ("paid", "shipped"), ("paid", "refunded"),
               ("shipped", "delivered")}
    dwell = {"placed": (0.01, 0.5), "paid": (0.5, 2), "shipped": (1, 4)}
    seen = set()
    for a, b in itertools.pairwise(hist):
        if a["order_id"] != b["order_id"]:
            continue
        move = (a["status"], b["status"])
        assert move in allowed, move
        seen.add(move)
        days = (b[VALID_FROM] - a[VALID_FROM]).total_seconds() / 86400
        lo, hi = dwell[a["status"]]
        assert lo - 1e-6 <= days <= hi + 1e-6
    assert seen == allowed
    finals = [r for r in hist if r[IS_CURRENT] and r["status"] in ("cancelled", "refunded", "delivered")]
    assert finals


def test_children_never_reference_a_parent_deleted_before_them_and_cascade_deletes(plan):
    customers = plan.table("customers").changes
    orders = plan.table("orders").changes
    lo, hi = plan.table("orders").row_range(to_us(START), day_end(DAYS))
    rows = np.arange(lo, hi)
    parent, _ = plan.table("orders").parent_rows(plan.spec.tables["orders"].foreign_keys[0], rows)
    created = plan.table("orders").event_times(rows)
    window_end = (created // US_PER_DAY + 1) * US_PER_DAY
    parent_deleted = customers.deleted_us(parent)
    assert (parent_deleted >= window_end).all()
    assert (parent_deleted < NEVER).any()  # some parents are deleted later: the check is not vacuous
    own = orders.deleted_us(rows)
    cascaded = parent_deleted < NEVER
    assert (own[cascaded] <= np.maximum(parent_deleted[cascaded], created[cascaded] + 1)).all()


def test_hard_deletes_leave_the_snapshot_and_show_the_row_as_it_was(plan):
    logs = pa.concat_tables([log_of(plan, "orders", d) for d in range(1, DAYS + 1)])
    deletes = logs.filter(pc.equal(logs[OP], "d"))
    assert deletes.num_rows > 20
    snap = by_key(snapshot_of(plan, "orders", DAYS), "order_id")
    gone = deletes["order_id"].to_pylist()
    assert not set(gone) & set(snap)
    assert deletes[CHANGED].null_count == deletes.num_rows


def test_drift_multiplies_and_keeps_the_declared_type(plan):
    hist = history_of(plan, "plans", DAYS).to_pylist()
    assert len(hist) > 6
    for a, b in itertools.pairwise(hist):
        if a["plan_id"] == b["plan_id"]:
            assert b["price"] >= a["price"]  # factor uniform(1.0, 1.2): prices only rise
    assert str(plan.table("plans").changes.snapshot_schema.field("price").type) == "decimal128(10, 2)"


def test_tables_keep_their_inserted_rows(schema_file, plan):
    """The insert-only table of a changing table is its rows as inserted: the log's inserts."""
    table = plan.table("customers")
    lo, hi = table.row_range(day_end(9), day_end(10))
    inserted = table.to_table(lo, hi)
    logs = pa.concat_tables([log_of(plan, "customers", d) for d in range(10, 13)])
    inserts = by_key(logs.filter(pc.equal(logs[OP], "c")), "customer_id")
    for row in inserted.to_pylist():
        logged = inserts[row["customer_id"]]
        assert {c: logged[c] for c in row} == row


@pytest.mark.parametrize("table,key", [("customers", "customer_id"), ("orders", "order_id")])
def test_deltas_applied_in_order_keep_a_table_equal_to_each_snapshot(plan, table, key):
    changes = plan.table(table).changes
    live: dict = {}
    for d in range(1, 16):
        upserts, deleted = changes.delta(day_end(d - 1), day_end(d), chunk_size=100)
        for batch in upserts:
            live.update({r[key]: r for r in batch.to_pylist()})
        for k in changes.key_batch(deleted).column(0).to_pylist():
            live.pop(k, None)  # a row inserted and deleted within the window was never there
        assert live == by_key(snapshot_of(plan, table, d), key)


def test_rows_that_only_follow_their_parents_deletes_are_deleted_the_parents_way(plan):
    addresses = plan.table("addresses").changes
    assert addresses.soft_column == "deleted_at" and not addresses.hard_deletes
    snap = snapshot_of(plan, "addresses", DAYS).to_pylist()
    customers = by_key(snapshot_of(plan, "customers", DAYS), "customer_id")
    one_us = dt.timedelta(microseconds=1)
    deleted = 0
    for row in snap:
        parent = customers[row["customer_id"]]["deleted_at"]
        expected = None if parent is None else max(parent, row["added_ts"] + one_us)
        assert row["deleted_at"] == expected
        deleted += expected is not None
    assert deleted > 10
