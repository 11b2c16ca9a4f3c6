"""Broken data fails the RIGHT rule, with metadata a person can act on (and nothing else fails).

Row-level corruptions run under every engine (Great Expectations, the exact pyarrow evaluators on a whole
table, and the measure taken while batches stream): they must agree on the verdict, the count of offending
rows and the examples.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality.gx_runner import sample_mask, validate_table
from mock_pipelines.quality.rules import RowExpectation, derive_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.quality.support import check, failures, generated, set_values, spec_of

ENGINES = ("gx", "arrow", "stream")


def shop():
    return generated("shop")


@pytest.mark.parametrize("engine", ENGINES)
def test_nulls_in_a_non_null_column(engine):
    plan, tables = shop()
    data = set_values(tables["customers"], "email", {3: None, 17: None, 1999: None})
    bad = failures(check(spec_of("shop"), "customers", data, plan=plan, engine=engine))
    assert set(bad) == {"not_null__email"}
    r = bad["not_null__email"]
    assert (r.kind, r.severity, r.status, r.unexpected_count) == ("nulls", "error", "fail", 3)
    assert r.examples == ["row 3", "row 17", "row 1999"] and r.observed == "3 of 2,000 rows"
    assert r.engine == engine and r.expected == "no nulls"
    meta = r.metadata()
    assert meta["status"] == "fail" and meta["unexpected_count"] == 3 and "error" not in meta


@pytest.mark.parametrize("engine", ENGINES)
def test_duplicated_primary_key(engine):
    plan, tables = shop()
    ids = tables["customers"].column("customer_id").to_pylist()
    data = set_values(tables["customers"], "customer_id", {10: ids[4], 11: ids[4]})
    bad = failures(check(spec_of("shop"), "customers", data, plan=plan, engine=engine))
    assert set(bad) == {"pk_unique"}
    r = bad["pk_unique"]
    assert r.kind == "key" and r.blocking and r.status == "fail"
    assert r.unexpected_count == 3 and r.examples == [ids[4]]


@pytest.mark.parametrize("engine", ENGINES)
def test_duplicated_composite_primary_key(engine):
    plan, tables = shop()
    items = tables["order_items"]
    first = items.slice(0, 1)
    data = pa.concat_tables([items, first])
    bad = failures(check(spec_of("shop"), "order_items", data, plan=plan, engine=engine))
    assert "pk_unique" in bad and bad["pk_unique"].unexpected_count == 2
    assert bad["pk_unique"].examples == [{"order_id": first["order_id"][0].as_py(), "line_no": 1}]
    assert set(bad) <= {"pk_unique", "row_count"}


def test_orphan_foreign_key():
    plan, tables = shop()
    data = set_values(tables["orders"], "customer_id", {5: 999_999})
    results = check(spec_of("shop"), "orders", data, tables, plan=plan)
    bad = failures(results)
    assert set(bad) == {"fk__customer_id"}
    r = bad["fk__customer_id"]
    assert r.kind == "fk" and r.blocking and r.unexpected_count == 1 and r.examples == [999_999]
    assert r.observed.startswith("1 orphans of 7,814")


def test_orphan_composite_foreign_key():
    plan, tables = shop()
    data = set_values(tables["returns"], "line_no", {0: 99})
    bad = failures(check(spec_of("shop"), "returns", data, tables, plan=plan))
    # the moved return no longer belongs to the line whose `returned` sum counts it
    assert set(bad) == {"fk__order_id__line_no", "parent_sum__returned"}
    assert bad["fk__order_id__line_no"].examples == [{"order_id": data["order_id"][0].as_py(), "line_no": 99}]


@pytest.mark.parametrize("engine", ENGINES)
def test_out_of_range_quantity(engine):
    plan, tables = shop()
    data = set_values(tables["order_items"], "quantity", {42: 11})
    bad = failures(check(spec_of("shop"), "order_items", data, plan=plan, engine=engine))
    assert set(bad) == {"between__quantity"}
    r = bad["between__quantity"]
    assert r.kind == "range" and r.examples == [11] and r.unexpected_count == 1 and r.expected == "within [1, 10]"


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_email_format(engine):
    plan, tables = shop()
    data = set_values(tables["customers"], "email", {7: "not-an-email", 8: "two@@at.com"})
    bad = failures(check(spec_of("shop"), "customers", data, plan=plan, engine=engine))
    assert set(bad) == {"regex__email"}
    assert bad["regex__email"].examples == ["not-an-email", "two@@at.com"]
    assert bad["regex__email"].unexpected_count == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_value_outside_the_declared_choices(engine):
    plan, tables = shop()
    data = set_values(tables["orders"], "fulfilment", {0: "lost"})
    bad = failures(check(spec_of("shop"), "orders", data, plan=plan, engine=engine))
    assert set(bad) == {"values_in_set__fulfilment"} and bad["values_in_set__fulfilment"].examples == ["lost"]


@pytest.mark.parametrize("engine", ENGINES)
def test_wrong_row_count(engine):
    plan, tables = shop()
    bad = failures(check(spec_of("shop"), "customers", tables["customers"].slice(0, 1990), plan=plan, engine=engine))
    assert set(bad) == {"row_count"}
    assert bad["row_count"].observed == 1990 and bad["row_count"].expected == "2,000 rows"
    # a children-per-parent table: outside the band its count distribution implies
    bad = failures(check(spec_of("shop"), "addresses", tables["addresses"].slice(0, 3000), plan=plan, engine=engine))
    assert set(bad) == {"row_count"} and bad["row_count"].status == "warn"


def test_wrong_type():
    plan, tables = shop()
    data = tables["customers"]
    data = data.set_column(0, "customer_id", pc.cast(data["customer_id"], pa.string()))
    bad = failures(check(spec_of("shop"), "customers", data, plan=plan))
    assert "type__customer_id" in bad and bad["type__customer_id"].observed.startswith("string")


def test_child_time_before_its_parent():
    plan, tables = shop()
    data = set_values(tables["orders"], "order_ts", {3: dt.datetime(2020, 1, 1)})
    bad = failures(check(spec_of("shop"), "orders", data, tables, plan=plan))
    assert set(bad) == {"after_parent__order_ts"}
    r = bad["after_parent__order_ts"]
    assert r.kind == "temporal" and r.unexpected_count == 1
    assert r.examples[0]["order_ts"] == "2020-01-01T00:00:00" and "customers.signup_ts" in r.examples[0]


def test_time_before_another_column_of_the_row():
    plan, tables = generated("hr")
    emp = tables["employees"]
    row = next(i for i, v in enumerate(emp["terminated_on"].to_pylist()) if v is not None)
    data = set_values(emp, "terminated_on", {row: dt.date(2000, 1, 1)})
    bad = failures(check(spec_of("hr"), "employees", data, tables, plan=plan))
    # the schema's own check says it too (checks: terminated_on >= hire_date)
    assert set(bad) == {"after__terminated_on", "check__terminated_after_hired"}
    assert bad["after__terminated_on"].unexpected_count == bad["check__terminated_after_hired"].unexpected_count == 1


def test_children_per_parent_above_the_declared_max():
    plan, tables = shop()
    addresses = tables["addresses"]
    customer = addresses["customer_id"][0].as_py()
    extra = addresses.slice(0, 1)
    extra = pa.concat_tables([set_values(extra, "address_no", {0: k}) for k in (4, 5, 6)])
    data = pa.concat_tables([addresses, extra])
    bad = failures(check(spec_of("shop"), "addresses", data, tables, plan=plan))
    assert {"children_per_parent", "between__address_no"} <= set(bad)
    r = bad["children_per_parent"]
    assert r.unexpected_count == 1 and r.examples[0]["customer_id"] == customer and r.examples[0]["children"] > 3
    assert r.expected == "1–3 children per parent"


def _small_schema(body: str, rows: int = 10_000) -> str:
    return f"dataset: t\nseed: 3\ntables:\n  t:\n    rows: {rows}\n    columns:\n      id: sequence\n{body}"


@pytest.mark.parametrize(("shift", "rows"), [(1.0, 2000), (0.5, 10_000)])
def test_shifted_normal_distribution(shift, rows):
    declared = load_dataset("t.yaml", text=_small_schema('      x: {dist: "normal(50, 10)"}\n', rows))
    shifted = load_dataset("t.yaml", text=_small_schema(f'      x: {{dist: "normal({50 + 10 * shift}, 10)"}}\n', rows))
    rules = derive_rules(declared, "t", rows)
    ok = {r.name: r for r in validate_table(DatasetPlan(declared).table("t").to_table(), rules)}
    assert not failures(ok)
    bad = failures({r.name: r for r in validate_table(DatasetPlan(shifted).table("t").to_table(), rules)})
    assert {"mean__x", "quantiles__x"} <= set(bad) and "stdev__x" not in bad
    r = bad["mean__x"]
    assert r.kind == "distribution" and r.status == "warn" and not r.blocking
    assert r.observed == pytest.approx(50 + 10 * shift, abs=1.0) and "declared 50" in r.expected


def test_changed_choice_weights_fail_the_kl_rule():
    values = "{a: 0.6, b: 0.3, c: 0.1}"
    declared = load_dataset("t.yaml", text=_small_schema(f"      s: {{gen: choice, values: {values}}}\n", 5000))
    changed = load_dataset("t.yaml", text=_small_schema("      s: {gen: choice, values: {a: 0.45, b: 0.4, c: 0.15}}\n",
                                                        5000))
    rules = derive_rules(declared, "t", 5000)
    assert not failures({r.name: r for r in validate_table(DatasetPlan(declared).table("t").to_table(), rules)})
    bad = failures({r.name: r for r in validate_table(DatasetPlan(changed).table("t").to_table(), rules)})
    assert set(bad) == {"kl_divergence__s"}
    r = bad["kl_divergence__s"]
    assert r.observed > 0.02 and "KL divergence <" in r.expected and r.evaluated_rows == 5000


def test_null_rate_far_from_the_declared_one():
    plan, tables = shop()
    payments = tables["payments"]
    data = payments.set_column(payments.column_names.index("card_number"), "card_number",
                               pa.nulls(payments.num_rows, pa.string()))
    bad = failures(check(spec_of("shop"), "payments", data, plan=plan))
    assert "null_rate__card_number" in bad and bad["null_rate__card_number"].observed == 1.0


def test_distribution_rules_use_a_deterministic_sample_of_large_inputs():
    _, tables = shop()
    rules = derive_rules(spec_of("shop"), "customers", 2000)
    run = validate_table(tables["customers"], rules, sample_rows=500)
    assert 400 < run.sampled_rows < 600 and run.passed
    results = run.by_name()
    assert results["mean__lifetime_value"].sampled and results["mean__lifetime_value"].evaluated_rows == run.sampled_rows
    assert not results["unique__email"].sampled and results["unique__email"].evaluated_rows == 2000
    again = validate_table(tables["customers"], rules, sample_rows=500)
    assert again.by_name()["mean__lifetime_value"].observed == results["mean__lifetime_value"].observed
    mask = sample_mask(100_000, 10_000)
    assert np.array_equal(mask, sample_mask(100_000, 10_000)) and 9_500 < mask.sum() < 10_500


def test_missing_column_and_tiny_tables_do_not_crash():
    plan, tables = shop()
    data = tables["customers"].drop_columns(["email"])
    results = check(spec_of("shop"), "customers", data, plan=plan)
    assert results["not_null__email"].error and not results["not_null__email"].passed
    tiny = validate_table(tables["customers"].slice(0, 20), derive_rules(spec_of("shop"), "customers", RowExpectation()))
    assert tiny.by_name()["mean__lifetime_value"].status == "skip"


def test_pandas_input_is_checked_like_arrow():
    plan, tables = shop()
    rules = derive_rules(spec_of("shop"), "orders", plan.table("orders").n_rows)
    frame = tables["orders"].to_pandas()
    run = validate_table(frame, rules)
    assert run.passed and run.rows == tables["orders"].num_rows


def test_seed_matters_for_the_data_not_for_the_verdict():
    plan = DatasetPlan(spec_of("shop"), PlanOptions(seed=123))
    data = plan.table("customers").to_table()
    assert not failures(check(spec_of("shop"), "customers", data, plan=plan))


def test_rules_derived_without_a_row_count_resolve_their_tolerances_at_run_time():
    _, tables = shop()
    rules = derive_rules(spec_of("shop"), "customers", RowExpectation())
    assert "row_count" not in {r.name for r in rules}
    assert next(r for r in rules if r.name == "mean__lifetime_value").kwargs == {}
    run = validate_table(tables["customers"], rules)
    assert run.passed and run.by_name()["mean__lifetime_value"].evaluated_rows == 2000


def test_a_parent_total_that_is_not_the_sum_of_its_children():
    plan, tables = shop()
    items = tables["order_items"]
    assert "parent_sum__subtotal" in check(spec_of("shop"), "order_items", items, tables, plan=plan)
    order = tables["orders"]["order_id"][7].as_py()
    subtotal = tables["orders"]["subtotal"][7].as_py()
    orders = set_values(tables["orders"], "subtotal", {7: subtotal + Decimal("0.01")})
    bad = failures(check(spec_of("shop"), "order_items", items, {**tables, "orders": orders}, plan=plan))
    assert set(bad) == {"parent_sum__subtotal"}
    r = bad["parent_sum__subtotal"]
    assert r.kind == "total" and r.blocking and r.unexpected_count == 1
    assert r.examples == [{"order_id": order, "subtotal": float(subtotal + Decimal("0.01")),
                           "sum of order_items.line_total": float(subtotal)}]
    # A changed child line breaks the same rule from the other side.
    lines = set_values(items, "line_total", {0: Decimal("99999.99")})
    bad = failures(check(spec_of("shop"), "order_items", lines, tables, plan=plan))
    assert "parent_sum__subtotal" in bad and bad["parent_sum__subtotal"].unexpected_count == 1


@pytest.mark.parametrize("table", ["customers", "orders", "order_items"])
def test_pyarrow_distribution_statistics_equal_great_expectations(table):
    """Above the GX threshold the distribution rules are computed with NumPy: the same numbers GX gives."""
    _, tables = shop()
    data = tables[table]
    rules = [r for r in derive_rules(spec_of("shop"), table, RowExpectation()) if r.kind == "distribution"]
    assert rules
    shifted = data
    for rule in rules:  # and on data that fails them: shift every numeric column, skew every choice
        col = data.column(rule.column)
        if pa.types.is_decimal(col.type) or pa.types.is_integer(col.type):
            shifted = shifted.set_column(shifted.column_names.index(rule.column), rule.column,
                                         pc.cast(pc.multiply(pc.cast(col, pa.float64()), 1.3), col.type, safe=False))
        elif rule.expectation == "ExpectColumnKLDivergenceToBeLessThan":
            values = col.combine_chunks()
            first = (values.dictionary_decode() if pa.types.is_dictionary(values.type) else values)[0].as_py()
            shifted = set_values(shifted, rule.column, dict.fromkeys(range(0, data.num_rows, 3), first))
    for frame in (data, shifted):
        by_gx = validate_table(frame, rules, engine="gx").by_name()
        by_arrow = validate_table(frame, rules, engine="arrow").by_name()
        for name, g in by_gx.items():
            a = by_arrow[name]
            assert a.engine == "arrow" and g.engine == "gx" and a.passed == g.passed, (name, a.observed, g.observed)
            if isinstance(g.observed, dict):
                assert a.observed["values"] == pytest.approx(g.observed["values"], rel=1e-12), name
            else:
                assert a.observed == pytest.approx(g.observed, rel=1e-9), name
    assert not all(r.passed for r in validate_table(shifted, rules, engine="arrow"))


def test_a_parent_row_missing_from_the_middle_of_a_sequence_key_orphans_its_children():
    """Consecutive integer keys are checked as a range; a gap in them falls back to exact membership."""
    plan, tables = shop()
    customers = tables["customers"]
    gone = customers["customer_id"][100].as_py()
    parents = pa.concat_tables([customers.slice(0, 100), customers.slice(101)])
    bad = failures(check(spec_of("shop"), "orders", tables["orders"], {**tables, "customers": parents}, plan=plan))
    expected = pc.sum(pc.equal(tables["orders"]["customer_id"], gone)).as_py()
    assert expected > 0 and bad["fk__customer_id"].unexpected_count == expected
    assert bad["fk__customer_id"].examples == [gone]
