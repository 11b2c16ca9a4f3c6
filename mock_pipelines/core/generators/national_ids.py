"""National identifiers with valid check digits: US SSN, German tax id (Steuer-ID), French NIR, Japanese
My Number, Dutch BSN, Spanish DNI and British NHS numbers; ``national_id`` picks the locale's own (more
countries in :mod:`~mock_pipelines.core.generators.national_ids_eu`).

Every identifier is decoded from one integer index in [0, capacity): a uniform draw, or with unique=true a
keyed bijection of the row index, so distinct rows get distinct identifiers while rows < capacity. The
index is decoded into only valid payloads (no rejection loops), and the check digits are computed on digit
matrices column by column.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core import strings
from mock_pipelines.core.facts import Facts, scheme
from mock_pipelines.core.generators.identifiers import int_digits
from mock_pipelines.core.registry import GenContext, generator


def _index(ctx: GenContext, capacity: int) -> np.ndarray:
    """Integers in [0, capacity): a bijection of the row index with unique, else uniform draws."""
    if ctx.unique:
        return ctx.unique_index(capacity).astype(np.int64)
    return ctx.integers(capacity).astype(np.int64)


def _ascii(digits: np.ndarray) -> np.ndarray:
    return (digits + ord("0")).astype(np.uint8)


def _with_separators(chars: np.ndarray, groups: tuple[int, ...], sep: str) -> pa.Array:
    """Strings of ``chars`` (n, sum(groups)) with ``sep`` between the groups (none when sep is empty)."""
    if not sep:
        return strings.from_bytes_matrix(chars)
    width = sum(groups) + len(sep.encode()) * (len(groups) - 1)
    out = np.empty((len(chars), width), dtype=np.uint8)
    src = dst = 0
    for i, g in enumerate(groups):
        out[:, dst:dst + g] = chars[:, src:src + g]
        src, dst = src + g, dst + g
        if i < len(groups) - 1:
            out[:, dst:dst + len(sep)] = np.frombuffer(sep.encode(), np.uint8)
            dst += len(sep)
    return strings.from_bytes_matrix(out)


def _sep_regex(groups: tuple[str, ...], sep: str) -> str:
    return "^" + ("-" if sep == "-" else " " if sep == " " else "").join(groups) + "$"


# ---- United States: Social Security Number ----------------------------------------------------------------

SSN_CAPACITY = 898 * 99 * 9999  # areas 001-899 without 666, groups 01-99, serials 0001-9999
_SSN_REGEX = ("(00[1-9]|0[1-9][0-9]|[1-5][0-9]{2}|6[0-5][0-9]|66[0-57-9]|6[7-9][0-9]|[78][0-9]{2})",
              "(0[1-9]|[1-9][0-9])", "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})")


def _ssn(ctx: GenContext, dashes: bool = True) -> pa.Array:
    idx = _index(ctx, SSN_CAPACITY)
    area, rest = np.divmod(idx, 99 * 9999)
    group, serial = np.divmod(rest, 9999)
    area = area + 1
    area += area >= 666
    chars = _ascii(np.concatenate([int_digits(area, 3), int_digits(group + 1, 2), int_digits(serial + 1, 4)], 1))
    return _with_separators(chars, (3, 2, 4), "-" if dashes else "")


@generator("ssn", category="identifiers", returns="string", example="512-38-0917", supports_unique=True,
           capacity=lambda _p, _l: SSN_CAPACITY,
           facts=Facts(regex=lambda p, _l: _sep_regex(_SSN_REGEX, "-" if p["dashes"] else "")))
def ssn(ctx: GenContext, *, dashes: bool = True) -> pa.Array:
    """US Social Security Numbers (AAA-GG-SSSS): area 001-899 but never 666, group 01-99, serial 0001-9999."""
    return _ssn(ctx, dashes)


# ---- United States: Individual Taxpayer Identification Number ---------------------------------------------

# 9XX-GG-SSSS with the group in 50-65, 70-88, 90-92 or 94-99 (the ranges the IRS issues).
_ITIN_GROUPS = np.array([*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)], dtype=np.int64)
ITIN_CAPACITY = 100 * len(_ITIN_GROUPS) * 10_000
_ITIN_REGEX = ("9[0-9]{2}", "(5[0-9]|6[0-5]|7[0-9]|8[0-8]|9[0-2]|9[4-9])", "[0-9]{4}")


@generator("itin", category="identifiers", returns="string", example="912-70-1234", supports_unique=True,
           capacity=lambda _p, _l: ITIN_CAPACITY,
           facts=Facts(regex=lambda p, _l: _sep_regex(_ITIN_REGEX, "-" if p["dashes"] else "")))
def itin(ctx: GenContext, *, dashes: bool = True) -> pa.Array:
    """US Individual Taxpayer Identification Numbers: 9XX-GG-SSSS, group 50-65, 70-88, 90-92 or 94-99."""
    idx = _index(ctx, ITIN_CAPACITY)
    area, rest = np.divmod(idx, len(_ITIN_GROUPS) * 10_000)
    group, serial = np.divmod(rest, 10_000)
    chars = _ascii(np.concatenate([int_digits(900 + area, 3), int_digits(_ITIN_GROUPS[group], 2),
                                   int_digits(serial, 4)], 1))
    return _with_separators(chars, (3, 2, 4), "-" if dashes else "")


# ---- Germany: Steuerliche Identifikationsnummer (IdNr) ----------------------------------------------------

# Ten digits with a non-zero first one, nine of them distinct and one repeated once, later and not next to
# its first occurrence; then an ISO 7064 MOD 11,10 check digit. Index: first digit (9) · the next 8 of the
# remaining 9 digits in order (9!) · which of the first nine is repeated and where its copy goes (36).
STEUER_ID_CAPACITY = 9 * math.factorial(9) * 36
_REPEATS = np.array([(j, q) for j in range(9) for q in range(j + 2, 10)], dtype=np.int64)  # 36 pairs


def _mod_11_10_table() -> np.ndarray:
    """next[state, digit] of ISO 7064 MOD 11,10 (state 0..10)."""
    table = np.zeros((11, 10), dtype=np.uint8)
    for state in range(11):
        for digit in range(10):
            t = (digit + (state or 10)) % 10
            table[state, digit] = ((t or 10) * 2) % 11
    return table


_MOD_11_10 = _mod_11_10_table()


def mod_11_10_check_digit(digits: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11,10 check digits of a (n, m) digit matrix (a state table, one look-up per digit)."""
    state = np.full(len(digits), 10, dtype=np.uint8)
    for j in range(digits.shape[1]):
        state = _MOD_11_10[state, digits[:, j]]
    return ((11 - state.astype(np.int64)) % 10).astype(np.uint8)


