"""Exact pyarrow evaluators for the derived rules, used instead of Great Expectations on large tables.

They implement the same expectations with the same semantics (nulls are ignored by value rules; every row
of a repeated value counts as unexpected, as in GX) at a fraction of the cost: a 10M-row key check is a
hash aggregation in C++ instead of a pandas round trip. Each evaluator returns ``(passed, observed,
unexpected_count, examples)``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import checksums, row_checks
from mock_pipelines.quality.distinct import repeated_values
from mock_pipelines.quality.regex_dfa import all_accepted
from mock_pipelines.quality.regex_lines import all_match
from mock_pipelines.quality.results import plain
from mock_pipelines.quality.rules import Rule

EXAMPLES = 5
Outcome = tuple[bool, Any, int | None, list[Any]]


def plain_column(table: pa.Table, name: str) -> pa.ChunkedArray:
    return plain_chunked(table.column(name))


def _rows(unexpected: int, n: int) -> str:
    return f"{unexpected:,} of {n:,} rows"


def _examples(values: pa.ChunkedArray | pa.Array, mask: pa.ChunkedArray | pa.Array) -> list[Any]:
    picked = pc.filter(values, mask)
    return [plain(v) for v in picked.slice(0, EXAMPLES).to_pylist()]


def _not_null(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    col = table.column(kw["column"])
    nulls = col.null_count
    rows = [f"row {i}" for i in pc.indices_nonzero(col.is_null()).slice(0, EXAMPLES).to_pylist()] if nulls else []
    return nulls == 0, _rows(nulls, len(col)), nulls, rows


def distinct_count(col: pa.ChunkedArray) -> int:
    """Number of distinct non-null values. Numbers and times go through numpy (a monotone column — a
    sequence — is recognised in one pass, else one sort); other types through Arrow's hash ``unique``
    (``count_distinct`` is several times slower at 10M rows)."""
    col = col.drop_null()
    t = col.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_temporal(t):
        a = col.to_numpy()
        if pa.types.is_temporal(t):
            a = a.view(np.int64)
        if len(a) < 2 or bool(np.all(a[1:] > a[:-1])):
            return len(a)
        a = np.sort(a)
        return len(a) - int(np.count_nonzero(a[1:] == a[:-1]))
    return len(pc.unique(col))


def _unique(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    col = plain_column(table, kw["column"]).drop_null()
    repeated = repeated_values(col)
    if repeated is not None:
        if len(repeated) == 0:  # the common case: nothing repeats
            return True, _rows(0, table.num_rows), 0, []
        unexpected = pc.sum(pc.cast(pc.is_in(col, value_set=repeated), pa.int64())).as_py() or 0
        return False, _rows(unexpected, table.num_rows), unexpected, [plain(v) for v in
                                                                      repeated.slice(0, EXAMPLES).to_pylist()]
    if distinct_count(col) == len(col):
        return True, _rows(0, table.num_rows), 0, []
    counts = pc.value_counts(col).flatten()
    repeated = pc.greater(counts[1], 1)
    unexpected = pc.sum(pc.filter(counts[1], repeated)).as_py() or 0
    return False, _rows(unexpected, table.num_rows), unexpected, _examples(counts[0], repeated)


def _compound_unique(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    cols = list(kw["column_list"])
    sub = pa.table({c: plain_column(table, c) for c in cols})
    groups = sub.group_by(cols, use_threads=False).aggregate([([], "count_all")])
    if groups.num_rows == sub.num_rows:
        return True, _rows(0, sub.num_rows), 0, []
    repeated = groups.filter(pc.greater(groups["count_all"], 1))
    unexpected = pc.sum(repeated["count_all"]).as_py() or 0
    examples = [plain({c: r[c] for c in cols}) for r in repeated.slice(0, EXAMPLES).to_pylist()]
    return False, _rows(unexpected, sub.num_rows), unexpected, examples


PROBE_ROWS = 20_000  # a string column with few distinct values among its first rows …
FEW_DISTINCT = 1_000  # … (at most this many) is checked through its distinct values


def distinct_strings(col: pa.ChunkedArray) -> pa.Array | None:
    """The distinct values of a dictionary-encoded or low-cardinality string column (a superset for a
    dictionary: entries no row uses are included), or None when there are too many to be worth it."""
    t = col.type
    if pa.types.is_dictionary(t):
        if not col.num_chunks:
            return None
        return pc.unique(pa.concat_arrays([c.dictionary for c in col.chunks])).drop_null()
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)) or len(col) <= PROBE_ROWS:
        return None
    for probe in (2 * FEW_DISTINCT, PROBE_ROWS):  # most columns with many values tell in the first rows
        if len(pc.unique(col.slice(0, probe))) > FEW_DISTINCT:
            return None
    values = pc.unique(col).drop_null()  # a null is not a value: value rules ignore it
    return values if len(values) <= 10 * FEW_DISTINCT else None


def bad_values(col: pa.ChunkedArray, ok: Callable[[pa.ChunkedArray], Any]) -> pa.ChunkedArray | None:
    """Which values of ``col`` fail ``ok`` (nulls never do): a boolean mask without nulls over the plain
    (dictionary-decoded) values, or None when none fails. A column with few distinct values is judged on
    those: when all pass — the usual case — no row is looked at; otherwise the failing values are located."""
    all_pass = getattr(ok, "all_pass", None)  # a test that can prove at once that no value fails
    if all_pass is not None and all_pass(col):
        return None
    distinct = distinct_strings(col)
    if distinct is not None:
        good = pc.fill_null(ok(pa.chunked_array([distinct])), True)
        if pc.all(good).as_py() is not False:
            return None
        failing = pc.filter(distinct, pc.invert(good))
        return pc.is_in(plain_chunked(col), value_set=failing)
    col = plain_chunked(col)
    # nulls are never unexpected values, whatever ``ok`` says of them (``is_in`` says false, not null)
    return pc.and_(pc.invert(pc.fill_null(ok(col), True)), pc.is_valid(col))


def plain_chunked(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(col.type):
        return pa.chunked_array([c.dictionary_decode() for c in col.chunks], type=col.type.value_type)
    return col


def _bad_values(table: pa.Table, column: str, ok: Callable[[pa.ChunkedArray], Any]) -> Outcome:
    """Rows whose value fails ``ok`` (nulls never do), counted and shown (:func:`bad_values`)."""
    bad = bad_values(table.column(column), ok)
    if bad is None:
        return True, _rows(0, table.num_rows), 0, []
    col = plain_column(table, column)
    unexpected = pc.sum(pc.cast(bad, pa.int64())).as_py() or 0
    return unexpected == 0, _rows(unexpected, len(col)), unexpected, _examples(col, bad) if unexpected else []


# ---- row-level value rules: which rows fail (the evaluators count them, the detection score names them) ----

def _in_set_ok(kw: dict[str, Any]) -> Callable[[pa.ChunkedArray], Any]:
    def ok(col: pa.ChunkedArray) -> Any:
        values = pa.array(kw["value_set"])
        try:
            values = values.cast(col.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            col = pc.cast(col, pa.string())
            values = values.cast(pa.string())
        return pc.is_in(col, value_set=values)
    return ok


def _scalar(value: Any, t: pa.DataType) -> pa.Scalar:
    if pa.types.is_date(t) and isinstance(value, dt.datetime):
        return pa.scalar(value.date(), type=t)
    return pa.scalar(value).cast(t)


def _between_ok(kw: dict[str, Any]) -> Callable[[pa.ChunkedArray], Any]:
    lo, hi = kw.get("min_value"), kw.get("max_value")

    def ok(col: pa.ChunkedArray) -> Any:
        if pa.types.is_decimal(col.type) or pa.types.is_integer(col.type):
            col = pc.cast(col, pa.float64(), safe=False)  # an int beyond 2**53 rounds; it does not raise
        t = col.type
        result = None
        if lo is not None:
            result = (pc.greater if kw.get("strict_min") else pc.greater_equal)(col, _scalar(lo, t))
        if hi is not None:
            upper = (pc.less if kw.get("strict_max") else pc.less_equal)(col, _scalar(hi, t))
            result = upper if result is None else pc.and_(result, upper)
        return result if result is not None else pc.is_valid(col)
    return ok


class _RegexOk:
    """``ok`` of a regex rule: RE2 value by value, and ``all_pass``, a proof that every value matches from
    one RE2 match per ~262k values (:mod:`~mock_pipelines.quality.regex_lines`), which is what the usual
    column needs to hear."""

    def __init__(self, regex: str):
        self.regex = regex

    def __call__(self, col: pa.ChunkedArray) -> Any:
        return pc.match_substring_regex(col, self.regex)

    def all_pass(self, col: pa.ChunkedArray) -> bool:
        return all_accepted(col, self.regex) or all_match(col, self.regex)


def _length_ok(kw: dict[str, Any]) -> Callable[[pa.ChunkedArray], Any]:
    """Values of at most ``max_value`` characters (code points; a value of another type as its text)."""
    def ok(col: pa.ChunkedArray) -> Any:
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pc.cast(col, pa.string())
        lengths = pc.utf8_length(col)
        result = pc.less_equal(lengths, kw["max_value"]) if kw.get("max_value") is not None else pc.is_valid(col)
        if kw.get("min_value") is not None:
            result = pc.and_(result, pc.greater_equal(lengths, kw["min_value"]))
        return result
    return ok


# The value test of each single-column row rule: a function of the rule's kwargs giving ``ok(column)``.
VALUE_TESTS: dict[str, Callable[[dict[str, Any]], Callable[[pa.ChunkedArray], Any]]] = {
    "ExpectColumnValuesToBeInSet": _in_set_ok,
    "ExpectColumnValuesToBeBetween": _between_ok,
    "ExpectColumnValuesToMatchRegex": lambda kw: _RegexOk(kw["regex"]),
    "ExpectColumnValueLengthsToBeBetween": _length_ok,
    "ExpectColumnValuesToHaveValidCheckDigits": lambda kw: lambda col: checksums.valid(kw["checksum"], col),
}


def failing_rows(rule: Rule, table: pa.Table, n: int | None = None) -> pa.ChunkedArray | None:
    """Which rows of ``table`` fail a row-level rule — a value rule (:data:`VALUE_TESTS`) or a column pair
    order — as a boolean mask without nulls; None when none fails. Nulls pass, as in the evaluators."""
    kw = rule.gx_kwargs(n)
    if rule.expectation == "ExpectColumnPairValuesAToBeGreaterThanB":
        return _pair_bad(table, kw)[2]
    if rule.expectation == "ExpectColumnValuesToBeBetween" and extremes_within(
            table.column(kw["column"]), kw.get("min_value"), kw.get("max_value"), kw):
        return None  # the usual answer, from one pass
    return bad_values(table.column(kw["column"]), VALUE_TESTS[rule.expectation or ""](kw))


def _in_set(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    return _bad_values(table, kw["column"], _in_set_ok(kw))


def _between(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    if extremes_within(table.column(kw["column"]), kw.get("min_value"), kw.get("max_value"), kw):
        return True, _rows(0, table.num_rows), 0, []  # the usual answer, from one pass
    return _bad_values(table, kw["column"], _between_ok(kw))


def extremes_within(col: pa.ChunkedArray | pa.Array, lo: Any, hi: Any, kw: dict[str, Any],
                    min_max: Callable[[], pa.StructScalar] | None = None) -> bool:
    """True when the smallest and largest non-null values pass the bounds, so every value does (the
    comparison is the one ``_between`` makes per value: numbers as float64, a cast that keeps order).
    False means "look at every value": floats (a NaN is not between anything, yet min/max skip it),
    dictionaries and columns without a non-null value. ``min_max``: gives ``pc.min_max(col)`` when it is
    known already (the measuring thread shares it with the column profile)."""
    t = col.type
    if not (pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_temporal(t)) or col.null_count == len(col):
        return False
    extremes = min_max() if min_max is not None else pc.min_max(col)
    low, high = extremes["min"], extremes["max"]
    if pa.types.is_decimal(t) or pa.types.is_integer(t):
        low, high = pc.cast(low, pa.float64(), safe=False), pc.cast(high, pa.float64(), safe=False)
    try:
        if lo is not None and not (pc.greater if kw.get("strict_min") else pc.greater_equal)(
                low, _scalar(lo, low.type)).as_py():
            return False
        if hi is not None and not (pc.less if kw.get("strict_max") else pc.less_equal)(
                high, _scalar(hi, high.type)).as_py():
            return False
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):  # a bound of another type: per value
        return False
    return True


def _regex(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    return _bad_values(table, kw["column"], VALUE_TESTS["ExpectColumnValuesToMatchRegex"](kw))


def _lengths(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    return _bad_values(table, kw["column"], _length_ok(kw))


def _check_digits(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    return _bad_values(table, kw["column"], VALUE_TESTS["ExpectColumnValuesToHaveValidCheckDigits"](kw))


def _pair_bad(table: pa.Table, kw: dict[str, Any]) -> tuple[pa.ChunkedArray, pa.ChunkedArray, pa.ChunkedArray]:
    """The two columns compared (a date set against a timestamp at midnight) and the rows where A is not
    after B (a null on either side passes)."""
    a, b = plain_column(table, kw["column_A"]), plain_column(table, kw["column_B"])
    if a.type != b.type:
        if pa.types.is_date(b.type) and pa.types.is_timestamp(a.type):
            b = pc.cast(pc.cast(b, pa.date32()), a.type)
        elif pa.types.is_date(a.type) and pa.types.is_timestamp(b.type):
            a = pc.cast(pc.cast(a, pa.date32()), b.type)
    ok = (pc.greater_equal if kw.get("or_equal") else pc.greater)(a, b)
    return a, b, pc.invert(pc.fill_null(ok, True))


def _pair_greater(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    a, b, bad = _pair_bad(table, kw)
    unexpected = pc.sum(pc.cast(bad, pa.int64())).as_py() or 0
    examples = []
    if unexpected:
        pairs = pa.table({kw["column_A"]: pc.filter(a, bad), kw["column_B"]: pc.filter(b, bad)})
        examples = [plain(r) for r in pairs.slice(0, EXAMPLES).to_pylist()]
    return unexpected == 0, _rows(unexpected, len(a)), unexpected, examples


def sibling_order(rule: Rule, table: pa.Table) -> Outcome:
    """``sibling_order__col``: rows whose value is not after the previous sibling's (the row before it with
    the same parent key; siblings ordered by their position column when the rule names one). Nulls pass."""
    name, keys, position = rule.params["sibling_order"], rule.params["parent_key"], rule.params.get("position")
    n = table.num_rows
    if n < 2:
        return True, _rows(0, n), 0, []
    if position:
        table = table.take(pc.sort_indices(table, sort_keys=[(k, "ascending") for k in [*keys, position]]))
    values = plain_column(table, name).combine_chunks()
    same = None
    for k in keys:
        col = plain_column(table, k).combine_chunks()
        eq = pc.fill_null(pc.equal(col.slice(1), col.slice(0, n - 1)), False)
        same = eq if same is None else pc.and_(same, eq)
    after = pc.fill_null(pc.greater(values.slice(1), values.slice(0, n - 1)), True)
    bad = pc.and_(same, pc.invert(after))
    unexpected = pc.sum(pc.cast(bad, pa.int64())).as_py() or 0
    examples = []
    if unexpected:
        rows = pa.table({**{k: pc.filter(plain_column(table, k).combine_chunks().slice(1), bad) for k in keys},
                         "previous": pc.filter(values.slice(0, n - 1), bad), name: pc.filter(values.slice(1), bad)})
        examples = [plain(r) for r in rows.slice(0, EXAMPLES).to_pylist()]
    return unexpected == 0, _rows(unexpected, n), unexpected, examples


def _table_check(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    """A ``checks:`` condition: rows where it is false (null passes, as in SQL), with their values."""
    if rule.params.get("sibling_order"):
        return sibling_order(rule, table)
    columns = {c: plain_column(table, c).combine_chunks() for c in rule.columns}
    bad = row_checks.violations(rule.params["check"], columns.__getitem__, table.num_rows)
    unexpected = pc.sum(pc.cast(bad, pa.int64())).as_py() or 0
    examples = []
    if unexpected:
        rows = pa.table({c: pc.filter(v, bad) for c, v in columns.items()})
        examples = [plain(r) for r in rows.slice(0, EXAMPLES).to_pylist()]
    return unexpected == 0, _rows(unexpected, table.num_rows), unexpected, examples


def _row_count_equal(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    return table.num_rows == kw["value"], table.num_rows, None, []


def _row_count_between(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    lo, hi = kw.get("min_value"), kw.get("max_value")
    n = table.num_rows
    return (lo is None or n >= lo) and (hi is None or n <= hi), n, None, []


def _non_null_share(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    col = table.column(kw["column"])
    share = 1 - col.null_count / len(col) if len(col) else 1.0
    ok = kw["min_value"] - 1e-12 <= share <= kw["max_value"] + 1e-12
    return ok, 1 - share, col.null_count, []  # observed: the null share


def type_matches(actual: pa.DataType, expected: str) -> bool:
    """The column's Arrow type is the declared one (dictionary-encoded strings count as strings)."""
    if pa.types.is_dictionary(actual):
        actual = actual.value_type
    if pa.types.is_large_string(actual) or pa.types.is_string_view(actual):
        actual = pa.string()  # pandas 3 strings come back from a DataFrame as large_string
    declared = re.fullmatch(r"decimal128\((\d+), (\d+)\)", expected)
    if declared and pa.types.is_decimal(actual):
        # Same scale, no more digits: every value fits the declared type (a pandas round trip infers the
        # precision from the values, e.g. decimal128(6, 2) for a decimal(12,2) column).
        return actual.scale == int(declared.group(2)) and actual.precision <= int(declared.group(1))
    return str(actual) == expected


