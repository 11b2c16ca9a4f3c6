"""Wrong numbers (out_of_range, sign_error, unit_error) injected into the demo schemas: at their rate, labelled
exactly, of the column's type, reproducible; and refused where they cannot show."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pytest

from mock_pipelines.core import defects
from mock_pipelines.core.column_facts import ColumnFacts
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec

from .twins import (
    Twin,
    assert_rate,
    assert_reproducible,
    assert_truth_agrees_with_data,
    scenario_table,
    twin,
)

# (schema, table, column, kind, params, rows): a decimal with both bounds and one with a lower bound only, a
# float, an int laid out per parent (rows None: the schema's count), a date and a timestamp.
CASES = [
    ("shop", "products", "price", "out_of_range", (), 20_000),
    ("shop", "customers", "lifetime_value", "out_of_range", (), 20_000),
    ("shop", "customers", "latitude", "out_of_range", (("by", 2),), 20_000),
    ("shop", "order_items", "quantity", "out_of_range", (), None),
    ("shop", "products", "launched_on", "out_of_range", (), 20_000),
    ("shop", "customers", "signup_ts", "out_of_range", (), 20_000),
    ("shop", "customers", "lifetime_value", "sign_error", (), 20_000),
    ("shop", "order_items", "quantity", "sign_error", (), None),
    ("shop", "products", "price", "unit_error", (), 20_000),
    ("shop", "products", "price", "unit_error", (("factor", 0.01),), 20_000),
    ("shop", "order_items", "quantity", "unit_error", (("factor", 0.01),), None),
    ("shop", "customers", "latitude", "unit_error", (("factor", 1000),), 20_000),
]
IDS = [f"{kind}-{column}-{dict(params)}" for _, _, column, kind, params, _ in CASES]


def _twin(case) -> Twin:
    schema, table, column, kind, params, rows = case
    return twin(schema, table, kind, column, 0.05, params, rows)


def _number(text: str, t: pa.DataType) -> Fraction | dt.date:
    """A value as text, read without Arrow: exact for numbers."""
    if pa.types.is_date(t):
        return dt.date.fromisoformat(text)
    if pa.types.is_timestamp(t):
        return dt.datetime.fromisoformat(text)
    return Fraction(Decimal(text))


def _out_of_bounds(value: Fraction | dt.date, facts: ColumnFacts) -> bool:
    lo, hi = facts.lo, facts.hi
    if isinstance(value, dt.datetime):
        pass
    elif isinstance(value, dt.date):
        lo = lo.date() if isinstance(lo, dt.datetime) else lo
        hi = hi.date() if isinstance(hi, dt.datetime) else hi
    else:
        lo = None if lo is None else Fraction(lo)
        hi = None if hi is None else Fraction(hi)
    return (lo is not None and value < lo) or (hi is not None and value > hi)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_kind_damages_its_declared_share_of_rows(case):
    assert_rate(_twin(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ground_truth_and_data_agree_row_by_row(case):
    tw = _twin(case)
    assert_truth_agrees_with_data(tw)
    # The column keeps its type: an int column gets ints, a decimal its precision and scale.
    assert tw.data.schema.field(tw.column).type == tw.clean.schema.field(tw.column).type


@pytest.mark.parametrize("case", CASES[:1] + CASES[5:7] + CASES[-2:-1], ids=IDS[:1] + IDS[5:7] + IDS[-2:-1])
def test_same_seed_gives_the_same_damage_whatever_the_chunk_size(case):
    schema, table, _, kind, params, rows = case
    assert_reproducible(_twin(case), schema, table, kind, params, rows)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_labels_are_exactly_the_rules_each_value_breaks(case):
    """``violates`` equals an independent check: the injected value read back without Arrow and compared with
    the column's declared bounds."""
    tw = _twin(case)
    for entry in tw.entries():
        value = _number(entry["injected"], tw.clean_type)
        expected = {"range"} if _out_of_bounds(value, tw.facts) else set()
        assert set(filter(None, entry["violates"].split(","))) == expected, entry


@pytest.mark.parametrize("case", [c for c in CASES if c[3] == "out_of_range"],
                         ids=[i for i, c in zip(IDS, CASES, strict=True) if c[3] == "out_of_range"])
def test_out_of_range_values_lie_beyond_a_declared_bound(case):
    tw = _twin(case)
    entries = tw.entries()
    assert all(_out_of_bounds(_number(e["injected"], tw.clean_type), tw.facts) for e in entries)
    if tw.facts.lo is not None and tw.facts.hi is not None:
        below = sum(_number(e["injected"], tw.clean_type) < _number(e["original"], tw.clean_type) for e in entries)
        assert 0.3 < below / len(entries) < 0.7, "both sides are drawn where both bounds exist"


