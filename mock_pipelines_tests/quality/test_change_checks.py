"""The checks of change outputs pass on the change log, snapshot and SCD2 history the core writes, and each one
catches a copy of those outputs with one row changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.changes import (
    ARRIVED_TS,
    BEFORE,
    CHANGED,
    EVENT_TS,
    HISTORY,
    IS_CURRENT,
    LOG,
    OP,
    SNAPSHOT,
    VALID_FROM,
    VALID_TO,
    TableChanges,
    output_table,
)
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import US_PER_DAY, PartitionScheme, to_us
from mock_pipelines.quality import change_checks as cc
from mock_pipelines.store.files.store import FileStore
from mock_pipelines_tests.quality.changes_support import load_living

START = dt.datetime(2024, 1, 1)
HOUR = US_PER_DAY // 24

SPEC = load_living()


@pytest.fixture(scope="module")
def plan() -> DatasetPlan:
    return DatasetPlan(SPEC, PlanOptions(partitions=PartitionScheme(START, "daily")))


def day(d: int) -> tuple[int, int]:
    """The window of day d, counted from 1."""
    return to_us(START) + (d - 1) * US_PER_DAY, to_us(START) + d * US_PER_DAY


def outputs(ch: TableChanges, d: int) -> dict[str, pa.Table]:
    start, end = day(d)
    return {LOG: pa.Table.from_batches(list(ch.log(start, end)), schema=ch.log_schema),
            SNAPSHOT: pa.Table.from_batches(list(ch.snapshot(end)), schema=ch.snapshot_schema),
            HISTORY: pa.Table.from_batches(list(ch.history(end)), schema=ch.history_schema)}


def src(table: pa.Table, rows: int = 37) -> Callable[[], list[pa.RecordBatch]]:
    """A batch source of small batches, so a check's state crosses batch boundaries."""
    return lambda: table.to_batches(max_chunksize=rows)


def changed(table: pa.Table, row: int, column: str, value: Any) -> pa.Table:
    """``table`` with one value replaced."""
    col = table.column(column).combine_chunks()
    values = col.to_pylist()
    values[row] = value
    return table.set_column(table.schema.get_field_index(column), table.schema.field(column),
                            pa.array(values, col.type))


def statuses(results: list[Any]) -> dict[str, str]:
    return {r.name: r.status for r in results}


def failing(results: list[Any]) -> set[str]:
    return {r.name for r in results if r.status != "pass"}


def log_results(ch: TableChanges, log: pa.Table, d: int) -> list[Any]:
    return cc.check_change_log(ch, src(log), day(d))


def first(table: pa.Table, mask: Any) -> int:
    where = np.flatnonzero(np.asarray(mask))
    assert where.size, "the output has no row of the kind the corruption needs"
    return int(where[0])


def us(value: Any) -> int:
    return to_us(value)


def ts(value: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(value))


# ---- clean outputs pass --------------------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["plans", "customers", "orders"])
@pytest.mark.parametrize("d", [1, 6])
def test_core_outputs_pass_every_check(plan: DatasetPlan, table: str, d: int) -> None:
    ch = plan.table(table).changes
    out = outputs(ch, d)
    prev = outputs(ch, d - 1)[SNAPSHOT] if d > 1 else None
    before, after = cc.replay_partitions(ch, day(d))
    assert (before is None) == (d == 1)
    logs = [src(outputs(ch, d + k)[LOG]) for k in range(len(after))]
    results = (log_results(ch, out[LOG], d) + cc.check_history(ch, src(out[HISTORY]))
               + cc.check_snapshot_history(ch, src(out[SNAPSHOT]), src(out[HISTORY]))
               + cc.check_snapshot_replay(ch, src(out[SNAPSHOT]), src(prev) if prev is not None else None, logs,
                                          day(d)))
    assert statuses(results) == {n: "pass" for n in (*cc.LOG_CHECKS, *cc.HISTORY_CHECKS, *cc.SNAPSHOT_CHECKS)}
    assert {r.table for r in results} == {output_table(table, o) for o in (LOG, HISTORY, SNAPSHOT)}
    assert all(r.evaluated_rows == out[LOG].num_rows for r in results if r.table.endswith("__changes"))


