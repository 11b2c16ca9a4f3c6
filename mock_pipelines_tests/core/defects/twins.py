"""Defect twins of the demo schemas for the catalogue's tests: one rule on one column, the clean table beside
the scenario's data and ground truth, and the checks every cell kind must pass (rate, row-by-row agreement,
reproducibility, chunk invariance)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.column_facts import ColumnFacts
from mock_pipelines.core.engine import DEFAULT_CHUNK_SIZE, DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan, ScenarioTable, as_text
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
ROWS = 20_000  # enough for a 5-sigma rate check to mean something
SIGMAS = 5.0


@dataclass(frozen=True)
class Twin:
    """One column of one table, clean and damaged by one rule."""

    table: ScenarioTable
    column: str
    rate: float
    clean: pa.Table
    data: pa.Table
    truth: pa.Table

    @property
    def facts(self) -> ColumnFacts:
        return self.table._facts[self.column]

    @property
    def clean_type(self) -> pa.DataType:
        t = self.clean.schema.field(self.column).type
        return t.value_type if pa.types.is_dictionary(t) else t

    def entries(self) -> list[dict]:
        return self.truth.to_pylist()


@cache
def dataset(schema: str) -> DatasetSpec:
    return load_dataset(SCHEMAS / f"{schema}.yaml")


def scenario_table(schema: str, table: str, kind: str, column: str, rate: float, params: tuple = (),
                   rows: int | None = ROWS, scale: float = 1.0, seed: int | None = None) -> ScenarioTable:
    options = PlanOptions(scale=scale, seed=seed, rows={table: rows} if rows is not None else None)
    plan = DatasetPlan(dataset(schema), options)
    rule = DefectRule(kind, table, column, rate=rate, params=dict(params))
    return ScenarioPlan(plan, ScenarioSpec("twin", "negative", defects=(rule,))).table(table)


def generate(table: ScenarioTable, column: str, rate: float, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Twin:
    clean_slice = table.clean.slice(chunk_size=chunk_size)
    clean = pa.Table.from_batches(list(clean_slice.batches()), schema=table.clean.arrow_schema)
    sl = table.slice(chunk_size=chunk_size)
    data = pa.Table.from_batches(list(sl.batches()), schema=sl.schema)
    return Twin(table, column, rate, clean, data, sl.truth())


@cache
def twin(schema: str, table: str, kind: str, column: str, rate: float = 0.05, params: tuple = (),
         rows: int | None = ROWS, scale: float = 1.0, chunk_size: int = DEFAULT_CHUNK_SIZE,
         seed: int | None = None) -> Twin:
    """The twin of a demo schema's table (``rows`` rows, or the schema's count × ``scale`` for a table laid out
    per parent), cached: several checks read the same one."""
    return generate(scenario_table(schema, table, kind, column, rate, params, rows, scale, seed), column, rate,
                    chunk_size)


# ---- the checks every cell kind passes ---------------------------------------------------------------------

def assert_rate(tw: Twin) -> None:
    """The rule damaged its declared share of the rows, within binomial noise."""
    n = tw.clean.num_rows
    expected = n * tw.rate
    sigma = math.sqrt(n * tw.rate * (1 - tw.rate))
    got = tw.truth.num_rows
    assert abs(got - expected) <= SIGMAS * sigma, f"{got} damaged of {n}, expected {expected:.0f} ± {SIGMAS * sigma:.0f}"


def assert_truth_agrees_with_data(tw: Twin) -> None:
    """Row by row: where the ground truth lists a row, the data holds its injected value and the clean table its
    original; everywhere else the data equals the clean table (the damaged column and every other one)."""
    assert tw.data.num_rows == tw.clean.num_rows
    truth = tw.truth
    assert set(truth.column("column").to_pylist()) == {tw.column}
    rows = truth.column("row_index").to_numpy()
    assert len(np.unique(rows)) == len(rows), "a cell is listed twice"
    data_text = as_text(tw.data.column(tw.column).combine_chunks())
    clean_text = as_text(tw.clean.column(tw.column).combine_chunks())
    assert data_text.take(pa.array(rows)).to_pylist() == truth.column("injected").to_pylist()
    assert clean_text.take(pa.array(rows)).to_pylist() == truth.column("original").to_pylist()
    parts = [as_text(tw.clean.column(c).combine_chunks()) for c in tw.table.clean.spec.primary_key]
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")
    assert keys.take(pa.array(rows)).to_pylist() == truth.column("row_key").to_pylist()
    untouched = np.ones(tw.clean.num_rows, dtype=bool)
    untouched[rows] = False
    keep = pa.array(untouched)
    if tw.data.schema.field(tw.column).type == tw.clean.schema.field(tw.column).type:
        assert tw.data.column(tw.column).filter(keep).equals(tw.clean.column(tw.column).filter(keep))
    else:  # re-typed: the untouched cells are the clean values as text
        assert data_text.filter(keep).equals(clean_text.filter(keep))
    others = [c for c in tw.clean.schema.names if c != tw.column]
    assert tw.data.select(others).to_pylist() == tw.clean.select(others).to_pylist()
    # Something was changed wherever something was injected.
    changed = pc.fill_null(pc.not_equal(truth.column("original"), truth.column("injected")), True)
    assert pc.all(changed).as_py(), "a listed cell holds its clean value"


def assert_reproducible(tw: Twin, schema: str, table: str, kind: str, params: tuple = (), rows: int | None = ROWS,
                        scale: float = 1.0) -> None:
    """The same seed gives the same data and ground truth, whatever the chunk size; another seed does not."""
    again = generate(scenario_table(schema, table, kind, tw.column, tw.rate, params, rows, scale), tw.column,
                     tw.rate, chunk_size=97)
    assert again.data.to_pylist() == tw.data.to_pylist()
    assert again.truth.equals(tw.truth)
    other = generate(scenario_table(schema, table, kind, tw.column, tw.rate, params, rows, scale,
                                    seed=tw.table.clean.plan.seed + 1), tw.column, tw.rate)
    assert other.truth.column("row_index").to_pylist() != tw.truth.column("row_index").to_pylist()
