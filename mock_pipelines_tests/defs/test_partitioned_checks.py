"""Checks of a partitioned table are recorded against each partition, also inside a single-run backfill, so
Dagster shows the real status of every partition.

A tiny dataset (4 stores, 8 sales a day) is materialised with `mock-pipelines run` — one partition alone, then
single-run backfills of several days — and one partition is corrupted (a duplicated key) before its checks run
again through Dagster's API. A real `dagster-webserver` on that instance then answers the GraphQL query the UI
uses for the partition status of a check (`partitionStatuses`): every partition succeeded, except the
corrupted one, which failed, and none is "skipped".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.checks import build_checks
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import PARTITIONED_JOB
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.resources import build_resources
from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import write_profile
from mock_pipelines_tests.defs.test_webserver import dagster_home, serving

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SCHEMA = """\
dataset: pchk
seed: 3
tables:
  stores:
    rows: {fixed: 4}
    primary_key: store_id
    columns:
      store_id: sequence
      city: city
  sales:
    rows: 400
    partitioned: {time_column: sold_ts, rows_per_day: 8}
    primary_key: sale_id
    columns:
      sale_id: sequence
      store_id: {ref: stores.store_id}
      sold_ts: {gen: timestamp, start: "2024-01-01", end: "2024-01-31"}
      amount: {gen: uniform, min: 1, max: 100}
      channel: {gen: choice, values: {web: 0.7, store: 0.3}}