# ---- the change log ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def customers_log(plan: DatasetPlan) -> pa.Table:
    return outputs(plan.table("customers").changes, 6)[LOG]


def test_an_unknown_op_fails_ops(plan: DatasetPlan, customers_log: pa.Table) -> None:
    ch = plan.table("customers").changes
    bad = changed(customers_log, 3, OP, "x")
    assert "change_log__ops" in failing(log_results(ch, bad, 6))
    assert failing(log_results(ch, customers_log, 6)) == set()
    result = next(r for r in log_results(ch, bad, 6) if r.name == "change_log__ops")
    assert result.unexpected_count == 1 and result.status == "fail" and result.blocking


def test_an_update_before_the_insert_fails(plan: DatasetPlan, customers_log: pa.Table) -> None:
    ch = plan.table("customers").changes
    ops = customers_log.column(OP).to_pylist()
    i = ops.index("u")
    created = us(customers_log.column("signup_ts")[i].as_py())
    bad = changed(customers_log, i, EVENT_TS, ts(created - 1))
    assert "change_log__no_update_before_insert" in failing(log_results(ch, bad, 6))
    # an insert must be at the creation time exactly: one microsecond later is caught too
    j = ops.index("c")
    late_insert = changed(customers_log, j, EVENT_TS, ts(us(customers_log.column(EVENT_TS)[j].as_py()) + 1))
    assert "change_log__no_update_before_insert" in failing(log_results(ch, late_insert, 6))


def test_an_event_after_a_soft_delete_fails(plan: DatasetPlan, customers_log: pa.Table) -> None:
    ch = plan.table("customers").changes
    i = first(customers_log, pc.is_valid(customers_log.column("deleted_at")))
    bad = changed(customers_log, i, "deleted_at", ts(us(customers_log.column(EVENT_TS)[i].as_py()) - HOUR))
    assert "change_log__no_event_after_delete" in failing(log_results(ch, bad, 6))


def test_an_arrival_before_the_event_or_outside_the_partition_fails(plan: DatasetPlan,
                                                                      customers_log: pa.Table) -> None:
    ch = plan.table("customers").changes
    event = us(customers_log.column(EVENT_TS)[0].as_py())
    early = changed(customers_log, 0, ARRIVED_TS, ts(event - 1))
    assert "change_log__arrival_after_event" in failing(log_results(ch, early, 6))
    i = customers_log.num_rows - 1
    beyond = changed(customers_log, i, ARRIVED_TS, ts(day(6)[1]))  # the first instant of the next partition
    assert failing(log_results(ch, beyond, 6)) == {"change_log__arrival_after_event"}


def test_changed_columns_must_be_those_that_differ(plan: DatasetPlan, customers_log: pa.Table) -> None:
    ch = plan.table("customers").changes
    texts = customers_log.column(CHANGED).to_pylist()
    i = next(k for k, t in enumerate(texts) if t and "segment" in t.split(","))
    # one more column named than changed
    extra = "city" if "city" not in texts[i].split(",") else "balance"
    assert failing(log_results(ch, changed(customers_log, i, CHANGED, texts[i] + "," + extra), 6)) == {
        "change_log__changed_columns"}
    # a column that cannot change
    assert "change_log__changed_columns" in failing(
        log_results(ch, changed(customers_log, i, CHANGED, "customer_id"), 6))
    # the before value equal to the after value: segment named but not different
    same = changed(customers_log, i, BEFORE + "segment", customers_log.column("segment")[i].as_py())
    assert failing(log_results(ch, same, 6)) == {"change_log__changed_columns"}
    # an insert with a before value
    j = texts.index(None)
    assert customers_log.column(OP)[j].as_py() == "c"
    assert "change_log__changed_columns" in failing(
        log_results(ch, changed(customers_log, j, BEFORE + "balance", customers_log.column("balance")[j].as_py()), 6))


