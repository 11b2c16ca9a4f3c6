"""Defects between rows and across time: orphan references, reversed event order, late events.

Each damaged value is computed from the row alone, never by reading another table: an orphan key comes from
the parent's key generator or from a value the parent's keys can never take, a reversed time from the
reference it must follow, recomputed for the row (:meth:`TablePlan.compute` through the row's references).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import registry
from mock_pipelines.core.column_facts import column_facts, may_be_null
from mock_pipelines.core.defects import register
from mock_pipelines.core.defects.base import Cells, DefectKind, Param
from mock_pipelines.core.engine import _Rows

if TYPE_CHECKING:
    from mock_pipelines.core.column_facts import ColumnFacts
    from mock_pipelines.core.engine import TablePlan
    from mock_pipelines.spec.model import ColumnSpec

US_PER_MINUTE = 60_000_000
US_PER_DAY = 86_400_000_000
ORPHAN_SUFFIX = "-ORPHAN-"  # no key generator of the catalogue writes this word, so a suffixed key is new
ORPHAN_SPREAD = 1000  # orphan keys are spread over this many distinct values (not one repeated key)
_KEY_REASON = "a key column keeps its values (a row whose key is damaged cannot be matched with its ground truth)"


# ---- orphan -------------------------------------------------------------------------------------------------

def _orphan_form(table: TablePlan, column: ColumnSpec) -> tuple[str | None, str | None]:
    """How an orphan key of ``column`` is made, and why none can be: (form, None) or (None, reason).

    * ``beyond``: the parent's ``sequence`` key at a row index past the parent's last row. A sequence is
      injective in the row index, so that key belongs to no parent row — as long as the parent does not grow:
      only for a parent that is not time-partitioned in this run (a sequence past today's rows is tomorrow's
      customer). Looks like a real key: a record that was deleted, or not loaded yet.
    * ``below``: an integer below the lowest key the parent's generator can produce (its declared range):
      absent from every partition, whatever grows later.
    * ``suffix``: a string key with ``-ORPHAN-<n>`` appended: no key generator writes that word."""
    fk = table.spec.fk_for_column(column.name)
    if fk is None:
        return None, "not a foreign key column"
    if len(fk.columns) != 1:
        return None, f"part of a composite foreign key to {fk.table!r} ({', '.join(fk.columns)}): a single " \
                     "column cannot be made to point nowhere on its own"
    if column.name in table.spec.primary_key:
        return None, _KEY_REASON
    parent = table.plan.table(fk.table)
    ref = parent.spec.columns[fk.ref_columns[0]]
    gen = registry.get(ref.generator) if ref.generator else None
    ref_type = parent.plain_type(ref.name)
    if pa.types.is_integer(ref_type):
        if gen is not None and gen.name == "sequence" and int(ref.params.get("step", 1)) != 0 \
                and not parent.is_partitioned:
            return "beyond", None
        facts = column_facts(parent.plan.spec, parent.spec, ref, parent.plan.locale,
                             partitioned=parent.is_partitioned)
        if isinstance(facts.lo, int | float) and not isinstance(facts.lo, bool):
            return "below", None
        return None, f"{fk.table}.{ref.name} declares no lowest value, so no integer is sure to be absent " \
                     "from it; give its generator a minimum (e.g. `gen: sequence`)"
    if pa.types.is_string(ref_type) or pa.types.is_large_string(ref_type):
        return "suffix", None
    return None, f"{fk.table}.{ref.name} holds {ref_type} keys: orphans are made for integer and string keys"


def _orphan_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    return _orphan_form(table, column)[1]


def _orphan(cells: Cells) -> pa.Array:
    table = cells.table
    form, reason = _orphan_form(table, cells.column)
    if form is None:
        raise ValueError(f"orphan cannot damage {table.name}.{cells.column.name}: {reason}")
    fk = table.spec.fk_for_column(cells.column.name)
    assert fk is not None
    parent = table.plan.table(fk.table)
    ref = parent.spec.columns[fk.ref_columns[0]]
    k = cells.integers(ORPHAN_SPREAD, 0x0F1).astype(np.int64)
    if form == "beyond":
        keys = parent.compute(parent.n_rows + k, [ref.name]).column(0)
    elif form == "below":
        facts = column_facts(parent.plan.spec, parent.spec, ref, parent.plan.locale,
                             partitioned=parent.is_partitioned)
        lowest = int(np.floor(float(facts.lo)))  # type: ignore[arg-type]
        keys = pa.array(lowest - 1 - k, pa.int64())
    else:
        clean = pc.fill_null(pc.cast(cells.values, pa.string()), "")
        keys = pc.binary_join_element_wise(clean, pa.array([f"{ORPHAN_SUFFIX}{n}" for n in k.tolist()]), "")
    if pa.types.is_dictionary(keys.type):
        keys = keys.dictionary_decode()
    return keys.cast(cells.values.type)


register(DefectKind(
    "orphan", "a foreign key that matches no parent row: the parent's sequence key past its last row (a parent "
    "that does not grow), else a key below the parent's lowest one (integers) or with -ORPHAN-<n> appended "
    "(strings); never read from the parent",
    damage=_orphan, applies=_orphan_applies, violates=("fk",),
    applies_to="single-column foreign keys to an integer or string key",
))


# ---- reversed order -----------------------------------------------------------------------------------------

def _order_bound(column: ColumnSpec) -> tuple[str, list[str]] | None:
    """("after" or "before", the references) of a date/timestamp column's declared order, or None."""
    gen = registry.get(column.generator) if column.generator else None
    if gen is None or gen.name not in ("date", "timestamp"):
        return None  # only these generators declare an order the checks test (after__col, after_parent__col)
    for word in ("after", "before"):
        given = column.params.get(word)
        refs = [given] if isinstance(given, str) else list(given or [])
        if refs:
            return word, refs
    return None


