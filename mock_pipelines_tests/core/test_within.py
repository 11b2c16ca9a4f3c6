"""`within:` foreign keys: the parent is picked among the rows of the child's group, by index arithmetic over
the parent's per-group layout. The rule holds on every row at a million rows, empty groups give nulls, the
derived `same_group__` check proves it (and catches a broken reference), and the values are the same whatever
the chunk size, the rows asked for or the partition windows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme, to_us
from mock_pipelines.quality.cross_table import check_cross_table, columns_read, derive_cross_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.quality.support import spec_of

SCHEMA = """\
dataset: clinics
seed: 11
tables:
  facilities:
    rows: 400
    primary_key: facility_id
    columns:
      facility_id: {gen: sequence, start: 10}
  providers:
    rows: {per: facilities, count: "uniform(0, 12)"}
    primary_key: provider_id
    columns:
      provider_id: {gen: sequence, start: 1}
      facility_id: {ref: facilities.facility_id}
  patients:
    rows: 260000
    primary_key: patient_id
    columns:
      patient_id: {gen: sequence, start: 0}
      facility_id: {ref: facilities.facility_id, skew: zipf(0.8)}
  encounters:
    rows: {per: patients, count: poisson(4)}
    primary_key: encounter_id
    columns:
      encounter_id: {gen: sequence, start: 0}
      patient_id: {ref: patients.patient_id}
      provider_id: {ref: providers.provider_id, within: patient_id.facility_id, nullable: true}
      seen_by: {ref: providers.provider_id, within: patient_id.facility_id, skew: zipf(1.2), null_rate: 0.05}
  claims:
    rows: 1000000
    primary_key: claim_id
    columns:
      claim_id: {gen: sequence, start: 0}
      encounter_id: {ref: encounters.encounter_id}
      reviewer_id: {ref: providers.provider_id, within: encounter_id.patient_id.facility_id, nullable: true}
  employees:
    rows: {per: facilities, count: "uniform(1, 5000)"}
    primary_key: employee_id
    columns:
      employee_id: {gen: sequence, start: 0}
      facility_id: {ref: facilities.facility_id}
      supervisor_id: {ref: employees.employee_id, within: facility_id}
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("within") / "clinics.yaml"
    path.write_text(SCHEMA)
    return DatasetPlan(load_dataset(path))


@pytest.fixture(scope="module")
def tables(plan):
    return {name: plan.table(name).to_table() for name in plan.order()}


def _np(table: pa.Table, column: str) -> np.ndarray:
    return table.column(column).to_numpy(zero_copy_only=False)


def test_every_encounter_sees_a_provider_of_its_patients_facility(tables):
    enc, pat, prov = tables["encounters"], tables["patients"], tables["providers"]
    assert enc.num_rows > 1_000_000
    patient_facility = _np(pat, "facility_id")[_np(enc, "patient_id")]  # patient_id is the row index
    provider_facility = np.concatenate([[-1], _np(prov, "facility_id")])  # provider_id = row index + 1
    per_facility = np.bincount(_np(prov, "facility_id") - 10, minlength=400)
    empty = per_facility[patient_facility - 10] == 0
    assert empty.any() and (~empty).any()  # uniform(0, 12): some clinics have no provider
    for column, null_rate in (("provider_id", 0.0), ("seen_by", 0.05)):
        picked = enc.column(column)
        valid = pc.is_valid(picked).to_numpy(zero_copy_only=False)
        assert not (valid & empty).any()  # a clinic without providers gives a null …
        nulls = ~valid & ~empty
        if null_rate == 0:
            assert not nulls.any()  # … and nothing else does
        else:
            assert abs(nulls.sum() / (~empty).sum() - null_rate) < 0.005
        ids = pc.fill_null(picked, 0).to_numpy(zero_copy_only=False)
        assert np.array_equal(provider_facility[ids[valid]], patient_facility[valid])


