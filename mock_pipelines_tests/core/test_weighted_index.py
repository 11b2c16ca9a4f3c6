"""Weighted draws are exactly the inverse CDF (``searchsorted(cdf, u, side="right")``, clipped to the last
index) whatever the shortcuts: the guide table, the search of a straddling bucket's few steps, the draw read
from its bits."""

from __future__ import annotations

import numpy as np
import pytest

from mock_pipelines.core import random as rnd
from mock_pipelines.core.vocab import WeightedIndex


def inverse_cdf(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


@pytest.mark.parametrize("case", range(12))
def test_draws_equal_the_inverse_cdf_for_any_weights(case):
    rng = np.random.default_rng(case)
    n = [1, 2, 4, 37, 4_096, 65_536, 200_000][case % 7]
    weights = rng.pareto(1.0, n) if case % 2 else np.ones(n)  # heavy-tailed (zipf-like) or uniform
    if case % 3 == 0 and n > 1:
        weights[rng.integers(0, n, n // 3)] = 0.0  # values that can never be drawn: repeated CDF steps
        weights[0] = max(weights[0], 1.0)
    cdf = np.cumsum(weights) / weights.sum()
    sampler = WeightedIndex(cdf)
    u = rnd.uniform(case, np.arange(200_000))
    steps = cdf[rng.integers(0, n, 2_000)]
    u[:2_000] = np.minimum(steps, np.nextafter(1.0, 0))  # exactly on a step, and just below one
    u[2_000:4_000] = np.nextafter(steps, 0)
    assert np.array_equal(sampler(u), inverse_cdf(cdf, u))
    bits = rnd.bits(case, np.arange(200_000))
    assert np.array_equal(sampler.from_bits(bits),
                          inverse_cdf(cdf, (bits >> np.uint64(11)).astype(np.float64) / float(2**53)))
