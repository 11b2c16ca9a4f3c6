"""What a generator's values should look like, and how far a sample of n values may stray from it.

A :class:`Model` holds the exact mean, standard deviation, kurtosis and quantile function of what a
generator draws — clipping (min/max) and rounding included — computed here from the declared parameters,
never from data. The ``*Band`` classes turn a model into Great Expectations arguments for a sample of n
values, with tolerances derived from standard errors at a safe z (:data:`SAFE_Z` = 6, a one-sided tail
below 1e-9): a correct table passes at any size, a shifted one fails once n is moderate.

* mean: μ ± z·σ/√n (central limit theorem);
* standard deviation: σ ± z·σ·√((κ−1)/4n) (delta method; κ is the kurtosis, so heavy tails widen it);
* quantile q: the exact quantile function at q ± (z·√(q(1−q)/n) + 1/n) — a distribution-free band (the
  number of values below a point is binomial), so it holds for clipped, skewed and discrete columns alike;
* category shares (KL divergence): 2n·KL is the G statistic, χ² with k−1 degrees of freedom, so the bound is
  the χ² quantile at z (Wilson–Hilferty) over 2n;
* null share: p ± (z·√(p(1−p)/n) + 1/n).

Pure numpy and the standard library: no scipy, no Great Expectations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from mock_pipelines.quality.batch_summary import weighted_sum

SAFE_Z = 6.0
MIN_DISTRIBUTION_ROWS = 100  # fewer non-null values than this: distribution rules are skipped
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_STD = NormalDist()


@dataclass(frozen=True, eq=False)
class Model:
    """A column's declared distribution: exact moments and quantile function (after clipping/rounding)."""

    label: str
    mean: float
    sd: float
    kurtosis: float  # μ4/σ⁴ (3 for a normal distribution)
    quantile: Callable[[float], float]  # q in [0, 1] → value; ±inf at the ends of an unbounded support
    unit: float = 0.0  # rounding step of the written values (0: exact floats)


# ---- building models ------------------------------------------------------------------------------------

def _moments(x: np.ndarray, w: np.ndarray, grid: bool = True) -> tuple[float, float, float]:
    """Mean, sd and kurtosis of values x with weights w (on an even grid: trapezoid rule, error O(h²))."""
    if grid:
        w = w.copy()
        w[0] *= 0.5
        w[-1] *= 0.5
    w = w / w.sum()
    mean = weighted_sum(x, w)
    d = x - mean
    var = weighted_sum(d * d, w)
    m4 = weighted_sum(d ** 4, w)
    sd = math.sqrt(max(var, 0.0))
    return mean, sd, (m4 / var ** 2 if var > 0 else 1.0)


def _clipper(lo: float | None, hi: float | None) -> Callable[[float], float]:
    def clip(v: float) -> float:
        if lo is not None and v < lo:
            return float(lo)
        if hi is not None and v > hi:
            return float(hi)
        return v
    return clip


def _ppf(q: float) -> float:
    if q <= 0:
        return -math.inf
    if q >= 1:
        return math.inf
    return _STD.inv_cdf(q)


def _clip_label(lo: float | None, hi: float | None) -> str:
    if lo is None and hi is None:
        return ""
    return f" clipped to [{'-∞' if lo is None else f'{lo:g}'}, {'∞' if hi is None else f'{hi:g}'}]"


def normal(mean: float, std: float, lo: float | None = None, hi: float | None = None, unit: float = 0.0) -> Model:
    z = np.linspace(-12.0, 12.0, 48_001)
    x = np.clip(mean + std * z, lo, hi) if lo is not None or hi is not None else mean + std * z
    m, sd, k = _moments(x, np.exp(-0.5 * z * z))
    clip = _clipper(lo, hi)
    return Model(f"normal(mean={mean:g}, std={std:g}){_clip_label(lo, hi)}", m, sd, k,
                 lambda q: clip(mean + std * _ppf(q)), unit)


def lognormal(mu: float, sigma: float, lo: float | None = None, hi: float | None = None,
              unit: float = 0.0) -> Model:
    z = np.linspace(-12.0, 12.0 + 4 * sigma, 60_001)
    with np.errstate(over="ignore"):
        x = np.exp(mu + sigma * z)
    if lo is not None or hi is not None:
        x = np.clip(x, lo, hi)
    m, sd, k = _moments(x, np.exp(-0.5 * z * z))
    clip = _clipper(lo, hi)

    def q(p: float) -> float:
        v = _ppf(p)
        return clip(0.0 if v == -math.inf else math.inf if v == math.inf else math.exp(mu + sigma * v))
    return Model(f"lognormal(mean={mu:g}, sigma={sigma:g}){_clip_label(lo, hi)}", m, sd, k, q, unit)


