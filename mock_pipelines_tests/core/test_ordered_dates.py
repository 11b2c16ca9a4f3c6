"""`date` with `ordered: true`: in a table laid out per parent, the dates increase strictly from row to row of
a parent (the window cut into one share per sibling), so a self-reference picked `within:` its group — always
an earlier row — points at an earlier date. Proven on every row of a million, with the weekday weights kept,
by the derived `after_parent__<col>__<ref>` check (which catches a broken row), the same whatever the chunk
size; a layout or a window that cannot hold the order is refused where it is written."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.quality.cross_table import check_cross_table, columns_read, derive_cross_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines_tests.schema.test_validation import FILE, assert_at, single_issue

SCHEMA = """\
dataset: firms
seed: 5
tables:
  departments:
    rows: 10000
    primary_key: department_id
    columns:
      department_id: {gen: sequence, start: 0}
  staff:
    rows: {per: departments, count: "uniform(1, 200)"}
    primary_key: staff_id
    columns:
      staff_id: {gen: sequence, start: 0}
      department_id: {ref: departments.department_id}
      supervisor_id: {ref: staff.staff_id, within: department_id}
      hired:
        gen: date
        start: "2000-01-01"
        end: "2024-12-31"
        weekday_weights: [3, 1, 1, 1, 0.5, 0, 0]
        ordered: true
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("ordered") / "firms.yaml"
    path.write_text(SCHEMA)
    return DatasetPlan(load_dataset(path))


@pytest.fixture(scope="module")
def staff(plan):
    return plan.table("staff").to_table()


def _np(table: pa.Table, column: str) -> np.ndarray:
    return table.column(column).to_numpy(zero_copy_only=False)


def _days(table: pa.Table) -> np.ndarray:
    return pc.cast(table.column("hired"), pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)


def test_dates_increase_strictly_from_row_to_row_of_each_department(staff):
    assert staff.num_rows > 900_000
    department, days = _np(staff, "department_id"), _days(staff)
    same = department[1:] == department[:-1]
    assert same.sum() > 900_000 and np.all(np.diff(days)[same] > 0)
    first = dt.date(2000, 1, 1).toordinal() - dt.date(1970, 1, 1).toordinal()
    last = dt.date(2024, 12, 31).toordinal() - dt.date(1970, 1, 1).toordinal()
    assert days.min() >= first and days.max() <= last


def test_the_column_keeps_the_weekday_weights_and_spreads_over_the_window(staff):
    days = _days(staff)
    weekday = np.bincount((days + 3) % 7, minlength=7) / len(days)  # Monday = 0
    assert weekday[5] == weekday[6] == 0  # weight 0: never at weekends
    assert np.allclose(weekday[:5], np.array([3, 1, 1, 1, 0.5]) / 6.5, atol=0.005)
    years = pc.year(staff.column("hired")).to_numpy(zero_copy_only=False)
    share = np.bincount(years - 2000, minlength=25) / len(years)
    assert np.all(np.abs(share - 1 / 25) < 0.004)  # the window's share of each year, not crowded at the start


def test_a_supervisor_was_hired_before_everyone_they_supervise(staff):
    supervisor = staff.column("supervisor_id")
    valid = pc.is_valid(supervisor).to_numpy(zero_copy_only=False)
    boss = pc.fill_null(supervisor, 0).to_numpy(zero_copy_only=False)[valid]  # staff_id = row index
    days, department = _days(staff), _np(staff, "department_id")
    assert np.all(days[boss] < days[valid]) and np.array_equal(department[boss], department[valid])
    assert (~valid).sum() == len(np.unique(department))  # the first of each department supervises the others


def test_the_derived_check_holds_on_every_row_and_catches_a_later_supervisor(plan, staff):
    rules = {r.name: r for r in derive_cross_rules(plan.spec, "staff")}
    rule = rules["after_parent__hired__supervisor_id"]
    assert rule.kind == "temporal" and rule.params["parent"] == "staff" and rule.params["strict"] is True
    assert "same_group__supervisor_id" in rules
    data = staff.select(sorted(columns_read([rule], "staff")["staff"]))
    result = check_cross_table([rule], data, {})[0]
    assert result.passed and result.evaluated_rows == staff.num_rows, result.observed
    assert result.expected == "hired > staff.hired"
    # the tenth row of the first department hired the same day as its supervisor: not after, so refused
    row = 9
    boss = staff.column("supervisor_id")[row].as_py()
    hired = staff.column("hired").to_pylist()
    hired[row] = hired[boss]
    broken = data.set_column(data.column_names.index("hired"), "hired", pa.array(hired, pa.date32()))
    result = check_cross_table([rule], broken, {})[0]
    assert not result.passed and result.unexpected_count == 1
    assert result.examples[0]["hired"] == result.examples[0]["staff.hired"]


