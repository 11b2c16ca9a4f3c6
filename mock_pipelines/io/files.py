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
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mock_pipelines import GENERATOR_VERSION

FORMATS = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl", "json": "json"}
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


def _json_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    # JSON has no decimal type: decimals become numbers; timestamps ISO-8601 strings.
    arrays = []
    for col in batch.columns:
        if pa.types.is_decimal(col.type):
            col = pc.cast(col, pa.float64())
        elif pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S")  # Arrow's %S includes the fraction
        elif pa.types.is_date(col.type):
            col = pc.strftime(col, format="%Y-%m-%d")
        arrays.append(col)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _records_frame(batch: pa.RecordBatch):
    # integer_object_nulls: an integer column with nulls stays integers (7, null), not floats (7.0, null)
    return _json_ready(batch).to_pandas(integer_object_nulls=True)


def _jsonl_lines(batch: pa.RecordBatch) -> str:
    text = _records_frame(batch).to_json(orient="records", lines=True, force_ascii=False)
    return text if text.endswith("\n") or not text else text + "\n"


def dictionary_columns(batch: pa.RecordBatch, sample: int = 65_536, ratio: float = 0.25) -> list[str]:
    """Columns worth Parquet dictionary encoding: already dictionary-typed, or few distinct values in a
    sample of the first batch. Unique columns (keys, emails) skip it: for them it is pure cost."""
    out = []
    head = batch.slice(0, sample)
    for field, column in zip(head.schema, head.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            out.append(field.name)
        elif len(column) and pc.count_distinct(column).as_py() <= ratio * len(column):
            out.append(field.name)
    return out


class _Writer:
    def __init__(self, path: Path, fmt: str, schema: pa.Schema, compression: str = "zstd"):
        self.fmt = fmt
        self.path = path
        self.schema = schema
        self.compression = compression
        self.first = True
        if fmt == "parquet":
            self.sink = None  # opened on the first batch, which decides the dictionary-encoded columns
        elif fmt == "csv":
            self.sink = pacsv.CSVWriter(path, schema)
        else:
            self.sink = open(path, "w", encoding="utf-8")  # noqa: SIM115  (closed in close())
            if fmt == "json":
                self.sink.write("[")

    def _open_parquet(self, batch: pa.RecordBatch | None) -> None:
        use = dictionary_columns(batch) if batch is not None else True
        self.sink = pq.ParquetWriter(self.path, self.schema, compression=self.compression, use_dictionary=use)

    def write(self, batch: pa.RecordBatch) -> None:
        if self.fmt == "parquet" and self.sink is None:
            self._open_parquet(batch)
        if self.fmt in ("parquet", "csv"):
            self.sink.write_batch(batch)
        elif self.fmt == "jsonl":
            self.sink.write(_jsonl_lines(batch))
        elif batch.num_rows:
            body = _records_frame(batch).to_json(orient="records", force_ascii=False)[1:-1]
            self.sink.write(("" if self.first else ",\n") + body)
            self.first = False

    def close(self) -> None:
        if self.fmt == "parquet" and self.sink is None:
            self._open_parquet(None)  # an empty table still gets a valid file with its schema
        if self.fmt == "json":
            self.sink.write("]\n")
        self.sink.close()


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
        writer = _Writer(tmp / f"part-00000.{FORMATS[fmt]}", fmt, schema)
        try:
            for batch in batches:
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
