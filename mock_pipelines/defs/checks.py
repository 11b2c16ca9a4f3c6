"""Asset checks derived from the schema: one check spec per rule, one check step per table.

Each table gets a multi-asset check whose specs are the table's rules (GX expectations and exact
cross-table rules), so the UI lists every rule by name while Great Expectations is imported and the data is
read once per step. Checks of a partitioned table are partitioned too: the check of partition D reads
partition D, and for foreign keys the parent partitions up to D (what D may reference). Key, foreign-key
and uniqueness rules are blocking; distribution rules warn.
"""

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import dagster as dg
import pyarrow as pa

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.assets import table_asset_key
from mock_pipelines.defs.partitions import profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.profiles.model import Checks
from mock_pipelines.quality.results import RuleResult, plain
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


def _metadata(result: RuleResult) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "kind": result.kind,
        "observed": str(plain(result.observed)) if result.observed is not None else "—",
        "expected": result.expected or "—",
    }
    if result.unexpected_count is not None:
        meta["unexpected_count"] = int(result.unexpected_count)
    if result.examples:
        meta["unexpected_examples"] = dg.MetadataValue.json([plain(v) for v in result.examples[:MAX_EXAMPLES]])
    if result.evaluated_rows is not None:
        meta["evaluated_rows"] = int(result.evaluated_rows)
    if result.sampled:
        meta["sampled"] = True
    if result.engine:
        meta["engine"] = result.engine
    if result.error:
        meta["error"] = result.error
    return meta


def _to_check_result(asset_key: dg.AssetKey, result: RuleResult,
                     extra: dict[str, Any] | None = None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key, check_name=result.name, passed=bool(result.passed or result.skipped),
        severity=dg.AssetCheckSeverity.ERROR if result.severity == "error" else dg.AssetCheckSeverity.WARN,
        metadata={**_metadata(result), **(extra or {})}, description=result.description or None)


def _read(destination: TableStore, plan: DatasetPlan, table: str, keys: list[str] | None,
          up_to: str | None = None) -> pa.Table:
    """A table, its partitions ``keys``, or (``up_to``) every partition up to and including that key, typed
    by the table's Arrow schema whatever the format it landed in."""
    tp = plan.table(table)
    if not tp.is_partitioned:
        return destination.read(plan.spec.name, table, schema=tp.arrow_schema)
    if up_to is not None:
        keys = [k for k in destination.list_partitions(plan.spec.name, table) if k <= up_to]
    return destination.read(plan.spec.name, table, keys, allow_missing=up_to is not None, schema=tp.arrow_schema)


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


def _publish_data_docs(context: dg.AssetCheckExecutionContext, validation: Any, folder: str, table: str,
                       keys: list[str] | None) -> dict[str, Any]:
    """Data Docs of this step's GX results (the page of this table or partition replaces the earlier one);
    metadata linking to them. A failure to render is logged and noted, never fails the checks."""
    from mock_pipelines.quality import data_docs
    from mock_pipelines.quality.gx_runner import gx_context

    if not validation.gx_results and not validation.arrow_checked:
        return {}
    batch = table if not keys else f"{table}-{keys[0]}" + (f"..{keys[-1]}" if len(keys) > 1 else "")
    try:
        built = data_docs.publish(data_docs.suite_results(validation), folder, context=gx_context(), batch=batch,
                                  run_name=context.run.run_id)
    except Exception as exc:  # a by-product: the check outcomes stand without it
        context.log.warning(f"GX Data Docs not written to {folder}: {type(exc).__name__}: {exc}")
        return {"data_docs_error": f"{type(exc).__name__}: {exc}"}
    if built is None:
        return {}
    meta: dict[str, Any] = {"data_docs": dg.MetadataValue.url(built.index_url)}
    if built.pages:
        meta["data_docs_page"] = dg.MetadataValue.url(built.pages[0].as_uri())
    return meta


def build_table_checks(plan: DatasetPlan, table: str, *, destination: Callable[[], TableStore], checks: Checks,
                       partitions_def: dg.PartitionsDefinition | None,
                       reports_root: str | None = None) -> dg.AssetChecksDefinition | None:
    """The checks of one table (None when the profile turns them all off). With ``reports_root`` the
    Great Expectations results of each step are published as Data Docs under
    ``reports_root/<dataset>/data_docs/`` and every check result links to them."""
    tp = plan.table(table)
    partitioned = tp.is_partitioned
    asset_key = table_asset_key(plan.spec.name, table)
    rules = [r for r in table_rules(plan, table, checks, plan.partitions is not None) if r.severity != "off"]
    if not rules:
        return None
    parents = sorted({r.params["parent"] for r in rules if r.params.get("parent")} - {table})
    specs = [dg.AssetCheckSpec(
        name=r.name, asset=asset_key, description=r.description, blocking=r.blocking,
        additional_deps=[table_asset_key(plan.spec.name, p) for p in parents if r.params.get("parent") == p],
        partitions_def=partitions_def if partitioned else None,
    ) for r in rules]

    @dg.multi_asset_check(name=f"{plan.spec.name}__{table}__checks", specs=specs, can_subset=True,
                          description=f"Rules derived from the schema of {plan.spec.name}.{table}.")
    def _checks(context: dg.AssetCheckExecutionContext):
        from mock_pipelines.quality.cross_table import check_cross_table
        from mock_pipelines.quality.gx_runner import validate_table

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
        run_rules = [r for r in table_rules(plan, table, checks, plan.partitions is not None, window)
                     if r.name in selected and r.severity != "off"]
        data = _read(dest, plan, table, keys)
        single = [r for r in run_rules if r.expectation is not None]
        cross = [r for r in run_rules if r.expectation is None]
        validation = validate_table(data, single, table=table) if single else None
        results = list(validation) if validation is not None else []
        docs: dict[str, Any] = {}
        if validation is not None and reports_root is not None:
            docs = _publish_data_docs(context, validation, data_docs_folder(reports_root, plan.spec.name), table,
                                      keys)
        if cross:
            # Children per parent and parent sums compare with the parents of the same partitions (their
            # children land with them); references may point at any parent created up to the last partition.
            same = [r for r in cross if r.name.startswith(("children_per_parent", "parent_sum")) and partitioned]
            upto = [r for r in cross if r not in same]
            for group, up_to in ((upto, keys[-1] if keys else None), (same, None)):
                parents = {r.params.get("parent") for r in group} - {None, table}
                missing = {p: _missing_parent_data(dest, plan, p, keys if up_to is None else None, up_to,
                                                   partitions_def) for p in parents}
                ready = [r for r in group if not missing.get(r.params.get("parent"))]
                for rule in group:
                    if rule not in ready:
                        yield _unverifiable(asset_key, rule, missing[rule.params["parent"]])
                if not ready:
                    continue
                parent_tables = {p: data if p == table else _read(dest, plan, p, keys if up_to is None else None,
                                                                   up_to)
                                 for p in {r.params.get("parent") for r in ready} if p}
                results += check_cross_table(ready, data, parent_tables)
        for result in results:
            yield _to_check_result(asset_key, result, docs)

    return _checks
