"""Every shipped profile loads, and every command printed in README.md and docs/*.md works.

The commands are extracted from the Markdown (fenced ``bash``/``sh``/``shell``/``console`` blocks), so a
new example is tested as soon as it is written. They run in document order, one shell per line
(``export`` lines carry over to the rest of their file), in a temporary copy of the project with the
repository's virtual environment first on PATH — nothing in the repository is written. Commands that
cannot run inside the test suite are listed in ``EXCEPTIONS`` with the reason; commands that need a
database server run when the server's test variable is set and skip naming it otherwise (a failure with
MOCK_PIPELINES_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from mock_pipelines.profiles.layout import available_profiles
from mock_pipelines_tests.conftest import _unavailable

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCKS = ("bash", "sh", "shell", "console")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
# First words a documented command may start with (after VAR=value assignments). Any other line in a
# shell block fails the extraction test: add its program here (and make sure it runs) or an exception.
PROGRAMS = frozenset({"mock-pipelines", "make", "sqlite3", "export", "dagster", "psql", "mysql", "source", "python"})
TIMEOUT = 600

# Commands that are not run, with the reason (matched against the whole command, comment stripped).
EXCEPTIONS = {
    "make test": "runs this very suite: it would recurse",
    "make bench": "the generation benchmark takes minutes (bench/ is linted by `make lint`, run here)",
    "dagster dev": "the same `dagster dev` as `make ui`, which is started and answered over HTTP here; the "
                   "profile it loads is built by test_every_shipped_profile_builds_its_definitions",
    "MOCK_PIPELINES_PROFILE=ci dagster dev": "as `dagster dev`: the ci profile's definitions are built below",
    "MOCK_PIPELINES_PROFILE=postgres dagster dev": "as `dagster dev`: the postgres profile's definitions are "
                                                   "built below",
    "MOCK_PIPELINES_PROFILE=/tmp/mine.yaml dagster dev": "a placeholder path for the reader's own profile",
}
# Commands known to fail on this branch, with the reason: remove the entry when the fix lands.
KNOWN_FAILURES: dict[str, str] = {}
# Commands that start a server (`make ui`, with or without PROFILE=…): started on a free port (the Makefile's
# PORT, from the environment), asked over HTTP until it answers, then stopped.
SERVER = re.compile(r"^make ui\b")
# Database servers: the documented variable a command needs -> the test variable that provides it.
SERVER_URLS = {"MOCK_PIPELINES_POSTGRES_URL": "MOCK_PIPELINES_TEST_POSTGRES_URL",
               "MOCK_PIPELINES_MYSQL_URL": "MOCK_PIPELINES_TEST_MYSQL_URL"}
NEEDS = [(re.compile(r"(--profile|-p)\s+postgres\b|MOCK_PIPELINES_PROFILE=postgres\b|(^|\|\s*)psql\b"),
          "MOCK_PIPELINES_POSTGRES_URL"),
         (re.compile(r"(--profile|-p)\s+mysql\b|MOCK_PIPELINES_PROFILE=mysql\b|(^|\|\s*)mysql\s"),
          "MOCK_PIPELINES_MYSQL_URL")]
# The scale every profile of the copy runs at: the shipped scales (up to 100x) take minutes; lookup tables
# (`rows: {fixed: N}`) keep their size, so every table still has rows.
COPY_SCALE = 0.05


@dataclass(frozen=True)
class Command:
    file: str
    line: int
    text: str  # as printed, comment and prompt stripped

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


def _strip_comment(line: str) -> str:
    """The command without a trailing ``# comment`` (a ``#`` that starts a shell word, outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def extract(path: Path) -> tuple[list[Command], list[str]]:
    """(commands of the shell blocks, problems: unknown programs and commands in unlabelled blocks)."""
    rel = str(path.relative_to(ROOT))
    commands: list[Command] = []
    problems: list[str] = []
    fence: str | None = None
    lang = ""
    pending = ""
    start = 0
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = FENCE.match(raw)
        if m and fence is None:
            fence, lang = m.group(2), m.group(3).lower()
            continue
        if m and fence is not None and m.group(2).startswith(fence[0]) and not m.group(3):
            fence = None
            continue
        if fence is None:
            continue
        line = raw.strip()
        if lang not in SHELL_BLOCKS:
            if lang in ("", "text") and re.match(r"^(\$ )?(mock-pipelines|make|dagster) ", line):
                problems.append(f"{rel}:{n}: a command in a ```{lang or ' '} block: label the block ```bash "
                                "so it is tested")
            continue
        if lang == "console":
            if not line.startswith("$ "):
                continue  # output
            line = line[2:]
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = n
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = _strip_comment(pending + line)
        pending = ""
        words = text.split()
        program = next((w for w in words if not ASSIGNMENT.match(w)), "")
        if program not in PROGRAMS:
            problems.append(f"{rel}:{start}: {text!r} starts with {program!r}, not a known program "
                            f"({', '.join(sorted(PROGRAMS))}): add it to PROGRAMS or EXCEPTIONS")
        commands.append(Command(rel, start, text))
    return commands, problems


