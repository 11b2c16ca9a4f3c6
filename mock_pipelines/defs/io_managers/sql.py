"""Dagster IO manager that lands mock tables in a SQL database (PostgreSQL, MySQL/MariaDB, SQLite).

An asset keyed ``[dataset, table]`` that returns a :class:`~mock_pipelines.core.engine.TableSlice` is
streamed into the table ``table`` of the destination's namespace (``schema``; it may hold ``{dataset}``),
created from the dataset's schema on first use (``mode: create``) or checked against it (``mode:
existing``). A partitioned asset replaces exactly its partition (rows whose ``mock_partition`` column holds
the partition key); a run over a partition range returns ``{partition_key: TableSlice}`` and each partition
is replaced on its own. Every replacement is one transaction (see :mod:`mock_pipelines.store.sql`).

When the connection drops or the server goes away mid-write, the transaction is rolled back, so the whole
write is simply run again: up to ``max_retries`` times, waiting ``retry_delay_seconds`` and then twice as
long each time. The URL, usually an ``EnvVar``, is never written to logs or metadata with its password.
Downstream assets get a pandas DataFrame (or an Arrow table) of just the partitions they depend on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import pyarrow as pa
from pydantic import Field, PrivateAttr, ValidationInfo, field_validator

from mock_pipelines.defs.io_managers.table_io import (
    LOAD_AS,
    TableAssetIO,
    batches_of,
    landed,
    one_of,
    write_metadata,
)
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.store.content import ContentHasher
from mock_pipelines.store.protocol import WriteResult
from mock_pipelines.store.sql import (
    FOREIGN_KEY_CHECKS,
    SchemaMismatchError,
    SqlDestinationError,
    is_transient,
    redact_url,
)
from mock_pipelines.store.sql.database import MODES
from mock_pipelines.store.sql.store import SqlStore, hide_password

T = TypeVar("T")


class MockSqlIOManager(TableAssetIO, dg.ConfigurableIOManager):
    """Stores table assets (keys ``[dataset, table]``) as typed, constrained tables of a SQL database
    reached through a SQLAlchemy URL — pass ``dg.EnvVar("…")`` so the password stays out of Dagster's
    run storage.

    Every table or partition is replaced in one transaction. Each materialization records its row count,
    throughput, the (password-free) location, a content hash equal to the files destinations' for the same
    rows, a preview and how many attempts the write took.
    """

    url: str = Field(description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; use an EnvVar")
    db_schema: str | None = Field(None, description="namespace of the tables; `{dataset}` = the dataset name")
    mode: str = Field("create", description="create: make missing tables; existing: only check and load")
    foreign_key_checks: str = Field("per_row", description="PostgreSQL: per_row, or after_load (whole-table "
                                    "loads validate each foreign key with one join before commit)")
    # Config must be plain data (Dagster rebuilds the resource from it in every run process), so the
    # datasets' specs travel as the paths of their schema files and are loaded on first use.
    schema_files: dict[str, str] = Field(default_factory=dict,
                                         description="dataset name → its schema YAML file (the table types)")
    partitioned_tables: dict[str, list[str]] = Field(default_factory=dict,
                                                     description="dataset name → its time-partitioned tables")
    scenario_datasets: dict[str, list[str]] = Field(
        default_factory=dict, description="a scenario's dataset (<dataset>__<scenario>) → [dataset, scenario]: "
        "its tables land without constraints, beside the ground truth _defects")
    base_dir: str | None = Field(None, description="folder relative SQLite paths are resolved against")
    # The profile's `sources:` (databases whose existing rows columns reference): a literal URL (never one
    # with a password), or the name of the environment variable holding it, read when the store opens.
    source_urls: dict[str, str] = Field(default_factory=dict, description="source name → its URL")
    source_envs: dict[str, str] = Field(default_factory=dict, description="source name → the environment "
                                        "variable holding its URL")
    max_retries: int = Field(3, ge=0, description="retries of a write that failed on a dropped connection")
    retry_delay_seconds: float = Field(1.0, ge=0, description="first wait before a retry; doubles each time")
    max_retry_delay_seconds: float = Field(30.0, ge=0)
    load_as: str = "pandas"
    # Set for the second and later destinations of a profile: their metadata keys get this prefix (and the
    # shared `dagster/*` entries are left to the first destination), so one output can land in several places.
    metadata_prefix: str = ""

    _store: SqlStore | None = PrivateAttr(default=None)
    _specs: dict[str, DatasetSpec] = PrivateAttr(default_factory=dict)

    @field_validator("mode", "foreign_key_checks", "load_as")
    @classmethod
    def _known_choice(cls, value: str, info: ValidationInfo) -> str:
        choices = {"mode": MODES, "foreign_key_checks": FOREIGN_KEY_CHECKS, "load_as": LOAD_AS}
        return one_of(str(info.field_name), value, choices[str(info.field_name)])

    # -- connections and specs ---------------------------------------------------------------------
    def store(self) -> SqlStore:
        """The destination's tables (one connection pool per namespace, opened on first use)."""
        if self._store is None:
            self._store = SqlStore(self._resolved_url(), self.db_schema, self.spec,
                                   foreign_key_checks=self.foreign_key_checks, mode=self.mode,
                                   partitioned=self.partitioned_tables,
                                   scenarios={name: (pair[0], pair[1]) for name, pair in
                                              self.scenario_datasets.items()},
                                   sources=self._sources())
        return self._store

    def _sources(self) -> dict[str, str]:
        from mock_pipelines.profiles.env import EnvRef
        from mock_pipelines.profiles.model import Source

        root = Path(self.base_dir) if self.base_dir else None
        sources = {name: Source(url=url).resolved_url(root) for name, url in self.source_urls.items()}
        sources.update({name: Source(url=EnvRef(env=env)).resolved_url(root) for name, env in self.source_envs.items()})
        return sources

    def _resolved_url(self) -> str:
        from mock_pipelines.profiles.model import SqlDestination

        url = self.url.get_value() if isinstance(self.url, dg.EnvVar) else self.url  # built outside Dagster
        if not url:
            raise dg.Failure(description="the database URL is empty: set the environment variable the "
                                         "profile names in `url: {env: …}`")
        root = Path(self.base_dir) if self.base_dir else None
        return SqlDestination(kind="sql", url=url).resolved_url(root) if url.startswith("sqlite") else url

    def spec(self, dataset: str) -> DatasetSpec:
        """The schema of ``dataset``, loaded once from its file (the source of the tables' SQL types)."""
        if dataset not in self._specs:
            from mock_pipelines.schema.parse import load_dataset

            path = self.schema_files.get(dataset)
            if path is None:
                known = ", ".join(sorted(self.schema_files)) or "none"
                raise dg.Failure(description=f"MockSqlIOManager knows no schema for dataset {dataset!r} (known: "
                                             f"{known}): add it to schema_files={{{dataset!r}: 'schemas/…yaml'}}")
            self._specs[dataset] = load_dataset(path)
        return self._specs[dataset]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None

    # -- retries and errors ------------------------------------------------------------------------
    def _with_retries(self, context: dg.OutputContext, what: str, attempt_once: Callable[[], T]) -> tuple[T, int]:
        """``attempt_once()`` again after a transient failure (the transaction was rolled back, so running
        the whole write again is safe); returns its result and the number of attempts."""
        attempt = 1
        while True:
            try:
                return attempt_once(), attempt
            except Exception as exc:
                if not is_transient(exc) or attempt > self.max_retries:
                    raise self._failure(exc, what, attempt) from exc
                delay = min(self.retry_delay_seconds * 2 ** (attempt - 1), self.max_retry_delay_seconds)
                context.log.warning(f"{self._message(exc, what)} — retry {attempt} of {self.max_retries} "
                                    f"in {delay:.1f}s")
                time.sleep(delay)
                attempt += 1

    def _message(self, exc: BaseException, what: str) -> str:
        """What failed, where and why, without the password. The core's errors already say what and where."""
        text = str(exc).strip() if isinstance(exc, SqlDestinationError) else \
            f"{what} failed: {type(exc).__name__}: {str(exc).strip()}"
        try:
            url = self._resolved_url()
        except Exception:  # without a URL there is no password to hide
            return text
        return hide_password(text, url)

    def _failure(self, exc: BaseException, what: str, attempts: int) -> dg.Failure:
        transient = is_transient(exc)
        metadata: dict[str, Any] = {"destination": dg.MetadataValue.text(self._where()),
                                    "attempts": dg.MetadataValue.int(attempts),
                                    "error": dg.MetadataValue.text(type(exc).__name__)}
        if isinstance(exc, SchemaMismatchError):
            metadata["problems"] = dg.MetadataValue.json([self._message(SqlDestinationError(p), what)
                                                          for p in exc.problems])
        text = self._message(exc, what)
        if transient:
            text = (f"gave up after {attempts} attempt(s) on a dropped connection or a busy server: {text}\n"
                    "hint: check that the database is up and reachable, then re-run (or raise max_retries)")
        return dg.Failure(description=text, metadata=metadata, allow_retries=transient)

    def _where(self) -> str:
        try:
            return redact_url(self._resolved_url()) + (f" (schema {self.db_schema})" if self.db_schema else "")
        except Exception:  # an unset variable: say which destination, not its value
            return "the sql destination"

    # -- output -------------------------------------------------------------------------------------
    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            context.log.debug("nothing to store: the asset returned None")
            return
        dataset, table = self._location(context.asset_key)
        self._ensure_tables(context, dataset)
        if isinstance(obj, Mapping):
            self._write_partitions(context, dataset, table, obj)
            return
        key = self._partition_key(context, obj)
        (result, schema), attempts = self._write(context, dataset, table, obj, key)
        landed(obj, result)
        columns = self._column_schema(context, schema)
        context.add_output_metadata(self._prefixed(self._metadata(result, columns, attempts)))
        context.log.info(f"wrote {result.rows:,} rows to {result.uri} in {result.seconds:.2f}s"
                         + (f" ({attempts} attempts)" if attempts > 1 else ""))

    def _ensure_tables(self, context: dg.OutputContext, dataset: str) -> None:
        """Create (or check) every table of the dataset before its first write in this process (see
        :meth:`SqlStore.prepare`), retried on its own so a failure names what failed."""
        store = self.store()
        self._with_retries(context, f"preparing the tables of {dataset!r} in {self._where()}",
                           lambda: store.prepare(dataset))

    def _write(self, context: dg.OutputContext, dataset: str, table: str, obj: Any,
               key: str | None) -> tuple[tuple[WriteResult, pa.Schema], int]:
        """((what was written, its Arrow schema), attempts) of one table or partition."""
        store = self.store()

        def attempt() -> tuple[WriteResult, pa.Schema]:
            # a TableSlice regenerates the same rows on every attempt
            schema, batches = batches_of(obj, type(self).__name__)
            return store.write_batches(dataset, table, schema, batches, key), schema

        what = f"writing {dataset}.{table}" + (f" partition {key}" if key is not None else "")
        return self._with_retries(context, what, attempt)

    def _write_partitions(self, context: dg.OutputContext, dataset: str, table: str,
                          slices: Mapping[str, Any]) -> None:
        self._check_partitions_match(context, slices)
        summary = ContentHasher(pa.schema([("partition", pa.string()), ("content_hash", pa.string())]))
        rows = size = attempts = 0
        seconds = 0.0
        first: dict[str, Any] = {}
        uri = ""
        for key, value in slices.items():
            (result, schema), tries = self._write(context, dataset, table, value, str(key))
            landed(value, result)
            metadata = self._metadata(result, self._column_schema(context, schema), tries)
            first = first or metadata
            uri = result.uri
            rows, size, seconds, attempts = rows + result.rows, size + result.bytes, seconds + result.seconds, \
                attempts + tries
            summary.update(pa.record_batch([[str(key)], [result.content_hash]], names=["partition", "content_hash"]))
            self._add_partition_metadata(context, self._prefixed(metadata), str(key))
        context.add_output_metadata(self._prefixed({
            **first,
            "dagster/row_count": dg.MetadataValue.int(rows),
            "bytes": dg.MetadataValue.int(size),
            "rows_per_second": dg.MetadataValue.float(round(rows / seconds, 1) if seconds > 0 else 0.0),
            "seconds": dg.MetadataValue.float(round(seconds, 3)),
            "destination": dg.MetadataValue.text(uri),
            "content_hash": dg.MetadataValue.text(summary.hexdigest()),
            "partitions_written": dg.MetadataValue.int(len(slices)),
            "write_attempts": dg.MetadataValue.int(attempts),
        }))
        context.log.info(f"wrote {len(slices)} partitions, {rows:,} rows to {uri} in {seconds:.2f}s")

    @staticmethod
    def _metadata(result: WriteResult, columns: dg.TableSchema, attempts: int) -> dict[str, Any]:
        location, _, table = result.uri.rpartition("#")
        where = {"destination": dg.MetadataValue.text(result.uri),  # the URL without its password, #table
                 "table": dg.MetadataValue.text(table or location)}
        return {**write_metadata(result, columns, where), "write_attempts": dg.MetadataValue.int(attempts)}

    # -- input --------------------------------------------------------------------------------------
    def load_input(self, context: dg.InputContext) -> Any:
        dataset, table = self._location(context.asset_key)
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else None
        try:
            # A partition without rows reads as empty: a table cannot tell "written empty" from "never written".
            data = self.store().read(dataset, table, keys)
        except SqlDestinationError as exc:
            raise self._failure(exc, f"reading {dataset}.{table}", 1) from exc
        context.log.debug(f"loaded {data.num_rows:,} rows of {dataset}.{table}"
                          + (f" ({len(keys)} partitions)" if keys is not None else ""))
        return data if self._wants_arrow(context) else data.to_pandas()

