"""Expressions mean what the reference says: regression tests for results that were wrong, and bounds
that keep a crafted expression from exhausting the stack or the memory."""

from __future__ import annotations

import datetime as dt
import decimal
import time

import pyarrow as pa
import pytest

from mock_pipelines.core.expressions import (
    MAX_EXPRESSION_CHARS,
    ExpressionError,
    evaluate_with,
    parse_expression,
)
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError


def test_days_rounds_to_the_nearest_microsecond_so_quarter_hours_land_on_the_quarter():
    lead = pa.array([d for d in range(4) for _ in range(96)], pa.int64())
    slot = pa.array([s for _ in range(4) for s in range(96)], pa.int64())
    out = evaluate_with({"lead": lead, "slot": slot}, 'timestamp("2024-01-01") + days(lead + slot / 96)')
    start = dt.datetime(2024, 1, 1)
    expected = [start + dt.timedelta(days=d, minutes=15 * s) for d in range(4) for s in range(96)]
    assert out.to_pylist() == expected  # truncation gave 12:59:59.999999 for 13:00 (and 1 µs early elsewhere)


def test_hours_and_minutes_round_like_days():
    out = evaluate_with({"n": pa.array([1, 7, 13], pa.int64())}, 'timestamp("2024-01-01") + minutes(n * 10)')
    assert [t.microsecond for t in out.to_pylist()] == [0, 0, 0]


def test_division_of_a_decimal_column_gives_a_float():
    amount = pa.array([decimal.Decimal("12.34"), decimal.Decimal("0.03"), None], pa.decimal128(12, 2))
    out = evaluate_with({"amount": amount}, "amount * 100 / 3")
    assert out.type == pa.float64()
    assert out.to_pylist()[:2] == pytest.approx([1234 / 3, 1.0])
    assert out.to_pylist()[2] is None
    assert evaluate_with({"amount": amount}, "amount // 0.5").to_pylist() == [24.0, 0.0, None]
    assert evaluate_with({"amount": amount}, "amount ** 2").type == pa.float64()


def test_power_gives_floats_as_documented():
    out = evaluate_with({"a": pa.array([2, 3])}, "a ** 3")
    assert out.type == pa.float64() and out.to_pylist() == [8.0, 27.0]
    assert evaluate_with({}, "2 ** 3").to_pylist() == [8.0]


@pytest.mark.parametrize("text", ["10**10**10", "2**100000000", "10.0 ** 400"])
def test_a_power_overflowing_the_float_range_is_refused_not_zero(text):
    with pytest.raises(ExpressionError, match="overflows"):
        parse_expression(text)


def test_a_power_of_a_column_that_overflows_is_an_error_not_inf():
    with pytest.raises(ValueError, match="overflows"):
        evaluate_with({"a": pa.array([2.0, 10.0])}, "a ** 400")


def test_integer_overflow_is_an_error_not_a_wrapped_value():
    big = pa.array([2 ** 62, 1], pa.int64())
    with pytest.raises(pa.ArrowInvalid, match="overflow"):
        evaluate_with({"a": big}, "a * 4")
    assert evaluate_with({"a": big}, "a + 1").to_pylist() == [2 ** 62 + 1, 2]


def test_round_digits_are_bounded_so_rounding_cannot_hang():
    with pytest.raises(ExpressionError, match="between -30 and 30"):
        parse_expression("round(x, 10**12)")
    assert evaluate_with({"x": pa.array([1.23456])}, "round(x, 30)").to_pylist() == [1.23456]


def _timed_refusal(text: str) -> ExpressionError:
    started = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert time.perf_counter() - started < 2
    return info.value


def test_an_expression_of_100000_characters_is_refused_cleanly():
    err = _timed_refusal("a + " * 25_000 + "a")
    assert "too long" in str(err) and f"{MAX_EXPRESSION_CHARS:,}" in str(err)


def test_an_expression_of_50000_terms_within_the_length_cap_is_refused_cleanly(monkeypatch):
    monkeypatch.setattr("mock_pipelines.core.expressions.MAX_EXPRESSION_CHARS", 10**6)
    err = _timed_refusal("+".join(["1"] * 50_000))
    assert "nested" in str(err) or "parts" in str(err) or "invalid expression" in str(err)
    err = _timed_refusal(", ".join(["1"] * 50_000).join(["min(", ")"]))  # wide, not deep
    assert "parts" in str(err)


@pytest.mark.parametrize("depth", [70, 5_000])
def test_deeply_nested_expressions_are_refused_cleanly(depth, monkeypatch):
    monkeypatch.setattr("mock_pipelines.core.expressions.MAX_EXPRESSION_CHARS", 10**6)
    err = _timed_refusal("-" * depth + "a")
    assert "nested" in str(err) or "invalid expression" in str(err)
    _timed_refusal("abs(" * depth + "a" + ")" * depth)


def test_a_huge_expression_in_a_schema_is_one_issue_with_file_and_line():
    text = "dataset: d\ntables:\n  t:\n    rows: 5\n    columns:\n      a: sequence\n" \
           f"      b: {{expr: \"{'a + ' * 25_000}a\"}}\n"
    with pytest.raises(SchemaError) as info:
        load_dataset("huge.yaml", text=text)
    (issue,) = info.value.issues
    assert (issue.location.file, issue.location.line) == ("huge.yaml", 7)
    assert "too long" in issue.message and issue.suggestion


@pytest.mark.parametrize("dist", ["normal(" + "-" * 100_000 + "1)", "normal(" + "+".join(["1"] * 50_000) + ")",
                                  "normal(" + "(" * 5_000 + "1" + ")" * 5_000 + ")"])
def test_a_huge_distribution_in_a_schema_is_one_short_issue_with_file_and_line(dist):
    text = f"dataset: d\ntables:\n  t:\n    rows: 5\n    columns:\n      a: sequence\n      b: {{dist: \"{dist}\"}}\n"
    started = time.perf_counter()
    with pytest.raises(SchemaError) as info:
        load_dataset("huge.yaml", text=text)
    assert time.perf_counter() - started < 3
    (issue,) = info.value.issues
    assert (issue.location.file, issue.location.line) == ("huge.yaml", 7)
    assert "cannot read distribution" in issue.message and len(str(issue)) < 400
