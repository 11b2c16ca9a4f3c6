"""What every store of tables offers, whatever it keeps them in (a folder, an S3 prefix, a database).

A store holds the tables of datasets, addressed ``(dataset, table)``; a time-partitioned table is written
and read one partition at a time, by partition key. The CLI, the Dagster IO managers, the asset checks and
the quality report talk to a :class:`TableStore`, so none of them knows whether the rows sit in Parquet
files or in PostgreSQL. Nothing here imports Dagster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import pyarrow as pa


@dataclass(frozen=True)
class WriteResult:
    """One table, or one partition of it, written."""

    table: str
    uri: str  # where the rows are, without credentials: the data file, or the database URL #table
    rows: int
    bytes: int
    seconds: float
    content_hash: str  # order-sensitive hash of the rows ("" when the writer was asked not to compute it)
    preview: str  # Markdown table of the first rows
    format: str  # the file format, or the SQL dialect
    partition_key: str | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@runtime_checkable
class TableStore(Protocol):
    """Write, read and list the tables of datasets."""

    def write_batches(self, dataset: str, table: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch],
                      partition_key: str | None = None) -> WriteResult:
        """Replace the table (or its partition ``partition_key``) with ``batches``, atomically: a reader
        sees the previous rows or the new ones, never a part."""
        ...

    def read(self, dataset: str, table: str, partition_keys: Sequence[str] | None = None,
             columns: list[str] | None = None, *, allow_missing: bool = False,
             schema: pa.Schema | None = None) -> pa.Table:
        """The table, or only the rows of the listed partitions (in that order); ``columns`` selects
        columns. A table never written raises ``FileNotFoundError``; so does a listed partition never
        written, unless ``allow_missing`` (it is then skipped). ``schema``, the table's Arrow schema,
        types the columns read (a column missing or a value of another type is an error), so every
        store and format gives the same table for the same data."""
        ...

    def read_batches(self, dataset: str, table: str, partition_key: str | None = None,
                     columns: list[str] | None = None, schema: pa.Schema | None = None,
                     batch_rows: int = ...) -> Iterator[pa.RecordBatch]:
        """The rows :meth:`read` gives for the table (or its partition ``partition_key``), same order and
        types, as record batches of at most ``batch_rows`` rows, never the whole table in memory; with the
        store's default ``batch_rows``, the batches of the table :meth:`read` gives. Where the
        data is (and whether it exists: ``FileNotFoundError``) is found at once; the rows are read while
        iterating, and iterating again means calling again."""
        ...

    def list_partitions(self, dataset: str, table: str) -> list[str]:
        """Keys of the partitions of the table that hold data, sorted (none for a table never written)."""
        ...

    def has_data(self, dataset: str, table: str) -> bool:
        """Whether :meth:`read` of the whole table finds data (the question "materialised yet?")."""
        ...
