"""Identifiers: sequences, patterned codes, UUIDs (v4 random, v7 time-ordered), hex ids, ULIDs, nano ids
and DOIs.

Also home of the shared vectorised helpers for fixed-width codes used by the other families: check digits
(Luhn, EAN/GTIN, ISO 7064 mod 97-10), ragged strings from a padded byte matrix, fast hex, and pattern
filling with a unique-by-construction mode (a keyed bijection of the row index decomposed into the
pattern's mixed-radix positions).
"""

import datetime as dt
import math
import re
from typing import Annotated

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings
from mock_pipelines.core.facts import Facts, Params
from mock_pipelines.core.generators.datetime import _reference_micros, to_micros
from mock_pipelines.core.registry import ColumnRef, GenContext, ParamError, generator

U64 = np.uint64
_MAX_BIJECTION = 2**62  # widest index domain handed to ctx.unique_index / permute_pow2

# ---- shared helpers ---------------------------------------------------------------------------------------

def _hex_table(alphabet: bytes) -> np.ndarray:
    """uint32 table: entry g holds the four ASCII hex digits of the 16-bit value g, in memory order."""
    g = np.arange(65536)
    digits = np.frombuffer(alphabet, dtype=np.uint8)[np.stack([g >> 12, (g >> 8) & 15, (g >> 4) & 15, g & 15], 1)]
    return np.ascontiguousarray(digits).view(np.uint32).ravel()


_HEX_TABLE = _hex_table(b"0123456789abcdef")
_HEX_TABLE_UPPER = _hex_table(b"0123456789ABCDEF")


def hex16(values: np.ndarray, upper: bool = False) -> np.ndarray:
    """(n, 16) ASCII hex digits of uint64 values, most significant first (a 16-bit table lookup)."""
    groups = np.asarray(values).astype(">u8", copy=False).view(">u2").reshape(len(values), 4)
    table = _HEX_TABLE_UPPER if upper else _HEX_TABLE
    return table[groups].view(np.uint8).reshape(len(values), 16)


