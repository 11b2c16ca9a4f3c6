"""Validation catches what generation would fail on: every input below used to pass validation and then
crash generation with a traceback (or, worse, generate silently wrong values). Each is now one schema
problem at the column's value, with what was expected and a hint — and nothing is generated.
"""

from __future__ import annotations

import numpy as np
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import Issue, SchemaError

FILE = "bad.yaml"
HEAD = """\
dataset: bad
tables:
  items:
    rows: 50
    columns:
      id: sequence
      amount: {dist: "uniform(1, 100)", type: "decimal(12,2)"}
"""


def schema(column: str) -> str:
    return HEAD + f"      x: {column}\n"


def problems(text: str) -> list[Issue]:
    """The issues `validate` reports: parsing, then the plan's checks (which probe a few rows)."""
    with pytest.raises(SchemaError) as info:
        DatasetPlan(load_dataset(FILE, text=text)).check()
    return info.value.issues


def value_position(text: str, value: str) -> tuple[int, int]:
    i = text.index(value)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


CRASHES = [
    # (column, the text the issue must point at — the value, or the parameter's key —, words of the message)
    ("{gen: choice, values: []}", "values: []", "at least one value"),
    ("{gen: choice, values: {a: 0, b: 0}}", "values: {a", "positive sum"),
    ("{gen: day_of_week, weights: [0, 0, 0, 0, 0, 0, 0]}", "weights:", "positive sum"),
    ('{expr: "amount / 0"}', '"amount / 0"', "division by zero"),
    ('{expr: "1 // (2 - 2)"}', '"1 // (2 - 2)"', "division by zero"),
    ("{expr: \"date('2024-13-45')\"}", "\"date('2024-13-45')\"", "invalid date '2024-13-45'"),
    ("{expr: \"timestamp('2024-02-30 10:00')\"}", "\"timestamp(", "invalid timestamp"),
    ('{gen: integer, type: "decimal(100,50)"}', '"decimal(100,50)"', "precision 100 is above 38"),
    ('{gen: integer, type: "decimal(4,6)"}', '"decimal(4,6)"', "scale 6 is larger than precision 4"),
    ("{gen: timestamp, start: '2024-01-01', end: '2023-06-30'}", "end:", "start (2024-01-01) is after end"),
    ("{gen: date, start: 2024-01-01, end: 2023-06-30}", "end:", "start (2024-01-01) is after end"),
    ("{expr: \"timestamp('2024-01-01') + days(1e18)\"}", '"timestamp(', "out of range"),
    ("{expr: \"'a' * 1000000000\"}", "\"'a' * 1000000000\"", "does not apply to these types"),
    ('{expr: "id + 12345678901234567890123456789"}', '"id + 123', "does not fit a 64-bit integer"),
    ("{gen: integer, max: 12345678901234567890123456789}", "max:", "does not fit a 64-bit integer"),
    ('{expr: "round(amount, 10**12)"}', '"round(amount', "between -30 and 30"),
    ('{expr: "round(amount, id)"}', '"round(amount', "n must be a constant"),
]


@pytest.mark.parametrize(("column", "at", "words"), CRASHES, ids=[c[0] for c in CRASHES])
def test_what_generation_would_crash_on_is_a_schema_problem_at_the_column(column, at, words):
    text = schema(column)
    (issue,) = problems(text)
    assert issue.location.file == FILE
    assert (issue.location.line, issue.location.column) == value_position(text, at), str(issue)
    assert "column items.x" in issue.message and words in issue.message, str(issue)
    assert issue.expected or issue.suggestion, str(issue)


SILENTLY_WRONG = [
    ('{expr: "10**10**10"}', "overflows"),
    ('{expr: "2**100000000"}', "overflows"),
    ("{gen: integer, min: 5, max: 1}", "min (5) is larger than max (1)"),
    ('{dist: "normal(0, 1)", min: 3, max: -3}', "min (3.0) is larger than max (-3.0)"),
    ("{gen: date_of_birth, min_age: 60, max_age: 20}", "min_age (60) is larger than max_age (20)"),
    ('{gen: integer, type: "decimal(0,0)"}', "precision 0 holds no digit"),
]


