"""Children per parent chosen by the parent row (`count: "if_else(…)"`), `choice({count: weight})` counts and
helper columns (`emit: false`): each parent's count is a pure function of the parent index, computed from the
parent's own columns, the same whatever the chunk size, the rows asked for or the partitioning."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme, to_us
from mock_pipelines.quality.cross_table import check_cross_table, derive_cross_rules
from mock_pipelines.quality.rules import derive_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.sql.ddl import ddl_statements

SCHEMA = """\
dataset: counts
seed: 11
tables:
  customers:
    rows: 2000
    primary_key: customer_id
    columns:
      customer_id: sequence
      segment: {gen: choice, values: {consumer: 0.8, business: 0.2}}
  orders:
    rows: {per: customers, count: "if_else(segment == 'business', uniform(3, 6), choice({0: 0.5, 1: 0.5}))"}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
      status: {gen: choice, values: {completed: 0.6, cancelled: 0.3, no_show: 0.1}}
      priority: {gen: integer, min: 0, max: 9, emit: false}
      urgent: {expr: "priority >= 8"}
  lines:
    rows:
      per: orders
      count: "if_else(status == 'completed', choice({1: 0.5, 2: 0.3, 3: 0.2}), 0)"
    primary_key: [order_id, line_no]
    columns:
      order_id: {ref: orders.order_id}
      line_no: child_index
      seg: {expr: "order_id.customer_id", emit: false}
  notes:
    rows: {per: orders, count: "2 if customer_id.segment == 'business' else 0"}
    columns:
      order_id: {ref: orders.order_id}
      body: {gen: sentence}