def test_same_dates_whatever_the_chunk_size_or_the_rows_asked_for(plan, staff):
    tp = plan.table("staff")
    assert tp.to_table(1234, 301_234, chunk_size=997).equals(staff.slice(1234, 300_000))
    rows = np.sort(np.random.default_rng(9).choice(staff.num_rows, 4_000, replace=False))[::-1].copy()
    alone = tp.compute(rows, ["hired", "supervisor_id"])
    expected = staff.take(pa.array(rows))
    assert alone.column("hired").equals(expected.column("hired").combine_chunks())
    assert alone.column("supervisor_id").equals(expected.column("supervisor_id").combine_chunks())


# ---- refusals ---------------------------------------------------------------------------------------------

SMALL = SCHEMA.replace("rows: 10000\n", "rows: 10\n").replace('count: "uniform(1, 200)"', 'count: "uniform(1, 30)"')


def test_ordered_dates_need_a_table_laid_out_per_parent():
    text = SMALL.replace('    rows: {per: departments, count: "uniform(1, 30)"}', "    rows: 200") \
        .replace("      supervisor_id: {ref: staff.staff_id, within: department_id}\n", "")
    issue = single_issue(text)
    assert issue.message == ("staff.hired (date, ordered): dates increase with the row's position among its "
                             "parent's rows, but 'staff' is not laid out per parent row")
    assert issue.suggestion == "lay 'staff' out rows: {per: <parent table>, count: …}, or drop ordered"
    assert_at(issue, text, "hired:", after="      ")


def test_more_siblings_than_the_window_has_days_for_is_refused_with_the_most_it_holds():
    text = SMALL.replace('start: "2000-01-01"', 'start: "2024-12-02"')  # weight 4 × 6.5 + 3 + 1 = 30, a Monday 3: 10 shares
    issue = single_issue(text)
    assert issue.message == ("staff.hired (date, ordered): a departments row may have 30 staff rows, but the window "
                             "has a day of its own for at most 10 of them")
    assert issue.suggestion == "add max: 10 to the rows of 'staff', or widen start/end"
    assert_at(issue, text, "hired:", after="      ")
    at_most = text.replace('count: "uniform(1, 30)"', 'count: "uniform(1, 30)", max: 10') \
        .replace("rows: 10\n", "rows: 3000\n")
    staff = DatasetPlan(load_dataset(FILE, text=at_most)).table("staff").to_table()
    department, days = _np(staff, "department_id"), _days(staff)
    assert np.bincount(department).max() == 10  # full departments: one day of each share
    assert np.all(np.diff(days)[department[1:] == department[:-1]] > 0)


def test_ordered_dates_with_a_delay_after_another_column_are_refused_before_anything_is_written():
    text = SMALL.replace("        ordered: true\n", "        ordered: true\n        after: department_id.opened\n") \
        .replace("      department_id: {gen: sequence, start: 0}\n",
                 "      department_id: {gen: sequence, start: 0}\n      opened: {gen: date}\n")
    spec = load_dataset(FILE, text=text)
    with pytest.raises(SchemaError) as caught:
        DatasetPlan(spec).check()
    issue = caught.value.issues[0]
    assert "staff.hired" in issue.message and "ordered" in issue.message and "cannot be combined" in issue.message


def test_dates_without_ordered_keep_the_spec_hash_they_had_before_the_parameter_existed():
    spec = load_dataset(FILE, text=SMALL.replace("        ordered: true\n", ""))
    assert spec.tables["staff"].columns["hired"].params["ordered"] is False  # filled in with its default
    before = spec.spec_hash("staff"), spec.spec_hash()
    for table in spec.tables.values():
        for col in table.columns.values():
            col.params.pop("ordered", None)  # the parameters as they were
    assert (spec.spec_hash("staff"), spec.spec_hash()) == before
    assert load_dataset(FILE, text=SMALL).spec_hash("staff") != before[0]


def test_a_date_after_the_same_date_of_the_referenced_row_is_refused_with_ordered_as_the_way():
    text = SMALL.replace("        ordered: true\n", "").replace(
        '        start: "2000-01-01"\n        end: "2024-12-31"\n        weekday_weights: [3, 1, 1, 1, 0.5, 0, 0]\n',
        "        after: supervisor_id.hired\n")
    issue = single_issue(text)
    assert issue.message == ("column staff.hired reads 'supervisor_id.hired', its own value on the staff row "
                             "'supervisor_id' references: that row's value needs the row it references in turn, "
                             "and so on up to the root")
    assert issue.suggestion == ("give hired `ordered: true` and pick supervisor_id `within:` the `per:` reference, "
                                "so the referenced (earlier) row's hired is earlier")
    assert_at(issue, text, "hired:", after="      ")
