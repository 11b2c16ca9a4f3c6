"""Checking landed data holds a batch, not the table: a checks-only step's measure
(:func:`~mock_pipelines.quality.runner.check_landed`) run in a fresh process on the same table landed at two
sizes, four times apart, peaks at about the same memory, while the data read whole grows by its size.
Parquet (row group by row group) and SQLite (a cursor stepped batch by batch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files.reading import plain_schema
from mock_pipelines.store.files.store import FileStore
from mock_pipelines.store.sql.store import SqlStore

# ``readings`` has distribution rules (their quantile sample is capped at a million rows: from one and a half
# million rows it holds as much as it ever will); ``visits`` has wide text columns and only rules that keep counts.
SCHEMA = """\
dataset: mem
seed: 11
tables:
  readings:
    rows: 1000
    primary_key: id
    columns:
      id: {gen: sequence}
      amount: {gen: uniform, min: 0, max: 500}
      category: {gen: choice, values: {a: 0.5, b: 0.3, c: 0.2}}
      score: {gen: normal, mean: 50, std: 10}
      name: {gen: first_name}
  visits:
    rows: 1000
    primary_key: id
    columns:
      id: {gen: sequence}
      kind: {gen: choice, values: {new: 0.4, returning: 0.6}}
      address: {gen: full_address}
      code: {gen: uuid}
"""

# Run in a fresh interpreter: peak RSS of measuring the landed table (``stream``), or of reading it whole
# first, as checks-only steps did (``whole``). Prints the rows measured, whether every rule passed and the
# peak resident memory in bytes.
MEASURE = """\
import json, resource, sys
import pyarrow as pa
pa.set_cpu_count(1)  # one thread: no per-thread buffers to blur the comparison
pa.set_io_thread_count(1)
try:  # freed Arrow memory goes back at once, not when a background timer says: a peak that does not depend on
    pa.jemalloc_set_decay_ms(0)  # how busy the machine is
except NotImplementedError:
    pass
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines.quality.runner import check_batches, check_landed, single_table
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files.store import FileStore

schema_path, where, table, rows, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
spec = load_dataset(schema_path)
plan = DatasetPlan(spec, PlanOptions(rows={table: rows}))
if where.startswith("sqlite:"):
    from mock_pipelines.store.sql.store import SqlStore
    store = SqlStore(where, None, {"mem": spec})
else:
    store = FileStore(where)
schema = plan.table(table).arrow_schema
rules = single_table(derive_rules(spec, table, expected_rows(plan, table)))
if mode == "stream":
    validation, _ = check_landed(rules, store, "mem", table, schema=schema, profile=True)
else:
    data = store.read("mem", table, schema=schema)
    validation = check_batches(rules, lambda: data.to_batches(), table=table, schema=data.schema)
print(json.dumps({"rows": validation.rows, "passed": all(r.passed for r in validation.results),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "arrow_peak": pa.default_memory_pool().max_memory()}))
"""


@pytest.fixture(scope="module")
def schema_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "mem.yaml"
    path.write_text(SCHEMA)
    return path


def land(schema_path: Path, where: Path, table: str, rows: int, kind: str) -> tuple[str, int]:
    """Land ``rows`` rows of ``table``; (where a store finds them, their size in memory as Arrow arrays)."""
    spec = load_dataset(schema_path)
    plan = DatasetPlan(spec, PlanOptions(rows={table: rows})).table(table)
    if kind == "parquet":
        target = str(where / f"parquet-{rows}")
        FileStore(target).write_batches("mem", table, plan.arrow_schema, plan.batches())
    else:
        target = f"sqlite:///{where / f'{rows}.db'}"
        store = SqlStore(target, None, {"mem": spec})
        store.write_batches("mem", table, plan.arrow_schema, plan.batches())
        store.dispose()
    head = plan.to_table(0, 20_000)
    per_row = head.cast(plain_schema(head.schema)).nbytes / head.num_rows  # decoded, as a whole read holds it
    return target, int(per_row * rows)


def peak(schema_path: Path, where: str, table: str, rows: int, mode: str, measure: str = "peak") -> int:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(schema_path), where, table, str(rows), mode],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["rows"] == rows and found["passed"], found  # every row measured, the generated data passes
    return int(found[measure])


@pytest.mark.parametrize(("kind", "table", "small"), [("parquet", "readings", 1_500_000),
                                                      ("sqlite", "visits", 250_000)])
def test_checking_landed_data_peaks_at_the_same_memory_for_four_times_the_rows(schema_path, tmp_path, kind,
                                                                              table, small):
    large = 4 * small
    where_small, size_small = land(schema_path, tmp_path, table, small, kind)
    where_large, size_large = land(schema_path, tmp_path, table, large, kind)
    grown = size_large - size_small  # what a whole read of the larger table holds more
    assert grown > 50 << 20, "the data grows by far more than the noise of a process's peak memory"
    streamed = peak(schema_path, where_large, table, large, "stream") - peak(schema_path, where_small, table,
                                                                            small, "stream")
    assert streamed < grown / 4, (f"peak memory grew by {streamed / 2**20:.0f} MiB for "
                                  f"{grown / 2**20:.0f} MiB more data")
    if kind == "parquet":  # the test tells the two apart: reading whole grows with the data (counted by
        # Arrow's allocator, which a loaded machine's paging cannot blur)
        whole = peak(schema_path, where_large, table, large, "whole", "arrow_peak") - peak(
            schema_path, where_small, table, small, "whole", "arrow_peak")
        streamed_arrow = peak(schema_path, where_large, table, large, "stream", "arrow_peak") - peak(
            schema_path, where_small, table, small, "stream", "arrow_peak")
        assert streamed_arrow < grown / 4, f"Arrow memory grew by {streamed_arrow / 2**20:.0f} MiB streaming"
        assert whole > grown / 2, f"reading whole grew by {whole / 2**20:.0f} MiB only"
