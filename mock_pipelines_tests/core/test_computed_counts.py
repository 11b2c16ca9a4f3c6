"""Children per parent computed from distributions, whole numbers and the parent's numeric columns
(`count: "poisson(2) + 1"`, `"2 * items"`, `"min(poisson(3), 5)"`, `"clip(normal(4, 1), 1, 8)"`): each
parent's count is the expression evaluated on that parent, rounded, never below 0, the same whatever the
chunk size, and the derived checks bound it per parent."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.core.child_counts import count_bounds, draw_counts
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality.cross_table import check_cross_table, derive_cross_rules
from mock_pipelines.quality.rules import RowExpectation, derive_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import Distribution

SCHEMA = """\
dataset: computed
seed: 5
tables:
  customers:
    rows: 1000000
    primary_key: customer_id
    columns:
      customer_id: sequence
      items: {gen: integer, min: 0, max: 3}
      tier: {gen: choice, values: {gold: 0.2, silver: 0.8}}
  twice:
    rows: {per: customers, count: "2 * items"}
    columns:
      customer_id: {ref: customers.customer_id}
  gold:
    rows: {per: customers, count: "if_else(tier == 'gold', poisson(3) + 1, 1)"}
    columns:
      customer_id: {ref: customers.customer_id}
  capped:
    rows: {per: customers, count: "min(poisson(3), 5)"}
    columns:
      customer_id: {ref: customers.customer_id}
  clipped:
    rows: {per: customers, count: "clip(normal(4, 1), 1, 8)"}
    columns:
      customer_id: {ref: customers.customer_id}
  fewer:
    rows: {per: customers, count: "poisson(2) - items + round(0.4 * items)"}
    columns:
      customer_id: {ref: customers.customer_id}
