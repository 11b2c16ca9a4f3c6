"""How many rows a growing table creates each day: a trend, yearly and monthly seasonality, public holidays,
one-off events and day-to-day noise, on top of the weekday and hour-of-day shape of the timeline.

Every factor is a pure function of the UTC day ``d``, so the volume of any day is known without generating
the days before it:

* the day's multiplier ``m(d) = trend(d) · month_weights[month(d)] · month_day_weights[day(d)] ·
  holidays(d) · events(d)`` (the weights scaled to a mean of 1, as the weekday weights are);
* its expected rows ``E(d) = m(d) · W(d)``, where ``W(d)`` is what the steady timeline creates that day;
* its rows ``N(d)``: ``E(d)`` itself, or with ``noise: poisson`` a Poisson count around it, drawn from
  ``(key, d)`` alone (by the exact inverse CDF up to a mean of 400, by the normal approximation above).

The timeline's cumulative count is then ``C(d) + N(d) · (share of W(d) elapsed within day d)``, with
``C(d)`` the rows of the days before ``d`` since the first partition: integers when the count is noisy,
so every day holds exactly its ``N(d)`` rows. ``C`` is a cumulative sum over days, computed a year at a
time as far as rows are asked for and kept (8 bytes a day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

import numpy as np

from mock_pipelines.core import random as rnd
from mock_pipelines.spec.model import Trend, VolumeShape

_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
_EXACT_POISSON_UP_TO = 400.0
_MAX_DAYS = 1000 * 366  # how far the cumulative count may be extended before asking for rows is refused
_NOISE_STREAM, _NOISE_NORMAL_STREAM = 13, 14


def trend_factor(trend: Trend | None, years: np.ndarray) -> np.ndarray:
    """The trend's multiplier ``years`` after the first partition (1 at the start)."""
    if trend is None:
        return np.ones_like(years)
    if trend.shape == "linear":
        return 1.0 + trend.per_year * years
    if trend.shape == "exponential":
        return (1.0 + trend.per_year) ** years
    cap = float(trend.cap or 1.0)  # logistic: from 1 towards cap
    return cap / (1.0 + (cap - 1.0) * np.exp(-trend.per_year * years))


@cache
def holiday_days(country: str, first_year: int, last_year: int) -> frozenset[int]:
    """The public holidays of ``country`` in those years, as days since 1970-01-01."""
    import holidays  # imported only by a table that asks for holidays

    calendar = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    return frozenset(day.toordinal() - _EPOCH_DAY for day in calendar)


def locale_country(locale: str) -> str:
    """The country whose holidays apply to a locale (``en_US`` → ``US``)."""
    return locale.split("_", 1)[1].upper() if "_" in locale else locale.upper()


def _mean_one(weights: list[float] | None) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    return w / w.mean()


