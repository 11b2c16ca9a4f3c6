"""SQL destinations through Dagster: whole demo datasets land in SQLite, PostgreSQL and MariaDB with every
constraint on; re-materialising gives identical row sets; the asset checks read from the database when a
profile has no files destination; several destinations (files + SQL) receive the same content; the shipped
database profiles build. Partitions are in test_sql_partitions.py.

PostgreSQL and MariaDB come from the ``postgres_db`` / ``mysql_db`` fixtures (real servers, a namespace per
test); SQLite always runs. Faults, retries, passwords and ``mode: existing`` are in test_sql_faults.py.
"""

from __future__ import annotations

import json

import dagster as dg
import pytest
import sqlalchemy as sa

from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.checks import build_checks
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.io_managers.sql import MockSqlIOManager
from mock_pipelines.defs.jobs import ALL_JOB, DATASET_JOB
from mock_pipelines.defs.landing import IO_MANAGER_KEY, destination_kinds
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.resources import build_resources
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.store.sql.store import SqlStore
from mock_pipelines_tests.defs.conftest import ROOT, SCHEMAS
from mock_pipelines_tests.defs.sql_support import (
    digests,
    foreign_key_count,
    run_job,
    sql_profile,
    table_names,
)

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

# ---- whole demo datasets, every constraint on -----------------------------------------------------------

def _land_demo_twice(planned: ProfilePlan, engine: sa.Engine, schema_of) -> None:
    """Materialise every dataset, record the row sets, materialise again: identical row sets, no table
    empty, and the row counts the plans promise."""
    instance = dg.DagsterInstance.ephemeral()
    defs = build_definitions(planned)
    run_job(defs, ALL_JOB, instance)
    first = digests(engine, planned, schema_of)
    for name, table in table_names(planned):
        expected = planned.datasets[name].table(table).slice().num_rows
        assert first[f"{name}.{table}"][0] == expected > 0, f"{name}.{table}"
    run_job(defs, ALL_JOB, instance)
    assert digests(engine, planned, schema_of) == first


def test_sqlite_holds_every_demo_table_and_rematerialising_changes_nothing(tmp_path):
    db = tmp_path / "nested" / "mock.sqlite"  # the folder does not exist yet
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: 'sqlite:///{db}'}}"])
    engine = sa.create_engine(f"sqlite:///{db}")
    _land_demo_twice(planned, engine, lambda _: None)
    assert foreign_key_count(engine, None) >= 10
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    engine.dispose()


@pytest.mark.parametrize("checks", ["per_row", "after_load"])
def test_postgres_holds_every_demo_table_with_constraints(tmp_path, postgres_db, monkeypatch, checks):
    url, schema = postgres_db
    monkeypatch.setenv("MP_TEST_PG_URL", url)
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: {{env: MP_TEST_PG_URL}}, schema: {schema}, "
                                   f"foreign_key_checks: {checks}}}"])
    assert build_resources(planned).resources[IO_MANAGER_KEY].foreign_key_checks == checks
    engine = sa.create_engine(url)
    _land_demo_twice(planned, engine, lambda _: schema)
    with engine.connect() as conn:
        kinds = dict(conn.execute(sa.text(
            "SELECT constraint_type, count(*) FROM information_schema.table_constraints "
            "WHERE table_schema = :s GROUP BY constraint_type"), {"s": schema}).all())
    assert kinds.get("PRIMARY KEY", 0) == len(table_names(planned))
    assert kinds.get("FOREIGN KEY", 0) >= 10 and kinds.get("UNIQUE", 0) >= 1 and kinds.get("CHECK", 0) >= 1
    engine.dispose()


def test_mariadb_holds_every_demo_table_with_constraints(tmp_path, mysql_db, monkeypatch):
    url, database = mysql_db
    monkeypatch.setenv("MP_TEST_MYSQL_URL", url)
    planned = sql_profile(tmp_path, ["{kind: sql, url: {env: MP_TEST_MYSQL_URL}}"])
    engine = sa.create_engine(url)
    _land_demo_twice(planned, engine, lambda _: None)
    with engine.connect() as conn:
        kinds = dict(conn.execute(sa.text(
            "SELECT constraint_type, count(*) FROM information_schema.table_constraints "
            "WHERE constraint_schema = :s GROUP BY constraint_type"), {"s": database}).all())
    assert kinds.get("PRIMARY KEY", 0) == len(table_names(planned))
    assert kinds.get("FOREIGN KEY", 0) >= 10
    engine.dispose()


