"""Parquet columns laid out by what the generator promises of their values: delta for rising and bounded
integers and times (uncompressed), a dictionary for few values, byte-stream-split for measured floats, plain
for unique text, decimals of up to 18 digits as delta-packed integers, and the first batch's judgement for
the rest — with the files' schema and values unchanged, statistics kept, and CSV and JSON untouched."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.value_shapes import SHAPE_KEY, Shape, with_shapes
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files.formats import BatchWriter
from mock_pipelines.store.files.manifest import RunIdentity
from mock_pipelines.store.files.parquet_layout import LayoutChoices
from mock_pipelines.store.files.reading import read_file
from mock_pipelines.store.files.store import FileStore
from mock_pipelines.store.files.table_folder import write_table

BENCH = Path(__file__).resolve().parents[3] / "bench" / "customers.yaml"
N = 5_000
SHAPED = pa.table({
    "id": pa.array(np.arange(1, N + 1), pa.int64()),  # rising
    "customer": pa.array(np.arange(N) * 7919 % 1_000_003, pa.int64()),  # bounded
    "at": pa.array((1_600_000_000_000_000 + np.arange(N) * 104_729_000 % 10**14).astype("datetime64[us]")),
    "status": pa.array(["new", "paid", "sent", "paid"] * (N // 4)),  # few values
    "reading": pa.array(np.sin(np.arange(N)) * 100.0),  # measured
    "code": pa.array([f"c-{i:06d}" for i in range(N)]),  # unique
    "tier": pa.array(["a", "b"] * (N // 2)),  # no shape, few distinct values: a dictionary by the data
    "note": pa.array([f"n{i}" for i in range(N)]),  # no shape, every value distinct: plain by the data
})
SHAPES = {"id": Shape.RISING, "customer": Shape.BOUNDED, "at": Shape.BOUNDED, "status": Shape.FEW_VALUES,
          "reading": Shape.MEASURED, "code": Shape.UNIQUE}


def parquet_bytes(table: pa.Table, schema: pa.Schema, chunk: int = 1_000, layout: LayoutChoices | None = None,
                  ) -> bytes:
    """``table`` written through the project's writer as ``schema``, ``chunk`` rows a batch, with the measured
    layout or the given choices."""
    buf = io.BytesIO()
    writer = BatchWriter(buf, "parquet", schema, layout=layout)
    for batch in table.to_batches(max_chunksize=chunk):
        writer.write(batch)
    writer.close()
    return buf.getvalue()


def layout_of(data: bytes) -> dict[str, tuple[set[str], str, bool]]:
    """Per column of the first row group: (encodings, compression, has min/max statistics)."""
    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    group = meta.row_group(0)
    out = {}
    for i in range(group.num_columns):
        col = group.column(i)
        out[col.path_in_schema] = (set(col.encodings), col.compression, col.statistics.has_min_max)
    return out


def test_each_shape_gets_its_encoding_and_the_rest_is_judged_from_the_first_batch():
    layout = layout_of(parquet_bytes(SHAPED, with_shapes(SHAPED.schema, SHAPES)))
    for name in ("id", "customer", "at"):
        encodings, compression, _ = layout[name]
        assert "DELTA_BINARY_PACKED" in encodings and "RLE_DICTIONARY" not in encodings, name
        assert compression == "UNCOMPRESSED", name  # bit-packed already: zstd would only cost time
    assert "RLE_DICTIONARY" in layout["status"][0]
    assert "BYTE_STREAM_SPLIT" in layout["reading"][0] and layout["reading"][1] == "ZSTD"
    assert layout["code"][0] & {"RLE_DICTIONARY", "DELTA_BYTE_ARRAY", "DELTA_LENGTH_BYTE_ARRAY"} == set()
    assert "RLE_DICTIONARY" in layout["tier"][0]
    assert "RLE_DICTIONARY" not in layout["note"][0]
    assert all(layout[name][1] == "ZSTD" for name in ("status", "code", "tier", "note"))
    assert all(has_stats for _, _, has_stats in layout.values())  # the checks read min and max


def test_without_shapes_the_writer_judges_every_column_from_the_first_batch_as_before():
    layout = layout_of(parquet_bytes(SHAPED, SHAPED.schema))
    assert {name for name, (enc, _, _) in layout.items() if "RLE_DICTIONARY" in enc} == {"status", "tier"}
    assert all(not enc & {"DELTA_BINARY_PACKED", "BYTE_STREAM_SPLIT"} for enc, _, _ in layout.values())
    assert {compression for _, compression, _ in layout.values()} == {"ZSTD"}


def test_the_file_schema_carries_no_shape_and_the_values_read_back_equal():
    data = parquet_bytes(SHAPED, with_shapes(SHAPED.schema, SHAPES))
    back = pq.read_table(io.BytesIO(data))
    assert all(f.metadata is None for f in back.schema)
    assert back.schema.equals(SHAPED.schema, check_metadata=False)
    assert back.equals(SHAPED)
    assert b"mock_pipelines" not in pq.read_schema(io.BytesIO(data)).to_string().encode()


EVERY_TYPE = pa.table({
    "id": pa.array([1, 2, None, 4], pa.int64()),
    "small": pa.array([1, -2, None, 2**31 - 1], pa.int32()),
    "day": [dt.date(2024, 2, 29), None, dt.date(1970, 1, 1), dt.date(1999, 12, 31)],
    "at": [dt.datetime(2024, 1, 2, 3, 4, 5, 678901), None, dt.datetime(1970, 1, 1), dt.datetime(2030, 1, 1)],
    "ratio": [0.1, None, float("inf"), -40.134442624302054],
    "single": pa.array([0.5, None, -1.25, 3.0], pa.float32()),
    "tier": pa.array(["gold", None, "", "gold"]).dictionary_encode(),
    "status": ["a", None, "b", "a"],
    "uuid": ["3f2b8c1e-9a4d-4e7b-b1c2-5d6e7f8a9b0c", None, "", "01901a3e-8f2c-7b4d-9a1e-5c6d7e8f9a0b"],
    "ok": [True, None, False, True],
    "amount": [Decimal("1234567890123456.78"), None, Decimal("-0.01"), Decimal("0.00")],
})
# Every shape on the columns it applies to, and some on columns it does not (left to the data).
EVERY_SHAPE = {"id": Shape.RISING, "small": Shape.BOUNDED, "day": Shape.BOUNDED, "at": Shape.RISING,
               "ratio": Shape.MEASURED, "single": Shape.MEASURED, "tier": Shape.FEW_VALUES,
               "status": Shape.FEW_VALUES, "uuid": Shape.UNIQUE, "ok": Shape.FEW_VALUES, "amount": Shape.BOUNDED}


@pytest.mark.parametrize("chunk", [1, 3])
def test_every_logical_type_reads_back_as_written_whatever_its_shape(chunk):
    data = parquet_bytes(EVERY_TYPE, with_shapes(EVERY_TYPE.schema, EVERY_SHAPE), chunk)
    assert pq.read_table(io.BytesIO(data)).equals(EVERY_TYPE)
    plain = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                       for f in EVERY_TYPE.schema])
    assert read_file(io.BytesIO(data), "parquet", EVERY_TYPE.schema).equals(EVERY_TYPE.cast(plain))
    layout = layout_of(data)
    assert "DELTA_BINARY_PACKED" in layout["small"][0] and "DELTA_BINARY_PACKED" in layout["day"][0]
    assert "BYTE_STREAM_SPLIT" in layout["single"][0]
    # 18 digits, the widest decimal a 64-bit integer holds: its unscaled values, delta-packed
    assert "DELTA_BINARY_PACKED" in layout["amount"][0]
    assert physical_types(data)["amount"] == "INT64"


def physical_types(data: bytes) -> dict[str, str]:
    schema = pq.ParquetFile(io.BytesIO(data)).schema
    return {schema.column(i).name: schema.column(i).physical_type for i in range(len(schema))}


def test_decimals_of_up_to_18_digits_are_written_as_integers_and_read_back_as_the_same_decimals():
    rng = np.random.default_rng(4)
    cents = rng.integers(-10**11, 10**11, N)
    table = pa.table({
        "price": pa.array([Decimal(int(c)).scaleb(-2) for c in cents], pa.decimal128(12, 2)),
        "small": pa.array([Decimal(int(c) % 10**9).scaleb(-4) for c in cents], pa.decimal128(9, 4)),
        "wide": pa.array([Decimal(int(c) * 10**8).scaleb(-2) for c in cents], pa.decimal128(20, 2)),
        "tier_price": pa.array([Decimal("9.99"), Decimal("19.99"), None, Decimal("-4.50")] * (N // 4),
                               pa.decimal128(10, 2)),
    })
    data = parquet_bytes(table, table.schema)
    back = pq.read_table(io.BytesIO(data))
    assert back.equals(table) and back.schema.equals(table.schema)
    kinds, layout = physical_types(data), layout_of(data)
    assert (kinds["price"], kinds["small"], kinds["wide"], kinds["tier_price"]) == ("INT64", "INT32",
                                                                                     "FIXED_LEN_BYTE_ARRAY", "INT64")
    assert "DELTA_BINARY_PACKED" in layout["price"][0] and layout["price"][1] == "UNCOMPRESSED"
    assert "DELTA_BINARY_PACKED" in layout["small"][0]
    assert not layout["wide"][0] & {"DELTA_BINARY_PACKED"} and layout["wide"][1] == "ZSTD"
    assert "RLE_DICTIONARY" in layout["tier_price"][0]  # few values: a dictionary (of integers) still
    assert all(has_stats for _, _, has_stats in layout.values())
    before = parquet_bytes(table, table.schema, layout=LayoutChoices(decimal_as_integer=False))
    assert set(physical_types(before).values()) == {"FIXED_LEN_BYTE_ARRAY"}
    assert pq.read_table(io.BytesIO(before)).equals(back)
    assert len(data) <= len(before)


def test_an_empty_table_with_shapes_is_a_valid_file_of_the_plain_schema():
    data = parquet_bytes(SHAPED.slice(0, 0), with_shapes(SHAPED.schema, SHAPES))
    back = pq.read_table(io.BytesIO(data))
    assert back.num_rows == 0 and back.schema.equals(SHAPED.schema, check_metadata=False)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_text_formats_are_written_byte_for_byte_as_without_shapes(fmt):
    def text(schema: pa.Schema) -> bytes:
        buf = io.BytesIO()
        writer = BatchWriter(buf, fmt, schema)
        for batch in SHAPED.slice(0, 50).to_batches(max_chunksize=20):
            writer.write(batch)
        writer.close()
        return buf.getvalue()

    assert text(with_shapes(SHAPED.schema, SHAPES)) == text(SHAPED.schema)


def bench_plan() -> DatasetPlan:
    return DatasetPlan(load_dataset(BENCH), PlanOptions(rows={"customers": 2_000, "orders": 6_000}))


def test_the_plan_says_what_its_generators_promise():
    plan = bench_plan()
    assert plan.table("orders").value_shapes() == {
        "order_id": Shape.RISING, "customer_id": Shape.BOUNDED, "order_ts": Shape.BOUNDED,
        "status": Shape.FEW_VALUES}  # amount is rounded to cents: its few values are judged from the data
    assert plan.table("customers").value_shapes() == {
        "customer_id": Shape.RISING, "email": Shape.UNIQUE, "birth_date": Shape.BOUNDED,
        "signup_ts": Shape.BOUNDED}
    written = plan.table("orders").written_schema
    assert written.field("order_id").metadata == {SHAPE_KEY: b"rising"}
    assert written.field("amount").metadata is None
    assert plan.table("orders").arrow_schema.field("order_id").metadata is None  # the plain schema stays plain


def _orders_layout(path: Path) -> dict[str, tuple[set[str], str, bool]]:
    return layout_of(path.read_bytes())


def test_the_generate_path_and_the_io_manager_path_both_write_the_chosen_encodings(tmp_path):
    plan = bench_plan()
    tp = plan.table("orders")
    ident = RunIdentity("bench", "orders", "h", plan.seed, 1.0, plan.locale, "parquet")
    by_cli = write_table(tp.batches(chunk_size=4_000), tp.written_schema, tmp_path / "cli" / "orders", ident)
    by_store = FileStore(tmp_path / "store").write(tp.slice(chunk_size=4_000))  # a TableSlice, as assets return
    for uri in (by_cli.uri, by_store.uri):
        layout = _orders_layout(Path(uri))
        assert "DELTA_BINARY_PACKED" in layout["order_id"][0] and "DELTA_BINARY_PACKED" in layout["customer_id"][0]
        assert "RLE_DICTIONARY" in layout["status"][0]
        assert pq.read_table(uri).equals(tp.to_table())


def test_importing_the_writer_loads_neither_parquet_nor_csv_nor_the_generator_catalogue():
    heavy = ("pyarrow.parquet", "pyarrow.csv", "mock_pipelines.core.registry")
    code = f"import sys, mock_pipelines.store.files.formats; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # commands that write no file (--help, validate) do not pay for them
