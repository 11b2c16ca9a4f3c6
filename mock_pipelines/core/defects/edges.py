"""Edge and boundary cases: the values at the rim of what a column may hold, mixed into a scenario.

A pipeline that handles the middle of a column's range can still fail at its edges: a float that is NaN, a
string of 4,000 characters, a timestamp that does not exist in Berlin. The kind ``edge_case`` replaces each
selected cell with one boundary value of its column, drawn per row (keyed like every draw of a scenario) from a
list built once per column. The list, by the column's Arrow type:

numbers (int, float, decimal)
    the declared bounds when the column has a range (``lo``/``hi`` of its facts, moved inside onto the
    type's grid: the smallest int ≥ lo, the largest decimal of the scale ≤ hi) and one step outside each
    (int: 1, decimal: one unit of the scale, float: the nearest float beyond the bound) — off-by-one checks;
    0, and -0.0 for floats (a sign bit that equality ignores and text keeps); the type's limits (int64 min and
    max; the largest decimal of the precision and scale and its negative; the largest finite float, its
    negative and the smallest positive subnormal) — overflow in sums and casts; for floats NaN, +inf and -inf
    (which stores treat apart: PostgreSQL keeps them, MySQL refuses them, SQLite reads NaN back as NULL; pandas
    and so Great Expectations count a NaN as missing, where the ground truth, like the project's own checks,
    calls it a value in no range); the smallest and largest value of a declared set.
strings
    "" (empty is not null); one character; 255 and 4,000 characters (common VARCHAR limits); whitespace only
    (" " and "\\t\\n"); Unicode: a combining mark ("e" + U+0301, two code points, one letter), an emoji joined
    with a zero-width joiner ("👩‍💻", three code points, one glyph), a right-to-left word ("שלום"), a
    zero-width space inside a word, full-width letters ("ＡＢＣ"), a letter outside the Basic Multilingual
    Plane ("𝔘", four UTF-8 bytes, two UTF-16 units). Plus the shortest, longest, first and last (in sort
    order) of the column's own clean values in rows 0–255 and of its declared set: for a column with a format
    (regex), check digits or a value set these are the values that keep it (crafting a value of the format at
    its extreme length is not attempted).
uuid columns
    the nil UUID (all zeros), the max UUID (all f), the same in upper case, and the smallest and largest
    version-4 UUIDs (which keep a version-4 format).
dates
    2024-02-29 (a leap day); the declared bounds and one day outside; 1970-01-01 and 1969-12-31 (the Unix
    epoch and the day before it: negative day numbers); 1900-01-01 (a common "unknown" sentinel and the start
    of spreadsheet dates); 9999-12-31 (the largest date most databases hold, an "open end" sentinel);
    2023-12-31 and 2024-01-01 (a year boundary).
timestamps (written as naive timestamps, like every timestamp of the engine)
    the start and end of the leap day (2024-02-29T00:00:00 and T23:59:59.999999: day boundaries at
    microsecond precision); the declared bounds and one microsecond outside; the epoch and one microsecond
    before it; 1900-01-01T00:00:00; 2038-01-19T03:14:07 and one second later (the last second a signed 32-bit
    Unix time holds, and the first it overflows); the year boundary 2023-12-31T23:59:59.999999 /
    2024-01-01T00:00:00; and the daylight-saving transitions of 2024 in the dataset's time zone (the first
    zone of the locale's country that changes its clocks; Europe/Berlin and America/New_York when it has none):
    a wall-clock time inside the spring gap, which never happened there (Berlin: 2024-03-31T02:30), and one
    inside the autumn overlap, which happened twice (Berlin: 2024-10-27T02:30) — a pipeline that reads the
    naive value as local time must decide what they mean.
bool
    both values.

Each candidate is cast to the column's Arrow type; one that the type cannot hold is left out. In a positive
scenario (param ``keep_rules``) only the candidates that break no rule of the column's facts are kept
(:func:`mock_pipelines.core.defects.classify.violations` says nothing of them); elsewhere all are used, and
the ground truth labels each injected value with the rules it breaks.

Which columns take edge cases (``applies``): not key columns (primary and foreign keys: a damaged key cannot
be matched with its ground truth, an edge value in a foreign key is an orphan), not JSON, not unique columns
(edge values repeat from row to row), and not columns tied to other columns by a rule the facts of one value
cannot judge: an order (``after``/``before``, sibling order), a sum (``sum_of``, ``split``), a table
``checks:`` condition or an expectation written in the schema, a partition's time column. There an edge value
would break a rule its label could not name. Columns computed from an edited column keep their clean values.

For the schema check: when ``keep_rules`` leaves no candidate, generating the scenario fails with a
``ValueError`` naming the column. Report it at validation instead by calling :func:`table_edge_values` with
``keep_rules=True`` for each edge-case rule of a positive scenario (the table of a ``DatasetPlan`` and the
column's facts as the scenario computes them: ``column_facts(..., partitioned=table.is_partitioned)``): an
empty array means the rule cannot be generated, and :func:`nothing_keeps_rules` words the problem. (Plain
:func:`edge_values` without ``sample`` lacks the values borrowed from the clean rows, so it may find nothing
where generation would find something.) Refusals come from ``applies`` like any kind's.
"""

