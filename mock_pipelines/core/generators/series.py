"""Time series: values that follow a series (a device, a store, a meter) through time.

A series column reads two other columns of its row: the series id (``series: device_id``) and a time
(``time: reading_ts``), cut into whole steps of a declared length (``step: 15min``) counted from an
``origin``. Every value is a pure function of (column key, series id, step number): the same device at the
same step gets the same value whatever rows, chunk, partition or time window it is generated in, and a
window of a long series is generated alone, without the steps before it.

* ``random_walk``: start + drift·n + σ·W(n), W a Gaussian random walk. W(n) is built by dyadic (Lévy)
  refinement, so it costs O(log n) keyed draws and never a sum of n terms: the walk's value at each power
  of two is the sum of independent block totals (the block [2^(j-1), 2^j) of 2^(j-1) steps adds a draw of
  variance 2^(j-1)), and inside a block the value at its midpoint is drawn from the Brownian bridge between
  its ends (mean the average of the ends, variance a quarter of the block's length), halving down to the
  step. Steps before the origin follow an independent walk backwards.
* ``mean_reverting``: an Ornstein–Uhlenbeck series, exact in discrete time, as a weighted sum of the last
  innovations (see :func:`ou_terms` for the truncation and its bound).
* ``seasonal``: a base with daily, weekly and yearly cosine cycles peaking when declared, a linear trend
  and Gaussian noise keyed by (series, step).
* ``sensor``: a seasonal signal with an optional mean-reverting wander, plus a calibration offset and a
  drift per day drawn per series, with dropouts (nulls) at a given rate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from mock_pipelines.core import random as rnd
from mock_pipelines.core.facts import Facts
from mock_pipelines.core.generators.datetime import DateTimeLike, OptionalColumnRef, to_micros
from mock_pipelines.core.registry import ColumnRef, GenContext, ParamError, generator

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
_YEAR_DAYS = 365.2425  # the mean Gregorian year: the yearly cycle has no jump at new year

_UNITS = {
    "us": 1, "ms": 1_000, "s": US_PER_SECOND, "sec": US_PER_SECOND, "second": US_PER_SECOND,
    "seconds": US_PER_SECOND, "min": 60 * US_PER_SECOND, "minute": 60 * US_PER_SECOND,
    "minutes": 60 * US_PER_SECOND, "h": 3_600 * US_PER_SECOND, "hour": 3_600 * US_PER_SECOND,
    "hours": 3_600 * US_PER_SECOND, "d": US_PER_DAY, "day": US_PER_DAY, "days": US_PER_DAY,
    "w": 7 * US_PER_DAY, "week": 7 * US_PER_DAY, "weeks": 7 * US_PER_DAY,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*$")
DURATION_EXAMPLES = "a duration such as 15min, 1h, 6h, 1d or 1w"

# The OU sum keeps the innovations of the last ceil(OU_K · half_life) steps: the share of the stationary
# variance left out is 4^-OU_K < 1e-6. OU_MAX_TERMS bounds the work per value.
OU_K = 10
OU_MAX_TERMS = 2048

# Keys of the independent draws of a series: pure constants, mixed with the series key and the step.
_PURPOSE = {name: rnd.derive_key("series", name) for name in (
    "walk_top", "walk_bridge", "walk_top_back", "walk_bridge_back", "ou", "noise", "offset", "drift", "gap",
    "wander")}
_STEP_MULT = np.uint64(0xC2B2AE3D27D4EB4F)  # spreads step numbers over the 64-bit counter space


# ---- durations ---------------------------------------------------------------------------------------------

def parse_duration(value: Any) -> int:
    """Microseconds of a duration written ``15min``, ``1h``, ``2 hours``, ``1d``, ``1w``, ``30s``.
    Raises ValueError with what was expected."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration: write a number and a unit, e.g. 15min or 1h")
    match = _DURATION.match(value.lower())
    if match is None or match.group(2) not in _UNITS:
        unit = match.group(2) if match else None
        hint = " ('m' could be minutes or months)" if unit in ("m", "mo", "month", "months") else ""
        raise ValueError(f"{value!r} is not a duration{hint}; units: s, min, h, d, w")
    number = float(match.group(1)) if match.group(1) else 1.0
    us = round(number * _UNITS[match.group(2)])
    if us <= 0:
        raise ValueError(f"{value!r} is not a positive duration")
    return us


