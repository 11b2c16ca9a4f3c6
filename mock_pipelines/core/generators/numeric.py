"""Numeric distributions and basic values: each maps uniform bits to values by an inverse CDF or a
closed-form transform, so a value depends only on (key, row)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core import random as rnd
from mock_pipelines.core.facts import (
    Categorical,
    Exponential,
    Facts,
    LogNormal,
    Normal,
    Params,
    Poisson,
    Uniform,
    UniformInt,
    ValueSet,
    Zipf,
    poisson_table,
)
from mock_pipelines.core.registry import GenContext, ParamError, generator
from mock_pipelines.core.vocab import WeightedIndex


def _normal(ctx: GenContext) -> np.ndarray:
    """ctx.normal(), computed in cache-sized blocks (same values)."""
    return rnd.standard_normal_blocked(ctx.key, ctx.rows)


def _clip(values: np.ndarray, min: float | None, max: float | None) -> np.ndarray:
    if min is not None or max is not None:
        values = np.clip(values, min, max)
    return values


def _float(values: np.ndarray, round_to: int | None) -> pa.Array:
    """``values`` (a fresh array, rounded in place) as float64."""
    if round_to is not None:
        values = np.round(values, round_to, out=values)
    return pa.array(values, type=pa.float64())


def _at_least(zero: float) -> Callable[[Params], tuple[Any, Any]]:
    """Bounds of a distribution on [zero, ∞), clipped to [min, max] when given."""
    return lambda p: (zero if p["min"] is None else p["min"], p["max"])


@generator("uniform", category="numeric", returns="float", example="41.73",
           facts=Facts(range=lambda p: (p["min"], p["max"]), model=lambda p: Uniform(p["min"], p["max"])))
def uniform(ctx: GenContext, *, min: float = 0.0, max: float = 1.0, round: int | None = None) -> pa.Array:
    """Uniform floats in [min, max)."""
    u = rnd.uniform_blocked(ctx.key, ctx.rows)
    if np.isfinite(max - min):
        return _float(min + (max - min) * u, round)
    return _float(min * (1 - u) + max * u, round)  # a span beyond the float range: no overflow to inf


@generator("integer", category="numeric", returns="int", example="17", aliases=("randint", "int_between"),
           supports_unique=True, capacity=lambda p, _l: int(p.get("max", 100)) - int(p.get("min", 0)) + 1,
           facts=Facts(range=lambda p: (p["min"], p["max"]),
                        model=lambda p: UniformInt(p["min"], p["max"])))
def integer(ctx: GenContext, *, min: int = 0, max: int = 100) -> pa.Array:
    """Uniform integers in [min, max] (inclusive); unique=true gives a permutation of the range."""
    span = max - min + 1
    if ctx.unique:
        return pa.array(min + ctx.unique_index(span), type=pa.int64())
    return pa.array(min + ctx.integers(span), type=pa.int64())


@generator("normal", category="numeric", returns="float", example="49.2", aliases=("gaussian",),
           facts=Facts(range=lambda p: (p["min"], p["max"]),
                        model=lambda p: Normal(p["mean"], p["std"], p["min"], p["max"])))
def normal(ctx: GenContext, *, mean: float = 0.0, std: float = 1.0, min: float | None = None,
           max: float | None = None, round: int | None = None) -> pa.Array:
    """Normal (Gaussian) distribution, optionally clipped to [min, max]."""
    return _float(_clip(mean + std * _normal(ctx), min, max), round)


@generator("lognormal", category="numeric", returns="float", example="73.9",
           facts=Facts(range=_at_least(0.0),
                        model=lambda p: LogNormal(p["mean"], p["sigma"], p["min"], p["max"])))
def lognormal(ctx: GenContext, *, mean: float = 0.0, sigma: float = 1.0, min: float | None = None,
              max: float | None = None, round: int | None = None) -> pa.Array:
    """Log-normal: exp(N(mean, sigma)); mean and sigma are of the underlying normal."""
    z = _normal(ctx)
    z *= sigma
    z += mean  # mean + sigma·z, in place: the same values without a temporary per step
    return _float(_clip(np.exp(z, out=z), min, max), round)


@generator("exponential", category="numeric", returns="float", example="2.31",
           facts=Facts(range=_at_least(0.0), model=lambda p: Exponential(p["scale"], p["min"], p["max"])))
def exponential(ctx: GenContext, *, scale: float = 1.0, min: float | None = None, max: float | None = None,
                round: int | None = None) -> pa.Array:
    """Exponential with the given scale (mean = scale)."""
    return _float(_clip(-scale * np.log(ctx.uniform_open()), min, max), round)


def poisson_from_uniform(u: np.ndarray, lam: float) -> np.ndarray:
    """Poisson(lam) by inverse CDF over a table of cumulative probabilities (exact for the table's range)."""
    if lam <= 0:
        return np.zeros(len(u), dtype=np.int64)
    cdf = np.cumsum(poisson_table(lam))
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1).astype(np.int64)


