"""The daily volume of a growing table: trend, seasonality, holidays, events and Poisson noise, each day a
pure function of the day, every partition holding exactly its day's rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import US_PER_DAY, PartitionScheme, Timeline, to_us
from mock_pipelines.core.volume import poisson_counts, trend_factor
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines.spec.model import Trend, VolumeEvent, VolumeShape

START = dt.datetime(2024, 1, 1)


def _days(first: str, last: str) -> np.ndarray:
    return np.arange(to_us(first) // US_PER_DAY, to_us(last) // US_PER_DAY + 1, dtype=np.int64)


def _rows_per_day(tl: Timeline, days: np.ndarray) -> np.ndarray:
    first = tl.first_row_at(days * US_PER_DAY)
    return tl.first_row_at((days + 1) * US_PER_DAY) - first


def test_each_day_holds_exactly_its_poisson_count_and_its_rows_lie_in_that_day():
    shape = VolumeShape(noise="poisson")
    tl = Timeline(START, 50.0, key=7, volume=shape)
    days = _days("2024-01-01", "2026-12-31")
    counts = _rows_per_day(tl, days)
    assert np.array_equal(counts, tl.volume.rows(days).astype(np.int64))
    # Poisson around 50 a day: mean 50 and variance 50 (a steady timeline has variance ~0).
    assert counts.mean() == pytest.approx(50, abs=1.0)
    assert counts.var() == pytest.approx(50, rel=0.15)
    first = tl.first_row_at(days * US_PER_DAY)
    times = tl.time_of(np.arange(int(first[0]), int(first[-1] + counts[-1])))
    day_of = times // US_PER_DAY
    assert np.array_equal(np.repeat(days, counts), day_of)
    assert np.all(np.diff(times) >= 0)


def test_a_day_is_the_same_whatever_was_asked_before():
    shape = VolumeShape(trend=Trend("exponential", 0.4), noise="poisson", holidays=0.2,
                        events=[VolumeEvent(dt.date(2025, 3, 1), dt.date(2025, 3, 3), 3.0)])
    days = _days("2024-01-01", "2027-06-30")
    full = Timeline(START, 80.0, key=3, volume=shape)
    in_order = full.first_row_at(days * US_PER_DAY)
    late_first = Timeline(START, 80.0, key=3, volume=shape)  # a backfill that starts with the last day
    assert np.array_equal(late_first.first_row_at(days[::-1] * US_PER_DAY)[::-1], in_order)
    one_day = Timeline(START, 80.0, key=3, volume=shape)
    d = days[700]
    assert one_day.first_row_at(np.array([d * US_PER_DAY]))[0] == in_order[700]


def test_an_empty_shape_is_the_steady_timeline():
    days = _days("2024-01-01", "2024-12-31")
    weekdays = [1.2, 1, 1, 1, 1.1, 0.8, 0.6]
    steady = Timeline(START, 33.0, key=1, weekday_weights=weekdays)
    shaped = Timeline(START, 33.0, key=1, weekday_weights=weekdays, volume=VolumeShape())
    assert np.array_equal(steady.first_row_at(days * US_PER_DAY), shaped.first_row_at(days * US_PER_DAY))


def test_trend_shapes():
    years = np.array([0.0, 1.0, 2.0, 10.0])
    assert trend_factor(Trend("linear", 0.5), years).tolist() == [1.0, 1.5, 2.0, 6.0]
    assert trend_factor(Trend("exponential", 1.0), years).tolist() == [1.0, 2.0, 4.0, 1024.0]
    logistic = trend_factor(Trend("logistic", 2.0, cap=4.0), years)
    assert logistic[0] == pytest.approx(1.0) and logistic[-1] == pytest.approx(4.0, rel=1e-6)
    assert np.all(np.diff(logistic) > 0)


def test_exponential_growth_seasonality_holidays_and_events_shape_the_days():
    shape = VolumeShape(trend=Trend("exponential", 0.5), month_weights=[1] * 10 + [1.5, 2.5], holidays=0.25,
                        events=[VolumeEvent(dt.date(2024, 11, 29), dt.date(2024, 11, 29), 6.0)])
    tl = Timeline(START, 100.0, key=5, volume=shape, locale="en_US")
    counts = dict(zip(_days("2024-01-01", "2025-12-31").tolist(),
                      _rows_per_day(tl, _days("2024-01-01", "2025-12-31")).tolist(), strict=True))

    def day(text: str) -> float:
        return counts[to_us(text) // US_PER_DAY]

    def mean(first: str, last: str) -> float:
        return float(np.mean([counts[d] for d in _days(first, last).tolist()]))

    w = np.array([1] * 10 + [1.5, 2.5]) / np.mean([1] * 10 + [1.5, 2.5])
    assert mean("2024-03-04", "2024-03-29") == pytest.approx(100 * w[2] * 1.5 ** (68 / 365.25), rel=0.02)
    assert mean("2024-12-02", "2024-12-20") / mean("2024-03-04", "2024-03-22") == pytest.approx(
        w[11] / w[2] * 1.5 ** (273 / 365.25), rel=0.02)
    assert mean("2025-03-03", "2025-03-28") / mean("2024-03-04", "2024-03-29") == pytest.approx(1.5, rel=0.02)
    assert day("2024-07-04") == pytest.approx(0.25 * day("2024-07-03"), rel=0.05)  # Independence Day
    assert day("2024-11-29") == pytest.approx(6 * day("2024-11-27") * w[10] / w[10], rel=0.05)


def test_holidays_follow_the_locale():
    shape = VolumeShape(holidays=0.0)
    german = Timeline(START, 40.0, key=2, volume=shape, locale="de_DE")
    american = Timeline(START, 40.0, key=2, volume=shape, locale="en_US")
    unity, independence = _days("2024-10-03", "2024-10-03"), _days("2024-07-04", "2024-07-04")
    assert _rows_per_day(german, unity)[0] == 0 and _rows_per_day(german, independence)[0] > 30
    assert _rows_per_day(american, independence)[0] == 0 and _rows_per_day(american, unity)[0] > 30


def test_poisson_counts_match_the_distribution_on_both_sides_of_the_exact_range():
    rng = np.random.default_rng(0)
    for lam in (0.5, 12.0, 399.0, 2500.0):
        lams = np.full(200_000, lam)
        k = poisson_counts(lams, rng.random(len(lams)), rng.standard_normal(len(lams)))
        assert k.min() >= 0
        assert k.mean() == pytest.approx(lam, rel=0.01)
        assert k.var() == pytest.approx(lam, rel=0.03)


SCHEMA = """\
dataset: growing
seed: 11
tables:
  orders:
    rows: 1000
    primary_key: order_id
    partitioned:
      time_column: order_ts
      rows_per_day: 120
      VOLUME
    columns:
      order_id: sequence
      order_ts: {gen: timestamp}
      amount: {dist: "lognormal(3, 0.5)", round: 2}
