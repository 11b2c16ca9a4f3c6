"""A table asset materialised through the files IO manager gets the same per-column Parquet encodings as
`mock-pipelines generate`: the asset hands the manager a TableSlice, whose schema carries the shapes."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.defs.assets import build_table_asset
from mock_pipelines.defs.io_managers.files import MockFilesIOManager
from mock_pipelines.schema.parse import load_dataset

BENCH = Path(__file__).resolve().parents[2] / "bench" / "customers.yaml"


@pytest.mark.filterwarnings("ignore")  # Dagster's preview and beta warnings
def test_a_materialised_table_asset_is_written_with_the_encodings_its_generators_promise(tmp_path):
    plan = DatasetPlan(load_dataset(BENCH), PlanOptions(rows={"customers": 500, "orders": 3_000}))
    asset = build_table_asset(plan, "orders", partitions_def=None, io_manager_key="io_manager",
                              kinds={"parquet"}, chunk_size=1_000, backfill_policy=None)
    result = dg.materialize([asset], instance=dg.DagsterInstance.ephemeral(),
                            resources={"io_manager": MockFilesIOManager(base_path=str(tmp_path))})
    assert result.success
    [path] = tmp_path.glob("bench/orders/*.parquet")
    group = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {group.column(i).path_in_schema: set(group.column(i).encodings) for i in range(group.num_columns)}
    assert {"order_id", "customer_id", "order_ts"} <= {n for n, e in encodings.items() if "DELTA_BINARY_PACKED" in e}
    assert "RLE_DICTIONARY" in encodings["status"]
    back = pq.read_table(path)
    assert all(f.metadata is None for f in back.schema)
    assert back.equals(plan.table("orders").to_table())
