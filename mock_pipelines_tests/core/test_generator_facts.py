"""Every format and range the rules assume holds for what the generators actually produce."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import registry
from mock_pipelines.core.registry import GenContext
from mock_pipelines.quality.formats import FORMATS, RANGES, format_regex, value_range

ROWS = np.arange(20_000, dtype=np.int64)
VARIANTS = {
    "pattern": [{"format": "RMA-########"}, {"format": r"??-**\#-#"}],
    "sku": [{}, {"format": "***-##"}],
    "zipcode": [{}, {"plus4": True}],
    "mac_address": [{}, {"separator": "-", "upper": True}],
    "hex_id": [{}, {"length": 8, "upper": True}],
    "nanoid": [{}, {"size": 10}],
    "account_number": [{}, {"length": 12}],
    "country_code": [{}, {"alpha3": True}],
    "semver": [{"prerelease": 0.5}],
    "email": [{}, {"domain": "example.com", "free": False}],
    "normal": [{"mean": 5, "std": 2, "min": 0, "max": 8, "round": 1}],
    "lognormal": [{"mean": 1, "sigma": 0.5, "max": 10}],
    "exponential": [{"scale": 3}],
    "integer": [{"min": -5, "max": 5}],
    "uniform": [{"min": 2, "max": 3, "round": 2}],
    "poisson": [{"lam": 3, "max": 6}],
    "zipf": [{"s": 1.3, "n": 15, "start": 1}],
    "date": [{"start": "2021-02-03", "end": "2021-03-01"}],
    "timestamp": [{"start": "2021-02-03", "end": "2021-02-04"}],
}


def values(name: str, params: dict, locale: str = "en_US", unique: bool = False) -> pa.Array:
    gen = registry.get(name)
    p = gen.validate_params(params)
    ctx = GenContext(rows=ROWS, key=987654321, locale=locale, unique=unique, table_rows=len(ROWS), table_key=42)
    out = gen(ctx, **p)
    return out.dictionary_decode() if pa.types.is_dictionary(out.type) else out


def cases(table: dict) -> list:
    return [(name, params) for name in table for params in VARIANTS.get(name, [{}])]


@pytest.mark.parametrize(("name", "params"), cases(FORMATS))
def test_format_matches_every_generated_value(name, params):
    gen = registry.get(name)
    for unique in (False, True) if gen.supports_unique else (False,):
        regex = format_regex(name, gen.validate_params(params), "en_US")
        assert regex is not None
        col = values(name, params, unique=unique)
        compiled = re.compile(regex)
        bad = [v for v in col.to_pylist() if v is not None and not compiled.match(v)]
        assert not bad, f"{name}{params}: {bad[:5]} do not match {regex}"
        assert pc.all(pc.match_substring_regex(col, regex)).as_py()  # RE2 agrees with Python re
        assert not compiled.match(col[0].as_py() + " x")


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "ja_JP"])
def test_zipcode_format_in_other_locales(locale):
    regex = format_regex("zipcode", {"plus4": False}, locale)
    assert all(re.match(regex, v) for v in values("zipcode", {}, locale).to_pylist())


@pytest.mark.parametrize(("name", "params"), cases(RANGES))
def test_range_holds_for_every_generated_value(name, params):
    gen = registry.get(name)
    lo, hi = value_range(name, gen.validate_params(params))
    col = values(name, params)
    if pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):
        col = col.cast(pa.timestamp("us"))
        lo = None if lo is None else pa.scalar(lo, pa.timestamp("us"))
        hi = None if hi is None else pa.scalar(hi, pa.timestamp("us"))
    mm = pc.min_max(col).as_py()
    lo = lo.as_py() if isinstance(lo, pa.Scalar) else lo
    hi = hi.as_py() if isinstance(hi, pa.Scalar) else hi
    assert lo is None or mm["min"] >= lo, (name, mm, lo)
    assert hi is None or mm["max"] <= hi, (name, mm, hi)
