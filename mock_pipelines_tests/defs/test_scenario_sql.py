"""Scenarios land in SQL databases: a ci-like profile (the shop schema, daily partitions, `scenarios: [dirty]`)
with a SQL destination materialises the defect twin `shop__dirty` into SQLite, PostgreSQL and MariaDB — tables
without constraints, the duplicates and nulls of the scenario in them, a drifted partition beside a clean one in
one table, the ground truth `_defects` equal to what the core says, the same rows after a second run, and the
checks' detection score in the ground truth's metadata, equal to the score of the rows as generated.

PostgreSQL and MariaDB come from the ``postgres_db`` / ``mysql_db`` fixtures (real servers; skipped, naming
the environment variable, when it is unset); SQLite always runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from mock_pipelines.core.scenarios import ScenarioPlan, ScenarioSlice
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.scenario_assets import scenario_plans
from mock_pipelines.defs.scenario_scoring import detection_markdown, scenario_scores
from mock_pipelines.defs.stores import sql_store_factory
from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE
from mock_pipelines.store.sql.names import PARTITION_COLUMN
from mock_pipelines.store.sql.store import SqlStore
from mock_pipelines_tests.defs.conftest import SCHEMAS
from mock_pipelines_tests.defs.sql_support import row_digest

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

JOB = "shop__dirty__all_tables"
# At this scale and seed the shop's `dirty` scenario copies and empties customers on 2024-01-03 and renames
# `orders.channel` on 2024-01-02 (its drift rule picks a fifth of the partitions): both days land.
SCALE = 0.5
DAYS = ["2024-01-02", "2024-01-03"]


def ci_like(folder: Path, destination: str) -> ProfilePlan:
    """The ci profile's shape (shop, seed 42, daily partitions, a single-run backfill, `scenarios: [dirty]`)
    with one SQL destination."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ci_sql.yaml"
    path.write_text("\n".join([
        "profile: ci_sql", f"datasets: {json.dumps([str(SCHEMAS / 'shop.yaml')])}", "seed: 42", f"scale: {SCALE}",
        "partitions: {start: 2024-01-01, cadence: daily, end_offset: 0, backfill: single_run}",
        "destinations:", f"  - {destination}", "sensors: {schema_changes: false, request_inbox: null}",
        "scenarios: [dirty]"]) + "\n", encoding="utf-8")
    return plan_profile(load_profile(path, root=folder))


def materialise(defs: dg.Definitions, instance: dg.DagsterInstance, days: list[str]) -> dg.ExecuteInProcessResult:
    tags = {RANGE_START_TAG: days[0], RANGE_END_TAG: days[-1]}
    result = defs.resolve_job_def(JOB).execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    assert result.success, [e.event_specific_data for e in result.all_events if e.is_failure]
    return result


def scenario_of(plan: ProfilePlan) -> ScenarioPlan:
    (scenario,) = scenario_plans(plan)
    return scenario


def slices(scenario: ScenarioPlan, table: str) -> Iterator[ScenarioSlice]:
    """The slices of the table that landed: each day, or the whole table when it is not partitioned."""
    st = scenario.table(table)
    if not st.clean.is_partitioned:
        yield st.slice()
        return
    for day in DAYS:
        start = dt.datetime.fromisoformat(day)
        yield st.slice(start, start + dt.timedelta(days=1), day)


def expected_truth(scenario: ScenarioPlan) -> pa.Table:
    return pa.concat_tables([s.truth() for t in scenario.order() for s in slices(scenario, t)])


def sorted_rows(table: pa.Table) -> list[tuple]:
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


class _Generated:
    """The rows of the scenario as the core generates them, read like a store: the reference score."""

    def __init__(self, scenario: ScenarioPlan):
        self.scenario = scenario

    def read_batches(self, dataset, table, partition_key=None, columns=None, schema=None, batch_rows=0):
        return next(s for s in slices(self.scenario, table) if s.partition_key == partition_key).batches()

    def read(self, dataset, table, partition_keys=None, columns=None, schema=None):
        """Every landed partition of ``table`` (the parents' keys the references are checked against)."""
        parts = [pa.Table.from_batches(list(s.batches()), schema=s.schema) for s in slices(self.scenario, table)]
        whole = pa.concat_tables(parts, promote_options="permissive")
        return whole.select(columns) if columns else whole


