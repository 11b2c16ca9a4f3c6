"""A SQL database as a destination of generated tables: create or check tables, replace a table or one of
its partitions atomically, read tables back as Arrow.

Replacement is delete + load in one transaction, so readers see the old rows or the new ones, and a
connection killed mid-load leaves the old rows (the server rolls the transaction back). Foreign keys stay
on: PostgreSQL and SQLite check them at commit (DEFERRABLE INITIALLY DEFERRED), when a replaced parent
holds the same deterministic keys again. MySQL cannot defer: when children already reference the rows
being replaced, ``FOREIGN_KEY_CHECKS`` is off for the DELETE only, the new rows load with checks on, and
before commit a query verifies that no child row lost its parent (the write fails and rolls back if one
did). Nothing here imports Dagster.

PostgreSQL checks a foreign key row by row, which costs about as much as loading the rows. With
``foreign_key_checks="after_load"`` a whole-table replacement instead drops the table's own foreign keys
inside the transaction and adds them back (as they were) before commit, where PostgreSQL validates each
with one join: every commit still has every constraint, but the table and its parents are locked
exclusively until commit (readers wait). Partition replacements always check row by row, as re-adding a
key validates the whole table.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from mock_pipelines.core.changes import LIVE
from mock_pipelines.core.scenarios import as_text
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.store.content import ContentHasher, Preview
from mock_pipelines.store.protocol import WriteResult
from mock_pipelines.store.sql.change_tables import DerivedTable, derived_metadata
from mock_pipelines.store.sql.compat import table_problems
from mock_pipelines.store.sql.ddl import ExistingTarget, arrow_types, namespace_statements, table_metadata
from mock_pipelines.store.sql.errors import (
    SchemaMismatchError,
    SqlDestinationError,
    is_transient,
    redact_url,
    scrub,
)
from mock_pipelines.store.sql.existing_keys import column_type, same_database, source_url
from mock_pipelines.store.sql.loaders import LOADERS, target_name
from mock_pipelines.store.sql.names import PARTITION_COLUMN, check_identifier
from mock_pipelines.store.sql.scenario_tables import scenario_tables
from mock_pipelines.store.sql.types import arrow_type_of_sql, check_dialect, value_type

log = logging.getLogger(__name__)

MODES = ("create", "existing")
FOREIGN_KEY_CHECKS = ("per_row", "after_load")
READ_CHUNK = 65_536
READ_CACHE_KIB = 4_096  # SQLite page cache of a streamed read
APPLICATION_NAME = "mock_pipelines"  # shows in pg_stat_activity
_MAX_PARTITION_KEY = 64


class Database:
    """One database (and schema/namespace) that tables land in. Thread-safe; one engine per instance."""

    def __init__(self, url: str, schema: str | None = None, *, connect_args: dict[str, Any] | None = None,
                 foreign_key_checks: str = "per_row", sources: Mapping[str, str] | None = None):
        if foreign_key_checks not in FOREIGN_KEY_CHECKS:
            raise SqlDestinationError(f"unknown foreign_key_checks {foreign_key_checks!r}; choose one of "
                                      f"{', '.join(FOREIGN_KEY_CHECKS)}")
        self.foreign_key_checks = foreign_key_checks
        try:
            parsed = sa.make_url(url)
        except Exception:  # the URL text may hold a password: never echo it
            raise SqlDestinationError("invalid database URL (expected e.g. postgresql+psycopg://user@host/db, "
                                      "mysql+pymysql://user@host/db or sqlite:///path/file.db)") from None
        self.url_for_humans = redact_url(parsed)
        # Databases whose existing rows columns reference (`ref: {existing: …}`), by source name: they type
        # those columns, and a source that is this very database gets a FOREIGN KEY to the existing table.
        self._url = url
        self.sources = dict(sources or {})
        self._existing: dict[str, ExistingTarget] = {}
        self._password = parsed.password if isinstance(parsed.password, str) else None
        try:
            self.dialect = check_dialect(parsed.get_backend_name())
        except ValueError as exc:
            raise SqlDestinationError(f"{exc} (URL {self.url_for_humans})") from None
        self.schema = self._check_schema(schema, parsed)
        self.engine = sa.create_engine(parsed, connect_args=self._connect_args(connect_args), pool_pre_ping=True)
        if self.dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if self.dialect == "postgresql":
            sa.event.listen(self.engine, "connect", _postgres_utc)
        self._ensured: set[tuple[Any, ...]] = set()
        self._columns: dict[str, list[str]] = {}
        self._metadata: dict[tuple[Any, ...], sa.MetaData] = {}
        self._derived: dict[tuple[Any, ...], dict[str, DerivedTable]] = {}
        self._scenarios: dict[tuple[Any, ...], dict[str, DerivedTable]] = {}
        self._lock = threading.Lock()

    # -- construction -------------------------------------------------------------------------------------
    def _check_schema(self, schema: str | None, parsed: sa.URL) -> str | None:
        if schema is None:
            return None
        try:
            check_identifier(schema, "schema")
        except ValueError as exc:
            raise SqlDestinationError(str(exc)) from None
        if self.dialect == "sqlite" and schema != "main":
            raise SqlDestinationError(f"SQLite has no schemas (got schema {schema!r}); leave the schema out and "
                                      "choose the database file in the URL instead")
        return None if self.dialect == "sqlite" else schema

    def _connect_args(self, given: dict[str, Any] | None) -> dict[str, Any]:
        defaults: dict[str, Any] = {
            "postgresql": {"application_name": APPLICATION_NAME},
            "mysql": {"local_infile": True, "charset": "utf8mb4"},
            "sqlite": {},
        }[self.dialect]
        return {**defaults, **(given or {})}

    def __repr__(self) -> str:
        return f"Database({self.url_for_humans!r}, schema={self.schema!r})"

    def dispose(self) -> None:
        self.engine.dispose()

    # -- tables -------------------------------------------------------------------------------------------
    def metadata(self, spec: DatasetSpec, partitioned: Collection[str] = ()) -> sa.MetaData:
        """The tables of ``spec`` as this database gets them (built once per spec and partitioned set)."""
        key = (spec.name, spec.spec_hash(), frozenset(partitioned))
        cached = self._metadata.get(key)
        if cached is not None:
            return cached
        try:
            metadata = table_metadata(spec, self.dialect, self.schema, partitioned=partitioned,
                                      existing=self.existing_targets(spec))
        except ValueError as exc:
            raise SqlDestinationError(str(exc)) from None
        self._metadata[key] = metadata
        return metadata

    def existing_targets(self, spec: DatasetSpec) -> dict[str, ExistingTarget]:
        """For each reference to existing rows of ``spec`` whose source this database was given: the
        referenced column's type (reflected once) and whether it is in this very database."""
        out: dict[str, ExistingTarget] = {}
        for table, col in spec.existing_columns():
            ref = col.existing
            assert ref is not None
            if ref.source not in self.sources:
                continue
            if ref.text not in self._existing:
                url = str(source_url(self.sources, table, col))
                self._existing[ref.text] = ExistingTarget(column_type(url, ref), same_database(self._url, url))
            out[ref.text] = self._existing[ref.text]
        return out

    def ensure_tables(self, spec: DatasetSpec, *, partitioned: Collection[str] = (), mode: str = "create") -> None:
        """Create the missing tables (mode ``create``) or only check them (``existing``). Tables that exist
        must fit the schema; otherwise :class:`SchemaMismatchError` lists every problem and nothing is
        created. Cached: a second call with the same spec costs nothing."""
        if mode not in MODES:
            raise SqlDestinationError(f"unknown table mode {mode!r}; choose one of {', '.join(MODES)}")
        key = (spec.name, spec.spec_hash(), frozenset(partitioned), mode)
        with self._lock:
            if key in self._ensured:
                return
            try:
                metadata = table_metadata(spec, self.dialect, self.schema, partitioned=partitioned,
                                          existing=self.existing_targets(spec))
            except ValueError as exc:
                raise SqlDestinationError(str(exc)) from None
            try:
                _once_more_if_created_meanwhile(lambda: self._create_or_check(spec, metadata, mode))
            except SqlDestinationError:
                raise
            except Exception as exc:
                raise self._error(exc, f"creating the tables of {spec.name!r}") from exc
            self._ensured.add(key)
            self._columns.clear()

    def derived(self, spec: DatasetSpec) -> dict[str, DerivedTable]:
        """The tables of change data of ``spec`` (``<table>__changes``, ``__snapshot``, ``__history``,
        ``__live`` of every table with ``changes:``), by name; see :mod:`~mock_pipelines.store.sql.change_tables`."""
        key = (spec.name, spec.spec_hash())
        cached = self._derived.get(key)
        if cached is not None:
            return cached
        try:
            derived = derived_metadata(spec, self.dialect, self.schema)
        except ValueError as exc:
            raise SqlDestinationError(str(exc)) from None
        self._derived[key] = derived
        return derived

    def scenario_tables(self, spec: DatasetSpec, scenario: str, *, partitioned: Collection[str] = (),
                        shared: bool = False) -> dict[str, DerivedTable]:
        """The tables of scenario ``scenario`` of ``spec`` and its ground truth, by table name; see
        :mod:`~mock_pipelines.store.sql.scenario_tables` (``shared``: the namespace also holds other datasets,
        so the tables' names carry the scenario dataset's)."""
        from mock_pipelines.spec.scenario_hash import scenario_hash

        key = (spec.name, spec.spec_hash(), scenario_hash(spec.scenarios[scenario]), frozenset(partitioned), shared)
        cached = self._scenarios.get(key)
        if cached is not None:
            return cached
        try:
            tables = scenario_tables(spec, scenario, self.dialect, self.schema, partitioned=partitioned,
                                     shared=shared)
        except ValueError as exc:
            hint = (" — land scenarios in namespaces of their own (`schema: mock_{dataset}`) to keep the tables' "
                    "own names" if shared else "")
            raise SqlDestinationError(f"{exc}{hint}") from None
        self._scenarios[key] = tables
        return tables

    def ensure_extra_tables(self, spec: DatasetSpec, tables: Sequence[sa.Table], mode: str = "create") -> None:
        """Create the missing ``tables`` (parents first) or only check them, like :meth:`ensure_tables` for
        the tables of the schema; cached per spec and table names."""
        if mode not in MODES:
            raise SqlDestinationError(f"unknown table mode {mode!r}; choose one of {', '.join(MODES)}")
        key = (spec.name, spec.spec_hash(), tuple(t.name for t in tables), mode)
        with self._lock:
            if key in self._ensured:
                return
            try:
                _once_more_if_created_meanwhile(lambda: self._create_or_check_extra(spec, tables, mode))
            except SqlDestinationError:
                raise
            except Exception as exc:
                raise self._error(exc, f"creating the tables {', '.join(t.name for t in tables)}") from exc
            self._ensured.add(key)
            self._ensured.update((spec.name, spec.spec_hash(), (t.name,), mode) for t in tables)  # each one too
            self._columns.clear()

    def _create_or_check_extra(self, spec: DatasetSpec, tables: Sequence[sa.Table], mode: str) -> None:
        with self.engine.begin() as conn:
            if mode == "create":
                self._create_namespace(conn)
            self._lock_ddl(conn, write=mode == "create")
            try:
                inspector = sa.inspect(conn)
                existing = set(inspector.get_table_names(schema=self.schema))
                problems: list[str] = []
                missing: list[sa.Table] = []
                for table in tables:
                    if table.name in existing:
                        found = inspector.get_columns(table.name, schema=self.schema)
                        problems.extend(table_problems(table, found, conn.dialect))
                    elif mode == "existing":
                        problems.append(f"{table.name}: missing table")
                    else:
                        missing.append(table)
                if problems:
                    raise SchemaMismatchError(self._mismatch_message(spec, problems, mode), problems)
                for table in missing:
                    table.create(conn, checkfirst=False)
                if missing:
                    log.info("created tables %s in %s", ", ".join(t.name for t in missing), self.where())
            finally:
                self._unlock_ddl(conn)

    def _create_or_check(self, spec: DatasetSpec, metadata: sa.MetaData, mode: str) -> None:
        with self.engine.begin() as conn:
            if mode == "create":
                self._create_namespace(conn)
            self._lock_ddl(conn, write=mode == "create")
            try:
                existing = set(sa.inspect(conn).get_table_names(schema=self.schema))
                problems, missing = self._compare(conn, spec, metadata, existing, mode)
                if problems:
                    raise SchemaMismatchError(self._mismatch_message(spec, problems, mode), problems)
                if missing:
                    _match_existing_parents(conn, missing, existing, self.schema)
                    metadata.create_all(conn, tables=missing, checkfirst=False)
                    log.info("created tables %s in %s", ", ".join(t.name for t in missing), self.where())
            finally:
                self._unlock_ddl(conn)

    def _compare(self, conn: sa.Connection, spec: DatasetSpec, metadata: sa.MetaData, existing: set[str],
                 mode: str) -> tuple[list[str], list[sa.Table]]:
        inspector = sa.inspect(conn)
        problems: list[str] = []
        missing: list[sa.Table] = []
        for name in spec.table_order():
            table = metadata.tables[self._key(name)]
            if name not in existing:
                if mode == "existing":
                    problems.append(f"{name}: missing table")
                else:
                    missing.append(table)
                continue
            found = inspector.get_columns(name, schema=self.schema)
            problems.extend(table_problems(table, found, conn.dialect))
        return problems, missing

    def _mismatch_message(self, spec: DatasetSpec, problems: list[str], mode: str) -> str:
        lines = "\n".join(f"  - {p}" for p in problems)
        hint = ("create the missing tables (mode 'create' does it), or alter them to fit"
                if mode == "existing" else "alter or drop these tables (mode 'create' then recreates them), or "
                "change the schema; `mock-pipelines ddl` prints the tables the schema expects")
        return (f"{len(problems)} problem{'s' if len(problems) != 1 else ''} with the existing tables of "
                f"dataset {spec.name!r} in {self.where()} — nothing was created or written:\n{lines}\nhint: {hint}")

    def _create_namespace(self, conn: sa.Connection) -> None:
        if self.schema is None:
            return
        if self.dialect in ("postgresql", "mysql") and self.schema in sa.inspect(conn).get_schema_names():
            return  # exists: a user who may not CREATE schemas can still load into one made for them
        for statement in namespace_statements(self.dialect, self.schema, conn.dialect.identifier_preparer.quote):
            conn.exec_driver_sql(statement)

    def _lock_ddl(self, conn: sa.Connection, *, write: bool = True) -> None:
        """Serialise table creation between processes (parallel assets call ensure_tables together).
        ``write=False`` (mode ``existing``: tables are only checked) takes no SQLite write lock."""
        if self.dialect == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"mock_pipelines:{self.schema}"})
        elif self.dialect == "mysql":
            conn.execute(sa.text("SELECT GET_LOCK(:k, 60)"), {"k": f"mock_pipelines:{self.schema}"[:64]})
        elif self.dialect == "sqlite" and write:
            # The driver opens its transaction lazily, at the first INSERT: the look-up of the existing tables
            # and the CREATE TABLEs would not be one unit, and two connections could both see a table missing.
            # BEGIN IMMEDIATE takes the database's write lock now (others wait, up to busy_timeout); the
            # commit of ``engine.begin()`` releases it.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def _unlock_ddl(self, conn: sa.Connection) -> None:
        if self.dialect == "mysql":
            conn.execute(sa.text("SELECT RELEASE_LOCK(:k)"), {"k": f"mock_pipelines:{self.schema}"[:64]})

    def where(self) -> str:
        return f"{self.url_for_humans}" + (f" (schema {self.schema})" if self.schema else "")

    def _key(self, table: str) -> str:
        return f"{self.schema}.{table}" if self.schema else table

    def _table(self, spec: DatasetSpec, table: str, partitioned: bool) -> sa.Table:
        derived = self.derived(spec).get(table) if table not in spec.tables else None
        if derived is not None:
            return derived.table
        if table not in spec.tables:
            raise SqlDestinationError(f"dataset {spec.name!r} has no table {table!r}; it has "
                                      f"{', '.join(spec.tables)}")
        return self.metadata(spec, [table] if partitioned else []).tables[self._key(table)]

    def _db_columns(self, conn: sa.Connection, table: str) -> list[str]:
        if table not in self._columns:
            self._columns[table] = [c["name"] for c in sa.inspect(conn).get_columns(table, schema=self.schema)]
        return self._columns[table]

    # -- writing ------------------------------------------------------------------------------------------
    def write_batches(self, spec: DatasetSpec, table: str | DerivedTable, schema: pa.Schema,
                      batches: Iterable[pa.RecordBatch], partition_key: str | None = None) -> WriteResult:
        """Replace the rows of ``table`` (or of its partition ``partition_key``) with ``batches``, in one
        transaction. ``table`` names a table of the spec or of its change data, or is a table a caller derived
        (a scenario's, :meth:`scenario_tables`). Returns what was written; raises :class:`SqlDestinationError`
        (see :func:`is_transient`)."""
        self._check_partition_key(partition_key)
        derived = self._derived_of(spec, table)
        if derived is not None:
            table = derived.table.name
            target = self._derived_target(spec, derived, partition_key)
            names = self._check_names(table, schema, derived.arrow.names, subset=derived.partial_rows)
        else:
            assert isinstance(table, str)
            target = self._table(spec, table, partition_key is not None)
            names = self._check_batch_schema(spec, table, schema)
        hasher, preview = ContentHasher(schema), Preview(names=list(schema.names))
        # hashed as given (the same hash as the files destinations'), loaded as the table holds them
        loadable = (lambda batch: _as_text_where_text(batch, derived.arrow)) \
            if derived is not None and derived.partial_rows else None
        counted = _Counted(batches, hasher, preview, loadable)
        start = time.perf_counter()
        conn = self.engine.connect()
        try:
            with conn.begin():
                self._replace(conn, spec, target, names, counted, partition_key, constrained=derived is None)
            sent = counted.bytes
        except BaseException as exc:
            _abandon(conn)
            if isinstance(exc, SqlDestinationError):
                raise
            if not isinstance(exc, Exception):
                raise
            what = f"writing {self._key(table)}" + (f" partition {partition_key!r}" if partition_key else "")
            raise self._error(exc, what) from exc
        finally:
            conn.close()
        seconds = time.perf_counter() - start
        return WriteResult(table=table, uri=f"{self.url_for_humans}#{self._key(table)}", rows=counted.rows, bytes=sent,
                           seconds=seconds, content_hash=hasher.hexdigest(), preview=preview.markdown(),
                           format=self.dialect, partition_key=partition_key)

    def _replace(self, conn: sa.Connection, spec: DatasetSpec, target: sa.Table, names: list[str],
                 counted: _Counted, partition_key: str | None, *, constrained: bool = True) -> None:
        """Delete the table's (or partition's) rows and load the new ones; ``constrained``: a table of the
        schema, whose foreign keys the load keeps (derived tables reference nothing but their live parents)."""
        if partition_key is not None and PARTITION_COLUMN not in self._db_columns(conn, target.name):
            raise SqlDestinationError(f"table {self._key(target.name)} in {self.where()} has no {PARTITION_COLUMN} "
                                      "column, so it cannot hold partitions: call ensure_tables with this table "
                                      "in `partitioned` (or drop the table so it is recreated)")
        delete = sa.delete(target)
        if partition_key is not None:
            delete = delete.where(target.c[PARTITION_COLUMN] == partition_key)
        set_wise = (self.dialect == "postgresql" and self.foreign_key_checks == "after_load"
                    and partition_key is None and constrained)
        dropped = _drop_foreign_keys(conn, target) if set_wise else []  # before the DELETE queues trigger events
        children = self._children_with_rows(conn, spec, target) if self.dialect == "mysql" and constrained else []
        if children:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            try:
                conn.execute(delete)
            finally:
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        else:
            conn.execute(delete)
        counted.bytes = LOADERS[self.dialect](conn, target, names, counted, partition_key)
        if children:
            self._check_no_orphans(conn, spec, target, children)
        if dropped:
            # The DELETE left deferred checks of the rows children may reference; PostgreSQL alters no table
            # with checks pending, so run them now (the new rows are in: they hold the same keys again).
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        for name, definition in dropped:  # validated now, with one join per key, before the commit
            conn.exec_driver_sql(f"ALTER TABLE {target_name(conn, target)} ADD CONSTRAINT "
                                 f"{conn.dialect.identifier_preparer.quote(name)} {definition}")

    def _children_with_rows(self, conn: sa.Connection, spec: DatasetSpec, target: sa.Table) -> list[str]:
        """Tables whose foreign keys reference ``target`` and hold rows (MySQL would refuse the DELETE)."""
        metadata = target.metadata
        out = []
        for name, t in spec.tables.items():
            if any(fk.table == target.name for fk in t.foreign_keys):
                child = metadata.tables[self._key(name)]
                if conn.execute(sa.select(sa.literal(1)).select_from(child).limit(1)).first() is not None:
                    out.append(name)
        return out

    def _check_no_orphans(self, conn: sa.Connection, spec: DatasetSpec, target: sa.Table,
                          children: list[str]) -> None:
        """After a MySQL replacement with checks off for the DELETE: every child row still has its parent."""
        for name in children:
            child = target.metadata.tables[self._key(name)]
            for fk in spec.tables[name].foreign_keys:
                if fk.table != target.name:
                    continue
                parent = target.alias("p")
                on = sa.and_(*(child.c[c] == parent.c[r] for c, r in zip(fk.columns, fk.ref_columns, strict=True)))
                query = (sa.select(*(child.c[c] for c in fk.columns)).select_from(child.outerjoin(parent, on))
                         .where(sa.and_(*(child.c[c].is_not(None) for c in fk.columns)),
                                parent.c[fk.ref_columns[0]].is_(None)).limit(1))
                orphan = conn.execute(query).first()
                if orphan is not None:
                    raise SqlDestinationError(
                        f"replacing {self._key(target.name)} would leave rows of {name} without their parent "
                        f"({', '.join(fk.columns)} = {tuple(orphan)}): the new rows no longer hold that key. "
                        "Nothing was changed; re-materialise the children too, or keep the same seed and scale")

    def _derived_of(self, spec: DatasetSpec, table: str | DerivedTable) -> DerivedTable | None:
        """The derived table ``table`` is or names (a table of change data), None for a table of the schema."""
        if isinstance(table, DerivedTable):
            return table
        return self.derived(spec).get(table) if table not in spec.tables else None

    def _derived_target(self, spec: DatasetSpec, derived: DerivedTable, partition_key: str | None) -> sa.Table:
        """The output table of change data a write goes to, created (or checked) on first use."""
        if derived.kind == LIVE:
            raise SqlDestinationError(f"{derived.table.name} is a live table: it is brought to a partition's end "
                                      "with apply_live, not written")
        if partition_key is None and derived.partitioned:
            raise SqlDestinationError(f"{derived.table.name} holds the partitions of a time-partitioned run: write "
                                      "it with the partition key of the window it covers")
        if partition_key is not None and not derived.partitioned:
            raise SqlDestinationError(f"{derived.table.name} has no partitions: write it whole (no partition key)")
        names = (derived.table.name,)
        if not any((spec.name, spec.spec_hash(), names, m) in self._ensured for m in MODES):
            self.ensure_extra_tables(spec, [derived.table])  # not created or checked yet (by a store, in its mode)
        return derived.table

    def _check_partition_key(self, key: str | None) -> None:
        if key is None:
            return
        if not isinstance(key, str) or not key or len(key) > _MAX_PARTITION_KEY or not key.isprintable():
            raise SqlDestinationError(f"invalid partition key {key!r}: expected a non-empty printable string of at "
                                      f"most {_MAX_PARTITION_KEY} characters, e.g. '2024-01-05'")

    def _read_types(self, spec: DatasetSpec, table: str) -> pa.Schema:
        """The Arrow types a table reads back as: those it was made from, a column without ``type:`` that
        references existing rows as the values of the column it references."""
        arrow = arrow_types(spec)[table]
        targets = self.existing_targets(spec)
        for col in spec.tables[table].columns.values():
            target = targets.get(col.existing.text) if col.existing is not None and not col.type_given else None
            if target is not None and target.sql_type is not None:
                i = arrow.get_field_index(col.name)
                arrow = arrow.set(i, pa.field(col.name, arrow_type_of_sql(target.sql_type)))
        return arrow

    def _check_batch_schema(self, spec: DatasetSpec, table: str, schema: pa.Schema) -> list[str]:
        return self._check_names(table, schema, list(spec.tables[table].columns))

    def _check_names(self, table: str, schema: pa.Schema, expected: list[str], *, subset: bool = False) -> list[str]:
        """The batches' column names, which must be the table's (or, with ``subset``, some of them)."""
        names = list(schema.names)
        fits = set(names) <= set(expected) if subset else sorted(names) == sorted(expected)
        if not fits or len(set(names)) != len(names):
            missing = [n for n in expected if n not in names] if not subset else []
            extra = [n for n in names if n not in expected]
            raise SqlDestinationError(
                f"the batches for {table!r} do not have the table's columns: "
                + "; ".join(filter(None, [f"missing {', '.join(missing)}" if missing else "",
                                          f"unexpected {', '.join(extra)}" if extra else ""]))
                + f" (expected {', '.join(expected)})")
        return names

    # -- reading ------------------------------------------------------------------------------------------
    def read(self, spec: DatasetSpec, table: str | DerivedTable, partition_keys: Sequence[str] | None = None,
             columns: list[str] | None = None, as_schema: pa.Schema | None = None) -> pa.Table:
        """The table (or the given partitions of it) as Arrow, typed like the generated data (dictionary
        strings decoded), without the partition column; ordered by the primary key. ``as_schema`` (derived
        tables only): the columns to read and the Arrow types to give them — a scenario's partition read with
        the schema it landed with."""
        query, schema, wanted = self._read_query(spec, table, partition_keys, columns, as_schema)
        batches = [_cast(b, wanted) for b in self._stream(query, schema, self._name(table), READ_CHUNK)]
        return pa.Table.from_batches(batches, schema=wanted) if batches else wanted.empty_table()

    def read_batches(self, spec: DatasetSpec, table: str | DerivedTable, partition_keys: Sequence[str] | None = None,
                     columns: list[str] | None = None, batch_rows: int = READ_CHUNK,
                     as_schema: pa.Schema | None = None) -> Iterator[pa.RecordBatch]:
        """The rows of :meth:`read` (same types, same order) as record batches of ``batch_rows`` rows,
        fetched from a server-side cursor (PostgreSQL, MySQL/MariaDB) or stepped by SQLite as they are
        consumed: one batch in memory at a time. The query is checked at once; the rows are fetched while
        iterating (the connection is held until the last batch or until the iterator is closed)."""
        query, schema, wanted = self._read_query(spec, table, partition_keys, columns, as_schema)
        stream = self._stream(query, schema, self._name(table), batch_rows)
        return stream if wanted is schema else (_cast(b, wanted) for b in stream)

    @staticmethod
    def _name(table: str | DerivedTable) -> str:
        return table.table.name if isinstance(table, DerivedTable) else table

    def _read_query(self, spec: DatasetSpec, table: str | DerivedTable, partition_keys: Sequence[str] | None,
                    columns: list[str] | None, as_schema: pa.Schema | None = None,
                    ) -> tuple[sa.Select[Any], pa.Schema, pa.Schema]:
        """(query, the Arrow schema of its rows, the schema the caller gets: ``as_schema`` or the same)."""
        derived = self._derived_of(spec, table)
        if derived is not None:
            return self._derived_query(derived, partition_keys, columns, as_schema)
        assert isinstance(table, str)
        arrow = self._read_types(spec, table) if table in spec.tables else None
        target = self._table(spec, table, partition_keys is not None)
        wanted = columns or list(spec.tables[table].columns)
        unknown = [c for c in wanted if c not in spec.tables[table].columns]
        if unknown or arrow is None:
            raise SqlDestinationError(f"table {table!r} has no column(s) {', '.join(unknown)}; it has "
                                      f"{', '.join(spec.tables[table].columns)}")
        schema = pa.schema([arrow.field(c) for c in wanted])
        query = sa.select(*(self._read_column(target.c[c]) for c in wanted))
        if partition_keys is not None:
            query = query.where(target.c[PARTITION_COLUMN].in_(list(partition_keys)))
        query = query.order_by(*(target.c[c] for c in spec.tables[table].primary_key or wanted))
        return query, schema, schema

    def _derived_query(self, derived: DerivedTable, partition_keys: Sequence[str] | None,
                       columns: list[str] | None, as_schema: pa.Schema | None = None,
                       ) -> tuple[sa.Select[Any], pa.Schema, pa.Schema]:
        target = derived.table
        wanted = columns or list((as_schema or derived.arrow).names)
        unknown = [c for c in wanted if c not in derived.arrow.names]
        if unknown:
            raise SqlDestinationError(f"table {target.name!r} has no column(s) {', '.join(unknown)}; it has "
                                      f"{', '.join(derived.arrow.names)}")
        if partition_keys is not None and not derived.partitioned:
            raise SqlDestinationError(f"{target.name} has no partitions: read it whole")
        schema = pa.schema([derived.arrow.field(c) for c in wanted])
        query = sa.select(*(self._read_column(target.c[c]) for c in wanted))
        if partition_keys is not None:
            query = query.where(target.c[PARTITION_COLUMN].in_(list(partition_keys)))
        given = schema
        if as_schema is not None:
            given = pa.schema([pa.field(c, value_type(as_schema.field(c).type)) for c in wanted])
        return query.order_by(*(target.c[c] for c in derived.order)), schema, given

    def _stream(self, query: sa.Select[Any], schema: pa.Schema, table: str,
                batch_rows: int) -> Iterator[pa.RecordBatch]:
        try:
            with self.engine.connect() as conn:
                cache = self._small_cache(conn)
                try:
                    result = conn.execution_options(stream_results=True, yield_per=batch_rows).execute(query)
                    for rows in result.partitions(batch_rows):
                        yield _to_batch(rows, schema)
                finally:
                    if cache is not None:
                        conn.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
        except Exception as exc:
            self._raise_if_missing(table)
            raise self._error(exc, f"reading {self._key(table)}") from exc

    def _small_cache(self, conn: sa.Connection) -> int | None:
        """SQLite: a read passes over each page once, so while it streams the connection keeps a page cache
        of ``READ_CACHE_KIB`` instead of the loads' 64 MiB (memory then holds about a batch, whatever the
        size of the database); the size it had, to set back after (None for other databases)."""
        if self.dialect != "sqlite":
            return None
        cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
        return int(cache) if cache is not None else None

    def _read_column(self, column: sa.Column) -> sa.ColumnElement[Any]:
        """UUID and JSONB come back as their text (as generated), not as driver objects."""
        type_name = type(column.type).__name__
        if self.dialect == "postgresql" and type_name in ("UUID", "JSONB"):
            return sa.cast(column, sa.Text).label(column.name)
        if isinstance(column.type, sa.JSON):  # MySQL/MariaDB send the text: keep SQLAlchemy from parsing it
            return sa.type_coerce(column, sa.Text).label(column.name)
        return column

    def list_partitions(self, spec: DatasetSpec, table: str | DerivedTable) -> list[str]:
        """The partition keys present in a partitioned table, sorted."""
        derived = self._derived_of(spec, table)
        target = derived.table if derived is not None else self._table(spec, self._name(table), True)
        table = target.name
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(target.c[PARTITION_COLUMN]).distinct()
                                    .order_by(target.c[PARTITION_COLUMN])).scalars().all()
        except Exception as exc:
            self._raise_if_missing(table)
            raise self._error(exc, f"listing the partitions of {self._key(table)}") from exc
        return list(rows)

    def _raise_if_missing(self, table: str) -> None:
        """After a failed read: a table that does not exist gets its own message, not the driver's."""
        try:
            with self.engine.connect() as conn:
                exists = sa.inspect(conn).has_table(table, schema=self.schema)
        except Exception:  # the server is gone too: the caller reports the original error
            return
        if not exists:
            raise SqlDestinationError(f"table {table!r} does not exist in {self.where()}; materialise it first "
                                      "(its asset, or the dataset's job) before reading it")

    # -- errors -------------------------------------------------------------------------------------------
    def _error(self, exc: BaseException, what: str) -> SqlDestinationError:
        transient = is_transient(exc)
        detail = _first_line(exc)
        if transient:
            hint = "the connection or the server failed mid-way; the transaction was rolled back, so retrying is safe"
        elif _is_integrity_error(exc):
            hint = ("a constraint rejected the rows (nothing was written); check that parent tables are loaded "
                    "first and with the same seed and scale")
        else:
            hint = "nothing was written" if what.startswith(("writing", "creating")) else "nothing was changed"
        message = scrub(f"{what} in {self.where()} failed: {detail} — {hint}", self._password)
        return SqlDestinationError(message, transient=transient)


