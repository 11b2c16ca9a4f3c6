"""The report step reads what the table check steps recorded — results and column profiles keyed by the
content hash of what landed — instead of reading the data again; data rewritten since is read back."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.quality.report import read_landed, render_report
from mock_pipelines.store.files.store import FileStore
from mock_pipelines_tests.defs.conftest import write_profile
from mock_pipelines_tests.defs.test_partitioned_checks import SCHEMA


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    root = tmp_path_factory.mktemp("recorded")
    planned = plan_profile(load_profile(write_profile(root, datasets=["hr"], scale=0.2), root=root))
    job = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr"))
    assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral()).success
    plan = planned.datasets["hr"]
    return plan, planned.profile.checks, root / "out", str(root / "reports" / "tmp_profile")


def _landed(ran, **kw):
    plan, checks, out, reports = ran
    return read_landed(plan.spec, out, plan=plan, severity=checks, recorded=reports, **kw)


def test_the_report_reuses_the_recorded_results_and_profiles_without_reading_the_data(ran, monkeypatch):
    plan = ran[0]

    def unreadable(*args, **kwargs):
        raise AssertionError("the data was read back although a matching record exists")

    monkeypatch.setattr(FileStore, "read_batches", unreadable)
    landed = _landed(ran)
    assert landed.read == []
    assert set(landed.tables) == set(plan.order())
    employees = landed.tables["employees"]
    assert employees.num_rows > 0 and employees.profile.columns["employee_id"].rows == employees.num_rows
    assert any(r.table == "employees" for r in landed.results)
    html = render_report(plan.spec, landed.tables, landed.results, landed.provenance, plan=plan)
    assert "employee_id" in html and f"{employees.num_rows:,} rows" in html


def test_data_rewritten_since_its_checks_is_read_back_and_profiled_as_it_is_now(ran):
    plan, _, out, _ = ran
    store = FileStore(out)
    table = store.read("hr", "locations", schema=plan.table("locations").arrow_schema)
    fewer = table.slice(0, table.num_rows - 1)
    store.write_batches("hr", "locations", fewer.schema, fewer.to_batches(), manifest=True)
    landed = _landed(ran)
    assert landed.read == ["locations"]  # only the table whose content hash changed
    assert landed.tables["locations"].num_rows == table.num_rows - 1
    rows = [r for r in landed.results if r.table == "locations" and r.kind == "row_count"]
    assert rows and not rows[0].passed  # judged on the data as it is now, not on the record


def test_a_partition_rewritten_since_is_the_only_one_read_back(tmp_path):
    from mock_pipelines.quality import recorded
    from mock_pipelines.quality.column_profile import TableProfile
    from mock_pipelines.schema.parse import load_dataset

    schema = tmp_path / "p.yaml"
    schema.write_text("dataset: p\nseed: 1\ntables:\n  t:\n    rows: 10\n    columns:\n      x: sequence\n")
    spec = load_dataset(schema)
    store = FileStore(tmp_path / "out")
    reports = tmp_path / "reports"
    for i, key in enumerate(("2024-01-01", "2024-01-02", "2024-01-03")):
        part = pa.table({"x": pa.array(range(i * 10, i * 10 + 10), pa.int64())})
        store.write_batches("p", "t", part.schema, part.to_batches(), key, manifest=True)
        recorded.record(reports, "p", "t", key, [], rows=10, content_hash=store.landed_hash("p", "t", key),
                        profile=TableProfile.of_table(part).state())
    changed = pa.table({"x": pa.array([-5] * 4, pa.int64())})
    store.write_batches("p", "t", changed.schema, changed.to_batches(), "2024-01-02", manifest=True)
    landed = read_landed(spec, tmp_path / "out", checks=False, recorded=reports)
    assert landed.read == ["t/2024-01-02"]
    t = landed.tables["t"]
    assert t.partitions == {"2024-01-01": 10, "2024-01-02": 4, "2024-01-03": 10}
    assert (t.profile.columns["x"].min, t.profile.columns["x"].max) == (-5, 29)
    assert t.profile.sample().num_rows == 24 and pc.sum(t.profile.sample().column("x")).as_py() == \
        sum(range(10)) + sum(range(20, 30)) - 20


PARTITIONED = SCHEMA  # the partitioned dataset whose per-partition check status the webserver test reads
DAYS = ("2024-01-01", "2024-01-02", "2024-01-03")


def test_partitions_use_their_own_records_and_only_a_rewritten_one_is_read_back(tmp_path, monkeypatch):
    schema = tmp_path / "pchk.yaml"
    schema.write_text(PARTITIONED, encoding="utf-8")
    profile = write_profile(tmp_path, name="pchecks", out=tmp_path / "out", datasets=[schema], scale=1.0)
    planned = plan_profile(load_profile(profile, root=tmp_path))
    job = build_definitions(planned).resolve_job_def("pchk__all_tables")
    instance = dg.DagsterInstance.ephemeral()
    for day in DAYS:
        assert job.execute_in_process(instance=instance, partition_key=day).success
    plan = planned.datasets["pchk"]
    ran = (plan, planned.profile.checks, tmp_path / "out", str(tmp_path / "reports" / "pchecks"))
    store = FileStore(tmp_path / "out")
    reads: list[tuple[str, str | None]] = []
    real = FileStore.read_batches

    def counted(self, dataset, table, partition_key=None, *args, **kwargs):
        reads.append((table, partition_key))
        return real(self, dataset, table, partition_key, *args, **kwargs)

    monkeypatch.setattr(FileStore, "read_batches", counted)
    first = _landed(ran)
    assert first.read == [] and reads == []
    sales = first.tables["sales"]
    assert sales.partitions == dict.fromkeys(DAYS, 8) and sales.num_rows == 24
    assert not [r for r in first.results if r.table == "sales" and r.status == "fail"]

    day = store.read("pchk", "sales", [DAYS[1]], schema=plan.table("sales").arrow_schema)
    doubled = pa.concat_tables([day, day])  # every sale id twice
    store.write_batches("pchk", "sales", doubled.schema, doubled.to_batches(), DAYS[1], manifest=True)
    second = _landed(ran)
    assert second.read == [f"sales/{DAYS[1]}"] and {k for _, k in reads} == {DAYS[1]}
    assert second.tables["sales"].partitions[DAYS[1]] == 16
    unique = [r for r in second.results if r.table == "sales" and r.kind == "key" and r.status == "fail"]
    assert unique and unique[0].unexpected_count == 16  # the rewritten partition, judged as it is now


def test_a_checks_only_run_records_the_profile_with_the_landed_hash(tmp_path, monkeypatch):
    from mock_pipelines.defs.assets import build_assets
    from mock_pipelines.defs.checks import build_checks
    from mock_pipelines.defs.resources import build_resources
    from mock_pipelines.quality import recorded

    planned = plan_profile(load_profile(write_profile(tmp_path, datasets=["hr"], scale=0.2), root=tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    assert build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=instance).success
    reports = tmp_path / "reports" / "tmp_profile"
    record = recorded.results_path(reports, "hr", "employees", None)
    record.unlink()  # as if the data had been landed by someone else: no record
    employees = dg.AssetKey(["hr", "employees"])
    defs = dg.Definitions.merge(
        build_resources(planned), build_assets(planned), build_checks(planned),
        dg.Definitions(jobs=[dg.define_asset_job("checks_only", selection=dg.AssetSelection.checks_for_assets(
            employees))], executor=dg.in_process_executor))
    assert defs.resolve_job_def("checks_only").execute_in_process(instance=instance).success
    store = FileStore(tmp_path / "out")
    body = recorded.load(reports, "hr", "employees", None)
    assert body is not None and body["profile"] and body["content_hash"] == store.landed_hash("hr", "employees")

    monkeypatch.setattr(FileStore, "read_batches", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    plan = planned.datasets["hr"]
    landed = read_landed(plan.spec, tmp_path / "out", plan=plan, severity=planned.profile.checks,
                         recorded=str(reports))
    assert landed.read == [] and landed.tables["employees"].num_rows == body["rows"]


def test_the_report_command_with_a_profile_reuses_what_its_check_steps_recorded(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    profile = write_profile(tmp_path, datasets=["hr"], scale=0.2)
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))  # the profile's root: its reports/ folder
    planned = plan_profile(load_profile(profile, root=tmp_path))
    assert build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=dg.DagsterInstance.ephemeral()).success
    reads: list[str] = []
    monkeypatch.setattr(FileStore, "read_batches", lambda self, dataset, table, *a, **k: reads.append(table) or
                        (_ for _ in ()).throw(AssertionError(f"{table} read back")))
    result = CliRunner().invoke(app, ["report", str(planned.datasets["hr"].spec.file), "--data",
                                      str(tmp_path / "out"), "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    assert reads == [] and (tmp_path / "out" / "hr" / "_report.tmp_profile.html").exists()
