"""Anomalies on the demo schemas: spikes and dips over whole runs of rows, outliers from a declared tail, bursts
of one repeated value — at their rate (per run for runs), labelled row by row, reproducible by seed and chunk."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import defects
from mock_pipelines.core.defects.anomalies import column_scale, run_of
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec
from mock_pipelines_tests.core.defects.twin_runs import (
    Run,
    assert_binomial,
    assert_truth_agrees,
    plan,
    run,
    twin,
)

RATE = 0.2


def _applies(kind: str, p: DatasetPlan, table: str, column: str) -> str | None:
    facts = ScenarioPlan(p, ScenarioSpec("probe", "negative")).table(table)._facts[column]
    return defects.get(kind).applies(p.spec.tables[table].columns[column], facts, p.table(table))


def _whole_runs(r: Run, kind: str, length: int, column: str) -> np.ndarray:
    """The runs the kind hit, after checking that it hit every row of each (those inside the table): a row of
    a hit run is in the ground truth, or the damage left its value as it was (the run's first row in a burst,
    a zero or a null in a spike) and the data holds its clean value."""
    hit_rows = r.entries(kind)["row_index"].to_numpy()
    runs = np.unique(run_of(hit_rows, length))
    expected = (runs[:, None] * length + np.arange(length)).ravel()
    expected = expected[(expected >= r.lo) & (expected < r.lo + r.data.num_rows)]
    assert set(hit_rows) <= set(expected)
    data, clean = r.data[column].to_pylist(), r.clean[column].to_pylist()
    unchanged = np.setdiff1d(expected, hit_rows)
    assert all(data[i - r.lo] == clean[i - r.lo] for i in unchanged)
    return runs


def _runs_in(r: Run, length: int) -> int:
    return len(np.unique(run_of(np.arange(r.lo, r.lo + r.data.num_rows), length)))


def test_spikes_multiply_whole_runs_of_24_rows_by_ten():
    r = run(twin(plan("shop"), DefectRule("spike", "order_items", "quantity", rate=RATE)), "order_items")
    runs = _whole_runs(r, "spike", 24, "quantity")
    assert_binomial(len(runs), _runs_in(r, 24), RATE)
    assert_truth_agrees(r, "quantity")
    at = pa.array(r.positions("spike"))
    assert r.data["quantity"].take(at).to_pylist() == [q * 10 for q in r.clean["quantity"].take(at).to_pylist()]
    assert set(r.entries("spike")["group"].to_pylist()) == {"anomaly"}


def test_dips_of_a_money_column_keep_its_cents():
    r = run(twin(plan("shop"), DefectRule("dip", "payments", "amount", rate=RATE, params={"length": 5})),
            "payments")
    runs = _whole_runs(r, "dip", 5, "amount")
    assert_binomial(len(runs), _runs_in(r, 5), RATE)
    assert_truth_agrees(r, "amount")
    at = pa.array(r.positions("dip"))
    expected = [(a * Decimal("0.1")).quantize(Decimal("0.01")) for a in r.clean["amount"].take(at).to_pylist()]
    assert r.data["amount"].take(at).to_pylist() == expected
    assert r.data.schema.field("amount").type == r.clean.schema.field("amount").type


def test_a_spike_beyond_a_decimals_precision_is_clipped_to_the_largest_value_it_holds():
    r = run(twin(plan("shop"), DefectRule("spike", "payments", "amount", rate=RATE,
                                          params={"factor": 1e15, "length": 3})), "payments")
    at = pa.array(r.positions("spike"))
    assert set(r.data["amount"].take(at).to_pylist()) == {Decimal("9999999999.99")}  # decimal(12,2)


def test_outliers_lie_six_standard_deviations_from_the_clean_salary_and_say_when_they_leave_its_range():
    p = plan("hr", scale=1.0)
    r = run(twin(p, DefectRule("outlier", "employees", "salary", rate=RATE)), "employees")
    outliers = r.entries("outlier")
    assert_binomial(outliers.num_rows, r.data.num_rows, RATE)
    assert_truth_agrees(r, "salary")
    assert column_scale(p.spec.tables["employees"].columns["salary"], ScenarioPlan(
        p, ScenarioSpec("probe", "negative")).table("employees")._facts["salary"]) == 22000.0  # normal(85000, 22000)
    at = pa.array(r.positions("outlier"))
    injected = r.data["salary"].take(at).to_numpy()
    distance = injected - r.clean["salary"].take(at).to_numpy()
    assert set(np.abs(distance)) == {6 * 22000}
    assert (distance > 0).any() and (distance < 0).any()  # the sign is drawn
    outside = (injected < 38000) | (injected > 250000)  # the declared min/max
    assert [v == "range" for v in outliers["violates"].to_pylist()] == outside.tolist()
    assert outside.any()


def test_pareto_outliers_start_at_the_declared_distance_and_reach_far_beyond():
    p = plan("hr", scale=1.0)
    r = run(twin(p, DefectRule("outlier", "employees", "salary", rate=0.5,
                               params={"tail": "pareto", "alpha": 1.2, "sign": "up"})), "employees")
    at = pa.array(r.positions("outlier"))
    distance = r.data["salary"].take(at).to_numpy() - r.clean["salary"].take(at).to_numpy()
    assert (distance >= 6 * 22000 - 1).all()
    assert distance.max() > 3 * 6 * 22000  # a heavy tail: P(beyond 3×) = 3^-1.2 ≈ 27 % per outlier


def test_a_burst_gives_every_payment_of_a_run_the_card_of_its_first_row():
    p = plan("shop")
    r = run(twin(p, DefectRule("burst", "payments", "card_number", rate=RATE)), "payments")
    runs = _whole_runs(r, "burst", 8, "card_number")
    assert_binomial(len(runs), _runs_in(r, 8), RATE)
    assert_truth_agrees(r, "card_number")
    assert set(r.entries("burst")["violates"].to_pylist()) == {""}  # nothing a declared rule catches
    cards = r.data["card_number"].to_pylist()
    clean = r.clean["card_number"].to_pylist()
    for run_id in runs:
        members = [i - r.lo for i in range(run_id * 8, run_id * 8 + 8) if 0 <= i - r.lo < r.data.num_rows]
        first = next((clean[i] for i in members if clean[i] is not None), None)
        assert {cards[i] for i in members} == {first}


def test_bursts_and_numeric_anomalies_refuse_columns_where_they_would_break_declared_rules():
    p = plan("shop")
    assert "unique" in _applies("burst", p, "customers", "email")
    assert "laid out per customers" in _applies("burst", p, "orders", "customer_id")
    assert _applies("burst", p, "reviews", "customer_id") is None
    assert "sum of child rows" in _applies("spike", p, "orders", "subtotal")
    assert "not a numeric column" in _applies("outlier", p, "orders", "channel")
    assert "foreign key" in _applies("dip", p, "order_items", "product_id")


RULES = (DefectRule("spike", "payments", "amount", rate=RATE, params={"length": 10}),
         DefectRule("burst", "payments", "card_number", rate=RATE),
         DefectRule("outlier", "payments", "amount", rate=RATE, params={"tail": "pareto"}))


def test_same_seed_gives_the_same_anomalies_and_chunk_size_does_not_change_them():
    first = run(twin(plan("shop", seed=3), *RULES), "payments")
    again = run(twin(plan("shop", seed=3), *RULES), "payments", chunk_size=97)
    assert first.data.equals(again.data) and first.truth.equals(again.truth)
    other = run(twin(plan("shop", seed=4), *RULES), "payments")
    assert not other.truth.equals(first.truth)
    assert pc.sum(pc.equal(first.truth["kind"], "outlier")).as_py() > 0
