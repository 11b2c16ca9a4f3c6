"""A scenario of a dataset: its rows with defects, exclusions or edge cases injected, and the ground truth.

For a range of rows of one table the clean rows are generated, then each rule of the scenario selects rows
with its own keyed draw and damages them. Every draw is keyed by (seed, dataset, scenario, table, rule, row),
so:

* the data and the ground truth are computed apart and agree row by row: :meth:`ScenarioSlice.truth` generates
  only the selected rows, never the whole table;
* any chunk or partition generates alone, byte-identical to the same rows of a full run;
* a cell is damaged by at most one rule (the first that selects it, in declared order), so its ground-truth
  entry says exactly what happened to it.

The scenario's data lands as the dataset ``<dataset>__<scenario>``: every table (clean where the scenario does
not touch it, so foreign keys still resolve) plus :data:`GROUND_TRUTH_TABLE`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import defects
from mock_pipelines.core import random as rnd
from mock_pipelines.core.column_facts import ColumnFacts, column_facts
from mock_pipelines.core.defects.base import Cells, DefectKind
from mock_pipelines.core.defects.classify import violation_labels
from mock_pipelines.core.engine import DEFAULT_CHUNK_SIZE, DatasetPlan, TablePlan, _decoded, _Rows
from mock_pipelines.core.expressions import parse_expression, parse_template
from mock_pipelines.core.timeline import to_us
from mock_pipelines.spec.errors import Issue
from mock_pipelines.spec.scenarios import (
    GROUND_TRUTH_TABLE,
    DefectRule,
    EdgeCaseRule,
    ExclusionRule,
    ScenarioSpec,
    scenario_dataset,
)

# One row per damaged cell, added row, excluded record or drifted partition.
GROUND_TRUTH_SCHEMA = pa.schema([
    pa.field("dataset", pa.string(), nullable=False),  # the clean dataset
    pa.field("scenario", pa.string(), nullable=False),
    pa.field("table", pa.string(), nullable=False),
    pa.field("partition", pa.string()),  # the partition key; null for an unpartitioned table
    pa.field("row_index", pa.int64()),  # the row's index in the clean table; null for a partition-level entry
    pa.field("row_key", pa.string()),  # the primary key of the clean row ("a|b" for a composite key)
    pa.field("column", pa.string()),  # the damaged column; null for a row-level entry (duplicate, exclusion)
    pa.field("kind", pa.string(), nullable=False),  # the defect kind, "edge_case", or "excluded"
    pa.field("group", pa.string(), nullable=False),  # defect | anomaly | edge | row | exclusion | drift
    pa.field("violates", pa.string(), nullable=False),  # rule kinds the injected value breaks, comma-separated
    pa.field("reason", pa.string()),  # an exclusion's reason, a drift's change, a near duplicate's damage
    pa.field("original", pa.string()),  # the clean value as text
    pa.field("injected", pa.string()),  # the value written instead, as text
])
EXCLUDED = "excluded"
_COPY = "\x00copy"  # the pseudo-column duplicate rules share: a row gets one copy at most
EDGE_CASE = "edge_case"
_TRUTH_COLUMNS = GROUND_TRUTH_SCHEMA.names


def as_text(values: pa.Array) -> pa.Array:
    """Values as the ground truth (and a re-typed column) writes them: ISO times, plain numbers."""
    values = _decoded(values)
    if pa.types.is_string(values.type):
        return values
    # Arrow's cast writes a date or a zone-less time in ISO form, as strftime("%Y-%m-%d[T%H:%M:%S]") does (the
    # same text, fractions included), at a thirtieth of its cost; a time with a zone keeps strftime, which
    # writes it in its zone without a suffix.
    if pa.types.is_timestamp(values.type) and values.type.tz is None:
        return pc.replace_substring(pc.cast(values, pa.string()), " ", "T", max_replacements=1)
    if pa.types.is_timestamp(values.type):
        return pc.strftime(values, format="%Y-%m-%dT%H:%M:%S")
    if pa.types.is_date(values.type):
        return pc.cast(values, pa.string())
    return pc.cast(values, pa.string())


def row_keys(batch: pa.RecordBatch | pa.Table, primary_key: list[str] | tuple[str, ...]) -> pa.Array:
    """The ground truth's ``row_key`` of each row: the primary key as text, ``"a|b"`` for a composite key
    (null for a table without one, or whose key columns are not all in ``batch``). Whoever matches rows with
    the ground truth (the detection score, a user's pipeline) builds its keys with this function."""
    if not primary_key or any(c not in batch.schema.names for c in primary_key):
        return pa.nulls(batch.num_rows, pa.string())
    parts = []
    for c in primary_key:
        col = batch.column(c)
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        parts.append(as_text(_decoded(col)))
    return parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")


class ScenarioPlan:
    """One scenario of a planned dataset, ready to generate table by table."""

    def __init__(self, plan: DatasetPlan, spec: ScenarioSpec):
        self.plan = plan
        self.spec = spec
        self.dataset = plan.spec.name
        self.name = scenario_dataset(self.dataset, spec.name)
        self._tables: dict[str, ScenarioTable] = {}

    def table(self, name: str) -> ScenarioTable:
        if name not in self._tables:
            self._tables[name] = ScenarioTable(self, self.plan.table(name))
        return self._tables[name]

    def order(self) -> list[str]:
        """Every table of the dataset, parents first (the ground truth is not among them)."""
        return self.plan.order()

    def key(self, *parts: object) -> int:
        return rnd.derive_key(self.plan.seed, self.dataset, "scenario", self.spec.name, *parts)


@dataclass(frozen=True)
class _CellRule:
    """A rule that changes cells of one column, resolved against the table: what the engine applies."""

    index: int  # position among the table's rules: part of its key
    column: str
    kind: DefectKind | None  # None: an exclusion (set/shift), applied by the scenario itself
    group: str
    rate: float | None
    weight: float
    params: dict[str, Any]
    source: DefectRule | ExclusionRule | EdgeCaseRule


class ScenarioTable:
    """One table of a scenario: the schema it lands with and the slices it generates."""

    def __init__(self, scenario: ScenarioPlan, clean: TablePlan):
        self.scenario = scenario
        self.clean = clean
        self.name = clean.name
        spec = scenario.spec
        self.defects = [r for r in spec.defects if r.table == self.name]
        self.exclusions = [r for r in spec.exclusions if r.table == self.name]
        self.edges = [r for r in spec.edge_cases if r.table == self.name]
        cells: list[_CellRule] = []
        self.duplicates: list[tuple[int, DefectRule]] = []
        self.drifts: list[tuple[int, DefectRule]] = []
        self.wheres: list[tuple[int, ExclusionRule]] = []
        for i, rule in enumerate([*self.defects, *self.exclusions, *self.edges]):
            if isinstance(rule, DefectRule):
                if rule.kind in ("duplicate", "near_duplicate"):
                    self.duplicates.append((i, rule))
                elif rule.kind == "schema_drift":
                    self.drifts.append((i, rule))
                else:
                    kind = defects.get(rule.kind)
                    params = {name: p.default for name, p in kind.params.items()} | dict(rule.params)
                    cells.append(_CellRule(i, rule.column or "", kind, kind.group, rule.rate, rule.weight, params,
                                           rule))
            elif isinstance(rule, ExclusionRule):
                if rule.where is not None:
                    self.wheres.append((i, rule))
                else:
                    column = rule.shift_column or next(iter(rule.set), "")
                    cells.append(_CellRule(i, column, None, "exclusion", rule.rate, 1.0, {}, rule))
            else:
                kind = defects.get(EDGE_CASE)
                cells.append(_CellRule(i, rule.column, kind, "edge", rule.rate, 1.0,
                                       {"keep_rules": scenario.spec.kind == "positive"}, rule))
        self.cell_rules = cells
        # Columns every partition writes as text (a kind whose damage a typed column cannot hold); a drift
        # that re-types a column does so only in the partitions it selects (see `drift`).
        self.retyped = {r.column for r in cells if r.kind is not None and r.kind.retypes}

    @property
    def touched(self) -> bool:
        return bool(self.defects or self.exclusions or self.edges)

    def rule_key(self, index: int) -> int:
        return self.scenario.key(self.name, index)

    @cached_property
    def _facts(self) -> Mapping[str, ColumnFacts]:
        return _FactsByColumn(self.clean)

    # -- schema --------------------------------------------------------------------------------------
    @cached_property
    def base_schema(self) -> pa.Schema:
        """The landing schema before any drift: the clean one, with re-typed columns as strings."""
        schema = self.clean.arrow_schema
        for name in self.retyped:
            i = schema.get_field_index(name)
            schema = schema.set(i, pa.field(name, pa.string()))
        return schema

    def drift(self, partition_key: str | None) -> list[tuple[DefectRule, str, str]]:
        """The schema changes of one partition: (rule, column, change) for each drift rule that selects it."""
        out = []
        for index, rule in self.drifts:
            draw = rnd.uniform(self.rule_key(index), np.array([_partition_number(partition_key)]), 0xD81F)[0]
            if draw >= (rule.rate or 0.0):
                continue
            change = str(rule.params.get("change", "any"))
            if change == "any":
                pick = rnd.integers(self.rule_key(index), np.array([_partition_number(partition_key)]),
                                    len(defects.DRIFT_CHANGES), 0xD820)[0]
                change = defects.DRIFT_CHANGES[int(pick)]
            out.append((rule, rule.column or "", change))
        return out

    def schema(self, partition_key: str | None = None) -> pa.Schema:
        """The schema the rows of one partition land with (drift included)."""
        schema = self.base_schema
        for _, column, change in self.drift(partition_key):
            schema = _drifted_schema(schema, column, change)
        return schema

    @cached_property
    def union_schema(self) -> pa.Schema:
        """One schema the rows of every partition fit in, for a destination where a table has a single
        schema (a database): the base schema, plus each column a drift may add (``<col>_renamed``,
        ``<col>_extra``) right after its column, and string wherever a drift may re-type. A column a drift
        may drop stays: the rows of such a partition hold nulls there."""
        schema = self.base_schema
        for _, rule in self.drifts:
            column = rule.column or ""
            change = str(rule.params.get("change", "any"))
            for one in defects.DRIFT_CHANGES if change == "any" else (change,):
                if one == "retype":
                    schema = _drifted_schema(schema, column, one)
        for _, rule in self.drifts:
            column = rule.column or ""
            change = str(rule.params.get("change", "any"))
            for one in defects.DRIFT_CHANGES if change == "any" else (change,):
                name = _drift_name(column, one)
                if one not in ("rename", "extra") or name in schema.names:
                    continue
                # a renamed column holds the column's values (typed as the column is here); an extra one text
                kind = schema.field(column).type if one == "rename" else pa.string()
                schema = schema.insert(schema.get_field_index(column) + 1, pa.field(name, kind))
        return schema

    # -- rows -----------------------------------------------------------------------------------------
    def slice(self, start: dt.datetime | dt.date | str | None = None, end: dt.datetime | dt.date | str | None = None,
              partition_key: str | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE) -> ScenarioSlice:
        clean = self.clean.slice(start, end, partition_key, chunk_size)
        window = (to_us(start), to_us(end)) if self.clean.is_partitioned and start is not None and end is not None \
            else None
        return ScenarioSlice(self, clean.lo, clean.hi, chunk_size, partition_key, window)

    def selections(self, rows: np.ndarray) -> dict[int, np.ndarray]:
        """Which of ``rows`` each cell or duplicate rule damages (by rule index), a cell by one rule at most."""
        out: dict[int, np.ndarray] = {}
        n = len(rows)
        taken: dict[str, np.ndarray] = {}
        ordered: list[tuple[int, str, float | None, float, Any]] = [
            *((r.index, r.column, r.rate, r.weight, r) for r in self.cell_rules),
            *((i, _COPY, d.rate, d.weight, d) for i, d in self.duplicates)]
        ordered.sort(key=lambda t: t[0])
        if self.scenario.spec.one_per_record:
            share = float(self.scenario.spec.share or 0.0)
            negative = rnd.uniform(self.scenario.key(self.name, "share"), rows, 0x0E) < share
            weights = np.array([w for _, _, _, w, _ in ordered], dtype=np.float64)
            cum = np.cumsum(weights / weights.sum()) if len(weights) else weights
            pick = np.searchsorted(cum, rnd.uniform(self.scenario.key(self.name, "pick"), rows, 0x0F), side="right")
            for position, (index, *_) in enumerate(ordered):
                mask = negative & (pick == position)
                out[index] = mask
            return out
        for index, column, rate, _, rule in ordered:
            mask = self._select(rule, index, rows, rate or 0.0)
            free = ~taken.get(column, np.zeros(n, dtype=bool))
            mask &= free
            taken[column] = ~free | mask
            out[index] = mask
        return out

    def _select(self, rule: Any, index: int, rows: np.ndarray, rate: float) -> np.ndarray:
        if isinstance(rule, _CellRule) and rule.kind is not None:
            return rule.kind.select(self.rule_key(index), rows, rate, rule.params)
        return rnd.uniform(self.rule_key(index), rows, 0x5E1) < rate

    def apply(self, rows: np.ndarray, window: tuple[int, int] | None, partition_key: str | None,
              ) -> tuple[pa.RecordBatch, pa.Table]:
        """The scenario's rows for the clean ``rows`` (duplicates inserted after their source) and their ground
        truth. Both are pure functions of the rows given, so ``truth`` may be asked for a subset."""
        rows = np.asarray(rows, dtype=np.int64)
        return self.apply_to(rows, self.clean.compute(rows), window, partition_key)

    def apply_to(self, rows: np.ndarray, clean: pa.RecordBatch, window: tuple[int, int] | None,
                 partition_key: str | None) -> tuple[pa.RecordBatch, pa.Table]:
        """:meth:`apply` to ``clean``, the clean table's values of ``rows`` computed beforehand (validation
        applies every rule of a table alone to the same rows)."""
        if not self.touched:  # a table the scenario leaves clean lands as generated (its parents' keys resolve)
            return clean, GROUND_TRUTH_SCHEMA.empty_table()
        columns = {name: _decoded(clean.column(i)) for i, name in enumerate(clean.schema.names)}
        for name in self.retyped:
            columns[name] = as_text(columns[name])
        keys = self._row_keys(clean)
        truth: list[dict[str, Any]] = []
        selected = self.selections(rows)
        # A column this partition renames or drops belongs to the drift there: its cells are changed by that
        # one rule (a cell is changed by one rule at most) and its entry stands for the whole column. A cell
        # defect on top would be listed with a value no check of the column can read under its name.
        drifted = {column for _, column, change in self.drift(partition_key) if change in ("rename", "drop")}
        for rule in self.cell_rules:
            if rule.kind is not None and rule.column in drifted and rule.index in selected:
                selected[rule.index] = np.zeros(len(rows), dtype=bool)
        for rule in self.cell_rules:
            mask = selected.get(rule.index)
            if mask is None or not mask.any():
                continue
            idx = np.flatnonzero(mask)
            if rule.kind is None:
                truth += self._exclude(rule, rows, idx, columns, clean, keys, partition_key)
                continue
            col = self.clean.spec.columns[rule.column]
            before = columns[rule.column].take(pa.array(idx))
            cells = Cells(self.clean, col, self._facts[rule.column], before, rows[idx], self.rule_key(rule.index),
                          rule.params, window)
            after = rule.kind.damage(cells)
            if rule.column in self.retyped:
                after = as_text(after)
            elif after.type != before.type:
                after = after.cast(before.type)
            columns[rule.column] = pc.replace_with_mask(columns[rule.column], pa.array(mask), after)
            # A cell the damage left as it was (a null under a typo, the first row of a burst) is no defect:
            # the ground truth lists only what differs from the clean data.
            changed = pa.array(_differs(as_text(before), as_text(after)))
            if not pc.any(changed).as_py():
                continue
            idx, before, after = idx[changed.to_numpy(zero_copy_only=False)], before.filter(changed), after.filter(changed)
            labels = violation_labels(self._facts[rule.column], after,
                                      self.clean.arrow_schema.field(rule.column).type, rule.kind.violates)
            kind = EDGE_CASE if rule.group == "edge" else rule.kind.name
            truth.append(_entries(self, partition_key, rows[idx], keys.take(pa.array(idx)), rule.column, kind,
                                  rule.group, labels, None, as_text(before), as_text(after)))
        for index, rule in self.wheres:
            truth += self._marked(index, rule, rows, clean, keys, partition_key)
        batch = pa.RecordBatch.from_arrays([columns[n_] for n_ in clean.schema.names], schema=self.base_schema)
        batch, dup_truth = self._duplicate(batch, rows, selected, keys, partition_key)
        truth += dup_truth
        for _, column, change in self.drift(partition_key):
            batch = _drifted_batch(batch, column, change)
        return batch, _truth_table(truth)

    def drift_truth(self, partition_key: str | None) -> pa.Table:
        out = []
        for _, column, change in self.drift(partition_key):
            out.append(_entries(self, partition_key, np.zeros(1, dtype=np.int64), pa.nulls(1, pa.string()), column,
                                "schema_drift", "drift", ["type" if change == "retype" else "schema"],
                                change, pa.array([column]), pa.array([_drift_name(column, change)])))
            out[-1]["row_index"] = pa.nulls(1, pa.int64())
        return _truth_table(out)

    def _row_keys(self, clean: pa.RecordBatch) -> pa.Array:
        return row_keys(clean, self.clean.spec.primary_key)

    def _exclude(self, rule: _CellRule, rows: np.ndarray, idx: np.ndarray, columns: dict[str, pa.Array],
                 clean: pa.RecordBatch, keys: pa.Array, partition_key: str | None) -> list[dict[str, Any]]:
        """Turn the selected rows into records to exclude: set columns (test accounts) or shift a time."""
        source = rule.source
        assert isinstance(source, ExclusionRule)
        picked = rows[idx]
        mask = np.zeros(len(rows), dtype=bool)
        mask[idx] = True
        resolver = _Rows(self.clean, picked)
        changed: list[tuple[str, pa.Array, pa.Array]] = []
        if source.shift_column is not None:
            before = columns[source.shift_column].take(pa.array(idx))
            shift = pa.scalar(round(float(source.shift_days or 0) * 86_400_000_000), pa.duration("us"))
            if pa.types.is_date(before.type):
                after = pc.cast(pc.add(pc.cast(before, pa.timestamp("us")), shift), pa.date32())
            else:
                after = pc.add(before, shift)
            changed.append((source.shift_column, before, after))
        for column, template in source.set.items():
            before = columns[column].take(pa.array(idx))
            text = parse_template(template).render(resolver.resolve, picked, self.rule_key(rule.index),
                                                   self.clean.plan.locale)
            after = text if pa.types.is_string(before.type) else pc.cast(text, before.type)
            changed.append((column, before, after))
        out = []
        for column, before, after in changed:
            columns[column] = pc.replace_with_mask(columns[column], pa.array(mask), after)
            out.append(_entries(self, partition_key, picked, keys.take(pa.array(idx)), column, EXCLUDED, "exclusion",
                                [""] * len(picked), source.reason, as_text(before), as_text(after)))
        return out

    def _marked(self, index: int, rule: ExclusionRule, rows: np.ndarray, clean: pa.RecordBatch, keys: pa.Array,
                partition_key: str | None) -> list[dict[str, Any]]:
        """Clean rows a predicate marks for exclusion (``where``): listed, not changed."""
        assert rule.where is not None
        holds = parse_expression(rule.where).evaluate(_Rows(self.clean, rows).resolve, len(rows))
        mask = pc.fill_null(holds, False).to_numpy(zero_copy_only=False).astype(bool)
        if not mask.any():
            return []
        idx = np.flatnonzero(mask)
        nulls = pa.nulls(len(idx), pa.string())
        return [_entries(self, partition_key, rows[idx], keys.take(pa.array(idx)), None, EXCLUDED, "exclusion",
                         [""] * len(idx), rule.reason, nulls, nulls)]

    def _duplicate(self, batch: pa.RecordBatch, rows: np.ndarray, selected: dict[int, np.ndarray], keys: pa.Array,
                   partition_key: str | None) -> tuple[pa.RecordBatch, list[dict[str, Any]]]:
        """Copies of the selected rows, each right after its source; a near duplicate's copy is damaged."""
        if not self.duplicates:
            return batch, []
        copies = np.zeros(len(rows), dtype=np.int64)
        truth = []
        for index, _ in self.duplicates:
            mask = selected.get(index)
            if mask is not None:
                copies += mask
        if not copies.any():
            return batch, []
        order = np.repeat(np.arange(len(rows)), 1 + copies)
        is_copy = np.zeros(len(order), dtype=bool)
        is_copy[1:] = order[1:] == order[:-1]
        out = batch.take(pa.array(order))
        arrays = {name: out.column(i) for i, name in enumerate(out.schema.names)}
        position = {int(r): int(p) for p, r in zip(np.flatnonzero(is_copy), order[is_copy], strict=True)}  # first copy per row
        for index, rule in self.duplicates:
            mask = selected.get(index)
            if mask is None or not mask.any():
                continue
            idx = np.flatnonzero(mask)
            unique_key = self.clean.spec.primary_key
            violated = ["unique" if unique_key else ""] * len(idx)
            if rule.kind == "duplicate":
                truth.append(_entries(self, partition_key, rows[idx], keys.take(pa.array(idx)), None, "duplicate",
                                      "row", violated, None, pa.nulls(len(idx), pa.string()),
                                      pa.nulls(len(idx), pa.string())))
                continue
            how = str(rule.params.get("how", "typo"))
            column = rule.column or ""
            at = np.array([position[int(i)] for i in idx], dtype=np.int64)
            before = _decoded(arrays[column]).take(pa.array(at))
            kind = defects.get(how)
            col = self.clean.spec.columns[column]
            after = kind.damage(Cells(self.clean, col, self._facts[column], before, rows[idx],
                                      self.rule_key(index), {p: v.default for p, v in kind.params.items()}))
            mask_copy = np.zeros(len(order), dtype=bool)
            mask_copy[at] = True
            arrays[column] = pc.replace_with_mask(_decoded(arrays[column]), pa.array(mask_copy), after)
            # A copy the damage could not change (a null cell) is an exact duplicate, and is listed as one.
            near = _differs(as_text(before), as_text(after))
            kinds = np.where(near, "near_duplicate", "duplicate").tolist()
            entry = _entries(self, partition_key, rows[idx], keys.take(pa.array(idx)), column, "near_duplicate",
                             "row", violated, how, as_text(before), as_text(after))
            entry["kind"] = pa.array(kinds, pa.string())
            entry["column"] = pa.array(np.where(near, column, None).tolist(), pa.string())
            entry["reason"] = pa.array(np.where(near, how, None).tolist(), pa.string())
            truth.append(entry)
        return pa.RecordBatch.from_arrays(list(arrays.values()), schema=batch.schema), truth


@dataclass
class ScenarioSlice:
    """The rows of one partition (or the whole table) of a scenario, generated lazily chunk by chunk."""

    table: ScenarioTable
    lo: int
    hi: int
    chunk_size: int = DEFAULT_CHUNK_SIZE
    partition_key: str | None = None
    window: tuple[int, int] | None = None

    @property
    def dataset(self) -> str:
        return self.table.scenario.name

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def schema(self) -> pa.Schema:
        return self.table.schema(self.partition_key)

    def batches(self) -> Iterator[pa.RecordBatch]:
        for lo in range(self.lo, self.hi, self.chunk_size):
            rows = np.arange(lo, min(self.hi, lo + self.chunk_size), dtype=np.int64)
            yield self.table.apply(rows, self.window, self.partition_key)[0]

    def truth(self) -> pa.Table:
        """The ground truth of these rows: only the rows some rule selects are generated."""
        parts = [self.table.drift_truth(self.partition_key)]
        for lo in range(self.lo, self.hi, self.chunk_size):
            rows = np.arange(lo, min(self.hi, lo + self.chunk_size), dtype=np.int64)
            hit = np.zeros(len(rows), dtype=bool)
            for mask in self.table.selections(rows).values():
                hit |= mask
            if self.table.wheres:
                hit[:] = True  # a predicate is evaluated on every row
            if hit.any():
                parts.append(self.table.apply(rows[hit], self.window, self.partition_key)[1])
        return pa.concat_tables(parts)


def _differs(before: pa.Array, after: pa.Array) -> np.ndarray:
    """Where two text arrays differ, a null differing from any value and equal to a null."""
    equal = pc.fill_null(pc.equal(before, after), False).to_numpy(zero_copy_only=False)
    both_null = (before.is_null().to_numpy(zero_copy_only=False) & after.is_null().to_numpy(zero_copy_only=False))
    return ~(equal | both_null)


def _partition_number(partition_key: str | None) -> int:
    return rnd.derive_key("partition", partition_key or "") >> 11


def _drift_name(column: str, change: str) -> str:
    return {"rename": f"{column}_renamed", "drop": "", "retype": column, "extra": f"{column}_extra"}[change]


def _drifted_schema(schema: pa.Schema, column: str, change: str) -> pa.Schema:
    i = schema.get_field_index(column)
    if change == "rename":
        return schema.set(i, pa.field(_drift_name(column, change), schema.field(i).type))
    if change == "drop":
        return schema.remove(i)
    if change == "retype":
        return schema.set(i, pa.field(column, pa.string()))
    return schema.insert(i + 1, pa.field(_drift_name(column, change), pa.string()))


def _drifted_batch(batch: pa.RecordBatch, column: str, change: str) -> pa.RecordBatch:
    i = batch.schema.get_field_index(column)
    if i < 0:
        return batch
    if change == "rename":
        names = list(batch.schema.names)
        names[i] = _drift_name(column, change)
        return pa.RecordBatch.from_arrays(list(batch.columns), names=names)
    if change == "drop":
        return batch.drop_columns([column])
    if change == "retype":
        return batch.set_column(i, pa.field(column, pa.string()), as_text(batch.column(i)))
    extra = pa.repeat(pa.scalar("unexpected"), batch.num_rows) if batch.num_rows else pa.array([], pa.string())
    return batch.add_column(i + 1, pa.field(_drift_name(column, change), pa.string()), extra)


def _entries(table: ScenarioTable, partition_key: str | None, rows: np.ndarray, keys: pa.Array, column: str | None,
             kind: str, group: str, violates: list[str] | pa.Array, reason: str | None, original: pa.Array,
             injected: pa.Array) -> dict[str, Any]:
    n = len(rows)
    return {
        "dataset": pa.repeat(pa.scalar(table.scenario.dataset), n),
        "scenario": pa.repeat(pa.scalar(table.scenario.spec.name), n),
        "table": pa.repeat(pa.scalar(table.name), n),
        "partition": pa.repeat(pa.scalar(partition_key, pa.string()), n),
        "row_index": pa.array(rows, pa.int64()),
        "row_key": keys,
        "column": pa.repeat(pa.scalar(column, pa.string()), n),
        "kind": pa.repeat(pa.scalar(kind), n),
        "group": pa.repeat(pa.scalar(group), n),
        "violates": pa.array(violates, pa.string()),
        "reason": pa.repeat(pa.scalar(reason, pa.string()), n),
        "original": original,
        "injected": injected,
    }


def _truth_table(entries: list[dict[str, Any]]) -> pa.Table:
    if not entries:
        return GROUND_TRUTH_SCHEMA.empty_table()
    tables = [pa.Table.from_arrays([pa.array(e[c]).cast(GROUND_TRUTH_SCHEMA.field(c).type) for c in _TRUTH_COLUMNS],
                                   schema=GROUND_TRUTH_SCHEMA) for e in entries]
    return pa.concat_tables(tables).sort_by([("row_index", "ascending"), ("kind", "ascending")])




class _FactsByColumn(Mapping[str, ColumnFacts]):
    """A table's column facts, each computed when first asked for: a rule reads one or two columns of a
    table, and `validate` builds a scenario table for every rule it probes."""

    def __init__(self, table: TablePlan):
        self.table = table
        self._known: dict[str, ColumnFacts] = {}

    def __getitem__(self, name: str) -> ColumnFacts:
        if name not in self._known:
            plan, spec = self.table.plan, self.table.spec
            self._known[name] = column_facts(plan.spec, spec, spec.columns[name], plan.locale,
                                             partitioned=self.table.is_partitioned)
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.spec.columns)

    def __len__(self) -> int:
        return len(self.table.spec.columns)


