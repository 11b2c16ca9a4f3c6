"""The Dagster definitions of one planned profile: each module's part, merged."""

from __future__ import annotations

import dagster as dg

from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.change_assets import build_change_assets
from mock_pipelines.defs.checks import build_checks
from mock_pipelines.defs.jobs import build_jobs
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.defs.report import build_report
from mock_pipelines.defs.resources import build_resources
from mock_pipelines.defs.scenario_assets import build_scenario_assets
from mock_pipelines.defs.sensors import build_sensors


def build_definitions(plan: ProfilePlan) -> dg.Definitions:
    """Resources, table assets, the change outputs and scenarios the profile selects, quality reports,
    checks, jobs with their schedules, and sensors.

    Raises ValueError for a profile whose destinations cannot hold its datasets (two tables of one name in
    one SQL namespace)."""
    return dg.Definitions.merge(build_resources(plan), build_assets(plan), build_change_assets(plan),
                                build_scenario_assets(plan),
                                build_report(plan), build_checks(plan), build_jobs(plan), build_sensors(plan))
