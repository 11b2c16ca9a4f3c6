"""Exact decimal arithmetic: `decimal * int`, `decimal / int`, decimal ± decimal and decimal * decimal, with
the scale the column declares and rounding half to even — the same digits as Python's `decimal` module."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.expressions import parse_expression
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

SCHEMA = """\
dataset: shop
tables:
  lines:
    primary_key: line_id
    rows: 1000000
    columns:
      line_id: sequence
      price: {dist: "lognormal(3, 1.2)", type: "decimal(12,2)", min: 0}
      fee: {dist: "uniform(0, 20)", type: "decimal(10,3)"}
      quantity: {gen: integer, min: 1, max: 12}
      unit: {expr: "price / quantity", type: "decimal(12,2)"}
      quarter: {expr: "price / 4", type: "decimal(12,1)"}
      total: {expr: "price * quantity - fee", type: "decimal(16,3)"}
      square: {expr: "price * price", type: "decimal(18,2)"}
      share: {expr: "(price + fee) / quantity", type: "decimal(14,4)"}
      ratio: {expr: "price / quantity"}
"""

HALF_EVEN = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)


def _q(value: Decimal, scale: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-scale), context=HALF_EVEN)


@pytest.fixture(scope="module")
def lines() -> pa.Table:
    return DatasetPlan(load_dataset("s.yaml", text=SCHEMA)).table("lines").to_table()


def test_every_row_has_the_exact_half_even_digits(lines):
    assert lines.num_rows == 1_000_000
    cols = {n: lines[n].to_pylist() for n in ("price", "fee", "quantity", "unit", "quarter", "total", "square",
                                             "share")}
    ties = 0
    for i in range(lines.num_rows):
        p, f, q = cols["price"][i], cols["fee"][i], cols["quantity"][i]
        exact = HALF_EVEN.divide(p, q)
        assert cols["unit"][i] == _q(exact, 2)
        assert cols["quarter"][i] == _q(HALF_EVEN.divide(p, 4), 1)
        assert cols["total"][i] == p * q - f
        assert cols["square"][i] == _q(p * p, 2)
        assert cols["share"][i] == _q(HALF_EVEN.divide(p + f, q), 4)
        ties += (exact * 1000) % 10 == 5 and (exact * 10000) % 10 == 0
    assert ties > 1000  # ties happen, and each went to the even neighbour
    assert lines.schema.field("unit").type == pa.decimal128(12, 2)


def test_the_known_cases_of_the_issue():
    values = {"price": pa.array([Decimal("151.45"), Decimal("2.25"), Decimal("0.05"), Decimal("-0.25")],
                                pa.decimal128(12, 2)), "n": pa.array([3, 2, 2, 2])}
    out = parse_expression("price / n").evaluate(lambda c: values[c], 4, 2).to_pylist()
    assert out == [Decimal("50.48"), Decimal("1.12"), Decimal("0.02"), Decimal("-0.12")]
    times = parse_expression("price * 3").evaluate(lambda c: values[c], 4, 2).to_pylist()
    assert times[0] == Decimal("454.35")


def test_without_a_declared_decimal_type_division_gives_floats(lines):
    assert lines.schema.field("ratio").type == pa.float64()


def test_a_zero_divisor_gives_null():
    values = {"price": pa.array([Decimal("1.00"), Decimal("2.00")], pa.decimal128(12, 2)), "n": pa.array([0, 2])}
    assert parse_expression("price / n").evaluate(lambda c: values[c], 2, 2).to_pylist() == [None, Decimal("1.00")]


def test_decimals_do_not_depend_on_the_chunk_size():
    plan = DatasetPlan(load_dataset("s.yaml", text=SCHEMA), PlanOptions(rows={"lines": 50_000}))
    small = plan.table("lines").to_table(chunk_size=3_333)
    large = plan.table("lines").to_table(chunk_size=1 << 20)
    assert small.equals(large)


def test_a_quotient_beyond_18_digits_is_refused_at_validate():
    text = SCHEMA.replace('expr: "price / quantity", type: "decimal(12,2)"',
                          'expr: "price / quantity", type: "decimal(38,20)"')
    with pytest.raises(SchemaError) as info:
        DatasetPlan(load_dataset("s.yaml", text=text)).check()
    issue = next(i for i in info.value.issues if "unit" in i.message)
    assert str(issue).startswith("s.yaml:11:") and "overflows 18 digits" in issue.message
    assert "declare a smaller scale" in (issue.suggestion or "")
