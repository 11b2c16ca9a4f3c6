"""The profile's destinations as Dagster resources: one IO manager per destination, fanned out when there are
several (what the destinations mean for the assets is in :mod:`mock_pipelines.defs.landing`)."""

from __future__ import annotations

from typing import Any

import dagster as dg

from mock_pipelines.defs.io_managers.files import MockFilesIOManager
from mock_pipelines.defs.io_managers.sql import MockSqlIOManager
from mock_pipelines.defs.landing import IO_MANAGER_KEY
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.defs.scenario_assets import scenario_plans
from mock_pipelines.profiles.env import EnvRef
from mock_pipelines.profiles.model import FilesDestination, SqlDestination

DESTINATION_KEY = "mock_destination_{n}"  # one resource per destination when a profile has several


def build_resources(plan: ProfilePlan) -> dg.Definitions:
    """The assets' IO manager, plus one resource per destination when there are several (so Dagster
    resolves each one's environment variables and closes its connections)."""
    managers = destination_managers(plan)
    if len(managers) == 1:
        return dg.Definitions(resources={IO_MANAGER_KEY: managers[0]})
    keys = [DESTINATION_KEY.format(n=i + 1) for i in range(len(managers))]
    return dg.Definitions(resources={IO_MANAGER_KEY: fan_out_io_manager(keys),
                                     **dict(zip(keys, managers, strict=True))})


def destination_managers(plan: ProfilePlan) -> list[MockFilesIOManager | MockSqlIOManager]:
    """One IO manager per destination, in profile order; the second and later prefix their metadata."""
    return [_files_io_manager(plan, d, f"dest{i + 1}/" if i else "") if isinstance(d, FilesDestination)
            else _sql_io_manager(plan, d, f"dest{i + 1}/" if i else "")
            for i, d in enumerate(plan.destinations)]


def _sql_io_manager(plan: ProfilePlan, d: SqlDestination, metadata_prefix: str = "") -> MockSqlIOManager:
    _check_sql_namespaces(plan, d)
    profile = plan.profile
    # An {env: NAME} URL stays an EnvVar: Dagster reads it when a run starts and stores only the name.
    url: Any = dg.EnvVar(d.url.env) if isinstance(d.url, EnvRef) else d.resolved_url(profile.root)
    return MockSqlIOManager(
        url=url, db_schema=d.db_schema, mode=d.mode, foreign_key_checks=d.foreign_key_checks,
        base_dir=str(profile.root),
        schema_files={name: str(dataset.spec.file) for name, dataset in plan.datasets.items()},
        partitioned_tables={name: [t for t in dataset.order() if dataset.table(t).is_partitioned]
                            for name, dataset in plan.datasets.items()},
        scenario_datasets={s.name: [s.dataset, s.spec.name] for s in scenario_plans(plan)},
        source_urls={n: s.url for n, s in profile.sources.items() if isinstance(s.url, str)},
        source_envs={n: s.url.env for n, s in profile.sources.items() if isinstance(s.url, EnvRef)},
        metadata_prefix=metadata_prefix)


def _check_sql_namespaces(plan: ProfilePlan, d: SqlDestination) -> None:
    """Datasets sharing one namespace cannot both have a table of the same name."""
    if d.schema_per_dataset:
        return
    profile = plan.profile
    owner: dict[str, str] = {}
    for name, dataset in plan.datasets.items():
        for table in dataset.spec.tables:
            if table in owner:
                where = f"schema {d.db_schema!r}" if d.db_schema else "the database's default namespace"
                raise ValueError(
                    f"profile {profile.profile!r} ({profile.file or 'built in code'}): the sql "
                    f"destination {d.url} puts datasets {owner[table]!r} and {name!r} in {where}, and both "
                    f"have a table {table!r} — expected one namespace per dataset here; write "
                    f"`schema: {d.db_schema or 'mock'}_{{dataset}}` to give each dataset its own"
                    + (" (SQLite has no schemas: use a database file per profile, or datasets without "
                       "shared table names)" if d.is_sqlite else ""))
            owner[table] = name


def _files_io_manager(plan: ProfilePlan, d: FilesDestination, metadata_prefix: str = "") -> MockFilesIOManager:
    options: dict[str, Any] = {}
    if d.endpoint_url is not None:
        options["endpoint_url"] = dg.EnvVar(d.endpoint_url.env) if isinstance(d.endpoint_url, EnvRef) \
            else d.endpoint_url
    if d.credentials is not None:
        options["aws_access_key_id"] = dg.EnvVar(d.credentials.key_env)
        options["aws_secret_access_key"] = dg.EnvVar(d.credentials.secret_env)
    return MockFilesIOManager(base_path=str(d.location(plan.profile.root)), format=d.format,
                              create_bucket=d.is_s3, metadata_prefix=metadata_prefix, **options)


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