def exponential(scale: float, lo: float | None = None, hi: float | None = None, unit: float = 0.0) -> Model:
    t = np.linspace(0.0, 60.0, 60_001)
    x = scale * t
    if lo is not None or hi is not None:
        x = np.clip(x, lo, hi)
    m, sd, k = _moments(x, np.exp(-t))
    clip = _clipper(lo, hi)
    return Model(f"exponential(scale={scale:g}){_clip_label(lo, hi)}", m, sd, k,
                 lambda p: clip(math.inf if p >= 1 else -scale * math.log1p(-max(p, 0.0))), unit)


def uniform(lo: float, hi: float, unit: float = 0.0) -> Model:
    width = hi - lo
    return Model(f"uniform({lo:g}, {hi:g})", (lo + hi) / 2, width / math.sqrt(12), 1.8,
                 lambda p: lo + min(max(p, 0.0), 1.0) * width, unit)


def discrete(label: str, start: int, pmf: np.ndarray, lo: int | None = None, hi: int | None = None) -> Model:
    """Integers start, start+1, … with probabilities ``pmf``, then clipped to [lo, hi]."""
    pmf = np.asarray(pmf, dtype=np.float64)
    pmf = pmf / pmf.sum()
    support = np.arange(start, start + len(pmf), dtype=np.float64)
    if lo is not None or hi is not None:
        support = np.clip(support, lo, hi)
        values, inverse = np.unique(support, return_inverse=True)
        pmf = np.bincount(inverse, weights=pmf, minlength=len(values))
        support = values
    keep = pmf > 0
    support, pmf = support[keep], pmf[keep]
    cdf = np.cumsum(pmf)
    m, sd, k = _moments(support, pmf, grid=False)

    def q(p: float) -> float:
        if p <= 0:
            return float(support[0])
        return float(support[min(int(np.searchsorted(cdf, p - 1e-12, side="left")), len(support) - 1)])
    return Model(label + _clip_label(lo, hi), m, sd, k, q)


def uniform_int(lo: int, hi: int) -> Model:
    """Integers uniform in [lo, hi] (closed forms, so a range of billions costs nothing)."""
    span = hi - lo + 1
    kurt = 3 - 6 * (span * span + 1) / (5 * (span * span - 1)) if span > 1 else 1.0
    return Model(f"integer({lo}, {hi})", (lo + hi) / 2, math.sqrt((span * span - 1) / 12), kurt,
                 lambda p: float(lo + min(span - 1, max(0, math.ceil(p * span) - 1))))


# ---- tolerances ---------------------------------------------------------------------------------------

def chi2_upper(dof: int, z: float = SAFE_Z) -> float:
    """Upper χ² quantile at a normal deviate z (Wilson–Hilferty; slightly conservative in the far tail)."""
    if dof <= 0:
        return 0.0
    c = 2.0 / (9.0 * dof)
    return dof * (1 - c + z * math.sqrt(c)) ** 3


def null_share_band(p: float, n: int, z: float = SAFE_Z) -> tuple[float, float]:
    n = max(n, 1)
    tol = z * math.sqrt(p * (1 - p) / n) + 1.0 / n
    return max(0.0, p - tol), min(1.0, p + tol)


def mean_band(model: Model, n: int, z: float = SAFE_Z) -> tuple[float, float]:
    tol = z * model.sd / math.sqrt(max(n, 1)) + model.unit / 2 + 1e-9 * (abs(model.mean) + model.sd)
    return model.mean - tol, model.mean + tol


def stdev_band(model: Model, n: int, z: float = SAFE_Z) -> tuple[float, float]:
    n = max(n, 2)
    se = model.sd * math.sqrt(max(model.kurtosis - 1.0, 0.2) / (4 * n))
    tol = z * se + model.sd / n + model.unit + 1e-9 * model.sd
    return max(0.0, model.sd - tol), model.sd + tol


def quantile_bands(model: Model, quantiles: Sequence[float], n: int,
                   z: float = SAFE_Z) -> list[list[float | None]]:
    n = max(n, 1)
    out: list[list[float | None]] = []
    for q in quantiles:
        d = z * math.sqrt(q * (1 - q) / n) + 1.0 / n
        lo, hi = model.quantile(max(0.0, q - d)), model.quantile(min(1.0, q + d))
        out.append([None if not math.isfinite(lo) else lo - model.unit / 2,
                    None if not math.isfinite(hi) else hi + model.unit / 2])
    return out


