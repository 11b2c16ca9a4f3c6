"""Check-digit schemes recomputed on written values: what ``Facts(checksum=…)`` names beside a generator
and what the ``checksum__<col>`` quality rule verifies on every non-null value.

A scheme reads the values as one byte matrix (separators — spaces, ``-`` and ``+`` — removed; one row per
value, left-aligned, zero-padded) and says, for each row, whether its check digits are the ones the scheme
computes from the rest. A value of the wrong length or with a character the scheme does not allow fails.
Everything is column-wise NumPy over the bytes: no Python loop runs per value. The computations are written
from the published definitions, apart from the generators' own, so a generator bug shows as failing rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MAX_WIDTH = 64  # longer values fail every scheme; the matrix is never wider
_SEPARATOR_BYTES = np.frombuffer(b" +-", dtype=np.uint8)
_LUHN_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)


@dataclass(frozen=True)
class Checksum:
    """One scheme: ``valid(chars, lengths)`` → bool per row, for ``chars`` (n, width) uint8 and ``lengths``."""

    name: str
    title: str  # the scheme in words, for rule descriptions and the docs
    valid: Callable[[np.ndarray, np.ndarray], np.ndarray]


CHECKSUMS: dict[str, Checksum] = {}


def _scheme(name: str, title: str) -> Callable[[Callable[[np.ndarray, np.ndarray], np.ndarray]],
                                               Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    def register(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        CHECKSUMS[name] = Checksum(name, title, fn)
        return fn
    return register


def get(name: str) -> Checksum:
    return CHECKSUMS[name]


# ---- strings → byte matrix ----------------------------------------------------------------------------------

def byte_matrix(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """((n, width) uint8 left-aligned and zero-padded, lengths) of a string array, separators removed.
    Lengths above :data:`MAX_WIDTH` are kept (so the value fails) but only the first bytes are copied."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    values = values.cast(pa.large_string())
    data_buf = values.buffers()[2]
    if data_buf is not None:
        present = np.bincount(np.frombuffer(data_buf, dtype=np.uint8), minlength=256)[_SEPARATOR_BYTES]
        for sep, count in zip(_SEPARATOR_BYTES, present, strict=True):
            if count:  # a literal replace: several times faster than one regular expression
                values = pc.replace_substring(values, chr(sep), "")
    n = len(values)
    lengths = pc.fill_null(pc.binary_length(values), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    _, offsets_buf, data_buf = values.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[values.offset:values.offset + n + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None and data_buf.size else np.zeros(1, np.uint8)
    width = int(min(lengths.max(initial=0), MAX_WIDTH))
    if n and width and values.null_count == 0 and int(lengths.min()) == width:  # one length: a reshape
        start = int(offsets[0])
        return data[start:start + n * width].reshape(n, width).copy(), lengths
    chars = np.zeros((n, width), dtype=np.uint8, order="F")  # contiguous columns, read one by one
    starts = offsets[:-1]
    last = max(len(data) - 1, 0)
    for j in range(width):  # one column at a time: n-sized temporaries only
        chars[:, j] = np.where(lengths > j, data[np.minimum(starts + j, last)], 0)
    return chars, lengths


def valid(name: str, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Whether each value carries valid check digits under scheme ``name`` (null where the value is null)."""
    if isinstance(values, pa.ChunkedArray):
        return pa.chunked_array([valid(name, c) for c in values.chunks], type=pa.bool_())
    chars, lengths = byte_matrix(values)
    ok = CHECKSUMS[name].valid(chars, lengths) if len(values) else np.zeros(0, dtype=bool)
    return pa.array(ok, type=pa.bool_(), mask=values.is_null().to_numpy(zero_copy_only=False))


# ---- character classes --------------------------------------------------------------------------------------

def _fixed(chars: np.ndarray, lengths: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(the first ``width`` columns, rows of exactly that length)."""
    ok = lengths == width
    if chars.shape[1] < width:
        return np.zeros((len(chars), width), dtype=np.uint8), np.zeros(len(chars), dtype=bool)
    return chars[:, :width], ok


def _digits(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(digit values as int64, all of them digits) of a byte matrix."""
    d = chars.astype(np.int64) - ord("0")
    return d, np.all((d >= 0) & (d <= 9), axis=1)


def _alnum_value(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(0-9 for digits, 10-35 for A-Z, as int64; whether each byte is one of them)."""
    c = chars.astype(np.int64)
    digit = (c >= 48) & (c <= 57)
    letter = (c >= 65) & (c <= 90)
    return np.where(digit, c - 48, np.where(letter, c - 55, 0)), digit | letter


_ALNUM_VALUE = np.full(256, -1, dtype=np.int64)  # 0-9 for digits, 10-35 for A-Z
_ALNUM_VALUE[np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)] = np.arange(36)


def _digit_sum(x: np.ndarray) -> np.ndarray:
    return x // 100 + (x // 10) % 10 + x % 10


# ---- schemes --------------------------------------------------------------------------------------------------

def _luhn_total(d: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Luhn sum of variable-length digit rows (left-aligned; the last digit of each row is the check)."""
    total = np.zeros(len(d), dtype=np.int64)
    odd_length = lengths % 2 == 1
    for j in range(d.shape[1]):  # column by column: n-sized temporaries only
        doubled = odd_length if j % 2 else ~odd_length  # an odd distance from the last digit
        total += np.where(doubled, _LUHN_DOUBLED[np.clip(d[:, j], 0, 9)], d[:, j])  # non-digits fail elsewhere
    return total


def _digits_of_length(chars: np.ndarray, lengths: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """(digit values, 0 past the end of a row; rows of lo..hi digits only) of variable-length rows."""
    d = np.zeros(chars.shape, dtype=np.int64, order="F")  # contiguous columns
    ok = (lengths >= lo) & (lengths <= hi)
    for j in range(chars.shape[1]):
        v = chars[:, j].astype(np.int64) - ord("0")
        inside = lengths > j
        digit = (v >= 0) & (v <= 9)
        ok &= digit | ~inside
        d[:, j] = np.where(inside & digit, v, 0)
    return d, ok


@_scheme("luhn", "Luhn (mod 10)")
def _luhn(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    d, ok = _digits_of_length(chars, lengths, 2, MAX_WIDTH)
    return ok & (_luhn_total(d, lengths) % 10 == 0)


@_scheme("npi", "Luhn over the 80840 prefix (NPI)")
def _npi(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 10)
    d, digits = _digits(chars)
    prefixed = np.concatenate([np.tile(np.array([8, 0, 8, 4, 0]), (len(d), 1)), d], axis=1)
    return ok & digits & (_luhn_total(prefixed, np.full(len(d), 15)) % 10 == 0)


@_scheme("gs1", "GS1 mod 10 (weights 3, 1 from the right)")
def _gs1(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    d, ok = _digits_of_length(chars, lengths, 8, 18)
    total = np.zeros(len(d), dtype=np.int64)
    odd_length = lengths % 2 == 1
    for j in range(d.shape[1]):
        total += d[:, j] * np.where(odd_length if j % 2 else ~odd_length, 3, 1)
    return ok & (total % 10 == 0)


@_scheme("isbn10", "ISBN-10 mod 11 (check character 0-9 or X)")
def _isbn10(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 10)
    d, digits = _digits(chars[:, :9])
    last = chars[:, 9].astype(np.int64)
    check = np.where(last == ord("X"), 10, last - ord("0"))
    ok &= digits & (check >= 0) & (check <= 10)
    return ok & (((d * np.arange(10, 1, -1)).sum(axis=1) + check) % 11 == 0)


_VIN_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate("0123456789"):
    _VIN_VALUE[ord(_c)] = _i
for _letters, _start in (("ABCDEFGH", 1), ("JKLMN", 1), ("P", 7), ("R", 9), ("STUVWXYZ", 2)):
    for _i, _c in enumerate(_letters):
        _VIN_VALUE[ord(_c)] = _start + _i
_VIN_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


@_scheme("vin", "VIN check digit (ISO 3779, North American mod 11)")
def _vin(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 17)
    values = _VIN_VALUE[chars]
    ok &= np.all(values >= 0, axis=1)
    expected = (values * _VIN_WEIGHTS).sum(axis=1) % 11
    check = chars[:, 8].astype(np.int64)
    return ok & (np.where(expected == 10, ord("X"), expected + ord("0")) == check)


@_scheme("iban", "ISO 13616 mod 97 (IBAN)")
def _iban(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    if chars.shape[1] < 5:
        return np.zeros(len(chars), dtype=bool)
    ok = (lengths >= 15) & (lengths <= 34)
    acc = np.zeros(len(chars), dtype=np.int64)
    # Horner's rule, reduced mod 97 every 6 characters (acc stays below 97 · 100⁶ < 2⁶³), column by column
    for k, j in enumerate([*range(4, chars.shape[1]), 0, 1, 2, 3]):  # the first four characters go last
        v = _ALNUM_VALUE[chars[:, j]]
        inside = lengths > j
        ok &= (v >= (10 if j < 2 else 0)) & (v < (10 if j in (2, 3) else 36)) | ~inside
        acc = np.where(inside, acc * np.where(v >= 10, 100, 10) + v, acc)
        if k % 6 == 5:
            acc %= 97
    return ok & (acc % 97 == 1)


@_scheme("aba", "ABA routing number 3-7-1 mod 10")
def _aba(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 9)
    d, digits = _digits(chars)
    return ok & digits & ((d * np.array([3, 7, 1] * 3)).sum(axis=1) % 10 == 0)


# ISO 7064 MOD 11,10: product p (1..10), digit d → (((d + p) mod 10, or 10 for 0) · 2) mod 11
_MOD_11_10_NEXT = np.array([[((((d + p) % 10) or 10) * 2) % 11 for d in range(10)] for p in range(11)],
                           dtype=np.int64)


@_scheme("iso7064_mod_11_10", "ISO 7064 MOD 11,10 (Steuer-ID)")
def _mod_11_10(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 11)
    d, digits = _digits(chars)
    d = np.clip(d, 0, 9)
    product = np.full(len(d), 10, dtype=np.int64)
    for j in range(10):
        product = _MOD_11_10_NEXT[product, d[:, j]]
    return ok & digits & ((11 - product) % 10 == d[:, 10])


@_scheme("nir", "NIR key 97 - (number mod 97)")
def _nir(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 15)
    chars = chars.copy()
    corsica = (chars[:, 5] == ord("2")) & np.isin(chars[:, 6], np.frombuffer(b"AB", np.uint8))
    # Corsican départements 2A and 2B count as 19 and 18
    chars[corsica, 5] = ord("1")
    chars[corsica, 6] = np.where(chars[corsica, 6] == ord("A"), ord("9"), ord("8"))
    d, digits = _digits(chars)
    number = np.zeros(len(d), dtype=np.int64)
    for j in range(13):
        number = number * 10 + d[:, j]
    return ok & digits & (97 - number % 97 == d[:, 13] * 10 + d[:, 14])


@_scheme("my_number", "My Number mod 11 (weights 6-2, 7-2)")
def _my_number(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 12)
    d, digits = _digits(chars)
    r = (d[:, :11] * np.array([6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2])).sum(axis=1) % 11
    return ok & digits & (np.where(r <= 1, 0, 11 - r) == d[:, 11])


@_scheme("elfproef", "11-proef (BSN: weights 9-2 and -1)")
def _elfproef(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 9)
    d, digits = _digits(chars)
    return ok & digits & ((d * np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])).sum(axis=1) % 11 == 0)


@_scheme("nhs", "NHS modulus 11 (weights 10-2)")
def _nhs(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 10)
    d, digits = _digits(chars)
    check = (11 - (d[:, :9] * np.arange(10, 1, -1)).sum(axis=1) % 11) % 11
    return ok & digits & (check == d[:, 9])  # a computed 10 is no digit: such a number does not exist


_NIF_LETTERS = np.frombuffer(b"TRWAGMYFPDXBNJZSQVHLCKE", dtype=np.uint8)


@_scheme("nif", "Spanish NIF control letter (number mod 23; NIE X/Y/Z as 0/1/2)")
def _nif(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 9)
    head = chars[:, :8].copy()
    first = head[:, 0]
    for letter, digit in ((b"X", b"0"), (b"Y", b"1"), (b"Z", b"2")):
        head[first == letter[0], 0] = digit[0]
    d, digits = _digits(head)
    number = (d * 10 ** np.arange(7, -1, -1)).sum(axis=1)
    return ok & digits & (_NIF_LETTERS[number % 23] == chars[:, 8])


@_scheme("sv_nummer", "Sozialversicherungsnummer check digit (weights 2,1,2,5,7,1,2,1,2,1,2,1; digit sums)")
def _sv_nummer(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 12)
    letter = chars[:, 8].astype(np.int64) - ord("A") + 1
    ok &= (letter >= 1) & (letter <= 26)
    head, digits_head = _digits(chars[:, :8])
    tail, digits_tail = _digits(chars[:, 9:])
    d = np.concatenate([head, (letter // 10)[:, None], (letter % 10)[:, None], tail[:, :2]], axis=1)
    total = _digit_sum(d * np.array([2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1])).sum(axis=1)
    return ok & digits_head & digits_tail & (total % 10 == tail[:, 2])


# Codice fiscale: characters at odd positions (1st, 3rd, …) and even positions map to these values; a digit
# counts as the letter of the same rank (0 as A, 1 as B, …).
_CF_ODD = np.array([1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23],
                   dtype=np.int64)


@_scheme("codice_fiscale", "codice fiscale check letter (odd/even tables mod 26)")
def _codice_fiscale(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 16)
    values, alnum = _alnum_value(chars[:, :15])
    rank = np.where(values >= 10, values - 10, values)  # '0'..'9' rank as 'A'..'J'
    total = _CF_ODD[rank[:, 0::2]].sum(axis=1) + rank[:, 1::2].sum(axis=1)
    ok &= np.all(alnum, axis=1)
    return ok & (total % 26 + ord("A") == chars[:, 15])


@_scheme("pesel", "PESEL check digit (weights 1,3,7,9 mod 10)")
def _pesel(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    chars, ok = _fixed(chars, lengths, 11)
    d, digits = _digits(chars)
    total = (d[:, :10] * np.array([1, 3, 7, 9, 1, 3, 7, 9, 1, 3])).sum(axis=1)
    return ok & digits & ((10 - total % 10) % 10 == d[:, 10])


@_scheme("personnummer", "personnummer Luhn over the 10 digits (YYMMDDNNNC)")
def _personnummer(chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    long = lengths == 12  # YYYYMMDDNNNC: the century is not part of the check
    chars = np.where(long[:, None], np.roll(chars, -2, axis=1), chars) if chars.shape[1] >= 12 else chars
    d, ok = _digits_of_length(chars, np.where(long, 10, lengths), 10, 10)
    return ok & (_luhn_total(d, np.full(len(d), 10)) % 10 == 0)
