"""Detection score: the project's row-level rules (and a user's pipeline) set against a scenario's ground
truth, per defect kind — on real scenarios of the demo shop schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import GROUND_TRUTH_SCHEMA, ScenarioPlan, row_keys
from mock_pipelines.quality import scoring
from mock_pipelines.quality.report import read_landed, render_report
from mock_pipelines.quality.report.scenarios import report_section
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.scenarios import (
    GROUND_TRUTH_TABLE,
    DefectRule,
    ExclusionRule,
    ScenarioSpec,
    scenario_dataset,
)
from mock_pipelines.store.files.store import FileStore

SHOP = Path(__file__).resolve().parents[2] / "schemas" / "shop.yaml"
SPEC = load_dataset(str(SHOP))
DIRTY = ScenarioSpec("dirty", "negative", defects=(
    DefectRule("missing", "customers", "email", rate=0.08),
    DefectRule("duplicate", "customers", rate=0.05),
), exclusions=(ExclusionRule("test_account", "customers", rate=0.05, set={"email": "test+{customer_id}@example.com"}),))
SPEC_WITH_DIRTY = dataclasses.replace(SPEC, scenarios={"dirty": DIRTY})


@pytest.fixture(scope="module")
def plan() -> DatasetPlan:
    return DatasetPlan(SPEC, PlanOptions(scale=0.2))  # 400 customers


@pytest.fixture(scope="module")
def dirty(plan: DatasetPlan) -> tuple[pa.Table, pa.Table]:
    return scenario(plan, DIRTY)


def scenario(plan: DatasetPlan, spec: ScenarioSpec, table: str = "customers", chunk_size: int = 97
             ) -> tuple[pa.Table, pa.Table]:
    """(the scenario's rows of ``table``, their ground truth), generated in several chunks."""
    part = ScenarioPlan(plan, spec).table(table).slice(chunk_size=chunk_size)
    return pa.Table.from_batches(list(part.batches()), schema=part.schema), part.truth()


def flags_of(plan: DatasetPlan, data: pa.Table, table: str = "customers", batch_rows: int = 64) -> pa.Table:
    return scoring.rule_flags(SPEC, table, data.to_batches(max_chunksize=batch_rows), locale=plan.locale)


def keys_of(truth: pa.Table, kind: str) -> list[str]:
    return truth.filter(pc.equal(truth["kind"], kind))["row_key"].to_pylist()


def by_kind(scores: list[scoring.KindScore]) -> dict[str, scoring.KindScore]:
    return {s.kind: s for s in scores}


# ---- the project's rules as flags ---------------------------------------------------------------------------

def test_rule_flags_name_exactly_the_injected_missing_cells_of_a_not_null_column(plan, dirty):
    data, truth = dirty
    flags = flags_of(plan, data)
    missing = keys_of(truth, "missing")
    assert len(missing) > 10
    flagged = flags.filter(pc.equal(flags["rule"], "not_null__email"))
    assert set(flagged["row_key"].to_pylist()) == set(missing)
    copied = set(keys_of(truth, "duplicate")) & set(missing)  # the copy of a row lacks its e-mail too
    assert len(copied) > 0 and flagged.num_rows == len(missing) + len(copied)
    assert set(flagged["rule_kind"].to_pylist()) == {"not_null"} and set(flagged["column"].to_pylist()) == {"email"}


def test_rule_flags_name_every_row_whose_key_repeats_across_batches(plan, dirty):
    data, truth = dirty
    flags = flags_of(plan, data, batch_rows=7)  # a copy often lands in the batch after its source
    copied = keys_of(truth, "duplicate")
    assert len(copied) > 5
    flagged = flags.filter(pc.equal(flags["rule"], "pk_unique"))["row_key"].to_pylist()
    assert Counter(flagged) == Counter({k: 2 for k in copied})  # the source and its copy


def test_rule_flags_of_clean_rows_are_none(plan):
    part = plan.table("customers").slice()
    clean = pa.Table.from_batches(list(part.batches()), schema=part.schema)
    assert flags_of(plan, clean).num_rows == 0


def test_castable_says_which_strings_cast_to_the_declared_type():
    values = pa.array(["1", "x", None, "42", "4.5", "7"] * 50)
    ok = scoring.castable(values, pa.int64())
    assert ok.tolist() == [True, False, True, True, False, True] * 50


def test_a_value_of_a_retyped_column_that_does_not_cast_is_a_type_flag(plan):
    data, _ = scenario(plan, ScenarioSpec("drift", "negative", defects=(
        DefectRule("schema_drift", "customers", "latitude", rate=1.0, params={"change": "retype"}),)))
    assert pa.types.is_string(data.schema.field("latitude").type)
    i = data.schema.get_field_index("latitude")
    values = data.column(i).to_pylist()
    values[3] = "north"
    broken = data.set_column(i, "latitude", pa.array(values, pa.string()))
    flags = flags_of(plan, broken)
    typed = flags.filter(pc.equal(flags["rule"], "type__latitude"))
    key = row_keys(broken.slice(3, 1), ["customer_id"])[0].as_py()
    assert typed["row_key"].to_pylist() == [key, None]  # this value is no number; the column is of another type


def clean_rows(plan: DatasetPlan, table: str) -> pa.Table:
    part = plan.table(table).slice()
    return pa.Table.from_batches(list(part.batches()), schema=part.schema)


def test_a_reference_absent_from_the_parent_keys_is_an_fk_flag(plan):
    orders = clean_rows(plan, "orders")
    customers = clean_rows(plan, "customers")["customer_id"]
    gone = orders["customer_id"][0]
    parents = {"customer_id": pc.filter(customers, pc.not_equal(customers, gone)).combine_chunks()}
    flags = scoring.rule_flags(SPEC, "orders", orders.to_batches(max_chunksize=50), locale=plan.locale,
                               parent_keys=parents)
    expected = row_keys(orders.filter(pc.equal(orders["customer_id"], gone)), ["order_id"]).to_pylist()
    fk = flags.filter(pc.equal(flags["rule"], "fk__customer_id"))
    assert sorted(fk["row_key"].to_pylist()) == sorted(expected) and len(expected) > 0
    assert set(fk["rule_kind"].to_pylist()) == {"fk"}
    assert scoring.rule_flags(SPEC, "orders", orders.to_batches(), locale=plan.locale).num_rows == 0  # no parents


def test_a_composite_reference_absent_from_the_parent_keys_is_an_fk_flag(plan):
    returns = clean_rows(plan, "returns")
    items = clean_rows(plan, "order_items").select(["order_id", "line_no"])
    first = returns.slice(0, 1).to_pylist()[0]
    keep = pc.invert(pc.and_(pc.equal(items["order_id"], first["order_id"]), pc.equal(items["line_no"],
                                                                                       first["line_no"])))
    flags = scoring.rule_flags(SPEC, "returns", returns.to_batches(), locale=plan.locale,
                               parent_keys={"fk__order_id__line_no": items.filter(keep)})
    fk = flags.filter(pc.equal(flags["rule"], "fk__order_id__line_no"))
    assert fk["row_key"].to_pylist() == [row_keys(returns.slice(0, 1), SPEC.tables["returns"].primary_key)[0]
                                         .as_py()]


def test_a_row_whose_end_comes_before_its_start_is_an_order_flag():
    spec = load_dataset(str(SHOP.parent / "healthcare.yaml"))
    plan = DatasetPlan(spec, PlanOptions(scale=0.05))
    part = plan.table("encounters").slice()
    rows = pa.Table.from_batches(list(part.batches()), schema=part.schema)
    i = rows.schema.get_field_index("end_ts")
    ends = rows.column(i).to_pylist()
    starts = rows.column("encounter_ts").to_pylist()
    ends[2] = starts[2] - dt.timedelta(hours=1)
    rows = rows.set_column(i, rows.schema.field(i), pa.array(ends, rows.schema.field(i).type))
    flags = scoring.rule_flags(spec, "encounters", rows.to_batches(), locale=plan.locale)
    order = flags.filter(pc.equal(flags["rule_kind"], "order"))
    assert order["rule"].to_pylist() == ["after__end_ts"]
    assert order["row_key"].to_pylist() == [str(rows.column("encounter_id")[2].as_py())]


# ---- detection ---------------------------------------------------------------------------------------------

def test_the_checks_catch_every_missing_cell_and_every_duplicate_and_no_exclusion(plan, dirty):
    data, truth = dirty
    scores = by_kind(scoring.detection(truth, flags_of(plan, data)))
    assert scores["missing"].recall == 1.0 and scores["missing"].caught == len(keys_of(truth, "missing"))
    assert scores["missing"].rules == ("not_null__email",)
    assert scores["duplicate"].recall == 1.0 and "pk_unique" in scores["duplicate"].rules
    excluded = scores["excluded"]
    assert excluded.injected == len(keys_of(truth, "excluded")) > 0
    assert (excluded.detectable, excluded.caught, excluded.missed, excluded.recall) == (0, 0, excluded.injected, 0.0)


def test_a_renamed_column_is_caught_and_an_extra_column_is_not(plan):
    for change, caught in (("rename", 1), ("extra", 0)):
        data, truth = scenario(plan, ScenarioSpec("drift", "negative", defects=(
            DefectRule("schema_drift", "customers", "last_name", rate=1.0, params={"change": change}),)))
        score = by_kind(scoring.detection(truth, flags_of(plan, data)))["schema_drift"]
        assert (score.injected, score.caught) == (1, caught), change


def test_a_flag_of_a_rule_kind_the_entry_does_not_violate_does_not_catch_it():
    truth = truth_table([("7", "email", "missing", "defect", "not_null"), ("8", "email", "missing", "defect",
                                                                           "not_null")])
    flags = pa.table({"row_key": ["7", "8"], "rule": ["pk_unique", "not_null__phone"],
                      "rule_kind": ["unique", "not_null"], "column": ["customer_id", "phone"]})
    (score,) = scoring.detection(truth, flags)
    assert (score.caught, score.missed) == (0, 2)
    again = scoring.detection(truth, pa.concat_tables([flags, pa.table({
        "row_key": ["8"], "rule": ["not_null__email"], "rule_kind": ["not_null"], "column": ["email"]})]))
    assert (again[0].caught, again[0].rules) == (1, ("not_null__email",))


def test_a_drifted_partition_is_caught_only_by_a_column_flag_of_that_partition():
    truth = pa.Table.from_pylist([{
        "dataset": "shop", "scenario": "s", "table": "orders", "partition": "2024-01-02", "row_index": None,
        "row_key": None, "column": "status", "kind": "schema_drift", "group": "drift", "violates": "schema",
        "reason": "drop", "original": "status", "injected": ""}], schema=GROUND_TRUTH_SCHEMA)

    def flag(partition: str) -> pa.Table:
        return pa.table({"table": ["orders"], "partition": [partition], "row_key": pa.array([None], pa.string()),
                         "rule": ["not_null__status"], "rule_kind": ["not_null"], "column": ["status"]})

    assert scoring.detection(truth, flag("2024-01-01"))[0].caught == 0
    (score,) = scoring.detection(truth, pa.concat_tables([flag("2024-01-01"), flag("2024-01-02")]))
    assert (score.caught, score.rules) == (1, ("not_null__status",))


def test_a_user_pipeline_that_drops_null_emails_and_duplicate_keys_is_scored_against_the_truth(plan, dirty):
    data, truth = dirty

    def pipeline(rows: pa.Table) -> pa.Table:  # the system under test: drop rows without e-mail, dedup by key
        rows = rows.filter(pc.is_valid(rows["email"]))
        first = rows.append_column("_at", pa.array(range(rows.num_rows))).group_by("customer_id").aggregate(
            [("_at", "min")])["_at_min"]
        return rows.take(first)

    kept = pipeline(data)
    flags = scoring.rejected_keys(row_keys(data, ["customer_id"]), row_keys(kept, ["customer_id"]))
    assert flags.num_rows == data.num_rows - kept.num_rows
    found = scoring.detection(truth, flags)
    scores = by_kind(found)
    assert scores["missing"].recall == 1.0 and scores["duplicate"].recall == 1.0
    assert scores["missing"].rules == ()  # the pipeline names no rule
    # A test account is "caught" only where its row was dropped for another reason (its key was duplicated).
    dropped = set(flags["row_key"].to_pylist())
    expected = sum(k in dropped for k in keys_of(truth, "excluded"))
    assert scores["excluded"].caught == expected < scores["excluded"].injected
    assert found.false_positives == 0  # every row it dropped was a defect or a copy

    def stricter(rows: pa.Table) -> pa.Table:  # also filters the test accounts out, as it should
        rows = pipeline(rows)
        return rows.filter(pc.invert(pc.starts_with(rows["email"], "test+")))

    flags = scoring.rejected_keys(row_keys(data, ["customer_id"]), row_keys(stricter(data), ["customer_id"]))
    assert by_kind(scoring.detection(truth, flags))["excluded"].recall == 1.0


def test_a_flagged_clean_row_is_a_false_positive(plan, dirty):
    data, truth = dirty
    listed = set(truth["row_key"].to_pylist())
    clean = next(k for k in row_keys(data, ["customer_id"]).to_pylist() if k not in listed)
    flags = pa.concat_tables([flags_of(plan, data), pa.table({
        "table": ["customers"], "row_key": [clean], "rule": ["regex__email"], "rule_kind": ["format"],
        "column": ["email"]})])
    found = scoring.detection(truth, flags)
    assert found.false_positives == 1
    assert found.flagged == len(set(flags.filter(pc.is_valid(flags["row_key"]))["row_key"].to_pylist()))
    assert scoring.detection(truth, flags_of(plan, data)).false_positives == 0


def test_empty_truth_and_empty_flags():
    empty_truth = GROUND_TRUTH_SCHEMA.empty_table()
    flags = pa.table({"row_key": ["1", "2", "2"]})
    found = scoring.detection(empty_truth, flags)
    assert list(found) == [] and (found.flagged, found.false_positives) == (2, 2)
    assert "nothing to score" in scoring.score_markdown(found)
    truth = truth_table([("1", "email", "missing", "defect", "not_null")])
    (score,) = scoring.detection(truth, pa.table({"row_key": pa.array([], pa.string())}))
    assert (score.injected, score.caught, score.recall) == (1, 0, 0.0)
    assert scoring.score_table([]).num_rows == 0


def test_flags_without_a_row_key_column_are_refused_with_what_to_give():
    with pytest.raises(ValueError, match="row_key"):
        scoring.detection(GROUND_TRUTH_SCHEMA.empty_table(), pa.table({"id": [1]}))


def test_score_table_and_markdown_show_each_kind(plan, dirty):
    data, truth = dirty
    found = scoring.detection(truth, flags_of(plan, data))
    table = scoring.score_table(found)
    assert table.column("kind").to_pylist() == ["missing", "duplicate", "excluded"]  # defects, rows, exclusions
    assert table.column("recall").to_pylist() == [1.0, 1.0, 0.0]
    text = scoring.score_markdown(found)
    assert "| missing | defect |" in text and "False positives: 0" in text


# ---- the report -----------------------------------------------------------------------------------------------

def test_report_section_shows_injected_detectable_caught_and_recall():
    score = scoring.KindScore("missing", "defect", 12, 12, 9, 3, 0.75, ("not_null__email",))
    html = report_section({"dirty": [score]})
    assert "Scenarios: what the checks caught" in html and ">dirty<" in html
    assert "<td class=num>12</td><td class=num>12</td><td class=num>9</td>" in html and "75%" in html
    assert report_section({}) == ""


def test_the_report_of_a_dataset_scores_its_landed_scenario(tmp_path, plan, dirty):
    spec = SPEC_WITH_DIRTY
    store = FileStore(tmp_path)
    clean = plan.table("customers").slice()
    store.write_batches(spec.name, "customers", clean.schema, clean.batches())
    data, truth = dirty
    dataset = scenario_dataset(spec.name, "dirty")
    store.write_batches(dataset, "customers", data.schema, data.to_batches())
    store.write_batches(dataset, GROUND_TRUTH_TABLE, truth.schema, truth.to_batches())
    landed = read_landed(spec, tmp_path, plan=plan)
    scores = by_kind(landed.scenarios["dirty"])
    assert scores["missing"].recall == 1.0 and scores["duplicate"].recall == 1.0
    assert scores["missing"].injected == len(keys_of(truth, "missing"))
    page = render_report(spec, landed.tables, landed.results, landed.provenance, plan=plan,
                         scenarios=landed.scenarios)
    assert "Scenarios: what the checks caught" in page
    assert f"<td class=mono>missing</td><td>defect</td><td class=num>{scores['missing'].injected}</td>" in page
    assert "Scenarios: what the checks caught" not in render_report(spec, landed.tables, landed.results,
                                                                    landed.provenance, plan=plan)


def truth_table(rows: list[tuple[str, str | None, str, str, str]]) -> pa.Table:
    return pa.Table.from_pylist([{
        "dataset": "shop", "scenario": "s", "table": "customers", "partition": None, "row_index": i,
        "row_key": key, "column": column, "kind": kind, "group": group, "violates": violates, "reason": None,
        "original": None, "injected": None} for i, (key, column, kind, group, violates) in enumerate(rows)],
        schema=GROUND_TRUTH_SCHEMA)
