"""Streaming, atomic file output: one folder per table, Parquet (default), CSV, JSON Lines or JSON.

Each table is written through the same writer as the Dagster IO manager
(:meth:`mock_pipelines.store.files.store.FileStore.write_folder`): record batches go into a hidden
temporary file inside the table folder, which then replaces ``part-00000.<ext>`` with one rename, so a
reader (or a crash) sees either the previous complete table or the new complete table, also while other
writers replace it. The same ``_manifest.json`` beside the data records what produced it, whoever wrote
it; writing a *different* run over it is refused unless the caller asks to overwrite.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from mock_pipelines.store.files.formats import FORMATS, format_of
from mock_pipelines.store.files.manifest import (
    OutputConflict,
    RunIdentity,
    check_target,
    is_stale,
    read_manifest,
)
from mock_pipelines.store.files.reading import read_file, schema_of_types
from mock_pipelines.store.files.store import FileStore
from mock_pipelines.store.protocol import WriteResult


def write_table(batches: Iterable[pa.RecordBatch], schema: pa.Schema, directory: Path, identity: RunIdentity,
                overwrite: bool = False, progress: Callable[[int], None] | None = None,
                extra_manifest: dict | None = None) -> WriteResult:
    """Stream ``batches`` into ``directory``/part-00000.<ext>, atomically replacing the table.

    Raises :class:`OutputConflict` (nothing written) when ``directory`` holds another run and not
    ``overwrite``, and :class:`LandingError` (one line) when the folder cannot be written."""
    fmt = identity.format
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    directory = Path(directory).absolute()
    check_target(directory, identity, overwrite)
    partitions = _partition_folders(directory)  # a partitioned run's table, replaced (--overwrite) by a whole one
    started = time.perf_counter()
    result = FileStore(directory.parent, fmt).write_folder(
        str(directory), schema, batches, identity=identity, progress=progress, extra_manifest=extra_manifest,
        hash_content=False)  # nothing here reports it; the Dagster path records it as metadata
    seconds = time.perf_counter() - started
    for folder in partitions:  # after the new file is in place: readers never find an empty table
        shutil.rmtree(folder, ignore_errors=True)
    remove_legacy_temporaries(directory)
    return replace(result, seconds=seconds)  # the whole replacement, clean-up included


def _partition_folders(directory: Path) -> list[Path]:
    """The partition folders (``<column>=<key>``) of a table folder whose manifest says it is partitioned."""
    try:
        manifest = read_manifest(directory)
    except OutputConflict:
        return []
    if not manifest or not manifest.get("partitioned"):
        return []
    column = manifest.get("partition_column") or ""
    return [p for p in directory.iterdir() if column and p.is_dir() and p.name.startswith(f"{column}=")]


def remove_legacy_temporaries(directory: Path) -> None:
    """Remove the hidden ``.{table}.tmp-*`` / ``.{table}.old-*`` folders that the earlier folder-swapping
    writer left beside ``directory`` when it was killed, once stale (see
    :func:`mock_pipelines.store.files.manifest.is_stale`)."""
    try:
        siblings = list(directory.parent.glob(f".{directory.name}.*-*"))
    except OSError:
        return
    for path in siblings:
        try:
            if path.is_dir() and is_stale(path.name, path.stat().st_mtime):
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def read_table(directory: str | Path, schema: pa.Schema | None = None) -> pa.Table:
    """Read back a table folder written by :func:`write_table` or the Dagster IO manager (any format),
    typed by ``schema`` (the table's Arrow schema), else by the column types its manifest recorded.

    The manifest names the data file; a writer that replaces the table in another format at that very
    moment can remove the file named by the manifest just read, so that case is retried."""
    directory = Path(directory)
    for attempt in range(5):
        try:
            return _read_once(directory, schema)
        except FileNotFoundError:
            if attempt == 4 or not directory.is_dir():
                raise
            time.sleep(0.01)
    raise AssertionError("unreachable")


def _read_once(directory: Path, schema: pa.Schema | None) -> pa.Table:
    try:
        manifest = read_manifest(directory) or {}
    except OutputConflict:
        manifest = {}
    named = manifest.get("data_file")
    if schema is None:
        schema = schema_of_types(manifest.get("column_types"))
    if named and (directory / named).is_file():
        files = [directory / named]
    else:
        files = sorted(p for p in directory.iterdir() if p.name.startswith("part-") and format_of(p.name))
    if not files:
        raise FileNotFoundError(f"no data files in {directory}")
    tables = []
    for path in files:
        with open(path, "rb") as fh:  # one handle per file: a concurrent replace cannot mix two versions
            tables.append(read_file(fh, format_of(path.name) or "parquet", schema, name=str(path)))
    return pa.concat_tables(tables, promote_options="permissive")

