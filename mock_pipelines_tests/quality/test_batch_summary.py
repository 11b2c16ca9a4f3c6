"""The extremes and moments of a batch are computed once and read by the rules and the column profile alike."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality import batch_summary
from mock_pipelines.quality.batch_summary import BatchSummary, Moments, min_max_of, moments_of
from mock_pipelines.quality.column_profile import TableProfile
from mock_pipelines.quality.measure import TableMeasure
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines.quality.runner import evaluate
from mock_pipelines.schema.parse import load_dataset

SCHEMA = """\
dataset: summary_test
seed: 3
tables:
  t:
    rows: 6000
    columns:
      v: {dist: "lognormal(5, 1)", type: "decimal(12,2)", null_rate: 0.1}
"""


@pytest.mark.parametrize("cuts", [[], [1], [17, 18, 2000], [5999]])
def test_moments_combined_batch_by_batch_are_those_of_the_whole_column(cuts):
    values = np.random.default_rng(5).lognormal(3, 1, 6000)
    arr = pa.array(values, mask=np.arange(6000) % 7 == 0)
    whole = values[np.arange(6000) % 7 != 0]
    total = Moments()
    for lo, hi in zip([0, *cuts], [*cuts, 6000], strict=True):
        total = total.combined(moments_of(arr.slice(lo, hi - lo)))
    assert total.n == len(whole)
    assert total.mean == pytest.approx(whole.mean(), rel=1e-12)
    assert total.m2 == pytest.approx(((whole - whole.mean()) ** 2).sum(), rel=1e-10)


def test_moments_of_decimals_nulls_only_and_nothing():
    dec = pa.array([Decimal("1.50"), None, Decimal("2.50")], pa.decimal128(12, 2))
    assert moments_of(dec) == Moments(2, 2.0, 0.5)
    assert moments_of(pa.array([None, None], pa.float64())) == Moments()
    assert Moments(3, 1.0, 2.0).combined(Moments()) == Moments(3, 1.0, 2.0)


def test_the_rules_and_the_profile_read_one_min_max_and_one_cast_of_each_batch(tmp_path: Path, monkeypatch):
    (tmp_path / "t.yaml").write_text(SCHEMA)
    spec = load_dataset(tmp_path / "t.yaml")
    plan = DatasetPlan(spec, PlanOptions())
    rules = [r for r in derive_rules(spec, "t", expected_rows(plan, "t"))
             if r.name in ("between__v", "mean__v", "stdev__v")]
    assert len(rules) == 3
    batches = list(plan.table("t").batches(0, None, 1000))
    calls = {"min_max": 0, "cast": 0}
    min_max, cast = batch_summary.min_max_of, pc.cast

    def counted_min_max(arr):
        calls["min_max"] += 1
        return min_max(arr)

    def counted_cast(*args, **kwargs):
        calls["cast"] += isinstance(args[0], pa.Array)  # the bounds' scalars are cast too: not counted
        return cast(*args, **kwargs)

    monkeypatch.setattr(batch_summary, "min_max_of", counted_min_max)
    monkeypatch.setattr(pc, "cast", counted_cast)
    profile = TableProfile(batches[0].schema)
    measure = TableMeasure(rules, schema=batches[0].schema, profile=profile).consume(batches)
    monkeypatch.undo()
    assert calls == {"min_max": len(batches), "cast": len(batches)}  # the rules and the profile share them
    results = evaluate(rules, measure).by_name()
    column = profile.columns["v"]
    assert results["mean__v"].observed == column.mean  # the very same figure in the checks and the report
    assert results["between__v"].passed and results["between__v"].unexpected_count == 0
    values = pa.Table.from_batches(batches).column("v").drop_null().to_numpy(zero_copy_only=False).astype(float)
    assert column.n == len(values) and column.mean == pytest.approx(values.mean(), rel=1e-12)
    assert results["stdev__v"].observed == pytest.approx(values.std(ddof=1), rel=1e-12)


def test_a_summary_is_made_once_per_column_and_refuses_an_unknown_name():
    batch = pa.record_batch({"a": [3, 1, 2], "b": [1.0, None, 4.0]})
    summary = BatchSummary(batch)
    assert summary.named("a") is summary.column(0)
    assert summary.named("a").extremes()["min"].as_py() == 1
    assert summary.named("b").moments() == Moments(2, 2.5, 4.5)
    with pytest.raises(KeyError):
        summary.named("c")


@pytest.mark.parametrize(("precision", "scale"), [(12, 2), (18, 0), (18, 6), (5, 5), (38, 2), (12, -2)])
@pytest.mark.parametrize("null_share", [0.0, 0.3, 1.0])
def test_decimal_extremes_read_from_the_unscaled_integers_equal_arrows(precision, scale, null_share):
    rng = np.random.default_rng(precision * 100 + scale)
    top = 10 ** min(precision, 18) - 1
    for n in (1, 7, 1000):
        values = [None if rng.random() < null_share else Decimal(int(v)).scaleb(-scale)
                  for v in rng.integers(-top, top + 1, n)]
        arr = pa.array(values, pa.decimal128(precision, scale))
        for part in (arr, arr.slice(n // 3), arr.slice(1, max(0, n - 2))):
            got, want = min_max_of(part), pc.min_max(part)
            assert got.type == want.type
            assert got.equals(want)
            assert [str(got[k].as_py()) for k in ("min", "max")] == [str(want[k].as_py()) for k in ("min", "max")]


def test_decimal_extremes_ignore_what_the_slot_of_a_null_holds():
    """Arrow leaves a null's slot undefined: a huge value under a null must not become the maximum."""
    arr = pa.array([Decimal("1.00"), Decimal("9999999999.99"), Decimal("-3.50")], pa.decimal128(12, 2))
    validity = pa.array([True, False, True]).buffers()[1]
    masked = pa.Array.from_buffers(arr.type, 3, [validity, arr.buffers()[1]], null_count=1)
    extremes = min_max_of(masked)
    assert (extremes["min"].as_py(), extremes["max"].as_py()) == (Decimal("-3.50"), Decimal("1.00"))


