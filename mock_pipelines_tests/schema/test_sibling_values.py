"""`split` and `sibling_timestamp` outside a per-parent layout, or reading the parent through another column,
or a split whose parents may have no children: refused at validate with file:line:col and a suggestion."""

from __future__ import annotations

import pytest

from mock_pipelines_tests.schema.test_validation import assert_at, single_issue

BASE = """\
dataset: pay
seed: 1
tables:
  orders:
    rows: 50
    primary_key: order_id
    columns:
      order_id: sequence
      order_ts: {gen: timestamp}
      total: {gen: amount}
  payments:
    rows: {per: orders, count: "uniform(1, 3)"}
    columns:
      order_id: {ref: orders.order_id}
      own_total: {gen: amount}
      amount: {gen: split, of: order_id.total}
      due: {gen: sibling_timestamp, after: order_id.order_ts}
"""


@pytest.mark.parametrize(("change", "needle", "message", "suggestion"), [
    ('rows: {per: orders, count: "uniform(1, 3)"}', "amount:",
     "payments.amount (split): some orders rows may have no payments rows, and then their total would not be "
     "split at all", "add min: 1 to the rows of 'payments'"),
    ("of: order_id.total", "amount:",
     "payments.amount (split): of: 'own_total' must read a column of the parent through the `per:` reference "
     "'order_id', so that every sibling reads the same value", "write of: order_id.own_total"),
    ("after: order_id.order_ts", "due:",
     "payments.due (sibling_timestamp): after: 'own_total' must read a column of the parent through the `per:` "
     "reference 'order_id', so that every sibling reads the same value", "write after: order_id.own_total"),
])
def test_a_sibling_value_must_read_its_parent_through_the_per_reference(change, needle, message, suggestion):
    replacement = {"of: order_id.total": "of: own_total", "after: order_id.order_ts": "after: own_total",
                   'rows: {per: orders, count: "uniform(1, 3)"}': 'rows: {per: orders, count: "poisson(1)"}'}
    text = BASE.replace(change, replacement[change])
    issue = single_issue(text)
    assert issue.message == message and issue.suggestion == suggestion
    assert_at(issue, text, needle)


def test_a_split_needs_rows_laid_out_per_parent():
    text = BASE.replace('rows: {per: orders, count: "uniform(1, 3)"}', "rows: 100") \
        .replace("      due: {gen: sibling_timestamp, after: order_id.order_ts}\n", "")
    issue = single_issue(text)
    assert issue.message == "payments.amount (split) needs the rows of 'payments' laid out per parent row"
    assert issue.expected == "rows: {per: parent, count: …}" and "rows: {per: <parent table>" in issue.suggestion
    assert_at(issue, text, "amount:")
