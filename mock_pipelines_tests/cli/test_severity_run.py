"""Severity means what the docs say: a failed check of severity `error` fails the run — in Dagster its
check is blocking (the step fails, the tables downstream are not materialised), `mock-pipelines run` exits 1
naming the check and still writes the quality report that shows it — while a check lowered to `warn` fails
nothing. A profile override naming no check is refused before anything runs."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

# Ages are drawn in 18..90: the expectation (max 30) fails on a few rows of 40.
SCHEMA = """\
dataset: sev
seed: 5
tables:
  customers:
    rows: 40
    primary_key: customer_id
    columns:
      customer_id: sequence
      age:
        gen: integer
        min: 18
        max: 90
        expect: {type: ExpectColumnValuesToBeBetween, max_value: 30}
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
"""

CHECK = "user__column_values_to_be_between__age"

PROFILE = """\
profile: {name}
datasets: [sev]
seed: 1
destinations:
  - kind: files
    path: out-{name}
sensors: {{schema_changes: false, request_inbox: null}}
{checks}"""


def _project(root: Path) -> Path:
    (root / "schemas").mkdir(parents=True)
    (root / "schemas" / "sev.yaml").write_text(SCHEMA, encoding="utf-8")
    (root / "profiles").mkdir()
    for name, checks in (("strict", ""), ("lenient", f"checks:\n  overrides:\n    customers.{CHECK}: warn\n"),
                         ("typo", "checks:\n  overrides:\n    customers.user__column_values_to_be_between__agee: warn\n")):
        (root / "profiles" / f"{name}.yaml").write_text(PROFILE.format(name=name, checks=checks), encoding="utf-8")
    return root


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MOCK_PIPELINES_PROFILE")}
    env["MOCK_PIPELINES_HOME"] = str(root)
    return subprocess.run([sys.executable, "-m", "mock_pipelines.cli", *args], capture_output=True, text=True,
                          cwd=root, env=env, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return _project(tmp_path_factory.mktemp("severity"))


@pytest.fixture(scope="module")
def strict_run(project) -> subprocess.CompletedProcess:
    return _cli(project, "run", "--profile", "strict", "--job", "sev__all_tables")


def test_run_with_a_failed_error_check_exits_1_naming_the_check_and_stops_downstream(project, strict_run):
    done = strict_run
    assert done.returncode == 1, done.stdout + done.stderr
    last = _summary(done.stdout)
    assert last.startswith("FAILED in ") and "1 failed" in last
    assert f"check of severity error failed: sev/customers: {CHECK}" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    out = project / "out-strict" / "sev"
    assert (out / "customers").is_dir() and not (out / "orders").exists()  # downstream of the check: not run


def test_run_with_a_failed_error_check_still_writes_the_report_that_shows_it(project, strict_run):
    report = project / "reports" / "strict" / "sev" / "quality_report.html"
    line = f"quality report of sev (written after the failed checks): {report}"
    assert line in strict_run.stdout.splitlines(), strict_run.stdout
    page = report.read_text(encoding="utf-8")
    run_id = strict_run.stdout.split(" — run ", 1)[1][:8]
    assert run_id in page
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert f"Needs attention 1 check did not pass; each is also listed with its table below. table check kind " \
           f"status observed expected unexpected examples customers {CHECK} blocking" in text
    assert "custom fail 33 of 40 rows within [−∞, 30]" in text
    assert "orders no data" in text  # orders was not materialised: the page says so rather than guessing
    docs = (report.parent / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "<title>sev · profile strict — Data Docs</title>" in docs  # the Data Docs name the dataset too


def test_run_with_the_check_lowered_to_warn_succeeds_and_counts_a_warning(project):
    done = _cli(project, "run", "--profile", "lenient", "--job", "sev__all_tables")
    assert done.returncode == 0, done.stdout + done.stderr
    last = _summary(done.stdout)
    assert last.startswith("succeeded in ") and "0 failed, 1 warned" in last
    assert (project / "out-lenient" / "sev" / "orders").is_dir()


def test_run_with_an_override_naming_no_check_is_refused_at_its_line(project, monkeypatch):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(project))
    monkeypatch.setenv("DAGSTER_HOME", str(project / "home"))
    done = CliRunner().invoke(app, ["run", "--profile", "typo", "--job", "sev__all_tables"])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.output
    text = " ".join(done.output.split())
    assert "profiles/typo.yaml:10:5: checks.overrides: table 'customers' has no check " \
           "'user__column_values_to_be_between__agee'" in text
    assert f"did you mean 'customers.{CHECK}'?" in text
    assert not (project / "out-typo").exists()


def _summary(stdout: str) -> str:
    """The run's summary line (``succeeded in …`` / ``FAILED in …``; the timing line follows it)."""
    return next(line for line in stdout.splitlines() if line.startswith(("succeeded in ", "FAILED in ")))


@pytest.mark.parametrize("profile", ["strict", "lenient"])
def test_in_dagster_an_error_check_is_blocking_and_a_warn_check_is_not(project, profile):
    from mock_pipelines.defs.code_location import build_definitions
    from mock_pipelines.defs.plan import plan_profile
    from mock_pipelines.profiles.loading import load_profile

    planned = plan_profile(load_profile(project / "profiles" / f"{profile}.yaml", root=project))
    defs = build_definitions(planned)
    graph = defs.resolve_asset_graph()
    spec = next(graph.get_check_spec(k) for k in graph.asset_check_keys if k.name == CHECK)
    assert spec.blocking == (profile == "strict")
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("sev__all_tables").execute_in_process(instance=instance, raise_on_error=False)
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == CHECK]
    assert not evaluation.passed
    materialised = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    if profile == "strict":
        assert not result.success and evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert materialised == {"customers"}  # orders and the report wait on the blocking check: not run
        assert "materialise sev/quality_report on its own" in evaluation.metadata["quality_report"].value
        # What the UI offers then: materialise the report on its own; it shows the failed check
        report = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey(["sev", "quality_report"])])
        [written] = report.get_asset_materialization_events()
        assert written.materialization.metadata["checks_failed"].value == 1
    else:
        assert result.success and evaluation.severity == dg.AssetCheckSeverity.WARN
        assert "quality_report" not in evaluation.metadata  # nothing is skipped: the report is written
        assert {"customers", "orders"} <= materialised
