"""The Dagster instance of `mock-pipelines run`: created safely, and runs whose process died failed.

* First creation: a fresh ``$DAGSTER_HOME`` gets its SQLite storages (and their schema migrations) on the
  first ``DagsterInstance.get()``; two processes doing it at once collide (``table alembic_version already
  exists``). :func:`open_instance` holds a file lock in ``$DAGSTER_HOME`` while it creates and touches
  every storage, so the second process finds them ready.
* Dead runs: a run executed in process by ``mock-pipelines run`` carries the pid, host and start time of
  its process in tags (:func:`process_tags`), with the run's own id: re-executing a run (from the UI, or
  the auto-retry daemon) copies the parent's tags to a new run that another process executes, so a run is
  judged by the process tags only when they name this very run (and never when it is a re-execution). A process killed with ``kill -9`` never reports the end of
  its run, which then stays ``STARTED`` and keeps any pool slot (``db``, ``s3``) its steps claimed, so the
  next runs wait on the pool forever. :func:`fail_dead_runs` marks such runs failed, with a reason, and
  frees their slots; the CLI calls it before each run, and the ``dead_run_sensor`` calls it under the
  daemon.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import psutil
from filelock import FileLock

from mock_pipelines.defs.tags import HOST_TAG, PARENT_RUN_TAG, PID_TAG, PROCESS_STARTED_TAG, RUN_TAG

INSTANCE_LOCK = ".mock_pipelines-instance.lock"
LOCK_TIMEOUT_SECONDS = 300
# Run statuses in which a run still claims to be alive (and may hold pool slots).
_LIVE = (dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
         dg.DagsterRunStatus.CANCELING)


def open_instance() -> dg.DagsterInstance:
    """``DagsterInstance.get()``, with the first creation of its storages under a file lock in
    ``$DAGSTER_HOME`` (concurrent first runs on a fresh home would collide on the schema migrations).

    Raises ``DagsterInvariantViolationError`` when ``$DAGSTER_HOME`` is not set or not a folder.
    """
    home = os.environ.get("DAGSTER_HOME")
    if not home or not os.path.isdir(os.path.expanduser(home)):
        return dg.DagsterInstance.get()  # raises with Dagster's own message
    with FileLock(str(Path(home).expanduser() / INSTANCE_LOCK), timeout=LOCK_TIMEOUT_SECONDS):
        instance = dg.DagsterInstance.get()
        try:  # storages are created lazily: create (and migrate) all of them while the lock is held
            instance.get_runs(limit=1)
            instance.event_log_storage.get_concurrency_keys()
            if instance.schedule_storage is not None:
                instance.schedule_storage.all_instigator_state()
        except BaseException:
            instance.dispose()
            raise
    return instance


def _process_start(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def process_tags(run_id: str) -> dict[str, str]:
    """Tags naming this process, for the run ``run_id`` it executes in process."""
    started = _process_start(os.getpid())
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(),
            PROCESS_STARTED_TAG: f"{started:.3f}" if started is not None else "", RUN_TAG: run_id}


def _own_process_tags(run: dg.DagsterRun) -> bool:
    """Whether the run's process tags were made for this run: a re-execution copies its parent's tags
    (with the parent's, dead, pid) and is executed by another process."""
    return run.tags.get(RUN_TAG) == run.run_id and PARENT_RUN_TAG not in run.tags


def _is_alive(tags: dict[str, str]) -> bool:
    """Whether the process named by a run's tags still runs (the same process: a reused pid has another
    start time). Unknown or malformed tags count as alive: never fail a run on a guess."""
    try:
        pid = int(tags[PID_TAG])
    except (KeyError, ValueError):
        return True
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped by its parent
            return False
        started = proc.create_time()
    except psutil.NoSuchProcess:  # ZombieProcess included
        return False
    except psutil.AccessDenied:
        return True
    try:
        recorded = float(tags.get(PROCESS_STARTED_TAG) or "nan")
    except ValueError:
        return True
    return recorded != recorded or abs(started - recorded) < 1.0  # nan: no start time recorded


def fail_dead_runs(instance: dg.DagsterInstance, log: Callable[[str], None] | None = None) -> list[str]:
    """Mark failed every run started by `mock-pipelines run` on this host whose process is gone, and free
    the pool slots it held. Returns the ids of the runs failed."""
    host = socket.gethostname()
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=list(_LIVE), tags={HOST_TAG: host}))
    failed = []
    for run in runs:
        if not _own_process_tags(run) or _is_alive(run.tags):
            continue
        message = (f"The process of this run (pid {run.tags.get(PID_TAG)} on {host}) is gone: it was killed or "
                   "crashed before the run ended. Marked failed and its pool slots freed by mock-pipelines.")
        instance.report_run_failed(run, message=message)
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
        if log is not None:
            log(f"run {run.run_id[:8]} ({run.job_name}) marked failed: its process {run.tags.get(PID_TAG)} is gone")
    return failed