from __future__ import annotations

import datetime as dt
import weakref
import zoneinfo
from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import registry
from mock_pipelines.core.defects import register
from mock_pipelines.core.defects.base import Cells, DefectKind, Param
from mock_pipelines.core.defects.classify import violations
from mock_pipelines.core.expressions import parse_expression
from mock_pipelines.core.vocab import vocabulary
from mock_pipelines.spec.types import LogicalType

if TYPE_CHECKING:
    from mock_pipelines.core.column_facts import ColumnFacts
    from mock_pipelines.core.engine import TablePlan
    from mock_pipelines.spec.model import ColumnSpec

EDGE_CASE = "edge_case"
SAMPLE_ROWS = 256  # clean rows whose extremes give the format-keeping values of a string column
DST_YEAR = 2024
FALLBACK_ZONES = ("Europe/Berlin", "America/New_York")  # when the locale's zone never changes its clocks
_DAY = dt.timedelta(days=1)
_MICROSECOND = dt.timedelta(microseconds=1)
# Candidates of each planned table, by (column, keep_rules): built once, dropped with the plan.
_CACHE: weakref.WeakKeyDictionary[TablePlan, dict[tuple[str, bool], pa.Array]] = weakref.WeakKeyDictionary()

# ---- the candidates, by type ----------------------------------------------------------------------------------

LONG_STRING_LENGTHS = (255, 4000)
TEXT_EDGES = (
    "",  # empty, not null
    "A",  # one character
    *("x" * n for n in LONG_STRING_LENGTHS),
    " ",  # whitespace only
    "\t\n",
    "e\u0301",  # a combining acute accent: two code points, one letter (é as NFD)
    "\U0001F469\u200D\U0001F4BB",  # woman + zero-width joiner + laptop: three code points, one glyph
    "\u05E9\u05DC\u05D5\u05DD",  # "shalom", written right to left
    "zero\u200Bwidth",  # a zero-width space inside a word
    "\uFF21\uFF22\uFF23",  # full-width A, B, C
    "\U0001D518",  # mathematical fraktur U: outside the Basic Multilingual Plane
)
UUID_EDGES = (
    "00000000-0000-0000-0000-000000000000",  # nil UUID
    "ffffffff-ffff-ffff-ffff-ffffffffffff",  # max UUID
    "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",  # upper case: equal as a UUID, different as text
    "00000000-0000-4000-8000-000000000000",  # the smallest version-4 UUID
    "ffffffff-ffff-4fff-bfff-ffffffffffff",  # the largest version-4 UUID
)
DATE_EDGES = (
    dt.date(2024, 2, 29),  # leap day
    dt.date(1970, 1, 1), dt.date(1969, 12, 31),  # the epoch, and a negative day number
    dt.date(1900, 1, 1),  # "unknown" sentinel, start of spreadsheet dates
    dt.date(9999, 12, 31),  # the largest date most databases hold; "open end" sentinel
    dt.date(2023, 12, 31), dt.date(2024, 1, 1),  # a year boundary
)
TIMESTAMP_EDGES = (
    dt.datetime(2024, 2, 29), dt.datetime(2024, 2, 29, 23, 59, 59, 999999),  # leap day, its first and last µs
    dt.datetime(1970, 1, 1), dt.datetime(1969, 12, 31, 23, 59, 59, 999999),  # the epoch, and a negative time
    dt.datetime(1900, 1, 1),
    dt.datetime(2038, 1, 19, 3, 14, 7), dt.datetime(2038, 1, 19, 3, 14, 8),  # signed 32-bit Unix time: end, overflow
    dt.datetime(2023, 12, 31, 23, 59, 59, 999999), dt.datetime(2024, 1, 1),  # a year boundary
)
FLOAT_EDGES = (0.0, -0.0, float(np.finfo(np.float64).max), -float(np.finfo(np.float64).max), 5e-324,
               float("nan"), float("inf"), float("-inf"))