def _reference_may_be_null(table: TablePlan, ref: str) -> bool:
    """Whether the value a reference (``col`` or ``fk_col.attr``, chains included) reads can be null."""
    plan, spec = table.plan, table.spec
    head, _, attr = ref.partition(".")
    col = spec.column(head)
    if col is None or may_be_null(plan.spec, spec, col):
        return True
    if not attr:
        return False
    fk = spec.fk_for_column(head)
    return fk is None or _reference_may_be_null(plan.table(fk.table), attr)


def _reversed_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    bound = _order_bound(column)
    if bound is None:
        return "no declared order: reversed_order needs a date or timestamp column with `after:` or `before:`"
    if column.name in table.spec.primary_key:
        return _KEY_REASON
    part = table.spec.partitioned
    if table.is_partitioned and part is not None and part.time_column == column.name:
        return f"{column.name} is the time column of a partitioned run: moving it would also move the row out of " \
               "its partition (use late_event for that)"
    nullable = [r for r in bound[1] if _reference_may_be_null(table, r)]
    if nullable:
        return f"the reference {nullable[0]!r} can be null, and a value compared with a null is never out of order"
    return None


def _as_us(values: pa.Array) -> np.ndarray:
    """Dates and timestamps as µs since the epoch (int64); a null reads as 0 (callers mask it)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_date(values.type):
        values = pc.cast(values, pa.timestamp("us"))
    elif pa.types.is_timestamp(values.type) and values.type.unit != "us":
        values = pc.cast(values, pa.timestamp("us", values.type.tz))
    ints = pc.fill_null(pc.cast(values, pa.int64()), 0)
    return ints.to_numpy(zero_copy_only=False).astype(np.int64)


def _from_us(us: np.ndarray, like: pa.DataType) -> pa.Array:
    """µs since the epoch as values of ``like`` (a date keeps the day the instant falls in)."""
    if pa.types.is_date(like):
        return pa.array(np.floor_divide(us, US_PER_DAY).astype("datetime64[D]"), pa.date32()).cast(like)
    return pa.array(us, pa.int64()).cast(pa.timestamp("us")).cast(like)


def _reversed(cells: Cells) -> pa.Array:
    bound = _order_bound(cells.column)
    if bound is None:
        raise ValueError(f"reversed_order: {cells.table.name}.{cells.column.name} declares no `after:`/`before:`")
    word, refs = bound
    rows = _Rows(cells.table, cells.rows)
    resolved = [rows.resolve(r) for r in refs]
    if any(r.null_count for r in resolved):
        raise ValueError(f"reversed_order on {cells.table.name}.{cells.column.name}: a reference is null; choose a "
                         "column whose `after:`/`before:` reference is never null")
    stacked = np.stack([_as_us(r) for r in resolved])
    # The latest value it must follow (the earliest it must precede): being past it breaks that rule.
    reference = stacked.max(axis=0) if word == "after" else stacked.min(axis=0)
    is_date = pa.types.is_date(cells.values.type)
    valid = cells.values.is_valid().to_numpy(zero_copy_only=False)
    original = np.where(valid, _as_us(cells.values), reference)
    # Mirror the original gap to the other side; a gap below one day (dates) or one minute (timestamps) gets a
    # drawn delay of that unit up to two days more, so the pair is out of order at the precision compared.
    unit = US_PER_DAY if is_date else US_PER_MINUTE
    drawn = unit + np.floor(cells.uniform(0x0D1) * 2 * US_PER_DAY).astype(np.int64)
    gap = np.abs(original - reference)
    gap = np.where(gap >= unit, gap, drawn)
    if word == "after":
        moved = reference - gap
        if is_date:  # the day strictly before the reference's day
            moved = np.minimum(moved, (np.floor_divide(reference, US_PER_DAY) - 1) * US_PER_DAY)
    else:
        moved = reference + gap
        if is_date:  # the day strictly after the reference's day
            moved = np.maximum(moved, (np.floor_divide(reference, US_PER_DAY) + 1) * US_PER_DAY)
    return _from_us(moved, cells.values.type)


register(DefectKind(
    "reversed_order", "a date or timestamp moved to the wrong side of the column its `after:` (`before:`) names: "
    "the original gap mirrored (or a drawn delay when the gap is under a minute, a day for dates)",
    damage=_reversed, applies=_reversed_applies, violates=("order",),
    applies_to="date and timestamp columns with `after:` or `before:`",
))


# ---- late event ---------------------------------------------------------------------------------------------

def _late_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    part = table.spec.partitioned
    if part is None or part.time_column != column.name:
        return "late_event moves the time column of a partitioned table (its `partitioned: time_column`)"
    return None


def _late(cells: Cells) -> pa.Array:
    if cells.window is None:
        # A whole-table run has no partitions for an event to arrive late in: the rule injects nothing there
        # (the cells stay as they were, so the ground truth lists none), and the same schema serves both runs.
        return cells.values
    start = cells.window[0]
    days = cells.params.get("days")
    if days is None:
        late_by = 1 + cells.integers(int(cells.params.get("max_days", 7)), 0x1A7).astype(np.int64)
    else:
        late_by = np.full(len(cells), max(1, int(days)), dtype=np.int64)
    original = _as_us(cells.values)
    # `late_by` days before the day the window opens, at the event's own time of day (its offset within the
    # window, for windows longer than a day): always before the window, so it arrived in a later partition.
    moved = start - late_by * US_PER_DAY + np.mod(original - start, US_PER_DAY)
    return _from_us(moved, cells.values.type)


register(DefectKind(
    "late_event", "the time column of a partitioned table moved `days` days before the partition the row lands "
    "in: the event happened earlier and arrived late (breaks time_in_partition__col); nothing in a run "
    "without partitions",
    damage=_late, applies=_late_applies, violates=("range",),
    params={"days": Param(None, "how many days before its partition's first day the event happened; drawn per "
                                "event from 1 to max_days when not given", (int, type(None))),
            "max_days": Param(7, "the longest delay drawn when `days` is not given", int)},
    applies_to="the time column of a partitioned table",
))
