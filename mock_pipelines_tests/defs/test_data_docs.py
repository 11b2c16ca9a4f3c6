"""GX Data Docs of the quality report: rendered by the report step from the check results the table assets
recorded, written beside the report, linked from its materialisation metadata, one page per table (the
latest run's), not one per run."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import dagster as dg

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import write_profile


def _planned(tmp_path: Path) -> ProfilePlan:
    # Root at tmp_path: reports go to tmp_path/reports/tmp_profile, not into the repository.
    return plan_profile(load_profile(write_profile(tmp_path, datasets=["hr"], scale=0.2), root=tmp_path))


def _path(url: str) -> Path:
    assert url.startswith("file://"), url
    return Path(unquote(urlparse(url).path))


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
    index = _path(meta["data_docs"].value)
    assert index == (tmp_path / "reports" / "tmp_profile" / "hr" / "data_docs" / "index.html").resolve() and index.exists()
    assert Path(meta["report"].value).parent == tmp_path / "reports" / "tmp_profile" / "hr"

