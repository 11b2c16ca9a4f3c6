"""Time series generators: each value is a pure function of (column, series id, time step), so a device's
reading at an hour is the same in any row, chunk, order or time window; the random walk has independent
N(drift, sigma²) steps however far from its origin; the Ornstein–Uhlenbeck series has its stationary mean,
std and autocorrelation; seasonal cycles peak where declared; a sensor drops the declared share of readings;
bad parameters are refused at file:line:column before anything is generated."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core import registry
from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.generators import series as ts
from mock_pipelines.core.registry import GenContext
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines_tests.schema.test_validation import FILE, assert_at, issues_of, single_issue

HOUR = 3_600_000_000
DAY = 24 * HOUR
ORIGIN = ts.to_micros("2024-01-01")  # a Monday


def generate(name: str, devices, times_us, key: int = 4242, **params) -> pa.Array:
    """The generator's values for rows holding (device, time): a table of two columns around it."""
    cols = {"device": pa.array(np.asarray(devices), type=pa.int64()),
            "at": pa.array(np.asarray(times_us, dtype=np.int64).astype("datetime64[us]"), type=pa.timestamp("us"))}
    gen = registry.get(name)
    p = gen.validate_params({"series": "device", "time": "at", **params})
    ctx = GenContext(rows=np.arange(len(cols["device"]), dtype=np.int64), key=key, resolve=lambda ref: cols[ref])
    out = gen(ctx, **p)
    assert out.type == pa.float64() and len(out) == len(cols["device"])
    return out


def grid(name: str, n_series: int, n_steps: int, first_step: int = 0, step_us: int = HOUR, **params) -> np.ndarray:
    """(series, step) matrix of values over consecutive steps (nulls as NaN)."""
    devices = np.repeat(np.arange(n_series), n_steps)
    steps = np.tile(np.arange(first_step, first_step + n_steps), n_series)
    out = generate(name, devices, ORIGIN + steps * step_us, **params)
    return pc.fill_null(out, np.nan).to_numpy(zero_copy_only=False).reshape(n_series, n_steps)


ALL = {
    "random_walk": {"sigma": 2.0, "drift": 0.1, "start": 5.0},
    "mean_reverting": {"mean": 50.0, "sigma": 4.0, "half_life": "3h"},
    "seasonal": {"base": 20, "daily_amplitude": 3, "weekly_amplitude": 1, "yearly_amplitude": 5, "noise": 0.5,
                 "trend_per_day": 0.01},
    "sensor": {"base": 100, "daily_amplitude": 10, "wander": 3, "wander_half_life": 4, "offset_sd": 5,
               "drift_per_day": 0.2, "drift_sd": 0.1, "noise": 1, "gap_rate": 0.1},
}


# ---- determinism per (series, time step) ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ALL))
def test_a_value_depends_only_on_series_and_time_step_not_on_rows_order_or_chunk(name):
    rng = np.random.default_rng(7)
    devices = rng.integers(0, 50, 3000)
    hours = rng.integers(-20_000, 40_000, 3000)  # before and after the origin
    times = ORIGIN + hours * HOUR
    whole = generate(name, devices, times, **ALL[name]).to_pylist()
    order = rng.permutation(3000)
    shuffled = generate(name, devices[order], times[order], **ALL[name]).to_pylist()
    assert [whole[i] for i in order] == shuffled
    pieces = [generate(name, devices[a:a + 700], times[a:a + 700], **ALL[name]).to_pylist()
              for a in range(0, 3000, 700)]
    assert [v for piece in pieces for v in piece] == whole
    # any time inside the step stands for the step: the same value 0..59 minutes past the hour
    within = times + rng.integers(0, HOUR, 3000)
    assert generate(name, devices, within, **ALL[name]).to_pylist() == whole
    # another column (another key) is another series
    other = generate(name, devices, times, key=99, **ALL[name]).to_pylist()
    assert sum(a == b for a, b in zip(whole, other, strict=True) if a is not None) < 30


def test_text_series_ids_key_the_series_like_integers():
    gen = registry.get("seasonal")
    p = gen.validate_params({"series": "device", "time": "at", "noise": 1.0})
    times = pa.array(np.full(4, ORIGIN).astype("datetime64[us]"), type=pa.timestamp("us"))

    def run(ids):
        cols = {"device": pa.array(ids), "at": times}
        return gen(GenContext(rows=np.arange(4), key=1, resolve=lambda r: cols[r]), **p).to_pylist()

    a = run(["kiosk-1", "kiosk-2", "kiosk-1", None])
    assert a[0] == a[2] and a[0] != a[1] and a[3] is None  # a null series has no value
    assert run(["kiosk-2", "kiosk-1", "x", "y"])[:2] == [a[1], a[0]]


