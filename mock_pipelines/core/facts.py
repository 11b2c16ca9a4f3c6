"""What a generator promises about its values, declared once beside the generator (``@generator(facts=…)``).

A generator states, as functions of its validated parameters (and the locale for formats):

* ``range``: the lowest and highest value it can produce (either may be None: unbounded on that side);
* ``regex``: the format every value is written in, an anchored regular expression in the common subset of
  Python ``re`` (Great Expectations on pandas) and RE2 (``pyarrow.compute``), or None where it has none;
* ``model``: the distribution it draws from (one of the value models below), which the quality checks
  test and the report draws;
* ``values``: the set of values it can produce (with their weights), for generators that take the set as
  a parameter;
* ``checksum``: the check-digit scheme its values carry (a name of :data:`mock_pipelines.core.checksums.
  CHECKSUMS`: ``luhn``, ``iban``, ``nif``, …), as a function of its parameters and the locale, or None;
* ``nulls``: whether it leaves some values null by itself with these parameters (a sensor's dropouts), so
  the column is nullable without a ``null_rate``.

A generator with none of these says so with :data:`NO_FACTS`; the catalogue test fails for a generator that
declares nothing. Quality rules, the report and DDL CHECK constraints read these facts and nothing else, so
a fact is written once, next to the code that makes it true.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

Bound = float | int | dt.datetime | None
Params = Mapping[str, Any]

# (params) -> (lo, hi); params are validated (defaults filled in).
ValueRange = Callable[[Params], tuple[Bound, Bound]]
# (params, locale) -> anchored regex or None.
FormatRegex = Callable[[Params, str], "str | None"]
# (params, locale) -> name of a check-digit scheme (mock_pipelines.core.checksums) or None.
ChecksumFn = Callable[[Params, str], "str | None"]
# (params) -> True when the generator itself leaves some values null.
NullsFn = Callable[[Params], bool]


# ---- value models: the distribution a generator draws from ------------------------------------------------

@dataclass(frozen=True)
class Normal:
    mean: float
    std: float
    lo: float | None = None  # clipped to [lo, hi]
    hi: float | None = None


@dataclass(frozen=True)
class LogNormal:
    """exp(N(mu, sigma)), clipped to [lo, hi]."""

    mu: float
    sigma: float
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class Exponential:
    scale: float
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class Uniform:
    """Continuous uniform on [lo, hi). ``exact`` False: the values are rounded or moved after the draw, so
    the model is drawn in the report but no statistical check is derived from it."""

    lo: float
    hi: float
    exact: bool = True


@dataclass(frozen=True)
class BoundedLogNormal:
    """A log-normal of (x - lo + 1) truncated to [lo, hi] (prices and amounts); ``median`` as declared."""

    lo: float
    hi: float
    mu: float
    sigma: float
    median: float | None = None


@dataclass(frozen=True)
class UniformInt:
    """Integers uniform in [lo, hi] (inclusive)."""

    lo: int
    hi: int


@dataclass(frozen=True)
class Poisson:
    """shift + Poisson(lam), clipped to [lo, hi]; ``label``: the generator's own name for it, if any."""

    lam: float
    shift: int = 0
    lo: int | None = None
    hi: int | None = None
    label: str = ""

    def pmf(self) -> np.ndarray:
        """P(shift + 0), P(shift + 1), … before clipping."""
        return poisson_pmf(self.lam)


@dataclass(frozen=True)
class Zipf:
    """Ranks start, start+1, … start+n-1 with P(rank k) ∝ k^-s."""

    s: float
    n: int
    start: int = 1


@dataclass(frozen=True)
class Categorical:
    """Values with weights (need not sum to 1), in declaration order."""

    weights: Mapping[Any, float]
    label: str


ValueModel = Normal | LogNormal | Exponential | Uniform | BoundedLogNormal | UniformInt | Poisson | Zipf | Categorical
ModelFn = Callable[[Params], "ValueModel | None"]


@dataclass(frozen=True)
class ValueSet:
    """The only values a generator produces, each with its weight (in declaration order)."""

    values: tuple[Any, ...]
    weights: tuple[float, ...]


ValuesFn = Callable[[Params], ValueSet]


@dataclass(frozen=True)
class Facts:
    """The facts one generator declares. Every field None is :data:`NO_FACTS`: nothing to check."""

    range: ValueRange | None = None
    regex: FormatRegex | None = None
    model: ModelFn | None = None
    values: ValuesFn | None = None
    checksum: ChecksumFn | None = None
    nulls: NullsFn | None = None

    def value_range(self, params: Params) -> tuple[Bound, Bound] | None:
        if self.range is None:
            return None
        lo, hi = self.range(params)
        return None if lo is None and hi is None else (lo, hi)

    def format_regex(self, params: Params, locale: str) -> str | None:
        return self.regex(params, locale) if self.regex is not None else None

    def value_model(self, params: Params) -> ValueModel | None:
        return self.model(params) if self.model is not None else None

    def value_set(self, params: Params) -> ValueSet | None:
        return self.values(params) if self.values is not None else None

    def check_digits(self, params: Params, locale: str) -> str | None:
        """The check-digit scheme the values carry (a name of ``checksums.CHECKSUMS``), or None."""
        return self.checksum(params, locale) if self.checksum is not None else None

    def makes_nulls(self, params: Params) -> bool:
        """True when the generator leaves some values null by itself with these parameters."""
        return self.nulls is not None and bool(self.nulls(params))


def scheme(name: str) -> ChecksumFn:
    """``checksum=scheme("luhn")``: the same check-digit scheme whatever the parameters and locale."""
    from mock_pipelines.core.checksums import CHECKSUMS

    if name not in CHECKSUMS:
        raise ValueError(f"unknown check-digit scheme {name!r}; known: {', '.join(CHECKSUMS)}")
    return lambda _p, _l: name


# Said on purpose by a generator whose values have no range, format, model or fixed set worth checking
# (names, free text, addresses): not an omission.
NO_FACTS = Facts()


# ---- shared by the generators and their facts -------------------------------------------------------------

def poisson_pmf(lam: float) -> np.ndarray:
    """P(0..upper) of Poisson(lam) over the table the generators invert (its last entry takes the tail)."""
    if lam <= 0:
        return np.ones(1)
    pmf = poisson_table(lam)
    pmf[-1] += max(0.0, 1.0 - pmf.sum())
    return pmf


def poisson_table(lam: float) -> np.ndarray:
    """P(0..upper) of Poisson(lam) for lam > 0, up to lam + 12√lam + 12 (the tail beyond is below 1e-30)."""
    upper = int(lam + 12 * np.sqrt(lam) + 12)
    k = np.arange(upper + 1)
    log_pmf = k * np.log(lam) - lam - np.cumsum(np.log(np.maximum(k, 1)))
    return np.exp(log_pmf)


def zipf_weights(s: float, n: int) -> np.ndarray:
    """Unnormalised P(rank k) ∝ k^-s for ranks 1..n."""
    return np.arange(1, n + 1, dtype=np.float64) ** -float(s)
