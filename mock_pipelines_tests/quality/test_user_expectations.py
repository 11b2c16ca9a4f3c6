"""Expectations written in a schema (`expectations:` of a table, `expect:` of a column) are parsed with
their location, run with the derived rules, and can fail; a misspelt one fails clearly before any check."""

from __future__ import annotations

import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.quality.gx_runner import check_user_expectations, validate_table
from mock_pipelines.quality.rules import derive_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines_tests.quality.support import set_values

SCHEMA = """\
dataset: t
seed: 5
tables:
  orders:
    rows: 500
    expectations:
      - {type: ExpectTableRowCountToBeBetween, min_value: 100, max_value: 1000}
      - expect: column_pair_values_a_to_be_greater_than_b
        column_A: total
        column_B: quantity
        or_equal: true
        name: total_covers_quantity
        severity: warn
        description: A line total is at least its quantity (unit prices are at least 1).
    columns:
      order_id: {gen: sequence, expect: {type: ExpectColumnValuesToBeIncreasing, strictly: true}}
      quantity: {gen: integer, min: 1, max: 5, expect: [{expect: expect_column_max_to_be_between, max_value: 5}]}
      total: {expr: "quantity * 2.5"}
"""


def test_schema_expectations_are_parsed_with_locations():
    spec = load_dataset("t.yaml", text=SCHEMA)
    table = spec.tables["orders"]
    assert [e.type for e in table.expectations] == ["ExpectTableRowCountToBeBetween",
                                                    "column_pair_values_a_to_be_greater_than_b"]
    pair = table.expectations[1]
    assert pair.kwargs == {"column_A": "total", "column_B": "quantity", "or_equal": True}
    assert (pair.name, pair.severity, pair.location.line) == ("total_covers_quantity", "warn", 8)
    qty = table.columns["quantity"].expectations[0]
    assert (qty.type, qty.column, qty.kwargs) == ("expect_column_max_to_be_between", "quantity", {"max_value": 5})


def test_schema_expectations_run_and_can_fail():
    spec = load_dataset("t.yaml", text=SCHEMA)
    rules = derive_rules(spec, "orders", 500)
    names = {r.name: r for r in rules if r.kind == "custom"}
    assert set(names) == {"user__table_row_count_to_be_between", "total_covers_quantity",
                          "user__column_values_to_be_increasing__order_id", "user__column_max_to_be_between__quantity"}
    assert names["total_covers_quantity"].severity == "warn"
    data = DatasetPlan(spec).table("orders").to_table()
    ok = validate_table(data, rules).by_name()
    assert all(ok[n].passed for n in names), {n: ok[n].observed for n in names}
    broken = set_values(data, "order_id", {10: 3})
    broken = set_values(broken, "quantity", {20: 9})
    res = validate_table(broken, rules).by_name()
    assert not res["user__column_values_to_be_increasing__order_id"].passed
    assert res["user__column_values_to_be_increasing__order_id"].status == "fail"
    assert not res["user__column_max_to_be_between__quantity"].passed
    assert res["user__column_max_to_be_between__quantity"].observed == 9
    assert not res["between__quantity"].passed  # the derived rule agrees


def test_unknown_expectation_fails_clearly_with_location_and_suggestion():
    text = SCHEMA.replace("ExpectColumnValuesToBeIncreasing", "ExpectColumnValuesToBeIncreasingg")
    spec = load_dataset("t.yaml", text=text)  # parsing never imports Great Expectations
    rules = derive_rules(spec, "orders", 500)
    with pytest.raises(SchemaError) as info:
        check_user_expectations(rules)
    issue = info.value.issues[0]
    assert "unknown Great Expectations expectation 'ExpectColumnValuesToBeIncreasingg'" in issue.message
    assert issue.suggestion == "ExpectColumnValuesToBeIncreasing" and issue.location.line == 16
    with pytest.raises(SchemaError):
        validate_table(DatasetPlan(spec).table("orders").to_table(), rules)


def test_invalid_expectation_arguments_fail_clearly():
    text = SCHEMA.replace("max_value: 5}]", "max_valu: 5}]")
    rules = derive_rules(load_dataset("t.yaml", text=text), "orders", 500)
    with pytest.raises(SchemaError, match="invalid arguments"):
        check_user_expectations(rules)


@pytest.mark.parametrize(("snippet", "message"), [
    ("expect: {type: 'bad name'}", "is not a Great Expectations expectation name"),
    ("expect: {min_value: 1}", "exactly one of `type:` or `expect:`"),
    ("expect: {type: ExpectColumnMinToBeBetween, severity: fatal}", "severity must be error or warn"),
    ("expect: {type: ExpectColumnPairValuesToBeEqual, column_A: nope, column_B: x}", None),
])
def test_bad_expectation_declarations_are_schema_errors(snippet, message):
    text = f"dataset: t\ntables:\n  a:\n    rows: 3\n    columns:\n      x: {{gen: sequence, {snippet}}}\n"
    if message is None:  # a column named in the arguments must exist: checked for table-level expectations
        text = ("dataset: t\ntables:\n  a:\n    rows: 3\n    expectations:\n"
                "      - {type: ExpectColumnPairValuesToBeEqual, column_A: nope, column_B: x}\n"
                "    columns:\n      x: sequence\n")
        message = "unknown column 'nope'"
    with pytest.raises(SchemaError) as info:
        load_dataset("t.yaml", text=text)
    assert message in str(info.value)


def test_expectations_change_the_spec_hash_only_when_declared():
    plain = "dataset: t\ntables:\n  a:\n    rows: 3\n    columns:\n      x: sequence\n"
    with_exp = plain.replace("    columns:", "    expectations: [{type: ExpectTableRowCountToEqual, value: 3}]\n"
                                           "    columns:")
    a, b = load_dataset("t.yaml", text=plain), load_dataset("t.yaml", text=with_exp)
    assert a.spec_hash() != b.spec_hash()
    assert a.tables["a"].expectations == [] and len(b.tables["a"].expectations) == 1
