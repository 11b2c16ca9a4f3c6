"""`before:` as well as `after:`, and several bounds at once, on the date and timestamp generators: the value
is drawn inside the intersection of the bounds of each row, and the derived checks prove every bound."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines_tests.quality.support import check, failures

SCHEMA = """\
dataset: clinic
tables:
  clinics:
    primary_key: clinic_id
    rows: 200
    columns:
      clinic_id: sequence
      opened_at: {gen: timestamp, start: "2018-01-01", end: "2019-12-31"}
      closed_at: {gen: timestamp, after: opened_at, min_delay_days: 400, max_delay_days: 2000, null_rate: 0.3}
  patients:
    primary_key: patient_id
    rows: 50000
    columns:
      patient_id: sequence
      clinic_id: {ref: clinics.clinic_id}
      registered_at: {gen: timestamp, after: clinic_id.opened_at, max_delay_days: 700}
  appointments:
    primary_key: appointment_id
    rows: 1000000
    columns:
      appointment_id: sequence
      patient_id: {ref: patients.patient_id}
      booked_at: {gen: timestamp, start: "2019-01-01", end: "2021-12-31", null_rate: 0.05}
      scheduled_at: {gen: timestamp, after: [patient_id.registered_at, booked_at], before: closes_at,
                     max_delay_days: 60}
      closes_at: {expr: "patient_id.clinic_id.closed_at", type: timestamp}
      reminder_on: {gen: date, before: scheduled_at, max_delay_days: 3}
      followup_on: {gen: date, after: [scheduled_at, reminder_on], before: last_day, max_delay_days: 30}
      last_day: {expr: "date(patient_id.clinic_id.closed_at)", type: date}