@generator("poisson", category="numeric", returns="int", example="3",
           facts=Facts(range=_at_least(0), model=lambda p: Poisson(p["lam"], 0, p["min"], p["max"])))
def poisson(ctx: GenContext, *, lam: float = 1.0, min: int | None = None, max: int | None = None) -> pa.Array:
    """Poisson counts with rate lam."""
    return pa.array(_clip(poisson_from_uniform(ctx.uniform(), lam), min, max), type=pa.int64())


_ZIPF_HEAD = 1 << 16


@lru_cache(maxsize=64)
def _zipf_table(s: float, n: int) -> tuple[WeightedIndex, float, float, int]:
    """Exact CDF of the first ranks, plus the mass of the tail approximated by an integral."""
    head = min(n, _ZIPF_HEAD)
    weights = np.arange(1, head + 1, dtype=np.float64) ** -s
    head_mass = weights.sum()
    if n > head:
        a, b = head + 0.5, n + 0.5
        tail_mass = np.log(b / a) if abs(s - 1.0) < 1e-12 else (b ** (1 - s) - a ** (1 - s)) / (1 - s)
    else:
        tail_mass = 0.0
    total = head_mass + tail_mass
    return WeightedIndex(np.cumsum(weights) / head_mass), head_mass / total, total, head


def zipf_rank(u: np.ndarray, s: float, n: int) -> np.ndarray:
    """Ranks in [0, n) with P(rank = k) ∝ (k+1)^-s.

    Exact inverse CDF over the first 65,536 ranks; beyond them (only for larger n) the tail is inverted
    through the continuous density with a half-step shift, which is accurate to far below sampling noise
    there.
    """
    if n <= 1:
        return np.zeros(len(u), dtype=np.int64)
    sampler, head_share, total, head = _zipf_table(float(s), int(n))
    out = np.empty(len(u), dtype=np.int64)
    if rnd.native is not None and np.ndim(u) == 1:  # the head in one compiled pass, -1 marking the tail
        u = np.ascontiguousarray(u, dtype=np.float64)
        if rnd.native.zipf_head_into(u, head_share, sampler.cdf, sampler.guide, out):
            tail = np.flatnonzero(out < 0)
            out[tail] = _zipf_tail(u[tail], s, n, head_share, total, head)
        return out
    in_head = u < head_share
    out[in_head] = sampler(u[in_head] / head_share)
    if not in_head.all():
        out[~in_head] = _zipf_tail(u[~in_head], s, n, head_share, total, head)
    return out


def _zipf_tail(u: np.ndarray, s: float, n: int, head_share: float, total: float, head: int) -> np.ndarray:
    """Ranks in [head, n) for draws u >= head_share, inverted through the continuous density."""
    mass = (u - head_share) * total  # mass beyond the head, in unnormalised units
    a = head + 0.5
    if abs(s - 1.0) < 1e-12:
        x = a * np.exp(mass)
    else:
        x = (a ** (1 - s) + mass * (1 - s)) ** (1 / (1 - s))
    return np.clip(np.floor(x + 0.5).astype(np.int64) - 1, head, n - 1)


