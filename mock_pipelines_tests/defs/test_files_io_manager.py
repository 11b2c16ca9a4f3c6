"""MockFilesIOManager inside real Dagster runs: assets returning table slices land as files (locally and on
an S3 API), partitions are written and read one by one, a single run over a partition range writes each
partition, and every materialization records rows, size, location, content hash and a preview.
"""

import datetime as dt

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest

from mock_pipelines.core.engine import TableSlice
from mock_pipelines.defs.io_managers.files import MockFilesIOManager
from mock_pipelines.store.content import content_hash
from mock_pipelines_tests.store.files.conftest import BUCKET, local_target, s3_target

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning")  # BackfillPolicy is beta in 1.13

DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01")
ROWS_PER_DAY = 20


def io_manager_for(target, **config) -> MockFilesIOManager:
    if target.kind == "local":
        return MockFilesIOManager(base_path=target.base, **config)
    return MockFilesIOManager(base_path=target.base, endpoint_url=target.options["endpoint_url"],
                              aws_access_key_id=dg.EnvVar("AWS_ACCESS_KEY_ID"),
                              aws_secret_access_key=dg.EnvVar("AWS_SECRET_ACCESS_KEY"),
                              region_name="us-east-1", **config)


def day_rows(key: str) -> tuple[int, int]:
    day = (dt.date.fromisoformat(key) - dt.date(2024, 1, 1)).days
    return day * ROWS_PER_DAY, (day + 1) * ROWS_PER_DAY


def meta(materialization: dg.AssetMaterialization) -> dict:
    return {k: v.value for k, v in materialization.metadata.items()}


def test_an_asset_slice_lands_as_a_file_and_reaches_downstream_as_a_dataframe(target, table_plan):
    received = []

    @dg.asset(key=["ds", "t"])
    def t() -> TableSlice:
        return TableSlice(table_plan, 0, 300, chunk_size=64)

    @dg.asset(key=["ds", "t_summary"], ins={"rows": dg.AssetIn(key=["ds", "t"])})
    def t_summary(rows) -> pd.DataFrame:
        received.append(rows)
        return rows.groupby("tier", observed=True).size().rename("n").reset_index()

    result = dg.materialize([t, t_summary], resources={"io_manager": io_manager_for(target)})

    assert result.success
    expected = table_plan.to_table(0, 300)
    [frame] = received
    assert isinstance(frame, pd.DataFrame)
    pd.testing.assert_frame_equal(frame, expected.to_pandas())
    assert sorted(target.objects()) == ["ds/t/_manifest.json", "ds/t/part-00000.parquet",
                                        "ds/t_summary/_manifest.json", "ds/t_summary/part-00000.parquet"]

    [mat] = result.asset_materializations_for_node("ds__t")
    m = meta(mat)
    assert m["dagster/row_count"] == 300
    assert m["content_hash"] == content_hash(expected)
    assert m["bytes"] == target.objects()["ds/t/part-00000.parquet"]
    assert m["rows_per_second"] > 0
    assert m["destination"].endswith("ds/t/part-00000.parquet")
    assert m["destination"].startswith(f"s3://{BUCKET}/" if target.kind == "s3" else str(target.root))
    assert m["preview"].startswith("| id | name | tier | amount | ts |")
    assert [c.name for c in m["dagster/column_schema"].columns] == ["id", "name", "tier", "amount", "ts"]


def test_partitioned_assets_write_and_read_one_partition_at_a_time(target, table_plan):
    seen = {}

    @dg.asset(key=["ds", "t"], partitions_def=DAILY)
    def t(context: dg.AssetExecutionContext) -> TableSlice:
        lo, hi = day_rows(context.partition_key)
        return TableSlice(table_plan, lo, hi, partition_key=context.partition_key)

    @dg.asset(key=["ds", "t_daily"], partitions_def=DAILY, ins={"rows": dg.AssetIn(key=["ds", "t"])})
    def t_daily(context: dg.AssetExecutionContext, rows: pd.DataFrame) -> None:
        seen[context.partition_key] = rows

    instance = dg.DagsterInstance.ephemeral()
    resources = {"io_manager": io_manager_for(target)}
    for day in ("2024-01-05", "2024-01-06"):
        result = dg.materialize([t], partition_key=day, instance=instance, resources=resources)
        [mat] = result.asset_materializations_for_node("ds__t")
        assert mat.partition == day
        assert meta(mat)["dagster/row_count"] == ROWS_PER_DAY
        assert meta(mat)["content_hash"] == content_hash(table_plan.to_table(*day_rows(day)))

    assert sorted(target.objects()) == ["ds/t/_manifest.json",  # each partition: its data and what landed
                                        "ds/t/date=2024-01-05/_manifest.json", "ds/t/date=2024-01-05/part-00000.parquet",
                                        "ds/t/date=2024-01-06/_manifest.json", "ds/t/date=2024-01-06/part-00000.parquet"]

    result = dg.materialize([t, t_daily], selection=[t_daily], partition_key="2024-01-06", instance=instance,
                            resources=resources)
    assert result.success
    frame = seen["2024-01-06"]
    assert len(frame) == ROWS_PER_DAY  # only its own partition was read
    assert frame["id"].tolist() == table_plan.to_table(*day_rows("2024-01-06"))["id"].to_pylist()


