"""Profile partitions → Dagster partitions definitions and backfill policy, and partition keys → time windows."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.defs.plan import ProfilePlan

_FORMATS = {"hourly": "%Y-%m-%d-%H:%M", "daily": "%Y-%m-%d", "weekly": "%Y-%m-%d", "monthly": "%Y-%m-%d"}


def partitions_definition(scheme: PartitionScheme, end_offset: int = 0) -> dg.TimeWindowPartitionsDefinition:
    """Dagster's standard cadence definitions, in UTC, starting at the profile's start."""
    start = scheme.start.strftime(_FORMATS[scheme.cadence])
    if scheme.cadence == "hourly":
        return dg.HourlyPartitionsDefinition(start_date=start, end_offset=end_offset)
    if scheme.cadence == "daily":
        return dg.DailyPartitionsDefinition(start_date=start, end_offset=end_offset)
    if scheme.cadence == "weekly":
        return dg.WeeklyPartitionsDefinition(start_date=start, end_offset=end_offset)
    return dg.MonthlyPartitionsDefinition(start_date=start, end_offset=end_offset)


def profile_partitions(plan: ProfilePlan) -> dg.TimeWindowPartitionsDefinition | None:
    """The partitions of the profile's growing tables (None when the profile is not partitioned)."""
    if plan.scheme is None or plan.profile.partitions is None:
        return None
    return partitions_definition(plan.scheme, plan.profile.partitions.end_offset)


def backfill_policy(plan: ProfilePlan) -> dg.BackfillPolicy | None:
    part = plan.profile.partitions
    if part is None:
        return None
    # Single-run backfills generate a range of partitions in one step; each partition is still written
    # (and replaced) on its own. A cap keeps one step from holding a year of partitions.
    return dg.BackfillPolicy.single_run() if part.backfill == "single_run" else dg.BackfillPolicy.multi_run(1)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def partition_window(pdef: dg.TimeWindowPartitionsDefinition, key: str) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of one partition, naive UTC as the core reads times."""
    window = pdef.time_window_for_partition_key(key)
    return _naive_utc(window.start), _naive_utc(window.end)


def partition_windows(context: dg.AssetExecutionContext) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(key, start, end) of every partition this step materialises: one, or a range in a single-run backfill.

    Each partition is generated and written on its own, so a child row of partition D only ever sees the
    parents that exist by the end of D, also inside a multi-partition run.
    """
    pdef = context.assets_def.partitions_def
    assert isinstance(pdef, dg.TimeWindowPartitionsDefinition)
    return [(key, *partition_window(pdef, key)) for key in context.partition_keys]
