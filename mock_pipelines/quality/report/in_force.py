"""What the report compares the data with, as it is in force for the run that wrote it: row counts and daily
rates at the run's scale (and a profile's row overrides), generator parameters that apply (a date ``after:``
another column has no start or end), and the range a column's values may take."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, TableSpec

# Parameters of the date and timestamp generators that apply only with ``after:`` (a delay after another
# column) or only without it (a range of their own).
_AFTER_ONLY = ("after", "before", "min_delay_days", "max_delay_days")
_RANGE_ONLY = ("start", "end", "weekday_weights", "hour_weights")
_TIME_GENERATORS = ("date", "timestamp")


def known_scale(provenance: Mapping[str, Any] | None) -> float | None:
    """The scale recorded for the run (None when unknown, or when the tables disagree: ``mixed: …``)."""
    value = (provenance or {}).get("scale")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def plan_in_force(spec: DatasetSpec, provenance: Mapping[str, Any] | None,
                  plan: DatasetPlan | None = None) -> DatasetPlan | None:
    """The plan the data was generated with: ``plan`` when the caller has it (a Dagster run: the profile's
    seed, scale, row overrides and partitions), else one rebuilt from the seed and scale the manifests
    recorded (``None`` when the spec cannot be planned)."""
    if plan is not None:
        return plan
    prov = provenance or {}
    seed = prov.get("seed")
    try:
        return DatasetPlan(spec, PlanOptions(seed=seed if isinstance(seed, int) and not isinstance(seed, bool)
                                             else None, scale=known_scale(prov) or 1.0))
    except Exception:  # an unplannable spec still gets a report of whatever was written
        return None


@dataclass(frozen=True)
class DeclaredRows:
    """A table's declared row count at the run's scale, and how it was reached (for the page)."""

    rows: int
    how: str  # "1,000 × scale 0.05", "profile override", "" when the schema's count applies as written


def declared_rows(plan: DatasetPlan | None, table: str, partitioned: bool) -> DeclaredRows | None:
    """The row count ``table`` must have in ``plan`` — for a table of a fixed size only (children per parent
    are drawn per parent; partitioned tables are compared partition by partition)."""
    if plan is None or partitioned or table not in plan.tables:
        return None
    tp = plan.table(table)
    try:
        if tp.is_partitioned or tp.layout is not None:
            return None
        rows = tp.n_rows
    except (ValueError, KeyError):
        return None
    if table in plan.row_overrides:
        return DeclaredRows(rows, "profile override")
    fixed = tp.spec.rows.fixed
    if tp.spec.rows.scaled and fixed is not None and plan.scale != 1:
        return DeclaredRows(rows, f"{fixed:,} × scale {plan.scale:g}")
    return DeclaredRows(rows, "")


def params_in_force(cs: ColumnSpec) -> dict[str, Any]:
    """The generator parameters of ``cs`` that shape its values: a date or timestamp ``after:`` another
    column drops the start and end (and weights) it does not use; one without drops the delays."""
    params = {k: v for k, v in cs.params.items() if v is not None and not (k == "ordered" and v is False)}
    if cs.generator in _TIME_GENERATORS:
        drop = _RANGE_ONLY if params.get("after") or params.get("before") else _AFTER_ONLY
        params = {k: v for k, v in params.items() if k not in drop}
    return params


def _as_datetime(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _referenced(spec: DatasetSpec, table: TableSpec, ref: str) -> tuple[TableSpec, ColumnSpec] | None:
    """The column an ``after:`` names: ``col`` of the same table, or ``fk_col.col`` of a parent table."""
    if "." not in ref:
        cs = table.columns.get(ref)
        return (table, cs) if cs is not None else None
    via, column = ref.split(".", 1)
    fk = table.fk_for_column(via)
    parent = spec.tables.get(fk.table) if fk is not None else None
    cs = parent.columns.get(column) if parent is not None else None
    return (parent, cs) if parent is not None and cs is not None else None


def shown_range(spec: DatasetSpec, table: TableSpec, cs: ColumnSpec,
                bounds: tuple[Any, Any]) -> tuple[Any, Any]:
    """``bounds`` as the schema writes them: without the half rounding step the checks allow beyond them."""
    from mock_pipelines.core import registry
    from mock_pipelines.core.column_facts import rounding_slack

    lo, hi = bounds
    if not isinstance(lo, int | float | type(None)) or not isinstance(hi, int | float | type(None)):
        return bounds
    try:
        slack = rounding_slack(cs, registry.get(cs.generator), cs.params) if cs.generator else 0
    except Exception:
        return bounds
    if not slack:
        return bounds
    return (None if lo is None else round(lo + slack, 12)), (None if hi is None else round(hi - slack, 12))


def range_in_force(spec: DatasetSpec, table: TableSpec, cs: ColumnSpec, locale: str, *,
                   partitioned: bool = False, _depth: int = 0) -> tuple[Any, Any] | None:
    """The range the values of ``cs`` may take, from its generator's facts (:mod:`core.column_facts`); a
    date or timestamp ``after:`` another column spans that column's range moved by the delays. ``None``
    when no range applies or it cannot be known (an expression, a partitioned run's time column)."""
    from mock_pipelines.core.column_facts import column_facts

    if partitioned and table.partitioned is not None and cs.name == table.partitioned.time_column:
        return None  # a partitioned run's time column holds creation times, not its generator's values
    try:
        facts = column_facts(spec, table, cs, locale, partitioned=partitioned)
    except Exception:
        return None
    after = cs.params.get("after") if cs.generator in _TIME_GENERATORS else None
    if cs.generator in _TIME_GENERATORS and (cs.params.get("before") or not isinstance(after, str | None)):
        return None  # between several bounds: no range follows from one column's
    if not after:
        if not facts.has_range or (facts.lo is None and facts.hi is None):
            return None
        return facts.lo, facts.hi
    if _depth == 0 and "@" in str(after):  # not a column reference
        return None
    found = _referenced(spec, table, str(after))
    if found is None or _depth > 8:
        return None
    base = range_in_force(spec, found[0], found[1], locale, partitioned=partitioned, _depth=_depth + 1)
    if base is None or base[0] is None or base[1] is None:
        return None
    lo, hi = _as_datetime(base[0]), _as_datetime(base[1])
    if not isinstance(lo, dt.datetime) or not isinstance(hi, dt.datetime):
        return None
    if cs.generator == "date":
        delay_hi = dt.timedelta(days=max(0, int(cs.params.get("max_delay_days") or 0)))
        day = dt.datetime(hi.year, hi.month, hi.day)  # a date after a timestamp starts from its day
        return dt.datetime(lo.year, lo.month, lo.day), day + delay_hi
    low = max(0.0, float(cs.params.get("min_delay_days") or 0.0))
    high = max(low, float(cs.params.get("max_delay_days") or 0.0))
    return lo + dt.timedelta(days=low), hi + dt.timedelta(days=high)
