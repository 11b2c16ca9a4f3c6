"""The code location served by a real `dagster-webserver` process: it loads `mock_pipelines.definitions`
with a temporary profile (from MOCK_PIPELINES_PROFILE), lists the asset nodes over GraphQL, and a run of
`hr__all_tables` launched through the GraphQL API writes its Parquet files into the temporary folder.

The instance is a temporary DAGSTER_HOME holding a copy of the repository's dagster.yaml, with the
DefaultRunCoordinator: the default queued coordinator only starts runs from the daemon, which is not
running here (a launched run would stay QUEUED).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests
from ruamel.yaml import YAML

from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.conftest import _unavailable
from mock_pipelines_tests.defs.conftest import ROOT, write_profile

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LOCATION = "mock_pipelines"
REPOSITORY = "__repository__"
START_TIMEOUT = 90
RUN_TIMEOUT = 120
IN_PROCESS: dict = {}  # the code location's default executor already runs each run in one process


@dataclass
class Webserver:
    url: str
    port: int
    out: Path
    planned: ProfilePlan
    log: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                 timeout=30, proxies={"http": "", "https": ""})
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])


def _binary() -> str | None:
    local = Path(sys.executable).parent / "dagster-webserver"
    return str(local) if local.is_file() else shutil.which("dagster-webserver")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Stop the webserver and what it started (code server, run workers): its own process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children still alive after the webserver exited
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


REPOSITORY_QUERY = """
query Repository($location: String!, $name: String!) {
  repositoryOrError(repositorySelector: {repositoryLocationName: $location, repositoryName: $name}) {
    __typename
    ... on Repository {
      assetNodes { assetKey { path } groupName }
      jobs { name }
      schedules { name }
      sensors { name }
    }
    ... on PythonError { message }
    ... on RepositoryNotFoundError { message }
  }
}
"""


def dagster_home(folder: Path) -> Path:
    """``folder/dagster_home`` with the repository's dagster.yaml and the DefaultRunCoordinator."""
    home = folder / "dagster_home"
    home.mkdir(exist_ok=True)
    yaml = YAML(typ="safe")
    settings = yaml.load((ROOT / "dagster.yaml").read_text(encoding="utf-8")) or {}
    settings["run_coordinator"] = {"module": "dagster._core.run_coordinator.default_run_coordinator",
                                   "class": "DefaultRunCoordinator"}
    with (home / "dagster.yaml").open("w", encoding="utf-8") as f:
        yaml.dump(settings, f)
    return home


@contextlib.contextmanager
def serving(folder: Path, profile: Path, home: Path, out: Path) -> Iterator[Webserver]:
    """A real ``dagster-webserver`` on a free port, serving the code location of ``profile`` on the instance
    ``home``, once the code location has loaded; stopped (with what it started) on exit."""
    binary = _binary()
    if binary is None:
        _unavailable("the dagster-webserver executable is not installed")
    workspace = folder / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        "  - python_module:\n"
        "      module_name: mock_pipelines.definitions\n"
        f"      location_name: {LOCATION}\n"
        f"      working_directory: {ROOT}\n", encoding="utf-8")
    planned = plan_profile(load_profile(profile, root=ROOT))  # what the code location loads, for the expectations
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "MOCK_PIPELINES_HOME": str(ROOT),
           "MOCK_PIPELINES_PROFILE": str(profile),
           "NO_PROXY": ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get("NO_PROXY")]))}
    env["no_proxy"] = env["NO_PROXY"]
    log = folder / "webserver.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([binary, "-h", "127.0.0.1", "-p", str(port), "-w", str(workspace)],
                                   cwd=folder, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Webserver(f"http://127.0.0.1:{port}", port, out, planned, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"dagster-webserver exited with {process.returncode}:\n{server.log_tail()}")
            try:
                if requests.get(f"{server.url}/server_info", timeout=2,
                                proxies={"http": "", "https": ""}).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dagster-webserver did not answer /server_info within {START_TIMEOUT}s:\n"
                            f"{server.log_tail()}")
            time.sleep(0.5)
        # The code location may still be loading when the server answers.
        while True:
            repo = server.graphql(REPOSITORY_QUERY, {"location": LOCATION, "name": REPOSITORY})["repositoryOrError"]
            if repo["__typename"] == "Repository":
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the code location did not load: {repo}\n{server.log_tail()}")
            time.sleep(1)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def webserver(tmp_path_factory) -> Iterator[Webserver]:
    folder = tmp_path_factory.mktemp("webserver")
    out = folder / "out"
    profile = write_profile(folder, name="webserver_test", out=out, scale=0.05)
    with serving(folder, profile, dagster_home(folder), out) as server:
        yield server


