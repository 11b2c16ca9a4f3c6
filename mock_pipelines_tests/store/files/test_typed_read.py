"""Landed files read back typed by the table's schema: text that looks like a number stays text, the empty
string stays apart from null, decimals, dates and timestamps come back exact, and a file that does not
hold what the schema says is an error naming the file, the column and what was expected."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mock_pipelines.store.files.formats import BatchWriter
from mock_pipelines.store.files.manifest import MANIFEST
from mock_pipelines.store.files.reading import (
    DataFileError,
    read_csv_batches,
    read_file,
    schema_of_types,
    type_from_text,
    type_text,
)
from mock_pipelines.store.files.store import FileStore

SCHEMA = pa.schema([
    ("id", pa.int64()),
    ("zip", pa.string()),
    ("note", pa.string()),
    ("tier", pa.dictionary(pa.int32(), pa.string())),
    ("ratio", pa.float64()),
    ("ok", pa.bool_()),
    ("day", pa.date32()),
    ("at", pa.timestamp("us")),
    ("amount", pa.decimal128(18, 2)),
])
TABLE = pa.table({
    "id": [1, 2, 3, 4],
    "zip": ["01803", "00501", None, "99950"],
    "note": ["", None, "NA", "null"],  # the empty string, a null, and text a guessing reader turns into nulls
    "tier": pa.array(["gold", None, "", "gold"]).dictionary_encode(),
    "ratio": [0.1, None, 1e-300, 40.134442624302054],
    "ok": [True, None, False, True],
    "day": [dt.date(2024, 2, 29), None, dt.date(1970, 1, 1), dt.date(1999, 12, 31)],
    "at": [dt.datetime(2024, 1, 2, 3, 4, 5, 678901), None, dt.datetime(1970, 1, 1), dt.datetime(2030, 1, 1)],
    "amount": [Decimal("1234567890123456.78"), None, Decimal("-0.01"), Decimal("0.00")],
}, schema=SCHEMA)
PLAIN = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                   for f in SCHEMA])


def written(fmt: str, table: pa.Table = TABLE) -> io.BytesIO:
    buf = io.BytesIO()
    writer = BatchWriter(buf, fmt, table.schema)
    for batch in table.to_batches(max_chunksize=3):
        writer.write(batch)
    writer.close()
    buf.seek(0)
    return buf


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json"])
def test_every_format_reads_back_the_written_table_with_dictionaries_as_values(fmt):
    back = read_file(written(fmt), fmt, SCHEMA)
    assert back.schema.equals(PLAIN)
    assert back.equals(TABLE.cast(PLAIN))


def test_csv_keeps_the_empty_string_apart_from_null():
    text = written("csv").getvalue().decode()
    assert ',"",' in text  # the writer quotes text, so "" is the empty string and an empty field is null
    back = read_file(written("csv"), "csv", SCHEMA)
    assert back["note"].to_pylist() == ["", None, "NA", "null"]
    assert back["zip"].to_pylist() == ["01803", "00501", None, "99950"]


def test_a_foreign_json_array_layout_is_read_too():
    text = written("json").getvalue().decode().replace('"ratio":null,', "")  # a null left out
    text = text.replace('{"', '{\n    "').replace(',"', ',\n    "').replace("}", "\n  }")  # one field per line
    assert "\n    \"amount\":1234567890123456.78" in text
    back = read_file(io.BytesIO(text.encode()), "json", SCHEMA)
    assert back.equals(TABLE.cast(PLAIN))


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json"])
def test_an_empty_file_reads_as_an_empty_typed_table(fmt):
    back = read_file(written(fmt, TABLE.slice(0, 0)), fmt, SCHEMA)
    assert back.num_rows == 0 and back.schema.equals(PLAIN)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json"])
def test_a_missing_column_names_file_column_and_expected_type(fmt):
    with pytest.raises(DataFileError) as caught:
        read_file(written(fmt, TABLE.drop_columns(["amount"])), fmt, SCHEMA, name=f"out/t/part-00000.{fmt}")
    message = str(caught.value)
    assert f"out/t/part-00000.{fmt}" in message
    assert "column 'amount' is missing" in message and "decimal128(18, 2)" in message


@pytest.mark.parametrize("fmt, bad", [
    ("csv", b'"id","day"\n1,2024-01-02\n2,someday\n'),
    ("jsonl", b'{"id": 1, "day": "2024-01-02"}\n{"id": 2, "day": "someday"}\n'),
    ("json", b'[{"id": 1, "day": "2024-01-02"},\n{"id": 2, "day": "someday"}]\n'),
])
def test_an_unparseable_value_names_file_column_row_and_expected_type(fmt, bad):
    schema = pa.schema([("id", pa.int64()), ("day", pa.date32())])
    with pytest.raises(DataFileError) as caught:
        read_file(io.BytesIO(bad), fmt, schema, name="landed/t/part-00000")
    message = str(caught.value)
    assert message.startswith("landed/t/part-00000: column 'day' holds 'someday' in row 2")
    assert "expected date32[day]" in message


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_value_of_another_json_or_csv_kind_names_the_column(fmt):
    schema = pa.schema([("id", pa.int64()), ("qty", pa.int64())])
    data = b'"id","qty"\n1,3\n2,"three"\n' if fmt == "csv" else b'{"id": 1, "qty": 3}\n{"id": 2, "qty": "three"}\n'
    with pytest.raises(DataFileError, match=r"part-00000: column 'qty' .*int64"):
        read_file(io.BytesIO(data), fmt, schema, name="part-00000")


def test_types_recorded_as_text_read_back_as_the_same_types():
    types = [pa.int64(), pa.int32(), pa.float64(), pa.bool_(), pa.string(), pa.large_string(), pa.date32(),
             pa.timestamp("us"), pa.timestamp("ns", tz="UTC"), pa.decimal128(12, 2), pa.decimal256(40, 5)]
    assert [type_from_text(type_text(t)) for t in types] == types
    assert type_text(pa.dictionary(pa.int32(), pa.string())) == "string"
    assert type_from_text("list<item: int64>") is None
    assert schema_of_types({"a": "int64", "b": "decimal128(12, 2)"}) == pa.schema(
        [("a", pa.int64()), ("b", pa.decimal128(12, 2))])
    assert schema_of_types({"a": "int64", "b": "map<string, int64>"}) is None  # then read untyped


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_store_types_text_files_by_the_manifest_and_by_a_given_schema(target, fmt):
    store = FileStore(target.base, fmt, **target.options)
    store.write_batches("ds", "t", SCHEMA, TABLE.to_batches(max_chunksize=3), manifest=True)
    manifest = json.loads(store.fs.cat_file(f"{store.table_path('ds', 't')}/{MANIFEST}"))
    assert manifest["column_types"]["amount"] == "decimal128(18, 2)" and manifest["column_types"]["tier"] == "string"
    assert store.read("ds", "t").equals(TABLE.cast(PLAIN))  # no schema given: the manifest's types
    store.fs.rm(f"{store.table_path('ds', 't')}/{MANIFEST}")  # data written by someone else: no manifest
    assert store.read("ds", "t", schema=SCHEMA).equals(TABLE.cast(PLAIN))
    assert store.read("ds", "t", columns=["zip", "amount"], schema=SCHEMA).equals(
        TABLE.cast(PLAIN).select(["zip", "amount"]))


def test_partitions_are_typed_by_the_table_manifest(tmp_path):
    store = FileStore(tmp_path, "csv")
    for key in ("2024-01-01", "2024-01-02"):
        store.write_batches("ds", "t", SCHEMA, TABLE.to_batches(), partition_key=key, manifest=True)
    assert store.read("ds", "t", ["2024-01-02"]).equals(TABLE.cast(PLAIN))


def test_parquet_of_another_writer_is_cast_to_the_schema(tmp_path):
    folder = tmp_path / "ds" / "t"
    folder.mkdir(parents=True)
    narrow = TABLE.cast(PLAIN).set_column(0, "id", pa.array([1, 2, 3, 4], pa.int32()))
    pq.write_table(narrow, folder / "part-00000.parquet")
    back = FileStore(tmp_path).read("ds", "t", schema=SCHEMA)
    assert back.schema.equals(PLAIN) and back.equals(TABLE.cast(PLAIN))


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json"])
@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_zoned_timestamps_and_a_lone_null_come_back(fmt, tz):
    # one column: a null row is an empty CSV line, which must not be skipped
    table = pa.table({"at": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 6), None, dt.datetime(2024, 7, 2)],
                                     pa.timestamp("us", tz=tz))})
    assert read_file(written(fmt, table), fmt, table.schema).equals(table)


def test_a_malformed_csv_row_is_an_error_naming_the_file():
    schema = pa.schema([("a", pa.int64()), ("b", pa.int64())])
    with pytest.raises(DataFileError, match=r"^f\.csv: not readable as CSV .*Expected 2 columns, got 1"):
        read_file(io.BytesIO(b'"a","b"\n1,2\n3\n'), "csv", schema, name="f.csv")


# ---- CSV streamed block by block: what read_file gives, in the same chunks, and its errors ---------------------

def test_csv_streamed_block_by_block_is_the_file_read_whole_in_the_same_chunks():
    many = pa.concat_tables([TABLE] * 10_000)  # 40,000 rows: several blocks of text
    for table, schema in ((many, SCHEMA), (TABLE.slice(0, 0), SCHEMA), (pa.table({"at": pa.array(
            [dt.datetime(2024, 1, 2), None], pa.timestamp("us", tz="America/New_York"))}), None)):
        schema = schema or table.schema
        whole = read_file(written("csv", table), "csv", schema)
        batches = list(read_csv_batches(written("csv", table), schema))
        assert [b.num_rows for b in batches] == [b.num_rows for b in whole.to_batches()]
        assert pa.Table.from_batches(batches, schema=whole.schema).equals(whole)
    text = written("csv", many).getvalue()
    assert len(batches := list(read_csv_batches(io.BytesIO(text), SCHEMA, columns=["note", "id"]))) > 1
    assert pa.Table.from_batches(batches).equals(read_file(io.BytesIO(text), "csv", SCHEMA,
                                                           columns=["note", "id"]).select(["note", "id"]))


@pytest.mark.parametrize("data, message", [
    (b'"id","day"\n' + b"".join(b"%d,2024-01-02\n" % i for i in range(200_000)) + b"200000,someday\n",
     r"^big\.csv: column 'day' holds 'someday' in row 200001, .*expected date32\[day\]"),
    (b'"id","day"\n' + b"".join(b"%d,2024-01-02\n" % i for i in range(200_000)) + b"7\n",
     r"^big\.csv: not readable as CSV .*Expected 2 columns, got 1"),
    (b'"id"\n1\n', r"^big\.csv: column 'day' is missing"),
])
def test_csv_streamed_stops_at_a_bad_value_with_the_error_of_the_file_read_whole(data, message):
    schema = pa.schema([("id", pa.int64()), ("day", pa.date32())])
    with pytest.raises(DataFileError, match=message):
        list(read_csv_batches(io.BytesIO(data), schema, name="big.csv"))
