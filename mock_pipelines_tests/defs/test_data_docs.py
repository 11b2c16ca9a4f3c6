"""GX Data Docs of the quality report: rendered by the report step from the check results the table assets
recorded, written beside the report, named in the materialisation metadata by path (text a person copies from
the UI: a browser does not follow a ``file://`` link from the http page of the UI), one page per table (the
latest run's), not one per run."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import dagster as dg

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.report_links import report_links
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import write_profile


def _planned(tmp_path: Path) -> ProfilePlan:
    # Root at tmp_path: reports go to tmp_path/reports/tmp_profile, not into the repository.
    return plan_profile(load_profile(write_profile(tmp_path, datasets=["hr"], scale=0.2), root=tmp_path))


def _path(value: dg.MetadataValue) -> Path:
    """A path metadata value: an absolute path, shown as copyable text (not a URL the UI cannot open)."""
    assert isinstance(value, dg.PathMetadataValue), value
    assert Path(value.value).is_absolute() and "://" not in value.value, value.value
    return Path(value.value)


def _pages(folder: Path, table: str) -> list[Path]:
    return sorted((folder / "validations" / table).rglob("*.html"))


def test_the_report_step_renders_data_docs_from_the_recorded_results_and_a_rerun_replaces_them(tmp_path):
    planned = _planned(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    job = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr"))
    first = job.execute_in_process(instance=instance)
    assert first.success
    folder = tmp_path / "reports" / "tmp_profile" / "hr" / "data_docs"
    evaluations = first.get_asset_check_evaluations()
    employees = [e for e in evaluations if e.asset_key == dg.AssetKey(["hr", "employees"])]
    assert employees and not any("data_docs" in e.metadata for e in employees), "check steps render no Data Docs"
    index = folder / "index.html"
    assert index.exists()
    pages = _pages(folder, "employees")
    assert len(pages) == 1 and first.run_id in str(pages[0])
    assert "employee_id" in pages[0].read_text()  # the rules of that table
    html = pages[0].read_text()
    # the run name is the Dagster run id, the run time the run's start
    record = instance.get_run_record_by_id(first.run_id)
    assert record is not None and record.start_time
    started = dt.datetime.fromtimestamp(record.start_time, dt.UTC)
    assert re.search(rf"Run Name</div></td><td[^>]*><div[^>]*>{first.run_id}<", html)
    assert re.search(rf"Run Time</div></td><td[^>]*><div[^>]*>{started:%Y-%m-%dT%H:%M:%S}", html)
    tables = {e.asset_key.path[-1] for e in evaluations}
    assert all(_pages(folder, t) for t in tables), "every checked table has a page"
    assert all(t in index.read_text() for t in tables), "the index lists every table"

    second = job.execute_in_process(instance=instance)
    assert second.success
    again = _pages(folder, "employees")
    assert len(again) == 1 and second.run_id in str(again[0]) and not pages[0].exists()
    assert not [p for p in folder.rglob("*") if p.is_dir() and not any(p.iterdir())], "no empty run folders"


def test_the_quality_report_links_the_data_docs_of_the_whole_dataset(tmp_path):
    planned = _planned(tmp_path)
    defs = build_definitions(planned)
    instance = dg.DagsterInstance.ephemeral()
    assert defs.resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(instance=instance).success
    materialisation = instance.get_latest_materialization_event(dg.AssetKey(["hr", "quality_report"]))
    assert materialisation is not None
    meta = materialisation.asset_materialization.metadata
    index = _path(meta["data_docs"])
    assert index == (tmp_path / "reports" / "tmp_profile" / "hr" / "data_docs" / "index.html").resolve() and index.exists()
    assert _path(meta["report"]).parent == tmp_path / "reports" / "tmp_profile" / "hr"



def test_report_links_are_absolute_paths_and_leave_out_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    links = report_links(report="reports/x/quality_report.html", data_docs=None, data_docs_page=Path("p.html"))
    assert set(links) == {"report", "data_docs_page"}
    assert _path(links["report"]) == tmp_path / "reports" / "x" / "quality_report.html"
    assert _path(links["data_docs_page"]) == tmp_path / "p.html"
