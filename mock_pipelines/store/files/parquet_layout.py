"""How each column is laid out in Parquet: its encoding and compression, chosen from what the generator
knows of its values (their shape, carried in the schema's field metadata: :mod:`mock_pipelines.core.
value_shapes`), else judged from the first batch.

The choices, measured on one core by ``bench/bench_parquet_encodings.py`` (figures: docs/performance.md):

* rising and bounded integers and times: ``DELTA_BINARY_PACKED``, uncompressed — the differences of a
  sequence are one constant, and values drawn in a narrow span pack into the bits the span needs, which zstd
  cannot shrink further, so compressing them only costs time;
* few values: a dictionary (the indices are run-length and bit-packed), zstd;
* measured floats: ``BYTE_STREAM_SPLIT`` then zstd, which compresses the split bytes far better and faster
  than the plain ones;
* unique text: plain (a dictionary of values that never repeat is pure cost), zstd;
* decimals of up to 18 digits (money): stored as the 32- or 64-bit integers of their unscaled values, the
  form the Parquet format gives such decimals and Spark writes, delta-packed and uncompressed unless the
  first batch makes them a dictionary — 2–3× faster to write than 16-byte fixed-length values with zstd, and
  no larger (a wider decimal keeps the fixed-length form);
* anything else: a dictionary when the first batch holds few distinct values (:func:`dictionary_columns`),
  plain otherwise, zstd.

Statistics stay on for every column (readers prune row groups and pages with them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.value_shapes import Shape, shapes_of

DELTA = "DELTA_BINARY_PACKED"
SPLIT = "BYTE_STREAM_SPLIT"
PLAIN = "PLAIN"
DICTIONARY = "dictionary"

# The encoding of each shape, for the Arrow types it applies to (another type: judged from the data).
_BY_SHAPE: dict[Shape, tuple[str, Any]] = {
    Shape.RISING: (DELTA, lambda t: pa.types.is_integer(t) or pa.types.is_temporal(t)),
    Shape.BOUNDED: (DELTA, lambda t: pa.types.is_integer(t) or pa.types.is_temporal(t)),
    Shape.FEW_VALUES: (DICTIONARY, lambda t: not pa.types.is_nested(t) and not pa.types.is_boolean(t)),
    Shape.MEASURED: (SPLIT, pa.types.is_floating),
    Shape.UNIQUE: (PLAIN, lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)),
}


@dataclass(frozen=True)
class LayoutChoices:
    """What the layout may use; the defaults are the measured choice. The benchmark turns one off at a time
    to show what each bought."""

    shapes: frozenset[Shape] = frozenset(Shape)  # shapes whose encoding is used (the others: judged from data)
    compression: str = "zstd"
    compression_level: int | None = None  # Arrow's default for the codec (zstd: level 1)
    uncompressed_delta: bool = True  # delta-packed columns are written without compression
    # Values handed to the encoders at once (None: Arrow's 1,024). 65,536 measured no faster with the chosen
    # encodings, and a page may overrun Arrow's 1 MiB target by one step: Arrow's default stays.
    write_batch_size: int | None = None
    decimal_as_integer: bool = True  # decimals of up to 18 digits as delta-packed integers


def _integer_decimal(t: pa.DataType) -> bool:
    """A decimal that ``store_decimal_as_integer`` writes as an INT32 or INT64 (at most 18 digits)."""
    return pa.types.is_decimal(t) and t.precision <= 18


def dictionary_columns(batch: pa.RecordBatch, sample: int = 65_536, ratio: float = 0.25) -> list[str]:
    """Columns worth Parquet dictionary encoding: already dictionary-typed, or few distinct values in a
    sample of the first batch. Unique columns (keys, emails) skip it: for them it is pure cost."""
    out = []
    head = batch.slice(0, sample)
    for f, column in zip(head.schema, head.columns, strict=True):
        if pa.types.is_dictionary(f.type):
            out.append(f.name)
        elif pa.types.is_nested(f.type):  # a struct (Debezium's before/after): its fields decide alone
            continue
        elif len(column) and pc.count_distinct(column).as_py() <= ratio * len(column):
            out.append(f.name)
    return out


@dataclass
class ParquetLayout:
    """The plain schema to write and the keyword arguments of ``pyarrow.parquet.ParquetWriter``."""

    schema: pa.Schema
    options: dict[str, Any] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)  # by column: what was chosen (for tests, benches)


def parquet_layout(schema: pa.Schema, first: pa.RecordBatch | None, choices: LayoutChoices = LayoutChoices(),
                   ) -> ParquetLayout:
    """The layout of a file of ``schema`` (shapes in its field metadata, stripped here) whose first batch
    is ``first`` (None: an empty file, dictionary everywhere as Arrow's default)."""
    plain, shapes = shapes_of(schema)
    encodings: dict[str, str] = {}
    for f in plain:
        shape = shapes.get(f.name)
        if shape is None or shape not in choices.shapes:
            continue
        encoding, applies = _BY_SHAPE[shape]
        if applies(f.type.value_type if pa.types.is_dictionary(f.type) else f.type):
            encodings[f.name] = encoding
    if first is not None:
        rest = first.select([n for n in plain.names if n not in encodings]) if encodings else first
        for name in dictionary_columns(rest):
            encodings[name] = DICTIONARY
    options: dict[str, Any] = {"compression": choices.compression, "write_statistics": True}
    if choices.decimal_as_integer and any(_integer_decimal(f.type) for f in plain):
        options["store_decimal_as_integer"] = True
        for f in plain:
            if _integer_decimal(f.type) and f.name not in encodings:
                encodings[f.name] = DELTA
    if choices.compression_level is not None:
        options["compression_level"] = choices.compression_level
    if choices.write_batch_size is not None:
        options["write_batch_size"] = choices.write_batch_size
    if first is None and not encodings:
        options["use_dictionary"] = True
    else:
        options["use_dictionary"] = [n for n, e in encodings.items() if e == DICTIONARY]
        # pyarrow refuses an encoding for a column it may dictionary-encode: only the others are named
        chosen = {n: e for n, e in encodings.items() if e != DICTIONARY}
        if chosen:
            options["column_encoding"] = chosen
        flat = not any(pa.types.is_nested(f.type) for f in plain)  # per-column options name every leaf
        if choices.uncompressed_delta and flat and any(e == DELTA for e in chosen.values()):
            options["compression"] = {n: "none" if encodings.get(n) == DELTA else choices.compression
                                      for n in plain.names}
            if choices.compression_level is not None:  # a level only for the columns that are compressed
                options["compression_level"] = {n: choices.compression_level
                                                for n, c in options["compression"].items() if c != "none"}
    return ParquetLayout(plain, options, encodings)
