"""One fast, streaming load path per dialect. Each runs inside the caller's transaction and returns the
approximate number of bytes sent; none materialises more than one record batch in Python.

* PostgreSQL: ``COPY … FROM STDIN (FORMAT csv)`` through the psycopg 3 connection under SQLAlchemy; each
  batch is serialised by Arrow's C++ CSV writer (strings always quoted, so ``""`` is an empty string and
  an unquoted empty field is NULL; booleans ``true``/``false``; timestamps ISO with ``Z`` when zoned; JSON
  arrays bound for an ARRAY column of an existing table as array literals, :mod:`pg_arrays`).
* MySQL/MariaDB: ``LOAD DATA LOCAL INFILE`` of one temporary tab-separated file per batch (backslash,
  tab and newline escaped, NULL as ``\\N``), built column-wise with Arrow compute; if the server or the
  client refuses local files, multi-row ``INSERT``s (PyMySQL's ``executemany``), said once in the log.
* SQLite: ``executemany`` of row tuples (values in SQLAlchemy's storage formats) in the one transaction.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa

from mock_pipelines.store.sql.names import PARTITION_COLUMN
from mock_pipelines.store.sql.pg_arrays import array_columns, as_array_literals

log = logging.getLogger(__name__)

_CSV_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")
# MySQL error numbers meaning "local files are not allowed here" (server or client side).
_LOCAL_INFILE_REFUSED = {1148, 2068, 3948, 4166}
# Duplicate key, foreign key, CHECK and NOT NULL violations (reported as warnings by LOAD DATA LOCAL).
_MYSQL_INTEGRITY = {1022, 1048, 1062, 1216, 1217, 1451, 1452, 3819, 4025}


def with_partition(batch: pa.RecordBatch, partition_key: str | None) -> pa.RecordBatch:
    """The batch plus the partition column (one dictionary entry repeated: no per-row strings)."""
    if partition_key is None:
        return batch
    keys = pa.DictionaryArray.from_arrays(pa.array(np.zeros(batch.num_rows, dtype=np.int32)),
                                          pa.array([partition_key], pa.string()))
    return pa.RecordBatch.from_arrays([*batch.columns, keys], names=[*batch.schema.names, PARTITION_COLUMN])


def column_list(conn: sa.Connection, names: Iterable[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(n) for n in names)


def target_name(conn: sa.Connection, table: sa.Table) -> str:
    return conn.dialect.identifier_preparer.format_table(table)


# ---- PostgreSQL ---------------------------------------------------------------------------------------------

def load_postgresql(conn: sa.Connection, table: sa.Table, names: list[str], batches: Iterable[pa.RecordBatch],
                    partition_key: str | None) -> int:
    columns = names + ([PARTITION_COLUMN] if partition_key is not None else [])
    sql = f"COPY {target_name(conn, table)} ({column_list(conn, columns)}) FROM STDIN (FORMAT csv)"
    arrays = array_columns(conn, target_name(conn, table)) & set(names)  # JSON arrays land as array literals
    driver = conn.connection.driver_connection
    sent = 0
    with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for batch in batches:
            buffer = io.BytesIO()
            pacsv.write_csv(_pg_ready(with_partition(batch, partition_key), arrays), buffer, _CSV_OPTIONS)
            data = buffer.getbuffer()
            copy.write(data)
            sent += data.nbytes
    return sent


def _pg_ready(batch: pa.RecordBatch, array_names: set[str] | frozenset[str] = frozenset()) -> pa.RecordBatch:
    """Arrow's CSV text is what COPY reads, except time zones: write zoned timestamps in UTC (``…Z``); and
    JSON arrays bound for ARRAY columns (``array_names``): written as array literals."""
    if not array_names and not any(pa.types.is_timestamp(f.type) and f.type.tz not in (None, "UTC")
                                   for f in batch.schema):
        return batch
    arrays = [as_array_literals(a, name) if name in array_names
              else a.cast(pa.timestamp(a.type.unit, "UTC")) if pa.types.is_timestamp(a.type) and a.type.tz else a
              for name, a in zip(batch.schema.names, batch.columns, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


# ---- MySQL / MariaDB ----------------------------------------------------------------------------------------

def load_mysql(conn: sa.Connection, table: sa.Table, names: list[str], batches: Iterable[pa.RecordBatch],
               partition_key: str | None) -> int:
    columns = names + ([PARTITION_COLUMN] if partition_key is not None else [])
    sql = (f"LOAD DATA LOCAL INFILE %s INTO TABLE {target_name(conn, table)} CHARACTER SET utf8mb4 "
           "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
           f"({column_list(conn, columns)})")
    driver = conn.connection.driver_connection
    sent = 0
    iterator = iter(batches)
    for batch in iterator:
        full = with_partition(batch, partition_key)
        try:
            sent += _load_data(driver, sql, full)
        except Exception as exc:
            if _mysql_code(exc) not in _LOCAL_INFILE_REFUSED:
                raise
            log.warning("LOAD DATA LOCAL INFILE refused by %s (%s); loading with multi-row INSERTs instead, "
                        "which is slower — enable local_infile on the server for the fast path",
                        conn.engine.dialect.name, str(exc).splitlines()[0])
            return sent + insert_rows(conn, table, columns, _chain(full, iterator, partition_key))
    return sent


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch], key: str | None) -> Iterator[pa.RecordBatch]:
    yield first
    for batch in rest:
        yield with_partition(batch, key)


def _mysql_code(exc: BaseException) -> int | None:
    code = exc.args[0] if exc.args else None
    return code if isinstance(code, int) else None


def _load_data(driver: object, sql: str, batch: pa.RecordBatch) -> int:
    data = mysql_text(batch)
    fd, path = tempfile.mkstemp(prefix="mock-pipelines-", suffix=".tsv")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with driver.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(sql, (path,))
            _refuse_skipped_rows(cursor, batch.num_rows)
    finally:
        os.unlink(path)
    return len(data)


def _refuse_skipped_rows(cursor: object, expected: int) -> None:
    """With LOCAL, the server turns errors into warnings and skips or adjusts the row (it cannot stop the
    client mid-file): a foreign key, CHECK or truncation problem would pass silently. Any warning, or a
    row count that differs, fails the load instead (the caller rolls the transaction back)."""
    import pymysql

    result = cursor._result  # type: ignore[attr-defined]
    warnings = getattr(result, "warning_count", 0) if result is not None else 0
    loaded = cursor.rowcount  # type: ignore[attr-defined]
    if not warnings and loaded == expected:
        return
    cursor.execute("SHOW WARNINGS LIMIT 5")  # type: ignore[attr-defined]
    shown = cursor.fetchall()  # type: ignore[attr-defined]
    codes = [row[1] for row in shown]
    text = "; ".join(str(row[2]) for row in shown) or f"{loaded} of {expected} rows loaded"
    error = pymysql.err.IntegrityError if any(c in _MYSQL_INTEGRITY for c in codes) else pymysql.err.DataError
    raise error(codes[0] if codes else 0, f"LOAD DATA skipped or changed rows ({loaded} of {expected} loaded, "
                f"{warnings} warnings): {text}")


def mysql_text(batch: pa.RecordBatch) -> bytes:
    """The batch as LOAD DATA's default text format: tab-separated, ``\\``-escaped, NULL as ``\\N``."""
    if batch.num_rows == 0:
        return b""
    fields = [_mysql_field(column) for column in batch.columns]
    lines = pc.binary_join_element_wise(*fields, "\t") if len(fields) > 1 else fields[0]
    lines = pc.binary_join_element_wise(lines, pa.scalar("\n"), "")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])].tobytes()


