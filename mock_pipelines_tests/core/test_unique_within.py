"""`unique_within: fk`: no value repeats among the rows of one parent — checked on every parent of a
million-row child table — the same whatever the chunk size, proven by a derived compound-uniqueness rule,
and refused (file:line:col, suggestion) where it is not true by construction."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.quality.rules import derive_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.schema.test_validation import FILE, assert_at, single_issue

SCHEMA = """\
dataset: clinics
seed: 3
tables:
  clinics:
    rows: 150000
    primary_key: clinic_id
    columns:
      clinic_id: sequence
  departments:
    rows: {per: clinics, count: "uniform(1, 12)"}
    primary_key: [clinic_id, dept_code]
    columns:
      clinic_id: {ref: clinics.clinic_id}
      dept_no: child_index
      dept_code: {template: "D{dept_no}", unique_within: clinic_id}
      name:
        gen: choice
        values: [Cardiology, Oncology, Radiology, Pediatrics, Neurology, Surgery, Emergency, Dermatology,
                 Orthopedics, Psychiatry, Urology, Gastroenterology]
        unique_within: clinic_id
      room: {gen: pattern, format: "R-##", unique_within: clinic_id}
"""


def _plan(text: str = SCHEMA) -> DatasetPlan:
    return DatasetPlan(load_dataset(FILE, text=text))


def _distinct_within(table: pa.Table, column: str) -> bool:
    return table.group_by(["clinic_id", column]).aggregate([]).num_rows == table.num_rows


@pytest.fixture(scope="module")
def departments() -> pa.Table:
    return _plan().table("departments").to_table(chunk_size=300_000)


@pytest.mark.parametrize("column", ["name", "room", "dept_code"])
def test_no_value_repeats_within_any_parent_at_1m_rows(departments, column):
    assert departments.num_rows > 900_000
    assert _distinct_within(departments, column)


def test_values_still_vary_between_parents(departments):
    counts = departments["name"].value_counts().field("counts").to_numpy()
    assert len(counts) == 12 and counts.min() > 0.9 * counts.max()  # each name about as often
    first = departments.filter(pc.equal(departments["dept_no"], 1))
    assert len(first["room"].value_counts()) > 90  # the first department's room is not always the same


def test_values_do_not_depend_on_the_chunk_size():
    table = _plan(SCHEMA.replace("rows: 150000", "rows: 500")).table("departments")
    whole = table.to_table(chunk_size=100_000)
    assert table.to_table(chunk_size=13).equals(whole)
    assert table.to_table(start=101, stop=2000, chunk_size=99).equals(whole.slice(101, 1899))


def test_a_derived_compound_rule_proves_it():
    spec = load_dataset(FILE, text=SCHEMA)
    rules = {r.name: r for r in derive_rules(spec, "departments", 1000)}
    assert rules["unique_within__name"].expectation == "ExpectCompoundColumnsToBeUnique"
    assert rules["unique_within__name"].kwargs == {"column_list": ["clinic_id", "name"]}
    assert "unique_within__dept_code" not in rules  # the primary key (clinic_id, dept_code) says it already


@pytest.mark.parametrize(("change", "message", "suggestion"), [
    ('room: {gen: pattern, format: "R-#", unique_within: clinic_id}',
     "departments.room (unique_within: clinic_id): 'pattern' has 10 distinct values but a clinics row "
     "may have up to 12 departments rows", "add max: 10 to the rows of 'departments', or use a generator with "
     "more values"),
    ("room: {gen: normal, unique_within: clinic_id}",
     "departments.room (unique_within: clinic_id): generator 'normal' cannot guarantee unique values", None),
    ('room: {gen: pattern, format: "R-##", unique_within: clinic}',
     "departments.room (unique_within: clinic): 'clinic' is not a foreign-key column of 'departments'",
     "clinic_id"),
    ('room: {template: "R{dept_no}{dept_no}", unique_within: clinic_id}',
     "departments.room (unique_within: clinic_id) is not unique within its clinics by construction", None),
])
def test_refused_where_not_unique_by_construction(change, message, suggestion):
    text = SCHEMA.replace('room: {gen: pattern, format: "R-##", unique_within: clinic_id}', change)
    issue = single_issue(text)
    assert issue.message == message
    if suggestion is not None:
        assert issue.suggestion == suggestion
    else:
        assert issue.suggestion
    assert_at(issue, text, "room:")


def test_refused_when_the_rows_are_not_laid_out_per_that_parent():
    text = SCHEMA.replace('rows: {per: clinics, count: "uniform(1, 12)"}', "rows: 100") \
        .replace("primary_key: [clinic_id, dept_code]", "primary_key: dept_no").replace(
            "dept_no: child_index", "dept_no: sequence").replace(
            '      dept_code: {template: "D{dept_no}", unique_within: clinic_id}\n', "").replace(
            "        unique_within: clinic_id\n", "").replace(
            'room: {gen: pattern, format: "R-##", unique_within: clinic_id}', 'room: {gen: pattern, format: "R-##"}')
    text = text.replace('room: {gen: pattern, format: "R-##"}', 'room: {gen: pattern, format: "R-##", '
                        'unique_within: clinic_id}')
    issue = single_issue(text)
    assert "the rows of 'departments' are not laid out per clinics row" in issue.message
    assert issue.suggestion == "lay the rows out per parent: rows: {per: clinics, count: …}"
    assert_at(issue, text, "room:")