SCHEMA = """\
dataset: plant
seed: 5
tables:
  devices:
    rows: 40
    primary_key: device_id
    columns:
      device_id: {gen: sequence, start: 100}
  telemetry:
    rows: ROWS
    primary_key: [device_id, reading_no]
    columns:
      device_id: {ref: devices.device_id}
      reading_no: {gen: child_index}
      reading_ts: {expr: "READING_TS"}
      temperature_c: {gen: seasonal, series: device_id, time: reading_ts, base: 20, daily_amplitude: 3, noise: 0.4}
      humidity_pct: {gen: mean_reverting, series: device_id, time: reading_ts, mean: 45, sigma: 6, half_life: 6h}
      power_w: {gen: sensor, series: device_id, time: reading_ts, base: 120, wander: 8, wander_half_life: 3,
                offset_sd: 6, drift_per_day: 0.4, drift_sd: 0.3, noise: 2, gap_rate: 0.05}
      skew_ms: {gen: random_walk, series: device_id, time: reading_ts, sigma: 1.5, drift: 0.2}
"""
VALUES = ["temperature_c", "humidity_pct", "power_w", "skew_ms"]


def _telemetry(rows: str, reading_ts: str, chunk_size: int = 100_000) -> pa.Table:
    text = SCHEMA.replace("ROWS", rows).replace("READING_TS", reading_ts)
    if "per:" not in rows:  # rows that are not laid out per device: numbered 1, 2, 3, … and a random device each
        text = text.replace("[device_id, reading_no]", "reading_no").replace("{gen: child_index}", "{gen: sequence}")
    return DatasetPlan(load_dataset(FILE, text=text)).table("telemetry").to_table(chunk_size=chunk_size)


def _by_device_hour(table: pa.Table) -> dict[tuple[int, int], tuple]:
    hours = pc.cast(table["reading_ts"], pa.int64()).to_numpy() // HOUR
    cols = [table[c].to_pylist() for c in VALUES]
    return {(d, h): tuple(c[i] for c in cols)
            for i, (d, h) in enumerate(zip(table["device_id"].to_pylist(), hours.tolist(), strict=True))}


def test_any_time_window_or_row_layout_regenerates_the_same_readings():
    hourly = "timestamp('2024-06-03 00:00:00') + hours(reading_no - 1)"
    full = _telemetry("{per: devices, count: 336}", hourly)
    assert full.num_rows == 40 * 336
    assert _telemetry("{per: devices, count: 336}", hourly, chunk_size=997).equals(full)
    # the second week alone: a table that starts 168 hours later
    later = _telemetry("{per: devices, count: 100}", hourly.replace("2024-06-03", "2024-06-10"))
    known = _by_device_hour(full)
    window = _by_device_hour(later)
    assert len(window) == 4000 and all(known[k] == v for k, v in window.items())
    # rows that pick devices and times at random (minutes past the hour) read the same device-hours
    scattered = _telemetry("3000", "timestamp('2024-06-03 00:00:00') + minutes(reading_no * 7919 % 20160)")
    seen = _by_device_hour(scattered)
    assert len(seen) > 2500 and all(known[k] == v for k, v in seen.items())


# ---- random walk -------------------------------------------------------------------------------------------

def test_random_walk_steps_are_independent_with_the_declared_drift_and_variance():
    sigma, drift = 2.0, 0.1
    v = grid("random_walk", 400, 2049, sigma=sigma, drift=drift, start=5.0)
    assert (v[:, 0] == 5.0).all()  # the origin is the start
    steps = np.diff(v, axis=1)  # 819,200 steps, crossing every dyadic block boundary below 2048
    # a variance of 4 from 819k draws has a standard error of 0.006: 0.08 is 13 errors, and a bridge with the
    # wrong variance (hi-lo)/2 instead of /4 gives steps of variance 6.0 or more
    assert steps.var() == pytest.approx(sigma ** 2, abs=0.08)
    assert steps.mean() == pytest.approx(drift, abs=0.02)  # standard error 0.0022
    lag1 = np.corrcoef(steps[:, :-1].ravel(), steps[:, 1:].ravel())[0, 1]
    assert abs(lag1) < 0.01  # standard error 0.0011
    # every step, including those that cross a block boundary (2^k - 1 -> 2^k), has the same variance
    for k in range(1, 12):
        assert steps[:, 2 ** k - 1].var() == pytest.approx(sigma ** 2, rel=0.35), k  # 400 draws: se 7 %