def _mysql_field(values: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    t = values.type
    if pa.types.is_boolean(t):
        text = pc.cast(pc.cast(values, pa.int8()), pa.string())
    elif pa.types.is_timestamp(t):
        if t.tz is not None:  # DATETIME holds no zone: write the UTC wall time
            values = values.cast(pa.int64()).cast(pa.timestamp(t.unit))
        text = pc.strftime(values, format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        text = values
        for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n")):
            text = pc.replace_substring(text, raw, escaped)
    else:
        text = pc.cast(values, pa.string())
    return pc.fill_null(text, "\\N")


# ---- SQLite and the generic fallback -----------------------------------------------------------------------

def insert_rows(conn: sa.Connection, table: sa.Table, columns: list[str], batches: Iterable[pa.RecordBatch]) -> int:
    """``executemany`` of plain tuples on the DBAPI cursor (PyMySQL rewrites it into multi-row INSERTs)."""
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {target_name(conn, table)} ({column_list(conn, columns)}) "
           f"VALUES ({', '.join([placeholder] * len(columns))})")
    driver = conn.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        for batch in batches:
            if batch.num_rows:
                cursor.executemany(sql, list(zip(*(_python_values(c) for c in batch.columns), strict=True)))
    finally:
        cursor.close()
    return 0


def load_sqlite(conn: sa.Connection, table: sa.Table, names: list[str], batches: Iterable[pa.RecordBatch],
                partition_key: str | None) -> int:
    columns = names + ([PARTITION_COLUMN] if partition_key is not None else [])
    return insert_rows(conn, table, columns, (_sqlite_ready(with_partition(b, partition_key)) for b in batches))


def _sqlite_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Values in the text formats SQLAlchemy's SQLite types store and read (and the CHECKs compare)."""
    arrays = []
    for values in batch.columns:
        t = values.type
        if pa.types.is_timestamp(t):
            if t.tz is not None:
                values = values.cast(pa.int64()).cast(pa.timestamp(t.unit))
            values = pc.strftime(values, format="%Y-%m-%d %H:%M:%S")
        elif pa.types.is_date(t) or pa.types.is_decimal(t):
            values = pc.cast(values, pa.string())
        arrays.append(values)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _python_values(values: pa.Array) -> list[object]:
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values.to_pylist()


LOADERS = {"postgresql": load_postgresql, "mysql": load_mysql, "sqlite": load_sqlite}
