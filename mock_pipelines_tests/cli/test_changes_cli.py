"""`mock-pipelines changes`: what it writes per partition is what the core computes for that window, the
Debezium records are the change log in Debezium's JSON shape, and bad input is one error line."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core.changes import ARRIVED_TS, BEFORE, CHANGED, EVENT_TS, OP
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme, to_us
from mock_pipelines.schema import parse

runner = CliRunner()
DAY_US = 86_400_000_000
EPOCH = dt.datetime(1970, 1, 1)

SCHEMA = """\
dataset: living
seed: 11
tables:
  plans:
    rows: 4
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
    rows: 100
    partitioned: {time_column: signup_ts, rows_per_day: 30}
    primary_key: customer_id
    columns:
      customer_id: {gen: sequence}
      signup_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      birth_date: {gen: date, start: "1960-01-01", end: "2000-12-31"}
      city: {gen: city}
      balance: {dist: "uniform(0, 1000, round=2)", type: "decimal(12,2)"}
      plan_id: {ref: plans.plan_id}
    changes:
      updates:
        - column: city
          every_days: 3
        - column: balance
          every_days: 1
          factor: "lognormal(0, 0.1)"
      deletes: {share: 0.3, after_days: "exponential(2)", mode: soft}
      late: {share: 0.3, max_days: 1}
  orders:
    rows: 300
    partitioned: {time_column: order_ts, rows_per_day: 60}
    primary_key: order_id
    columns:
      order_id: {gen: sequence, start: 1000}
      customer_id: {ref: customers.customer_id}
      order_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      status: {gen: constant, value: placed}
    changes:
      updates:
        - column: status
          states:
            placed: {paid: 0.9, cancelled: 0.1}
            paid: {shipped: 1}
          dwell_days: {placed: "uniform(0.01, 0.5)", paid: "uniform(0.5, 2)"}
      deletes: {share: 0.2, after_days: 1, mode: hard}
      parent_deletes: cascade
"""
DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"]


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("living") / "living.yaml"
    path.write_text(SCHEMA)
    return path


@pytest.fixture(scope="module")
def plan(schema_file: Path) -> DatasetPlan:
    return DatasetPlan(parse.load_dataset(schema_file), PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 1, 1))))


@pytest.fixture(scope="module")
def written(schema_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(app, ["changes", str(schema_file), "--from", DAYS[0], "--to", DAYS[-1], "--out", str(out),
                                 "--output", "changes", "--output", "snapshot", "--output", "history",
                                 "--chunk-size", "37"])
    assert result.exit_code == 0, result.output
    return out / "living"


def window(day: str) -> tuple[int, int]:
    start = to_us(dt.datetime.fromisoformat(day))
    return start, start + DAY_US


def core(plan: DatasetPlan, table: str, output: str, day: str) -> pa.Table:
    tc = plan.table(table).changes
    lo, hi = window(day)
    if output == "changes":
        return pa.Table.from_batches(list(tc.log(lo, hi)), schema=tc.log_schema)
    if output == "snapshot":
        return pa.Table.from_batches(list(tc.snapshot(hi)), schema=tc.snapshot_schema)
    return pa.Table.from_batches(list(tc.history(hi)), schema=tc.history_schema)


@pytest.mark.parametrize("table", ["plans", "customers", "orders"])
@pytest.mark.parametrize("output", ["changes", "snapshot", "history"])
def test_each_partition_holds_the_core_output_of_its_window(written, plan, table, output):
    for day in DAYS:
        landed = pq.read_table(written / f"{table}__{output}" / f"date={day}" / "part-00000.parquet")
        expected = core(plan, table, output, day)
        assert landed.num_rows == expected.num_rows
        assert landed.cast(expected.schema).equals(expected), (table, output, day)
    assert {p.name for p in (written / f"{table}__{output}").iterdir() if p.is_dir()} == {f"date={d}" for d in DAYS}


def test_the_range_really_changes_rows(written):
    """The comparison above is not vacuous: the range has updates, soft and hard deletes and late events."""
    logs = pa.concat_tables(pq.read_table(written / f"{t}__changes" / f"date={d}" / "part-00000.parquet")
                            .select([OP, EVENT_TS, ARRIVED_TS]) for t in ("customers", "orders") for d in DAYS)
    ops = logs.column(OP).to_pylist()
    assert {"c", "u", "d"} <= set(ops)
    late = [a > e for a, e in zip(logs.column(ARRIVED_TS).to_pylist(), logs.column(EVENT_TS).to_pylist(),
                                  strict=True)]
    assert any(late)


def test_a_partition_written_alone_is_the_same(schema_file, written, tmp_path):
    out = tmp_path / "alone"
    result = runner.invoke(app, ["changes", str(schema_file), "--from", DAYS[-1], "--to", DAYS[-1], "--start", DAYS[0],
                                 "--out", str(out), "--output", "changes", "--output", "history", "-t", "customers"])
    assert result.exit_code == 0, result.output
    for output in ("changes", "history"):
        folder = f"customers__{output}/date={DAYS[-1]}/part-00000.parquet"
        assert pq.read_table(out / "living" / folder).equals(pq.read_table(written / folder))
    assert not (out / "living" / "orders__changes").exists()


def _debezium_value(value):
    """How Debezium's JSON converter writes a value: MicroTimestamp, Date as days, decimal as a string."""
    if isinstance(value, dt.datetime):
        return (value - EPOCH) // dt.timedelta(microseconds=1)
    if isinstance(value, dt.date):
        return (value - EPOCH.date()).days
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


