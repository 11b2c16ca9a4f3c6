"""The code location is assembled from one builder per module, each given the planned profile and returning
only its own part of the definitions; the entry point builds it when Dagster loads it, not at import."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster.components.definitions import LazyDefinitions

import mock_pipelines.definitions as entry
from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.checks import build_checks
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import PARTITIONED_JOB, build_jobs
from mock_pipelines.defs.landing import IO_MANAGER_KEY
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.report import REPORT_TABLE, build_report
from mock_pipelines.defs.resources import build_resources
from mock_pipelines.defs.sensors import build_sensors
from mock_pipelines_tests.defs.conftest import tmp_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")


@pytest.fixture
def planned(tmp_path) -> ProfilePlan:
    return plan_profile(tmp_profile(tmp_path, datasets=["shop", "hr"], scale=0.05, inbox=tmp_path / "requests"))


def _parts(defs: dg.Definitions) -> set[str]:
    """Which kinds of definitions ``defs`` holds."""
    held = {"assets": defs.assets, "asset_checks": defs.asset_checks, "jobs": defs.jobs,
            "schedules": defs.schedules, "sensors": defs.sensors, "resources": defs.resources,
            "executor": defs.executor}
    return {name for name, value in held.items() if value}


def test_each_module_builds_only_its_own_part(planned):
    assert _parts(build_resources(planned)) == {"resources"}
    assert _parts(build_assets(planned)) == {"assets"}
    assert _parts(build_report(planned)) == {"assets"}
    assert _parts(build_checks(planned)) == {"asset_checks"}
    assert _parts(build_jobs(planned)) == {"jobs", "schedules", "executor"}
    assert _parts(build_sensors(planned)) == {"sensors"}

    tables = {key for a in build_assets(planned).assets for key in a.keys}
    reports = {key for a in build_report(planned).assets for key in a.keys}
    assert {key.path[-1] for key in reports} == {REPORT_TABLE} and not tables & reports
    assert tables == {dg.AssetKey([name, t]) for name, plan in planned.datasets.items() for t in plan.order()}
    assert set(build_resources(planned).resources) == {IO_MANAGER_KEY}


def test_the_merged_definitions_are_the_sum_of_the_parts(planned):
    defs = build_definitions(planned)
    parts = [build_resources(planned), build_assets(planned), build_report(planned), build_checks(planned),
             build_jobs(planned), build_sensors(planned)]
    assert {k for a in defs.assets for k in a.keys} == {k for p in parts for a in p.assets or [] for k in a.keys}
    assert {k for c in defs.asset_checks for k in c.check_keys} == \
        {k for p in parts for c in p.asset_checks or [] for k in c.check_keys}
    assert [j.name for j in defs.jobs] == [j.name for p in parts for j in p.jobs or []]
    assert [s.name for s in defs.sensors] == [s.name for p in parts for s in p.sensors or []]
    defs.get_repository_def()  # Dagster accepts the whole: every job and schedule resolves


def test_a_schedule_holds_the_partitioned_job_it_runs(planned):
    part = build_jobs(planned)
    jobs = {job.name: job for job in part.jobs}
    assert [s.name for s in part.schedules] == [f"{PARTITIONED_JOB.format(dataset='shop')}__schedule"]
    for schedule in part.schedules:  # the job object itself, not a name to look up later
        assert schedule.job is jobs[PARTITIONED_JOB.format(dataset="shop")]


def test_the_entry_point_builds_the_code_location_only_when_loaded(monkeypatch):
    assert isinstance(entry.defs, LazyDefinitions)  # importing the module read no profile
    monkeypatch.setenv("MOCK_PIPELINES_PROFILE", "no_such_profile")
    with pytest.raises(ValueError, match="unknown profile 'no_such_profile'"):
        entry.defs()
    monkeypatch.setenv("MOCK_PIPELINES_PROFILE", "ci")
    assert isinstance(entry.defs(), dg.Definitions)
