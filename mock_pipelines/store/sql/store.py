"""The :class:`~mock_pipelines.store.protocol.TableStore` of a SQL database: the tables of every dataset
in one database, written and read like those of the file store, so the IO managers, the asset checks and
the report treat a database like a folder of Parquet files.

A destination is a URL plus a namespace that may hold ``{dataset}`` (one PostgreSQL schema or MySQL
database per dataset); :class:`SqlStore` keeps one :class:`~mock_pipelines.store.sql.Database` per namespace.
The dataset of a scenario (``<dataset>__<scenario>``, named to the store in ``scenarios``) lands in tables
without constraints derived from the clean dataset's spec (:mod:`~mock_pipelines.store.sql.scenario_tables`).
Nothing here imports Dagster.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

from mock_pipelines.core.changes import LIVE, TableChanges
from mock_pipelines.core.engine import DEFAULT_CHUNK_SIZE
from mock_pipelines.spec.destinations import DATASET_PLACEHOLDER
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE
from mock_pipelines.store.protocol import WriteResult
from mock_pipelines.store.sql.change_tables import DerivedTable
from mock_pipelines.store.sql.database import READ_CHUNK, Database
from mock_pipelines.store.sql.errors import SqlDestinationError, is_transient
from mock_pipelines.store.sql.live import LiveResult, apply_live
from mock_pipelines.store.sql.names import PARTITION_COLUMN


class MissingTableData(FileNotFoundError):
    """A table asked for does not exist yet. A FileNotFoundError, so code written for file destinations
    ("not materialised yet") treats a database the same way."""


def namespace_for(template: str | None, dataset: str) -> str | None:
    """The schema (namespace) of ``dataset``: ``template`` with ``{dataset}`` replaced."""
    return template.replace(DATASET_PLACEHOLDER, dataset) if template is not None else None


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates the database file but not its folder: create the folder (``data/`` before a demo)."""
    try:
        parsed = sa.make_url(url)
    except Exception:  # an invalid URL is reported by Database, without echoing it
        return
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


