"""Streaming, atomic file output: one folder per table, Parquet (default), CSV, JSON Lines or JSON.

Each table is written record batch by record batch into a hidden temporary folder next to its final
place, then moved there with a rename, so a reader (or a crash) sees either the previous complete table
or the new complete table. A small manifest beside the data records what produced it; writing a
*different* run over it is refused unless the caller asks to overwrite.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.io.formats import FORMATS, BatchWriter, dictionary_columns
from mock_pipelines.io.prefetch import prefetch

_Writer = BatchWriter  # the writer now lives in formats.py, shared with the fsspec destination
__all__ = ["FORMATS", "MANIFEST", "OutputConflict", "RunIdentity", "WriteResult", "check_target",
           "dictionary_columns", "read_table", "write_table"]

MANIFEST = "_manifest.json"


class OutputConflict(RuntimeError):
    """The target folder holds a different run; nothing was written."""


@dataclass(frozen=True)
class RunIdentity:
    """What makes two runs produce the same bytes: replacing one with the other is safe."""

    dataset: str
    table: str
    spec_hash: str
    seed: int
    scale: float
    locale: str
    format: str
    generator_version: str = GENERATOR_VERSION


@dataclass
class WriteResult:
    table: str
    path: str
    rows: int
    bytes: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def check_target(directory: Path, identity: RunIdentity, overwrite: bool) -> None:
    """Refuse to replace a table folder that holds another run (different spec, seed, scale, …)."""
    manifest = directory / MANIFEST
    if not directory.exists() or overwrite:
        return
    if not manifest.exists():
        if any(directory.iterdir()):
            raise OutputConflict(f"{directory} exists and was not written by mock-pipelines; "
                                 "choose another --out or pass --overwrite")
        return
    existing = json.loads(manifest.read_text())
    mine = asdict(identity)
    differs = [k for k, v in mine.items() if existing.get("identity", {}).get(k) != v]
    if differs:
        raise OutputConflict(f"{directory} holds a different run (differs in {', '.join(differs)}); "
                             "choose another --out or pass --overwrite to replace it")


def write_table(batches: Iterable[pa.RecordBatch], schema: pa.Schema, directory: Path, identity: RunIdentity,
                overwrite: bool = False, progress: Callable[[int], None] | None = None,
                extra_manifest: dict | None = None) -> WriteResult:
    """Stream ``batches`` into ``directory``/part-00000.<ext>, atomically replacing the folder."""
    fmt = identity.format
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    directory = Path(directory)
    check_target(directory, identity, overwrite)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".{directory.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    started = time.perf_counter()
    rows = 0
    try:
        writer = BatchWriter(tmp / f"part-00000.{FORMATS[fmt]}", fmt, schema)
        try:
            for batch in prefetch(batches):
                writer.write(batch)
                rows += batch.num_rows
                if progress:
                    progress(batch.num_rows)
        finally:
            writer.close()
        seconds = time.perf_counter() - started
        size = sum(f.stat().st_size for f in tmp.iterdir())
        manifest = {"identity": asdict(identity), "rows": rows, "bytes": size, "columns": schema.names,
                    **(extra_manifest or {})}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
        _swap_into_place(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return WriteResult(identity.table, str(directory), rows, size, seconds)


def _swap_into_place(new: Path, final: Path) -> None:
    """Move ``new`` to ``final``. An existing folder is moved aside first and removed after the rename."""
    if not final.exists():
        os.replace(new, final)
        return
    old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def read_table(directory: str | Path) -> pa.Table:
    """Read back a table folder written by :func:`write_table` (any format)."""
    directory = Path(directory)
    files = sorted(p for p in directory.iterdir() if p.name.startswith("part-"))
    if not files:
        raise FileNotFoundError(f"no data files in {directory}")
    suffix = files[0].suffix
    if suffix == ".parquet":
        return pa.concat_tables([pq.read_table(f) for f in files])
    if suffix == ".csv":
        return pa.concat_tables([pacsv.read_csv(f) for f in files])
    import pandas as pd

    frames = [pd.read_json(f, lines=suffix == ".jsonl", orient="records") for f in files]
    return pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
