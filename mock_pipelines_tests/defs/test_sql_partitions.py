"""Partitioned SQL landing through Dagster: a partition run replaces exactly its partition (SQLite,
PostgreSQL, MariaDB), a single-run backfill writes one materialization per partition, and a downstream
asset loads just the partitions it depends on."""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa

from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import ALL_JOB
from mock_pipelines.defs.partitions import profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.defs.resources import build_resources
from mock_pipelines_tests.defs.sql_support import (
    PARTITION_COLUMN,
    plain_keys,
    row_digest,
    run_job,
    sql_profile,
)

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")


# ---- partitions --------------------------------------------------------------------------------------------

DAYS = ("2024-01-01", "2024-01-02", "2024-01-03")
LEAF = ("shop", "reviews")  # nothing references reviews, so rows can be removed to mark a partition


def _partitioned_landing(planned: ProfilePlan, engine: sa.Engine, schema: str | None) -> None:
    """Plain tables, then days 1-3; a row removed from days 2 and 3; day 2 re-materialised: day 2 is whole
    again (the very same rows), day 3 still lacks its row, day 1 is untouched."""
    instance = dg.DagsterInstance.ephemeral()
    defs = build_definitions(planned)
    run_job(defs, ALL_JOB, instance, asset_selection=plain_keys(planned))
    for day in DAYS:
        run_job(defs, "shop__partitioned_tables", instance, partition_key=day)
    table = LEAF[1]
    before = {day: row_digest(engine, table, schema, (PARTITION_COLUMN, day)) for day in DAYS}
    assert all(count > 0 for count, _ in before.values())
    assert sum(c for c, _ in before.values()) == row_digest(engine, table, schema)[0]  # every row has a day
    target = sa.table(table, sa.column("review_id"), sa.column(PARTITION_COLUMN), schema=schema)
    with engine.begin() as conn:
        for day in DAYS[1:]:
            victim = conn.execute(sa.select(target.c.review_id).where(target.c[PARTITION_COLUMN] == day)
                                  .limit(1)).scalar_one()
            conn.execute(sa.delete(target).where(target.c.review_id == victim))
    run_job(defs, "shop__partitioned_tables", instance, partition_key=DAYS[1])
    after = {day: row_digest(engine, table, schema, (PARTITION_COLUMN, day)) for day in DAYS}
    assert after[DAYS[0]] == before[DAYS[0]]
    assert after[DAYS[1]] == before[DAYS[1]]
    assert after[DAYS[2]][0] == before[DAYS[2]][0] - 1


def test_sqlite_rematerialising_a_partition_replaces_exactly_that_partition(tmp_path):
    db = tmp_path / "mock.sqlite"
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: 'sqlite:///{db}'}}"], datasets=("shop",), scale=0.1,
                        partitioned=True)
    engine = sa.create_engine(f"sqlite:///{db}")
    _partitioned_landing(planned, engine, None)
    engine.dispose()


def test_postgres_rematerialising_a_partition_replaces_exactly_that_partition(tmp_path, postgres_db, monkeypatch):
    url, schema = postgres_db
    monkeypatch.setenv("MP_TEST_PG_URL", url)
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: {{env: MP_TEST_PG_URL}}, schema: {schema}}}"],
                        datasets=("shop",), scale=0.1, partitioned=True)
    engine = sa.create_engine(url)
    _partitioned_landing(planned, engine, schema)
    engine.dispose()


def test_mariadb_rematerialising_a_partition_replaces_exactly_that_partition(tmp_path, mysql_db, monkeypatch):
    url, _ = mysql_db
    monkeypatch.setenv("MP_TEST_MYSQL_URL", url)
    planned = sql_profile(tmp_path, ["{kind: sql, url: {env: MP_TEST_MYSQL_URL}}"], datasets=("shop",), scale=0.1,
                        partitioned=True)
    engine = sa.create_engine(url)
    _partitioned_landing(planned, engine, None)
    engine.dispose()


def test_a_single_run_backfill_writes_each_partition_and_downstream_loads_just_its_partitions(tmp_path):
    db = tmp_path / "mock.sqlite"
    planned = sql_profile(tmp_path, [f"{{kind: sql, url: 'sqlite:///{db}'}}"], datasets=("shop",), scale=0.1,
                        partitioned=True)
    instance = dg.DagsterInstance.ephemeral()
    from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG

    run_job(build_definitions(planned), ALL_JOB, instance, asset_selection=plain_keys(planned))
    backfill = run_job(build_definitions(planned), "shop__partitioned_tables", instance,
                       tags={RANGE_START_TAG: DAYS[0], RANGE_END_TAG: DAYS[-1]})
    orders = [e.materialization for e in backfill.get_asset_materialization_events()
              if e.materialization.asset_key == dg.AssetKey(["shop", "orders"])]
    assert sorted(m.partition for m in orders) == list(DAYS)  # one materialization per partition
    engine = sa.create_engine(f"sqlite:///{db}")
    per_day = {day: row_digest(engine, "orders", None, (PARTITION_COLUMN, day))[0] for day in DAYS}
    engine.dispose()
    assert {m.partition: m.metadata["dagster/row_count"].value for m in orders} == per_day

    seen: dict[str, object] = {}

    @dg.asset(partitions_def=profile_partitions(planned), ins={"orders": dg.AssetIn(
        key=dg.AssetKey(["shop", "orders"]),
        partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=0))},
        io_manager_key="unused_io_manager")
    def two_days_of_orders(orders):
        seen["frame"] = orders
        return None

    resources = {**build_resources(planned).resources, "unused_io_manager": dg.mem_io_manager}
    result = dg.materialize([two_days_of_orders, *build_assets(planned).assets], selection=[two_days_of_orders.key],
                            partition_key=DAYS[2], resources=resources, instance=instance)
    assert result.success
    frame = seen["frame"]
    assert len(frame) == per_day[DAYS[1]] + per_day[DAYS[2]]  # days 2 and 3, not day 1
    assert PARTITION_COLUMN not in frame.columns and "order_id" in frame.columns
    assert sorted({ts.date().isoformat() for ts in frame["order_ts"]}) == list(DAYS[1:])
