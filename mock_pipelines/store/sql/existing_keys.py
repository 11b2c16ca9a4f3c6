"""The keys of rows that already exist in a database, for columns declared ``ref: {existing: …}``.

One reference is read with one streamed query, ``SELECT col FROM schema.table WHERE col IS NOT NULL ORDER BY
col``, through a server-side cursor (``stream_results`` / ``yield_per``): memory holds one batch of rows plus
the keys kept, never the whole table.

**The sample.** At most ``sample`` keys are kept (``ref: {existing: …, sample: N}``, default 1,000,000). When
the table holds more, the kept keys are those whose *position in key order* has the smallest keyed hash
(a bottom-k sample of positions: uniform, without replacement). The positions are known before any row is
read (a ``count(*)`` in the same repeatable-read transaction as the query), so the same table contents
always give the same keys, whatever their type, and the order of the kept keys is key order.

Source names map to URLs in the profile (``sources:``) or on the command line (``--source NAME=URL``);
unknown names, unreachable databases (URL shown without its password), missing tables and columns are
errors at the schema's column, with what to do. Nothing here imports Dagster.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from mock_pipelines.core import random as rnd
from mock_pipelines.spec.errors import Issue, SchemaError, suggest
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, ExistingRef
from mock_pipelines.store.sql.errors import redact_url, scrub
from mock_pipelines.store.sql.types import arrow_type_of_sql

READ_BATCH = 65_536  # rows per fetch of the streamed query
_POSITIONS_PER_PASS = 1 << 20  # positions hashed at once while choosing the sample
_cache: dict[tuple[str, str, int], pa.Array] = {}
_lock = threading.Lock()


# A source's URL, or a function that reads it (from the environment) when the keys are first needed.
SourceUrl = str | Callable[[], str]


def source_url(sources: Mapping[str, SourceUrl], table: str, col: ColumnSpec) -> SourceUrl:
    """The URL of the source ``col`` reads its keys from; an unknown source name is an error at the column."""
    ref = col.existing
    assert ref is not None
    if ref.source in sources:
        return sources[ref.source]
    near = suggest(ref.source, list(sources))
    known = ", ".join(sorted(sources)) or "none"
    raise SchemaError([Issue(col.location, f"column {table}.{col.name} references existing rows of unknown source "
                             f"{ref.source!r} (sources given: {known})",
                             suggestion=f"the closest source given is {near!r}: give {ref.source!r} too, or "
                                        f"write {near!r} in the reference" if near else
                             f"declare it in the profile (sources: {{{ref.source}: {{url: {{env: "
                             f"{ref.source.upper()}_URL}}}}}}) or give `--source {ref.source}=URL`")])


def read_keys(url: str, ref: ExistingRef, *, where: Issue | None = None) -> pa.Array:
    """The keys of ``ref`` in the database at ``url`` (at most ``ref.sample``, in key order, no nulls), read
    once per process (cached by URL, reference and sample size). ``where`` locates errors (the column)."""
    cache_key = (url, ref.text, ref.sample)
    with _lock:
        if cache_key in _cache:
            return _cache[cache_key]
    keys = _read(url, ref, where)
    with _lock:
        _cache[cache_key] = keys
    return keys


def forget_cached_keys() -> None:
    """Drop the keys read so far (tests that change an existing table between runs)."""
    with _lock:
        _cache.clear()


class ExistingKeys(Mapping[str, pa.Array]):
    """The keys of every existing reference of ``spec`` whose source is in ``sources``, read lazily: a
    reference's keys are read (once per process) when the engine first needs them, so planning a profile
    never connects to a database. An unknown source name is reported as soon as this is built."""

    def __init__(self, spec: DatasetSpec, sources: Mapping[str, SourceUrl]):
        self._refs: dict[str, tuple[SourceUrl, ExistingRef, Issue]] = {}
        for table, col in spec.existing_columns():
            assert col.existing is not None
            url = source_url(sources, table, col)
            self._refs.setdefault(col.existing.text, (url, col.existing, Issue(col.location,
                                                                               f"column {table}.{col.name}")))

    def __getitem__(self, text: str) -> pa.Array:
        url, ref, where = self._refs[text]
        return read_keys(url() if callable(url) else url, ref, where=where)

    def __iter__(self) -> Iterator[str]:
        return iter(self._refs)

    def __len__(self) -> int:
        return len(self._refs)


def column_type(url: str, ref: ExistingRef) -> sa.types.TypeEngine:
    """The SQL type of the referenced column, reflected (what a column without ``type:`` lands as)."""
    engine = _engine(url, None)
    try:
        with engine.connect() as conn:
            return _reflect(conn, url, ref, None).c[ref.column].type
    finally:
        engine.dispose()


def same_database(a: str, b: str) -> bool:
    """Whether two SQLAlchemy URLs reach the same database (user, password and driver aside): only then
    can a generated table carry a FOREIGN KEY to an existing one."""
    try:
        ua, ub = sa.make_url(a), sa.make_url(b)
    except Exception:
        return False
    if ua.get_backend_name() != ub.get_backend_name():
        return False
    if ua.get_backend_name() == "sqlite":
        return _sqlite_file(ua.database) == _sqlite_file(ub.database)
    local = {"localhost", "127.0.0.1", "::1", None}
    same_host = ua.host == ub.host or (ua.host in local and ub.host in local)
    return same_host and (ua.port or 0) == (ub.port or 0) and ua.database == ub.database


def _sqlite_file(database: str | None) -> str | None:
    if not database or database == ":memory:":
        return None
    return str(Path(database).expanduser().resolve())


# ---- reading -------------------------------------------------------------------------------------------------

def _read(url: str, ref: ExistingRef, where: Issue | None) -> pa.Array:
    engine = _engine(url, where)
    try:
        with engine.connect() as conn:
            if engine.dialect.name in ("postgresql", "mysql"):
                # count(*) and the keys from one snapshot: the positions sampled are those of the rows read
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                table = _reflect(conn, url, ref, where)
                column = table.c[ref.column]
                n = conn.execute(sa.select(sa.func.count()).select_from(table).where(column.is_not(None))).scalar_one()
                kept = _sample_positions(int(n), ref)
                query = sa.select(_readable(column, engine.dialect.name)).where(column.is_not(None)).order_by(column)
                result = conn.execution_options(stream_results=True, yield_per=READ_BATCH).execute(query)
                return _kept_values(result, kept, column)
    except SchemaError:
        raise
    except Exception as exc:
        raise _error(where, f"reading the keys of {ref.text} from {redact_url(url)} failed: "
                     f"{scrub(_first_line(exc), sa.make_url(url).password)}",
                     "check that the database is reachable and the user may read the table") from None
    finally:
        engine.dispose()


def _engine(url: str, where: Issue | None) -> sa.Engine:
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except Exception:  # the URL text may hold a password: never echo it
        raise _error(where, "the URL of the source is not a SQLAlchemy URL",
                     "write it as e.g. postgresql+psycopg://user@host/db") from None


def _reflect(conn: sa.Connection, url: str, ref: ExistingRef, where: Issue | None) -> sa.Table:
    inspector = sa.inspect(conn)
    name = f"{ref.schema}.{ref.table}" if ref.schema else ref.table
    try:
        tables = inspector.get_table_names(schema=ref.schema) + inspector.get_view_names(schema=ref.schema)
    except sa.exc.OperationalError as exc:
        raise _error(where, f"cannot reach the database of source {ref.source!r} ({redact_url(url)}): "
                     f"{scrub(_first_line(exc), sa.make_url(url).password)}",
                     "check the URL, that the server runs, and the network") from None
    except Exception:
        tables = []
    if ref.table not in tables:
        near = suggest(ref.table, tables)
        raise _error(where, f"table {name} does not exist in {redact_url(url)} (source {ref.source!r})",
                     f"did you mean {near!r}?" if near else "check the schema and table in the reference "
                     "(SOURCE.SCHEMA.TABLE.COLUMN)")
    table = sa.Table(ref.table, sa.MetaData(), schema=ref.schema, autoload_with=conn)
    if ref.column not in table.c:
        names = [c.name for c in table.c]
        near = suggest(ref.column, names)
        raise _error(where, f"table {name} in {redact_url(url)} has no column {ref.column!r} (it has "
                     f"{', '.join(names)})", f"did you mean {near!r}?" if near else None)
    return table


def _readable(column: sa.Column, dialect: str) -> sa.ColumnElement[Any]:
    """UUID and JSON keys as their text (what the engine generates for such columns)."""
    if type(column.type).__name__ in ("UUID", "JSONB", "JSON"):
        return sa.cast(column, sa.Text).label(column.name)
    return column


def _sample_positions(n: int, ref: ExistingRef) -> np.ndarray | None:
    """The sorted positions (in key order) of the keys kept, or None for all of them."""
    k = ref.sample
    if n <= k:
        return None
    key = rnd.derive_key("existing sample", ref.text)
    best_hash = np.zeros(0, dtype=np.uint64)
    best_pos = np.zeros(0, dtype=np.int64)
    for lo in range(0, n, _POSITIONS_PER_PASS):
        pos = np.arange(lo, min(n, lo + _POSITIONS_PER_PASS), dtype=np.int64)
        hashes = np.concatenate([best_hash, rnd.bits(key, pos)])
        pos = np.concatenate([best_pos, pos])
        if len(hashes) > k:
            keep = np.argpartition(hashes, k - 1)[:k]
            hashes, pos = hashes[keep], pos[keep]
        best_hash, best_pos = hashes, pos
    return np.sort(best_pos)


def _kept_values(result: sa.CursorResult[Any], kept: np.ndarray | None, column: sa.Column) -> pa.Array:
    chunks: list[pa.Array] = []
    start = 0
    for rows in result.partitions(READ_BATCH):
        values = pa.array([r[0] for r in rows])
        if kept is not None:
            lo, hi = np.searchsorted(kept, [start, start + len(values)])
            values = values.take(pa.array(kept[lo:hi] - start))
        start += len(rows)
        chunks.append(values)
    chunks = [c for c in chunks if len(c)] or [pa.array([], type=arrow_type_of_sql(column.type))]
    types = {c.type for c in chunks}
    if len(types) > 1:  # e.g. a batch of small decimals inferred narrower than the next
        chunks = [c.cast(arrow_type_of_sql(column.type)) for c in chunks]
    return pa.concat_arrays(chunks)


def _error(where: Issue | None, message: str, suggestion: str | None) -> SchemaError:
    if where is None:
        from mock_pipelines.spec.errors import Location

        where = Issue(Location("(existing rows)"), "")
    prefix = f"{where.message}: " if where.message else ""
    return SchemaError([Issue(where.location, prefix + message, suggestion=suggestion)])


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__
