"""Correct data passes every rule: each demo table at its declared size, at two seeds, and the shop
customers at 0.1× and 5× — tolerances come from standard errors at z = 6, so no size or seed flakes."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.quality.cross_table import check_cross_table, derive_cross_rules
from mock_pipelines.quality.gx_runner import validate_table
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines_tests.quality.support import DEMOS, check, failures, generated, spec_of

SEEDS = (None, 7)  # the schema's own seed, and another


def _report(bad):
    return "\n".join(f"{r.table}.{r.name}: observed {r.observed}, expected {r.expected}, examples {r.examples}"
                     for r in bad.values())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dataset", DEMOS)
def test_every_demo_table_passes_every_rule(dataset, seed):
    plan, tables = generated(dataset, seed)
    spec = spec_of(dataset)
    for table in plan.order():
        results = check(spec, table, tables[table], tables, plan=plan)
        assert results, table
        bad = failures(results)
        assert not bad, _report(bad)
        assert not any(r.skipped for r in results.values() if r.kind != "distribution")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scale", [0.1, 5.0])
def test_shop_customers_pass_at_other_sizes(scale, seed):
    plan, tables = generated("shop", seed, scale)
    for table in ("customers", "orders"):
        results = check(spec_of("shop"), table, tables[table], tables, plan=plan)
        assert not failures(results), _report(failures(results))
    assert tables["customers"].num_rows == round(2000 * scale)


def test_arrow_engine_agrees_on_correct_data():
    plan, tables = generated("shop")
    for table in ("customers", "order_items", "payments"):
        results = check(spec_of("shop"), table, tables[table], plan=plan, engine="arrow")
        assert not failures(results), _report(failures(results))
        # expectations written in the schema (kind custom) always run under Great Expectations
        assert {r.engine for r in results.values() if r.kind not in ("distribution", "custom")} == {"arrow"}


def test_partitioned_run_passes_window_by_window():
    spec = spec_of("shop")
    start = dt.datetime(2024, 3, 1)
    plan = DatasetPlan(spec, PlanOptions(partitions=PartitionScheme(start, "daily")))
    so_far: dict[str, pa.Table] = {}
    for day in range(2):
        window = (start + dt.timedelta(days=day), start + dt.timedelta(days=day + 1))
        this: dict[str, pa.Table] = {}
        for name in plan.order():
            tp = plan.table(name)
            part = tp.is_partitioned
            data = tp.to_table(*tp.row_range(*(int((w - dt.datetime(1970, 1, 1)) / dt.timedelta(microseconds=1))
                                                for w in window))) if part else tp.to_table()
            this[name] = data
            so_far[name] = pa.concat_tables([so_far[name], data]) if part and name in so_far else data
            rules = derive_rules(spec, name, expected_rows(plan, name, window if part else None),
                                 partitioned=True, window=window if part else None)
            results = list(validate_table(data, rules))
            # children laid out per parent: the parent's same window; a drawn reference: every parent so far
            per = spec.tables[name].rows.per if tp.layout is not None else None
            parents = {p: this[p] if p == per else so_far[p] for p in spec.tables[name].parents()}
            results += check_cross_table(derive_cross_rules(spec, name, partitioned=True), data, parents)
            bad = {r.name: r for r in results if not r.passed}
            assert not bad, f"day {day}, {name}: " + _report(bad)
            if part and spec.tables[name].partitioned.time_column:
                assert any(r.name.startswith("time_in_partition__") for r in results)
