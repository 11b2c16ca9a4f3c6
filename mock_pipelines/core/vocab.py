"""Locale vocabularies built once per process from Faker's provider data, then sampled with numpy.

A vocabulary is an Arrow string array plus optional weights. Sources are registered by name; each
receives a locale and returns either a sequence of strings or a mapping value → weight (Faker keeps
frequency-weighted name lists for several locales). Building reads Faker's data modules only — no network.

A source that names the packages its data come from (``packages=``) is also kept on disk by
:mod:`mock_pipelines.core.vocab_cache`, keyed by those packages and by the modules that build it: a warm
process then reads the vocabulary back instead of importing Faker. A source whose inputs are not named is
built in every process.
"""

from __future__ import annotations

import importlib
import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core import random as rnd
from mock_pipelines.core.registry import GenContext
from mock_pipelines.core.vocab_cache import cached_table

_SOURCES: dict[str, Callable[[str], Sequence[str] | Mapping[str, float]]] = {}
# Sources kept on disk: name → (packages whose data the source reads, modules besides its own that shape it).
_CACHED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
# Faker's provider data: the one package most sources read.
FAKER = ("faker",)


def source(name: str, *, packages: Sequence[str] | None = None,
           modules: Sequence[str] = ()) -> Callable[[Callable[[str], Any]], Callable[[str], Any]]:
    """Register a vocabulary source ``name`` (a function of the locale). With ``packages`` (every package
    whose data it reads) the vocabulary is cached on disk, keyed by those packages, the source's own module,
    this module and ``modules`` (any other module whose code shapes the values)."""

    def register(fn: Callable[[str], Any]) -> Callable[[str], Any]:
        if name in _SOURCES:
            raise ValueError(f"vocabulary {name!r} registered twice")
        _SOURCES[name] = fn
        if packages is not None:
            _CACHED[name] = (tuple(packages), (fn.__module__, __name__, *modules))
        return fn

    return register


