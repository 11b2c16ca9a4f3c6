"""The change outputs of the tables that change, as assets of their own (no `from __future__ import
annotations`: Dagster reads the context hint).

A table with ``changes:`` in its schema keeps its insert-only asset; the profile's ``changes.outputs`` adds,
per table, one asset per output, partitioned like the run (see :mod:`mock_pipelines.core.changes`):

* ``[dataset, "<table>__changes"]`` — the change log of each partition's window, landed by the profile's IO
  manager under the table name ``<table>__changes``;
* ``[dataset, "<table>__snapshot"]`` — the table as of the end of each partition;
* ``[dataset, "<table>__history"]`` — the SCD2 history as of the end of each partition;
* ``[dataset, "<table>__live"]`` — the table kept up to date in place in the profile's database: each
  partition applies its delta (upserts, hard deletes) through the SQL store's ``apply_live``.

Every partition is computed alone from (seed, table, row, time), so partitions of the log, the snapshot
and the history can run in any order. The live table is applied partition after partition: the asset
depends on its own previous partition, so a backfill runs the days in order, and applying a day again
changes nothing.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.core.changes import (
    ARRIVED_TS,
    BEFORE,
    CHANGED,
    DELETE,
    EVENT_TS,
    HISTORY,
    INSERT,
    IS_CURRENT,
    LOG,
    OP,
    SNAPSHOT,
    UPDATE,
    VALID_FROM,
    VALID_TO,
    TableChanges,
    output_table,
)
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.timeline import to_us
from mock_pipelines.defs.assets import BASE_KINDS
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.landing import IO_MANAGER_KEY, destination_kinds, landing_pool
from mock_pipelines.defs.partitions import backfill_policy, partition_windows, profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.profiles.model import LIVE

LANDED = (LOG, SNAPSHOT, HISTORY)  # the outputs an IO manager lands; `live` is applied by the SQL store
OPS = {INSERT: "inserts", UPDATE: "updates", DELETE: "deletes"}


def change_asset_key(dataset: str, table: str, output: str) -> dg.AssetKey:
    """``[dataset, "<table>__<output>"]``: ``[shop, orders__changes]``, ``[shop, customers__live]``, …"""
    return table_asset_key(dataset, output_table(table, output))


def changing_tables(plan: DatasetPlan) -> list[str]:
    """The tables of ``plan`` whose rows change in its (time-partitioned) run, in foreign-key order."""
    return [t for t in plan.order() if plan.table(t).changes is not None]


def build_change_assets(plan: ProfilePlan) -> dg.Definitions:
    """One asset per selected output (profile ``changes.outputs``) of every table that changes."""
    outputs = list(plan.profile.changes.outputs)
    partitions_def = profile_partitions(plan)
    if not outputs or partitions_def is None:
        return dg.Definitions()
    assets = [build_change_asset(dataset, table, output, plan, partitions_def)
              for dataset in plan.datasets.values() for table in changing_tables(dataset) for output in outputs]
    return dg.Definitions(assets=assets, asset_checks=_change_checks(plan, outputs, partitions_def))


def _change_checks(plan: ProfilePlan, outputs: list[str],
                   partitions_def: dg.TimeWindowPartitionsDefinition) -> list[dg.AssetChecksDefinition]:
    """The checks of every landed output, read back from the profile's store after it lands."""
    from mock_pipelines.defs.change_checks import build_change_checks
    from mock_pipelines.defs.stores import store_factory

    destination = store_factory(plan.profile)
    if destination is None:
        return []
    found = []
    for dataset in plan.datasets.values():
        for table in changing_tables(dataset):
            for output in outputs:
                built = build_change_checks(
                    dataset, table, output, key=change_asset_key(dataset.spec.name, table, output),
                    key_of=lambda o, d=dataset.spec.name, t=table: change_asset_key(d, t, o),
                    outputs=outputs, destination=destination, checks=plan.profile.checks,
                    partitions_def=partitions_def)
                if built is not None:
                    found.append(built)
    return found


@dataclass
class ChangeSlice:
    """One partition of a change output, generated lazily: what the asset hands to the IO manager (like a
    :class:`~mock_pipelines.core.engine.TableSlice`, it yields the same rows at each call of :meth:`batches`).
    When its batches have all been read, ``on_done`` gets their counts (rows; for the log, by operation)."""

    changes: TableChanges
    output: str
    partition_key: str
    start_us: int
    end_us: int
    chunk_size: int
    on_done: Callable[["ChangeSlice", dict[str, int]], None] | None = None

    @property
    def schema(self) -> pa.Schema:
        return self.changes.schema(self.output)

    def _stream(self) -> Iterator[pa.RecordBatch]:
        if self.output == LOG:
            return self.changes.log(self.start_us, self.end_us, self.chunk_size)
        if self.output == SNAPSHOT:
            return self.changes.snapshot(self.end_us, self.chunk_size)
        return self.changes.history(self.end_us, self.chunk_size)

    def batches(self) -> Iterator[pa.RecordBatch]:
        counts: Counter[str] = Counter()
        for batch in self._stream():
            counts["rows"] += batch.num_rows
            if self.output == LOG:
                for item in pc.value_counts(batch.column(OP)).to_pylist():
                    counts[OPS[item["values"]]] += item["counts"]
            yield batch
        if self.on_done is not None:
            shown = ["rows", *OPS.values()] if self.output == LOG else ["rows"]
            self.on_done(self, {k: counts[k] for k in shown})