def random_hex(ctx: GenContext, nibbles: int, stream: int = 0, upper: bool = False) -> np.ndarray:
    """(n, nibbles) random hex characters: 16 per 64-bit draw, streams stream*64, stream*64+1, ..."""
    words = -(-nibbles // 16)
    parts = [hex16(ctx.bits(stream * 64 + i), upper) for i in range(words)]
    out = parts[0] if words == 1 else np.concatenate(parts, axis=1)
    return out[:, :nibbles]


def ragged_from_matrix(matrix: np.ndarray, keep: np.ndarray) -> pa.Array:
    """Strings made of the bytes of each row of ``matrix`` where ``keep`` is True (same shape), in order.

    Builds variable-length strings (card numbers of 15 or 16 digits, IP addresses, numbers without
    leading zeros) from a padded fixed-width matrix without any per-row Python.
    """
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    keep = np.ascontiguousarray(keep, dtype=bool)
    data = matrix[keep]
    lengths = keep.sum(axis=1, dtype=np.int64)
    offsets = np.zeros(len(matrix) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] < 2**31:
        return pa.Array.from_buffers(pa.string(), len(matrix),
                                     [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)])
    big = pa.Array.from_buffers(pa.large_string(), len(matrix), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return big.cast(pa.string())


LUHN_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def _alternate_columns(m: int) -> tuple[list[int], list[int]]:
    """(columns at odd distance from the check digit, the others): the doubled / weight-3 positions."""
    near = [j for j in range(m) if (m - 1 - j) % 2 == 0]
    return near, [j for j in range(m) if (m - 1 - j) % 2 == 1]


def luhn_check_digit(payload: np.ndarray) -> np.ndarray:
    """Luhn check digits (uint8) for a (n, m) matrix of decimal digit values, the check digit to follow.

    Leading zero columns do not change the result, so payloads of different lengths can be right-aligned
    in one matrix.
    """
    payload = np.asarray(payload, dtype=np.uint8)
    near, far = _alternate_columns(payload.shape[1])
    total = LUHN_DOUBLED[payload[:, near]].sum(axis=1, dtype=np.int32)
    total += payload[:, far].sum(axis=1, dtype=np.int32)
    return ((10 - total % 10) % 10).astype(np.uint8)


def luhn_valid(numbers: np.ndarray) -> np.ndarray:
    """True where a (n, m) matrix of digit values (check digit last) passes the Luhn test."""
    return luhn_check_digit(numbers[:, :-1]) == numbers[:, -1]


def gtin_check_digit(payload: np.ndarray) -> np.ndarray:
    """GS1 (EAN-13, UPC-A, GTIN) check digits for a (n, m) digit matrix: weights 3,1,3,... from the right."""
    payload = np.asarray(payload, dtype=np.uint8)
    near, far = _alternate_columns(payload.shape[1])
    total = 3 * payload[:, near].sum(axis=1, dtype=np.int32) + payload[:, far].sum(axis=1, dtype=np.int32)
    return ((10 - total % 10) % 10).astype(np.uint8)


def mod97(values: np.ndarray, two_digit: np.ndarray | None = None) -> np.ndarray:
    """Remainder mod 97 of numbers written as a (n, m) matrix of values, most significant first.

    Columns flagged in ``two_digit`` hold values 10..35 (letters in ISO 13616) and count as two decimal
    digits; the others are single digits. Horner's rule in int64 on contiguous columns, reducing mod 97
    only every 16 digits.
    """
    columns = np.ascontiguousarray(np.asarray(values).T)
    flags = np.zeros(columns.shape[0], dtype=bool) if two_digit is None else np.asarray(two_digit, dtype=bool)
    acc = np.zeros(columns.shape[1], dtype=np.int64)
    pending = 2  # digits held by acc (below 97 after a reduction)
    for column, wide in zip(columns, flags, strict=True):
        width = 2 if wide else 1
        if pending + width > 18:
            acc %= 97
            pending = 2
        acc *= 100 if wide else 10
        acc += column
        pending += width
    return acc % 97


def int_digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of the decimal digits of non-negative integers, zero-padded on the left."""
    v = np.asarray(values, dtype=np.uint64).copy()
    out = np.empty((len(v), width), dtype=np.uint8)
    for j in range(width - 1, -1, -1):
        out[:, j] = (v % U64(10)).astype(np.uint8)
        v //= U64(10)
    return out


# ---- patterns ---------------------------------------------------------------------------------------------

_RADIX = {"#": 10, "?": 26, "*": 36}


def parse_pattern(fmt: str) -> list[tuple[str, bytes]]:
    """Tokens of a pattern: ('#'|'?'|'*', b'') for placeholders, ('', literal bytes) otherwise.

    A backslash makes the next character literal ("\\#" is a literal '#').
    """
    tokens: list[tuple[str, bytes]] = []
    escaped = False
    for ch in fmt:
        if escaped:
            tokens.append(("", ch.encode("utf-8")))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in _RADIX:
            tokens.append((ch, b""))
        else:
            tokens.append(("", ch.encode("utf-8")))
    if escaped:
        tokens.append(("", b"\\"))
    return tokens


def pattern_capacity(fmt: str) -> int:
    """Number of distinct strings a pattern can produce: 10^#·26^?·36^*."""
    return math.prod(_RADIX[kind] for kind, _ in parse_pattern(fmt) if kind)


def code_matrix(ctx: GenContext, radices: np.ndarray | list[int], stream: int = 0) -> np.ndarray:
    """(n, k) uint8 matrix: column j uniform in [0, radices[j]) (each radix <= 256), row-major and fast.

    Four 16-bit slices of every 64-bit draw; the q = ceil(k/4) draws of a row come from the counters
    row·q .. row·q + q-1 of one stream, so the whole matrix is one contiguous splitmix64 pass.
    """
    radices = np.asarray(radices, dtype=np.uint32)
    n, k = len(ctx), len(radices)
    q = max(1, -(-k // 4))
    counters = (ctx.rows.astype(U64)[:, None] * U64(q) + np.arange(q, dtype=U64)[None, :]).ravel()
    halves = rnd.bits(ctx.key, counters, 7000 + stream).astype("<u8", copy=False).view("<u2").reshape(n, 4 * q)[:, :k]
    return ((halves.astype(np.uint32) * radices) >> np.uint32(16)).astype(np.uint8)


def digit_matrix(ctx: GenContext, count: int, stream: int = 0) -> np.ndarray:
    """(n, count) uint8 matrix of uniform decimal digits."""
    return code_matrix(ctx, np.full(count, 10), stream)


def _mixed_radix(idx: np.ndarray, radices: np.ndarray) -> np.ndarray:
    """(n, k) digits of integers in the mixed radix ``radices`` (most significant first)."""
    out = np.empty((len(idx), len(radices)), dtype=np.uint8)
    idx = idx.astype(U64)
    for j in range(len(radices) - 1, -1, -1):
        if idx.dtype == U64 and math.prod(int(r) for r in radices[: j + 1]) <= 2**32:
            idx = idx.astype(np.uint32)  # 32-bit division is several times faster
        idx, out[:, j] = np.divmod(idx, idx.dtype.type(radices[j]))
    return out


def placeholder_values(ctx: GenContext, kinds: str, stream: int = 0, unique: bool | None = None) -> np.ndarray:
    """(n, len(kinds)) uint8 matrix of placeholder values: '#' → 0..9, '?' → 0..25, '*' → 0..35.

    With unique (default ctx.unique) the values, read as one mixed-radix number, are a keyed bijection of
    the row index (for at most 2^62 combinations: the right-most positions, the others random), so
    distinct rows get distinct values while rows < capacity.
    """
    unique = ctx.unique if unique is None else unique
    radices = np.array([_RADIX[kind] for kind in kinds], dtype=np.int64)
    if not unique:
        return code_matrix(ctx, radices, stream)
    first_bijective, cap = len(kinds), 1
    while first_bijective > 0 and cap * int(radices[first_bijective - 1]) <= _MAX_BIJECTION:
        first_bijective -= 1
        cap *= int(radices[first_bijective])
    tail = _mixed_radix(ctx.unique_index(cap), radices[first_bijective:])
    if first_bijective == 0:
        return tail
    return np.concatenate([code_matrix(ctx, radices[:first_bijective], stream), tail], axis=1)


_KIND_BASE = {"#": 0, "?": 10, "*": 36}
_KIND_TABLE = np.concatenate([strings.DIGITS, strings.UPPER, strings.ALNUM])


def fill_pattern(ctx: GenContext, fmt: str, stream: int = 0, unique: bool | None = None) -> pa.Array:
    """Fill a pattern ('#' digit, '?' upper-case letter, '*' letter or digit) for every row of ctx.

    With unique (default ctx.unique) the placeholders, read as one mixed-radix number, are a keyed
    bijection of the row index, so distinct rows give distinct strings while rows < capacity. Patterns
    with more than 2^62 combinations use the bijection for the right-most positions and random values for
    the others.
    """
    tokens = parse_pattern(fmt)
    template = bytearray()
    columns: list[int] = []
    kinds = ""
    for kind, lit in tokens:
        if kind:
            columns.append(len(template))
            kinds += kind
            template += b"\0"
        else:
            template += lit
    n = len(ctx)
    if not kinds:
        return strings.from_bytes_matrix(np.broadcast_to(np.frombuffer(bytes(template), np.uint8), (n, len(template))))
    values = placeholder_values(ctx, kinds, stream, unique)
    chars = _KIND_TABLE[values + np.array([_KIND_BASE[k] for k in kinds], dtype=np.uint8)]
    if len(kinds) == len(template):
        return strings.from_bytes_matrix(chars)
    out = np.empty((n, len(template)), dtype=np.uint8)
    out[:] = np.frombuffer(bytes(template), np.uint8)
    # Contiguous runs of placeholders are copied as blocks.
    j = 0
    while j < len(columns):
        k = j
        while k + 1 < len(columns) and columns[k + 1] == columns[k] + 1:
            k += 1
        out[:, columns[j]:columns[k] + 1] = chars[:, j:k + 1]
        j = k + 1
    return strings.from_bytes_matrix(out)


# ---- generators -------------------------------------------------------------------------------------------

_PLACEHOLDER_REGEX = {"#": "[0-9]", "?": "[A-Z]", "*": "[A-Z0-9]"}
_HEX = "0-9a-f"


def pattern_regex(fmt: str) -> str:
    """'#' → [0-9], '?' → [A-Z], '*' → [A-Z0-9], anything else literal (a backslash escapes a placeholder)."""
    return "^" + "".join(_PLACEHOLDER_REGEX[kind] if kind else re.escape(lit.decode("utf-8"))
                         for kind, lit in parse_pattern(fmt)) + "$"


def hex_regex(length: int, upper: bool = False) -> str:
    return f"^[{'0-9A-F' if upper else _HEX}]{{{length}}}$"


def _sequence_range(p: Params) -> tuple[int | None, int | None]:
    start, step = p["start"], p["step"]
    return (start, None) if step > 0 else (None, start) if step < 0 else (start, start)


@generator("sequence", category="identifiers", returns="int", example="1001", aliases=("autoincrement", "serial"),
           supports_unique=True, capacity=lambda p, _l: None if int(p.get("step", 1)) != 0 else 1,
           facts=Facts(range=_sequence_range))
def sequence(ctx: GenContext, *, start: int = 1, step: int = 1) -> pa.Array:
    """Consecutive integers start, start+step, ... (row i gets start + i·step): surrogate keys."""
    return pa.array(start + ctx.rows.astype(np.int64) * step, type=pa.int64())


@generator("pattern", category="identifiers", returns="string", example="ORD-4821-KX",
           aliases=("bothify",), supports_unique=True,
           capacity=lambda p, _l: pattern_capacity(str(p.get("format", ""))),
           facts=Facts(regex=lambda p, _l: pattern_regex(str(p["format"]))))
def pattern(ctx: GenContext, *, format: Annotated[str, Field(min_length=1)]) -> pa.Array:
    """Codes from a template: '#' digit, '?' upper-case letter, '*' letter or digit, anything else literal."""
    return fill_pattern(ctx, format)


def _uuid_matrix(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    h = hex16(hi)
    low = hex16(lo)
    out = np.empty((len(hi), 36), dtype=np.uint8)
    dash = ord("-")
    out[:, 0:8] = h[:, 0:8]
    out[:, 8] = dash
    out[:, 9:13] = h[:, 8:12]
    out[:, 13] = dash
    out[:, 14:18] = h[:, 12:16]
    out[:, 18] = dash
    out[:, 19:23] = low[:, 0:4]
    out[:, 23] = dash
    out[:, 24:36] = low[:, 4:16]
    return out


@generator("uuid4", category="identifiers", returns="uuid", example="3f2b8c1e-9a4d-4e7b-b1c2-5d6e7f8a9b0c",
           aliases=("uuid", "guid"), supports_unique=True, capacity=lambda _p, _l: 2**62,
           facts=Facts(regex=lambda _p, _l: f"^[{_HEX}]{{8}}-[{_HEX}]{{4}}-4[{_HEX}]{{3}}-[89ab][{_HEX}]{{3}}-[{_HEX}]{{12}}$"))
def uuid4(ctx: GenContext) -> pa.Array:
    """Random version-4 UUIDs (lower-case, 36 chars), distinct for distinct rows by construction."""
    # 122 free bits: 60 random bits in the high word around the version nibble, and 62 bits in the low
    # word (after the variant bits 10) that are a keyed bijection of the row index: never a collision.
    with np.errstate(over="ignore"):
        hi = (ctx.bits(0) & U64(0xFFFFFFFFFFFF0FFF)) | U64(0x4000)
        lo = rnd.permute_pow2(ctx.rows, 62, ctx.key) | U64(0x8000000000000000)
    return strings.from_bytes_matrix(_uuid_matrix(hi, lo))


@generator("hex_id", category="identifiers", returns="string", example="9f86d081884c7d65",
           aliases=("hex",), supports_unique=True,
           capacity=lambda p, _l: 16 ** int(p.get("length", 16)),
           facts=Facts(regex=lambda p, _l: hex_regex(int(p["length"]), bool(p["upper"]))))
def hex_id(ctx: GenContext, *, length: Annotated[int, Field(ge=1, le=1000)] = 16, upper: bool = False) -> pa.Array:
    """Random hexadecimal identifiers of a fixed length (unique=true makes them distinct by construction)."""
    if length < 1:
        raise ValueError("hex_id length must be at least 1")
    out = random_hex(ctx, length, upper=upper)
    if ctx.unique:
        tail = min(length, 15)  # up to 60 bits of the identifier are a bijection of the row index
        idx = ctx.unique_index(16**tail).astype(U64)
        out[:, length - tail:] = hex16(idx, upper)[:, 16 - tail:]
    return strings.from_bytes_matrix(out)


_CROCKFORD = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)


def _base32(values: np.ndarray, chars: int) -> np.ndarray:
    """(n, chars) Crockford base-32 digits of uint64 values (5 bits per char), most significant first."""
    out = np.empty((len(values), chars), dtype=np.uint8)
    v = values.astype(U64)
    for j in range(chars):
        out[:, j] = _CROCKFORD[((v >> U64(5 * (chars - 1 - j))) & U64(31)).astype(np.intp)]
    return out


@generator("ulid", category="identifiers", returns="string", example="01HV6Z8Q3J4K5M6N7P8Q9R0STV",
           supports_unique=True, capacity=lambda _p, _l: 2**62,
           facts=Facts(regex=lambda _p, _l: r"^[0-9A-HJKMNP-TV-Z]{26}$"))
def ulid(ctx: GenContext, *, start: dt.datetime | dt.date | str = "2020-01-01",
         end: dt.datetime | dt.date | str = "2024-12-31 23:59:59") -> pa.Array:
    """ULIDs (26 Crockford base-32 chars): a millisecond timestamp in [start, end] then 80 random bits."""
    lo_ms = to_micros(start) // 1000
    hi_ms = to_micros(end, end=True) // 1000
    ms = (lo_ms + ctx.integers(max(1, hi_ms - lo_ms + 1), 1)).astype(U64)
    # 80 bits of randomness: 18 random bits, then 62 bits that are a keyed bijection of the row index.
    top = ctx.bits(2) >> U64(46)
    low = rnd.permute_pow2(ctx.rows, 62, ctx.key)
    out = np.empty((len(ctx), 26), dtype=np.uint8)
    out[:, 0:10] = _base32(ms, 10)
    # 80 random bits = 16 chars: first 4 chars from top 18 bits (+2 bits of low), then 12 chars of low.
    first = (top << U64(2)) | (low >> U64(60))
    out[:, 10:14] = _base32(first, 4)
    out[:, 14:26] = _base32(low & U64((1 << 60) - 1), 12)
    return strings.from_bytes_matrix(out)


_UUID7_REGEX = f"^[{_HEX}]{{8}}-[{_HEX}]{{4}}-7[{_HEX}]{{3}}-[89ab][{_HEX}]{{3}}-[{_HEX}]{{12}}$"


def _check_uuid7(p: Params) -> None:
    try:
        start = to_micros(p["start"])
    except (ValueError, OverflowError, TypeError):
        return  # an unreadable date is reported where the schema's dates are checked
    if p["at"] is None and start < 0:
        raise ParamError("start", f"'uuid7': start ({p['start']}) is before 1970-01-01, the first instant a "
                         "version-7 UUID can hold", "use a start of 1970-01-01 or later",
                         expected="a date or time from 1970-01-01")


@generator("uuid7", category="identifiers", returns="uuid", example="01901a3e-8f2c-7b4d-9a1e-5c6d7e8f9a0b",
           supports_unique=True, capacity=lambda _p, _l: 2**62, check=_check_uuid7,
           facts=Facts(regex=lambda _p, _l: _UUID7_REGEX))
def uuid7(ctx: GenContext, *, at: ColumnRef | None = None, start: dt.datetime | dt.date | str = "2020-01-01",
          end: dt.datetime | dt.date | str = "2024-12-31 23:59:59") -> pa.Array:
    """Time-ordered version-7 UUIDs (RFC 9562) of the time in column ``at``, or uniform in [start, end].

    The millisecond fills the first 48 bits and the rest of the microsecond the next 12, so the text order
    is the time order; distinct for distinct rows by construction."""
    if at is not None:
        us, null = _reference_micros(ctx, at)
        us = np.maximum(us, 0)  # times before 1970 have no version-7 form: they take its first millisecond
    else:
        lo, hi = to_micros(start), to_micros(end, end=True)
        us, null = lo + ctx.integers(max(1, hi - lo + 1), 1), None
    ms, sub_ms = np.divmod(us.astype(np.int64), 1000)
    # unix_ts_ms (48) | version 7 (4) | rand_a (12): the fraction of the millisecond, so order holds to the
    # microsecond (RFC 9562 method 3) | variant 10 (2) | rand_b (62): a keyed bijection of the row index.
    with np.errstate(over="ignore"):
        hi_word = ((ms.astype(U64) & U64((1 << 48) - 1)) << U64(16)) | U64(0x7000) \
            | ((sub_ms.astype(U64) * U64(4096)) // U64(1000))
        lo_word = rnd.permute_pow2(ctx.rows, 62, ctx.key) | U64(0x8000000000000000)
    out = strings.from_bytes_matrix(_uuid_matrix(hi_word, lo_word))
    if null is not None and null.any():
        out = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), out)
    return out


# ---- digital object identifiers --------------------------------------------------------------------------

_DOI_REGISTRANTS = 99_999 - 1000 + 1  # registrant codes 1000-99999 (10.1000 … 10.99999)
_DOI_SUFFIX = 36**8
_DOI_CHARS = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


@generator("doi", category="identifiers", returns="string", example="10.1038/k7x2m9qp", supports_unique=True,
           capacity=lambda _p, _l: _DOI_REGISTRANTS * _DOI_SUFFIX,
           facts=Facts(regex=lambda _p, _l: r"^10\.[1-9][0-9]{3,4}/[0-9a-z]{8}$"))
def doi(ctx: GenContext) -> pa.Array:
    """Digital object identifiers '10.<registrant>/<suffix>': a 4-5 digit registrant, an 8-character suffix."""
    if ctx.unique:
        idx = ctx.unique_index(_DOI_REGISTRANTS * _DOI_SUFFIX).astype(U64)
        registrant, suffix = np.divmod(idx, U64(_DOI_SUFFIX))
        chars = _DOI_CHARS[_mixed_radix(suffix, np.full(8, 36))]
    else:
        registrant = ctx.integers(_DOI_REGISTRANTS, 0)
        chars = _DOI_CHARS[code_matrix(ctx, np.full(8, 36), 1)]
    prefix = strings.int_to_str(registrant.astype(np.int64) + 1000)
    return pc.binary_join_element_wise("10.", prefix, "/", strings.from_bytes_matrix(chars), "")


_NANO_ALPHABET = np.frombuffer(b"_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


@generator("nanoid", category="identifiers", returns="string", example="V1StGXR8_Z5jdHi6B-myT",
           supports_unique=True, capacity=lambda p, _l: 64 ** min(int(p.get("size", 21)), 10),
           facts=Facts(regex=lambda p, _l: f"^[A-Za-z0-9_-]{{{int(p['size'])}}}$"))
def nanoid(ctx: GenContext, *, size: Annotated[int, Field(ge=1, le=1000)] = 21) -> pa.Array:
    """URL-safe random ids (NanoID alphabet A-Za-z0-9_-), 21 chars by default; distinct rows, distinct ids."""
    if size < 1:
        raise ValueError("nanoid size must be at least 1")
    out = np.empty((len(ctx), size), dtype=np.uint8)
    for start in range(0, size, 10):
        b = ctx.bits(start)
        for j in range(start, min(size, start + 10)):
            out[:, j] = _NANO_ALPHABET[((b >> U64(6 * (j - start))) & U64(63)).astype(np.intp)]
    # The last (up to) 10 characters encode a keyed bijection of the row index: unique by construction.
    tail = min(size, 10)
    idx = rnd.permute_pow2(ctx.rows, 6 * tail, ctx.key)
    for j in range(tail):
        out[:, size - 1 - j] = _NANO_ALPHABET[((idx >> U64(6 * j)) & U64(63)).astype(np.intp)]
    return strings.from_bytes_matrix(out)
