"""The quality report of a profile whose only destination is a database: read from the tables (partitioned
ones partition by partition), written to the local reports folder, with no password in it."""

from __future__ import annotations

import json

import dagster as dg
import pytest
import sqlalchemy as sa

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.defs.report import build_report
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import SCHEMAS

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")
SECRET = "pw-never-shown"


def _sql_profile(folder, url_env: str, schema: str | None):
    lines = ["profile: sql_report", f"datasets: [{json.dumps(str(SCHEMAS / 'healthcare.yaml'))}]", "seed: 42", "scale: 0.05",
             "partitions: {start: 2024-01-01, cadence: daily, end_offset: 0, backfill: single_run}",
             "destinations:", f"  - {{kind: sql, url: {{env: {url_env}}}"
             + (f", schema: {schema}" if schema else "") + "}",
             "sensors: {schema_changes: false, request_inbox: null}"]
    path = folder / "sql_report.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_profile(path, root=folder)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """(url with a password where the server takes one, schema or None)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mock.sqlite'}", None
    url, schema = request.getfixturevalue("postgres_db")
    # The test server trusts local connections, so any password is accepted — and must never be shown.
    return sa.make_url(url).set(password=SECRET).render_as_string(hide_password=False), schema


def test_the_report_of_a_database_is_built_from_its_tables(tmp_path, database_url, monkeypatch):
    url, schema = database_url
    monkeypatch.setenv("MOCK_PIPELINES_REPORT_DB_URL", url)
    planned = plan_profile(_sql_profile(tmp_path, "MOCK_PIPELINES_REPORT_DB_URL", schema))
    report_key = dg.AssetKey(["healthcare", "quality_report"])
    assert report_key in {key for a in build_report(planned).assets for key in a.keys}
    healthcare = planned.datasets["healthcare"]
    partitioned = [t for t in healthcare.order() if healthcare.table(t).is_partitioned]
    assert partitioned, "healthcare has tables that grow by partition"
    instance = dg.DagsterInstance.ephemeral()
    job = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="healthcare"))
    for day in ("2024-01-01", "2024-01-02"):
        assert job.execute_in_process(instance=instance, partition_key=day).success
    meta = instance.get_latest_materialization_event(report_key).asset_materialization.metadata
    report = tmp_path / "reports" / "sql_report" / "healthcare" / "quality_report.html"
    assert meta["report"].value == str(report) and report.exists()
    assert meta["checks_failed"].value == 0 and meta["checks_passed"].value > 20
    text = report.read_text()
    assert all(t in text for t in planned.datasets["healthcare"].order())
    assert "2024-01-01 00:00:00, 2024-01-03 00:00:00" in text  # the window of both partitions: both were read
    everything = text + json.dumps({k: str(v.value) for k, v in meta.items()})
    assert SECRET not in everything
