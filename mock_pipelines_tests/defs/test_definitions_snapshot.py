"""The Dagster graph of every shipped profile, pinned: an unintended change to it shows up in review.

What is pinned is what a user sees in the UI and what schedules and sensors act on: asset keys, their
dependencies, groups, kinds, partitions and IO manager; check names per asset; jobs and the assets they
select; schedules (cron, timezone, job); sensors (job, default status, interval); resource keys.
After an intended change, update with ``pytest mock_pipelines_tests/defs/test_definitions_snapshot.py
--snapshot-update`` and review the diff of ``__snapshots__/``.
"""

from __future__ import annotations

import warnings
from typing import Any

import dagster as dg
import pytest

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.profiles.loading import load_profile

SHIPPED = ["ci", "local", "mysql", "postgres", "s3", "scale"]


def _key(key: dg.AssetKey) -> str:
    return key.to_user_string()


def describe(defs: dg.Definitions) -> dict[str, Any]:
    """A plain, ordered picture of a code location's graph (no object reprs, so it reads in a diff)."""
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=_key):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assets[_key(key)] = {
            "deps": sorted(_key(k) for k in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "partitions": str(node.partitions_def) if node.partitions_def else None,
            "checks": sorted(c.name for c in node.check_keys),
        }
    jobs = {}
    for job in sorted(repo.get_all_jobs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        jobs[job.name] = sorted(_key(k) for k in job.asset_layer.selected_asset_keys)
    schedules = {s.name: {"cron": s.cron_schedule, "timezone": s.execution_timezone, "job": s.job_name,
                          "default_status": s.default_status.value}
                 for s in sorted(repo.schedule_defs, key=lambda s: s.name)}
    sensors = {s.name: {"jobs": sorted(t.job_name for t in s.targets) if s.has_jobs else [],
                        "default_status": s.default_status.value,
                        "interval_seconds": s.minimum_interval_seconds}
               for s in sorted(repo.sensor_defs, key=lambda s: s.name)}
    return {"assets": assets, "jobs": jobs, "schedules": schedules, "sensors": sensors,
            "resources": sorted(defs.resources or {})}


@pytest.mark.parametrize("profile", SHIPPED)
def test_definitions_of_each_shipped_profile_match_the_snapshot(profile: str, snapshot,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCK_PIPELINES_HOME", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        picture = describe(build_definitions(plan_profile(load_profile(profile))))
    assert picture["assets"], f"profile {profile!r} defines no assets"
    assert picture == snapshot