def edge_values(column: ColumnSpec, facts: ColumnFacts, arrow_type: pa.DataType, keep_rules: bool = False, *,
                locale: str | None = None, sample: pa.Array | None = None) -> pa.Array:
    """The boundary values of a column, as an array of ``arrow_type`` (a dictionary type: of its values).

    ``locale``: the dataset's locale, which picks the time zone of the DST transitions (None: the fallback
    zones). ``sample``: clean values of the column; their extremes join the candidates of a string column (the
    values that keep its format). ``keep_rules``: only the values that break no rule of ``facts`` (a positive
    scenario); the array may then be empty. Candidates are in a fixed order, without repeats."""
    plain = arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type
    if column.type.name is LogicalType.JSON:
        return pa.array([], type=plain)
    values = _fit(_candidates(column, facts, plain, locale, sample), plain)
    if keep_rules and len(values):
        broken = violations(facts, values, arrow_type)
        values = values.filter(pa.array([not b for b in broken]))
    return values


def table_edge_values(table: TablePlan, column: ColumnSpec, facts: ColumnFacts, keep_rules: bool) -> pa.Array:
    """:func:`edge_values` of a column of a planned table (its Arrow type, the plan's locale and a sample of
    its clean rows), built once per (table, column, keep_rules) and kept while the plan lives."""
    cached = _CACHE.setdefault(table, {})
    key = (column.name, keep_rules)
    if key not in cached:
        cached[key] = edge_values(column, facts, table.plain_type(column.name), keep_rules,
                                  locale=table.plan.locale, sample=_sample(table, column))
    return cached[key]


def nothing_keeps_rules(table: str, column: str, facts: ColumnFacts) -> str:
    """Why a positive scenario cannot mix edge cases into ``table.column``, and what to do instead."""
    rules = [what for what, there in (("format " + str(facts.regex), facts.regex),
                                      ("check digits " + str(facts.checksum), facts.checksum),
                                      ("values " + str(facts.values), facts.values is not None),
                                      (f"range [{facts.lo}, {facts.hi}]", facts.has_range)) if there]
    return (f"no boundary value of {table}.{column} keeps its rules ({'; '.join(rules) or 'its type'}): a positive "
            "scenario uses only values that keep them. Move the edge-case rule to a negative scenario, where "
            "values that break a rule are labelled with it, or pick another column.")


