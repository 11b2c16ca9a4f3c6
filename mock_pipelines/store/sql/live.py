"""The live table of a table with ``changes:``: ``<table>__live`` holds the table as of the end of the last
partition applied, kept up to date in place (upserts and deletes), as an application database would be.

:func:`apply_live` brings it to the end of a partition in one transaction, guided by the watermark table
``mock_pipelines_live_state`` (one row per live table: the partition applied last, its window, when):

* the partition applied last again → nothing to do (idempotent: ``mode="noop"``);
* the partition right after it (its window starts where the last one ended), or the first partition of the
  run on an empty table → ``mode="delta"``: the rows inserted or changed in the window are staged in a
  temporary table with the bulk loader of the database (COPY, LOAD DATA, executemany) and upserted with one
  statement (PostgreSQL and SQLite ``INSERT … ON CONFLICT … DO UPDATE``, MariaDB/MySQL ``INSERT … ON
  DUPLICATE KEY UPDATE``); the keys hard-deleted in the window are staged and deleted with one statement;
* any other partition (a gap, or one before the last applied) → ``mode="sync"``: the whole snapshot as of the
  end of the partition is staged, upserted, and every row whose key is not in it deleted. Applying D after
  D+1 is allowed: it rewinds the table to D.

Foreign keys of live tables (see :func:`~mock_pipelines.store.sql.change_tables.live_parents`) are ON DELETE
CASCADE: apply a partition to parents before children. A sync that deletes rows of a parent (a rewind, or a
jump over hard deletes) may remove children through the cascade, so it clears the watermark of the live tables
of its children: their next apply is a sync, whatever partition it is.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from mock_pipelines.core.changes import LIVE, TableChanges, output_table
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.store.sql.change_tables import live_ancestors, live_children, live_parents
from mock_pipelines.store.sql.ddl import PARTITION_KEY_LENGTH
from mock_pipelines.store.sql.errors import SqlDestinationError
from mock_pipelines.store.sql.loaders import LOADERS, column_list, target_name
from mock_pipelines.store.sql.names import MAX_NAME, constraint_name

STATE_TABLE = "mock_pipelines_live_state"
MODES = ("noop", "delta", "sync")


@dataclass(frozen=True)
class LiveResult:
    """What one :func:`apply_live` did."""

    table: str  # the live table, e.g. orders__live
    partition_key: str
    mode: str  # noop | delta | sync
    upserted: int  # rows inserted or updated
    deleted: int  # rows deleted (hard deletes; in a sync also rows not in the snapshot)
    rows: int  # rows in the live table after the apply
    seconds: float
    previous: str | None  # the partition applied before (None: none, or cleared by a parent's sync)

    def metadata(self) -> dict[str, Any]:
        return {"live_table": self.table, "mode": self.mode, "rows_upserted": self.upserted,
                "rows_deleted": self.deleted, "rows": self.rows, "seconds": round(self.seconds, 3),
                "previous_partition": self.previous or ""}


def state_table(schema: str | None) -> sa.Table:
    """The watermark table: per live table, the partition applied last and its window (microseconds)."""
    metadata = sa.MetaData(schema=schema)
    return sa.Table(
        STATE_TABLE, metadata,
        sa.Column("table_name", sa.String(MAX_NAME), primary_key=True, autoincrement=False),
        sa.Column("partition_key", sa.String(PARTITION_KEY_LENGTH), nullable=True),
        sa.Column("window_start_us", sa.BigInteger(), nullable=True),
        sa.Column("window_end_us", sa.BigInteger(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        comment="The partition each live table (<table>__live) was brought to last.")


def apply_live(database: Any, spec: DatasetSpec, table: str, partition_key: str, changes: TableChanges,
               start_us: int, end_us: int, chunk_size: int, mode: str = "create") -> LiveResult:
    """Bring ``<table>__live`` of ``database`` (a :class:`~mock_pipelines.store.sql.Database`) to the state as
    of ``end_us`` (the end of the partition ``partition_key``, a window [start_us, end_us)) in one
    transaction; see the module docstring. ``mode`` is the table mode (``create`` or ``existing``)."""
    database._check_partition_key(partition_key)
    if table not in spec.tables:
        raise SqlDestinationError(f"dataset {spec.name!r} has no table {table!r}; it has {', '.join(spec.tables)}")
    if spec.tables[table].changes is None:
        raise SqlDestinationError(f"table {table!r} of dataset {spec.name!r} declares no changes: it has no live "
                                  "table (add a changes: block to its schema)")
    if not spec.tables[table].primary_key:
        raise SqlDestinationError(f"table {table!r} has no primary key: a live table finds the rows that change "
                                  "by their key (add primary_key: to its schema)")
    if not start_us < end_us:
        raise SqlDestinationError(f"empty window for partition {partition_key!r}: start {start_us} is not before "
                                  f"end {end_us} (microseconds since 1970)")
    derived = database.derived(spec)
    live = derived[output_table(table, LIVE)].table
    state = state_table(database.schema)
    needed = [derived[output_table(name, LIVE)].table for name in live_ancestors(spec, table)]
    database.ensure_extra_tables(spec, [state, *needed], mode=mode)
    started = time.perf_counter()
    conn = database.engine.connect()
    try:
        with conn.begin():
            result = _apply(conn, database.dialect, spec, table, live, state, partition_key, changes,
                            start_us, end_us, chunk_size)
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, SqlDestinationError) or not isinstance(exc, Exception):
            raise
        raise _live_error(database, exc, spec, table, partition_key) from exc
    finally:
        conn.close()
    return LiveResult(**{**result, "seconds": time.perf_counter() - started})


def _apply(conn: sa.Connection, dialect: str, spec: DatasetSpec, table: str, live: sa.Table, state: sa.Table,
           key: str, changes: TableChanges, start_us: int, end_us: int, chunk_size: int) -> dict[str, Any]:
    watermark = _lock_watermark(conn, dialect, state, live.name)
    previous, last_start, last_end = watermark
    base = {"table": live.name, "partition_key": key, "previous": previous}
    if previous == key and last_start == start_us and last_end == end_us:
        return {**base, "mode": "noop", "upserted": 0, "deleted": 0, "rows": _count(conn, live)}
    if previous is not None:
        delta = last_end == start_us
    else:  # never applied (or cleared): from the start of the run on an empty table only
        delta = start_us <= changes.start_us and _empty(conn, live)
    pk = list(spec.tables[table].primary_key)
    stage = _temp_table(conn, dialect, live, "stage", [c.name for c in live.columns], pk)
    if delta:
        upserts, gone_rows = changes.delta(start_us, end_us, chunk_size)
        upserted = _load(conn, dialect, stage, upserts)
        _upsert(conn, dialect, live, stage, pk)
        gone = _temp_table(conn, dialect, live, "gone", pk, pk)
        _load(conn, dialect, gone, _key_batches(changes, gone_rows, chunk_size))
        deleted = _delete(conn, live, gone, pk, present=True)
        _drop_temp(conn, dialect, gone)
    else:
        upserted = _load(conn, dialect, stage, changes.snapshot(end_us, chunk_size))
        _upsert(conn, dialect, live, stage, pk)
        deleted = _delete(conn, live, stage, pk, present=False)
        if deleted:
            children = [output_table(c, LIVE) for c in live_children(spec, table)]
            if children:  # the cascade may have removed their rows: their next apply recomputes them
                conn.execute(sa.update(state).where(state.c.table_name.in_(children))
                             .values(partition_key=None, window_start_us=None, window_end_us=None))
    _drop_temp(conn, dialect, stage)
    conn.execute(sa.update(state).where(state.c.table_name == live.name).values(
        partition_key=key, window_start_us=start_us, window_end_us=end_us,
        applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))
    return {**base, "mode": "delta" if delta else "sync", "upserted": upserted, "deleted": deleted,
            "rows": _count(conn, live)}


def _lock_watermark(conn: sa.Connection, dialect: str, state: sa.Table,
                    name: str) -> tuple[str | None, int | None, int | None]:
    """The watermark row of the live table, locked until commit (created empty the first time): two applies
    of the same table wait for each other."""
    if dialect == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the database's write lock now, not at the first write
    row = {"table_name": name}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        conn.execute(pg_insert(state).values(**row).on_conflict_do_nothing())
    elif dialect == "mysql":
        conn.execute(sa.insert(state).values(**row).prefix_with("IGNORE"))
    else:
        conn.execute(sa.insert(state).values(**row).prefix_with("OR IGNORE"))
    query = sa.select(state.c.partition_key, state.c.window_start_us, state.c.window_end_us) \
        .where(state.c.table_name == name)
    if dialect != "sqlite":
        query = query.with_for_update()
    found = conn.execute(query).one()
    return found[0], found[1], found[2]


def _temp_table(conn: sa.Connection, dialect: str, live: sa.Table, role: str, columns: list[str],
                pk: list[str]) -> sa.Table:
    """A temporary table (this connection only) with ``columns`` of the live table and its primary key."""
    name = constraint_name(f"tmp_{role}", live.name)
    table = sa.Table(name, sa.MetaData(), *(sa.Column(c, live.c[c].type, nullable=c not in pk)
                                            for c in columns),
                     sa.PrimaryKeyConstraint(*pk), prefixes=["TEMPORARY"])
    _drop_temp(conn, dialect, table)
    table.create(conn)
    return table


def _drop_temp(conn: sa.Connection, dialect: str, table: sa.Table) -> None:
    quoted = conn.dialect.identifier_preparer.quote(table.name)
    conn.exec_driver_sql({"postgresql": f"DROP TABLE IF EXISTS pg_temp.{quoted}",
                          "mysql": f"DROP TEMPORARY TABLE IF EXISTS {quoted}"}.get(
        dialect, f"DROP TABLE IF EXISTS temp.{quoted}"))


def _load(conn: sa.Connection, dialect: str, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    rows = 0

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for batch in batches:
            rows += batch.num_rows
            yield batch.select([c.name for c in table.columns])

    LOADERS[dialect](conn, table, [c.name for c in table.columns], counted(), None)
    return rows


def _key_batches(changes: TableChanges, rows: np.ndarray, chunk_size: int) -> Iterator[pa.RecordBatch]:
    for a in range(0, len(rows), chunk_size):
        yield changes.key_batch(rows[a:a + chunk_size])


def _upsert(conn: sa.Connection, dialect: str, live: sa.Table, stage: sa.Table, pk: list[str]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    names = [c.name for c in live.columns]
    columns = column_list(conn, names)
    source = f"SELECT {columns} FROM {target_name(conn, stage)}"
    others = [n for n in names if n not in pk]
    if dialect == "mysql":
        update = ", ".join(f"{quote(n)} = VALUES({quote(n)})" for n in others or pk[:1])
        tail = f" ON DUPLICATE KEY UPDATE {update}"
    else:
        update = ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in others)
        action = f"DO UPDATE SET {update}" if others else "DO NOTHING"
        where = " WHERE true" if dialect == "sqlite" else ""  # SQLite: the ON of an upsert, not of a join
        tail = f"{where} ON CONFLICT ({column_list(conn, pk)}) {action}"
    conn.exec_driver_sql(f"INSERT INTO {target_name(conn, live)} ({columns}) {source}{tail}")


def _delete(conn: sa.Connection, live: sa.Table, keys: sa.Table, pk: list[str], *, present: bool) -> int:
    """Delete the rows of ``live`` whose key is in ``keys`` (``present``) or is not (a sync)."""
    match = sa.exists().where(*(keys.c[c] == live.c[c] for c in pk))
    result = conn.execute(sa.delete(live).where(match if present else ~match))
    return max(int(result.rowcount or 0), 0)


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _empty(conn: sa.Connection, table: sa.Table) -> bool:
    return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None


def _rollback(conn: sa.Connection) -> None:
    try:
        if conn.in_transaction():
            conn.rollback()
    except Exception:  # a dead connection: the server rolls back by itself
        conn.invalidate()


def _live_error(database: Any, exc: Exception, spec: DatasetSpec, table: str, key: str) -> SqlDestinationError:
    error = database._error(exc, f"applying partition {key!r} to {output_table(table, LIVE)}")
    if _is_foreign_key_error(exc):
        t = spec.tables[table]
        parents = list(dict.fromkeys(t.foreign_keys[i].table for i in live_parents(spec, t))) or t.parents()
        hint = (f"; the live table's foreign keys need the live tables of its parents ({', '.join(parents)}) "
                f"brought to partition {key!r} first — apply parents before children")
        return SqlDestinationError(str(error) + hint, transient=error.transient)
    return error


def _is_foreign_key_error(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "foreign key" in text
