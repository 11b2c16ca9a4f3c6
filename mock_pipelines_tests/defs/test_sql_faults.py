"""Faults of SQL destinations, through Dagster: a PostgreSQL backend terminated in the middle of a load is
retried (one copy of the rows afterwards) or, without retries, fails the run leaving the old rows; an
unreachable server fails with a clear, password-free message; a password in the URL never reaches
metadata, logs or run storage; ``mode: existing`` refuses an incompatible table and lists why.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import dagster as dg
import pyarrow as pa
import pytest
import sqlalchemy as sa
from dagster._serdes import serialize_value

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.io_managers.sql import MockSqlIOManager
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines_tests.defs.conftest import SCHEMAS
from mock_pipelines_tests.defs.sql_support import row_digest, sql_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

LOCATIONS = dg.AssetKey(["hr", "locations"])


def locations_slice(tmp_path, seed: int):
    """hr.locations of a small profile, in batches of 2 rows (so a load has a middle to interrupt)."""
    folder = tmp_path / f"seed{seed}"
    planned = sql_profile(folder, [f"{{kind: files, path: '{folder / 'unused'}'}}"], datasets=("hr",), seed=seed,
                        scale=1.0)
    return planned.datasets["hr"].table("locations").slice(chunk_size=2)


class BackendKiller:
    """Terminates the server backend copying into ``schema``.locations — called from inside the batch
    stream, so the load is in flight (COPY started, rows sent, nothing committed)."""

    def __init__(self, url: str, schema: str):
        # Autocommit: each poll sees fresh activity (a transaction keeps one pg_stat_activity snapshot).
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
        self.schema = schema
        self.killed: list[int] = []

    def __call__(self) -> None:
        find = sa.text("SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' "
                       "AND query ILIKE 'COPY%' AND strpos(replace(query, '\"', ''), :target) > 0")
        deadline = time.monotonic() + 20  # the loader may read one batch ahead on another thread
        with self.engine.connect() as conn:
            while not self.killed:
                pids = conn.execute(find, {"target": f"{self.schema}.locations"}).scalars().all()
                for pid in pids:
                    conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                    self.killed.append(pid)
                if not pids:
                    assert time.monotonic() < deadline, "no COPY into the test schema showed up to interrupt"
                    time.sleep(0.02)
            gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
            while conn.execute(gone, {"pids": self.killed}).scalar_one():
                assert time.monotonic() < deadline, "the terminated backend did not go away"
                time.sleep(0.02)


class InterruptedSlice:
    """A table slice whose first stream calls ``interrupt`` after its first batch; later streams (retries)
    are the plain rows. Like a TableSlice, every call of :meth:`batches` yields the same rows."""

    def __init__(self, inner, interrupt):
        self.inner, self.interrupt, self.streams = inner, interrupt, 0
        self.schema: pa.Schema = inner.schema

    def batches(self) -> Iterator[pa.RecordBatch]:
        self.streams += 1
        for i, batch in enumerate(self.inner.batches()):
            if i == 1 and self.streams == 1:
                self.interrupt()
            yield batch


def manager(url: str, schema: str | None, **options) -> MockSqlIOManager:
    return MockSqlIOManager(url=url, db_schema=schema, schema_files={"hr": str(SCHEMAS / "hr.yaml")},
                            retry_delay_seconds=0.0, **options)


def materialize_locations(value, io_manager: MockSqlIOManager,
                          instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    @dg.asset(key=LOCATIONS, io_manager_key="io_manager")
    def locations():
        return value

    return dg.materialize([locations], resources={"io_manager": io_manager}, raise_on_error=False,
                          instance=instance or dg.DagsterInstance.ephemeral())


def retry_messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [r.user_message for r in instance.all_logs(run_id) if " — retry " in r.user_message]


def failure_of(result: dg.ExecuteInProcessResult):
    (failure,) = result.get_step_failure_events()
    return failure.step_failure_data.user_failure_data


# ---- a backend terminated mid-load ----------------------------------------------------------------------------

def test_a_terminated_backend_is_retried_and_the_table_holds_one_copy(tmp_path, postgres_db):
    url, schema = postgres_db
    rows = locations_slice(tmp_path, seed=1)
    killer = BackendKiller(url, schema)
    value = InterruptedSlice(rows, killer)
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_locations(value, manager(url, schema, max_retries=2), instance)
    assert result.success
    assert killer.killed and value.streams == 2  # interrupted once, written whole on the retry
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["write_attempts"].value == 2 and meta["dagster/row_count"].value == rows.num_rows
    engine = sa.create_engine(url)
    count, _ = row_digest(engine, "locations", schema)
    engine.dispose()
    assert count == rows.num_rows > 2  # one copy: not the rows sent before the kill plus all of them
    expected = pa.Table.from_batches(list(rows.batches()))
    with sa.create_engine(url).connect() as conn:
        ids = conn.execute(sa.text(f'SELECT location_id FROM "{schema}".locations')).scalars().all()
    assert sorted(ids) == sorted(expected.column("location_id").to_pylist())
    (retry,) = retry_messages(instance, result.run_id)
    assert "retry 1 of 2" in retry and "locations" in retry


def test_without_retries_a_terminated_backend_fails_the_run_and_the_old_rows_stay(tmp_path, postgres_db):
    url, schema = postgres_db
    old = materialize_locations(locations_slice(tmp_path, seed=1), manager(url, schema))
    assert old.success
    engine = sa.create_engine(url)
    before = row_digest(engine, "locations", schema)
    killer = BackendKiller(url, schema)
    new_rows = InterruptedSlice(locations_slice(tmp_path, seed=2), killer)  # other rows than the old ones
    result = materialize_locations(new_rows, manager(url, schema, max_retries=0))
    assert not result.success and killer.killed and new_rows.streams == 1
    failure = failure_of(result)
    assert "gave up" in failure.description and "locations" in failure.description
    assert failure.metadata["attempts"].value == 1
    assert row_digest(engine, "locations", schema) == before  # the old rows, all of them, nothing else
    engine.dispose()


# ---- passwords ------------------------------------------------------------------------------------------------

def test_an_unreachable_server_fails_after_the_retries_without_showing_the_password(tmp_path, monkeypatch):
    password = f"pw-{uuid.uuid4().hex}"
    monkeypatch.setenv("MP_TEST_UNREACHABLE_URL", f"postgresql+psycopg://mock:{password}@127.0.0.1:9/mock")
    io_manager = manager(dg.EnvVar("MP_TEST_UNREACHABLE_URL"), "mock", max_retries=2)  # port 9: refused
    instance = dg.DagsterInstance.ephemeral()

    @dg.asset(key=LOCATIONS, io_manager_key="io_manager")
    def locations():
        return locations_slice(tmp_path, seed=1)

    result = dg.materialize([locations], resources={"io_manager": io_manager}, raise_on_error=False,
                            instance=instance)
    assert not result.success
    failure = failure_of(result)
    assert failure.metadata["attempts"].value == 3  # the first try and two retries
    assert "gave up" in failure.description and "mock:***@127.0.0.1:9" in failure.description
    assert len(retry_messages(instance, result.run_id)) == 2
    assert_no_secret(instance, result.run_id, password)


def assert_no_secret(instance: dg.DagsterInstance, run_id: str, secret: str) -> None:
    """Nothing Dagster stored about the run — events, logs, metadata, the run and its job snapshot —
    holds ``secret``."""
    run = instance.get_run_by_id(run_id)
    stored = [serialize_value(r) for r in instance.all_logs(run_id)]
    stored.append(serialize_value(run))
    stored.append(serialize_value(instance.get_job_snapshot(run.job_snapshot_id)))
    assert stored and not [s for s in stored if secret in s]


def test_a_password_in_the_url_never_reaches_metadata_logs_or_run_storage(tmp_path, postgres_db, monkeypatch):
    url, schema = postgres_db
    role, password = f"mp_role_{uuid.uuid4().hex[:10]}", f"Pw{uuid.uuid4().hex}"
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        conn.execute(sa.text(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO {role}'))
        # CREATE SCHEMA IF NOT EXISTS needs this even when the schema exists
        conn.execute(sa.text(f"GRANT CREATE ON DATABASE {sa.make_url(url).database} TO {role}"))
    try:
        with_password = sa.make_url(url).set(username=role, password=password).render_as_string(hide_password=False)
        monkeypatch.setenv("MP_TEST_SECRET_URL", with_password)
        planned = sql_profile(tmp_path, [f"{{kind: sql, url: {{env: MP_TEST_SECRET_URL}}, schema: {schema}}}"],
                            datasets=("hr",), scale=0.1)
        instance = dg.DagsterInstance.ephemeral()
        result = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
            instance=instance, raise_on_error=False)
        assert result.success
        meta = result.get_asset_materialization_events()[0].materialization.metadata
        assert meta["destination"].value.startswith(f"postgresql+psycopg://{role}:***@")
        assert result.get_asset_check_evaluations()  # the checks connected with the same URL
        assert_no_secret(instance, result.run_id, password)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


# ---- mode: existing ------------------------------------------------------------------------------------------

def test_mode_existing_refuses_an_incompatible_table_and_lists_the_mismatches(tmp_path, postgres_db, monkeypatch):
    url, schema = postgres_db
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a table the user made, not as the schema says
        conn.execute(sa.text(f'CREATE TABLE "{schema}".locations (location_id text PRIMARY KEY, city integer)'))
        conn.execute(sa.text(f"INSERT INTO \"{schema}\".locations VALUES ('mine', 1)"))
    monkeypatch.setenv("MP_TEST_PG_URL", url)
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: {{env: MP_TEST_PG_URL}}, schema: {schema}, mode: existing}}"],
                        datasets=("hr",), scale=0.1)
    result = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, asset_selection=[LOCATIONS])
    assert not result.success
    failure = failure_of(result)
    problems = failure.metadata["problems"].value
    assert any("locations" in p and "location_id" in p for p in problems), problems
    assert any("locations" in p and "city" in p for p in problems), problems
    assert any("departments" in p and "missing table" in p for p in problems), problems
    assert "nothing was created or written" in failure.description
    with engine.connect() as conn:
        assert conn.execute(sa.text(f'SELECT location_id FROM "{schema}".locations')).scalars().all() == ["mine"]
        assert sa.inspect(conn).get_table_names(schema=schema) == ["locations"]
    engine.dispose()


def test_metadata_hash_is_that_of_the_rows(tmp_path):
    """The content hash in the metadata is the files destinations' hash of the same rows."""
    from mock_pipelines.store.content import ContentHasher

    rows = locations_slice(tmp_path, seed=3)
    result = materialize_locations(rows, manager(f"sqlite:///{tmp_path / 'x.sqlite'}", None))
    assert result.success
    hasher = ContentHasher(rows.schema)
    for batch in rows.batches():
        hasher.update(batch)
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["content_hash"].value == hasher.hexdigest()
    assert "location_id" in meta["preview"].value.splitlines()[0]
    assert meta["table"].value == "locations" and meta["format"].value == "sqlite"