def test_random_walk_spreads_as_the_square_root_of_time_far_from_the_origin():
    n_series = 3000
    for n in (1000, 12_345, 10 ** 9):  # a billion steps costs ~30 keyed draws, not a billion
        v = generate("random_walk", np.arange(n_series), np.full(n_series, ORIGIN + n * 1_000_000), step="1s",
                     sigma=0.5, drift=0.0).to_numpy()
        assert v.var() / (0.25 * n) == pytest.approx(1.0, abs=0.12), n  # 3000 draws: se 2.6 %
    # before the origin the walk runs backwards with the same law
    back = generate("random_walk", np.arange(n_series), np.full(n_series, ORIGIN - 5000 * HOUR),
                    sigma=1.0).to_numpy()
    assert back.var() / 5000 == pytest.approx(1.0, abs=0.12)


def test_random_walk_value_at_n_is_the_value_at_n_minus_1_plus_its_step_in_any_batch():
    devices = np.array([3, 3, 8, 8])
    hours = np.array([1_000_000, 999_999, 4096, 4095])
    together = generate("random_walk", devices, ORIGIN + hours * HOUR, sigma=1.0).to_numpy()
    alone = [generate("random_walk", devices[i:i + 1], ORIGIN + hours[i:i + 1] * HOUR, sigma=1.0)[0].as_py()
             for i in range(4)]
    assert together.tolist() == alone
    assert together[0] - together[1] == pytest.approx(alone[0] - alone[1])


def test_random_walk_clamps_only_its_output():
    v = grid("random_walk", 50, 500, sigma=1.0, min=-3.0, max=3.0)
    free = grid("random_walk", 50, 500, sigma=1.0)
    assert v.min() == -3.0 and v.max() == 3.0
    np.testing.assert_array_equal(v, np.clip(free, -3.0, 3.0))  # the walk goes on beyond the bounds


# ---- Ornstein–Uhlenbeck ------------------------------------------------------------------------------------

def test_mean_reverting_has_the_stationary_mean_std_and_autocorrelation():
    h = 5.0
    v = grid("mean_reverting", 300, 2000, first_step=-1000, mean=50.0, sigma=4.0, half_life=h)
    a = 2 ** (-1 / h)  # e^-θ with θ = ln 2 / half_life: 0.871 (e^(-1/h) would be 0.819)
    # 600k values, about 40k independent ones: standard errors ~0.02 (mean) and ~0.015 (std)
    assert v.mean() == pytest.approx(50.0, abs=0.12)
    assert v.std() == pytest.approx(4.0, abs=0.08)
    x = v - v.mean()
    lag = lambda k: (x[:, :-k] * x[:, k:]).mean() / x.var()  # noqa: E731
    assert lag(1) == pytest.approx(a, abs=0.01)
    assert lag(5) == pytest.approx(0.5, abs=0.02)  # a deviation halves in half_life steps
    assert abs(lag(60)) < 0.02  # beyond the kept innovations nothing is shared