def test_uniform_picks_spread_over_the_providers_of_a_clinic_and_zipf_ones_favour_a_few(tables):
    enc, pat, prov = tables["encounters"], tables["patients"], tables["providers"]
    facility = _np(pat, "facility_id")[_np(enc, "patient_id")]
    busiest = np.bincount(facility).argmax()  # zipf(0.8) over clinics: the busiest has many encounters
    staff = np.flatnonzero(_np(prov, "facility_id") == busiest) + 1
    assert len(staff) > 1
    here = enc.filter(pa.array(facility == busiest))
    uniform = np.bincount(_np(here, "provider_id"), minlength=staff.max() + 1)[staff]
    expected = here.num_rows / len(staff)
    assert np.all(np.abs(uniform - expected) < 6 * np.sqrt(expected))  # binomial noise only
    seen = pc.drop_null(here.column("seen_by")).to_numpy()
    skewed = np.sort(np.bincount(seen, minlength=staff.max() + 1)[staff])[::-1]
    assert skewed[0] > 2 * expected and skewed[0] > 1.5 * skewed[1]  # rank 1 ≈ 2.3× rank 2 at s = 1.2


def test_a_supervisor_is_an_earlier_colleague_and_the_first_of_each_clinic_a_root(tables):
    emp = tables["employees"]
    assert emp.num_rows > 900_000
    facility, supervisor = _np(emp, "facility_id"), emp.column("supervisor_id")
    rows = np.arange(emp.num_rows)
    first_of_clinic = np.r_[True, facility[1:] != facility[:-1]]
    valid = pc.is_valid(supervisor).to_numpy(zero_copy_only=False)
    assert np.array_equal(~valid, first_of_clinic)  # exactly one root per clinic
    sup_row = pc.fill_null(supervisor, 0).to_numpy(zero_copy_only=False)[valid]  # employee_id = row index
    assert np.all(sup_row < rows[valid])
    assert np.array_equal(facility[sup_row], facility[valid])


def test_the_derived_check_holds_on_every_row_and_catches_a_wrong_clinic(plan, tables):
    for name in ("encounters", "employees"):
        rules = derive_cross_rules(plan.spec, name)
        assert {r.name for r in rules} >= ({"same_group__provider_id", "same_group__seen_by"}
                                           if name == "encounters" else {"same_group__supervisor_id"})
        need = columns_read(rules, name)
        data = {t: tables[t].select(sorted(c)) for t, c in need.items()}
        results = check_cross_table(rules, data[name], {t: d for t, d in data.items() if t != name})
        assert all(r.passed for r in results), [(r.name, r.observed) for r in results if not r.passed]
    enc = tables["encounters"].slice(0, 50_000)
    moved = pc.add(enc.column("provider_id"), 1)  # the next provider: sometimes of the next clinic
    broken = enc.set_column(enc.column_names.index("provider_id"), "provider_id", moved)
    rule = [r for r in derive_cross_rules(plan.spec, "encounters") if r.name == "same_group__provider_id"]
    result = check_cross_table(rule, broken, {"providers": tables["providers"], "patients": tables["patients"]})[0]
    assert not result.passed and result.unexpected_count > 1000 and result.examples


def test_same_values_whatever_the_chunk_size_or_the_rows_asked_for(plan, tables):
    tp = plan.table("encounters")
    full = tables["encounters"].slice(0, 300_000)
    assert tp.to_table(0, 300_000, chunk_size=4_099).equals(full)
    rows = np.sort(np.random.default_rng(3).choice(tables["encounters"].num_rows, 5_000, replace=False))
    alone = tp.compute(rows[::-1].copy(), ["provider_id", "seen_by"])
    expected = tables["encounters"].take(pa.array(rows[::-1].copy()))
    assert alone.column("provider_id").equals(expected.column("provider_id").combine_chunks())
    assert alone.column("seen_by").equals(expected.column("seen_by").combine_chunks())
    emp = plan.table("employees")
    assert emp.to_table(1000, 200_000, chunk_size=777).equals(tables["employees"].slice(1000, 199_000))


