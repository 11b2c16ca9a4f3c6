"""The catalogue of generator facts: every generator declares its facts (or, on purpose, that it has none), and
every declared format, range and value set holds for what the generator actually produces."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import facts, registry
from mock_pipelines.core.registry import GenContext

ROWS = np.arange(20_000, dtype=np.int64)
LOCALES = ("en_US", "de_DE", "fr_FR", "ja_JP")
VARIANTS = {
    "pattern": [{"format": "RMA-########"}, {"format": r"??-**\#-#"}],
    "sku": [{}, {"format": "***-##"}],
    "zipcode": [{}, {"plus4": True}],
    "mac_address": [{}, {"separator": "-", "upper": True}],
    "hex_id": [{}, {"length": 8, "upper": True}],
    "hex_color": [{}, {"upper": True}],
    "rgb_color": [{}, {"css": True}],
    "license_plate": [{}, {"country": "GB"}, {"country": "US"}],
    "passport_number": [{}, {"country": "GB"}],
    "uuid7": [{}, {"start": "1970-01-01", "end": "1970-01-02"}],
    "nanoid": [{}, {"size": 10}],
    "account_number": [{}, {"length": 12}],
    "country_code": [{}, {"alpha3": True}],
    "iban": [{}, {"formatted": True}],
    "semver": [{"prerelease": 0.5}],
    "email": [{}, {"domain": "example.com", "free": False}],
    "normal": [{"mean": 5, "std": 2, "min": 0, "max": 8, "round": 1}, {}],
    "lognormal": [{"mean": 1, "sigma": 0.5, "max": 10}],
    "exponential": [{"scale": 3}],
    "integer": [{"min": -5, "max": 5}],
    "uniform": [{"min": 2, "max": 3, "round": 2}],
    "poisson": [{"lam": 3, "max": 6}, {"lam": 2, "min": 1}],
    "zipf": [{"s": 1.3, "n": 15, "start": 1}],
    "quantity": [{}, {"mean": 3, "max": 4}],
    "rating": [{}, {"weights": [1, 1, 1, 1, 1]}],
    "price": [{}, {"min": 5, "max": 50, "distribution": "uniform", "charm": True}],
    "amount": [{}, {"min": 10, "max": 20, "decimals": 0}],
    "date": [{"start": "2021-02-03", "end": "2021-03-01"}],
    "timestamp": [{"start": "2021-02-03", "end": "2021-02-04"}],
    "date_of_birth": [{}, {"min_age": 0, "max_age": 3, "reference": "2024-02-29"}],
    "sequence": [{}, {"start": 100, "step": -3}, {"start": 7, "step": 0}],
    "choice": [{"values": {"card": 3, "cash": 1, "voucher": 0}}, {"values": [1, 2, 3]}],
    "constant": [{"value": "EUR"}],
    "height_cm": [{}, {"sex": "female", "min": 150, "max": 160}],
    "duration_seconds": [{}, {"max": 600}],
    "json_array": [{}, {"values": ["red", 1, True], "min_items": 1}],
    "json_object": [{"fields": {"newsletter": "boolean", "language": "language_name", "note": "sentence"}}],
}
# Values that depend on the table around them (a parent's children, the row's series and time), not on the
# generator alone; the time series' ranges are tested in core/test_series.py.
NEEDS_TABLE = {"child_index", "random_walk", "mean_reverting", "seasonal", "sensor"}


def values(name: str, params: dict, locale: str = "en_US", unique: bool = False) -> pa.Array:
    gen = registry.get(name)
    p = gen.validate_params(params)
    rows = ROWS if locale == "en_US" else ROWS[:5_000]
    ctx = GenContext(rows=rows, key=987654321, locale=locale, unique=unique, table_rows=len(rows), table_key=42)
    out = gen(ctx, **p)
    return out.dictionary_decode() if pa.types.is_dictionary(out.type) else out


def declaring(field: str) -> list[tuple[str, dict]]:
    return [(g.name, params) for g in registry.catalogue() if g.facts is not None
            and getattr(g.facts, field) is not None and g.name not in NEEDS_TABLE
            for params in VARIANTS.get(g.name, [{}])]


def test_every_generator_declares_its_facts_or_none():
    undeclared = [g.name for g in registry.catalogue() if g.facts is None]
    assert not undeclared, f"declare facts=… (or facts=NO_FACTS) for {undeclared}"


def test_no_facts_is_the_empty_declaration():
    assert facts.Facts() == facts.NO_FACTS
    quiet = [g.name for g in registry.catalogue() if g.facts is facts.NO_FACTS]
    assert "first_name" in quiet and "email" not in quiet


def test_an_undeclared_generator_is_caught(monkeypatch):
    fake = registry.Generator(name="undeclared", fn=lambda ctx: pa.array([]), category="x", returns="int",
                              description="", example="", params=())
    monkeypatch.setitem(registry.REGISTRY, "undeclared", fake)
    with pytest.raises(AssertionError, match="undeclared"):
        test_every_generator_declares_its_facts_or_none()


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("name", "params"), declaring("regex"))
def test_format_matches_every_generated_value(name, params, locale):
    gen = registry.get(name)
    assert gen.facts is not None
    regex = gen.facts.format_regex(gen.validate_params(params), locale)
    if regex is None:
        assert locale != "en_US" or params, f"{name} declares no format for en_US"
        return
    for unique in (False, True) if gen.supports_unique else (False,):
        col = values(name, params, locale, unique=unique)
        compiled = re.compile(regex)
        bad = [v for v in col.to_pylist() if v is not None and not compiled.match(v)]
        assert not bad, f"{name}{params} in {locale}: {bad[:5]} do not match {regex}"
        assert pc.all(pc.match_substring_regex(col, regex)).as_py()  # RE2 agrees with Python re
        assert not compiled.match(col[0].as_py() + " x")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("name", "params"), declaring("range"))
def test_range_holds_for_every_generated_value(name, params, locale):
    gen = registry.get(name)
    assert gen.facts is not None
    bounds = gen.facts.value_range(gen.validate_params(params))
    if bounds is None:  # an unclipped normal: unbounded on both sides
        assert name == "normal", f"{name}{params} declares a range that bounds nothing"
        return
    lo, hi = bounds
    col = values(name, params, locale)
    if pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):
        col = col.cast(pa.timestamp("us"))
        lo = None if lo is None else pa.scalar(lo, pa.timestamp("us")).as_py()
        hi = None if hi is None else pa.scalar(hi, pa.timestamp("us")).as_py()
    mm = pc.min_max(col).as_py()
    assert lo is None or mm["min"] >= lo, (name, mm, lo)
    assert hi is None or mm["max"] <= hi, (name, mm, hi)


@pytest.mark.parametrize(("name", "params"), declaring("values"))
def test_value_set_holds_every_generated_value(name, params):
    gen = registry.get(name)
    assert gen.facts is not None
    declared = gen.facts.value_set(gen.validate_params(params))
    assert declared is not None and len(declared.values) == len(declared.weights)
    got = set(values(name, params).to_pylist())
    assert got <= set(declared.values)
    assert got == {v for v, w in zip(declared.values, declared.weights, strict=True) if w > 0}


@pytest.mark.parametrize(("name", "params"), declaring("model"))
def test_model_is_declared_for_the_defaults_and_matches_the_range(name, params):
    """A model's support lies within the declared range (the report draws one, the checks test the other)."""
    gen = registry.get(name)
    assert gen.facts is not None
    p = gen.validate_params(params)
    model = gen.facts.value_model(p)
    assert model is not None
    bounds = gen.facts.value_range(p)
    col = values(name, params)
    if isinstance(model, facts.Categorical):
        keys = {str(k).lower() for k in model.weights}
        assert {str(v).lower() for v in col.to_pylist()} <= keys
    elif isinstance(model, facts.Poisson | facts.UniformInt | facts.Zipf):
        assert pa.types.is_integer(col.type)
    if bounds is not None and isinstance(model, facts.UniformInt):
        assert (model.lo, model.hi) == bounds
    if bounds is not None and isinstance(model, facts.Zipf):
        assert (model.start, model.start + model.n - 1) == bounds


def test_one_poisson_table_for_generator_checks_and_report():
    from mock_pipelines.core.generators.numeric import poisson_from_uniform

    pmf = facts.poisson_pmf(3.5)
    assert pmf.sum() == pytest.approx(1.0)
    u = np.linspace(0, 1, 200_001)[:-1]
    counts = np.bincount(poisson_from_uniform(u, 3.5), minlength=len(pmf)) / len(u)
    np.testing.assert_allclose(counts[:12], pmf[:12], atol=2e-5)
