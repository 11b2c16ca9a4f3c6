"""Count expressions, `choice` counts and helper columns written wrongly are refused at load time with the
file, line and column, what was expected and a suggestion."""

from __future__ import annotations

import pytest

from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import COUNT_EXPRESSION
from mock_pipelines_tests.schema.test_validation import FILE, assert_at, single_issue

SHOP = """\
dataset: shop
seed: 1
tables:
  customers:
    rows: 20
    primary_key: customer_id
    columns:
      customer_id: sequence
      segment: {gen: choice, values: [consumer, business]}
  orders:
    rows: {per: customers, count: "if_else(segment == 'business', poisson(3), 1)"}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
      status: {gen: choice, values: [completed, cancelled]}
      lines_total: {sum_of: items.qty}
      helper: {gen: integer, min: 0, max: 5, emit: false}
  items:
    rows: {per: orders, count: "if_else(status == 'completed', choice({1: 0.5, 2: 0.5}), 0)"}
    primary_key: [order_id, line_no]
    columns:
      order_id: {ref: orders.order_id}
      line_no: child_index
      qty: {gen: integer, min: 1, max: 9}
"""


def test_the_example_loads():
    spec = load_dataset(FILE, text=SHOP)
    assert spec.tables["items"].rows.count.name == COUNT_EXPRESSION
    assert "helper" in spec.tables["orders"].helpers and "helper" not in spec.tables["orders"].columns


@pytest.mark.parametrize(("count", "message", "suggestion"), [
    ("if_else(statuz == 'completed', choice({1: 0.5, 2: 0.5}), 0)",
     "rows of 'items': the count reads 'statuz', which is not a column of the parent 'orders'", "status"),
    ("if_else(status == 'completed', status, 0)",
     "rows of 'items': the count computes with 'status', a string column of 'orders'; a count is computed from "
     "numbers", "compare it in a condition instead: if_else(status == '…', poisson(2) + 1, 1)"),
    ("if_else(status == 'completed', 'two', 0)",
     "rows of 'items': a branch of a count expression must be a count, not \"'two'\"", None),
    ("if_else(status == 'completed', poison(2), 0)",
     "rows of 'items': a branch of a count expression must be a count, not 'poison(2)'", "poisson"),
    ("if_else(status == 'completed', -1, 0)", "rows of 'items': a count is a whole number >= 0, not -1", None),
    ("if_else(status == 'completed', choice({1: -0.5, 2: 0.5}), 0)",
     "rows of 'items': choice({1: -0.5, 2: 0.5}): the weight -0.5 is not a finite number >= 0", None),
    ("if_else(status == 'completed', choice({1: 0, 2: 0}), 0)",
     "rows of 'items': choice({1: 0, 2: 0}): the weights add up to 0: give at least one count a positive weight",
     None),
    ("if_else(status == 'completed', choice({1.5: 1}), 0)",
     "rows of 'items': choice({1.5: 1}): the count 1.5 is not a whole number between 0 and 1,000,000,000,000",
     None),
    ("choice({1: 0.5, -2: 0.5})",
     "rows of 'items': choice({1: 0.5, -2: 0.5}): the count -2 is not a whole number between 0 and "
     "1,000,000,000,000", None),
    ("choise({1: 0.5})", "rows of 'items': unknown distribution 'choise'", "choice"),
    ("if_else(lines_total > 2, 1, 0)", "rows of 'items': the count reads orders.lines_total, which depends on "
     "orders.lines_total, the sum over the very 'items' rows it counts", None),
])
def test_bad_counts_are_refused_where_written(count, message, suggestion):
    text = SHOP.replace("if_else(status == 'completed', choice({1: 0.5, 2: 0.5}), 0)", count)
    issue = single_issue(text)
    assert issue.message == message, str(issue)
    if suggestion is not None:
        assert issue.suggestion == suggestion, str(issue)
    else:
        assert issue.suggestion or issue.expected, str(issue)
    assert_at(issue, text, '"' + count, after="count: ")


def test_a_count_can_read_a_grandparent_through_the_parent_foreign_key():
    text = SHOP.replace("if_else(status == 'completed', choice({1: 0.5, 2: 0.5}), 0)",
                        "if_else(customer_id.segment == 'business', 3, 1)")
    assert load_dataset(FILE, text=text).tables["items"].rows.count.name == COUNT_EXPRESSION
    bad = text.replace("customer_id.segment", "customer_id.segmnt")
    issue = single_issue(bad)
    assert "'customer_id.segmnt'" in issue.message and issue.suggestion == "segment"


@pytest.mark.parametrize(("column", "replacement", "why"), [
    ("order_id: sequence", "order_id: {gen: sequence, emit: false}", "it is part of the primary key"),
    ("customer_id: {ref: customers.customer_id}", "customer_id: {ref: customers.customer_id, emit: false}",
     "it is a foreign key"),
    ("qty: {gen: integer, min: 1, max: 9}", "qty: {gen: integer, min: 1, max: 9, emit: false}",
     "orders.lines_total sums it"),
    ("segment: {gen: choice, values: [consumer, business]}",
     "segment: {gen: uuid4, unique: true, emit: false}", "it is unique"),
])
def test_a_column_that_must_be_written_cannot_be_a_helper(column, replacement, why):
    text = SHOP.replace(column, replacement)
    if "uuid4" in replacement:
        text = text.replace("segment == 'business'", "customer_id > 3")
    issue = single_issue(text)
    assert issue.message.endswith(f"cannot be `emit: false`: {why}, so it must be written"), str(issue)
    assert issue.suggestion and issue.expected
    assert_at(issue, text, replacement)