def _candidates(column: ColumnSpec, facts: ColumnFacts, t: pa.DataType, locale: str | None,
                sample: pa.Array | None) -> list[Any]:
    declared = [v for v in (facts.values or []) if v is not None]
    if pa.types.is_boolean(t):
        return [False, True]
    if pa.types.is_integer(t):
        return _integers(facts, t, declared)
    if pa.types.is_floating(t):
        return _floats(facts, declared)
    if pa.types.is_decimal(t):
        return _decimals(facts, t, declared)
    if pa.types.is_date(t):
        return _dates(facts, declared)
    if pa.types.is_timestamp(t):
        return _timestamps(facts, declared, locale)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        keepers = _extremes([*declared, *(sample.drop_null().to_pylist() if sample is not None else [])])
        if column.type.name is LogicalType.UUID:
            return [*UUID_EDGES, *keepers]
        return [*TEXT_EDGES, *keepers]
    return []


def _numeric_bounds(facts: ColumnFacts) -> tuple[Any, Any]:
    if not facts.has_range or isinstance(facts.lo, dt.date) or isinstance(facts.hi, dt.date):
        return None, None
    return facts.lo, facts.hi


def _integers(facts: ColumnFacts, t: pa.DataType, declared: list[Any]) -> list[Any]:
    info = np.iinfo(t.to_pandas_dtype())
    lo, hi = _numeric_bounds(facts)
    out: list[Any] = []
    if lo is not None:
        first = int(np.ceil(lo))  # the bounds carry rounding slack (-0.5): the first whole number inside
        out += [first, first - 1]
    if hi is not None:
        last = int(np.floor(hi))
        out += [last, last + 1]
    out += [0, int(info.min), int(info.max)]
    if declared:
        out += [min(declared), max(declared)]
    return [int(v) for v in out if info.min <= v <= info.max]


def _floats(facts: ColumnFacts, declared: list[Any]) -> list[Any]:
    lo, hi = _numeric_bounds(facts)
    out: list[Any] = []
    if lo is not None:
        out += [float(lo), float(np.nextafter(float(lo), -np.inf))]
    if hi is not None:
        out += [float(hi), float(np.nextafter(float(hi), np.inf))]
    out += list(FLOAT_EDGES)
    if declared:
        out += [float(min(declared)), float(max(declared))]
    return out


def _decimals(facts: ColumnFacts, t: pa.Decimal128Type, declared: list[Any]) -> list[Any]:
    unit = Decimal(1).scaleb(-t.scale)
    top = Decimal(10) ** (t.precision - t.scale) - unit
    lo, hi = _numeric_bounds(facts)
    out: list[Decimal] = []
    if lo is not None:
        first = _zero_unsigned(Decimal(repr(float(lo))).quantize(unit, rounding=ROUND_CEILING))
        out += [first, first - unit]
    if hi is not None:
        last = _zero_unsigned(Decimal(repr(float(hi))).quantize(unit, rounding=ROUND_FLOOR))
        out += [last, last + unit]
    out += [Decimal(0).quantize(unit), top, -top]
    if declared:
        out += [Decimal(repr(float(v))).quantize(unit) for v in (min(declared), max(declared))]
    return [v for v in out if abs(v) <= top]


def _zero_unsigned(value: Decimal) -> Decimal:
    return value.copy_abs() if value.is_zero() else value  # -0.00 from rounding -0.005 up is plain 0.00


def _dates(facts: ColumnFacts, declared: list[Any]) -> list[Any]:
    out: list[Any] = list(DATE_EDGES)
    if facts.has_range:
        lo, hi = _day(facts.lo), _day(facts.hi)
        out += [] if lo is None else [lo, _shifted(lo, -_DAY)]
        out += [] if hi is None else [hi, _shifted(hi, _DAY)]
    return out + _extremes(declared, by_length=False)


def _timestamps(facts: ColumnFacts, declared: list[Any], locale: str | None) -> list[Any]:
    out: list[Any] = list(TIMESTAMP_EDGES)
    if facts.has_range:
        lo, hi = _moment(facts.lo), _moment(facts.hi)
        out += [] if lo is None else [lo, _shifted(lo, -_MICROSECOND)]
        out += [] if hi is None else [hi, _shifted(hi, _MICROSECOND)]
    for zone in dst_zones(locale):
        out += [moment for moment, _ in dst_moments(zone)]
    return out + _extremes(declared, by_length=False)


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _moment(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())


