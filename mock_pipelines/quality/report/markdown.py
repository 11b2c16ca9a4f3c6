"""A short Markdown summary of a dataset's report (Dagster metadata): rows and check counts per table,
the failed checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from mock_pipelines.quality.report.check_results import group_results, result_dict, summarize_results
from mock_pipelines.quality.report.formatting import fmt_value
from mock_pipelines.spec.model import DatasetSpec


def _rows_of(data: Any) -> int:
    if isinstance(data, pa.Table):
        return data.num_rows
    if isinstance(data, int):
        return data
    if isinstance(data, Mapping):
        return sum(_rows_of(v) for v in data.values())
    return int(getattr(data, "num_rows", 0))


def markdown_summary(spec: DatasetSpec, tables: Mapping[str, Any], results: Iterable[Any] | None = (),
                     provenance: Mapping[str, Any] | None = None, max_failures: int = 10) -> str:
    """A short Markdown summary (Dagster metadata): rows per table and the check outcome.

    ``tables`` values may be Arrow tables, ``{partition: table}`` mappings or plain row counts.
    """
    res = [result_dict(r) for r in (results or ())]
    grouped = group_results(res, spec)
    counts = summarize_results(res) if res else None
    names = [t for t in spec.table_order() if t in tables] + [t for t in tables if t not in spec.tables]
    rows = {n: _rows_of(tables[n]) for n in names}
    check = "checks not run" if counts is None else (
        f"checks: {counts['passed']} passed, {counts['failed']} failed, {counts['warned']} warned")
    seed = (provenance or {}).get("seed", spec.seed)
    plural = "s" if len(names) != 1 else ""
    lines = [f"**{spec.name}** — {len(names)} table{plural}, {sum(rows.values()):,} rows, seed {seed} — {check}", ""]
    lines += ["| table | rows | passed | failed | warned |", "|---|---:|---:|---:|---:|"]
    for name in names:
        c = summarize_results(grouped.get(name, [])) if counts is not None else None
        cells = [str(c["passed"]), str(c["failed"]), str(c["warned"])] if c is not None else ["—", "—", "—"]
        lines.append(f"| {name} | {rows[name]:,} | " + " | ".join(cells) + " |")
    if grouped.get(None) and counts is not None:
        c = summarize_results(grouped[None])
        lines.append(f"| *(cross-table)* | | {c['passed']} | {c['failed']} | {c['warned']} |")
    problems = [r for r in res if r["status"] in ("fail", "warn")]
    if problems:
        lines += ["", "Failed checks:" if any(r["status"] == "fail" for r in problems) else "Warnings:"]
        for r in problems[:max_failures]:
            detail = ""
            if r.get("observed") is not None or r.get("expected") is not None:
                detail = f": observed {fmt_value(r.get('observed'), 40)}, expected {fmt_value(r.get('expected'), 40)}"
            where = f" ({r['table']})" if r.get("table") else ""
            lines.append(f"- {'❌' if r['status'] == 'fail' else '⚠️'} `{r.get('name')}`{where}{detail}")
        if len(problems) > max_failures:
            lines.append(f"- … {len(problems) - max_failures} more")
    return "\n".join(lines) + "\n"
