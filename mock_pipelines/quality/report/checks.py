"""The schema-derived quality checks run on loaded tables for the report, and their GX Data Docs. Great
Expectations is imported only when checks run."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mock_pipelines.quality.report.table_data import DAY_KEY, TableData, split_partitions
from mock_pipelines.spec.model import DatasetSpec


def partition_window(keys: Iterable[str]) -> tuple[dt.datetime, dt.datetime] | None:
    """The time window daily partition keys cover (``None`` for other keys)."""
    keys = sorted(keys)
    if not keys or not all(DAY_KEY.match(k) for k in keys):
        return None
    first, last = dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])
    return (dt.datetime(first.year, first.month, first.day),
            dt.datetime(last.year, last.month, last.day) + dt.timedelta(days=1))


def run_checks(spec: DatasetSpec, tables: Mapping[str, TableData], *, seed: int | None = None,
               scale: float | None = None, locale: str | None = None,
               severity: Any = None, data_docs: str | os.PathLike[str] | None = None,
               run_name: str | None = None, run_time: dt.datetime | None = None) -> list[Any] | None:
    """The schema-derived quality checks (:mod:`mock_pipelines.quality.rules`) of the tables as loaded by
    :func:`load_tables`. Single-table rules are evaluated by the one runner
    (:mod:`~mock_pipelines.quality.runner`: each table measured batch by batch); foreign keys, children per
    parent and parent-relative times by :mod:`~mock_pipelines.quality.cross_table`. Returns the
    ``RuleResult`` list, or ``None`` when the quality modules are not available (the report then says checks
    were not run).

    Landed data is better read with :func:`~mock_pipelines.quality.report.landed.read_landed`, which uses
    what the check steps recorded and streams the rest; this checks tables already in memory.

    Row counts are expected for ``seed``/``scale``/``locale`` (the manifests' values; default the schema's
    and 1.0). Partitioned data is checked as a whole: the row count of a table that grows by time is not
    checked, the children of a ``per:`` parent are counted against the parent rows present, and the time
    column must lie in the window the (daily) partition keys cover.

    ``severity``: the profile's ``checks:`` section (or a
    :class:`~mock_pipelines.quality.severity.SeverityPolicy`, or a mapping of overrides): the same severities
    the Dagster checks have (:mod:`~mock_pipelines.quality.severity`); None keeps the rules' defaults.

    ``data_docs``: a folder where the Great Expectations results are also published as GX Data Docs (one
    page per table — ``<table>-all`` for partitioned data — replacing the earlier one; see
    :mod:`~mock_pipelines.quality.data_docs`), under ``run_name`` and ``run_time``.
    """
    try:
        from mock_pipelines.core.engine import DatasetPlan, PlanOptions
        from mock_pipelines.quality import rules as qrules
        from mock_pipelines.quality import runner
    except ImportError:
        return None
    try:
        from mock_pipelines.quality import cross_table
    except ImportError:
        cross_table = None  # single-table rules only
    plan = DatasetPlan(spec, PlanOptions(seed=seed, scale=scale or 1.0, locale=locale))
    split = {name: split_partitions(data) for name, data in tables.items() if name in spec.tables}
    results: list[Any] = []
    for name in spec.table_order():
        if name not in split:
            continue
        table, parts = split[name]
        tspec = spec.tables[name]
        if parts is None:
            rows: Any = qrules.expected_rows(plan, name)
            derived = qrules.derive_rules(spec, name, rows, locale=locale, severity=severity)
        else:
            parent = split.get(tspec.rows.per) if tspec.rows.per else None
            derived = partition_rules(spec, name, parts, parent[0].num_rows if parent is not None else None,
                                      locale=locale, severity=severity)
        validation = runner.check_table(table, derived, table=name)
        results.extend(validation.results)
        if data_docs is not None and (validation.gx_results or validation.arrow_checked):
            from mock_pipelines.quality.data_docs import suite_results
            from mock_pipelines.quality.gx_runner import gx_context

            batch = name if parts is None else f"{name}-all"  # a stable name: replaced, not added, next time
            build_gx_data_docs(suite_results(validation), data_docs, context=gx_context(), batch=batch,
                               run_name=run_name, run_time=run_time)
        if cross_table is not None:
            cross = cross_table.derive_cross_rules(spec, name, partitioned=parts is not None, severity=severity)
            parents = {p: split[p][0] for p in tspec.parents() if p in split}
            results.extend(cross_table.check_cross_table(cross, table, parents))
    return results


def partition_rules(spec: DatasetSpec, name: str, keys: Iterable[str], parent_rows: int | None, *,
                    locale: str | None = None, severity: Any = None) -> list[Any]:
    """The single-table rules of partitioned data checked as one whole: no row count for a table that grows
    by time, children counted against the ``per:`` parent rows present, the time column within the window
    the (daily) partition keys cover."""
    from mock_pipelines.quality import rules as qrules

    tspec = spec.tables[name]
    rows = qrules.RowExpectation(parents=parent_rows) if parent_rows is not None and (
        tspec.partitioned is None or not tspec.partitioned.rows_per_day) else qrules.RowExpectation()
    return qrules.derive_rules(spec, name, rows, locale=locale, partitioned=True, window=partition_window(keys),
                               severity=severity)


def validation_from_results(name: str, rows: int, derived: list[Any], found: list[Any]) -> Any:
    """Recorded results as the ``TableValidation`` of the ``derived`` rules; None when they do not cover
    every one (recorded for a subset of checks, or under another profile's severities)."""
    from mock_pipelines.quality.gx_runner import TableValidation

    by_name = {r.name: r for r in found}
    single = [r for r in derived if r.expectation is not None]
    if any(r.name not in by_name for r in single):
        return None
    ordered = [by_name[r.name] for r in single]
    return TableValidation(name, rows, ordered,
                           arrow_checked=[(r, by_name[r.name]) for r in single if not by_name[r.name].skipped])


def build_gx_data_docs(validation_results: Any, folder: str | os.PathLike[str], *, context: Any | None = None,
                       batch: str | None = None, run_name: str | None = None,
                       run_time: dt.datetime | None = None) -> Path | None:
    """Render Great Expectations validation results as GX Data Docs under ``folder``; the index.html path.

    Accepts ``ExpectationSuiteValidationResult`` objects, ``CheckpointResult`` objects (their run results)
    or a list of either. The site keeps the latest result per suite and ``batch`` (see
    :mod:`mock_pipelines.quality.data_docs`). ``None`` when there is nothing to render.
    """
    from mock_pipelines.quality import data_docs

    built = data_docs.publish(validation_results, folder, context=context, batch=batch, run_name=run_name,
                              run_time=run_time)
    return built.index if built is not None else None
