"""One Dagster asset per table (no `from __future__ import annotations`: Dagster reads the context hint). The asset returns a lazy :class:`TableSlice`; the IO manager streams it.

The graph of assets is the foreign-key graph: a table depends on the tables it references. Generation
never loads a parent (foreign keys are computed from the parent's generators), so dependencies are
ordering edges (`deps`), not inputs.
"""


import time
import warnings

import dagster as dg

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.core.engine import DatasetPlan, TableSlice
from mock_pipelines.defs.io_managers.table_io import DERIVED
from mock_pipelines.defs.landing import IO_MANAGER_KEY, destination_kinds, landing_pool
from mock_pipelines.defs.partitions import backfill_policy, partition_windows, profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.spec.model import TableSpec
from mock_pipelines.spec.types import LogicalType

# BackfillPolicy on assets is marked beta in Dagster 1.13; the warning would print on every load.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")

# Kinds shown as badges in the asset catalogue.
BASE_KINDS = {"python"}


def build_assets(plan: ProfilePlan) -> dg.Definitions:
    """One asset per table of every dataset, in foreign-key order, all landing through the profile's IO
    manager (see :mod:`mock_pipelines.defs.resources`)."""
    profile = plan.profile
    partitions_def, policy = profile_partitions(plan), backfill_policy(plan)
    kinds, pool = destination_kinds(profile), landing_pool(profile)
    return dg.Definitions(assets=[
        build_table_asset(dataset, table, partitions_def=partitions_def, io_manager_key=IO_MANAGER_KEY,
                          kinds=kinds, chunk_size=profile.chunk_size, backfill_policy=policy, pool=pool,
                          automation=profile.automation)
        for dataset in plan.datasets.values() for table in dataset.order()])


def table_asset_key(dataset: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([dataset, table])


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
                      automation: bool = False) -> dg.AssetsDefinition:
    """The asset for one table of ``plan`` (partitioned when the table grows and the run is partitioned)."""
    spec = plan.spec
    table = spec.tables[table_name]
    tplan = plan.table(table_name)
    partitioned = tplan.is_partitioned
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

    @dg.asset(
        key=table_asset_key(spec.name, table_name),
        group_name=spec.name,
        description=table_description(table),
        deps=deps,
        partitions_def=partitions_def if partitioned else None,
        io_manager_key=io_manager_key,
        kinds=kinds | BASE_KINDS,
        owners=[o for o in table.owners if "@" in o or o.startswith("team:")] or None,
        tags=tags or None,
        metadata=metadata,
        code_version=f"{spec.spec_hash(table_name)}-g{GENERATOR_VERSION}-s{plan.seed}",
        backfill_policy=backfill_policy if partitioned else None,
        pool=pool,
        automation_condition=dg.AutomationCondition.eager() if automation else None,
    )
    def _table(context: dg.AssetExecutionContext) -> dg.Output:
        started = time.perf_counter()
        if partitioned:
            windows = partition_windows(context)
            slices = {key: tplan.slice(start, end, key, chunk_size) for key, start, end in windows}
            value: TableSlice | dict[str, TableSlice] = slices if len(slices) > 1 else next(iter(slices.values()))
            rows = sum(s.num_rows for s in slices.values())
        else:
            value = tplan.slice(chunk_size=chunk_size)
            rows = value.num_rows
        context.log.info(f"{spec.name}.{table_name}: {rows:,} rows to generate (seed {plan.seed})")
        return dg.Output(value, metadata={"seed": plan.seed, "spec_hash": spec.spec_hash(table_name),
                                          "generator_version": GENERATOR_VERSION,
                                          "planned_rows": rows,
                                          "plan_seconds": round(time.perf_counter() - started, 4)})

    return _table


def _valid_tag(value: str) -> bool:
    return bool(value) and len(value) <= 63 and all(c.isalnum() or c in "-_." for c in value)
