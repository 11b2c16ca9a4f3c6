"""What was written, computed while streaming: an order-sensitive content hash and a small preview.

The content hash is a fingerprint of the *values*, not of the file bytes or of Arrow's memory layout:

* identical for identical rows whatever the batch sizes, dictionary encoding or slicing offsets — and
  whatever the output format, since it is computed from the batches before they are encoded;
* sensitive to row order, column order, column names and (decoded) column types.

Definition (version 1). Each column feeds three xxh3-128 streams, updated batch by batch in row order:
``nulls`` — the global row index (int64 little-endian) of every null; ``lengths`` — for variable-width
values, each value's byte length as int64; ``values`` — the value bytes: fixed-width values in Arrow's
little-endian layout with null slots zeroed, booleans one byte each, strings/binary their UTF-8/raw bytes
concatenated (nulls as empty), other types the JSON text of each value. Because every stream is a plain
concatenation over rows, batch boundaries cannot change it. The final digest is xxh3-128 over a domain tag,
the ``[name, type]`` list as JSON, the row count and every column's three digests, in column order.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from mock_pipelines.core.strings import value_offsets

HASH_VERSION = "mock-pipelines/content/v1"
PREVIEW_ROWS = 5


def _plain(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _byte_width(t: pa.DataType) -> int:
    """Bytes per value of a fixed-width type (ints, floats, dates, times, timestamps, decimals), else 0."""
    if pa.types.is_nested(t) or pa.types.is_boolean(t):
        return 0
    try:
        bits = t.bit_width
    except ValueError:  # variable width
        return 0
    return bits // 8 if bits and bits % 8 == 0 else 0


class _ColumnHasher:
    def __init__(self) -> None:
        self.nulls = xxhash.xxh3_128()
        self.lengths = xxhash.xxh3_128()
        self.values = xxhash.xxh3_128()

    def update(self, arr: pa.Array, start: int) -> None:
        if isinstance(arr, pa.ChunkedArray):
            for chunk in arr.chunks:
                self.update(chunk, start)
                start += len(chunk)
            return
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        t, n = arr.type, len(arr)
        if n == 0:
            return
        valid = None
        if arr.null_count:
            valid = arr.is_valid().to_numpy(zero_copy_only=False)
            self.nulls.update((np.flatnonzero(~valid).astype("<i8") + start).tobytes())
        if pa.types.is_null(t):
            return
        if pa.types.is_boolean(t):
            values = pc.fill_null(arr, False) if valid is not None else arr
            self.values.update(values.to_numpy(zero_copy_only=False).astype(np.uint8).tobytes())
        elif pa.types.is_string_view(t) or pa.types.is_binary_view(t):
            self.update(arr.cast(pa.large_string() if pa.types.is_string_view(t) else pa.large_binary()), start)
        elif (pa.types.is_string(t) or pa.types.is_binary(t) or pa.types.is_large_string(t)
              or pa.types.is_large_binary(t)):
            self._variable(arr, valid)
        elif _byte_width(t):
            self._fixed(arr, _byte_width(t), valid)
        else:  # nested and exotic types: the JSON text of each value (slow, but none are generated today)
            encoded = [json.dumps(v, default=str, sort_keys=True).encode() for v in arr.to_pylist()]
            self.lengths.update(np.array([len(e) for e in encoded], dtype="<i8").tobytes())
            self.values.update(b"".join(encoded))

    def _fixed(self, arr: pa.Array, width: int, valid: np.ndarray | None) -> None:
        n = len(arr)
        buf = arr.buffers()[1]
        if buf is None:
            self.values.update(bytes(n * width))
            return
        raw = np.frombuffer(buf, dtype=np.uint8, count=n * width, offset=arr.offset * width)
        if valid is not None:
            raw = raw.reshape(n, width).copy()
            raw[~valid] = 0
        self.values.update(raw.tobytes() if valid is not None else memoryview(raw))

    def _variable(self, arr: pa.Array, valid: np.ndarray | None) -> None:
        if valid is not None:  # a null slot may span garbage bytes: make it an empty value first
            arr = pc.fill_null(arr, pa.scalar(b"" if pa.types.is_binary(arr.type) or
                                              pa.types.is_large_binary(arr.type) else "", arr.type))
        offsets = value_offsets(arr)
        self.lengths.update(np.diff(offsets).astype("<i8").tobytes())
        data = arr.buffers()[2]
        lo, hi = int(offsets[0]), int(offsets[-1])
        if data is not None and hi > lo:
            self.values.update(memoryview(data)[lo:hi])

    def digest(self) -> bytes:
        return self.nulls.digest() + self.lengths.digest() + self.values.digest()


class ContentHasher:
    """Feed record batches in order; :meth:`hexdigest` is the content hash defined in the module doc."""

    def __init__(self, schema: pa.Schema):
        self.fields = [[f.name, str(_plain(f.type))] for f in schema]
        self.columns = [_ColumnHasher() for _ in schema]
        self.rows = 0

    def update(self, batch: pa.RecordBatch | pa.Table) -> None:
        for hasher, column in zip(self.columns, batch.columns, strict=True):
            hasher.update(column, self.rows)
        self.rows += batch.num_rows

    def hexdigest(self) -> str:
        h = xxhash.xxh3_128(HASH_VERSION.encode())
        h.update(json.dumps(self.fields).encode())
        h.update(self.rows.to_bytes(8, "little"))
        for column in self.columns:
            h.update(column.digest())
        return h.hexdigest()


def content_hash(data: pa.Table | pa.RecordBatch) -> str:
    """The content hash of data already in memory (equal to what a streaming write reports)."""
    hasher = ContentHasher(data.schema)
    hasher.update(data)
    return hasher.hexdigest()


class Preview:
    """Keeps the first ``n`` rows seen."""

    def __init__(self, n: int = PREVIEW_ROWS, names: list[str] | None = None):
        self.n = n
        self.rows: list[dict[str, Any]] = []
        self.names: list[str] = list(names or [])

    def update(self, batch: pa.RecordBatch) -> None:
        if not self.names:
            self.names = list(batch.schema.names)
        if len(self.rows) < self.n:
            self.rows.extend(batch.slice(0, self.n - len(self.rows)).to_pylist())

    def markdown(self) -> str:
        return markdown_table(self.names, self.rows)


def _cell(value: Any, width: int = 40) -> str:
    text = "null" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def markdown_table(names: list[str], rows: list[dict[str, Any]]) -> str:
    """A GitHub-flavoured Markdown table (what Dagster's ``MetadataValue.md`` renders)."""
    if not names:
        return "_no columns_"
    lines = ["| " + " | ".join(_cell(n) for n in names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_cell(row.get(n)) for n in names) + " |" for row in rows]
    if not rows:
        lines.append("\n_no rows_")
    return "\n".join(lines)