def poisson_counts(lam: np.ndarray, u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Poisson(lam) counts: the exact inverse CDF of ``u`` where lam ≤ 400, else round(lam + √lam · z)."""
    lam = np.asarray(lam, dtype=np.float64)
    out = np.maximum(np.rint(lam + np.sqrt(lam) * z), 0.0)
    small = np.flatnonzero(lam <= _EXACT_POISSON_UP_TO)
    if len(small):
        lm, uu = lam[small], u[small]
        p = np.exp(-lm)
        cdf = p.copy()
        k = np.zeros(len(small))
        top = int(lm.max() + 12 * np.sqrt(lm.max()) + 30)
        for i in range(1, top):
            below = uu >= cdf
            if not below.any():
                break
            k += below
            p = p * lm / i
            cdf += p
        out[small] = k
    return out


class DailyVolume:
    """The rows of each day of a growing table (see the module docstring). ``steady_rows(days)`` gives
    ``W(d)``, the rows the steady timeline creates on each UTC day (days since 1970-01-01)."""

    def __init__(self, shape: VolumeShape, first_day: int, steady_rows: Callable[[np.ndarray], np.ndarray],
                 key: int, locale: str):
        self.shape, self.first_day, self.key, self.locale = shape, first_day, key, locale
        self._steady = steady_rows
        self._months = _mean_one(shape.month_weights)
        self._month_days = _mean_one(shape.month_day_weights)
        self._cum = np.zeros(1)  # rows before first_day + i, for i < len

    # -- per day ------------------------------------------------------------------------------------------
    def multiplier(self, days: np.ndarray) -> np.ndarray:
        """m(d) of each UTC day."""
        days = np.asarray(days, dtype=np.int64)
        m = trend_factor(self.shape.trend, (days - self.first_day) / 365.25)
        if self._months is not None or self._month_days is not None:
            dates = days.astype("datetime64[D]")
            if self._months is not None:
                m = m * self._months[dates.astype("datetime64[M]").astype(np.int64) % 12]
            if self._month_days is not None:
                m = m * self._month_days[(dates - dates.astype("datetime64[M]")).astype(np.int64)]
        if self.shape.holidays is not None and len(days):
            years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
            off = holiday_days(locale_country(self.locale), int(years.min()), int(years.max()))
            m = np.where(np.isin(days, np.fromiter(off, dtype=np.int64, count=len(off))), m * self.shape.holidays, m)
        for event in self.shape.events:
            lo, hi = event.start.toordinal() - _EPOCH_DAY, event.end.toordinal() - _EPOCH_DAY
            m = np.where((days >= lo) & (days <= hi), m * event.factor, m)
        return m

    def expected(self, days: np.ndarray) -> np.ndarray:
        """E(d): the rows the curve expects on each UTC day (before noise)."""
        days = np.asarray(days, dtype=np.int64)
        return self.multiplier(days) * self._steady(days)

    def rows(self, days: np.ndarray) -> np.ndarray:
        """N(d): the rows created on each UTC day."""
        days = np.asarray(days, dtype=np.int64)
        e = self.expected(days)
        if self.shape.noise != "poisson":
            return e
        return poisson_counts(e, rnd.uniform(self.key, days, stream=_NOISE_STREAM),
                              rnd.standard_normal(self.key, days, stream=_NOISE_NORMAL_STREAM))

    # -- cumulative --------------------------------------------------------------------------------------
    def _extend(self, days: int) -> None:
        have = len(self._cum) - 1
        if days <= have:
            return
        if days > _MAX_DAYS:
            raise ValueError(f"rows asked for more than {_MAX_DAYS // 366:,} years after the first partition")
        grow = max(days - have, 366)
        counts = self.rows(np.arange(self.first_day + have, self.first_day + have + grow, dtype=np.int64))
        # One running sum from the first day (accumulate adds in order): the same figures however far and
        # in what steps the count was extended before.
        self._cum = np.concatenate([self._cum, np.cumsum(np.concatenate([self._cum[-1:], counts]))[1:]])

    def before(self, days: np.ndarray) -> np.ndarray:
        """C(d): rows created on the days from the first one up to (not including) each day."""
        k = np.asarray(days, dtype=np.int64) - self.first_day
        k = np.maximum(k, 0)
        if len(k):
            self._extend(int(k.max()))
        return self._cum[k]

    def counted(self, days: np.ndarray) -> np.ndarray:
        """N(d) of each day as the cumulative count holds it (0 before the first day): what the timeline reads
        for every row, so each day's draw is made once, when the count is extended, not once per row."""
        k = np.asarray(days, dtype=np.int64) - self.first_day
        if not len(k):
            return np.zeros(0)
        self._extend(int(k.max()) + 1)
        inside = np.maximum(k, 0)
        return np.where(k >= 0, self._cum[inside + 1] - self._cum[inside], 0.0)

    def day_of_row(self, x: np.ndarray) -> np.ndarray:
        """The UTC day on which the cumulative count reaches each ``x`` (rows counted from the first day)."""
        x = np.asarray(x, dtype=np.float64)
        if len(x):
            top = float(x.max())
            while self._cum[-1] <= top:
                self._extend(len(self._cum) - 1 + 366)
        return self.first_day + np.searchsorted(self._cum, x, side="right") - 1