@pytest.mark.parametrize(("column", "words"), SILENTLY_WRONG, ids=[c[0] for c in SILENTLY_WRONG])
def test_what_used_to_give_silently_wrong_values_is_a_schema_problem(column, words):
    (issue,) = problems(schema(column))
    assert words in issue.message and issue.location.line == 8, str(issue)


def test_decimal_with_scale_zero_keeps_scale_zero():
    plan = DatasetPlan(load_dataset(FILE, text=schema('{gen: integer, min: 1, max: 9, type: "decimal(5,0)"}')))
    plan.check()
    values = plan.table("items").to_table().column("x")
    assert str(values.type) == "decimal128(5, 0)"
    assert all(v == int(v) for v in values.to_pylist())


def test_uniform_over_the_whole_float_range_gives_finite_values_not_inf():
    plan = DatasetPlan(load_dataset(FILE, text=schema('{dist: "uniform(-1e308, 1e308)"}')))
    values = np.array(plan.table("items").to_table().column("x").to_pylist())
    assert np.isfinite(values).all()
    assert values.min() < -1e306 and values.max() > 1e306  # spread over the range, not collapsed


def test_every_problem_of_the_file_is_reported_at_once():
    text = HEAD + "      x: {gen: choice, values: []}\n      y: {gen: integer, min: 5, max: 1}\n" \
                  "      z: {expr: \"date('2024-13-45')\"}\n"
    assert [i.location.line for i in problems(text)] == [8, 9, 10]


# ---- the probe: whatever computing a column raises is a problem at that column ---------------------------

PROBED = HEAD + """\
      name: {gen: first_name}
      shout: {expr: "name * 2"}
      label: {expr: "upper(shout)"}
      day: {gen: day_of_week, weights: [1, 2]}
"""


def test_a_column_that_fails_to_compute_is_reported_at_that_column_not_at_its_readers():
    issues = problems(PROBED)
    assert [(i.location.line, i.location.column) for i in issues] == [(9, 7), (11, 7)], issues
    assert "column items.shout: generating its values fails" in issues[0].message
    assert "does not apply to these types" in issues[0].message
    assert "column items.day" in issues[1].message and "needs 7 weights, got 2" in issues[1].message
    assert all(i.suggestion for i in issues)


def test_the_probe_reaches_the_last_rows_of_a_table():
    # Only rows at the end of the table overflow: the first rows alone would pass.
    text = HEAD.replace("rows: 50", "rows: 3000000") + '      big: {expr: "id * 4000000000000"}\n'
    (issue,) = problems(text)
    assert issue.location.line == 8 and "overflow" in issue.message


def test_generate_writes_nothing_when_a_later_table_would_fail(tmp_path):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    schema_file = tmp_path / "two.yaml"
    schema_file.write_text("dataset: two\ntables:\n  good:\n    rows: 10\n    columns:\n      id: sequence\n"
                           "  bad:\n    rows: 10\n    columns:\n      id: sequence\n"
                           "      day: {gen: day_of_week, weights: [1, 2]}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["generate", str(schema_file), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{schema_file}:11:7: column bad.day" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.rglob("*"))


def test_run_reports_what_generation_would_fail_on_before_launching(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app
    from mock_pipelines_tests.defs.conftest import write_profile

    schema_file = tmp_path / "broken.yaml"
    schema_file.write_text("dataset: broken\ntables:\n  t:\n    rows: 10\n    columns:\n      id: sequence\n"
                           "      day: {gen: day_of_week, weights: [1, 2]}\n")
    profile = write_profile(tmp_path, datasets=[schema_file])
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["run", "--profile", str(profile), "--job", "broken__all_tables"])
    assert result.exit_code == 1, result.output
    assert f"{schema_file}:7:7: column t.day: generating its values fails" in result.output
    assert not (tmp_path / "out").exists()
