"""Measure a table while its record batches stream: what the single-table rules need, in bounded memory.

A :class:`TableMeasure` is built from a table's single-table rules (:func:`~mock_pipelines.quality.rules.
derive_rules`) and consumes ``pyarrow.RecordBatch``es one at a time (:meth:`TableMeasure.add`). It keeps:

* the row count, the Arrow type of each column, null counts and the first null rows;
* for value, range, regex and column-pair rules: the count of offending rows and the first offending values,
  from the pyarrow evaluators of :mod:`~mock_pipelines.quality.arrow_checks` applied to each batch;
* for means and standard deviations: count, mean and sum of squared deviations per batch, combined exactly
  (Chan's parallel formula), so the statistic is the one of the whole column, never of a sample;
* for category shares (KL divergence): exact value counts;
* for quantiles: a deterministic bounded sample — the ``SAMPLE_ROWS`` rows with the smallest keyed hash of
  their global row index (bottom-k sampling). Unlike the stratified sample of
  :func:`~mock_pipelines.quality.gx_runner.sample_rows` it needs no row count in advance, and it is the same
  whatever the batch size: a table of at most ``SAMPLE_ROWS`` rows is kept whole;
* for keys and unique columns, exact duplicate detection (see :class:`_Distinct`): a strictly increasing
  run of consecutive integers (a sequence) is kept as one range; other integers and times are kept as
  values, strings and compound keys as 64-bit hashes with their row; above ``SPILL_BYTES`` per column
  these spill to temporary files bucketed by the top bits of the hash, and :meth:`TableMeasure.finish`
  reads one bucket at a time. Rows whose hashes collide are compared on their real values (read again
  from ``source``) before they count, so a hash collision is never reported as a duplicate.

Statistics equal what the whole-table evaluators report: same verdicts, same counts and examples.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.quality import arrow_checks
from mock_pipelines.quality.column_profile import TableProfile
from mock_pipelines.quality.distinct import string_hashes
from mock_pipelines.quality.results import plain
from mock_pipelines.quality.rules import Rule

SAMPLE_ROWS = 1_000_000  # quantile rules look at this many rows at most (the same cap as gx_runner)
SPILL_BYTES = 32 << 20  # duplicate detection keeps this much per column in memory, then spills
BUCKET_BITS = 4  # spilled hashes go to 2**BUCKET_BITS files by their top bits
EXAMPLES = arrow_checks.EXAMPLES
_SAMPLE_KEY = rnd.derive_key("mock_pipelines.quality", "stream-sample")
_PAIR = np.uint64(0x9E3779B97F4A7C15)

BatchSource = Callable[[], Iterable[pa.RecordBatch]]  # reads the same rows again (values of rare duplicates)

# Rules whose outcome is a count of bad rows, evaluated batch by batch with the whole-table evaluators.
ROW_RULES = frozenset({"ExpectColumnValuesToBeInSet", "ExpectColumnValuesToBeBetween",
                       "ExpectColumnValuesToMatchRegex", "ExpectColumnPairValuesAToBeGreaterThanB"})
UNIQUE_RULES = frozenset({"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"})
MOMENT_RULES = frozenset({"ExpectColumnMeanToBeBetween", "ExpectColumnStdevToBeBetween"})
SAMPLE_RULES = frozenset({"ExpectColumnQuantileValuesToBeBetween"})
COUNT_RULES = frozenset({"ExpectColumnKLDivergenceToBeLessThan"})
PLAIN_RULES = frozenset({"ExpectColumnValuesToNotBeNull", "ExpectTableRowCountToEqual",
                         "ExpectTableRowCountToBeBetween", "ExpectColumnProportionOfNonNullValuesToBeBetween",
                         "ExpectColumnValuesToBeInTypeList"})
MEASURABLE = ROW_RULES | UNIQUE_RULES | MOMENT_RULES | SAMPLE_RULES | COUNT_RULES | PLAIN_RULES


def measurable(rule: Rule) -> bool:
    """A derived rule the measure evaluates (user-written expectations and cross-table rules are not)."""
    return rule.expectation in MEASURABLE and not rule.params.get("user")


@dataclass
class _Bad:
    """Offending rows of one row-level rule."""

    count: int = 0
    examples: list[Any] = field(default_factory=list)


@dataclass
class _Moments:
    """Count, mean and sum of squared deviations of a numeric column's non-null values."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, values: np.ndarray) -> None:
        k = len(values)
        if not k:
            return
        mean = float(np.mean(values))
        m2 = float(np.sum((values - mean) ** 2))
        total = self.n + k
        delta = mean - self.mean
        self.mean += delta * k / total
        self.m2 += m2 + delta * delta * self.n * k / total
        self.n = total


