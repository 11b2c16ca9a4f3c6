"""Dates, timestamps and calendar values with weekday / hour-of-day seasonality.

Seasonality is exact: the day (or the (day, hour) slot) is drawn by inverting the cumulative weight over
the enumerated calendar, so a zero weight means the value never occurs. Timestamps may follow another
column (``after``): ``shipped_at`` = ``ordered_at`` + a random delay, never earlier; or lie between several
bounds (``after: [registered_at, booked_at]``, ``before: clinic_id.closed_at``), drawn inside the
intersection of the bounds of each row.
"""

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Bound, Facts, Params
from mock_pipelines.core.registry import COLUMN_REF, ColumnRef, GenContext, generator
from mock_pipelines.core.timeline import US_PER_DAY
from mock_pipelines.core.vocab import WeightedIndex, faker_attr, source, vocabulary

# An optional column reference (``ColumnRef | None`` is not recognised as a reference by the registry).
OptionalColumnRef = Annotated[str | None, COLUMN_REF]
# One column or several (``after: [registered_at, booked_at]``): the bounds of a time window.
ColumnRefs = ColumnRef | list[ColumnRef] | None
DateLike = dt.datetime | dt.date | str  # a datetime given for a date is cut to its date
DateTimeLike = dt.datetime | dt.date | str

_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DATE = dt.date(1970, 1, 1)
US_PER_HOUR = 3_600_000_000

# ---- parsing ----------------------------------------------------------------------------------------------