@pytest.mark.parametrize("table", ["customers", "orders", "plans"])
def test_debezium_jsonl_lines_are_the_change_log_in_debezium_shape(schema_file, plan, tmp_path, table):
    result = runner.invoke(app, ["changes", str(schema_file), "--from", DAYS[1], "--to", DAYS[1], "--start", DAYS[0],
                                 "--out", str(tmp_path), "--output", "debezium", "--format", "jsonl", "-t", table])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "living" / f"{table}__debezium" / f"date={DAYS[1]}" / "part-00000.jsonl").read_text().splitlines()
    log = core(plan, table, "changes", DAYS[1]).to_pylist()
    assert len(lines) == len(log) > 0
    tc = plan.table(table).changes
    columns = tc.snapshot_schema.names
    for line, event in zip(lines, log, strict=True):
        record = json.loads(line)
        assert list(record) == ["before", "after", "source", "op", "ts_ms"]
        image = {c: _debezium_value(event[c]) for c in columns}
        event_us = _debezium_value(event[EVENT_TS])
        arrived_us = _debezium_value(event[ARRIVED_TS])
        assert record["op"] == event[OP]
        assert record["ts_ms"] == event_us // 1000
        assert record["source"] == {"version": record["source"]["version"], "connector": "mock_pipelines",
                                    "name": "living", "ts_ms": event_us // 1000, "ts_us": event_us,
                                    "snapshot": "false", "db": "living", "table": table,
                                    "late": arrived_us > event_us, "arrived_ts_us": arrived_us}
        if event[OP] == "c":
            assert record["before"] is None and record["after"] == image
        elif event[OP] == "d":
            assert record["after"] is None and record["before"] == image
        else:
            before = {**image, **{c: _debezium_value(event[BEFORE + c]) for c in tc.changing}}
            assert record["after"] == image and record["before"] == before
            changed = {c for c in columns if before[c] != image[c]}
            assert changed == set(event[CHANGED].split(","))


def test_debezium_parquet_keeps_the_records_nested(schema_file, tmp_path):
    result = runner.invoke(app, ["changes", str(schema_file), "--from", DAYS[0], "--to", DAYS[0], "--out", str(tmp_path),
                                 "--output", "debezium", "-t", "plans"])
    assert result.exit_code == 0, result.output
    landed = pq.read_table(tmp_path / "living" / "plans__debezium" / f"date={DAYS[0]}" / "part-00000.parquet")
    assert landed.schema.names == ["before", "after", "source", "op", "ts_ms"]
    assert pa.types.is_struct(landed.schema.field("after").type)
    assert landed.column("op").to_pylist() == ["c"] * 4  # the four plans exist from the first partition


def test_summary_counts_rows_per_output(schema_file, plan, tmp_path):
    result = runner.invoke(app, ["changes", str(schema_file), "--from", DAYS[0], "--to", DAYS[1], "--out", str(tmp_path),
                                 "-t", "orders", "--output", "snapshot"])
    assert result.exit_code == 0, result.output
    rows = sum(core(plan, "orders", "snapshot", d).num_rows for d in DAYS[:2])
    line = next(line for line in result.output.splitlines() if "orders__snapshot" in line)
    assert f"{rows:,}" in line.split()


@pytest.mark.parametrize(("args", "says"), [
    (["--from", "2024-01-05", "--to", "2024-01-01"], "ends before it starts"),
    (["--from", "2024-01-01", "--to", "2024-01-02", "--output", "snapshots"], "did you mean 'snapshot'"),
    (["--from", "2024-01-01", "--to", "2024-01-02", "--output", "debezium", "--format", "csv"], "CSV cannot hold"),
    (["--from", "2024-01-32", "--to", "2024-02-01"], "is not a date"),
    (["--from", "2024-01-01", "--to", "2024-01-02", "--cadence", "weekly"], "not the start of a weekly partition"),
    (["--from", "2024-01-01", "--to", "2024-01-02", "-t", "custmers"], "did you mean 'customers'"),
])
def test_bad_input_is_one_error_line(schema_file, tmp_path, args, says):
    result = runner.invoke(app, ["changes", str(schema_file), "--out", str(tmp_path), *args])
    assert result.exit_code != 0
    assert says in result.output and "Traceback" not in result.output
    assert not (tmp_path / "living").exists()


