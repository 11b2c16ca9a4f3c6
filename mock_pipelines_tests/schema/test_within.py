"""`within:` on a foreign key: the parent is picked among the rows of the child's group. Every condition that
cannot be met by construction is refused at load time with the file, line and column of the `within:` value,
what was expected and a suggestion."""

from __future__ import annotations

import pytest

from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.schema.test_validation import FILE, assert_at, single_issue

CLINIC = """\
dataset: clinic
seed: 1
tables:
  facilities:
    rows: 10
    primary_key: facility_id
    columns:
      facility_id: sequence
      code: {gen: pattern, format: "F####", unique: true}
  providers:
    rows: {per: facilities, count: "uniform(1, 4)"}
    primary_key: provider_id
    columns:
      provider_id: sequence
      facility_id: {ref: facilities.facility_id}
  patients:
    rows: 100
    primary_key: patient_id
    columns:
      patient_id: sequence
      facility_id: {ref: facilities.facility_id}
  encounters:
    rows: 300
    primary_key: encounter_id
    columns:
      encounter_id: sequence
      patient_id: {ref: patients.patient_id}
      provider_id: {ref: providers.provider_id, within: patient_id.facility_id}
  employees:
    rows: {per: facilities, count: "uniform(1, 9)"}
    primary_key: employee_id
    columns:
      employee_id: sequence
      facility_id: {ref: facilities.facility_id}
      supervisor_id: {ref: employees.employee_id, within: facility_id}
"""


def test_a_valid_condition_is_kept_on_the_foreign_key():
    spec = load_dataset(FILE, text=CLINIC)
    fk = spec.tables["encounters"].fk_for_column("provider_id")
    assert fk.within is not None and fk.within.path == ("patient_id", "facility_id")
    assert spec.tables["employees"].fk_for_column("supervisor_id").within.path == ("facility_id",)


def test_foreign_keys_without_within_keep_the_spec_hash():
    """The hashes as computed before `within:` existed (a key absent from a foreign key is not hashed)."""
    plain = CLINIC.replace(", within: patient_id.facility_id", "").replace(", within: facility_id", "")
    spec = load_dataset(FILE, text=plain)
    assert (spec.spec_hash(), spec.spec_hash("encounters")) == ("b5bd689bd563b223", "ec8d076fe3bc9017")
    assert load_dataset(FILE, text=CLINIC).spec_hash("encounters") != "ec8d076fe3bc9017"


@pytest.mark.parametrize(("change", "target", "message", "suggestion"), [
    ("within: patient_id.facility_id}", "patient_id.facility_id}",
     "column encounters.provider_id: within patient_id.facility_idd: 'facility_idd' is not a single-column "
     "foreign key of 'patients' (the table 'patient_id' references)", "facility_id"),
    ("within: patient_idd}", "patient_idd}",
     "column encounters.provider_id: within patient_idd: 'patient_idd' is not a single-column foreign key of "
     "'encounters'", "patient_id"),
])
def test_a_path_that_is_not_a_chain_of_foreign_keys_is_refused(change, target, message, suggestion):
    text = CLINIC.replace("within: patient_id.facility_id}", change.replace("facility_id}", "facility_idd}")
                          if "." in change else change)
    issue = single_issue(text)
    assert issue.message == message and issue.suggestion == suggestion
    assert_at(issue, text, target.replace("facility_id}", "facility_idd}") if "." in target else target)


def test_a_parent_not_laid_out_per_the_group_is_refused_with_the_layout_to_use():
    text = CLINIC.replace('rows: {per: facilities, count: "uniform(1, 4)"}', "rows: 30")
    issue = single_issue(text)
    assert issue.message.startswith("column encounters.provider_id: within patient_id.facility_id: the group is a "
                                    "'facilities' row, but 'providers' is not laid out per 'facilities'")
    assert issue.suggestion == "give 'providers' rows: {per: facilities, count: …}"
    assert_at(issue, text, "patient_id.facility_id}")


