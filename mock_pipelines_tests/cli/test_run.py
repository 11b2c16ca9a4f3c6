"""`mock-pipelines run` in a real process on a tiny project with two profiles, `local` and `ci`:

* quiet by default — one line per table as it lands (asset, rows, seconds, destination), a line per check
  step, a summary; no Dagster log line, warning or banner on stdout or stderr; yet the instance keeps the
  run's full event log (DEBUG events included);
* `--verbose` streams Dagster's own log lines as well;
* profiles are kept apart: without `DAGSTER_HOME` each profile's runs are recorded in its own instance
  (`.dagster_home/<profile>`), and its reports go to `reports/<profile>/`, so a `ci` run touches none of
  the `local` profile's report files.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

SCHEMA = """\
dataset: tiny
seed: 5
tables:
  customers:
    rows: 30
    primary_key: customer_id
    columns:
      customer_id: sequence
      tier: {gen: choice, values: [gold, silver]}
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
"""

PROFILE = """\
profile: {name}
datasets: [tiny]
seed: 1
destinations:
  - kind: files
    path: out-{name}
sensors: {{schema_changes: false, request_inbox: null}}
"""

PARTITIONED_SCHEMA = """\
dataset: tinyp
seed: 5
tables:
  events:
    rows: 20
    partitioned: {time_column: event_ts, rows_per_day: 4}
    primary_key: event_id
    columns:
      event_id: sequence
      event_ts: {gen: timestamp, start: "2024-01-01", end: "2024-01-31"}
"""

PARTITIONED_PROFILE = """\
profile: p
datasets: [tinyp]
seed: 1
partitions: {start: 2024-01-01, cadence: daily, end_offset: 0}
destinations:
  - kind: files
    path: out-p
sensors: {schema_changes: false, request_inbox: null}
"""


@pytest.fixture(autouse=True)
def _dagster_logging_restored():
    """The in-process CLI (CliRunner) quietens the dagster logger and adds warning filters: restore both, so
    later tests in this process see Dagster's log and warnings as before."""
    import warnings

    level = logging.getLogger("dagster").level
    filters = list(warnings.filters)
    yield
    logging.getLogger("dagster").setLevel(level)
    warnings.filters[:] = filters
    getattr(warnings, "_filters_mutated", lambda: None)()  # drop the cached per-module decisions


def _partitioned_project(root: Path) -> Path:
    (root / "schemas").mkdir()
    (root / "schemas" / "tinyp.yaml").write_text(PARTITIONED_SCHEMA, encoding="utf-8")
    (root / "profiles").mkdir()
    (root / "profiles" / "p.yaml").write_text(PARTITIONED_PROFILE, encoding="utf-8")
    return root


# A progress line: asset, then "<n> rows", seconds, destination.
LANDED = re.compile(r"^  (tiny/\w+)\s+([\d,]+) rows\s+([\d.]+)s  (\S+)$")


@dataclass
class Project:
    root: Path
    local: subprocess.CompletedProcess
    ci: subprocess.CompletedProcess
    local_reports_before_ci: dict[str, bytes]


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MOCK_PIPELINES_PROFILE")}
    env["MOCK_PIPELINES_HOME"] = str(root)
    return subprocess.run([sys.executable, "-m", "mock_pipelines.cli", *args], capture_output=True, text=True,
                          cwd=root, env=env, timeout=300)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("project")
    (root / "schemas").mkdir()
    (root / "schemas" / "tiny.yaml").write_text(SCHEMA, encoding="utf-8")
    (root / "profiles").mkdir()
    for name in ("local", "ci"):
        (root / "profiles" / f"{name}.yaml").write_text(PROFILE.format(name=name), encoding="utf-8")
    local = _cli(root, "run", "--profile", "local", "--job", "tiny__all_tables")
    before = _files(root / "reports" / "local")
    ci = _cli(root, "run", "--profile", "ci", "--job", "tiny__all_tables", "--verbose")
    return Project(root, local, ci, before)


