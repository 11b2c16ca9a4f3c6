"""The distribution a column's generator declares (its value model in :mod:`mock_pipelines.core.facts`),
in the form the charts draw it: a density and CDF, a pmf, category weights or a Zipf law."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mock_pipelines.core import facts, registry
from mock_pipelines.spec.model import ColumnSpec


def _phi(x: np.ndarray | float) -> np.ndarray:
    """Standard normal CDF (vectorised through math.erf; no SciPy at run time)."""
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.vectorize(math.erf, otypes=[np.float64])(x / math.sqrt(2.0)))


def _pdf_normal(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


@dataclass
class Declared:
    """A column's declared distribution, in the form the charts need.

    kind ``continuous``: ``pdf`` and ``cdf`` (vectorised); ``discrete``: ``pmf`` {integer value: p};
    ``categorical``: ``weights`` {label: p} with ``keys`` {normalised key: label}; ``zipf``: ``s``, ``n``,
    ``start``.
    """

    kind: str
    label: str
    pdf: Any = None
    cdf: Any = None
    pmf: dict[int, float] | None = None
    weights: dict[str, float] | None = None
    keys: dict[str, str] | None = None
    s: float = 1.0
    n: int = 1
    start: int = 1


def cat_key(value: Any) -> str:
    """A key under which a generated value and a declared choice compare equal (0.05 == "0.05")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format(float(value), ".12g")
    text = str(value)
    try:
        return format(float(text), ".12g")
    except ValueError:
        return text


def _categorical(values: Mapping[Any, float], label: str) -> Declared:
    total = float(sum(values.values())) or 1.0
    weights = {str(k): float(v) / total for k, v in values.items()}
    return Declared("categorical", label, weights=weights, keys={cat_key(k): str(k) for k in values})


def clipped_pmf(pmf: dict[int, float], lo: int | None, hi: int | None) -> dict[int, float]:
    out: dict[int, float] = {}
    for k, p in pmf.items():
        k2 = max(k, lo) if lo is not None else k
        k2 = min(k2, hi) if hi is not None else k2
        out[k2] = out.get(k2, 0.0) + p
    return out


def _poisson_pmf(lam: float, shift: int = 0) -> dict[int, float]:
    return {int(i) + shift: float(v) for i, v in enumerate(facts.poisson_pmf(lam)) if v > 1e-9}


def _continuous(label: str, pdf: Any, cdf: Any) -> Declared:
    return Declared("continuous", label, pdf=pdf, cdf=cdf)


def declared_distribution(cs: ColumnSpec) -> Declared | None:
    """The distribution a column's generator promises, or ``None`` when it declares none we can draw."""
    if cs.kind != "gen" or cs.generator is None:
        return None
    try:
        known = registry.get(cs.generator).facts
        model = known.value_model(cs.params) if known is not None else None
        return _declared(model) if model is not None else None
    except (TypeError, ValueError, KeyError, ZeroDivisionError):
        return None


