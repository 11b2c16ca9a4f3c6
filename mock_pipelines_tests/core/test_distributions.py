"""The numeric generators draw from the distributions they declare.

Samples are a pure function of the key, so these statistical tests are deterministic: a fixed key gives
the same p-value on every run. A threshold of 1e-3 therefore never flakes; each family also has a
negative control showing the same test rejects a slightly wrong parameter, so a pass means something.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mock_pipelines.core import random as rnd
from mock_pipelines.core import registry
from mock_pipelines.core.registry import GenContext

N = 200_000
ALPHA = 1e-3


def sample(name: str, key: str = "k", size: int = N, **params) -> np.ndarray:
    gen = registry.get(name)
    ctx = GenContext(rows=np.arange(size, dtype=np.int64), key=rnd.derive_key("distributions", name, key))
    return gen(ctx, **gen.validate_params(params)).to_numpy(zero_copy_only=False)


def chisquare_counts(values: np.ndarray, pmf: np.ndarray) -> float:
    """p-value of a chi-square test of integer ``values`` in [0, len(pmf)) against ``pmf``."""
    observed = np.bincount(values, minlength=len(pmf))
    assert len(observed) == len(pmf), "values outside the support"
    return stats.chisquare(observed, pmf / pmf.sum() * len(values)).pvalue


# ---- continuous: Kolmogorov-Smirnov ------------------------------------------------------------------

CONTINUOUS = [
    ("uniform", {"min": -1.0, "max": 3.0}, stats.uniform(loc=-1.0, scale=4.0), stats.uniform(loc=-1.0, scale=4.05)),
    ("normal", {"mean": 0.0, "std": 1.0}, stats.norm(0.0, 1.0), stats.norm(0.05, 1.0)),
    ("normal", {"mean": 50.0, "std": 10.0}, stats.norm(50.0, 10.0), stats.norm(50.0, 10.3)),
    ("lognormal", {"mean": 3.0, "sigma": 0.8}, stats.lognorm(0.8, scale=np.exp(3.0)),
     stats.lognorm(0.8, scale=np.exp(3.03))),
    ("exponential", {"scale": 2.0}, stats.expon(scale=2.0), stats.expon(scale=2.05)),
]


@pytest.mark.parametrize(("name", "params", "dist", "wrong"), CONTINUOUS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONTINUOUS)])
def test_continuous_generator_matches_its_distribution(name, params, dist, wrong):
    x = sample(name, **params)
    assert len(x) == N
    assert stats.kstest(x, dist.cdf).pvalue > ALPHA
    # negative control: the same test, data and sample size reject a slightly wrong parameter
    assert stats.kstest(x, wrong.cdf).pvalue < ALPHA


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_normal_is_normal_under_other_keys_too(key):
    assert stats.kstest(sample("normal", key=key), "norm").pvalue > ALPHA


def test_different_keys_give_independent_samples():
    a, b = sample("normal", key="a"), sample("normal", key="b")
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(N)
    assert stats.ks_2samp(a, b).pvalue > ALPHA


def test_consecutive_rows_are_not_correlated():
    x = sample("uniform")
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 4 / np.sqrt(N)


@pytest.mark.parametrize(("name", "params", "dist"), [
    ("normal", {"mean": 0.0, "std": 1.0, "min": -1.0, "max": 1.5}, stats.norm(0.0, 1.0)),
    ("lognormal", {"mean": 0.0, "sigma": 1.0, "min": 0.5, "max": 3.0}, stats.lognorm(1.0)),
    ("exponential", {"scale": 1.0, "min": 0.25, "max": 2.0}, stats.expon()),
])
def test_min_max_clip_values_and_leave_the_inside_unchanged(name, params, dist):
    x = sample(name, **params)
    lo, hi = params["min"], params["max"]
    assert x.min() == lo and x.max() == hi
    unclipped = sample(name, **{k: v for k, v in params.items() if k not in ("min", "max")})
    assert np.array_equal(x, np.clip(unclipped, lo, hi))  # same draws, only the tails move
    # the mass piled on each bound is the tail probability of the distribution
    for share, p in [(np.mean(x == lo), dist.cdf(lo)), (np.mean(x == hi), dist.sf(hi))]:
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / N)


def test_poisson_min_max_clip():
    x = sample("poisson", lam=4.0, min=2, max=6)
    assert x.min() == 2 and x.max() == 6
    pmf = stats.poisson.pmf(np.arange(7), 4.0)
    pmf[2] = stats.poisson.cdf(2, 4.0)
    pmf[6] = stats.poisson.sf(5, 4.0)
    pmf[:2] = 0
    observed = np.bincount(x, minlength=7)[2:]
    assert stats.chisquare(observed, pmf[2:] * N).pvalue > ALPHA


def test_round_parameter_rounds():
    x = sample("normal", mean=10.0, std=3.0, round=2)
    assert np.allclose(x, np.round(x, 2), rtol=0, atol=1e-12)


# ---- discrete: chi-square ----------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [0.5, 3.0, 20.0])
def test_poisson_matches_its_pmf(lam):
    x = sample("poisson", lam=lam)
    top = int(stats.poisson.ppf(1 - 1e-4, lam))  # pool the far tail into one cell
    clipped = np.minimum(x, top)
    pmf = stats.poisson.pmf(np.arange(top + 1), lam)
    pmf[top] = stats.poisson.sf(top - 1, lam)
    assert chisquare_counts(clipped, pmf) > ALPHA
    wrong = stats.poisson.pmf(np.arange(top + 1), lam * 1.02)
    wrong[top] = stats.poisson.sf(top - 1, lam * 1.02)
    assert chisquare_counts(clipped, wrong) < ALPHA


def test_integer_is_uniform_over_the_inclusive_range():
    x = sample("integer", min=-3, max=6)
    assert x.min() == -3 and x.max() == 6
    assert chisquare_counts(x + 3, np.ones(10)) > ALPHA


def test_weighted_choice_matches_its_weights():
    weights = {"gold": 0.1, "silver": 0.3, "bronze": 0.6}
    x = sample("choice", values=weights)
    names = list(weights)
    index = np.array([names.index(v) for v in x])
    pmf = np.array(list(weights.values()))
    assert chisquare_counts(index, pmf) > ALPHA
    assert chisquare_counts(index, np.array([0.1, 0.31, 0.59])) < ALPHA


def test_weights_need_not_sum_to_one_and_a_list_is_uniform():
    x = sample("choice", values={"a": 1, "b": 3})
    assert abs(np.mean(x == "b") - 0.75) < 4 * np.sqrt(0.75 * 0.25 / N)
    y = sample("choice", values=["a", "b", "c", "d"])
    index = np.array(["abcd".index(v) for v in y])
    assert chisquare_counts(index, np.ones(4)) > ALPHA


def test_boolean_probability():
    x = sample("boolean", p=0.3)
    assert abs(x.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / N)


@pytest.mark.parametrize(("s", "n"), [(1.2, 50), (2.0, 20)])
def test_zipf_matches_its_declared_pmf(s, n):
    # zipf(s, n, start): value start + k with P(k) ∝ (k + 1) ** -s for k in [0, n) (see zipf_rank's docstring)
    x = sample("zipf", s=s, n=n, start=1)
    assert x.min() >= 1 and x.max() <= n
    pmf = np.arange(1, n + 1, dtype=float) ** -s
    assert chisquare_counts(x - 1, pmf) > ALPHA
    wrong = np.arange(1, n + 1, dtype=float) ** -(s * 1.05)
    assert chisquare_counts(x - 1, wrong) < ALPHA


def test_zipf_first_rank_is_the_most_frequent_and_frequencies_fall():
    x = sample("zipf", s=1.5, n=100, start=7)
    counts = np.bincount(x - 7, minlength=100)
    assert counts.argmax() == 0
    assert np.all(np.diff(counts[:10]) < 0)