def _check_landing(plan: ProfilePlan, engine: sa.Engine, namespace: str | None, name_of) -> None:
    """Everything the scenario's landing promises, in one database."""
    scenario = scenario_of(plan)
    instance = dg.DagsterInstance.ephemeral()
    defs = build_definitions(plan)
    result = materialise(defs, instance, DAYS)
    store = sql_store_factory(plan.profile)()
    assert isinstance(store, SqlStore)
    inspector = sa.inspect(engine)

    # tables of every table of the dataset and the ground truth, none with a constraint
    tables = [*scenario.order(), GROUND_TRUTH_TABLE]
    found = set(inspector.get_table_names(schema=namespace))
    assert {name_of(t) for t in tables} <= found
    for table in tables:
        sql = name_of(table)
        assert not inspector.get_pk_constraint(sql, schema=namespace)["constrained_columns"], sql
        assert inspector.get_foreign_keys(sql, schema=namespace) == [], sql
        assert not inspector.get_unique_constraints(sql, schema=namespace), sql
        assert not inspector.get_check_constraints(sql, schema=namespace), sql
        columns = {c["name"]: c for c in inspector.get_columns(sql, schema=namespace)}
        assert all(c["nullable"] for n, c in columns.items() if n != PARTITION_COLUMN), sql
        if table != GROUND_TRUTH_TABLE:
            assert set(columns) - {PARTITION_COLUMN} == set(scenario.table(table).union_schema.names)

    # the scenario's duplicates and nulls are in the database, exactly where the ground truth says
    truth = store.read(scenario.name, GROUND_TRUTH_TABLE)
    customers = truth.filter(pc.equal(truth.column("table"), "customers"))
    day = DAYS[-1]
    with engine.connect() as conn:
        target = sa.table(name_of("customers"), sa.column("customer_id"), sa.column("email"),
                          sa.column(PARTITION_COLUMN), schema=namespace)
        in_day = target.c[PARTITION_COLUMN] == day
        copied = conn.execute(sa.select(target.c.customer_id).where(in_day).group_by(target.c.customer_id)
                              .having(sa.func.count() > 1)).scalars().all()
        null_email = conn.execute(sa.select(target.c.customer_id).where(in_day, target.c.email.is_(None))
                                  ).scalars().all()
    duplicates = customers.filter(pc.and_(pc.equal(customers.column("kind"), "duplicate"),
                                          pc.equal(customers.column("partition"), day)))
    missing = customers.filter(pc.and_(pc.equal(customers.column("kind"), "missing"),
                                       pc.equal(customers.column("partition"), day)))
    assert copied and {str(k) for k in copied} == set(duplicates.column("row_key").to_pylist())
    assert null_email and {str(k) for k in null_email} == set(missing.column("row_key").to_pylist())

    # the ground truth that landed is the core's, row for row
    assert sorted_rows(truth) == sorted_rows(expected_truth(scenario))

    # a drifted partition and a clean one share the table; each reads back with its own columns
    orders = scenario.table("orders")
    drifted, clean = DAYS
    assert "channel_renamed" in orders.schema(drifted).names and "channel" in orders.schema(clean).names
    for s in slices(scenario, "orders"):
        got = store.read(scenario.name, "orders", [s.partition_key], schema=s.schema)
        generated = pa.Table.from_batches(list(s.batches()), schema=s.schema)
        assert got.column_names == generated.column_names
        assert sorted_rows(got) == sorted_rows(generated.cast(got.schema))

    # the checks' score is in the metadata, the same as for the rows as generated
    truth_events = [e.materialization for e in result.get_asset_materialization_events()
                    if e.materialization.asset_key == table_asset_key(scenario.name, GROUND_TRUTH_TABLE)]
    score = truth_events[0].metadata["detection"]
    assert isinstance(score, dg.MarkdownMetadataValue)
    landed = {t: [s.partition_key for s in slices(scenario, t)] for t in scenario.order()}
    assert score.md_str == detection_markdown(scenario_scores(scenario, expected_truth(scenario), landed,
                                                             _Generated(scenario)))
    assert "**customers**" in score.md_str and "missing" in score.md_str

    # materialising a partition again changes nothing
    before = {t: row_digest(engine, name_of(t), namespace) for t in tables}
    materialise(defs, instance, [day])
    assert {t: row_digest(engine, name_of(t), namespace) for t in tables} == before
    store.dispose()


def test_sqlite_takes_the_defect_twin_without_constraints_and_its_ground_truth(tmp_path):
    db = tmp_path / "mock.sqlite"
    plan = ci_like(tmp_path, f"{{kind: sql, url: 'sqlite:///{db}'}}")
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        # one namespace for every dataset: the scenario's tables carry its name
        _check_landing(plan, engine, None, lambda t: f"shop__dirty__{t}")
    finally:
        engine.dispose()


def test_postgres_takes_the_defect_twin_in_a_namespace_of_its_own(tmp_path, postgres_db, monkeypatch):
    url, schema = postgres_db
    monkeypatch.setenv("MP_TEST_PG_URL", url)
    plan = ci_like(tmp_path, f"{{kind: sql, url: {{env: MP_TEST_PG_URL}}, schema: '{schema}_{{dataset}}'}}")
    engine = sa.create_engine(url)
    try:
        _check_landing(plan, engine, f"{schema}_shop__dirty", lambda t: t)  # plain table names
    finally:
        with engine.begin() as conn:
            for namespace in (f"{schema}_shop__dirty", f"{schema}_shop"):
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{namespace}" CASCADE'))
        engine.dispose()


def test_mariadb_takes_the_defect_twin_without_constraints(tmp_path, mysql_db, monkeypatch):
    url, _database = mysql_db
    monkeypatch.setenv("MP_TEST_MYSQL_URL", url)
    plan = ci_like(tmp_path, "{kind: sql, url: {env: MP_TEST_MYSQL_URL}}")
    engine = sa.create_engine(url)
    try:
        _check_landing(plan, engine, None, lambda t: f"shop__dirty__{t}")
    finally:
        engine.dispose()
