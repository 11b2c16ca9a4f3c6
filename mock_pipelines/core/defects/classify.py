"""Which rules a value breaks, judged from its column's facts: the labels of the ground truth.

The facts (:mod:`mock_pipelines.core.column_facts`) are the one source the quality rules and the SQL
constraints are derived from, so a value this module calls in range is one ``between__col`` accepts, and a
value it calls malformed is one ``regex__col`` rejects. Comparisons follow the checks': numbers as float64,
a null never breaks a value rule (only ``not_null``), a NaN is in no range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import checksums
from mock_pipelines.core.column_facts import ColumnFacts


def violations(facts: ColumnFacts, values: pa.Array, column_type: pa.DataType) -> list[tuple[str, ...]]:
    """For each value, the rule kinds it breaks (``not_null``, ``type``, ``range``, ``value_set``, ``format``,
    ``length``, ``checksum``), in that order; ``column_type`` is the type the clean column is written with."""
    codes, names = _broken(facts, values, column_type)
    return _per_code(codes, lambda code: _named(code, names))


def violation_labels(facts: ColumnFacts, values: pa.Array, column_type: pa.DataType,
                     also: tuple[str, ...] = ()) -> pa.Array:
    """The ground truth's ``violates`` of each value: the rule kinds it breaks (as :func:`violations`), then
    ``also`` (the kind's own labels), without repeats, comma-separated."""
    codes, names = _broken(facts, values, column_type)
    return pa.array(_per_code(codes, lambda code: ",".join(dict.fromkeys((*_named(code, names), *also)))),
                    pa.string())


def _named(code: int, names: list[str]) -> tuple[str, ...]:
    return tuple(name for j, name in enumerate(names) if code >> j & 1)


def _per_code(codes: np.ndarray, label: Callable[[int], Any]) -> list[Any]:
    """``label(code)`` of each code, computed once per distinct code (a chunk has a handful of them)."""
    by_code = {code: label(code) for code in np.unique(codes).tolist()}
    return [by_code[code] for code in codes.tolist()]


def _broken(facts: ColumnFacts, values: pa.Array, column_type: pa.DataType) -> tuple[np.ndarray, list[str]]:
    """The rules each value breaks as a bit set: bit ``j`` of a value's code is set when it breaks ``names[j]``.
    Whole-array operations only: it runs on every damaged cell of a chunk."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_dictionary(column_type):  # a dictionary-encoded column holds its value type
        column_type = column_type.value_type
    n = len(values)
    valid = values.is_valid().to_numpy(zero_copy_only=False) if n else np.zeros(0, dtype=bool)
    masks: dict[str, np.ndarray] = {"not_null": ~valid if not facts.nullable else np.zeros(n, dtype=bool)}
    typed = values
    if values.type != column_type and not pa.types.is_decimal(column_type):
        typed, castable = _cast_each(values, column_type)
        masks["type"] = valid & ~castable
    elif pa.types.is_decimal(column_type) and not pa.types.is_decimal(values.type):
        typed, castable = _cast_each(values, pa.float64())
        masks["type"] = valid & ~castable
    checkable = valid & ~masks.get("type", np.zeros(n, dtype=bool))
    if facts.has_range and (facts.lo is not None or facts.hi is not None):
        masks["range"] = checkable & ~_within(typed, facts.lo, facts.hi)
    if facts.values is not None:
        masks["value_set"] = checkable & ~_in_set(typed, facts.values)
    if facts.regex and pa.types.is_string(values.type):
        ok = pc.fill_null(pc.match_substring_regex(values, facts.regex), True).to_numpy(zero_copy_only=False)
        masks["format"] = valid & ~ok
    if facts.max_length is not None and pa.types.is_string(values.type):
        ok = pc.fill_null(pc.less_equal(pc.utf8_length(values), facts.max_length), True)
        masks["length"] = valid & ~ok.to_numpy(zero_copy_only=False)
    if facts.checksum and pa.types.is_string(values.type):
        ok = pc.fill_null(checksums.valid(facts.checksum, values), True).to_numpy(zero_copy_only=False)
        masks["checksum"] = valid & ~ok
    names = list(masks)
    codes = np.zeros(n, dtype=np.int64)
    for j, name in enumerate(names):
        codes |= masks[name].astype(np.int64) << j
    return codes, names


def _cast_each(values: pa.Array, target: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    """``values`` cast to ``target`` where each casts (null elsewhere), and which ones did."""
    try:
        out = pc.cast(values, target)
        return out, np.ones(len(values), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # Arrow's cast stops at the first value it cannot read, so each distinct value is tried alone (damage
    # repeats its placeholders and impossible days: a chunk holds far fewer distinct values than cells).
    encoded = values.dictionary_encode()
    distinct = encoded.dictionary
    ok_distinct = np.zeros(len(distinct), dtype=bool)
    for i in range(len(distinct)):  # only the damaged cells of one chunk reach here, never a whole column
        try:
            pc.cast(distinct.slice(i, 1), target)
            ok_distinct[i] = True
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, TypeError):
            pass
    # A null (index null, sent past the last distinct value) casts to a null of any type.
    at = pc.fill_null(encoded.indices, len(distinct)).to_numpy(zero_copy_only=False)
    ok = np.append(ok_distinct, True)[at]
    castable = pa.array(ok)
    return pc.replace_with_mask(pa.nulls(len(values), target), castable, pc.cast(values.filter(castable), target)), ok


def _numbers(values: pa.Array) -> pa.Array:
    if pa.types.is_decimal(values.type) or pa.types.is_integer(values.type):
        return pc.cast(values, pa.float64(), safe=False)  # beyond 2**53 an int rounds, as the checks compare it
    return values


def _bound(value: Any, t: pa.DataType) -> pa.Scalar:
    if pa.types.is_date(t) and isinstance(value, dt.datetime):
        return pa.scalar(value.date(), type=t)
    return pa.scalar(value).cast(t)


def _within(values: pa.Array, lo: Any, hi: Any) -> np.ndarray:
    col = _numbers(values)
    ok = pc.is_valid(col)
    if pa.types.is_floating(col.type):
        ok = pc.and_(ok, pc.invert(pc.is_nan(col)))
    if lo is not None:
        ok = pc.and_(ok, pc.greater_equal(col, _bound(lo, col.type)))
    if hi is not None:
        ok = pc.and_(ok, pc.less_equal(col, _bound(hi, col.type)))
    return pc.fill_null(ok, False).to_numpy(zero_copy_only=False)


def _in_set(values: pa.Array, allowed: list[Any]) -> np.ndarray:
    allowed_arr = pa.array(allowed)
    try:
        allowed_arr = allowed_arr.cast(values.type)
        col = values
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        col, allowed_arr = pc.cast(values, pa.string()), allowed_arr.cast(pa.string())
    return pc.fill_null(pc.is_in(col, value_set=allowed_arr), False).to_numpy(zero_copy_only=False)
