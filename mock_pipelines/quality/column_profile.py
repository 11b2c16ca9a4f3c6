"""The column profile of a table, measured batch by batch in bounded memory, mergeable across partitions.

A :class:`TableProfile` is fed ``pyarrow.RecordBatch``es one at a time (:meth:`TableProfile.add`: what the
check step's measuring thread does while the IO manager writes, and what the report does when it has to
read data back). What it keeps, per column:

* exact: rows, nulls, min/max of numbers and times, mean and standard deviation (count, mean and sum of
  squared deviations per batch, combined with Chan's formula), text length min/max (byte lengths from the
  offsets when the text is ASCII);
* exact value counts of dictionary-encoded columns (their indices counted with ``np.bincount``) and of
  booleans, while a column has at most :data:`COUNT_CAP` distinct values (past the cap they are dropped);
* what costs a hash or a comparison per row — the distinct values and min/max of plain text, the distinct
  values of plain numbers — is not measured on every row (about 10 ms per million rows and column, more
  than the whole profile's budget): it is read from the sample below, exact when the sample holds every
  row, marked as estimated otherwise;
* a bounded sample of whole rows (at most :data:`SAMPLE_ROWS`): the rows are cut into blocks of ``2**level``
  consecutive rows, ``level`` the smallest that leaves at most ``SAMPLE_ROWS`` blocks, and one row of each
  block is chosen by a keyed hash of the block. The choice is nested (the row chosen at ``level + 1`` is
  one of the two chosen at ``level``), so the sample depends only on the rows, never on the batch sizes.
  Charts and the top values of a column past the cap are drawn from it, marked as sampled.

:meth:`TableProfile.state` is a JSON-serialisable dict (typed values as base64 Arrow IPC) and
:meth:`TableProfile.from_state` reads it back; :meth:`TableProfile.merged` combines the profiles of the
partitions of a table: every exact figure is that of the union, the samples are thinned to one density.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.quality.batch_summary import BatchSummary, ColumnSummary, Moments, weighted_sum

COUNT_CAP = 10_000  # exact value counts are kept while a column has at most this many distinct values
SAMPLE_ROWS = 8_192  # the row sample holds at most this many rows (one per block)
STATE_VERSION = 1
_SAMPLE_KEY = rnd.derive_key("mock_pipelines.quality", "profile-sample")


def plain_type(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def is_textual(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def decoded(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary-encoded column decoded (value counts and min/max then see the values)."""
    if pa.types.is_dictionary(arr.type):
        return pa.chunked_array([c.dictionary_decode() for c in arr.chunks], type=arr.type.value_type)
    return arr


def orderable(t: pa.DataType) -> bool:
    return is_numeric(t) or pa.types.is_temporal(t) or pa.types.is_boolean(t) or is_textual(t)


def _countable(t: pa.DataType) -> bool:
    return not (pa.types.is_nested(t) or pa.types.is_null(t) or pa.types.is_float16(t))


# ---- one column ------------------------------------------------------------------------------------------

