"""Anomalies: values that keep every declared rule yet are not normal — spikes and dips over a stretch of
rows, outliers from a declared tail, a burst of rows sharing one value (many orders from one card).

Spikes, dips and bursts hit *runs* of consecutive rows: run ``r`` is rows ``[r·length, (r+1)·length)``, and
one draw per run decides whether the whole run is hit (``rate`` is the share of runs), so a run is hit the
same way whichever chunk or partition its rows are generated in. What a damaged value breaks is labelled from
its column's facts like any defect (a spike may leave the declared range); most anomalies break nothing a
declared rule tests — that is what makes them anomalies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import facts as model
from mock_pipelines.core import random as rnd
from mock_pipelines.core import registry
from mock_pipelines.core.defects import register
from mock_pipelines.core.defects.base import Cells, DefectKind, Param

if TYPE_CHECKING:
    from mock_pipelines.core.column_facts import ColumnFacts
    from mock_pipelines.core.engine import TablePlan
    from mock_pipelines.spec.model import ColumnSpec

_KEY_REASON = "a key column keeps its values (a row whose key is damaged cannot be matched with its ground truth)"
_RUN_STREAM = 0x5E1


def run_of(rows: np.ndarray, length: int) -> np.ndarray:
    """The run each global row belongs to: rows [r·length, (r+1)·length) form run r."""
    return np.floor_divide(np.asarray(rows, dtype=np.int64), max(1, int(length)))


def select_runs(key: int, rows: np.ndarray, rate: float, params: Mapping[str, Any]) -> np.ndarray:
    """One draw per run of ``length`` rows, shared by all its rows: a whole run is hit, at ``rate`` per run.
    (A scenario with ``share`` — one defect per record — picks its records one by one instead: there a spike
    or a burst hits single rows.)"""
    return rnd.uniform(key, run_of(rows, int(params["length"])), _RUN_STREAM) < rate


# ---- numeric helpers ----------------------------------------------------------------------------------------

def _is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _numeric_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    if column.name in table.spec.primary_key:
        return _KEY_REASON
    if table.spec.fk_for_column(column.name) is not None:
        return "a foreign key: a changed number would point at another row (use orphan or burst)"
    if column.kind == "sum":
        return "a sum of child rows (`sum_of:`): change the children instead, or the parent sum no longer adds up"
    t = table.plain_type(column.name)
    if not _is_numeric(t):
        return f"not a numeric column ({t})"
    return None


def _as_float(values: pa.Array) -> np.ndarray:
    """Numbers as float64, a null as NaN (callers keep nulls null)."""
    return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)


def numbers_as(values: np.ndarray, valid: np.ndarray, like: pa.DataType) -> pa.Array:
    """float64 values written as ``like``: integers rounded, decimals rounded to their scale, both clipped to
    what the type can hold (a decimal(12,2) holds at most 9,999,999,999.99); a null stays null."""
    x = np.where(valid, values, 0.0)
    if pa.types.is_integer(like):
        info = np.iinfo(like.to_pandas_dtype())
        margin = 1024 if info.bits == 64 else 0  # float64 cannot hold the int64 bounds exactly: stay inside
        out = pa.array(np.clip(np.round(x), info.min + margin, info.max - margin).astype(np.int64), pa.int64())
    elif pa.types.is_decimal(like):
        top = 10.0 ** (like.precision - like.scale) - 10.0 ** -like.scale
        out = pc.round(pa.array(np.clip(x, -top, top), pa.float64()), ndigits=like.scale)
    else:
        out = pa.array(x, pa.float64())
    out = pc.if_else(pa.array(valid), out, pa.nulls(len(x), out.type))
    return out.cast(like)


# ---- spike and dip ------------------------------------------------------------------------------------------

def _scaled(cells: Cells) -> pa.Array:
    factor = float(cells.params["factor"])
    like = cells.values.type
    if pa.types.is_decimal(like):
        # Exact for money: decimal × decimal, rounded half to even at the column's scale as the engine rounds.
        try:
            product = pc.multiply(cells.values, pa.scalar(Decimal(repr(factor))))
            top = pa.scalar(Decimal(10) ** (like.precision - like.scale) - Decimal(10) ** -like.scale
                            ).cast(product.type)
            clipped = pc.max_element_wise(pc.min_element_wise(product, top), pc.negate(top))
            return pc.round(clipped, ndigits=like.scale, round_mode="half_to_even").cast(like)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # beyond decimal128's 38 digits: through float64, clipped the same way
    valid = cells.values.is_valid().to_numpy(zero_copy_only=False)
    return numbers_as(_as_float(cells.values) * factor, valid, like)


_RUN_PARAMS = {"length": Param(24, "how many consecutive rows one anomaly lasts (rate is the share of runs)", int)}

register(DefectKind(
    "spike", "runs of `length` consecutive rows (a day of hourly readings) with the value × `factor`",
    damage=_scaled, applies=_numeric_applies, select=select_runs, group="anomaly",
    params={**_RUN_PARAMS, "factor": Param(10.0, "what the value is multiplied by", (int, float))},
    applies_to="number columns, not references or `sum_of:` sums",
))
register(DefectKind(
    "dip", "runs of `length` consecutive rows with the value × `factor` (a factor below 1)",
    damage=_scaled, applies=_numeric_applies, select=select_runs, group="anomaly",
    params={**_RUN_PARAMS, "factor": Param(0.1, "what the value is multiplied by", (int, float))},
    applies_to="number columns, not references or `sum_of:` sums",
))


# ---- outlier ------------------------------------------------------------------------------------------------

def model_scale(m: model.ValueModel | None) -> float | None:
    """The standard deviation of a generator's value model (before clipping), or None when it has none."""
    if isinstance(m, model.Normal):
        return m.std
    if isinstance(m, model.LogNormal | model.BoundedLogNormal):
        spread = math.sqrt(math.expm1(m.sigma ** 2)) * math.exp(m.mu + m.sigma ** 2 / 2)
        if isinstance(m, model.BoundedLogNormal):
            spread = min(spread, (m.hi - m.lo) / math.sqrt(12))
        return spread
    if isinstance(m, model.Exponential):
        return m.scale
    if isinstance(m, model.Uniform):
        return (m.hi - m.lo) / math.sqrt(12)
    if isinstance(m, model.UniformInt):
        return (m.hi - m.lo + 1) / math.sqrt(12)
    if isinstance(m, model.Poisson):
        return math.sqrt(m.lam)
    if isinstance(m, model.Zipf):
        return m.n / math.sqrt(12)
    return None