@generator("zipf", category="numeric", returns="int", example="1",
           facts=Facts(range=lambda p: (p["start"], p["start"] + p["n"] - 1),
                        model=lambda p: Zipf(p["s"], p["n"], p["start"])))
def zipf(ctx: GenContext, *, s: float = 1.2, n: int = 1000, start: int = 1) -> pa.Array:
    """Zipf / power-law ranks: start is the most frequent value, frequency falls as rank^-s."""
    return pa.array(start + zipf_rank(ctx.uniform(), s, n), type=pa.int64())


def _check_choice(params: Any) -> None:
    values = params.get("values")
    if not values:
        raise ParamError("values", "choice needs at least one value", None,
                         expected="values: [a, b, c] or values: {a: 3, b: 1}")
    if isinstance(values, dict):
        weights = list(values.values())
        if any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
            raise ParamError("values", f"choice weights must be >= 0 with a positive sum, got {weights}", None,
                             expected="values: {a: 3, b: 1} (weights need not sum to 1)")


def _choice_values(p: Params) -> ValueSet:
    values = p["values"]
    weights = [float(values[k]) for k in values] if isinstance(values, dict) else [1.0] * len(values)
    return ValueSet(tuple(values), tuple(weights))


def _choice_model(p: Params) -> Categorical | None:
    values = p["values"]
    if isinstance(values, dict) and values:
        return Categorical(values, "choice")
    if isinstance(values, list) and values:
        return Categorical({v: 1.0 for v in values}, "choice (uniform)")
    return None


@generator("choice", category="numeric", returns="string", example="paypal", aliases=("weighted_choice",),
           supports_unique=True, capacity=lambda p, _l: len(p.get("values") or []), check=_check_choice,
           facts=Facts(values=_choice_values, model=_choice_model))
def choice(ctx: GenContext, *, values: list[Any] | dict[Any, float]) -> pa.Array:
    """A choice among values: a list (uniform) or a mapping value → weight (weights need not sum to 1)."""
    if isinstance(values, dict):
        keys = list(values)
        weights = np.array([float(values[k]) for k in keys])
    else:
        keys = list(values)
        weights = np.ones(len(keys))
    if not keys:
        raise ValueError("choice needs at least one value")
    arr = pa.array(keys)
    if ctx.unique:
        idx = ctx.unique_index(len(keys))
    else:
        # the draw of ctx.uniform(), read from its bits block by block (the same index, less memory traffic)
        idx = _sampler(tuple(weights.tolist())).from_bits(rnd.bits_blocked(ctx.key, ctx.rows))
    # Dictionary-encoded: a handful of categories over millions of rows costs an int32 per row.
    return pa.DictionaryArray.from_arrays(pa.array(idx, type=pa.int32()), arr)


@lru_cache(maxsize=256)
def _sampler(weights: tuple[float, ...]) -> WeightedIndex:
    w = np.asarray(weights, dtype=np.float64)
    return WeightedIndex(np.cumsum(w) / w.sum())


@generator("boolean", category="numeric", returns="bool", example="true", aliases=("bool",),
           facts=Facts(model=lambda p: Categorical({"true": p["p"], "false": 1.0 - p["p"]}, f"boolean(p={p['p']:g})")))
def boolean(ctx: GenContext, *, p: float = 0.5) -> pa.Array:
    """True with probability p."""
    return pa.array(ctx.uniform() < p, type=pa.bool_())


@generator("constant", category="numeric", returns="string", example="EUR", aliases=("const",),
           facts=Facts(values=lambda p: ValueSet((p["value"],), (1.0,))))
def constant(ctx: GenContext, *, value: Any) -> pa.Array:
    """The same value on every row."""
    return pa.repeat(pa.scalar(value), len(ctx))