def _shifted(value: Any, step: dt.timedelta) -> Any:
    try:
        return value + step
    except OverflowError:  # a bound at the calendar's end has nothing beyond it
        return None


def _extremes(values: Iterable[Any], by_length: bool = True) -> list[Any]:
    """The first and last of ``values`` in sort order, and (text) the shortest and longest."""
    values = [v for v in values if v is not None]
    if not values:
        return []
    out = [min(values), max(values)]
    if by_length:
        out += [min(values, key=len), max(values, key=len)]
    return out


def _fit(candidates: list[Any], t: pa.DataType) -> pa.Array:
    """The candidates ``t`` can hold, cast to it, each once (first occurrence kept; 0.0 and -0.0 are two)."""
    seen: set[tuple[type, str]] = set()
    kept: list[pa.Scalar] = []
    for value in candidates:  # a few dozen values, once per column
        if value is None or (key := (type(value), repr(value))) in seen:
            continue
        seen.add(key)
        try:
            kept.append(pa.scalar(value, type=t))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, ValueError,
                TypeError):
            continue
    return pa.array([s.as_py() for s in kept], type=t) if kept else pa.array([], type=t)


# ---- daylight-saving transitions ------------------------------------------------------------------------------

def dst_zones(locale: str | None) -> tuple[str, ...]:
    """The zone whose DST transitions a timestamp column gets: the first zone of the locale's country that
    changes its clocks in :data:`DST_YEAR`, else :data:`FALLBACK_ZONES`."""
    if locale is not None:
        for zone in vocabulary("datetime.local_timezones", locale).values.to_pylist():
            if dst_moments(zone):
                return (zone,)
    return tuple(z for z in FALLBACK_ZONES if dst_moments(z))


@cache
def dst_moments(zone: str, year: int = DST_YEAR) -> tuple[tuple[dt.datetime, str], ...]:
    """For each clock change of ``zone`` in ``year``: a naive wall-clock time in the middle of the change and
    what it is there — ``"nonexistent"`` (clocks jumped over it) or ``"ambiguous"`` (it happened twice).
    Empty for a zone without clock changes or unknown to this machine's time-zone database."""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ()
    out = []
    hour = dt.timedelta(hours=1)
    at = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    before = at.astimezone(tz).utcoffset()
    while at.year == year:  # hour by hour through the year, then minute by minute around a change
        after = (at + hour).astimezone(tz).utcoffset()
        if after != before:
            change = next(at + dt.timedelta(minutes=m) for m in range(1, 61)
                          if (at + dt.timedelta(minutes=m)).astimezone(tz).utcoffset() == after)
            assert before is not None and after is not None
            low, high = sorted((before, after))
            middle = (change + low + (high - low) / 2).replace(tzinfo=None)
            out.append((middle, "nonexistent" if after > before else "ambiguous"))
            before = after
        at += hour
    return tuple(out)


# ---- the kind ---------------------------------------------------------------------------------------------------

def _sample(table: TablePlan, column: ColumnSpec) -> pa.Array | None:
    """The column's clean values of the first rows (the same rows whatever the scenario or chunk)."""
    n = SAMPLE_ROWS if table.is_partitioned else min(SAMPLE_ROWS, table.n_rows)
    if n <= 0:
        return None
    values = table.compute(np.arange(n, dtype=np.int64), [column.name]).column(0)
    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


def _damage(cells: Cells) -> pa.Array:
    keep = bool(cells.params.get("keep_rules", False))
    candidates = table_edge_values(cells.table, cells.column, cells.facts, keep)
    if not len(candidates):
        raise ValueError(nothing_keeps_rules(cells.table.name, cells.column.name, cells.facts))
    picked = candidates.take(pa.array(cells.integers(len(candidates)), type=pa.int64()))
    return picked if picked.type == cells.values.type else pc.cast(picked, cells.values.type)


