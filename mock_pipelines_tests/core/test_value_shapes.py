"""What a plan promises of each column's values before generating any — the shapes a file writer picks
encodings by — follows from the generator and the type alone, and is never a promise the values break."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.core.value_shapes import Shape
from mock_pipelines.schema.parse import load_dataset

SCHEMA = """\
dataset: shapes
seed: 7
tables:
  accounts:
    rows: 3000
    primary_key: id
    columns:
      id: {gen: sequence}
      token: {gen: uuid4}
      handle: {gen: first_name}
      email: {gen: email, unique: true}
      reading: {gen: normal, mean: 20, std: 5}
      price: {gen: normal, mean: 20, std: 5, round: 2}
      stars: {gen: integer, min: 1, max: 5}
      points: {gen: integer, min: 0, max: 10000000}
      opened: {gen: date, start: 2020-01-01, end: 2024-12-31}
      seen_at: {gen: timestamp, start: 2024-01-01, end: 2024-06-30}
      kind: {gen: choice, values: [basic, plus, pro]}
      label: {expr: "kind"}
  events:
    rows: 9000
    partitioned: {time_column: at, rows_per_day: 300}
    columns:
      account_id: {ref: accounts.id}
      at: {gen: timestamp}
"""


def plan(partitions: PartitionScheme | None = None) -> DatasetPlan:
    return DatasetPlan(load_dataset("shapes.yaml", SCHEMA), PlanOptions(partitions=partitions))


def test_each_generator_promises_the_shape_its_values_have():
    shapes = plan().table("accounts").value_shapes()
    assert shapes == {
        "id": Shape.RISING,
        "token": Shape.UNIQUE,
        "email": Shape.UNIQUE,
        "reading": Shape.MEASURED,
        "points": Shape.BOUNDED,
        "opened": Shape.BOUNDED,
        "seen_at": Shape.BOUNDED,
        "kind": Shape.FEW_VALUES,
    }  # price is rounded, stars has five values, label is an expression, handle is plain text: judged from
    #    the data


def test_a_partitioned_table_s_time_column_rises():
    scheme = PartitionScheme(dt.datetime(2024, 1, 1), "daily")
    table = plan(scheme).table("events")
    assert table.value_shapes() == {"account_id": Shape.BOUNDED, "at": Shape.RISING}
    lo, hi = table.row_range(scheme.start_us, scheme.start_us + 3 * 86_400_000_000)
    at = table.compute(np.arange(lo, hi))["at"].cast("int64").to_numpy()
    assert len(at) > 100 and np.all(np.diff(at) >= 0)


def test_the_promises_hold_on_the_generated_values():
    accounts = plan().table("accounts")
    batch = accounts.to_table()
    shapes = accounts.value_shapes()
    ids = batch["id"].to_numpy()
    assert shapes["id"] is Shape.RISING and np.all(np.diff(ids) > 0)
    for name in ("token", "email"):
        assert pc.count_distinct(batch[name]).as_py() == batch.num_rows
    assert pc.count_distinct(batch["reading"]).as_py() > 0.99 * batch.num_rows
    assert pc.count_distinct(batch["kind"].cast(pa.string())).as_py() <= 0.25 * batch.num_rows
    assert pc.min(batch["points"]).as_py() >= 0 and pc.max(batch["points"]).as_py() <= 10_000_000
