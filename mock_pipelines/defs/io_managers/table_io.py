"""What the files and SQL IO managers share: asset keys ``[dataset, table]``, partition keys of a run, the
per-partition metadata, metadata prefixes of secondary destinations and the pandas-or-Arrow choice of
inputs. A mixin of plain methods (no config fields), so each IO manager keeps its own Dagster config."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import dagster as dg
import pyarrow as pa

from mock_pipelines.spec.types import LogicalType
from mock_pipelines.store.files.prefetch import usable_cores
from mock_pipelines.store.protocol import WriteResult

LOAD_AS = ("pandas", "arrow")
DERIVED = "derived"  # the declared type of a column typed by what it computes (see defs/assets.py)


@runtime_checkable
class BatchSource(Protocol):
    """Rows an asset returns to be streamed: a :class:`~mock_pipelines.core.engine.TableSlice`, or
    anything that, like it, yields the same rows at each call of :meth:`batches` (a retry re-reads them)."""

    @property
    def schema(self) -> pa.Schema: ...

    def batches(self) -> Iterable[pa.RecordBatch]: ...


def batches_of(obj: object, manager: str) -> tuple[pa.Schema, Iterable[pa.RecordBatch]]:
    """(schema, record batches) of what an asset returned."""
    if isinstance(obj, BatchSource):  # generated lazily, streamed
        return obj.schema, obj.batches()
    if isinstance(obj, pa.RecordBatch):
        return obj.schema, [obj]
    if isinstance(obj, pa.Table):
        return obj.schema, obj.to_batches()
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(obj, pd.DataFrame):
        table = pa.Table.from_pandas(obj, preserve_index=False)
        return table.schema, table.to_batches()
    raise TypeError(f"{manager} cannot store a {type(obj).__name__}: return a TableSlice, a dict "
                    "{partition_key: TableSlice}, a pyarrow Table or a pandas DataFrame")


def encoders_for(obj: object) -> int | None:
    """Threads to encode the output ``obj`` with: the usable cores less those its own threads keep busy while
    it streams (a measured slice measures on one), at least one; None (one per usable core) for the rest.

    On two cores, Parquet encoded on both beside a measuring thread costs more CPU than it saves (thread
    hand-offs and one buffer per row group): measured with ``bench/bench_quality.py``, the checked asset
    lands faster with one encoder while the rows are generated on a second thread."""
    busy = int(getattr(type(obj), "cores_busy", 0))
    return max(1, usable_cores() - busy) if busy else None


def landed(obj: object, result: WriteResult) -> None:
    """Tell what an asset returned what was written of it (a measured slice checks rows measured against
    rows written; see :mod:`mock_pipelines.quality.stream`)."""
    report = getattr(type(obj), "landed", None)
    if report is not None:
        report(obj, result)


def write_metadata(result: WriteResult, columns: dg.TableSchema,
                   where: dict[str, dg.MetadataValue]) -> dict[str, Any]:
    """The metadata of one table or partition written, in the order the UI shows it; ``where`` says
    where it landed, in the words of the destination."""
    return {
        "dagster/row_count": dg.MetadataValue.int(result.rows),
        "dagster/column_schema": columns,
        "bytes": dg.MetadataValue.int(result.bytes),
        "rows_per_second": dg.MetadataValue.float(round(result.rows_per_second, 1)),
        "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        **where,
        "format": dg.MetadataValue.text(result.format),
        "content_hash": dg.MetadataValue.text(result.content_hash),
        "preview": dg.MetadataValue.md(result.preview),
    }


def one_of(field: str, value: str, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``; else the config error every IO manager setting gives."""
    if value not in choices:
        raise ValueError(f"{field} must be one of {', '.join(choices)}, not {value!r}")
    return value


def logical_type(t: pa.DataType) -> str:
    """The schema language's name of an Arrow type: ``string`` for dictionary-encoded or plain strings,
    ``decimal(12,2)``, ``date``, ``timestamp``, ``int``, ``float``, ``bool`` (the Arrow name otherwise)."""
    if pa.types.is_dictionary(t):
        return logical_type(t.value_type)
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    checks = ((pa.types.is_boolean, LogicalType.BOOL), (pa.types.is_integer, LogicalType.INT),
              (pa.types.is_floating, LogicalType.FLOAT), (pa.types.is_date, LogicalType.DATE),
              (pa.types.is_timestamp, LogicalType.TIMESTAMP),
              (lambda x: pa.types.is_string(x) or pa.types.is_large_string(x), LogicalType.STRING))
    return next((name.value for check, name in checks if check(t)), str(t))