def test_run_prints_one_line_per_table_and_a_summary_and_nothing_from_dagster(project):
    done = project.local
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""  # no Dagster log line, warning or telemetry banner
    assert "DEBUG" not in done.stdout and " - dagster - " not in done.stdout
    lines = done.stdout.splitlines()
    assert lines[0].startswith("tiny__all_tables on profile local — run ")
    landed = [LANDED.match(line) for line in lines if LANDED.match(line)]
    assert [m[1] for m in landed] == ["tiny/customers", "tiny/orders"]  # one line per table, in FK order
    assert landed[0][2] == "30"
    assert Path(landed[0][4]) == project.root / "out-local" / "tiny" / "customers" / "part-00000.parquet"
    assert all(float(m[3]) >= 0 for m in landed)
    # the checks of each table asset (measured while it landed), then the cross-table checks of orders
    assert [line.split()[0] for line in lines if " checks " in line] == ["tiny/customers", "tiny/orders",
                                                                         "tiny/orders"]
    assert re.match(r"^succeeded in [\d.]+s: 2 tables, [\d,]+ rows; checks: \d+ passed, 0 failed, 0 warned$",
                    lines[-2])
    assert re.match(r"^time in steps: generation [\d.]+s \(of which measuring [\d.]+s, on a second thread\); "
                    r"check steps [\d.]+s; report steps [\d.]+s$", lines[-1])
    assert len(lines) == 1 + 2 + 3 + 1 + 1 + 1  # header, tables, check steps, the report, summary, timings


def test_the_instance_keeps_the_full_event_log_of_a_quiet_run(project):
    instance = dg.DagsterInstance.from_config(str(project.root / ".dagster_home" / "local"))
    with instance:
        [run] = instance.get_runs()
        logs = instance.all_logs(run.run_id)
    assert run.job_name == "tiny__all_tables" and run.run_id[:8] in project.local.stdout
    starts = [e for e in logs if e.dagster_event is not None and e.dagster_event.event_type_value == "STEP_START"]
    assert starts and all(e.level == logging.DEBUG for e in starts)
    assert any(e.dagster_event is not None and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
               for e in logs)


def test_run_verbose_streams_dagsters_log_lines(project):
    done = project.ci
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r" - dagster - DEBUG - tiny__all_tables - .* - STEP_START - ", done.stderr)
    assert "ASSET_MATERIALIZATION" in done.stderr
    assert [m[1] for m in map(LANDED.match, done.stdout.splitlines()) if m] == ["tiny/customers", "tiny/orders"]


def test_each_profile_has_its_own_instance_and_reports_folder(project):
    assert project.local_reports_before_ci, "the local run wrote its report and Data Docs"
    assert (project.root / "reports" / "local" / "tiny" / "quality_report.html").is_file()
    assert (project.root / "reports" / "ci" / "tiny" / "quality_report.html").is_file()
    for name in ("local", "ci"):  # each page says which profile's run it shows
        page = (project.root / "reports" / name / "tiny" / "quality_report.html").read_text()
        assert f'<span class="profile">profile {name}</span>' in page
    assert _files(project.root / "reports" / "local") == project.local_reports_before_ci  # ci touched none
    assert sorted(p.name for p in (project.root / "reports").iterdir()) == ["ci", "local"]
    homes = project.root / ".dagster_home"
    for name in ("local", "ci"):
        assert (homes / name / "dagster.yaml").read_text().startswith("telemetry:")
        with dg.DagsterInstance.from_config(str(homes / name)) as instance:
            runs = instance.get_runs()
            assert [r.tags.get("dagster/partition") for r in runs] == [None]
            assert len(runs) == 1 and runs[0].run_id[:8] in (project.local if name == "local" else project.ci).stdout
    assert f"recorded in {homes / 'ci'}" in project.ci.stdout


ROOT = Path(__file__).resolve().parents[2]