def test_a_three_step_path_picks_a_provider_of_the_clinic_of_the_claims_encounters_patient(plan, tables):
    claims, enc, pat, prov = tables["claims"], tables["encounters"], tables["patients"], tables["providers"]
    assert claims.num_rows == 1_000_000
    # encounter_id and patient_id are row indices: claim → encounter → patient → facility, as arrays
    facility = _np(pat, "facility_id")[_np(enc, "patient_id")[_np(claims, "encounter_id")]]
    provider_facility = np.concatenate([[-1], _np(prov, "facility_id")])  # provider_id = row index + 1
    empty = np.bincount(_np(prov, "facility_id") - 10, minlength=400)[facility - 10] == 0
    picked = claims.column("reviewer_id")
    valid = pc.is_valid(picked).to_numpy(zero_copy_only=False)
    assert np.array_equal(valid, ~empty)  # a null exactly where the clinic has no provider
    ids = pc.fill_null(picked, 0).to_numpy(zero_copy_only=False)
    assert np.array_equal(provider_facility[ids[valid]], facility[valid])
    assert len(np.unique(ids[valid])) > 0.9 * prov.num_rows  # spread over the providers, not a few


def test_the_derived_check_follows_the_three_steps_and_catches_a_wrong_clinic(plan, tables):
    rules = [r for r in derive_cross_rules(plan.spec, "claims") if r.name == "same_group__reviewer_id"]
    assert rules and [v[0] for v in rules[0].params["via"]] == ["encounters", "patients"]
    need = columns_read(rules, "claims")
    assert need == {"claims": {"reviewer_id", "encounter_id"}, "encounters": {"encounter_id", "patient_id"},
                    "patients": {"patient_id", "facility_id"}, "providers": {"provider_id", "facility_id"}}
    data = {t: tables[t].select(sorted(c)) for t, c in need.items()}
    parents = {t: d for t, d in data.items() if t != "claims"}
    result = check_cross_table(rules, data["claims"], parents)[0]
    assert result.passed and result.evaluated_rows == 1_000_000, result.observed
    assert "0 of" in result.observed
    claims = data["claims"].slice(0, 100_000)
    moved = pc.add(claims.column("reviewer_id"), 1)  # the next provider: sometimes of the next clinic
    broken = claims.set_column(claims.column_names.index("reviewer_id"), "reviewer_id", moved)
    result = check_cross_table(rules, broken, parents)[0]
    assert not result.passed and result.unexpected_count > 1000 and result.examples
    skipped = check_cross_table(rules, data["claims"], {t: d for t, d in parents.items() if t != "patients"})[0]
    assert skipped.skipped and skipped.expected == "rows of patients"


def test_a_three_step_path_gives_the_same_values_whatever_the_chunk_size_or_the_rows_asked_for(plan, tables):
    tp = plan.table("claims")
    assert tp.to_table(0, 400_000, chunk_size=3_001).equals(tables["claims"].slice(0, 400_000))
    rows = np.sort(np.random.default_rng(5).choice(1_000_000, 5_000, replace=False))[::-1].copy()
    alone = tp.compute(rows, ["reviewer_id"]).column("reviewer_id")
    assert alone.equals(tables["claims"].column("reviewer_id").take(pa.array(rows)).combine_chunks())


def test_healthcare_encounters_of_each_partition_see_providers_of_the_patients_clinic():
    spec = spec_of("healthcare")
    plan = DatasetPlan(spec, PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 3, 1), "daily")))
    enc_tp, pat_tp = plan.table("encounters"), plan.table("patients")
    providers = plan.table("providers").to_table()
    days = [(to_us(dt.datetime(2024, 3, d)), to_us(dt.datetime(2024, 3, d + 1))) for d in (1, 2, 3)]
    patients = pa.concat_tables([pat_tp.to_table(*pat_tp.row_range(*w)) for w in days])
    parts = [enc_tp.to_table(*enc_tp.row_range(*w), chunk_size=97) for w in days]
    lo, hi = enc_tp.row_range(days[0][0], days[-1][1])
    assert pa.concat_tables(parts).equals(enc_tp.to_table(lo, hi))  # windows alone = the three days at once
    rules = [r for r in derive_cross_rules(spec, "encounters", partitioned=True) if r.name.startswith("same_group")]
    for part in parts:
        assert part.num_rows > 20
        result = check_cross_table(rules, part, {"providers": providers, "patients": patients})[0]
        assert result.passed and result.evaluated_rows == part.num_rows, result.observed


