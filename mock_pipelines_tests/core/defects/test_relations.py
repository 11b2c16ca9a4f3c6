"""Defects across rows and time on the demo schemas: orphan references, reversed event order, late events —
at their rate, labelled row by row, reproducible, and really what they claim (checked against the parent rows)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import defects
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec
from mock_pipelines_tests.core.defects.twin_runs import (
    assert_binomial,
    assert_truth_agrees,
    demo,
    parent_table,
    plan,
    run,
    to_us,
    twin,
)

RATE = 0.1
DAY_US = 86_400_000_000


def _applies(kind: str, p: DatasetPlan, table: str, column: str) -> str | None:
    facts = ScenarioPlan(p, ScenarioSpec("probe", "negative")).table(table)._facts[column]
    return defects.get(kind).applies(p.spec.tables[table].columns[column], facts, p.table(table))


# ---- orphan -------------------------------------------------------------------------------------------------

def test_orphan_customer_ids_of_orders_match_no_customer_at_the_declared_rate():
    p = plan("shop")
    r = run(twin(p, DefectRule("orphan", "orders", "customer_id", rate=RATE)), "orders")
    orphans = r.entries("orphan")
    assert_binomial(orphans.num_rows, r.data.num_rows, RATE)
    assert_truth_agrees(r, "customer_id")
    assert set(orphans["violates"].to_pylist()) == {"fk"}
    customers = parent_table(p, "customers")["customer_id"]
    injected = r.data["customer_id"].take(pa.array(r.positions("orphan")))
    assert not pc.any(pc.is_in(injected, value_set=customers)).as_py()
    # A parent that does not grow: the keys just past its last row, as a deleted customer would leave.
    assert pc.min(injected).as_py() > pc.max(customers).as_py()


def test_orphan_of_a_growing_parent_is_below_any_key_it_will_ever_have():
    p = plan("shop", scale=0.5, partitioned=True)
    scenario = twin(p, DefectRule("orphan", "orders", "customer_id", rate=RATE))
    runs = [run(scenario, "orders", day) for day in range(3)]
    customers = parent_table(p, "customers", days=3)["customer_id"]
    lowest = p.spec.tables["customers"].columns["customer_id"].params.get("start", 1)
    hits = 0
    for r in runs:
        assert_truth_agrees(r, "customer_id")
        injected = r.data["customer_id"].take(pa.array(r.positions("orphan")))
        hits += len(injected)
        assert not pc.any(pc.is_in(injected, value_set=customers)).as_py()
        assert (injected.to_numpy() < lowest).all()  # the customers of later partitions start there too
    assert_binomial(hits, sum(r.data.num_rows for r in runs), RATE)


def test_orphan_of_a_string_key_gets_a_suffix_no_parent_key_has():
    spec = load_dataset("devices.yaml", text="""
dataset: devices
seed: 7
tables:
  devices:
    rows: 50
    primary_key: device_id
    columns:
      device_id: {gen: uuid4}
  readings:
    rows: 2000
    primary_key: reading_id
    columns:
      reading_id: {gen: sequence}
      device_id: {ref: devices.device_id}