def test_a_single_run_over_a_partition_range_writes_every_partition(target, table_plan):
    loaded = []

    @dg.asset(key=["ds", "t"], partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
    def t(context: dg.AssetExecutionContext) -> dict[str, TableSlice]:
        return {key: TableSlice(table_plan, *day_rows(key), partition_key=key) for key in context.partition_keys}

    # Unpartitioned downstream: it depends on every daily partition since 2024-01-01, and reads those
    # that exist; an Arrow annotation gets an Arrow table.
    @dg.asset(key=["ds", "t_all"],
              ins={"rows": dg.AssetIn(key=["ds", "t"], metadata={"allow_missing_partitions": True})})
    def t_all(rows: pa.Table) -> None:
        loaded.append(rows)

    result = dg.materialize([t, t_all], resources={"io_manager": io_manager_for(target)}, tags={
        "dagster/asset_partition_range_start": "2024-01-02", "dagster/asset_partition_range_end": "2024-01-04"})

    assert result.success
    days = ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert sorted(target.objects()) == ["ds/t/_manifest.json"] + [f"ds/t/date={d}/{f}" for d in days
                                                                  for f in ("_manifest.json", "part-00000.parquet")]
    mats = {m.partition: meta(m) for m in result.asset_materializations_for_node("ds__t")}
    assert sorted(mats) == days
    for day in days:  # each partition's materialization carries its own numbers
        assert mats[day]["dagster/row_count"] == ROWS_PER_DAY
        assert mats[day]["content_hash"] == content_hash(table_plan.to_table(*day_rows(day)))
        assert mats[day]["destination"].endswith(f"date={day}/part-00000.parquet")
    [handled] = [e for e in result.all_events if e.event_type_value == "HANDLED_OUTPUT" and e.step_key == "ds__t"]
    summary = {k: v.value for k, v in handled.event_specific_data.metadata.items()}
    assert summary["partitions_written"] == 3 and summary["dagster/row_count"] == 3 * ROWS_PER_DAY
    [table] = loaded
    assert isinstance(table, pa.Table) and table.num_rows == 3 * ROWS_PER_DAY


def test_one_slice_for_a_run_over_several_partitions_is_refused(tmp_path, table_plan):
    @dg.asset(key=["ds", "t"], partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
    def t() -> TableSlice:
        return TableSlice(table_plan, 0, 10)

    result = dg.materialize([t], resources={"io_manager": MockFilesIOManager(base_path=str(tmp_path))},
                            raise_on_error=False, tags={"dagster/asset_partition_range_start": "2024-01-02",
                                                        "dagster/asset_partition_range_end": "2024-01-03"})
    assert not result.success
    assert "return a dict {partition_key: TableSlice}" in str(result.get_step_failure_events()[0].step_failure_data)
    assert not any(tmp_path.rglob("part-*"))


def test_load_as_arrow_returns_arrow_tables(tmp_path, table_plan):
    loaded = []

    @dg.asset(key=["ds", "t"])
    def t() -> TableSlice:
        return TableSlice(table_plan, 0, 50)

    @dg.asset(key=["ds", "t_copy"], ins={"rows": dg.AssetIn(key=["ds", "t"])})
    def t_copy(rows) -> pa.Table:
        loaded.append(rows)
        return rows  # an Arrow table is stored too

    manager = io_manager_for(local_target(tmp_path), load_as="arrow", format="csv")
    assert dg.materialize([t, t_copy], resources={"io_manager": manager}).success
    [table] = loaded
    assert isinstance(table, pa.Table) and table.num_rows == 50
    assert (tmp_path / "landing" / "ds" / "t_copy" / "part-00000.csv").exists()


@pytest.mark.parametrize("field, value", [("format", "xml"), ("load_as", "polars")])
def test_unknown_format_or_load_as_is_rejected_when_configured(tmp_path, field, value):
    with pytest.raises(Exception, match=field):
        MockFilesIOManager(base_path=str(tmp_path), **{field: value})


def test_credentials_never_reach_the_event_log(s3_server, monkeypatch, table_plan):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-must-not-leak")
    target = s3_target(s3_server)

    @dg.asset(key=["ds", "t"])
    def t() -> TableSlice:
        return TableSlice(table_plan, 0, 30)

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([t], instance=instance, resources={"io_manager": io_manager_for(target)})

    assert result.success
    logs = instance.all_logs(result.run_id)
    assert logs and not any("s3cr3t-must-not-leak" in str(entry) for entry in logs)
