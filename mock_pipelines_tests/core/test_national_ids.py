"""National identifiers: every value of a million passes its country's check-digit rule (checked here by an
independent implementation of each rule), matches the generator's declared regex, is unique with
unique=true, and depends only on the row index (the same in any chunking)."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import registry
from mock_pipelines.core.registry import GenContext

N = 1_000_000


def _generate(name: str, rows: np.ndarray, unique: bool = True, locale: str = "en_US", **params) -> pa.Array:
    gen = registry.get(name)
    ctx = GenContext(rows=rows, key=20240601, unique=unique, locale=locale)
    return gen(ctx, **gen.validate_params(params))


def _digits(values: pa.Array, width: int) -> np.ndarray:
    """(n, width) digit matrix of strings made of digits only (separators removed first)."""
    plain = pc.replace_substring_regex(values, "[ -]", "")
    raw = np.frombuffer(pc.binary_join_element_wise(plain, "").buffers()[2], dtype=np.uint8)
    return (raw[: len(values) * width].reshape(len(values), width) - ord("0")).astype(np.int64)


def _ssn_ok(d: np.ndarray) -> np.ndarray:
    area = d[:, 0] * 100 + d[:, 1] * 10 + d[:, 2]
    group = d[:, 3] * 10 + d[:, 4]
    serial = d[:, 5] * 1000 + d[:, 6] * 100 + d[:, 7] * 10 + d[:, 8]
    return (area > 0) & (area != 666) & (area < 900) & (group > 0) & (serial > 0)


def _bsn_ok(d: np.ndarray) -> np.ndarray:
    return (d @ np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])) % 11 == 0


def _nhs_ok(d: np.ndarray) -> np.ndarray:
    check = 11 - (d[:, :9] @ np.arange(10, 1, -1)) % 11
    return np.where(check == 11, 0, check) == d[:, 9]  # a check of 10 never equals a digit


def _my_number_ok(d: np.ndarray) -> np.ndarray:
    # weights from the right: n + 1 for n = 1..6, n - 5 for n = 7..11
    weights = np.array([n + 1 if n <= 6 else n - 5 for n in range(11, 0, -1)])
    r = (d[:, :11] @ weights) % 11
    return np.where(r <= 1, 0, 11 - r) == d[:, 11]


def _nir_ok(d: np.ndarray) -> np.ndarray:
    number = d[:, :13] @ (10 ** np.arange(12, -1, -1, dtype=np.int64))
    return 97 - number % 97 == d[:, 13] * 10 + d[:, 14]


CASES = {"ssn": (9, _ssn_ok), "bsn": (9, _bsn_ok), "nhs_number": (10, _nhs_ok), "my_number": (12, _my_number_ok),
         "nir": (15, _nir_ok)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_value_of_a_million_passes_the_check_digit_rule_and_is_unique(name):
    width, ok = CASES[name]
    values = _generate(name, np.arange(N, dtype=np.int64))
    assert ok(_digits(values, width)).all()
    assert pc.count_distinct(values).as_py() == N
    regex = registry.get(name).facts.regex(registry.get(name).validate_params({}), "en_US")
    assert pc.all(pc.match_substring_regex(values, regex)).as_py()
    wrong = _digits(values, width)
    if name == "ssn":  # the rule is not vacuous: area 666 is refused
        wrong[:, :3] = 6
    else:  # the rule is not vacuous: a changed check digit is refused
        wrong[:, -1] = (wrong[:, -1] + 1) % 10
    assert not ok(wrong).any()


def test_dni_letters_are_the_number_mod_23():
    values = _generate("dni", np.arange(N, dtype=np.int64))
    number = _digits(pc.utf8_slice_codeunits(values, 0, 8), 8) @ (10 ** np.arange(7, -1, -1))
    letters = np.frombuffer(pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 8, 9), "").buffers()[2],
                            dtype=np.uint8)[:N]
    assert (np.frombuffer(b"TRWAGMYFPDXBNJZSQVHLCKE", np.uint8)[number % 23] == letters).all()
    assert pc.count_distinct(values).as_py() == N


def _steuer_id_ok(number: str) -> bool:
    """The German tax id rules as written by the Federal Central Tax Office (scalar, independent)."""
    if len(number) != 11 or number[0] == "0":
        return False
    repeated = [c for c in Counter(number[:10]).values() if c > 1]
    if repeated not in ([2], [3]):
        return False
    product = 10
    for ch in number[:10]:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    return (11 - product) % 10 == int(number[10])


def test_steuer_ids_follow_the_digit_rules_and_are_unique():
    values = _generate("steuer_id", np.arange(N, dtype=np.int64))
    assert pc.count_distinct(values).as_py() == N
    sample = values.take(pa.array(np.arange(0, N, 37))).to_pylist()
    assert all(_steuer_id_ok(v) for v in sample)
    assert not _steuer_id_ok("12345678901")  # no repeated digit


@pytest.mark.parametrize("name", ["ssn", "steuer_id", "nir", "my_number", "bsn", "dni", "nhs_number"])
def test_values_depend_only_on_the_row(name):
    rows = np.arange(10_000, 30_000, dtype=np.int64)
    whole = _generate(name, rows, unique=False)
    parts = pa.concat_arrays([_generate(name, rows[i:i + 777], unique=False) for i in range(0, len(rows), 777)])
    assert parts.equals(whole)


@pytest.mark.parametrize(("locale", "pattern"), [("en_US", r"^\d{3}-\d{2}-\d{4}$"), ("de_DE", r"^[1-9]\d{10}$"),
                                                 ("fr_FR", r"^[12]\d{14}$"), ("ja_JP", r"^\d{12}$")])
def test_national_id_is_the_locales_own(locale, pattern):
    values = _generate("national_id", np.arange(2000, dtype=np.int64), locale=locale).to_pylist()
    assert all(re.match(pattern, v) for v in values)
    regex = registry.get("national_id").facts.regex({}, locale)
    assert all(re.match(regex, v) for v in values)
