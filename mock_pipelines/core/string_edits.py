"""Per-row edits of Arrow strings, vectorised over the UTF-8 bytes: no Python per value.

A string array is a flat byte buffer plus offsets. Every edit here (insert, delete or replace a few bytes at
a per-row position, cut each value at a per-row character, re-encode every byte) is one gather over that buffer:
the output's bytes are computed as indices into the input's, segment by segment, with ``np.repeat``. The defect
kinds of :mod:`mock_pipelines.core.defects.text` are built from these.

Positions are byte offsets inside each value; the caller keeps them on character boundaries (an ASCII byte, or a
position found by :func:`char_offsets`), so the output is valid UTF-8 whenever the input is.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def layout(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data) of a string array without nulls: ``offsets`` (n + 1, int64, absolute into ``data``),
    ``data`` the whole byte buffer (uint8)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    wide = pa.types.is_large_string(values.type)
    _, offsets_buf, data_buf = values.buffers()
    dtype = np.int64 if wide else np.int32
    n = len(values)
    offsets = np.frombuffer(offsets_buf, dtype=dtype)[values.offset:values.offset + n + 1].astype(np.int64) \
        if offsets_buf is not None else np.zeros(n + 1, dtype=np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


def build(lengths: np.ndarray, data: np.ndarray) -> pa.Array:
    """A string array of consecutive values of ``lengths`` bytes each in ``data``."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    wide = offsets[-1] >= 2**31
    arrow_type = pa.large_string() if wide else pa.string()
    offsets_buf = pa.py_buffer(offsets if wide else offsets.astype(np.int32))
    out = pa.Array.from_buffers(arrow_type, len(lengths), [None, offsets_buf, pa.py_buffer(np.ascontiguousarray(data))])
    return out  # a chunk above 2 GiB of text stays large_string: the engine casts a damage to its column's type


def gather_segments(source: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The bytes ``source[starts[i]:starts[i] + lengths[i]]`` for every i, concatenated, without a loop."""
    lengths = lengths.astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.uint8)
    out_starts = np.cumsum(lengths) - lengths
    index = np.repeat(starts.astype(np.int64) - out_starts, lengths) + np.arange(total, dtype=np.int64)
    return source[index]


def splice(values: pa.Array, at: np.ndarray, remove: np.ndarray, insert: np.ndarray,
           insert_lengths: np.ndarray) -> pa.Array:
    """Each value with ``remove[i]`` bytes at byte ``at[i]`` replaced by the first ``insert_lengths[i]`` bytes of
    row i of the (n, width) uint8 matrix ``insert``. ``values`` must hold no nulls."""
    offsets, data = layout(values)
    n = len(values)
    starts, lengths = offsets[:-1], np.diff(offsets)
    at = np.asarray(at, dtype=np.int64)
    remove = np.asarray(remove, dtype=np.int64)
    insert = np.ascontiguousarray(insert, dtype=np.uint8)
    insert_lengths = np.asarray(insert_lengths, dtype=np.int64)
    source = np.concatenate([data, insert.reshape(-1)])
    # Three segments per row, in order: the prefix, the inserted bytes, the suffix.
    seg_starts = np.stack([starts, len(data) + np.arange(n, dtype=np.int64) * insert.shape[1], starts + at + remove],
                          axis=1).reshape(-1)
    seg_lengths = np.stack([at, insert_lengths, lengths - at - remove], axis=1).reshape(-1)
    return build(seg_lengths.reshape(n, 3).sum(axis=1), gather_segments(source, seg_starts, seg_lengths))


def recode_bytes(values: pa.Array, table: np.ndarray, table_lengths: np.ndarray) -> pa.Array:
    """Every byte b of every value replaced by the first ``table_lengths[b]`` bytes of ``table[b]`` (a (256, w)
    uint8 matrix): an encoding mistake applied to the whole buffer at once."""
    offsets, data = layout(values)
    body = data[offsets[0]:offsets[-1]]
    per_byte = table_lengths[body].astype(np.int64)
    cumulative = np.concatenate([[0], np.cumsum(per_byte)])
    at = cumulative[:-1]  # where each input byte's replacement starts in the output
    out = np.empty(int(cumulative[-1]), dtype=np.uint8)
    for j in range(table.shape[1]):  # the j-th byte of every replacement that has one: a few scatters
        has = per_byte > j if j else slice(None)
        out[at[has] + j] = table[body[has], j]
    lengths = np.diff(cumulative[offsets - offsets[0]])
    return build(lengths, out)


def pick(mask: np.ndarray, offsets: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each value, one byte position (inside the value) where ``mask`` (over the whole data buffer) holds,
    chosen by ``draws`` (uniform in [0, 1), one per value): (found, position); position 0 where none holds."""
    counts_before = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    count = counts_before[offsets[1:]] - counts_before[offsets[:-1]]
    found = count > 0
    k = np.minimum(np.floor(draws * count).astype(np.int64), np.maximum(count - 1, 0))
    hits = np.flatnonzero(mask)
    global_index = np.where(found, counts_before[offsets[:-1]] + k, 0)
    position = np.where(found, hits[np.minimum(global_index, max(len(hits) - 1, 0))] if len(hits) else 0, 0)
    return found, np.where(found, position - offsets[:-1], 0)


def char_offsets(values: pa.Array, chars: np.ndarray) -> np.ndarray:
    """The byte offset, inside each value, where its character number ``chars[i]`` starts (the value's byte
    length when ``chars[i]`` is its character count). ``values`` must hold no nulls."""
    offsets, data = layout(values)
    starts_char = (data & 0xC0) != 0x80  # a byte that is not a UTF-8 continuation byte starts a character
    counts_before = np.concatenate([[0], np.cumsum(starts_char, dtype=np.int64)])
    n_chars = counts_before[offsets[1:]] - counts_before[offsets[:-1]]
    hits = np.flatnonzero(starts_char)
    chars = np.asarray(chars, dtype=np.int64)
    inside = chars < n_chars
    global_index = np.minimum(counts_before[offsets[:-1]] + chars, max(len(hits) - 1, 0))
    at = hits[global_index] - offsets[:-1] if len(hits) else np.zeros(len(values), dtype=np.int64)
    return np.where(inside, at, np.diff(offsets))


def without_nulls(values: pa.Array) -> pa.Array:
    """Plain strings with nulls as "" (an edit is computed for every row; the nulls are put back after)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return pc.fill_null(values, "") if values.null_count else values


def with_nulls_of(edited: pa.Array, original: pa.Array) -> pa.Array:
    """``edited`` with a null wherever ``original`` is null: a missing value has nothing to damage."""
    if not original.null_count:
        return edited
    return pc.if_else(pc.is_null(original), pa.nulls(len(edited), edited.type), edited)


__all__ = ["build", "char_offsets", "gather_segments", "layout", "pick", "recode_bytes", "splice", "with_nulls_of",
           "without_nulls"]
