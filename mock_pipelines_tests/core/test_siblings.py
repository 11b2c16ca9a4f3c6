"""Sibling-aware values in a `rows: {per: parent}` table: `split` shares of a parent amount add up to it to the
cent on every parent, `sibling_timestamp` increases from sibling to sibling — computed from (parent row,
position) only, so the same whatever the chunk size — and the derived `parent_sum__` check proves the split."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.quality.cross_table import check_cross_table, derive_cross_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.schema.test_validation import FILE

SCHEMA = """\
dataset: splits
seed: 11
tables:
  orders:
    rows: 300000
    primary_key: order_id
    columns:
      order_id: sequence
      order_ts: {gen: timestamp, start: "2024-01-01", end: "2024-12-31"}
      total: {gen: amount, min: 0.01, max: 50000, type: "decimal(12,2)"}
  payments:
    rows: {per: orders, count: "uniform(1, 6)"}
    primary_key: [order_id, instalment_no]
    columns:
      order_id: {ref: orders.order_id}
      instalment_no: child_index
      amount: {gen: split, of: order_id.total, jitter: JITTER, type: "decimal(12,2)"}
      due_ts: {gen: sibling_timestamp, after: order_id.order_ts, every_days: 30, first_days: 5, jitter: 0.9}
"""


def _plan(jitter: float, rows: int = 300000) -> DatasetPlan:
    text = SCHEMA.replace("JITTER", str(jitter)).replace("rows: 300000", f"rows: {rows}")
    return DatasetPlan(load_dataset(FILE, text=text))


def _units(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return pc.round(pc.multiply(pc.cast(values, pa.float64()), 100.0)).to_numpy(zero_copy_only=False).astype(np.int64)


@pytest.fixture(scope="module")
def million():
    plan = _plan(0.5)
    return plan, plan.table("orders").to_table(), plan.table("payments").to_table(chunk_size=250_000)


def test_the_shares_of_every_parent_add_up_to_its_amount_exactly_at_1m_rows(million):
    _, orders, payments = million
    assert payments.num_rows > 1_000_000
    assert payments.schema.field("amount").type == pa.decimal128(12, 2)
    paid = payments.group_by("order_id").aggregate([("amount", "sum"), ("amount", "count")])
    joined = paid.join(orders.select(["order_id", "total", "order_ts"]), "order_id").sort_by("order_id")
    assert joined.num_rows == orders.num_rows
    assert np.array_equal(_units(joined["amount_sum"]), _units(joined["total"]))
    # every share lies within (1 ± jitter) × amount / n (one cent of rounding either side)
    per_row = payments.join(joined.select(["order_id", "total", "amount_count"]), "order_id")
    share, total = _units(per_row["amount"]), _units(per_row["total"])
    n = per_row["amount_count"].to_numpy()
    assert (share >= np.floor(0.5 * total / n) - 1).all() and (share <= np.ceil(1.5 * total / n) + 1).all()
    assert len(np.unique(share)) > 100_000  # random cuts, not equal shares


def test_sibling_times_increase_within_every_parent_at_1m_rows(million):
    _, orders, payments = million
    t = payments.sort_by([("order_id", "ascending"), ("instalment_no", "ascending")])
    ids = t["order_id"].to_numpy()
    due = pc.cast(t["due_ts"], pa.int64()).to_numpy()
    same_parent = ids[1:] == ids[:-1]
    assert same_parent.sum() > 600_000
    assert (due[1:][same_parent] > due[:-1][same_parent]).all()
    # the first is never before the parent's time (first_days ≥ jitter · every_days / 2 is not needed: clipped)
    first = t.filter(pc.equal(t["instalment_no"], 1)).join(orders.select(["order_id", "order_ts"]), "order_id")
    assert pc.all(pc.greater_equal(first["due_ts"], first["order_ts"])).as_py()


def test_equal_split_differs_by_at_most_one_cent_with_odd_cents_last():
    plan = _plan(0, rows=20000)
    payments = plan.table("payments").to_table()
    orders = plan.table("orders").to_table()
    stats = payments.group_by("order_id").aggregate([("amount", "min"), ("amount", "max"), ("amount", "sum")])
    joined = stats.join(orders.select(["order_id", "total"]), "order_id")
    assert np.array_equal(_units(joined["amount_sum"]), _units(joined["total"]))
    assert (_units(joined["amount_max"]) - _units(joined["amount_min"]) <= 1).all()
    t = payments.sort_by([("order_id", "ascending"), ("instalment_no", "ascending")])
    ids, cents = t["order_id"].to_numpy(), _units(t["amount"])
    same = ids[1:] == ids[:-1]
    assert (cents[1:][same] >= cents[:-1][same]).all()


def test_values_do_not_depend_on_the_chunk_size_or_the_rows_asked_for():
    plan = _plan(0.7, rows=3000)
    table = plan.table("payments")
    whole = table.to_table(chunk_size=100_000)
    assert table.to_table(chunk_size=7).equals(whole)
    middle = table.to_table(start=1234, stop=5678, chunk_size=999)
    assert middle.equals(whole.slice(1234, 5678 - 1234))


def test_the_derived_parent_sum_check_proves_the_split_and_catches_a_changed_share():
    plan = _plan(0.5, rows=2000)
    spec = plan.spec
    rules = [r for r in derive_cross_rules(spec, "payments") if r.name == "parent_sum__total"]
    assert len(rules) == 1 and rules[0].columns == ("amount",)
    payments, orders = plan.table("payments").to_table(), plan.table("orders").to_table()
    assert all(r.passed for r in check_cross_table(rules, payments, {"orders": orders}))
    amounts = payments["amount"].to_pylist()
    amounts[3] += 1
    broken = payments.set_column(payments.schema.get_field_index("amount"), "amount",
                                 pa.array(amounts, payments.schema.field("amount").type))
    (result,) = check_cross_table(rules, broken, {"orders": orders})
    assert not result.passed and result.unexpected_count == 1