def test_a_path_reaching_another_table_is_refused():
    text = CLINIC.replace("  encounters:", """\
  regions:
    rows: 3
    primary_key: region_id
    columns:
      region_id: sequence
  encounters:""").replace("      facility_id: {ref: facilities.facility_id}\n  regions",
                          "      facility_id: {ref: facilities.facility_id}\n      region_id: {ref: regions.region_id}"
                          "\n  regions").replace("within: patient_id.facility_id", "within: patient_id.region_id")
    issue = single_issue(text)
    assert "the group is a 'regions' row, but 'providers' is not laid out per 'regions'" in issue.message
    assert issue.suggestion == "within a path that reaches 'facilities', the table 'providers' is laid out per"
    assert_at(issue, text, "patient_id.region_id")


def test_empty_groups_need_a_nullable_reference_or_a_minimum():
    text = CLINIC.replace('count: "uniform(1, 4)"', 'count: "uniform(0, 4)"')
    issue = single_issue(text)
    assert issue.message.startswith("column encounters.provider_id: within patient_id.facility_id: a 'facilities' "
                                    "row can have no 'providers' rows")
    assert issue.suggestion == "add min: 1 to the rows of 'providers', or nullable: true to encounters.provider_id"
    assert_at(issue, text, "patient_id.facility_id}")
    load_dataset(FILE, text=text.replace("within: patient_id.facility_id}",
                                         "within: patient_id.facility_id, nullable: true}"))
    load_dataset(FILE, text=text.replace('count: "uniform(0, 4)"', 'count: "uniform(0, 4)", min: 1'))


def test_a_group_that_can_be_null_needs_a_nullable_reference():
    text = CLINIC.replace("      facility_id: {ref: facilities.facility_id}\n  encounters",
                          "      facility_id: {ref: facilities.facility_id, null_rate: 0.1}\n  encounters")
    issue = single_issue(text)
    assert issue.message == ("column encounters.provider_id: within patient_id.facility_id: patients.facility_id can "
                             "be null, and then encounters.provider_id has no group to pick in")
    assert issue.suggestion == "add nullable: true to encounters.provider_id"


def test_a_self_reference_is_picked_within_its_own_group_only():
    text = CLINIC.replace("supervisor_id: {ref: employees.employee_id, within: facility_id}",
                          "boss_facility: {ref: facilities.facility_id}\n"
                          "      supervisor_id: {ref: employees.employee_id, within: boss_facility}")
    issue = single_issue(text)
    assert "a reference to the table itself is picked among the earlier rows of the row's own group" in issue.message
    assert issue.suggestion == "within: facility_id"
    assert_at(issue, text, "boss_facility}")


def test_the_layout_reference_itself_takes_no_condition():
    text = CLINIC.replace("      facility_id: {ref: facilities.facility_id}\n      supervisor_id",
                          "      facility_id: {ref: facilities.facility_id, within: supervisor_id}\n      supervisor_id")
    issues = [i for i in _issues(text) if "fixed by the row layout" in i.message]
    assert len(issues) == 1 and issues[0].suggestion == "drop within"


def test_a_parent_growing_at_its_own_rate_is_refused_and_one_growing_with_its_group_is_not():
    grows = CLINIC.replace("    rows: 10\n", "    rows: 10\n    partitioned: {time_column: opened, rows_per_day: 1}\n") \
        .replace("      code: {gen: pattern", "      opened: {gen: timestamp}\n      code: {gen: pattern")
    assert not [i for i in _issues(grows) if "provider_id: within" in i.message]  # providers grow with clinics
    text = grows.replace('    rows: {per: facilities, count: "uniform(1, 4)"}\n',
                         '    rows: {per: facilities, count: "uniform(1, 4)"}\n    partitioned: {rows_per_day: 5}\n')
    issues = [i for i in _issues(text) if "provider_id: within" in i.message]
    assert len(issues) == 1 and "'providers' grows at its own rate in time-partitioned runs" in issues[0].message
    assert issues[0].suggestion == "drop rows_per_day from 'providers' (it then grows with 'facilities'), or drop within"
    assert_at(issues[0], text, "patient_id.facility_id}")


def test_within_on_a_column_that_is_no_reference_is_refused():
    text = CLINIC.replace("      code: {gen: pattern, format: \"F####\", unique: true}",
                          "      code: {gen: pattern, format: \"F####\", unique: true, within: code_id}")
    issue = single_issue(text)
    assert issue.message == "column facilities.code: within applies to foreign keys only"
    assert_at(issue, text, "code_id}")