def _steuer_id(ctx: GenContext, spaces: bool = False) -> pa.Array:
    idx = _index(ctx, STEUER_ID_CAPACITY)
    idx, pair = np.divmod(idx, 36)
    n = len(idx)
    rows = np.arange(n)
    available = np.ones((10, n), dtype=np.uint8)  # digit × row: contiguous rows make the column sums fast
    available[0] = 0  # the first digit is not 0
    nine = np.empty((9, n), dtype=np.uint8)
    for i in range(9):
        radix = 9 if i < 2 else 10 - i  # first digit 1-9; then 9, 8, … of the remaining digits
        idx, c = np.divmod(idx, radix)
        c8, seen = c.astype(np.uint8), np.zeros(n, dtype=np.uint8)
        digit = np.zeros(n, dtype=np.uint8)
        for d in range(10):  # the c-th digit still available: the number of digits with at most c before it
            seen += available[d]
            digit += seen <= c8
        nine[i] = digit
        available.reshape(-1)[digit.astype(np.int64) * n + rows] = 0
        if i == 0:
            available[0] = 1
    j, q = _REPEATS[pair, 0], _REPEATS[pair, 1]
    repeated = nine[j, rows]
    # a copy of the j-th digit goes to position q (q ≥ j + 2: after the original, never next to it)
    ten = np.empty((n, 10), dtype=np.uint8)
    for pos in range(10):
        before = nine[min(pos, 8)]
        after = nine[pos - 1] if pos else nine[0]
        ten[:, pos] = np.where(pos < q, before, np.where(pos == q, repeated, after))
    digits = np.concatenate([ten, mod_11_10_check_digit(ten)[:, None]], axis=1)
    return _with_separators(_ascii(digits), (2, 3, 3, 3), " " if spaces else "")


