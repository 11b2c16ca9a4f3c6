"""Landed data checked as a stream gives exactly what it gave read whole: for the three demo datasets landed
as Parquet, CSV, JSON Lines, SQLite (and PostgreSQL and MariaDB when their test servers are configured),
every rule's result, the row count and the column profile of a table streamed from the store
(:func:`~mock_pipelines.quality.runner.check_landed`, what a checks-only step runs) equal those of the same
table read whole (``store.read``) and measured — and the quality report of a database, now streamed,
equals the report built from its tables read whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality.column_profile import TableProfile
from mock_pipelines.quality.report import read_landed
from mock_pipelines.quality.report.checks import run_checks
from mock_pipelines.quality.report.loading import load_tables
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines.quality.runner import check_batches, check_landed, single_table
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files.store import FileStore
from mock_pipelines.store.sql.store import SqlStore
from mock_pipelines_tests.quality.support import DEMOS, spec_of

SCALE = 0.2
KINDS = ("parquet", "csv", "jsonl", "sqlite", "postgresql", "mysql")
DAY1, DAY2 = "2024-01-01", "2024-01-02"


def _store(kind: str, request: Any, folder: Any, specs: dict[str, Any],
           partitioned: dict[str, list[str]] | None = None) -> Any:
    if kind in ("parquet", "csv", "jsonl"):
        return FileStore(folder / "out", kind)
    if kind == "sqlite":
        return SqlStore(f"sqlite:///{folder / 'landed.db'}", None, specs, partitioned=partitioned)
    url, schema = request.getfixturevalue("postgres_db") if kind == "postgresql" \
        else (request.getfixturevalue("mysql_db")[0], None)
    return SqlStore(url, schema, specs, partitioned=partitioned)


@pytest.fixture(params=KINDS)
def landed(request, tmp_path) -> Iterator[tuple[Any, dict[str, DatasetPlan]]]:
    """The three demo datasets at ``SCALE``, landed (unpartitioned) in one store of each kind."""
    plans = {d: DatasetPlan(spec_of(d), PlanOptions(scale=SCALE)) for d in DEMOS}
    store = _store(request.param, request, tmp_path, {d: p.spec for d, p in plans.items()})
    for dataset, plan in plans.items():
        for name in plan.order():
            table = plan.table(name)
            store.write_batches(dataset, name, table.arrow_schema, table.batches())
    yield store, plans
    if isinstance(store, SqlStore):
        store.dispose()


def read_whole(rules: list[Any], store: Any, dataset: str, table: str, key: str | None, schema: pa.Schema,
               columns: list[str]) -> tuple[Any, TableProfile]:
    """What a checks-only step did before streaming: the partition read whole, then measured."""
    typed = pa.schema([schema.field(c) for c in columns])
    data = store.read(dataset, table, [key] if key is not None else None, columns=columns, schema=typed)
    profile = TableProfile(data.schema)
    return check_batches(rules, lambda: data.to_batches(), table=table, schema=data.schema, profile=profile), profile


def test_every_demo_table_streamed_gives_the_results_and_profile_it_gave_read_whole(landed):
    store, plans = landed
    compared = 0
    for dataset, plan in plans.items():
        for name in plan.order():
            rules = single_table(derive_rules(plan.spec, name, expected_rows(plan, name), locale=plan.locale))
            schema = plan.table(name).arrow_schema
            for columns in (list(schema.names), sorted({c for r in rules for c in r.columns} & set(schema.names))):
                if not columns:
                    continue
                before, before_profile = read_whole(rules, store, dataset, name, None, schema, columns)
                streamed, profile = check_landed(rules, store, dataset, name, schema=schema, columns=columns,
                                                 profile=True)
                assert streamed.rows == before.rows == plan.table(name).n_rows
                assert streamed.results == before.results, f"{dataset}.{name}"  # every field, to the last bit
                assert profile is not None and profile.state() == before_profile.state(), f"{dataset}.{name}"
                compared += len(rules)
    assert compared > 100


def test_a_table_of_several_large_row_groups_streamed_gives_the_results_read_whole(tmp_path):
    """Row groups larger than a batch (a Parquet reader cuts them), CSV blocks and batches of a database cursor:
    the float statistics (means, deviations) are summed batch by batch, so the batches must be the ones a
    whole read holds."""
    path = tmp_path / "big.yaml"
    path.write_text("dataset: big\nseed: 5\ntables:\n  readings:\n    rows: 300000\n    primary_key: id\n"
                    "    columns:\n      id: {gen: sequence}\n      value: {gen: normal, mean: 10, std: 3}\n"
                    "      level: {gen: uniform, min: 0, max: 1}\n")
    spec = load_dataset(path)
    plan = DatasetPlan(spec)
    table = plan.table("readings")
    rules = single_table(derive_rules(spec, "readings", expected_rows(plan, "readings")))
    summed = {r.name for r in rules if r.expectation in ("ExpectColumnMeanToBeBetween", "ExpectColumnStdevToBeBetween")}
    assert len(summed) >= 2
    for store in (FileStore(tmp_path / "out"), FileStore(tmp_path / "csv", "csv"),
                  SqlStore(f"sqlite:///{tmp_path / 'big.db'}", None, {"big": spec})):
        store.write_batches("big", "readings", table.arrow_schema, table.batches(chunk_size=140_000))
        before, _ = read_whole(rules, store, "big", "readings", None, table.arrow_schema,
                               list(table.arrow_schema.names))
        streamed, _ = check_landed(rules, store, "big", "readings", schema=table.arrow_schema)
        assert streamed.results == before.results, store
        moments = [r.observed for r in streamed.results if r.name in summed]
        assert moments and all(isinstance(m, float) and np.isfinite(m) for m in moments)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mysql"])
def test_the_report_of_a_database_streamed_equals_the_report_of_its_tables_read_whole(kind, request, tmp_path):
    """Partitioned tables too: each partition streamed in key order, checked as one whole as before."""
    plan = DatasetPlan(spec_of("healthcare"), PlanOptions(scale=SCALE))
    grows = [t for t in plan.order() if plan.spec.tables[t].partitioned is not None]
    assert grows, "healthcare has tables that grow by time"
    store = _store(kind, request, tmp_path, {"healthcare": plan.spec}, partitioned={"healthcare": grows})
    try:
        for name in plan.order():
            data = plan.table(name).to_table()
            if name in grows:  # a table that grows by time: its rows split over two days
                half = data.num_rows // 2
                store.write_batches("healthcare", name, data.schema, data.slice(0, half).to_batches(), DAY1)
                store.write_batches("healthcare", name, data.schema, data.slice(half).to_batches(), DAY2)
            else:
                store.write_batches("healthcare", name, data.schema, data.to_batches())

        tables, provenance = load_tables(tmp_path, plan.spec, destination=store)
        before = run_checks(plan.spec, tables, seed=plan.seed, scale=plan.scale, locale=plan.locale)
        reads: list[tuple[str, Any]] = []
        real = SqlStore.read

        def whole_reads(self, dataset, table, partition_keys=None, columns=None, **kw):
            reads.append((table, columns))
            return real(self, dataset, table, partition_keys, columns, **kw)

        request.getfixturevalue("monkeypatch").setattr(SqlStore, "read", whole_reads)
        landed = read_landed(plan.spec, tmp_path, destination=store, plan=plan)
    finally:
        store.dispose()
    assert landed.results == before  # every rule, single-table and cross-table, every field
    assert any(not r.passed for r in before), "the windows of the two days leave rows out: some checks fail"
    assert landed.provenance["content_hashes"] == provenance["content_hashes"]
    assert {n: (t.num_rows, t.partitions) for n, t in landed.tables.items()} == \
        {n: (t.num_rows if isinstance(t, pa.Table) else sum(p.num_rows for p in t.values()),
             None if isinstance(t, pa.Table) else {k: p.num_rows for k, p in t.items()}) for n, t in tables.items()}
    # only the columns cross-table rules compare are read whole; every table is streamed
    assert reads and all(columns is not None and len(columns) < len(plan.spec.tables[t].columns)
                         for t, columns in reads)
