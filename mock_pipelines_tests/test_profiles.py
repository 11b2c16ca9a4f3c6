"""Run profiles: the shipped profiles load, selection by environment and path, and every problem reported
with the file, the exact line and column, what was expected and a suggestion.

Locations are checked against an independent oracle: :func:`pos` finds the offending text in the YAML
source by plain string search, so a test fails if the loader points one character off.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from mock_pipelines.profiles import model
from mock_pipelines.profiles.env import EnvRef, MissingEnvVar, resolve_env
from mock_pipelines.profiles.layout import available_profiles, project_root
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.profiles.model import FilesDestination, Profile, SqlDestination
from mock_pipelines.spec.errors import Issue, SchemaError

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("local", "ci", "s3", "scale", "postgres", "mysql")

MINIMAL = """\
profile: {name}
datasets: [shop, hr]
destinations:
  - kind: files
    path: out
"""


# ---- helpers -----------------------------------------------------------------------------------------

def pos(text: str, target: str, after: str = "") -> tuple[int, int]:
    """1-based (line, column) of ``target`` in ``text``, at its only occurrence right after ``after``."""
    needle = after + target
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once in the test profile"
    i = text.index(needle) + len(after)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root of its own: a copy of the repository's schemas/, an empty profiles/."""
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    (tmp_path / "profiles").mkdir()
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    monkeypatch.delenv("MOCK_PIPELINES_PROFILE", raising=False)
    return tmp_path


def write(home: Path, name: str, text: str) -> Path:
    path = home / "profiles" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(home: Path, text: str, name: str = "broken") -> list[Issue]:
    path = write(home, name, text)
    with pytest.raises(SchemaError) as info:
        load_profile(name)
    for issue in info.value.issues:
        assert issue.location.file == str(path)
    return info.value.issues


def single(home: Path, text: str, name: str = "broken") -> Issue:
    issues = issues_of(home, text, name)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def at(issue: Issue) -> tuple[int | None, int | None]:
    return issue.location.line, issue.location.column


# ---- the shipped profiles ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_loads(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCK_PIPELINES_HOME", raising=False)
    profile = load_profile(name)
    assert profile.profile == name
    assert profile.description
    assert profile.file == REPO / "profiles" / f"{name}.yaml"
    assert all(p.is_file() for p in profile.dataset_paths())


def test_no_unexpected_profile_files() -> None:
    assert set(available_profiles(REPO)) == set(SHIPPED)


def test_shipped_profiles_say_what_the_brief_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCK_PIPELINES_HOME", raising=False)
    local = load_profile("local")
    assert local.datasets == ["shop", "hr", "healthcare"] and local.partitions is None
    files, sqlite = local.destinations
    assert isinstance(files, FilesDestination) and (files.path, files.format) == ("data", "parquet")
    assert isinstance(sqlite, SqlDestination) and sqlite.url == "sqlite:///data/mock_pipelines.sqlite"
    assert sqlite.resolved_url(REPO) == f"sqlite:///{REPO / 'data' / 'mock_pipelines.sqlite'}"
    assert not local.schedules.enabled and local.sensors.schema_changes
    assert local.inbox_dir() == REPO / "requests"

    ci = load_profile("ci")
    assert ci.scale == 0.05 and ci.partitions is not None
    assert (ci.partitions.start, ci.partitions.cadence) == (dt.datetime(2024, 1, 1), "daily")

    s3 = load_profile("s3")
    (dest,) = s3.destinations
    assert isinstance(dest, FilesDestination) and dest.is_s3 and dest.path == "s3://mock-pipelines/demo"
    assert dest.endpoint_url == EnvRef(env="MOCK_PIPELINES_S3_ENDPOINT") and dest.credentials is not None
    assert (s3.schedules.enabled, s3.schedules.cron, s3.schedules.timezone) == (True, "0 2 * * *", "UTC")
    assert s3.partitions is not None and s3.partitions.cadence == "daily"

    scale = load_profile("scale")
    assert (scale.datasets, scale.scale, scale.chunk_size) == (["shop"], 100.0, 1_048_576)
    assert scale.destinations[0].path == "data/scale"  # type: ignore[union-attr]

    for name, env in (("postgres", "MOCK_PIPELINES_POSTGRES_URL"), ("mysql", "MOCK_PIPELINES_MYSQL_URL")):
        database = load_profile(name)
        (sql,) = database.destinations
        assert isinstance(sql, SqlDestination) and sql.url == EnvRef(env=env) and sql.mode == "create"
        assert sql.schema_for("shop") == "mock_shop" and database.partitions is not None