def test_a_namespace_per_dataset(tmp_path, postgres_db, monkeypatch):
    url, schema = postgres_db
    monkeypatch.setenv("MP_TEST_PG_URL", url)
    per_dataset = f"{schema}_{{dataset}}"
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: {{env: MP_TEST_PG_URL}}, schema: '{per_dataset}'}}"],
                        datasets=("hr",), scale=0.1)
    engine = sa.create_engine(url)
    try:
        run_job(build_definitions(planned), DATASET_JOB.format(dataset="hr"), dg.DagsterInstance.ephemeral())
        assert set(sa.inspect(engine).get_table_names(schema=f"{schema}_hr")) == set(planned.datasets["hr"].order())
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}_hr" CASCADE'))
        engine.dispose()


# ---- checks and several destinations -----------------------------------------------------------------------

def test_checks_read_from_the_database_when_there_is_no_files_destination(tmp_path):
    db = tmp_path / "mock.sqlite"
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: 'sqlite:///{db}'}}"], datasets=("hr",), scale=0.2)
    checks = build_checks(planned).asset_checks
    assert checks, "a profile with only a SQL destination still has its checks"
    result = run_job(build_definitions(planned), DATASET_JOB.format(dataset="hr"), dg.DagsterInstance.ephemeral())
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 20
    assert all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]
    fk_checks = [e for e in evaluations if e.check_name.startswith("fk__")]
    assert fk_checks and all(e.metadata["evaluated_rows"].value > 0 for e in fk_checks if "evaluated_rows" in
                             e.metadata)


def test_a_check_fails_on_rows_changed_in_the_database(tmp_path, monkeypatch):
    """The checks really read the database: a value outside its declared set fails its check. The table is
    streamed through a cursor once for all its checks, never read whole."""
    db = tmp_path / "mock.sqlite"
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: 'sqlite:///{db}'}}"], datasets=("hr",), scale=0.2)
    defs = build_definitions(planned)
    instance = dg.DagsterInstance.ephemeral()
    run_job(defs, DATASET_JOB.format(dataset="hr"), instance)
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # SQLite CHECK constraints would refuse this: switch them off for the test
        conn.exec_driver_sql("PRAGMA ignore_check_constraints=ON")
        conn.exec_driver_sql("UPDATE time_off SET status = 'lost' WHERE rowid = (SELECT min(rowid) FROM time_off)")
    engine.dispose()
    checks_job = dg.define_asset_job("checks_only", selection=dg.AssetSelection.checks_for_assets(
        dg.AssetKey(["hr", "time_off"])))
    defs = dg.Definitions.merge(build_resources(planned), build_assets(planned), build_checks(planned),
                                dg.Definitions(jobs=[checks_job], executor=dg.in_process_executor))
    streamed, whole = [], []
    real_stream, real_read = SqlStore.read_batches, SqlStore.read
    monkeypatch.setattr(SqlStore, "read_batches", lambda self, dataset, table, *a, **k: streamed.append(table)
                        or real_stream(self, dataset, table, *a, **k))
    monkeypatch.setattr(SqlStore, "read", lambda self, dataset, table, *a, **k: whole.append(
        (table, k.get("columns"))) or real_read(self, dataset, table, *a, **k))
    result = defs.resolve_job_def("checks_only").execute_in_process(instance=instance, raise_on_error=False)
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed if "status" in e.check_name], [e.check_name for e in failed]
    assert streamed == ["time_off"]  # once, for every single-table check at once
    # only the cross-table checks read whole, and only the columns they compare
    assert all(columns is not None for _, columns in whole), whole


def test_files_and_sqlite_destinations_receive_the_same_rows(tmp_path):
    db = tmp_path / "mock.sqlite"
    out = tmp_path / "files"
    planned = sql_profile(tmp_path, [f"{{kind: files, path: '{out}'}}", f"{{kind: sql, url: 'sqlite:///{db}'}}"],
                        datasets=("hr",), scale=0.2)
    resources = build_resources(planned).resources
    assert isinstance(resources["mock_destination_2"], MockSqlIOManager) and IO_MANAGER_KEY in resources
    assert destination_kinds(planned.profile) >= {"parquet", "file", "sqlite"}
    result = run_job(build_definitions(planned), DATASET_JOB.format(dataset="hr"), dg.DagsterInstance.ephemeral())
    tables = 0
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "content_hash" not in meta:
            continue  # the quality report
        tables += 1
        assert meta["content_hash"].value == meta["dest2/content_hash"].value  # same rows, same order
        assert meta["dest2/format"].value == "sqlite" and meta["dest2/destination"].value.startswith("sqlite:///")
        assert meta["dest2/write_attempts"].value == 1
    assert tables == len(planned.datasets["hr"].order())