@generator("steuer_id", category="identifiers", returns="string", example="86095742719", supports_unique=True,
           aliases=("tax_id_de",), capacity=lambda _p, _l: STEUER_ID_CAPACITY,
           facts=Facts(regex=lambda p, _l: _sep_regex(("[1-9][0-9]", "[0-9]{3}", "[0-9]{3}", "[0-9]{3}"),
                                                      " " if p["spaces"] else ""),
                       checksum=scheme("iso7064_mod_11_10")))
def steuer_id(ctx: GenContext, *, spaces: bool = False) -> pa.Array:
    """German tax ids (Steuer-ID, 11 digits): one of the first ten digits repeated, MOD 11,10 check digit.

    The first digit is never 0; the repeated digit's copy is never next to it.
    """
    return _steuer_id(ctx, spaces)


# ---- France: numéro d'inscription au répertoire (NIR, numéro de sécurité sociale) -------------------------

# sex 1-2 · year 00-99 · month 01-12 · département 01-95 without 20 (Corsica is 2A/2B) · commune 001-990 ·
# order 001-999, then the key 97 - (number mod 97).
_NIR_RADICES = (2, 100, 12, 94, 990, 999)
NIR_CAPACITY = math.prod(_NIR_RADICES)
_NIR_REGEX = ("[12][0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[1-9]|[3-8][0-9]|9[0-5])"
              "(00[1-9]|0[1-9][0-9]|[1-8][0-9]{2}|9[0-8][0-9]|990)(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})",
              "(0[1-9]|[1-8][0-9]|9[0-7])")


def _nir(ctx: GenContext, spaces: bool = False) -> pa.Array:
    idx = _index(ctx, NIR_CAPACITY)
    parts = []
    for radix in reversed(_NIR_RADICES):
        idx, part = np.divmod(idx, radix)
        parts.append(part)
    order, commune, dept, month, year, sex = parts
    dept = dept + 1
    dept += dept >= 20
    fields = ((sex + 1, 1), (year, 2), (month + 1, 2), (dept, 2), (commune + 1, 3), (order + 1, 3))
    number = np.zeros(len(idx), dtype=np.int64)
    for value, width in fields:
        number = number * 10 ** width + value
    key = 97 - number % 97
    digits = np.concatenate([int_digits(number, 13), int_digits(key, 2)], axis=1)
    return _with_separators(_ascii(digits), (1, 2, 2, 2, 3, 3, 2), " " if spaces else "")


def _nir_regex(p: Mapping[str, Any], _locale: str) -> str:
    if p["spaces"]:
        return (r"^[12] [0-9]{2} (0[1-9]|1[0-2]) (0[1-9]|1[0-9]|2[1-9]|[3-8][0-9]|9[0-5]) [0-9]{3} [0-9]{3} "
                r"(0[1-9]|[1-8][0-9]|9[0-7])$")
    return _sep_regex(_NIR_REGEX, "")


@generator("nir", category="identifiers", returns="string", example="184127645108946", supports_unique=True,
           aliases=("insee_number",), capacity=lambda _p, _l: NIR_CAPACITY,
           facts=Facts(regex=_nir_regex, checksum=scheme("nir")))
def nir(ctx: GenContext, *, spaces: bool = False) -> pa.Array:
    """French social security numbers (NIR): 13 digits and the key 97 - (number mod 97).

    Sex, year and month of birth, département (01-95 without 20), commune and order number.
    """
    return _nir(ctx, spaces)


