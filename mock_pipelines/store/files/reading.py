"""Reading landed data files back, typed by the table's Arrow schema whatever the format.

Parquet carries its own types; CSV and JSON carry text, so a reader that guesses types gets other data
than was written (``01803`` read as the number 1803, an empty string read as a missing value, a date read
as text). Given the schema (what the engine writes for the table, or what the table folder's manifest
recorded), :func:`read_file` reads every format into the same table:

* CSV: each column parsed as its schema type. The writer quotes every text value and leaves a missing one
  empty, so an unquoted empty field is null and ``""`` is the empty string; only the empty field is null
  (``NA``, ``null`` or ``nan`` are values).
* JSON Lines and JSON arrays: the same parser, numbers as the schema's ints, floats or exact decimals,
  dates and timestamps from their ISO-8601 text.
* Parquet: its columns cast to the schema's types where they differ (data written by another tool).
* Dictionary-encoded columns come back as their value type, from every format: the same data gives the
  same table, so checks observe the same thing whatever the format.

The result holds the schema's columns in the schema's order (then any other columns of the file, as
read). A column the file lacks, or a value that does not parse as its type, raises :class:`DataFileError`
naming the file, the column and what was expected.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from mock_pipelines.store.files.formats import check_format

Source = str | Path | IO[bytes]
READ_BATCH_ROWS = 131_072  # rows per batch of a streamed read: what pyarrow's whole-file reader cuts row groups at


class DataFileError(ValueError):
    """A data file that does not hold what its schema says, in one line: file, column, expected, found."""


def plain_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with dictionary columns as their value type (text formats carry no dictionaries)."""
    return pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                      for f in schema])


def read_file(source: Source, fmt: str, schema: pa.Schema | None = None, *, name: str | None = None,
              columns: list[str] | None = None) -> pa.Table:
    """Read one data file; with ``schema``, typed by it (see the module). ``name`` is the file as errors
    show it (default: the path, or the name of the file object); ``columns`` reads only those (Parquet)
    and checks only those against the schema."""
    check_format(fmt)
    where = name or _name_of(source, fmt)
    if schema is not None and columns is not None:
        schema = pa.schema([schema.field(c) for c in columns if c in schema.names])
    if fmt == "parquet":
        table = pq.read_table(source, columns=columns)
        return table if schema is None else conform(table, plain_schema(schema), where)
    plain = plain_schema(schema) if schema is not None else None
    if fmt == "csv":
        table = _read_csv(source, plain, where)
    elif fmt == "jsonl":
        table = _read_json_lines(source, plain, where)
    else:
        table = _read_json_array(source, plain, where)
    return table if plain is None else conform(table, plain, where)


def read_parquet_batches(source: Source, schema: pa.Schema | None = None, *, name: str | None = None,
                         columns: list[str] | None = None,
                         batch_rows: int = READ_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """A Parquet file batch by batch (at most one row group in memory at a time), typed as
    :func:`read_file`. A batch never spans two row groups, so with the default ``batch_rows`` the batches are
    the chunks :func:`read_file` gives (pyarrow's reader cuts each row group at the same size): measures
    summed batch by batch come out the same to the last bit."""
    where = name or _name_of(source, "parquet")
    if schema is not None and columns is not None:
        schema = pa.schema([schema.field(c) for c in columns if c in schema.names])
    plain = plain_schema(schema) if schema is not None else None
    file = pq.ParquetFile(source)
    batches = (b for group in range(file.num_row_groups)
               for b in file.iter_batches(batch_size=batch_rows, row_groups=[group], columns=columns))
    for batch in batches:
        if plain is None:
            yield batch
        else:
            yield conform(pa.Table.from_batches([batch]), plain, where).combine_chunks().to_batches()[0] \
                if batch.num_rows else pa.RecordBatch.from_pylist([], schema=plain)


def read_csv_batches(source: Source, schema: pa.Schema, *, name: str | None = None,
                     columns: list[str] | None = None, batch_rows: int = READ_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """A CSV file block by block (one block of text and its batch in memory at a time), typed by ``schema``
    as :func:`read_file` types it, in the chunks :func:`read_file` gives. A value that does not parse (or a
    malformed row) stops the stream with the error :func:`read_file` raises for the file: which column,
    which row, what was expected."""
    where = name or _name_of(source, "csv")
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns if c in schema.names])
    plain = plain_schema(schema)
    options = pacsv.ConvertOptions(column_types={f.name: f.type for f in plain}, strings_can_be_null=True,
                                   quoted_strings_can_be_null=False, null_values=[""])
    try:
        reader = pacsv.open_csv(source, parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
                                convert_options=options)
        for batch in reader:
            table = conform(pa.Table.from_batches([batch]), plain, where)
            yield from (table.select(columns) if columns else table).to_batches(max_chunksize=batch_rows)
    except pa.ArrowInvalid as exc:
        if not _rewind(source):
            raise DataFileError(f"{where}: cannot be read as the schema says ({exc})") from None
        read_file(source, "csv", schema, name=where)  # raises, naming the column and the row
        raise DataFileError(f"{where}: cannot be read as the schema says ({exc})") from None


