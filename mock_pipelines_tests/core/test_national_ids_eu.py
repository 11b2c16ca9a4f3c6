"""sv_nummer, codice_fiscale, nie, pesel and personnummer: a million values each pass their country's check
(written here again, apart from the generators and from mock_pipelines.core.checksums, and compared with
Faker's own check functions on a sample), hold real birth dates, match the declared regex, are unique with
unique=true and depend only on the row index."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import registry
from mock_pipelines.core.registry import GenContext

N = 1_000_000
NAMES = ["sv_nummer", "codice_fiscale", "nie", "pesel", "personnummer"]


def _generate(name: str, rows: np.ndarray, unique: bool = False, locale: str = "en_US", **params) -> pa.Array:
    gen = registry.get(name)
    return gen(GenContext(rows=rows, key=99, unique=unique, locale=locale), **gen.validate_params(params))


def _chars(values: pa.Array, width: int) -> np.ndarray:
    plain = pc.replace_substring(values, "-", "")
    raw = np.frombuffer(pc.binary_join_element_wise(plain, "").buffers()[2], dtype=np.uint8)
    assert len(raw) >= len(values) * width
    return raw[: len(values) * width].reshape(len(values), width).astype(np.int64)


def _sv_ok(c: np.ndarray) -> np.ndarray:
    letter = c[:, 8] - ord("A") + 1  # the initial as its place in the alphabet, two digits
    d = np.column_stack([c[:, :8] - 48, letter // 10, letter % 10, c[:, 9:11] - 48])
    p = d * np.array([2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1])
    return (p // 10 + p % 10).sum(axis=1) % 10 == c[:, 11] - 48


_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   [*[1, 0, 5, 7, 9, 13, 15, 17, 19, 21],  # digits count as the letters of their rank
                    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23],
                   strict=True))
_CF_EVEN = {c: (i if i < 10 else i - 10) for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def _cf_ok(c: np.ndarray) -> np.ndarray:
    odd, even = np.zeros(256, np.int64), np.zeros(256, np.int64)
    for ch, v in _CF_ODD.items():
        odd[ord(ch)] = v
    for ch, v in _CF_EVEN.items():
        even[ord(ch)] = v
    total = odd[c[:, 0:15:2]].sum(axis=1) + even[c[:, 1:15:2]].sum(axis=1)
    return total % 26 + ord("A") == c[:, 15]


def _nie_ok(c: np.ndarray) -> np.ndarray:
    number = (c[:, 0] - ord("X")) * 10 ** 7 + ((c[:, 1:8] - 48) * 10 ** np.arange(6, -1, -1)).sum(axis=1)
    return np.frombuffer(b"TRWAGMYFPDXBNJZSQVHLCKE", np.uint8)[number % 23] == c[:, 8]


def _pesel_ok(c: np.ndarray) -> np.ndarray:
    return ((c[:, :11] - 48) * np.array([1, 3, 7, 9, 1, 3, 7, 9, 1, 3, 1])).sum(axis=1) % 10 == 0


def _personnummer_ok(c: np.ndarray) -> np.ndarray:
    d = c[:, :10] - 48
    doubled = d[:, 0:10:2] * 2
    return ((doubled // 10 + doubled % 10).sum(axis=1) + d[:, 1:10:2].sum(axis=1)) % 10 == 0


CHECKS = {"sv_nummer": (12, _sv_ok), "codice_fiscale": (16, _cf_ok), "nie": (9, _nie_ok), "pesel": (11, _pesel_ok),
          "personnummer": (10, _personnummer_ok)}


@pytest.mark.parametrize("name", NAMES)
def test_a_million_values_pass_the_countrys_check(name):
    values = _generate(name, np.arange(N, dtype=np.int64))
    width, ok = CHECKS[name]
    assert pc.all(pc.equal(pc.utf8_length(pc.replace_substring(values, "-", "")), width)).as_py()
    good = ok(_chars(values, width))
    assert good.all(), values.filter(pa.array(~good))[:5]
    regex = registry.get(name).facts.regex(registry.get(name).validate_params({}), "en_US")
    assert pc.all(pc.match_substring_regex(values, regex)).as_py()


def _faker_checks() -> dict:
    ssn = "faker.providers.ssn"
    it, pl, es = (importlib.import_module(f"{ssn}.{loc}") for loc in ("it_IT", "pl_PL", "es_ES"))
    from faker import Faker
    from faker.utils.checksums import calculate_luhn

    de = next(p for p in Faker("de_DE").providers if type(p).__module__ == f"{ssn}.de_DE")
    return {
        "sv_nummer": lambda v: de._Provider__get_rvnr_checkdigit(v[:11]) == v[11],
        "codice_fiscale": lambda v: it.checksum(v[:15]) == v[15],
        "nie": lambda v: es.Provider._calculate_control_doi(str("XYZ".index(v[0])) + v[1:8]) == v[8],
        "pesel": lambda v: pl.checksum([int(x) for x in v[:10]]) == int(v[10]),
        "personnummer": lambda v: str(calculate_luhn(int(v.replace("-", "")[:9]))) == v[-1],
    }


@pytest.mark.parametrize("name", NAMES)
def test_fakers_own_check_functions_agree(name):
    check = _faker_checks()[name]
    assert all(check(v) for v in _generate(name, np.arange(3000, dtype=np.int64)).to_pylist())


def _birth_dates(name: str, values: list[str]) -> list[dt.date]:
    out = []
    for v in values:
        if name == "sv_nummer":
            out.append(dt.datetime.strptime(v[2:8], "%d%m%y").date())
        elif name == "personnummer":
            out.append(dt.datetime.strptime(v[:6], "%y%m%d").date())
        elif name == "pesel":
            month = int(v[2:4])
            out.append(dt.date((2000 if month > 20 else 1900) + int(v[:2]), month % 20, int(v[4:6])))
        elif name == "codice_fiscale":
            month = "ABCDEHLMPRST".index(v[8]) + 1
            day = int(v[9:11]) % 40
            out.append(dt.date((1900 if int(v[6:8]) >= 30 else 2000) + int(v[6:8]), month, day))
    return out


@pytest.mark.parametrize("name", ["sv_nummer", "codice_fiscale", "pesel", "personnummer"])
def test_birth_dates_are_real_days(name):
    values = _generate(name, np.arange(50_000, dtype=np.int64)).to_pylist()
    dates = _birth_dates(name, values)  # an impossible day (31 April, 29 February 1931) raises
    assert len(set(dates)) > 10_000


def test_sex_is_written_consistently():
    sv = _generate("sv_nummer", np.arange(20_000, dtype=np.int64)).to_pylist()
    assert {int(v[9:11]) < 50 for v in sv} == {True, False}
    cf = _generate("codice_fiscale", np.arange(20_000, dtype=np.int64)).to_pylist()
    women = [v for v in cf if int(v[9:11]) > 40]
    assert 0.3 < len(women) / len(cf) < 0.7
    surname_code = importlib.import_module("mock_pipelines.core.generators.national_ids_eu").surname_code
    assert re.fullmatch(r"[A-Z]{3}", surname_code("Rossi")) and surname_code("Rossi") == "RSS"
    assert surname_code("Fo") == "FOX"


@pytest.mark.parametrize("name", NAMES)
def test_unique_values_and_values_that_depend_only_on_the_row(name):
    rows = np.arange(200_000, dtype=np.int64)
    assert len(pc.unique(_generate(name, rows, unique=True))) == len(rows)
    rows = rows[:30_000]
    whole = _generate(name, rows)
    parts = pa.concat_arrays([_generate(name, rows[i:i + 777]) for i in range(0, len(rows), 777)])
    assert parts.equals(whole)


@pytest.mark.parametrize(("locale", "name"), [("it_IT", "codice_fiscale"), ("pl_PL", "pesel"),
                                              ("sv_SE", "personnummer")])
def test_national_id_is_the_locales_own(locale, name):
    rows = np.arange(5000, dtype=np.int64)
    assert _generate("national_id", rows, locale=locale).equals(_generate(name, rows, locale=locale))
    facts = registry.get("national_id").facts
    assert facts.check_digits({}, locale) == registry.get(name).facts.check_digits(
        registry.get(name).validate_params({}), locale)
    assert facts.regex({}, locale) == registry.get(name).facts.regex(registry.get(name).validate_params({}), locale)
