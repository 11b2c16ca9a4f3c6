"""The change log in Debezium's envelope: what a Kafka consumer of a Debezium connector receives.

Each change-log row (see :mod:`mock_pipelines.core.changes`) becomes one record of five fields, in the
order Debezium writes them::

    {"before": {...} | null, "after": {...} | null, "source": {...}, "op": "c" | "u" | "d", "ts_ms": ...}

Written as JSON Lines by the project's JSON writer, each line is what Debezium's JSON converter gives with
schemas disabled (``value.converter.schemas.enable=false``):

* ``before`` / ``after``: the row's columns (and the soft-delete column, if any). An insert (``c``) has no
  ``before``, a hard delete (``d``) no ``after`` (its ``before`` is the row as it was); an update (``u``,
  a soft delete included) has the row before the event in ``before`` and after it in ``after``.
* Values are typed as Debezium's default ``time.precision.mode=adaptive`` renders them: a timestamp is an
  ``io.debezium.time.MicroTimestamp`` (microseconds since 1970-01-01, an integer), a date an
  ``io.debezium.time.Date`` (days since 1970-01-01, an integer). A decimal is a string with its scale
  (``"12.50"``), as ``decimal.handling.mode=string`` gives it: Debezium's default (``precise``) writes
  base64-encoded bytes no reader can use without the schema, and ``double`` loses cents.
* ``ts_ms``: when the change happened (event time, milliseconds since 1970).
* ``source``: ``version``, ``connector`` (``"mock_pipelines"``), ``name`` and ``db`` (the dataset),
  ``table``, ``ts_ms`` and ``ts_us`` (event time), ``snapshot`` (``"false"``: every record is a change),
  and two fields of this connector: ``late`` (the event reached the log after the window it happened in)
  and ``arrived_ts_us`` (when it reached the log).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines import __version__
from mock_pipelines.core.changes import ARRIVED_TS, BEFORE, DELETE, EVENT_TS, INSERT, OP, TableChanges

CONNECTOR = "mock_pipelines"
DEBEZIUM = "debezium"  # the output name, beside changes, snapshot and history
BEFORE_FIELD, AFTER_FIELD, SOURCE, OP_FIELD, TS_MS = "before", "after", "source", "op", "ts_ms"

SOURCE_TYPE = pa.struct([
    pa.field("version", pa.string(), nullable=False),
    pa.field("connector", pa.string(), nullable=False),
    pa.field("name", pa.string(), nullable=False),
    pa.field("ts_ms", pa.int64(), nullable=False),
    pa.field("ts_us", pa.int64(), nullable=False),
    pa.field("snapshot", pa.string(), nullable=False),
    pa.field("db", pa.string(), nullable=False),
    pa.field("table", pa.string(), nullable=False),
    pa.field("late", pa.bool_(), nullable=False),
    pa.field("arrived_ts_us", pa.int64(), nullable=False),
])


def value_type(t: pa.DataType) -> pa.DataType:
    """The type a column's values take in the envelope (see the module docstring)."""
    if pa.types.is_timestamp(t):
        return pa.int64()
    if pa.types.is_date(t):
        return pa.int32()
    if pa.types.is_decimal(t):
        return pa.string()
    if pa.types.is_dictionary(t):
        return value_type(t.value_type)
    return t


def debezium_value(values: pa.Array) -> pa.Array:
    """``values`` as Debezium renders them: MicroTimestamp, Date (days), decimals as strings."""
    t = values.type
    if pa.types.is_dictionary(t):
        return debezium_value(values.dictionary_decode())
    if pa.types.is_timestamp(t):
        return values.cast(pa.timestamp("us")).cast(pa.int64())
    if pa.types.is_date(t):
        return values.cast(pa.date32()).cast(pa.int32())
    if pa.types.is_decimal(t):
        return values.cast(pa.string())
    return values


def row_type(changes: TableChanges) -> pa.StructType:
    """The struct of ``before`` and ``after``: every column of the table, then the soft-delete column."""
    return pa.struct([pa.field(f.name, value_type(f.type)) for f in changes.state_schema])


def envelope_schema(changes: TableChanges) -> pa.Schema:
    row = row_type(changes)
    return pa.schema([pa.field(BEFORE_FIELD, row), pa.field(AFTER_FIELD, row),
                      pa.field(SOURCE, SOURCE_TYPE, nullable=False), pa.field(OP_FIELD, pa.string(), nullable=False),
                      pa.field(TS_MS, pa.int64(), nullable=False)])


def _micros(values: pa.Array) -> np.ndarray:
    return values.cast(pa.int64()).to_numpy(zero_copy_only=False)


def envelope(batch: pa.RecordBatch, changes: TableChanges, dataset: str) -> pa.RecordBatch:
    """One record per change-log row of ``batch`` (in the schema ``changes.log_schema``), in its order.
    An event is ``late`` when it reached the log after it happened (an on-time event arrives at once)."""
    n = batch.num_rows
    ops = batch.column(OP)
    op_text = ops.to_numpy(zero_copy_only=False).astype(str) if n else np.zeros(0, dtype=str)
    event_us = _micros(batch.column(EVENT_TS))
    arrived_us = _micros(batch.column(ARRIVED_TS))
    row = row_type(changes)
    changing = set(changes.changing)
    image = [debezium_value(batch.column(f.name)) for f in row]
    prior = [debezium_value(batch.column(BEFORE + f.name)) if f.name in changing else image[i]
             for i, f in enumerate(row)]
    is_update = pa.array(op_text == "u")
    # An update's before image: the after image with the before values of the columns that can change.
    before_values = [pc.if_else(is_update, p, a) if f.name in changing else a
                     for f, p, a in zip(row, prior, image, strict=True)]
    after = pa.StructArray.from_arrays(image, fields=list(row), mask=pa.array(op_text == DELETE))
    before = pa.StructArray.from_arrays(before_values, fields=list(row), mask=pa.array(op_text == INSERT))
    source = pa.StructArray.from_arrays([
        pa.array(np.full(n, __version__, dtype=object), pa.string()),
        pa.array(np.full(n, CONNECTOR, dtype=object), pa.string()),
        pa.array(np.full(n, dataset, dtype=object), pa.string()),
        pa.array(event_us // 1000, pa.int64()),
        pa.array(event_us, pa.int64()),
        pa.array(np.full(n, "false", dtype=object), pa.string()),
        pa.array(np.full(n, dataset, dtype=object), pa.string()),
        pa.array(np.full(n, changes.table.name, dtype=object), pa.string()),
        pa.array(arrived_us > event_us),
        pa.array(arrived_us, pa.int64()),
    ], fields=list(SOURCE_TYPE))
    return pa.RecordBatch.from_arrays([before, after, source, pa.array(op_text, pa.string()),
                                       pa.array(event_us // 1000, pa.int64())], schema=envelope_schema(changes))


def envelopes(batches: Iterable[pa.RecordBatch], changes: TableChanges, dataset: str) -> Iterator[pa.RecordBatch]:
    """:func:`envelope` of each change-log batch, batch by batch."""
    for batch in batches:
        yield envelope(batch, changes, dataset)