def conform(table: pa.Table, schema: pa.Schema, where: str) -> pa.Table:
    """``table`` with the columns of ``schema`` first, in its order and of its types, then the other
    columns as they are."""
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        has = ", ".join(table.column_names) or "none"
        also = f"; also missing: {', '.join(missing[1:])}" if missing[1:] else ""
        expected = type_text(schema.field(missing[0]).type)
        raise DataFileError(f"{where}: column {missing[0]!r} is missing (expected a {expected} column{also}; "
                            f"the file has: {has})")
    arrays, fields = [], []
    for field in schema:
        column = table[field.name]
        if column.type != field.type:
            column = _cast(column, field.type, where, field.name)
        arrays.append(column)
        fields.append(pa.field(field.name, column.type))
    for name in table.column_names:
        if name not in schema.names:
            arrays.append(table[name])
            fields.append(table.schema.field(name))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _cast(column: pa.ChunkedArray, target: pa.DataType, where: str, name: str) -> pa.ChunkedArray:
    try:
        return pc.cast(column, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        row, value = _first_bad(column, target)
        found = f"{value!r} in row {row + 1}" if row is not None else f"{type_text(column.type)} values"
        raise DataFileError(f"{where}: column {name!r} holds {found}, which is not a {type_text(target)} value "
                            f"(expected {type_text(target)}, as the schema says)") from None


def _first_bad(column: pa.ChunkedArray, target: pa.DataType) -> tuple[int | None, Any]:
    """The first row (0-based, and its value) that does not cast to ``target``; a failing block of rows is
    searched value by value."""
    offset = 0
    for chunk in column.chunks:
        for lo in range(0, len(chunk), 65_536):
            block = chunk.slice(lo, 65_536)
            try:
                pc.cast(block, target)
                continue
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                pass
            for i in range(len(block)):
                try:
                    pc.cast(block.slice(i, 1), target)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                    return offset + lo + i, block[i].as_py()
        offset += len(chunk)
    return None, None


# -- CSV -------------------------------------------------------------------------------------------
def _read_csv(source: Source, schema: pa.Schema | None, where: str) -> pa.Table:
    if schema is None:
        return pacsv.read_csv(source)
    options = pacsv.ConvertOptions(column_types={f.name: f.type for f in schema}, strings_can_be_null=True,
                                   quoted_strings_can_be_null=False, null_values=[""])
    lines = pacsv.ParseOptions(ignore_empty_lines=False)  # a one-column row holding null is an empty line
    try:
        return pacsv.read_csv(source, parse_options=lines, convert_options=options)
    except pa.ArrowInvalid as exc:
        if not _rewind(source):
            raise DataFileError(f"{where}: cannot be read as the schema says ({exc})") from None
    # A value does not parse: read the text of every column and let the casts say which and where.
    as_text = pacsv.ConvertOptions(column_types={f.name: pa.string() for f in schema}, strings_can_be_null=True,
                                   quoted_strings_can_be_null=False, null_values=[""])
    try:
        table = pacsv.read_csv(source, parse_options=lines, convert_options=as_text)
    except pa.ArrowInvalid as exc:  # not a conversion: a malformed file (a row with too many fields, …)
        raise DataFileError(f"{where}: not readable as CSV ({exc})") from None
    conform(table, schema, where)
    raise DataFileError(f"{where}: cannot be read as the schema says")  # pragma: no cover - conform raised


# -- JSON ------------------------------------------------------------------------------------------
def _json_carrier(t: pa.DataType) -> pa.DataType:
    """The type the JSON parser reads a column as: dates arrive as text and are cast after; timestamps
    with a time zone as the zone's wall-clock time (what the writer prints), placed in the zone after."""
    if pa.types.is_date(t):
        return pa.string()
    if pa.types.is_timestamp(t) and t.tz is not None:
        return pa.timestamp(t.unit)
    return t


def _in_zones(table: pa.Table, schema: pa.Schema) -> pa.Table:
    for i, field in enumerate(schema):
        t = field.type
        if pa.types.is_timestamp(t) and t.tz is not None and table.schema.field(i).type.tz is None:
            table = table.set_column(i, field.name, pc.assume_timezone(table[field.name], t.tz))
    return table


_JSON_CHANGED = re.compile(r"Column\(/(?P<name>[^)]*)\) changed from (?P<was>\w+) to (?P<now>\w+)")


def _read_json_lines(source: Source, schema: pa.Schema | None, where: str) -> pa.Table:
    if schema is None:
        return pajson.read_json(source)
    explicit = pa.schema([pa.field(f.name, _json_carrier(f.type)) for f in schema])
    try:
        table = pajson.read_json(source, parse_options=pajson.ParseOptions(explicit_schema=explicit))
    except pa.ArrowInvalid as exc:
        if "Empty JSON file" in str(exc):
            return schema.empty_table()
        changed = _JSON_CHANGED.search(str(exc))
        if changed and changed["name"] in schema.names:
            t = type_text(schema.field(changed["name"]).type)
            raise DataFileError(f"{where}: column {changed['name']!r} holds a JSON {changed['now']} where "
                                f"a {t} value was expected (expected {t}, as the schema says)") from None
        if not _rewind(source):
            raise DataFileError(f"{where}: cannot be read as the schema says ({exc})") from None
        try:  # which column: read it as the parser sees it and let the casts say
            inferred = pajson.read_json(source)
        except pa.ArrowInvalid:
            inferred = None
        if inferred is not None:
            conform(inferred, schema, where)
        raise DataFileError(f"{where}: cannot be read as the schema says ({exc})") from None
    _check_json_columns(table, schema, source, where)
    return _in_zones(table, schema)


def _check_json_columns(table: pa.Table, schema: pa.Schema, source: Source, where: str) -> None:
    """The JSON parser fills a field no record has with nulls: a column null in every row is missing from
    the file when its first record lacks it."""
    empty = [f.name for f in schema if table.num_rows and table[f.name].null_count == table.num_rows]
    if not empty or not _rewind(source):
        return
    first = _first_record(source)
    if first is None:
        return
    missing = [c for c in empty if c not in first]
    if missing:
        conform(table.drop_columns(missing), schema, where)


def _first_record(source: Source) -> dict[str, Any] | None:
    try:
        if isinstance(source, str | Path):
            with open(source, "rb") as fh:
                line = fh.readline()
        else:
            line = source.readline()
        record = json.loads(line)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _read_json_array(source: Source, schema: pa.Schema | None, where: str) -> pa.Table:
    """A JSON array of records, read with the JSON Lines parser: the writer puts one record per line
    (``[`` + records joined by ``,\\n`` + ``]``), which becomes JSON Lines by dropping the brackets and the
    commas at line ends; any other layout is re-serialised one record per line first."""
    if isinstance(source, str | Path):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    body = data.strip()
    if not (body.startswith(b"[") and body.endswith(b"]")):
        raise DataFileError(f"{where}: not a JSON array of records (expected '[' … ']')")
    body = body[1:-1].strip()
    if not body:
        return schema.empty_table() if schema is not None else pa.table({})
    newlines = body.count(b"\n")
    if body.startswith(b"{") and body.endswith(b"}") and newlines and body.count(b",\n{") == newlines:
        lines = body.replace(b",\n{", b"\n{")
    elif newlines == 0 and body.count(b"},{") == 0 and body.startswith(b"{"):  # one record
        lines = body
    else:
        lines = _one_record_per_line(body, where)
    return _read_json_lines(io.BytesIO(lines + b"\n"), schema, where)


def _one_record_per_line(body: bytes, where: str) -> bytes:
    """The records of a JSON array's body (between the brackets), whatever its layout, one per line with
    their text unchanged (numbers keep every digit). A raw line break in valid JSON is only ever
    whitespace between tokens, so it can become a space."""
    text = body.decode("utf-8", errors="strict")
    decoder = json.JSONDecoder()
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        try:
            record, end = decoder.raw_decode(text, i)
        except ValueError as exc:
            raise DataFileError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(record, dict):
            raise DataFileError(f"{where}: not a JSON array of records (found a {type(record).__name__} "
                                "where an object was expected)")
        out.append(text[i:end].replace("\r", " ").replace("\n", " "))
        i = end
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i < n:
            if text[i] != ",":
                raise DataFileError(f"{where}: not valid JSON (expected ',' between records at character {i})")
            i += 1
            while i < n and text[i] in " \t\r\n":
                i += 1
    return "\n".join(out).encode()


# -- helpers ---------------------------------------------------------------------------------------
def _rewind(source: Source) -> bool:
    """Whether ``source`` can be read again from its start (a path, or a seekable file object)."""
    if isinstance(source, str | Path):
        return True
    try:
        source.seek(0)
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _name_of(source: Source, fmt: str) -> str:
    if isinstance(source, str | Path):
        return str(source)
    name = getattr(source, "path", None) or getattr(source, "name", None)
    return str(name) if isinstance(name, str | Path) else f"a {fmt} file"


# -- types as text (what a manifest records) -------------------------------------------------------
_SIMPLE = {str(t): t for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(),
                               pa.uint32(), pa.uint64(), pa.float16(), pa.float32(), pa.float64(), pa.bool_(),
                               pa.string(), pa.large_string(), pa.binary(), pa.large_binary(), pa.date32(),
                               pa.date64(), pa.null())}
