"""Parquet encoded on every usable core, written in order, byte for byte what one writer writes.

Encoding and compressing a batch costs more than generating it (customers: ~0.45 s against ~0.33 s per
million rows on one core), so overlapping generation with one writer leaves the second core half idle
and a table lands at the writer's speed. Here each batch (one row group) is encoded into a one-row-group
Parquet file on a pool thread — Arrow's encoder releases the GIL — while the next batches are generated;
the parts' row-group bytes are appended to the output in batch order and one footer listing them all is
written at the end (:mod:`mock_pipelines.store.files.parquet_footer`). A row group is encoded alone in
both cases, with the layout (:mod:`~mock_pipelines.store.files.parquet_layout`) chosen once from the first
batch, so the file is the same bytes.

Memory is bounded: while the caller generates a batch, at most ``workers - 1`` are being encoded. With one
usable core, :func:`open_writer` returns the plain :class:`BatchWriter`: no threads.
"""

from __future__ import annotations

import io
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from mock_pipelines.store.files.formats import BatchWriter
from mock_pipelines.store.files.parquet_footer import MAGIC, FooterJoiner, split_file
from mock_pipelines.store.files.parquet_layout import LayoutChoices, ParquetLayout, parquet_layout
from mock_pipelines.store.files.prefetch import usable_cores


def open_writer(sink: str | Path | IO[bytes], fmt: str, schema: pa.Schema, compression: str = "zstd",
                workers: int | None = None) -> BatchWriter | ParallelParquetWriter:
    """The writer of ``fmt`` into ``sink``: Parquet on ``workers`` threads (default: the usable cores)
    when there are two or more, else :class:`BatchWriter`."""
    workers = usable_cores() if workers is None else workers
    if fmt == "parquet" and workers >= 2:
        return ParallelParquetWriter(sink, schema, compression, workers)
    return BatchWriter(sink, fmt, schema, compression)


class ParallelParquetWriter:
    """Same interface as :class:`BatchWriter` (``write``, ``close``, ``abort``) for Parquet."""

    def __init__(self, sink: str | Path | IO[bytes], schema: pa.Schema, compression: str, workers: int):
        self.schema = schema
        self.compression = compression
        self.workers = workers
        self._owned = isinstance(sink, (str, Path))
        self.file: Any = open(sink, "wb") if self._owned else sink  # noqa: SIM115 - closed in close/abort
        self._layout: ParquetLayout | None = None  # chosen from the first batch, as one writer chooses it
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future[pa.Buffer]] = deque()
        self._joiner = FooterJoiner()
        self._at = 0

    def _encode(self, batch: pa.RecordBatch) -> pa.Buffer:
        """One batch as a one-row-group Parquet file in Arrow's memory (no copy), with the table's layout:
        choosing it again per batch would cost ~50 ms and could choose otherwise."""
        assert self._layout is not None
        part = pa.BufferOutputStream()
        with pq.ParquetWriter(part, self._layout.schema, **self._layout.options) as writer:
            writer.write_batch(batch)
        return part.getvalue()

    def _append(self, part: pa.Buffer) -> None:
        if not self._at:
            self.file.write(MAGIC)
            self._at = len(MAGIC)
        body, footer = split_file(part)
        self._joiner.add(footer, self._at)
        self.file.write(body)
        self._at += len(body)

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.schema.equals(self.schema, check_metadata=False):
            one = BatchWriter(pa.BufferOutputStream(), "parquet", self.schema, self.compression)
            one.write(batch)  # raises Arrow's own error here, before the caller moves on, as one writer does
        if self._layout is None:
            self._layout = parquet_layout(self.schema, batch, LayoutChoices(compression=self.compression))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="mock-pipelines-encode")
        self._pending.append(self._pool.submit(self._encode, batch))
        # Wait for the oldest until fewer than ``workers`` remain: the caller generates the next batch while
        # one is encoded, and the encoders overlap while it waits. Memory stays at about two batches; on two
        # cores the pace is (generate + encode) ÷ 2 per batch as long as encoding costs more than generating.
        while len(self._pending) >= self.workers:
            self._append(self._pending.popleft().result())

    def close(self) -> None:
        try:
            while self._pending:
                self._append(self._pending.popleft().result())
            if not self._at:  # no rows: the one writer's empty file (schema only)
                empty = BatchWriter(io.BytesIO(), "parquet", self.schema, self.compression)
                empty.close()
                self.file.write(empty.file.getvalue())
            else:
                self.file.write(self._joiner.footer())
        finally:
            self._shutdown()
            if self._owned:
                self.file.close()

    def abort(self) -> None:
        """Give up after a failure: encodings not started are cancelled, running ones awaited (a fraction
        of a second), the file released. Never raises."""
        try:
            self._shutdown()
        finally:
            self._pending.clear()
            if self._owned:
                self.file.close()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
