"""The Dagster instance of `mock-pipelines run`: safe first creation, and runs whose process died.

Two processes opening a fresh $DAGSTER_HOME at once both get a working instance (no `table alembic_version
already exists`). A run whose `mock-pipelines run` process was killed (kill -9) while a step held a pool slot
is marked failed, with the reason, and its slot is freed, by the next `mock-pipelines run` and by the
dead_run_sensor, so the next run completes without waiting on the pool.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.instance import process_tags
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.defs.sensors import DEAD_RUN_SENSOR
from mock_pipelines.defs.tags import HOST_TAG, PID_TAG, PROCESS_STARTED_TAG, RUN_TAG
from mock_pipelines_tests.defs.conftest import ROOT, SCHEMAS, tmp_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning",
                                        "ignore::DeprecationWarning")

OPEN = """
import sys, time
from pathlib import Path
from mock_pipelines.defs.instance import open_instance
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():  # all processes past their imports, then all open at once
    time.sleep(0.001)
instance = open_instance()
instance.get_runs(limit=1)
print("ok", len(instance.event_log_storage.get_concurrency_keys()))
"""


def fresh_home(folder: Path, pool_limit: int | None = None) -> Path:
    folder.mkdir(parents=True)
    text = (ROOT / "dagster.yaml").read_text(encoding="utf-8")
    if pool_limit is not None:
        text = text.replace("default_limit: 2", f"default_limit: {pool_limit}")
        assert f"default_limit: {pool_limit}" in text
    (folder / "dagster.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_concurrent_first_opens_of_a_fresh_home_all_succeed(tmp_path):
    # Without the lock, 3 processes opening a fresh home at the same moment collide on the storages' schema
    # migrations in most homes (`table alembic_version already exists`, `UNIQUE constraint failed`).
    script = tmp_path / "open_instance.py"
    script.write_text(OPEN, encoding="utf-8")
    go = tmp_path / "go"
    procs = []
    for h in range(2):
        env = {**os.environ, "DAGSTER_HOME": str(fresh_home(tmp_path / f"home{h}"))}
        procs += [subprocess.Popen([sys.executable, str(script), str(tmp_path / f"ready{h}-{i}"), str(go)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(3)]
    deadline = time.time() + 300
    while len(list(tmp_path.glob("ready*"))) < len(procs):
        assert time.time() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.05)
    go.touch()
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err[-600:] for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["ok 0"] * 6


def _dead_pid() -> tuple[int, float]:
    """The pid and start time of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    import psutil

    started = psutil.Process(proc.pid).create_time()
    proc.wait()
    return proc.pid, started


def test_dead_run_sensor_fails_runs_whose_process_is_gone_and_frees_their_pool_slots(tmp_path):
    with dg.instance_for_test() as instance:
        storage = instance.event_log_storage
        assert storage.supports_global_concurrency_limits
        storage.set_concurrency_slots("db", 1)
        pid, started = _dead_pid()
        live_tags = process_tags("live-run-0000")
        dead_tags = {**live_tags, PID_TAG: str(pid), PROCESS_STARTED_TAG: f"{started:.3f}"}
        reused_tags = {**live_tags, PROCESS_STARTED_TAG: f"{float(live_tags[PROCESS_STARTED_TAG]) - 3600:.3f}"}
        other_host = {**dead_tags, HOST_TAG: "another-host"}
        runs = {}
        for name, tags in (("dead", dead_tags), ("live", live_tags), ("reused", reused_tags),
                           ("other", other_host), ("untagged", {})):
            run_id = f"{name}-run-0000"
            tags = {**tags, RUN_TAG: run_id} if tags else tags
            run = instance.add_run(dg.DagsterRun(job_name="hr__all_tables", run_id=run_id,
                                                 status=dg.DagsterRunStatus.STARTED, tags=tags))
            runs[name] = run.run_id
        # Re-executions of the dead run (from the UI, or the auto-retry daemon) copy its tags, dead pid included,
        # and run in another, live process: with the parent's run id in the process tags, or with
        # dagster/parent_run_id set.
        for name, tags in (("reexecuted", {**dead_tags, RUN_TAG: runs["dead"]}),
                           ("retried", {**dead_tags, RUN_TAG: "retried-run-0000",
                                        "dagster/parent_run_id": runs["dead"]})):
            run = instance.add_run(dg.DagsterRun(job_name="hr__all_tables", run_id=f"{name}-run-0000",
                                                 status=dg.DagsterRunStatus.STARTED, tags=tags))
            runs[name] = run.run_id
        assert storage.claim_concurrency_slot("db", runs["dead"], "hr__employees").is_claimed
        assert not storage.claim_concurrency_slot("db", runs["live"], "hr__locations").is_claimed  # waits

        defs = build_definitions(plan_profile(tmp_profile(tmp_path, datasets=["hr"], inbox=None)))
        sensor = defs.resolve_sensor_def(DEAD_RUN_SENSOR)
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
        sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))

        status = {name: instance.get_run_by_id(run_id).status for name, run_id in runs.items()}
        # The dead process's run, and a run whose pid now belongs to another process (another start time).
        assert status == {"dead": dg.DagsterRunStatus.FAILURE, "live": dg.DagsterRunStatus.STARTED,
                          "reused": dg.DagsterRunStatus.FAILURE, "other": dg.DagsterRunStatus.STARTED,
                          "untagged": dg.DagsterRunStatus.STARTED, "reexecuted": dg.DagsterRunStatus.STARTED,
                          "retried": dg.DagsterRunStatus.STARTED}
        failure = next(e for e in instance.all_logs(runs["dead"]) if e.is_dagster_event
                       and e.dagster_event.event_type == dg.DagsterEventType.RUN_FAILURE)
        assert f"pid {pid}" in failure.message and "killed or crashed" in failure.message
        info = storage.get_concurrency_info("db")
        assert runs["dead"] not in {s.run_id for s in info.claimed_slots}
        assert storage.claim_concurrency_slot("db", runs["live"], "hr__locations").is_claimed  # the slot is free


