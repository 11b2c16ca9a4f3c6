"""Locale vocabularies built once per process from Faker's provider data, then sampled with numpy.

A vocabulary is an Arrow string array plus optional weights. Sources are registered by name; each
receives a locale and returns either a sequence of strings or a mapping value → weight (Faker keeps
frequency-weighted name lists for several locales). Building reads Faker's data modules only — no network.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core.registry import GenContext

SUPPORTED_LOCALES = ("en_US", "de_DE", "fr_FR", "ja_JP")

_SOURCES: dict[str, Callable[[str], Sequence[str] | Mapping[str, float]]] = {}


def source(name: str) -> Callable[[Callable[[str], Any]], Callable[[str], Any]]:
    """Register a vocabulary source ``name`` (a function of the locale)."""

    def register(fn: Callable[[str], Any]) -> Callable[[str], Any]:
        if name in _SOURCES:
            raise ValueError(f"vocabulary {name!r} registered twice")
        _SOURCES[name] = fn
        return fn

    return register


class WeightedIndex:
    """Inverse-CDF sampling of weighted indices, exact and fast.

    Equal to ``searchsorted(cdf, u, side="right")``, but a guide table of 2**18 buckets answers most draws
    with two gathers; only draws in a bucket that straddles a CDF step fall back to the binary search.
    """

    BUCKETS = 1 << 18

    def __init__(self, cdf: np.ndarray):
        self.cdf = np.asarray(cdf, dtype=np.float64)
        self.last = len(self.cdf) - 1
        edges = np.arange(self.BUCKETS + 1, dtype=np.float64) / self.BUCKETS
        self.guide = np.minimum(np.searchsorted(self.cdf, edges, side="right"), self.last).astype(np.int32)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        bucket = (u * self.BUCKETS).astype(np.int64)
        lo = self.guide[bucket]
        straddle = lo != self.guide[bucket + 1]
        if straddle.any():
            lo[straddle] = np.minimum(np.searchsorted(self.cdf, u[straddle], side="right"), self.last)
        return lo.astype(np.int64)


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
        return self.sampler(ctx.uniform(stream))

    def sample(self, ctx: GenContext, stream: int = 0) -> pa.Array:
        return self.values.take(pa.array(self.indices(ctx, stream), type=pa.int64()))

    def unique_sample(self, ctx: GenContext) -> pa.Array:
        """Distinct values for distinct rows (while rows < len): a keyed permutation of the row index."""
        return self.values.take(pa.array(ctx.unique_index(len(self.values)), type=pa.int64()))


@cache
def vocabulary(name: str, locale: str = "en_US") -> Vocabulary:
    """The vocabulary ``name`` for ``locale`` (built once per process, then served from memory)."""
    _load_sources()
    try:
        build = _SOURCES[name]
    except KeyError:
        raise KeyError(f"no vocabulary named {name!r}") from None
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


_SOURCES_LOADED = False


def _load_sources() -> None:
    global _SOURCES_LOADED
    if not _SOURCES_LOADED:
        _SOURCES_LOADED = True
        from mock_pipelines.core.registry import load_catalogue

        load_catalogue()  # generator modules register the vocabulary sources they use
