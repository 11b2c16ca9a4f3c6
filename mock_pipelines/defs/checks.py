"""Cross-table checks derived from the schema: one check spec per rule, one check step per table.

The single-table rules are checks of the table asset itself, measured while it is written
(:mod:`mock_pipelines.defs.table_checks`). Rules that compare a table with the tables it references
(foreign keys, children per parent, parent sums, times after the parent's) need the parents landed first:
each table with such rules gets a multi-asset check that depends on its parents and reads the child and
each parent once, only the columns the rules compare. Checks of a partitioned table are partitioned too:
the check of partition D reads partition D, and for foreign keys the parent partitions up to D (what D may
reference). Foreign-key and parent-total rules are blocking.
"""

import datetime as dt
import os
from collections.abc import Callable

import dagster as dg
import pyarrow as pa

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.partitions import profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.profiles.model import Checks
from mock_pipelines.quality.results import RuleResult
from mock_pipelines.quality.rules import Rule, derive_rules, expected_rows
from mock_pipelines.store.protocol import TableStore

MAX_EXAMPLES = 5


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


def _severity_overrides(checks: Checks) -> dict[str, str]:
    return dict(checks.overrides)


def table_rules(plan: DatasetPlan, table: str, checks: Checks, partitioned: bool,
                window: tuple[dt.datetime, dt.datetime] | None = None) -> list[Rule]:
    """Single-table and cross-table rules of ``table``, with the profile's severity applied.

    ``checks.severity: warn`` turns every rule into a warning; per-check overrides (`error`, `warn`,
    `off`) come after.
    """
    from mock_pipelines.quality.cross_table import derive_cross_rules

    overrides = _severity_overrides(checks)
    spec = plan.spec
    rows = expected_rows(plan, table, window) if window is not None or not plan.table(table).is_partitioned \
        else None
    rules = derive_rules(spec, table, rows, locale=plan.locale, partitioned=partitioned, window=window,
                         severity=overrides)
    rules += derive_cross_rules(spec, table, partitioned=partitioned, severity=overrides)
    if checks.severity == "warn":
        for rule in rules:
            if rule.name not in overrides:
                rule.severity, rule.blocking = "warn", False
    return rules


def _read(destination: TableStore, plan: DatasetPlan, table: str, keys: list[str] | None,
          up_to: str | None = None, columns: set[str] | None = None) -> pa.Table:
    """A table, its partitions ``keys``, or (``up_to``) every partition up to and including that key; only
    ``columns`` when given."""
    tp = plan.table(table)
    cols = sorted(columns) if columns else None
    if not tp.is_partitioned:
        return destination.read(plan.spec.name, table, columns=cols)
    if up_to is not None:
        keys = [k for k in destination.list_partitions(plan.spec.name, table) if k <= up_to]
    return destination.read(plan.spec.name, table, keys, columns=cols, allow_missing=up_to is not None)


def _missing_parent_data(destination: TableStore, plan: DatasetPlan, parent: str, keys: list[str] | None,
                         up_to: str | None, partitions_def: dg.PartitionsDefinition | None) -> list[str]:
    """What of the parent a check needs but is not materialised yet (partition keys, or the table)."""
    tp = plan.table(parent)
    if not tp.is_partitioned:
        return [] if destination.has_data(plan.spec.name, parent) else [f"{parent} (not materialised)"]
    have = set(destination.list_partitions(plan.spec.name, parent))
    if up_to is not None:
        needed = [k for k in partitions_def.get_partition_keys() if k <= up_to]  # type: ignore[union-attr]
    else:
        needed = list(keys or [])
    return [k for k in needed if k not in have]