# ---- a real kill -9 ---------------------------------------------------------------------------------------

SECOND_RUN_TIMEOUT = int(os.environ.get("MP_SECOND_RUN_TIMEOUT", "420"))


def _cli(args: list[str], env: dict[str, str], cwd: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mock_pipelines.cli", *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_killed_run_is_failed_and_its_pool_slot_freed_by_the_next_run(tmp_path, postgres_db):
    from mock_pipelines.schema.parse import load_dataset
    from mock_pipelines.store.sql import ddl_statements

    url, schema = postgres_db
    home = fresh_home(tmp_path / "home", pool_limit=1)  # one `db` slot: a leaked slot blocks every landing
    profile = tmp_path / "killed.yaml"
    profile.write_text("\n".join([
        "profile: killed", f"datasets: {json.dumps([str(SCHEMAS / 'hr.yaml')])}", "seed: 1", "scale: 0.02",
        "destinations:", f"  - {{kind: sql, url: {{env: MP_KILL_TEST_URL}}, schema: {schema}, mode: create}}",
        "sensors: {schema_changes: false, request_inbox: null}"]) + "\n", encoding="utf-8")
    env = {**os.environ, "DAGSTER_HOME": str(home), "MOCK_PIPELINES_HOME": str(tmp_path), "MP_KILL_TEST_URL": url}
    args = ["run", "--profile", str(profile), "--job", "hr__all_tables"]

    engine = sa.create_engine(url)
    spec = load_dataset(SCHEMAS / "hr.yaml")
    tables = list(spec.tables)
    with engine.begin() as conn:
        for statement in ddl_statements(spec, "postgresql", schema):
            conn.execute(sa.text(statement))
    # Hold every table locked: the first landing step blocks inside the database while it holds the slot.
    blocker = engine.connect()
    blocker.begin()
    blocker.execute(sa.text("LOCK TABLE " + ", ".join(f'"{schema}"."{t}"' for t in tables)
                            + " IN ACCESS EXCLUSIVE MODE"))
    first = _cli(args, env, tmp_path)
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            deadline = time.time() + 400
            while not instance.event_log_storage.get_concurrency_info("db").claimed_slots:
                assert first.poll() is None, first.communicate()[1][-2000:]
                assert time.time() < deadline, "the first run never claimed a db slot"
                time.sleep(0.2)
            (slot,) = instance.event_log_storage.get_concurrency_info("db").claimed_slots
            killed_run = slot.run_id
            assert instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.STARTED
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=60)
        blocker.rollback()
    finally:
        blocker.close()
        if first.poll() is None:
            first.kill()

    started = time.perf_counter()
    second = _cli(args, env, tmp_path)
    try:  # before the fix, it waited on "Step still blocked by limit for pool db" until killed here
        _, err = second.communicate(timeout=SECOND_RUN_TIMEOUT)
    finally:
        if second.poll() is None:
            second.kill()
            second.communicate()
    seconds = time.perf_counter() - started
    assert second.returncode == 0, err[-3000:]
    assert f"run {killed_run[:8]} (hr__all_tables) marked failed: its process {first.pid} is gone" in err
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run = instance.get_run_by_id(killed_run)
        assert run.status == dg.DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_info("db").claimed_slots
        (latest,) = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
        assert latest.tags[PID_TAG] == str(second.pid)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f'SELECT count(*) FROM "{schema}"."employees"')).scalar() > 0
    engine.dispose()
    print(f"second run after the kill: {seconds:.1f}s")
    shutil.rmtree(home, ignore_errors=True)