def test_profiles_module_does_not_import_dagster() -> None:
    code = ("import sys; from mock_pipelines.profiles.loading import load_profile; load_profile('local'); "
            "print('dagster' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in ("MOCK_PIPELINES_HOME", "MOCK_PIPELINES_PROFILE")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         env=env)
    assert out.stdout.strip() == "False"


def test_profiles_package_imports_nothing_above_it() -> None:
    """Profiles name destinations, so they sit above the stores: loading one must not pull in the stores,
    the quality checks or the Dagster layer (the Dagster layer builds stores from profiles; a store never
    sees a profile)."""
    above = ("store", "quality", "defs", "cli", "definitions")
    code = ("import sys; from mock_pipelines.profiles.loading import load_profile; load_profile('local'); "
            f"print(sorted({{m.split('.')[1] for m in sys.modules if m.startswith('mock_pipelines.')}} & {set(above)!r}))")
    env = {k: v for k, v in os.environ.items() if k not in ("MOCK_PIPELINES_HOME", "MOCK_PIPELINES_PROFILE")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         env=env)
    assert out.stdout.strip() == "[]"


def test_choices_are_the_ones_the_core_and_stores_act_on() -> None:
    """A profile offers exactly the cadences the timeline computes and the formats the file store writes."""
    from mock_pipelines.core.timeline import CADENCES
    from mock_pipelines.store.files.formats import FORMATS

    assert get_args(model.Cadence) == CADENCES
    assert set(get_args(model.FileFormat)) <= set(FORMATS)


# ---- selection ---------------------------------------------------------------------------------------

def test_project_root_is_the_repository_unless_home_is_set(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    monkeypatch.delenv("MOCK_PIPELINES_HOME", raising=False)
    assert project_root() == REPO
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    assert project_root() == tmp_path.resolve()


def test_default_profile_is_local(home: Path) -> None:
    write(home, "local", MINIMAL.format(name="local"))
    profile = load_profile()
    assert profile.profile == "local" and profile.root == home.resolve()
    assert profile.dataset_paths() == [home / "schemas" / "shop.yaml", home / "schemas" / "hr.yaml"]


def test_environment_selects_the_profile(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home, "local", MINIMAL.format(name="local"))
    write(home, "nightly", MINIMAL.format(name="nightly"))
    monkeypatch.setenv("MOCK_PIPELINES_PROFILE", "nightly")
    assert load_profile().profile == "nightly"
    assert load_profile("local").profile == "local"  # an explicit name wins


def test_environment_names_an_unknown_profile(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home, "nightly", MINIMAL.format(name="nightly"))
    monkeypatch.setenv("MOCK_PIPELINES_PROFILE", "nighty")
    with pytest.raises(SchemaError) as info:
        load_profile()
    (issue,) = info.value.issues
    assert "'nighty'" in issue.message and "MOCK_PIPELINES_PROFILE" in issue.message
    assert issue.suggestion == "nightly" and "nightly" in (issue.expected or "")


def test_a_path_selects_the_profile(home: Path, tmp_path_factory: pytest.TempPathFactory,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "adhoc.yaml"
    elsewhere.write_text(MINIMAL.format(name="adhoc"))
    for given in (elsewhere, str(elsewhere)):
        profile = load_profile(given)
        assert profile.file == elsewhere and profile.root == home.resolve()  # datasets still from the root
    monkeypatch.setenv("MOCK_PIPELINES_PROFILE", str(elsewhere))
    assert load_profile().profile == "adhoc"
    monkeypatch.chdir(elsewhere.parent)
    assert load_profile("adhoc.yaml").profile == "adhoc"
    with pytest.raises(SchemaError, match="profile file not found"):
        load_profile("missing/adhoc.yaml")


def test_an_explicit_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCK_PIPELINES_HOME", raising=False)
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    (tmp_path / "profiles").mkdir()
    write(tmp_path, "mine", MINIMAL.format(name="mine"))
    profile = load_profile("mine", root=tmp_path)
    assert profile.dataset_paths()[0] == tmp_path.resolve() / "schemas" / "shop.yaml"


def test_unknown_profile_name_suggests_a_near_miss(home: Path) -> None:
    write(home, "local", MINIMAL.format(name="local"))
    with pytest.raises(SchemaError) as info:
        load_profile("lcoal")
    (issue,) = info.value.issues
    assert issue.suggestion == "local" and issue.location.file == str(home / "profiles" / "lcoal.yaml")


# ---- validation errors: where, what was expected, what to write -----------------------------------------

def test_unknown_top_level_key(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "automaton: true\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "automaton")
    assert "unknown key 'automaton'" in issue.message and issue.suggestion == "automation"
    assert "automation" in (issue.expected or "")


def test_unknown_nested_keys(home: Path) -> None:
    text = MINIMAL.format(name="broken").replace("    path: out\n", "    path: out\n    formt: csv\n") + (
        "partitions:\n  start: 2024-01-01\n  cadance: hourly\n"
        "sensors: {schema_change: false}\n")
    issues = issues_of(home, text)
    assert [(at(i), i.suggestion) for i in issues] == [
        (pos(text, "formt"), "format"), (pos(text, "cadance"), "cadence"),
        (pos(text, "schema_change"), "schema_changes")]
    assert "destinations[0]" in issues[0].message and "partitions" in issues[1].message


def test_key_of_the_other_destination_kind(home: Path) -> None:
    text = MINIMAL.format(name="broken").replace("    path: out\n", "    path: out\n    schema: mock\n")
    issue = single(home, text)
    assert at(issue) == pos(text, "schema")
    assert "kind: files" in (issue.suggestion or "")


@pytest.mark.parametrize(("line", "target", "words"), [
    ("seed: '42'\n", "'42'", "seed must be a whole number"),
    ("seed: true\n", "true", "seed must be a whole number"),
    ("scale: 0\n", "0", "scale must be > 0"),
    ("scale: fast\n", "fast", "scale must be a number"),
    ("chunk_size: 1.5\n", "1.5", "chunk_size must be a whole number"),
    ("automation: yes\n", "yes", "automation must be true or false"),
    ("partitions: daily\n", "daily", "partitions must be a mapping"),
    ("rows: {shop.customers: -5}\n", "-5", "must be >= 0"),
    ("schedules: {cron: '0 2 * *'}\n", "'0 2 * *'", "not a cron expression"),
    ("partitions: {start: someday}\n", "someday", "partitions.start must be a date or a datetime"),
])
def test_wrong_types_and_values(home: Path, line: str, target: str, words: str) -> None:
    text = MINIMAL.format(name="broken") + line
    issue = single(home, text)
    assert at(issue) == pos(text, target)
    assert words in issue.message
    assert issue.expected


def test_datasets_must_be_a_non_empty_list(home: Path) -> None:
    text = "profile: broken\ndatasets: shop\ndestinations: []\n"
    issues = issues_of(home, text)
    assert [(at(i), i.message) for i in issues] == [
        (pos(text, "shop"), "datasets must be a list"),
        (pos(text, "[]"), "destinations needs at least 1 entry")]


def test_missing_required_keys(home: Path) -> None:
    text = "# a comment first\nprofile: broken\npartitions:\n  cadence: daily\n"
    issues = issues_of(home, text)
    messages = {i.message: at(i) for i in issues}
    assert messages["missing key 'datasets' in the profile"] == pos(text, "profile")
    assert messages["missing key 'destinations' in the profile"] == pos(text, "profile")
    assert messages["missing key 'start' in partitions"] == pos(text, "partitions")
    assert all(i.expected for i in issues)


def test_bad_cadence_and_backfill(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "partitions:\n  start: 2024-01-01\n  cadence: dayly\n  backfill: all\n"
    cadence, backfill = issues_of(home, text)
    assert at(cadence) == pos(text, "dayly") and cadence.suggestion == "daily"
    assert cadence.expected == "one of hourly, daily, weekly, monthly"
    assert at(backfill) == pos(text, "all") and backfill.expected == "one of single_run, per_partition"


def test_partition_start_must_be_on_a_boundary(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "partitions: {start: 2024-01-01T05:30:00, cadence: daily}\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "2024-01-01T05:30:00") and "midnight" in issue.message
    assert issue.expected == "start: 2024-01-01"
    hourly = MINIMAL.format(name="hourly") + "partitions: {start: 2024-01-01T05:00:00, cadence: hourly}\n"
    write(home, "hourly", hourly)
    assert load_profile("hourly").partitions.start == dt.datetime(2024, 1, 1, 5)  # type: ignore[union-attr]


def test_partition_start_with_an_offset_is_utc(home: Path) -> None:
    write(home, "tz", MINIMAL.format(name="tz") + "partitions: {start: 2024-01-01T02:00:00+02:00}\n")
    assert load_profile("tz").partitions.start == dt.datetime(2024, 1, 1)  # type: ignore[union-attr]


def test_bad_destination_kind(home: Path) -> None:
    text = MINIMAL.format(name="broken").replace("kind: files", "kind: fils")
    issue = single(home, text)
    assert at(issue) == pos(text, "fils") and issue.suggestion == "files"
    text = MINIMAL.format(name="broken").replace("  - kind: files\n    path: out\n", "  - path: out\n")
    issue = single(home, text)
    assert at(issue) == pos(text, "path: out") and "needs `kind:`" in issue.message


def test_unknown_locale_and_timezone(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "locale: en_UK\nschedules: {timezone: Europe/Berln}\n"
    locale, tz = issues_of(home, text)
    assert at(locale) == pos(text, "en_UK") and locale.suggestion == "en_US" and "'en_UK'" in locale.message
    assert at(tz) == pos(text, "Europe/Berln") and tz.suggestion == "Europe/Berlin"


def test_unknown_dataset_suggests_a_schema(home: Path) -> None:
    text = MINIMAL.format(name="broken").replace("[shop, hr]", "[shop, hrr]")
    issue = single(home, text)
    assert at(issue) == pos(text, "hrr")
    assert issue.suggestion == "hr" and issue.expected == "one of healthcare, hr, shop"
    text = MINIMAL.format(name="broken").replace("[shop, hr]", "[shop, hr, shop]")
    issue = single(home, text)
    assert at(issue) == pos(text, "shop]") and "twice" in issue.message


def test_dataset_by_path(home: Path) -> None:
    (home / "more").mkdir()
    shutil.copy(home / "schemas" / "hr.yaml", home / "more" / "people.yaml")
    write(home, "paths", MINIMAL.format(name="paths").replace("[shop, hr]", "[shop, more/people.yaml]")
          + "rows: {people.departments: 12}\n")
    profile = load_profile("paths")
    assert profile.dataset_paths()[1] == home / "more" / "people.yaml"
    assert profile.dataset_names() == ["shop", "people"]
    assert profile.row_overrides("people") == {"departments": 12}
    text = MINIMAL.format(name="broken").replace("[shop, hr]", "[shop, more/nobody.yaml]")
    issue = single(home, text)
    assert at(issue) == pos(text, "more/nobody.yaml") and "not found" in issue.message


def test_rows_keys_name_real_tables(home: Path) -> None:
    text = MINIMAL.format(name="broken") + (
        "rows:\n  shop.customer: 5\n  shop.orders: 3\n  shopp.products: 1\n  customers: 2\n  hr.departments: 12\n")
    issues = issues_of(home, text)
    assert [at(i) for i in issues] == [pos(text, "shop.customer:"), pos(text, "shop.orders"),
                                        pos(text, "shopp.products"), pos(text, "customers", after="\n  ")]
    table, per_parent, dataset, malformed = issues
    assert "no table 'customer'" in table.message and table.suggestion == "shop.customers"
    assert "customers" in (table.expected or "")
    assert "follows its parent 'customers'" in per_parent.message
    assert "shop.customers" in (per_parent.suggestion or "")
    assert dataset.suggestion == "shop" and dataset.expected == "one of shop, hr"
    assert "dataset.table" in malformed.message


def test_row_overrides(home: Path) -> None:
    write(home, "rows", MINIMAL.format(name="rows") + "rows: {shop.customers: 500, hr.departments: 12, "
          "shop.products: 0}\n")
    profile = load_profile("rows")
    assert profile.row_overrides("shop") == {"customers": 500, "products": 0}
    assert profile.row_overrides("hr") == {"departments": 12}
    assert profile.row_overrides("healthcare") == {}


def test_profile_name_must_match_the_file(home: Path) -> None:
    text = MINIMAL.format(name="brokn")
    issue = single(home, text)
    assert at(issue) == pos(text, "brokn")
    assert issue.expected == "profile: broken" and "broken" in (issue.suggestion or "")


def test_destination_consistency(home: Path) -> None:
    text = """\
profile: broken
datasets: [shop]
destinations:
  - kind: files
    path: out
    endpoint_url: http://localhost:9000
  - kind: sql
    url: MY_DB_URL
  - kind: sql
    url: sqlite:///x.db
    schema: mock
  - kind: files
    path: s3:///prefix
  - {kind: files, path: out/}
  - {kind: sql, url: {env: A, default: b}}
  - {kind: files, path: s3://bucket, credentials: {key_env: "not a name", secret_env: S}}
"""
    issues = issues_of(home, text)
    assert [at(i) for i in issues] == [
        pos(text, "endpoint_url"), pos(text, "MY_DB_URL"), pos(text, "schema:"), pos(text, "s3:///prefix"),
        pos(text, "{kind: files, path: out/}"), pos(text, "{env: A, default: b}"), pos(text, '"not a name"')]
    endpoint, url, schema, bucket, twice, env_ref, env_name = issues
    assert "s3:// paths only" in endpoint.message
    assert url.suggestion == "to read it from the environment variable MY_DB_URL, write `url: {env: MY_DB_URL}`"
    assert "SQLite has no schemas" in schema.message
    assert "needs a bucket" in bucket.message
    assert "destinations[0]" in twice.message
    assert "'default'" in env_ref.message and env_ref.expected == "{env: NAME}"
    assert "name of an environment variable" in env_name.message


def test_every_problem_is_reported_at_once(home: Path) -> None:
    text = """\
profile: brokn
datasets: [shop, hrr]
seed: x
scale: -1
rows: {shop.custmers: 5}
partitions: {start: 2024-01-01, cadence: dayly}
destinations:
  - {kind: files, path: out, formt: csv}
automaton: true
"""
    issues = issues_of(home, text)
    assert len(issues) == 8, "\n".join(map(str, issues))
    assert [i.location.line for i in issues] == sorted(i.location.line or 0 for i in issues)


def test_syntax_errors_and_empty_files(home: Path) -> None:
    (issue,) = issues_of(home, "profile: broken\ndatasets: [shop\n")
    assert "invalid YAML" in issue.message and issue.location.line is not None
    (issue,) = issues_of(home, "")
    assert "mapping" in issue.message and "profile:" in (issue.expected or "")


# ---- secrets -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("snippet", "secret", "target"), [
    ("  - {kind: sql, url: 'postgresql://mock:hunter2@db:5432/mock'}\n", "hunter2", "'postgresql://"),
    ("  - {kind: sql, url: 'mysql://db/mock?user=me&password=hunter2'}\n", "hunter2", "'mysql://"),
    ("  - {kind: sql, url: 'host=db dbname=mock password=hunter2'}\n", "hunter2", "'host=db"),
    ("  - {kind: files, path: 's3://b/p', endpoint_url: 'http://u:hunter2@minio:9000'}\n", "hunter2",
     "'http://u:"),
    ("  - {kind: files, path: 's3://b/p', credentials: {key_env: K, secret: hunter2}}\n", "hunter2", "secret:"),
    ("  - {kind: files, path: 's3://b/p', credentials: {key: AKIAIOSFODNN7EXAMPLE, secret_env: S}}\n",
     "AKIAIOSFODNN7EXAMPLE", "key:"),
    ("  - {kind: sql, url: 'sqlite:///x.db', password: hunter2}\n", "hunter2", "password:"),
    ("  - {kind: files, path: 's3://b/AKIAIOSFODNN7EXAMPLE'}\n", "AKIAIOSFODNN7EXAMPLE", "'s3://"),
])
def test_literal_secrets_are_rejected(home: Path, snippet: str, secret: str, target: str) -> None:
    text = "profile: broken\ndatasets: [shop]\ndestinations:\n" + snippet
    issues = issues_of(home, text)
    secret_issues = [i for i in issues if "secrets never go" in i.message]
    assert len(secret_issues) == 1, "\n".join(map(str, issues))
    (issue,) = secret_issues
    assert at(issue) == pos(text, target)
    assert "env" in (issue.suggestion or "")
    for i in issues:
        assert secret not in str(i)


def test_secret_like_keys_elsewhere_are_rejected_too(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "token: abc123def\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "token") and "abc123def" not in str(issue)
    assert "{env: NAME}" in (issue.suggestion or "")


def test_env_references_and_variable_names_are_not_secrets(home: Path) -> None:
    write(home, "envs", """\
profile: envs
datasets: [shop]
destinations:
  - kind: files
    path: s3://bucket/prefix
    endpoint_url: {env: MY_ENDPOINT}
    credentials: {key_env: MY_KEY, secret_env: MY_SECRET}
  - kind: sql
    url: {env: MY_DB_URL}
    schema: mock
checks: {overrides: {primary_key_unique: warn, api_key_format: off}}
""")
    profile = load_profile("envs")
    files, sql = profile.destinations
    assert isinstance(files, FilesDestination) and files.endpoint_url == EnvRef(env="MY_ENDPOINT")
    assert isinstance(sql, SqlDestination) and sql.url == EnvRef(env="MY_DB_URL")
    assert profile.checks.overrides == {"primary_key_unique": "warn", "api_key_format": "off"}


# ---- environment references --------------------------------------------------------------------------

def test_resolve_env_reads_the_environment_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MP_TEST_URL", "postgresql://u:pw@db/x")
    assert resolve_env(EnvRef(env="MP_TEST_URL")) == "postgresql://u:pw@db/x"
    assert resolve_env("sqlite:///literal.db") == "sqlite:///literal.db"
    assert resolve_env(None) is None
    monkeypatch.setenv("MP_TEST_URL", "changed")
    assert resolve_env(EnvRef(env="MP_TEST_URL")) == "changed"


@pytest.mark.parametrize("value", [None, ""])
def test_resolve_env_names_the_missing_variable(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    monkeypatch.setenv("MP_TEST_OTHER_SECRET", "s3cr3t-value")
    if value is None:
        monkeypatch.delenv("MP_TEST_MISSING", raising=False)
    else:
        monkeypatch.setenv("MP_TEST_MISSING", value)
    with pytest.raises(MissingEnvVar) as info:
        resolve_env(EnvRef(env="MP_TEST_MISSING"), "the url of a sql destination")
    assert info.value.name == "MP_TEST_MISSING"
    assert "MP_TEST_MISSING" in str(info.value) and "sql destination" in str(info.value)
    assert "s3cr3t-value" not in str(info.value)


def test_destinations_resolve_their_references(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home, "envs", """\
profile: envs
datasets: [shop]
destinations:
  - kind: files
    path: s3://bucket/prefix
    endpoint_url: {env: MP_TEST_ENDPOINT}
    credentials: {key_env: MP_TEST_KEY, secret_env: MP_TEST_SECRET}
  - kind: sql
    url: {env: MP_TEST_DB_URL}
  - kind: sql
    url: sqlite:////abs/mock.db
  - kind: files
    path: data
""")
    files, sql, sqlite_abs, local = load_profile("envs").destinations
    for var in ("MP_TEST_ENDPOINT", "MP_TEST_KEY", "MP_TEST_SECRET", "MP_TEST_DB_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(MissingEnvVar, match="MP_TEST_ENDPOINT"):
        files.storage_options()  # type: ignore[union-attr]
    monkeypatch.setenv("MP_TEST_ENDPOINT", "http://localhost:9000")
    monkeypatch.setenv("MP_TEST_KEY", "key-id")
    with pytest.raises(MissingEnvVar, match="MP_TEST_SECRET") as info:
        files.storage_options()  # type: ignore[union-attr]
    assert "key-id" not in str(info.value)
    monkeypatch.setenv("MP_TEST_SECRET", "key-secret")
    assert files.storage_options() == {  # type: ignore[union-attr]
        "client_kwargs": {"endpoint_url": "http://localhost:9000"}, "key": "key-id", "secret": "key-secret"}
    assert files.location() == "s3://bucket/prefix"  # type: ignore[union-attr]
    with pytest.raises(MissingEnvVar, match="MP_TEST_DB_URL"):
        sql.resolved_url()  # type: ignore[union-attr]
    monkeypatch.setenv("MP_TEST_DB_URL", "sqlite:///rel/mock.db?timeout=5")
    assert sql.resolved_url(home) == f"sqlite:///{home / 'rel' / 'mock.db'}?timeout=5"  # type: ignore[union-attr]
    assert sqlite_abs.resolved_url(home) == "sqlite:////abs/mock.db"  # type: ignore[union-attr]
    assert local.location(home) == str(home / "data")  # type: ignore[union-attr]
    assert local.storage_options() == {}  # type: ignore[union-attr]


# ---- the model ---------------------------------------------------------------------------------------

def test_fingerprint_is_stable_and_follows_what_shapes_a_run(home: Path,
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    base = MINIMAL.format(name="fp") + "seed: 1\n"
    write(home, "fp", base)
    first = load_profile("fp").fingerprint()
    assert len(first) == 16 and int(first, 16) >= 0
    assert load_profile("fp").fingerprint() == first
    elsewhere = tmp_path_factory.mktemp("copy") / "fp.yaml"  # same content elsewhere: same fingerprint
    elsewhere.write_text("# a comment\n" + base)
    assert load_profile(elsewhere).fingerprint() == first
    write(home, "fp", base + "description: words only\n")
    assert load_profile("fp").fingerprint() == first
    write(home, "fp", base.replace("seed: 1", "seed: 2"))
    assert load_profile("fp").fingerprint() != first
    write(home, "fp", base + "scale: 2\n")
    assert load_profile("fp").fingerprint() != first


def test_shipped_fingerprints_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCK_PIPELINES_HOME", raising=False)
    prints = {load_profile(name).fingerprint() for name in SHIPPED}
    assert len(prints) == len(SHIPPED)


def test_defaults_and_frozen(home: Path) -> None:
    write(home, "mini", MINIMAL.format(name="mini"))
    profile = load_profile("mini")
    assert (profile.seed, profile.scale, profile.locale, profile.chunk_size) == (0, 1.0, None, 262_144)
    assert profile.rows == {} and profile.partitions is None and not profile.partitioned
    assert not profile.schedules.enabled and profile.schedules.cron == "0 2 * * *"
    assert profile.sensors.request_inbox == "requests" and profile.inbox_dir() == home.resolve() / "requests"
    assert not profile.automation and profile.checks.severity == "error"
    dest = profile.destinations[0]
    assert isinstance(dest, FilesDestination) and dest.format == "parquet"
    with pytest.raises(ValueError):
        profile.seed = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        Profile.model_validate({"profile": "x", "datasets": ["shop"], "destinations": [{"kind": "files"}],
                                "extra": 1})


# ---- sql destinations --------------------------------------------------------------------------------

def test_sql_mode_and_schema_per_dataset(home: Path) -> None:
    write(home, "db", """\
profile: db
datasets: [shop, hr]
destinations:
  - {kind: sql, url: {env: MY_DB_URL}, schema: "mock_{dataset}", mode: existing}
  - {kind: sql, url: {env: MY_DB_URL}, schema: other}
""")
    first, second = load_profile("db").destinations
    assert isinstance(first, SqlDestination) and isinstance(second, SqlDestination)
    assert (first.mode, second.mode) == ("existing", "create")
    assert first.schema_per_dataset and not second.schema_per_dataset
    assert (first.schema_for("shop"), first.schema_for("hr"), second.schema_for("hr")) == (
        "mock_shop", "mock_hr", "other")


@pytest.mark.parametrize(("schema", "suggested"), [
    ('"mock; DROP TABLE x"', "mock_DROP_TABLE_x"),
    ('"9lives"', "_9lives"),
    ('"mock-{dataset}"', "mock_{dataset}"),
    ('"{datasets}"', "datasets"),
])
def test_sql_schema_names_must_be_plain_identifiers(home: Path, schema: str, suggested: str) -> None:
    text = f"profile: broken\ndatasets: [shop]\ndestinations:\n  - {{kind: sql, url: {{env: U}}, schema: {schema}}}\n"
    issue = single(home, text)
    assert at(issue) == pos(text, schema)
    assert "not a plain SQL name" in issue.message and "{dataset}" in (issue.expected or "")
    assert issue.suggestion == f"schema: {suggested}"


def test_sql_foreign_key_checks(home: Path) -> None:
    write(home, "fk", "profile: fk\ndatasets: [shop]\ndestinations:\n"
                      "  - {kind: sql, url: {env: U}, foreign_key_checks: after_load}\n")
    (sql,) = load_profile("fk").destinations
    assert isinstance(sql, SqlDestination) and sql.foreign_key_checks == "after_load"
    text = "profile: broken\ndatasets: [shop]\ndestinations:\n  - {kind: sql, url: {env: U}, foreign_key_checks: afterload}\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "afterload")
    assert issue.expected == "one of per_row, after_load" and issue.suggestion == "after_load"


def test_sql_mode_is_create_or_existing(home: Path) -> None:
    text = "profile: broken\ndatasets: [shop]\ndestinations:\n  - {kind: sql, url: {env: U}, mode: exsting}\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "exsting")
    assert issue.expected == "one of create, existing" and issue.suggestion == "existing"


def test_the_same_database_and_schema_twice_is_an_error(home: Path) -> None:
    text = ("profile: broken\ndatasets: [shop]\ndestinations:\n  - {kind: sql, url: {env: U}, schema: a}\n"
            "  - {kind: sql, url: {env: U}, schema: b}\n  - {kind: sql, url: {env: U}, schema: a}\n")
    issue = single(home, text)
    assert "destinations[2] writes to the same place as destinations[0]" in issue.message


# ---- hostile and out-of-bounds profiles ---------------------------------------------------------------

def test_row_overrides_beyond_the_row_limit_are_refused(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "rows:\n  shop.customers: 99999999999999999999999\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "99999999999999999999999")
    assert "is more than the limit of 1,000,000,000,000 rows per table" in issue.message
    assert "MOCK_PIPELINES_MAX_ROWS" in (issue.suggestion or "")


def test_an_infinite_scale_is_refused(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "scale: .inf\n"
    issue = single(home, text)
    assert at(issue) == pos(text, ".inf")


def test_an_impossible_unquoted_date_is_located(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "partitions:\n  start: 2024-02-30\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "2024-02-30") and "invalid date '2024-02-30'" in issue.message


def test_a_deeply_nested_profile_is_refused_with_a_line(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "description: " + "[" * 3000 + "]" * 3000 + "\n"
    issue = single(home, text)
    assert issue.location.line == 6 and "nested more than 64 levels" in issue.message


def test_a_profile_path_that_is_not_a_regular_file_is_refused_without_blocking(home: Path) -> None:
    fifo = home / "pipe.yaml"
    os.mkfifo(fifo)
    for path, what in ((fifo, "is a FIFO, not a regular file"), (home / "profiles", "is a directory"),
                       (Path("/dev/zero"), "is a device, not a regular file")):
        with pytest.raises(SchemaError) as info:
            load_profile(path)
        assert str(info.value.issues[0]).startswith(f"{path}: {what}")


# ---- change outputs ------------------------------------------------------------------------------------

PARTITIONED = MINIMAL + "partitions: {{start: 2024-01-01}}\n"


def test_change_outputs_default_to_none_and_are_chosen_per_profile(home: Path) -> None:
    write(home, "mini", MINIMAL.format(name="mini"))
    assert load_profile("mini").changes.outputs == []
    write(home, "living", PARTITIONED.format(name="living") + "changes:\n  outputs: [changes, history]\n")
    assert load_profile("living").changes.outputs == ["changes", "history"]


def test_fingerprint_changes_only_when_change_outputs_are_chosen(home: Path) -> None:
    write(home, "fp", PARTITIONED.format(name="fp"))
    first = load_profile("fp").fingerprint()
    write(home, "fp", PARTITIONED.format(name="fp") + "changes: {outputs: []}\n")
    assert load_profile("fp").fingerprint() == first
    write(home, "fp", PARTITIONED.format(name="fp") + "changes: {outputs: [snapshot]}\n")
    assert load_profile("fp").fingerprint() != first


def test_unknown_and_repeated_change_outputs(home: Path) -> None:
    text = PARTITIONED.format(name="broken") + "changes:\n  outputs: [changes, snapshots]\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "snapshots")
    assert "unknown value 'snapshots'" in issue.message and issue.suggestion == "snapshot"
    text = PARTITIONED.format(name="broken") + "changes:\n  outputs: [history, changes, history]\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "[history, changes, history]")
    assert "history is listed more than once" in issue.message and issue.suggestion == "outputs: [history, changes]"


def test_live_needs_a_sql_destination(home: Path) -> None:
    text = PARTITIONED.format(name="broken") + "changes:\n  outputs: [changes, live]\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "live", after="changes, ")
    assert "no sql destination" in issue.message and issue.expected == "a destination with kind: sql"
    sql = text.replace("  - kind: files\n    path: out\n", "  - kind: sql\n    url: sqlite:///out.db\n")
    write(home, "fine", sql.replace("profile: broken", "profile: fine"))
    assert load_profile("fine").changes.outputs == ["changes", "live"]


def test_change_outputs_need_partitions(home: Path) -> None:
    text = MINIMAL.format(name="broken") + "changes:\n  outputs: [snapshot]\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "[snapshot]")
    assert "time-partitioned run" in issue.message and "partitions:" in (issue.suggestion or "")