"""


def _plan(tmp_path, text: str = SCHEMA, **options) -> DatasetPlan:
    path = tmp_path / "counts.yaml"
    path.write_text(text)
    return DatasetPlan(load_dataset(path), PlanOptions(**options))


def _children(child: pa.Table, key: str) -> dict[int, int]:
    counts = child.group_by(key).aggregate([([], "count_all")])
    return dict(zip(counts[key].to_pylist(), counts["count_all"].to_pylist(), strict=True))


def test_a_million_children_follow_the_status_of_their_parent(tmp_path):
    text = SCHEMA.replace("rows: 2000", "rows: 1000").replace("uniform(3, 6)", "uniform(1000, 1000)") \
        .replace("choice({0: 0.5, 1: 0.5})", "1000")
    plan = _plan(tmp_path, text)
    orders = plan.table("orders").to_table()
    assert orders.num_rows == 1_000_000
    lines = plan.table("lines")
    assert lines.n_rows > 1_000_000
    status = orders.column("status").to_numpy(zero_copy_only=False).astype(str)
    counts = np.zeros(orders.num_rows, dtype=np.int64)
    first = orders.column("order_id")[0].as_py()
    for batch in lines.batches():
        ids = batch.column("order_id").to_numpy() - first
        counts += np.bincount(ids, minlength=orders.num_rows)
    completed = status == "completed"
    assert (counts[~completed] == 0).all()  # no line for a cancelled order or a no-show
    assert set(np.unique(counts[completed]).tolist()) == {1, 2, 3}
    shares = np.bincount(counts[completed], minlength=4)[1:] / completed.sum()
    assert np.allclose(shares, [0.5, 0.3, 0.2], atol=0.005)
    assert counts.sum() == lines.n_rows


def test_the_count_is_the_same_whatever_the_chunk_size_or_the_rows_asked_for(tmp_path):
    plan = _plan(tmp_path)
    for name in ("orders", "lines", "notes"):
        table = plan.table(name)
        full = table.to_table()
        assert full.equals(table.to_table(chunk_size=777)), name
        rows = np.array([0, 5, table.n_rows // 2, table.n_rows - 1], dtype=np.int64)
        alone = table.compute(rows)
        assert alone.to_pylist() == full.take(pa.array(rows)).to_pylist(), name
    again = _plan(tmp_path).table("lines").to_table(chunk_size=50_000)
    assert again.equals(plan.table("lines").to_table())


def test_counts_follow_the_parent_and_the_grandparent(tmp_path):
    plan = _plan(tmp_path)
    customers, orders = plan.table("customers").to_table(), plan.table("orders").to_table()
    segment = dict(zip(customers["customer_id"].to_pylist(), customers["segment"].to_pylist(), strict=True))
    per_customer = _children(orders, "customer_id")
    for cid, seg in segment.items():
        n = per_customer.get(cid, 0)
        assert (3 <= n <= 6) if seg == "business" else n in (0, 1), (cid, seg, n)
    notes = _children(plan.table("notes").to_table(), "order_id")
    order_segment = {o: segment[c] for o, c in zip(orders["order_id"].to_pylist(), orders["customer_id"].to_pylist(),
                                                    strict=True)}
    assert all(notes.get(o, 0) == (2 if s == "business" else 0) for o, s in order_segment.items())


def test_time_partitions_lay_out_the_same_children(tmp_path):
    text = SCHEMA.replace("    rows: 2000\n", "    rows: 2000\n    partitioned: {time_column: signed_up, "
                          "rows_per_day: 300}\n").replace(
        "      segment: {gen:", "      signed_up: {gen: timestamp}\n      segment: {gen:").replace(
        "    primary_key: order_id\n", "    primary_key: order_id\n    partitioned: {}\n").replace(
        "    primary_key: [order_id, line_no]\n", "    primary_key: [order_id, line_no]\n    partitioned: {}\n") \
        .replace("      body: {gen: sentence}\n", "      body: {gen: sentence}\n    partitioned: {}\n")
    plan = _plan(tmp_path, text, partitions=PartitionScheme(dt.datetime(2024, 1, 1), "daily"))
    days = [to_us(dt.datetime(2024, 1, d)) for d in (1, 2, 3)]
    orders_tp, lines_tp = plan.table("orders"), plan.table("lines")
    per_day = [lines_tp.to_table(*lines_tp.row_range(a, b)) for a, b in itertools.pairwise(days)]
    both = lines_tp.to_table(*lines_tp.row_range(days[0], days[2]))
    assert pa.concat_tables(per_day).equals(both) and both.num_rows > 0
    orders = orders_tp.to_table(*orders_tp.row_range(days[0], days[2]))
    children = _children(both, "order_id")
    for oid, status in zip(orders["order_id"].to_pylist(), orders["status"].to_pylist(), strict=True):
        assert (children.get(oid, 0) in (1, 2, 3)) if status == "completed" else oid not in children


def test_helper_columns_are_computed_but_never_emitted(tmp_path):
    plan = _plan(tmp_path)
    orders = plan.table("orders")
    assert "priority" not in orders.arrow_schema.names and "urgent" in orders.arrow_schema.names
    data = orders.to_table()
    assert data.schema.names == ["order_id", "customer_id", "status", "urgent"]
    priority = orders.compute(np.arange(data.num_rows, dtype=np.int64), ["priority"]).column(0)
    assert pc.equal(pc.greater_equal(priority, 8), data["urgent"]).to_pylist() == [True] * data.num_rows
    assert "seg" not in plan.table("lines").to_table().schema.names
    spec = plan.spec
    for dialect in ("postgresql", "sqlite"):
        ddl = "\n".join(ddl_statements(spec, dialect))
        assert "priority" not in ddl and "urgent" in ddl and " seg " not in ddl
    rules = derive_rules(spec, "orders") + derive_rules(spec, "lines")
    assert not any({"priority", "seg"} & set(r.columns) for r in rules)


def test_the_derived_checks_prove_the_zero_branches(tmp_path):
    plan = _plan(tmp_path)
    orders, lines = plan.table("orders").to_table(), plan.table("lines").to_table()
    rules = derive_cross_rules(plan.spec, "lines")
    assert {r.name for r in rules} >= {"children_per_parent", "children_per_branch"}
    results = {r.name: r for r in check_cross_table(rules, lines, {"orders": orders})}
    assert all(r.passed and not r.skipped for r in results.values()), results
    # A line added under a cancelled order breaks the rule.
    cancelled = orders.filter(pc.equal(orders["status"], "cancelled"))["order_id"][0].as_py()
    extra = pa.table({"order_id": [cancelled], "line_no": [1]}, schema=lines.schema)
    broken = {r.name: r for r in check_cross_table(rules, pa.concat_tables([lines, extra]), {"orders": orders})}
    assert not broken["children_per_branch"].passed and broken["children_per_branch"].unexpected_count == 1
    assert broken["children_per_parent"].passed  # 1 is within the widest bounds: only the branch check sees it


@pytest.mark.parametrize("count", ["choice({0: 0.2, 1: 0.5, 2: 0.3})", "choice({5: 1, 7: 0, 2: 3})"])
def test_a_choice_count_draws_its_weights(tmp_path, count):
    text = SCHEMA.replace("if_else(segment == 'business', uniform(3, 6), choice({0: 0.5, 1: 0.5}))", count)
    plan = _plan(tmp_path, text.replace("rows: 2000", "rows: 40000"))
    per = _children(plan.table("orders").to_table(), "customer_id")
    ids = plan.table("customers").to_table()["customer_id"].to_pylist()
    n = np.array([per.get(c, 0) for c in ids])
    weights = {0: 0.2, 1: 0.5, 2: 0.3} if "0.2" in count else {2: 0.75, 5: 0.25}
    assert set(np.unique(n).tolist()) == set(weights)
    for k, w in weights.items():
        assert abs((n == k).mean() - w) < 0.015

