"""One Dagster asset per table (no `from __future__ import annotations`: Dagster reads the context hint). The asset returns a lazy :class:`TableSlice`; the IO manager streams it.

The graph of assets is the foreign-key graph: a table depends on the tables it references. Generation
never loads a parent (foreign keys are computed from the parent's generators), so dependencies are
ordering edges (`deps`), not inputs.
"""


import time
import warnings
from collections.abc import Callable

import dagster as dg

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.io_managers.table_io import DERIVED
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.landing import IO_MANAGER_KEY, destination_kinds, landing_pool
from mock_pipelines.defs.partitions import backfill_policy, partition_windows, profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.defs.table_checks import TableCheckRun, table_check_specs
from mock_pipelines.profiles.model import Checks
from mock_pipelines.spec.model import TableSpec
from mock_pipelines.spec.types import LogicalType
from mock_pipelines.store.protocol import TableStore

# BackfillPolicy on assets is marked beta in Dagster 1.13; the warning would print on every load.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")

# Kinds shown as badges in the asset catalogue.
BASE_KINDS = {"python"}


def build_assets(plan: ProfilePlan) -> dg.Definitions:
    """One asset per table of every dataset, in foreign-key order, all landing through the profile's IO
    manager (see :mod:`mock_pipelines.defs.resources`)."""
    from mock_pipelines.defs.stores import store_factory

    profile = plan.profile
    partitions_def, policy = profile_partitions(plan), backfill_policy(plan)
    kinds, pool = destination_kinds(profile), landing_pool(profile)
    destination = store_factory(profile)
    return dg.Definitions(assets=[
        build_table_asset(dataset, table, partitions_def=partitions_def, io_manager_key=IO_MANAGER_KEY,
                          kinds=kinds, chunk_size=profile.chunk_size, backfill_policy=policy, pool=pool,
                          automation=profile.automation, checks=profile.checks, destination=destination,
                          reports_root=plan.reports_root)
        for dataset in plan.datasets.values() for table in dataset.order()])


def column_schema(table: TableSpec) -> dg.TableSchema:
    """Column names, types and constraints from the spec (no data is generated to describe a table)."""
    columns = []
    for spec in table.columns.values():
        constraints = dg.TableColumnConstraints(
            nullable=spec.nullable or spec.null_rate > 0, unique=spec.unique,
            other=[f"references {fk.table}({', '.join(fk.ref_columns)})" for fk in table.foreign_keys
                   if spec.name in fk.columns],
        )
        columns.append(dg.TableColumn(name=spec.name, type=str(spec.type) if spec.type.name is not LogicalType.AUTO
                                      else DERIVED, description=spec.description or None,
                                      constraints=constraints))
    return dg.TableSchema(columns=columns)


def table_description(table: TableSpec) -> str:
    text = table.description or f"Generated table `{table.name}`."
    if table.rows.per:
        text += f"\n\nRows: {table.rows.count} per `{table.rows.per}` row."
    elif table.rows.fixed is not None and not table.rows.scaled:
        text += f"\n\nRows: {table.rows.fixed:,}, whatever the profile's scale."
    elif table.rows.fixed is not None:
        text += f"\n\nRows: {table.rows.fixed:,} × the profile's scale."
    if table.partitioned is not None and table.partitioned.rows_per_day:
        text += f" Grows by about {table.partitioned.rows_per_day:g} rows a day in partitioned runs."
    return text


def build_table_asset(plan: DatasetPlan, table_name: str, *, partitions_def: dg.PartitionsDefinition | None,
                      io_manager_key: str, kinds: set[str], chunk_size: int,
                      backfill_policy: dg.BackfillPolicy | None, pool: str | None = None,
                      automation: bool = False, checks: Checks | None = None,
                      destination: Callable[[], TableStore] | None = None,
                      reports_root: str | None = None) -> dg.AssetsDefinition:
    """The asset for one table of ``plan`` (partitioned when the table grows and the run is partitioned).

    With ``checks`` (and the ``destination`` they read from when only the checks run), the table's
    single-table rules are checks of the asset itself, measured while the IO manager writes (see
    :mod:`mock_pipelines.defs.table_checks`); their results are recorded under ``reports_root``."""
    spec = plan.spec
    table = spec.tables[table_name]
    tplan = plan.table(table_name)
    partitioned = tplan.is_partitioned
    key = table_asset_key(spec.name, table_name)
    deps = [table_asset_key(spec.name, parent) for parent in table.parents()]
    metadata = {
        "dagster/column_schema": column_schema(table),
        "dataset": spec.name,
        "schema_file": dg.MetadataValue.path(spec.file),
        "seed": plan.seed,
        "spec_hash": spec.spec_hash(table_name),
        "generator_version": GENERATOR_VERSION,
    }
    tags = {k: v for k, v in table.tags.items() if _valid_tag(k) and _valid_tag(v)}
    check_specs = table_check_specs(plan, table_name, checks, partitions_def) \
        if checks is not None and destination is not None else []

    @dg.multi_asset(
        name=key.to_python_identifier(),
        outs={"result": dg.AssetOut(
            key=key, group_name=spec.name, description=table_description(table), io_manager_key=io_manager_key,
            kinds=kinds | BASE_KINDS, owners=[o for o in table.owners if "@" in o or o.startswith("team:")] or None,
            tags=tags or None, metadata=metadata,
            code_version=f"{spec.spec_hash(table_name)}-g{GENERATOR_VERSION}-s{plan.seed}",
            automation_condition=dg.AutomationCondition.eager() if automation else None,
            is_required=not check_specs)},
        deps=deps,
        partitions_def=partitions_def if partitioned else None,
        backfill_policy=backfill_policy if partitioned else None,
        pool=pool,
        check_specs=check_specs or None,
        can_subset=bool(check_specs),
    )
    def _table(context: dg.AssetExecutionContext):
        started = time.perf_counter()
        windows = partition_windows(context) if partitioned else [(None, None, None)]
        run_checks = TableCheckRun(context, plan, table_name, checks, destination, reports_root) \
            if check_specs else None
        if key in context.selected_asset_keys:
            slices = {k: tplan.slice(start, end, k, chunk_size) if k is not None else
                      tplan.slice(chunk_size=chunk_size) for k, start, end in windows}
            if run_checks is not None:
                slices = run_checks.observe(slices, {k: (start, end) for k, start, end in windows})
            value = slices if len(slices) > 1 else next(iter(slices.values()))
            rows = sum(s.num_rows for s in slices.values())
            context.log.info(f"{spec.name}.{table_name}: {rows:,} rows to generate (seed {plan.seed})")
            yield dg.Output(value, output_name="result",
                            metadata={"seed": plan.seed, "spec_hash": spec.spec_hash(table_name),
                                      "generator_version": GENERATOR_VERSION, "planned_rows": rows,
                                      "plan_seconds": round(time.perf_counter() - started, 4)})
            if run_checks is not None:  # the IO manager has written (and the measure has seen) every row
                yield from run_checks.results_of_stream()
        elif run_checks is not None:  # only the checks: read what landed, once
            yield from run_checks.results_of_landed({k: (start, end) for k, start, end in windows})

    return _table


def _valid_tag(value: str) -> bool:
    return bool(value) and len(value) <= 63 and all(c.isalnum() or c in "-_." for c in value)
