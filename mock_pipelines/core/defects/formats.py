"""Broken formats: text that no longer matches its column's pattern, dates that do not exist, values of the
wrong type.

``malformed`` keeps the column a string column and breaks its ``format`` rule; ``invalid_date`` and
``wrong_type`` write text into a typed column (``retypes``): the column lands as strings in the scenario, and
every damaged value is text that does not cast to the column's type, so it breaks the ``type`` rule.
The text is built from the clean value where that reads naturally (the year of a date, the digits of a
number), so the damage looks like what a real source sends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.defects import register
from mock_pipelines.core.defects.base import Cells, DefectKind
from mock_pipelines.core.defects.targets import arrow_type, protected

if TYPE_CHECKING:
    from mock_pipelines.core.column_facts import ColumnFacts
    from mock_pipelines.core.engine import TablePlan
    from mock_pipelines.spec.model import ColumnSpec

_AT, _ZERO, _NINE, _HASH = ord("@"), ord("0"), ord("9"), ord("#")
# Last resorts of `malformed`, tried in order where every damage of a value still matches the format: a
# format that accepts all of them accepts any text and cannot be broken.
_FALLBACKS = ("#!", "", "!", "\n")


# ---- text as a matrix of code points: insertions and deletions at a drawn position, for all values at once ----

def _code_points(text: pa.Array) -> np.ndarray:
    """Non-null strings as an (n, longest) matrix of code points, 0-padded on the right."""
    fixed = np.asarray(text.to_numpy(zero_copy_only=False), dtype=str)
    width = max(fixed.dtype.itemsize // 4, 1)
    return np.ascontiguousarray(fixed.astype(f"U{width}")).view(np.uint32).reshape(len(fixed), width)


def _strings(points: np.ndarray) -> pa.Array:
    return pa.array(np.ascontiguousarray(points).view(f"U{points.shape[1]}").reshape(len(points)), pa.string())


def _delete(points: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Each row without its code point at ``at``."""
    n, width = points.shape
    padded = np.concatenate([points, np.zeros((n, 1), dtype=points.dtype)], axis=1)
    cols = np.arange(width)[None, :]
    return np.take_along_axis(padded, cols + (cols >= at[:, None]), axis=1)


def _insert(points: np.ndarray, at: np.ndarray, char: np.ndarray) -> np.ndarray:
    """Each row with ``char`` inserted before its position ``at`` (``at`` = its length: appended)."""
    n, width = points.shape
    cols = np.arange(width + 1)[None, :]
    source = np.clip(cols - (cols > at[:, None]), 0, max(width - 1, 0))
    out = np.take_along_axis(points, source, axis=1) if width else np.zeros((n, 1), dtype=points.dtype)
    out[np.arange(n), at] = char
    return out


