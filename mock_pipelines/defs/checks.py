"""Cross-table checks derived from the schema: one check spec per rule, one check step per table.

The single-table rules are checks of the table asset itself, measured while it is written
(:mod:`mock_pipelines.defs.table_checks`). Rules that compare a table with the tables it references
(foreign keys, children per parent, parent sums, times after the parent's) need the parents landed first:
each table with such rules gets a multi-asset check that depends on its parents and reads the child and
each parent once, only the columns the rules compare. Checks of a partitioned table are partitioned too:
the check of partition D reads partition D, and for foreign keys the parent partitions up to D (what D may
reference). A step over a range of partitions (a single-run backfill) checks each partition on its own and
records each outcome against its partition (:mod:`mock_pipelines.defs.check_events`). A rule in force at
severity ``error`` is a blocking check (its failure fails the step and the run, and the tables downstream do
not run); ``warn`` rules only warn. See :mod:`mock_pipelines.quality.severity`.
"""

import datetime as dt
import os
from collections.abc import Callable

import dagster as dg
import pyarrow as pa

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.check_events import check_events, unverifiable
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.partitions import profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.profiles.model import Checks
from mock_pipelines.quality.results import RuleResult
from mock_pipelines.quality.rules import Rule, derive_rules, expected_rows
from mock_pipelines.quality.severity import SeverityPolicy
from mock_pipelines.store.protocol import TableStore


def build_checks(plan: ProfilePlan) -> dg.Definitions:
    """The checks of every table, reading what landed in the profile's first destination (none when the
    profile turns every check off)."""
    from mock_pipelines.defs.stores import store_factory

    destination = store_factory(plan.profile)
    if destination is None:
        return dg.Definitions()
    partitions_def = profile_partitions(plan)
    checks = [build_table_checks(dataset, table, destination=destination, checks=plan.profile.checks,
                                 partitions_def=partitions_def, reports_root=plan.reports_root)
              for dataset in plan.datasets.values() for table in dataset.order()]
    return dg.Definitions(asset_checks=[c for c in checks if c is not None])


def table_rules(plan: DatasetPlan, table: str, checks: Checks, partitioned: bool,
                window: tuple[dt.datetime, dt.datetime] | None = None) -> list[Rule]:
    """Single-table and cross-table rules of ``table``, with the severity in force under the profile's
    ``checks`` (:class:`~mock_pipelines.quality.severity.SeverityPolicy`; ``off`` rules dropped)."""
    from mock_pipelines.quality.cross_table import derive_cross_rules

    policy = SeverityPolicy.of(checks)
    spec = plan.spec
    rows = expected_rows(plan, table, window) if window is not None or not plan.table(table).is_partitioned \
        else None
    rules = derive_rules(spec, table, rows, locale=plan.locale, partitioned=partitioned, window=window,
                         severity=policy)
    rules += derive_cross_rules(spec, table, partitioned=partitioned, severity=policy)
    return rules


def _read(destination: TableStore, plan: DatasetPlan, table: str, keys: list[str] | None,
          up_to: str | None = None, columns: set[str] | None = None, allow_missing: bool = False) -> pa.Table:
    """A table, its partitions ``keys``, or (``up_to``) every partition up to and including that key, typed
    by the table's Arrow schema whatever the format it landed in; only ``columns`` when given."""
    tp = plan.table(table)
    cols = sorted(columns) if columns else None
    schema = tp.arrow_schema if cols is None else pa.schema([tp.arrow_schema.field(c) for c in cols])
    if not tp.is_partitioned:
        return destination.read(plan.spec.name, table, columns=cols, schema=schema)
    if up_to is not None:
        keys = [k for k in destination.list_partitions(plan.spec.name, table) if k <= up_to]
    return destination.read(plan.spec.name, table, keys, columns=cols,
                            allow_missing=allow_missing or up_to is not None, schema=schema)