# ---- the history ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def customers_history(plan: DatasetPlan) -> pa.Table:
    return outputs(plan.table("customers").changes, 8)[HISTORY]


def _two_versions(history: pa.Table) -> int:
    """The first row whose key has a next version."""
    keys = history.column("customer_id").to_numpy()
    return first(history, np.append(keys[1:] == keys[:-1], False))


def test_a_version_that_ends_before_it_begins_fails(plan: DatasetPlan, customers_history: pa.Table) -> None:
    ch = plan.table("customers").changes
    i = _two_versions(customers_history)
    vf = us(customers_history.column(VALID_FROM)[i].as_py())
    bad = changed(customers_history, i, VALID_TO, ts(vf))
    assert "history__valid_range" in failing(cc.check_history(ch, src(bad)))


def test_versions_out_of_order_or_apart_fail(plan: DatasetPlan, customers_history: pa.Table) -> None:
    ch = plan.table("customers").changes
    i = _two_versions(customers_history)
    order = list(range(customers_history.num_rows))
    order[i], order[i + 1] = order[i + 1], order[i]
    swapped = customers_history.take(pa.array(order))
    assert "history__versions_ordered" in failing(cc.check_history(ch, src(swapped)))
    # a key's first version moved to the end: its versions are apart (across batches)
    moved = customers_history.take(pa.array([k for k in range(customers_history.num_rows) if k != i] + [i]))
    assert "history__versions_ordered" in failing(cc.check_history(ch, src(moved, rows=16)))


def test_a_gap_between_versions_fails(plan: DatasetPlan, customers_history: pa.Table) -> None:
    ch = plan.table("customers").changes
    i = _two_versions(customers_history)
    vt = us(customers_history.column(VALID_TO)[i].as_py())
    bad = changed(customers_history, i, VALID_TO, ts(vt - HOUR))
    assert failing(cc.check_history(ch, src(bad))) == {"history__versions_contiguous"}


def test_a_key_without_its_current_version_fails(plan: DatasetPlan, customers_history: pa.Table) -> None:
    ch = plan.table("customers").changes
    i = first(customers_history, customers_history.column(IS_CURRENT))
    vf = us(customers_history.column(VALID_FROM)[i].as_py())
    closed = changed(changed(customers_history, i, VALID_TO, ts(vf + HOUR)), i, IS_CURRENT, False)
    assert failing(cc.check_history(ch, src(closed))) == {"history__one_current"}
    flag_only = changed(customers_history, i, IS_CURRENT, False)
    assert failing(cc.check_history(ch, src(flag_only))) == {"history__one_current"}
    # the last row of the whole history (checked after the stream ends)
    n = customers_history.num_rows - 1
    assert customers_history.column(IS_CURRENT)[n].as_py()
    last = changed(changed(customers_history, n, VALID_TO, ts(us(customers_history.column(VALID_FROM)[n].as_py())
                                                               + HOUR)), n, IS_CURRENT, False)
    assert failing(cc.check_history(ch, src(last))) == {"history__one_current"}


def test_a_hard_deleted_row_may_have_no_current_version(plan: DatasetPlan) -> None:
    ch = plan.table("orders").changes
    history = outputs(ch, 8)[HISTORY]
    closed = pc.and_(pc.invert(history.column(IS_CURRENT)), pc.is_valid(history.column(VALID_TO)))
    assert pc.sum(pc.cast(closed, pa.int64())).as_py() > 0
    assert failing(cc.check_history(ch, src(history))) == set()
    i = first(history, history.column(IS_CURRENT))
    assert failing(cc.check_history(ch, src(changed(history, i, IS_CURRENT, False)))) == {"history__one_current"}