def _step_us(params: Mapping[str, Any]) -> int:
    try:
        return parse_duration(params["step"])
    except ValueError as exc:
        text = str(params["step"]).strip().lower()
        minutes = re.fullmatch(r"(\d+(?:\.\d+)?)\s*m", text)
        hint = f"write step: {minutes.group(1)}min for minutes" if minutes else \
            "write e.g. step: 15min, step: 1h or step: 1d"
        raise ParamError("step", f"step: {exc}", hint, expected=DURATION_EXAMPLES) from None


def _origin_us(params: Mapping[str, Any]) -> int:
    try:
        return to_micros(params["origin"])
    except (ValueError, TypeError, OverflowError) as exc:
        raise ParamError("origin", f"origin: {exc}", "write e.g. origin: '2024-01-01 00:00:00'",
                         expected="a date or timestamp 'YYYY-MM-DD HH:MM:SS'") from None


def half_life_steps(half_life: float | str, step_us: int) -> float:
    """A half-life in steps: a number is already in steps, a duration (``6h``) is divided by the step."""
    if isinstance(half_life, str):
        return parse_duration(half_life) / step_us
    return float(half_life)


def ou_terms(half_life: float) -> int:
    """Innovations kept by the truncated OU sum: L = ceil(OU_K · half_life), at least 1.

    x_n = mean + σ·√(1 - a²)·Σ_{k<L} a^k·z_{n-k}, a = e^{-θ} = 2^(-1/half_life). The exact series also adds
    the innovations before n - L + 1; they contribute a Gaussian of variance σ²·a^(2L) = σ²·4^(-L/half_life)
    ≤ σ²·4^-OU_K (below 1e-6·σ², a standard deviation below σ/1000) that the truncated sum leaves out."""
    return max(1, math.ceil(OU_K * half_life - 1e-9))


def _check_common(params: Mapping[str, Any]) -> int:
    step = _step_us(params)
    _origin_us(params)
    return step


def _check_half_life(params: Mapping[str, Any], name: str, step: int) -> None:
    value = params[name]
    try:
        steps = half_life_steps(value, step)
    except ValueError as exc:
        raise ParamError(name, f"{name}: {exc}", "a number of steps (e.g. 24) or a duration (e.g. 6h)",
                         expected=f"a number of steps or {DURATION_EXAMPLES}") from None
    if not steps > 0:
        raise ParamError(name, f"{name} must be positive, got {value!r}", "e.g. 24 (steps) or 6h",
                         expected="a positive number of steps or a duration")
    if ou_terms(steps) > OU_MAX_TERMS:
        most = OU_MAX_TERMS / OU_K
        raise ParamError(name, f"{name} {value!r} is {steps:g} steps of {params['step']}: each value would sum "
                         f"{ou_terms(steps):,} innovations (at most {OU_MAX_TERMS:,}, a half-life of "
                         f"{most:g} steps)", "use a coarser step (e.g. step: 1d) or a shorter half-life",
                         expected=f"a half-life of at most {most:g} steps")


# ---- what every series reads: the series and its step number -----------------------------------------------

def _column(ctx: GenContext, ref: str) -> pa.Array:
    arr = ctx.column(ref)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