"""


def _spec(tmp_path, volume: str):
    path = tmp_path / "growing.yaml"
    path.write_text(SCHEMA.replace("VOLUME", volume))
    return load_dataset(path)


def _table(part) -> pa.Table:
    return pa.Table.from_batches(list(part.batches()), schema=part.schema)


def test_a_partition_regenerated_alone_equals_itself_in_a_full_run(tmp_path):
    spec = _spec(tmp_path, "trend: {shape: logistic, per_year: 3, cap: 5}\n      noise: poisson\n"
                           "      month_weights: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3]")
    scheme = PartitionScheme(dt.datetime(2024, 1, 1), "daily")
    full = DatasetPlan(spec, PlanOptions(partitions=scheme)).table("orders")
    days = [dt.datetime(2024, 1, 1) + dt.timedelta(days=i) for i in range(0, 400, 7)]
    whole = [_table(full.slice(d, d + dt.timedelta(days=1))) for d in days]
    alone = DatasetPlan(spec, PlanOptions(partitions=scheme)).table("orders")
    d = days[40]
    assert _table(alone.slice(d, d + dt.timedelta(days=1))).equals(whole[40])
    sizes = [t.num_rows for t in whole]
    assert max(sizes) > 3 * min(sizes)  # the volume grows and peaks in December
    for t, day in zip(whole, days, strict=True):
        ts = t.column("order_ts").to_pylist()
        assert all(day <= x < day + dt.timedelta(days=1) for x in ts)


@pytest.mark.parametrize(("volume", "message", "hint"), [
    ("trend: {shape: exponental, per_year: 0.2}", "trend of 'orders' needs a shape", "exponential"),
    ("trend: {shape: linear, per_year: -0.2}", "needs per_year: a growth rate per year", "a trend only grows"),
    ("trend: {shape: logistic, per_year: 1}", "a logistic trend of 'orders' needs cap", None),
    ("trend: {shape: linear, per_year: 1, cap: 3}", "cap applies to a logistic trend only", "drop cap"),
    ("trend: {shape: linear, per_year: 1, capp: 3}", "unknown key 'capp' in the trend of 'orders'", "cap"),
    ("month_weights: [1, 2]", "month_weights of 'orders' needs 12 non-negative numbers", None),
    ("month_day_weights: [1, 2]", "month_day_weights of 'orders' needs 31", None),
    ("holidays: -1", "holidays of 'orders' must be the factor", None),
    ("events: [{on: 2024-13-01, factor: 2}]", "an event of 'orders' needs a day", None),
    ("events: [{from: 2024-12-24, to: 2024-12-20, factor: 2}]", "from not after to", None),
    ("events: [{on: 2024-12-24}]", "an event of 'orders' needs factor", None),
    ("noise: poison", "noise of 'orders' must be one of poisson or none", "poisson"),
    ("seasonality: [1]", "unknown key 'seasonality' in `partitioned` of 'orders'", None),
])
def test_a_bad_volume_is_refused_at_its_line(tmp_path, volume, message, hint):
    with pytest.raises(SchemaError) as info:
        _spec(tmp_path, volume)
    found = [str(i) for i in info.value.issues if message in str(i)]
    assert found, [str(i) for i in info.value.issues]
    assert found[0].startswith(f"{tmp_path / 'growing.yaml'}:10:"), found[0]
    if hint:
        assert hint in found[0]


def test_a_steady_table_keeps_its_spec_hash(tmp_path):
    steady = load_dataset(tmp_path.joinpath("s.yaml"), text=SCHEMA.replace("      VOLUME\n", ""))
    shaped = _spec(tmp_path, "noise: poisson")
    assert steady.spec_hash("orders") != shaped.spec_hash("orders")
    assert steady.tables["orders"].partitioned.volume is None