def test_a_history_that_does_not_start_at_creation_fails(plan: DatasetPlan, customers_history: pa.Table) -> None:
    ch = plan.table("customers").changes
    keys = customers_history.column("customer_id").to_numpy()
    i = first(customers_history, np.append(True, keys[1:] != keys[:-1]) & np.append(keys[1:] != keys[:-1], True))
    vf = us(customers_history.column(VALID_FROM)[i].as_py())
    bad = changed(customers_history, i, VALID_FROM, ts(vf + 1))
    assert failing(cc.check_history(ch, src(bad))) == {"history__starts_at_creation"}


# ---- the snapshot ----------------------------------------------------------------------------------------------

def test_a_snapshot_row_unlike_the_current_version_fails(plan: DatasetPlan) -> None:
    ch = plan.table("customers").changes
    out = outputs(ch, 8)
    snap = out[SNAPSHOT]
    bad = changed(snap, 5, "city", "Nowhere")
    result, = cc.check_snapshot_history(ch, src(bad), src(out[HISTORY]))
    assert result.status == "fail" and result.unexpected_count == 1
    key = snap.column("customer_id")[5].as_py()
    assert result.examples == [f"customer_id={key}: other values"]
    dropped = snap.filter(pa.array(np.arange(snap.num_rows) != 7))
    result, = cc.check_snapshot_history(ch, src(dropped), src(out[HISTORY]))
    assert result.status == "fail" and "in the history, not in the snapshot" in result.examples[0]


def test_the_replay_reads_late_events_from_the_following_logs(plan: DatasetPlan) -> None:
    ch = plan.table("customers").changes
    d = 8
    snap, prev = outputs(ch, d)[SNAPSHOT], outputs(ch, d - 1)[SNAPSHOT]
    logs = [outputs(ch, d + k)[LOG] for k in range(3)]
    start, end = day(d)
    late = [t.filter(pc.and_(pc.greater_equal(t.column(EVENT_TS), pa.scalar(ts(start), pa.timestamp("us"))),
                             pc.less(t.column(EVENT_TS), pa.scalar(ts(end), pa.timestamp("us"))))).num_rows
            for t in logs[1:]]
    assert sum(late) > 0, "day 8 needs events that arrive on a later day"
    full = cc.check_snapshot_replay(ch, src(snap), src(prev), [src(t) for t in logs], day(d))
    assert statuses(full) == {"snapshot__replays_log": "pass"}
    own_day_only = cc.check_snapshot_replay(ch, src(snap), src(prev), [src(logs[0])], day(d))
    assert statuses(own_day_only) == {"snapshot__replays_log": "fail"}


def test_a_log_image_unlike_the_snapshot_fails_the_replay(plan: DatasetPlan) -> None:
    ch = plan.table("orders").changes
    d = 8
    out, prev = outputs(ch, d), outputs(ch, d - 1)[SNAPSHOT]
    log = out[LOG]
    ok = cc.check_snapshot_replay(ch, src(out[SNAPSHOT]), src(prev), [src(log)], day(d))
    assert statuses(ok) == {"snapshot__replays_log": "pass"}
    # the last event of an order: its after image is what the snapshot holds
    ids = log.column("order_id").to_pylist()
    i = max(k for k, o in enumerate(ids) if log.column(OP)[k].as_py() == "u" and ids.count(o) == 1)
    bad = changed(log, i, "status", "lost")
    result, = cc.check_snapshot_replay(ch, src(out[SNAPSHOT]), src(prev), [src(bad)], day(d))
    assert result.status == "fail" and result.examples == [f"order_id={ids[i]}: other values"]
    # a hard delete left out of the log: the order stays in the replay
    j = log.column(OP).to_pylist().index("d")
    kept = log.filter(pa.array(np.arange(log.num_rows) != j))
    result, = cc.check_snapshot_replay(ch, src(out[SNAPSHOT]), src(prev), [src(kept)], day(d))
    assert result.status == "fail" and "in the replay, not in the snapshot" in result.examples[0]


