"""What the engine knows of a column's values before it generates any: their *shape*.

A file writer picks an encoding per column from it (Parquet: :mod:`mock_pipelines.store.files.
parquet_layout`) instead of guessing from the first batch. A shape is a promise about every row, derived
from the column's generator and type — never from the values — so it holds for any chunk or partition:

* ``rising``: integers that move by a constant step from row to row (a sequence), or times that only
  grow (the creation times of a time-partitioned table);
* ``bounded``: integers, dates or timestamps drawn in a span far narrower than their 64 bits (a reference
  to a parent's integer key, random times between two dates);
* ``few_values``: drawn from a small set (a choice, a vocabulary returned dictionary-encoded);
* ``measured``: floating-point draws a generator was asked not to round, so nearly every value is distinct;
* ``unique``: text with no repeats (uuids, unique strings): nothing to share between rows.

A column with none of these is left to the writer to judge from the data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import pyarrow as pa

from mock_pipelines.spec.types import LogicalType

if TYPE_CHECKING:
    from mock_pipelines.spec.model import ColumnSpec, TableSpec


class Shape(StrEnum):
    RISING = "rising"
    BOUNDED = "bounded"
    FEW_VALUES = "few_values"
    MEASURED = "measured"
    UNIQUE = "unique"


# An integer range narrower than this holds few enough distinct values that a dictionary may beat any
# arithmetic encoding; the writer then judges from the data.
_WIDE_RANGE = 1 << 16


def column_shape(table: TableSpec, col: ColumnSpec, arrow_type: pa.DataType, partitioned: bool) -> Shape | None:
    """The shape of ``col``'s values (``arrow_type``: the type the engine writes it with); None when the
    generator promises none. ``partitioned``: the table grows in time partitions, so its time column holds
    rising creation times instead of its generator's values."""
    if pa.types.is_dictionary(arrow_type):
        return Shape.FEW_VALUES
    time_column = table.partitioned.time_column if partitioned and table.partitioned else None
    if col.name == time_column:
        return Shape.RISING
    if col.kind == "ref":  # picks among the parent's keys: an integer key spans no more than the parent rows
        return Shape.BOUNDED if pa.types.is_integer(arrow_type) else None
    if col.kind != "gen" or col.generator is None or col.max_length is not None:
        return None  # computed, or cut to a length (cut text may repeat where the generator's did not)
    if col.type.name is LogicalType.UUID:
        return Shape.UNIQUE
    from mock_pipelines.core import registry  # here: a writer reading shapes needs no generator catalogue

    gen = registry.get(col.generator)
    if gen.name == "sequence" and pa.types.is_integer(arrow_type):
        return Shape.RISING
    facts = gen.facts
    if facts is not None and facts.value_set(col.params) is not None:
        return Shape.FEW_VALUES
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return Shape.BOUNDED
    if pa.types.is_integer(arrow_type) and facts is not None:
        lo, hi = facts.value_range(col.params) or (None, None)
        if isinstance(lo, int) and isinstance(hi, int) and hi - lo >= _WIDE_RANGE:
            return Shape.BOUNDED
        return None
    if pa.types.is_floating(arrow_type) and gen.param("round") is not None and col.params.get("round") is None:
        return Shape.MEASURED  # a generator that can round, asked not to (one without `round` may round alone)
    if pa.types.is_string(arrow_type) and col.unique:
        return Shape.UNIQUE
    return None


# The field-metadata key that carries a column's shape from the plan to a writer (see with_shapes).
SHAPE_KEY = b"mock_pipelines.shape"


def with_shapes(schema: pa.Schema, shapes: dict[str, Shape]) -> pa.Schema:
    """``schema`` with each shaped column's shape in its field metadata: a writer receives a schema beside
    the batches anyway, so no writer's signature changes to carry it."""
    return pa.schema([f.with_metadata({**(f.metadata or {}), SHAPE_KEY: shapes[f.name].value.encode()})
                      if f.name in shapes else f for f in schema], metadata=schema.metadata)


def shapes_of(schema: pa.Schema) -> tuple[pa.Schema, dict[str, Shape]]:
    """(``schema`` without the shapes, the shapes by column) — the reverse of :func:`with_shapes`."""
    shapes: dict[str, Shape] = {}
    fields = []
    for f in schema:
        meta = dict(f.metadata or {})
        shape = meta.pop(SHAPE_KEY, None)
        if shape is None:
            fields.append(f)
            continue
        shapes[f.name] = Shape(shape.decode())
        fields.append(f.with_metadata(meta) if meta else f.remove_metadata())
    return (pa.schema(fields, metadata=schema.metadata) if shapes else schema), shapes
