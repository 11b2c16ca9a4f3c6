"""File output: every format reads back what was written, and a table folder is replaced atomically —
a reader (or a crash) sees the previous complete table or the new complete table, never a mix, and a
different run is never written over an existing one unless asked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from mock_pipelines.store.files.manifest import MANIFEST, OutputConflict, RunIdentity
from mock_pipelines.store.files.table_folder import read_table, write_table

TABLE = pa.table({
    "id": pa.array([1, 2, 3, 2**60 + 1], pa.int64()),
    "x": pa.array([1.5, None, -2.25, 1e-300], pa.float64()),
    "name": pa.array(["Ann", 'Bö "quoted", comma', "line\nbreak", ""], pa.string()),
    "ok": pa.array([True, False, None, True], pa.bool_()),
    "day": pa.array([dt.date(2020, 1, 2), dt.date(1999, 12, 31), None, dt.date(1970, 1, 1)], pa.date32()),
    "ts": pa.array([dt.datetime(2020, 1, 2, 3, 4, 5, 678901), dt.datetime(1999, 12, 31, 23, 59, 59), None,
                    dt.datetime(1970, 1, 1)], pa.timestamp("us")),
    "amount": pa.array([Decimal("12.34"), Decimal("-0.50"), None, Decimal("0.00")], pa.decimal128(12, 2)),
    "parent": pa.array([7, None, 9, None], pa.int64()),  # a nullable foreign key
})


def identity(fmt: str = "parquet", **changes) -> RunIdentity:
    base = RunIdentity(dataset="shop", table="t", spec_hash="abc123", seed=1, scale=1.0, locale="en_US",
                       format=fmt)
    return dataclasses.replace(base, **changes)


def batches(table: pa.Table = TABLE, size: int = 2) -> Iterator[pa.RecordBatch]:
    yield from table.to_batches(max_chunksize=size)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def hidden_entries(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# ---- formats -----------------------------------------------------------------------------------------

def test_parquet_round_trip_keeps_values_and_types(tmp_path):
    result = write_table(batches(), TABLE.schema, tmp_path / "t", identity("parquet"))
    assert result.rows == TABLE.num_rows
    assert result.bytes > 0
    assert result.uri == str(tmp_path / "t" / "part-00000.parquet")  # the one WriteResult names the data file
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [MANIFEST, "part-00000.parquet"]
    back = read_table(tmp_path / "t")
    assert back.schema.equals(TABLE.schema)
    assert back.equals(TABLE)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_text_formats_read_back_exactly_what_was_written_typed_by_the_manifest(tmp_path, fmt):
    # decimals exact, dates and timestamps as such, the empty string apart from null
    write_table(batches(), TABLE.schema, tmp_path / "t", identity(fmt))
    assert json.loads((tmp_path / "t" / MANIFEST).read_text())["column_types"]["amount"] == "decimal128(12, 2)"
    back = read_table(tmp_path / "t")
    assert back.schema.equals(TABLE.schema)
    assert back.equals(TABLE)
    assert back["name"].to_pylist()[3] == ""


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_formats_write_typed_json_values(tmp_path, fmt):
    write_table(batches(), TABLE.schema, tmp_path / "t", identity(fmt))
    text = (tmp_path / "t" / f"part-00000.{fmt}").read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else json.loads(text)
    assert records == [
        {"id": 1, "x": 1.5, "name": "Ann", "ok": True, "day": "2020-01-02", "ts": "2020-01-02T03:04:05.678901",
         "amount": 12.34, "parent": 7},
        {"id": 2, "x": None, "name": 'Bö "quoted", comma', "ok": False, "day": "1999-12-31",
         "ts": "1999-12-31T23:59:59.000000", "amount": -0.5, "parent": None},
        {"id": 3, "x": -2.25, "name": "line\nbreak", "ok": None, "day": None, "ts": None, "amount": None,
         "parent": 9},
        {"id": 2**60 + 1, "x": 1e-300, "name": "", "ok": True, "day": "1970-01-01", "ts": "1970-01-01T00:00:00.000000",
         "amount": 0.0, "parent": None},
    ]
    # integers stay integers (JSON has them), also in a column with nulls
    assert all(type(r["parent"]) is int for r in records if r["parent"] is not None)
    assert all(type(r["id"]) is int for r in records)
    assert "Bö" in text  # UTF-8, not \u escapes
    back = read_table(tmp_path / "t")
    assert back["id"].to_pylist() == TABLE["id"].to_pylist()
    assert back["name"].to_pylist() == TABLE["name"].to_pylist()


def test_struct_columns_are_json_objects_with_their_nulls(tmp_path):
    """A struct (the before/after of a Debezium record) is an object of its fields, null where the struct is
    null, its fields' nulls kept, also in a slice of a batch (children are offset like their parent)."""
    row = pa.StructArray.from_arrays(
        [pa.array([1, None, 3, 4]), pa.array(['a"b', "x", None, "ö\n"]), pa.array([1.5, 2.0, None, -0.25])],
        names=["id", "s", "x"], mask=pa.array([False, False, True, False]))
    batch = pa.RecordBatch.from_arrays([row, pa.array([10, 11, 12, 13])], names=["after", "n"])
    write_table(iter([batch.slice(1)]), batch.schema, tmp_path / "t", identity("jsonl"))
    lines = (tmp_path / "t" / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"after": {"id": None, "s": "x", "x": 2.0}, "n": 11},
        {"after": None, "n": 12},
        {"after": {"id": 4, "s": "ö\n", "x": -0.25}, "n": 13},
    ]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json"])