def to_date(value: Any) -> dt.date:
    """A date from a date, a datetime or an ISO string ('YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS')."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"not a date: {value!r} (expected 'YYYY-MM-DD')") from None


def to_micros(value: Any, end: bool = False) -> int:
    """Microseconds since 1970-01-01 (naive, UTC-meaning) of a date, datetime or ISO string.

    A bare date means its first microsecond, or with ``end`` its last one (so end="2024-12-31" includes
    the whole day). Time-zone aware datetimes are converted to UTC.
    """
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
        if end:
            moment += dt.timedelta(days=1, microseconds=-1)
    else:
        text = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a date/time: {value!r} (expected 'YYYY-MM-DD HH:MM:SS')") from None
        if end and len(text) <= 10:
            moment += dt.timedelta(days=1, microseconds=-1)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_days(value: Any) -> int:
    """Days since 1970-01-01 (the date32 value) of a date-like value."""
    return (to_date(value) - _EPOCH_DATE).days


def _weights(values: list[float] | None, size: int, what: str) -> tuple[float, ...] | None:
    if values is None:
        return None
    w = tuple(float(v) for v in values)
    if len(w) != size:
        raise ValueError(f"{what} needs {size} weights, got {len(w)}")
    if any(v < 0 or not np.isfinite(v) for v in w) or sum(w) <= 0:
        raise ValueError(f"{what} must be non-negative with a positive sum")
    return w


def weekday_of_days(days: np.ndarray) -> np.ndarray:
    """Monday=0 .. Sunday=6 of date32 day numbers (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


class InverseCdf:
    """Indices drawn with probability ∝ weights by inverting the cumulative sum; zero weights never occur."""

    def __init__(self, weights: np.ndarray):
        weights = np.asarray(weights, dtype=np.float64)
        self.last = int(np.flatnonzero(weights)[-1])
        self.index = WeightedIndex(np.cumsum(weights) / weights.sum())

    def __call__(self, u: np.ndarray) -> np.ndarray:
        return np.minimum(self.index(u), self.last)


@lru_cache(maxsize=256)
def _small_table(weights: tuple[float, ...]) -> InverseCdf:
    return InverseCdf(np.asarray(weights))


def _inverse_cdf(weights: Any, u: np.ndarray) -> np.ndarray:
    return _small_table(tuple(float(w) for w in weights))(u)


def _reference_micros(ctx: GenContext, ref: str) -> tuple[np.ndarray, np.ndarray]:
    """(microseconds, null mask) of another column holding timestamps, dates or ISO strings."""
    arr = ctx.column(ref)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_date(arr.type):
        us = pc.multiply(arr.cast(pa.date32()).cast(pa.int32()).cast(pa.int64()), US_PER_DAY)
    elif pa.types.is_timestamp(arr.type):
        us = arr.cast(pa.timestamp("us", tz=arr.type.tz)).cast(pa.int64())
    elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        us = arr.cast(pa.timestamp("us")).cast(pa.int64())
    else:
        raise TypeError(f"column {ref!r} must hold dates or timestamps, not {arr.type}")
    mask = np.asarray(us.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(us.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return values, mask


def _refs(value: Any) -> list[str]:
    return [] if not value else [value] if isinstance(value, str) else list(value)


def _single_after(after: Any, before: Any) -> bool:
    """The original form (one ``after:`` column, no ``before:``): a delay after it, drawn as it always was."""
    return isinstance(after, str) and not before


def _bounds(ctx: GenContext, refs: list[str], latest: bool, to_unit: Any) -> tuple[np.ndarray, np.ndarray]:
    """(bound, has) per row: the latest (``latest``) or earliest of the non-null values of ``refs``."""
    out = np.zeros(len(ctx), dtype=np.int64)
    has = np.zeros(len(ctx), dtype=bool)
    for ref in refs:
        values, null = _reference_micros(ctx, ref)
        values = to_unit(values)
        pick = ~null & (~has | ((values > out) if latest else (values < out)))
        out[pick] = values[pick]
        has |= ~null
    return out, has


def between_bounds(ctx: GenContext, after: list[str], before: list[str], min_delay: int, max_delay: int,
                   to_unit: Any) -> tuple[np.ndarray, np.ndarray]:
    """(value, null) per row, drawn uniformly inside the window the bounds leave, in whole units (µs or days):

    * after bounds only: ``[A + min_delay, A + max_delay]``, A the latest after-bound of the row;
    * before bounds only: ``[B - max_delay, B - min_delay]``, B the earliest before-bound;
    * both: ``[A + min_delay, min(A + max_delay, B)]``.

    A null bound does not constrain the row; a row with every bound null is null, and so is a row whose
    window is empty (its after-bound plus the least delay is later than its before-bound): no value could
    respect every bound."""
    a, has_a = _bounds(ctx, after, True, to_unit)
    b, has_b = _bounds(ctx, before, False, to_unit)
    lo = np.where(has_a, a + min_delay, b - max_delay)
    hi = np.where(has_a, a + max_delay, b - min_delay)
    hi = np.where(has_a & has_b, np.minimum(hi, b), hi)
    null = ~(has_a | has_b) | (hi < lo)
    span = np.where(null, 1, hi - lo + 1).astype(np.float64)
    value = lo + np.minimum(np.floor(ctx.uniform() * span).astype(np.int64), (span - 1).astype(np.int64))
    return np.where(null, 0, value), null


# ---- date -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _day_table(first: int, last: int, weekday_weights: tuple[float, ...]) -> InverseCdf | None:
    days = np.arange(first, last + 1, dtype=np.int64)
    weights = np.asarray(weekday_weights, dtype=np.float64)[weekday_of_days(days)]
    return InverseCdf(weights) if weights.sum() > 0 else None


@lru_cache(maxsize=64)
def day_cdf(first: int, last: int, weekday_weights: tuple[float, ...]) -> np.ndarray:
    """Cumulative share of the weight up to and including each day of [first, last] (ends at 1)."""
    weights = np.asarray(weekday_weights, dtype=np.float64)[weekday_of_days(np.arange(first, last + 1))]
    if weights.sum() <= 0:
        raise ValueError("date: weekday_weights exclude every day of the range")
    cdf = np.cumsum(weights) / weights.sum()
    cdf[-1] = 1.0
    return cdf


_SHARE_TABLE_MAX = 512  # siblings per parent up to which the share bounds are tabled (512² entries at most)


@lru_cache(maxsize=16)
def _share_bounds(cdf_bytes: bytes, top: int) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) of share k of n for every 1 ≤ n ≤ top and k < n, as (top + 1, top) tables: the same
    searches as :func:`ordered_days` makes row by row, once per window and size."""
    cdf = np.frombuffer(cdf_bytes, dtype=np.float64)
    n = np.arange(top + 1, dtype=np.int64)[:, None].clip(1)
    k = np.arange(top, dtype=np.int64)[None, :]
    lo = np.searchsorted(cdf, (k / n).ravel(), side="right").reshape(top + 1, top)
    hi = np.where(k + 1 >= n, len(cdf),
                  np.searchsorted(cdf, ((k + 1) / n).ravel(), side="right").reshape(top + 1, top))
    return lo, hi


def ordered_days(cdf: np.ndarray, k: np.ndarray, n: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Day offsets that increase strictly with the sibling position k (0-based) of n: the window's weight
    is cut into n consecutive shares, rounded to whole days (the days whose cumulative weight ends in
    (k/n, (k+1)/n]), and sibling k draws a day of share k with the weekday weights (``v`` uniform). Over
    all rows the days keep the window's weighted distribution up to that rounding. Raises when a share
    holds no whole day, which cannot happen while n is at most :func:`ordered_capacity`."""
    n = np.maximum(n, 1)
    top = int(n.max()) if len(n) else 1
    if top <= _SHARE_TABLE_MAX:  # the share bounds of every (position, size) at once: a lookup per row
        bounds = _share_bounds(cdf.tobytes(), top)
        lo, hi = bounds[0][n, k], bounds[1][n, k]
    else:
        lo = np.searchsorted(cdf, k / n, side="right")
        hi = np.where(k + 1 >= n, len(cdf), np.searchsorted(cdf, (k + 1) / n, side="right"))
    if (hi <= lo).any():
        worst = int(n[hi <= lo].max())
        raise ValueError(f"date: ordered gives each of a parent's {worst} rows a day of its own, but the "
                         f"window has room for fewer (at most {ordered_capacity(cdf)} with these weights)")
    below = np.where(lo > 0, cdf[np.maximum(lo - 1, 0)], 0.0)
    u = below + v * (cdf[hi - 1] - below)
    return np.clip(np.searchsorted(cdf, u, side="right"), lo, hi - 1)


def ordered_capacity(cdf: np.ndarray) -> int:
    """The most siblings :func:`ordered_days` always orders: while no day holds more than 1/n of the
    weight, every one of the n consecutive shares contains a day of its own."""
    share = np.diff(cdf, prepend=0.0)
    return int(np.floor(1.0 / share.max() + 1e-9))


def _date_capacity(params: Any, _locale: str) -> int | None:
    if params.get("after") or params.get("before"):
        return None
    try:
        return max(0, to_days(params.get("end", "2024-12-31")) - to_days(params.get("start", "2020-01-01")) + 1)
    except ValueError:
        return None


def _day(value: Any) -> dt.datetime:
    """A date bound as the datetime at its midnight (how range rules compare date columns)."""
    d = to_date(value)
    return dt.datetime(d.year, d.month, d.day)


def _instant(value: Any, end: bool = False) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=to_micros(value, end=end))


@generator("date", category="datetime", returns="date", example="2023-06-14", aliases=("date_between",),
           supports_unique=True, capacity=_date_capacity,
           facts=Facts(range=lambda p: (None, None) if p["after"] or p["before"] else (_day(p["start"]),
                                                                                       _day(p["end"]))))
def date(ctx: GenContext, *, start: DateLike = "2020-01-01", end: DateLike = "2024-12-31",
         weekday_weights: list[float] | None = None, after: ColumnRefs = None, before: ColumnRefs = None,
         max_delay_days: int = 30, ordered: bool = False) -> pa.Array:
    """Dates in [start, end], optionally weighted by weekday (Mon..Sun), or a delay after other date columns
    (``after``), before them (``before``), or between both (the latest after-bound and the earliest
    before-bound of each row).

    ``ordered: true`` (in a ``rows: {per: …}`` table) makes the dates increase strictly with the row's
    position among its siblings: the window is cut into as many consecutive shares as the parent has rows
    and the k-th row draws its day in the k-th share, so an earlier sibling always has an earlier date
    while the column as a whole keeps the window's (weighted) distribution."""
    if ordered:
        if after or before or ctx.unique:
            raise ValueError("date: ordered draws from the start/end window; it cannot be combined with "
                             "after, before or unique")
        first, last = to_days(start), to_days(end)
        if last < first:
            raise ValueError(f"date: end {end} is before start {start}")
        weights = _weights(weekday_weights, 7, "weekday_weights") or (1.0,) * 7
        if not any(weights):
            raise ValueError("date: weekday_weights exclude every day of the range")
        _, k, n = ctx.extra["siblings"]()
        offsets = ordered_days(day_cdf(first, last, weights), k, n, ctx.uniform())
        return pa.array((first + offsets).astype(np.int32), type=pa.date32())
    if (after or before) and not _single_after(after, before):
        if ctx.unique:
            raise ValueError("date: unique=true cannot be combined with after/before")
        days, null = between_bounds(ctx, _refs(after), _refs(before), 0, max(0, max_delay_days),
                                    lambda us: np.floor_divide(us, US_PER_DAY))
        return pa.array(days.astype(np.int32), type=pa.date32(), mask=null)
    if after:
        if ctx.unique:
            raise ValueError("date: unique=true cannot be combined with after")
        base, mask = _reference_micros(ctx, after)
        days = np.floor_divide(base, US_PER_DAY) + ctx.integers(max(0, max_delay_days) + 1)
        return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)
    first, last = to_days(start), to_days(end)
    if last < first:
        raise ValueError(f"date: end {end} is before start {start}")
    span = last - first + 1
    weights = _weights(weekday_weights, 7, "weekday_weights")
    if ctx.unique:
        if weights is not None:
            raise ValueError("date: unique=true cannot be combined with weekday_weights")
        offsets = ctx.unique_index(span)
    elif weights is None:
        offsets = ctx.integers(span)
    else:
        table = _day_table(first, last, weights)
        if table is None:
            raise ValueError("date: weekday_weights exclude every day of the range")
        offsets = table(ctx.uniform())
    return pa.array((first + offsets).astype(np.int32), type=pa.date32())


