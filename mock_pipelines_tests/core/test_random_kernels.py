"""The compiled kernels of the generator's randomness compute exactly what their NumPy reference computes
(bits, uniforms, weighted draws, Zipf ranks, the keyed permutation, and so whole tables), and a bad input
is an error, never a read past a buffer or a walk that does not end."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.core import random as rnd
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.generators.numeric import zipf_rank
from mock_pipelines.core.vocab import WeightedIndex
from mock_pipelines.schema.parse import load_dataset

BITS_IN_ROWS = np.r_[np.arange(0, 70_000), [2**40 + 3, 2**62 - 1, 2**63 - 1]].astype(np.int64)


@pytest.fixture
def native():
    if rnd.native is None:
        pytest.fail("the compiled _kernels module is not built: `make install` builds it (needs a C compiler)")
    return rnd.native


class Counting:
    """The compiled module, counting the calls made to it."""

    def __init__(self, module):
        self.module, self.calls = module, 0

    def __getattr__(self, name):
        kernel = getattr(self.module, name)

        def counted(*args):
            self.calls += 1
            return kernel(*args)

        return counted


def both(monkeypatch, compute, *, compiled_used: bool = True):
    """compute() with the compiled kernels (checking that they were called), then with the NumPy code alone."""
    spy = Counting(rnd.native)
    with monkeypatch.context() as m:
        m.setattr(rnd, "native", spy)
        compiled = compute()
    assert bool(spy.calls) == compiled_used, f"{spy.calls} calls of the compiled kernels"
    with monkeypatch.context() as m:
        m.setattr(rnd, "native", None)
        reference = compute()
    return compiled, reference


def test_bits_and_uniforms_equal_the_numpy_reference(native, monkeypatch):
    rows = BITS_IN_ROWS
    for key in (0, 1, 2**64 - 1, rnd.derive_key("seed", "table", "column")):
        got, want = both(monkeypatch, lambda k=key: rnd.bits_matrix(k, rows, [0, 1, 7, 2**40]))
        assert got.dtype == want.dtype == np.uint64 and np.array_equal(got, want)
        assert np.array_equal(got[:, 2], rnd.bits(key, rows, 7))
        got, want = both(monkeypatch, lambda k=key: rnd.bits(k, rows, 5))
        assert np.array_equal(got, want)
        got, want = both(monkeypatch, lambda k=key: rnd.uniform_blocked(k, rows, 3))
        assert np.array_equal(got, want) and np.array_equal(got, rnd.uniform(key, rows, 3))
        assert got.min() >= 0.0 and got.max() < 1.0
        for draw in (rnd.uniform, rnd.uniform_open, rnd.standard_normal):
            got, want = both(monkeypatch, lambda k=key, f=draw: f(k, rows, 2))
            assert np.array_equal(got, want), draw.__name__
        got, want = both(monkeypatch, lambda k=key: rnd.integers(k, rows, np.arange(1, len(rows) + 1)))
        assert np.array_equal(got, want)
        got, want = both(monkeypatch, lambda k=key: rnd.integers_blocked(k, rows, 1_000_003))
        assert np.array_equal(got, want)
        got, want = both(monkeypatch, lambda k=key: rnd.standard_normal_blocked(k, rows))
        assert np.array_equal(got, want)
    other = BITS_IN_ROWS[:5_000].astype(np.int32)  # other integer types take the same values
    got, want = both(monkeypatch, lambda: rnd.uniform_blocked(5, other))
    assert np.array_equal(got, want)


@pytest.mark.parametrize("n", [2, 3, 5, 1_000, 2**20 + 1, 2**40 + 3, 2**49 + 1, 2**62 + 11])
def test_the_permutation_equals_the_numpy_reference_and_is_a_bijection(native, monkeypatch, n):
    x = rnd.integers_blocked(n % 97, np.arange(50_000), min(n, 2**53)) if n > 1_000 else np.arange(n)
    got, want = both(monkeypatch, lambda: rnd.permute(x, n, 12345))
    assert got.dtype == want.dtype == np.int64 and np.array_equal(got, want)
    assert got.min() >= 0 and got.max() < n
    if n <= 1_000:
        assert sorted(got.tolist()) == list(range(n))


@pytest.mark.parametrize(("s", "n"), [(1.1, 1), (1.1, 2), (0.6, 100), (1.0, 65_536), (1.0, 65_537),
                                      (1.1, 1_000_000), (2.5, 10**7), (1.2, 2_000_000_000)])
def test_zipf_ranks_equal_the_numpy_reference(native, monkeypatch, s, n):
    u = rnd.uniform_blocked(int(n), np.arange(300_000))
    got, want = both(monkeypatch, lambda: zipf_rank(u, s, n), compiled_used=n > 1)  # one rank: no draw
    assert np.array_equal(got, want)
    assert got.min() >= 0 and got.max() < n


@pytest.mark.parametrize("case", range(6))
def test_weighted_draws_equal_the_numpy_reference(native, monkeypatch, case):
    rng = np.random.default_rng(case)
    n = [1, 2, 37, 4_096, 65_536, 200_000][case]
    weights = rng.pareto(1.0, n)
    weights[rng.integers(0, n, n // 3)] = 0.0  # repeated CDF steps: values never drawn
    weights[0] += 1.0
    sampler = WeightedIndex(np.cumsum(weights) / weights.sum())
    u = rnd.uniform(case, np.arange(100_000))
    u[:1_000] = np.minimum(sampler.cdf[rng.integers(0, n, 1_000)], np.nextafter(1.0, 0))  # on a step
    got, want = both(monkeypatch, lambda: sampler(u))
    assert np.array_equal(got, want)
    bits = rnd.bits(case, np.arange(100_000))
    got, want = both(monkeypatch, lambda: sampler.from_bits(bits))
    assert np.array_equal(got, want)


SCHEMA = """\
dataset: kernels
seed: 3
tables:
  customers:
    rows: 70000
    primary_key: customer_id
    columns:
      customer_id: sequence
      first_name: first_name
      email: {gen: email, first: first_name, unique: true}
      tier: {gen: choice, values: {gold: 0.1, silver: 0.3, bronze: 0.6}}
      score: {dist: "zipf(1.3, 5000)"}
  orders:
    rows: 90000
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id, skew: zipf(1.1)}
      amount: {dist: "lognormal(3.5, 0.7)", round: 2}
      placed_at: {gen: timestamp, start: 2021-01-01, end: 2024-12-31}