class _Spill:
    """Fixed-width records (a numpy structured dtype) kept in memory up to ``limit`` bytes, then in
    ``2**BUCKET_BITS`` temporary files bucketed by the top bits of field ``key``."""

    def __init__(self, dtype: np.dtype, limit: int | None = None):
        self.dtype, self.limit = dtype, SPILL_BYTES if limit is None else limit
        self.parts: list[np.ndarray] = []
        self.bytes = 0
        self.folder: tempfile.TemporaryDirectory[str] | None = None

    def add(self, records: np.ndarray) -> None:
        if not len(records):
            return
        self.parts.append(records)
        self.bytes += records.nbytes
        if self.bytes > self.limit:
            self._spill()

    def _spill(self) -> None:
        """Move what is in memory to the bucket files, one part at a time (no copy of the whole)."""
        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="mock-pipelines-distinct-")
        parts, self.parts, self.bytes = self.parts, [], 0
        while parts:
            records = parts.pop(0)
            bucket = (records["key"].view(np.uint64) >> np.uint64(64 - BUCKET_BITS)).astype(np.int64)
            order = np.argsort(bucket, kind="stable")
            records, bucket = records[order], bucket[order]
            bounds = np.searchsorted(bucket, np.arange(2 ** BUCKET_BITS + 1))
            for b in range(2 ** BUCKET_BITS):
                if bounds[b + 1] > bounds[b]:
                    with open(os.path.join(self.folder.name, f"{b:02d}.bin"), "ab") as fh:
                        records[bounds[b]:bounds[b + 1]].tofile(fh)

    @property
    def spilled(self) -> bool:
        return self.folder is not None

    def buckets(self) -> Iterable[np.ndarray]:
        """All records, one bucket at a time (equal keys are always in the same bucket)."""
        if self.folder is None:
            yield np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=self.dtype)
            return
        if self.parts:
            self._spill()
        for b in range(2 ** BUCKET_BITS):
            path = os.path.join(self.folder.name, f"{b:02d}.bin")
            if os.path.exists(path):
                yield np.fromfile(path, dtype=self.dtype)

    def close(self) -> None:
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None
        self.parts = []


_NUMBERS = np.dtype([("key", np.int64)])
_HASHES = np.dtype([("key", np.uint64), ("row", np.int64)])