def series_keys(ctx: GenContext, series: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(a 64-bit key per row, null mask) from the series id: the same id gives the same key in any row."""
    base = rnd.derive_key(ctx.key, "series")
    if series is None:
        return np.full(len(ctx), base, dtype=np.uint64), np.zeros(len(ctx), dtype=bool)
    arr = _column(ctx, series)
    null = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_integer(arr.type) or pa.types.is_boolean(arr.type):
        ids = pc.fill_null(arr.cast(pa.int64()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
        return rnd.bits(base, ids), null
    if pa.types.is_date(arr.type) or pa.types.is_timestamp(arr.type):
        ids = pc.fill_null(arr.cast(pa.timestamp("us")).cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        return rnd.bits(rnd.derive_key(base, "time"), np.asarray(ids, dtype=np.int64)), null
    # Text and anything else: one BLAKE2b key per distinct value (stable across processes).
    encoded = pc.dictionary_encode(pc.fill_null(arr.cast(pa.string()), ""))
    table = np.array([rnd.derive_key(base, v) for v in encoded.dictionary.to_pylist()], dtype=np.uint64)
    return table[encoded.indices.to_numpy(zero_copy_only=False)], null


def time_steps(ctx: GenContext, time: str, step_us: int, origin_us: int) -> tuple[np.ndarray, np.ndarray]:
    """(step number counted from the origin, null mask) of each row's time: floor((t - origin) / step)."""
    arr = _column(ctx, time)
    if pa.types.is_date(arr.type):
        arr = arr.cast(pa.date32()).cast(pa.timestamp("us"))
    elif pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.timestamp("us", tz=arr.type.tz))
    elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.timestamp("us"))
    else:
        raise TypeError(f"time: column {time!r} must hold timestamps or dates, not {arr.type}")
    null = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    us = np.asarray(pc.fill_null(arr.cast(pa.int64()), origin_us).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.floor_divide(us - origin_us, step_us), null


def _counter(keys: np.ndarray, steps: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return keys + np.asarray(steps).astype(np.int64).astype(np.uint64) * _STEP_MULT


def keyed_normal(keys: np.ndarray, steps: np.ndarray | int, purpose: str) -> np.ndarray:
    """A standard normal draw per row, a pure function of (series key, step, purpose)."""
    steps = np.broadcast_to(np.asarray(steps, dtype=np.int64), keys.shape)
    return rnd.standard_normal_blocked(_PURPOSE[purpose], _counter(keys, steps))


def keyed_uniform(keys: np.ndarray, steps: np.ndarray | int, purpose: str) -> np.ndarray:
    steps = np.broadcast_to(np.asarray(steps, dtype=np.int64), keys.shape)
    return rnd.uniform_blocked(_PURPOSE[purpose], _counter(keys, steps))


# ---- the maths ---------------------------------------------------------------------------------------------

def _bit_length(n: np.ndarray) -> np.ndarray:
    """Bits of each non-negative integer (0 for 0): n lies in [2^(j-1), 2^j)."""
    out = np.zeros(len(n), dtype=np.int64)
    rest = n.copy()
    while (rest > 0).any():
        out += rest > 0
        rest >>= 1
    return out


def walk(keys: np.ndarray, n: np.ndarray, backwards: bool = False) -> np.ndarray:
    """W(n) of a standard Gaussian random walk per series (n ≥ 0, W(0) = 0, unit-variance steps), from
    O(log n) keyed draws by dyadic refinement.

    W(2^(j-1)) is the sum of the totals of the blocks before it: W(1) and then one total of variance
    2^(i-1) for each block [2^(i-1), 2^i). For n in the block [a, b) = [2^(j-1), 2^j), W(a) and W(b) are
    known; the value at the midpoint m of the current interval [lo, hi) is drawn from the Brownian bridge
    between them, N((W(lo) + W(hi)) / 2, (hi - lo) / 4), keyed by m, and the search halves towards n. Every
    draw is keyed by (series, block index or midpoint), so the walk does not depend on which steps are
    asked for."""
    top, bridge = ("walk_top_back", "walk_bridge_back") if backwards else ("walk_top", "walk_bridge")
    n = np.asarray(n, dtype=np.int64)
    j = _bit_length(n)
    levels = int(j.max()) if len(j) else 0
    w_lo = np.zeros(len(n))
    total = np.zeros(len(n))
    for i in range(levels + 1):  # block totals: W(1), then W(2^i) - W(2^(i-1))
        s = keyed_normal(keys, i, top) * math.sqrt(2.0 ** (i - 1) if i else 1.0)
        w_lo += np.where(i < j, s, 0.0)
        total = np.where(i == j, s, total)
    w_hi = w_lo + total
    lo = np.where(j > 0, np.left_shift(np.int64(1), np.maximum(j - 1, 0)), 0)
    length = lo.copy()  # the block [2^(j-1), 2^j) is 2^(j-1) steps long
    for _ in range(max(levels - 1, 0)):
        active = length > 1
        half = length // 2
        mid = lo + half
        w_mid = 0.5 * (w_lo + w_hi) + np.sqrt(length / 4.0) * keyed_normal(keys, mid, bridge)
        right = active & (n >= mid)
        left = active & ~right
        w_lo = np.where(right, w_mid, w_lo)
        lo = np.where(right, mid, lo)
        w_hi = np.where(left, w_mid, w_hi)
        length = np.where(active, half, length)
    return np.where(n == 0, 0.0, w_lo)


def ou_unit(keys: np.ndarray, n: np.ndarray, half_life: float, purpose: str = "ou") -> np.ndarray:
    """A stationary Ornstein–Uhlenbeck series with mean 0 and standard deviation 1 at steps n: the truncated
    sum of :func:`ou_terms` innovations, a^k·√(1 - a²)·z_{n-k}, a = 2^(-1/half_life)."""
    a = 2.0 ** (-1.0 / half_life)
    scale = math.sqrt(1.0 - a * a)
    out = np.zeros(len(n))
    for k in range(ou_terms(half_life)):
        out += (scale * a ** k) * keyed_normal(keys, n - k, purpose)
    return out


def cycles(t_us: np.ndarray, daily_amplitude: float = 0.0, daily_peak_hour: float = 0.0,
           weekly_amplitude: float = 0.0, weekly_peak_day: float = 0.0, yearly_amplitude: float = 0.0,
           yearly_peak_day: float = 1.0) -> np.ndarray:
    """The sum of the cosine cycles at times t (µs since 1970, UTC): each is amplitude·cos(2π·(phase - peak)),
    largest at its peak: the hour of the day, the day of the week (0 = Monday 00:00, 5.5 = Saturday noon),
    the day of the year (1 = 1 January, its noon)."""
    out = np.zeros(len(t_us))
    days = t_us / US_PER_DAY
    if daily_amplitude:
        hour = (t_us % US_PER_DAY) / (US_PER_DAY / 24)
        out += daily_amplitude * np.cos(2 * np.pi * (hour - daily_peak_hour) / 24.0)
    if weekly_amplitude:
        weekday = np.mod(days + 3.0, 7.0)  # 1970-01-01 was a Thursday (3 days after Monday)
        out += weekly_amplitude * np.cos(2 * np.pi * (weekday - weekly_peak_day) / 7.0)
    if yearly_amplitude:
        year_start = t_us.astype("datetime64[us]").astype("datetime64[Y]").astype("datetime64[us]").astype(np.int64)
        day_of_year = (t_us - year_start) / US_PER_DAY  # 0 at 1 January 00:00
        out += yearly_amplitude * np.cos(2 * np.pi * (day_of_year - (yearly_peak_day - 0.5)) / _YEAR_DAYS)
    return out


def _finish(values: np.ndarray, null: np.ndarray, min: float | None, max: float | None,
            round: int | None) -> pa.Array:
    if min is not None or max is not None:
        values = np.clip(values, min, max)
    if round is not None:
        values = np.round(values, round)
    return pa.array(values, type=pa.float64(), mask=null if null.any() else None)


class _Series:
    """Series keys, step numbers and the start time of each row's step."""

    def __init__(self, ctx: GenContext, series: str | None, time: str, step: str, origin: Any):
        self.step_us = parse_duration(step)
        self.origin_us = to_micros(origin)
        self.keys, series_null = series_keys(ctx, series)
        self.n, time_null = time_steps(ctx, time, self.step_us, self.origin_us)
        self.null = series_null | time_null
        self.n = np.where(self.null, 0, self.n)

    @property
    def t_us(self) -> np.ndarray:
        """Start of each row's step: the time a value stands for (every time inside a step gives the same)."""
        return self.origin_us + self.n * self.step_us

    @property
    def days(self) -> np.ndarray:
        """Days from the origin to the start of the step (negative before it)."""
        return self.n * (self.step_us / US_PER_DAY)


# ---- the generators ----------------------------------------------------------------------------------------

NonNegative = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, lt=1)]
PeakHour = Annotated[float, Field(ge=0, lt=24)]
PeakWeekday = Annotated[float, Field(ge=0, lt=7)]
PeakDay = Annotated[float, Field(ge=1, le=366)]
Decimals = Annotated[int, Field(ge=0, le=15)] | None
_CLAMPED = Facts(range=lambda p: (p["min"], p["max"]))
_SERIES_HELP = ("The series (`series: device_id`, a column of the row) and the time (`time: reading_ts`, "
                "cut into steps of `step` from `origin`) decide the value.")


