"""File formats shared by every writer: a streaming record-batch writer.

:class:`BatchWriter` writes Parquet (default), CSV, JSON Lines or JSON batch by batch into a local path or
any binary file object (an fsspec file on S3, for example), so memory never depends on the table size.
Parquet lays each column out as :mod:`mock_pipelines.store.files.parquet_layout` chooses, from the shapes
the schema's field metadata carries (stripped: the files' schema is the plain one) or from the first batch.
CSV quotes every text value and leaves a missing one empty, so ``""`` and null stay apart. The matching
reader, typed by the table's schema, is :mod:`mock_pipelines.store.files.reading`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.value_shapes import shapes_of
from mock_pipelines.store.files.parquet_layout import LayoutChoices, parquet_layout

FORMATS = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl", "json": "json"}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
            ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))  # line separators: some line readers split on them
_SPECIAL = '[\\\\"\\n\\r\\t\\x{2028}\\x{2029}]'
_OTHER_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"


def _quoted(text: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar('"'), text, pa.scalar('"'), "")


def _json_values(col: pa.Array) -> pa.Array:
    """The JSON text of each value (``null`` for nulls), built with Arrow kernels, not per row.

    Floats keep every digit (shortest round-trip form; NaN and infinities become null, as JSON has no
    such numbers), decimals are exact numbers, dates and timestamps ISO-8601 strings, structs objects."""
    t = col.type
    if pa.types.is_dictionary(t):  # encode the (small) dictionary once, then pick by index
        text = pc.take(_json_values(col.dictionary), col.indices)
    elif pa.types.is_boolean(t):
        text = pc.if_else(col, pa.scalar("true"), pa.scalar("false"))
    elif pa.types.is_integer(t) or pa.types.is_decimal(t):
        text = pc.cast(col, pa.string())
    elif pa.types.is_floating(t):
        text = pc.cast(col, pa.string())
        whole = pc.match_substring_regex(text, r"^-?[0-9]+$")  # 2.0 prints as "2": keep it a float
        text = pc.if_else(whole, pc.binary_join_element_wise(text, pa.scalar(".0"), ""), text)
        text = pc.if_else(pc.is_finite(col), text, pa.scalar(None, pa.string()))
    elif pa.types.is_timestamp(t) and t.tz is None:
        # the cast prints "2024-01-02 03:04:05.678901" (digits by unit), 10x faster than strftime
        text = _quoted(pc.replace_substring(col.cast(pa.string()), " ", "T", max_replacements=1))
    elif pa.types.is_timestamp(t):
        text = _quoted(pc.strftime(col, format="%Y-%m-%dT%H:%M:%S"))  # Arrow's %S includes the fraction
    elif pa.types.is_date(t):
        text = _quoted(col.cast(pa.string()))
    elif pa.types.is_struct(t) and t.num_fields:  # an object of its fields' JSON, joined like a record
        parts: list = []
        for i, child in enumerate(col.flatten()):  # children sliced like the struct, its nulls merged in
            parts.append(pa.scalar(("{" if i == 0 else ",") + json.dumps(t.field(i).name, ensure_ascii=False) + ":"))
            parts.append(_json_values(child))
        parts.append(pa.scalar("}"))
        text = pc.if_else(col.is_valid(), pc.binary_join_element_wise(*parts, ""), pa.scalar(None, pa.string()))
    elif (pa.types.is_string(t) or pa.types.is_large_string(t)) and \
            not pc.any(pc.match_substring_regex(col, _OTHER_CONTROL)).as_py():
        text = col.cast(pa.string())
        if pc.any(pc.match_substring_regex(text, _SPECIAL)).as_py():
            for plain, escaped in _ESCAPES:
                text = pc.replace_substring(text, pattern=plain, replacement=escaped)
        text = _quoted(text)
    else:  # rare control characters, nested and other types: the json module, value by value
        text = pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                         for v in col.to_pylist()], pa.string())
    return pc.fill_null(text, pa.scalar("null"))


def _json_records(batch: pa.RecordBatch, separator: str) -> pa.Buffer:
    """The batch as JSON objects joined by ``separator`` (no leading or trailing separator)."""
    parts: list = []
    for i, (name, col) in enumerate(zip(batch.schema.names, batch.columns, strict=True)):
        parts.append(pa.scalar(("{" if i == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"))
        parts.append(_json_values(col))
    if not parts:
        parts = [pa.array(["{"] * batch.num_rows)]
    parts.append(pa.scalar("}"))
    records = pc.binary_join_element_wise(*parts, "").cast(pa.large_string())
    if isinstance(records, pa.Scalar):  # one column of scalars cannot happen, but stay total
        records = pa.array([records.as_py()] * batch.num_rows, pa.large_string())
    lists = pa.LargeListArray.from_arrays(pa.array([0, len(records)], pa.int64()), records)
    return pc.binary_join(lists, pa.scalar(separator, pa.large_string()))[0].as_buffer()


class BatchWriter:
    """Stream record batches of one schema into ``sink`` in ``fmt``.

    ``sink`` is a local path (opened and closed here) or a writable binary file object, which the caller
    owns: :meth:`close` finishes the format (Parquet footer, closing ``]``) but leaves the object open, so
    the caller decides whether to commit it or throw it away. ``layout``: what the Parquet layout may use
    (default: the measured choice, with ``compression`` as the codec); the benchmark varies it.
    """

    def __init__(self, sink: str | Path | IO[bytes], fmt: str, schema: pa.Schema, compression: str = "zstd",
                 layout: LayoutChoices | None = None):
        self.fmt = check_format(fmt)
        self.schema = schema
        self.layout = layout or LayoutChoices(compression=compression)
        self.first = True
        self._owned = isinstance(sink, (str, Path))
        self.file: Any = pa.OSFile(str(sink), "wb") if self._owned else sink
        self.sink: Any = None
        if fmt == "csv":
            import pyarrow.csv as pacsv  # here, not at import: commands that write no CSV never load it

            self.sink = pacsv.CSVWriter(self.file, shapes_of(schema)[0])
        elif fmt == "json":
            self.file.write(b"[")
        # parquet: opened on the first batch, which decides the columns no shape speaks for

    def _open_parquet(self, batch: pa.RecordBatch | None) -> None:
        import pyarrow.parquet as pq  # here, not at import: commands that write no Parquet never load it

        layout = parquet_layout(self.schema, batch, self.layout)
        self.sink = pq.ParquetWriter(self.file, layout.schema, **layout.options)

    def write(self, batch: pa.RecordBatch) -> None:
        if self.fmt == "parquet" and self.sink is None:
            self._open_parquet(batch)
        if self.fmt in ("parquet", "csv"):
            self.sink.write_batch(batch)
        elif not batch.num_rows:
            return
        elif self.fmt == "jsonl":
            self.file.write(_json_records(batch, "\n"))
            self.file.write(b"\n")
        else:
            if not self.first:
                self.file.write(b",\n")
            self.file.write(_json_records(batch, ",\n"))
            self.first = False

    def close(self) -> None:
        try:
            if self.fmt == "parquet" and self.sink is None:
                self._open_parquet(None)  # an empty table still gets a valid file with its schema
            if self.fmt == "json":
                self.file.write(b"]\n")
            if self.sink is not None:
                self.sink.close()
        finally:
            if self._owned:
                self.file.close()


    def abort(self) -> None:
        """Give up after a failure: release the writer and the file it opened; the partial output is the
        caller's to delete. Never raises."""
        try:
            if self.sink is not None:
                self.sink.close()
        except Exception:
            pass
        finally:
            if self._owned:
                self.file.close()


def format_of(path: str) -> str | None:
    """The format of a data file from its extension (``part-00000.parquet`` → ``parquet``)."""
    ext = path.rsplit("/", 1)[-1].rpartition(".")[2]
    return ext if ext in FORMATS else None