def _declared(m: facts.ValueModel) -> Declared | None:
    """The chartable form of a generator's declared value model."""
    if isinstance(m, facts.Uniform):
        lo, hi = float(m.lo), float(m.hi)
        if hi <= lo:
            return None
        return _continuous(f"uniform({lo:g}, {hi:g})",
                           lambda x: np.where((x >= lo) & (x <= hi), 1.0 / (hi - lo), 0.0),
                           lambda x: np.clip((x - lo) / (hi - lo), 0.0, 1.0))
    if isinstance(m, facts.Normal):
        mu, sd = float(m.mean), float(m.std)
        if sd <= 0:
            return None
        return _continuous(f"normal(mean={mu:g}, std={sd:g})", lambda x: _pdf_normal((x - mu) / sd) / sd,
                           lambda x: _phi((x - mu) / sd))
    if isinstance(m, facts.LogNormal):
        mu, sg = float(m.mu), float(m.sigma)
        if sg <= 0:
            return None

        def ln_pdf(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            safe = np.where(x > 0, x, 1.0)
            return np.where(x > 0, _pdf_normal((np.log(safe) - mu) / sg) / (sg * safe), 0.0)

        def ln_cdf(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            return np.where(x > 0, _phi((np.log(np.where(x > 0, x, 1.0)) - mu) / sg), 0.0)

        return _continuous(f"lognormal(mean={mu:g}, sigma={sg:g})", ln_pdf, ln_cdf)
    if isinstance(m, facts.Exponential):
        scale = float(m.scale)
        if scale <= 0:
            return None
        return _continuous(f"exponential(scale={scale:g})",
                           lambda x: np.where(x >= 0, np.exp(-np.maximum(x, 0) / scale) / scale, 0.0),
                           lambda x: np.where(x >= 0, 1.0 - np.exp(-np.maximum(x, 0) / scale), 0.0))
    if isinstance(m, facts.BoundedLogNormal):  # a log-normal of (x - lo + 1) truncated to [lo, hi]
        lo, hi, mu, sg = m.lo, m.hi, m.mu, m.sigma
        top = math.log(hi - lo + 1)
        fa, fb = float(_phi((0 - mu) / sg)), float(_phi((top - mu) / sg))
        mass = fb - fa

        def b_pdf(x: np.ndarray) -> np.ndarray:
            y = np.asarray(x, dtype=np.float64) - lo + 1
            inside = (y >= 1) & (y <= hi - lo + 1)
            safe = np.where(inside, y, 1.0)
            return np.where(inside, _pdf_normal((np.log(safe) - mu) / sg) / (sg * safe * mass), 0.0)

        def b_cdf(x: np.ndarray) -> np.ndarray:
            y = np.clip(np.asarray(x, dtype=np.float64) - lo + 1, 1.0, hi - lo + 1)
            return np.clip((_phi((np.log(y) - mu) / sg) - fa) / mass, 0.0, 1.0)

        label = f"log-normal in [{lo:g}, {hi:g}]" + (
            f", median {float(m.median):g}" if m.median is not None else "")
        return _continuous(label, b_pdf, b_cdf)
    if isinstance(m, facts.Poisson):
        lam = float(m.lam)
        pmf = clipped_pmf(_poisson_pmf(lam, shift=m.shift), m.lo, m.hi)
        return Declared("discrete", f"{m.shift} + poisson({lam:g})" if m.shift else f"poisson({lam:g})", pmf=pmf)
    if isinstance(m, facts.UniformInt):
        lo, hi = int(m.lo), int(m.hi)
        if hi < lo:
            return None
        if hi - lo <= 60:
            return Declared("discrete", f"integer in [{lo}, {hi}]",
                            pmf={k: 1.0 / (hi - lo + 1) for k in range(lo, hi + 1)})
        return _continuous(f"integer in [{lo}, {hi}]",
                           lambda x: np.where((x >= lo) & (x <= hi + 1), 1.0 / (hi - lo + 1), 0.0),
                           lambda x: np.clip((np.floor(x) - lo + 1) / (hi - lo + 1), 0.0, 1.0))
    if isinstance(m, facts.Zipf):
        s, n, start = float(m.s), int(m.n), int(m.start)
        return Declared("zipf", f"zipf(s={s:g}, n={n:,})", s=s, n=max(n, 1), start=start)
    if isinstance(m, facts.Categorical):
        return _categorical(m.weights, m.label)
    return None


def zipf_shares(s: float, n: int, ranks: np.ndarray) -> np.ndarray:
    """P(rank = k) ∝ k^-s over 1..n (normalised exactly up to 10^6 ranks, by an integral beyond)."""
    head = min(n, 1_000_000)
    total = float(np.sum(np.arange(1, head + 1, dtype=np.float64) ** -s))
    if n > head:
        a, b = head + 0.5, n + 0.5
        total += math.log(b / a) if abs(s - 1) < 1e-12 else (b ** (1 - s) - a ** (1 - s)) / (1 - s)
    return ranks.astype(np.float64) ** -s / total