def _nth(mask: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The column of the k-th True of each row of ``mask`` (k counted from 0; k = the count: one past the last)."""
    upto = np.cumsum(mask, axis=1)
    hit = mask & (upto == (k + 1)[:, None])
    last = np.where(mask.any(axis=1), mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1) + 1, 0)
    return np.where(hit.any(axis=1), np.argmax(hit, axis=1), last)


# ---- malformed ------------------------------------------------------------------------------------------------

def _matches(values: pa.Array, regex: str) -> np.ndarray:
    """Whether each value matches the format, as the ``regex__`` rule and the classifier test it."""
    return pc.fill_null(pc.match_substring_regex(values, regex), False).to_numpy(zero_copy_only=False)


def _malformed_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    if (reason := protected(column, table)) is not None:
        return reason
    if not pa.types.is_string(arrow_type(column, table)) and not pa.types.is_large_string(arrow_type(column, table)):
        return f"malformed damages text with a format; {column.name} is {column.type.name}"
    if not facts.regex:
        return (f"{column.name} declares no format to break (its generator states no pattern): use a text kind "
                f"such as truncation or mojibake")
    if _matches(pa.array(_FALLBACKS), facts.regex).all():
        return f"the format of {column.name} ({facts.regex}) accepts any text, so no value can break it"
    return None


def _malformed(cells: Cells) -> pa.Array:
    """Known shapes first: an e-mail loses its '@', a value of mostly digits (phone, id, code) gets one digit
    more or one less; anything else gets a '#' at a drawn position. Where the result still matches the format
    (a card number of 16 digits is as valid with 15), the next damage is tried, down to :data:`_FALLBACKS`."""
    regex = cells.facts.regex
    assert regex, "applies() refuses a column without a format"
    n = len(cells)
    if n == 0:
        return pa.array([], pa.string())
    text = pc.fill_null(cells.values.cast(pa.string()), "")
    points = _code_points(text)
    length = pc.utf8_length(text).to_numpy(zero_copy_only=False).astype(np.int64)
    at_sign = points == _AT
    digit = (points >= _ZERO) & (points <= _NINE)
    digits = digit.sum(axis=1)
    # One draw per choice, each its own stream, so a row's damage does not depend on its neighbours.
    hash_at = np.minimum(cells.integers(np.maximum(length + 1, 1), 1), length)
    remove = (cells.uniform(2) < 0.5) & (digits > 1)
    k = cells.integers(np.maximum(digits + ~remove, 1), 3)  # a digit to drop, or the digit to insert before
    new_digit = (_ZERO + cells.integers(10, 4)).astype(np.uint32)

    # Each damage is built only for the rows that get it: the code-point matrices are the cost.
    def hashed(rows: np.ndarray) -> pa.Array:
        return _strings(_insert(points[rows], hash_at[rows], np.full(len(rows), _HASH, dtype=np.uint32)))

    def no_at(rows: np.ndarray) -> pa.Array:
        return _strings(_delete(points[rows], np.argmax(at_sign[rows], axis=1)))

    def relength(rows: np.ndarray) -> pa.Array:
        where = _nth(digit[rows], np.minimum(k[rows], digits[rows]))
        recounted = np.where(remove[rows, None], _pad(_delete(points[rows], where), points.shape[1] + 1),
                             _insert(points[rows], where, new_digit[rows]))
        return _strings(recounted)

    shape = np.where(at_sign.any(axis=1), 0, np.where(2 * digits > length, 1, 2))
    out = _gathered(n, [(np.flatnonzero(shape == s), build) for s, build in enumerate((no_at, relength, hashed))])
    for candidate in (hashed, lambda rows: pc.binary_join_element_wise(text.take(pa.array(rows)), "#!", "")):
        still = _matches(out, regex)
        if not still.any():
            return out
        out = pc.replace_with_mask(out, pa.array(still), candidate(np.flatnonzero(still)))
    for fixed in _FALLBACKS:
        still = _matches(out, regex)
        if not still.any():
            break
        out = pc.if_else(pa.array(still), pa.scalar(fixed), out)
    return out


def _gathered(n: int, parts: list[tuple[np.ndarray, Callable[[np.ndarray], pa.Array]]]) -> pa.Array:
    """``n`` strings, those at the rows of each part built by its function (every row in exactly one part)."""
    built = [build(rows) for rows, build in parts if len(rows)]
    order = np.concatenate([rows for rows, _ in parts if len(rows)])
    at = np.empty(n, dtype=np.int64)
    at[order] = np.arange(n)
    return pa.concat_arrays(built).take(pa.array(at))


def _pad(points: np.ndarray, width: int) -> np.ndarray:
    return np.pad(points, ((0, 0), (0, width - points.shape[1])))


# ---- invalid_date ---------------------------------------------------------------------------------------------

# Month-day pairs that exist in no year; 02-29 exists in leap years, where 02-30 is written instead.
_NO_SUCH_DAYS = (("02", "30"), ("02", "31"), ("04", "31"), ("06", "31"), ("09", "31"), ("11", "31"),
                 ("13", "01"), ("00", "10"), ("12", "32"), ("01", "00"), ("02", "29"))
_FEB_29 = len(_NO_SUCH_DAYS) - 1


def _temporal_applies(kind: str, column: ColumnSpec, table: TablePlan) -> str | None:
    if (reason := protected(column, table)) is not None:
        return reason
    t = arrow_type(column, table)
    if not (pa.types.is_date32(t) or pa.types.is_timestamp(t)):
        return f"{kind} damages dates and timestamps; {column.name} is {column.type.name}"
    return None


def _invalid_date_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    return _temporal_applies("invalid_date", column, table)


def _two_digits(values: pa.Array) -> pa.Array:
    return pc.utf8_lpad(pc.cast(values, pa.string()), width=2, padding="0")


def _typed(cells: Cells) -> pa.Array:
    """The clean values with their column's type. A column a kind re-types reaches the kind as text (the
    scenario writes the whole column as strings); the text of a clean value always casts back."""
    values = cells.values
    if not pa.types.is_string(values.type):
        return values
    t = arrow_type(cells.column, cells.table)
    if pa.types.is_timestamp(t):
        t = pa.timestamp(t.unit)  # written as wall-clock time, without the zone
    return pc.cast(values, t)


def _filled_time(cells: Cells) -> pa.Array:
    """The clean values, a null replaced by the lower bound (or 2024-01-01): a damage needs a year to build on."""
    values = _typed(cells)
    fallback = cells.facts.lo if isinstance(cells.facts.lo, dt.date) else dt.datetime(2024, 1, 1)
    if pa.types.is_date(values.type) and isinstance(fallback, dt.datetime):
        fallback = fallback.date()
    return pc.fill_null(values, pa.scalar(fallback).cast(values.type))


def _invalid_date(cells: Cells) -> pa.Array:
    """Dates that look right but do not exist: 2024-02-30, 2023-13-01, 2023-04-31, 2023-02-29, built on the
    clean value's year; a timestamp also gets hour 24 or minute 61 on its clean day."""
    values = _filled_time(cells)
    year = pc.year(values).to_numpy(zero_copy_only=False)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    pick = cells.integers(len(_NO_SUCH_DAYS), 1)
    pick = np.where((pick == _FEB_29) & leap, 0, pick)  # 02-29 exists in a leap year: 02-30 instead
    month = pa.array(np.array([m for m, _ in _NO_SUCH_DAYS])[pick])
    day = pa.array(np.array([d for _, d in _NO_SUCH_DAYS])[pick])
    year_text = pc.utf8_lpad(pc.cast(pa.array(year), pa.string()), width=4, padding="0")
    bad_day = pc.binary_join_element_wise(year_text, month, day, "-")
    if pa.types.is_date(values.type):
        return bad_day
    hour, minute, second = (_two_digits(f(values)) for f in (pc.hour, pc.minute, pc.second))
    clean_day = pc.strftime(values, format="%Y-%m-%d")
    # Hour 24 with minutes past it (24:00:00 alone is read as midnight by some parsers), or minute 61.
    past_minute = _two_digits(pa.array(np.maximum(pc.minute(values).to_numpy(zero_copy_only=False), 1)))
    hour_24 = pc.binary_join_element_wise(clean_day, pc.binary_join_element_wise("24", past_minute, second, ":"),
                                          "T")
    minute_61 = pc.binary_join_element_wise(clean_day, pc.binary_join_element_wise(hour, "61", second, ":"), "T")
    clean_time = pc.binary_join_element_wise(hour, minute, second, ":")
    bad_date = pc.binary_join_element_wise(bad_day, clean_time, "T")
    which = cells.integers(4, 2)  # half of them a day that does not exist, half a time that does not
    return pc.if_else(pa.array(which < 2), bad_date, pc.if_else(pa.array(which == 2), hour_24, minute_61))


