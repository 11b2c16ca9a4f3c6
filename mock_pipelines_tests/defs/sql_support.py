"""Helpers of the SQL destination tests: temporary profiles with given destinations, runs that must
succeed, and row sets compared as digests (equal for equal rows, whatever their physical order)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import SCHEMAS

DEMO = ("shop", "hr", "healthcare")
PARTITION_COLUMN = "mock_partition"


def sql_profile(folder: Path, destinations: list[str], *, datasets: tuple[str, ...] = DEMO, scale: float = 0.05,
                partitioned: bool = False, name: str = "sql_profile", seed: int = 42) -> ProfilePlan:
    """A profile in ``folder`` with the given destination lines (YAML flow mappings), planned."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"profile: {name}", f"datasets: {json.dumps([str(SCHEMAS / f'{d}.yaml') for d in datasets])}",
             f"seed: {seed}", f"scale: {scale}"]
    if partitioned:
        lines += ["partitions: {start: 2024-01-01, cadence: daily, end_offset: 0, backfill: single_run}"]
    lines += ["destinations:", *(f"  - {d}" for d in destinations),
              "sensors: {schema_changes: false, request_inbox: null}"]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return plan_profile(load_profile(path, root=folder))  # reports go to folder/reports, not the repository


def run_job(defs: dg.Definitions, job: str, instance: dg.DagsterInstance, **kwargs) -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def(job).execute_in_process(instance=instance, raise_on_error=False, **kwargs)
    failures = [e.event_specific_data for e in result.all_events if e.is_failure]
    assert result.success, failures
    return result


def plain_keys(planned: ProfilePlan) -> list[dg.AssetKey]:
    return [dg.AssetKey([n, t]) for n, plan in planned.datasets.items() for t in plan.order()
            if not plan.table(t).is_partitioned]


def table_names(planned: ProfilePlan) -> list[tuple[str, str]]:
    return [(n, t) for n, plan in planned.datasets.items() for t in plan.order()]


def row_digest(engine: sa.Engine, table: str, schema: str | None = None,
               where: tuple[str, str] | None = None) -> tuple[int, str]:
    """(row count, a digest of the sorted rows): equal for equal row sets, whatever the physical order."""
    target = sa.table(table, schema=schema)
    query = sa.select(sa.text("*")).select_from(target)
    if where is not None:
        query = query.where(sa.column(where[0]) == where[1])
    with engine.connect() as conn:
        rows = sorted(repr(tuple(r)) for r in conn.execute(query))
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


def digests(engine: sa.Engine, planned: ProfilePlan, schema_of) -> dict[str, tuple[int, str]]:
    return {f"{n}.{t}": row_digest(engine, t, schema_of(n)) for n, t in table_names(planned)}


def foreign_key_count(engine: sa.Engine, schema: str | None) -> int:
    inspector = sa.inspect(engine)
    return sum(len(inspector.get_foreign_keys(t, schema=schema)) for t in inspector.get_table_names(schema=schema))