# ---- timestamp --------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _slot_table(lo_us: int, hi_us: int, weekday_weights: tuple[float, ...],
                hour_weights: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, InverseCdf | None]:
    """Hour slots overlapping [lo_us, hi_us]: (slot start, usable length, sampler ∝ seasonality × length)."""
    first_slot = lo_us // US_PER_HOUR
    last_slot = hi_us // US_PER_HOUR
    slot = np.arange(first_slot, last_slot + 1, dtype=np.int64)
    start = np.maximum(slot * US_PER_HOUR, lo_us)
    stop = np.minimum((slot + 1) * US_PER_HOUR, hi_us + 1)
    length = stop - start
    wd = np.asarray(weekday_weights)[weekday_of_days(slot // 24)]
    hw = np.asarray(hour_weights)[slot % 24]
    weight = wd * hw * length
    return start, length, InverseCdf(weight) if weight.sum() > 0 else None


def _ts_capacity(params: Any, _locale: str) -> int | None:
    if params.get("after") or params.get("before"):
        return None
    try:
        return max(0, to_micros(params.get("end", "2024-12-31 23:59:59"), end=True)
                   - to_micros(params.get("start", "2020-01-01")) + 1)
    except ValueError:
        return None


@generator("timestamp", category="datetime", returns="timestamp", example="2023-06-14 09:41:27.381920",
           aliases=("datetime", "date_time"), supports_unique=True, capacity=_ts_capacity,
           facts=Facts(range=lambda p: (None, None) if p["after"] or p["before"] else (
               _instant(p["start"]), _instant(p["end"], end=True))))
def timestamp(ctx: GenContext, *, start: DateTimeLike = "2020-01-01", end: DateTimeLike = "2024-12-31 23:59:59",
              weekday_weights: list[float] | None = None, hour_weights: list[float] | None = None,
              after: ColumnRefs = None, before: ColumnRefs = None, min_delay_days: float = 0.0,
              max_delay_days: float = 365.0) -> pa.Array:
    """Timestamps in [start, end] with weekday/hour-of-day seasonality, or after other columns by a delay
    (``after``), before them (``before``), or between both (the latest after-bound and the earliest
    before-bound of each row)."""
    if (after or before) and not _single_after(after, before):
        if ctx.unique:
            raise ValueError("timestamp: unique=true cannot be combined with after/before")
        lo = max(0.0, float(min_delay_days))
        hi = max(lo, float(max_delay_days))
        values, null = between_bounds(ctx, _refs(after), _refs(before), int(np.floor(lo * US_PER_DAY)),
                                      int(np.floor(hi * US_PER_DAY)), lambda us: us)
        return pa.array(values, type=pa.timestamp("us"), mask=null)
    if after:
        if ctx.unique:
            raise ValueError("timestamp: unique=true cannot be combined with after")
        base, mask = _reference_micros(ctx, after)
        lo = max(0.0, float(min_delay_days))
        hi = max(lo, float(max_delay_days))
        delay = np.floor((lo + (hi - lo) * ctx.uniform()) * US_PER_DAY).astype(np.int64)
        return pa.array(base + delay, type=pa.timestamp("us"), mask=mask)
    lo_us, hi_us = to_micros(start), to_micros(end, end=True)
    if hi_us < lo_us:
        raise ValueError(f"timestamp: end {end} is before start {start}")
    wd = _weights(weekday_weights, 7, "weekday_weights")
    hw = _weights(hour_weights, 24, "hour_weights")
    if ctx.unique:
        if wd is not None or hw is not None:
            raise ValueError("timestamp: unique=true cannot be combined with weekday/hour weights")
        values = lo_us + ctx.unique_index(hi_us - lo_us + 1)
    elif wd is None and hw is None:
        span = hi_us - lo_us + 1
        values = lo_us + (rnd.bits_blocked(ctx.key, ctx.rows) % np.uint64(span)).astype(np.int64)
    else:
        slot_start, length, sampler = _slot_table(lo_us, hi_us, wd or (1.0,) * 7, hw or (1.0,) * 24)
        if sampler is None:
            raise ValueError("timestamp: the weights exclude every hour of the range")
        idx = sampler(ctx.uniform(0))
        within = np.floor(ctx.uniform(1) * length[idx]).astype(np.int64)
        values = slot_start[idx] + within
    return pa.array(values, type=pa.timestamp("us"))


@generator("unix_time", category="datetime", returns="int", example="1686735687", aliases=("epoch",),
           facts=Facts(range=lambda p: (to_micros(p["start"]) // 1_000_000,
                                    to_micros(p["end"], end=True) // 1_000_000)))
def unix_time(ctx: GenContext, *, start: DateTimeLike = "2020-01-01",
              end: DateTimeLike = "2024-12-31 23:59:59") -> pa.Array:
    """Unix epoch seconds uniform in [start, end]."""
    lo, hi = to_micros(start) // 1_000_000, to_micros(end, end=True) // 1_000_000
    if hi < lo:
        raise ValueError("unix_time: end is before start")
    return pa.array(lo + ctx.integers(hi - lo + 1), type=pa.int64())


# ---- people and calendar values ---------------------------------------------------------------------------


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


def _shift_years_np(days: np.ndarray, years: int) -> np.ndarray:
    """Days since the epoch moved by whole calendar years (29 February becomes the 28th)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    moved = month + np.timedelta64(12 * years, "M")
    length = ((moved + 1).astype("datetime64[D]") - moved.astype("datetime64[D]")).astype(np.int64)
    return (moved.astype("datetime64[D]").astype(np.int64) + np.minimum(day_of_month, length - 1))


def _birth_range(p: Params) -> tuple[Bound, Bound]:
    """The age on the reference date is within [min_age, max_age] (no fixed bounds when the age is taken
    on the date of another column, ``at:``)."""
    if p["at"]:
        return None, None
    ref = to_date(p["reference"])
    earliest = _shift_years(ref, -(int(p["max_age"]) + 1)) + dt.timedelta(days=1)
    return _day(earliest), _day(_shift_years(ref, -int(p["min_age"])))


@generator("date_of_birth", category="datetime", returns="date", example="1987-03-22", aliases=("dob", "birthdate"),
           facts=Facts(range=_birth_range))
def date_of_birth(ctx: GenContext, *, min_age: int = 18, max_age: int = 90,
                  reference: DateLike = "2025-01-01", at: OptionalColumnRef = None) -> pa.Array:
    """Birth dates: the age on the reference date (or on the date of column ``at``) is in [min_age, max_age].

    ``at`` names a date or timestamp column of the row (sign-up, hire, registration): everyone is of age
    at that moment, whenever it is."""
    if max_age < min_age or min_age < 0:
        raise ValueError("date_of_birth: need 0 <= min_age <= max_age")
    if at:
        base, mask = _reference_micros(ctx, at)
        day = np.floor_divide(base, US_PER_DAY)
        latest = _shift_years_np(day, -min_age)
        earliest = _shift_years_np(day, -(max_age + 1)) + 1
        return pa.array((earliest + ctx.integers(latest - earliest + 1)).astype(np.int32), type=pa.date32(),
                        mask=mask)
    ref = to_date(reference)
    latest = _shift_years(ref, -min_age)
    earliest = _shift_years(ref, -(max_age + 1)) + dt.timedelta(days=1)
    first = (earliest - _EPOCH_DATE).days
    span = (latest - earliest).days + 1
    return pa.array((first + rnd.integers_blocked(ctx.key, ctx.rows, span)).astype(np.int32), type=pa.date32())


@generator("year", category="datetime", returns="int", example="2019", supports_unique=True,
           capacity=lambda p, _l: int(p.get("max", 2024)) - int(p.get("min", 1990)) + 1,
           facts=Facts(range=lambda p: (p["min"], p["max"])))
def year(ctx: GenContext, *, min: int = 1990, max: int = 2024) -> pa.Array:
    """Calendar years uniform in [min, max]."""
    span = max - min + 1
    if span < 1:
        raise ValueError("year: max must be >= min")
    offsets = ctx.unique_index(span) if ctx.unique else ctx.integers(span)
    return pa.array(min + offsets, type=pa.int64())


_TWO_DIGITS = np.array([[ord(f"{i:02d}"[0]), ord(f"{i:02d}"[1])] for i in range(100)], dtype=np.uint8)


@generator("time", category="datetime", returns="string", example="14:07:52", aliases=("time_of_day",),
           facts=Facts(regex=lambda _p, _l: r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"))
def time(ctx: GenContext, *, hour_weights: list[float] | None = None) -> pa.Array:
    """Times of day as 'HH:MM:SS', optionally weighted by hour (24 weights)."""
    hw = _weights(hour_weights, 24, "hour_weights")
    hours = ctx.integers(24, 0) if hw is None else _inverse_cdf(hw, ctx.uniform(0))
    secs = ctx.integers(3600, 1)
    out = np.empty((len(ctx), 8), dtype=np.uint8)
    out[:, 0:2] = _TWO_DIGITS[hours]
    out[:, 2] = out[:, 5] = ord(":")
    out[:, 3:5] = _TWO_DIGITS[secs // 60]
    out[:, 6:8] = _TWO_DIGITS[secs % 60]
    return strings.from_bytes_matrix(out)


_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")


def _faker_names(locale: str, attr: str) -> dict[str, str] | None:
    try:
        names = faker_attr("date_time", locale, attr, fallback_locale=locale)
    except AttributeError:
        return None
    return names if isinstance(names, dict) else None


@source("datetime.day_names")
def _day_names(locale: str) -> list[str]:
    names = _faker_names(locale, "DAY_NAMES")  # Faker keys: "0" = Sunday .. "6" = Saturday
    if not names:
        return list(_EN_DAYS)
    return [names[str((i + 1) % 7)] for i in range(7)]


@source("datetime.month_names")
def _month_names(locale: str) -> list[str]:
    names = _faker_names(locale, "MONTH_NAMES")
    if not names:
        return list(_EN_MONTHS)
    return [names[f"{i:02d}"] for i in range(1, 13)]


def _pick(ctx: GenContext, size: int, weights: list[float] | None, what: str) -> np.ndarray:
    w = _weights(weights, size, what)
    return ctx.integers(size) if w is None else _inverse_cdf(w, ctx.uniform())


@generator("day_of_week", category="datetime", returns="string", example="Wednesday", aliases=("weekday",),
           facts=NO_FACTS)
def day_of_week(ctx: GenContext, *, weights: list[float] | None = None) -> pa.Array:
    """Weekday names in the locale's language (weights Mon..Sun optional)."""
    names = vocabulary("datetime.day_names", ctx.locale).values
    return names.take(pa.array(_pick(ctx, 7, weights, "weights"), type=pa.int64()))


@generator("month_name", category="datetime", returns="string", example="September",
           facts=NO_FACTS)
def month_name(ctx: GenContext, *, weights: list[float] | None = None) -> pa.Array:
    """Month names in the locale's language (weights Jan..Dec optional)."""
    names = vocabulary("datetime.month_names", ctx.locale).values
    return names.take(pa.array(_pick(ctx, 12, weights, "weights"), type=pa.int64()))


def _countries() -> list[Any]:
    return list(faker_attr("date_time", "en_US", "countries"))


@source("datetime.timezones")
def _all_timezones(_locale: str) -> list[str]:
    return sorted({tz for country in _countries() for tz in country.timezones})


@source("datetime.local_timezones")
def _local_timezones(locale: str) -> list[str]:
    code = locale.split("_")[-1].upper()
    zones = [tz for country in _countries() if country.alpha_2_code == code for tz in country.timezones]
    return zones or ["UTC"]


@generator("timezone", category="datetime", returns="string", example="Europe/Berlin", aliases=("tz",),
           facts=NO_FACTS)
def timezone(ctx: GenContext, *, local: bool = False) -> pa.Array:
    """IANA time-zone names (all countries, or with local=true those of the locale's country)."""
    name = "datetime.local_timezones" if local else "datetime.timezones"
    return vocabulary(name, ctx.locale).sample(ctx)


@generator("duration_seconds", category="datetime", returns="int", example="742",
           facts=Facts(range=lambda p: (p["min"], p["max"])))
def duration_seconds(ctx: GenContext, *, median: float = 300.0, sigma: float = 1.0, min: int = 1,
                     max: int | None = None) -> pa.Array:
    """Durations in whole seconds, log-normal around a median (session lengths, call times, job runtimes)."""
    values = np.round(median * np.exp(sigma * ctx.normal()))
    values = np.clip(values, min, max if max is not None else None)
    return pa.array(values.astype(np.int64), type=pa.int64())
