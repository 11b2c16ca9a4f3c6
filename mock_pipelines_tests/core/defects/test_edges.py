"""Edge cases (``edge_case``): boundary values of a column mixed into a scenario, labelled with the rules they
break, and kept to the values that break none in a positive scenario — on the demo schemas and a small one."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import defects
from mock_pipelines.core.column_facts import ColumnFacts
from mock_pipelines.core.defects.base import Cells
from mock_pipelines.core.defects.classify import violations
from mock_pipelines.core.defects.edges import dst_moments, dst_zones, edge_values, table_edge_values
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan, as_text
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines.quality.runner import check_table
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.scenarios import EdgeCaseRule, ScenarioSpec
from mock_pipelines_tests.quality.support import DEMOS, spec_of

EDGE = defects.get("edge_case")
# What each label of the ground truth is called among the project's own checks.
CHECK_OF_LABEL = {"range": "between__{}", "format": "regex__{}", "value_set": "values_in_set__{}",
                  "checksum": "checksum__{}"}
RIMS = """\
dataset: rims
locale: de_DE
tables:
  things:
    rows: 400
    primary_key: thing_id
    columns:
      thing_id: sequence
      uid: {gen: uuid4, type: uuid}
      doc: {gen: choice, values: ['{"a": 1}', '[]'], type: json}
      code: {gen: pattern, format: "AB-####"}
      seen_at: {gen: timestamp, start: "2024-01-01", end: "2024-12-31"}
      size: {gen: uniform, min: 0, max: 10, type: "decimal(4,2)"}
