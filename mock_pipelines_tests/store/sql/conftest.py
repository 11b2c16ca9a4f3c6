"""A :class:`Database` per dialect: real PostgreSQL and MariaDB servers (a namespace per test, see the root
conftest) and a SQLite file; tests taking ``database`` run on all three."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.sql import Database

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "schemas"
DIALECTS = ("postgresql", "mysql", "sqlite")


def open_database(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if dialect == "postgresql":
        url, schema = request.getfixturevalue("postgres_db")
        return Database(url, schema)
    if dialect == "mysql":
        url, _database = request.getfixturevalue("mysql_db")
        return Database(url)
    return Database(f"sqlite:///{tmp_path / 'landing.db'}")


@pytest.fixture(params=DIALECTS)
def database(request: pytest.FixtureRequest, tmp_path: Path):
    db = open_database(request.param, request, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def pg_database(request: pytest.FixtureRequest, tmp_path: Path):
    db = open_database("postgresql", request, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def pg_limited_role(postgres_db):
    """``(url, schema, role, admin engine)``: a PostgreSQL login role that may not CREATE on the database but
    may use and create in this test's schema (what a DBA grants a loader). Dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    url, schema = postgres_db
    role = f"mp_role_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    database_name = sa.make_url(url).database
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'REVOKE CREATE ON DATABASE "{database_name}" FROM PUBLIC, "{role}"')
        conn.exec_driver_sql(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO "{role}"')
    try:
        yield url, schema, role, admin
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')  # drops what the role owns in it
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')  # the postgres_db fixture drops it again
            conn.exec_driver_sql(f'GRANT CREATE ON DATABASE "{database_name}" TO PUBLIC')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


def plan_of(name: str, seed: int = 7, scale: float = 0.1, partitioned: bool = False) -> DatasetPlan:
    spec = load_dataset(SCHEMAS / f"{name}.yaml")
    scheme = PartitionScheme(dt.datetime(2024, 1, 1), "daily") if partitioned else None
    return DatasetPlan(spec, PlanOptions(seed=seed, scale=scale, partitions=scheme))


def sorted_by_key(table, keys: list[str]):
    return table.sort_by([(k, "ascending") for k in keys]) if keys else table