# ---- from a store ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["files", "sqlite"])
def test_landed_checks_read_neighbours_and_warn_when_they_are_missing(plan: DatasetPlan, tmp_path: Any,
                                                                      kind: str) -> None:
    """In a folder a partition never written is missing; in a database (where a table holds every partition)
    the partitions the store lists are what landed: either way a missing neighbour waits, never passes."""
    from mock_pipelines.store.sql.store import SqlStore

    ch = plan.table("customers").changes
    store = FileStore(tmp_path / "out") if kind == "files" else \
        SqlStore(f"sqlite:///{tmp_path / 'out.sqlite'}", None, {"living": plan.spec})
    d = 5
    for k in (d - 1, d, d + 1):  # the log of day 7 (late events of day 5 may arrive then) is not landed
        key = cc.partition_key("daily", day(k)[0])
        for output, table in outputs(ch, k).items():
            store.write_batches("living", output_table("customers", output), ch.schema(output), table.to_batches(),
                                key)
    key = cc.partition_key("daily", day(d)[0])
    assert key == "2024-01-05"
    found = cc.landed_change_checks(store, "living", ch, key, day(d))
    assert statuses(found[LOG]) == {n: "pass" for n in cc.LOG_CHECKS}
    assert statuses(found[HISTORY]) == {n: "pass" for n in cc.HISTORY_CHECKS}
    assert statuses(found[SNAPSHOT]) == {"snapshot__matches_history": "pass", "snapshot__replays_log": "warn"}
    replay = found[SNAPSHOT][1]
    assert replay.observed == "not landed: customers__changes 2024-01-07"
    assert not replay.passed and not replay.blocking and not replay.skipped
    k = d + 2
    for output, table in outputs(ch, k).items():
        store.write_batches("living", output_table("customers", output), ch.schema(output), table.to_batches(),
                            cc.partition_key("daily", day(k)[0]))
    found = cc.landed_change_checks(store, "living", ch, key, day(d), outputs=[SNAPSHOT])
    assert list(found) == [SNAPSHOT] and failing(found[SNAPSHOT]) == set()
    # a partition whose outputs have not landed gives no results
    assert cc.landed_change_checks(store, "living", ch, "2024-01-20", day(20)) == {}


def test_severity_overrides_apply(plan: DatasetPlan, customers_log: pa.Table) -> None:
    ch = plan.table("customers").changes
    bad = changed(customers_log, 3, OP, "x")
    results = cc.check_change_log(ch, src(bad), day(6), severity={"change_log__ops": "warn"})
    ops = next(r for r in results if r.name == "change_log__ops")
    assert ops.status == "warn" and not ops.blocking
    by_kind = cc.check_change_log(ch, src(bad), day(6), severity={"kind:changes": "off"})
    assert by_kind == []


@pytest.mark.parametrize(("cadence", "key", "start", "end", "before"), [
    ("hourly", "2024-01-05-03:00", "2024-01-05T03:00", "2024-01-05T04:00", "2024-01-05-02:00"),
    ("daily", "2024-01-05", "2024-01-05", "2024-01-06", "2024-01-04"),
    ("weekly", "2024-01-07", "2024-01-07", "2024-01-14", "2023-12-31"),
    ("monthly", "2024-03-01", "2024-03-01", "2024-04-01", "2024-02-01"),
])
def test_partition_keys_and_windows_of_every_cadence(cadence: str, key: str, start: str, end: str,
                                                     before: str) -> None:
    scheme = PartitionScheme(dt.datetime(2023, 1, 1), cadence)
    window = cc.partition_window(scheme, key)
    assert window == (to_us(dt.datetime.fromisoformat(start)), to_us(dt.datetime.fromisoformat(end)))
    assert cc.partition_key(cadence, window[0]) == key
    assert cc.partition_key(cadence, cc.window_start(cadence, window[0])) == before
