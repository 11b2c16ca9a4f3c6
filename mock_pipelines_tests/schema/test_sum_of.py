"""`sum_of: child.column`: a parent column that is the exact sum of its children's column. Bad declarations
are refused with the file, line and column of the parent column, what was expected and a suggestion."""

from __future__ import annotations

import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines_tests.schema.test_validation import FILE, assert_at, single_issue

SHOP = """\
dataset: shop
seed: 1
tables:
  orders:
    rows: 50
    primary_key: order_id
    columns:
      order_id: sequence
      total: {sum_of: items.amount}
  items:
    rows: {per: orders, count: "uniform(0, 4)"}
    primary_key: [order_id, line_no]
    columns:
      order_id: {ref: orders.order_id}
      line_no: child_index
      amount: {dist: "uniform(1, 100)", type: "decimal(10,2)"}
      qty: {gen: integer, min: 1, max: 9}
      label: {gen: choice, values: [a, b]}
"""


def test_a_sum_takes_the_type_of_the_summed_column_unless_given():
    spec = load_dataset(FILE, text=SHOP)
    total = spec.tables["orders"].columns["total"]
    assert total.kind == "sum" and total.sum_of == ("items", "amount") and str(total.type) == "decimal(10,2)"
    typed = load_dataset(FILE, text=SHOP.replace("{sum_of: items.amount}", '{sum_of: items.amount, type: float}'))
    assert str(typed.tables["orders"].columns["total"].type) == "float"


@pytest.mark.parametrize(("change", "message", "suggestion"), [
    ("sum_of: itemz.amount", "column orders.total sums missing table 'itemz'", "items"),
    ("sum_of: items.amont", "column orders.total sums missing column items.amont", "amount"),
    ("sum_of: items.label", "column orders.total sums items.label, which is string, not a number", None),
])
def test_references_are_checked(change, message, suggestion):
    text = SHOP.replace("sum_of: items.amount", change)
    issue = single_issue(text)
    assert issue.message == message and issue.suggestion == suggestion
    assert_at(issue, text, "total:")


def test_the_summed_table_must_have_rows_per_the_parent():
    text = SHOP.replace('rows: {per: orders, count: "uniform(0, 4)"}', "rows: 100") \
        .replace("primary_key: [order_id, line_no]", "primary_key: line_no").replace("line_no: child_index",
                                                                                       "line_no: sequence")
    issue = single_issue(text)
    assert issue.message.startswith("column orders.total sums items.amount, but 'items' does not have rows per "
                                    "'orders'")
    assert issue.expected == "items: rows: {per: orders, count: …}"
    assert_at(issue, text, "total:")


def test_children_growing_at_their_own_rate_cannot_be_summed():
    text = SHOP.replace('    rows: {per: orders, count: "uniform(0, 4)"}\n',
                        '    rows: {per: orders, count: "uniform(0, 4)"}\n    partitioned: {rows_per_day: 5}\n')
    text = text.replace("    rows: 50\n", "    rows: 50\n    partitioned: {rows_per_day: 2}\n")
    issue = single_issue(text)
    assert "grows at its own rate" in issue.message and "drop rows_per_day" in issue.suggestion


def test_a_summed_column_that_reads_the_total_back_is_a_cycle():
    text = SHOP.replace('amount: {dist: "uniform(1, 100)", type: "decimal(10,2)"}',
                        'amount: {expr: "order_id.doubled", type: "decimal(10,2)"}') \
        .replace("      total: {sum_of: items.amount}\n",
                 "      total: {sum_of: items.amount}\n      doubled: {expr: \"total * 2\"}\n")
    issue = single_issue(text)
    assert issue.message == ("column orders.total sums a column that reads it back: orders.total → items.amount → "
                             "orders.doubled → orders.total")
    assert_at(issue, text, "total:")


@pytest.mark.parametrize(("extra", "message"), [
    (", null_rate: 0.1", "column orders.total: a sum of child rows cannot be declared null_rate"),
    (", unique: true", "column orders.total: a sum of child rows cannot be declared unique"),
    (", gen: integer", "column orders.total has both 'gen' and 'sum_of'"),
    (", min: 0", "unknown key 'min' in column orders.total (a sum of child rows)"),
])
def test_a_sum_takes_no_generator_keys(extra, message):
    text = SHOP.replace("{sum_of: items.amount}", "{sum_of: items.amount" + extra + "}")
    issue = single_issue(text)
    assert issue.message == message


def test_a_sum_of_an_untyped_expression_that_is_not_a_number_fails_before_generation():
    text = SHOP.replace("sum_of: items.amount", "sum_of: items.note").replace(
        "      qty: {gen: integer, min: 1, max: 9}\n", "      qty: {gen: integer, min: 1, max: 9}\n"
                                                      "      note: {expr: 'upper(label)'}\n")
    spec = load_dataset(FILE, text=text)  # the expression's type is only known when evaluated
    with pytest.raises(SchemaError) as info:
        DatasetPlan(spec).check()
    assert "sums items.note, which holds string values, not numbers" in str(info.value)
