"""Profile → Dagster Definitions: assets per table, IO managers per destination, jobs, schedules, sensors."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import dagster as dg

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.defs.assets import build_table_asset, table_asset_key
from mock_pipelines.defs.io_managers.files import MockFilesIOManager
from mock_pipelines.defs.io_managers.sql import MockSqlIOManager
from mock_pipelines.defs.partitions import partitions_definition
from mock_pipelines.profiles.env import EnvRef
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.profiles.model import FilesDestination, Profile, SqlDestination
from mock_pipelines.schema.parse import load_dataset

# BackfillPolicy on assets is marked beta in Dagster 1.13; the warning would print on every load.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")

IO_MANAGER_KEY = "mock_io_manager"
DESTINATION_KEY = "mock_destination_{n}"  # one resource per destination when a profile has several
SQL_KINDS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
DATASET_JOB = "{dataset}__all_tables"
PARTITIONED_JOB = "{dataset}__partitioned_tables"
ALL_JOB = "all_datasets"


@dataclass
class Layer:
    """Everything the Dagster layer derives from one profile (also used by the CLI and tests)."""

    profile: Profile

    @cached_property
    def scheme(self) -> PartitionScheme | None:
        part = self.profile.partitions
        if part is None:
            return None
        start = part.start if isinstance(part.start, dt.datetime) else dt.datetime.combine(part.start, dt.time())
        return PartitionScheme(start.replace(tzinfo=None), part.cadence)

    @cached_property
    def partitions_def(self) -> dg.TimeWindowPartitionsDefinition | None:
        if self.scheme is None:
            return None
        return partitions_definition(self.scheme, self.profile.partitions.end_offset)  # type: ignore[union-attr]

    @cached_property
    def plans(self) -> dict[str, DatasetPlan]:
        plans = {}
        for path in self.profile.dataset_paths():
            spec = load_dataset(path)
            plan = DatasetPlan(spec, PlanOptions(seed=self.profile.seed, scale=self.profile.scale,
                                                 locale=self.profile.locale,
                                                 rows=self.profile.row_overrides(spec.name) or None,
                                                 partitions=self.scheme))
            # Definitions load in every run and step process: the probe (which loads vocabularies) runs once,
            # in `mock-pipelines run` before launching, not here.
            plan.check(probe=False)
            plans[spec.name] = plan
        return plans

    @property
    def backfill_policy(self) -> dg.BackfillPolicy | None:
        part = self.profile.partitions
        if part is None:
            return None
        # Single-run backfills generate a range of partitions in one step; each partition is still written
        # (and replaced) on its own. A cap keeps one step from holding a year of partitions.
        return dg.BackfillPolicy.single_run() if part.backfill == "single_run" else \
            dg.BackfillPolicy.multi_run(1)

    def kinds(self) -> set[str]:
        kinds: set[str] = set()
        for d in self.profile.destinations:
            if isinstance(d, FilesDestination):
                kinds.add(d.format)
                kinds.add("s3" if d.is_s3 else "file")
            else:
                kinds.add(_sql_kind(d))
        return kinds

    def destination_managers(self) -> list[MockFilesIOManager | MockSqlIOManager]:
        """One IO manager per destination, in profile order; the second and later prefix their metadata."""
        return [self._files_io_manager(d, f"dest{i + 1}/" if i else "") if isinstance(d, FilesDestination)
                else self._sql_io_manager(d, f"dest{i + 1}/" if i else "")
                for i, d in enumerate(self.profile.destinations)]

    def resources(self) -> dict[str, Any]:
        """The assets' IO manager, plus one resource per destination when there are several (so Dagster
        resolves each one's environment variables and closes its connections)."""
        managers = self.destination_managers()
        if len(managers) == 1:
            return {IO_MANAGER_KEY: managers[0]}
        keys = [DESTINATION_KEY.format(n=i + 1) for i in range(len(managers))]
        return {IO_MANAGER_KEY: fan_out_io_manager(keys), **dict(zip(keys, managers, strict=True))}

    def io_manager(self) -> Any:
        """The assets' IO manager; with several destinations it needs the other entries of :meth:`resources`."""
        return self.resources()[IO_MANAGER_KEY]

    def _sql_io_manager(self, d: SqlDestination, metadata_prefix: str = "") -> MockSqlIOManager:
        self._check_sql_namespaces(d)
        # An {env: NAME} URL stays an EnvVar: Dagster reads it when a run starts and stores only the name.
        url: Any = dg.EnvVar(d.url.env) if isinstance(d.url, EnvRef) else d.resolved_url(self.profile.root)
        return MockSqlIOManager(
            url=url, db_schema=d.db_schema, mode=d.mode, foreign_key_checks=d.foreign_key_checks,
            base_dir=str(self.profile.root),
            schema_files={name: str(plan.spec.file) for name, plan in self.plans.items()},
            partitioned_tables={name: [t for t in plan.order() if plan.table(t).is_partitioned]
                                for name, plan in self.plans.items()},
            metadata_prefix=metadata_prefix)

    def _check_sql_namespaces(self, d: SqlDestination) -> None:
        """Datasets sharing one namespace cannot both have a table of the same name."""
        if d.schema_per_dataset:
            return
        owner: dict[str, str] = {}
        for name, plan in self.plans.items():
            for table in plan.spec.tables:
                if table in owner:
                    where = f"schema {d.db_schema!r}" if d.db_schema else "the database's default namespace"
                    raise ValueError(
                        f"profile {self.profile.profile!r} ({self.profile.file or 'built in code'}): the sql "
                        f"destination {d.url} puts datasets {owner[table]!r} and {name!r} in {where}, and both "
                        f"have a table {table!r} — expected one namespace per dataset here; write "
                        f"`schema: {d.db_schema or 'mock'}_{{dataset}}` to give each dataset its own"
                        + (" (SQLite has no schemas: use a database file per profile, or datasets without "
                           "shared table names)" if d.is_sqlite else ""))
                owner[table] = name

    def _files_io_manager(self, d: FilesDestination, metadata_prefix: str = "") -> MockFilesIOManager:
        options: dict[str, Any] = {}
        if d.endpoint_url is not None:
            options["endpoint_url"] = dg.EnvVar(d.endpoint_url.env) if hasattr(d.endpoint_url, "env") \
                else d.endpoint_url
        if d.credentials is not None:
            options["aws_access_key_id"] = dg.EnvVar(d.credentials.key_env)
            options["aws_secret_access_key"] = dg.EnvVar(d.credentials.secret_env)
        return MockFilesIOManager(base_path=str(d.location(self.profile.root)), format=d.format,
                                  create_bucket=d.is_s3, metadata_prefix=metadata_prefix, **options)

    def assets(self) -> list[dg.AssetsDefinition]:
        out = []
        # Landing steps share a named pool (limit in dagster.yaml) so a backfill does not open a connection
        # per partition at once; a database server is the scarcer resource when a profile has both. A
        # SQLite file needs none (its writers queue on the file lock) and the pool's wait costs the demo 20 %.
        servers = [d for d in self.profile.destinations if isinstance(d, SqlDestination) and _sql_kind(d) != "sqlite"]
        pool = ("db" if servers
                else "s3" if any(getattr(d, "is_s3", False) for d in self.profile.destinations) else None)
        for plan in self.plans.values():
            for table in plan.order():
                out.append(build_table_asset(
                    plan, table, partitions_def=self.partitions_def, io_manager_key=IO_MANAGER_KEY,
                    kinds=self.kinds(), chunk_size=self.profile.chunk_size, backfill_policy=self.backfill_policy,
                    pool=pool, automation=self.profile.automation))
            report = self._report_asset(plan)
            if report is not None:
                out.append(report)
        return out

    def _report_asset(self, plan: DatasetPlan) -> dg.AssetsDefinition | None:
        """The dataset's quality report, read from the first files destination (a local folder or S3), else
        from the first database, and written under the profile's local ``reports/<profile>/`` folder."""
        from mock_pipelines.defs.checks import reports_folder
        from mock_pipelines.defs.report import build_report_asset
        from mock_pipelines.defs.stores import files_store_factory, sql_store_factory

        first = next((d for d in self.profile.destinations if isinstance(d, FilesDestination)), None)
        if first is None:
            database = sql_store_factory(self.profile)
            if database is None:
                return None
            return build_report_asset(plan, data_root="", reports_root=reports_folder(self.profile),
                                      checks=self.profile.checks, destination=database)
        location = first.location(self.profile.root)
        # credentials resolved when the report runs
        return build_report_asset(plan, data_root=location, reports_root=reports_folder(self.profile),
                                  checks=self.profile.checks,
                                  destination=files_store_factory(self.profile) if first.is_s3 else None)

    def asset_checks(self) -> list[dg.AssetChecksDefinition]:
        from mock_pipelines.defs.checks import build_table_checks, reports_folder
        from mock_pipelines.defs.stores import store_factory

        destination = store_factory(self.profile)
        if destination is None:
            return []
        out = []
        for plan in self.plans.values():
            for table in plan.order():
                check = build_table_checks(plan, table, destination=destination, checks=self.profile.checks,
                                           partitions_def=self.partitions_def,
                                           reports_root=reports_folder(self.profile))
                if check is not None:
                    out.append(check)
        return out

    def jobs(self) -> list[dg.UnresolvedAssetJobDefinition]:
        jobs = [dg.define_asset_job(ALL_JOB, selection=dg.AssetSelection.all(),
                                    description="Every table of every dataset of the profile, in foreign-key "
                                                "order.")]
        for name, plan in self.plans.items():
            jobs.append(dg.define_asset_job(DATASET_JOB.format(dataset=name), selection=dg.AssetSelection.groups(name),
                                            description=f"All tables of {name}, parents before children."))
            grown = [table_asset_key(name, t) for t in plan.order() if plan.table(t).is_partitioned]  # no report
            if grown:
                jobs.append(dg.define_asset_job(
                    PARTITIONED_JOB.format(dataset=name), selection=dg.AssetSelection.assets(*grown),
                    description=f"The growing tables of {name}: one run adds one partition (a new batch)."))
        return jobs

    def schedules(self, jobs: list[dg.UnresolvedAssetJobDefinition]) -> list[dg.ScheduleDefinition]:
        settings = self.profile.schedules
        out = []
        for job in jobs:
            if self.partitions_def is None or not job.name.endswith("__partitioned_tables"):
                continue
            # A time-partitioned job's schedule follows its cadence; the profile's cron sets the minute and
            # hour at which the newest complete partition is materialised.
            minute, hour = [*settings.cron.split(), "0", "0"][:2]
            out.append(dg.build_schedule_from_partitioned_job(
                job, minute_of_hour=int(minute) if minute.isdigit() else None,
                hour_of_day=int(hour) if hour.isdigit() and self.scheme.cadence != "hourly" else None,  # type: ignore[union-attr]
                name=f"{job.name}__schedule",
                default_status=dg.DefaultScheduleStatus.RUNNING if settings.enabled
                else dg.DefaultScheduleStatus.STOPPED))
        return out

    def definitions(self) -> dg.Definitions:
        from mock_pipelines.defs.sensors import build_sensors

        jobs = self.jobs()
        return dg.Definitions(
            assets=self.assets(),
            asset_checks=self.asset_checks(),
            # Generation is single-threaded numpy and tables run in FK order: one process per run avoids a
            # code-location load (~8 s) per step. Parallelism comes from partitions and backfills.
            executor=dg.in_process_executor,
            jobs=jobs,
            schedules=self.schedules(jobs),
            sensors=build_sensors(self),
            resources=self.resources(),
        )