def kl_threshold(categories: int, n: int, z: float = SAFE_Z) -> float:
    return chi2_upper(categories - 1, z) / (2 * max(n, 1))


def clt_band(count_mean: float, count_sd: float, parents: int, z: float = SAFE_Z) -> tuple[float, float]:
    """Band for a sum of ``parents`` independent counts (children per parent)."""
    tol = z * count_sd * math.sqrt(max(parents, 0))
    return parents * count_mean - tol, parents * count_mean + tol


# ---- bands: GX arguments at the sample size of a run -------------------------------------------------

class Band:
    """Expectation arguments that depend on how many values are checked (resolved when the rule runs)."""

    def kwargs(self, n: int) -> dict[str, Any]:
        raise NotImplementedError

    def expected(self, n: int) -> str:
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class NullShareBand(Band):
    column: str
    rate: float
    z: float = SAFE_Z

    def kwargs(self, n: int) -> dict[str, Any]:
        lo, hi = null_share_band(self.rate, n, self.z)  # GX checks the non-null share
        return {"column": self.column, "min_value": round(1 - hi, 12), "max_value": round(1 - lo, 12)}

    def expected(self, n: int) -> str:
        lo, hi = null_share_band(self.rate, n, self.z)
        return f"null share in [{lo:.4f}, {hi:.4f}] (declared {self.rate:g}, n={n:,})"


@dataclass(frozen=True, eq=False)
class MeanBand(Band):
    column: str
    model: Model
    z: float = SAFE_Z

    def kwargs(self, n: int) -> dict[str, Any]:
        lo, hi = mean_band(self.model, n, self.z)
        return {"column": self.column, "min_value": lo, "max_value": hi}

    def expected(self, n: int) -> str:
        lo, hi = mean_band(self.model, n, self.z)
        return f"mean in [{lo:.6g}, {hi:.6g}] (declared {self.model.mean:.6g}, n={n:,})"


@dataclass(frozen=True, eq=False)
class StdevBand(Band):
    column: str
    model: Model
    z: float = SAFE_Z

    def kwargs(self, n: int) -> dict[str, Any]:
        lo, hi = stdev_band(self.model, n, self.z)
        return {"column": self.column, "min_value": lo, "max_value": hi}

    def expected(self, n: int) -> str:
        lo, hi = stdev_band(self.model, n, self.z)
        return f"standard deviation in [{lo:.6g}, {hi:.6g}] (declared {self.model.sd:.6g}, n={n:,})"


@dataclass(frozen=True, eq=False)
class QuantileBand(Band):
    column: str
    model: Model
    quantiles: tuple[float, ...] = QUANTILES
    z: float = SAFE_Z

    def kwargs(self, n: int) -> dict[str, Any]:
        return {"column": self.column, "quantile_ranges": {
            "quantiles": list(self.quantiles), "value_ranges": quantile_bands(self.model, self.quantiles, n, self.z)}}

    def expected(self, n: int) -> str:
        bands = quantile_bands(self.model, self.quantiles, n, self.z)
        parts = [f"q{q:g} in [{_fmt(lo)}, {_fmt(hi)}]" for q, (lo, hi) in zip(self.quantiles, bands, strict=True)]
        return "; ".join(parts) + f" (n={n:,})"


@dataclass(frozen=True, eq=False)
class KlBand(Band):
    column: str
    values: tuple[Any, ...]
    weights: tuple[float, ...]
    z: float = SAFE_Z

    def kwargs(self, n: int) -> dict[str, Any]:
        # Values outside the declared set are the values_in_set rule's business: they get 0.1 % expected
        # weight here, so a few strays do not read as a weight change while a large share still does.
        return {"column": self.column, "partition_object": {"values": list(self.values), "weights": list(self.weights)},
                "threshold": kl_threshold(len(self.values), n, self.z), "tail_weight_holdout": 1e-3}

    def expected(self, n: int) -> str:
        shares = ", ".join(f"{v}: {w:.3g}" for v, w in zip(self.values, self.weights, strict=True))
        return f"KL divergence < {kl_threshold(len(self.values), n, self.z):.4g} from {{{shares}}} (n={n:,})"


def _fmt(v: float | None) -> str:
    return "−∞/∞" if v is None else f"{v:.6g}"
