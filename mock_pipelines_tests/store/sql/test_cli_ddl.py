"""`mock-pipelines ddl`: the DDL a schema implies, printed; bad input exits non-zero with the usual report."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines_tests.store.sql.conftest import SCHEMAS

runner = CliRunner()


def test_ddl_prints_create_statements_parents_first():
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "shop.yaml"), "--dialect", "postgresql", "--schema", "shop"])
    assert result.exit_code == 0, result.output
    creates = [line.split()[2] for line in result.stdout.splitlines() if line.startswith("CREATE TABLE")]
    assert creates.index("shop.customers") < creates.index("shop.orders") < creates.index("shop.order_items")
    assert "CONSTRAINT fk_order_items_order_id FOREIGN KEY(order_id) REFERENCES shop.orders (order_id) " \
           "DEFERRABLE INITIALLY DEFERRED" in result.stdout
    assert "mock_partition" not in result.stdout


def test_ddl_for_sqlite_runs_in_sqlite(tmp_path):
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), "--dialect", "sqlite", "--partitioned"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "x.db") as conn:
        conn.executescript(result.stdout)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    assert tables == ["departments", "employees", "locations", "salary_history", "time_off"]


def test_ddl_partitioned_adds_the_partition_column_to_partitioned_tables():
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "shop.yaml"), "--dialect", "mysql", "--partitioned"])
    assert result.exit_code == 0, result.output
    orders = result.stdout.split("CREATE TABLE orders")[1].split(";")[0]
    products = result.stdout.split("CREATE TABLE products")[1].split(";")[0]
    assert "mock_partition VARCHAR(64) NOT NULL" in orders
    assert "mock_partition" not in products


def test_ddl_of_a_bad_schema_reports_the_problem_and_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("dataset: bad\ntables:\n  t:\n    rows: 3\n    columns:\n      id: {gen: frist_name}\n")
    result = runner.invoke(app, ["ddl", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml:6" in result.stderr and "first_name" in result.stderr
    assert "CREATE" not in result.stdout


def test_ddl_refuses_an_unknown_dialect_and_a_bad_schema_name():
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), "--dialect", "oracle"])
    assert result.exit_code == 1 and "unsupported SQL dialect 'oracle'" in result.stderr
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), "--schema", "x; drop"])
    assert result.exit_code == 1 and "invalid schema name" in result.stderr
    assert "CREATE" not in result.stdout


def test_ddl_with_a_schema_creates_it_first_so_psql_runs_it_on_a_fresh_database(postgres_db):
    import shutil
    import subprocess

    import sqlalchemy as sa

    if shutil.which("psql") is None:
        import pytest

        pytest.skip("psql is not installed")
    url, schema = postgres_db
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # the fixture made the schema: start from a database without it
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), "--dialect", "postgresql", "--schema", schema])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = "
                                    f"'{schema}') THEN CREATE SCHEMA {schema}; END IF; END $$;")
    libpq_url = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    piped = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", libpq_url], input=result.stdout,
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0, piped.stderr
    tables = sa.inspect(engine).get_table_names(schema=schema)
    engine.dispose()
    assert sorted(tables) == ["departments", "employees", "locations", "salary_history", "time_off"]


def test_ddl_with_a_schema_creates_the_mysql_database_first(mysql_db):
    import os

    import sqlalchemy as sa

    from mock_pipelines_tests.conftest import MYSQL_URL_ENV

    _url, database = mysql_db
    engine = sa.create_engine(os.environ[MYSQL_URL_ENV], poolclass=sa.pool.NullPool)  # the server's own database
    with engine.begin() as conn:  # the fixture made the database: start without it
        conn.execute(sa.text(f"DROP DATABASE `{database}`"))
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), "--dialect", "mysql", "--schema", database])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("SET @mock_pipelines_ddl = IF(EXISTS(SELECT 1 FROM information_schema.SCHEMATA "
                                    f"WHERE SCHEMA_NAME = '{database}'), 'DO 0', "
                                    f"'CREATE DATABASE {database} CHARACTER SET utf8mb4');")
    with engine.begin() as conn:
        for statement in result.stdout.split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement)
    tables = sa.inspect(engine).get_table_names(schema=database)
    engine.dispose()
    assert sorted(tables) == ["departments", "employees", "locations", "salary_history", "time_off"]


def test_ddl_with_a_schema_runs_for_a_role_that_may_not_create_schemas(pg_limited_role):
    """PostgreSQL checks the CREATE privilege before IF NOT EXISTS: the output tests for the schema first,
    so a role without CREATE on the database runs it into a schema made for it."""
    import shutil
    import subprocess

    import pytest
    import sqlalchemy as sa

    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    url, schema, role, admin = pg_limited_role
    result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), "--dialect", "postgresql", "--schema", schema])
    assert result.exit_code == 0, result.output
    libpq_url = sa.make_url(url).set(drivername="postgresql", username=role).render_as_string(hide_password=False)
    plain = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", libpq_url],
                           input=f"CREATE SCHEMA IF NOT EXISTS {schema};", capture_output=True, text=True,
                           timeout=60)
    assert plain.returncode != 0 and "permission denied" in plain.stderr  # what the output must avoid
    piped = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", libpq_url], input=result.stdout,
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0, piped.stderr
    tables = sa.inspect(admin).get_table_names(schema=schema)
    assert sorted(tables) == ["departments", "employees", "locations", "salary_history", "time_off"]


def test_ddl_statements_name_no_namespace_unless_asked():
    from mock_pipelines.schema.parse import load_dataset
    from mock_pipelines.store.sql import ddl_statements

    spec = load_dataset(SCHEMAS / "hr.yaml")
    assert ddl_statements(spec, "postgresql", "hr")[0].startswith("CREATE TABLE")
    assert ddl_statements(spec, "postgresql", "hr", create_schema=True)[0].startswith("DO $$")
    assert ddl_statements(spec, "mysql", "hr", create_schema=True)[2] == "EXECUTE mock_pipelines_ddl"


def test_ddl_without_a_schema_or_on_sqlite_creates_no_namespace():
    for args in (["--dialect", "postgresql"], ["--dialect", "sqlite", "--schema", "main"]):
        result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), *args])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("CREATE TABLE"), result.stdout[:80]


def test_ddl_with_a_schema_runs_on_mysql_for_a_user_that_may_not_create_the_database(mysql_db):
    """MariaDB/MySQL check CREATE before IF NOT EXISTS too: the namespace statements of the output run for a
    user without CREATE on the (existing) database, where CREATE DATABASE IF NOT EXISTS is refused."""
    import uuid

    import pytest
    import sqlalchemy as sa

    url, database = mysql_db
    user, password = f"mp_ddl_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT ON `{database}`.* TO '{user}'@'%%'")
    limited = sa.create_engine(sa.make_url(url).set(username=user, password=password), poolclass=sa.pool.NullPool)
    try:
        result = runner.invoke(app, ["ddl", str(SCHEMAS / "hr.yaml"), "--dialect", "mysql", "--schema", database])
        assert result.exit_code == 0, result.output
        namespace = result.stdout.split("CREATE TABLE")[0]
        with limited.connect() as conn:
            with pytest.raises(sa.exc.OperationalError, match="Access denied"):
                conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
            for statement in namespace.split(";\n"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
    finally:
        limited.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP USER '{user}'@'%%'")
        admin.dispose()
