"""Tables the user created: compatible ones are loaded, incompatible ones are reported — every problem."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mock_pipelines.store.sql import Database, SchemaMismatchError, SqlDestinationError
from mock_pipelines_tests.store.sql.conftest import plan_of

# The user's own DDL for hr.locations and hr.departments: narrower but compatible types.
COMPATIBLE = {
    "locations": """CREATE TABLE {s}locations (
        location_id INTEGER PRIMARY KEY, location_code VARCHAR(40) NOT NULL, street VARCHAR(200),
        city VARCHAR(100), state CHAR(2), zip VARCHAR(10), latitude DOUBLE PRECISION, longitude DOUBLE PRECISION,
        timezone VARCHAR(64), office_name VARCHAR(200), opened_on DATE,
        loaded_by VARCHAR(20) DEFAULT 'etl', note TEXT)""",
    "departments": """CREATE TABLE {s}departments (
        department_id INTEGER PRIMARY KEY, department_name VARCHAR(100), cost_center VARCHAR(20),
        location_id INTEGER, annual_budget NUMERIC(16, 2))""",
}


def _schema_prefix(database) -> str:
    return f"{database.schema}." if database.schema else ""


def _create(database, statements):
    with database.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement.format(s=_schema_prefix(database)))


def test_compatible_existing_tables_are_loaded(database):
    plan = plan_of("hr", seed=5, scale=0.2)
    _create(database, COMPATIBLE.values())
    database.ensure_tables(plan.spec, mode="create")  # creates the other tables, keeps these two
    for name in ("locations", "departments"):
        tp = plan.table(name)
        result = database.write_batches(plan.spec, name, tp.arrow_schema, tp.batches())
        assert result.rows == tp.n_rows
        back = database.read(plan.spec, name)
        expected = tp.to_table().cast(back.schema).sort_by(plan.spec.tables[name].primary_key[0])
        assert back.equals(expected), name
    with database.engine.connect() as conn:
        table = sa.Table("locations", sa.MetaData(schema=database.schema), autoload_with=conn)
        assert conn.execute(sa.select(table.c.loaded_by).limit(1)).scalar() == "etl"  # extra column left alone
    assert sa.inspect(database.engine).has_table("employees", schema=database.schema)


def test_mode_existing_never_creates_and_reports_missing_tables(database):
    plan = plan_of("hr", seed=5, scale=0.2)
    _create(database, COMPATIBLE.values())
    with pytest.raises(SchemaMismatchError) as caught:
        database.ensure_tables(plan.spec, mode="existing")
    assert caught.value.problems == ["employees: missing table", "salary_history: missing table",
                                     "time_off: missing table"]
    assert not sa.inspect(database.engine).has_table("employees", schema=database.schema)


INCOMPATIBLE = """CREATE TABLE {s}locations (
    location_id BIGINT PRIMARY KEY, location_code TEXT NOT NULL, street TEXT, city TEXT, state TEXT,
    latitude DOUBLE PRECISION, longitude DOUBLE PRECISION, timezone TEXT, office_name TEXT,
    opened_on TEXT, badge INTEGER NOT NULL)"""


def test_incompatible_tables_get_every_problem_listed_and_nothing_is_created(database):
    plan = plan_of("hr", seed=5, scale=0.2)
    _create(database, [INCOMPATIBLE, COMPATIBLE["departments"].replace("annual_budget NUMERIC(16, 2)",
                                                                       "annual_budget NUMERIC(8, 2) NOT NULL")])
    with pytest.raises(SchemaMismatchError) as caught:
        database.ensure_tables(plan.spec)
    problems = caught.value.problems
    assert any(p.startswith("locations.zip: missing column") for p in problems), problems
    assert any(p.startswith("locations.opened_on: expected DATE, found") for p in problems), problems
    assert any(p.startswith("locations.badge: NOT NULL column without a default") for p in problems), problems
    assert any(p.startswith("departments.annual_budget: expected NUMERIC(14, 2), found") and "too few digits" in p
               for p in problems), problems
    assert len(problems) == 4, problems
    message = str(caught.value)
    assert "4 problems" in message and "hint:" in message and "mock-pipelines ddl" in message
    assert not sa.inspect(database.engine).has_table("employees", schema=database.schema)  # nothing created


def test_a_not_null_column_where_the_schema_writes_nulls_is_reported(database):
    plan = plan_of("hr", seed=5, scale=0.2)
    # approver_id is employee_id.manager_id: null for a department head's requests, so NOT NULL cannot hold
    ddl = """CREATE TABLE {s}time_off (employee_id BIGINT NOT NULL, request_no BIGINT NOT NULL,
        leave_type TEXT NOT NULL, start_date DATE NOT NULL, days_requested BIGINT NOT NULL, end_date DATE NOT NULL,
        status TEXT NOT NULL, approver_id BIGINT NOT NULL, PRIMARY KEY (employee_id, request_no))"""
    _create(database, [ddl])
    with pytest.raises(SchemaMismatchError) as caught:
        database.ensure_tables(plan.spec)
    assert caught.value.problems == [
        "time_off.approver_id: NOT NULL in the database but the schema may write NULL here (null_rate, nullable "
        "or a nullable reference) — drop the NOT NULL or the nulls"]


def test_reading_a_table_that_was_never_created_says_so(database):
    plan = plan_of("hr", seed=5, scale=0.2)
    with pytest.raises(SqlDestinationError, match=r"table 'employees' does not exist in .*materialise it first"):
        database.read(plan.spec, "employees")
    with pytest.raises(SqlDestinationError, match=r"table 'employees' does not exist"):
        database.list_partitions(plan.spec, "employees")


def test_a_role_that_may_not_create_schemas_loads_into_one_made_for_it(pg_limited_role):
    """CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database even when the schema exists."""
    url, schema, role, _admin = pg_limited_role
    limited = Database(sa.make_url(url).set(username=role).render_as_string(hide_password=False), schema)
    try:
        with limited.engine.connect() as conn:
            assert not conn.execute(sa.text("SELECT has_database_privilege(current_database(), 'CREATE')")).scalar()
        plan = plan_of("hr", seed=5, scale=0.2)
        limited.ensure_tables(plan.spec)
        tp = plan.table("locations")
        assert limited.write_batches(plan.spec, "locations", tp.arrow_schema, tp.batches()).rows == tp.n_rows > 0
    finally:
        limited.dispose()
