"""Codes with check digits from other domains: ISBN-13 and ISBN-10 for books, VINs for vehicles.

Decoded from one integer index (a uniform draw, or a keyed bijection of the row index with unique=true),
so distinct rows get distinct codes while rows < capacity; check digits are computed on digit matrices.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from mock_pipelines.core import strings
from mock_pipelines.core.facts import Facts, scheme
from mock_pipelines.core.generators.identifiers import gtin_check_digit, int_digits
from mock_pipelines.core.generators.national_ids import _index
from mock_pipelines.core.registry import GenContext, generator

ISBN_CAPACITY = 10 ** 9  # the 9 digits after the 978 prefix (ISBN-10 compatible)


@generator("isbn13", category="identifiers", returns="string", example="9780306406157", supports_unique=True,
           aliases=("isbn",), capacity=lambda _p, _l: ISBN_CAPACITY,
           facts=Facts(regex=lambda _p, _l: "^978[0-9]{10}$", checksum=scheme("gs1")))
def isbn13(ctx: GenContext) -> pa.Array:
    """ISBN-13 book numbers (978 prefix) with a valid GS1 check digit."""
    payload = np.concatenate([np.tile(np.array([9, 7, 8], np.uint8), (len(ctx), 1)),
                              int_digits(_index(ctx, ISBN_CAPACITY), 9)], axis=1)
    digits = np.concatenate([payload, gtin_check_digit(payload)[:, None]], axis=1)
    return strings.from_bytes_matrix(digits + ord("0"))


@generator("isbn10", category="identifiers", returns="string", example="0306406152", supports_unique=True,
           capacity=lambda _p, _l: ISBN_CAPACITY, facts=Facts(regex=lambda _p, _l: "^[0-9]{9}[0-9X]$",
                                                                        checksum=scheme("isbn10")))
def isbn10(ctx: GenContext) -> pa.Array:
    """ISBN-10 book numbers: 9 digits and the mod-11 check character (0-9 or X)."""
    payload = int_digits(_index(ctx, ISBN_CAPACITY), 9)
    total = payload.astype(np.int64) @ np.arange(10, 1, -1)
    check = (11 - total % 11) % 11
    chars = np.concatenate([payload + ord("0"), np.where(check == 10, ord("X"), check + ord("0"))[:, None]], axis=1)
    return strings.from_bytes_matrix(chars.astype(np.uint8))


# ---- vehicle identification numbers (ISO 3779, North American check digit) --------------------------------

_VIN_CHARS = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_VALUE = np.array([_VIN_VALUES[chr(c)] for c in _VIN_CHARS], dtype=np.int64)
_VIN_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
# World manufacturer identifiers of common makes (Honda, Ford, Chevrolet, VW, BMW, Mercedes, Toyota, Tesla, …).
_WMI = (b"1HG", b"1FA", b"1G1", b"WVW", b"WBA", b"WDD", b"JTD", b"5YJ", b"KMH", b"VF1", b"ZFA", b"YV1", b"SAL",
        b"3VW", b"2T1", b"JHM", b"VF3", b"WAU", b"TMB", b"VSS")
_YEARS = b"ABCDEFGHJKLMNPRSTVWXY123456789"  # model-year codes: no I, O, Q, U, Z or 0
VIN_CAPACITY = len(_WMI) * 33 ** 5 * len(_YEARS) * 33 * 10 ** 6


def _vin_regex(_p: object, _l: str) -> str:
    return "^[A-HJ-NPR-Z0-9]{8}[0-9X][A-HJ-NPR-TV-Y1-9][A-HJ-NPR-Z0-9][0-9]{6}$"


@generator("vin", category="identifiers", returns="string", example="1HGCM82633A004352", supports_unique=True,
           capacity=lambda _p, _l: VIN_CAPACITY, facts=Facts(regex=_vin_regex, checksum=scheme("vin")))
def vin(ctx: GenContext) -> pa.Array:
    """Vehicle identification numbers (17 characters, no I/O/Q) with a valid check digit in position 9."""
    idx = _index(ctx, VIN_CAPACITY)
    radices = [len(_WMI)] + [33] * 5 + [len(_YEARS), 33] + [10] * 6
    parts = []
    for radix in reversed(radices):
        idx, part = np.divmod(idx, radix)
        parts.append(part)
    wmi, vds, year, plant, serial = parts[-1], parts[-6:-1][::-1], parts[7], parts[6], parts[:6][::-1]
    out = np.empty((len(ctx), 17), dtype=np.uint8)
    chars = np.frombuffer(_VIN_CHARS, np.uint8)
    out[:, 0:3] = np.frombuffer(b"".join(_WMI), np.uint8).reshape(len(_WMI), 3)[wmi]
    for j, v in enumerate(vds):
        out[:, 3 + j] = chars[v]
    out[:, 9] = np.frombuffer(_YEARS, np.uint8)[year]
    out[:, 10] = chars[plant]
    for j, v in enumerate(serial):
        out[:, 11 + j] = chars[v]
    lookup = np.zeros(256, dtype=np.int64)
    lookup[chars] = _VIN_VALUE
    check = (lookup[out] @ _VIN_WEIGHTS) % 11
    out[:, 8] = np.where(check == 10, ord("X"), check + ord("0"))
    return strings.from_bytes_matrix(out)
