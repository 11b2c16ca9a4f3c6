"""A scenario's tables in a SQL database (store/sql/scenario_tables.py), through the SqlStore on each dialect:
one table holds every partition whatever its drift (a renamed and an extra column of their own, a dropped one
NULL, a re-typed one text), each partition reads back exactly as generated with its own schema, floats with
NaN/±inf survive where the database has none, no constraint holds the rows back, and writing a partition
again replaces exactly it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan, ScenarioSlice, ScenarioTable
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.scenarios import DefectRule, EdgeCaseRule, ScenarioSpec
from mock_pipelines.store.content import ContentHasher
from mock_pipelines.store.sql.names import PARTITION_COLUMN
from mock_pipelines.store.sql.store import SqlStore
from mock_pipelines_tests.store.sql.conftest import DIALECTS, SCHEMAS

DRIFTS = {"status": "rename", "fulfilment": "drop", "returned_lines": "retype", "customer_segment": "extra"}
DRIFTING = ScenarioSpec("drifting", "negative", defects=(
    *(DefectRule("schema_drift", "orders", column, rate=0.5, params={"change": change})
      for column, change in DRIFTS.items()),
    DefectRule("missing", "customers", "email", rate=0.3),
    DefectRule("duplicate", "customers", rate=0.2),
), edge_cases=(EdgeCaseRule("customers", "latitude", rate=0.5),))
PARTITIONED = ["customers", "addresses", "orders", "order_items", "payments", "reviews", "returns"]


@pytest.fixture(scope="module")
def scenario() -> ScenarioPlan:
    spec = load_dataset(SCHEMAS / "shop.yaml")
    spec = dataclasses.replace(spec, scenarios={**spec.scenarios, DRIFTING.name: DRIFTING})
    plan = DatasetPlan(spec, PlanOptions(seed=42, scale=0.5, partitions=PartitionScheme(dt.datetime(2024, 1, 1))))
    return ScenarioPlan(plan, DRIFTING)


@pytest.fixture(params=DIALECTS)
def store(request: pytest.FixtureRequest, tmp_path: Path, scenario: ScenarioPlan):
    if request.param == "postgresql":
        url, schema = request.getfixturevalue("postgres_db")
    elif request.param == "mysql":
        url, schema = request.getfixturevalue("mysql_db")[0], None
    else:
        url, schema = f"sqlite:///{tmp_path / 'scenario.db'}", None
    opened = SqlStore(url, schema, {"shop": scenario.plan.spec}, partitioned={"shop": PARTITIONED},
                      scenarios={scenario.name: ("shop", DRIFTING.name)})
    yield opened
    opened.dispose()


def day_slice(st: ScenarioTable, day: str) -> ScenarioSlice:
    start = dt.datetime.fromisoformat(day)
    return st.slice(start, start + dt.timedelta(days=1), day)


def days_drifting(st: ScenarioTable, every: bool) -> str:
    """The first day of 2024 on which every drift rule (or none) changes the partition."""
    for n in range(366):
        day = (dt.date(2024, 1, 1) + dt.timedelta(days=n)).isoformat()
        if len(st.drift(day)) == (len(DRIFTS) if every else 0):
            return day
    raise AssertionError("no such day")


def generated(s: ScenarioSlice) -> pa.Table:
    return pa.Table.from_batches(list(s.batches()), schema=s.schema)


def rows(table: pa.Table) -> list[str]:
    """The rows as sorted text: equal for equal rows whatever their order (NaN equal to NaN)."""
    return sorted(repr(tuple(r.values())) for r in table.to_pylist())


def test_one_table_holds_drifted_and_clean_partitions_each_read_back_as_generated(store, scenario):
    orders = scenario.table("orders")
    drifted, clean = days_drifting(orders, every=True), days_drifting(orders, every=False)
    slices = {day: day_slice(orders, day) for day in (drifted, clean)}
    for day, s in slices.items():
        assert store.write_batches(scenario.name, "orders", s.schema, s.batches(), day).rows == s.hi - s.lo
    assert {"status_renamed", "customer_segment_extra"} <= set(slices[drifted].schema.names)
    assert not {"status", "fulfilment"} & set(slices[drifted].schema.names)
    for day, s in slices.items():
        got = store.read(scenario.name, "orders", [day], schema=s.schema)
        assert got.schema.names == s.schema.names
        assert rows(got) == rows(generated(s).cast(got.schema)), day
    assert store.list_partitions(scenario.name, "orders") == sorted(slices)

    # read without a partition's schema: every column; a partition holds NULL where it lacks a column
    whole = store.read(scenario.name, "orders", [drifted])
    assert whole.schema.names == orders.union_schema.names
    for column in ("status", "fulfilment"):  # renamed, dropped
        assert whole.column(column).null_count == whole.num_rows, column
    for column in ("status_renamed", "customer_segment_extra"):
        assert whole.column(column).null_count < whole.num_rows, column
    assert store.read(scenario.name, "orders", [clean]).column("customer_segment_extra").null_count == \
        slices[clean].hi - slices[clean].lo
    assert pa.types.is_string(whole.schema.field("returned_lines").type)  # re-typed in some partition: text

    # a partition written again replaces exactly itself
    before = store.read(scenario.name, "orders")
    s = day_slice(orders, drifted)
    store.write_batches(scenario.name, "orders", s.schema, s.batches(), drifted)
    assert rows(store.read(scenario.name, "orders")) == rows(before)


def test_scenario_tables_have_no_constraints_and_take_copies_nulls_and_non_finite_floats(store, scenario):
    customers = scenario.table("customers")
    day = "2024-01-03"
    s = day_slice(customers, day)
    data = generated(s)
    keys = data.column("customer_id").to_pylist()
    latitude = [v for v in data.column("latitude").to_pylist() if v is not None]
    assert len(set(keys)) < len(keys) and data.column("email").null_count > 0
    assert any(not math.isfinite(v) for v in latitude)  # the edge cases put NaN or ±inf in
    written = store.write_batches(scenario.name, "customers", s.schema, s.batches(), day)
    hasher = ContentHasher(s.schema)
    for batch in s.batches():
        hasher.update(batch)
    assert written.content_hash == hasher.hexdigest()  # the rows as given, whatever the table holds them as
    assert rows(store.read(scenario.name, "customers", [day], schema=s.schema)) == rows(data.cast(s.schema))
    database = store.database(scenario.name)
    name = store._sql_name(scenario.name, "customers")
    assert name == "shop__drifting__customers"  # the namespace is shared with the clean dataset
    with database.engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert not inspector.get_pk_constraint(name, schema=database.schema)["constrained_columns"]
        assert inspector.get_foreign_keys(name, schema=database.schema) == []
        assert not inspector.get_unique_constraints(name, schema=database.schema)
        assert not inspector.get_check_constraints(name, schema=database.schema)
        columns = {c["name"]: c for c in inspector.get_columns(name, schema=database.schema)}
    assert all(c["nullable"] for n, c in columns.items() if n != PARTITION_COLUMN)
    assert not columns[PARTITION_COLUMN]["nullable"]
