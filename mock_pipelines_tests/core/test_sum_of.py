"""`sum_of` columns: the parent's value is the exact sum over its children, computed from the children's own
functions (nothing loaded), and the same whatever the chunk size, the rows asked for or the partitioning."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from mock_pipelines.core import engine
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme, to_us
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.quality.support import spec_of

SCHEMA = """\
dataset: sums
seed: 5
tables:
  orders:
    rows: 3000
    primary_key: order_id
    columns:
      order_id: sequence
      total: {sum_of: items.line_total}
      units: {sum_of: items.qty}
      weight: {sum_of: items.weight}
  items:
    rows: {per: orders, count: poisson(2.5), max: 30}
    primary_key: [order_id, line_no]
    columns:
      order_id: {ref: orders.order_id}
      line_no: child_index
      qty: {gen: integer, min: 1, max: 5}
      price: {dist: "lognormal(3, 0.8)", type: "decimal(10,2)"}
      line_total: {expr: "round(qty * price, 2)", type: "decimal(12,2)"}
      weight: {dist: "normal(2, 0.5)", null_rate: 0.1}
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("sums") / "sums.yaml"
    path.write_text(SCHEMA)
    return DatasetPlan(load_dataset(path))


def _sums_by_parent(items: pa.Table) -> dict[int, dict]:
    grouped = items.group_by("order_id").aggregate([("line_total", "sum"), ("qty", "sum"), ("weight", "sum")])
    return {r["order_id"]: r for r in grouped.to_pylist()}


def test_each_parent_holds_the_sum_of_its_children(plan):
    orders, items = plan.table("orders").to_table(), plan.table("items").to_table()
    assert orders.schema.field("total").type == pa.decimal128(12, 2)
    assert orders.schema.field("units").type == pa.int64() and orders.schema.field("weight").type == pa.float64()
    sums = _sums_by_parent(items)
    childless = 0
    for row in orders.to_pylist():
        got = sums.get(row["order_id"])
        if got is None:
            childless += 1
            assert (row["total"], row["units"], row["weight"]) == (0, 0, 0.0)
            continue
        assert row["total"] == got["line_total_sum"] and row["units"] == got["qty_sum"]
        assert row["weight"] == pytest.approx(got["weight_sum"] or 0.0, rel=1e-12, abs=1e-12)
    assert childless > 0  # poisson(2.5) leaves some orders without lines: their sums are 0
    assert items.column("weight").null_count > 0  # nulls count as 0


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_same_bytes_whatever_the_chunk_size_or_the_rows_per_pass(plan, monkeypatch):
    tp = plan.table("orders")
    reference = _parquet_bytes(tp.to_table(chunk_size=engine.DEFAULT_CHUNK_SIZE))
    assert _parquet_bytes(tp.to_table(chunk_size=7)) == reference
    monkeypatch.setattr(engine, "SUM_CHILDREN_PER_PASS", 5)  # many small passes over the children
    assert _parquet_bytes(tp.to_table(chunk_size=1000)) == reference


def test_any_rows_alone_equal_the_same_rows_of_a_full_run(plan):
    tp = plan.table("orders")
    full = tp.to_table()
    rows = np.random.default_rng(1).permutation(full.num_rows)[:200]
    alone = tp.compute(rows, ["total", "units", "weight"])
    for name in ("total", "units", "weight"):
        assert alone.column(name).to_pylist() == pc.take(full.column(name), pa.array(rows)).to_pylist()


def test_shop_orders_of_a_partition_sum_the_lines_of_the_same_partition():
    plan = DatasetPlan(spec_of("shop"), PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 3, 1), "daily")))
    window = (to_us(dt.datetime(2024, 3, 2)), to_us(dt.datetime(2024, 3, 3)))
    orders_tp, items_tp = plan.table("orders"), plan.table("order_items")
    orders = orders_tp.to_table(*orders_tp.row_range(*window))
    items = items_tp.to_table(*items_tp.row_range(*window))
    assert orders.num_rows > 100 and items.num_rows > orders.num_rows
    grouped = items.group_by("order_id").aggregate([("line_total", "sum")])
    sums = dict(zip(grouped["order_id"].to_pylist(), grouped["line_total_sum"].to_pylist(), strict=True))
    assert set(sums) == set(orders["order_id"].to_pylist())  # uniform(1, 5): every order has lines
    assert all(sums[o] == s for o, s in zip(orders["order_id"].to_pylist(), orders["subtotal"].to_pylist(),
                                             strict=True))