"""


def test_whole_tables_are_the_same_with_and_without_the_compiled_kernels(native, monkeypatch):
    def tables() -> dict[str, pa.Table]:
        plan = DatasetPlan(load_dataset("kernels.yaml", text=SCHEMA))
        return {name: plan.table(name).to_table(chunk_size=32_768) for name in plan.order()}

    got, want = both(monkeypatch, tables)
    assert got.keys() == want.keys() == {"customers", "orders"}
    for name in got:
        assert got[name].equals(want[name]), name


def test_bad_inputs_are_errors_not_crashes(native):
    rows = np.arange(10, dtype=np.int64)
    with pytest.raises(ValueError, match="len"):
        native.bits_into(rows, np.zeros(2, np.uint64), np.empty(10, np.uint64))
    with pytest.raises(TypeError, match="8-byte"):
        native.uniform_into(rows.astype(np.int32), 0, np.empty(10))
    with pytest.raises(TypeError, match="writable"):
        out = np.empty(10)
        out.flags.writeable = False
        native.uniform_into(rows, 0, out)
    with pytest.raises(ValueError, match=r"\[0, n\)"):  # from outside [0, n) the walk might never return
        native.permute_into(np.array([7], np.int64), 5, 1, 3, 5, 7, 1, np.empty(1, np.int64))
    for m1, mask in ((4, 7), (3, 6)):  # rounds that are no bijection: a walk might never come back below n
        with pytest.raises(ValueError, match="odd"):
            native.permute_into(np.array([1], np.int64), 5, 1, m1, 5, mask, 1, np.empty(1, np.int64))
    cdf = np.array([0.5, 1.0])
    with pytest.raises(ValueError, match="indices of cdf"):
        native.weighted_into(np.zeros(3), cdf, np.array([0, 5], np.int32), np.empty(3, np.int64))
    with pytest.raises(ValueError, match="power of two"):
        native.weighted_bits_into(np.zeros(3, np.uint64), cdf, np.array([0, 1, 1, 1], np.int32),
                                  np.empty(3, np.int64))