def _check_walk(params: Mapping[str, Any]) -> None:
    _check_common(params)


@generator("random_walk", category="timeseries", returns="float", example="101.37", check=_check_walk,
           facts=_CLAMPED)
def random_walk(ctx: GenContext, *, time: ColumnRef, series: OptionalColumnRef = None, step: str = "1h",
                origin: DateTimeLike = "2024-01-01", start: float = 0.0, sigma: NonNegative = 1.0,
                drift: float = 0.0, min: float | None = None, max: float | None = None,
                round: Decimals = None) -> pa.Array:
    """A Gaussian random walk per series: start at the origin, then a N(drift, sigma²) step every `step`.

    The value at step n is start + drift·n + sigma·W(n), computed for any n from O(log n) keyed draws
    (dyadic Brownian-bridge refinement), never by summing n steps; before the origin the walk runs
    backwards. min/max clamp the output only: the walk itself goes on beyond them, so a clamped value
    is not where the next step starts from."""
    s = _Series(ctx, series, time, step, origin)
    w = np.zeros(len(ctx))
    ahead = s.n >= 0
    if ahead.any():
        w[ahead] = walk(s.keys[ahead], s.n[ahead])
    if (~ahead).any():
        w[~ahead] = walk(s.keys[~ahead], -s.n[~ahead], backwards=True)
    return _finish(start + drift * s.n + sigma * w, s.null, min, max, round)


