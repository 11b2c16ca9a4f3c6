"""Reading back what the project landed — files under ``<base>/<dataset>/<table>/`` (local or S3) or a
database — as the tables the report profiles, with their provenance (manifests, content hashes, write time)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from mock_pipelines.quality.report.table_data import TableData, split_partitions
from mock_pipelines.spec.model import DatasetSpec

if TYPE_CHECKING:  # the stores load fsspec and SQLAlchemy: imported where tables are read
    from mock_pipelines.store.protocol import TableStore
    from mock_pipelines.store.sql.store import SqlStore


def load_tables(base: str | os.PathLike[str], spec: DatasetSpec, partition_column: str = "date",
                tables: Sequence[str] | None = None, *,
                destination: TableStore | None = None) -> tuple[dict[str, TableData], dict[str, Any]]:
    """Read the tables of ``spec`` that the project wrote under ``base/<dataset>/<table>/``, and provenance.

    A table folder holding ``part-*`` files (``generate --out``, or an unpartitioned destination) is read as
    one table; one holding ``<partition_column>=<key>/`` folders becomes ``{key: table}``. Folders that do
    not exist are left out. Every format is read typed by the schema's Arrow types. The
    provenance has the seed, scale, locale, format and generator version recorded in the ``_manifest.json``
    files (when there are any), the content hash of each table, the time the newest file was written, and
    the tables whose recorded spec hash differs from the schema's (generated from another version of it).

    ``destination``: the store to read through instead of the local folder ``base`` — an S3 bucket and
    prefix with its credentials (``base`` is then only shown), or a database.
    """
    from mock_pipelines.store.content import content_hash
    from mock_pipelines.store.files.store import FileStore
    from mock_pipelines.store.sql.store import SqlStore

    dest = destination if destination is not None else FileStore(os.fspath(base),
                                                                 partition_column=partition_column)
    if isinstance(dest, SqlStore):
        return _load_sql_tables(dest, spec, tables)
    if not isinstance(dest, FileStore):
        raise TypeError(f"cannot read the tables of a {type(dest).__name__}: expected a FileStore or a SqlStore")
    dest.check_reachable()  # S3: an endpoint that does not answer fails in one line, after bounded retries
    schemas = arrow_schemas(spec)
    out: dict[str, TableData] = {}
    for name in spec.table_order():
        if tables is not None and name not in tables:
            continue
        folder = dest.table_path(spec.name, name)
        if not dest.fs.isdir(folder):
            continue
        schema = schemas.get(name)
        if dest.data_files(folder):
            out[name] = dest.read(spec.name, name, schema=schema)
        else:
            keys = dest.list_partitions(spec.name, name)
            if not keys:
                continue
            out[name] = {k: dest.read(spec.name, name, [k], schema=schema) for k in keys}
    prov = file_provenance(dest, spec, list(out), base, destination is not None)
    hashes = {}
    for name, data in out.items():
        table, _ = split_partitions(data)
        hashes[name] = content_hash(table)
    prov["content_hashes"] = hashes
    return out, prov


def file_provenance(dest: Any, spec: DatasetSpec, names: Sequence[str], base: str | os.PathLike[str],
                    remote: bool) -> dict[str, Any]:
    """What the manifests of the table folders ``names`` say about the run that wrote them (seed, scale,
    locale, format, generator version, tables generated from another spec), the time the newest data file
    was written and where the data is (``remote``: read through ``dest``, not the local folder ``base``)."""
    manifests: dict[str, dict[str, Any]] = {}
    newest = 0.0
    for name in names:
        folder = dest.table_path(spec.name, name)
        manifest = _read_manifest(dest.fs, folder)
        if manifest is not None:
            manifests[name] = manifest
        newest = max([newest, *_data_file_times(dest.fs, folder)])
    prov: dict[str, Any] = {}
    identities = [m.get("identity", {}) for m in manifests.values()]
    for key in ("seed", "scale", "locale", "format", "generator_version"):
        values = list(dict.fromkeys(i[key] for i in identities if key in i))
        if values:
            prov[key] = values[0] if len(values) == 1 else "mixed: " + ", ".join(map(str, values))
    stale = [t for t, m in manifests.items() if m.get("identity", {}).get("spec_hash") not in (None,
                                                                                           spec.spec_hash(t))]
    if stale:
        prov["generated from another spec"] = ", ".join(stale)
    if newest:
        prov["generated_at"] = dt.datetime.fromtimestamp(newest, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    prov["data"] = str(Path(os.fspath(base)) / spec.name) if not remote else dest.uri(f"{dest.root}/{spec.name}")
    return prov


def _load_sql_tables(dest: SqlStore, spec: DatasetSpec,
                     tables: Sequence[str] | None) -> tuple[dict[str, TableData], dict[str, Any]]:
    """:func:`load_tables` from a database: tables that exist, partitioned ones as ``{key: table}``."""
    from mock_pipelines.store.content import content_hash

    out: dict[str, TableData] = {}
    for name in spec.table_order():
        if (tables is not None and name not in tables) or not dest.exists(spec.name, name):
            continue
        if dest.is_partitioned(spec.name, name):
            keys = dest.list_partitions(spec.name, name)
            if keys:
                out[name] = {k: dest.read(spec.name, name, [k]) for k in keys}
        else:
            out[name] = dest.read(spec.name, name)
    prov: dict[str, Any] = {"data": dest.database(spec.name).where()}
    prov["content_hashes"] = {name: content_hash(split_partitions(data)[0]) for name, data in out.items()}
    return out, prov


def _read_manifest(fs: Any, folder: str) -> dict[str, Any] | None:
    from mock_pipelines.store.files.manifest import MANIFEST

    path = f"{folder.rstrip('/')}/{MANIFEST}"
    try:
        if not fs.isfile(path):
            return None
        return json.loads(fs.cat_file(path))
    except (OSError, ValueError):
        return None


def _data_file_times(fs: Any, folder: str) -> list[float]:
    """Modification times (epoch seconds) of the data files under ``folder``: local files report
    ``mtime``, object stores ``LastModified``."""
    times = []
    for path, info in fs.find(folder, detail=True).items():
        if not path.rsplit("/", 1)[-1].startswith("part-"):
            continue
        stamp = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
        if isinstance(stamp, dt.datetime):
            stamp = stamp.timestamp()
        if isinstance(stamp, int | float):
            times.append(float(stamp))
    return times


def arrow_schemas(spec: DatasetSpec) -> dict[str, pa.Schema]:
    """The Arrow schema the engine writes for each table: what every format is read back as (the same
    typed read as the Dagster checks, :mod:`mock_pipelines.store.files.reading`). A table the engine
    cannot plan falls back to its declared column types; one with an undeclared type is read as written
    (Parquet) or by the types its manifest recorded."""
    from mock_pipelines.core.engine import DatasetPlan

    try:
        plan: DatasetPlan | None = DatasetPlan(spec)
    except Exception:  # an unplannable spec still gets a report of whatever was written
        plan = None
    out: dict[str, pa.Schema] = {}
    for name, table in spec.tables.items():
        schema: pa.Schema | None = None
        if plan is not None:
            try:
                schema = plan.table(name).arrow_schema
            except Exception:
                schema = None
        schema = schema if schema is not None else _declared(table)
        if schema is not None:
            out[name] = schema
    return out


def _declared(table: Any) -> pa.Schema | None:
    from mock_pipelines.core.engine import arrow_type

    types = {name: arrow_type(c.type) for name, c in table.columns.items()}
    if any(t is None for t in types.values()):
        return None
    return pa.schema(list(types.items()))