def change_description(table: str, output: str, changes: TableChanges) -> str:
    """What the output holds and its extra columns, for the person browsing the catalogue."""
    soft = f" Soft deletes set `{changes.soft_column}`." if changes.soft_column else ""
    hard = " Hard-deleted rows are gone." if changes.hard_deletes else ""
    changing = ", ".join(f"`{c}`" for c in changes.changing) or "none"
    if output == LOG:
        late = changes.spec.late
        text = (f"Change log of `{table}`: one row per insert, update and delete that arrives in the partition's "
                f"window, ordered by arrival.\n\nExtra columns: `{OP}` (c insert, u update, d delete), "
                f"`{EVENT_TS}` (when it happened), `{ARRIVED_TS}` (when it reached the log), `{CHANGED}` (the "
                f"columns an update changed), the row after the change (as it was, for a delete) and "
                f"`{BEFORE}<column>` (the value before an update) for each column that can change: {changing}."
                + soft)
        if late is not None and late.share > 0:
            text += (f" About {late.share:.0%} of the events arrive late, up to {late.max_days:g} days after "
                     "they happened.")
        return text
    if output == SNAPSHOT:
        return (f"Snapshot of `{table}` as of the end of each partition: every row with its current values, "
                f"what a nightly full extract gives.{soft}{hard} Columns that can change: {changing}.")
    if output == HISTORY:
        return (f"SCD2 history of `{table}` as of the end of each partition: one row per version, by row then "
                f"time. Extra columns: `{VALID_FROM}`, `{VALID_TO}` (null while current; the delete for a "
                f"hard-deleted row), `{IS_CURRENT}`.{soft} Columns that can change: {changing}.")
    return (f"`{table}` kept up to date in place in the profile's database: each partition upserts the rows "
            f"inserted or changed in its window (as they are at its end) and removes the rows hard-deleted in "
            f"it.{soft} Partitions are applied in order; applying one again changes nothing.")


def build_change_asset(plan: DatasetPlan, table: str, output: str, profile_plan: ProfilePlan,
                       partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The asset of one output of one table that changes."""
    spec = plan.spec
    changes = plan.table(table).changes
    assert changes is not None
    profile = profile_plan.profile
    key = change_asset_key(spec.name, table, output)
    parents = [p for p in spec.tables[table].parents() if p != table and plan.table(p).changes is not None]
    deps: list[dg.AssetKey | dg.AssetDep] = [table_asset_key(spec.name, table),
                                             *(change_asset_key(spec.name, p, output) for p in parents)]
    if output == LIVE:  # each day applies on top of the day before: backfills run in partition order
        deps.append(dg.AssetDep(key, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1,
                                                                                     end_offset=-1)))
    metadata = {"dataset": spec.name, "table": table, "output": output, "seed": plan.seed,
                "spec_hash": spec.spec_hash(table), "generator_version": GENERATOR_VERSION}
    chunk_size = profile.chunk_size
    landed = output in LANDED

    @dg.multi_asset(
        name=key.to_python_identifier(),
        outs={"result": dg.AssetOut(
            key=key, group_name=spec.name, description=change_description(table, output, changes),
            # the live table is written by the SQL store itself: no value for an IO manager
            **({"io_manager_key": IO_MANAGER_KEY} if landed else {"dagster_type": dg.Nothing}),
            kinds=destination_kinds(profile) | BASE_KINDS, metadata=metadata,
            code_version=f"{spec.spec_hash(table)}-g{GENERATOR_VERSION}-s{plan.seed}")},
        deps=deps,
        partitions_def=partitions_def,
        backfill_policy=backfill_policy(profile_plan),
        pool=landing_pool(profile),
    )
    def _change_output(context: dg.AssetExecutionContext):
        windows = partition_windows(context)  # in partition order
        if not landed:
            yield from _apply_live(context, profile_plan, spec.name, table, changes, windows, chunk_size)
            return

        def record(part: ChangeSlice, counts: dict[str, int]) -> None:
            context.add_asset_metadata(counts, asset_key=key, partition_key=part.partition_key)

        slices = {k: ChangeSlice(changes, output, k, to_us(start), to_us(end), chunk_size, record)
                  for k, start, end in windows}
        context.log.info(f"{spec.name}.{output_table(table, output)}: {len(slices)} partition(s)")
        yield dg.Output(slices if len(slices) > 1 else next(iter(slices.values())), output_name="result",
                        metadata={"seed": plan.seed, "partitions": len(slices)})

    return _change_output


def _apply_live(context: dg.AssetExecutionContext, profile_plan: ProfilePlan, dataset: str, table: str,
                changes: TableChanges, windows: list, chunk_size: int) -> Iterator[dg.Output]:
    """Apply each partition's delta to the live table, in partition order, through the SQL store."""
    from mock_pipelines.defs.stores import sql_store_factory

    make = sql_store_factory(profile_plan.profile)
    if make is None:
        raise dg.Failure(description=f"{dataset}.{output_table(table, LIVE)}: the `live` change output keeps a "
                                     "table up to date in a database, and the profile has no sql destination; "
                                     "remove `live` from changes.outputs or add a `kind: sql` destination")
    store = make()
    summary: Counter[str] = Counter()
    for k, start, end in windows:
        result = store.apply_live(dataset, table, k, changes, to_us(start), to_us(end), chunk_size)
        counts = {"upserted": result.upserted, "deleted": result.deleted}
        summary.update(counts)
        context.log.info(f"{dataset}.{table}: partition {k} applied to {result.table} as a {result.mode} "
                         f"({result.upserted:,} upserted, {result.deleted:,} deleted, {result.rows:,} rows, "
                         f"{result.seconds:.2f} s)")
        if len(windows) > 1:
            context.add_asset_metadata({**result.metadata(), "dagster/row_count": result.rows}, partition_key=k)
        last = result
    yield dg.Output(None, output_name="result", metadata={**last.metadata(), "partitions_applied": len(windows),
                                                          **summary, "dagster/row_count": last.rows})
