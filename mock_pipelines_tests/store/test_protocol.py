"""Every TableStore keeps the same promises: a local folder, an S3 prefix (a real S3 API, moto) and SQL
databases (SQLite always; PostgreSQL and MariaDB when their test servers are configured) — written,
read, listed and asked "has data?" the same way, with the same content hash for the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.store.content import content_hash
from mock_pipelines.store.files.store import FileStore
from mock_pipelines.store.protocol import TableStore
from mock_pipelines.store.sql.store import SqlStore
from mock_pipelines_tests.store.files.conftest import s3_target

SCHEMA = """\
dataset: ds
seed: 3
tables:
  customers:
    rows: 60
    primary_key: id
    columns:
      id: {gen: sequence}
      name: {gen: first_name}
      tier: {gen: choice, values: {gold: 0.2, silver: 0.3, bronze: 0.5}}
      amount: {gen: uniform, min: 0, max: 100}
  events:
    rows: 40
    primary_key: id
    columns:
      id: {gen: sequence}
      score: {gen: uniform, min: 0, max: 1}
"""
DAY1, DAY2 = "2024-01-01", "2024-01-02"
KINDS = ("local", "s3", "sqlite", "postgresql", "mysql")


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> DatasetSpec:
    path = tmp_path_factory.mktemp("schema") / "ds.yaml"
    path.write_text(SCHEMA)
    return load_dataset(path)


def generated(spec: DatasetSpec, table: str) -> pa.Table:
    tp = DatasetPlan(spec).table(table)
    return pa.Table.from_batches(list(tp.batches()), schema=tp.arrow_schema)


@pytest.fixture(params=KINDS)
def store(request, tmp_path, spec) -> Iterator[TableStore]:
    kind = request.param
    if kind in ("local", "s3"):
        target = s3_target(request.getfixturevalue("s3_server")) if kind == "s3" else None
        yield FileStore(target.base, **target.options) if target else FileStore(tmp_path / "landing")
        return
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'landing.db'}"
    elif kind == "postgresql":
        url, schema = request.getfixturevalue("postgres_db")
    else:
        url, _database = request.getfixturevalue("mysql_db")
    sql = SqlStore(url, schema, {"ds": spec}, partitioned={"ds": ["events"]})
    yield sql
    sql.dispose()


def rows(table: pa.Table) -> list[dict]:
    """The rows, in key order, as plain values (a database and a file may order and encode differently)."""
    return table.sort_by("id").to_pylist()


def test_each_store_is_a_table_store(store):
    assert isinstance(store, TableStore)


def test_a_store_never_written_has_no_data(store):
    assert not store.has_data("ds", "customers")
    assert store.list_partitions("ds", "events") == []
    with pytest.raises(FileNotFoundError):
        store.read("ds", "customers")


def test_a_table_is_written_read_back_and_replaced_whole(store, spec):
    table = generated(spec, "customers")
    result = store.write_batches("ds", "customers", table.schema, table.to_batches(max_chunksize=25))
    assert (result.table, result.rows, result.partition_key) == ("customers", 60, None)
    assert result.content_hash == content_hash(table)  # the same rows hash the same in every store
    assert store.has_data("ds", "customers")
    assert rows(store.read("ds", "customers")) == rows(table)
    assert store.read("ds", "customers", columns=["id", "tier"]).column_names == ["id", "tier"]

    fewer = table.slice(0, 7)
    store.write_batches("ds", "customers", fewer.schema, fewer.to_batches())
    assert rows(store.read("ds", "customers")) == rows(fewer)


def test_partitions_are_written_listed_and_read_one_at_a_time(store, spec):
    table = generated(spec, "events")
    first, second = table.slice(0, 15), table.slice(15)
    store.write_batches("ds", "events", table.schema, second.to_batches(), DAY2)
    store.write_batches("ds", "events", table.schema, first.to_batches(), DAY1)
    assert store.list_partitions("ds", "events") == [DAY1, DAY2]
    assert store.has_data("ds", "events")
    assert rows(store.read("ds", "events", [DAY1])) == rows(first)
    assert rows(store.read("ds", "events")) == rows(table)  # no keys: every partition

    smaller = first.slice(0, 4)  # replacing one partition leaves the other as it was
    store.write_batches("ds", "events", table.schema, smaller.to_batches(), DAY1)
    assert rows(store.read("ds", "events", [DAY1, DAY2])) == rows(pa.concat_tables([smaller, second]))


def test_a_partition_never_written_is_skipped_when_allowed(store, spec):
    table = generated(spec, "events")
    store.write_batches("ds", "events", table.schema, table.to_batches(), DAY1)
    assert rows(store.read("ds", "events", [DAY1, "2024-01-09"], allow_missing=True)) == rows(table)


def test_a_table_or_partition_streams_as_batches_the_rows_read_gives(store, spec):
    table = generated(spec, "customers")
    store.write_batches("ds", "customers", table.schema, table.to_batches(max_chunksize=25))
    events = generated(spec, "events")
    store.write_batches("ds", "events", events.schema, events.slice(0, 15).to_batches(), DAY1)
    store.write_batches("ds", "events", events.schema, events.slice(15).to_batches(), DAY2)
    for name, key, columns in (("customers", None, None), ("customers", None, ["tier", "id"]),
                               ("events", DAY2, None), ("events", DAY1, ["score"])):
        whole = store.read("ds", name, [key] if key else None, columns=columns, schema=table.schema
                           if name == "customers" else events.schema)
        batches = list(store.read_batches("ds", name, key, columns=columns, schema=table.schema
                                          if name == "customers" else events.schema, batch_rows=7))
        assert batches and max(b.num_rows for b in batches) <= 7  # never more than a batch at a time
        assert pa.Table.from_batches(batches).equals(whole), (name, key, columns)  # same rows, order, types
        default = list(store.read_batches("ds", name, key, columns=columns))
        assert [b.num_rows for b in default] == [b.num_rows for b in whole.to_batches()]  # read's own chunks


def test_streaming_data_never_written_fails_when_asked_not_when_iterated(store, spec):
    with pytest.raises(FileNotFoundError):
        store.read_batches("ds", "customers")
    table = generated(spec, "events")
    store.write_batches("ds", "events", table.schema, table.to_batches(), DAY1)
    if isinstance(store, FileStore):  # a database cannot tell a partition never written from an empty one
        with pytest.raises(FileNotFoundError):
            store.read_batches("ds", "events", "2024-01-09")


def test_stores_are_built_without_profiles():
    """A store knows URLs and paths, not profiles: the Dagster layer builds one from a profile."""
    import ast

    root = Path(__file__).resolve().parents[2] / "mock_pipelines" / "store"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("mock_pipelines.profiles", "mock_pipelines.defs", "dagster")), \
                    f"{path.relative_to(root)} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "dagster" for a in node.names), path
