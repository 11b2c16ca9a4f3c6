"""Parquet encoded on several cores: the same file bytes as one writer, the same content hash through the
store, errors raised as the one-core path raises them, nothing left behind (file or thread) when stopped."""

from __future__ import annotations

import io
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mock_pipelines.core.engine import TableSlice
from mock_pipelines.store.files import parallel_parquet
from mock_pipelines.store.files.formats import BatchWriter
from mock_pipelines.store.files.parallel_parquet import ParallelParquetWriter, open_writer
from mock_pipelines.store.files.parquet_footer import decode_struct, encode_struct
from mock_pipelines.store.files.store import FileStore

CHUNK = 64  # the fixture table's 300 rows in five row groups


def encoded(batches: list[pa.RecordBatch], schema: pa.Schema, writer_cls) -> bytes:
    buf = io.BytesIO()
    writer = writer_cls(buf, schema) if writer_cls is not ParallelParquetWriter else \
        ParallelParquetWriter(buf, schema, "zstd", workers=2)
    for batch in batches:
        writer.write(batch)
    writer.close()
    return buf.getvalue()


def one_writer(buf, schema):
    return BatchWriter(buf, "parquet", schema)


def encode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("mock-pipelines-encode") and t.is_alive()]


def test_the_footer_decodes_and_encodes_back_to_the_same_bytes(table_plan):
    data = encoded(list(table_plan.batches(chunk_size=CHUNK)), table_plan.arrow_schema, one_writer)
    length = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - length:-8]
    assert encode_struct(decode_struct(footer)) == footer


@pytest.mark.parametrize("schema_of", ["arrow_schema", "written_schema"])  # without and with the value shapes
def test_row_groups_encoded_on_threads_join_into_the_bytes_one_writer_writes(table_plan, schema_of):
    batches = list(table_plan.batches(chunk_size=CHUNK))
    assert len(batches) == 5
    schema = getattr(table_plan, schema_of)
    serial = encoded(batches, schema, one_writer)
    parallel = encoded(batches, schema, ParallelParquetWriter)
    assert parallel == serial
    if schema_of == "written_schema":  # the shapes chose encodings that the first-batch guess would not
        assert serial != encoded(batches, table_plan.arrow_schema, one_writer)


def test_nulls_decimals_dates_and_an_empty_batch_join_into_the_same_bytes():
    schema = pa.schema([("k", pa.int64()), ("d", pa.decimal128(12, 2)), ("day", pa.date32()),
                        ("s", pa.string()), ("b", pa.bool_())])

    def batch(lo: int, n: int) -> pa.RecordBatch:
        return pa.record_batch([
            pa.array(range(lo, lo + n), pa.int64()),
            pa.array([None if i % 7 == 0 else i * 1.25 for i in range(lo, lo + n)]).cast(pa.decimal128(12, 2)),
            pa.array([i % 4000 for i in range(lo, lo + n)], pa.int32()).cast(pa.date32()),
            pa.array([None if i % 5 == 0 else f"v{i % 13}" for i in range(lo, lo + n)]),
            pa.array([i % 3 == 0 for i in range(lo, lo + n)]),
        ], schema=schema)

    batches = [batch(0, 1000), batch(1000, 0), batch(1000, 2500), batch(3500, 17)]
    assert encoded(batches, schema, ParallelParquetWriter) == encoded(batches, schema, one_writer)


def test_no_batches_give_the_empty_file_one_writer_writes(table_plan):
    schema = table_plan.arrow_schema
    assert encoded([], schema, ParallelParquetWriter) == encoded([], schema, one_writer)


def test_one_usable_core_uses_the_plain_writer_and_no_threads(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: 1)
    schema = pa.schema([("x", pa.int64())])
    writer = open_writer(tmp_path / "a.parquet", "parquet", schema)
    assert type(writer) is BatchWriter
    writer.close()
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: 2)
    writer = open_writer(tmp_path / "b.parquet", "parquet", schema)
    assert isinstance(writer, ParallelParquetWriter)
    writer.close()
    assert type(open_writer(tmp_path / "c.csv", "csv", schema)) is BatchWriter  # only Parquet is parallel


