"""Rules derived from the schema: the right checks, with the right arguments, for every demo table."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats as sps

from mock_pipelines.core import facts
from mock_pipelines.core.generators.identifiers import pattern_regex
from mock_pipelines.quality import stats
from mock_pipelines.quality.cross_table import derive_cross_rules
from mock_pipelines.quality.rules import KINDS, RowExpectation, derive_rules, expected_rows
from mock_pipelines.quality.severity import SeverityPolicy
from mock_pipelines_tests.quality.support import DEMOS, generated, spec_of


def rules_of(dataset: str, table: str, **kw):
    plan, _ = generated(dataset)
    return {r.name: r for r in derive_rules(spec_of(dataset), table, expected_rows(plan, table), **kw)}


@pytest.mark.parametrize("dataset", DEMOS)
def test_every_demo_table_gets_named_rules_of_known_kinds(dataset):
    spec = spec_of(dataset)
    plan, _ = generated(dataset)
    for table in spec.tables:
        rules = derive_rules(spec, table, expected_rows(plan, table)) + derive_cross_rules(spec, table)
        names = [r.name for r in rules]
        assert len(names) == len(set(names)), f"duplicate check names in {table}"
        assert all(r.kind in KINDS for r in rules)
        assert all(r.description and r.name.replace("_", "").isalnum() for r in rules)
        assert "row_count" in names and "pk_unique" in names
        assert all(r.blocking == (r.severity == "error") for r in rules)
        assert all(r.severity == "error" for r in rules if r.kind in ("key", "fk", "uniqueness", "total"))
        assert all(r.severity == "warn" for r in rules if r.kind == "distribution")


def test_customers_rules_spot_check():
    r = rules_of("shop", "customers")
    assert r["row_count"].expectation == "ExpectTableRowCountToEqual" and r["row_count"].kwargs == {"value": 2000}
    assert r["pk_unique"].kwargs == {"column": "customer_id"} and r["pk_unique"].kind == "key"
    assert r["unique__email"].expectation == "ExpectColumnValuesToBeUnique"
    assert r["not_null__email"].kind == "nulls" and r["not_null__email"].severity == "error"
    assert r["regex__email"].kwargs["regex"].startswith("^")
    assert r["regex__zip"].kwargs["regex"] == r"^[0-9]{5}$"
    assert r["values_in_set__segment"].kwargs["value_set"] == ["consumer", "small_business", "corporate", "vip"]
    kl = r["kl_divergence__segment"]
    assert kl.expectation == "ExpectColumnKLDivergenceToBeLessThan" and kl.severity == "warn" and kl.sampled
    assert kl.kwargs["partition_object"] == {"values": ["consumer", "small_business", "corporate", "vip"],
                                             "weights": pytest.approx([0.70, 0.18, 0.07, 0.05])}
    assert kl.kwargs["threshold"] == pytest.approx(stats.chi2_upper(3) / 4000)
    assert r["type__customer_id"].kwargs["type_list"] == ["int64", "Int64Dtype"]
    assert r["type__signup_ts"].params["arrow_type"] == "timestamp[us]"
    assert r["between__signup_ts"].kwargs["min_value"] == dt.datetime(2021, 1, 1)
    assert r["between__signup_ts"].kwargs["max_value"] == dt.datetime(2024, 6, 30, 23, 59, 59, 999999)
    assert r["between__customer_id"].kwargs == {"column": "customer_id", "min_value": 1, "max_value": None}
    # lognormal(5.5, 1.1) with min 0: exact mean exp(μ + σ²/2) within a 6-standard-error band at n = 2000
    mean = r["mean__lifetime_value"].kwargs
    exact = math.exp(5.5 + 1.1 ** 2 / 2)
    assert mean["min_value"] < exact < mean["max_value"]
    assert mean["max_value"] - exact == pytest.approx(6 * exact * math.sqrt(math.exp(1.21) - 1) / math.sqrt(2000)
                                                      + 0.005, rel=1e-3)
    q = r["quantiles__lifetime_value"].kwargs["quantile_ranges"]
    assert q["quantiles"] == [0.05, 0.25, 0.5, 0.75, 0.95]
    lo, hi = q["value_ranges"][2]
    assert lo < math.exp(5.5) < hi
    assert "not_null__age_at_signup" in r and "type__age_at_signup" not in r  # an untyped expression


def test_null_rates_foreign_keys_and_composite_keys():
    payments = rules_of("shop", "payments")
    nr = payments["null_rate__card_number"]
    assert nr.expectation == "ExpectColumnProportionOfNonNullValuesToBeBetween" and nr.severity == "warn"
    lo, hi = stats.null_share_band(0.3, 10264)  # expected payments: orders × mean instalments
    assert nr.kwargs == {"column": "card_number", "min_value": pytest.approx(1 - hi), "max_value": pytest.approx(1 - lo)}
    assert "not_null__card_number" not in payments
    # method reads card_number, which can be null: nulls may propagate, so no not-null rule (conservative)
    assert "not_null__method" not in payments and "not_null__amount" in payments
    items = rules_of("shop", "order_items")
    assert items["pk_unique"].expectation == "ExpectCompoundColumnsToBeUnique"
    assert items["pk_unique"].kwargs == {"column_list": ["order_id", "line_no"]}
    assert items["between__quantity"].kwargs == {"column": "quantity", "min_value": 1, "max_value": 10}
    assert items["between__line_no"].kwargs["max_value"] == 8  # corporate customers' orders: 2 to 8 lines
    assert items["values_in_set__discount_pct"].kwargs["value_set"] == [0.0, 0.05, 0.1, 0.2]
    # a count expression has no single mean: the row count is checked against its branches' hard bounds
    band = items["row_count"]
    assert band.expectation == "ExpectTableRowCountToBeBetween" and band.severity == "error"
    n_orders = generated("shop")[1]["orders"].num_rows
    assert band.kwargs == {"min_value": n_orders, "max_value": 8 * n_orders}
    addresses = rules_of("shop", "addresses")["row_count"]  # a plain count keeps its statistical band
    assert addresses.expectation == "ExpectTableRowCountToBeBetween" and addresses.severity == "warn"
    vitals = rules_of("healthcare", "vitals")
    assert vitals["row_count"].kwargs == {"value": generated("healthcare")[1]["encounters"].num_rows}
    assert "not_null__bmi" not in vitals  # computed from height_cm, which has a null_rate


def test_temporal_and_cross_table_rules():
    employees = rules_of("hr", "employees")
    after = employees["after__terminated_on"]
    assert after.kwargs == {"column_A": "terminated_on", "column_B": "hire_date", "or_equal": True,
                            "ignore_row_if": "either_value_is_missing"}
    assert "not_null__manager_id" not in employees  # the root of the reporting tree
    spec = spec_of("shop")
    orders = {r.name: r for r in derive_cross_rules(spec, "orders")}
    assert orders["fk__customer_id"].params == {"parent": "customers", "ref_columns": ["customer_id"]}
    assert orders["after_parent__order_ts"].params["parent_column"] == "signup_ts"
    assert orders["children_per_parent"].params["max_children"] == 25
    returns = {r.name: r for r in derive_cross_rules(spec, "returns")}
    assert returns["fk__order_id__line_no"].columns == ("order_id", "line_no")
    partitioned = {r.name for r in derive_cross_rules(spec_of("healthcare"), "encounters", partitioned=True)}
    assert "time_after_parent__patient_id" in partitioned and "children_per_parent" not in partitioned


def test_partitioned_time_column_is_checked_against_the_window():
    window = (dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2))
    r = {x.name: x for x in derive_rules(spec_of("shop"), "customers", RowExpectation(exact=60), partitioned=True,
                                         window=window)}
    assert "between__signup_ts" not in r
    assert r["time_in_partition__signup_ts"].kwargs == {"column": "signup_ts", "min_value": window[0],
                                                        "max_value": window[1], "strict_max": True}


def test_pattern_translation():
    assert pattern_regex("??-###*") == "^[A-Z][A-Z]\\-[0-9][0-9][0-9][A-Z0-9]$"
    assert pattern_regex(r"A\#-#") == "^A\\#\\-[0-9]$"


def test_severity_overrides_lower_raise_and_turn_off():
    rules = derive_rules(spec_of("shop"), "customers", 2000, severity={
        "regex__email": "off", "customers.pk_unique": "warn", "kind:distribution": "off",
        "null_rate__*": "error", "type__*": "warn"})
    r = {x.name: x for x in rules}
    assert "regex__email" not in r and not any(x.kind == "distribution" for x in rules)
    assert r["pk_unique"].severity == "warn" and not r["pk_unique"].blocking
    assert r["type__email"].severity == "warn"
    assert r["unique__email"].severity == "error" and r["unique__email"].blocking
    with pytest.raises(ValueError, match="severity"):
        SeverityPolicy(overrides={"pk_unique": "fatal"}).apply(rules)


# ---- the statistics behind the tolerances, against scipy -------------------------------------------------

def test_models_match_scipy():
    m = stats.normal(12, 2.3, 7.5, 18.5)
    x = np.clip(sps.norm(12, 2.3).rvs(2_000_000, random_state=1), 7.5, 18.5)
    assert m.mean == pytest.approx(x.mean(), abs=0.01) and m.sd == pytest.approx(x.std(), abs=0.01)
    ln = stats.lognormal(5.5, 1.1)
    assert ln.mean == pytest.approx(sps.lognorm(1.1, scale=math.exp(5.5)).mean(), rel=1e-6)
    assert ln.sd == pytest.approx(sps.lognorm(1.1, scale=math.exp(5.5)).std(), rel=1e-6)
    assert ln.kurtosis == pytest.approx(sps.lognorm(1.1).stats(moments="k") + 3, rel=1e-4)
    ex = stats.exponential(2.0)
    assert (ex.mean, ex.sd, ex.kurtosis) == pytest.approx((2.0, 2.0, 9.0), rel=1e-4)
    assert ex.quantile(0.5) == pytest.approx(2 * math.log(2))
    po = stats.discrete("poisson", 0, facts.poisson_pmf(4.0), None, 25)
    assert (po.mean, po.sd) == pytest.approx((4.0, 2.0), rel=1e-6)
    assert po.quantile(0.5) == sps.poisson(4).ppf(0.5)
    ui = stats.uniform_int(1, 900)
    assert (ui.mean, ui.sd, ui.kurtosis) == pytest.approx(
        (sps.randint(1, 901).mean(), sps.randint(1, 901).std(), sps.randint(1, 901).stats(moments="k") + 3))


@pytest.mark.parametrize("dof", [1, 2, 3, 5, 9, 30])
def test_chi2_bound_is_conservative(dof):
    exact = sps.chi2(dof).isf(sps.norm.sf(stats.SAFE_Z))
    assert exact <= stats.chi2_upper(dof) <= 1.35 * exact