def test_an_empty_table_is_a_valid_file(tmp_path, fmt):
    empty = TABLE.slice(0, 0)
    result = write_table(iter(()), TABLE.schema, tmp_path / "t", identity(fmt))
    assert result.rows == 0
    if fmt == "json":
        assert json.loads((tmp_path / "t" / "part-00000.json").read_text()) == []
    assert read_table(tmp_path / "t").equals(empty)


def test_manifest_records_the_run_and_progress_sees_every_batch(tmp_path):
    seen = []
    write_table(batches(), TABLE.schema, tmp_path / "t", identity(), progress=seen.append,
                extra_manifest={"note": "x"})
    assert seen == [2, 2]
    manifest = json.loads((tmp_path / "t" / MANIFEST).read_text())
    assert manifest["identity"] == dataclasses.asdict(identity())
    assert manifest["rows"] == 4
    assert manifest["columns"] == TABLE.column_names
    assert manifest["note"] == "x"


def test_unknown_format_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'xlsx'"):
        write_table(batches(), TABLE.schema, tmp_path / "t", identity("xlsx"))
    assert list(tmp_path.iterdir()) == []


# ---- atomicity ---------------------------------------------------------------------------------------

class Boom(RuntimeError):
    pass


def failing_batches(after: int = 2, exc: type[BaseException] = Boom) -> Iterator[pa.RecordBatch]:
    for i, batch in enumerate(TABLE.to_batches(max_chunksize=1)):
        if i == after:
            raise exc("generator failed mid-stream")
        yield batch


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json"])
@pytest.mark.parametrize("exc", [Boom, KeyboardInterrupt])
def test_a_failure_mid_stream_leaves_the_previous_table_intact(tmp_path, fmt, exc):
    target = tmp_path / "t"
    write_table(batches(), TABLE.schema, target, identity(fmt))
    before = digest(target)
    with pytest.raises(exc):
        write_table(failing_batches(2, exc), TABLE.schema, target, identity(fmt))
    assert digest(target) == before
    assert hidden_entries(tmp_path) == []  # no temporary or moved-aside folders left behind
    assert read_table(target).num_rows == TABLE.num_rows


def test_a_failure_on_a_first_write_leaves_nothing(tmp_path):
    with pytest.raises(Boom):
        write_table(failing_batches(2), TABLE.schema, tmp_path / "t", identity())
    assert list(tmp_path.iterdir()) == []


# ---- identity and overwrite --------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json"])
def test_rewriting_the_same_run_is_allowed_and_gives_the_same_bytes(tmp_path, fmt):
    target = tmp_path / "t"
    write_table(batches(), TABLE.schema, target, identity(fmt))
    first = digest(target)
    write_table(batches(), TABLE.schema, target, identity(fmt))
    assert digest(target) == first
    assert hidden_entries(tmp_path) == []


@pytest.mark.parametrize("change", [{"seed": 2}, {"spec_hash": "other"}, {"scale": 2.0}, {"locale": "de_DE"},
                                    {"generator_version": "0"}])
def test_writing_a_different_run_over_a_table_is_refused(tmp_path, change):
    target = tmp_path / "t"
    write_table(batches(), TABLE.schema, target, identity())
    before = digest(target)
    other = TABLE.slice(0, 1)
    with pytest.raises(OutputConflict) as info:
        write_table(batches(other), other.schema, target, identity(**change))
    assert f"differs in {next(iter(change))}" in str(info.value)
    assert "--overwrite" in str(info.value)
    assert digest(target) == before
    assert hidden_entries(tmp_path) == []


def test_overwrite_replaces_a_different_run(tmp_path):
    target = tmp_path / "t"
    write_table(batches(), TABLE.schema, target, identity())
    other = TABLE.slice(0, 1)
    write_table(batches(other), other.schema, target, identity(seed=2), overwrite=True)
    assert read_table(target).equals(other)
    assert json.loads((target / MANIFEST).read_text())["identity"]["seed"] == 2
    assert hidden_entries(tmp_path) == []


def test_overwrite_replaces_the_files_of_another_format(tmp_path):
    target = tmp_path / "t"
    write_table(batches(), TABLE.schema, target, identity("csv"))
    write_table(batches(), TABLE.schema, target, identity("parquet"), overwrite=True)
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "part-00000.parquet"]


def test_a_folder_not_written_by_us_is_never_replaced_without_overwrite(tmp_path):
    target = tmp_path / "t"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    with pytest.raises(OutputConflict, match="not written by mock-pipelines"):
        write_table(batches(), TABLE.schema, target, identity())
    assert (target / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]


def test_an_existing_empty_folder_is_used(tmp_path):
    target = tmp_path / "t"
    target.mkdir()
    write_table(batches(), TABLE.schema, target, identity())
    assert read_table(target).equals(TABLE)


def test_parent_folders_are_created(tmp_path):
    target = tmp_path / "out" / "shop" / "t"
    write_table(batches(), TABLE.schema, target, identity())
    assert read_table(target).equals(TABLE)
