"""Rule results → Dagster check events: the one place that decides how a check outcome is recorded.

A step that checks one partition (or an unpartitioned table) yields ``AssetCheckResult``s; Dagster records
them against the step's partition. A step that covers several partitions (a single-run backfill) would have
its ``AssetCheckResult``s recorded with no partition at all, leaving every planned partition "skipped" in the
UI. There each rule's outcome on each partition is yielded as an ``AssetCheckEvaluation`` recorded against
that partition and targeting that partition's latest materialisation, and each check's op output is emitted
once, as Dagster itself does for an ``AssetCheckResult``. Severity and blocking are kept: a failed blocking
check of severity ``error`` in any partition fails the step.

Works for a ``multi_asset_check`` step and for checks declared on the asset itself (call it after the asset's
output is yielded, so the materialisations the evaluations target are stored).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg

from mock_pipelines.quality.results import RuleResult, plain

MAX_EXAMPLES = 5
MAX_MISSING = 10
NOT_VERIFIABLE = "not verifiable yet"  # the observed value of a rule whose parent data has not landed yet

CheckEvent = dg.AssetCheckResult | dg.AssetCheckEvaluation | dg.Output


def unverifiable(result: RuleResult, missing: Sequence[str], parent: str | None) -> RuleResult:
    """``result`` turned into "cannot be verified yet": partitions may be materialised in any order, and until
    the parent data a rule needs exists the rule is a warning (never blocking) naming what is missing."""
    shown = list(missing[:MAX_MISSING]) + ([f"… {len(missing) - MAX_MISSING} more"]
                                           if len(missing) > MAX_MISSING else [])
    result.passed, result.skipped, result.severity, result.blocking = False, False, "warn", False
    result.observed, result.expected, result.examples = NOT_VERIFIABLE, f"{parent} materialised first", shown
    return result


def metadata(result: RuleResult) -> dict[str, Any]:
    """The check metadata of one rule result (what the UI shows beside the verdict)."""
    if result.observed == NOT_VERIFIABLE:
        return {"kind": result.kind, "observed": NOT_VERIFIABLE, "expected": result.expected,
                "parent_data_missing": dg.MetadataValue.json([plain(v) for v in result.examples])}
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


def _report_hint(asset_key: dg.AssetKey, result: RuleResult, blocking: bool) -> dict[str, str]:
    """Where the report of a failure that stops the run is: a failed blocking check skips every step
    downstream of its table, the dataset's ``quality_report`` among them."""
    if _passed(result) or result.severity != "error" or not blocking:
        return {}
    report = dg.AssetKey([asset_key.path[0], "quality_report"]).to_user_string()
    return {"quality_report": f"skipped in this run: materialise {report} on its own for the report of this "
                              "failure (mock-pipelines run writes it after the run)"}


def _severity(result: RuleResult) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if result.severity == "error" else dg.AssetCheckSeverity.WARN


def _passed(result: RuleResult) -> bool:
    return bool(result.passed or result.skipped)  # a rule not evaluated (too few rows) is not a failure


def to_check_result(asset_key: dg.AssetKey, result: RuleResult,
                    extra_metadata: Mapping[str, Any] | None = None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key, check_name=result.name, passed=_passed(result), severity=_severity(result),
        metadata={**metadata(result), **_report_hint(asset_key, result, bool(result.blocking)),
                  **(extra_metadata or {})}, description=result.description or None)


def check_events(context: dg.AssetCheckExecutionContext | dg.AssetExecutionContext | dg.OpExecutionContext,
                 asset_key: dg.AssetKey, results_by_partition: Mapping[str | None, Sequence[RuleResult]],
                 extra_metadata: Mapping[str, Any] | None = None) -> Iterator[CheckEvent]:
    """The Dagster events of a step's rule results: ``results_by_partition`` maps a partition key (None for an
    unpartitioned table) to the results of the rules on that partition."""
    op = context if isinstance(context, dg.OpExecutionContext) else context.op_execution_context
    keys = list(results_by_partition)
    if op.has_partition_key or keys == [None]:
        # One partition (Dagster records the step's partition) or none: plain check results.
        for results in results_by_partition.values():
            for result in results:
                yield to_check_result(asset_key, result, extra_metadata)
        return
    if None in keys:
        raise ValueError("results of a step over several partitions must all be keyed by partition")
    assets_def = op.assets_def
    selected = op.selected_asset_check_keys
    targets = _latest_materializations(op.instance, asset_key, [k for k in keys if k is not None])
    emitted: set[dg.AssetCheckKey] = set()
    for key, results in results_by_partition.items():
        for result in results:
            check_key = dg.AssetCheckKey(asset_key, result.name)
            spec = assets_def.get_spec_for_check_key(check_key)
            yield dg.AssetCheckEvaluation(
                asset_key=asset_key, check_name=result.name, passed=_passed(result),
                metadata={**metadata(result), **_report_hint(asset_key, result, spec.blocking),
                          **(extra_metadata or {})},
                target_materialization_data=targets.get(key), severity=_severity(result),
                description=result.description or None, blocking=spec.blocking,
                partition=key if spec.partitions_def is not None else None)
            if check_key in selected and check_key not in emitted:
                # The check's op output: without it Dagster reports the check as not executed (skipped).
                emitted.add(check_key)
                yield dg.Output(None, output_name=assets_def.get_output_name_for_asset_check_key(check_key))


def _latest_materializations(instance: dg.DagsterInstance, asset_key: dg.AssetKey,
                             keys: Sequence[str]) -> dict[str, Any]:
    """The latest materialisation of each partition in ``keys``, as the target of that partition's
    evaluations: the UI shows a check status only while it targets the partition's latest materialisation.

    Dagster builds the same target itself for an ``AssetCheckResult`` of a one-partition step; its data class
    is not part of the public API, so it is imported here and nowhere else.
    """
    from dagster._core.definitions.asset_checks.asset_check_evaluation import (
        AssetCheckEvaluationTargetMaterializationData,
    )

    wanted = set(keys)
    found: dict[str, Any] = {}
    cursor = None
    while wanted - found.keys():
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=sorted(wanted - found.keys())),
            limit=max(100, 2 * len(wanted)), cursor=cursor, ascending=False)
        for record in page.records:
            if record.partition_key in wanted and record.partition_key not in found:
                found[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp)
        if not page.has_more:
            break
        cursor = page.cursor
    return found