def _unverifiable(asset_key: dg.AssetKey, rule: Rule, missing: list[str]) -> dg.AssetCheckResult:
    """Partitions may be materialised in any order: until the parent data a rule needs exists, the rule
    cannot be verified. That is reported as a warning (never blocking) naming what is missing."""
    shown = missing[:10] + ([f"… {len(missing) - 10} more"] if len(missing) > 10 else [])
    return dg.AssetCheckResult(
        asset_key=asset_key, check_name=rule.name, passed=False, severity=dg.AssetCheckSeverity.WARN,
        description=rule.description,
        metadata={"kind": rule.kind, "observed": "not verifiable yet",
                  "expected": f"{rule.params.get('parent')} materialised first",
                  "parent_data_missing": dg.MetadataValue.json(shown)})


def data_docs_folder(reports_root: str, dataset: str) -> str:
    """The dataset's GX Data Docs site, beside its quality report."""
    return os.path.join(reports_root, dataset, "data_docs")


def _columns(rules: list[Rule], table: str) -> dict[str, set[str]]:
    """The columns cross-table rules read, per table (the child and each parent)."""
    need: dict[str, set[str]] = {table: set()}
    for rule in rules:
        need[table].update(rule.columns, rule.params.get("fk_columns") or [])
        parent = rule.params.get("parent")
        if parent:
            need.setdefault(parent, set()).update(rule.params.get("ref_columns") or [],
                                                  [rule.params["parent_column"]] if rule.params.get("parent_column")
                                                  else [])
    return need


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
    parents = sorted({r.params["parent"] for r in rules if r.params.get("parent")} - {table})
    specs = [dg.AssetCheckSpec(
        name=r.name, asset=asset_key, description=r.description, blocking=r.blocking,
        additional_deps=[table_asset_key(plan.spec.name, p) for p in parents if r.params.get("parent") == p],
        partitions_def=partitions_def if partitioned else None,
    ) for r in rules]

    @dg.multi_asset_check(name=f"{plan.spec.name}__{table}__checks", specs=specs, can_subset=True,
                          description=f"Rules across {plan.spec.name}.{table} and the tables it references.")
    def _checks(context: dg.AssetCheckExecutionContext):
        from mock_pipelines.defs.check_events import check_events
        from mock_pipelines.quality.cross_table import check_cross_table

        dest = destination()
        window = None
        keys = None
        if partitioned:
            # One partition, or the range of a single-run backfill (checked as one window).
            keys = sorted(context.partition_keys)
            first = partitions_def.time_window_for_partition_key(keys[0])  # type: ignore[union-attr]
            last = partitions_def.time_window_for_partition_key(keys[-1])  # type: ignore[union-attr]
            window = (first.start.astimezone(dt.UTC).replace(tzinfo=None),
                      last.end.astimezone(dt.UTC).replace(tzinfo=None))
        selected = {key.name for key in context.selected_asset_check_keys}
        cross = [r for r in table_rules(plan, table, checks, plan.partitions is not None, window)
                 if r.name in selected and r.severity != "off" and r.expectation is None]
        need = _columns(cross, table)  # a self-reference adds its key columns to the child's
        data = _read(dest, plan, table, keys, columns=need[table])
        results: list[RuleResult] = []
        # Children per parent and parent sums compare with the parents of the same partitions (their
        # children land with them); references may point at any parent created up to the last partition.
        same = [r for r in cross if r.name.startswith(("children_per_parent", "parent_sum")) and partitioned]
        upto = [r for r in cross if r not in same]
        for group, up_to in ((upto, keys[-1] if keys else None), (same, None)):
            group_parents = {r.params.get("parent") for r in group} - {None, table}
            missing = {p: _missing_parent_data(dest, plan, p, keys if up_to is None else None, up_to,
                                               partitions_def) for p in group_parents}
            ready = [r for r in group if not missing.get(r.params.get("parent"))]
            for rule in group:
                if rule not in ready:
                    yield _unverifiable(asset_key, rule, missing[rule.params["parent"]])
            if not ready:
                continue
            parent_tables = {p: data if p == table else _read(dest, plan, p, keys if up_to is None else None,
                                                               up_to, need.get(p))
                             for p in {r.params.get("parent") for r in ready} if p}
            results += check_cross_table(ready, data, parent_tables)
        yield from check_events(context, asset_key, {None: results})

    return _checks