class SqlStore:
    """The tables of every dataset in one database.

    ``specs`` maps a dataset name to its spec (or is a function returning it), which gives the typed
    columns a table is created and read back with. Before the first write of a dataset its tables are
    created in foreign-key order (``mode="create"``) or checked against the spec (``mode="existing"``);
    ``partitioned`` names the time-partitioned tables of each dataset.

    ``scenarios`` maps the name of a scenario's dataset to ``(dataset, scenario)``: its tables are those of
    the dataset, without constraints, partitioned like the dataset's, and its ground truth; they are created
    when missing whatever the mode (no table a person made fits rows that break its rules on purpose).
    """

    def __init__(self, url: str, schema: str | None = None,
                 specs: Mapping[str, DatasetSpec] | Callable[[str], DatasetSpec] | None = None, *,
                 foreign_key_checks: str = "per_row", mode: str = "create",
                 partitioned: Mapping[str, Collection[str]] | None = None,
                 scenarios: Mapping[str, tuple[str, str]] | None = None,
                 sources: Mapping[str, str] | None = None):
        self._url = url
        self._sources = dict(sources or {})  # databases whose existing rows columns reference, by name
        self.foreign_key_checks = foreign_key_checks
        self.schema_template = schema
        self.mode = mode
        self._specs = specs if specs is not None else {}
        self._partitioned = partitioned or {}
        self._scenarios = dict(scenarios or {})
        self._databases: dict[str | None, Database] = {}
        self._prepared: set[str] = set()

    def __repr__(self) -> str:
        where = next(iter(self._databases.values())).url_for_humans if self._databases else "(not connected)"
        return f"SqlStore({where!r}, schema={self.schema_template!r})"

    # -- what is where ------------------------------------------------------------------------------
    def database(self, dataset: str) -> Database:
        """The database (and namespace) holding ``dataset``'s tables; one engine per namespace."""
        namespace = namespace_for(self.schema_template, dataset)
        if namespace not in self._databases:
            self._databases[namespace] = Database(self._url, namespace, foreign_key_checks=self.foreign_key_checks,
                                                  sources=self._sources)
        return self._databases[namespace]

    def spec(self, dataset: str) -> DatasetSpec:
        if callable(self._specs):
            return self._specs(dataset)
        try:
            return self._specs[dataset]
        except KeyError:
            known = ", ".join(sorted(self._specs)) or "none"
            raise SqlDestinationError(f"no schema is known for dataset {dataset!r} (known: {known}); the asset "
                                      "key must be [dataset, table] of a dataset of the profile") from None

    def scenario_table(self, dataset: str, table: str, *, partitioned: bool | None = None) -> DerivedTable | None:
        """The table ``table`` of ``dataset`` when ``dataset`` is a scenario's (None otherwise). ``partitioned``
        (for reads): whether the table object needs the partition column; by default, as it is created."""
        if dataset not in self._scenarios:
            return None
        clean, scenario = self._scenarios[dataset]
        spec = self.spec(clean)
        if partitioned is None:
            parts: Collection[str] = self._partitioned.get(clean, ())
        else:
            parts = {table} if partitioned else set()
        shared = self.schema_template is None or DATASET_PLACEHOLDER not in self.schema_template
        tables = self.database(dataset).scenario_tables(spec, scenario, partitioned=parts, shared=shared)
        if table not in tables:
            raise SqlDestinationError(f"scenario dataset {dataset!r} has no table {table!r}; it has "
                                      f"{', '.join(tables)}")
        return tables[table]

    def _sql_name(self, dataset: str, table: str) -> str:
        """The name the table has in the database (a scenario's table may carry its dataset's name)."""
        derived = self.scenario_table(dataset, table, partitioned=False)
        return derived.table.name if derived is not None else table

    def dispose(self) -> None:
        """Close every connection pool."""
        for database in self._databases.values():
            database.dispose()
        self._databases.clear()

    # -- writing ------------------------------------------------------------------------------------
    def prepare(self, dataset: str) -> None:
        """Create (or check) every table of the dataset, once per store, in foreign-key order so parents
        exist when children are created. :meth:`write_batches` calls it; call it first to tell a failure
        to prepare the tables from a failure to write."""
        if dataset in self._prepared:
            return
        ensure_sqlite_folder(self._url)
        if dataset in self._scenarios:
            clean = self._scenarios[dataset][0]
            tables = [t.table for t in self._all_scenario_tables(dataset)]
            self.database(dataset).ensure_extra_tables(self.spec(clean), tables, mode="create")
            self._prepared.add(dataset)
            return
        self.database(dataset).ensure_tables(self.spec(dataset), partitioned=self._partitioned.get(dataset, ()),
                                             mode=self.mode)
        self._prepared.add(dataset)

    def write_batches(self, dataset: str, table: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch],
                      partition_key: str | None = None) -> WriteResult:
        """Replace the rows of the table (or of its partition) in one transaction; raises
        :class:`SqlDestinationError`, transient when writing again may succeed (nothing was committed).
        ``table`` may also be an output of change data (``orders__changes``, ``orders__snapshot``,
        ``orders__history``, see :mod:`~mock_pipelines.store.sql.change_tables`), created on first use (or
        checked, in mode ``existing``) and always written per partition."""
        self.prepare(dataset)
        scenario = self.scenario_table(dataset, table)
        if scenario is not None:
            clean = self.spec(self._scenarios[dataset][0])
            return self.database(dataset).write_batches(clean, scenario, schema, batches, partition_key)
        database, spec = self.database(dataset), self.spec(dataset)
        derived = database.derived(spec).get(table) if table not in spec.tables else None
        if derived is not None and derived.kind != LIVE:
            database.ensure_extra_tables(spec, [derived.table], mode=self.mode)
        return database.write_batches(spec, table, schema, batches, partition_key)

    def apply_live(self, dataset: str, table: str, partition_key: str, changes: TableChanges, start_us: int,
                   end_us: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> LiveResult:
        """Bring ``<table>__live`` to the state of the table as of the end of the partition (the window
        [start_us, end_us)) in one transaction: nothing when that partition is the one applied last, the
        window's delta when it is the next one, the whole snapshot otherwise (see
        :mod:`mock_pipelines.store.sql.live`). Creates the live table (and those of its parents its foreign
        keys reference) on first use, or checks them in mode ``existing``."""
        ensure_sqlite_folder(self._url)
        return apply_live(self.database(dataset), self.spec(dataset), table, partition_key, changes, start_us,
                          end_us, chunk_size, mode=self.mode)

    # -- reading ------------------------------------------------------------------------------------
    def _all_scenario_tables(self, dataset: str) -> list[DerivedTable]:
        clean = self._scenarios[dataset][0]
        names = [*self.spec(clean).table_order(), GROUND_TRUTH_TABLE]
        return [t for t in (self.scenario_table(dataset, name) for name in names) if t is not None]

    def has_data(self, dataset: str, table: str) -> bool:
        """Whether the table exists and holds rows."""
        database = self.database(dataset)
        table = self._sql_name(dataset, table)
        try:
            with database.engine.connect() as conn:
                if not sa.inspect(conn).has_table(table, schema=database.schema):
                    return False
                target = sa.table(table, schema=database.schema)
                return conn.execute(sa.select(sa.literal(1)).select_from(target).limit(1)).first() is not None
        except Exception as exc:
            raise self._error(exc, f"looking for rows of {dataset}.{table}", database) from exc

    def list_partitions(self, dataset: str, table: str) -> list[str]:
        """Keys of the partitions of a table that hold rows, sorted (none when the table does not exist)."""
        if not self.exists(dataset, table):
            return []
        scenario = self.scenario_table(dataset, table, partitioned=True)
        if scenario is not None:
            if not self.is_partitioned(dataset, table):
                return []
            clean = self.spec(self._scenarios[dataset][0])
            return self.database(dataset).list_partitions(clean, scenario)
        return self.database(dataset).list_partitions(self.spec(dataset), table)

    def read(self, dataset: str, table: str, partition_keys: Sequence[str] | None = None,
             columns: list[str] | None = None, allow_missing: bool = False,
             schema: pa.Schema | None = None) -> pa.Table:
        """A table, or only the rows of the listed partitions, its columns typed from the dataset's spec
        (``schema`` adds nothing: the spec gives the same types — except for a scenario's table, where it
        names the columns and types a partition landed with, drift included).
        ``allow_missing`` changes nothing: a table cannot tell a partition that was written empty from one
        never written (both hold no rows), so a listed partition without rows adds nothing rather than
        failing. A table that does not exist is an error."""
        database = self.database(dataset)
        if not self.exists(dataset, table):
            raise MissingTableData(f"no data for {dataset}/{table} in {database.where()}: the table does not exist "
                                   "yet (materialise it first)")
        keys = list(dict.fromkeys(partition_keys)) if partition_keys is not None else None
        scenario = self.scenario_table(dataset, table, partitioned=keys is not None)
        if scenario is not None:
            clean = self.spec(self._scenarios[dataset][0])
            return database.read(clean, scenario, keys, columns, as_schema=schema)
        return database.read(self.spec(dataset), table, keys, columns)

    def read_batches(self, dataset: str, table: str, partition_key: str | None = None,
                     columns: list[str] | None = None, schema: pa.Schema | None = None,
                     batch_rows: int = READ_CHUNK) -> Iterator[pa.RecordBatch]:
        """The rows :meth:`read` gives for the table (or its partition ``partition_key``), in the same
        order and typed the same, as record batches of at most ``batch_rows`` rows fetched through a
        server-side cursor: memory holds one batch, whatever the size of the table (``schema`` adds nothing,
        as for :meth:`read`). A table that does not exist raises at once (not when the first batch is asked
        for)."""
        database = self.database(dataset)
        if not self.exists(dataset, table):
            raise MissingTableData(f"no data for {dataset}/{table} in {database.where()}: the table does not exist "
                                   "yet (materialise it first)")
        keys = [partition_key] if partition_key is not None else None
        scenario = self.scenario_table(dataset, table, partitioned=keys is not None)
        if scenario is not None:
            clean = self.spec(self._scenarios[dataset][0])
            return database.read_batches(clean, scenario, keys, columns, batch_rows=batch_rows, as_schema=schema)
        return database.read_batches(self.spec(dataset), table, keys, columns, batch_rows=batch_rows)

    def exists(self, dataset: str, table: str) -> bool:
        """Whether the table has been created (it may still hold no rows)."""
        database = self.database(dataset)
        table = self._sql_name(dataset, table)
        try:
            with database.engine.connect() as conn:
                return sa.inspect(conn).has_table(table, schema=database.schema)
        except Exception as exc:
            raise self._error(exc, f"looking for table {dataset}.{table}", database) from exc

    def is_partitioned(self, dataset: str, table: str) -> bool:
        """Whether the (existing) table was created partitioned: it has the partition column."""
        database = self.database(dataset)
        table = self._sql_name(dataset, table)
        try:
            with database.engine.connect() as conn:
                columns = sa.inspect(conn).get_columns(table, schema=database.schema)
        except Exception as exc:
            raise self._error(exc, f"looking at the columns of {dataset}.{table}", database) from exc
        return any(c["name"] == PARTITION_COLUMN for c in columns)

    def _error(self, exc: Exception, what: str, database: Database) -> SqlDestinationError:
        """A password-free error (drivers may echo connection strings), transient when retrying may help."""
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        return SqlDestinationError(hide_password(f"{what} in {database.where()} failed: {type(exc).__name__}: "
                                                 f"{first}", self._url), transient=is_transient(exc))


def hide_password(text: str, url: str) -> str:
    """``text`` with the password of ``url`` masked wherever it occurs."""
    try:
        password = sa.make_url(url).password
    except Exception:  # an unparsable URL has no password to hide
        return text
    return text.replace(str(password), "***") if password else text