def _check_ou(params: Mapping[str, Any]) -> None:
    step = _check_common(params)
    _check_half_life(params, "half_life", step)


@generator("mean_reverting", category="timeseries", returns="float", example="48.6", aliases=("ornstein_uhlenbeck",),
           check=_check_ou, facts=_CLAMPED)
def mean_reverting(ctx: GenContext, *, time: ColumnRef, series: OptionalColumnRef = None, step: str = "1h",
                   origin: DateTimeLike = "2024-01-01", mean: float = 0.0, sigma: NonNegative = 1.0,
                   half_life: Annotated[float, Field(gt=0)] | str = 24.0, min: float | None = None,
                   max: float | None = None, round: Decimals = None) -> pa.Array:
    """A mean-reverting (Ornstein–Uhlenbeck) series around `mean` (std `sigma`): a deviation halves in `half_life`.

    `half_life` is a number of steps or a duration such as 6h. Exact discretisation
    x_n = mean + e^-θ·(x_{n-1} - mean) + sigma·√(1 - e^-2θ)·z_n, θ = ln 2 / half_life, computed as the
    weighted sum of the last ceil(10·half_life) innovations: the part left out has a variance below
    1e-6·sigma². At most 2,048 innovations (a half-life of 204.8 steps)."""
    s = _Series(ctx, series, time, step, origin)
    h = half_life_steps(half_life, s.step_us)
    return _finish(mean + sigma * ou_unit(s.keys, s.n, h), s.null, min, max, round)


def _check_seasonal(params: Mapping[str, Any]) -> None:
    _check_common(params)


@generator("seasonal", category="timeseries", returns="float", example="21.4", check=_check_seasonal,
           facts=_CLAMPED)
