"""The `null` literal in expressions (`if_else(status == 'cancelled', reason, null)`, Python's `None` too)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.expressions import evaluate_with
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

SCHEMA = """\
dataset: shop
tables:
  orders:
    primary_key: order_id
    rows: 1000000
    columns:
      order_id: sequence
      status: {gen: choice, values: {completed: 0.6, cancelled: 0.2, returned: 0.2}}
      amount: {gen: integer, min: 1, max: 100}
      reason: {gen: choice, values: [late, broken, other]}
      cancel_reason: {expr: "if_else(status == 'cancelled', reason, null)"}
      refund: {expr: "amount if status == 'returned' else None"}
      nothing: {expr: "null", type: "decimal(10,2)"}
"""


def test_null_takes_the_type_of_the_other_branch_on_every_row():
    t = DatasetPlan(load_dataset("s.yaml", text=SCHEMA)).table("orders").to_table()
    assert t.num_rows == 1_000_000
    assert t.schema.field("cancel_reason").type == pa.string()
    assert t.schema.field("refund").type == pa.int64()
    assert t.schema.field("nothing").type == pa.decimal128(10, 2) and t["nothing"].null_count == t.num_rows
    status = t["status"].to_numpy(zero_copy_only=False).astype(str)
    reason = t["cancel_reason"].to_numpy(zero_copy_only=False)
    cancelled = status == "cancelled"
    assert (reason[~cancelled] == None).all()  # noqa: E711 - object array compared element-wise
    assert (reason[cancelled] == t["reason"].to_numpy(zero_copy_only=False).astype(str)[cancelled]).all()
    refund = t["refund"].to_pandas()
    returned = status == "returned"
    assert refund[~returned].isna().all() and (refund[returned] == t["amount"].to_pandas()[returned]).all()


@pytest.mark.parametrize(("text", "expected"), [
    ("coalesce(r, null)", ["x", None]),
    ("max(n, null)", [1, None]),
    ("if_else(is_null(r), null, r)", ["x", None]),
    ("n + null", [None, None]),
])
def test_null_in_functions_and_operators(text, expected):
    values = {"r": pa.array(["x", None]), "n": pa.array([1, None])}
    assert evaluate_with(values, text).to_pylist() == expected


def test_a_column_null_on_every_row_needs_a_type():
    with pytest.raises(SchemaError) as info:
        DatasetPlan(load_dataset("s.yaml", text=SCHEMA.replace('expr: "null", type: "decimal(10,2)"',
                                                               'expr: "null"'))).check()
    (issue,) = info.value.issues
    assert str(issue).startswith("s.yaml:13:7:") and "type cannot be inferred" in issue.message
    assert "type:" in (issue.suggestion or "")
