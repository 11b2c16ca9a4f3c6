"""Time partitions as pure functions: when each row of a growing table is created.

A time-partitioned table grows at ``rows_per_day`` on average, shaped by weekday and hour-of-day
weights. Its cumulative intensity Λ(t) (rows created from the partition start to t) is piecewise linear
over the 168 hours of a week, so both Λ and its inverse are closed-form and vectorised. Row ``i`` is
created at ``Λ⁻¹(i + u_i)`` with ``u_i`` a uniform draw for that row: times increase with the row index,
the rows of any time window are a contiguous range found in O(1), and nothing depends on which
partitions were generated before. Partition cadence only groups rows; it does not change them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mock_pipelines.core import random as rnd
from mock_pipelines.core.volume import DailyVolume
from mock_pipelines.spec.model import VolumeShape

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
CADENCES = ("hourly", "daily", "weekly", "monthly")
_EPOCH = dt.datetime(1970, 1, 1)


def to_us(value: dt.datetime | dt.date | str) -> int:
    """Microseconds since 1970-01-01 (naive, UTC meaning)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return (value - _EPOCH) // dt.timedelta(microseconds=1)


def from_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=int(us))


@dataclass(frozen=True)
class PartitionScheme:
    """Partition windows as Dagster draws them: hourly, daily, weekly (from Sunday) or monthly, in UTC."""

    start: dt.datetime
    cadence: str = "daily"

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"unknown cadence {self.cadence!r}; choose one of {', '.join(CADENCES)}")

    @property
    def start_us(self) -> int:
        return to_us(self.start)

    def window_end_us(self, t_us: np.ndarray) -> np.ndarray:
        """End (exclusive) of the window that contains each time."""
        t = np.asarray(t_us, dtype=np.int64)
        if self.cadence == "hourly":
            return (t // US_PER_HOUR + 1) * US_PER_HOUR
        if self.cadence == "daily":
            return (t // US_PER_DAY + 1) * US_PER_DAY
        if self.cadence == "weekly":
            # 1970-01-04 was a Sunday: weeks counted from there start on Sundays, as Dagster's do.
            sunday = 3 * US_PER_DAY
            return ((t - sunday) // (7 * US_PER_DAY) + 1) * 7 * US_PER_DAY + sunday
        months = t.astype("datetime64[us]").astype("datetime64[M]") + 1
        return months.astype("datetime64[us]").astype(np.int64)


def window_start_us(scheme: PartitionScheme, t_us: int) -> int:
    """Start of the window that contains ``t_us``."""
    end = int(scheme.window_end_us(np.array([t_us]))[0])
    if scheme.cadence == "monthly":
        return int(np.datetime64(end - 1, "us").astype("datetime64[M]").astype("datetime64[us]").astype(np.int64))
    length = {"hourly": US_PER_HOUR, "daily": US_PER_DAY, "weekly": 7 * US_PER_DAY}[scheme.cadence]
    return end - length


def _weights(values: list[float] | None, n: int) -> np.ndarray:
    w = np.ones(n) if values is None else np.asarray(values, dtype=np.float64)
    if w.shape != (n,) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"expected {n} non-negative weights with a positive sum")
    return w / w.mean()


class Timeline:
    """Creation times of the rows of a growing table (see module docstring)."""

    def __init__(self, start: dt.datetime, rows_per_day: float, key: int,
                 weekday_weights: list[float] | None = None, hour_weights: list[float] | None = None,
                 volume: VolumeShape | None = None, locale: str = "en_US"):
        if rows_per_day <= 0:
            raise ValueError("rows_per_day must be positive")
        self.key = key
        start_us = self._start = to_us(start)
        # Anchor on the Monday 00:00 of the start's week so slot 0 is Monday 00-01h.
        monday = 4 * US_PER_DAY  # 1970-01-05 was a Monday
        self.anchor_us = monday + ((start_us - monday) // (7 * US_PER_DAY)) * 7 * US_PER_DAY
        slot_rates = np.outer(_weights(weekday_weights, 7), _weights(hour_weights, 24)).ravel()
        self.rates = slot_rates / slot_rates.mean() * rows_per_day / 24.0  # rows per hour, per weekly slot
        self.cum = np.concatenate([[0.0], np.cumsum(self.rates)])  # rows at the start of each slot
        self.week = float(self.cum[-1])
        self.origin = float(self._A(np.array([start_us]))[0])  # Λ is counted from the start
        # A trend, seasonality, events or noise: the steady rows of each day are scaled day by day.
        self.volume = DailyVolume(volume, start_us // US_PER_DAY, self._steady_rows, key, locale) \
            if volume is not None else None

    def _steady_rows(self, days: np.ndarray) -> np.ndarray:
        """W(d): the rows the steady timeline creates on each UTC day (from the start, on its first day)."""
        lo = np.maximum(days * US_PER_DAY, self._start)
        return np.maximum(self._A((days + 1) * US_PER_DAY) - self._A(lo), 0.0)

    def _A(self, t_us: np.ndarray) -> np.ndarray:
        hours = (np.asarray(t_us, dtype=np.int64) - self.anchor_us) / US_PER_HOUR
        weeks = np.floor(hours / 168.0)
        rest = hours - 168.0 * weeks
        slot = np.minimum(rest.astype(np.int64), 167)
        return weeks * self.week + self.cum[slot] + self.rates[slot] * (rest - slot)

    def intensity(self, t_us: np.ndarray) -> np.ndarray:
        """Λ(t): expected rows created from the start up to each time (0 before the start)."""
        if self.volume is None:
            return np.maximum(self._A(t_us) - self.origin, 0.0)
        t = np.asarray(t_us, dtype=np.int64)
        day = t // US_PER_DAY
        steady = self._steady_rows(day)
        elapsed = self._A(t) - self._A(np.maximum(day * US_PER_DAY, self._start))
        share = np.clip(elapsed / np.where(steady > 0, steady, 1.0), 0.0, 1.0)
        return np.where(t <= self._start, 0.0, self.volume.before(day) + self.volume.counted(day) * share)

    def _inverse(self, x: np.ndarray) -> np.ndarray:
        if self.volume is None:
            return self._A_inverse(np.asarray(x, dtype=np.float64) + self.origin)
        x = np.asarray(x, dtype=np.float64)
        day = self.volume.day_of_row(x)
        rows = self.volume.counted(day)
        share = np.clip((x - self.volume.before(day)) / np.where(rows > 0, rows, 1.0), 0.0, 1.0)
        lo = np.maximum(day * US_PER_DAY, self._start)
        return self._A_inverse(self._A(lo) + share * self._steady_rows(day))

    def _A_inverse(self, a: np.ndarray) -> np.ndarray:
        weeks = np.floor(a / self.week)
        rem = a - weeks * self.week
        slot = np.clip(np.searchsorted(self.cum, rem, side="right") - 1, 0, 167)
        frac = np.where(self.rates[slot] > 0, (rem - self.cum[slot]) / np.where(self.rates[slot] > 0,
                                                                                    self.rates[slot], 1), 0)
        hours = weeks * 168.0 + slot + np.clip(frac, 0.0, 1.0)
        return self.anchor_us + np.round(hours * US_PER_HOUR).astype(np.int64)

    def time_of(self, rows: np.ndarray) -> np.ndarray:
        """Creation time (µs) of each row: increasing with the row index."""
        rows = np.asarray(rows, dtype=np.int64)
        u = rnd.uniform(self.key, rows, stream=11)
        return self._inverse(rows + u)

    def first_row_at(self, t_us: np.ndarray | int) -> np.ndarray:
        """The number of rows created strictly before each time = the first row created at or after it."""
        t = np.atleast_1d(np.asarray(t_us, dtype=np.int64))
        j = np.floor(self.intensity(t)).astype(np.int64)
        return j + (self.time_of(j) < t)

    @cached_property
    def start_us(self) -> int:
        return int(self._inverse(np.zeros(1))[0])