def test_weighted_sums_agree_with_a_dot_product_and_do_not_depend_on_blas():
    rng = np.random.default_rng(8)
    values, weights = rng.lognormal(3, 1, 100_000), rng.random(100_000)
    assert batch_summary.weighted_sum(values, weights) == pytest.approx(float(np.dot(values, weights)), rel=1e-12)
    assert batch_summary.weighted_sum(values[:0], weights[:0]) == 0.0


def test_the_models_and_the_profile_of_numbers_never_call_blas(monkeypatch):
    """``np.dot`` is OpenBLAS's threaded ``ddot``: its last bits depend on the core count and its thread spins
    after each call on the cores the run needs. The declared models and the profile of numeric dictionary
    columns sum with NumPy instead; a call to ``np.dot`` here fails the test."""
    from mock_pipelines.quality import stats

    def refuse(*_args, **_kwargs):
        raise AssertionError("np.dot called")

    monkeypatch.setattr(np, "dot", refuse)
    lognormal = stats.lognormal(3.5, 0.7)
    assert lognormal.mean == pytest.approx(math.exp(3.5 + 0.7 ** 2 / 2), rel=1e-6)
    assert lognormal.sd == pytest.approx(lognormal.mean * math.sqrt(math.exp(0.7 ** 2) - 1), rel=1e-5)
    normal = stats.normal(10, 2)
    assert (normal.mean, normal.sd, normal.kurtosis) == pytest.approx((10, 2, 3), rel=1e-6)
    assert stats.normal(10, 2, lo=5).mean > 10
    assert stats.exponential(4.0).mean == pytest.approx(4.0, rel=1e-6)
    assert stats.discrete("d", 0, np.ones(20_000)).mean == pytest.approx(9_999.5, rel=1e-12)
    prices = np.round(np.random.default_rng(2).lognormal(3, 0.5, 50_000), 1)
    column = pa.array(prices).dictionary_encode()
    profile = TableProfile.of([pa.record_batch([column], names=["price"])])
    summary = profile.columns["price"]
    assert summary.n == 50_000 and summary.mean == pytest.approx(prices.mean(), rel=1e-12)
