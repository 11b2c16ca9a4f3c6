"""Every rule kind gives the same verdict under Great Expectations and under the pyarrow evaluators used
for large tables, on data with nulls in every nullable column: nulls are never values outside a set, a
range or a pattern. The engine is chosen through the size threshold, and the distinct-values shortcut of
the pyarrow evaluators through its probe size, so small tables exercise the large-table paths."""

from __future__ import annotations

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.quality import arrow_checks
from mock_pipelines.quality.gx_runner import validate_table
from mock_pipelines.quality.rules import CHECK_EXPECTATION, CHECKSUM_EXPECTATION, derive_rules, expected_rows
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.quality.support import set_values

SCHEMA = """\
dataset: nulls
tables:
  things:
    rows: 1500
    primary_key: thing_id
    columns:
      thing_id: sequence
      label: {gen: constant, value: fixed, null_rate: 0.2}           # a plain string column
      color: {gen: choice, values: [red, green, blue], null_rate: 0.2}   # dictionary-encoded
      code: {gen: pattern, format: "AB-####", null_rate: 0.2}
      qty: {gen: integer, min: 1, max: 9, null_rate: 0.2}
      price: {dist: "lognormal(3, 0.5)", type: "decimal(10,2)", null_rate: 0.2}
      score: {dist: "normal(50, 10)", null_rate: 0.2}
      email: {gen: email, unique: true, null_rate: 0.2}
      start_ts: {gen: timestamp, start: "2024-01-01", end: "2024-06-30", null_rate: 0.2}
      end_ts: {gen: timestamp, after: start_ts, max_delay_days: 30}
      day: {gen: date, start: "2024-01-01", end: "2024-12-31", null_rate: 0.2}
      flag: {gen: boolean, null_rate: 0.2}
      title: {gen: sentence, max_length: 20, null_rate: 0.2}            # values cut: a length rule
  parts:
    rows: {per: things, count: poisson(2)}
    primary_key: [thing_id, part_no]
    columns:
      thing_id: {ref: things.thing_id}
      part_no: child_index
      note: {gen: choice, values: [a, b], null_rate: 0.3}
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """The tables, their rules and the verdicts of Great Expectations (computed once: GX is the slow part)."""
    path = tmp_path_factory.mktemp("nulls") / "nulls.yaml"
    path.write_text(SCHEMA)
    spec = load_dataset(path)
    plan = DatasetPlan(spec)
    checked = {}
    for name in plan.order():
        data = plan.table(name).to_table()
        rules = derive_rules(spec, name, expected_rows(plan, name))
        checked[name] = (data, rules, _verdicts(data, rules, engine_threshold=10 * data.num_rows))
    return spec, plan, checked


def _verdicts(data: pa.Table, rules, engine_threshold: int) -> dict[str, tuple[bool, int | None, str]]:
    results = validate_table(data, rules, engine="auto", arrow_above_rows=engine_threshold)
    return {r.name: (r.passed, r.unexpected_count, r.engine) for r in results}


@pytest.mark.parametrize("probe_rows", [arrow_checks.PROBE_ROWS, 100], ids=["row-by-row", "distinct-values"])
def test_every_rule_kind_gives_the_same_verdict_on_both_engines_with_nulls(dataset, probe_rows, monkeypatch):
    monkeypatch.setattr(arrow_checks, "PROBE_ROWS", probe_rows)
    _spec, _plan, checked = dataset
    kinds = set()
    for name, (data, rules, by_gx) in checked.items():
        assert any(col.null_count for col in data.columns), name
        kinds |= {r.expectation for r in rules if r.expectation}
        by_arrow = _verdicts(data, rules, engine_threshold=0)
        assert {e for _, _, e in by_gx.values()} == {"gx"} and {e for _, _, e in by_arrow.values()} == {"arrow"}
        for rule, (passed, unexpected, _) in by_gx.items():
            assert passed, (rule, "correct data must pass under GX")
            assert by_arrow[rule][0] == passed, (rule, by_arrow[rule], by_gx[rule])
            if unexpected is not None and by_arrow[rule][1] is not None:  # rules that count offending rows
                assert by_arrow[rule][1] == unexpected, (rule, by_arrow[rule], by_gx[rule])
    # `checks:` rules run on pyarrow under either engine: GX runs UnexpectedRowsExpectation on SQL sources
    # only (their verdicts on nulls: mock_pipelines_tests/quality/test_table_check_rules.py); so do check
    # digits, which GX has no expectation for (mock_pipelines_tests/quality/test_checksum_rules.py)
    evaluated = set(arrow_checks.EVALUATORS) - {CHECK_EXPECTATION, CHECKSUM_EXPECTATION}
    assert kinds == evaluated, evaluated ^ kinds


@pytest.mark.parametrize("probe_rows", [arrow_checks.PROBE_ROWS, 100], ids=["row-by-row", "distinct-values"])
def test_values_outside_a_set_next_to_nulls_are_counted_alike_on_both_engines(dataset, probe_rows, monkeypatch):
    monkeypatch.setattr(arrow_checks, "PROBE_ROWS", probe_rows)
    spec, plan, checked = dataset
    data = checked["things"][0]
    label = data.column("label").to_pylist()
    rows = [i for i, v in enumerate(label) if v is not None][:4]
    bad = set_values(data, "label", dict.fromkeys(rows, "other"))
    rules = [r for r in derive_rules(spec, "things", expected_rows(plan, "things")) if r.name == "values_in_set__label"]
    assert rules
    expected = (False, 4)
    assert _verdicts(bad, rules, engine_threshold=10 * bad.num_rows)["values_in_set__label"][:2] == expected
    assert _verdicts(bad, rules, engine_threshold=0)["values_in_set__label"][:2] == expected
