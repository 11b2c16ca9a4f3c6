"""`mock-pipelines validate` checks the VALUES of a schema's expectation arguments against the types Great
Expectations declares for them (read from its source, never imported): each bad value at its own
file:line:column with what was expected and a suggestion; a missing required argument at the expectation."""

from __future__ import annotations

import ast
import datetime as dt

import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.quality.expectation_values import _kinds, value_problem
from mock_pipelines.quality.expectations import ancestors, arguments, expectation_names

BAD = """\
dataset: t
tables:
  a:
    rows: 3
    expectations:
      - {type: ExpectColumnValuesToBeInSet, column: x}
      - {type: ExpectTableRowCountToBeBetween, min_value: 10, max_value: 5}
    columns:
      x:
        gen: sequence
        expect:
          - {type: ExpectColumnValuesToBeBetween, min_value: "10", mostly: 95}
          - {type: ExpectColumnValuesToMatchRegex, regex: "([a-z"}
          - {type: ExpectColumnValuesToBeInSet, value_set: 3}
          - {type: ExpectColumnValuesToBeIncreasing, strictly: "yes"}
          - {type: ExpectColumnValuesToNotBeOutliers, method: iq}
          - {type: ExpectColumnValuesToBeBetween}
"""

GOOD = """\
dataset: t
tables:
  a:
    rows: 3
    expectations:
      - {type: ExpectTableRowCountToBeBetween, min_value: 1, max_value: 5}
      - {type: ExpectMulticolumnSumToEqual, column_list: [x, y], sum_total: 10}
    columns:
      x: {gen: sequence, expect: [{type: ExpectColumnValuesToBeBetween, min_value: 1, mostly: 0.95},
                                  {type: ExpectColumnValuesToBeInSet, value_set: [1, 2, 3], mostly: 1}]}
      y: {gen: date, expect: {type: ExpectColumnValuesToBeBetween, min_value: 2020-01-01, max_value: "2030-01-01"}}
      z: {gen: pattern, format: "AB-###", expect: {type: ExpectColumnValuesToMatchRegex, regex: "^AB-\\\\d{3}$"}}
"""


def _validate(tmp_path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    done = CliRunner().invoke(app, ["validate", str(path)])
    return done, " ".join(done.output.split()), path


def test_validate_reports_each_bad_argument_value_at_its_line_with_what_was_expected(tmp_path):
    done, text, path = _validate(tmp_path, BAD)
    assert done.exit_code == 1, done.output
    assert f"{path}:6:9: expectation ExpectColumnValuesToBeInSet of 'a' needs value_set" in text
    assert f"{path}:7:59: expectation ExpectTableRowCountToBeBetween of 'a': min_value 10 is above max_value 5: " \
           "no value can pass expected: min_value ≤ max_value hint: swap the two values" in text
    assert f"{path}:12:62: expectation ExpectColumnValuesToBeBetween of 'a': min_value: a text '10' is not a value " \
           "min_value takes expected: a number, a date (2024-01-31) or a date and time (2024-01-31 08:00:00) " \
           "hint: write the number without quotes: 10" in text
    assert f"{path}:12:76: expectation ExpectColumnValuesToBeBetween of 'a': mostly: a number 95 is not a value " \
           "mostly takes expected: a share between 0 and 1 (0.95: 95% of the rows) hint: write the share of rows " \
           "that must pass, e.g. 0.95 for 95%" in text
    assert f"{path}:13:59: expectation ExpectColumnValuesToMatchRegex of 'a': regex: '([a-z' is not a valid " \
           "regular expression (unterminated character set at position 1)" in text
    assert f"{path}:14:60: expectation ExpectColumnValuesToBeInSet of 'a': value_set: a number 3 is not a value " \
           "value_set takes expected: a list of one value or more ([a, b]) hint: write it as a list: [3]" in text
    assert f"{path}:15:64: expectation ExpectColumnValuesToBeIncreasing of 'a': strictly: a text 'yes' is not a " \
           "value strictly takes expected: true or false hint: write true or false" in text
    assert f"{path}:16:63: expectation ExpectColumnValuesToNotBeOutliers of 'a': method: a text 'iq' is not a " \
           "value method takes expected: one of 'iqr', 'std' hint: did you mean 'iqr'?" in text
    assert f"{path}:17:13: expectation ExpectColumnValuesToBeBetween of 'a' needs min_value or max_value" in text
    assert text.startswith("9 problems found — nothing was generated")


def test_validate_accepts_values_of_the_types_great_expectations_declares(tmp_path):
    done, text, _ = _validate(tmp_path, GOOD)
    assert done.exit_code == 0, done.output
    assert "dataset t, 1 tables" in text


VALUES = [1, 0.5, 5, -1, True, "abc", "10", "2024-01-01", "2024-01-01 08:00:00", dt.date(2024, 1, 1),
          dt.datetime(2024, 1, 1, 8), [1, 2], ["a"], ["a", "b"], [], {"k": 1}, {"$PARAMETER": "x"}, None, "iqr",
          "any", "\\"]


@pytest.fixture(scope="module")
def gx():
    import great_expectations.expectations as gx  # the final word: GX's own models (costs seconds)

    return gx


def test_a_value_validate_accepts_is_one_great_expectations_accepts(gx):
    """For every argument of every GX expectation whose type the table knows, and a spread of YAML values:
    what validate lets through, GX's own field validation takes (validate may be stricter: a quoted number
    is refused with a hint, though pydantic would read it)."""
    checked = 0
    for name in expectation_names():
        model = getattr(gx, name)
        for argument in arguments(name).values():
            if _kinds(ast.parse(argument.annotation, mode="eval").body) is None:
                continue
            field = model.__fields__[argument.name]
            for value in VALUES:
                if value_problem(argument, value, ancestors(name)) is None:
                    _, errors = field.validate(value, {}, loc=argument.name, cls=model)
                    assert not errors, (name, argument.name, value)
                    checked += 1
    assert checked > 1000


def test_required_arguments_read_from_the_source_are_those_great_expectations_requires(gx):
    for name in expectation_names():
        required = {k for k, f in getattr(gx, name).__fields__.items() if f.required}
        assert {a.name for a in arguments(name).values() if a.required} == required, name


def test_a_column_expectation_naming_another_column_that_does_not_exist_is_reported_at_it(tmp_path):
    text = ("dataset: t\ntables:\n  a:\n    rows: 3\n    columns:\n      amount: sequence\n"
            "      x: {gen: sequence, expect: {type: ExpectColumnValuesToBeBetween, column: amout, min_value: 1}}\n")
    done, said, path = _validate(tmp_path, text)
    assert done.exit_code == 1
    assert f"{path}:7:80: expectation ExpectColumnValuesToBeBetween of 'a': column names unknown column 'amout' " \
           "hint: did you mean 'amount'?" in said