def _applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    spec, name = table.spec, column.name
    if name in spec.primary_key:
        return "a key column keeps its values (a row whose key is damaged cannot be matched with its ground truth)"
    if column.kind == "ref" or spec.fk_for_column(name) is not None:
        return (f"{name} is a foreign key: an edge value would be an orphan reference, which is not a boundary "
                "of the column")
    if column.type.name is LogicalType.JSON:
        return "a JSON document has no boundary values of its own"
    if column.unique or column.unique_within:
        return f"{name} is unique: edge values repeat from row to row, which its rule refuses"
    if table.is_partitioned and spec.partitioned is not None and spec.partitioned.time_column == name:
        return f"{name} places each row in its time partition"
    tie = _tie(table, column)
    if tie is not None:
        return f"{tie}: an edge value would break that rule, which the facts of one value cannot label"
    plain = table.plain_type(name)
    if not _candidates(column, facts, plain, None, None):
        return f"no boundary values are known for {name}'s Arrow type {plain}"
    return None


def _generator(column: ColumnSpec) -> str | None:
    return registry.get(column.generator).name if column.generator else None


def _order_refs(column: ColumnSpec) -> list[str]:
    """The columns ``column`` is generated after or before (``after: signup_ts``, ``before: [fk.col]``)."""
    refs: list[str] = []
    for word in ("after", "before"):
        given = column.params.get(word) if column.generator else None
        refs += [given] if isinstance(given, str) else list(given or [])
    return refs


def _bound_to(column: ColumnSpec) -> list[str]:
    """The columns a rule of ``column`` compares it with: its order bounds and the total it splits."""
    refs = _order_refs(column)
    if _generator(column) in ("split", "instalments") and column.params.get("of"):
        refs.append(str(column.params["of"]))
    return refs


def _tie(table: TablePlan, column: ColumnSpec) -> str | None:
    """The rule tying ``column`` to another column (an order, a sum, a check, an expectation), or None."""
    spec, t, name = table.plan.spec, table.spec, column.name
    gen = _generator(column)
    if gen == "child_index":
        return f"{name} numbers the rows of one {t.rows.per} row (siblings are ordered by it)"
    if gen == "sibling_timestamp" or column.params.get("ordered") is True:
        return f"{name} increases from sibling to sibling"
    if _bound_to(column):
        return f"{name} is generated after, before or as a part of {', '.join(_bound_to(column))}"
    if column.sum_of is not None:
        return f"{name} is the sum of {'.'.join(column.sum_of)}"
    for other_table in spec.tables.values():
        for other in other_table.columns.values():
            if other.sum_of == (t.name, name):
                return f"{other_table.name}.{other.name} is the sum of {name}"
            for ref in _bound_to(other):
                head, _, attr = ref.partition(".")
                fk = other_table.fk_for_column(head) if attr else None
                if (other_table is t and not attr and head == name) or (
                        fk is not None and fk.table == t.name and attr == name):
                    return f"{other_table.name}.{other.name} is generated after, before or as a part of {name}"
    for check in t.checks:
        if name in parse_expression(check.expr).references:
            return f"{name} is read by the check `{check.expr}`"
    if column.expectations:
        return f"{name} has an expectation written in the schema"
    for exp in t.expectations:
        named = [exp.column, *(exp.kwargs.get(k) for k in ("column", "column_A", "column_B")),
                 *(exp.kwargs.get("column_list") or [])]
        if name in named:
            return f"{name} is read by the expectation {exp.name or exp.type}"
    return None


register(DefectKind(
    EDGE_CASE, "a boundary value of the column (bounds and one step beyond, type limits, empty and very long "
               "strings, Unicode edge cases, leap day, DST gaps and overlaps, NaN/±inf) — in a positive scenario "
               "only values that keep every rule",
    damage=_damage, applies=_applies, group="edge",
    params={"keep_rules": Param(False, "use only values that break no rule of the column (set for positive "
                                       "scenarios)", bool)},
    applies_to="columns with boundary values that no rule ties to another column (not unique, not JSON)",
))