def probe_issues(plan: DatasetPlan, rows: int) -> list[Issue]:
    """Apply each rule of each scenario alone to every one of the first ``rows`` rows of its table, as
    generation would, and turn a failure into a problem at the rule: a parameter a kind refuses (``factor: 0``,
    ``length: -5``) or a value it cannot produce is reported by `validate` instead of failing a run later.
    Part of :meth:`DatasetPlan.probe` (it builds vocabularies, so loading definitions leaves it out)."""
    issues: list[Issue] = []
    clean: dict[str, pa.RecordBatch] = {}  # each table's clean rows, computed once for all its rules
    for scenario in plan.spec.scenarios.values():
        for rule in (*scenario.defects, *scenario.exclusions, *scenario.edge_cases):
            table = plan.table(rule.table)
            if table.is_partitioned or table.n_rows == 0:
                continue
            field_name = {DefectRule: "defects", ExclusionRule: "exclusions", EdgeCaseRule: "edge_cases"}[type(rule)]
            alone = ScenarioSpec(scenario.name, scenario.kind, **{field_name: (_at_full_rate(rule),)})
            probed = np.arange(min(rows, table.n_rows), dtype=np.int64)
            try:
                if rule.table not in clean:  # a failure here is every rule's (as apply would raise it)
                    clean[rule.table] = table.compute(probed)
                ScenarioPlan(plan, alone).table(rule.table).apply_to(probed, clean[rule.table], None, None)
            except Exception as exc:  # any failure of a rule is the rule's problem, told where it is written
                what = getattr(rule, "kind", None) or getattr(rule, "reason", None) or "edge cases"
                column = getattr(rule, "column", None)
                where = f"{rule.table}.{column}" if column else rule.table
                text = str(exc).strip() or type(exc).__name__
                if isinstance(exc, OverflowError):
                    text = f"a number is too large ({text})"
                issues.append(Issue(rule.location or table.spec.location,
                                    f"{what} of {where} in scenario {scenario.name!r} cannot be generated: {text}",
                                    suggestion="change the rule's parameters (`mock-pipelines defects` lists each "
                                               "kind's parameters)"))
    return issues


def _at_full_rate(rule: DefectRule | ExclusionRule | EdgeCaseRule) -> DefectRule | ExclusionRule | EdgeCaseRule:
    if isinstance(rule, ExclusionRule) and rule.where is not None:
        return rule  # a predicate marks what it marks
    return dataclasses.replace(rule, rate=1.0)

__all__ = ["EDGE_CASE", "EXCLUDED", "GROUND_TRUTH_SCHEMA", "GROUND_TRUTH_TABLE", "ScenarioPlan", "ScenarioSlice",
           "ScenarioTable", "as_text", "row_keys"]
