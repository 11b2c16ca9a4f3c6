"""What the report shows of landed data, read from what the check steps recorded where it still matches,
else measured from the data streamed batch by batch — never a whole table in memory.

For each table (each partition of a partitioned table) the writer's manifest gives the content hash of what
landed (:meth:`~mock_pipelines.store.files.store.FileStore.landed_hash`). When the check step recorded
results and a column profile for that very hash (:mod:`~mock_pipelines.quality.recorded`), they are used
as they are: the data is not read. Otherwise the data is streamed from the store into the one runner
(:func:`~mock_pipelines.quality.runner.check_batches`) and a
:class:`~mock_pipelines.quality.column_profile.TableProfile` at once. The profiles of the partitions of a
table are merged; their recorded results are combined rule by rule. Cross-table rules are not recorded with
the hashes of both sides: they are evaluated here, on only the columns they compare.

A database destination is streamed the same way, through a server-side cursor
(:meth:`~mock_pipelines.store.sql.store.SqlStore.read_batches`). Nothing is recorded beside its rows, so every
table is measured; the partitions of a table are checked as one whole (their rows in key order), and the
content hash of each table is computed from the rows as they stream by.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from mock_pipelines.quality.column_profile import TableProfile
from mock_pipelines.quality.report.table_data import DAY_KEY, MeasuredTable
from mock_pipelines.spec.model import DatasetSpec

UNIQUE = "ExpectColumnValuesToBeUnique"


@dataclass
class Landed:
    """The tables of a dataset as the report shows them, their check results and provenance."""

    tables: dict[str, MeasuredTable]
    results: list[Any] | None  # None: checks not run
    provenance: dict[str, Any]
    read: list[str] = field(default_factory=list)  # "table" or "table/partition" read back from the store
    # each landed scenario's detection score (quality.scoring.Detection), by scenario name
    scenarios: dict[str, Any] = field(default_factory=dict)


def read_landed(spec: DatasetSpec, base: str | os.PathLike[str], *, destination: Any = None, plan: Any = None,
                checks: bool = True, severity: Any = None, recorded: str | os.PathLike[str] | None = None,
                data_docs: str | os.PathLike[str] | None = None, run_name: str | None = None,
                run_time: dt.datetime | None = None, batch_rows: int | None = None) -> Landed:
    """The report's view of the dataset ``spec`` landed under ``base`` (or in ``destination``: an S3
    :class:`~mock_pipelines.store.files.store.FileStore` or a database).

    ``plan``: the run's :class:`~mock_pipelines.core.engine.DatasetPlan` (row counts expected at its scale);
    without it one is made from the seed, scale and locale the manifests recorded. ``recorded``: the
    reports root where check steps recorded results and profiles. ``severity``, ``data_docs``,
    ``run_name``, ``run_time``: as :func:`~mock_pipelines.quality.report.checks.run_checks`. ``batch_rows``:
    rows per batch streamed (default 262,144 from files; from a database, the batches a whole read of it
    gives, so the results are those of the tables read whole).
    """
    from mock_pipelines.store.files.store import FileStore
    from mock_pipelines.store.sql.store import SqlStore

    dest = destination if destination is not None else FileStore(os.fspath(base))
    if isinstance(dest, SqlStore):
        from mock_pipelines.store.sql.database import READ_CHUNK

        return _SqlReader(spec, dest, base, True, plan, checks, severity, None, data_docs, run_name, run_time,
                          batch_rows or READ_CHUNK).read()
    if not isinstance(dest, FileStore):
        raise TypeError(f"cannot read the tables of a {type(dest).__name__}: expected a FileStore or a SqlStore")
    dest.check_reachable()
    return _Reader(spec, dest, base, destination is not None, plan, checks, severity, recorded, data_docs,
                   run_name, run_time, batch_rows or 262_144).read()


class _Reader:
    whole_partitions = False  # partitions checked as one whole even when each partition's rules are known

    def __init__(self, spec: DatasetSpec, dest: Any, base: Any, remote: bool, plan: Any, checks: bool,
                 severity: Any, recorded: Any, data_docs: Any, run_name: Any, run_time: Any, batch_rows: int):
        from mock_pipelines.quality.report.loading import arrow_schemas

        self.spec, self.dest, self.checks, self.severity = spec, dest, checks, severity
        self.recorded, self.batch_rows = recorded, batch_rows
        self.docs = (data_docs, run_name, run_time)
        self.schemas = arrow_schemas(spec)
        self.units: dict[str, list[str] | None] = self._units()  # table -> partition keys (None: unpartitioned)
        self.provenance = self._provenance(base, remote)
        self.plan = plan if plan is not None else self._plan()
        self.read_back: list[str] = []
        self._declared: dict[str, set[str]] = {}  # per partitioned table: the names of its asset's checks

    def _units(self) -> dict[str, list[str] | None]:
        units: dict[str, list[str] | None] = {}
        for name in self.spec.table_order():
            if self.dest.data_files(self.dest.table_path(self.spec.name, name)):
                units[name] = None
            else:
                keys = self.dest.list_partitions(self.spec.name, name)
                if keys:
                    units[name] = keys
        return units

    def _provenance(self, base: Any, remote: bool) -> dict[str, Any]:
        from mock_pipelines.quality.report.loading import file_provenance

        return file_provenance(self.dest, self.spec, list(self.units), base, remote)

    def _plan(self) -> Any:
        from mock_pipelines.core.engine import DatasetPlan, PlanOptions

        def known(key: str, kind: Any) -> Any:  # the run's value from the manifests, unless they disagree
            value = self.provenance.get(key)
            return value if isinstance(value, kind) and not isinstance(value, bool) else None

        return DatasetPlan(self.spec, PlanOptions(seed=known("seed", int), scale=known("scale", int | float) or 1.0,
                                                  locale=known("locale", str)))

    def read(self) -> Landed:
        tables: dict[str, MeasuredTable] = {}
        results: list[Any] = []
        hashes: dict[str, str | None] = {}
        for name, keys in self.units.items():
            if keys is None:
                tables[name], found, hashes[name] = self._unpartitioned(name)
            else:
                tables[name], found, hashes[name] = self._partitioned(name, keys, tables)
            results += found
            if self.checks:
                results += self._cross(name, keys is not None)
        self.provenance["content_hashes"] = {k: v for k, v in hashes.items() if v}
        keys = sorted({k for found in self.units.values() if found for k in found})
        for name, table in tables.items():
            if self.spec.tables[name].changes is not None:
                table.change_volume = self._change_volume(name, self.units.get(name) or keys)
        return Landed(tables, results if self.checks else None, self.provenance, self.read_back, self._scenarios())

    def _scenarios(self) -> dict[str, Any]:
        """The detection score of each scenario whose ground truth landed beside the dataset (checks only)."""
        if not self.checks or not self.spec.scenarios:
            return {}
        from mock_pipelines.quality.report.scenarios import landed_scores

        return landed_scores(self.spec, self.dest, self.plan, batch_rows=self.batch_rows)

    def _change_volume(self, name: str, keys: Sequence[str]) -> dict[str, dict[str, int]] | None:
        """Inserts, updates and deletes per partition of the landed change log of a table with ``changes:``
        (``<table>__changes``, only its ``__op`` and ``__changed`` columns streamed; a soft delete counts as a
        delete); None when none of it landed."""
        from mock_pipelines.core.changes import CHANGED, LOG, OP, output_table
        from mock_pipelines.quality.change_checks import op_counts

        deletes = self.spec.tables[name].changes.deletes  # type: ignore[union-attr]
        soft = deletes.column if deletes is not None and deletes.mode == "soft" else None
        out: dict[str, dict[str, int]] = {}
        for key in keys:
            try:
                out[key] = op_counts(self.dest.read_batches(self.spec.name, output_table(name, LOG), key,
                                                            columns=[OP, CHANGED], batch_rows=self.batch_rows),
                                     soft)
            except Exception:  # not landed (or not readable): the report counts it from the plan instead
                continue
        return out or None

    # -- one table or partition ---------------------------------------------------------------------------
    def _source(self, name: str, keys: Sequence[str | None], rows: dict[str, int] | None = None
                ) -> Callable[[], Iterator[pa.RecordBatch]]:
        def batches() -> Iterator[pa.RecordBatch]:
            for key in keys:
                if rows is not None and key is not None:
                    rows[key] = 0
                for batch in self.dest.read_batches(self.spec.name, name, key, schema=self.schemas.get(name),
                                                    batch_rows=self.batch_rows):
                    if rows is not None and key is not None:
                        rows[key] += batch.num_rows
                    yield batch
        return batches

    def _record(self, name: str, key: str | None) -> tuple[str | None, dict[str, Any] | None]:
        """The landed content hash and the record that matches it (None: none)."""
        from mock_pipelines.quality import recorded

        landed = self.dest.landed_hash(self.spec.name, name, key)
        if self.recorded is None or landed is None:
            return landed, None
        body = recorded.matching(self.recorded, self.spec.name, name, key, landed)
        return landed, body if body is not None and body.get("profile") else None

    def _unpartitioned(self, name: str) -> tuple[MeasuredTable, list[Any], str | None]:
        from mock_pipelines.quality import rules as qrules

        landed, body = self._record(name, None)
        derived = qrules.derive_rules(self.spec, name, qrules.expected_rows(self.plan, name),
                                      locale=self.plan.locale, severity=self.severity) if self.checks else []
        validation = _from_record(name, body, derived) if body is not None else None
        if body is not None and (validation is not None or not self.checks):
            profile = TableProfile.from_state(body["profile"])
        else:
            profile, validation = self._measure(name, [None], derived)
        self._publish_docs(name, validation)
        results = validation.results if validation is not None else []
        return MeasuredTable(profile, None, _duplicates(derived, results)), results, landed

    def _measure(self, name: str, keys: Sequence[str | None], derived: list[Any],
                 rows: dict[str, int] | None = None) -> tuple[TableProfile, Any]:
        from mock_pipelines.quality import runner

        self.read_back += [name if k is None else f"{name}/{k}" for k in keys]
        source = self._source(name, keys, rows)
        schema = self.schemas.get(name)
        profile = TableProfile(schema)
        if not self.checks:
            for batch in source():
                profile.add(batch)
            return profile, None
        return profile, runner.check_batches(derived, source, table=name, schema=schema, profile=profile)

    def _partitioned(self, name: str, keys: list[str], done: Mapping[str, MeasuredTable]
                     ) -> tuple[MeasuredTable, list[Any], str | None]:
        from mock_pipelines.quality.report.checks import partition_rules
        from mock_pipelines.store.content import ContentHasher

        records = {k: self._record(name, k) for k in keys}
        summary = ContentHasher(pa.schema([("partition", pa.string()), ("content_hash", pa.string())]))
        for k, (landed, _) in records.items():
            summary.update(pa.record_batch([[k], [landed or ""]], names=["partition", "content_hash"]))
        table_hash = summary.hexdigest() if all(landed for landed, _ in records.values()) else None
        per_partition = self.checks and not self.whole_partitions and self.plan.table(name).is_partitioned \
            and all(DAY_KEY.match(k) for k in keys)
        if per_partition:  # the rules each partition's check step derived: what its record must cover
            rules = {k: self._partition_rules(name, k) for k in keys}
            records = {k: (landed, body if body is not None and _from_record(name, body, rules[k]) is not None
                           else None) for k, (landed, body) in records.items()}
        missing = [k for k, (_, body) in records.items() if body is None]
        if per_partition and missing:  # only the partitions without a matching record are read
            parts, rows, found = [], {}, []
            for k, (_, body) in records.items():
                if body is not None:
                    parts.append(TableProfile.from_state(body["profile"]))
                    found.append(body["results"])
                else:
                    profile, validation = self._measure(name, [k], rules[k])
                    parts.append(profile)
                    found.append(validation.results)
                rows[k] = parts[-1].rows
            return MeasuredTable(TableProfile.merged(parts), rows), _combined(found), table_hash
        if not missing or not self.checks:
            # every partition recorded (or no checks): recorded profiles merged, the others streamed
            parts, rows = [], {}
            for k, (_, body) in records.items():
                if body is not None:
                    parts.append(TableProfile.from_state(body["profile"]))
                    rows[k] = int(body.get("rows") or parts[-1].rows)
                else:
                    parts.append(self._measure(name, [k], [])[0])
                    rows[k] = parts[-1].rows
            results = _combined([body["results"] for _, body in records.values() if body]) if self.checks else []
            return MeasuredTable(TableProfile.merged(parts), rows), results, table_hash
        # some partition has no record and no window of its own is known (the run's plan is not partitioned,
        # or the keys are not days): every partition checked as one whole, streamed once
        tspec = self.spec.tables[name]
        parent = done.get(tspec.rows.per) if tspec.rows.per else None
        derived = partition_rules(self.spec, name, keys, parent.num_rows if parent is not None else None,
                                  locale=self.plan.locale, severity=self.severity)
        rows = {}
        profile, validation = self._measure(name, keys, derived, rows)
        self._publish_docs(f"{name}-all", validation, table=name)
        return MeasuredTable(profile, rows, {}), validation.results, table_hash

    def _partition_rules(self, name: str, key: str) -> list[Any]:
        """The single-table rules the check step of partition ``key`` (a day) evaluates: those derived for its
        window that are checks of the asset (derived without a window: the asset's check specs)."""
        from mock_pipelines.quality import rules as qrules
        from mock_pipelines.quality.report.checks import partition_window

        if name not in self._declared:
            self._declared[name] = {r.name for r in qrules.derive_rules(
                self.spec, name, None, locale=self.plan.locale, partitioned=True, severity=self.severity)}
        window = partition_window([key])
        return [r for r in qrules.derive_rules(self.spec, name, qrules.expected_rows(self.plan, name, window),
                                               locale=self.plan.locale, partitioned=True, window=window,
                                               severity=self.severity) if r.name in self._declared[name]]

    def _publish_docs(self, batch: str, validation: Any, table: str | None = None) -> None:
        folder, run_name, run_time = self.docs
        if folder is None or validation is None or not (validation.gx_results or validation.arrow_checked):
            return
        from mock_pipelines.quality.data_docs import suite_results
        from mock_pipelines.quality.gx_runner import gx_context
        from mock_pipelines.quality.report.checks import build_gx_data_docs

        build_gx_data_docs(suite_results(validation), folder, context=gx_context(), batch=batch,
                           run_name=run_name, run_time=run_time)

    # -- cross-table rules --------------------------------------------------------------------------------
    def _cross(self, name: str, partitioned: bool) -> list[Any]:
        """Cross-table rules, on only the columns they compare (read whole: a join needs both sides)."""
        from mock_pipelines.quality import cross_table

        rules = cross_table.derive_cross_rules(self.spec, name, partitioned=partitioned, severity=self.severity)
        if not rules:
            return []
        need = cross_table.columns_read(rules, name)
        data = {t: self._columns(t, sorted(cols)) for t, cols in need.items() if t in self.units and cols}
        child = data.get(name)
        if child is None:
            return []
        return cross_table.check_cross_table(rules, child, {t: d for t, d in data.items() if t != name})

    def _columns(self, table: str, columns: list[str]) -> pa.Table:
        schema = self.schemas.get(table)
        typed = pa.schema([schema.field(c) for c in columns if c in schema.names]) if schema is not None else None
        return self.dest.read(self.spec.name, table, columns=columns, schema=typed)


# ---- recorded results ---------------------------------------------------------------------------------------

def _from_record(name: str, body: Mapping[str, Any], derived: list[Any]) -> Any:
    """A ``TableValidation`` of the recorded results, when they cover every derived rule (None: recorded
    for other rules — a subset of checks, another profile's severities)."""
    from mock_pipelines.quality.report.checks import validation_from_results

    return validation_from_results(name, int(body.get("rows") or 0), derived, body["results"])


def _combined(per_partition: Sequence[Sequence[Any]]) -> list[Any]:
    """One result per rule from the results of every partition: failed if any partition failed (the
    first failing partition's observation), unexpected rows and evaluated rows summed, examples pooled."""
    import dataclasses

    by_name: dict[str, list[Any]] = {}
    for results in per_partition:
        for r in results:
            by_name.setdefault(r.name, []).append(r)
    out = []
    for group in by_name.values():
        failing = [r for r in group if not r.passed and not r.skipped]
        first = failing[0] if failing else group[0]
        counts = [r.unexpected_count for r in group if r.unexpected_count is not None]
        examples = [e for r in (failing or group) for e in (r.examples or [])][:5]
        evaluated = [r.evaluated_rows for r in group if r.evaluated_rows is not None]
        observed = first.observed if len(group) == 1 else (
            f"{len(failing)} of {len(group)} partitions off; first: {first.observed}" if failing
            else f"{len(group)} partitions pass" if not all(r.skipped for r in group) else first.observed)
        out.append(dataclasses.replace(first, passed=not failing, skipped=all(r.skipped for r in group),
                                       observed=observed, unexpected_count=sum(counts) if counts else None,
                                       examples=examples, evaluated_rows=sum(evaluated) if evaluated else None,
                                       sampled=any(r.sampled for r in group)))
    return out


def _duplicates(derived: Sequence[Any], results: Sequence[Any]) -> dict[str, int]:
    """Rows whose value repeats, per column with an exact uniqueness rule."""
    by_name = {r.name: r for r in results}
    out = {}
    for rule in derived:
        result = by_name.get(rule.name)
        if rule.expectation == UNIQUE and result is not None and result.unexpected_count is not None \
                and not result.error:
            column = rule.gx_kwargs(None).get("column")
            if isinstance(column, str):
                out[column] = int(result.unexpected_count)
    return out


# ---- a database: streamed through a server-side cursor -----------------------------------------------------

class _SqlReader(_Reader):
    """A database destination: the tables that exist, each partition streamed in key order. Nothing is
    recorded beside a database (no content hash is kept with its rows), so every table is measured; the
    partitions of a table are checked as one whole, as the rows of the table in key order. The content hash
    of each table is computed from the rows as they stream by the first time."""

    whole_partitions = True

    def __init__(self, *args: Any):
        from mock_pipelines.store.files.reading import plain_schema

        self._hashers: dict[str, Any] = {}
        super().__init__(*args)
        # what a database gives back: dictionary columns as their values (the types the rules observe)
        self.schemas = {name: plain_schema(schema) for name, schema in self.schemas.items()}

    def _units(self) -> dict[str, list[str] | None]:
        units: dict[str, list[str] | None] = {}
        for name in self.spec.table_order():
            if not self.dest.exists(self.spec.name, name):
                continue
            if not self.dest.is_partitioned(self.spec.name, name):
                units[name] = None
            elif keys := self.dest.list_partitions(self.spec.name, name):
                units[name] = keys
        return units

    def _provenance(self, base: Any, remote: bool) -> dict[str, Any]:
        return {"data": self.dest.database(self.spec.name).where()}

    def _record(self, name: str, key: str | None) -> tuple[str | None, dict[str, Any] | None]:
        return None, None

    def _scenarios(self) -> dict[str, Any]:
        return {}  # scenarios are scored where they land as files (a database keeps no typed copy of drift)

    def _source(self, name: str, keys: Sequence[str | None], rows: dict[str, int] | None = None
                ) -> Callable[[], Iterator[pa.RecordBatch]]:
        from mock_pipelines.store.content import ContentHasher

        inner = super()._source(name, keys, rows)
        first = [True]

        def batches() -> Iterator[pa.RecordBatch]:
            hashing = first.pop() if first else False  # the rows of a unit are hashed once, as they first pass
            for batch in inner():
                if hashing:
                    self._hashers.setdefault(name, ContentHasher(batch.schema)).update(batch)
                yield batch
        return batches

    def _columns(self, table: str, columns: list[str]) -> pa.Table:
        keys = self.units.get(table)
        if keys is None:
            return self.dest.read(self.spec.name, table, columns=columns)
        return pa.concat_tables([self.dest.read(self.spec.name, table, [k], columns=columns) for k in keys])

    def read(self) -> Landed:
        from mock_pipelines.store.content import content_hash
        from mock_pipelines.store.sql.ddl import arrow_types

        landed = super().read()
        hashes = {}
        for name in self.units:
            hasher = self._hashers.get(name)
            hashes[name] = hasher.hexdigest() if hasher is not None \
                else content_hash(arrow_types(self.spec)[name].empty_table())
        landed.provenance["content_hashes"] = hashes
        return landed