"""


def _plan(tmp_path, text: str = SCHEMA) -> DatasetPlan:
    path = tmp_path / "computed.yaml"
    path.write_text(text)
    return DatasetPlan(load_dataset(path), PlanOptions())


def _counted(plan: DatasetPlan, child: str, n_parents: int) -> np.ndarray:
    """Children of each parent, counted in the generated rows (batch by batch)."""
    counts = np.zeros(n_parents, dtype=np.int64)
    for batch in plan.table(child).batches():
        counts += np.bincount(batch.column("customer_id").to_numpy() - 1, minlength=n_parents)
    return counts


def _draw(plan: DatasetPlan, child: str, text: str, parents: np.ndarray) -> np.ndarray:
    """The first distribution of a count, drawn as a count of its own is drawn (the count's key)."""
    key = plan.table(child).column_key("__rows_per_parent__", "count")
    return draw_counts(Distribution.parse(text), key, parents)


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    plan = _plan(tmp_path_factory.mktemp("computed"))
    customers = plan.table("customers").to_table()
    return plan, customers


def test_a_million_parents_get_exactly_the_computed_count(million):
    plan, customers = million
    n = customers.num_rows
    assert n == 1_000_000
    parents = np.arange(n, dtype=np.int64)
    items = customers.column("items").to_numpy()
    gold = customers.column("tier").to_numpy(zero_copy_only=False).astype(str) == "gold"

    assert (_counted(plan, "twice", n) == 2 * items).all()
    expected = np.where(gold, _draw(plan, "gold", "poisson(3)", parents) + 1, 1)
    assert (_counted(plan, "gold", n) == expected).all()
    assert (_counted(plan, "capped", n) == np.minimum(_draw(plan, "capped", "poisson(3)", parents), 5)).all()
    clipped = _counted(plan, "clipped", n)
    assert (clipped == np.clip(_draw(plan, "clipped", "normal(4, 1)", parents), 1, 8)).all()
    assert clipped.min() == 1 and clipped.max() == 8  # both ends of the clip are reached on a million parents
    # A count that goes below 0 gives no children (clipped at 0), never a negative number of rows.
    fewer = np.maximum(_draw(plan, "fewer", "poisson(2)", parents) - items + np.round(0.4 * items), 0)
    counted = _counted(plan, "fewer", n)
    assert (counted == fewer).all() and (counted == 0).mean() > 0.2
    for child in ("twice", "gold", "capped", "clipped", "fewer"):
        assert plan.table(child).n_rows == _counted(plan, child, n).sum(), child


def test_two_distributions_in_one_count_draw_independently(tmp_path):
    text = SCHEMA.replace("rows: 1000000", "rows: 50000").replace('"poisson(2) - items + round(0.4 * items)"',
                                                                  '"poisson(2) + poisson(2)"')
    plan = _plan(tmp_path, text)
    n = 50_000
    counted = _counted(plan, "fewer", n)
    first = _draw(plan, "fewer", "poisson(2)", np.arange(n, dtype=np.int64))
    second = counted - first
    assert (second >= 0).all() and abs(second.mean() - 2) < 0.05 and abs(second.var() - 2) < 0.1
    assert abs(np.corrcoef(first, second)[0, 1]) < 0.02  # not the same draw twice
    assert abs(counted.var() - 4) < 0.15  # the variance of a sum of two independent poisson(2)


def test_the_counts_are_the_same_whatever_the_chunk_size(tmp_path):
    plan = _plan(tmp_path, SCHEMA.replace("rows: 1000000", "rows: 30000"))
    for name in ("twice", "gold", "capped", "clipped", "fewer"):
        table = plan.table(name)
        full = table.to_table()
        assert full.num_rows > 0
        for chunk in (777, 4096, 50_000):
            assert full.equals(table.to_table(chunk_size=chunk)), (name, chunk)
        rows = np.array([0, 3, table.n_rows // 2, table.n_rows - 1], dtype=np.int64)
        assert table.compute(rows).to_pylist() == full.take(pa.array(rows)).to_pylist(), name
    again = _plan(tmp_path, SCHEMA.replace("rows: 1000000", "rows: 30000")).table("gold").to_table(chunk_size=999)
    assert again.equals(plan.table("gold").to_table())


def test_the_bounds_of_a_computed_count_read_the_parent_column_ranges(tmp_path):
    plan = _plan(tmp_path, SCHEMA.replace("rows: 1000000", "rows: 2000"))
    spec = plan.spec
    from mock_pipelines.core.column_facts import count_column_range

    ranges = count_column_range(spec, spec.tables["customers"])
    assert count_bounds(spec.tables["twice"].rows, ranges) == (0, 6)
    assert count_bounds(spec.tables["gold"].rows, ranges) == (1, None)
    assert count_bounds(spec.tables["capped"].rows, ranges) == (0, 5)
    assert count_bounds(spec.tables["clipped"].rows, ranges) == (1, 8)
    assert count_bounds(spec.tables["fewer"].rows, ranges) == (0, None)


def test_the_derived_checks_hold_and_catch_a_wrong_count(tmp_path):
    plan = _plan(tmp_path, SCHEMA.replace("rows: 1000000", "rows: 5000"))
    customers = plan.table("customers").to_table()
    for name, lo, hi in (("twice", 0, 6), ("capped", 0, 5), ("clipped", 1, 8)):
        table = plan.table(name).to_table()
        rules = derive_cross_rules(plan.spec, name)
        per_parent = next(r for r in rules if r.name == "children_per_parent")
        assert (per_parent.params["min_children"], per_parent.params["max_children"]) == (lo, hi), name
        results = {r.name: r for r in check_cross_table(rules, table, {"customers": customers})}
        assert all(r.passed and not r.skipped for r in results.values()), results
    # 2 * items: the branch check knows each parent's own count, so one child too many is caught even
    # though it stays within the widest bounds (0–6).
    twice = plan.table("twice").to_table()
    rules = derive_cross_rules(plan.spec, "twice")
    assert "children_per_branch" in {r.name for r in rules}
    items = dict(zip(customers["customer_id"].to_pylist(), customers["items"].to_pylist(), strict=True))
    victim = next(c for c, k in items.items() if k == 1)
    extra = pa.table({"customer_id": [victim]}, schema=twice.schema)
    broken = {r.name: r for r in check_cross_table(rules, pa.concat_tables([twice, extra]), {"customers": customers})}
    assert broken["children_per_parent"].passed
    assert not broken["children_per_branch"].passed and broken["children_per_branch"].unexpected_count == 1


def test_the_row_count_band_of_a_computed_count(tmp_path):
    plan = _plan(tmp_path, SCHEMA.replace("rows: 1000000", "rows: 3000"))
    # Reading a column or choosing by one: no single distribution, the hard bounds only.
    for name, lo, hi in (("twice", 0, 6 * 3000), ("gold", 3000, None)):
        rules = {r.name: r for r in derive_rules(plan.spec, name, RowExpectation(parents=3000))}
        band = rules["row_count"]
        assert (band.kwargs["min_value"], band.kwargs["max_value"]) == (lo, hi), name
        assert lo <= plan.table(name).n_rows <= (hi or plan.table(name).n_rows)
    # One distribution mapped by a term: its weights carried through the term, so a mean and a CLT band.
    capped_mean = sum(min(k, 5) * math.exp(-3) * 3.0 ** k / math.factorial(k) for k in range(80))  # E[min(X, 5)]
    for name, mean in (("clipped", 4.0), ("capped", capped_mean)):
        rules = {r.name: r for r in derive_rules(plan.spec, name, RowExpectation(parents=3000))}
        band = rules["row_count"].kwargs
        assert 3000 * mean - 1000 < band["min_value"] < 3000 * mean < band["max_value"] < 3000 * mean + 1000, name
        assert band["min_value"] <= plan.table(name).n_rows <= band["max_value"], name
        cross = {r.name: r for r in derive_cross_rules(plan.spec, name)}
        assert abs(cross["children_per_parent_mean"].params["mean"] - mean) < 1e-3, name
        assert "children_per_branch" not in cross
        table = plan.table(name).to_table()
        results = check_cross_table(list(cross.values()), table, {"customers": plan.table("customers").to_table()})
        assert all(r.passed for r in results), results


def test_a_null_parent_value_gives_no_children_and_the_checks_know_it(tmp_path):
    text = SCHEMA.replace("rows: 1000000", "rows: 20000").replace(
        "items: {gen: integer, min: 0, max: 3}", "items: {gen: integer, min: 1, max: 3, null_rate: 0.3}")
    plan = _plan(tmp_path, text)
    customers = plan.table("customers").to_table()
    null = customers.column("items").is_null().to_numpy(zero_copy_only=False)
    assert 0.25 < null.mean() < 0.35
    counted = _counted(plan, "twice", customers.num_rows)
    assert (counted[null] == 0).all() and (counted[~null] >= 2).all()
    assert (counted[~null] == 2 * customers.column("items").drop_null().to_numpy()).all()
    rules = derive_cross_rules(plan.spec, "twice")
    results = {r.name: r for r in check_cross_table(rules, plan.table("twice").to_table(), {"customers": customers})}
    assert results["children_per_branch"].passed and results["children_per_parent"].passed
    victim = customers.filter(customers.column("items").is_null())["customer_id"][0].as_py()
    twice = plan.table("twice").to_table()
    extra = pa.table({"customer_id": [victim]}, schema=twice.schema)
    broken = {r.name: r for r in check_cross_table(rules, pa.concat_tables([twice, extra]), {"customers": customers})}
    assert not broken["children_per_branch"].passed and broken["children_per_branch"].unexpected_count == 1


def test_child_index_runs_to_the_most_children_a_computed_count_gives(tmp_path):
    from mock_pipelines.core.column_facts import column_facts

    text = SCHEMA.replace("rows: 1000000", "rows: 2000").replace(
        "  twice:\n    rows: {per: customers, count: \"2 * items\"}\n    columns:\n",
        "  twice:\n    rows: {per: customers, count: \"2 * items\"}\n    columns:\n      pos: child_index\n")
    plan = _plan(tmp_path, text)
    spec = plan.spec
    facts = column_facts(spec, spec.tables["twice"], spec.tables["twice"].columns["pos"], spec.locale)
    assert (facts.lo, facts.hi) == (1, 6)  # items ≤ 3: at most 6 children, numbered 1 … 6
    assert max(plan.table("twice").to_table()["pos"].to_pylist()) == 6
