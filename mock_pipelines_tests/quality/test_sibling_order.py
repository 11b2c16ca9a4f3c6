"""A sibling_timestamp column gets the rule sibling_order__<col>: every child's value comes strictly after its
previous sibling's. Siblings are consecutive rows of the child layout (ordered by their child_index when the
table has one), compared batch by batch and across batch boundaries."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.quality import arrow_checks
from mock_pipelines.quality.gx_runner import validate_table
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines.quality.runner import check_table
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.quality.support import generated, set_values, spec_of

SCHEMA = """\
dataset: plans
seed: 3
tables:
  contracts:
    rows: 20000
    primary_key: contract_id
    columns:
      contract_id: sequence
      signed_at: {gen: timestamp, start: "2024-01-01", end: "2024-12-31"}
  renewals:
    rows: {per: contracts, count: "uniform(0, 6)"}
    columns:
      contract_id: {ref: contracts.contract_id}
      renews_at: {gen: sibling_timestamp, after: contract_id.signed_at, every_days: 365, jitter: 0.5}
"""


def _rule(rules, name):
    return next(r for r in rules if r.name == name)


def _payments():
    plan, tables = generated("shop")
    spec = spec_of("shop")
    rules = derive_rules(spec, "payments", expected_rows(plan, "payments"))
    return tables["payments"], rules


def _swap(table: pa.Table, column: str, a: int, b: int) -> pa.Table:
    values = table.column(column).combine_chunks()
    return set_values(table, column, {a: values[b].as_py(), b: values[a].as_py()})


def test_the_shop_payments_get_the_rule_and_pass_it():
    payments, rules = _payments()
    rule = _rule(rules, "sibling_order__due_date")
    assert rule.severity == "error" and rule.params["position"] == "instalment_no"
    assert rule.columns == ("due_date", "order_id", "instalment_no")
    assert "LAG(\"due_date\") OVER (PARTITION BY \"order_id\" ORDER BY \"instalment_no\")" in \
        rule.kwargs["unexpected_rows_query"]
    several = pc.greater(payments["instalment_no"], 1)
    assert pc.sum(pc.cast(several, pa.int64())).as_py() > 100  # siblings there are, so the rule compares values
    for engine in ("arrow", "gx"):
        result = next(r for r in validate_table(payments, [rule], engine=engine) if r.name == rule.name)
        assert result.passed and result.unexpected_count == 0, (engine, result)
    streamed = {r.name: r for r in check_table(payments, rules, batch_rows=7)}
    assert streamed[rule.name].passed and streamed[rule.name].evaluated_rows == payments.num_rows


def test_two_swapped_siblings_fail_the_rule():
    payments, rules = _payments()
    rule = _rule(rules, "sibling_order__due_date")
    positions = payments["instalment_no"].to_numpy()
    second = int(np.flatnonzero(positions == 2)[10])  # the second instalment of some order; the first is before it
    broken = _swap(payments, "due_date", second - 1, second)
    passed, _, unexpected, examples = arrow_checks.evaluate(rule, broken)
    assert not passed and unexpected == 1
    assert examples[0]["order_id"] == payments["order_id"][second].as_py()
    assert examples[0]["previous"] > examples[0]["due_date"]
    for batch_rows in (7, second, second + 1, 1_000_000):  # the pair inside a batch, or split by a boundary
        streamed = {r.name: r for r in check_table(broken, rules, batch_rows=batch_rows)}
        assert not streamed[rule.name].passed and streamed[rule.name].unexpected_count == 1, batch_rows


def test_rows_read_back_in_another_order_are_compared_by_position():
    payments, rules = _payments()
    rule = _rule(rules, "sibling_order__due_date")
    shuffled = payments.take(pa.array(np.random.default_rng(0).permutation(payments.num_rows)))
    assert arrow_checks.evaluate(rule, shuffled)[0]
    by_key = payments.sort_by("payment_id")  # what a database returns, ordered by the primary key
    for batch_rows in (997, 1_000_000):
        streamed = {r.name: r for r in check_table(by_key, [rule], batch_rows=batch_rows)}
        assert streamed[rule.name].passed, (batch_rows, streamed[rule.name])


@pytest.fixture(scope="module")
def renewals(tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "plans.yaml"
    path.write_text(SCHEMA)
    plan = DatasetPlan(load_dataset(path))
    rules = derive_rules(plan.spec, "renewals", expected_rows(plan, "renewals"))
    return plan.table("renewals").to_table(), _rule(rules, "sibling_order__renews_at")


def test_without_a_position_column_siblings_are_the_layout_order(renewals):
    table, rule = renewals
    assert rule.params["position"] is None and rule.columns == ("renews_at", "contract_id")
    assert table.num_rows > 40_000
    for batch_rows in (1, 2, 3, 4096, 1_000_000):
        assert check_table(table, [rule], batch_rows=batch_rows).results[0].passed, batch_rows


def test_a_violation_across_a_batch_boundary_is_counted_once(renewals):
    table, rule = renewals
    ids = table["contract_id"].to_numpy()
    # a row whose previous row is its sibling: the pair straddles the boundary when a batch ends before it
    row = int(np.flatnonzero(ids[1:] == ids[:-1])[500]) + 1
    broken = _swap(table, "renews_at", row - 1, row)
    whole = arrow_checks.evaluate(rule, broken)
    assert not whole[0] and whole[2] >= 1
    for batch_rows in (row, row - 1, row + 1, 5, 1_000_000):
        result = check_table(broken, [rule], batch_rows=batch_rows).results[0]
        assert not result.passed and result.unexpected_count == whole[2], batch_rows


def test_only_sibling_timestamp_columns_get_the_rule():
    spec = spec_of("shop")
    plan = DatasetPlan(spec)
    for table in spec.tables:
        names = [r.name for r in derive_rules(spec, table, expected_rows(plan, table))
                 if r.name.startswith("sibling_order__")]
        assert names == (["sibling_order__due_date"] if table == "payments" else []), table