class WeightedIndex:
    """Inverse-CDF sampling of weighted indices, exact and fast.

    Equal to ``searchsorted(cdf, u, side="right")``, but a guide table (about 64 buckets per value, 2**12
    to 2**18 of them) answers most draws with two gathers; only draws in a bucket that straddles a CDF step
    fall back to the binary search.
    """

    BUCKETS = 1 << 18

    def __init__(self, cdf: np.ndarray):
        self.cdf = np.ascontiguousarray(cdf, dtype=np.float64)
        self.last = len(self.cdf) - 1
        # about 64 buckets per value (most draws then skip the search) and a table small enough for the cache
        self.buckets = min(self.BUCKETS, max(1 << 12, 1 << (64 * len(self.cdf) - 1).bit_length()))
        edges = np.arange(self.buckets + 1, dtype=np.float64) / self.buckets
        self.guide = np.minimum(np.searchsorted(self.cdf, edges, side="right"), self.last).astype(np.int32)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        if rnd.native is not None and np.ndim(u) == 1:
            out = np.empty(len(u), dtype=np.int64)
            rnd.native.weighted_into(np.ascontiguousarray(u, dtype=np.float64), self.cdf, self.guide, out)
            return out
        bucket = (u * self.buckets).astype(np.int64)
        lo = self.guide[bucket].astype(np.int64)
        hi = self.guide[bucket + 1]
        straddle = np.flatnonzero(lo != hi)
        if len(straddle):
            lo[straddle] = self._within(u[straddle], lo[straddle], hi[straddle].astype(np.int64))
        return lo

    def _within(self, u: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """``min(searchsorted(cdf, u, side="right"), last)`` for draws whose answer is known to lie in
        [lo, hi] (the guide entries of their bucket, which span a few values): a few vectorised halving steps
        over that range instead of a binary search of the whole CDF, with the same result."""
        while True:
            open_ = lo < hi
            if not open_.any():
                return lo
            mid = (lo + hi) >> 1
            right = (self.cdf[np.minimum(mid, self.last)] <= u) & open_
            lo = np.where(right, mid + 1, lo)
            hi = np.where(right | ~open_, hi, mid)

    @cached_property
    def _exact(self) -> tuple[np.ndarray, np.ndarray]:
        """Per bucket: the index as int64, and whether the bucket straddles a CDF step."""
        return self.guide[:-1].astype(np.int64), self.guide[:-1] != self.guide[1:]

    def from_bits(self, bits: np.ndarray) -> np.ndarray:
        """Same as ``self(u)`` for u = (bits >> 11) / 2**53 (the uniform of the same draw), without
        computing u except where a bucket straddles a CDF step; block by block, in cache."""
        if rnd.native is not None and bits.ndim == 1:
            out = np.empty(len(bits), dtype=np.int64)
            rnd.native.weighted_bits_into(np.ascontiguousarray(bits, dtype=np.uint64), self.cdf, self.guide, out)
            return out
        shift = np.uint64(64 - (self.buckets.bit_length() - 1))
        guide, straddles = self._exact
        out = np.empty(len(bits), dtype=np.int64)
        bucket = np.empty(min(len(bits), rnd.BLOCK), dtype=np.uint64)
        for start in range(0, len(bits), rnd.BLOCK):
            b = bits[start:start + rnd.BLOCK]
            k = np.right_shift(b, shift, out=bucket[:len(b)]).view(np.int64)  # = floor(u * buckets), exactly
            np.take(guide, k, out=out[start:start + rnd.BLOCK])
            fix = np.flatnonzero(np.take(straddles, k))
            if len(fix):
                u = (b[fix] >> np.uint64(11)).astype(np.float64) / float(2**53)
                bucket_of = k[fix]
                out[start + fix] = self._within(u, guide[bucket_of], self.guide[bucket_of + 1].astype(np.int64))
        return out


@dataclass(frozen=True)
class Vocabulary:
    name: str
    locale: str
    values: pa.Array
    cdf: np.ndarray | None  # cumulative weights normalised to 1, or None for uniform

    @cached_property
    def sampler(self) -> WeightedIndex | None:
        return WeightedIndex(self.cdf) if self.cdf is not None else None

    def __len__(self) -> int:
        return len(self.values)

    def indices(self, ctx: GenContext, stream: int = 0) -> np.ndarray:
        """One index per row: weighted by the vocabulary's frequencies, or uniform."""
        if self.sampler is None:
            return ctx.integers(len(self.values), stream)
        return self.sampler.from_bits(rnd.bits_blocked(ctx.key, ctx.rows, stream))

    def sample(self, ctx: GenContext, stream: int = 0) -> pa.Array:
        idx = self.indices(ctx, stream)
        return _remember(self.values.take(pa.array(idx, type=pa.int64())), self, idx)

    def unique_sample(self, ctx: GenContext) -> pa.Array:
        """Distinct values for distinct rows (while rows < len): a keyed permutation of the row index."""
        idx = ctx.unique_index(len(self.values))
        return _remember(self.values.take(pa.array(idx, type=pa.int64())), self, idx)


# Arrays made by Vocabulary.sample, while they are alive: array id → (weak reference, vocabulary, indices).
# A generator that reads such a column (an email built from the first_name column) can then work on the
# vocabulary indices instead of hashing the strings again. Pure memo: the values are the same either way.
_SAMPLES: dict[int, tuple[weakref.ref, Vocabulary, np.ndarray]] = {}


def _remember(arr: pa.Array, vocab: Vocabulary, idx: np.ndarray) -> pa.Array:
    key = id(arr)

    def forget(ref: weakref.ref, key: int = key) -> None:
        entry = _SAMPLES.get(key)
        if entry is not None and entry[0] is ref:
            del _SAMPLES[key]

    idx.flags.writeable = False  # shared with whoever reads the column
    try:
        _SAMPLES[key] = (weakref.ref(arr, forget), vocab, idx)
    except TypeError:  # not weak-referenceable: nothing to remember
        pass
    return arr


def sampled_from(arr: Any) -> tuple[Vocabulary, np.ndarray] | None:
    """(vocabulary, indices) when ``arr`` is, unchanged, the result of Vocabulary.sample; else None."""
    entry = _SAMPLES.get(id(arr))
    if entry is None or entry[0]() is not arr:
        return None
    return entry[1], entry[2]


@cache
def vocabulary(name: str, locale: str = "en_US") -> Vocabulary:
    """The vocabulary ``name`` for ``locale`` (built once per process, then served from memory)."""
    try:
        build = _source(name)
    except KeyError:
        raise KeyError(f"no vocabulary named {name!r}") from None
    inputs = _CACHED.get(name)
    if inputs is None:
        return _build(name, locale, build)
    packages, modules = inputs
    table = cached_table(f"vocab.{name}", locale, lambda: _to_table(_build(name, locale, build)),
                         packages=packages, modules=modules)
    values = table.column("value").combine_chunks()
    cdf = table.column("cdf").to_numpy() if "cdf" in table.column_names else None
    return Vocabulary(name, locale, values, cdf)


def _to_table(vocab: Vocabulary) -> pa.Table:
    """A vocabulary as stored on disk: its values, and its CDF when it is weighted."""
    columns = {"value": vocab.values} if vocab.cdf is None else {"value": vocab.values, "cdf": vocab.cdf}
    return pa.table(columns)


def _build(name: str, locale: str, build: Callable[[str], Sequence[str] | Mapping[str, float]]) -> Vocabulary:
    """Vocabulary ``name`` for ``locale`` from what its source returns."""
    data = build(locale)
    if isinstance(data, Mapping):
        items = [(str(k), float(w)) for k, w in data.items() if float(w) > 0]
        values = [k for k, _ in items]
        weights = np.array([w for _, w in items], dtype=np.float64)
        cdf = np.cumsum(weights) / weights.sum()
    else:
        values = list(dict.fromkeys(str(v) for v in data))  # de-duplicate, keep order
        cdf = None
    if not values:
        raise ValueError(f"vocabulary {name!r} is empty for locale {locale!r}")
    return Vocabulary(name, locale, pa.array(values, type=pa.string()), cdf)


def faker_attr(provider: str, locale: str, attr: str, fallback_locale: str = "en_US") -> Any:
    """An attribute of Faker's provider class for a locale (e.g. person/de_DE first_names_female).

    Falls back to the fallback locale's provider, then to the provider's base class, when a locale does
    not define the attribute.
    """
    for loc in (locale, fallback_locale):
        try:
            module = importlib.import_module(f"faker.providers.{provider}.{loc}")
        except ModuleNotFoundError:
            continue
        value = getattr(module.Provider, attr, None)
        if value is not None:
            return value
    base = importlib.import_module(f"faker.providers.{provider}")
    value = getattr(base.Provider, attr, None)
    if value is None:
        raise AttributeError(f"faker provider {provider!r} has no {attr!r} for {locale!r}")
    return value


@cache
def faker_has(provider: str, locale: str, attr: str, fallback_locale: str = "en_US") -> bool:
    """Whether :func:`faker_attr` finds the attribute (kept in the vocabulary cache, as Faker's data is)."""

    def present() -> bool:
        try:
            faker_attr(provider, locale, attr, fallback_locale)
        except AttributeError:
            return False
        return True

    return bool(_faker_fact(f"has.{provider}.{attr}.{fallback_locale}", locale, present))


@cache
def faker_data(provider: str, locale: str, attr: str, fallback_locale: str = "en_US") -> Any:
    """:func:`faker_attr` through JSON (tuples become lists, mappings plain dicts), kept in the vocabulary
    cache as Faker's data is: for lists and string-keyed mappings of strings and numbers."""
    return _faker_fact(f"data.{provider}.{attr}.{fallback_locale}", locale,
                       lambda: faker_attr(provider, locale, attr, fallback_locale))


def _faker_fact(name: str, locale: str, build: Callable[[], Any]) -> Any:
    """A JSON-able value read from Faker, cached on disk like the vocabularies (one-row table of JSON text)."""
    table = cached_table(f"faker.{name}", locale, lambda: pa.table({"json": [json.dumps(build())]}),
                         packages=FAKER, modules=(__name__,))
    return json.loads(table.column("json")[0].as_py())


def _source(name: str) -> Callable[[str], Sequence[str] | Mapping[str, float]]:
    """The builder of vocabulary ``name``: a source ``family.what`` is registered by the generator family
    module ``family``, imported on demand; any other name is looked for in the whole catalogue."""
    if name not in _SOURCES:
        from mock_pipelines.core.generators import FAMILIES, load_family

        family = name.split(".", 1)[0]
        if family in FAMILIES:
            load_family(family)
    if name not in _SOURCES:
        from mock_pipelines.core.registry import catalogue

        catalogue()
    return _SOURCES[name]