def _type(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    actual = table.schema.field(kw["column"]).type
    return type_matches(actual, rule.params["arrow_type"]), str(actual), None, []


# ---- distribution statistics: the same numbers Great Expectations' pandas engine computes ----------------

def _numbers(table: pa.Table, column: str) -> np.ndarray:
    """Non-null values as float64 (GX converts decimals to float too)."""
    col = plain_column(table, column).drop_null()
    if not pa.types.is_floating(col.type):
        col = pc.cast(col, pa.float64(), safe=False)  # an int beyond 2**53 rounds, as in pandas
    return col.to_numpy()


def within(value: float | None, lo: float | None, hi: float | None, kw: dict[str, Any] | None = None) -> bool:
    kw = kw or {}
    if value is None or np.isnan(value):
        return False
    above = lo is None or (value > lo if kw.get("strict_min") else value >= lo)
    below = hi is None or (value < hi if kw.get("strict_max") else value <= hi)
    return bool(above and below)


def _mean(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    values = _numbers(table, kw["column"])
    observed = float(np.mean(values)) if len(values) else None
    return within(observed, kw.get("min_value"), kw.get("max_value"), kw), observed, None, []


def _stdev(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    values = _numbers(table, kw["column"])
    observed = float(np.std(values, ddof=1)) if len(values) > 1 else None  # pandas' sample stdev
    return within(observed, kw.get("min_value"), kw.get("max_value"), kw), observed, None, []


def _quantiles(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    ranges = kw["quantile_ranges"]
    qs, bounds = list(ranges["quantiles"]), list(ranges["value_ranges"])
    values = _numbers(table, kw["column"])
    if not len(values):
        return False, None, None, []
    found = [float(v) for v in np.quantile(values, qs, method="nearest")]  # pandas' "nearest", as GX asks
    ok = all(within(v, lo, hi) for v, (lo, hi) in zip(found, bounds, strict=True))
    return ok, {"quantiles": qs, "values": found}, None, []


def _kl_divergence(rule: Rule, table: pa.Table, kw: dict[str, Any]) -> Outcome:
    """KL(observed shares ‖ declared weights) as GX computes it for a categorical partition: values not
    declared share ``tail_weight_holdout`` of the expected weight."""
    col = plain_column(table, kw["column"]).drop_null()
    counts = pc.value_counts(col).flatten() if len(col) else None
    seen = dict(zip(counts[0].to_pylist(), counts[1].to_pylist(), strict=True)) if counts is not None else {}
    ok, kl = kl_from_counts(seen, kw)
    return ok, kl, None, []


def kl_from_counts(seen: dict[Any, int], kw: dict[str, Any]) -> tuple[bool, float | None]:
    """(passed, KL divergence) of observed value counts against the declared weights of ``kw``."""
    part = kw["partition_object"]
    declared = dict(zip(part["values"], part["weights"], strict=True))
    strays = [v for v in seen if v not in declared]
    holdout = float(kw.get("tail_weight_holdout") or 0.0)
    keys = list(declared) + strays
    pk = np.array([seen.get(k, 0) for k in keys], dtype=np.float64)
    qk = np.array([declared[k] * (1 - holdout) if strays else declared[k] for k in declared]
                  + ([holdout / len(strays)] * len(strays) if strays else []), dtype=np.float64)
    if pk.sum() == 0 or qk.sum() == 0:
        return False, None
    pk, qk = pk / pk.sum(), qk / qk.sum()
    used = pk > 0
    with np.errstate(divide="ignore"):
        kl = float(np.sum(pk[used] * np.log(pk[used] / qk[used])))
    if not np.isfinite(kl):
        return False, None
    threshold = kw.get("threshold")
    return threshold is None or kl <= threshold, kl


EVALUATORS: dict[str, Callable[[Rule, pa.Table, dict[str, Any]], Outcome]] = {
    "ExpectColumnValuesToNotBeNull": _not_null,
    "ExpectColumnValuesToBeUnique": _unique,
    "ExpectCompoundColumnsToBeUnique": _compound_unique,
    "ExpectColumnValuesToBeInSet": _in_set,
    "ExpectColumnValuesToBeBetween": _between,
    "ExpectColumnValuesToMatchRegex": _regex,
    "ExpectColumnValueLengthsToBeBetween": _lengths,
    "ExpectColumnValuesToHaveValidCheckDigits": _check_digits,
    "ExpectColumnPairValuesAToBeGreaterThanB": _pair_greater,
    "UnexpectedRowsExpectation": _table_check,
    "ExpectTableRowCountToEqual": _row_count_equal,
    "ExpectTableRowCountToBeBetween": _row_count_between,
    "ExpectColumnProportionOfNonNullValuesToBeBetween": _non_null_share,
    "ExpectColumnValuesToBeInTypeList": _type,
    "ExpectColumnMeanToBeBetween": _mean,
    "ExpectColumnStdevToBeBetween": _stdev,
    "ExpectColumnQuantileValuesToBeBetween": _quantiles,
    "ExpectColumnKLDivergenceToBeLessThan": _kl_divergence,
}
DISTRIBUTION_EXPECTATIONS = frozenset({"ExpectColumnMeanToBeBetween", "ExpectColumnStdevToBeBetween",
                                       "ExpectColumnQuantileValuesToBeBetween",
                                       "ExpectColumnKLDivergenceToBeLessThan"})


def evaluate(rule: Rule, table: pa.Table, n: int | None = None) -> Outcome:
    """Evaluate a derived rule exactly with pyarrow (KeyError when its expectation has no evaluator)."""
    return EVALUATORS[rule.expectation or ""](rule, table, rule.gx_kwargs(n))
