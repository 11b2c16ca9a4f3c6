"""The checks of the change outputs, as asset checks of their assets (no `from __future__ import
annotations`: Dagster reads the context hint).

Each landed output (change log, snapshot, history) of a partition is checked after it lands, reading it
back from the profile's store once (see :mod:`mock_pipelines.quality.change_checks`): the log's events are
in order and name what they change, the history's versions are contiguous with one current version, the
snapshot is the history's current versions and the replay of the log onto the snapshot before it. A check
whose neighbouring partitions have not landed yet says so as a warning that names them.
"""

import datetime as dt
from collections.abc import Callable

import dagster as dg

from mock_pipelines.core.changes import HISTORY, LOG, SNAPSHOT, output_table
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.timeline import to_us
from mock_pipelines.defs.check_events import check_events
from mock_pipelines.profiles.model import Checks
from mock_pipelines.quality.change_checks import (
    HISTORY_CHECKS,
    LOG_CHECKS,
    SNAPSHOT_CHECKS,
    landed_change_checks,
)
from mock_pipelines.quality.results import RuleResult
from mock_pipelines.store.protocol import TableStore

CHECKS_OF = {LOG: LOG_CHECKS, HISTORY: HISTORY_CHECKS, SNAPSHOT: SNAPSHOT_CHECKS}
# What the snapshot's checks read besides the snapshot: the history of the same partition, the change log.
_READS = {SNAPSHOT: (HISTORY, LOG)}


def build_change_checks(plan: DatasetPlan, table: str, output: str, *, key: dg.AssetKey,
                        key_of: Callable[[str], dg.AssetKey], outputs: list[str],
                        destination: Callable[[], TableStore], checks: Checks,
                        partitions_def: dg.TimeWindowPartitionsDefinition) -> dg.AssetChecksDefinition | None:
    """The checks of one landed output of one table (None for an output without checks, e.g. `live`).
    ``key_of(output)`` is the asset key of another output of the same table; ``outputs`` the outputs the
    profile lands (a check depends on those it reads)."""
    names = CHECKS_OF.get(output)
    if names is None:
        return None
    changes = plan.table(table).changes
    assert changes is not None
    dataset = plan.spec.name
    reads = [key_of(o) for o in _READS.get(output, ()) if o in outputs]
    specs = [dg.AssetCheckSpec(name=name, asset=key, partitions_def=partitions_def, blocking=True,
                               additional_deps=reads or None,
                               description=f"Change-data check {name} of {dataset}.{output_table(table, output)} "
                                           "(docs/quality-report.md, checks of change data).")
             for name in names]

    @dg.multi_asset_check(name=f"{dataset}__{output_table(table, output)}__checks", specs=specs, can_subset=True,
                          description=f"Checks of {dataset}.{output_table(table, output)}, read back as landed.")
    def _checks(context: dg.AssetCheckExecutionContext):
        store = destination()
        selected = {k.name for k in context.selected_asset_check_keys}
        results_by_partition: dict[str | None, list[RuleResult]] = {}
        for partition in sorted(context.partition_keys):
            window = partitions_def.time_window_for_partition_key(partition)
            span = (to_us(window.start.astimezone(dt.UTC).replace(tzinfo=None)),
                    to_us(window.end.astimezone(dt.UTC).replace(tzinfo=None)))
            found = landed_change_checks(store, dataset, changes, partition, span, outputs=[output],
                                         severity=checks)
            if output not in found:
                raise dg.Failure(description=f"{dataset}.{output_table(table, output)} has no partition "
                                             f"{partition} in the profile's store: materialise it first")
            results_by_partition[partition] = [r for r in found[output] if r.name in selected]
        yield from check_events(context, key, results_by_partition)

    return _checks
