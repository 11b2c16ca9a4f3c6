"""More European national identifiers with valid check characters: the German social insurance number
(Sozialversicherungsnummer), the Italian codice fiscale, the Spanish NIE, the Polish PESEL and the Swedish
personnummer. ``national_id`` picks the codice fiscale for it_IT, PESEL for pl_PL and personnummer for sv_SE.

As in :mod:`~mock_pipelines.core.generators.national_ids`, every value is decoded from one integer index in
[0, capacity) — uniform, or a keyed bijection of the row index with unique=true — into valid parts only
(real dates of birth, codes from the locale's lists), and the check character is computed column by column.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

import numpy as np
import pyarrow as pa

from mock_pipelines.core import strings
from mock_pipelines.core.facts import Facts, scheme
from mock_pipelines.core.generators import national_ids
from mock_pipelines.core.generators.identifiers import int_digits
from mock_pipelines.core.generators.national_ids import _ascii, _index, _with_separators
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import faker_attr

# Dates of birth: every day from 1930-01-01 to 2009-12-31.
_FIRST_DAY = np.datetime64("1930-01-01", "D")
BIRTH_DAYS = int((np.datetime64("2010-01-01", "D") - _FIRST_DAY).astype(np.int64))


def _birth_date(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month 1-12, day 1-31) of day offsets from 1930-01-01."""
    d = _FIRST_DAY + days.astype("timedelta64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def _split(idx: np.ndarray, radices: tuple[int, ...]) -> list[np.ndarray]:
    """Mixed-radix digits of ``idx``, most significant first."""
    parts = []
    for radix in reversed(radices):
        idx, part = np.divmod(idx, radix)
        parts.append(part)
    return parts[::-1]


# ---- Germany: Sozialversicherungsnummer (Rentenversicherungsnummer) ---------------------------------------

# Area numbers (Bereichsnummern) of the pension insurance carriers.
SV_AREAS = np.array([2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 28, 29, 38, 39,
                     40, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64,
                     65, 66, 80, 81, 82, 89], dtype=np.int64)
SV_CAPACITY = len(SV_AREAS) * BIRTH_DAYS * 26 * 100
_SV_WEIGHTS = np.array([2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1], dtype=np.int64)
_SV_REGEX = "^[0-9]{2}(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}[A-Z][0-9]{3}$"


@generator("sv_nummer", category="identifiers", returns="string", example="65170839J003", supports_unique=True,
           aliases=("sozialversicherungsnummer", "rvnr"), capacity=lambda _p, _l: SV_CAPACITY,
           facts=Facts(regex=lambda _p, _l: _SV_REGEX, checksum=scheme("sv_nummer")))
def sv_nummer(ctx: GenContext) -> pa.Array:
    """German social insurance numbers (12 characters): area, birth date DDMMYY, initial, serial, check digit.

    The serial is 00-49 for men and 50-99 for women; the check digit weighs the digits (the initial as its
    two-digit place in the alphabet) 2,1,2,5,7,1,2,1,2,1,2,1 and sums the digits of the products mod 10.
    """
    area, days, letter, serial = _split(_index(ctx, SV_CAPACITY), (len(SV_AREAS), BIRTH_DAYS, 26, 100))
    year, month, day = _birth_date(days)
    digits = np.concatenate([int_digits(SV_AREAS[area], 2), int_digits(day, 2), int_digits(month, 2),
                             int_digits(year % 100, 2), int_digits(letter + 1, 2), int_digits(serial, 2)], axis=1)
    products = digits.astype(np.int64) * _SV_WEIGHTS
    check = ((products // 10 + products % 10).sum(axis=1) % 10).astype(np.uint8)
    chars = np.concatenate([_ascii(digits[:, :8]), strings.UPPER[letter][:, None], _ascii(digits[:, 10:]),
                            _ascii(check)[:, None]], axis=1)
    return strings.from_bytes_matrix(chars)


# ---- Italy: codice fiscale -------------------------------------------------------------------------------

_VOWELS = frozenset("AEIOU")
_CF_MONTHS = np.frombuffer(b"ABCDEHLMPRST", dtype=np.uint8)
_CF_ODD = np.array([1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23],
                   dtype=np.int64)


def _letters(name: str) -> str:
    return "".join(c for c in name.upper() if "A" <= c <= "Z")


def surname_code(surname: str) -> str:
    """The three letters of a surname: its consonants, then its vowels, then X."""
    s = _letters(surname)
    return "".join([c for c in s if c not in _VOWELS] + [c for c in s if c in _VOWELS] + ["X"] * 3)[:3]


def name_code(name: str) -> str:
    """The three letters of a first name: the 1st, 3rd and 4th consonant when it has four or more, else as a
    surname."""
    s = _letters(name)
    consonants = [c for c in s if c not in _VOWELS]
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return surname_code(name)


@lru_cache(maxsize=1)
def _cf_vocab() -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """(distinct surname codes (k, 3), distinct name codes (men's then women's), how many are men's,
    municipality codes (m, 4)) from the it_IT name lists and the Belfiore codes of Italian municipalities."""
    def matrix(codes: list[str]) -> np.ndarray:
        return np.frombuffer("".join(codes).encode(), dtype=np.uint8).reshape(len(codes), -1)

    surnames = sorted({surname_code(s) for s in faker_attr("person", "it_IT", "last_names")})
    male = sorted({name_code(n) for n in faker_attr("person", "it_IT", "first_names_male")})
    female = sorted({name_code(n) for n in faker_attr("person", "it_IT", "first_names_female")})
    towns = list(importlib.import_module("faker.providers.ssn.it_IT").MUNICIPALITIES_LIST)
    return matrix(surnames), matrix(male + female), len(male), matrix(towns)


def _cf_capacity() -> int:
    surnames, names, _, towns = _cf_vocab()
    return len(surnames) * len(names) * BIRTH_DAYS * len(towns)


_CF_REGEX = ("^[A-Z]{6}[0-9]{2}[ABCDEHLMPRST](0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])[A-M][0-9]{3}[A-Z]$")


@generator("codice_fiscale", category="identifiers", returns="string", example="RSSMRA85T10A562S",
           supports_unique=True, aliases=("tax_id_it",), capacity=lambda _p, _l: _cf_capacity(),
           facts=Facts(regex=lambda _p, _l: _CF_REGEX, checksum=scheme("codice_fiscale")))
def codice_fiscale(ctx: GenContext) -> pa.Array:
    """Italian tax codes (codice fiscale, 16 characters) with a valid check letter.

    Surname and name letters built from Italian surnames and first names, a real birth date (day + 40 for
    women, the name then a woman's), a municipality's Belfiore code and the check letter. The parts are
    plausible, not taken from other columns.
    """
    surnames, names, n_male, towns = _cf_vocab()
    surname, name, days, town = _split(_index(ctx, _cf_capacity()), (len(surnames), len(names), BIRTH_DAYS,
                                                                       len(towns)))
    year, month, day = _birth_date(days)
    day = day + 40 * (name >= n_male)
    chars = np.concatenate([surnames[surname], names[name], _ascii(int_digits(year % 100, 2)),
                            _CF_MONTHS[month - 1][:, None], _ascii(int_digits(day, 2)), towns[town]], axis=1)
    c = chars.astype(np.int64)
    rank = np.where(c >= ord("A"), c - ord("A"), c - ord("0"))  # a digit counts as the letter of its rank
    total = _CF_ODD[rank[:, 0::2]].sum(axis=1) + rank[:, 1::2].sum(axis=1)
    check = strings.UPPER[total % 26]
    return strings.from_bytes_matrix(np.concatenate([chars, check[:, None]], axis=1))


# ---- Spain: NIE (número de identidad de extranjero) --------------------------------------------------------

NIE_CAPACITY = 3 * 10 ** 7
_NIF_LETTERS = np.frombuffer(b"TRWAGMYFPDXBNJZSQVHLCKE", dtype=np.uint8)


@generator("nie", category="identifiers", returns="string", example="X1234567L", supports_unique=True,
           capacity=lambda _p, _l: NIE_CAPACITY,
           facts=Facts(regex=lambda _p, _l: "^[XYZ][0-9]{7}[TRWAGMYFPDXBNJZSQVHLCKE]$", checksum=scheme("nif")))
def nie(ctx: GenContext) -> pa.Array:
    """Spanish foreigner identity numbers (NIE): X, Y or Z, 7 digits and the control letter (mod 23).

    The first letter counts as 0, 1 or 2 in front of the digits."""
    number = _index(ctx, NIE_CAPACITY)  # the leading letter's value and the 7 digits, as one number
    chars = np.concatenate([np.frombuffer(b"XYZ", np.uint8)[number // 10 ** 7][:, None],
                            _ascii(int_digits(number % 10 ** 7, 7)), _NIF_LETTERS[number % 23][:, None]], axis=1)
    return strings.from_bytes_matrix(chars)


# ---- Poland: PESEL ----------------------------------------------------------------------------------------

PESEL_CAPACITY = BIRTH_DAYS * 10 ** 4
_PESEL_WEIGHTS = np.array([1, 3, 7, 9, 1, 3, 7, 9, 1, 3], dtype=np.int64)


def _pesel(ctx: GenContext) -> pa.Array:
    days, serial = _split(_index(ctx, PESEL_CAPACITY), (BIRTH_DAYS, 10 ** 4))
    year, month, day = _birth_date(days)
    month = month + 20 * (year >= 2000)  # the century is written in the month: +20 for 2000-2099
    digits = np.concatenate([int_digits(year % 100, 2), int_digits(month, 2), int_digits(day, 2),
                             int_digits(serial, 4)], axis=1)
    check = ((10 - (digits.astype(np.int64) @ _PESEL_WEIGHTS) % 10) % 10).astype(np.uint8)
    return strings.from_bytes_matrix(_ascii(np.concatenate([digits, check[:, None]], axis=1)))


@generator("pesel", category="identifiers", returns="string", example="44051401359", supports_unique=True,
           capacity=lambda _p, _l: PESEL_CAPACITY,
           facts=Facts(regex=lambda _p, _l: "^[0-9]{2}([02][1-9]|[13][0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{5}$",
                       checksum=scheme("pesel")))
def pesel(ctx: GenContext) -> pa.Array:
    """Polish PESEL numbers (11 digits): birth date YYMMDD, 4-digit serial, check digit (weights 1,3,7,9).

    The month is written + 20 after 1999; the last serial digit is odd for men, even for women."""
    return _pesel(ctx)


# ---- Sweden: personnummer ---------------------------------------------------------------------------------

PERSONNUMMER_CAPACITY = BIRTH_DAYS * 1000


def _personnummer(ctx: GenContext, dash: bool = True) -> pa.Array:
    days, serial = _split(_index(ctx, PERSONNUMMER_CAPACITY), (BIRTH_DAYS, 1000))
    year, month, day = _birth_date(days)
    digits = np.concatenate([int_digits(year % 100, 2), int_digits(month, 2), int_digits(day, 2),
                             int_digits(serial, 3)], axis=1).astype(np.int64)
    doubled = digits[:, 0::2] * 2  # Luhn: the digits at even distance from the check digit are doubled
    total = (doubled // 10 + doubled % 10).sum(axis=1) + digits[:, 1::2].sum(axis=1)
    check = ((10 - total % 10) % 10).astype(np.uint8)
    chars = _ascii(np.concatenate([digits.astype(np.uint8), check[:, None]], axis=1))
    return _with_separators(chars, (6, 4), "-" if dash else "")


@generator("personnummer", category="identifiers", returns="string", example="811228-9874", supports_unique=True,
           capacity=lambda _p, _l: PERSONNUMMER_CAPACITY,
           facts=Facts(regex=lambda p, _l: "^[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
                       + ("-" if p["dash"] else "") + "[0-9]{4}$", checksum=scheme("personnummer")))
def personnummer(ctx: GenContext, *, dash: bool = True) -> pa.Array:
    """Swedish personal identity numbers (YYMMDD-NNNC): birth date, birth number and the Luhn check digit."""
    return _personnummer(ctx, dash)


national_ids.add_locale("it_IT", "codice_fiscale", codice_fiscale, _cf_capacity)
national_ids.add_locale("pl_PL", "pesel", _pesel, lambda: PESEL_CAPACITY)
national_ids.add_locale("sv_SE", "personnummer", _personnummer, lambda: PERSONNUMMER_CAPACITY)