def test_webserver_lists_the_asset_nodes_jobs_and_automation(webserver):
    repo = webserver.graphql(REPOSITORY_QUERY, {"location": LOCATION, "name": REPOSITORY})["repositoryOrError"]
    nodes = {tuple(n["assetKey"]["path"]): n["groupName"] for n in repo["assetNodes"]}
    expected = {(name, t): name for name, plan in webserver.planned.datasets.items() for t in plan.order()}
    expected |= {(name, "quality_report"): name for name in webserver.planned.datasets}
    assert nodes == expected
    jobs = {j["name"] for j in repo["jobs"]}
    assert {"all_datasets", "hr__all_tables", "shop__all_tables", "healthcare__all_tables",
            "shop__partitioned_tables", "healthcare__partitioned_tables"} <= jobs
    assert {s["name"] for s in repo["schedules"]} == {"shop__partitioned_tables__schedule",
                                                      "healthcare__partitioned_tables__schedule"}
    assert {s["name"] for s in repo["sensors"]} == {"schema_change_sensor", "dead_run_sensor"}  # no inbox


MATERIALIZATIONS = """
query Materializations($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset {
      assetMaterializations(limit: 1) {
        runId
        metadataEntries { label ... on IntMetadataEntry { intValue } ... on PathMetadataEntry { path } }
      }
    }
  }
}
"""


def test_a_run_launched_through_graphql_writes_the_tables(webserver):
    from dagster_graphql import DagsterGraphQLClient

    client = DagsterGraphQLClient("127.0.0.1", port_number=webserver.port, timeout=30)
    run_id = client.submit_job_execution("hr__all_tables", repository_location_name=LOCATION,
                                         repository_name=REPOSITORY, run_config=IN_PROCESS,
                                         tags={"mock_pipelines/test": "webserver"})
    deadline = time.monotonic() + RUN_TIMEOUT
    status = client.get_run_status(run_id)
    while status.value not in ("SUCCESS", "FAILURE", "CANCELED"):
        if time.monotonic() > deadline:
            pytest.fail(f"run {run_id} still {status.value} after {RUN_TIMEOUT}s:\n{webserver.log_tail()}")
        time.sleep(1)
        status = client.get_run_status(run_id)
    assert status.value == "SUCCESS", webserver.log_tail()

    tables = webserver.planned.datasets["hr"].order()
    assert sorted(p.relative_to(webserver.out).as_posix() for p in webserver.out.rglob("*.parquet")) == sorted(
        f"hr/{t}/part-00000.parquet" for t in tables)
    for table in tables:
        path = webserver.out / "hr" / table / "part-00000.parquet"
        rows = pq.read_metadata(path).num_rows
        assert rows > 0
        asset = webserver.graphql(MATERIALIZATIONS, {"path": ["hr", table]})["assetOrError"]
        assert asset["__typename"] == "Asset"
        [materialization] = asset["assetMaterializations"]
        assert materialization["runId"] == run_id
        entries = {e["label"]: e for e in materialization["metadataEntries"]}
        assert entries["dagster/row_count"]["intValue"] == rows
        assert Path(entries["destination"]["path"]) == path
