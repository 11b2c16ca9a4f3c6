"""Check results → Dagster: the one place ``AssetCheckResult``s are made from rule results."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg

from mock_pipelines.quality.results import RuleResult, plain

MAX_EXAMPLES = 5


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


def to_check_result(asset_key: dg.AssetKey, result: RuleResult, extra: Mapping[str, Any] | None = None,
                    partition: str | None = None) -> dg.AssetCheckResult:
    meta = {**_metadata(result), **(extra or {})}
    if partition is not None:
        meta["partition"] = partition
    return dg.AssetCheckResult(
        asset_key=asset_key, check_name=result.name, passed=bool(result.passed or result.skipped),
        severity=dg.AssetCheckSeverity.ERROR if result.severity == "error" else dg.AssetCheckSeverity.WARN,
        metadata=meta, description=result.description or None)


def check_events(context: Any, asset_key: dg.AssetKey, results_by_partition: Mapping[str | None, Sequence[RuleResult]],
                 extra_metadata: Mapping[str, Any] | None = None) -> Iterator[dg.AssetCheckResult]:
    """One ``AssetCheckResult`` per rule result (``None`` key: an unpartitioned table). A rule judged in
    several partitions of one step (a single-run backfill) yields one result: passed when it passed in every
    partition, with the metadata of the first partition where it did not, and the partitions that failed."""
    if len(results_by_partition) <= 1:
        for partition, results in results_by_partition.items():
            for result in results:
                yield to_check_result(asset_key, result, extra_metadata, partition)
        return
    by_name: dict[str, list[tuple[str | None, RuleResult]]] = {}
    for partition, results in results_by_partition.items():
        for result in results:
            by_name.setdefault(result.name, []).append((partition, result))
    for outcomes in by_name.values():
        failed = [(p, r) for p, r in outcomes if not (r.passed or r.skipped)]
        partition, shown = failed[0] if failed else outcomes[0]
        extra = {**(extra_metadata or {}), "partitions": len(outcomes),
                 "failed_partitions": dg.MetadataValue.json([p for p, _ in failed])}
        yield to_check_result(asset_key, shown, extra, partition)
