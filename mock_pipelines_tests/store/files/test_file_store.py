"""Landing table slices in a local folder or on S3: hive layout, exact read-back, partition-by-partition
atomic replacement, reading only the partitions asked for, and a content hash that depends on the rows
alone. S3 runs against a real S3 API (moto's server) and is checked with boto3, not through s3fs.
"""

from __future__ import annotations

import io
import os
import socket
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mock_pipelines.core.engine import TableSlice
from mock_pipelines.store.content import content_hash
from mock_pipelines.store.files.s3 import S3Unreachable, ensure_bucket
from mock_pipelines.store.files.store import (
    FileStore,
    decode_partition_key,
    encode_partition_key,
    list_partitions,
    read,
    write,
)
from mock_pipelines_tests.store.files.conftest import BUCKET, s3_target


def same_rows(got: pa.Table, expected: pa.Table) -> bool:
    return got.column_names == expected.column_names and got.to_pylist() == expected.to_pylist()


def crashing(batches, after: int):
    """The batches of a generator that dies after ``after`` of them."""
    for i, batch in enumerate(batches):
        if i == after:
            raise RuntimeError("generator crashed mid-write")
        yield batch


# ---- layout and read-back -------------------------------------------------------------------------

def test_unpartitioned_table_lands_in_one_file_and_reads_back_exactly(target, table_plan):
    result = write(TableSlice(table_plan, 0, 300, chunk_size=64), target.base, **target.options)

    assert target.objects() == {"ds/t/part-00000.parquet": result.bytes}
    assert result.rows == 300
    assert result.uri == (f"{target.root}/ds/t/part-00000.parquet" if target.kind == "local"
                          else f"s3://{BUCKET}/landing/ds/t/part-00000.parquet")
    expected = table_plan.to_table(0, 300)
    assert same_rows(read(target.base, "ds", "t", **target.options), expected)
    # what is stored is a plain Parquet file (read with boto3 on S3, not through s3fs)
    assert same_rows(pq.read_table(io.BytesIO(target.read_bytes("ds/t/part-00000.parquet"))), expected)


def test_a_partition_lands_in_a_hive_folder_and_reads_back_exactly(target, table_plan):
    result = write(TableSlice(table_plan, 50, 120, partition_key="2024-01-05"), target.base, **target.options)

    assert list(target.objects()) == ["ds/t/date=2024-01-05/part-00000.parquet"]
    assert result.partition_key == "2024-01-05" and result.rows == 70
    back = read(target.base, "ds", "t", ["2024-01-05"], **target.options)
    assert same_rows(back, table_plan.to_table(50, 120))
    assert list_partitions(target.base, "ds", "t", **target.options) == ["2024-01-05"]


def test_hourly_keys_are_encoded_safely_and_reversibly(target, table_plan):
    key = "2024-01-05-13:00"
    write(TableSlice(table_plan, 0, 10, partition_key=key), target.base, partition_column="hour", **target.options)

    assert list(target.objects()) == ["ds/t/hour=2024-01-05-13%3A00/part-00000.parquet"]
    assert list_partitions(target.base, "ds", "t", partition_column="hour", **target.options) == [key]
    assert read(target.base, "ds", "t", [key], partition_column="hour", **target.options).num_rows == 10


