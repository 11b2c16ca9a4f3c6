"""The quality report of a profile whose first destination is S3: read from the bucket (moto's S3 server),
written to the local reports folder, with no credential in the report or its metadata."""

from __future__ import annotations

import json

import dagster as dg

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.defs.report import build_report
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import SCHEMAS

SECRET = "s3cr3t-never-shown"


def _s3_profile(folder, endpoint: str, monkeypatch):
    monkeypatch.setenv("MOCK_PIPELINES_S3_ENDPOINT", endpoint)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)  # moto accepts any key pair
    path = folder / "s3_report.yaml"
    path.write_text("\n".join([
        "profile: s3_report",
        f"datasets: [{json.dumps(str(SCHEMAS / 'hr.yaml'))}]",
        "seed: 42",
        "scale: 0.2",
        "destinations:",
        "  - kind: files",
        "    path: s3://mock-reports/demo",
        "    format: parquet",
        "    endpoint_url: {env: MOCK_PIPELINES_S3_ENDPOINT}",
        "    credentials: {key_env: AWS_ACCESS_KEY_ID, secret_env: AWS_SECRET_ACCESS_KEY}",
    ]) + "\n")
    return load_profile(path, root=folder)


def test_the_report_of_s3_data_is_built_from_the_bucket(tmp_path, s3_server, monkeypatch):
    planned = plan_profile(_s3_profile(tmp_path, s3_server, monkeypatch))
    report_key = dg.AssetKey(["hr", "quality_report"])
    assert report_key in {key for a in build_report(planned).assets for key in a.keys}
    instance = dg.DagsterInstance.ephemeral()
    result = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=instance)
    assert result.success
    meta = instance.get_latest_materialization_event(report_key).asset_materialization.metadata
    report = tmp_path / "reports" / "s3_report" / "hr" / "quality_report.html"
    assert meta["report"].value == str(report) and report.exists()
    assert meta["checks_failed"].value == 0 and meta["checks_passed"].value > 20
    text = report.read_text()
    assert "s3://mock-reports/demo/hr" in text and "employees" in text
    everything = text + json.dumps({k: str(v.value) for k, v in meta.items()})
    assert SECRET not in everything and s3_server not in everything


def test_an_unreachable_s3_endpoint_fails_landing_and_report_in_one_line(tmp_path, monkeypatch):
    import socket
    import time

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDNEVERSHOWN")
    monkeypatch.setattr("mock_pipelines.store.files.s3.S3_RETRY_DELAY_SECONDS", 0.05)
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
    planned = plan_profile(_s3_profile(tmp_path, endpoint, monkeypatch))
    job = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr"))
    expected = f"S3 endpoint {endpoint} is unreachable: cannot connect"
    for selection in ([dg.AssetKey(["hr", "locations"])], [dg.AssetKey(["hr", "quality_report"])]):
        started = time.perf_counter()
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                                        asset_selection=selection)
        assert time.perf_counter() - started < 60
        assert not result.success
        (failure,) = [e for e in result.all_events if e.is_step_failure]
        error = failure.step_failure_data.error
        causes = [error] + ([error.cause] if error.cause else [])
        assert any(c.message.strip().splitlines()[-1].endswith("that the server is running")
                   and expected in c.message and "\n" not in c.message.strip() for c in causes), causes
        assert SECRET not in str(error.to_string()) and "AKIDNEVERSHOWN" not in str(error.to_string())