"""


@cache
def demo_plan(name: str, seed: int | None = None, **rows: int) -> DatasetPlan:
    return DatasetPlan(spec_of(name), PlanOptions(seed=seed, scale=0.05, rows=rows or None))


@pytest.fixture(scope="module")
def rims(tmp_path_factory) -> DatasetPlan:
    path = tmp_path_factory.mktemp("rims") / "rims.yaml"
    path.write_text(RIMS)
    return DatasetPlan(load_dataset(path))


def facts_of(plan: DatasetPlan, table: str) -> dict:
    return ScenarioPlan(plan, ScenarioSpec("probe", "negative")).table(table)._facts


def refusals(plan: DatasetPlan, table: str) -> dict[str, str | None]:
    """Each column of ``table``: why the kind refuses it, or None when it takes edge values."""
    tp, facts = plan.table(table), facts_of(plan, table)
    return {name: EDGE.applies(col, facts[name], tp) for name, col in tp.spec.columns.items()}


def edge_scenario(plan: DatasetPlan, kind: str, rules: list[tuple[str, str]], rate: float, **slice_args):
    """The data and the ground truth of a scenario mixing edge cases into ``(table, column)`` pairs."""
    scenario = ScenarioPlan(plan, ScenarioSpec("edges", kind, edge_cases=tuple(
        EdgeCaseRule(t, c, rate) for t, c in rules)))
    out = {}
    for table in dict.fromkeys(t for t, _ in rules):
        piece = scenario.table(table).slice(**slice_args)
        out[table] = pa.Table.from_batches(list(piece.batches()), schema=piece.schema), piece.truth()
    return out


def every_edge_column(plan: DatasetPlan) -> list[tuple[str, str]]:
    return [(t, c) for t in plan.order() for c, why in refusals(plan, t).items() if why is None]


def cell_texts(data: pa.Table, column: str, rows: list[int]) -> list[str | None]:
    values = data.column(column).combine_chunks()
    values = values.dictionary_decode() if pa.types.is_dictionary(values.type) else values
    return as_text(values.take(pa.array(rows, pa.int64()))).to_pylist()


def texts(table: pa.Table) -> dict[str, list[str | None]]:
    """Every column as text (NaN compares equal to NaN this way; -0.0 stays apart from 0.0)."""
    return {name: cell_texts(table, name, list(range(table.num_rows))) for name in table.column_names}


# ---- which columns take edge cases ------------------------------------------------------------------------------

@pytest.mark.parametrize("dataset", DEMOS)
def test_every_column_of_every_demo_table_takes_edge_values_or_says_why_not(dataset):
    plan = demo_plan(dataset)
    taken = every_edge_column(plan)
    for table in plan.order():
        tp = plan.table(table)
        keys = set(tp.spec.primary_key) | {c for fk in tp.spec.foreign_keys for c in fk.columns}
        for column, why in refusals(plan, table).items():
            assert why is None or (isinstance(why, str) and why), (table, column)
            if column in keys:
                assert why is not None, f"{table}.{column} is a key and must keep its values"
    # every column that takes them gets them, in a scenario over the whole dataset (no crash anywhere)
    out = edge_scenario(plan, "negative", taken, rate=0.5)
    for table, column in taken:
        data, truth = out[table]
        mine = truth.filter(pc.equal(truth["column"], column))
        assert set(mine["kind"].to_pylist()) <= {"edge_case"}
        allowed = set(as_text(table_edge_values(plan.table(table), plan.table(table).spec.columns[column],
                                                facts_of(plan, table)[column], False)).to_pylist())
        assert set(mine["injected"].to_pylist()) <= allowed, (table, column)
        if data.num_rows >= 40:
            assert mine.num_rows > 0, f"{table}.{column} got no edge value in {data.num_rows} rows at rate 0.5"


def test_keys_json_unique_and_tied_columns_are_refused_with_their_reason(rims):
    shop = {t: refusals(demo_plan("shop"), t) for t in ("customers", "orders", "order_items", "payments")}
    assert "key column" in shop["customers"]["customer_id"]
    assert "foreign key" in shop["orders"]["customer_id"]
    assert "unique" in shop["customers"]["email"]
    assert "signup_ts" in shop["orders"]["order_ts"]  # generated after the customer's sign-up
    assert "orders.order_ts" in shop["customers"]["signup_ts"]  # and the sign-up is what it is after
    assert "quantity >= 1" in shop["order_items"]["quantity"]  # a table check reads it
    assert "sum of" in shop["orders"]["subtotal"] and "sum of" in shop["order_items"]["line_total"]
    assert "expectation" in shop["customers"]["age_at_signup"]
    assert "sibling" in shop["payments"]["due_date"]
    mine = refusals(rims, "things")
    assert "JSON" in mine["doc"]
    assert mine["uid"] is None and mine["code"] is None and mine["seen_at"] is None


# ---- positive scenarios: values that keep every rule ------------------------------------------------------------

@pytest.mark.parametrize("dataset", DEMOS)
def test_positive_edge_values_keep_every_rule_of_the_projects_own_checks(dataset):
    plan = demo_plan(dataset)
    spec = plan.spec
    out = edge_scenario(plan, "positive", every_edge_column(plan), rate=0.3)
    injected = 0
    for table, (data, truth) in out.items():
        edges = truth.filter(pc.equal(truth["kind"], "edge_case"))
        injected += edges.num_rows
        assert set(edges["violates"].to_pylist()) <= {""}, table
        for column in set(edges["column"].to_pylist()):
            rows = edges.filter(pc.equal(edges["column"], column))["row_index"].to_pylist()
            values = data.column(column).combine_chunks().take(pa.array(rows, pa.int64()))
            assert all(v == () for v in violations(facts_of(plan, table)[column], values,
                                                    plan.table(table).arrow_schema.field(column).type)), column
        results = check_table(data, derive_rules(spec, table, expected_rows(plan, table)))
        row_level = [r for r in results if r.kind != "distribution"]  # edge values move means, not rules
        assert row_level and all(r.passed for r in row_level), [(r.name, r.observed) for r in row_level
                                                               if not r.passed]
    assert injected > 100


def test_a_positive_scenario_mixes_in_only_the_boundaries_inside_the_declared_range():
    plan = demo_plan("shop")
    table = plan.table("products")
    facts = facts_of(plan, "products")
    price = table_edge_values(table, table.spec.columns["price"], facts["price"], True).to_pylist()
    assert price == [Decimal("1.99"), Decimal("1999.99")]
    launched = table_edge_values(table, table.spec.columns["launched_on"], facts["launched_on"], True).to_pylist()
    assert {dt.date(2019, 1, 1), dt.date(2024, 6, 30), dt.date(2024, 2, 29)} <= set(launched)
    assert dt.date(2018, 12, 31) not in launched and dt.date(9999, 12, 31) not in launched


def test_a_positive_rule_on_a_column_no_boundary_value_keeps_fails_naming_the_column(rims):
    plan = DatasetPlan(rims.spec, PlanOptions(rows={"things": 0}))  # no clean values to borrow the format from
    tp = plan.table("things")
    facts = facts_of(plan, "things")
    assert len(table_edge_values(tp, tp.spec.columns["code"], facts["code"], True)) == 0
    cells = Cells(tp, tp.spec.columns["code"], facts["code"], pa.array(["AB-0001"] * 3), np.arange(3), 99,
                  {"keep_rules": True})
    with pytest.raises(ValueError, match=r"things\.code keeps its rules .*format"):
        EDGE.damage(cells)
    assert len(EDGE.damage(Cells(tp, tp.spec.columns["code"], facts["code"], pa.array(["AB-0001"] * 3),
                                 np.arange(3), 99, {"keep_rules": False}))) == 3


# ---- negative scenarios: labels that agree with the data and with the checks ----------------------------------

@pytest.mark.parametrize(("dataset", "tables"), [("shop", ("customers", "reviews", "products")),
                                                 ("healthcare", ("vitals", "patients", "diagnoses"))])
def test_negative_labels_are_what_classify_says_of_the_data_and_what_the_checks_count(dataset, tables):
    plan = demo_plan(dataset)
    columns = [(t, c) for t, c in every_edge_column(plan) if t in tables]
    out = edge_scenario(plan, "negative", columns, rate=0.25)
    labelled = 0
    for table, (data, truth) in out.items():
        facts = facts_of(plan, table)
        column_types = plan.table(table).arrow_schema
        results = {r.name: r for r in check_table(data, derive_rules(plan.spec, table, expected_rows(plan, table)))}
        for column in set(truth["column"].to_pylist()):
            mine = truth.filter(pc.equal(truth["column"], column))
            rows = mine["row_index"].to_pylist()
            assert cell_texts(data, column, rows) == mine["injected"].to_pylist()
            values = data.column(column).combine_chunks().take(pa.array(rows, pa.int64()))
            said = [",".join(v) for v in violations(facts[column], values, column_types.field(column).type)]
            assert mine["violates"].to_pylist() == said, column
            labelled += sum(1 for s in said if s)
            for label, check in CHECK_OF_LABEL.items():
                result = results.get(check.format(column))
                count = sum(1 for s in said if label in s.split(","))
                if result is not None:
                    assert result.unexpected_count == count, (check.format(column), result.observed, count)
                else:
                    assert count == 0, (column, label)
    assert labelled > 50


def test_float_columns_get_nan_and_both_infinities_labelled_out_of_range():
    plan = demo_plan("shop", customers=2000)
    data, truth = edge_scenario(plan, "negative", [("customers", "latitude")], rate=0.3)["customers"]
    latitude = data.column("latitude").combine_chunks().to_numpy(zero_copy_only=False)
    assert np.isnan(latitude).any() and np.isposinf(latitude).any() and np.isneginf(latitude).any()
    by_value = dict(zip(truth["injected"].to_pylist(), truth["violates"].to_pylist(), strict=False))
    assert by_value["nan"] == by_value["inf"] == by_value["-inf"] == "range"
    assert by_value["90"] == by_value["-90"] == ""  # the bounds themselves are in range
    assert by_value["-0"] == "" and "0" in by_value  # -0.0 and 0.0 are two edge values


def test_date_columns_get_the_leap_day_and_the_bounds_one_day_outside():
    plan = demo_plan("shop", products=2000)
    data, truth = edge_scenario(plan, "negative", [("products", "launched_on")], rate=0.3)["products"]
    by_value = dict(zip(truth["injected"].to_pylist(), truth["violates"].to_pylist(), strict=False))
    assert by_value["2024-02-29"] == "" and by_value["2019-01-01"] == "" and by_value["2024-06-30"] == ""
    assert by_value["2018-12-31"] == by_value["2024-07-01"] == by_value["9999-12-31"] == "range"
    assert dt.date(2024, 2, 29) in set(data.column("launched_on").to_pylist())


def test_timestamps_get_the_dst_gap_and_overlap_of_the_locale_zone(rims):
    assert dst_zones("de_DE") == ("Europe/Berlin",)
    assert dst_zones("en_US") == ("America/New_York",)
    assert dst_zones("ja_JP") == ("Europe/Berlin", "America/New_York")  # Tokyo keeps its clocks
    assert dst_moments("Europe/Berlin") == ((dt.datetime(2024, 3, 31, 2, 30), "nonexistent"),
                                            (dt.datetime(2024, 10, 27, 2, 30), "ambiguous"))
    assert dst_moments("Asia/Tokyo") == ()
    tp = rims.table("things")
    values = set(table_edge_values(tp, tp.spec.columns["seen_at"], facts_of(rims, "things")["seen_at"],
                                   True).to_pylist())
    assert {dt.datetime(2024, 3, 31, 2, 30), dt.datetime(2024, 10, 27, 2, 30), dt.datetime(2024, 1, 1),
            dt.datetime(2024, 2, 29, 23, 59, 59, 999999)} <= values
    assert dt.datetime(2038, 1, 19, 3, 14, 7) not in values  # outside the declared year: not kept


def test_decimal_uuid_and_string_candidates_fit_their_column(rims):
    tp = rims.table("things")
    facts = facts_of(rims, "things")
    size = table_edge_values(tp, tp.spec.columns["size"], facts["size"], False)
    assert size.type == pa.decimal128(4, 2)
    assert {Decimal("0.00"), Decimal("10.00"), Decimal("-0.01"), Decimal("10.01"), Decimal("99.99"),
            Decimal("-99.99")} == set(size.to_pylist())  # no NaN: a decimal cannot hold one
    uid = table_edge_values(tp, tp.spec.columns["uid"], facts["uid"], True).to_pylist()
    assert "00000000-0000-4000-8000-000000000000" in uid and "00000000-0000-0000-0000-000000000000" not in uid
    code = table_edge_values(tp, tp.spec.columns["code"], facts["code"], False).to_pylist()
    assert {"", "x" * 4000, "e\u0301", "\U0001D518", "\u05E9\u05DC\u05D5\u05DD"} <= set(code)
    assert all(s.startswith("AB-") for s in table_edge_values(tp, tp.spec.columns["code"], facts["code"],
                                                               True).to_pylist())


def test_int_columns_reach_the_int64_limits_and_the_checks_count_them():
    plan = demo_plan("shop", reviews=3000)
    data, truth = edge_scenario(plan, "negative", [("reviews", "rating")], rate=0.3)["reviews"]
    values = set(data.column("rating").to_pylist())
    assert {0, 1, 5, 6, -(2**63), 2**63 - 1} <= values
    results = {r.name: r for r in check_table(data, derive_rules(plan.spec, "reviews",
                                                                  expected_rows(plan, "reviews")))}
    outside = sum(1 for v in truth["violates"].to_pylist() if v == "range")
    assert results["between__rating"].unexpected_count == outside > 0


def test_edge_values_without_a_plan_match_the_planned_ones_for_a_column_without_format():
    plan = demo_plan("shop")
    tp = plan.table("customers")
    facts = facts_of(plan, "customers")["latitude"]
    alone = edge_values(tp.spec.columns["latitude"], facts, pa.float64(), True, locale="en_US")
    assert alone.equals(table_edge_values(tp, tp.spec.columns["latitude"], facts, True))
    nothing = edge_values(tp.spec.columns["zip"], ColumnFacts(False, regex="^[0-9]{5}$"), pa.string(), True)
    assert len(nothing) == 0  # without a sample of the column, nothing keeps its format


# ---- rate, reproducibility, chunks ------------------------------------------------------------------------------

def test_edge_cases_land_at_their_declared_rate():
    n, rate = 20_000, 0.1
    plan = demo_plan("shop", customers=n)
    data, truth = edge_scenario(plan, "negative", [("customers", "last_name")], rate=rate)["customers"]
    assert data.num_rows == n
    expected, sd = n * rate, math.sqrt(n * rate * (1 - rate))
    assert abs(truth.num_rows - expected) <= 5 * sd, (truth.num_rows, expected)


def test_edge_cases_are_reproducible_by_seed_and_change_with_it():
    rules = [("customers", "latitude"), ("customers", "city"), ("customers", "marketing_opt_in")]
    first = edge_scenario(DatasetPlan(spec_of("shop"), PlanOptions(scale=0.05)), "negative", rules, 0.3)
    again = edge_scenario(DatasetPlan(spec_of("shop"), PlanOptions(scale=0.05)), "negative", rules, 0.3)
    other = edge_scenario(DatasetPlan(spec_of("shop"), PlanOptions(seed=7, scale=0.05)), "negative", rules, 0.3)
    (data, truth), (data2, truth2), (_, truth3) = first["customers"], again["customers"], other["customers"]
    assert texts(data) == texts(data2) and truth.equals(truth2)
    assert truth["row_index"].to_pylist() != truth3["row_index"].to_pylist()


def test_edge_cases_do_not_depend_on_the_chunk_size():
    plan = demo_plan("shop")
    rules = [("customers", "latitude"), ("customers", "zip"), ("customers", "lifetime_value")]
    data, truth = edge_scenario(plan, "negative", rules, 0.4)["customers"]
    data97, truth97 = edge_scenario(plan, "negative", rules, 0.4, chunk_size=7)["customers"]
    assert texts(data) == texts(data97)
    assert texts(truth) == texts(truth97)


def test_a_partitioned_run_takes_edge_values_per_partition_and_keeps_the_time_column():
    plan = DatasetPlan(spec_of("shop"), PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 3, 1), "daily")))
    assert "time partition" in refusals(plan, "customers")["signup_ts"]
    rules = [("customers", "zip"), ("customers", "latitude"), ("customers", "birth_date")]
    day = {"start": dt.datetime(2024, 3, 2), "end": dt.datetime(2024, 3, 3), "partition_key": "2024-03-02"}
    data, truth = edge_scenario(plan, "negative", rules, 0.5, **day)["customers"]
    assert truth.num_rows > 10 and set(truth["partition"].to_pylist()) == {"2024-03-02"}
    facts = facts_of(plan, "customers")
    first = plan.table("customers").slice(**day).lo
    for column in ("zip", "latitude", "birth_date"):
        mine = truth.filter(pc.equal(truth["column"], column))
        rows = [r - first for r in mine["row_index"].to_pylist()]
        assert cell_texts(data, column, rows) == mine["injected"].to_pylist()
        values = data.column(column).combine_chunks().take(pa.array(rows, pa.int64()))
        said = violations(facts[column], values, plan.table("customers").arrow_schema.field(column).type)
        assert mine["violates"].to_pylist() == [",".join(s) for s in said]
