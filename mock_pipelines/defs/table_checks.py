"""The single-table checks of a table asset, measured in the asset's own step.

The rules of :func:`~mock_pipelines.quality.rules.derive_rules` (everything but the cross-table rules) are
check specs of the table asset. When the asset materialises, each slice it returns is wrapped in a
:class:`~mock_pipelines.quality.stream.MeasuredSlice`: while the IO manager streams the batches to the
destination, a second thread measures them; once the output is handled, the asset evaluates the rules from
the measure (:func:`~mock_pipelines.quality.runner.evaluate`), verifies that the rows measured are the rows
written, records the results and the column profile measured from the same batches beside the report
(:mod:`~mock_pipelines.quality.recorded`) and yields them
through :func:`~mock_pipelines.defs.check_events.check_events`. When only the checks run (the UI's
"Execute checks", data written by someone else), the step streams the landed data from the store
(:meth:`~mock_pipelines.store.protocol.TableStore.read_batches`: Parquet row group by row group, a database
through a server-side cursor), once per partition and only the columns the rules need, into the same
measure: memory holds a batch, not the partition. A single-run backfill keeps one measure per partition.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import dagster as dg

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.check_events import check_events
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.profiles.model import Checks
from mock_pipelines.quality.results import RuleResult
from mock_pipelines.quality.rules import Rule
from mock_pipelines.store.protocol import TableStore

Window = tuple[dt.datetime, dt.datetime] | tuple[None, None]


def single_table_rules(plan: DatasetPlan, table: str, checks: Checks, window: Any = None) -> list[Rule]:
    """The rules of ``table`` the asset checks itself (cross-table rules have their own check step)."""
    from mock_pipelines.defs.checks import table_rules

    return [r for r in table_rules(plan, table, checks, plan.partitions is not None, window)
            if r.expectation is not None and r.severity != "off"]


def table_check_specs(plan: DatasetPlan, table: str, checks: Checks,
                      partitions_def: dg.PartitionsDefinition | None) -> list[dg.AssetCheckSpec]:
    partitioned = plan.table(table).is_partitioned
    key = table_asset_key(plan.spec.name, table)
    return [dg.AssetCheckSpec(name=r.name, asset=key, description=r.description, blocking=r.blocking,
                              partitions_def=partitions_def if partitioned else None)
            for r in single_table_rules(plan, table, checks)]


class TableCheckRun:
    """The checks of one step of a table asset: which are selected, their measures, their results."""

    def __init__(self, context: dg.AssetExecutionContext, plan: DatasetPlan, table: str, checks: Checks | None,
                 destination: Callable[[], TableStore] | None, reports_root: str | None):
        self.context, self.plan, self.table = context, plan, table
        self.checks = checks or Checks()
        self.destination, self.reports_root = destination, reports_root
        self.selected = {k.name for k in context.selected_asset_check_keys}
        self.key = table_asset_key(plan.spec.name, table)
        self.rules: dict[str | None, list[Rule]] = {}
        self.slices: dict[str | None, Any] = {}
        self._declared: list[Rule] | None = None  # the rules of the unwindowed table: the check specs

    def _rules(self, partition: str | None, window: Window) -> list[Rule]:
        rules = single_table_rules(self.plan, self.table, self.checks,
                                   window if partition is not None else None)
        self.rules[partition] = [r for r in rules if r.name in self.selected]
        return self.rules[partition]

    def observe(self, slices: Mapping[str | None, Any], windows: Mapping[str | None, Window]) -> dict[str | None, Any]:
        """The slices to return, each measured while the IO manager writes it."""
        from mock_pipelines.quality.column_profile import TableProfile
        from mock_pipelines.quality.runner import new_measure
        from mock_pipelines.quality.stream import MeasuredSlice

        out: dict[str | None, Any] = {}
        for key, value in slices.items():
            rules = self._rules(key, windows[key])
            out[key] = self.slices[key] = MeasuredSlice(
                value, lambda rules=rules, schema=value.schema, rows=getattr(value, "num_rows", None):
                new_measure(rules, schema, TableProfile(schema), rows)) \
                if rules else value
        return out

    def results_of_stream(self) -> Iterator[dg.AssetCheckResult]:
        """Results of the measures taken while the output was written."""
        from mock_pipelines.quality.runner import evaluate

        by_partition: dict[str | None, list[RuleResult]] = {}
        measured = rows = 0
        seconds = 0.0
        for key, value in self.slices.items():
            rules = self.rules.get(key) or []
            if not rules:
                by_partition[key] = self._not_derived(rules)
                continue
            measure = value.finish()
            if measure is None:
                raise dg.Failure(description=f"{self.plan.spec.name}.{self.table}: the IO manager did not read "
                                             "every row of the output, so the checks have nothing to judge")
            written = value.written[0] if value.written else None
            if written is not None and written.rows != measure.rows:
                raise dg.Failure(description=f"{self.plan.spec.name}.{self.table}"
                                 + (f" partition {key}" if key else "") + f": {measure.rows:,} rows measured but "
                                 f"{written.rows:,} written")
            validation = evaluate(rules, measure, source=value.inner.batches, table=self.table)
            by_partition[key] = validation.results + self._not_derived(rules)
            measured += measure.rows
            rows += written.rows if written is not None else measure.rows
            seconds += measure.seconds
            self._record(key, validation.results, measure.rows, written.content_hash if written else "",
                         measure.profile)
        self.context.log.info(f"{self.plan.spec.name}.{self.table}: measured {measured:,} rows while writing "
                              f"({seconds:.2f}s of measuring on the second thread)")
        yield from check_events(self.context, self.key, by_partition,
                                {"rows_measured": measured, "rows_written": rows,
                                 "measure_seconds": round(seconds, 3)})

    def results_of_landed(self, windows: Mapping[str | None, Window]) -> Iterator[dg.AssetCheckResult]:
        """Results of the data already landed (only the checks were selected): each partition streamed once,
        batch by batch, into the measure of every rule at once (read again only for what a finished measure
        may still need: the values of rows whose hashes coincide)."""
        from mock_pipelines.quality.runner import check_landed, columns_needed

        store = self.destination() if self.destination is not None else None
        by_partition: dict[str | None, list[RuleResult]] = {}
        started = time.perf_counter()
        for key, window in windows.items():
            rules = self._rules(key, window)
            if not rules or store is None:
                by_partition[key] = self._not_derived(rules)
                continue
            schema = self.plan.table(self.table).arrow_schema
            # recorded for the report: every column (the profile covers them all); else what the rules read
            columns = list(schema.names) if self.reports_root is not None else list(columns_needed(rules))
            try:
                validation, profile = check_landed(rules, store, self.plan.spec.name, self.table, key,
                                                   schema=schema, columns=columns,
                                                   profile=self.reports_root is not None)
            except FileNotFoundError as exc:
                raise dg.Failure(description=f"{self.plan.spec.name}.{self.table}"
                                 + (f" partition {key}" if key else "") + f" has not landed yet: {exc}") from None
            by_partition[key] = validation.results + self._not_derived(rules)
            landed_hash = getattr(store, "landed_hash", None)  # files: the hash the writer recorded
            self._record(key, validation.results, validation.rows,
                         (landed_hash(self.plan.spec.name, self.table, key) or "") if landed_hash else "", profile)
        yield from check_events(self.context, self.key, by_partition,
                                {"read_back_seconds": round(time.perf_counter() - started, 3)})

    def _not_derived(self, derived: list[Rule]) -> list[RuleResult]:
        """Results for the selected checks a partition has no rule for (a distribution is not derived for a
        window expected to hold too few rows), so no check of any partition is left without an outcome."""
        from mock_pipelines.defs.checks import not_derived

        if self._declared is None:  # derived once per step, not once per partition of a backfill
            self._declared = single_table_rules(self.plan, self.table, self.checks)
        return not_derived(self._declared, self.selected, derived)

    def _record(self, partition: str | None, results: list[RuleResult], rows: int, content_hash: str,
                profile: Any = None) -> None:
        """Record the results and the column profile beside the report, keyed by the content hash of what
        landed (the report then reads them instead of the data)."""
        if self.reports_root is None:
            return
        from mock_pipelines.quality.recorded import record

        try:
            record(self.reports_root, self.plan.spec.name, self.table, partition, results, rows=rows,
                   content_hash=content_hash, run_id=self.context.run.run_id,
                   profile=profile.state() if profile is not None else None)
        except OSError as exc:  # a by-product: the check outcomes stand without it
            self.context.log.warning(f"check results not recorded under {self.reports_root}: {exc}")
