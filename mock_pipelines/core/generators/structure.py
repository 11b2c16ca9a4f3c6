"""Generators that depend on the table's layout: a row's place among its parent's children (its siblings).

In a ``rows: {per: parent, …}`` table the children of one parent are a contiguous run of rows, so every row
knows its parent row, its position k (0-based) and the number n of its siblings without any look-up
(``ctx.extra["siblings"]``). Values that must agree across siblings (the cut points of a split) are drawn
from (parent row, k) only, so each sibling recomputes its neighbours' draws instead of reading them.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from mock_pipelines.core import random as rnd
from mock_pipelines.core.facts import NO_FACTS, Facts
from mock_pipelines.core.registry import ColumnRef, GenContext, generator

_MICROS_PER_DAY = 86_400 * 1_000_000
_CUT_STRIDE = 1 << 16  # counter of the k-th cut of parent p: p·2^16 + k (any value works; it need not be unique)


@generator("child_index", category="identifiers", returns="int", example="2", supports_unique=True,
           aliases=("line_number",),
           facts=Facts(range=lambda p: (p["start"], None)))
def child_index(ctx: GenContext, *, start: int = 1) -> pa.Array:
    """Position of the row among its parent's children (1, 2, 3, … per parent) in a `rows: {per: …}` table.

    Together with the parent's key it forms a composite key that is unique by construction.
    """
    positions = ctx.extra["child_index"]()
    return pa.array(positions + start, type=pa.int64())


def _units(total: pa.Array, scale: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """(integer units of 10^-scale, null mask, scale) of the parent amounts: decimals at their own scale."""
    if pa.types.is_decimal(total.type):
        scale = total.type.scale if scale is None else scale
    elif scale is None:
        scale = 0 if pa.types.is_integer(total.type) else 2
    null = np.asarray(pc.is_null(total).to_numpy(zero_copy_only=False), dtype=bool)
    scaled = pc.round(pc.multiply(pc.cast(total, pa.float64()), 10.0 ** scale))
    units = pc.fill_null(scaled, 0.0).to_numpy(zero_copy_only=False).astype(np.int64)
    return units, null, scale


def split_cuts(key: int, parent: np.ndarray, k: np.ndarray, n: np.ndarray, units: np.ndarray,
               jitter: float) -> np.ndarray:
    """Cumulative units before sibling k of n: 0 for k = 0, the whole for k = n, else the floor of
    units·(k + jitter·(v - ½))/n with v uniform from (parent, k) only. Strictly increasing positions in k
    (jitter < 1), so the shares between cuts are never of the wrong sign and add up to the whole exactly."""
    inner = (k > 0) & (k < n)
    if jitter == 0:
        q, r = np.divmod(units, np.maximum(n, 1))  # equal shares q, one more unit for each of the last r
        cut = k * q + np.maximum(0, k - (n - r))
    else:
        v = rnd.uniform(key, parent * _CUT_STRIDE + k)
        position = (k + jitter * (v - 0.5)) / np.maximum(n, 1)
        cut = np.floor(units * position).astype(np.int64)
    return np.where(inner, cut, np.where(k <= 0, 0, units))


def _decimal(units: np.ndarray, null: np.ndarray, scale: int) -> pa.Array:
    """Exact decimal128(38, scale) values from their integer units (no float on the way)."""
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = units >> 63  # two's complement sign extension to 128 bits
    validity = pa.array(~null).buffers()[1] if null.any() else None
    return pa.Array.from_buffers(pa.decimal128(38, scale), len(units), [validity, pa.py_buffer(words.tobytes())],
                                 null_count=int(null.sum()))


@generator("split", category="numeric", returns="decimal", example="33.34", aliases=("instalments",),
           facts=NO_FACTS)
def split(ctx: GenContext, *, of: ColumnRef, jitter: Annotated[float, Field(ge=0, lt=1)] = 0.5,
          scale: Annotated[int, Field(ge=0, le=18)] | None = None) -> pa.Array:
    """A share of a parent amount (`of: order_id.total`): the shares of its children add up to it exactly.

    Exact to the last unit of ``scale`` (the amount's own decimals by default).

    ``jitter`` 0 splits equally (shares differ by at most one unit); up to 1 the cut points move randomly,
    each within half a share of the equal cut, so every share lies within (1 ± jitter) × amount / n.
    """
    parent, k, n = ctx.extra["siblings"]()
    units, null, scale = _units(ctx.column(of), scale)
    lo = split_cuts(ctx.key, parent, k, n, units, jitter)
    hi = split_cuts(ctx.key, parent, k + 1, n, units, jitter)
    return _decimal(hi - lo, null, scale)


def _to_micros(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    if pa.types.is_date(values.type):
        values = pc.cast(values, pa.timestamp("us"))
    elif pa.types.is_timestamp(values.type) and values.type.tz is not None:
        values = pc.cast(values, pa.timestamp("us", values.type.tz))
    null = np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
    micros = pc.fill_null(pc.cast(pc.cast(values, pa.timestamp("us")), pa.int64()), 0)
    return micros.to_numpy(zero_copy_only=False).astype(np.int64), null


@generator("sibling_timestamp", category="datetime", returns="timestamp", example="2024-03-14 09:30:00",
           aliases=("sibling_time", "instalment_due"), facts=NO_FACTS)
def sibling_timestamp(ctx: GenContext, *, after: ColumnRef, every_days: Annotated[float, Field(gt=0)] = 30.0,
                      first_days: Annotated[float, Field(ge=0)] | None = None,
                      jitter: Annotated[float, Field(ge=0, lt=1)] = 0.0) -> pa.Array:
    """Times that increase from sibling to sibling, from a parent time (`after: order_id.order_ts`).

    The k-th child (0-based) of a parent gets ``after + first_days + (k + jitter·(v - ½)) × every_days`` (``first_days`` = ``every_days`` unless given),
    so each sibling comes strictly after the previous one (jitter < 1) and none before ``after`` (a parent
    attribute such as `order_id.order_ts`) when ``first_days`` ≥ jitter·every_days/2."""
    _, k, _ = ctx.extra["siblings"]()
    start, null = _to_micros(ctx.column(after))
    first = every_days if first_days is None else first_days
    steps = k + jitter * (ctx.uniform() - 0.5)
    offset = np.floor((first + steps * every_days) * _MICROS_PER_DAY).astype(np.int64)
    micros = start + np.maximum(offset, 0)
    out = pa.array(micros.astype("datetime64[us]"), type=pa.timestamp("us"))
    if null.any():
        out = pc.if_else(pa.array(null), pa.nulls(len(out), out.type), out)
    return out
