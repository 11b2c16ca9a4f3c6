"""Downstream assets get landed CSV and JSON Lines back typed as they were written (by the column types
the table's manifest records), locally and on S3: the same values and types as from Parquet."""

import dagster as dg
import pyarrow as pa
import pytest

from mock_pipelines.core.engine import TableSlice
from mock_pipelines_tests.defs.test_files_io_manager import io_manager_for


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_an_input_loaded_from_any_format_is_the_table_written(target, table_plan, fmt):
    loaded = []

    @dg.asset(key=["ds", "t"])
    def t() -> TableSlice:
        return TableSlice(table_plan, 0, 300, chunk_size=64)

    @dg.asset(key=["ds", "t_rows"], ins={"rows": dg.AssetIn(key=["ds", "t"])})
    def t_rows(rows) -> None:
        loaded.append(rows)

    manager = io_manager_for(target, format=fmt, load_as="arrow")
    assert dg.materialize([t, t_rows], resources={"io_manager": manager}).success
    [table] = loaded
    written = table_plan.to_table(0, 300)
    assert pa.types.is_dictionary(written.schema.field("tier").type)
    plain = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                       for f in written.schema])
    # Parquet keeps dictionary-encoded columns encoded (cheaper downstream); text formats carry the values
    assert table.schema.equals(written.schema if fmt == "parquet" else plain)
    assert table.cast(plain).equals(written.cast(plain))