def test_mean_reverting_half_life_as_a_duration_is_counted_in_steps():
    as_time = grid("mean_reverting", 20, 100, step="15min", half_life="2h", step_us=HOUR // 4)
    as_steps = grid("mean_reverting", 20, 100, step="15min", half_life=8, step_us=HOUR // 4)
    np.testing.assert_array_equal(as_time, as_steps)
    assert not np.array_equal(as_steps, grid("mean_reverting", 20, 100, step="15min", half_life=2,
                                             step_us=HOUR // 4))


@pytest.mark.parametrize("half_life", [0.3, 1, 6, 24, 100.5, 204.8])
def test_the_ou_truncation_leaves_out_less_than_a_millionth_of_the_variance(half_life):
    terms = ts.ou_terms(half_life)
    a = 2 ** (-1 / half_life)
    left_out = a ** (2 * terms)  # Σ_{k≥L} (1 - a²)·a^(2k)
    assert left_out < 1e-6 and terms <= ts.OU_MAX_TERMS
    kept = sum((1 - a * a) * a ** (2 * k) for k in range(terms))
    assert kept + left_out == pytest.approx(1.0, abs=1e-12)


# ---- seasonal ----------------------------------------------------------------------------------------------

def test_seasonal_cycles_peak_where_declared():
    daily = grid("seasonal", 200, 24 * 7, base=10, daily_amplitude=3, daily_peak_hour=15, noise=1.0)
    by_hour = daily.reshape(200, 7, 24).mean(axis=(0, 1))
    assert int(np.argmax(by_hour)) == 15 and int(np.argmin(by_hour)) == 3
    assert by_hour.max() - by_hour.min() == pytest.approx(6.0, abs=0.3)  # 2 × amplitude, noise se 0.03
    weekly = grid("seasonal", 1, 24 * 7 * 4, base=0, weekly_amplitude=2, weekly_peak_day=5.5)[0]
    hours_since_monday = int(np.argmax(weekly[: 24 * 7]))  # 2024-01-01 is a Monday
    assert hours_since_monday == 5 * 24 + 12  # Saturday noon
    yearly = grid("seasonal", 1, 731, step="1d", step_us=DAY, yearly_amplitude=5, yearly_peak_day=196)[0]
    top = dt.date(2024, 1, 1) + dt.timedelta(days=int(np.argmax(yearly[:366])))
    assert abs(top.timetuple().tm_yday - 196) <= 1
    assert yearly.max() <= 5.0 and yearly.min() >= -5.0


def test_seasonal_trend_is_linear_in_days_from_the_origin_and_noise_is_keyed_per_step():
    v = grid("seasonal", 3, 48, first_step=-24, base=7.0, trend_per_day=0.5)
    days = np.arange(-24, 24) / 24
    np.testing.assert_allclose(v, np.broadcast_to(7.0 + 0.5 * days, v.shape), rtol=0, atol=1e-12)
    noisy = grid("seasonal", 500, 48, base=0.0, noise=2.0)
    assert noisy.std() == pytest.approx(2.0, abs=0.05) and not (noisy[0] == noisy[1]).all()


# ---- sensor ------------------------------------------------------------------------------------------------

def test_sensor_drops_the_declared_share_of_readings_per_series_and_step():
    v = grid("sensor", 200, 1000, base=10, gap_rate=0.07)
    share = np.isnan(v).mean()
    assert share == pytest.approx(0.07, abs=0.003)  # 200k draws: se 0.0006
    per_series = np.isnan(v).mean(axis=1)
    assert per_series.min() > 0.03 and per_series.max() < 0.12  # every series drops some, none most
    again = grid("sensor", 200, 1000, base=10, gap_rate=0.07, noise=3.0)
    np.testing.assert_array_equal(np.isnan(v), np.isnan(again))  # the gaps belong to (series, step)


def test_sensor_is_the_seasonal_signal_plus_offset_and_drift_per_series():
    cycle = {"base": 50.0, "daily_amplitude": 4.0, "daily_peak_hour": 9}
    plain = grid("sensor", 300, 96, **cycle)
    np.testing.assert_array_equal(plain, grid("seasonal", 300, 96, **cycle))
    shifted = grid("sensor", 300, 96, offset_sd=2.0, drift_per_day=0.3, drift_sd=0.1, **cycle) - plain
    days = np.arange(96) / 24
    rate = (shifted[:, -1] - shifted[:, 0]) / days[-1]
    offset = shifted[:, 0]
    np.testing.assert_allclose(shifted, offset[:, None] + rate[:, None] * days[None, :], atol=1e-9)
    assert offset.std() == pytest.approx(2.0, rel=0.25) and rate.mean() == pytest.approx(0.3, abs=0.03)
    assert rate.std() == pytest.approx(0.1, rel=0.25)


def test_sensor_wander_is_mean_reverting():
    wander = grid("sensor", 200, 500, wander=3.0, wander_half_life=4)
    x = wander - wander.mean()
    assert wander.std() == pytest.approx(3.0, abs=0.15)
    assert (x[:, :-4] * x[:, 4:]).mean() / x.var() == pytest.approx(0.5, abs=0.05)


# ---- facts: ranges, nulls ----------------------------------------------------------------------------------

def test_declared_ranges_hold_and_only_a_sensor_with_gaps_is_nullable():
    spec = load_dataset(FILE, text=SCHEMA.replace("ROWS", "{per: devices, count: 48}").replace(
        "READING_TS", "timestamp('2024-06-03 00:00:00') + hours(reading_no - 1)").replace(
        "half_life: 6h}", "half_life: 6h, min: 40, max: 50}"))
    table = spec.tables["telemetry"]
    nullable = {c: column_facts(spec, table, table.columns[c], "en_US").nullable for c in VALUES}
    assert nullable == {"temperature_c": False, "humidity_pct": False, "power_w": True, "skew_ms": False}
    facts = column_facts(spec, table, table.columns["humidity_pct"], "en_US")
    assert (facts.lo, facts.hi) == (40, 50)
    data = DatasetPlan(spec).table("telemetry").to_table()
    assert pc.min_max(data["humidity_pct"]).as_py() == {"min": 40.0, "max": 50.0}
    assert data["power_w"].null_count > 0 and data["temperature_c"].null_count == 0


# ---- bad parameters ----------------------------------------------------------------------------------------

BAD = """\
dataset: plant
seed: 5
tables:
  telemetry:
    rows: 10
    primary_key: reading_no
    columns:
      reading_no: {gen: sequence}
      reading_ts: {gen: timestamp, start: "2024-06-01", end: "2024-06-30"}
      value: {gen: GEN, time: reading_ts, PARAMS}
"""


@pytest.mark.parametrize(("gen", "params", "target", "message", "suggestion"), [
    ("seasonal", "step: 15 parsecs", "step", "step: '15 parsecs' is not a duration", "step: 15min"),
    ("random_walk", "step: 15m", "step", "'m' could be minutes or months", "write step: 15min for minutes"),
    ("mean_reverting", "step: 1min, half_life: 1d", "half_life",
     "half_life '1d' is 1440 steps of 1min: each value would sum 14,400 innovations", "coarser step"),
    ("mean_reverting", "half_life: 0", "half_life", "half_life", None),
    ("sensor", "gap_rate: 1.5", "gap_rate", "gap_rate", None),
    ("seasonal", "daily_peak_hour: 25", "daily_peak_hour", "daily_peak_hour", None),
    ("random_walk", "origin: someday", "origin", "origin: not a date/time: 'someday'", "origin: '2024-01-01"),
    ("random_walk", "sigma: -1", "sigma", "sigma", None),
])
def test_bad_parameters_are_refused_at_their_line_and_column(gen, params, target, message, suggestion):
    text = BAD.replace("GEN", gen).replace("PARAMS", params)
    issue = single_issue(text)
    assert message in issue.message, str(issue)
    assert_at(issue, text, target)
    if suggestion:
        assert suggestion in (issue.suggestion or ""), str(issue)


def test_a_time_column_that_does_not_exist_is_named_with_a_suggestion():
    issues = issues_of(BAD.replace("GEN", "seasonal").replace("time: reading_ts, PARAMS", "time: reading_tz"))
    assert any("reading_tz" in i.message and i.suggestion == "reading_ts" for i in issues), issues


def test_validate_reports_a_bad_step_with_file_line_and_column(tmp_path):
    path = tmp_path / "plant.yaml"
    text = BAD.replace("GEN", "sensor").replace("PARAMS", "step: fortnightly")
    path.write_text(text)
    done = CliRunner().invoke(app, ["validate", str(path)])
    assert done.exit_code == 1
    line = text.splitlines().index("      value: {gen: sensor, time: reading_ts, step: fortnightly}") + 1
    column = text.splitlines()[line - 1].index("step") + 1
    assert f"plant.yaml:{line}:{column}: " in done.output
    assert "'fortnightly' is not a duration" in done.output and "Traceback" not in done.output


def test_a_time_column_without_times_is_refused_before_generating():
    text = BAD.replace("GEN", "seasonal").replace("time: reading_ts, PARAMS", "time: reading_no")
    with pytest.raises(SchemaError) as info:
        DatasetPlan(load_dataset(FILE, text=text)).check()
    issues = info.value.issues
    assert len(issues) == 1, issues
    line, column = text.splitlines().index("      value: {gen: seasonal, time: reading_no}") + 1, 7
    assert (issues[0].location.line, issues[0].location.column) == (line, column)
    assert "time: column 'reading_no' must hold timestamps or dates, not int64" in issues[0].message
