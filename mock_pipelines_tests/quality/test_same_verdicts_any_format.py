"""The same data gives the same verdicts whatever format it landed in: the three demo datasets written by
``mock-pipelines generate`` as Parquet, CSV, JSON Lines and JSON arrays, read back by the report's loader
(typed by the schema), are the generated tables, and every derived check gives the same outcome and the
same observed values on each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality.report.checks import run_checks
from mock_pipelines.quality.report.loading import load_tables
from mock_pipelines.quality.results import plain
from mock_pipelines_tests.quality.support import DEMOS, SCHEMAS, spec_of

FORMATS = ("parquet", "csv", "jsonl", "json")
SCALE = 0.2


def decoded(table: pa.Table) -> pa.Table:
    """The table with dictionary columns as their values (text formats carry no dictionaries)."""
    plain_types = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                             for f in table.schema])
    return table.cast(plain_types).combine_chunks()


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> dict[str, Path]:
    """Each format's output folder, holding the three demo datasets at ``SCALE``."""
    out = {}
    for fmt in FORMATS:
        folder = tmp_path_factory.mktemp(fmt)
        result = CliRunner().invoke(app, ["generate", *(str(SCHEMAS / f"{d}.yaml") for d in DEMOS), "--out",
                                          str(folder), "--format", fmt, "--rows-scale", str(SCALE)])
        assert result.exit_code == 0, result.output
        out[fmt] = folder
    return out


def verdicts(spec: Any, tables: dict[str, Any], provenance: dict[str, Any]) -> dict[tuple[str, str], tuple]:
    """Every derived check of the dataset on ``tables``: (table, check) → what it decided and observed.
    The one place this test calls the check runner."""
    results = run_checks(spec, tables, seed=provenance.get("seed"), scale=provenance.get("scale"),
                         locale=provenance.get("locale"))
    assert results
    return {(r.table, r.name): (r.status, r.passed, plain(r.observed), r.expected, r.unexpected_count,
                                plain(r.examples), r.evaluated_rows, r.skipped, r.error)
            for r in results}


@pytest.mark.parametrize("dataset", DEMOS)
def test_every_format_reads_back_the_generated_tables(landed, dataset):
    spec = spec_of(dataset)
    plan = DatasetPlan(spec, PlanOptions(scale=SCALE))
    for fmt, folder in landed.items():
        tables, _ = load_tables(folder, spec)
        assert sorted(tables) == sorted(spec.tables), fmt
        for name, table in tables.items():
            generated = plan.table(name).to_table()
            assert decoded(table).equals(decoded(generated)), f"{fmt}: {dataset}.{name}"


@pytest.mark.parametrize("dataset", DEMOS)
def test_every_check_gives_the_same_verdict_and_observation_in_every_format(landed, dataset):
    spec = spec_of(dataset)
    by_format = {}
    for fmt, folder in landed.items():
        tables, provenance = load_tables(folder, spec)
        by_format[fmt] = verdicts(spec, tables, provenance)
    reference = by_format["parquet"]
    assert all(v[0] in ("pass", "skip") for v in reference.values()), "the demo data passes on Parquet"
    for fmt, found in by_format.items():
        assert found.keys() == reference.keys(), fmt
        differing = {k: (reference[k], found[k]) for k in reference if found[k] != reference[k]}
        assert not differing, f"{fmt} differs from parquet: {differing}"