# ---- a group table that grows with time partitions ---------------------------------------------------------

GROWING = """\
dataset: growing
seed: 21
tables:
  facilities:
    rows: 10
    partitioned: {time_column: opened_at, rows_per_day: 40}
    primary_key: facility_id
    columns:
      facility_id: {gen: sequence, start: 0}
      opened_at: timestamp
  providers:
    rows: {per: facilities, count: "uniform(1, 12)"}
    partitioned: {time_column: joined_at}          # grows with its clinic
    primary_key: provider_id
    columns:
      provider_id: {gen: sequence, start: 0}
      facility_id: {ref: facilities.facility_id}
      joined_at: timestamp
  patients:
    rows: 10
    partitioned: {time_column: registered_at, rows_per_day: 50000}
    primary_key: patient_id
    columns:
      patient_id: {gen: sequence, start: 0}
      facility_id: {ref: facilities.facility_id}
      registered_at: timestamp
  encounters:
    rows: {per: patients, count: poisson(4)}
    partitioned: {time_column: seen_at}
    primary_key: encounter_id
    columns:
      encounter_id: {gen: sequence, start: 0}
      patient_id: {ref: patients.patient_id}
      seen_at: timestamp
      provider_id: {ref: providers.provider_id, within: patient_id.facility_id}
"""
DAYS = [(to_us(dt.datetime(2024, 3, d)), to_us(dt.datetime(2024, 3, d + 1))) for d in range(1, 6)]


@pytest.fixture(scope="module")
def growing(tmp_path_factory):
    path = tmp_path_factory.mktemp("growing") / "growing.yaml"
    path.write_text(GROWING)
    plan = DatasetPlan(load_dataset(path), PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 3, 1), "daily")))
    plan.check()
    windows = {name: [plan.table(name).to_table(*plan.table(name).row_range(*w)) for w in DAYS]
               for name in plan.order()}
    return plan, windows


def test_a_pick_within_a_growing_group_finds_a_provider_of_the_clinic_in_a_partition_up_to_its_own(growing):
    plan, windows = growing
    rules = [r for r in derive_cross_rules(plan.spec, "encounters", partitioned=True)
             if r.name in ("fk__provider_id", "same_group__provider_id", "time_after_parent__provider_id")]
    assert len(rules) == 3
    total = 0
    for day, encounters in enumerate(windows["encounters"]):
        upto = {t: pa.concat_tables(windows[t][:day + 1]) for t in ("providers", "patients")}
        results = check_cross_table(rules, encounters, upto)
        assert all(r.passed and r.evaluated_rows == encounters.num_rows for r in results), \
            [(r.name, r.observed) for r in results]
        if day:  # some picks are providers created on an earlier day: the groups span partitions
            earlier = pa.concat_tables(windows["providers"][:day]).column("provider_id")
            assert pc.sum(pc.is_in(encounters.column("provider_id"), earlier)).as_py() > 1000
        total += encounters.num_rows
    assert total > 900_000
    # and the rules catch a pick of a provider that does not exist yet: one from the next day
    later = windows["providers"][1].column("provider_id")[0].as_py()
    first = windows["encounters"][0]
    moved = pa.array([later, *first.column("provider_id").to_pylist()[1:]], pa.int64())
    broken = first.set_column(first.column_names.index("provider_id"), "provider_id", moved)
    results = {r.name: r for r in check_cross_table(rules, broken, {"providers": windows["providers"][0],
                                                                    "patients": windows["patients"][0]})}
    assert not results["fk__provider_id"].passed and results["fk__provider_id"].unexpected_count == 1


def test_a_pick_within_a_growing_group_is_the_same_whatever_the_windows_or_the_chunk_size(growing):
    plan, windows = growing
    tp = plan.table("encounters")
    lo, hi = tp.row_range(DAYS[0][0], DAYS[-1][1])
    assert pa.concat_tables(windows["encounters"]).equals(tp.to_table(lo, hi, chunk_size=65_537))
    middle = tp.row_range(*DAYS[2])
    assert tp.to_table(*middle, chunk_size=1_009).equals(windows["encounters"][2])