class FanOutIOManager(dg.IOManager):
    """Several destinations at once (files and databases in any mix): each output is written to every
    destination in profile order, inputs are read from the first.

    A TableSlice is lazy and deterministic, so each destination regenerates the same rows while it writes.
    """

    def __init__(self, managers: list[dg.IOManager]):
        self.managers = managers

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        for manager in self.managers:
            manager.handle_output(context, obj)

    def load_input(self, context: dg.InputContext) -> Any:
        return self.managers[0].load_input(context)


def fan_out_io_manager(destination_keys: list[str]) -> dg.IOManagerDefinition:
    """A :class:`FanOutIOManager` over the IO manager resources ``destination_keys`` (each initialised by
    Dagster: environment variables resolved, connections closed after the run)."""

    @dg.io_manager(required_resource_keys=set(destination_keys),
                   description="Writes every table to each destination of the profile; reads from the first.")
    def _fan_out(init_context: dg.InitResourceContext) -> FanOutIOManager:
        return FanOutIOManager([getattr(init_context.resources, key) for key in destination_keys])

    return _fan_out


def _sql_kind(d: SqlDestination) -> str:
    """The catalogue badge of a SQL destination: its dialect, from the URL's scheme (for an {env: …} URL
    the variable's scheme if it is set now, never anything else of its value)."""
    url = d.url if isinstance(d.url, str) else os.environ.get(d.url.env, "")
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    return SQL_KINDS.get(scheme, "sql")


def build_definitions(profile: Profile | str | None = None) -> dg.Definitions:
    return Layer(profile if isinstance(profile, Profile) else load_profile(profile)).definitions()