def seasonal(ctx: GenContext, *, time: ColumnRef, series: OptionalColumnRef = None, step: str = "1h",
             origin: DateTimeLike = "2024-01-01", base: float = 0.0, daily_amplitude: float = 0.0,
             daily_peak_hour: PeakHour = 14.0, weekly_amplitude: float = 0.0, weekly_peak_day: PeakWeekday = 5.5,
             yearly_amplitude: float = 0.0, yearly_peak_day: PeakDay = 196.0, trend_per_day: float = 0.0,
             noise: NonNegative = 0.0, min: float | None = None, max: float | None = None,
             round: Decimals = None) -> pa.Array:
    """A seasonal metric: base + daily, weekly and yearly cycles peaking when declared, a trend and noise.

    The trend is per day since `origin`, the noise Gaussian, keyed by (series, step). Peaks: `daily_peak_hour`
    (0-24), `weekly_peak_day` (0 = Monday 00:00 … 5.5 = Saturday noon), `yearly_peak_day` (day of the year,
    196 = mid-July)."""
    s = _Series(ctx, series, time, step, origin)
    values = base + cycles(s.t_us, daily_amplitude, daily_peak_hour, weekly_amplitude, weekly_peak_day,
                           yearly_amplitude, yearly_peak_day)
    if trend_per_day:
        values = values + trend_per_day * s.days
    if noise:
        values = values + noise * keyed_normal(s.keys, s.n, "noise")
    return _finish(values, s.null, min, max, round)


def _check_sensor(params: Mapping[str, Any]) -> None:
    step = _check_common(params)
    if params["wander"]:
        _check_half_life(params, "wander_half_life", step)


@generator("sensor", category="timeseries", returns="float", example="231.8", aliases=("sensor_reading",),
           check=_check_sensor, facts=Facts(range=lambda p: (p["min"], p["max"]), nulls=lambda p: p["gap_rate"] > 0))
def sensor(ctx: GenContext, *, time: ColumnRef, series: OptionalColumnRef = None, step: str = "1h",
           origin: DateTimeLike = "2024-01-01", base: float = 0.0, daily_amplitude: float = 0.0,
           daily_peak_hour: PeakHour = 14.0, weekly_amplitude: float = 0.0, weekly_peak_day: PeakWeekday = 5.5,
           yearly_amplitude: float = 0.0, yearly_peak_day: PeakDay = 196.0, wander: NonNegative = 0.0,
           wander_half_life: Annotated[float, Field(gt=0)] | str = 24.0, noise: NonNegative = 0.0,
           offset_sd: NonNegative = 0.0, drift_per_day: float = 0.0, drift_sd: NonNegative = 0.0,
           gap_rate: Share = 0.0, min: float | None = None, max: float | None = None,
           round: Decimals = None) -> pa.Array:
    """Sensor readings: a seasonal signal with wander, a calibration offset and drift per series, and dropouts.

    A seasonal signal (as `seasonal`) + a mean-reverting wander (as `mean_reverting`, std `wander`) + a
    calibration offset per series (std `offset_sd`) + a drift per day since `origin` at a rate per series
    (mean `drift_per_day`, std `drift_sd`) + noise; a share `gap_rate` of the readings is missing (null: the
    sensor dropped out), drawn per (series, step)."""
    s = _Series(ctx, series, time, step, origin)
    values = base + cycles(s.t_us, daily_amplitude, daily_peak_hour, weekly_amplitude, weekly_peak_day,
                           yearly_amplitude, yearly_peak_day)
    if wander:
        values = values + wander * ou_unit(s.keys, s.n, half_life_steps(wander_half_life, s.step_us), "wander")
    if offset_sd:
        values = values + offset_sd * keyed_normal(s.keys, 0, "offset")
    if drift_per_day or drift_sd:
        rate = drift_per_day + drift_sd * keyed_normal(s.keys, 0, "drift")
        values = values + rate * s.days
    if noise:
        values = values + noise * keyed_normal(s.keys, s.n, "noise")
    null = s.null
    if gap_rate:
        null = null | (keyed_uniform(s.keys, s.n, "gap") < gap_rate)
    return _finish(values, null, min, max, round)
