"""Generating one table of a defect twin of a demo dataset, and checking its ground truth against its data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.engine import DEFAULT_CHUNK_SIZE, DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan, as_text
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
PARTITIONS_START = dt.datetime(2024, 3, 1)


@cache
def demo(dataset: str) -> DatasetSpec:
    return load_dataset(SCHEMAS / f"{dataset}.yaml")


def plan(dataset: str, scale: float = 0.2, partitioned: bool = False, seed: int | None = None) -> DatasetPlan:
    partitions = PartitionScheme(PARTITIONS_START, "daily") if partitioned else None
    return DatasetPlan(demo(dataset), PlanOptions(scale=scale, seed=seed, partitions=partitions))


def twin(p: DatasetPlan, *rules: DefectRule) -> ScenarioPlan:
    return ScenarioPlan(p, ScenarioSpec("twin", "negative", defects=rules))


def decoded(table: pa.Table) -> pa.Table:
    columns = [c.combine_chunks() for c in table.columns]
    return pa.table([c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in columns],
                    names=table.column_names)


@dataclass
class Run:
    """One table (or one partition of it) of a twin: its data, the same rows clean, and its ground truth."""

    data: pa.Table
    clean: pa.Table
    truth: pa.Table
    lo: int
    window: tuple[dt.datetime, dt.datetime] | None = None

    def entries(self, kind: str) -> pa.Table:
        return self.truth.filter(pc.equal(self.truth["kind"], kind))

    def positions(self, kind: str) -> np.ndarray:
        return self.entries(kind)["row_index"].to_numpy() - self.lo


def run(scenario: ScenarioPlan, table: str, day: int | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Run:
    """Rows of ``table`` (of partition ``day`` after the first, in a partitioned plan)."""
    t = scenario.table(table)
    window = None
    if day is None:
        part = t.slice(chunk_size=chunk_size)
    else:
        start = PARTITIONS_START + dt.timedelta(days=day)
        window = (start, start + dt.timedelta(days=1))
        part = t.slice(*window, partition_key=start.date().isoformat(), chunk_size=chunk_size)
    data = decoded(pa.Table.from_batches(list(part.batches()), schema=part.schema))
    clean = decoded(t.clean.to_table(part.lo, part.hi))
    return Run(data, clean, part.truth(), part.lo, window)


def parent_table(p: DatasetPlan, table: str, days: int | None = None) -> pa.Table:
    """The whole clean parent table, or every partition of its first ``days`` days."""
    t = p.table(table)
    if days is None:
        return decoded(t.to_table())
    lo, hi = t.row_range(to_us(PARTITIONS_START), to_us(PARTITIONS_START + dt.timedelta(days=days)))
    return decoded(t.to_table(lo, hi))


def to_us(t: dt.datetime) -> int:
    return int((t - dt.datetime(1970, 1, 1)) / dt.timedelta(microseconds=1))


def assert_truth_agrees(r: Run, column: str) -> None:
    """Row by row: each ground-truth entry of ``column`` holds the clean value and the value in the data, and
    every row without one is clean."""
    entries = r.truth.filter(pc.equal(r.truth["column"], column))
    at = entries["row_index"].to_numpy() - r.lo
    data_text = as_text(r.data[column].combine_chunks())
    clean_text = as_text(r.clean[column].combine_chunks())
    assert data_text.take(pa.array(at)).to_pylist() == entries["injected"].to_pylist()
    assert clean_text.take(pa.array(at)).to_pylist() == entries["original"].to_pylist()
    untouched = np.setdiff1d(np.arange(r.data.num_rows), at)
    assert r.data[column].take(pa.array(untouched)).equals(r.clean[column].take(pa.array(untouched)))
    assert r.data.num_rows == r.clean.num_rows


def assert_binomial(hits: int, n: int, rate: float) -> None:
    """``hits`` successes of ``n`` draws at ``rate``, within 4.5 standard deviations."""
    sd = math.sqrt(n * rate * (1 - rate))
    assert abs(hits - n * rate) <= 4.5 * sd + 1, f"{hits} hits of {n} at rate {rate} (expected ≈ {n * rate:.0f})"