def test_emit_takes_true_or_false():
    text = SHOP.replace("emit: false", "emit: maybe")
    issue = single_issue(text)
    assert "`emit` has the wrong type" in issue.message and issue.expected == "true or false"
    assert_at(issue, text, "maybe")


COMPUTED = SHOP.replace("      helper: {gen: integer, min: 0, max: 5, emit: false}\n",
                        "      helper: {gen: integer, min: 0, max: 5, emit: false}\n"
                        "      weight: {gen: exponential, scale: 2}\n"
                        "      placed: {gen: timestamp}\n")


@pytest.mark.parametrize("count", ["poisson(2) + 1", "min(poisson(3), 5)", "2 * helper", "clip(normal(4, 1), 1, 8)",
                                   "if_else(status == 'completed', poisson(3) + helper, 1)", "round(0.5 * weight) if "
                                   "status == 'completed' else 0"])
def test_computed_counts_load(count):
    text = COMPUTED.replace("if_else(status == 'completed', choice({1: 0.5, 2: 0.5}), 0)", count)
    if "weight" in count:
        text = text.replace("    rows: {per: orders, count:", "    rows: {per: orders, max: 10, count:")
    assert load_dataset(FILE, text=text).tables["items"].rows.count.name == COUNT_EXPRESSION


@pytest.mark.parametrize(("count", "message", "suggestion"), [
    ("2 * weight",
     "rows of 'items': the count '2 * weight' has no upper bound: it reads weight, whose values are not bounded above",
     "cap it: min(2 * weight, 20), clip(2 * weight, 0, 20), or add max: to the rows of 'items'"),
    ("if_else(status == 'completed', poisson(2) + weight, 0)",
     "rows of 'items': the count 'poisson(2) + weight' has no upper bound: it reads weight, whose values are not "
     "bounded above", "cap it: min(poisson(2) + weight, 20), clip(poisson(2) + weight, 0, 20), or add max: to the "
     "rows of 'items'"),
    ("poisson(2) + placed", "rows of 'items': the count computes with 'placed', a timestamp column of 'orders'; a "
     "count is computed from numbers", "compare it in a condition instead: if_else(placed == '…', poisson(2) + 1, 1)"),
    ("poisson(2) + if_else(status == 'completed', 1, 0)",
     "rows of 'items': a condition chooses among whole counts, it cannot be part of one",
     "move the condition outside: if_else(cond, poisson(2) + 1, poisson(2)) instead of poisson(2) + if_else(cond, 1, "
     "0)"),
    ("poisson(2) / 2", "rows of 'items': a branch of a count expression must be a count, not 'poisson(2) / 2'", None),
    ("mim(poisson(3), 5)", "rows of 'items': a branch of a count expression must be a count, not 'mim(poisson(3), 5)'",
     "min"),
    ("clip(poisson(3), 1)", "rows of 'items': clip takes three arguments: clip(count, lowest, highest)",
     "e.g. clip(normal(4, 1), 1, 8) or min(poisson(3), 5)"),
    ("poisson(2) + weigth", "rows of 'items': the count reads 'weigth', which is not a column of the parent 'orders'",
     "weight"),
])
def test_bad_computed_counts_are_refused_where_written(count, message, suggestion):
    text = COMPUTED.replace("if_else(status == 'completed', choice({1: 0.5, 2: 0.5}), 0)", count)
    issue = single_issue(text)
    assert issue.message == message, str(issue)
    if suggestion is not None:
        assert issue.suggestion == suggestion, str(issue)
    else:
        assert issue.suggestion or issue.expected, str(issue)
    assert_at(issue, text, '"' + count, after="count: ")


def test_a_cap_makes_a_count_of_an_unbounded_column_acceptable():
    text = COMPUTED.replace("if_else(status == 'completed', choice({1: 0.5, 2: 0.5}), 0)", "2 * weight")
    capped = text.replace("    rows: {per: orders, count:", "    rows: {per: orders, max: 12, count:")
    assert load_dataset(FILE, text=capped).tables["items"].rows.max == 12
    inside = COMPUTED.replace("if_else(status == 'completed', choice({1: 0.5, 2: 0.5}), 0)", "min(2 * weight, 12)")
    assert load_dataset(FILE, text=inside).tables["items"].rows.count.name == COUNT_EXPRESSION


def test_a_bare_name_is_a_parent_column_unless_it_looks_like_a_distribution():
    column = COMPUTED.replace('"if_else(status == \'completed\', choice({1: 0.5, 2: 0.5}), 0)"', "helper")
    assert load_dataset(FILE, text=column).tables["items"].rows.count.name == COUNT_EXPRESSION
    typo = COMPUTED.replace('"if_else(status == \'completed\', choice({1: 0.5, 2: 0.5}), 0)"', "poison")
    issue = single_issue(typo)
    assert "poison" in issue.message and issue.suggestion == "poisson", str(issue)
