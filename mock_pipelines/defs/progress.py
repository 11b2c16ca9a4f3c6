"""What ``mock-pipelines run`` shows while a run goes: one line per table (or partition) as it lands, one per
table's checks (naming those that failed), one per step that waits for a pool slot; then a summary. Built
from the events the instance stores (every one of them is kept there, whatever is shown)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

# Dagster's console logger at this level prints nothing: the run's events still all go to the instance.
QUIET_RUN_CONFIG: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
MAX_NAMED = 5  # failed checks named on a table's checks line
INTERRUPTED = "DagsterExecutionInterruptedError"  # the error of a step stopped by Ctrl-C (SIGINT)


def check_counts(evaluations: list[Any]) -> str:
    """``12 passed, 1 failed, 2 warned``: failed ones of error severity, warned ones of warn severity (as
    ``mock-pipelines report`` counts them)."""
    failed = sum(not e.passed and e.severity == dg.AssetCheckSeverity.ERROR for e in evaluations)
    warned = sum(not e.passed for e in evaluations) - failed
    return f"{len(evaluations) - failed - warned} passed, {failed} failed, {warned} warned"


def _why(evaluation: Any) -> str:
    """Why a check did not pass: ``error`` or ``warn``, or that its parent data is not there yet."""
    observed = evaluation.metadata.get("observed")
    if observed is not None and observed.value == "not verifiable yet":
        return "not verifiable yet"
    return "error" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warn"


@dataclass
class Landed:
    """One materialisation: a table, one partition of it, or a report."""

    asset: str
    partition: str | None
    rows: int | None
    seconds: float
    where: str


@dataclass
class RunProgress:
    """An instance event listener (``instance.add_event_listener(run_id, progress)``) that calls ``show``
    with one line per landed table or partition, per table's checks and per pool wait."""

    show: Callable[[str], None]
    width: int = 28  # of the asset column (the detail column takes 28 too)
    landed: list[Landed] = field(default_factory=list)
    _since: dict[str, float] = field(default_factory=dict)
    _checks: dict[str, list[Any]] = field(default_factory=dict)

    def __call__(self, entry: Any) -> None:
        # What is shown must never fail the run (the instance has every event whatever happens here).
        with contextlib.suppress(Exception):
            self._follow(entry)

    def _follow(self, entry: Any) -> None:
        event = entry.dagster_event
        if event is None:
            return
        step = event.step_key or ""
        if event.event_type == dg.DagsterEventType.STEP_START:
            self._since[step] = entry.timestamp
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.step_materialization_data.materialization
            seconds = entry.timestamp - self._since.get(step, entry.timestamp)
            self._since[step] = entry.timestamp  # the next partition of a single-run backfill starts now
            self._landed(mat, seconds)
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            self._checks.setdefault(step, []).append(evaluation)
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            seconds = entry.timestamp - self._since.get(step, entry.timestamp)
            evaluations = self._checks.pop(step, [])
            if evaluations:
                failed = [e for e in evaluations if not e.passed]
                asset = evaluations[0].asset_key.to_user_string()
                names = [f"{e.check_name} ({_why(e)})" for e in failed[:MAX_NAMED]]
                names += [f"… {len(failed) - MAX_NAMED} more"] if len(failed) > MAX_NAMED else []
                self._line(asset, "checks", check_counts(evaluations), seconds, ", ".join(names))
            if event.event_type == dg.DagsterEventType.STEP_FAILURE:
                error = event.step_failure_data.error if event.step_failure_data else None
                while error is not None and error.cause is not None and error.cls_name != INTERRUPTED:
                    error = error.cause
                if error is not None and error.cls_name == INTERRUPTED:  # Ctrl-C
                    self.show(f"  {step}: interrupted after {seconds:.1f}s")
                else:
                    self.show(f"  {step}: FAILED after {seconds:.1f}s (the reason follows the summary)")
        elif event.event_type == dg.DagsterEventType.ENGINE_EVENT and event.message \
                and event.message.startswith("Step blocked by limit for pool"):
            pool = event.message.rsplit(" ", 1)[-1]
            self.show(f"  {step}: waiting for a free slot of pool {pool!r} (limit in $DAGSTER_HOME/dagster.yaml)")

    def _landed(self, mat: dg.AssetMaterialization, seconds: float) -> None:
        meta = mat.metadata
        rows = meta.get("dagster/row_count")
        where = meta.get("destination") or meta.get("report")
        item = Landed(mat.asset_key.to_user_string(), mat.partition, rows.value if rows is not None else None,
                      seconds, str(where.value) if where is not None else "")
        self.landed.append(item)
        self._line(item.asset, item.partition or "", f"{item.rows:,} rows" if item.rows is not None else "report",
                   item.seconds, item.where)

    def _line(self, asset: str, part: str, detail: str, seconds: float, where: str = "") -> None:
        self.show(f"  {asset:<{self.width}}  {part:<10} {detail:>28} {seconds:>7.1f}s  {where}".rstrip())

    @property
    def rows(self) -> int:
        return sum(item.rows or 0 for item in self.landed)

    @property
    def tables(self) -> int:
        return len({item.asset for item in self.landed if item.rows is not None})
