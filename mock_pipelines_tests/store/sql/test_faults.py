"""Faults: a killed connection mid-load, rows that break constraints, errors that are safe to retry."""

from __future__ import annotations

import threading
import uuid

import pyarrow as pa
import pytest
import sqlalchemy as sa

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.store.sql import Database, SqlDestinationError, is_transient, redact_url
from mock_pipelines_tests.store.sql.conftest import plan_of
from mock_pipelines_tests.store.sql.kinds import kinds_spec


def test_a_backend_terminated_mid_load_leaves_the_old_rows_and_a_rerun_succeeds(postgres_db):
    url, schema = postgres_db
    name = f"mp-fault-{uuid.uuid4().hex[:8]}"
    db = Database(url, schema, connect_args={"application_name": name})
    try:
        spec = plan_of("shop").spec
        old = DatasetPlan(spec, PlanOptions(seed=1, rows={"customers": 500})).table("customers")
        new = DatasetPlan(spec, PlanOptions(seed=2, rows={"customers": 60_000})).table("customers")
        db.ensure_tables(spec)
        db.write_batches(spec, "customers", old.arrow_schema, old.batches())
        old_rows = db.read(spec, "customers")
        killer = sa.create_engine(url, poolclass=sa.pool.NullPool)
        killed = []

        def batches_then_kill():
            for i, batch in enumerate(new.batches(chunk_size=2_000)):
                if i == 5:  # mid-COPY: terminate our own backend from another connection
                    with killer.connect() as conn:
                        killed.extend(conn.execute(sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :n "
                            "AND pid <> pg_backend_pid()"), {"n": name}).scalars())
                yield batch

        with pytest.raises(SqlDestinationError) as caught:
            db.write_batches(spec, "customers", new.arrow_schema, batches_then_kill())
        killer.dispose()
        assert killed == [True]
        assert is_transient(caught.value), caught.value
        assert "retrying is safe" in str(caught.value)
        assert db.read(spec, "customers").equals(old_rows)  # the transaction was rolled back by the server
        result = db.write_batches(spec, "customers", new.arrow_schema, new.batches(chunk_size=2_000))
        assert result.rows == 60_000
        back = db.read(spec, "customers")
        assert back.equals(new.to_table().cast(back.schema).sort_by("customer_id"))
    finally:
        db.dispose()


def test_readers_see_the_old_rows_until_the_replacement_commits(pg_database):
    spec = plan_of("shop").spec
    old = DatasetPlan(spec, PlanOptions(seed=1, rows={"customers": 300})).table("customers")
    new = DatasetPlan(spec, PlanOptions(seed=2, rows={"customers": 20_000})).table("customers")
    pg_database.ensure_tables(spec)
    pg_database.write_batches(spec, "customers", old.arrow_schema, old.batches())
    seen: list[int] = []
    done = threading.Event()

    def batches_while_reading():
        for i, batch in enumerate(new.batches(chunk_size=1_000)):
            if i in (3, 10):  # the old rows are deleted and part of the new ones sent: a reader sees the old
                seen.append(pg_database.read(spec, "customers").num_rows)
            yield batch
        done.set()

    pg_database.write_batches(spec, "customers", new.arrow_schema, batches_while_reading())
    assert done.is_set()
    assert seen == [300, 300]
    assert pg_database.read(spec, "customers").num_rows == 20_000


def test_orphan_rows_into_an_empty_child_fail_with_constraints_on(database, tmp_path):
    spec = kinds_spec(tmp_path)
    plan = DatasetPlan(spec, PlanOptions())
    database.ensure_tables(spec)
    teams = plan.table("teams")
    database.write_batches(spec, "teams", teams.arrow_schema, teams.batches())
    people = plan.table("people").to_table()
    orphans = people.set_column(people.schema.get_field_index("team_code"), "team_code",
                                pa.array(["T-NOPE"] * people.num_rows))
    with pytest.raises(SqlDestinationError) as caught:
        database.write_batches(spec, "people", orphans.schema, orphans.to_batches(max_chunksize=7))
    assert not is_transient(caught.value)
    assert "constraint" in str(caught.value).lower()
    assert database.read(spec, "people").num_rows == 0


def test_replacing_a_parent_without_keys_its_children_use_fails_and_keeps_the_old_rows(database, tmp_path):
    spec = kinds_spec(tmp_path)
    plan = DatasetPlan(spec, PlanOptions())
    database.ensure_tables(spec)
    for name in ("teams", "people"):
        tp = plan.table(name)
        database.write_batches(spec, name, tp.arrow_schema, tp.batches())
    teams_before = database.read(spec, "teams")
    used = set(database.read(spec, "people", columns=["team_code"]).column("team_code").to_pylist())
    fewer = plan.table("teams").to_table()
    fewer = fewer.filter(pa.array([code not in used for code in fewer.column("team_code").to_pylist()]))
    with pytest.raises(SqlDestinationError) as caught:
        database.write_batches(spec, "teams", fewer.schema, fewer.to_batches())
    assert not is_transient(caught.value)
    assert database.read(spec, "teams").equals(teams_before)
    # the same keys again are fine although children reference them (deferred checks / MySQL's guarded delete)
    teams = plan.table("teams")
    assert database.write_batches(spec, "teams", teams.arrow_schema, teams.batches()).rows == teams_before.num_rows


def test_a_refused_connection_is_transient_and_keeps_the_password_out():
    db = Database("postgresql+psycopg://mock:s3cr3t-pw@127.0.0.1:1/none")
    assert db.url_for_humans == "postgresql+psycopg://mock:***@127.0.0.1:1/none"
    spec = plan_of("hr").spec
    with pytest.raises(SqlDestinationError) as caught:
        db.ensure_tables(spec)
    db.dispose()
    assert is_transient(caught.value)
    assert "s3cr3t-pw" not in str(caught.value) and "s3cr3t-pw" not in repr(db)
    assert "127.0.0.1:1" in str(caught.value)


def test_bad_sql_is_not_transient(pg_database):
    with pytest.raises(sa.exc.ProgrammingError) as caught, pg_database.engine.connect() as conn:
        conn.exec_driver_sql("SELEC 1")
    assert not is_transient(caught.value)


def test_deadlocks_and_lost_connections_are_transient():
    import psycopg
    import pymysql

    assert is_transient(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert is_transient(psycopg.errors.SerializationFailure("could not serialize"))
    assert is_transient(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))
    assert not is_transient(psycopg.errors.UniqueViolation("duplicate key"))
    assert is_transient(pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query"))
    assert is_transient(pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"))
    assert not is_transient(pymysql.err.IntegrityError(1452, "Cannot add or update a child row"))
    wrapped = SqlDestinationError("x")
    wrapped.__cause__ = sa.exc.OperationalError("SELECT 1", {}, pymysql.err.OperationalError(2006, "gone away"))
    assert is_transient(wrapped)


@pytest.mark.parametrize(("url", "shown"), [
    ("mysql+pymysql://root:hunter2@db:3306/x", "mysql+pymysql://root:***@db:3306/x"),
    ("postgresql://u@h/d", "postgresql://u@h/d"),
    ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
    ("not a url : pw", "<unparsable database URL>"),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_an_unsupported_database_is_refused_clearly():
    with pytest.raises(SqlDestinationError, match="unsupported SQL dialect 'oracle'"):
        Database("oracle://scott:tiger@h/db")
    with pytest.raises(SqlDestinationError, match="SQLite has no schemas"):
        Database("sqlite://", "analytics")
