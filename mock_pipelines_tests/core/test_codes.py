"""ISBN-13, ISBN-10 and VIN: every value of a million carries a valid check character (an independent
implementation of each rule here), matches its regex and is unique with unique=true."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import registry
from mock_pipelines.core.registry import GenContext

N = 1_000_000


def _matrix(name: str, width: int) -> tuple[np.ndarray, object]:
    gen = registry.get(name)
    values = gen(GenContext(rows=np.arange(N, dtype=np.int64), key=77, unique=True))
    assert pc.count_distinct(values).as_py() == N
    assert pc.all(pc.match_substring_regex(values, gen.facts.regex({}, "en_US"))).as_py()
    raw = np.frombuffer(pc.binary_join_element_wise(values, "").buffers()[2], dtype=np.uint8)
    return raw[: N * width].reshape(N, width), values


def test_isbn13_check_digits():
    m, _ = _matrix("isbn13", 13)
    d = (m - ord("0")).astype(np.int64)
    assert (d @ np.array([1, 3] * 6 + [1]) % 10 == 0).all()


def test_isbn10_check_characters():
    m, _ = _matrix("isbn10", 10)
    d = (m - ord("0")).astype(np.int64)
    d[:, 9] = np.where(m[:, 9] == ord("X"), 10, d[:, 9])
    assert (d @ np.arange(10, 0, -1) % 11 == 0).all()
    assert (m[:, 9] == ord("X")).any()


_TRANSLIT = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
                     strict=True))


@pytest.mark.parametrize("known", ["1HGCM82633A004352", "1M8GDM9AXKP042788"])
def test_vin_check_digits(known):
    value = np.zeros(256, dtype=np.int64)
    for c in "0123456789":
        value[ord(c)] = int(c)
    for c, v in _TRANSLIT.items():
        value[ord(c)] = v
    weights = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2])
    m, _ = _matrix("vin", 17)
    known_m = np.frombuffer(known.encode(), np.uint8)[None, :]
    for matrix in (known_m, m):
        s = value[matrix] @ weights % 11
        assert (np.where(s == 10, ord("X"), s + ord("0")) == matrix[:, 8]).all()
    assert not np.isin(m, np.frombuffer(b"IOQ", np.uint8)).any()
