"""Jobs (every dataset; one dataset; its growing tables; one scenario) and the schedule of each partitioned job."""

from __future__ import annotations

import dagster as dg

from mock_pipelines.defs.change_assets import change_asset_key, changing_tables
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.defs.scenario_assets import scenario_plans

ALL_JOB = "all_datasets"
DATASET_JOB = "{dataset}__all_tables"
PARTITIONED_JOB = "{dataset}__partitioned_tables"
SCHEDULE = "{job}__schedule"


def build_jobs(plan: ProfilePlan) -> dg.Definitions:
    jobs = [dg.define_asset_job(ALL_JOB, selection=dg.AssetSelection.all(),
                                description="Every table of every dataset of the profile, in foreign-key order.")]
    schedules = []
    for name, dataset in plan.datasets.items():
        jobs.append(dg.define_asset_job(DATASET_JOB.format(dataset=name), selection=dg.AssetSelection.groups(name),
                                        description=f"All tables of {name}, parents before children."))
        grown = [table_asset_key(name, t) for t in dataset.order() if dataset.table(t).is_partitioned]  # no report
        # and the change outputs the profile selects: a nightly run adds each one's partition too
        grown += [change_asset_key(name, t, output) for t in changing_tables(dataset)
                  for output in plan.profile.changes.outputs] if plan.scheme is not None else []
        if grown:
            job = dg.define_asset_job(
                PARTITIONED_JOB.format(dataset=name), selection=dg.AssetSelection.assets(*grown),
                description=f"The growing tables of {name}: one run adds one partition (a new batch).")
            jobs.append(job)
            schedules.append(_partition_schedule(plan, job))
    for scenario in scenario_plans(plan):  # the dataset `<dataset>__<scenario>`: its tables and ground truth
        jobs.append(dg.define_asset_job(
            DATASET_JOB.format(dataset=scenario.name), selection=dg.AssetSelection.groups(scenario.name),
            description=f"Scenario {scenario.spec.name} of {scenario.dataset}: every table, parents before "
                        "children, then its ground truth."))
    return dg.Definitions(
        jobs=jobs, schedules=[s for s in schedules if s is not None],
        # Generation is single-threaded numpy and tables run in FK order: one process per run avoids a
        # code-location load (~8 s) per step. Parallelism comes from partitions and backfills.
        executor=dg.in_process_executor)


def _partition_schedule(plan: ProfilePlan, job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition | None:
    """A time-partitioned job's schedule follows its cadence; the profile's cron sets the minute and hour at
    which the newest complete partition is materialised."""
    if plan.scheme is None:
        return None
    settings = plan.profile.schedules
    minute, hour = [*settings.cron.split(), "0", "0"][:2]
    return dg.build_schedule_from_partitioned_job(
        job, minute_of_hour=int(minute) if minute.isdigit() else None,
        hour_of_day=int(hour) if hour.isdigit() and plan.scheme.cadence != "hourly" else None,
        name=SCHEDULE.format(job=job.name),
        default_status=dg.DefaultScheduleStatus.RUNNING if settings.enabled else dg.DefaultScheduleStatus.STOPPED)