# ---- wrong_type -----------------------------------------------------------------------------------------------

# Text that casts to no number, truth value, date or time (placeholders and spreadsheet errors real files hold).
_NOT_A_VALUE = ("N/A", "", "NULL", "#VALUE!", "unknown", "-")
_NOT_A_NUMBER = ("twelve", "n.a.")
_NOT_AN_INT = ("1e400", "1.5")  # a float where an int belongs, and one too large for any int
_NOT_A_BOOL = ("maybe", "Y", "N")
_NOT_A_DATE = ("TBD", "not a date", "yesterday")


def _wrong_type_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    if (reason := protected(column, table)) is not None:
        return reason
    t = arrow_type(column, table)
    if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t)
            or pa.types.is_date32(t) or pa.types.is_timestamp(t)):
        return f"wrong_type damages numbers, truth values, dates and timestamps; {column.name} is {column.type.name}"
    return None


def _wrong_type(cells: Cells) -> pa.Array:
    """Text that does not parse as the column's type: a placeholder (N/A, an empty string, #VALUE!), or the
    clean value written the wrong way — a decimal comma (12,50), an approximation (~12.5), yes/no for a truth value, a day-first date
    (31/12/2023) — so the damage looks like a real export."""
    values = _typed(cells)
    t = values.type
    if pa.types.is_boolean(t):
        written = pc.if_else(pc.fill_null(values, False), "yes", "no")
        fixed = _NOT_A_VALUE + _NOT_A_BOOL
        alike = [written]
    elif pa.types.is_date32(t) or pa.types.is_timestamp(t):
        filled = _filled_time(cells)
        time = " %H:%M" if pa.types.is_timestamp(t) else ""
        alike = [pc.strftime(filled, format=f"%d/%m/%Y{time}"), pc.strftime(filled, format=f"%d.%m.%Y{time}")]
        fixed = _NOT_A_VALUE + _NOT_A_DATE
    else:
        # A decimal comma ("12.5" -> "12,5"; a whole number gets ",00": a European export of 12), or an
        # approximate value ("~12.5").
        text = pc.fill_null(pc.cast(values, pa.string()), "0")
        comma = pc.if_else(pc.match_substring(text, "."), pc.replace_substring(text, ".", ","),
                           pc.binary_join_element_wise(text, ",00", ""))
        alike = [comma, pc.binary_join_element_wise("~", text, "")]
        fixed = _NOT_A_VALUE + _NOT_A_NUMBER + (_NOT_AN_INT if pa.types.is_integer(t) else ())
    # Half of the values are the clean value written the wrong way, half a placeholder.
    wrote = cells.uniform(1) < 0.5
    way = cells.integers(len(alike), 2)
    out = pa.array(np.array(fixed, dtype=object)[cells.integers(len(fixed), 3)], pa.string())
    for i, text in enumerate(alike):
        out = pc.if_else(pa.array(wrote & (way == i)), text, out)
    return out


register(DefectKind(
    "malformed",
    "text that no longer matches the column's format: an e-mail without its '@', a phone number or id with one "
    "digit too many or too few, else a '#' where the format allows none",
    damage=_malformed, applies=_malformed_applies,
    applies_to="text columns whose generator states a format (a regex): e-mails, phones, codes, not keys or references",
))
register(DefectKind(
    "invalid_date",
    "a date that does not exist, written as text on the clean value's year (2024-02-30, 2023-13-01, "
    "2023-04-31; for a timestamp also hour 24 or minute 61): the column lands as strings",
    damage=_invalid_date, applies=_invalid_date_applies, retypes=True,
    applies_to="date and timestamp columns, not keys or references",
))
register(DefectKind(
    "wrong_type",
    "text that does not parse as the column's type: a placeholder (N/A, empty, #VALUE!) or the clean value "
    "written the wrong way (12,50; yes/no; 31/12/2023): the column lands as strings",
    damage=_wrong_type, applies=_wrong_type_applies, retypes=True,
    applies_to="number, truth-value, date and timestamp columns, not keys or references",
))