def _mix(h: np.ndarray) -> np.ndarray:
    h = h.copy()
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def _column_hash(arr: pa.Array) -> np.ndarray:
    """A 64-bit hash per value of one Arrow array (nulls hash to a fixed value)."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return string_hashes(arr)
    if pa.types.is_decimal(t) or pa.types.is_boolean(t):
        arr = pc.cast(arr, pa.string()) if pa.types.is_decimal(t) else pc.cast(arr, pa.int64())
        return _column_hash(arr)
    if pa.types.is_temporal(t):
        arr = arr.view(pa.int64()) if not pa.types.is_date32(t) else pc.cast(arr.view(pa.int32()), pa.int64())
    if pa.types.is_floating(t):
        values = np.asarray(pc.fill_null(pc.cast(arr, pa.float64()), 0.0)).view(np.uint64)
    else:
        values = np.asarray(pc.fill_null(pc.cast(arr, pa.int64()), 0)).view(np.uint64)
    return _mix(values + _PAIR)


class _Distinct:
    """Exact "does any value (or combination) repeat?" over a stream, in bounded memory."""

    def __init__(self, columns: Sequence[str], numeric: bool):
        self.columns = list(columns)
        self.numeric = numeric  # one integer/time column: values themselves, with the sequence fast path
        self.store = _Spill(_NUMBERS if numeric else _HASHES)
        self.run: tuple[int, int] | None = None  # consecutive integers seen so far, as [lo, hi]
        self.in_run = True  # every value so far extends the run
        self.nonnull = 0

    def add(self, batch: pa.RecordBatch, offset: int) -> None:
        if self.numeric:
            col = batch.column(self.columns[0])
            if pa.types.is_dictionary(col.type):
                col = col.dictionary_decode()
            col = col.drop_null()
            self.nonnull += len(col)
            t = col.type
            if pa.types.is_temporal(t):
                col = col.view(pa.int64()) if not pa.types.is_date32(t) else pc.cast(col.view(pa.int32()), pa.int64())
            a = np.asarray(pc.cast(col, pa.int64()))
            if self.in_run and len(a) and int(a[-1]) - int(a[0]) == len(a) - 1 and \
                    (self.run is None or int(a[0]) == self.run[1] + 1) and bool(np.all(a[1:] > a[:-1])):
                self.run = (int(a[0]) if self.run is None else self.run[0], int(a[-1]))
                return
            if len(a):
                self.in_run = False
                self.store.add(a.view(_NUMBERS))
            return
        arrays = [batch.column(c) for c in self.columns]
        valid = None
        for arr in arrays:
            v = np.asarray(arr.is_valid())
            valid = v if valid is None else valid & v
        h = _column_hash(arrays[0])
        for arr in arrays[1:]:
            h = _mix(h * np.uint64(0x94D049BB133111EB) + _column_hash(arr))
        rows = np.arange(offset, offset + batch.num_rows, dtype=np.int64)
        if valid is not None and not valid.all():
            h, rows = h[valid], rows[valid]
        self.nonnull += len(h)
        rec = np.empty(len(h), dtype=_HASHES)
        rec["key"], rec["row"] = h, rows
        self.store.add(rec)

    def finish(self, source: BatchSource | None) -> tuple[int, list[Any]]:
        """(rows whose value repeats, up to EXAMPLES repeated values)."""
        try:
            return self._numbers() if self.numeric else self._hashes(source)
        finally:
            self.store.close()

    def _numbers(self) -> tuple[int, list[Any]]:
        unexpected = 0
        repeated: list[np.ndarray] = []
        for bucket in self.store.buckets():
            s = np.sort(bucket["key"])
            if not len(s):
                continue
            values, counts = np.unique(s, return_counts=True)
            if self.run is not None:  # each value of the run occurs once more
                counts = counts + ((values >= self.run[0]) & (values <= self.run[1]))
            dup = counts > 1
            unexpected += int(counts[dup].sum())
            repeated.append(values[dup])
        found = np.sort(np.concatenate(repeated)) if repeated else np.zeros(0, np.int64)
        return unexpected, [int(v) for v in found[:EXAMPLES]]

    def _hashes(self, source: BatchSource | None) -> tuple[int, list[Any]]:
        groups: list[np.ndarray] = []  # rows of each group of equal hashes
        for bucket in self.store.buckets():
            if len(bucket) < 2:
                continue
            s = np.sort(bucket["key"])
            if not (s[1:] == s[:-1]).any():  # the usual answer: nothing repeats (no row needed)
                continue
            order = np.argsort(bucket["key"], kind="stable")
            keys, rows = bucket["key"][order], bucket["row"][order]
            same = keys[1:] == keys[:-1]
            if not same.any():
                continue
            starts = np.flatnonzero(np.concatenate([[True], ~same]))
            sizes = np.diff(np.append(starts, len(keys)))
            for s, k in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
                groups.append(rows[s:s + k])
        if not groups:
            return 0, []
        if source is None:  # cannot compare the values: hashes only (a 64-bit collision is ~n²/2⁶⁵ likely)
            groups.sort(key=lambda g: int(g.min()))
            return int(sum(len(g) for g in groups)), [f"row {int(g.min())}" for g in groups[:EXAMPLES]]
        wanted = np.unique(np.concatenate(groups))
        values = _values_at(source, wanted, self.columns)
        unexpected = 0
        firsts: list[tuple[int, Any]] = []
        for g in groups:
            counts: dict[Any, list[int]] = {}
            for r in sorted(int(x) for x in g):
                counts.setdefault(_frozen(values[r]), []).append(r)
            for rows in counts.values():
                if len(rows) > 1:
                    unexpected += len(rows)
                    firsts.append((rows[0], values[rows[0]]))
        firsts.sort(key=lambda x: x[0])
        return unexpected, [v for _, v in firsts[:EXAMPLES]]


def _frozen(value: Any) -> Any:
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


def _values_at(source: BatchSource, rows: np.ndarray, columns: Sequence[str]) -> dict[int, Any]:
    """Values (a dict of columns for several) at global row indices, read again from ``source``."""
    out: dict[int, Any] = {}
    offset = 0
    for batch in source():
        n = batch.num_rows
        lo, hi = np.searchsorted(rows, [offset, offset + n])
        if hi > lo:
            local = pa.array(rows[lo:hi] - offset)
            picked = [pc.take(batch.column(c), local).to_pylist() for c in columns]
            for i, r in enumerate(rows[lo:hi]):
                vals = [plain(p[i]) for p in picked]
                out[int(r)] = vals[0] if len(columns) == 1 else dict(zip(columns, vals, strict=True))
        offset += n
        if offset > rows[-1]:
            break
    return out


class TableMeasure:
    """What the single-table rules of one table (or one partition) need, accumulated batch by batch."""

    def __init__(self, rules: Sequence[Rule], *, sample_rows: int = SAMPLE_ROWS, schema: pa.Schema | None = None,
                 keep: Sequence[str] = (), profile: TableProfile | None = None):
        """``schema``: the columns and types of the rows to come (known even when no batch comes).
        ``keep``: columns kept whole (what user-written expectations read: Great Expectations needs them
        all at once), so they need not be read or generated again. ``profile``: a column profile fed the same
        batches (what the report shows)."""
        self.profile = profile
        self.rules = [r for r in rules if measurable(r)]
        self.keep = list(keep)
        self.kept: list[pa.RecordBatch] = []
        self.sample_cap = sample_rows
        self.rows = 0
        self.types: dict[str, pa.DataType] = {}
        self.nulls: dict[str, int] = {}
        self.null_rows: dict[str, list[int]] = {}
        self.bad: dict[str, _Bad] = {}
        self.moments: dict[str, _Moments] = {}
        self.counts: dict[str, dict[Any, int]] = {}
        self.distinct: dict[str, _Distinct] = {}
        self.sample_columns: list[str] = []
        self._sample: pa.Table | None = None
        self._sample_hashes = np.zeros(0, np.uint64)
        self.columns: set[str] = set()  # what the rules read
        self.seconds = 0.0
        if schema is not None:
            self.types.update({f.name: f.type for f in schema})
        for rule in self.rules:
            kw = rule.gx_kwargs(1 if rule.band is not None else None)
            cols = [c for c in (kw.get("column"), kw.get("column_A"), kw.get("column_B")) if isinstance(c, str)]
            cols += list(kw.get("column_list") or [])
            self.columns.update(cols)
            e = rule.expectation
            if e in ("ExpectColumnValuesToNotBeNull", "ExpectColumnProportionOfNonNullValuesToBeBetween"):
                self.nulls.setdefault(kw["column"], 0)
                self.null_rows.setdefault(kw["column"], [])
            elif e in ROW_RULES:
                self.bad[rule.name] = _Bad()
            elif e in MOMENT_RULES:
                self.moments.setdefault(kw["column"], _Moments())
            elif e in COUNT_RULES:
                self.counts.setdefault(kw["column"], {})
            elif e in SAMPLE_RULES and kw["column"] not in self.sample_columns:
                self.sample_columns.append(kw["column"])
            elif e in UNIQUE_RULES:
                self.distinct[rule.name] = None  # type: ignore[assignment]  # typed on the first batch
            if e in MOMENT_RULES | COUNT_RULES | SAMPLE_RULES:
                self.nulls.setdefault(kw["column"], 0)

    # -- streaming ----------------------------------------------------------------------------------------
    def add(self, batch: pa.RecordBatch) -> None:
        """Account for the next batch (rows follow those of the previous batches)."""
        import time

        started = time.perf_counter()
        offset = self.rows
        names = set(batch.schema.names)
        for f in batch.schema:
            self.types.setdefault(f.name, f.type)
        for col in self.nulls:
            if col in names:
                arr = batch.column(col)
                self.nulls[col] += arr.null_count
                if col in self.null_rows and arr.null_count and len(self.null_rows[col]) < EXAMPLES:
                    idx = pc.indices_nonzero(arr.is_null()).slice(0, EXAMPLES).to_pylist()
                    self.null_rows[col] += [offset + i for i in idx][:EXAMPLES - len(self.null_rows[col])]
        table = None
        for rule in self.rules:
            e = rule.expectation
            kw = rule.gx_kwargs(1 if rule.band is not None else None)
            if e in ROW_RULES:
                if not all(c in names for c in _columns(kw)):
                    continue
                table = table or pa.Table.from_batches([batch])
                _, _, unexpected, examples = arrow_checks.evaluate(rule, table)
                bad = self.bad[rule.name]
                bad.count += int(unexpected or 0)
                bad.examples += examples[:EXAMPLES - len(bad.examples)]
            elif e in UNIQUE_RULES:
                cols = _columns(kw)
                if not all(c in names for c in cols):
                    continue
                d = self.distinct[rule.name]
                if d is None:
                    t = batch.schema.field(cols[0]).type
                    numeric = len(cols) == 1 and (pa.types.is_integer(t) or pa.types.is_temporal(t))
                    d = self.distinct[rule.name] = _Distinct(cols, numeric)
                d.add(batch, offset)
        for col, m in self.moments.items():
            if col in names:
                m.add(_numbers(batch.column(col)))
        for col, counts in self.counts.items():
            if col in names:
                arr = batch.column(col)
                if pa.types.is_dictionary(arr.type):
                    arr = arr.dictionary_decode()
                vc = pc.value_counts(arr.drop_null()).flatten()
                for v, c in zip(vc[0].to_pylist(), vc[1].to_pylist(), strict=True):
                    counts[v] = counts.get(v, 0) + c
        if self.sample_columns:
            self._add_sample(batch, offset, names)
        if self.keep:
            self.kept.append(batch.select([c for c in self.keep if c in names]))
        if self.profile is not None:
            self.profile.add(batch)
        self.rows += batch.num_rows
        self.seconds += time.perf_counter() - started

    def _add_sample(self, batch: pa.RecordBatch, offset: int, names: set[str]) -> None:
        rows = np.arange(offset, offset + batch.num_rows, dtype=np.int64)
        h = rnd.bits(_SAMPLE_KEY, rows)
        full = self._sample is not None and len(self._sample_hashes) >= self.sample_cap
        keep = h < self._sample_hashes.max() if full else np.ones(len(h), dtype=bool)
        if not keep.any():
            return
        cols = {c: arrow_checks.plain_column(pa.Table.from_batches([batch]), c) for c in self.sample_columns
                if c in names}
        picked = pa.table({c: pc.filter(a, pa.array(keep)) for c, a in cols.items()})
        self._sample = picked if self._sample is None else pa.concat_tables([self._sample, picked],
                                                                              promote_options="permissive")
        self._sample_hashes = np.concatenate([self._sample_hashes, h[keep]])
        if len(self._sample_hashes) > 2 * self.sample_cap:
            self._trim()

    def _trim(self) -> None:
        if self._sample is None or len(self._sample_hashes) <= self.sample_cap:
            return
        top = np.argpartition(self._sample_hashes, self.sample_cap - 1)[:self.sample_cap]
        top.sort()  # keep row order
        self._sample = self._sample.take(pa.array(top))
        self._sample_hashes = self._sample_hashes[top]

    def consume(self, batches: Iterable[pa.RecordBatch]) -> TableMeasure:
        for batch in batches:
            self.add(batch)
        return self

    # -- results --------------------------------------------------------------------------------------------
    @property
    def sampled(self) -> bool:
        """Quantile rules look at a sample (more rows than the sample holds)."""
        return self.rows > self.sample_cap

    def sample(self) -> pa.Table:
        self._trim()
        if self._sample is None:
            return pa.table({c: pa.array([], type=pa.float64()) for c in self.sample_columns})
        return self._sample

    def duplicates(self, source: BatchSource | None = None) -> dict[str, tuple[int, list[Any]]]:
        """(rows whose value repeats, examples) of each uniqueness rule; values are compared through
        ``source`` only where 64-bit hashes coincide."""
        out = {}
        for name, d in self.distinct.items():
            out[name] = (0, []) if d is None else d.finish(source)
        return out

    def kept_table(self) -> pa.Table | None:
        """The ``keep`` columns of every row (None when none were asked for or no batch came)."""
        return pa.Table.from_batches(self.kept) if self.keep and self.kept else None

    def close(self) -> None:
        for d in self.distinct.values():
            if d is not None:
                d.store.close()


def _columns(kw: dict[str, Any]) -> list[str]:
    cols = [c for c in (kw.get("column"), kw.get("column_A"), kw.get("column_B")) if isinstance(c, str)]
    return cols + list(kw.get("column_list") or [])


def _numbers(arr: pa.Array) -> np.ndarray:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    arr = arr.drop_null()
    if not pa.types.is_floating(arr.type):
        arr = pc.cast(arr, pa.float64())
    return np.asarray(arr)