class _Parents:
    """The parent data the cross-table rules of one check step read, each piece read once per step."""

    def __init__(self, destination: TableStore, plan: DatasetPlan, table: str,
                 partitions_def: dg.PartitionsDefinition | None):
        self.destination, self.plan, self.table, self.partitions_def = destination, plan, table, partitions_def
        self._landed: dict[str, list[str]] = {}
        self._parts: dict[tuple[str, str], pa.Table] = {}
        self._whole: dict[str, pa.Table] = {}
        self.need: dict[str, set[str]] = {}  # the columns the rules read, per table (see _columns)

    def landed(self, parent: str) -> list[str]:
        if parent not in self._landed:
            self._landed[parent] = self.destination.list_partitions(self.plan.spec.name, parent)
        return self._landed[parent]

    def missing(self, parent: str, key: str | None, up_to: bool) -> list[str]:
        """What of ``parent`` the rules of partition ``key`` need but is not materialised yet: the same
        partition, or (``up_to``) every partition up to ``key``; the table itself when it is not partitioned."""
        if not self.plan.table(parent).is_partitioned:
            return [] if self.destination.has_data(self.plan.spec.name, parent) else [f"{parent} (not materialised)"]
        have = set(self.landed(parent))
        if up_to and key is not None:
            needed = [k for k in self.partitions_def.get_partition_keys() if k <= key]  # type: ignore[union-attr]
        else:
            needed = [key] if key is not None else []
        return [k for k in needed if k not in have]

    def read(self, parent: str, key: str | None, up_to: bool) -> pa.Table:
        """``parent``: whole, its partition ``key``, or (``up_to``) its partitions up to ``key``; only the
        columns the rules compare (``need``), typed by the parent's schema."""
        columns = self.need.get(parent)
        if not self.plan.table(parent).is_partitioned:
            if parent not in self._whole:
                self._whole[parent] = _read(self.destination, self.plan, parent, None, columns=columns)
            return self._whole[parent]
        wanted = [k for k in self.landed(parent) if key is None or (k <= key if up_to else k == key)]
        for k in wanted:
            if (parent, k) not in self._parts:
                self._parts[(parent, k)] = _read(self.destination, self.plan, parent, [k], columns=columns)
        parts = [self._parts[(parent, k)] for k in wanted]
        return pa.concat_tables(parts) if parts else _read(self.destination, self.plan, parent, [],
                                                           columns=columns, allow_missing=True)


def _check_cross(rules: list[Rule], data: pa.Table, key: str | None, parents: _Parents) -> list[RuleResult]:
    """Cross-table rules of one partition (``key``) or table. Children per parent and parent sums compare with
    the parents of the same partition (their children land with them); references may point at any parent
    created up to that partition. A rule whose parent data has not landed yet is not verifiable yet."""
    from mock_pipelines.quality.cross_table import check_cross_table, rule_tables

    table = parents.table
    out: list[RuleResult] = []
    same = [r for r in rules if key is not None
            and r.name.startswith(("children_per_parent", "children_per_branch", "parent_sum"))]
    upto = [r for r in rules if r not in same]
    for group, up_to in ((upto, True), (same, False)):
        names = {p for r in group for p in rule_tables(r)} - {table}
        missing = {p: parents.missing(p, key, up_to) for p in names}
        ready = [r for r in group if not any(missing.get(p) for p in rule_tables(r))]
        for rule in group:
            if rule not in ready:
                parent = next(p for p in rule_tables(rule) if missing.get(p))
                out.append(unverifiable(_rule_result(rule), missing[parent], parent))
        if ready:
            tables = {p: data if p == table else parents.read(p, key, up_to)
                      for p in {p for r in ready for p in rule_tables(r)}}
            out += check_cross_table(ready, data, tables)
    return out


