"""What a column of a spec can hold: nullability, bounds, value set and format, from its generator's facts.

The one answer both the quality rules (``not_null__``, ``between__``, ``values_in_set__``, ``regex__``) and
the SQL DDL (NOT NULL, CHECK constraints) are derived from, so a database never refuses a row the checks
accept and the other way round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core import registry
from mock_pipelines.core.child_counts import count_bounds
from mock_pipelines.core.engine import cast_to
from mock_pipelines.core.expressions import parse_expression, parse_template
from mock_pipelines.core.facts import Bound
from mock_pipelines.core.string_lengths import regex_max_length
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, TableSpec
from mock_pipelines.spec.types import NUMERIC_TYPES, TEMPORAL_TYPES, LogicalType


@dataclass(frozen=True)
class ColumnFacts:
    """``lo``/``hi``: bounds in the column's terms (rounding slack included; datetimes for date and timestamp
    columns), None where unbounded; ``has_range`` False when no range applies at all. ``values``: the
    values as written to the column (cast to its type), None when the generator has no fixed set.
    ``regex``: the format of a string or uuid column. ``checksum``: the check-digit scheme of a string column's
    values (a name of :data:`mock_pipelines.core.checksums.CHECKSUMS`)."""

    nullable: bool
    has_range: bool = False
    lo: Bound = None
    hi: Bound = None
    values: list[Any] | None = None
    regex: str | None = None
    checksum: str | None = None
    max_length: int | None = None  # a string column's declared max_length: no value is longer


def column_facts(spec: DatasetSpec, table: TableSpec, col: ColumnSpec, locale: str, *,
                 partitioned: bool = False) -> ColumnFacts:
    """The facts of ``col``. ``partitioned``: the data comes from a time-partitioned run, where the table's
    time column holds creation times instead of its generator's values (no generator facts apply)."""
    nullable = may_be_null(spec, table, col)
    max_length = col.max_length if col.type.name is LogicalType.STRING else None
    time_column = table.partitioned.time_column if partitioned and table.partitioned else None
    gen = registry.get(col.generator) if col.generator else None
    if gen is None or gen.facts is None or col.name == time_column:
        return ColumnFacts(nullable, max_length=max_length)
    params = col.params
    bounds = _bounds(spec, table, col, gen, params)
    values_set = gen.facts.value_set(params)
    regex = gen.facts.format_regex(params, locale) if col.type.name in (LogicalType.STRING, LogicalType.UUID) else None
    checksum = gen.facts.check_digits(params, locale) if col.type.name is LogicalType.STRING else None
    values = written_values(list(values_set.values), col) if values_set is not None else None
    if col.max_length is not None:
        values, regex, checksum = _cut_facts(col.max_length, values, regex, checksum)
    return ColumnFacts(nullable, bounds is not None, *(bounds or (None, None)), values=values,
                       regex=regex or None, checksum=checksum or None, max_length=max_length)


def _cut_facts(n: int, values: list[Any] | None, regex: str | None,
               checksum: str | None) -> tuple[list[Any] | None, str | None, str | None]:
    """The value set, format and check digits of a column cut to ``n`` characters: the values cut as the
    engine cuts them; a format or check digits only when no value is ever longer than ``n``."""
    if values is not None:
        values = list(dict.fromkeys(v[:n] if isinstance(v, str) else v for v in values))
    fits = regex is not None and (regex_max_length(regex) or n + 1) <= n
    return values, regex if fits else None, checksum if fits else None


def _bounds(spec: DatasetSpec, table: TableSpec, col: ColumnSpec, gen: registry.Generator,
            params: Mapping[str, Any]) -> tuple[Bound, Bound] | None:
    assert gen.facts is not None
    bounds = gen.facts.value_range(params)
    if gen.name == "child_index" and bounds is not None:
        # A position runs up to the most children a parent can have: a fact of the table, not the generator.
        hi = count_bounds(table.rows, _parent_range(spec, table))[1] if table.rows.per else None
        bounds = (bounds[0], None if hi is None else params["start"] + hi - 1)
    if bounds is None:
        return None
    lo, hi = bounds
    if col.type.name in NUMERIC_TYPES and not isinstance(lo, dt.datetime) and not isinstance(hi, dt.datetime):
        slack = rounding_slack(col, gen, params)
        lo = None if lo is None else lo - slack if slack else lo
        hi = None if hi is None else hi + slack if slack else hi
    elif col.type.name not in TEMPORAL_TYPES:
        return None
    return lo, hi


def rounding_slack(col: ColumnSpec, gen: registry.Generator, params: Mapping[str, Any]) -> float:
    """How far rounding can move a value past a bound: half of each rounding step applied after clipping."""
    slack = 0.0
    if params.get("round") is not None:
        slack += 0.5 * 10.0 ** -int(params["round"])
    if gen.name == "amount":
        slack += 0.5 * 10.0 ** -int(params.get("decimals", 2))
    if gen.returns in (LogicalType.FLOAT, LogicalType.DECIMAL):
        if col.type.name is LogicalType.INT:
            slack += 0.5
        elif col.type.name is LogicalType.DECIMAL:
            slack += 0.5 * 10.0 ** -(col.type.scale or 0)
    return slack