def column_schema(schema: pa.Schema, declared: Any = None) -> dg.TableSchema:
    """The column schema a materialisation records: the asset's declared columns (logical types,
    descriptions, constraints, as in the asset's definition) where ``declared`` (a ``TableSchema`` or its
    metadata value) names them, with the written type of columns declared ``derived``; the schema
    language's name of the Arrow type of any other column."""
    declared = getattr(declared, "schema", declared)
    known = {c.name: c for c in declared.columns} if isinstance(declared, dg.TableSchema) else {}
    columns = []
    for f in schema:
        column = known.get(f.name)
        if column is None:
            columns.append(dg.TableColumn(f.name, logical_type(f.type)))
        elif column.type == DERIVED:
            columns.append(dg.TableColumn(f.name, logical_type(f.type), description=column.description,
                                          constraints=column.constraints, tags=column.tags))
        else:
            columns.append(column)
    return dg.TableSchema(columns=columns)


class TableAssetIO:
    """Methods for IO managers of table assets; the class needs ``metadata_prefix`` and ``load_as``."""

    metadata_prefix: str
    load_as: str

    def _location(self, asset_key: dg.AssetKey) -> tuple[str, str]:
        path = asset_key.path
        if len(path) < 2:
            raise ValueError(f"{type(self).__name__} stores assets keyed [dataset, table]; "
                             f"{asset_key.to_user_string()!r} has one part: give it a key prefix (the dataset)")
        return "/".join(path[:-1]), path[-1]

    def _prefixed(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """Metadata of a second or later destination: keys prefixed, the shared ``dagster/*`` ones left out."""
        if not self.metadata_prefix:
            return metadata
        return {f"{self.metadata_prefix}{k}": v for k, v in metadata.items() if not k.startswith("dagster/")}

    @staticmethod
    def _partition_key(context: dg.OutputContext, obj: Any) -> str | None:
        """The one partition a single returned slice is for (``None`` for an unpartitioned asset)."""
        own = getattr(obj, "partition_key", None)
        if not context.has_asset_partitions:
            return own
        keys = list(context.asset_partition_keys)
        if len(keys) != 1:
            raise ValueError(f"this run of {context.asset_key.to_user_string()} covers {len(keys)} partitions "
                             f"({keys[0]} … {keys[-1]}): return a dict {{partition_key: TableSlice}} with one "
                             "slice per partition")
        if own is not None and own != keys[0]:
            raise ValueError(f"the slice is for partition {own!r} but the run materializes {keys[0]!r}")
        return keys[0]

    @staticmethod
    def _check_partitions_match(context: dg.OutputContext, slices: Mapping[str, Any]) -> None:
        """A ``{partition_key: slice}`` output must hold exactly the partitions of the run."""
        if not context.has_asset_partitions:
            return
        targeted = list(context.asset_partition_keys)
        extra = [k for k in slices if k not in set(targeted)]
        missing = [k for k in targeted if k not in slices]
        if extra or missing:
            raise ValueError(f"{context.asset_key.to_user_string()}: the returned partitions do not match the run"
                             + (f"; not in the run: {', '.join(map(str, extra[:5]))}" if extra else "")
                             + (f"; missing: {', '.join(missing[:5])}" if missing else ""))

    @staticmethod
    def _add_partition_metadata(context: dg.OutputContext, metadata: dict[str, Any], key: str) -> None:
        """Per-partition metadata, so each partition's materialization shows its own rows and hash (the
        step-level call overrides the run-level summary for that partition)."""
        if not context.has_asset_partitions:
            return
        try:
            step = context.step_context
        except Exception:  # built by build_output_context without a step: the summary alone is recorded
            return
        step.add_asset_metadata(metadata, asset_key=context.asset_key, partition_key=key)

    @staticmethod
    def _column_schema(context: dg.OutputContext, schema: pa.Schema) -> dg.TableSchema:
        """The columns of what was written, as the asset's definition declares them (the definition's
        ``dagster/column_schema``), so the materialisation shows logical types, not Arrow's."""
        return column_schema(schema, (context.definition_metadata or {}).get("dagster/column_schema"))

    def _wants_arrow(self, context: dg.InputContext) -> bool:
        """An input annotated ``pa.Table`` gets Arrow and one annotated ``pd.DataFrame`` pandas, whatever
        ``load_as`` says; otherwise ``load_as`` decides."""
        typing_type = getattr(getattr(context, "dagster_type", None), "typing_type", None)
        if typing_type is pa.Table:
            return True
        if getattr(typing_type, "__name__", None) == "DataFrame" and \
                getattr(typing_type, "__module__", "").startswith("pandas"):
            return False
        return self.load_as == "arrow"
