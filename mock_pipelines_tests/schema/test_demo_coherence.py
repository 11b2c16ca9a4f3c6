"""The demo datasets tell a coherent story, checked by joining the generated tables (pyarrow only):
the payments of an order add up to its total, returns belong only to orders whose status is `returned` (and every
returned order has one), nobody is a minor at sign-up or hire, no patient is registered before birth, no
encounter precedes its provider's start — in a full run, at the `ci` scale and in partitioned windows."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.schema.parse import load_dataset

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
EPOCH = dt.datetime(1970, 1, 1)


def _decoded(table: pa.Table) -> pa.Table:
    columns = [c.combine_chunks() for c in table.columns]
    return pa.table([c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in columns],
                    names=table.column_names)


@cache
def full_run(dataset: str, scale: float = 1.0) -> dict[str, pa.Table]:
    plan = DatasetPlan(load_dataset(SCHEMAS / f"{dataset}.yaml"), PlanOptions(scale=scale))
    plan.check()
    return {t: _decoded(plan.table(t).to_table()) for t in plan.order()}


@cache
def shop_window(day: int) -> dict[str, pa.Table]:
    """The shop tables of one daily partition (plain dimensions whole), as a partitioned profile writes them."""
    start = dt.datetime(2024, 3, 1) + dt.timedelta(days=day)
    plan = DatasetPlan(load_dataset(SCHEMAS / "shop.yaml"),
                       PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 3, 1), "daily")))
    window = [int((w - EPOCH) / dt.timedelta(microseconds=1)) for w in (start, start + dt.timedelta(days=1))]
    out = {}
    for name in plan.order():
        tp = plan.table(name)
        out[name] = _decoded(tp.to_table(*tp.row_range(*window)) if tp.is_partitioned else tp.to_table())
    return out


def shop_cases():
    return [pytest.param(lambda: full_run("shop"), id="full"),
            pytest.param(lambda: full_run("shop", 0.05), id="ci-scale"),
            pytest.param(lambda: shop_window(0), id="partition-day-0"),
            pytest.param(lambda: shop_window(1), id="partition-day-1")]


def count(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)


@pytest.mark.parametrize("tables", shop_cases())
def test_the_payments_of_an_order_add_up_to_its_total(tables):
    t = tables()
    paid = t["payments"].group_by("order_id").aggregate([("amount", "sum"), ("amount", "count"),
                                                         ("due_date", "min")])
    joined = paid.join(t["orders"].select(["order_id", "subtotal", "order_ts"]), "order_id", join_type="inner")
    assert joined.num_rows == paid.num_rows > 0
    assert count(pc.not_equal(pc.cast(joined["amount_sum"], pa.decimal128(38, 2)),
                              pc.cast(joined["subtotal"], pa.decimal128(38, 2)))) == 0
    assert count(pc.greater(joined["amount_count"], 1)) > 0  # some orders really are paid in instalments
    # the first instalment is due on the order date
    assert count(pc.not_equal(joined["due_date_min"], pc.cast(joined["order_ts"], pa.date32()))) == 0


@pytest.mark.parametrize("tables", shop_cases())
def test_returns_belong_only_to_returned_orders_and_every_returned_order_has_one(tables):
    t = tables()
    orders, returns = t["orders"], t["returns"]
    joined = returns.select(["order_id", "line_no"]).join(orders.select(["order_id", "status"]), "order_id",
                                                          join_type="left outer")
    assert returns.num_rows > 0
    assert pc.unique(joined["status"]).to_pylist() == ["returned"]  # no cancelled or processing order
    returned = orders.filter(pc.equal(orders["status"], "returned"))["order_id"]
    with_returns = pc.unique(returns["order_id"])
    assert sorted(returned.to_pylist()) == sorted(with_returns.to_pylist())
    # at most one return per line, and the line's `returned` flag and the order's count agree
    lines = returns.group_by(["order_id", "line_no"]).aggregate([([], "count_all")])
    assert pc.max(lines["count_all"]).as_py() == 1
    flagged = t["order_items"].filter(pc.equal(t["order_items"]["returned"], 1))
    assert flagged.num_rows == returns.num_rows
    per_order = returns.group_by("order_id").aggregate([([], "count_all")]).join(
        orders.select(["order_id", "returned_lines"]), "order_id")
    assert per_order["count_all"].to_pylist() == per_order["returned_lines"].to_pylist()


def test_the_share_of_returned_orders_is_plausible():
    orders = full_run("shop")["orders"]
    share = count(pc.equal(orders["status"], "returned")) / orders.num_rows
    assert 0.03 < share < 0.08, share
    refunds = full_run("shop")["returns"].join(full_run("shop")["order_items"].select(
        ["order_id", "line_no", "line_total", "ordered_at"]), ["order_id", "line_no"])
    assert count(pc.not_equal(refunds["refund_amount"], refunds["line_total"])) == 0
    assert count(pc.less_equal(refunds["returned_ts"], refunds["ordered_at"])) == 0


@pytest.mark.parametrize("tables", shop_cases())
def test_customers_are_adults_at_signup_and_born_before_it(tables):
    c = tables()["customers"]
    assert pc.min(c["age_at_signup"]).as_py() >= 18
    assert pc.max(c["age_at_signup"]).as_py() <= 85
    assert count(pc.greater_equal(pc.cast(c["birth_date"], pa.timestamp("us")), c["signup_ts"])) == 0


@pytest.mark.parametrize("scale", [1.0, 0.05])
def test_every_shop_category_exists_and_is_used(scale):
    t = full_run("shop", scale)
    assert t["categories"].num_rows == 12
    assert len(set(t["categories"]["category_name"].to_pylist())) == 12
    if scale == 1.0:
        assert set(t["products"]["category_id"].to_pylist()) == set(t["categories"]["category_id"].to_pylist())


@pytest.mark.parametrize("scale", [1.0, 0.05])
def test_employees_are_of_working_age_when_hired(scale):
    t = full_run("hr", scale)
    e = t["employees"]
    assert (t["locations"].num_rows, t["departments"].num_rows) == (8, max(1, round(15 * scale)))
    assert pc.min(e["age_at_hire"]).as_py() >= 21 and pc.max(e["age_at_hire"]).as_py() <= 62
    assert count(pc.greater_equal(e["birth_date"], e["hire_date"])) == 0


def test_patients_are_born_before_registering_and_adults_at_every_encounter():
    t = full_run("healthcare")
    p, e = t["patients"], t["encounters"]
    assert count(pc.greater_equal(pc.cast(p["birth_date"], pa.timestamp("us")), p["registered_ts"])) == 0
    assert pc.min(e["age_at_encounter"]).as_py() >= 18
    seen = e.select(["encounter_ts", "provider_id"]).join(t["providers"].select(["provider_id", "active_since"]),
                                                         "provider_id")
    assert seen.num_rows == e.num_rows
    assert count(pc.less(seen["encounter_ts"], pc.cast(seen["active_since"], pa.timestamp("us")))) == 0
    specialties = set(t["providers"]["specialty"].to_pylist())
    assert not specialties & {"pediatrics", "obstetrics_gynecology"}  # adult patients of both sexes only
