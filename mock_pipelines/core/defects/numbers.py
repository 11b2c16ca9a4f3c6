"""Wrong numbers: a value beyond a declared bound, a value with the wrong sign, a value in the wrong unit.

Every kind keeps the column's Arrow type: an int column gets ints, a decimal keeps its precision and scale, a
date stays a date, so the damaged column lands with the clean schema. Which rules a damaged value breaks is
the classifier's call (:mod:`mock_pipelines.core.defects.classify`); ``out_of_range`` values lie beyond the
declared bound by construction, so they always break ``range``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import registry
from mock_pipelines.core.column_facts import rounding_slack
from mock_pipelines.core.defects import register
from mock_pipelines.core.defects.base import Cells, DefectKind, Param
from mock_pipelines.core.defects.targets import arrow_type, protected

if TYPE_CHECKING:
    from mock_pipelines.core.column_facts import ColumnFacts
    from mock_pipelines.core.engine import TablePlan
    from mock_pipelines.spec.model import ColumnSpec

_EPOCH = dt.date(1970, 1, 1)
# A damaged date or time stays within the years Python (and so the ground truth's text) can hold.
_FIRST_DAY = (dt.date(1, 1, 1) - _EPOCH).days
_LAST_DAY = (dt.date(9999, 12, 31) - _EPOCH).days
_TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_INT64 = np.iinfo(np.int64)
# Decimals are handled as their unscaled integers ("units"): exact up to 18 digits, the range of an int64.
_EXACT_DECIMAL_DIGITS = 18


@dataclass(frozen=True)
class _Axis:
    """A column's values as positions on one number line: the unscaled integer of a decimal, the ints of an
    int column, days of a date, ticks of a timestamp (all ``integral``), or the floats of a float column;
    with the lowest and highest position the Arrow type holds."""

    type: pa.DataType
    integral: bool
    lowest: int | float
    highest: int | float
    unit: int  # positions per 1 of the value (10**scale for a decimal); per day for dates and timestamps
    temporal: bool = False

    def position(self, bound: Any) -> Fraction | float:
        """A declared bound on this axis: exact (a Fraction) on an integral axis, else as the checks compare
        it (a float of the column's width)."""
        if self.temporal:
            if isinstance(bound, dt.datetime) and pa.types.is_timestamp(self.type):
                epoch = dt.datetime(1970, 1, 1, tzinfo=bound.tzinfo and dt.UTC)
                delta = bound - epoch
                micros = (delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds
                return Fraction(micros * _TICKS_PER_SECOND[self.type.unit], 10**6)
            day = bound.date() if isinstance(bound, dt.datetime) else bound
            return Fraction((day - _EPOCH).days * self.unit)
        if self.integral:
            return Fraction(bound) * self.unit
        return float(np.dtype(self.type.to_pandas_dtype()).type(bound))

    def width_alone(self, bound: Fraction | float) -> float:
        """How wide a range with one bound counts: the bound's size (at least 1) for numbers, a year for times."""
        if self.temporal:
            return 365.0 * self.unit
        return max(abs(float(bound)), float(self.unit))

    def read(self, values: pa.Array) -> np.ndarray:
        """The positions of clean numbers (a null reads as 0: callers keep the nulls apart)."""
        if pa.types.is_decimal(self.type):
            return _decimal_units(values)
        filled = pc.fill_null(values, 0)
        return np.asarray(filled.to_numpy(zero_copy_only=False))

    def write(self, positions: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        """Positions back to values of the column's type; nulls where ``valid`` is False."""
        t = self.type
        if pa.types.is_decimal(t):
            out = _decimal_from_units(positions.astype(np.int64), t)
        elif pa.types.is_date32(t):
            out = pa.array(positions.astype(np.int32), pa.int32()).cast(t)
        elif pa.types.is_timestamp(t):
            out = pa.array(positions.astype(np.int64), pa.int64()).cast(t)
        else:
            out = pa.array(positions.astype(t.to_pandas_dtype()), type=t)
        if valid is not None and not valid.all():
            out = pc.if_else(pa.array(valid), out, pa.scalar(None, t))
        return out


def _axis(t: pa.DataType) -> _Axis | None:
    if pa.types.is_integer(t):
        info = np.iinfo(t.to_pandas_dtype())
        return _Axis(t, True, int(info.min), int(info.max), 1)
    if pa.types.is_floating(t):
        info = np.finfo(t.to_pandas_dtype())
        return _Axis(t, False, -float(info.max), float(info.max), 1)
    if pa.types.is_decimal(t):
        # The most digits a decimal holds, as units; past 18 digits only the int64 part of the range is used.
        most = min(10**t.precision - 1, int(_INT64.max))
        return _Axis(t, True, -most, most, 10**t.scale)
    if pa.types.is_date32(t):
        return _Axis(t, True, _FIRST_DAY, _LAST_DAY, 1, temporal=True)
    if pa.types.is_timestamp(t):
        per_day = 86_400 * _TICKS_PER_SECOND[t.unit]
        first = max(_FIRST_DAY * per_day, int(_INT64.min))
        last = min((_LAST_DAY + 1) * per_day - 1, int(_INT64.max))
        return _Axis(t, True, first, last, per_day, temporal=True)
    return None


def _decimal_units(values: pa.Array) -> np.ndarray:
    """The unscaled integers of a decimal array (exactly, read from its buffer, where they fit an int64)."""
    t = values.type
    n = len(values)
    words_per_value = t.byte_width // 8
    if t.precision <= _EXACT_DECIMAL_DIGITS and n:
        data = values.buffers()[1]
        words = np.frombuffer(data, dtype=np.int64, count=(values.offset + n) * words_per_value)
        return words.reshape(-1, words_per_value)[values.offset:, 0].copy()
    as_float = pc.fill_null(pc.cast(values, pa.float64()), 0.0).to_numpy(zero_copy_only=False)
    return np.clip(np.round(as_float * 10.0**t.scale), -9.2e18, 9.2e18).astype(np.int64)


def _decimal_from_units(units: np.ndarray, t: pa.DataType) -> pa.Array:
    """A decimal array from unscaled int64 integers (two's complement, the sign extended to every word)."""
    words_per_value = t.byte_width // 8
    words = np.empty((len(units), words_per_value), dtype=np.int64)
    words[:, 0] = units
    words[:, 1:] = (units >> 63)[:, None]
    return pa.Array.from_buffers(t, len(units), [None, pa.py_buffer(words.tobytes())])


def _valid(values: pa.Array) -> np.ndarray:
    return values.is_valid().to_numpy(zero_copy_only=False) if len(values) else np.zeros(0, dtype=bool)


# ---- out_of_range -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Beyond:
    """Where values beyond a column's bounds can go: for each side, the value just beyond the bound (None where
    there is no bound, or no value of the type beyond it), the bound itself and the width distances scale by."""

    low_edge: int | float | None
    high_edge: int | float | None
    lo: Fraction | float | None
    hi: Fraction | float | None
    width: float


def _beyond(axis: _Axis, facts: ColumnFacts) -> _Beyond:
    lo = None if facts.lo is None else axis.position(facts.lo)
    hi = None if facts.hi is None else axis.position(facts.hi)
    if axis.integral:
        low_edge = None if lo is None else math.ceil(lo) - 1
        high_edge = None if hi is None else math.floor(hi) + 1
    else:
        dtype = np.dtype(axis.type.to_pandas_dtype()).type
        low_edge = None if lo is None else float(np.nextafter(dtype(lo), dtype(-np.inf)))
        high_edge = None if hi is None else float(np.nextafter(dtype(hi), dtype(np.inf)))
    if low_edge is not None and low_edge < axis.lowest:
        low_edge = None
    if high_edge is not None and high_edge > axis.highest:
        high_edge = None
    if lo is not None and hi is not None and hi > lo:
        width = float(hi - lo)
    else:
        width = axis.width_alone(lo if lo is not None else hi)  # type: ignore[arg-type]
    return _Beyond(low_edge, high_edge, lo, hi, width)


def _out_of_range_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    if (reason := protected(column, table)) is not None:
        return reason
    axis = _axis(arrow_type(column, table))
    if axis is None:
        return f"out_of_range damages numbers, dates and timestamps; {column.name} is {column.type.name}"
    if not facts.has_range or (facts.lo is None and facts.hi is None):
        return f"{column.name} declares no bound to go beyond (its generator states no minimum or maximum)"
    if any(isinstance(b, dt.date) != axis.temporal for b in (facts.lo, facts.hi) if b is not None):
        return f"the bounds of {column.name} ({facts.lo}, {facts.hi}) are not of its type ({column.type.name})"
    beyond = _beyond(axis, facts)
    if beyond.low_edge is None and beyond.high_edge is None:
        return (f"no value of type {axis.type} lies beyond the bounds of {column.name} "
                f"({facts.lo} .. {facts.hi}): widen the type or narrow the bounds")
    return None


def _out_of_range(cells: Cells) -> pa.Array:
    by = float(cells.params["by"])
    if not math.isfinite(by) or by <= 0:
        raise ValueError(f"out_of_range on {cells.column.name}: `by` must be a positive number (a share of the "
                         f"range width, e.g. 0.5), got {cells.params['by']!r}")
    axis = _axis(cells.values.type)
    assert axis is not None, "applies() refuses a column of this type"
    beyond = _beyond(axis, cells.facts)
    if beyond.low_edge is None:
        below = np.zeros(len(cells), dtype=bool)
    elif beyond.high_edge is None:
        below = np.ones(len(cells), dtype=bool)
    else:
        below = cells.uniform(1) < 0.5
    # Between half of `by` and all of it past the bound, so the values differ from row to row.
    distance = by * beyond.width * (0.5 + 0.5 * cells.uniform(2))
    out = np.zeros(len(cells), dtype=np.int64 if axis.integral else np.float64)
    if below.any():
        out[below] = _past(axis, float(beyond.lo) - distance[below], axis.lowest, beyond.low_edge, np.floor)  # type: ignore[arg-type]
    if (~below).any():
        out[~below] = _past(axis, float(beyond.hi) + distance[~below], beyond.high_edge, axis.highest, np.ceil)  # type: ignore[arg-type]
    return axis.write(out)


def _past(axis: _Axis, target: np.ndarray, floor: int | float, ceiling: int | float, away: Any) -> np.ndarray:
    """``target`` as values of the axis kept within [floor, ceiling] (the bound's far side, clipped to what the
    type holds: a decimal that would overflow its precision gets the largest value that fits). ``away``
    rounds away from the bound on an integral axis (np.floor below it, np.ceil above it)."""
    if not axis.integral:
        return np.clip(target, floor, ceiling)
    # The clip to the edge keeps a value beyond the bound even where float rounding brought it back onto it;
    # the float clip keeps the int64 conversion defined.
    whole = np.clip(away(target), -9.2e18, 9.2e18).astype(np.int64)
    return np.clip(whole, floor, ceiling)


# ---- sign_error ---------------------------------------------------------------------------------------------

def _sign(column: ColumnSpec, facts: ColumnFacts) -> int:
    """+1 when the clean values are never negative, -1 when never positive, 0 when both signs occur. A bound a
    rounding step past zero (``lo: -0.005`` for amounts rounded to cents) still counts as zero."""
    numbers = [v for v in (facts.values or []) if isinstance(v, int | float) and not isinstance(v, bool)]
    if facts.values is not None and numbers and len(numbers) == len(facts.values):
        if min(numbers) >= 0:
            return 1
        if max(numbers) <= 0:
            return -1
    if not facts.has_range:
        return 0
    gen = registry.get(column.generator) if column.generator else None
    slack = rounding_slack(column, gen, column.params) if gen is not None else 0.0
    slack += 1e-12  # a bound computed as 0 - slack may land a hair below -slack
    if isinstance(facts.lo, int | float) and facts.lo >= -slack:
        return 1
    if isinstance(facts.hi, int | float) and facts.hi <= slack:
        return -1
    return 0


def _sign_error_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    if (reason := protected(column, table)) is not None:
        return reason
    t = arrow_type(column, table)
    if _axis(t) is None or _axis(t).temporal:  # type: ignore[union-attr]
        return f"sign_error damages numbers; {column.name} is {column.type.name}"
    if _sign(column, facts) == 0:
        return (f"{column.name} holds values of both signs (bounds {facts.lo} .. {facts.hi}), so a negated value "
                f"would look like a clean one: use out_of_range or unit_error")
    return None


def _sign_error(cells: Cells) -> pa.Array:
    axis = _axis(cells.values.type)
    assert axis is not None and not axis.temporal, "applies() refuses a column of this type"
    values = axis.read(cells.values)
    # A zero has no sign to flip: it becomes one on the wrong side (-1 where values are never negative).
    wrong_side = -_sign(cells.column, cells.facts) * axis.unit
    if axis.integral:
        # -lowest does not fit the type: the highest value stands in for it.
        flipped = np.where(values == axis.lowest, axis.highest, -values)
    else:
        flipped = -values
    flipped = np.where(values == 0, wrong_side, flipped)
    return axis.write(flipped, _valid(cells.values))


# ---- unit_error ---------------------------------------------------------------------------------------------

def _unit_error_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    if (reason := protected(column, table)) is not None:
        return reason
    axis = _axis(arrow_type(column, table))
    if axis is None or axis.temporal:
        return f"unit_error damages numbers; {column.name} is {column.type.name}"
    return None


def _unit_error(cells: Cells) -> pa.Array:
    factor = float(cells.params["factor"])
    if not math.isfinite(factor) or factor in (0.0, 1.0):
        raise ValueError(f"unit_error on {cells.column.name}: `factor` must be a finite number other than 0 and 1 "
                         f"(100: cents written where euros were meant; 0.01 the other way), got "
                         f"{cells.params['factor']!r}")
    axis = _axis(cells.values.type)
    assert axis is not None and not axis.temporal, "applies() refuses a column of this type"
    values = axis.read(cells.values)
    scaled = values.astype(np.float64) * factor
    if axis.integral:
        # Ints round to the nearest whole value (a decimal: to its scale); a value past the type's limits is
        # clipped to them rather than wrapped around.
        scaled = np.clip(np.round(scaled), max(axis.lowest, -9.2e18), min(axis.highest, 9.2e18))
    else:
        scaled = np.clip(scaled, axis.lowest, axis.highest)
    return axis.write(scaled, _valid(cells.values))


register(DefectKind(
    "out_of_range",
    "a value beyond the column's declared minimum or maximum (the side drawn where both exist), of the column's "
    "type; a decimal keeps its precision (a value that would not fit becomes the largest that does)",
    damage=_out_of_range, applies=_out_of_range_applies,
    params={"by": Param(0.5, "how far beyond the bound, as a share of the range width (each value lies between "
                             "half of it and all of it past the bound; a one-sided range counts as wide as its "
                             "bound, or a year for dates)", (int, float))},
    applies_to="number, date and timestamp columns with a declared minimum or maximum, not keys or references",
))
register(DefectKind(
    "sign_error",
    "the value negated (a zero becomes -1, or 1 in a column of negative values), in a column whose values all "
    "have one sign so the flip shows; a null stays null",
    damage=_sign_error, applies=_sign_error_applies,
    applies_to="number columns whose values all have one sign (a price, a count), not keys or references",
))
register(DefectKind(
    "unit_error",
    "the value multiplied by `factor`, as when cents are written where euros were meant, cast back to the "
    "column's type (ints and decimals rounded); a null stays null",
    damage=_unit_error, applies=_unit_error_applies,
    params={"factor": Param(100, "what the value is multiplied by: 100 (cents for euros), 0.01 the other way, "
                                 "1000 (grams for kilograms)…", (int, float))},
    applies_to="number columns (amounts, weights, durations), not keys or references",
))