"""

US_PER_DAY = 86_400_000_000


def _tables(text=SCHEMA, chunk_size=262_144, rows=None):
    plan = DatasetPlan(load_dataset("c.yaml", text=text), PlanOptions(rows=rows))
    return plan, {n: plan.table(n).to_table(chunk_size=chunk_size) for n in plan.order()}


def _us(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    arr = col.combine_chunks()
    if pa.types.is_date(arr.type):
        values = arr.cast(pa.int32()).cast(pa.int64())
    else:
        values = arr.cast(pa.int64())
    null = np.asarray(arr.is_null().to_numpy(zero_copy_only=False))
    return np.asarray(values.fill_null(0).to_numpy()), null


def test_every_value_lies_inside_the_intersection_of_its_bounds():
    _, t = _tables()
    a = t["appointments"]
    assert a.num_rows == 1_000_000
    reg_of_patient, _ = _us(t["patients"]["registered_at"])
    reg = reg_of_patient[np.asarray(a["patient_id"].to_numpy()) - 1]
    booked, booked_null = _us(a["booked_at"])
    closes, closes_null = _us(a["closes_at"])
    sched, sched_null = _us(a["scheduled_at"])
    lo = np.where(booked_null, reg, np.maximum(reg, booked))
    hi = np.where(closes_null, lo + 60 * US_PER_DAY, np.minimum(lo + 60 * US_PER_DAY, closes))
    empty = hi < lo
    assert empty.any() and (~empty).sum() > 850_000  # some rows fall after their clinic closed, most do not
    assert np.array_equal(sched_null, empty)  # null exactly where no moment respects every bound
    ok = ~sched_null
    assert (sched[ok] >= lo[ok]).all() and (sched[ok] <= hi[ok]).all()
    assert (sched[ok] == hi[ok]).any() or (sched[ok] - lo[ok]).max() > 59 * US_PER_DAY  # the whole window is used

    reminder, reminder_null = _us(a["reminder_on"])
    sched_day = np.floor_divide(sched, US_PER_DAY)
    assert np.array_equal(reminder_null, sched_null)
    r = ~reminder_null
    assert (reminder[r] <= sched_day[r]).all() and (reminder[r] >= sched_day[r] - 3).all()
    assert set(np.unique(sched_day[r] - reminder[r])) == {0, 1, 2, 3}

    follow, follow_null = _us(a["followup_on"])
    last, last_null = _us(a["last_day"])
    f = ~follow_null & ~sched_null
    assert (follow[f] >= sched_day[f]).all() and (follow[f] >= reminder[f]).all()
    assert (follow[f & ~last_null] <= last[f & ~last_null]).all()
    assert (follow[f] <= sched_day[f] + 30).all()
    only_before = sched_null & ~last_null  # every after-bound null: the window ends at the before-bound
    assert only_before.any() and not follow_null[only_before].any()
    assert ((last - follow)[only_before] >= 0).all() and ((last - follow)[only_before] <= 30).all()


def test_one_bound_written_as_a_list_holds_like_the_single_form():
    text = SCHEMA.replace("after: clinic_id.opened_at, max_delay_days: 700",
                          "after: [clinic_id.opened_at], max_delay_days: 700")
    for schema in (SCHEMA, text):
        _, t = _tables(schema, rows={"appointments": 10})
        opened, _ = _us(t["clinics"]["opened_at"])
        reg, reg_null = _us(t["patients"]["registered_at"])
        bound = opened[np.asarray(t["patients"]["clinic_id"].to_numpy()) - 1]
        assert not reg_null.any() and (reg >= bound).all() and (reg <= bound + 700 * US_PER_DAY).all()


def test_bounds_do_not_depend_on_the_chunk_size():
    _, small = _tables(chunk_size=9_999, rows={"appointments": 60_000})
    _, large = _tables(chunk_size=1 << 20, rows={"appointments": 60_000})
    for name in small:
        assert small[name].equals(large[name]), name


def test_the_derived_checks_prove_every_bound_and_catch_a_violation():
    plan, t = _tables(rows={"appointments": 20_000})
    spec = plan.spec
    results = check(spec, "appointments", t["appointments"], tables=t, plan=plan, engine="stream")
    for name in ("after__scheduled_at__booked_at", "before__scheduled_at", "before__reminder_on",
                 "after__followup_on__reminder_on", "before__followup_on"):
        assert name in results and results[name].passed, (name, results.get(name))
    assert "after_parent__scheduled_at" in results and results["after_parent__scheduled_at"].passed
    assert not failures(results), failures(results)
    # moving one scheduled_at an hour after its clinic closed fails the before rule
    a = t["appointments"]
    _, closes_null = _us(a["closes_at"])
    _, sched_null = _us(a["scheduled_at"])
    i = int(np.flatnonzero(~closes_null & ~sched_null)[0])
    values = a["scheduled_at"].to_pylist()
    values[i] = a["closes_at"][i].as_py() + __import__("datetime").timedelta(hours=1)
    bad = a.set_column(a.column_names.index("scheduled_at"), "scheduled_at",
                       pa.array(values, pa.timestamp("us")))
    broken = check(spec, "appointments", bad, plan=plan, engine="stream")
    assert not broken["before__scheduled_at"].passed


@pytest.mark.parametrize(("old", "new", "message", "hint"), [
    ("before: closes_at,", "before: closes_a,", "unknown column 'closes_a'", "closes_at"),
    ("before: closes_at,", "before: [closes_at, patient_id.clinic_id.close_at],", "has no column 'close_at'",
     "closed_at"),
    ("before: closes_at,", "before: 3,", "before", None),
])
def test_a_bound_that_is_not_a_column_is_refused_at_its_line(old, new, message, hint):
    with pytest.raises(SchemaError) as info:
        load_dataset("c.yaml", text=SCHEMA.replace(old, new))
    issues = [i for i in info.value.issues if message in str(i)]
    assert issues and str(issues[0]).startswith("c.yaml:24:"), info.value.issues
    if hint:
        assert hint in (issues[0].suggestion or "")


def test_a_window_provably_empty_is_refused_with_a_suggestion():
    text = SCHEMA.replace("before: closes_at,\n                     max_delay_days: 60}",
                          "before: booked_at,\n                     min_delay_days: 1, max_delay_days: 60}")
    with pytest.raises(SchemaError) as info:
        load_dataset("c.yaml", text=text)
    (issue,) = info.value.issues
    assert str(issue).startswith("c.yaml:24:") and "no moment is left" in issue.message
    assert "min_delay_days: 0" in (issue.suggestion or "")