@pytest.mark.parametrize("cores", [1, 2])
def test_the_store_writes_the_same_file_and_content_hash_on_one_core_and_two(table_plan, tmp_path, monkeypatch,
                                                                              cores):
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: 1)
    expected = FileStore(tmp_path / "one").write(TableSlice(table_plan, 0, 300, chunk_size=CHUNK))
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: cores)
    got = FileStore(tmp_path / "two").write(TableSlice(table_plan, 0, 300, chunk_size=CHUNK))
    assert got.rows == expected.rows == 300
    assert got.content_hash == expected.content_hash
    assert (tmp_path / "two/ds/t/part-00000.parquet").read_bytes() == \
        (tmp_path / "one/ds/t/part-00000.parquet").read_bytes()


def test_the_store_encodes_on_the_threads_it_is_given(table_plan, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: 1)
    expected = FileStore(tmp_path / "one").write(TableSlice(table_plan, 0, 300, chunk_size=CHUNK))
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: 2)
    encoders: list[str] = []
    real = parallel_parquet.ParallelParquetWriter._encode

    def encode(self, batch):
        encoders.append(threading.current_thread().name)
        return real(self, batch)

    monkeypatch.setattr(parallel_parquet.ParallelParquetWriter, "_encode", encode)
    got = FileStore(tmp_path / "two").write_batches("ds", "t", TableSlice(table_plan, 0, 300, chunk_size=CHUNK).schema,
                                                    TableSlice(table_plan, 0, 300, chunk_size=CHUNK).batches(),
                                                    encoders=1)
    assert encoders == []  # one encoder: the plain writer, on the calling thread
    assert got.content_hash == expected.content_hash
    assert (tmp_path / "two/ds/t/part-00000.parquet").read_bytes() == \
        (tmp_path / "one/ds/t/part-00000.parquet").read_bytes()
    FileStore(tmp_path / "three").write_batches("ds", "t", TableSlice(table_plan, 0, 300, chunk_size=CHUNK).schema,
                                                TableSlice(table_plan, 0, 300, chunk_size=CHUNK).batches())
    assert encoders and all(name.startswith("mock-pipelines-encode") for name in encoders)


def failing_at(batches, after: int, error: BaseException):
    for i, batch in enumerate(batches):
        if i == after:
            raise error
        yield batch


@pytest.mark.parametrize("error", [RuntimeError("generator crashed at batch 3"), KeyboardInterrupt()],
                         ids=["error", "ctrl-c"])
def test_a_stop_while_generating_leaves_no_file_and_no_thread(table_plan, tmp_path, monkeypatch, error):
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: 2)
    store = FileStore(tmp_path)
    store.write(TableSlice(table_plan, 0, 300, chunk_size=CHUNK))
    before = (tmp_path / "ds/t/part-00000.parquet").read_bytes()
    with pytest.raises(type(error)):
        store.write_batches("ds", "t", table_plan.arrow_schema,
                            failing_at(table_plan.batches(chunk_size=CHUNK), 3, error))
    assert sorted(p.name for p in (tmp_path / "ds/t").iterdir()) == ["part-00000.parquet"]
    assert (tmp_path / "ds/t/part-00000.parquet").read_bytes() == before
    assert encode_threads() == []


@pytest.mark.parametrize("cores", [1, 2])
def test_an_encoding_error_on_a_pool_thread_is_raised_as_one_writer_raises_it(table_plan, tmp_path, monkeypatch,
                                                                               cores):
    monkeypatch.setattr(parallel_parquet, "usable_cores", lambda: cores)
    good = list(table_plan.batches(chunk_size=CHUNK))
    wrong = pa.record_batch([pa.array(["not a number"] * 3)], names=["id"])  # not the table's schema
    with pytest.raises(ValueError, match="Table schema does not match schema used to create file"):
        FileStore(tmp_path).write_batches("ds", "t", table_plan.arrow_schema, [*good[:2], wrong, *good[2:]])
    assert not (tmp_path / "ds").exists()  # the folders this write created are gone with its temporary file
    assert encode_threads() == []


def test_a_batch_longer_than_a_row_group_joins_as_its_row_groups():
    schema = pa.schema([("k", pa.int64())])
    rows = 1_100_000  # more than Arrow's 1,048,576 rows per row group: each part holds two
    batches = [pa.record_batch([pa.array(range(lo, lo + rows), pa.int64())], schema=schema) for lo in (0, rows)]
    serial = encoded(batches, schema, one_writer)
    assert pq.ParquetFile(pa.BufferReader(serial)).metadata.num_row_groups == 4
    assert encoded(batches, schema, ParallelParquetWriter) == serial