def test_within_on_a_composite_foreign_key_is_refused():
    text = CLINIC + """\
  visits:
    rows: 5
    primary_key: visit_id
    columns:
      visit_id: sequence
    foreign_keys:
      - {columns: [facility_id], ref: "facilities(facility_id)", within: x}
"""
    issue = single_issue(text)
    assert issue.message == "a foreign key of 'visits': within applies to a single-column foreign key only"
    assert_at(issue, text, "within: x")


@pytest.mark.parametrize("written", ["a..b", "'bad name'", "[x]"])
def test_a_malformed_path_is_refused(written):
    text = CLINIC.replace("within: patient_id.facility_id}", f"within: {written}}}")
    issue = single_issue(text)
    assert issue.message.startswith("column encounters.provider_id: within must name a foreign-key column")
    assert issue.expected == "within: facility_id, or within: patient_id.facility_id"


def test_two_picks_naming_each_other_as_group_are_refused():
    text = CLINIC.replace("      provider_id: {ref: providers.provider_id, within: patient_id.facility_id}",
                          "      provider_id: {ref: providers.provider_id, within: other_id}\n"
                          "      other_id: {ref: providers.provider_id, within: provider_id}")
    issues = [i for i in _issues(text) if "comes back to" in i.message]
    assert len(issues) == 2


def _issues(text):
    from mock_pipelines_tests.schema.test_validation import issues_of
    return issues_of(text)


# ---- paths of more than two steps ------------------------------------------------------------------------

CLAIMS = CLINIC + """\
  claims:
    rows: 500
    primary_key: claim_id
    columns:
      claim_id: sequence
      encounter_id: {ref: encounters.encounter_id}
      reviewer_id: {ref: providers.provider_id, within: encounter_id.patient_id.facility_id}
"""


def test_a_path_of_three_steps_is_kept():
    fk = load_dataset(FILE, text=CLAIMS).tables["claims"].fk_for_column("reviewer_id")
    assert fk.within.path == ("encounter_id", "patient_id", "facility_id")


@pytest.mark.parametrize(("written", "message", "suggestion"), [
    ("encounter_id.patient_id.facility_idd", "'facility_idd' is not a single-column foreign key of 'patients' "
     "(the table 'patient_id' references)", "facility_id"),
    ("encounter_id.patient_idd.facility_id", "'patient_idd' is not a single-column foreign key of 'encounters' "
     "(the table 'encounter_id' references)", "patient_id"),
])
def test_each_step_of_a_long_path_is_checked_where_it_is_written(written, message, suggestion):
    text = CLAIMS.replace("within: encounter_id.patient_id.facility_id", f"within: {written}")
    issue = single_issue(text)
    assert issue.message == f"column claims.reviewer_id: within {written}: {message}"
    assert issue.suggestion == suggestion
    assert_at(issue, text, written)


def test_a_long_path_that_reaches_another_group_is_refused():
    text = CLAIMS.replace("within: encounter_id.patient_id.facility_id", "within: encounter_id.patient_id")
    issue = single_issue(text)
    assert "the group is a 'patients' row, but 'providers' is not laid out per 'patients'" in issue.message
    assert_at(issue, text, "encounter_id.patient_id}")


def test_a_step_that_can_be_null_anywhere_on_the_path_needs_a_nullable_reference():
    text = CLAIMS.replace("      patient_id: {ref: patients.patient_id}\n      provider_id",
                          "      patient_id: {ref: patients.patient_id, null_rate: 0.1}\n      provider_id") \
        .replace("within: patient_id.facility_id}", "within: patient_id.facility_id, nullable: true}")
    issue = single_issue(text)
    assert issue.message == ("column claims.reviewer_id: within encounter_id.patient_id.facility_id: "
                             "encounters.patient_id can be null, and then claims.reviewer_id has no group to pick in")
    assert issue.suggestion == "add nullable: true to claims.reviewer_id"
    assert_at(issue, text, "encounter_id.patient_id.facility_id")
    load_dataset(FILE, text=text.replace("within: encounter_id.patient_id.facility_id}",
                                         "within: encounter_id.patient_id.facility_id, nullable: true}"))
