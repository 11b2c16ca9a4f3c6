"""Schema-derived checks as Dagster asset checks: listed per rule, passing on generated data, failing with
metadata on corrupted data, and blocking where a key is broken."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.checks import build_checks
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.resources import build_resources
from mock_pipelines.store.files.store import FileStore
from mock_pipelines_tests.defs.conftest import tmp_profile

EMPLOYEES = dg.AssetKey(["hr", "employees"])


def _checks_only_job(planned: ProfilePlan, key: dg.AssetKey) -> dg.JobDefinition:
    defs = dg.Definitions.merge(
        build_resources(planned), build_assets(planned), build_checks(planned),
        dg.Definitions(jobs=[dg.define_asset_job("checks_only", selection=dg.AssetSelection.checks_for_assets(key))],
                       executor=dg.in_process_executor))
    return defs.resolve_job_def("checks_only")


def test_every_rule_is_a_named_check_and_generated_data_passes(tmp_path):
    planned = plan_profile(tmp_profile(tmp_path, datasets=["hr"], scale=0.2))
    graph = build_definitions(planned).resolve_asset_graph()
    checks = {key.name for key in graph.asset_check_keys if key.asset_key == EMPLOYEES}
    assert any("employee_id" in name for name in checks) and any(n.startswith("fk__") for n in checks)
    result = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=dg.DagsterInstance.ephemeral())
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]


def test_a_duplicated_key_and_an_orphan_reference_fail_with_examples(tmp_path, monkeypatch):
    planned = plan_profile(tmp_profile(tmp_path, datasets=["hr"], scale=0.2))
    instance = dg.DagsterInstance.ephemeral()
    assert build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=instance).success
    path = tmp_path / "out" / "hr" / "employees" / "part-00000.parquet"
    table = pq.read_table(path)
    ids = table.column("employee_id").to_pylist()
    ids[1] = ids[0]  # a duplicated key
    dept = table.column("department_id").to_pylist()
    dept[2] = 999_999  # a department that does not exist
    table = table.set_column(table.schema.get_field_index("employee_id"), "employee_id",
                             pa.array(ids, table.schema.field("employee_id").type))
    table = table.set_column(table.schema.get_field_index("department_id"), "department_id",
                             pa.array(dept, table.schema.field("department_id").type))
    pq.write_table(table, path)

    streamed = []
    real = FileStore.read_batches
    monkeypatch.setattr(FileStore, "read_batches", lambda self, dataset, table, *a, **k: streamed.append(table)
                        or real(self, dataset, table, *a, **k))
    result = _checks_only_job(planned, EMPLOYEES).execute_in_process(instance=instance, raise_on_error=False)
    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed["pk_unique"].metadata["unexpected_count"].value >= 1
    # the checks-only step streamed the table once for all its checks (an integer key keeps its values:
    # the repeated one needs no second read)
    assert streamed == ["employees"]
    # Employees that reported to the renumbered row now point at an id that no longer exists; those that
    # report to the first employee also match the later hire that took its id, and the employee moved to
    # another department is no longer in the department of its manager (or of the people it manages).
    assert set(failed) == {"pk_unique", "fk__department_id", "fk__manager_id", "same_group__manager_id",
                           "after_parent__hire_date__manager_id"}
    orphan = failed["fk__department_id"]
    assert orphan.metadata["unexpected_count"].value == 1
    assert 999_999 in orphan.metadata["unexpected_examples"].value
    assert orphan.severity == dg.AssetCheckSeverity.ERROR
    spec = next(s for c in build_checks(planned).asset_checks for s in c.check_specs
                if s.asset_key == EMPLOYEES and s.name == "fk__department_id")
    assert spec.blocking  # a broken reference stops the children of this table in a run
