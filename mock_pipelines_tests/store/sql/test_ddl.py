"""Schema → DDL: the SQL type of every column kind per dialect, and every constraint, both as printed and
as the real servers report them after creation (information_schema / the catalogues, via SQLAlchemy's
inspector)."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from mock_pipelines.spec.errors import Location
from mock_pipelines.spec.model import ColumnSpec, ColumnType
from mock_pipelines.store.sql import PARTITION_COLUMN, ddl_statements, table_metadata
from mock_pipelines.store.sql.compat import family
from mock_pipelines.store.sql.types import sql_type
from mock_pipelines_tests.store.sql.conftest import DIALECTS, plan_of
from mock_pipelines_tests.store.sql.kinds import kinds_spec

EXPECTED_TYPES = {  # column of `people` → rendered type per dialect
    "person_id": ("BIGINT", "BIGINT", "BIGINT"),
    "team_code": ("TEXT", "VARCHAR(255)", "TEXT"),  # a foreign key: MySQL needs a bounded VARCHAR
    "email": ("TEXT", "VARCHAR(255)", "TEXT"),  # unique
    "label": ("TEXT", "TEXT", "TEXT"),
    "amount": ("NUMERIC(12, 2)", "NUMERIC(12, 2)", "NUMERIC(12, 2)"),
    "ratio": ("DOUBLE PRECISION", "DOUBLE", "REAL"),
    "flag": ("BOOLEAN", "BOOL", "BOOLEAN"),
    "day": ("DATE", "DATE", "DATE"),
    "ts": ("TIMESTAMP WITHOUT TIME ZONE", "DATETIME(6)", "DATETIME"),
    "uid": ("UUID", "CHAR(36)", "CHAR(36)"),
    "doc": ("JSONB", "JSON", "TEXT"),
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_column_type_maps_to_its_sql_type(tmp_path, dialect):
    metadata = table_metadata(kinds_spec(tmp_path), dialect)
    people = metadata.tables["people"]
    rendered = {c.name: c.type.compile(dialect=_dialect(dialect)) for c in people.columns}
    for column, per_dialect in EXPECTED_TYPES.items():
        assert rendered[column] == per_dialect[DIALECTS.index(dialect)], column


@pytest.mark.parametrize("dialect", DIALECTS)
def test_zoned_arrow_timestamps_become_zoned_sql_timestamps(dialect):
    col = ColumnSpec(name="at", type=ColumnType("timestamp"), location=Location("x", 1, 1))
    zoned = sql_type(col, pa.timestamp("us", tz="UTC"), dialect, keyed=False)
    naive = sql_type(col, pa.timestamp("us"), dialect, keyed=False)
    expected = {"postgresql": ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE"),
                "mysql": ("DATETIME(6)", "DATETIME(6)"), "sqlite": ("DATETIME", "DATETIME")}[dialect]
    assert (zoned.compile(dialect=_dialect(dialect)), naive.compile(dialect=_dialect(dialect))) == expected


def test_dictionary_encoded_strings_map_like_strings(tmp_path):
    col = ColumnSpec(name="s", type=ColumnType("string"), location=Location("x", 1, 1))
    dictionary = pa.dictionary(pa.int32(), pa.string())
    assert isinstance(sql_type(col, dictionary, "postgresql", keyed=False), sa.Text)
    assert sql_type(col, dictionary, "mysql", keyed=True).length == 255


def test_the_demo_schemas_type_their_columns_like_the_generated_arrow_types():
    for name in ("shop", "hr", "healthcare"):
        plan = plan_of(name)
        metadata = table_metadata(plan.spec, "postgresql")
        for table in plan.order():
            for field in plan.table(table).arrow_schema:
                got = family(metadata.tables[table].c[field.name].type, "postgresql")
                assert got in _families(field.type, plan.spec.tables[table].columns[field.name].type.name), \
                    (table, field.name, got, field.type)


def _families(t: pa.DataType, declared: str) -> set[str]:
    t = t.value_type if pa.types.is_dictionary(t) else t
    if declared in ("uuid", "json"):
        return {declared}
    for check, fam in ((pa.types.is_boolean, "bool"), (pa.types.is_integer, "int"), (pa.types.is_floating, "float"),
                       (pa.types.is_decimal, "decimal"), (pa.types.is_date, "date"),
                       (pa.types.is_timestamp, "timestamp"), (pa.types.is_string, "string")):
        if check(t):
            return {fam}
    return set()


def test_ddl_lists_parents_before_children_with_named_constraints(tmp_path):
    statements = ddl_statements(kinds_spec(tmp_path), "postgresql", "landing")
    creates = [s.split("(")[0].split()[-1] for s in statements if s.startswith("CREATE TABLE")]
    assert creates == ["landing.teams", "landing.people", "landing.visits", "landing.follow_ups"]
    text = "\n".join(statements)
    for name in ("pk_people", "uq_people_email", "fk_people_mentor_id", "fk_follow_ups_person_id_visit_no",
                 "ck_people_score_range", "ck_teams_region_values", "ix_people_team_code"):
        assert f"{name} " in text or f"INDEX {name} ON" in text, name
    assert "REFERENCES landing.people (person_id) DEFERRABLE INITIALLY DEFERRED" in text
    assert "CHECK (region IN ('north', 'south', 'it''s'))" in text  # quotes escaped by SQLAlchemy


def test_mysql_foreign_keys_are_not_deferrable(tmp_path):
    text = "\n".join(ddl_statements(kinds_spec(tmp_path), "mysql"))
    assert "FOREIGN KEY(mentor_id) REFERENCES people (person_id)" in text
    assert "DEFERRABLE" not in text


def test_partitioned_tables_get_the_partition_column_and_its_index():
    plan = plan_of("shop")
    statements = ddl_statements(plan.spec, "sqlite", partitioned=["orders"])
    orders = next(s for s in statements if s.startswith("CREATE TABLE orders"))
    assert f"{PARTITION_COLUMN} VARCHAR(64) NOT NULL" in orders
    assert f"CREATE INDEX ix_orders_{PARTITION_COLUMN} ON orders ({PARTITION_COLUMN})" in statements
    customers = next(s for s in statements if s.startswith("CREATE TABLE customers"))
    assert PARTITION_COLUMN not in customers


def test_a_partitioned_time_column_keeps_no_generator_range():
    spec = plan_of("shop").spec
    plain = "\n".join(ddl_statements(spec, "postgresql"))
    partitioned = "\n".join(ddl_statements(spec, "postgresql", partitioned=["customers"]))
    assert "ck_customers_signup_ts_range" in plain
    assert "ck_customers_signup_ts_range" not in partitioned  # partitioned rows are created in their window
    assert "ck_customers_lifetime_value_range" in partitioned  # other columns keep theirs


def test_unknown_partitioned_table_and_dialect_are_refused(tmp_path):
    spec = kinds_spec(tmp_path)
    with pytest.raises(ValueError, match="unknown table"):
        table_metadata(spec, "sqlite", partitioned=["nope"])
    with pytest.raises(ValueError, match="unsupported SQL dialect 'oracle'"):
        ddl_statements(spec, "oracle")
    assert ddl_statements(spec, "mariadb") == ddl_statements(spec, "mysql")


# ---- on the real servers ----------------------------------------------------------------------------------

def test_created_tables_carry_every_constraint(database, tmp_path):
    spec = kinds_spec(tmp_path)
    database.ensure_tables(spec)
    inspector = sa.inspect(database.engine)
    schema = database.schema
    assert set(spec.table_order()) <= set(inspector.get_table_names(schema=schema))
    assert inspector.get_pk_constraint("visits", schema=schema)["constrained_columns"] == ["person_id", "visit_no"]
    fks = {fk["name"]: fk for fk in inspector.get_foreign_keys("people", schema=schema)}
    assert fks["fk_people_mentor_id"]["referred_table"] == "people"  # self-referencing
    assert fks["fk_people_mentor_id"]["referred_columns"] == ["person_id"]
    composite = inspector.get_foreign_keys("follow_ups", schema=schema)[0]
    assert (composite["name"], composite["constrained_columns"], composite["referred_columns"]) == \
        ("fk_follow_ups_person_id_visit_no", ["person_id", "visit_no"], ["person_id", "visit_no"])
    uniques = {u["name"]: u["column_names"] for u in inspector.get_unique_constraints("people", schema=schema)}
    assert uniques.get("uq_people_email") == ["email"]
    checks = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints("people", schema=schema)}
    assert {"ck_people_score_range", "ck_people_amount_range", "ck_people_day_range", "ck_people_ts_range"} <= set(checks)
    columns = {c["name"]: c for c in inspector.get_columns("people", schema=schema)}
    assert not columns["email"]["nullable"] and not columns["score"]["nullable"]
    assert columns["label"]["nullable"] and columns["mentor_id"]["nullable"]
    declared = table_metadata(spec, database.dialect).tables["people"]
    for name in EXPECTED_TYPES:  # the server kept the kind of every type (MariaDB's JSON is a LONGTEXT)
        kept = family(columns[name]["type"], database.dialect)
        allowed = {family(declared.c[name].type, database.dialect)} | ({"string"} if name in ("doc", "uid") else set())
        assert kept in allowed, (name, kept)


def test_postgres_foreign_keys_are_deferred_until_commit(pg_database, tmp_path):
    pg_database.ensure_tables(kinds_spec(tmp_path))
    with pg_database.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT conname, condeferrable, condeferred FROM pg_constraint c JOIN pg_namespace n "
            "ON n.oid = c.connamespace WHERE n.nspname = :s AND contype = 'f' ORDER BY conname"),
            {"s": pg_database.schema}).all()
    assert [r[0] for r in rows] == ["fk_follow_ups_person_id_visit_no", "fk_people_mentor_id",
                                    "fk_people_team_code", "fk_visits_person_id"]
    assert all(r[1] and r[2] for r in rows)


def test_ensure_tables_is_idempotent_and_cached(database, tmp_path):
    spec = kinds_spec(tmp_path)
    database.ensure_tables(spec)
    database.ensure_tables(spec)  # cached
    fresh = type(database)(database.engine.url.render_as_string(hide_password=False), database.schema)
    try:
        fresh.ensure_tables(spec)  # tables exist and fit: nothing to do, no error
    finally:
        fresh.dispose()


def _dialect(name: str) -> sa.Dialect:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    return {"postgresql": postgresql.dialect, "mysql": mysql.dialect, "sqlite": sqlite.dialect}[name]()


def test_concurrent_ensure_tables_from_several_connections_all_succeed(database, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    spec = kinds_spec(tmp_path)
    url = database.engine.url.render_as_string(hide_password=False)
    others = [type(database)(url, database.schema) for _ in range(4)]  # like parallel asset processes
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda db: db.ensure_tables(spec), others))
    finally:
        for db in others:
            db.dispose()
    assert set(spec.tables) <= set(sa.inspect(database.engine).get_table_names(schema=database.schema))


def test_concurrent_ensure_tables_on_sqlite_never_race_on_a_fresh_file(tmp_path):
    """Several connections creating the same tables in a new SQLite file at once: each sees the tables
    missing or created, never half (the look-up and the CREATEs run under the database's write lock)."""
    from concurrent.futures import ThreadPoolExecutor

    from mock_pipelines.store.sql import Database

    spec = kinds_spec(tmp_path)
    for attempt in range(8):  # a race shows within a few fresh files
        url = f"sqlite:///{tmp_path / f'race-{attempt}.db'}"
        others = [Database(url) for _ in range(6)]
        try:
            with ThreadPoolExecutor(6) as pool:
                list(pool.map(lambda db: db.ensure_tables(spec), others))
        finally:
            for db in others:
                db.dispose()
        engine = sa.create_engine(url)
        assert set(spec.tables) <= set(sa.inspect(engine).get_table_names())
        engine.dispose()


def test_checking_existing_sqlite_tables_takes_no_write_lock(tmp_path):
    """mode='existing' only reads: it works while another connection holds the file's write lock (it used to
    wait for the lock with BEGIN IMMEDIATE, then fail with 'database is locked')."""
    import sqlite3
    import time

    from mock_pipelines.store.sql import Database

    spec = kinds_spec(tmp_path)
    path = tmp_path / "held.db"
    creator = Database(f"sqlite:///{path}")
    creator.ensure_tables(spec)
    creator.dispose()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a loader in another process is writing
    checker = Database(f"sqlite:///{path}")
    try:
        started = time.perf_counter()
        checker.ensure_tables(spec, mode="existing")
        assert time.perf_counter() - started < 5
    finally:
        checker.dispose()
        writer.rollback()
        writer.close()