def test_out_of_range_clips_to_the_largest_decimal_the_precision_holds():
    # lifetime_value is decimal(12, 2) with only a lower bound: a billion widths below it does not fit.
    tw = twin("shop", "customers", "out_of_range", "lifetime_value", 0.05, (("by", 1e12),), 2_000)
    assert set(tw.truth.column("injected").to_pylist()) == {"-9999999999.99"}
    assert set(tw.truth.column("violates").to_pylist()) == {"range"}


def test_out_of_range_keeps_dates_within_the_years_a_date_can_hold():
    tw = twin("shop", "products", "out_of_range", "launched_on", 0.05, (("by", 1e6),), 2_000)
    assert set(tw.truth.column("injected").to_pylist()) <= {"0001-01-01", "9999-12-31"}


def test_sign_error_flips_the_sign_of_each_value():
    tw = _twin(CASES[7])  # quantity, 1..10
    for e in tw.entries():
        assert int(e["injected"]) == -int(e["original"]) != 0


def test_unit_error_multiplies_by_the_factor_and_rounds_to_the_type():
    price = _twin(CASES[8])
    for e in price.entries():
        assert Decimal(e["injected"]) == Decimal(e["original"]) * 100
    cents = _twin(CASES[9])
    for e in cents.entries():
        assert abs(Decimal(e["injected"]) - Decimal(e["original"]) / 100) <= Decimal("0.005")
        assert len(e["injected"].split(".")[1]) == 2
    quantity = _twin(CASES[10])  # ints 1..10 / 100 round to 0
    assert set(quantity.truth.column("injected").to_pylist()) == {"0"}


@pytest.mark.parametrize(("kind", "column", "reason"), [
    ("out_of_range", "email", "numbers, dates and timestamps"),
    ("out_of_range", "age_at_signup", "no bound"),
    ("out_of_range", "customer_id", "key column"),
    ("sign_error", "latitude", "both signs"),
    ("sign_error", "signup_ts", "numbers"),
    ("unit_error", "marketing_opt_in", "numbers"),
    ("unit_error", "customer_id", "key column"),
])
def test_a_kind_refuses_a_column_it_cannot_damage_and_says_why(kind, column, reason):
    table = scenario_table("shop", "customers", kind, "lifetime_value", 0.05, rows=100)
    said = defects.get(kind).applies(table.clean.spec.columns[column], table._facts[column], table.clean)
    assert said is not None and reason in said


def test_a_reference_is_left_to_the_relation_kinds():
    table = scenario_table("shop", "orders", "unit_error", "subtotal", 0.05, rows=None, scale=0.01)
    said = defects.get("unit_error").applies(table.clean.spec.columns["customer_id"], table._facts["customer_id"],
                                            table.clean)
    assert said is not None and "reference" in said


def test_a_non_positive_by_is_an_error_that_names_the_parameter():
    table = scenario_table("shop", "products", "out_of_range", "price", 0.5, (("by", 0),), rows=50)
    with pytest.raises(ValueError, match="`by` must be a positive number"):
        list(table.slice().batches())


TIGHT = textwrap.dedent("""
    dataset: tight
    locale: en_US
    tables:
      readings:
        rows: 50
        primary_key: id
        columns:
          id: {gen: sequence}
          share: {gen: uniform, min: -999.99, max: 999.99, type: "decimal(5,2)"}
          level: {gen: uniform, min: 0, max: 999.99, type: "decimal(5,2)"}
""")


def test_out_of_range_refuses_a_decimal_whose_precision_holds_nothing_beyond_its_bounds(tmp_path):
    path = tmp_path / "tight.yaml"
    path.write_text(TIGHT)
    plan = ScenarioPlan(DatasetPlan(load_dataset(path)), ScenarioSpec("twin", "negative"))
    table = plan.table("readings")
    kind = defects.get("out_of_range")
    said = kind.applies(table.clean.spec.columns["share"], table._facts["share"], table.clean)
    assert said is not None and "no value of type decimal128(5, 2) lies beyond" in said
    # Below 0 there is room: the kind applies, and only goes below.
    assert kind.applies(table.clean.spec.columns["level"], table._facts["level"], table.clean) is None
    rule = DefectRule("out_of_range", "readings", "level", rate=1.0)
    data = ScenarioPlan(DatasetPlan(load_dataset(path)), ScenarioSpec("twin", "negative", defects=(rule,)))
    values = pa.Table.from_batches(list(data.table("readings").slice().batches())).column("level").to_pylist()
    assert all(Decimal("-999.99") <= v < 0 for v in values)