# ---- Japan: Individual Number (My Number) -----------------------------------------------------------------

MY_NUMBER_CAPACITY = 10 ** 11
_MY_NUMBER_WEIGHTS = np.array([6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def _my_number(ctx: GenContext, spaces: bool = False) -> pa.Array:
    payload = int_digits(_index(ctx, MY_NUMBER_CAPACITY), 11)
    check = (-(payload.astype(np.int64) @ _MY_NUMBER_WEIGHTS) % 11 % 10).astype(np.uint8)
    digits = np.concatenate([payload, check[:, None]], axis=1)
    return _with_separators(_ascii(digits), (4, 4, 4), " " if spaces else "")


@generator("my_number", category="identifiers", returns="string", example="123456789018", supports_unique=True,
           capacity=lambda _p, _l: MY_NUMBER_CAPACITY,
           facts=Facts(regex=lambda p, _l: _sep_regex(("[0-9]{4}",) * 3, " " if p["spaces"] else ""),
                       checksum=scheme("my_number")))
def my_number(ctx: GenContext, *, spaces: bool = False) -> pa.Array:
    """Japanese Individual Numbers (マイナンバー, 12 digits): 11 digits and the mod-11 check digit."""
    return _my_number(ctx, spaces)


# ---- mod-11 numbers whose last payload digit avoids the one invalid remainder: BSN, NHS -------------------

def _mod11_payload(ctx: GenContext, weights: tuple[int, ...], bad_remainder: int, first_nonzero: bool) -> np.ndarray:
    """(n, len(weights)) digits whose weighted sum mod 11 is never ``bad_remainder``: the last digit
    (weight 2) takes one of the 9 digits that avoid it. Capacity :func:`_mod11_capacity`."""
    m = len(weights)
    head = 9 * 10 ** (m - 2) if first_nonzero else 10 ** (m - 1)
    idx, j = np.divmod(_index(ctx, head * 9), 9)
    digits = np.empty((len(idx), m), dtype=np.uint8)
    digits[:, :m - 1] = int_digits(idx + (10 ** (m - 2) if first_nonzero else 0), m - 1)
    s = digits[:, :m - 1].astype(np.int64) @ np.array(weights[:-1], dtype=np.int64)
    bad = ((bad_remainder - s) * 6) % 11  # 6 is 2⁻¹ mod 11: the last digit that would give bad_remainder
    digits[:, m - 1] = j + (j >= bad)
    return digits


def _mod11_capacity(m: int, first_nonzero: bool) -> int:
    return (9 * 10 ** (m - 2) if first_nonzero else 10 ** (m - 1)) * 9


_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
BSN_CAPACITY = _mod11_capacity(8, True)


def _bsn(ctx: GenContext) -> pa.Array:
    payload = _mod11_payload(ctx, _BSN_WEIGHTS, 10, True)
    check = (payload.astype(np.int64) @ np.array(_BSN_WEIGHTS, dtype=np.int64)) % 11
    return strings.from_bytes_matrix(_ascii(np.concatenate([payload, check[:, None].astype(np.uint8)], 1)))


@generator("bsn", category="identifiers", returns="string", example="111222333", supports_unique=True,
           aliases=("burgerservicenummer",), capacity=lambda _p, _l: BSN_CAPACITY,
           facts=Facts(regex=lambda _p, _l: "^[1-9][0-9]{8}$", checksum=scheme("elfproef")))
def bsn(ctx: GenContext) -> pa.Array:
    """Dutch citizen service numbers (BSN, 9 digits) that pass the 11-proef."""
    return _bsn(ctx)


_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
NHS_CAPACITY = _mod11_capacity(9, True)


@generator("nhs_number", category="identifiers", returns="string", example="943 476 5919", supports_unique=True,
           capacity=lambda _p, _l: NHS_CAPACITY,
           facts=Facts(regex=lambda p, _l: _sep_regex(("[1-9][0-9]{2}", "[0-9]{3}", "[0-9]{4}"),
                                                      " " if p["spaces"] else ""),
                       checksum=scheme("nhs")))
def nhs_number(ctx: GenContext, *, spaces: bool = True) -> pa.Array:
    """British NHS numbers (10 digits, ### ### ####) with a valid modulus-11 check digit."""
    payload = _mod11_payload(ctx, _NHS_WEIGHTS, 1, True)
    check = (11 - (payload.astype(np.int64) @ np.array(_NHS_WEIGHTS, dtype=np.int64)) % 11) % 11
    digits = np.concatenate([payload, check[:, None].astype(np.uint8)], 1)
    return _with_separators(_ascii(digits), (3, 3, 4), " " if spaces else "")


# ---- Spain: DNI -------------------------------------------------------------------------------------------

_DNI_LETTERS = np.frombuffer(b"TRWAGMYFPDXBNJZSQVHLCKE", dtype=np.uint8)


@generator("dni", category="identifiers", returns="string", example="12345678Z", supports_unique=True,
           aliases=("nif",), capacity=lambda _p, _l: 10 ** 8,
           facts=Facts(regex=lambda _p, _l: "^[0-9]{8}[TRWAGMYFPDXBNJZSQVHLCKE]$", checksum=scheme("nif")))
def dni(ctx: GenContext) -> pa.Array:
    """Spanish national identity numbers (DNI/NIF): 8 digits and the control letter of the number mod 23."""
    number = _index(ctx, 10 ** 8)
    chars = np.concatenate([_ascii(int_digits(number, 8)), _DNI_LETTERS[number % 23][:, None]], axis=1)
    return strings.from_bytes_matrix(chars)


# ---- the locale's own -------------------------------------------------------------------------------------

# locale -> (generator name, values with default parameters, capacity)
_BY_LOCALE: dict[str, tuple[str, Callable[[GenContext], pa.Array], Callable[[], int]]] = {
    "en_US": ("ssn", _ssn, lambda: SSN_CAPACITY),
    "de_DE": ("steuer_id", _steuer_id, lambda: STEUER_ID_CAPACITY),
    "fr_FR": ("nir", _nir, lambda: NIR_CAPACITY),
    "ja_JP": ("my_number", _my_number, lambda: MY_NUMBER_CAPACITY),
}


def add_locale(locale: str, name: str, values: Callable[[GenContext], pa.Array], capacity: Callable[[], int]) -> None:
    """Make generator ``name`` (``values``: its values with default parameters) the national id of ``locale``."""
    _BY_LOCALE[locale] = (name, values, capacity)


def _of_locale(locale: str) -> tuple[str, Callable[[GenContext], pa.Array], Callable[[], int]]:
    return _BY_LOCALE.get(locale, _BY_LOCALE["en_US"])


def _own_facts(locale: str) -> tuple[Facts | None, Mapping[str, Any]]:
    from mock_pipelines.core import registry

    gen = registry.get(_of_locale(locale)[0])
    return gen.facts, gen.validate_params({})


def _national_regex(_p: Mapping[str, Any], locale: str) -> str | None:
    own, params = _own_facts(locale)
    return own.format_regex(params, locale) if own else None


def _national_checksum(_p: Mapping[str, Any], locale: str) -> str | None:
    own, params = _own_facts(locale)
    return own.check_digits(params, locale) if own else None


@generator("national_id", category="identifiers", returns="string", example="512-38-0917", supports_unique=True,
           capacity=lambda _p, locale: _of_locale(locale)[2](),
           facts=Facts(regex=_national_regex, checksum=_national_checksum))
def national_id(ctx: GenContext) -> pa.Array:
    """The locale's national id: SSN (en_US), Steuer-ID (de_DE), NIR (fr_FR), My Number (ja_JP).

    Called with the it_IT, pl_PL or sv_SE locale: codice fiscale, PESEL, personnummer. Other locales get US
    SSNs.
    """
    return _of_locale(ctx.locale)[1](ctx)
