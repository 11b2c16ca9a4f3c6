"""Land tables in a local folder or an S3 prefix (any fsspec URL), one file per table or per partition.

Layout under a base URI (``/data/out``, ``s3://bucket/prefix``)::

    {base}/{dataset}/{table}/part-00000.parquet                       an unpartitioned table
    {base}/{dataset}/{table}/date=2024-01-05/part-00000.parquet       one partition (hive style)
    {base}/{dataset}/{table}/date=2024-01-05-13%3A00/part-00000.csv   a key with ':' (percent-encoded)

Partition values are percent-encoded (everything but ``A-Z a-z 0-9 - _ .``), the convention of Hive and
of pyarrow's ``HivePartitioning(segment_encoding="uri")``: safe as a file name on every OS and as an S3
key, and reversible (:func:`decode_partition_key`).

This is the one writer of table files: ``mock-pipelines generate`` and the Dagster IO manager both write
through it. It streams record batches into a hidden temporary file *inside the target folder*
(``.part-00000.parquet.<host>-<pid>-<random>.tmp``; readers, Spark, Hive and pyarrow skip names starting
with ``.``), then publishes it under its final name, records the run in the table folder's
``_manifest.json`` (:mod:`mock_pipelines.store.files.manifest`; when the caller says what produced the rows) and
deletes whatever else that folder held:

* local disk: ``os.replace`` of the file — atomic, so a reader opening ``part-00000.<ext>`` gets the old
  complete file or the new complete file, never a part, never nothing, also while other writers replace
  the same table (each fills its own temporary file);
* S3: the temporary object is committed (multipart upload completed), server-side copied to the final
  key (``CopyObject`` replaces an object atomically) and deleted. A reader of the final key sees the old or
  the new object. Windows that remain, honestly: (1) S3 cannot rename, so between the copy and the
  deletion a *listing* of the partition prefix also shows the hidden temporary object; (2) a listing
  taken after the copy but before the stale-object clean-up can show the new ``part-00000`` next to an
  object of an older write in another format (``part-00000.csv`` after switching to Parquet); (3) a
  process killed between the two steps leaves the hidden temporary object behind, which a later write
  of that partition deletes. Readers here only ever read ``part-*`` files, so (1) and (3) never reach them.

The manifest is replaced (atomically) just after the data file: for that instant a reader can see the new
data beside the previous manifest. Temporary files of a writer that was killed are removed by the next
write of the folder — at once when their process is gone (same host), otherwise once nobody touched them
for an hour; a concurrent writer's file is never touched. A folder that cannot be written (disk full,
read-only, a file in the path) raises one line naming it and what to do.

While streaming, the row count, an order-sensitive content hash (:mod:`mock_pipelines.store.content`) and
the first rows (a Markdown preview) are computed. Nothing here imports Dagster.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import fsspec
import pyarrow as pa
from fsspec.implementations.local import LocalFileSystem

from mock_pipelines.spec.destinations import DESTINATION_FORMATS
from mock_pipelines.store.content import ContentHasher, Preview
from mock_pipelines.store.files.formats import check_format, format_of
from mock_pipelines.store.files.manifest import (
    MANIFEST,
    RunIdentity,
    is_stale,
    is_temporary,
    landing_error,
    manifest_bytes,
    temporary_name,
)
from mock_pipelines.store.files.parallel_parquet import ParallelParquetWriter, open_writer
from mock_pipelines.store.files.prefetch import prefetch
from mock_pipelines.store.files.reading import (
    READ_BATCH_ROWS,
    read_csv_batches,
    read_file,
    read_parquet_batches,
    schema_of_types,
    type_text,
)
from mock_pipelines.store.files.s3 import is_s3, probe_s3, s3_storage_options
from mock_pipelines.store.protocol import WriteResult

if TYPE_CHECKING:
    from mock_pipelines.core.engine import TableSlice

DEFAULT_PARTITION_COLUMN = "date"
DATA_FILE = "part-00000"
def encode_partition_key(key: str) -> str:
    """``2024-01-05-13:00`` → ``2024-01-05-13%3A00``: a folder name safe on any file system and S3."""
    if not key:
        raise ValueError("a partition key cannot be empty")
    return quote(key, safe="-_.")


def decode_partition_key(value: str) -> str:
    return unquote(value)


def _check_segment(name: str, what: str) -> str:
    parts = name.split("/")
    if not name or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid {what} {name!r}: use a plain name (no empty, '.' or '..' path segments)")
    return name


class FileStore:
    """The :class:`~mock_pipelines.store.protocol.TableStore` of files: a base URI, a file format, the name
    of the partition column and how to connect.

    ``options`` are ``endpoint_url``, ``key``, ``secret`` and ``region`` for S3 (MinIO, moto, …) plus any
    other fsspec keyword arguments. They are never shown by ``repr`` nor put in error messages.
    """

    def __init__(self, base: str | os.PathLike[str], format: str = "parquet",
                 partition_column: str = DEFAULT_PARTITION_COLUMN, compression: str = "zstd", **options: Any):
        base = os.fspath(base)
        check_format(format)  # json (one array per file) only for unpartitioned tables: see write_folder
        if not partition_column or partition_column != quote(partition_column, safe="_-") or \
                partition_column.startswith(("_", ".")):
            raise ValueError(f"invalid partition column {partition_column!r}: use letters, digits, '_' and '-'")
        self.base = base
        self.format = format
        self.partition_column = partition_column
        self.compression = compression
        self._options = options
        if is_s3(base):
            self.fs, root = fsspec.core.url_to_fs(base, **s3_storage_options(**options))
        elif "://" in base and not base.startswith("file://"):
            self.fs, root = fsspec.core.url_to_fs(base, **options)
        else:
            self.fs, root = LocalFileSystem(), os.path.abspath(base.removeprefix("file://"))
        self.local = isinstance(self.fs, LocalFileSystem)
        self.root = root.rstrip("/") or "/"
        self._probed = not is_s3(base)

    def check_reachable(self) -> None:
        """S3: probe the endpoint once, before anything is streamed (see :func:`probe_s3`)."""
        if self._probed:
            return
        o, client = self._options, self._options.get("client_kwargs") or {}
        probe_s3(self.root.split("/", 1)[0], o.get("endpoint_url") or client.get("endpoint_url"), o.get("key"),
                 o.get("secret"), o.get("region") or client.get("region_name"))
        self._probed = True

    def __repr__(self) -> str:
        return f"FileStore({self.base!r}, format={self.format!r}, partition_column={self.partition_column!r})"

    # -- paths --------------------------------------------------------------------------------------
    def table_path(self, dataset: str, table: str) -> str:
        return f"{self.root}/{_check_segment(dataset, 'dataset')}/{_check_segment(table, 'table')}"

    def partition_path(self, dataset: str, table: str, partition_key: str) -> str:
        return f"{self.table_path(dataset, table)}/{self.partition_column}={encode_partition_key(partition_key)}"

    def uri(self, path: str) -> str:
        """A path of this destination as the user knows it: a local path, or ``s3://bucket/key``."""
        return path if self.local else self.fs.unstrip_protocol(path)

    # -- writing ------------------------------------------------------------------------------------
    def write(self, data: TableSlice, partition_key: str | None = None) -> WriteResult:
        """Write a table slice: its partition (``partition_key`` or ``data.partition_key``) or the table."""
        key = partition_key if partition_key is not None else data.partition_key
        return self.write_batches(data.dataset, data.name, data.schema, data.batches(), key)

    def write_batches(self, dataset: str, table: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch],
                      partition_key: str | None = None, identity: RunIdentity | None = None,
                      progress: Callable[[int], None] | None = None, manifest: bool = False,
                      encoders: int | None = None) -> WriteResult:
        """Stream ``batches`` into the table's (or partition's) file, replacing what was there atomically.

        With ``identity`` (what produced the rows) or ``manifest``, the table folder's ``_manifest.json``
        records the write (its identity ``{}`` when unknown). ``encoders``: threads that encode Parquet
        (default: one per usable core; see :func:`~mock_pipelines.store.files.parallel_parquet.open_writer`)."""
        folder = self.partition_path(dataset, table, partition_key) if partition_key is not None \
            else self.table_path(dataset, table)
        return self.write_folder(folder, schema, batches, partition_key=partition_key, identity=identity,
                                 manifest_folder=self.table_path(dataset, table), progress=progress,
                                 manifest=manifest, encoders=encoders)

    def write_folder(self, folder: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch], *,
                     partition_key: str | None = None, identity: RunIdentity | None = None,
                     manifest_folder: str | None = None, progress: Callable[[int], None] | None = None,
                     extra_manifest: dict[str, Any] | None = None, manifest: bool = False,
                     hash_content: bool = True, encoders: int | None = None) -> WriteResult:
        """Write ``folder``/part-00000.<ext> (the one writer behind every path: CLI and Dagster, local and
        S3). A folder that cannot be written raises :class:`~mock_pipelines.store.files.manifest.LandingError`,
        one line naming it; the previous data is then left as it was. ``hash_content=False`` skips the
        content hash (about 15% of the writing time; the result's ``content_hash`` is then empty). ``encoders``:
        threads that encode Parquet (default: one per usable core)."""
        folder = folder.rstrip("/")
        final = f"{folder}/{DATA_FILE}.{self.format}"
        tmp = f"{folder}/{temporary_name(f'{DATA_FILE}.{self.format}')}"
        if partition_key is not None and self.format not in DESTINATION_FORMATS:
            raise ValueError(f"format {self.format!r} cannot be partitioned; choose one of "
                             f"{', '.join(DESTINATION_FORMATS)}")
        self.check_reachable()
        hasher = ContentHasher(schema) if hash_content else _RowCounter()
        preview = Preview(names=list(schema.names))
        started = time.perf_counter()
        created: str | None = None
        sink: Any = None
        generating = False
        try:
            if self.local and not os.path.isdir(folder):
                created = _first_missing(folder)
                os.makedirs(folder, exist_ok=True)
            sink = tmp if self.local else self.fs.open(tmp, "wb")
            writer = open_writer(sink, self.format, schema, self.compression, encoders)
            try:
                # Parquet on several cores: this thread generates while pool threads encode; else the next
                # batch is generated on a thread while this one writes.
                rows = iter(batches if isinstance(writer, ParallelParquetWriter) else prefetch(batches))
                while True:
                    generating = True  # an error of the rows' generation is not one of the folder
                    try:
                        batch = next(rows)
                    except StopIteration:
                        break
                    generating = False
                    writer.write(batch)
                    hasher.update(batch)
                    preview.update(batch)
                    if progress:
                        progress(batch.num_rows)
                generating = False
            except BaseException:
                writer.abort()
                raise
            writer.close()
            if not self.local:
                sink.close()  # completes the upload of the temporary object
            size = self.fs.size(tmp)
            self._publish(tmp, final)
            if identity is not None or extra_manifest or manifest:
                facts: dict[str, Any] = {"columns": list(schema.names),
                                         "column_types": {f.name: type_text(f.type) for f in schema}}
                if partition_key is None:
                    facts.update(rows=hasher.rows, bytes=int(size), data_file=final.rsplit("/", 1)[1])
                    if hash_content:
                        facts["content_hash"] = hasher.hexdigest()
                else:
                    facts.update(partitioned=True, partition_column=self.partition_column)
                    if hash_content:  # what landed in this partition, beside it: readers compare their records
                        self._put(f"{folder}/{MANIFEST}", manifest_bytes(
                            identity, partition=partition_key, rows=hasher.rows, bytes=int(size),
                            data_file=final.rsplit("/", 1)[1], content_hash=hasher.hexdigest()))
                self._put(f"{(manifest_folder or folder).rstrip('/')}/{MANIFEST}",
                          manifest_bytes(identity, **facts, **(extra_manifest or {})))
        except BaseException as exc:
            self._discard(sink, tmp, created)
            if isinstance(exc, FileNotFoundError) and not self.local:
                self._explain_missing_bucket(exc)
            if isinstance(exc, OSError) and self.local and not generating:
                landed = landing_error(exc, manifest_folder or folder)
                if landed is not exc:  # advice for this error: one line naming the folder
                    raise landed from exc
            raise
        self._remove_stale(folder, final, partitioned=partition_key is not None)
        table = (manifest_folder or folder).rstrip("/").rsplit("/", 1)[-1]
        return WriteResult(table=table, uri=self.uri(final), rows=hasher.rows, bytes=int(size),
                           seconds=time.perf_counter() - started, content_hash=hasher.hexdigest(),
                           preview=preview.markdown(), format=self.format, partition_key=partition_key)

    def write_partitions(self, slices: dict[str, TableSlice]) -> list[WriteResult]:
        """Write several partitions, each replaced atomically on its own (a partition range in one run)."""
        return [self.write(s, partition_key=key) for key, s in slices.items()]

    def _put(self, path: str, data: bytes) -> None:
        """Replace a small file atomically: a temporary then ``os.replace`` (an S3 PUT is atomic)."""
        if not self.local:
            self.fs.pipe_file(path, data)
            return
        folder, name = path.rsplit("/", 1)
        tmp = f"{folder}/{temporary_name(name)}"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def _publish(self, tmp: str, final: str) -> None:
        if self.local:
            os.replace(tmp, final)
        else:
            self.fs.copy(tmp, final)  # server-side copy: the final key flips from old to new at once
            self.fs.rm(tmp)

    def _discard(self, sink: Any, tmp: str, created_folder: str | None) -> None:
        if sink is not None and not self.local and not sink.closed:
            try:
                if hasattr(sink, "discard"):
                    sink.discard()  # S3: aborts the multipart upload, so no object appears
            finally:
                sink.closed = True  # never commit on garbage collection
        try:
            if self.fs.exists(tmp):
                self.fs.rm(tmp)
        except OSError:
            pass
        if created_folder:  # remove the folders this write created, innermost first, if still empty
            folder = os.path.dirname(tmp)
            while True:
                try:
                    os.rmdir(folder)
                except OSError:
                    break
                if folder == created_folder:
                    break
                folder = os.path.dirname(folder)

    def _remove_stale(self, folder: str, keep: str, partitioned: bool) -> None:
        """Delete what earlier writes left: every other object of a partition; for an unpartitioned table
        the other files directly in its folder (never the partition folders beside them, nor the
        manifest). Temporary files are removed only when stale (their writer died or left them long
        ago), never while a concurrent writer is still filling one."""
        if partitioned:
            inside = folder.rstrip("/") + "/"  # never a sibling sharing the prefix (p=a vs p=ab)
            entries = [e for e in self.fs.find(folder, detail=True).values() if e["name"].startswith(inside)]
        else:
            entries = [e for e in self.fs.ls(folder, detail=True) if e["type"] == "file"]
        now = time.time()
        stale = []
        for entry in entries:
            path = entry["name"]
            name = path.rsplit("/", 1)[-1]
            if path == keep or name == MANIFEST:  # a partition's own manifest was just written
                continue
            if is_temporary(name) and not is_stale(name, _modified(entry), now):
                continue
            stale.append(path)
        if stale:
            try:
                self.fs.rm(stale)
            except FileNotFoundError:  # a concurrent writer removed some first
                for path in stale:
                    try:
                        self.fs.rm(path)
                    except FileNotFoundError:
                        pass

    def _explain_missing_bucket(self, exc: FileNotFoundError) -> None:
        bucket = self.root.split("/", 1)[0]
        try:
            exists = self.fs.exists(bucket)
        except Exception:
            return
        if not exists:
            raise FileNotFoundError(f"bucket {bucket!r} does not exist at this endpoint: create it, e.g. "
                                    f"mock_pipelines.store.files.s3.ensure_bucket({self.base!r}, ...)") from exc

    # -- reading ------------------------------------------------------------------------------------
    def data_files(self, folder: str) -> list[str]:
        """The ``part-*`` data files directly in ``folder`` (none if it does not exist)."""
        self.check_reachable()
        try:
            entries = self.fs.ls(folder, detail=True)
        except FileNotFoundError:
            return []
        return sorted(e["name"] for e in entries if e["type"] == "file"
                      and e["name"].rsplit("/", 1)[-1].startswith("part-") and format_of(e["name"]))

    def _partition_files(self, dataset: str, table: str) -> dict[str, list[str]]:
        """Every partition holding data → its data files, from one recursive listing."""
        self.check_reachable()
        folder = self.table_path(dataset, table)
        prefix = f"{self.partition_column}="
        try:
            paths = self.fs.find(folder)
        except FileNotFoundError:
            return {}
        found: dict[str, list[str]] = {}
        for path in sorted(paths):
            parent, _, name = path[len(folder) + 1:].rpartition("/")
            if parent.startswith(prefix) and "/" not in parent and name.startswith("part-") and format_of(name):
                found.setdefault(decode_partition_key(parent[len(prefix):]), []).append(path)
        return found

    def has_data(self, dataset: str, table: str) -> bool:
        """Whether the table folder holds a data file, or a partition of the table does."""
        return bool(self.data_files(self.table_path(dataset, table)) or self._partition_files(dataset, table))

    def list_partitions(self, dataset: str, table: str) -> list[str]:
        """Keys of the partitions of a table that hold data, sorted."""
        self.check_reachable()
        return sorted(self._partition_files(dataset, table))

    def read(self, dataset: str, table: str, partition_keys: Sequence[str] | None = None,
             columns: list[str] | None = None, schema: pa.Schema | None = None,
             allow_missing: bool = False) -> pa.Table:
        """Read a table, or only the listed partitions (in that order). ``None`` reads an unpartitioned
        table, or every partition of a partitioned one. A listed partition that was never written is an
        error unless ``allow_missing`` (then it is skipped).

        ``schema`` (the table's Arrow schema) types what is read, whatever the format (see
        :mod:`mock_pipelines.store.files.reading`); without it, CSV and JSON files are typed by the column
        types the table folder's ``_manifest.json`` recorded when this project wrote them."""
        where = f"{dataset}/{table}"
        self.check_reachable()
        if partition_keys is None:
            files = self.data_files(self.table_path(dataset, table))
            if not files:
                files = [f for _, fs in sorted(self._partition_files(dataset, table).items()) for f in fs]
            if not files:
                raise FileNotFoundError(f"no data for {where} under {self.uri(self.root)}")
            return self._read_files(files, columns, self._typing(dataset, table, files, schema))
        keys = list(dict.fromkeys(partition_keys))
        if len(keys) <= 8:  # a few partitions: look in each folder; many: one listing of the table
            by_key = {k: self.data_files(self.partition_path(dataset, table, k)) for k in keys}
        else:
            present = self._partition_files(dataset, table)
            by_key = {k: present.get(k, []) for k in keys}
        missing = [k for k in keys if not by_key[k]]
        files = [f for k in keys for f in by_key[k]]
        if missing and not (allow_missing and files):
            have = self.list_partitions(dataset, table)
            raise FileNotFoundError(
                f"{where}: no data for {len(missing)} of the {len(keys)} partition(s) asked for "
                f"({_some(missing)}) under {self.uri(self.root)}; {len(have)} partition(s) written"
                f"{' (' + _some(have) + ')' if have else ''}")
        if not files:
            return (schema or pa.schema([])).empty_table()
        return self._read_files(files, columns, self._typing(dataset, table, files, schema))

    def landed_hash(self, dataset: str, table: str, partition_key: str | None = None) -> str | None:
        """The content hash the writer recorded for what is landed in the table (or one partition of it):
        from the manifest beside the data, trusted only while its data file is still there with the size
        written. None when nothing trustworthy was recorded (data written by another tool, an older
        manifest, a data file replaced since)."""
        folder = self.table_path(dataset, table) if partition_key is None \
            else self.partition_path(dataset, table, partition_key)
        try:
            recorded = json.loads(self.fs.cat_file(f"{folder}/{MANIFEST}"))
            data_file, content_hash = recorded.get("data_file"), recorded.get("content_hash")
            if not (data_file and content_hash) or self.fs.size(f"{folder}/{data_file}") != recorded.get("bytes"):
                return None
        except (OSError, ValueError, AttributeError):
            return None
        files = self.data_files(folder)
        return content_hash if files == [f"{folder}/{data_file}"] else None

    def read_batches(self, dataset: str, table: str, partition_key: str | None = None,
                     columns: list[str] | None = None, schema: pa.Schema | None = None,
                     batch_rows: int = READ_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The rows of a table (or one partition; ``None``: as :meth:`read`, the table's own files, else every
        partition in key order) batch by batch, never the whole table in memory: Parquet
        row group by row group; CSV block by block (typed by ``schema`` or the manifest's types); JSON
        files (and CSV without types) are read whole, one file at a time, then cut into batches. Typed as :meth:`read`, and with the default ``batch_rows`` cut where
        :meth:`read` cuts its chunks, so a measure of the batches equals the measure of the read table. The files are listed at once (a table or
        partition without data raises ``FileNotFoundError`` here, not when the first batch is asked for);
        they are read while iterating."""
        folder = self.table_path(dataset, table) if partition_key is None \
            else self.partition_path(dataset, table, partition_key)
        files = self.data_files(folder)
        if not files and partition_key is None:  # as read: a table without files of its own, every partition
            files = [f for _, fs in sorted(self._partition_files(dataset, table).items()) for f in fs]
        if not files:
            raise FileNotFoundError(f"no data for {dataset}/{table}"
                                    + (f" partition {partition_key}" if partition_key else "")
                                    + f" under {self.uri(self.root)}")
        return self._batches(files, columns, self._typing(dataset, table, files, schema), batch_rows)

    def _batches(self, files: list[str], columns: list[str] | None, typing: pa.Schema | None,
                 batch_rows: int) -> Iterator[pa.RecordBatch]:
        for path in files:
            with self.fs.open(path, "rb") as fh:
                if (format_of(path) or "parquet") == "parquet":
                    yield from read_parquet_batches(fh, typing, name=self.uri(path), columns=columns,
                                                    batch_rows=batch_rows)
                    continue
                if format_of(path) == "csv" and typing is not None:
                    yield from read_csv_batches(fh, typing, name=self.uri(path), columns=columns,
                                                batch_rows=batch_rows)
                    continue
                data = read_file(fh, format_of(path) or "parquet", typing, name=self.uri(path), columns=columns)
            yield from (data.select(columns) if columns else data).to_batches(max_chunksize=batch_rows)

    def recorded_schema(self, dataset: str, table: str) -> pa.Schema | None:
        """The column types the table folder's manifest recorded (``None``: no manifest, or one written
        before manifests recorded them)."""
        path = f"{self.table_path(dataset, table)}/{MANIFEST}"
        try:
            recorded = json.loads(self.fs.cat_file(path))
        except (OSError, ValueError):
            return None
        return schema_of_types(recorded.get("column_types")) if isinstance(recorded, dict) else None

    def _typing(self, dataset: str, table: str, files: list[str], schema: pa.Schema | None) -> pa.Schema | None:
        """The schema to read ``files`` with: the caller's; else, for text formats, the manifest's."""
        if schema is not None or all(format_of(f) == "parquet" for f in files):
            return schema
        return self.recorded_schema(dataset, table)

    def _read_files(self, files: list[str], columns: list[str] | None, schema: pa.Schema | None) -> pa.Table:
        # Each file is opened once and read through that handle (footer and pages alike): a writer that
        # replaces it meanwhile swaps the name, not what an open handle reads.
        tables = []
        for path in files:
            with self.fs.open(path, "rb") as fh:
                tables.append(read_file(fh, format_of(path) or "parquet", schema, name=self.uri(path),
                                        columns=columns))
        table = pa.concat_tables(tables, promote_options="permissive")
        return table.select(columns) if columns else table


class _RowCounter:
    """Counts rows where no content hash is wanted."""

    rows = 0

    def update(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows

    def hexdigest(self) -> str:
        return ""


def _first_missing(folder: str) -> str:
    """The outermost folder of ``folder`` that does not exist yet (the one to remove after a failure)."""
    missing = folder
    parent = os.path.dirname(missing)
    while parent != missing and not os.path.exists(parent):
        missing, parent = parent, os.path.dirname(parent)
    return missing


def _modified(entry: dict[str, Any]) -> float | None:
    """Modification time (epoch seconds) of an fsspec listing entry: ``mtime`` locally, ``LastModified``
    on S3."""
    value = entry.get("mtime", entry.get("LastModified"))
    if value is None:
        return None
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _some(keys: list[str], n: int = 5) -> str:
    return ", ".join(keys[:n]) + (f", … {len(keys) - n} more" if len(keys) > n else "")


# -- module-level shortcuts -------------------------------------------------------------------------
def write(data: TableSlice, base: str | os.PathLike[str], *, format: str = "parquet",
          partition_column: str = DEFAULT_PARTITION_COLUMN, partition_key: str | None = None,
          **options: Any) -> WriteResult:
    return FileStore(base, format, partition_column, **options).write(data, partition_key)


def read(base: str | os.PathLike[str], dataset: str, table: str, partition_keys: Sequence[str] | None = None,
         *, partition_column: str = DEFAULT_PARTITION_COLUMN, columns: list[str] | None = None,
         schema: pa.Schema | None = None, allow_missing: bool = False, **options: Any) -> pa.Table:
    """Read a table or only ``partition_keys`` of it (format found from the file names)."""
    return FileStore(base, partition_column=partition_column, **options).read(
        dataset, table, partition_keys, columns=columns, schema=schema, allow_missing=allow_missing)


def list_partitions(base: str | os.PathLike[str], dataset: str, table: str, *,
                    partition_column: str = DEFAULT_PARTITION_COLUMN, **options: Any) -> list[str]:
    return FileStore(base, partition_column=partition_column, **options).list_partitions(dataset, table)