_TIMESTAMP = re.compile(r"timestamp\[(?P<unit>s|ms|us|ns)(?:, tz=(?P<tz>[^\]]+))?\]")
_DECIMAL = re.compile(r"decimal(?P<bits>128|256)\((?P<p>\d+), (?P<s>-?\d+)\)")


def type_text(t: pa.DataType) -> str:
    """An Arrow type as text (``int64``, ``decimal128(12, 2)``, ``timestamp[us]``); a dictionary column
    as its value type."""
    return str(t.value_type if pa.types.is_dictionary(t) else t)


def type_from_text(text: str) -> pa.DataType | None:
    """The Arrow type :func:`type_text` wrote; ``None`` for one it does not know."""
    if text in _SIMPLE:
        return _SIMPLE[text]
    if found := _TIMESTAMP.fullmatch(text):
        return pa.timestamp(found["unit"], tz=found["tz"])
    if found := _DECIMAL.fullmatch(text):
        make = pa.decimal128 if found["bits"] == "128" else pa.decimal256
        return make(int(found["p"]), int(found["s"]))
    return None


def schema_of_types(types: Any) -> pa.Schema | None:
    """The schema a manifest's ``column_types`` (``{column: type text}``) records; ``None`` when it has
    none or a type this version cannot read (the file is then read untyped)."""
    if not isinstance(types, dict) or not types:
        return None
    fields = []
    for name, text in types.items():
        t = type_from_text(text) if isinstance(text, str) else None
        if t is None:
            return None
        fields.append(pa.field(str(name), t))
    return pa.schema(fields)
