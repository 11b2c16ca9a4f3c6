"""Exact "does any value (or combination of values) repeat?" over a stream of record batches, in bounded memory.

A :class:`StreamDistinct` sees each batch once. One integer or time column is kept as its values; strings,
other types and compound keys as one 64-bit hash per row (:func:`batch_hashes`). A strictly increasing run
of consecutive integers (a sequence, the usual primary key) is kept as one range and costs nothing more.

Keys are not sorted while they stream: each batch is split by a bucket id (the top ``BUCKET_BITS`` bits of
the hash, or of a mix of the integer value) with one radix pass, and every bucket grows by appending. Equal
keys always share a bucket, so :meth:`StreamDistinct.finish` judges one bucket at a time (small, cache-sized
work, on every core) instead of one sort of the whole column after the last batch. Above ``SPILL_BYTES``
per column the buckets are appended to a temporary file, so memory does not grow with the rows.

Distinct hashes prove distinct values, so the usual answer — nothing repeats — needs no value. When hashes
coincide, the rows holding them are found and their values compared by reading the rows again (``source``),
so a hash collision is never reported as a duplicate.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.quality.distinct import native, string_hashes
from mock_pipelines.quality.results import plain

SPILL_BYTES = 8 << 20  # keys kept in memory per column before they go to the spill file
BUCKET_BITS = 8  # 256 buckets: ~40k keys each for 10M rows, judged in the CPU cache
EXAMPLES = 5  # repeated values reported (the row-level rules' examples cap)
_PAIR = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - BUCKET_BITS)
_IOV_MAX = 1024  # buffers one os.writev takes (Linux's IOV_MAX)
SLOT_BITS = 20  # at most 2**20 slots (8 MiB of counts) to count the keys of one bucket in

BatchSource = Callable[[], Iterable[pa.RecordBatch]]  # reads the same rows again (values of rare duplicates)


def mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a copy of ``h`` (uint64)."""
    h = h.copy()
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def column_hash(arr: pa.Array) -> np.ndarray:
    """A 64-bit hash per value of one Arrow array (nulls hash to a fixed value)."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return string_hashes(arr)
    if pa.types.is_decimal(t) or pa.types.is_boolean(t):
        arr = pc.cast(arr, pa.string()) if pa.types.is_decimal(t) else pc.cast(arr, pa.int64())
        return column_hash(arr)
    if pa.types.is_temporal(t):
        arr = arr.view(pa.int64()) if not pa.types.is_date32(t) else pc.cast(arr.view(pa.int32()), pa.int64())
    if pa.types.is_floating(t):
        values = np.asarray(pc.fill_null(pc.cast(arr, pa.float64()), 0.0)).view(np.uint64)
    else:
        values = np.asarray(pc.fill_null(pc.cast(arr, pa.int64()), 0)).view(np.uint64)
    return mix(values + _PAIR)


def batch_hashes(batch: pa.RecordBatch, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """(hash of each row whose ``columns`` are all non-null, those rows' positions or None for all rows)."""
    arrays = [batch.column(c) for c in columns]
    h = column_hash(arrays[0])
    for arr in arrays[1:]:
        h = mix(h * np.uint64(0x94D049BB133111EB) + column_hash(arr))
    if not any(a.null_count for a in arrays):
        return h, None
    valid = np.ones(batch.num_rows, dtype=bool)
    for arr in arrays:
        valid &= np.asarray(arr.is_valid())
    where = np.flatnonzero(valid)
    return h[where], where


def integer_values(col: pa.Array) -> np.ndarray:
    """The non-null values of an integer or time column as int64."""
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    col = col.drop_null()
    t = col.type
    if pa.types.is_temporal(t):
        col = col.view(pa.int64()) if not pa.types.is_date32(t) else pc.cast(col.view(pa.int32()), pa.int64())
    return np.asarray(pc.cast(col, pa.int64()))


def split(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(``keys`` grouped by their bucket ids, in their order within a bucket; the size of each bucket).
    Compiled where the ``_hashing`` module was built (a counting sort: ~5 ns a key at 10M rows); else a NumPy
    radix sort of one byte and a gather, with the same result."""
    if native is not None:
        grouped = np.empty_like(keys)
        counts = np.empty(1 << BUCKET_BITS, dtype=np.int64)
        native.split_by_bucket(np.ascontiguousarray(keys), np.ascontiguousarray(ids, dtype=np.uint8), grouped, counts)
        return grouped, counts
    return keys[np.argsort(ids, kind="stable")], np.bincount(ids, minlength=1 << BUCKET_BITS)


class Buckets:
    """Fixed-width keys partitioned into ``2**BUCKET_BITS`` buckets by a bucket id: in memory up to ``limit``
    bytes, then appended to one unnamed temporary file (grouped by bucket, a system call per thousand parts,
    so a bucket is read back with one positioned read per spill)."""

    def __init__(self, dtype: np.dtype | type, limit: int | None = None):
        self.dtype = np.dtype(dtype)
        self.limit = SPILL_BYTES if limit is None else limit
        self.parts: list[list[np.ndarray]] = [[] for _ in range(1 << BUCKET_BITS)]
        self.bytes = 0
        self._file: Any = None  # the spill file, deleted by the system when closed
        self._spills: list[np.ndarray] = []  # per spill: the byte offset of each bucket's run, and the end
        self._end = 0

    def add(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Add ``keys`` (of ``dtype``) whose bucket ids (uint8) are ``ids``."""
        if not len(keys):
            return
        grouped, counts = split(keys, ids)
        ends = np.cumsum(counts)
        for b in np.flatnonzero(counts).tolist():
            self.parts[b].append(grouped[ends[b] - counts[b]:ends[b]])
        self.bytes += grouped.nbytes
        if self.bytes > self.limit:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="mock-pipelines-distinct-")  # noqa: SIM115  (kept open across spills; closed by close())
        counts = np.array([sum(len(p) for p in parts) for parts in self.parts], dtype=np.int64)
        # in bucket order, a thousand parts a system call and no second copy of the keys (a write per part
        # through the file's buffer cost ~12 ms per spill of 8 MiB; this ~2)
        pieces = [memoryview(part).cast("B") for parts in self.parts for part in parts]
        fd = self._file.fileno()
        for at in range(0, len(pieces), _IOV_MAX):
            _write_all(fd, pieces[at:at + _IOV_MAX])
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts * self.dtype.itemsize, out=offsets[1:])
        self._spills.append(offsets + self._end)
        self._end += int(offsets[-1])
        self.parts = [[] for _ in range(1 << BUCKET_BITS)]
        self.bytes = 0

    @property
    def spilled(self) -> bool:
        return self._file is not None

    def _on_disk(self, b: int) -> bool:
        return any(o[b + 1] > o[b] for o in self._spills)

    def bucket(self, b: int) -> np.ndarray:
        """Every key of bucket ``b`` (read from the spill file and memory), in no particular order."""
        parts = [np.frombuffer(os.pread(self._file.fileno(), int(o[b + 1] - o[b]), int(o[b])), dtype=self.dtype)
                 for o in self._spills if o[b + 1] > o[b]] + self.parts[b]
        if not parts:
            return np.zeros(0, dtype=self.dtype)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def map(self, judge: Callable[[np.ndarray], Any]) -> Iterator[Any]:
        """``judge`` applied to each non-empty bucket, on as many threads as there are cores (NumPy's counts
        and sorts release the GIL; this runs after the last batch, beside the writer finishing its last row group)."""
        filled = [b for b in range(1 << BUCKET_BITS) if self.parts[b] or self._on_disk(b)]
        workers = min(len(filled), os.cpu_count() or 1, 4)
        if workers <= 1:
            yield from (judge(self.bucket(b)) for b in filled)
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="distinct") as pool:
            yield from pool.map(lambda b: judge(self.bucket(b)), filled)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._spills, self._end = [], 0
        self.parts = [[] for _ in range(1 << BUCKET_BITS)]
        self.bytes = 0