""")
    p = DatasetPlan(spec, PlanOptions())
    r = run(twin(p, DefectRule("orphan", "readings", "device_id", rate=RATE)), "readings")
    assert_binomial(r.entries("orphan").num_rows, r.data.num_rows, RATE)
    assert_truth_agrees(r, "device_id")
    injected = r.data["device_id"].take(pa.array(r.positions("orphan")))
    assert all("-ORPHAN-" in v for v in injected.to_pylist())
    assert not pc.any(pc.is_in(injected, value_set=p.table("devices").to_table()["device_id"])).as_py()


def test_orphan_leaves_key_columns_and_composite_references_alone():
    p = plan("shop")
    assert "key column" in _applies("orphan", p, "order_items", "order_id")
    assert "composite" in _applies("orphan", p, "returns", "line_no")
    assert "not a foreign key" in _applies("orphan", p, "orders", "channel")
    assert _applies("orphan", p, "reviews", "customer_id") is None


# ---- reversed order -----------------------------------------------------------------------------------------

def test_reversed_orders_are_placed_before_their_customer_signed_up():
    p = plan("shop")
    r = run(twin(p, DefectRule("reversed_order", "orders", "order_ts", rate=RATE)), "orders")
    assert_binomial(r.entries("reversed_order").num_rows, r.data.num_rows, RATE)
    assert_truth_agrees(r, "order_ts")
    assert set(r.entries("reversed_order")["violates"].to_pylist()) == {"order"}
    customers = parent_table(p, "customers")
    signup = dict(zip(customers["customer_id"].to_pylist(), customers["signup_ts"].to_pylist(), strict=True))
    at = r.positions("reversed_order")
    for customer, placed, clean in zip(r.data["customer_id"].take(pa.array(at)).to_pylist(),
                                       r.data["order_ts"].take(pa.array(at)).to_pylist(),
                                       r.clean["order_ts"].take(pa.array(at)).to_pylist(), strict=True):
        assert clean >= signup[customer] > placed
    # every other order still follows its customer's sign-up
    others = np.setdiff1d(np.arange(r.data.num_rows), at)
    for customer, placed in zip(r.data["customer_id"].take(pa.array(others)).to_pylist(),
                                r.data["order_ts"].take(pa.array(others)).to_pylist(), strict=True):
        assert placed >= signup[customer]


def test_reversed_termination_dates_fall_before_the_hire_date_of_the_same_row():
    p = plan("hr", scale=1.0)
    r = run(twin(p, DefectRule("reversed_order", "employees", "terminated_on", rate=0.2)), "employees")
    assert_binomial(r.entries("reversed_order").num_rows, r.data.num_rows, 0.2)
    assert_truth_agrees(r, "terminated_on")
    at = pa.array(r.positions("reversed_order"))
    reversed_days = pc.days_between(r.data["hire_date"].take(at), r.data["terminated_on"].take(at)).to_numpy()
    assert (reversed_days < 0).all()  # a day before the hire at least; a null termination gets a date too
    assert pc.all(pc.greater_equal(r.data["terminated_on"], r.data["hire_date"])
                  .take(pa.array(np.setdiff1d(np.arange(r.data.num_rows), r.positions("reversed_order"))))).as_py()


def test_reversed_order_needs_a_declared_order_and_leaves_a_partitioned_time_column_to_late_event():
    assert "no declared order" in _applies("reversed_order", plan("shop"), "orders", "channel")
    assert "late_event" in _applies("reversed_order", plan("shop", partitioned=True), "orders", "order_ts")
    assert _applies("reversed_order", plan("shop"), "payments", "paid_ts") is None


# ---- late event ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("days", [None, 3])
def test_late_events_happened_before_the_partition_they_land_in(days):
    p = plan("shop", scale=0.5, partitioned=True)
    params = {} if days is None else {"days": days}
    scenario = twin(p, DefectRule("late_event", "orders", "order_ts", rate=RATE, params=params))
    hits = total = 0
    for day in range(3):
        r = run(scenario, "orders", day)
        assert_truth_agrees(r, "order_ts")
        assert set(r.entries("late_event")["violates"].to_pylist()) <= {"range"}
        at = pa.array(r.positions("late_event"))
        late = r.data["order_ts"].take(at).cast(pa.int64()).to_numpy()
        clean = r.clean["order_ts"].take(at).cast(pa.int64()).to_numpy()
        assert (late < to_us(r.window[0])).all()
        by = (clean - late) / DAY_US  # daily partitions: the same time of day, whole days earlier
        assert (by == np.round(by)).all()
        assert set(by.astype(int)) <= ({3} if days == 3 else set(range(1, 8)))
        hits += len(late)
        total += r.data.num_rows
    assert_binomial(hits, total, RATE)


def test_late_events_inject_nothing_in_a_run_without_partitions():
    """The same schema serves a whole-table run, where no event can arrive in a later partition: the rule
    leaves the rows as they are and the ground truth lists none of them."""
    p = plan("shop")
    assert _applies("late_event", p, "orders", "order_ts") is None
    assert "time column" in _applies("late_event", plan("shop", partitioned=True), "orders", "channel")
    r = run(twin(p, DefectRule("late_event", "orders", "order_ts", rate=RATE)), "orders")
    assert r.truth.num_rows == 0
    assert r.data["order_ts"].equals(r.clean["order_ts"])


# ---- reproducibility ----------------------------------------------------------------------------------------

RULES = (DefectRule("orphan", "orders", "customer_id", rate=RATE),
         DefectRule("reversed_order", "orders", "order_ts", rate=RATE))


def test_same_seed_gives_the_same_twin_and_another_seed_another():
    first, again = (run(twin(plan("shop", seed=5), *RULES), "orders") for _ in range(2))
    assert first.data.equals(again.data) and first.truth.equals(again.truth)
    other = run(twin(plan("shop", seed=6), *RULES), "orders")
    assert not other.truth["row_index"].equals(first.truth["row_index"])


def test_chunk_size_does_not_change_the_twin():
    scenario = twin(plan("shop"), *RULES)
    whole, chunked = run(scenario, "orders"), run(scenario, "orders", chunk_size=97)
    assert whole.data.equals(chunked.data) and whole.truth.equals(chunked.truth)
    p = plan("shop", scale=0.5, partitioned=True)
    late = twin(p, DefectRule("late_event", "orders", "order_ts", rate=RATE),
                DefectRule("orphan", "orders", "customer_id", rate=RATE))
    a, b = run(late, "orders", 1), run(late, "orders", 1, chunk_size=97)
    assert a.data.equals(b.data) and a.truth.equals(b.truth)


def test_demo_schema_still_declares_the_orders_the_kinds_rely_on():
    orders = demo("shop").tables["orders"]
    assert orders.columns["order_ts"].params["after"] == "customer_id.signup_ts"
    assert orders.partitioned.time_column == "order_ts"