def column_scale(column: ColumnSpec, facts: ColumnFacts) -> float | None:
    """How far values of a column usually lie apart: its generator's value model, else its declared bounds
    (the standard deviation of a uniform between them); None when neither is known."""
    gen = registry.get(column.generator) if column.generator else None
    if gen is not None and gen.facts is not None:
        scale = model_scale(gen.facts.value_model(column.params))
        if scale:
            return scale
    if isinstance(facts.lo, int | float) and isinstance(facts.hi, int | float) and facts.hi > facts.lo:
        return (float(facts.hi) - float(facts.lo)) / math.sqrt(12)
    return None


def _outlier(cells: Cells) -> pa.Array:
    p = cells.params
    valid = cells.values.is_valid().to_numpy(zero_copy_only=False)
    clean = _as_float(cells.values)
    scale = column_scale(cells.column, cells.facts)
    # Without a model or bounds, the value itself is the yardstick (at least 1): still a pure function of the row.
    yardstick = np.full(len(cells), scale) if scale else np.maximum(np.abs(np.nan_to_num(clean)), 1.0)
    sign = {"up": np.ones(len(cells)), "down": -np.ones(len(cells))}.get(
        str(p["sign"]), np.where(cells.uniform(0x51) < 0.5, -1.0, 1.0))
    distance = float(p["sigmas"]) * yardstick
    if str(p["tail"]) == "pareto":
        # Pareto(alpha) with its minimum at `sigmas` scales: most just past it, a few far beyond.
        distance = distance * np.power(1.0 - cells.uniform(0x52), -1.0 / float(p["alpha"]))
    return numbers_as(np.nan_to_num(clean) + sign * distance, valid, cells.values.type)


def _outlier_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    return _numeric_applies(column, facts, table)


register(DefectKind(
    "outlier", "a value `sigmas` standard deviations from the clean one (the scale from the generator's value "
    "model, else its bounds, else the value itself), or further along a Pareto tail",
    damage=_outlier, applies=_outlier_applies, group="anomaly",
    params={"sigmas": Param(6.0, "how many standard deviations from the clean value (the tail's start)",
                            (int, float)),
            "tail": Param("fixed", "fixed: exactly `sigmas` away; pareto: a Pareto tail starting there", str),
            "alpha": Param(1.5, "the Pareto tail's index (smaller: heavier tail)", (int, float)),
            "sign": Param("both", "both (drawn), up or down", str)},
    applies_to="number columns, not references or `sum_of:` sums",
))


# ---- burst --------------------------------------------------------------------------------------------------

def _burst_applies(column: ColumnSpec, facts: ColumnFacts, table: TablePlan) -> str | None:
    if column.name in table.spec.primary_key:
        return _KEY_REASON
    if column.unique or column.unique_within:
        return "a unique column: a repeated value would break uniqueness, not look like a burst"
    if table.layout is not None and table.spec.grouping_fk is not None \
            and column.name in table.spec.grouping_fk.columns:
        return f"the rows are laid out per {table.spec.grouping_fk.table} row: moving rows to another parent " \
               "would break its child counts"
    return None


def _burst(cells: Cells) -> pa.Array:
    """Each run's rows take the run's first non-null clean value (its first row's, nearly always)."""
    length = int(cells.params["length"])
    runs = run_of(cells.rows, length)
    unique_runs, where = np.unique(runs, return_inverse=True)
    members = (unique_runs[:, None] * length + np.arange(length)).ravel()
    table = cells.table
    if not table.is_partitioned:  # the last run may end past the table's last row
        members = np.minimum(members, max(table.n_rows - 1, 0))
    values = table.compute(members, [cells.column.name]).column(0)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    valid = values.is_valid().to_numpy(zero_copy_only=False).reshape(len(unique_runs), length)
    first = np.argmax(valid, axis=1)  # 0 (a null anchor) when the whole run is null
    anchors = np.arange(len(unique_runs)) * length + first
    return values.take(pa.array(anchors[where])).cast(cells.values.type)


register(DefectKind(
    "burst", "runs of `length` consecutive rows all take the value of the run's first row: many records from one "
    "card, device or account in a row (the times stay as generated: squeezing them is another rule's business)",
    damage=_burst, applies=_burst_applies, select=select_runs, group="anomaly",
    params={"length": Param(8, "how many consecutive rows share the value (rate is the share of runs)", int)},
    applies_to="columns that are not unique (a card number, a device, an account)",
))