"""
SALES = dg.AssetKey(["pchk", "sales"])
JOB = PARTITIONED_JOB.format(dataset="pchk")
CORRUPTED = "2024-01-06"


def _project(folder: Path) -> tuple[Path, Path]:
    """The tiny schema and a single-run-backfill profile over it (files under ``folder/out``)."""
    schema = folder / "pchk.yaml"
    schema.write_text(SCHEMA, encoding="utf-8")
    return schema, write_profile(folder, name="pchecks", out=folder / "out", datasets=[schema], scale=1.0,
                                 backfill="single_run")


def _planned(folder: Path, profile: Path) -> ProfilePlan:
    return plan_profile(load_profile(profile, root=folder))


def _checks_only(planned: ProfilePlan) -> dg.JobDefinition:
    defs = dg.Definitions.merge(
        build_resources(planned), build_assets(planned), build_checks(planned),
        dg.Definitions(jobs=[dg.define_asset_job("sales_checks", selection=dg.AssetSelection.checks_for_assets(SALES))],
                       executor=dg.in_process_executor))
    return defs.resolve_job_def("sales_checks")


def _corrupt(out: Path, key: str) -> None:
    """A duplicated sale id in one partition of sales."""
    path = out / "pchk" / "sales" / f"date={key}" / "part-00000.parquet"
    table = pq.read_table(path)
    ids = table.column("sale_id").to_pylist()
    ids[1] = ids[0]
    i = table.schema.get_field_index("sale_id")
    pq.write_table(table.set_column(i, "sale_id", pa.array(ids, table.schema.field("sale_id").type)), path)


def _sales_check_specs(planned: ProfilePlan) -> dict[str, dg.AssetCheckSpec]:
    """Every check of sales: its single-table checks (on the asset) and its cross-table ones (a check step)."""
    graph = build_definitions(planned).resolve_asset_graph()
    return {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys if key.asset_key == SALES}


def _sales_check_names(planned: ProfilePlan) -> set[str]:
    return set(_sales_check_specs(planned))


def test_a_single_run_backfill_records_each_partitions_checks_against_it(tmp_path):
    _, profile = _project(tmp_path)
    planned = _planned(tmp_path, profile)
    defs = build_definitions(planned)
    instance = dg.DagsterInstance.ephemeral()
    assert defs.resolve_job_def("pchk__all_tables").execute_in_process(
        instance=instance, partition_key="2024-01-01").success
    days = ["2024-01-02", "2024-01-03", "2024-01-04"]
    result = defs.resolve_job_def(JOB).execute_in_process(
        instance=instance, tags={RANGE_START_TAG: days[0], RANGE_END_TAG: days[-1]})
    assert result.success
    evaluations = [e for e in result.get_asset_check_evaluations() if e.asset_key == SALES]
    names = _sales_check_names(planned)
    # One evaluation of every check on every partition, each recorded against its partition.
    assert Counter((e.check_name, e.partition) for e in evaluations) == {(n, d): 1 for n in names for d in days}
    assert all(e.passed for e in evaluations), [(e.check_name, e.partition) for e in evaluations if not e.passed]
    # Each evaluation targets its own partition's materialisation of this run.
    assert {e.partition: e.target_materialization_data.run_id for e in evaluations} == {d: result.run_id for d in days}
    # A distribution is not tested on 8 rows a day: recorded as not evaluated, never left without an outcome.
    assert {e.metadata["observed"].value for e in evaluations if e.check_name == "kl_divergence__channel"} == \
        {"not evaluated"}
    blocking = {name for name, spec in _sales_check_specs(planned).items() if spec.blocking}
    assert blocking and {e.check_name for e in evaluations if e.blocking} == blocking

    # A duplicated key in one partition fails that partition's blocking check, and the step with it.
    _corrupt(tmp_path / "out", "2024-01-03")
    again = _checks_only(planned).execute_in_process(instance=instance, raise_on_error=False,
                                                     tags={RANGE_START_TAG: days[0], RANGE_END_TAG: days[-1]})
    assert not again.success
    failed = [(e.check_name, e.partition) for e in again.get_asset_check_evaluations() if not e.passed]
    assert failed == [("pk_unique", "2024-01-03")]
    [failure] = [e for e in again.all_events if e.is_step_failure]
    assert "pk_unique" in str(failure.step_failure_data.error.message)


PARTITION_STATUSES = """
query CheckPartitions($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    __typename
    ... on AssetNode {
      assetChecksOrError {
        __typename
        ... on AssetChecks {
          checks {
            name
            partitionStatuses {
              __typename
              ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } }
            }
          }
        }
      }
    }
  }
}
"""


def _cli(folder: Path, home: Path, *args: str) -> str:
    env = {**os.environ, "DAGSTER_HOME": str(home), "MOCK_PIPELINES_HOME": str(folder)}
    done = subprocess.run([sys.executable, "-m", "mock_pipelines.cli", "run", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def checked_instance(tmp_path_factory) -> Iterator[tuple[Path, Path, Path, ProfilePlan]]:
    """A Dagster instance holding: 2024-01-01 materialised (with the stores) in a run of its own; 01-02…01-04
    and 01-05…01-06 in single-run backfills; then 01-06 corrupted and the sales checks run again over
    01-05…01-06 through Dagster's API."""
    folder = tmp_path_factory.mktemp("partitioned_checks")
    _, profile = _project(folder)
    home = dagster_home(folder)
    _cli(folder, home, "--profile", str(profile), "--job", "pchk__all_tables", "--partition", "2024-01-01")
    for start, end in (("2024-01-02", "2024-01-04"), ("2024-01-05", CORRUPTED)):
        out = _cli(folder, home, "--profile", str(profile), "--job", JOB, "--from", start, "--to", end)
        assert "0 failed, 0 warned" in out, out
    _corrupt(folder / "out", CORRUPTED)
    planned = _planned(folder, profile)
    instance = dg.DagsterInstance.from_config(str(home))
    with instance:
        result = _checks_only(planned).execute_in_process(instance=instance, raise_on_error=False,
                                                          tags={RANGE_START_TAG: "2024-01-05",
                                                                RANGE_END_TAG: CORRUPTED})
    assert not result.success  # a failed blocking check fails the step
    yield folder, profile, home, planned


def test_the_webserver_shows_each_partitions_check_status(checked_instance):
    folder, profile, home, planned = checked_instance
    with serving(folder, profile, home, folder / "out") as server:
        node = server.graphql(PARTITION_STATUSES, {"path": SALES.path})["assetNodeOrError"]
    assert node["__typename"] == "AssetNode", node
    checks = node["assetChecksOrError"]
    assert checks["__typename"] == "AssetChecks", checks
    statuses = {c["name"]: c["partitionStatuses"] for c in checks["checks"]}
    assert set(statuses) == _sales_check_names(planned)
    for name, status in statuses.items():
        assert status["__typename"] == "AssetCheckTimePartitionStatuses", (name, status)
        ranges = [(r["startKey"], r["endKey"], r["status"]) for r in status["ranges"]]
        if name == "pk_unique":
            assert ranges == [("2024-01-01", "2024-01-05", "SUCCEEDED"), (CORRUPTED, CORRUPTED, "FAILED")], name
        else:
            assert ranges == [("2024-01-01", CORRUPTED, "SUCCEEDED")], (name, ranges)