@pytest.mark.parametrize("key", ["2024-01-05", "2024-01-05-13:00", "a/b c|d%e", "ünï", "..", "x*?[]"])
def test_partition_key_encoding_round_trips_to_a_single_safe_path_segment(key):
    encoded = encode_partition_key(key)
    assert decode_partition_key(encoded) == key
    assert set(encoded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.%")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_formats_read_back_the_same_values_given_the_schema(tmp_path, table_plan, fmt):
    dest = FileStore(tmp_path, fmt)
    result = dest.write(TableSlice(table_plan, 0, 300, chunk_size=100, partition_key="2024-01-05"))

    assert result.uri.endswith(f"date=2024-01-05/part-00000.{fmt}")
    back = dest.read("ds", "t", ["2024-01-05"], schema=table_plan.arrow_schema)
    assert same_rows(back, table_plan.to_table(0, 300))


# ---- replacing and isolating partitions ----------------------------------------------------------

def test_rewriting_a_partition_replaces_it_with_identical_bytes(target, table_plan):
    piece = TableSlice(table_plan, 0, 100, partition_key="2024-01-05")
    first = write(piece, target.base, **target.options)
    stored = target.objects()
    data = target.read_bytes("ds/t/date=2024-01-05/part-00000.parquet")

    second = write(piece, target.base, **target.options)

    assert target.objects() == stored  # one file, no duplicate, no leftover temporary
    assert target.read_bytes("ds/t/date=2024-01-05/part-00000.parquet") == data
    assert (second.bytes, second.rows, second.content_hash) == (first.bytes, first.rows, first.content_hash)
    assert read(target.base, "ds", "t", ["2024-01-05"], **target.options).num_rows == 100


def test_writing_partition_b_does_not_touch_partition_a(target, table_plan):
    write(TableSlice(table_plan, 0, 100, partition_key="2024-01-05"), target.base, **target.options)
    a = target.read_bytes("ds/t/date=2024-01-05/part-00000.parquet")

    write(TableSlice(table_plan, 100, 180, partition_key="2024-01-06"), target.base, **target.options)

    assert target.read_bytes("ds/t/date=2024-01-05/part-00000.parquet") == a
    assert list(target.objects()) == ["ds/t/date=2024-01-05/part-00000.parquet",
                                      "ds/t/date=2024-01-06/part-00000.parquet"]


def test_replacing_a_partition_spares_partitions_whose_key_extends_it(target, table_plan):
    dest = FileStore(target.base, partition_column="region", **target.options)
    dest.write(TableSlice(table_plan, 0, 10, partition_key="eu"))
    dest.write(TableSlice(table_plan, 0, 20, partition_key="eu-west"))
    dest.write(TableSlice(table_plan, 0, 10, partition_key="eu"))

    assert sorted(target.objects()) == ["ds/t/region=eu-west/part-00000.parquet", "ds/t/region=eu/part-00000.parquet"]
    assert dest.read("ds", "t", ["eu-west"]).num_rows == 20


def test_changing_format_leaves_no_stale_file_in_the_partition(target, table_plan):
    piece = TableSlice(table_plan, 0, 40, partition_key="2024-01-05")
    write(piece, target.base, **target.options)
    write(piece, target.base, format="csv", **target.options)

    assert list(target.objects()) == ["ds/t/date=2024-01-05/part-00000.csv"]
    assert read(target.base, "ds", "t", ["2024-01-05"], **target.options).num_rows == 40


def test_an_unpartitioned_write_keeps_the_partition_folders_beside_it(tmp_path, table_plan):
    dest = FileStore(tmp_path)
    dest.write(TableSlice(table_plan, 0, 10, partition_key="2024-01-05"))
    dest.write(TableSlice(table_plan, 0, 30))

    assert dest.list_partitions("ds", "t") == ["2024-01-05"]
    assert dest.read("ds", "t").num_rows == 30
    assert dest.read("ds", "t", ["2024-01-05"]).num_rows == 10


# ---- reading only what is asked for --------------------------------------------------------------

def test_reading_partitions_reads_only_those_partitions(target, table_plan):
    days = {"2024-01-05": (0, 100), "2024-01-06": (100, 130), "2024-01-07": (130, 300)}
    for day, (lo, hi) in days.items():
        write(TableSlice(table_plan, lo, hi, partition_key=day), target.base, **target.options)

    def rows(keys):
        return read(target.base, "ds", "t", keys, **target.options).num_rows

    assert rows(["2024-01-06"]) == 30
    assert rows(["2024-01-05", "2024-01-07"]) == 270
    assert rows(None) == 300  # no keys: the whole table, every partition
    both = read(target.base, "ds", "t", ["2024-01-07", "2024-01-05"], **target.options)
    assert same_rows(both, pa.concat_tables([table_plan.to_table(130, 300), table_plan.to_table(0, 100)]))
    with pytest.raises(FileNotFoundError, match=r"1 of the 2 .*2024-01-09.*3 partition\(s\) written"):
        read(target.base, "ds", "t", ["2024-01-05", "2024-01-09"], **target.options)


def test_partitions_never_written_are_skipped_only_when_allowed(target, table_plan):
    for day, (lo, hi) in {"2024-01-02": (0, 10), "2024-01-05": (10, 40)}.items():
        write(TableSlice(table_plan, lo, hi, partition_key=day), target.base, **target.options)
    month = [f"2024-01-{d:02d}" for d in range(1, 32)]  # many keys: one listing instead of 31

    with pytest.raises(FileNotFoundError, match=r"29 of the 31 partition\(s\).*2024-01-01, 2024-01-03"):
        read(target.base, "ds", "t", month, **target.options)
    assert read(target.base, "ds", "t", month, allow_missing=True, **target.options).num_rows == 40
    assert read(target.base, "ds", "t", ["2024-01-05", "2024-01-06"], allow_missing=True,
                **target.options).num_rows == 30


# ---- content hash ---------------------------------------------------------------------------------

def test_content_hash_depends_on_the_rows_not_on_chunking_or_format(tmp_path, table_plan):
    small = write(TableSlice(table_plan, 0, 300, chunk_size=7), tmp_path / "a")
    large = write(TableSlice(table_plan, 0, 300, chunk_size=100_000), tmp_path / "b")
    as_csv = write(TableSlice(table_plan, 0, 300, chunk_size=64), tmp_path / "c", format="csv")

    assert small.content_hash == large.content_hash == as_csv.content_hash
    assert small.content_hash == content_hash(table_plan.to_table(0, 300))
    assert len(small.content_hash) == 32  # xxh3-128, hex


def test_content_hash_changes_when_the_rows_change(tmp_path, table_plan):
    base = write(TableSlice(table_plan, 0, 300), tmp_path / "a").content_hash
    fewer = write(TableSlice(table_plan, 0, 299), tmp_path / "b").content_hash
    other = write(TableSlice(table_plan, 1, 301), tmp_path / "c").content_hash
    table = table_plan.to_table(0, 300)
    reordered = content_hash(table.take(list(range(299, -1, -1))))
    edited = content_hash(table.set_column(0, "id", pa.array(range(1000, 1300), pa.int64())))

    assert len({base, fewer, other, reordered, edited}) == 5


def test_preview_is_a_markdown_table_of_the_first_five_rows(tmp_path, table_plan):
    result = write(TableSlice(table_plan, 0, 300, chunk_size=3), tmp_path)
    lines = result.preview.splitlines()

    assert lines[0] == "| id | name | tier | amount | ts |"
    assert len(lines) == 2 + 5
    assert lines[2].startswith("| 1 | ")


# ---- atomicity ------------------------------------------------------------------------------------

def test_a_crash_mid_write_keeps_the_previous_partition_and_leaves_no_temporary(target, table_plan):
    dest = FileStore(target.base, **target.options)
    dest.write(TableSlice(table_plan, 0, 100, partition_key="2024-01-05"))
    before = target.objects()
    data = target.read_bytes("ds/t/date=2024-01-05/part-00000.parquet")

    new = TableSlice(table_plan, 100, 300, chunk_size=20, partition_key="2024-01-05")
    with pytest.raises(RuntimeError, match="crashed"):
        dest.write_batches("ds", "t", new.schema, crashing(new.batches(), after=3), "2024-01-05")
    with pytest.raises(RuntimeError, match="crashed"):  # a first write of a partition leaves nothing
        dest.write_batches("ds", "t", new.schema, crashing(new.batches(), after=3), "2024-01-06")

    assert target.objects() == before
    assert target.read_bytes("ds/t/date=2024-01-05/part-00000.parquet") == data
    assert dest.list_partitions("ds", "t") == ["2024-01-05"]
    if target.kind == "local":
        assert sorted(p.name for p in (target.root / "ds" / "t").iterdir()) == ["date=2024-01-05"]


def test_a_crash_during_a_multipart_upload_aborts_it(s3_server):
    target = s3_target(s3_server)
    dest = FileStore(target.base, **target.options, default_block_size=5 * 2**20)  # 5 MiB parts
    payload = pa.table({"blob": pa.array([bytes(range(256)) * 4096] * 8, pa.binary())})  # 8 MiB of 1 MiB rows
    noise = pa.table({"blob": pa.array([os.urandom(2**20) for _ in range(8)], pa.binary())})
    dest.write_batches("ds", "t", payload.schema, payload.to_batches(max_chunksize=1), "2024-01-05")
    before = target.objects()

    with pytest.raises(RuntimeError, match="crashed"):
        dest.write_batches("ds", "t", noise.schema, crashing(noise.to_batches(max_chunksize=1), after=7),
                           "2024-01-05")

    assert target.objects() == before
    assert target.client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


# ---- S3 specifics -------------------------------------------------------------------------------

def test_ensure_bucket_creates_a_missing_bucket_once(s3_server):
    options = {"endpoint_url": s3_server, "region": "us-east-1"}
    assert ensure_bucket("s3://fresh-bucket/some/prefix", **options) is True
    assert ensure_bucket("s3://fresh-bucket/other", **options) is False


def test_writing_to_a_missing_bucket_says_how_to_create_it(s3_server, table_plan):
    with pytest.raises(FileNotFoundError, match="ensure_bucket"):
        write(TableSlice(table_plan, 0, 10), "s3://no-such-bucket/x", endpoint_url=s3_server)


def test_destination_repr_and_errors_never_show_credentials(s3_server):
    dest = FileStore(f"s3://{BUCKET}/x", endpoint_url=s3_server, key="AKIA-VISIBLE?", secret="s3cr3t-never-shown")
    assert "s3cr3t" not in repr(dest) and "AKIA" not in repr(dest)


# ---- an S3 endpoint that does not answer --------------------------------------------------------------------

def _closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_s3_endpoint_fails_after_bounded_retries_in_one_line(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDNEVERSHOWN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-never-shown")
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    target = FileStore("s3://some-bucket/prefix", endpoint_url=endpoint, key="AKIDNEVERSHOWN",
                         secret="secret-never-shown")
    schema = pa.schema([("a", pa.int64())])
    started = time.perf_counter()
    with pytest.raises(S3Unreachable) as info:
        target.write_batches("shop", "orders", schema, [pa.record_batch([[1]], schema=schema)])
    seconds = time.perf_counter() - started
    message = str(info.value)
    assert message == (f"S3 endpoint {endpoint} is unreachable: cannot connect (connection refused, unknown host "
                       f"or no route); 4 attempts over {message.split(' over ')[1].split('s.')[0]}s. Check the "
                       "destination's endpoint_url and that the server is running")
    assert 7 <= seconds < 30  # waited 1 + 2 + 4 s between the 4 attempts, then gave up (it took 25 s before)

    monkeypatch.setattr("mock_pipelines.store.files.s3.S3_RETRY_DELAY_SECONDS", 0.05)
    with pytest.raises(S3Unreachable, match="4 attempts"):
        FileStore("s3://some-bucket/prefix", endpoint_url=endpoint).read("shop", "orders")
    with pytest.raises(S3Unreachable) as info:  # credentials in the URL are never shown
        ensure_bucket("s3://some-bucket", endpoint_url=endpoint.replace("//", "//user:pw-never-shown@"))
    assert f"S3 endpoint {endpoint} is unreachable" in str(info.value)
    assert "never" not in str(info.value) and "\n" not in str(info.value)
