"""Several destinations in one profile: every table lands in each of them, with the same content."""

from __future__ import annotations

import json

import dagster as dg
import pyarrow.parquet as pq

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import SCHEMAS


def test_two_destinations_receive_identical_tables(tmp_path):
    parquet_out, csv_out = tmp_path / "parquet", tmp_path / "csv"
    path = tmp_path / "two.yaml"
    path.write_text("\n".join([
        "profile: two",
        f"datasets: {json.dumps([str(SCHEMAS / 'hr.yaml')])}",
        "seed: 1",
        "scale: 0.2",
        "destinations:",
        f"  - {{kind: files, path: {json.dumps(str(parquet_out))}, format: parquet}}",
        f"  - {{kind: files, path: {json.dumps(str(csv_out))}, format: csv}}",
        "sensors: {schema_changes: false, request_inbox: null}",
    ]) + "\n", encoding="utf-8")
    planned = plan_profile(load_profile(path, root=tmp_path))
    result = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=dg.DagsterInstance.ephemeral())
    assert result.success
    for table in planned.datasets["hr"].order():
        a = pq.read_table(parquet_out / "hr" / table / "part-00000.parquet")
        b = (csv_out / "hr" / table / "part-00000.csv").read_text(encoding="utf-8").splitlines()
        assert a.num_rows == len(b) - 1 > 0  # header + one line per row
    materialised = {e.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialised == {f"hr/{t}" for t in planned.datasets["hr"].order()} | {"hr/quality_report"}
    first = result.get_asset_materialization_events()[0].materialization.metadata
    assert "destination" in first and "dest2/destination" in first
    assert first["content_hash"].value == first["dest2/content_hash"].value  # same rows in both formats
