"""Dagster IO manager that lands mock tables as files in a local folder or an S3 prefix.

An asset keyed ``[dataset, table]`` that returns a :class:`~mock_pipelines.core.engine.TableSlice` is
streamed to ``{base_path}/{dataset}/{table}/part-00000.parquet``, or, for a partitioned asset, to
``{base_path}/{dataset}/{table}/date={partition_key}/part-00000.parquet`` (see
:mod:`mock_pipelines.store.files.store`). A run over a partition range (``BackfillPolicy.single_run()``)
returns ``{partition_key: TableSlice}`` and each partition is written, and replaced, on its own.
Downstream assets get a pandas DataFrame (or an Arrow table) of just the partitions they depend on.

Writing goes through the same writer as ``mock-pipelines generate`` and records the same
``{dataset}/{table}/_manifest.json`` (:mod:`mock_pipelines.store.files.manifest`), so the CLI recognises a table a
Dagster run wrote. A folder that cannot be written fails the step with a :class:`dagster.Failure` whose
description is one line naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg
import pyarrow as pa
from pydantic import PrivateAttr, ValidationInfo, field_validator

from mock_pipelines.defs.io_managers.table_io import (
    LOAD_AS,
    TableAssetIO,
    batches_of,
    encoders_for,
    landed,
    one_of,
    write_metadata,
)
from mock_pipelines.store.content import ContentHasher
from mock_pipelines.store.files.manifest import LandingError, identity_of
from mock_pipelines.store.files.s3 import S3Unreachable, ensure_bucket, is_s3
from mock_pipelines.store.files.store import DEFAULT_PARTITION_COLUMN, DESTINATION_FORMATS, FileStore
from mock_pipelines.store.protocol import WriteResult


class MockFilesIOManager(TableAssetIO, dg.ConfigurableIOManager):
    """Stores table assets (keys ``[dataset, table]``) as Parquet, CSV or JSON Lines files, locally or on
    S3 (``s3://bucket/prefix``; set ``endpoint_url`` for MinIO or another S3-compatible store).

    Every table or partition is replaced atomically. Each materialization records its row count, size,
    throughput, location, a content hash (equal for equal data, whatever the chunking) and a preview.
    """

    base_path: str
    format: str = "parquet"
    partition_column: str = DEFAULT_PARTITION_COLUMN
    endpoint_url: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    region_name: str | None = None
    load_as: str = "pandas"
    create_bucket: bool = False
    # Set for the second and later destinations of a profile: their metadata keys get this prefix (and the
    # shared `dagster/*` entries are left to the first destination), so one output can land in several places.
    metadata_prefix: str = ""

    _bucket_checked: bool = PrivateAttr(default=False)

    @field_validator("format", "load_as")
    @classmethod
    def _known_choice(cls, value: str, info: ValidationInfo) -> str:
        choices = {"format": DESTINATION_FORMATS, "load_as": LOAD_AS}
        return one_of(str(info.field_name), value, tuple(choices[str(info.field_name)]))

    # -- helpers ------------------------------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        if not is_s3(self.base_path):
            return {}
        return {"endpoint_url": self.endpoint_url, "key": self.aws_access_key_id,
                "secret": self.aws_secret_access_key, "region": self.region_name}

    def destination(self) -> FileStore:
        options = self._options()
        try:  # S3: an endpoint that does not answer fails the step in one line (after bounded retries)
            if self.create_bucket and not self._bucket_checked:
                ensure_bucket(self.base_path, **options)
                self._bucket_checked = True
            destination = FileStore(self.base_path, self.format, self.partition_column, **options)
            destination.check_reachable()
        except S3Unreachable as exc:
            raise dg.Failure(description=str(exc)) from None
        return destination

    def _metadata(self, result: WriteResult, columns: dg.TableSchema) -> dict[str, Any]:
        where = dg.MetadataValue.path(result.uri) if "://" not in result.uri else dg.MetadataValue.url(result.uri)
        return write_metadata(result, columns, {"destination": where})

    # -- output -------------------------------------------------------------------------------------
    def _write(self, destination: FileStore, dataset: str, table: str, schema: pa.Schema,
               batches: Iterable[pa.RecordBatch], key: str | None, obj: object) -> WriteResult:
        """Write through the one writer, with the manifest ``mock-pipelines generate`` also reads; a folder
        that cannot be written fails the step with one line naming it."""
        try:
            return destination.write_batches(dataset, table, schema, batches, key,
                                             identity=identity_of(obj, self.format), manifest=True,
                                             encoders=encoders_for(obj))
        except LandingError as exc:
            raise dg.Failure(description=str(exc)) from exc

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            context.log.debug("nothing to store: the asset returned None")
            return
        dataset, table = self._location(context.asset_key)
        if isinstance(obj, Mapping):
            self._write_partitions(context, dataset, table, obj)
            return
        key = self._partition_key(context, obj)
        schema, batches = batches_of(obj, type(self).__name__)
        result = self._write(self.destination(), dataset, table, schema, batches, key, obj)
        landed(obj, result)
        context.add_output_metadata(self._prefixed(self._metadata(result, self._column_schema(context, schema))))
        context.log.info(f"wrote {result.rows:,} rows ({result.bytes:,} bytes) to {result.uri} in "
                         f"{result.seconds:.2f}s")

    def _write_partitions(self, context: dg.OutputContext, dataset: str, table: str,
                          slices: Mapping[str, Any]) -> None:
        self._check_partitions_match(context, slices)
        destination = self.destination()
        summary = ContentHasher(pa.schema([("partition", pa.string()), ("content_hash", pa.string())]))
        rows = size = 0
        seconds = 0.0
        first: dict[str, Any] = {}
        for key, value in slices.items():
            schema, batches = batches_of(value, type(self).__name__)
            result = self._write(destination, dataset, table, schema, batches, str(key), value)
            landed(value, result)
            metadata = self._metadata(result, self._column_schema(context, schema))
            first = first or metadata
            rows, size, seconds = rows + result.rows, size + result.bytes, seconds + result.seconds
            summary.update(pa.record_batch([[str(key)], [result.content_hash]], names=["partition", "content_hash"]))
            self._add_partition_metadata(context, self._prefixed(metadata), str(key))
        table_uri = destination.uri(destination.table_path(dataset, table))
        context.add_output_metadata(self._prefixed({
            **first,
            "dagster/row_count": dg.MetadataValue.int(rows),
            "bytes": dg.MetadataValue.int(size),
            "rows_per_second": dg.MetadataValue.float(round(rows / seconds, 1) if seconds > 0 else 0.0),
            "seconds": dg.MetadataValue.float(round(seconds, 3)),
            "destination": dg.MetadataValue.path(table_uri) if destination.local else dg.MetadataValue.url(table_uri),
            "content_hash": dg.MetadataValue.text(summary.hexdigest()),
            "partitions_written": dg.MetadataValue.int(len(slices)),
        }))
        context.log.info(f"wrote {len(slices)} partitions, {rows:,} rows ({size:,} bytes) under {table_uri}")

    # -- input --------------------------------------------------------------------------------------
    def load_input(self, context: dg.InputContext) -> Any:
        dataset, table = self._location(context.asset_key)
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else None
        allow_missing = bool((context.definition_metadata or {}).get("allow_missing_partitions", False))
        try:
            data = self.destination().read(dataset, table, keys, allow_missing=allow_missing)
        except FileNotFoundError as exc:
            if keys is None or allow_missing:
                raise
            raise FileNotFoundError(f"{exc}. To read only the partitions that exist, give the input "
                                    "metadata={'allow_missing_partitions': True}") from exc
        as_arrow = self._wants_arrow(context)
        context.log.debug(f"loaded {data.num_rows:,} rows of {dataset}/{table}"
                          + (f" ({len(keys)} partitions)" if keys is not None else ""))
        return data if as_arrow else data.to_pandas()

