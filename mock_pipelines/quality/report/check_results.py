"""Check results as the report reads them: any objects or dicts with some of :data:`RESULT_FIELDS`, each given
a status (pass, fail, warn, skip), counted and grouped by table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mock_pipelines.quality.severity import blocks
from mock_pipelines.spec.model import DatasetSpec

RESULT_FIELDS = ("name", "kind", "passed", "blocking", "severity", "observed", "expected", "unexpected_count",
                 "examples", "description", "table", "status", "skipped", "error", "evaluated_rows", "sampled",
                 "engine")


def result_dict(r: Any) -> dict[str, Any]:
    if isinstance(r, Mapping):
        d = {k: r.get(k) for k in RESULT_FIELDS}
    else:
        d = {k: getattr(r, k, None) for k in RESULT_FIELDS}
    d["status"] = _status(d)
    return d


def _status(d: Mapping[str, Any]) -> str:
    given = str(d.get("status") or "").lower()
    if given in ("pass", "passed", "success"):
        return "pass"
    if given in ("fail", "failed", "error"):
        return "fail"
    if given in ("warn", "warning", "warned"):
        return "warn"
    if given in ("skip", "skipped"):
        return "skip"
    passed = d.get("passed")
    if passed is None or d.get("skipped"):
        return "skip"
    if bool(passed):
        return "pass"
    # The severity in force decides (quality.severity): error (or none given) fails, warn only warns.
    return "fail" if d.get("blocking") is True or blocks(d.get("severity")) else "warn"


def summarize_results(results: Iterable[Any] | None) -> dict[str, int]:
    """Counts of ``passed``, ``failed``, ``warned``, ``skipped``, ``total`` and ``blocking_failed``.

    A failed check is a check of severity ``error`` (in force, :mod:`mock_pipelines.quality.severity`) that
    did not pass, and every failed check blocks: ``blocking_failed`` equals ``failed`` and is what fails a run
    (``mock-pipelines report`` exits 1). A check of severity ``warn`` that did not pass is ``warned``."""
    out = {"passed": 0, "failed": 0, "warned": 0, "skipped": 0, "total": 0, "blocking_failed": 0}
    names = {"pass": "passed", "fail": "failed", "warn": "warned", "skip": "skipped"}
    for r in results or ():
        d = r if isinstance(r, dict) and r.get("status") in names else result_dict(r)
        out[names[d["status"]]] += 1
        out["total"] += 1
        if d["status"] == "fail":
            out["blocking_failed"] += 1
    return out


def group_results(results: Sequence[dict[str, Any]], spec: DatasetSpec) -> dict[str | None, list[dict[str, Any]]]:
    """Results by table name; results naming no known table go under ``None`` (dataset-wide / cross-table)."""
    out: dict[str | None, list[dict[str, Any]]] = {}
    for r in results:
        table = r.get("table")
        key = table if isinstance(table, str) and table in spec.tables else None
        out.setdefault(key, []).append(r)
    order = {"fail": 0, "warn": 1, "skip": 2, "pass": 3}
    for rows in out.values():
        rows.sort(key=lambda r: order[r["status"]])
    return out