def _make_dry_run(*args: str) -> str:
    """What ``make -n -B <args>`` would run in the repository (nothing is run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("PROFILE", "MOCK_PIPELINES_PROFILE", "PORT")}
    done = subprocess.run(["make", "--no-print-directory", "-n", "-B", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(("args", "profile"), [((), "local"), (("PROFILE=ci",), "ci")])
def test_make_demo_and_ui_use_the_profiles_own_dagster_home(args, profile):
    home = ROOT / ".dagster_home" / profile
    demo = _make_dry_run("demo", *args)
    assert f"cp dagster.yaml {home}/dagster.yaml" in demo
    assert f"mock-pipelines run --profile {profile} --job all_datasets" in demo
    ui = _make_dry_run("ui", *args)
    assert f"cp dagster.yaml {home}/dagster.yaml" in ui
    assert f"MOCK_PIPELINES_PROFILE={profile} .venv/bin/dagster dev -h 127.0.0.1 -p 3000" in ui


def test_a_destination_variable_that_is_not_set_is_one_clear_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "tiny.yaml").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "db.yaml").write_text(
        "profile: db\ndatasets: [tiny]\ndestinations:\n  - kind: sql\n    url: {env: MOCK_PIPELINES_UNSET_URL}\n"
        "sensors: {schema_changes: false, request_inbox: null}\n", encoding="utf-8")
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MOCK_PIPELINES_UNSET_URL", raising=False)
    done = CliRunner().invoke(app, ["run", "--profile", "db", "--job", "tiny__all_tables"])
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit), done.exception  # a clean exit, not an uncaught error
    assert "environment variable MOCK_PIPELINES_UNSET_URL is not set (needed for a destination of the profile)" \
        in " ".join(done.output.split())


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--partition", "1999-01-05"], 1, "job 'tinyp__partitioned_tables' of profile 'p': partition '1999-01-05' does "
     "not exist (partitions start at 2024-01-01 and end at "),
    (["--from", "2024-01-06", "--to", "2024-01-05"], 1, "partition range 2024-01-06..2024-01-05 is reversed: the "
     "first partition comes after the last"),
    (["--from", "2024-01-06", "--to", "2024-13-45"], 1, "partition '2024-13-45' does not exist"),
    (["--partition", "2024-01-05", "--from", "2024-01-03"], 2, "give either --partition KEY or a range --from KEY "
     "--to KEY, not both"),
])
def test_partition_options_are_checked_before_a_run_is_created(tmp_path, monkeypatch, args, code, message):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    root = _partitioned_project(tmp_path)
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(root))
    monkeypatch.setenv("DAGSTER_HOME", str(root / "home"))
    done = CliRunner().invoke(app, ["run", "--profile", "p", "--job", "tinyp__partitioned_tables", *args])
    assert isinstance(done.exception, SystemExit), done.exception  # no traceback
    assert done.exit_code == code, done.output
    assert done.output.startswith("error: ") and len(done.output.strip().splitlines()) == 1, done.output
    assert message in done.output
    assert not (root / "home").exists() and not (root / "out-p").exists()  # no instance opened, nothing written


def test_a_failed_steps_reason_is_the_error_under_dagsters_wrappers_in_one_line():
    from dagster._utils.error import SerializableErrorInfo

    from mock_pipelines.cli import _failure_reason

    cause = SerializableErrorInfo("pyarrow.lib.ArrowInvalid: Decimal precision out of range [1, 38]\n", [],
                                  "ArrowInvalid")
    wrapper = SerializableErrorInfo('dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while '
                                    'executing op "tiny__customers":\n', [], "DagsterExecutionStepExecutionError",
                                    cause=cause)
    assert _failure_reason(wrapper) == "ArrowInvalid: Decimal precision out of range [1, 38]"
    plain = SerializableErrorInfo("ZeroDivisionError: division by zero\n", [], "ZeroDivisionError")
    outer = SerializableErrorInfo("dagster._core.errors.DagsterExecutionHandleOutputError: Error occurred while "
                                  "handling output\n", [], "DagsterExecutionHandleOutputError", cause=plain)
    assert _failure_reason(outer) == "ZeroDivisionError: division by zero"
    # Our own Failure names the reason itself: what caused it (the raw OSError) is not shown instead.
    failure = SerializableErrorInfo("dagster._core.definitions.events.Failure: cannot write out/t: disk full\n", [],
                                    "Failure", cause=SerializableErrorInfo("OSError: [Errno 28]\n", [], "OSError"))
    assert _failure_reason(SerializableErrorInfo("dagster._core.errors.DagsterExecutionStepExecutionError: x\n", [],
                                                 "DagsterExecutionStepExecutionError", cause=failure)) == \
        "cannot write out/t: disk full"
    assert _failure_reason(SerializableErrorInfo("KeyError: 'a'\nmore\n", [], "KeyError")) == "KeyError: 'a' more"


def test_a_landing_failure_is_reported_as_its_own_line_without_dagsters_types(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "tiny.yaml").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "bad.yaml").write_text(PROFILE.format(name="bad"), encoding="utf-8")
    (tmp_path / "out-bad").mkdir()
    (tmp_path / "out-bad" / "tiny").write_text("a file where the dataset folder goes", encoding="utf-8")
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    done = CliRunner().invoke(app, ["run", "--profile", "bad", "--job", "tiny__all_tables"])
    assert isinstance(done.exception, SystemExit) and done.exit_code == 1, done.output
    folder = tmp_path / "out-bad" / "tiny" / "customers"
    assert f"tiny__customers: cannot write {folder}: a part of the path is a file, not a folder: choose another " \
        "output folder (nothing was replaced)\n" in done.output
    assert "dagster." not in done.output and "Error occurred while executing" not in done.output


def _home_case(tmp_path: Path, case: str) -> tuple[Path, object]:
    """A Dagster home that cannot be opened, and what keeps it so (a held lock)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text({"type": "telemetry: 5\n", "yaml": "telemetry:\n  enabled: [false\n"}
                                       .get(case, "telemetry:\n  enabled: false\n"), encoding="utf-8")
    held = None
    if case == "lock":
        from filelock import FileLock

        from mock_pipelines.defs.instance import INSTANCE_LOCK

        held = FileLock(str(home / INSTANCE_LOCK))
        held.acquire()
    elif case == "oserror":  # the lock file cannot be created (a folder is in its place: fails even for root)
        from mock_pipelines.defs.instance import INSTANCE_LOCK

        (home / INSTANCE_LOCK).mkdir()
    return home, held