def test_a_schema_without_changes_names_the_file_and_the_block(tmp_path):
    path = tmp_path / "still.yaml"
    path.write_text("dataset: still\ntables:\n  t:\n    rows: 3\n    columns:\n      id: {gen: sequence}\n")
    result = runner.invoke(app, ["changes", str(path), "--from", "2024-01-01", "--to", "2024-01-02",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert str(path) in result.output and "changes:" in result.output and "Traceback" not in result.output


def _apply_log(db, table: str, key: str, columns: list[str], events: list[dict]) -> None:
    """One partition's change log applied as docs/change-data.md's MERGE job does it: the last event of
    each row by event time; an upsert that never lets an older event overwrite a newer state; hard
    deletes remove the row."""
    db.execute("DROP TABLE IF EXISTS stage")
    db.execute(f"CREATE TABLE stage (__op TEXT, __event_ts INTEGER, {', '.join(columns)})")
    db.executemany(f"INSERT INTO stage VALUES ({', '.join('?' * (len(columns) + 2))})",
                   [[e[OP], e[EVENT_TS], *(e[c] for c in columns)] for e in events])
    cols = ", ".join(columns)
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    db.execute(f"""
        INSERT INTO {table} ({cols}, event_ts)
        SELECT {cols}, __event_ts FROM (
            SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY __event_ts DESC) AS n FROM stage)
        WHERE n = 1 AND __op IN ('c', 'u')
        ON CONFLICT ({key}) DO UPDATE SET {sets}, event_ts = excluded.event_ts
        WHERE {table}.event_ts < excluded.event_ts""")
    db.execute(f"""DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM stage d WHERE d.__op = 'd'
                   AND d.{key} = {table}.{key} AND {table}.event_ts <= d.__event_ts)""")


@pytest.mark.parametrize(("table", "key"), [("customers", "customer_id"), ("orders", "order_id")])
def test_the_documented_merge_job_rebuilds_the_snapshot(written, table, key):
    """Applying the logs of the partitions in order gives the snapshot of the last one, except the rows
    whose events happened in it but arrive later (late events), which the next partitions' logs bring."""
    import sqlite3

    def plain(value):  # what SQLite stores as is: times as microseconds, dates and decimals as text
        if isinstance(value, dt.datetime):
            return _debezium_value(value)
        return str(value) if isinstance(value, (dt.date, decimal.Decimal)) else value

    def read(output: str, day: str) -> list[dict]:
        rows = pq.read_table(written / f"{table}__{output}" / f"date={day}" / "part-00000.parquet").to_pylist()
        return [{k: plain(v) for k, v in r.items()} for r in rows]

    columns = pq.read_table(written / f"{table}__snapshot" / f"date={DAYS[0]}" / "part-00000.parquet").schema.names
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE {table} ({', '.join(columns)}, event_ts, PRIMARY KEY ({key}))")
    for n, day in enumerate(DAYS[:-1]):
        _apply_log(db, table, key, columns, read("changes", day))
        end = plain(dt.datetime.fromisoformat(DAYS[n + 1]))
        pending = {e[key] for later in DAYS[n + 1:] for e in read("changes", later) if e[EVENT_TS] < end}
        target = {r[0]: dict(zip(columns, r[1:], strict=True))
                  for r in db.execute(f"SELECT {key}, {', '.join(columns)} FROM {table}")}
        snapshot = {r[key]: r for r in read("snapshot", day)}
        assert {k: v for k, v in target.items() if k not in pending} == \
            {k: v for k, v in snapshot.items() if k not in pending}
        assert len(snapshot) - len(pending) > 10  # most rows are compared
    if table == "customers":
        assert pending  # late events were held back: the exception above is not empty


def test_hourly_partitions_are_cut_by_the_hour(schema_file, tmp_path):
    result = runner.invoke(app, ["changes", str(schema_file), "--cadence", "hourly", "--from", "2024-01-01-00:00",
                                 "--to", "2024-01-01-02:00", "--out", str(tmp_path), "-t", "customers"])
    assert result.exit_code == 0, result.output
    plan = DatasetPlan(parse.load_dataset(schema_file),
                       PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 1, 1), "hourly")))
    tc = plan.table("customers").changes
    folders = sorted((tmp_path / "living" / "customers__changes").glob("date=*"))
    assert len(folders) == 3
    hour = 3_600_000_000
    rows = 0
    for n, folder in enumerate(folders):
        lo = to_us(dt.datetime(2024, 1, 1)) + n * hour
        expected = pa.Table.from_batches(list(tc.log(lo, lo + hour)), schema=tc.log_schema)
        assert pq.read_table(folder / "part-00000.parquet").cast(tc.log_schema).equals(expected)
        rows += expected.num_rows
    assert rows > 0
