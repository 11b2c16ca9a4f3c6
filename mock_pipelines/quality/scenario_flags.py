"""The project's checks run on a scenario as it landed in a store: the flags of each table and their score.

One place for everyone who scores a landed scenario — the report, the Dagster ground-truth asset and the CLI —
so they agree: each table is read back partition by partition (a drifted partition with the columns it
landed with), its row-level rules flag rows (:func:`~mock_pipelines.quality.scoring.rule_flags`), and the
foreign-key rules check each reference against the keys of the parent table *of the same scenario* as it
landed (a reference the scenario orphaned is absent there; one to a clean parent row is present).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from mock_pipelines.quality.scoring import Detection, detection, rule_flags
from mock_pipelines.spec.model import DatasetSpec

# The schema one partition of a table landed with (table, partition key or None) — a CSV or JSONL file holds
# no types of its own. None: the rows are read as the store gives them.
SchemaOf = Callable[[str, str | None], pa.Schema | None]


def scenario_flags(spec: DatasetSpec, store: Any, dataset: str, table: str, plan: Any, *,
                   batch_rows: int | None = None, partitions: Sequence[str | None] | None = None,
                   schema_of: SchemaOf | None = None) -> pa.Table:
    """The flags of one landed scenario table, partition by partition (a ``partition`` column says which):
    rows read as written (a re-typed or drifted column keeps its landed type), references checked against the
    keys of the parent tables of the same scenario. ``partitions``: the partitions to read (default: every
    partition the store holds, or the whole table); ``plan``: the run's dataset plan (its locale, and which
    tables are partitioned)."""
    size = {} if batch_rows is None else {"batch_rows": batch_rows}
    keys = list(partitions) if partitions is not None else list(store.list_partitions(dataset, table)) or [None]
    partitioned = plan.table(table).is_partitioned
    parents = parent_keys(spec, store, dataset, table)
    out = []
    for key in keys:
        typed = {"schema": schema_of(table, key)} if schema_of is not None else {}
        flags = rule_flags(spec, table, store.read_batches(dataset, table, key, **size, **typed),
                           locale=plan.locale, partitioned=partitioned, parent_keys=parents)
        out.append(flags.append_column("partition", pa.repeat(pa.scalar(key, pa.string()), flags.num_rows)
                                       if flags.num_rows else pa.array([], pa.string())))
    return pa.concat_tables(out)


def parent_keys(spec: DatasetSpec, store: Any, dataset: str, table: str) -> dict[str, pa.Array | pa.Table]:
    """The key columns of each parent table of ``table`` as the scenario landed them (only those columns), by
    the name :func:`~mock_pipelines.quality.scoring.rule_flags` looks them up under."""
    out: dict[str, pa.Array | pa.Table] = {}
    for fk in spec.tables[table].foreign_keys:
        try:
            parent = store.read(dataset, fk.table, columns=list(fk.ref_columns))
        except (FileNotFoundError, OSError, KeyError, pa.ArrowInvalid):
            continue  # a parent that did not land (or lost its key column to a drift): references not checked
        if len(fk.columns) == 1:
            out[fk.columns[0]] = parent.column(0).combine_chunks()
        else:
            out["fk__" + "__".join(fk.columns)] = parent
    return out


def landed_flags(spec: DatasetSpec, store: Any, dataset: str, tables: Sequence[str], plan: Any, *,
                 batch_rows: int | None = None, partitions: Mapping[str, Sequence[str | None]] | None = None,
                 schema_of: SchemaOf | None = None) -> dict[str, pa.Table]:
    """The flags of each of ``tables`` (those of the dataset; the ground truth names the ones a scenario
    changed) as landed. ``partitions``: table → the partitions that landed (default: what the store holds)."""
    return {table: scenario_flags(spec, store, dataset, table, plan, batch_rows=batch_rows, schema_of=schema_of,
                                  partitions=None if partitions is None else partitions.get(table))
            for table in dict.fromkeys(tables) if table in spec.tables}


def scored(truth: pa.Table, flags: Mapping[str, pa.Table]) -> Detection:
    """The score of all the flags of a scenario's tables at once (rows are matched by table and key)."""
    none = pa.table({"table": pa.array([], pa.string()), "row_key": pa.array([], pa.string())})
    return detection(truth, pa.concat_tables([none, *flags.values()], promote_options="permissive"))


__all__ = ["SchemaOf", "landed_flags", "parent_keys", "scenario_flags", "scored"]