@pytest.mark.parametrize(("case", "message"), [
    ("type", "dagster.yaml: invalid Dagster instance settings: Value at path root:telemetry must be dict."),
    ("yaml", "dagster.yaml:3:1: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("lock", "stayed locked by another process"),
    ("oserror", "cannot open the Dagster instance in {home}: Is a directory ("),
])
def test_a_dagster_home_that_cannot_be_opened_is_one_clear_line(tmp_path, monkeypatch, case, message):
    from typer.testing import CliRunner

    import mock_pipelines.defs.instance as instance_module
    from mock_pipelines.cli import app

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "tiny.yaml").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "h.yaml").write_text(PROFILE.format(name="h"), encoding="utf-8")
    home, held = _home_case(tmp_path, case)
    monkeypatch.setattr(instance_module, "LOCK_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    try:
        done = CliRunner().invoke(app, ["run", "--profile", "h", "--job", "tiny__all_tables"])
    finally:
        if held is not None:
            held.release()
    assert isinstance(done.exception, SystemExit), done.exception  # no traceback
    assert done.exit_code == 1, done.output
    lines = done.output.splitlines()
    assert lines[-1].startswith("error: ") and message.format(home=home) in lines[-1], done.output
    assert not (tmp_path / "out-h").exists()


@pytest.mark.parametrize("verbose", [True, False])
def test_run_verbose_leaves_dagsters_warnings_shown_and_quiet_hides_them(tmp_path, monkeypatch, verbose):
    import warnings

    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    before = list(warnings.filters)
    done = CliRunner().invoke(app, ["run", "--profile", "nowhere", *(["--verbose"] if verbose else [])])
    assert done.exit_code == 1, done.output  # stops at the unknown profile, after setting up its output
    ignored = {f[2] for f in warnings.filters if f[0] == "ignore" and f[1] is None and f not in before}  # added
    assert (dg.BetaWarning in ignored) is not verbose
    assert (logging.getLogger("dagster").level == logging.ERROR) is not verbose


def test_the_dagster_home_expands_a_tilde_and_gets_a_newer_project_dagster_yaml(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from mock_pipelines.cli import _dagster_home

    root = tmp_path / "project"
    root.mkdir()
    project = root / "dagster.yaml"
    project.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    prof = SimpleNamespace(root=root, profile="p")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("DAGSTER_HOME", "~/dh")  # as a quoted DAGSTER_HOME="~/dh" leaves it
    assert _dagster_home(prof) == tmp_path / "user" / "dh"
    assert (tmp_path / "user" / "dh" / "dagster.yaml").read_bytes() == project.read_bytes()
    assert not (tmp_path / "~").exists()

    monkeypatch.delenv("DAGSTER_HOME")
    home = _dagster_home(prof)
    copy = home / "dagster.yaml"
    assert home == root / ".dagster_home" / "p" and copy.read_bytes() == project.read_bytes()
    os.utime(copy, (1_000_000, 1_000_000))
    project.write_text("telemetry:\n  enabled: false\nrun_monitoring:\n  enabled: true\n", encoding="utf-8")
    monkeypatch.delenv("DAGSTER_HOME")
    _dagster_home(prof)
    assert copy.read_bytes() == project.read_bytes()  # the project's file changed: copied again

    copy.write_text("telemetry:\n  enabled: false\n# edited here\n", encoding="utf-8")  # newer than the project's
    monkeypatch.delenv("DAGSTER_HOME")
    _dagster_home(prof)
    assert copy.read_text().endswith("# edited here\n")  # an edit made after the copy is kept

    own = tmp_path / "own-home"  # a DAGSTER_HOME of the user's, outside the project: never replaced
    own.mkdir()
    (own / "dagster.yaml").write_text("telemetry:\n  enabled: true\n", encoding="utf-8")
    os.utime(own / "dagster.yaml", (1_000_000, 1_000_000))
    monkeypatch.setenv("DAGSTER_HOME", str(own))
    _dagster_home(prof)
    assert (own / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"


BIG = """\
dataset: big
seed: 5
tables:
  things:
    rows: 100000000
    primary_key: thing_id
    columns:
      thing_id: sequence
      name: first_name
"""


@pytest.mark.slow
def test_ctrl_c_during_a_run_prints_interrupted_and_exits_130(tmp_path):
    import signal
    import time

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "big.yaml").write_text(BIG, encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "big.yaml").write_text(PROFILE.format(name="big").replace("[tiny]", "[big]"),
                                                    encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MOCK_PIPELINES_PROFILE")}
    env["MOCK_PIPELINES_HOME"] = str(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "mock_pipelines.cli", "run", "--profile", "big", "--job",
                             "big__all_tables"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    table = tmp_path / "out-big" / "big" / "things"
    try:
        deadline = time.time() + 120
        while not (table.is_dir() and any(table.glob(".part-00000.*.tmp"))):  # the step is writing
            assert proc.poll() is None and time.time() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, out + err
    assert re.fullmatch(r"interrupted after [\d.]+s \(0 tables landed\); run [0-9a-f]{8} is recorded as failed\n",
                        err), err
    assert re.search(r"^  big__things: interrupted after [\d.]+s$", out, re.M), out
    assert "FAILED" not in out and "Error" not in out + err
    assert not (table / "part-00000.parquet").exists()


def test_a_partition_range_run_prints_a_line_per_partition_and_tags_the_run_with_its_process(tmp_path):
    import socket

    from mock_pipelines.defs.instance import HOST_TAG, PID_TAG, PROCESS_STARTED_TAG, RUN_TAG

    root = _partitioned_project(tmp_path)
    done = _cli(root, "run", "--profile", "p", "--job", "tinyp__partitioned_tables", "--from", "2024-01-02",
                "--to", "2024-01-04")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = re.fullmatch(r"tinyp__partitioned_tables partitions 2024-01-02…2024-01-04 on profile p — run "
                          r"([0-9a-f]{8}), recorded in (.+)", lines[0])
    assert header, lines[0]
    landed = [re.fullmatch(r"  tinyp/events\s+(\S+)\s+([\d,]+) rows\s+[\d.]+s  (\S+)", line) for line in lines]
    landed = [m for m in landed if m]
    assert [m[1] for m in landed] == ["2024-01-02", "2024-01-03", "2024-01-04"]  # one line per partition
    assert [Path(m[3]) for m in landed] == [root / "out-p" / "tinyp" / "events" / f"date={d}" / "part-00000.parquet"
                                            for d in ("2024-01-02", "2024-01-03", "2024-01-04")]
    assert all(int(m[2]) > 0 for m in landed)
    with dg.DagsterInstance.from_config(str(root / ".dagster_home" / "p")) as instance:
        [run] = instance.get_runs()
    assert run.run_id.startswith(header[1]) and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["dagster/asset_partition_range_start"] == "2024-01-02"
    assert run.tags["dagster/asset_partition_range_end"] == "2024-01-04"
    assert run.tags[RUN_TAG] == run.run_id and run.tags[HOST_TAG] == socket.gethostname()
    assert int(run.tags[PID_TAG]) > 0 and int(run.tags[PID_TAG]) != os.getpid()
    assert float(run.tags[PROCESS_STARTED_TAG]) > 0
