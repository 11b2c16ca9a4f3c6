"""The promise of import: a database's schema imported, generated, and loaded back into a copy of that
database with every constraint enforced — primary keys, composite and self-referencing foreign keys,
unique and CHECK constraints, enums, arrays and JSON — on real PostgreSQL and MariaDB servers."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.sql import Database

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def _run_script(engine: sa.Engine, path: Path, namespace: str, dialect: str) -> None:
    text = path.read_text()
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.exec_driver_sql(f'SET search_path TO "{namespace}"')
            conn.exec_driver_sql(text)
        else:
            conn.exec_driver_sql(f"USE `{namespace}`")
            for statement in re.split(r";\s*$", text, flags=re.M):
                body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
                if body:
                    conn.exec_driver_sql(body)


@pytest.fixture(params=["postgresql", "mysql"])
def source_and_copy(request):
    """(dialect, engine, source URL, source namespace, copy namespace): the retail DDL run twice."""
    dialect = request.param
    if dialect == "postgresql":
        url, source = request.getfixturevalue("postgres_db")
    else:
        url, source = request.getfixturevalue("mysql_db")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    copy = f"mp_copy_{uuid.uuid4().hex[:10]}"
    script = FIXTURES / ("retail_postgres.sql" if dialect == "postgresql" else "retail_mariadb.sql")
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{copy}"' if dialect == "postgresql"
                             else f"CREATE DATABASE `{copy}` CHARACTER SET utf8mb4")
    try:
        _run_script(engine, script, source, dialect)
        _run_script(engine, script, copy, dialect)
        yield dialect, engine, url, source, copy
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{copy}" CASCADE' if dialect == "postgresql"
                                 else f"DROP DATABASE IF EXISTS `{copy}`")
        engine.dispose()


def _constraints(engine: sa.Engine, namespace: str, dialect: str) -> dict[str, int]:
    kinds = "'PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE', 'CHECK'"
    column = "table_schema" if dialect == "postgresql" else "constraint_schema"
    query = (f"SELECT constraint_type, count(*) FROM information_schema.table_constraints WHERE {column} = "
             f"'{namespace}' AND constraint_type IN ({kinds}) GROUP BY constraint_type")
    with engine.connect() as conn:
        return {kind: n for kind, n in conn.exec_driver_sql(query)}


def test_an_imported_database_loads_back_into_a_copy_with_every_constraint_enforced(source_and_copy, tmp_path):
    dialect, engine, url, source, copy = source_and_copy
    out = tmp_path / "retail.yaml"
    args = ["import", url, "--out", str(out)] + (["--schema", source] if dialect == "postgresql" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "# " in text and "unique_within: store_id" in text and "child_index" in text

    spec = load_dataset(out)
    assert len(spec.tables) == 12
    plan = DatasetPlan(spec, PlanOptions(scale=0.2))
    plan.check()
    copy_url = url if dialect == "postgresql" else str(sa.make_url(url).set(database=copy).render_as_string(
        hide_password=False))
    database = Database(copy_url, copy if dialect == "postgresql" else None)
    try:
        database.ensure_tables(spec, mode="existing")  # the copy's own DDL: nothing is created
        for name in plan.order():
            tp = plan.table(name)
            written = database.write_batches(spec, name, tp.arrow_schema, tp.batches())
            assert written.rows == tp.n_rows, name
    finally:
        database.dispose()

    constraints = _constraints(engine, copy, dialect)
    assert constraints["FOREIGN KEY"] >= 14 and constraints["PRIMARY KEY"] == 12, constraints
    assert constraints.get("CHECK", 0) >= 10, constraints  # every CHECK was enforced while loading
    prefix = f'"{copy}".' if dialect == "postgresql" else f"`{copy}`."
    with engine.connect() as conn:
        counts = {name: conn.exec_driver_sql(f"SELECT count(*) FROM {prefix}{name}").scalar()
                  for name in plan.order()}
        assert all(counts[name] == plan.table(name).n_rows for name in counts), counts
        assert conn.exec_driver_sql(f"SELECT count(*) FROM {prefix}employees WHERE manager_id IS NOT NULL"
                                    ).scalar() > 0  # the tree is there
        # The enum's values land as generated. Which of the four the 20 customers draw depends on the dataset's
        # name, the random name of the source schema: about one run in 80 draws only three.
        generated = {v for b in plan.table("customers").batches() for v in b.column("tier").to_pylist()}
        landed = {v for (v,) in conn.exec_driver_sql(f"SELECT DISTINCT tier FROM {prefix}customers")}
        assert landed == generated and len(generated) >= 2, (landed, generated)
        assert generated <= {"bronze", "silver", "gold", "platinum"}, generated
    # and the copy still refuses bad rows (MariaDB reports a failed CHECK as an operational error)
    with pytest.raises((sa.exc.IntegrityError, sa.exc.OperationalError), match="quantity"), \
            engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {prefix}order_lines (order_id, line_no, product_id, quantity, "
                             "unit_price) VALUES (1, 99, 1, 500, 1.00)")


def test_profile_data_puts_measured_shapes_in_the_schema_and_never_raw_values_of_busy_columns(
        source_and_copy, tmp_path):
    """Fill the source with generated rows, import it again with --profile-data: row counts, null shares,
    children per parent and the weights of low-cardinality values come from the data; no e-mail, name or
    other value of a high-cardinality column appears anywhere in the written schema."""
    dialect, engine, url, source, _copy = source_and_copy
    where = ["--schema", source] if dialect == "postgresql" else []
    first = tmp_path / "first.yaml"
    assert runner.invoke(app, ["import", url, *where, "--out", str(first), "--rows", "orders=900",
                               "--rows", "customers=300"]).exit_code == 0
    spec = load_dataset(first)
    plan = DatasetPlan(spec, PlanOptions(scale=1.0))
    database = Database(url, source if dialect == "postgresql" else None)
    try:
        database.ensure_tables(spec, mode="existing")
        for name in plan.order():
            tp = plan.table(name)
            database.write_batches(spec, name, tp.arrow_schema, tp.batches())
    finally:
        database.dispose()
    profiled = tmp_path / "profiled.yaml"
    result = runner.invoke(app, ["import", url, *where, "--out", str(profiled), "--profile-data"])
    assert result.exit_code == 0, result.output
    text = profiled.read_text()
    measured = load_dataset(profiled)
    assert measured.tables["orders"].rows.fixed == 900 and measured.tables["customers"].rows.fixed == 300
    lines = measured.tables["order_lines"].rows
    assert lines.per == "orders" and lines.count.name == "poisson"
    assert 2.5 < lines.count.args[0] < 3.5  # uniform(1, 5) children per order: a mean of 3
    assert (lines.min, lines.max) == (1, 5)
    store = measured.tables["orders"].columns["store_id"]
    assert 0.05 < store.null_rate < 0.15  # 10 % were written
    prefix = f'"{source}".' if dialect == "postgresql" else f"`{source}`."
    with engine.connect() as conn:
        emails = conn.exec_driver_sql(f"SELECT email FROM {prefix}customers LIMIT 50").scalars().all()
        names = conn.exec_driver_sql(f"SELECT last_name FROM {prefix}customers LIMIT 50").scalars().all()
    assert not any(e in text for e in emails)
    assert not any(f" {n}," in text or f"{n}:" in text for n in names)
    tiers = measured.tables["customers"].columns["tier"].params["values"]
    assert isinstance(tiers, dict) and set(tiers) == {"bronze", "silver", "gold", "platinum"}
    assert abs(sum(tiers.values()) - 1) < 0.01  # measured shares