class _Counted:
    """Passes batches through while hashing them, keeping a preview and counting rows."""

    def __init__(self, batches: Iterable[pa.RecordBatch], hasher: ContentHasher, preview: Preview,
                 loadable: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None):
        self.batches = batches
        self.hasher = hasher
        self.preview = preview
        self.loadable = loadable  # what the table takes of a batch, when it differs from the batch
        self.rows = 0
        self.bytes = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self.batches:
            self.hasher.update(batch)
            self.preview.update(batch)
            self.rows += batch.num_rows
            yield self.loadable(batch) if self.loadable is not None else batch


def _as_text_where_text(batch: pa.RecordBatch, arrow: pa.Schema) -> pa.RecordBatch:
    """The batch with the columns the table holds as text written the way a scenario writes re-typed values
    (ISO times, plain numbers): a partition that a drift did not re-type lands like one it did."""
    arrays = []
    for name, values in zip(batch.schema.names, batch.columns, strict=True):
        text = pa.types.is_string(arrow.field(name).type) and not pa.types.is_string(value_type(values.type))
        arrays.append(as_text(values) if text else values)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _cast(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch typed as ``schema`` (the same names): text read back as the type a partition landed with."""
    if batch.schema.equals(schema):
        return batch
    return pa.RecordBatch.from_arrays([c if c.type == f.type else c.cast(f.type) for c, f in
                                       zip(batch.columns, schema, strict=True)], schema=schema)


def _to_batch(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = [pa.array(list(values), type=value_type(f.type)) for values, f in zip(columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _is_integrity_error(exc: BaseException) -> bool:
    seen: list[BaseException | None] = [exc, exc.__cause__, getattr(exc, "orig", None)]
    return any(e is not None and type(e).__name__ in ("IntegrityError", "CheckViolation", "ForeignKeyViolation",
                                                     "UniqueViolation", "NotNullViolation") for e in seen)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0] if text else ''}".rstrip(": ")


def _abandon(conn: sa.Connection) -> None:
    """After a failure: roll back if the connection still works, else drop it from the pool."""
    try:
        driver = conn.connection.driver_connection
        broken = bool(getattr(driver, "broken", False) or getattr(driver, "closed", False))
    except Exception:  # no usable connection left at all
        broken = True
    if broken:
        conn.invalidate()
        return
    try:
        if conn.in_transaction():
            conn.rollback()
    except Exception:  # a dead connection: the server rolls back by itself
        conn.invalidate()


def _match_existing_parents(conn: sa.Connection, new: list[sa.Table], existing: set[str],
                            schema: str | None) -> None:
    """A new child of a table the user created takes the type of the referenced column (an INTEGER key
    gets INTEGER references): InnoDB refuses a foreign key between different integer sizes."""
    inspector = sa.inspect(conn)
    reflected: dict[str, dict[str, Any]] = {}
    for table in new:
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table.name
            if parent not in existing or fk.referred_table.schema != table.schema:
                continue  # (a table of another schema is an existing table of a source, typed already)
            if parent not in reflected:
                reflected[parent] = {c["name"]: c["type"] for c in inspector.get_columns(parent, schema=schema)}
            for element in fk.elements:
                found = reflected[parent].get(element.column.name)
                if found is not None:
                    element.parent.type = found


def _drop_foreign_keys(conn: sa.Connection, table: sa.Table) -> list[tuple[str, str]]:
    """Drop the PostgreSQL table's own foreign keys (whatever their names: the user may have made the table)
    and return ``(name, definition)`` to add them back with. Dropped in the order of the tables they
    reference, so two loads lock shared parents in the same order."""
    found = conn.execute(sa.text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
        "AND contype = 'f' ORDER BY CAST(confrelid AS regclass)::text, conname"),
        {"t": target_name(conn, table)}).all()
    for name, _definition in found:
        conn.exec_driver_sql(f"ALTER TABLE {target_name(conn, table)} DROP CONSTRAINT "
                             f"{conn.dialect.identifier_preparer.quote(name)}")
    return [(name, definition) for name, definition in found]


def _postgres_utc(dbapi_connection: Any, _record: Any) -> None:
    """Sessions in UTC: a timestamp without a zone lands in a TIMESTAMPTZ column as that UTC instant,
    whatever the server's zone or the client's PGTZ."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection enforces foreign keys and waits for a lock instead of failing at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _once_more_if_created_meanwhile(create: Callable[[], None]) -> None:
    """``create`` (tables that may be missing), run again when another process created them meanwhile."""
    try:
        create()
    except sa.exc.DBAPIError as exc:
        if "already exists" not in str(exc).lower():
            raise
        create()