def not_derived(declared: list[Rule], selected: set[str], derived: list[Rule]) -> list[RuleResult]:
    """The selected checks a partition has no rule for: a distribution is not tested on a window expected to
    hold too few rows. Each is recorded as not evaluated (a pass, as a distribution rule with too few values
    is), so every check of every partition gets an outcome and none shows as skipped."""
    from mock_pipelines.quality.stats import MIN_DISTRIBUTION_ROWS

    have = {r.name for r in derived}
    out = []
    for rule in declared:
        if rule.name in selected and rule.name not in have:
            result = _rule_result(rule)
            result.passed, result.skipped, result.observed = True, True, "not evaluated"
            result.expected = f"at least {MIN_DISTRIBUTION_ROWS} rows expected in the partition to test a distribution"
            out.append(result)
    return out


def _rule_result(rule: Rule) -> RuleResult:
    return RuleResult(name=rule.name, table=rule.table, kind=rule.kind, passed=False, blocking=False,
                      severity=rule.severity, description=rule.description)


def data_docs_folder(reports_root: str, dataset: str) -> str:
    """The dataset's GX Data Docs site, beside its quality report."""
    return os.path.join(reports_root, dataset, "data_docs")


def _columns(rules: list[Rule], table: str) -> dict[str, set[str]]:
    """The columns cross-table rules read, per table (the child and each parent)."""
    from mock_pipelines.quality.cross_table import columns_read

    return columns_read(rules, table)


def build_table_checks(plan: DatasetPlan, table: str, *, destination: Callable[[], TableStore], checks: Checks,
                       partitions_def: dg.PartitionsDefinition | None,
                       reports_root: str | None = None) -> dg.AssetChecksDefinition | None:
    """The cross-table checks of one table (None when it has none, or the profile turns them off): they
    depend on the parents, so they run in a step of their own after the parents landed, reading the child
    and each parent once, only the columns the rules compare. The single-table rules are checks of the
    table asset itself (:mod:`mock_pipelines.defs.table_checks`). ``reports_root`` is unused (kept for
    callers)."""
    tp = plan.table(table)
    partitioned = tp.is_partitioned
    asset_key = table_asset_key(plan.spec.name, table)
    rules = [r for r in table_rules(plan, table, checks, plan.partitions is not None)
             if r.severity != "off" and r.expectation is None]
    if not rules:
        return None
    from mock_pipelines.quality.cross_table import rule_tables

    parents = sorted({p for r in rules for p in rule_tables(r)} - {table})
    specs = [dg.AssetCheckSpec(
        name=r.name, asset=asset_key, description=r.description, blocking=r.blocking,
        additional_deps=[table_asset_key(plan.spec.name, p) for p in parents if p in rule_tables(r)],
        partitions_def=partitions_def if partitioned else None,
    ) for r in rules]

    @dg.multi_asset_check(name=f"{plan.spec.name}__{table}__checks", specs=specs, can_subset=True,
                          description=f"Rules across {plan.spec.name}.{table} and the tables it references.")
    def _checks(context: dg.AssetCheckExecutionContext):

        dest = destination()
        selected = {key.name for key in context.selected_asset_check_keys}
        # One partition, or each partition of the range of a single-run backfill checked on its own, so that
        # every partition's outcome is recorded against that partition (see defs/check_events.py).
        keys: list[str | None] = sorted(context.partition_keys) if partitioned else [None]
        parents = _Parents(dest, plan, table, partitions_def)
        results_by_partition: dict[str | None, list[RuleResult]] = {}
        for key in keys:
            window = None
            if key is not None:
                part = partitions_def.time_window_for_partition_key(key)  # type: ignore[union-attr]
                window = (part.start.astimezone(dt.UTC).replace(tzinfo=None),
                          part.end.astimezone(dt.UTC).replace(tzinfo=None))
            cross = [r for r in table_rules(plan, table, checks, plan.partitions is not None, window)
                     if r.name in selected and r.severity != "off" and r.expectation is None]
            need = _columns(cross, table)  # a self-reference adds its key columns to the child's
            parents.need = need
            data = _read(dest, plan, table, [key] if key is not None else None, columns=need[table])
            results_by_partition[key] = _check_cross(cross, data, key, parents) + \
                not_derived(rules, selected, cross)
        yield from check_events(context, asset_key, results_by_partition)

    return _checks