def written_values(keys: list[Any], col: ColumnSpec) -> list[Any] | None:
    """Declared values as the engine writes them (cast to the column's type); None when they do not cast."""
    try:
        arr = pa.DictionaryArray.from_arrays(pa.array(np.arange(len(keys)), type=pa.int32()), pa.array(keys))
        out = cast_to(arr, col.type)
    except (pa.ArrowException, ValueError, TypeError):
        return None
    if pa.types.is_dictionary(out.type):
        out = out.dictionary_decode()
    if pa.types.is_decimal(out.type):
        out = out.cast(pa.float64())
    return out.to_pylist()


# ---- nullability ------------------------------------------------------------------------------------------

def column_refs(col: ColumnSpec) -> list[str]:
    """The columns a column is computed from (expression, template or generator references)."""
    if col.expr is not None:
        return list(parse_expression(col.expr).references)
    if col.template is not None:
        return list(parse_template(col.template).references)
    if col.generator:
        return registry.get(col.generator).column_refs(col.params)
    return []


def may_be_null(spec: DatasetSpec, table: TableSpec, col: ColumnSpec, _seen: set | None = None) -> bool:
    """Whether a column can hold nulls: declared nullable, a nullable reference, or computed from a column
    that can be null (expressions and templates propagate nulls; so do generators reading a column)."""
    seen = set() if _seen is None else _seen
    key = (table.name, col.name)
    if key in seen:
        return False
    seen.add(key)
    if col.nullable or col.null_rate > 0:
        return True
    if col.kind == "ref":
        fk = table.fk_for_column(col.name)
        return fk is None or fk.null_rate > 0 or fk.table == table.name
    return reads_nullable(spec, table, col, seen)


def reads_nullable(spec: DatasetSpec, table: TableSpec, col: ColumnSpec, seen: set | None = None) -> bool:
    """Whether a column reads a column that can be null (its own null_rate aside). A reference picked
    ``within:`` a group is null where the group is (or where the group has no parent row)."""
    seen = {(table.name, col.name)} if seen is None else seen
    fk = table.fk_for_column(col.name) if col.kind == "ref" else None
    if fk is not None and fk.within is not None and fk.table != table.name:
        parent, path = spec.tables.get(fk.table), fk.within.path
        if parent is None or count_bounds(parent.rows, _parent_range(spec, parent))[0] == 0 or path[0] not in table.columns:
            return True
        if may_be_null(spec, table, table.columns[path[0]], seen):
            return True
        hop = table.fk_for_column(path[0])
        middle = spec.tables.get(hop.table) if hop is not None else None
        if len(path) == 2 and (middle is None or path[1] not in middle.columns
                               or may_be_null(spec, middle, middle.columns[path[1]], seen)):
            return True
    for ref in column_refs(col):
        head, _, attr = ref.partition(".")
        read = table.column(head)  # helper columns (emit: false) pass their nulls on too
        if read is None:
            continue
        if may_be_null(spec, table, read, seen):
            return True
        if attr:
            fk = table.fk_for_column(head)
            parent = spec.tables.get(fk.table) if fk is not None else None
            if parent is None or parent.column(attr) is None:
                return True
            if may_be_null(spec, parent, parent.column(attr), seen):  # type: ignore[arg-type]
                return True
    return False


# ---- the parent columns a computed children count reads -------------------------------------------------------

def read_column(spec: DatasetSpec, table: TableSpec, ref: str) -> tuple[TableSpec, ColumnSpec] | None:
    """The table and column ``ref`` names from ``table``: a column, or ``fk.column`` of the table a foreign
    key of ``table`` references (helper columns included)."""
    head, _, attr = ref.partition(".")
    col = table.column(head)
    if not attr:
        return (table, col) if col is not None else None
    fk = table.fk_for_column(head)
    other = spec.tables.get(fk.table) if fk is not None else None
    return read_column(spec, other, attr) if other is not None else None


def _parent_range(spec: DatasetSpec, table: TableSpec) -> Any:
    parent = spec.tables.get(table.rows.per or "")
    return count_column_range(spec, parent) if parent is not None and parent is not table else None


def count_column_range(spec: DatasetSpec, parent: TableSpec) -> Any:
    """``column_range(ref)`` for :func:`~mock_pipelines.core.child_counts.count_bounds`: the (lo, hi, may be
    null) of a numeric column of ``parent`` (or of a table a foreign key of it references) a computed count
    reads (a bool reads as 0 or 1; lo/hi None where unbounded), None where unknown."""
    def column_range(ref: str) -> tuple[float | None, float | None, bool] | None:
        found = read_column(spec, parent, ref)
        if found is None:
            return None
        table, col = found
        head = parent.column(ref.partition(".")[0])
        nullable = may_be_null(spec, table, col) or (head is not None and head is not col
                                                     and may_be_null(spec, parent, head))
        if col.type.name is LogicalType.BOOL:
            return 0.0, 1.0, nullable
        facts = column_facts(spec, table, col, spec.locale)
        if not facts.has_range or isinstance(facts.lo, dt.date) or isinstance(facts.hi, dt.date):
            return None, None, nullable
        return (None if facts.lo is None else float(facts.lo)), (None if facts.hi is None else float(facts.hi)), \
            nullable
    return column_range
