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


LINK = """\
dataset: shop
seed: 5
tables:
  stores:
    rows: 300
    primary_key: store_id
    columns:
      store_id: sequence
  products:
    rows: 40
    primary_key: product_id
    columns:
      product_id: {gen: sequence, start: 1001}
  inventory:
    rows: {per: stores, count: "uniform(1, 40)"}
    primary_key: [store_id, product_id]
    columns:
      store_id: {ref: stores.store_id}
      product_id: {ref: products.product_id, unique_within: store_id}
      on_hand: {gen: integer, min: 0, max: 50}
"""


def test_a_link_table_gets_a_different_second_parent_for_each_row_of_the_first():
    """A key of two references (stores × products): the references of one store all differ, every product
    is reachable, and the table is the same whatever the chunk size."""
    plan = _plan(LINK)
    inventory = plan.table("inventory").to_table(chunk_size=997)
    assert inventory.num_rows > 5_000
    assert inventory.group_by(["store_id", "product_id"]).aggregate([]).num_rows == inventory.num_rows
    products = pc.unique(inventory["product_id"]).to_pylist()
    assert sorted(products) == list(range(1001, 1041))  # uniform over the 40 products, all of them used
    full = inventory.group_by("store_id").aggregate([("product_id", "count")])
    assert pc.max(full["product_id_count"]).as_py() == 40  # a store with all 40 products: still distinct
    assert plan.table("inventory").to_table(chunk_size=100_000).equals(inventory)


def test_a_link_table_with_more_rows_per_group_than_parents_is_refused():
    """At validation when the counts say so, and when generated at a scale that leaves too few parents."""
    issue = single_issue(LINK.replace('"uniform(1, 40)"', '"uniform(41, 45)"'))
    assert "may have up to 45 inventory rows but 'products' has 40" in issue.message
    assert issue.suggestion == "add max: 40 to the rows of 'inventory'"
    from mock_pipelines.core.engine import PlanOptions

    plan = DatasetPlan(load_dataset(FILE, text=LINK), PlanOptions(scale=0.5))
    with pytest.raises(Exception, match=r"inventory.product_id \(unique_within\): a group has \d+ rows but "
                                        r"'products' only 20"):
        plan.table("inventory").to_table()


@pytest.mark.parametrize("change, reason", [
    ("{ref: products.product_id, unique_within: store_id}",
     None),
    ("{ref: products.product_id, unique_within: store_id, skew: zipf(1.1)}",
     "skew would repeat popular parents"),
])
def test_a_reference_unique_within_its_parent_is_refused_with_skew(change, reason):
    text = LINK.replace("{ref: products.product_id, unique_within: store_id}", change)
    if reason is None:
        load_dataset(FILE, text=text)
        return
    issue = single_issue(text)
    assert reason in issue.message and "a reference is unique within a parent only when" in issue.message