def all_commands() -> list[Command]:
    return [c for path in DOCS for c in extract(path)[0]]


def test_the_docs_print_commands_and_every_one_is_recognised():
    problems = [p for path in DOCS for p in extract(path)[1]]
    assert not problems, "\n".join(problems)
    texts = {c.text for c in all_commands()}
    # the ones this issue is about are among them (the extraction is not silently empty)
    assert "mock-pipelines generate schemas/shop.yaml --out data/x10 --format csv --rows-scale 10 --seed 7" in texts
    assert "make demo" in texts and "make ui" in texts
    for listed in (*EXCEPTIONS, *KNOWN_FAILURES):
        assert listed in texts, f"{listed!r} is listed in this test but no longer printed in the docs: remove it"


def test_comment_stripping_keeps_hashes_inside_words_and_quotes():
    assert _strip_comment("mock-pipelines fake pattern -p format=ORD-####-?? -n 3") == \
        "mock-pipelines fake pattern -p format=ORD-####-?? -n 3"
    assert _strip_comment("make demo    # creates .venv") == "make demo"
    assert _strip_comment("mock-pipelines fake pattern -p 'format=# #' # x") == "mock-pipelines fake pattern -p 'format=# #'"


# ---- every shipped profile ---------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", available_profiles(ROOT))
def test_every_shipped_profile_builds_its_definitions(profile):
    """What `MOCK_PIPELINES_PROFILE=<name> dagster dev` loads: `mock_pipelines.definitions` builds every
    asset, check, job, schedule and sensor of the profile (a fresh interpreter: the code location reads the
    profile once, when loaded). Secrets are only read when a run starts, so no server is needed."""
    code = ("import mock_pipelines.definitions as d\n"
            "repo = d.defs().get_repository_def()\n"
            "print(len(repo.assets_defs_by_key), len(repo.get_all_jobs()))\n")
    env = {**os.environ, "MOCK_PIPELINES_PROFILE": profile, "MOCK_PIPELINES_HOME": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    assets, jobs = map(int, done.stdout.split()[-2:])
    assert assets > 0 and jobs > 0, done.stdout


# ---- every printed command -----------------------------------------------------------------------------------

def _copy_project(dest: Path) -> Path:
    """The tracked files of the project (as in the working tree), the repository's .venv linked in, every
    profile at COPY_SCALE."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = [f for f in listed.decode().split("\0") if f] if listed else []
    if not files:  # not a git checkout: the folders a project consists of
        files = [str(p.relative_to(ROOT)) for d in ("schemas", "profiles", "docs", "mock_pipelines",
                                                     "mock_pipelines_tests", "bench")
                 for p in (ROOT / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        files += [f for f in ("Makefile", "README.md", "dagster.yaml", "workspace.yaml", "pyproject.toml",
                              "requirements.lock") if (ROOT / f).is_file()]
    for f in files:
        if (ROOT / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)  # mtimes kept: make sees .venv/.installed as up to date
    stamp = ROOT / ".venv" / ".installed"
    if stamp.is_file():  # the copy's lock and pyproject are not newer than the install: make reuses it
        old = stamp.stat().st_mtime - 1
        for f in ("requirements.lock", "pyproject.toml"):
            if (dest / f).is_file():
                os.utime(dest / f, (old, old))
    venv = Path(sys.prefix)
    (dest / ".venv").symlink_to(venv if (venv / "bin").is_dir() else ROOT / ".venv")
    for profile in (dest / "profiles").glob("*.yaml"):
        text = profile.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^scale:\s*[0-9.]+", f"scale: {COPY_SCALE}", text)
        profile.write_text(text, encoding="utf-8")
    return dest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_to_completion(text: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a documented command in a session of its own; on timeout its whole process group is killed, so
    nothing it started outlives the test."""
    process = subprocess.Popen(["bash", "-o", "pipefail", "-c", text], cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"`{text}` did not finish within {TIMEOUT} s:\n{(stdout + stderr)[-3000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _serve(command: str, port: int, cwd: Path, env: dict[str, str], log: Path) -> None:
    """Start a documented server command, wait until it answers over HTTP, stop it (its process group)."""
    if not _free(port):
        pytest.skip(f"port {port} is taken by another process: cannot start `{command}`")
    with log.open("wb") as sink:
        process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert process.poll() is None, f"`{command}` exited with {process.returncode}:\n" + \
                log.read_text(errors="replace")[-3000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=5,
                                proxies={"http": "", "https": ""}).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        pytest.fail(f"`{command}` did not answer on port {port} within 180 s:\n"
                    + log.read_text(errors="replace")[-3000:])
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def _needs(command: str) -> str | None:
    return next((var for pattern, var in NEEDS if pattern.search(command)), None)


@dataclass
class DocState:
    """One Markdown file's commands share a project copy and an environment, in document order."""

    project: Path
    scratch: Path
    env: dict[str, str]
    cleared: set[str] = field(default_factory=set)  # the database servers this file's commands started empty


# What the shipped database profiles write to (``schema: mock_{dataset}``).
PROFILE_SCHEMAS = ("mock_shop", "mock_hr", "mock_healthcare")


def _clear_destinations(url: str) -> None:
    """Drop what earlier runs on the shared test server left in the profiles' schemas (PostgreSQL) or
    databases (MariaDB): a file's commands start from an empty server, as a reader's do, whatever seed,
    scale or schema version wrote there before."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for name in PROFILE_SCHEMAS:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE" if engine.dialect.name ==
                                     "postgresql" else f"DROP DATABASE IF EXISTS {name}"))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def doc_states(tmp_path_factory) -> dict[str, DocState]:
    return {}


def _state(doc: str, states: dict[str, DocState], tmp_path_factory) -> DocState:
    if doc not in states:
        project = _copy_project(tmp_path_factory.mktemp("project"))
        env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MOCK_PIPELINES_PROFILE")}
        env.update(PATH=f"{project / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
                   MOCK_PIPELINES_HOME=str(project), VIRTUAL_ENV=str(project / ".venv"), COLUMNS="160")
        env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, ["127.0.0.1", "localhost", env.get("NO_PROXY")]))
        states[doc] = DocState(project, tmp_path_factory.mktemp("scratch"), env)
    return states[doc]


@pytest.mark.timeout(TIMEOUT + 60)
@pytest.mark.parametrize("command", all_commands(), ids=lambda c: f"{c.file}:{c.line}")
def test_every_command_printed_in_the_docs_works(command, doc_states, tmp_path_factory):
    """Each command of a file runs after the ones above it, in the same project copy (`make demo` before
    the commands that read its output), with the environment its `export` lines set."""
    state = _state(command.file, doc_states, tmp_path_factory)
    project, env = state.project, state.env
    text = command.text.replace("/tmp/", f"{state.scratch}/")  # documented scratch files: into the test's folder
    if command.text in EXCEPTIONS:
        pytest.skip(f"not run: {EXCEPTIONS[command.text]}")
    words = shlex.split(text)
    if words and words[0] == "export":
        for assignment in words[1:]:
            name = assignment.partition("=")[0]
            if name in SERVER_URLS:  # the documented URL is an example: the test server's, if any
                env[name] = os.environ.get(SERVER_URLS[name], "")
            else:  # expanded by the shell, in the project folder ($PWD)
                env[name] = subprocess.run(["bash", "-c", f'{text}; printf %s "${name}"'], cwd=project,
                                           env=env, capture_output=True, text=True, check=True).stdout
        return
    needed = _needs(text)
    if needed is not None and not env.get(needed):
        _unavailable(f"{command} needs a server: {SERVER_URLS[needed]} is not set")
    if needed is not None and needed not in state.cleared:
        _clear_destinations(env[needed])
        state.cleared.add(needed)
    if SERVER.match(command.text):
        port = _free_port()
        _serve(text, port, project, {**env, "PORT": str(port)}, state.scratch / "server.log")
        return
    done = _run_to_completion(text, project, env)
    output = (done.stdout + done.stderr)[-3000:]
    if command.text in KNOWN_FAILURES:
        assert done.returncode != 0, f"{command} works now: remove it from KNOWN_FAILURES"
        pytest.xfail(KNOWN_FAILURES[command.text])
    assert done.returncode == 0, f"{command}\n  exit {done.returncode}\n{output}"
    assert "Traceback (most recent call last)" not in done.stdout + done.stderr, f"{command}\n{output}"