class ColumnProfile:
    """The exact figures of one column (see the module docstring)."""

    def __init__(self, type_: pa.DataType):
        self.type = plain_type(type_)
        self.rows = self.nulls = 0
        self.n, self.mean, self.m2 = 0, 0.0, 0.0  # non-null numeric values
        self.min: Any = None
        self.max: Any = None
        self.length_min: int | None = None
        self.length_max: int | None = None
        # value -> count while at most COUNT_CAP distinct; None past the cap (or for an uncountable type)
        self.counts: dict[Any, int] | None = {} if _countable(self.type) else None
        self._dictionary: pa.Array | None = None  # the last dictionary seen and its values as Python objects
        self._dictionary_values: list[Any] = []

    # -- streaming ----------------------------------------------------------------------------------------
    def add(self, arr: pa.Array, summary: ColumnSummary | None = None) -> None:
        """Account for the next batch of the column (``summary``: its extremes and moments, when the rules
        read them too)."""
        n = len(arr)
        self.rows += n
        self.nulls += arr.null_count
        if n == arr.null_count or not _countable(self.type):
            return
        if pa.types.is_dictionary(arr.type):
            used, counts = self._dictionary_counts(arr)
            values = arr.dictionary.take(pa.array(used))  # the distinct values of the batch
            self._extremes(values)
            if is_textual(self.type):
                self._lengths(values)
            if is_numeric(self.type):
                self._weighted_moments(values, counts)
            return
        self.counts = None if not pa.types.is_boolean(self.type) else self.counts  # counted from the sample
        if is_textual(self.type):  # comparing or hashing every string costs ~10 ms per million rows
            self._lengths(arr)
            return
        summary = summary if summary is not None else ColumnSummary(arr)
        self._extremes(arr, summary)
        if pa.types.is_boolean(self.type) and self.counts is not None:
            true = pc.sum(arr).as_py() or 0
            for v, c in ((False, n - arr.null_count - true), (True, true)):
                if c:
                    self.counts[v] = self.counts.get(v, 0) + c
        elif is_numeric(self.type):
            self._combine(summary.moments())

    def _dictionary_counts(self, arr: pa.DictionaryArray) -> tuple[np.ndarray, np.ndarray]:
        """The dictionary positions the batch uses and how often (the generator's vocabularies share one
        dictionary across batches; a new one is converted once)."""
        indices = arr.indices
        if indices.null_count:
            indices = indices.drop_null()
        per_entry = np.bincount(np.asarray(indices), minlength=len(arr.dictionary))
        used = np.flatnonzero(per_entry)
        counts = per_entry[used]
        if self.counts is not None:
            if self._dictionary is None or (self._dictionary is not arr.dictionary
                                            and not self._dictionary.equals(arr.dictionary)):
                self._dictionary, self._dictionary_values = arr.dictionary, arr.dictionary.to_pylist()
            values = self._dictionary_values
            for i, c in zip(used.tolist(), counts.tolist(), strict=True):
                v = values[i]
                self.counts[v] = self.counts.get(v, 0) + c
            self._check_cap()
        return used, counts

    def _lengths(self, arr: pa.Array) -> None:
        """Text length min/max: the byte lengths (from the offsets alone) when the bytes are ASCII, else the
        UTF-8 character lengths."""
        data = arr.buffers()[2]
        ascii_only = data is None or not len(data) or int(np.frombuffer(data, np.uint8).max()) < 0x80
        lengths = pc.binary_length(arr) if ascii_only else pc.utf8_length(arr)
        mm = pc.min_max(lengths)
        self._take_lengths(mm["min"].as_py(), mm["max"].as_py())

    def _check_cap(self) -> None:
        if self.counts is not None and len(self.counts) > COUNT_CAP:
            self.counts = None

    def _extremes(self, arr: pa.Array, summary: ColumnSummary | None = None) -> None:
        if not orderable(self.type):
            return
        mm = summary.extremes() if summary is not None else pc.min_max(arr)
        self._take_extremes(mm["min"].as_py(), mm["max"].as_py())

    def _take_extremes(self, lo: Any, hi: Any) -> None:
        if lo is not None and (self.min is None or lo < self.min):
            self.min = lo
        if hi is not None and (self.max is None or hi > self.max):
            self.max = hi

    def _take_lengths(self, lo: int | None, hi: int | None) -> None:
        if lo is not None and (self.length_min is None or lo < self.length_min):
            self.length_min = lo
        if hi is not None and (self.length_max is None or hi > self.length_max):
            self.length_max = hi

    def _weighted_moments(self, values: pa.Array, weights: np.ndarray) -> None:
        """Count, mean and squared deviations of a batch given as its distinct ``values`` and their counts."""
        if not pa.types.is_floating(values.type):
            values = pc.cast(values, pa.float64(), safe=False)  # an int beyond 2**53 rounds; it does not raise
        v = np.asarray(values, dtype=np.float64)
        w = weights.astype(np.float64)
        k = int(weights.sum())
        if not k:
            return
        mean = weighted_sum(v, w) / k
        self._combine(Moments(k, mean, weighted_sum((v - mean) ** 2, w)))

    def _combine(self, batch: Moments) -> None:
        self.n, self.mean, self.m2 = Moments(self.n, self.mean, self.m2).combined(batch)

    # -- merging and state ----------------------------------------------------------------------------
    def merge(self, other: ColumnProfile) -> None:
        self.rows += other.rows
        self.nulls += other.nulls
        self._combine(Moments(other.n, other.mean, other.m2))
        self._take_extremes(other.min, other.max)
        self._take_lengths(other.length_min, other.length_max)
        if self.counts is None or other.counts is None:
            self.counts = None
        else:
            for v, c in other.counts.items():
                self.counts[v] = self.counts.get(v, 0) + c
            self._check_cap()

    def state(self) -> dict[str, Any]:
        extremes = pa.table({"v": pa.array([self.min, self.max], type=self.type)}) if orderable(self.type) \
            else None
        counts = None
        if self.counts is not None:
            counts = pa.table({"v": pa.array(list(self.counts), type=self.type),
                               "n": pa.array(list(self.counts.values()), type=pa.int64())})
        return {"type": _pack_type(self.type), "rows": self.rows, "nulls": self.nulls, "n": self.n,
                "mean": self.mean, "m2": self.m2, "extremes": _pack(extremes), "length_min": self.length_min,
                "length_max": self.length_max, "counts": _pack(counts)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ColumnProfile:
        out = cls(_unpack_type(state["type"]))
        out.rows, out.nulls, out.n = int(state["rows"]), int(state["nulls"]), int(state["n"])
        out.mean, out.m2 = float(state["mean"]), float(state["m2"])
        out.length_min, out.length_max = state.get("length_min"), state.get("length_max")
        extremes = _unpack(state.get("extremes"))
        if extremes is not None:
            out.min, out.max = extremes.column("v").to_pylist()
        counts = _unpack(state.get("counts"))
        out.counts = None if counts is None else dict(zip(counts.column("v").to_pylist(),
                                                          counts.column("n").to_pylist(), strict=True))
        return out

    # -- results --------------------------------------------------------------------------------------
    @property
    def std(self) -> float | None:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else None

    def frequencies(self) -> list[tuple[Any, int]] | None:
        """Every value with its count, in value order (None past the cap)."""
        if self.counts is None:
            return None
        items = list(self.counts.items())
        try:
            items.sort(key=lambda kv: kv[0])
        except TypeError:  # values that do not compare: as first seen
            pass
        return items


# ---- the row sample ---------------------------------------------------------------------------------------

def sample_level(rows: int, cap: int = SAMPLE_ROWS) -> int:
    """The smallest level whose blocks of ``2**level`` rows number at most ``cap``."""
    level = 0
    while (rows + (1 << level) - 1) >> level > cap:
        level += 1
    return level


def chosen_rows(level: int, blocks: np.ndarray) -> np.ndarray:
    """The row chosen in each block of ``2**level`` rows: from the block down, one half per level, by a
    keyed hash of (level, block) — so the row chosen at ``level + 1`` is one of the two chosen at ``level``."""
    idx = blocks.astype(np.uint64)
    for lv in range(level, 0, -1):
        bit = rnd.bits(_SAMPLE_KEY, idx, stream=lv) >> np.uint64(63)
        idx = idx * np.uint64(2) + bit
    return idx.astype(np.int64)


def _rows_at_level(rows: np.ndarray, level: int) -> np.ndarray:
    """Which of ``rows`` (sorted global row indices) are the chosen row of their block at ``level``."""
    return chosen_rows(level, rows >> level) == rows


# ---- a table ----------------------------------------------------------------------------------------------

class TableProfile:
    """The profile of a table (or one partition), accumulated batch by batch."""

    def __init__(self, schema: pa.Schema | None = None):
        self.rows = 0
        self.columns: dict[str, ColumnProfile] = {}
        self.level: int | None = 0  # None: a merge of partitions (its sample is thinned, not chosen further)
        self._sample: list[pa.RecordBatch] = []
        self._sample_rows = np.zeros(0, np.int64)
        self._schema: pa.Schema | None = None
        if schema is not None:
            for f in schema:
                self.columns[f.name] = ColumnProfile(f.type)
            self._schema = _plain_schema(schema)

    @classmethod
    def of(cls, batches: Iterable[pa.RecordBatch], schema: pa.Schema | None = None) -> TableProfile:
        out = cls(schema)
        for batch in batches:
            out.add(batch)
        return out

    @classmethod
    def of_table(cls, table: pa.Table, batch_rows: int = 1_000_000) -> TableProfile:
        return cls.of(table.to_batches(max_chunksize=batch_rows), table.schema)

    def add(self, batch: pa.RecordBatch, summary: BatchSummary | None = None) -> None:
        """Account for the next batch (its rows follow those of the previous batches; ``summary``: the
        batch's extremes and moments, shared with the rules measured beside the profile)."""
        if self._schema is None:
            self._schema = _plain_schema(batch.schema)
        for i, (f, arr) in enumerate(zip(batch.schema, batch.columns, strict=True)):
            col = self.columns.get(f.name)
            if col is None:
                col = self.columns[f.name] = ColumnProfile(f.type)
            col.add(arr, summary.column(i) if summary is not None else None)
        self._add_sample(batch)
        self.rows += batch.num_rows

    def _add_sample(self, batch: pa.RecordBatch) -> None:
        start, end = self.rows, self.rows + batch.num_rows
        if end == start:
            return
        level = sample_level(end)
        assert self.level is not None, "a merged profile is not fed batches"
        if level != self.level:
            self._thin(lambda rows: _rows_at_level(rows, level))
            self.level = level
        blocks = np.arange(start >> level, ((end - 1) >> level) + 1, dtype=np.int64)
        picked = chosen_rows(level, blocks)
        picked = picked[(picked >= start) & (picked < end)]
        if len(picked):
            self._sample.append(_plain_batch(batch.take(pa.array(picked - start)), self._schema))
            self._sample_rows = np.concatenate([self._sample_rows, picked])

    def _thin(self, keep_rows: Any) -> None:
        if not len(self._sample_rows):
            return
        keep = keep_rows(self._sample_rows)
        table = self.sample().filter(pa.array(keep))
        self._sample = table.to_batches()
        self._sample_rows = self._sample_rows[keep]

    # -- results ---------------------------------------------------------------------------------------
    def sample(self) -> pa.Table:
        """The sampled rows (every row of a table of at most ``SAMPLE_ROWS`` rows), dictionaries decoded."""
        schema = self._schema if self._schema is not None else pa.schema([])
        if not self._sample:
            return schema.empty_table()
        return pa.Table.from_batches(self._sample, schema=schema)

    @property
    def sampled(self) -> bool:
        """Whether the sample holds fewer rows than the table."""
        return len(self._sample_rows) < self.rows

    def values(self, column: str) -> pa.ChunkedArray | None:
        """The sampled values of ``column`` (all its values when the table is not sampled)."""
        sample = self.sample()
        return sample.column(column) if column in sample.column_names else None

    # -- merging and state --------------------------------------------------------------------------------
    @classmethod
    def merged(cls, parts: Sequence[TableProfile]) -> TableProfile:
        """The profile of the union of ``parts`` (partitions of one table, in order). Exact figures are those
        of the union; each part's sample is thinned to the level of the union's row count, so every part is
        sampled at the same density, and the rows are numbered as in the union."""
        out = cls()
        out.level = None
        level = sample_level(sum(p.rows for p in parts))
        samples: list[pa.Table] = []
        rows: list[np.ndarray] = []
        for part in parts:
            for name, col in part.columns.items():
                if name in out.columns:
                    out.columns[name].merge(col)
                else:
                    out.columns[name] = ColumnProfile.from_state(col.state())
            if out._schema is None:
                out._schema = part._schema
            sample, at = part.sample(), part._sample_rows
            if part.level is not None and part.level < level:
                keep = _rows_at_level(at, level)
                sample, at = sample.filter(pa.array(keep)), at[keep]
            if sample.num_rows:
                samples.append(sample)
                rows.append(at + out.rows)
            out.rows += part.rows
        if samples:
            table = pa.concat_tables(samples, promote_options="permissive")
            out._schema = table.schema
            out._sample = table.to_batches()
            out._sample_rows = np.concatenate(rows)
        return out

    def merge(self, other: TableProfile) -> TableProfile:
        """The profile of these rows followed by ``other``'s (see :meth:`merged`)."""
        return TableProfile.merged([self, other])

    def state(self) -> dict[str, Any]:
        """A JSON-serialisable copy (bounded: the sample and at most ``COUNT_CAP`` counts per column)."""
        sample = self.sample()
        return {"version": STATE_VERSION, "rows": self.rows, "level": self.level,
                "columns": {name: col.state() for name, col in self.columns.items()},
                "sample": _pack(sample.append_column("__row", pa.array(self._sample_rows, pa.int64()))
                                if sample.num_columns else None)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TableProfile:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"a profile state of version {state.get('version')!r}; expected {STATE_VERSION}")
        out = cls()
        out.rows, out.level = int(state["rows"]), state.get("level")
        out.columns = {name: ColumnProfile.from_state(c) for name, c in state["columns"].items()}
        sample = _unpack(state.get("sample"))
        if sample is not None:
            out._sample_rows = sample.column("__row").to_numpy()
            sample = sample.drop_columns(["__row"])
            out._schema = sample.schema
            out._sample = sample.to_batches()
        return out


# ---- helpers ----------------------------------------------------------------------------------------------

def _plain_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, plain_type(f.type)) for f in schema])


def _plain_batch(batch: pa.RecordBatch, schema: pa.Schema | None) -> pa.RecordBatch:
    arrays = [a.dictionary_decode() if pa.types.is_dictionary(a.type) else a for a in batch.columns]
    out = pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
    return out.cast(schema) if schema is not None and out.schema != schema else out


def _pack(table: pa.Table | None) -> str | None:
    """A table as base64 Arrow IPC (typed values survive JSON)."""
    if table is None:
        return None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue().to_pybytes()).decode("ascii")


def _unpack(text: str | None) -> pa.Table | None:
    if not text:
        return None
    return pa.ipc.open_stream(base64.b64decode(text)).read_all()


def _pack_type(t: pa.DataType) -> str | None:
    return _pack(pa.schema([("t", t)]).empty_table())


def _unpack_type(text: str | None) -> pa.DataType:
    table = _unpack(text)
    return table.schema.field("t").type if table is not None else pa.null()
