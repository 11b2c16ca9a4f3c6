"""Vectorised string building on Arrow buffers: no per-row Python.

The workhorse is :func:`from_bytes_matrix`: a (rows, width) uint8 matrix becomes an Arrow string array by
handing Arrow the matrix as its data buffer and an arithmetic offsets buffer. Patterns, phone numbers,
card numbers, hex ids and codes are built this way at memory speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
LOWER = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


def value_offsets(arr: pa.Array) -> np.ndarray:
    """The ``len(arr) + 1`` value offsets of a string or binary array (int32, or int64 for the large types):
    a view of its offsets buffer, from its slice's first value."""
    large = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    dtype = np.dtype("<i8") if large else np.dtype("<i4")
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr) + 1, offset=arr.offset * dtype.itemsize)


def from_bytes_matrix(matrix: np.ndarray) -> pa.StringArray:
    """Rows of a C-contiguous (n, width) uint8 ASCII matrix as an Arrow string array."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    n, width = matrix.shape
    total = n * width
    offset_type = np.int32 if total < 2**31 else np.int64
    offsets = np.arange(0, total + 1, width, dtype=offset_type)
    arrow_type = pa.string() if offset_type is np.int32 else pa.large_string()
    arr = pa.Array.from_buffers(arrow_type, n, [None, pa.py_buffer(offsets), pa.py_buffer(matrix)])
    return arr.cast(pa.string()) if arrow_type != pa.string() else arr


def take(vocabulary: pa.Array, indices: np.ndarray) -> pa.Array:
    """vocabulary[indices] as an Arrow array (strings stay strings; dictionary-free)."""
    return vocabulary.take(pa.array(indices, type=pa.int64()))


def int_to_str(values: np.ndarray | pa.Array, width: int | None = None) -> pa.Array:
    """Integers as decimal strings, left-padded with zeros to ``width`` when given."""
    arr = values if isinstance(values, pa.Array) else pa.array(values)
    out = pc.cast(arr, pa.string())
    if width:
        out = pc.utf8_lpad(out, width=width, padding="0")
    return out


def concat(parts: Sequence[pa.Array | str], sep: str = "") -> pa.Array:
    """Element-wise concatenation of arrays and literal strings (nulls propagate)."""
    length = next((len(p) for p in parts if not isinstance(p, str)), None)
    arrays = []
    for p in parts:
        if isinstance(p, str):
            arrays.append(pa.scalar(p, pa.string()))
        else:
            arrays.append(p if p.type == pa.string() else pc.cast(p, pa.string()))
    if length is None:
        raise ValueError("concat needs at least one array")
    return pc.binary_join_element_wise(*arrays, sep)


def gather_join(dictionary: pa.Array, indices: np.ndarray) -> pa.Array:
    """Row i = dictionary[indices[i, 0]] + dictionary[indices[i, 1]] + … (an (n, parts) index matrix).

    One Arrow take of all the pieces in row order: its data buffer is already the joined rows, so only
    every ``parts``-th offset is kept. Cheaper than a take per part plus an element-wise join. The
    dictionary must not hold nulls."""
    n, parts = indices.shape
    if dictionary.null_count:
        raise ValueError("gather_join needs a dictionary without nulls")
    if dictionary.type != pa.string():
        dictionary = pc.cast(dictionary, pa.string())
    dtype = np.int32 if indices.dtype == np.int32 else np.int64
    flat = pa.array(np.ascontiguousarray(indices, dtype=dtype).reshape(-1))
    if parts == 1:
        return dictionary.take(flat)
    lengths = np.diff(np.frombuffer(dictionary.buffers()[1], dtype=np.int32, count=len(dictionary) + 1,
                                    offset=dictionary.offset * 4))
    longest = int(lengths.max()) if len(lengths) else 0
    if n * parts * longest >= 2**31:
        dictionary = dictionary.cast(pa.large_string())
    taken = pc.take(dictionary, flat, boundscheck=False)
    wide = taken.type == pa.large_string()
    dtype = np.int64 if wide else np.int32
    offsets = np.frombuffer(taken.buffers()[1], dtype=dtype, count=n * parts + 1,
                            offset=taken.offset * np.dtype(dtype).itemsize)
    data = taken.buffers()[2] or pa.py_buffer(b"")
    out = pa.Array.from_buffers(taken.type, n, [None, pa.py_buffer(np.ascontiguousarray(offsets[::parts])), data])
    return out.cast(pa.string()) if wide else out


def pattern(template: str, digit_matrix: np.ndarray, letter_matrix: np.ndarray,
            alnum_matrix: np.ndarray | None = None) -> pa.StringArray:
    """Fill a fixed-width template: '#' → digit, '?' → upper-case letter, '*' → letter or digit, other
    characters literal. The matrices hold random indices per row and position (enough columns for the
    template); they are consumed left to right.
    """
    n = digit_matrix.shape[0]
    raw = template.encode("ascii")
    out = np.empty((n, len(raw)), dtype=np.uint8)
    d = letter = a = 0
    for j, ch in enumerate(raw):
        if ch == ord("#"):
            out[:, j] = DIGITS[digit_matrix[:, d]]
            d += 1
        elif ch == ord("?"):
            out[:, j] = UPPER[letter_matrix[:, letter]]
            letter += 1
        elif ch == ord("*") and alnum_matrix is not None:
            out[:, j] = ALNUM[alnum_matrix[:, a]]
            a += 1
        else:
            out[:, j] = ch
    return from_bytes_matrix(out)


def hex_matrix(values: np.ndarray, nibbles: int) -> np.ndarray:
    """(n, nibbles) ASCII hex digits of uint64 values, most significant first."""
    v = values.astype(np.uint64)
    out = np.empty((len(v), nibbles), dtype=np.uint8)
    for j in range(nibbles):
        shift = np.uint64(4 * (nibbles - 1 - j))
        out[:, j] = HEX[((v >> shift) & np.uint64(0xF)).astype(np.intp)]
    return out


def base36(values: np.ndarray) -> pa.Array:
    """Non-negative integers as lower-case base-36 strings (variable width, shortest form)."""
    v = np.asarray(values, dtype=np.uint64)
    width = 1
    top = int(v.max()) if len(v) else 0
    while 36**width <= top:
        width += 1
    alphabet = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    out = np.empty((len(v), width), dtype=np.uint8)
    rest = v.copy()
    for j in range(width - 1, -1, -1):
        out[:, j] = alphabet[(rest % np.uint64(36)).astype(np.intp)]
        rest //= np.uint64(36)
    fixed = from_bytes_matrix(out)
    if width == 1:
        return fixed
    trimmed = pc.utf8_ltrim(fixed, characters="0")
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar("0"), trimmed)