def test_tables_of_the_same_name_in_one_namespace_are_a_build_error(tmp_path):
    twin = tmp_path / "hr_copy.yaml"
    twin.write_text((SCHEMAS / "hr.yaml").read_text(encoding="utf-8").replace("dataset: hr", "dataset: hr_copy", 1),
                    encoding="utf-8")
    path = tmp_path / "twins.yaml"
    path.write_text("\n".join([
        "profile: twins", f"datasets: {json.dumps([str(SCHEMAS / 'hr.yaml'), str(twin)])}",
        "destinations:", f"  - {{kind: sql, url: 'sqlite:///{tmp_path / 'x.sqlite'}'}}",
        "sensors: {schema_changes: false, request_inbox: null}"]) + "\n", encoding="utf-8")
    planned = plan_profile(load_profile(path, root=tmp_path))
    assert set(planned.datasets) == {"hr", "hr_copy"}
    with pytest.raises(ValueError, match=r"'hr' and 'hr_copy'.*table 'locations'.*\{dataset\}"):
        build_definitions(planned)


# ---- the shipped profiles ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("profile", "env", "url", "kind"), [
    ("postgres", "MOCK_PIPELINES_POSTGRES_URL", "postgresql+psycopg://u:pw@127.0.0.1:5432/mock", "postgres"),
    ("mysql", "MOCK_PIPELINES_MYSQL_URL", "mysql+pymysql://u:pw@127.0.0.1:3306/mock", "mysql"),
])
def test_database_profiles_build_with_the_url_as_an_environment_variable(profile, env, url, kind, monkeypatch):
    monkeypatch.setenv(env, url)
    planned = plan_profile(load_profile(profile))
    defs = build_definitions(planned)
    manager = build_resources(planned).resources[IO_MANAGER_KEY]
    assert isinstance(manager, MockSqlIOManager)
    assert isinstance(manager.url, dg.EnvVar) and manager.url.env_var_name == env  # the name, never the value
    assert manager.db_schema == "mock_{dataset}" and manager.mode == "create"
    assert manager.partitioned_tables["shop"] and not manager.partitioned_tables["hr"]
    spec = defs.get_assets_def(dg.AssetKey(["shop", "orders"])).specs_by_key[dg.AssetKey(["shop", "orders"])]
    assert kind in spec.kinds


def test_local_profile_also_lands_in_sqlite(monkeypatch):
    monkeypatch.delenv("MOCK_PIPELINES_HOME", raising=False)
    planned = plan_profile(load_profile("local"))
    resources = build_resources(planned).resources
    sql = resources["mock_destination_2"]
    assert isinstance(sql, MockSqlIOManager)
    assert sql.url == f"sqlite:///{ROOT / 'data' / 'mock_pipelines.sqlite'}" and sql.metadata_prefix == "dest2/"
    defs = build_definitions(planned)  # files and a SQLite file: no pool to wait for
    assert {defs.get_assets_def(dg.AssetKey([n, t])).op.pool for n, t in table_names(planned)} == {None}


@pytest.mark.parametrize(("destination", "pool"), [
    ("{kind: sql, url: {env: MP_POOL_URL}}", "db"),
    ("{kind: files, path: 's3://bucket/prefix'}", "s3"),
])
def test_landing_on_a_server_takes_a_slot_of_its_pool(tmp_path, destination, pool, monkeypatch):
    """Database and S3 steps take a slot of the `db` / `s3` pool (limits in dagster.yaml)."""
    monkeypatch.setenv("MP_POOL_URL", "postgresql+psycopg://u@127.0.0.1:5432/x")
    planned = sql_profile(tmp_path, [f"{{kind: files, path: '{tmp_path / 'files'}'}}", destination], datasets=("hr",))
    defs = build_definitions(planned)
    assert {defs.get_assets_def(dg.AssetKey(["hr", t])).op.pool for t in planned.datasets["hr"].order()} == {pool}


def test_a_database_behind_an_environment_variable_works_as_a_second_destination(tmp_path, postgres_db, monkeypatch):
    """Each destination is a resource of its own, so Dagster resolves the EnvVar of the second one too."""
    url, schema = postgres_db
    monkeypatch.setenv("MP_TEST_PG_URL", url)
    out = tmp_path / "files"
    planned = sql_profile(tmp_path, [f"{{kind: files, path: '{out}'}}",
                                   f"{{kind: sql, url: {{env: MP_TEST_PG_URL}}, schema: {schema}}}"],
                        datasets=("hr",), scale=0.1)
    assert isinstance(build_resources(planned).resources["mock_destination_2"].url, dg.EnvVar)
    result = run_job(build_definitions(planned), DATASET_JOB.format(dataset="hr"), dg.DagsterInstance.ephemeral())
    events = [e.materialization for e in result.get_asset_materialization_events()
              if "dest2/content_hash" in e.materialization.metadata]
    assert len(events) == len(planned.datasets["hr"].order())
    for meta in (m.metadata for m in events):
        assert meta["dest2/destination"].value.startswith("postgresql+psycopg://")
        assert meta["content_hash"].value == meta["dest2/content_hash"].value
    engine = sa.create_engine(url)
    assert set(sa.inspect(engine).get_table_names(schema=schema)) == set(planned.datasets["hr"].order())
    engine.dispose()
