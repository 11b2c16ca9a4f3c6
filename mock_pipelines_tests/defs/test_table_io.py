"""What the IO managers accept from an asset: a lazy slice (or anything that streams the same rows each
time it is asked, as a retry needs), an Arrow table or batch, a pandas frame; nothing else."""

from __future__ import annotations

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import TableSlice
from mock_pipelines.defs.io_managers.table_io import BatchSource, batches_of


def test_a_table_slice_is_streamed_as_its_batches(table_plan) -> None:
    piece = TableSlice(table_plan, 0, 100, chunk_size=32)
    assert isinstance(piece, BatchSource)
    schema, batches = batches_of(piece, "Manager")
    streamed = pa.Table.from_batches(list(batches), schema=schema)
    assert schema == piece.schema and streamed.equals(pa.Table.from_batches(list(piece.batches())))


def test_arrow_and_pandas_values_are_cut_into_batches() -> None:
    table = pa.table({"n": [1, 2, 3]})
    for value in (table, table.to_batches()[0], table.to_pandas()):
        assert not isinstance(value, BatchSource)
        schema, batches = batches_of(value, "Manager")
        assert pa.Table.from_batches(list(batches), schema=schema).equals(table)


def test_anything_else_is_refused_naming_the_manager() -> None:
    with pytest.raises(TypeError, match="Manager cannot store a list"):
        batches_of([1, 2, 3], "Manager")


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 1), (4, 3)])
def test_a_measured_slice_leaves_a_core_to_its_measuring(table_plan, monkeypatch, cores, expected) -> None:
    from mock_pipelines.defs.io_managers import table_io
    from mock_pipelines.quality.stream import MeasuredSlice

    monkeypatch.setattr(table_io, "usable_cores", lambda: cores)
    piece = TableSlice(table_plan, 0, 100, chunk_size=32)
    assert table_io.encoders_for(MeasuredSlice(piece, lambda: None)) == expected
    assert table_io.encoders_for(piece) is None  # nothing else runs beside the writer: every core encodes
