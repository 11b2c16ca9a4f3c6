"""Parent attributes at any depth (`appointment_id.doctor_id.base_fee`): each hop picks parent rows, the
last hop recomputes the column for them — equal, row by row, to a join of the generated tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

SCHEMA = """\
dataset: clinic
tables:
  clinics:
    primary_key: clinic_id
    rows: 50
    columns:
      clinic_id: sequence
      opened_at: {gen: timestamp, start: "2015-01-01", end: "2019-12-31"}
  doctors:
    primary_key: doctor_id
    rows: 2000
    columns:
      doctor_id: sequence
      clinic_id: {ref: clinics.clinic_id}
      base_fee: {gen: integer, min: 50, max: 400}
  appointments:
    primary_key: appointment_id
    rows: 20000
    columns:
      appointment_id: sequence
      doctor_id: {ref: doctors.doctor_id, null_rate: 0.1}
      booked_at: {gen: timestamp, after: doctor_id.clinic_id.opened_at, max_delay_days: 900}
  prescriptions:
    primary_key: prescription_id
    rows: 1000000
    columns:
      prescription_id: sequence
      appointment_id: {ref: appointments.appointment_id, skew: zipf(1.1)}
      fee: {expr: "appointment_id.doctor_id.base_fee * 2"}
      opened: {expr: "appointment_id.doctor_id.clinic_id.opened_at"}
      label: {template: "C{appointment_id.doctor_id.clinic_id}-{appointment_id.doctor_id}"}
"""


def _tables(text=SCHEMA, chunk_size=262_144, rows=None):
    plan = DatasetPlan(load_dataset("c.yaml", text=text), PlanOptions(rows=rows))
    return {n: plan.table(n).to_table(chunk_size=chunk_size) for n in plan.order()}


def _column(t: pa.Table, name: str) -> np.ndarray:
    return np.asarray(t[name].to_pandas())


def test_every_row_reads_the_value_of_the_row_its_chain_reaches():
    t = _tables()
    clinic_opened = _column(t["clinics"], "opened_at")  # sequence keys 1..n: key k is row k - 1
    doctor_fee = _column(t["doctors"], "base_fee")
    doctor_clinic = _column(t["doctors"], "clinic_id")
    appt_doctor = t["appointments"]["doctor_id"].to_pandas()
    p = t["prescriptions"]
    assert p.num_rows == 1_000_000
    appt = _column(p, "appointment_id") - 1
    doc = appt_doctor.to_numpy()[appt]
    has = ~np.isnan(doc.astype(float))
    d = doc[has].astype(np.int64) - 1
    fee = p["fee"].to_numpy(zero_copy_only=False)
    assert np.array_equal(fee[has].astype(np.int64), doctor_fee[d] * 2)
    assert p["fee"].null_count == int((~has).sum()) > 0  # a null hop makes the attribute null
    opened = _column(p, "opened")
    assert (opened[has] == clinic_opened[doctor_clinic[d] - 1]).all()
    labels = np.asarray(p["label"].to_pylist(), dtype=object)
    expected = np.char.add(np.char.add("C", doctor_clinic[d].astype(str)), np.char.add("-", (d + 1).astype(str)))
    assert (labels[has] == expected).all()


def test_a_generator_bound_reached_through_two_hops_holds_on_every_row():
    t = _tables(rows={"prescriptions": 10})
    a = t["appointments"]
    clinic_opened = _column(t["clinics"], "opened_at")
    doctor_clinic = _column(t["doctors"], "clinic_id")
    doc = a["doctor_id"].to_pandas().to_numpy()
    has = ~np.isnan(doc.astype(float))
    bound = clinic_opened[doctor_clinic[doc[has].astype(np.int64) - 1] - 1]
    booked = _column(a, "booked_at")
    assert (booked[has] >= bound).all()
    assert a["booked_at"].null_count == int((~has).sum())


def test_chains_do_not_depend_on_the_chunk_size():
    small = _tables(chunk_size=7_777, rows={"prescriptions": 100_000})
    large = _tables(chunk_size=1 << 20, rows={"prescriptions": 100_000})
    for name in small:
        assert small[name].equals(large[name]), name


@pytest.mark.parametrize(("expr", "message", "hint"), [
    ("appointment_id.fee_x.base_fee", "'appointments' (reached by 'appointment_id') has no column 'fee_x'",
     "follow a foreign key of 'appointments' (doctor_id)"),
    ("appointment_id.booked_at.base_fee", "'appointment_id.booked_at' is not a foreign key of 'appointments'",
     "doctor_id"),
    ("appointment_id.doctor_id.base_fe", "'doctors' has no column 'base_fe'", "base_fee"),
    ("prescription_id.doctor_id.base_fee", "'prescription_id' is not a foreign key", "ref: parent.key"),
])
def test_a_chain_that_does_not_follow_foreign_keys_is_refused_at_its_line(expr, message, hint):
    text = SCHEMA.replace("appointment_id.doctor_id.base_fee * 2", expr)
    with pytest.raises(SchemaError) as info:
        load_dataset("c.yaml", text=text)
    issues = [i for i in info.value.issues if message in str(i)]
    assert issues, info.value.issues
    line = text.splitlines().index(next(x for x in text.splitlines() if x.strip().startswith("fee:"))) + 1
    assert f"c.yaml:{line}:" in str(issues[0]) and hint in (issues[0].suggestion or ""), str(issues[0])