def _write_all(fd: int, pieces: list[memoryview]) -> None:
    """Write ``pieces`` in order at the end of ``fd`` (``os.writev`` may write less than asked)."""
    first = 0
    while first < len(pieces):
        done = os.writev(fd, pieces[first:])
        while first < len(pieces) and done >= len(pieces[first]):
            done -= len(pieces[first])
            first += 1
        if done:  # the rest of a piece written in part
            pieces[first] = pieces[first][done:]


def _repeated_hashes(keys: np.ndarray) -> np.ndarray:
    """The hashes that occur more than once in ``keys`` (uint64; one bucket: their top ``BUCKET_BITS`` bits agree).

    Equal hashes have equal bits, so each key is first counted in a slot picked by the bits below the bucket
    id, in a table of 8 to 16 slots a key (a power of two; ``np.bincount``): a key alone in its slot occurs
    once. Only the keys that share a slot are sorted and compared whole: among random hashes, one key in 8
    to 16 (one in 14 for the ~40k keys of a bucket at 10M rows). Counting costs ~8 ns a key where sorting
    the bucket cost ~20 ns (as 32-bit integers; ~36 as 64-bit ones), NumPy on the 2-core machine of
    docs/performance.md. Values that really repeat (a failing rule) all share slots: then most of the bucket
    is sorted, as before.

    Where the compiled ``_hashing`` module was built, one pass through an open-addressing set of the keys
    does it instead, in 11-22 bytes a key where the table of counts and the gathers around it take ~40-50:
    at 100M rows (~390k keys a bucket, two threads) the settle's peak memory went from 55 to 25 MiB. Only when a
    sixteenth of the keys or more repeat (a failing rule) does it fall back to counting and sorting."""
    if len(keys) < 2:
        return keys[:0]
    if native is not None:
        out = np.empty(len(keys) // 16 + 16, dtype=keys.dtype)  # room for the repeats of a passing rule
        found = native.repeated_keys(np.ascontiguousarray(keys), out)
        if found >= 0:
            return np.unique(out[:found])
    bits = min(SLOT_BITS, max(8, (8 * len(keys) - 1).bit_length()))
    slot = ((keys << np.uint64(BUCKET_BITS)) >> np.uint64(64 - bits)).astype(np.intp)
    shared = np.bincount(slot, minlength=1 << bits)[slot] > 1
    if not shared.any():
        return keys[:0]
    s = np.sort(keys[shared])
    same = s[1:] == s[:-1]
    return np.unique(s[1:][same]) if same.any() else s[:0]


class StreamDistinct:
    """Exact duplicate detection of one column (or a combination) over a stream."""

    def __init__(self, columns: Sequence[str], numeric: bool):
        self.columns = list(columns)
        self.numeric = numeric  # one integer/time column: values themselves, with the sequence fast path
        self.store = Buckets(np.int64 if numeric else np.uint64)
        self.run: tuple[int, int] | None = None  # consecutive integers seen so far, as [lo, hi]
        self.in_run = True  # every value so far extends the run
        self.nonnull = 0
        self._settled: Any = None  # what settle() found

    def add(self, batch: pa.RecordBatch) -> None:
        if self.numeric:
            a = integer_values(batch.column(self.columns[0]))
            self.nonnull += len(a)
            if self.in_run and len(a) and int(a[-1]) - int(a[0]) == len(a) - 1 and \
                    (self.run is None or int(a[0]) == self.run[1] + 1) and bool(np.all(a[1:] > a[:-1])):
                self.run = (int(a[0]) if self.run is None else self.run[0], int(a[-1]))
                return
            if len(a):
                self.in_run = False
                self.store.add(a, (mix(a.view(np.uint64)) >> _SHIFT).astype(np.uint8))
            return
        h, _ = batch_hashes(batch, self.columns)
        self.nonnull += len(h)
        self.store.add(h, (h >> _SHIFT).astype(np.uint8))

    def settle(self) -> None:
        """Judge the buckets now (the last batch has come): what needs no second read of the rows. Called on
        the measuring thread as soon as the stream ends, so it overlaps the writer's own finishing."""
        if self._settled is not None:
            return
        if self.numeric:
            self._settled = self._numbers()
            self.store.close()
            return
        found = [r for r in self.store.map(_repeated_hashes) if len(r)]
        self._settled = np.sort(np.concatenate(found)) if found else np.zeros(0, np.uint64)
        if not found:
            self.store.close()

    def finish(self, source: BatchSource | None) -> tuple[int, list[Any]]:
        """(rows whose value repeats, up to EXAMPLES repeated values)."""
        try:
            self.settle()
            if self.numeric:
                return self._settled  # type: ignore[return-value]
            return self._hashes(self._settled, source)  # type: ignore[arg-type]
        finally:
            self.store.close()

    def _numbers(self) -> tuple[int, list[Any]]:
        run = self.run

        def judge(keys: np.ndarray) -> tuple[int, np.ndarray]:
            s = np.sort(keys)
            in_run = (s >= run[0]) & (s <= run[1]) if run is not None else None
            if not (s[1:] == s[:-1]).any() and (in_run is None or not in_run.any()):
                return 0, s[:0]
            values, counts = np.unique(s, return_counts=True)
            if run is not None:  # each value of the run occurs once more
                counts = counts + ((values >= run[0]) & (values <= run[1]))
            dup = counts > 1
            return int(counts[dup].sum()), values[dup]

        unexpected = 0
        repeated: list[np.ndarray] = []
        for count, values in self.store.map(judge):
            unexpected += count
            repeated.append(values)
        found = np.sort(np.concatenate(repeated)) if repeated else np.zeros(0, np.int64)
        return unexpected, [int(v) for v in found[:EXAMPLES]]

    def _hashes(self, repeated: np.ndarray, source: BatchSource | None) -> tuple[int, list[Any]]:
        if not len(repeated):  # the usual answer: no hash repeats, so no value does
            return 0, []
        if source is None:  # cannot compare the values: hashes only (a 64-bit collision is ~n²/2⁶⁵ likely)
            return self._hash_groups_only(repeated)
        unexpected = 0
        firsts: list[tuple[int, Any]] = []
        for rows in self._rows_by_value(source, repeated).values():
            if len(rows) > 1:
                unexpected += len(rows)
                firsts.append(rows[0])
        firsts.sort(key=lambda x: x[0])
        return unexpected, [v for _, v in firsts[:EXAMPLES]]

    def _hash_groups_only(self, repeated: np.ndarray) -> tuple[int, list[Any]]:
        counts = np.zeros(len(repeated), np.int64)
        for keys in self.store.map(lambda k: k):
            hit = np.isin(keys, repeated)
            if hit.any():
                idx = np.searchsorted(repeated, keys[hit])
                np.add.at(counts, idx, 1)
        return int(counts.sum()), [f"{int(c)} rows share hash {int(h):#018x}" for h, c in
                                   zip(repeated[:EXAMPLES], counts[:EXAMPLES], strict=True)]

    def _rows_by_value(self, source: BatchSource, repeated: np.ndarray) -> dict[Any, list[tuple[int, Any]]]:
        """The (row, value) pairs whose hash is one of ``repeated``, grouped by their real value, in row order:
        one more read of the rows, only when hashes coincide."""
        groups: dict[Any, list[tuple[int, Any]]] = {}
        offset = 0
        for batch in source():
            h, where = batch_hashes(batch, self.columns)
            hit = np.flatnonzero(np.isin(h, repeated))
            if len(hit):
                local = hit if where is None else where[hit]
                picked = [pc.take(batch.column(c), pa.array(local)).to_pylist() for c in self.columns]
                for i, r in enumerate(local.tolist()):
                    vals = [plain(p[i]) for p in picked]
                    value = vals[0] if len(self.columns) == 1 else dict(zip(self.columns, vals, strict=True))
                    groups.setdefault(_frozen(value), []).append((offset + r, value))
            offset += batch.num_rows
        return groups


def _frozen(value: Any) -> Any:
    return tuple(sorted(value.items())) if isinstance(value, dict) else value
