"""Parquet layout benchmark: what each encoding and codec choice buys, against today's writer settings.

Generates the benchmark tables (bench/customers.yaml) once into memory, then writes them again and again
through the project's writer (:class:`mock_pipelines.store.files.formats.BatchWriter`) with one choice changed
at a time, the variants interleaved (A B C … A B C …) so a load that comes and goes hits them alike. Then the
whole path, generation and writing, for today's settings and the chosen ones, interleaved the same way.

    python bench/bench_parquet_encodings.py                    # 4M orders, 1M customers, 5 repeats
    python bench/bench_parquet_encodings.py --rows 2000000 --repeat 3
    python bench/bench_parquet_encodings.py --before /tmp/before   # also an earlier commit's whole path

``--before DIR``: the files of an earlier commit (``mkdir /tmp/before && git archive a842d6f | tar -x -C
/tmp/before``); its generation and writer run in a child process (that tree first on ``PYTHONPATH``; one
pass to warm up, the second timed), interleaved with the current ones.

One core: the process pins itself to the first core it may use and Arrow's thread pools to one thread.
Rates are rows per second of this process's CPU time (the machine may be shared: CPU time is what the work
cost, wall time also counts the waits) — medians with min–max; sizes in MB (10^6 bytes); ratios against the
"today" row measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

if __name__ != "__main__" or "--worker" not in sys.argv:  # the worker runs an earlier commit's package
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.core.value_shapes import Shape
    from mock_pipelines.schema.parse import load_dataset
    from mock_pipelines.store.files.formats import BatchWriter
    from mock_pipelines.store.files.parquet_layout import LayoutChoices

SCHEMA = Path(__file__).resolve().parent / "customers.yaml"


def variants() -> dict[str, LayoutChoices]:
    """Today's settings with one change each, then the chosen layout and what it is without each of its
    parts (or with one more)."""
    # Today's writer: no shapes, one codec for every column, a dictionary where the first batch has few values.
    today = LayoutChoices(shapes=frozenset(), uncompressed_delta=False, write_batch_size=None,
                          decimal_as_integer=False)
    # Arrow's zstd level when none is given is 1 (pa.Codec.default_compression_level("zstd")): the level rows
    # try zstd's own default, 3, which compresses harder.
    out = {"today (zstd, dictionary by first batch)": today,
           "today, zstd level 3": replace(today, compression_level=3),
           "today, lz4": replace(today, compression="lz4"),
           "today, snappy": replace(today, compression="snappy"),
           "today, write batches of 65,536 values": replace(today, write_batch_size=65_536)}
    for shape, what in ((Shape.RISING, "delta for rising"), (Shape.BOUNDED, "delta for bounded"),
                        (Shape.FEW_VALUES, "dictionary for few values"), (Shape.MEASURED, "split floats"),
                        (Shape.UNIQUE, "plain for unique text")):
        out[f"today + {what}"] = replace(today, shapes=frozenset({shape}))
    out["today + decimals as delta-packed integers"] = replace(today, decimal_as_integer=True)
    out["chosen"] = chosen = LayoutChoices()
    out["chosen, delta columns zstd-compressed"] = replace(chosen, uncompressed_delta=False)
    out["chosen, decimals as 16-byte values"] = replace(chosen, decimal_as_integer=False)
    out["chosen, write batches of 65,536 values"] = replace(chosen, write_batch_size=65_536)
    out["chosen, zstd level 3"] = replace(chosen, compression_level=3)
    out["chosen, lz4"] = replace(chosen, compression="lz4")
    return out


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:1]))
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)


def write(path: Path, schema: pa.Schema, batches: Iterable[pa.RecordBatch], choices: LayoutChoices,
          ) -> tuple[float, float, int, int]:
    """(CPU seconds, wall seconds, rows, bytes) of writing ``batches`` (generated here if a generator)."""
    cpu, wall = time.process_time(), time.perf_counter()
    writer = BatchWriter(path, "parquet", schema, layout=choices)
    rows = 0
    for batch in batches:
        writer.write(batch)
        rows += batch.num_rows
    writer.close()
    return time.process_time() - cpu, time.perf_counter() - wall, rows, path.stat().st_size


def worker(rows: int, chunk_size: int, out: str) -> None:
    """Generate and write the orders with whatever package is importable (an earlier commit's, see
    ``--before``) and print (CPU seconds, wall seconds, rows, bytes) as JSON."""
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.schema.parse import load_dataset
    from mock_pipelines.store.files.formats import BatchWriter

    pin_one_core()
    plan = DatasetPlan(load_dataset(SCHEMA), PlanOptions(rows={"customers": max(1, rows // 4), "orders": rows}))
    tp = plan.table("orders")
    tp.compute(np.arange(10))
    schema = getattr(tp, "written_schema", tp.arrow_schema)  # the shapes, where the package knows them
    for _ in range(2):  # the first pass warms up, as the in-process cases' uncounted round does
        cpu, wall = time.process_time(), time.perf_counter()
        writer = BatchWriter(out, "parquet", schema)
        n = 0
        for batch in tp.batches(chunk_size=chunk_size):
            writer.write(batch)
            n += batch.num_rows
        writer.close()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps([cpu, wall, n, Path(out).stat().st_size]))


def in_child(tree: Path, rows: int, chunk_size: int, out: Path) -> tuple[float, float, int, int]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, __file__, "--worker", str(rows), str(chunk_size), str(out)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        raise SystemExit(f"the worker of {tree} failed:\n{proc.stderr}")
    cpu, wall, n, size = json.loads(proc.stdout.strip().splitlines()[-1])
    return cpu, wall, n, size


def interleaved(cases: dict[str, Callable[[], tuple[float, float, int, int]]], repeat: int) -> dict[str, dict]:
    runs: dict[str, list] = {name: [] for name in cases}
    for run in cases.values():  # a round not counted: the first writes also warm caches and allocators
        run()
    for _ in range(repeat):
        for name, run in cases.items():
            runs[name].append(run())
    out = {}
    for name, rs in runs.items():
        rates = [r[2] / r[0] for r in rs]
        walls = [r[2] / r[1] for r in rs]
        out[name] = {"rate": statistics.median(rates), "lo": min(rates), "hi": max(rates),
                     "wall": statistics.median(walls), "bytes": rs[0][3]}
    return out


def show(title: str, results: dict[str, dict]) -> None:
    base = next(iter(results.values()))
    print(f"\n{title}")
    print(f"{'layout':<50} {'Mrows/s (CPU)':>13} {'min–max':>13} {'wall':>6} {'MB':>8} {'speed':>6} {'size':>6}")
    for name, r in results.items():
        print(f"{name:<50} {r['rate'] / 1e6:>13.2f} {r['lo'] / 1e6:>6.2f}–{r['hi'] / 1e6:<6.2f} "
              f"{r['wall'] / 1e6:>6.2f} {r['bytes'] / 1e6:>8.1f} {r['rate'] / base['rate']:>5.2f}× "
              f"{r['bytes'] / base['bytes']:>5.2f}×")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=4_000_000, help="orders rows (customers: a quarter)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chunk-size", type=int, default=262_144)
    ap.add_argument("--before", type=Path, help="a checkout of an earlier commit, for the whole path")
    args = ap.parse_args()
    pin_one_core()
    plan = DatasetPlan(load_dataset(SCHEMA), PlanOptions(rows={"customers": max(1, args.rows // 4),
                                                               "orders": args.rows}))
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min); one core; {args.repeat} interleaved runs")
    with tempfile.TemporaryDirectory(prefix="mp-parquet-") as tmp:
        for table in ("orders", "customers"):
            tp = plan.table(table)
            tp.compute(np.arange(10))  # vocabularies built before any timing
            batches = list(tp.batches(chunk_size=args.chunk_size))
            shapes = ", ".join(f"{c}: {s}" for c, s in tp.value_shapes().items())
            schema, path = tp.written_schema, Path(tmp) / "t.parquet"
            cases = {name: (lambda c=choices, b=batches, s=schema, p=path: write(p, s, b, c))
                     for name, choices in variants().items()}
            show(f"{table}: writing {sum(b.num_rows for b in batches):,} rows generated beforehand ({shapes})",
                 interleaved(cases, args.repeat))
            batches.clear()  # the next table's rows take their memory
        tp = plan.table("orders")
        chosen = variants()
        whole = {}
        if args.before:
            whole[f"before: {args.before.name}, its own writer"] = lambda: in_child(
                args.before, args.rows, args.chunk_size, Path(tmp) / "b.parquet")
        for name, label in (("today (zstd, dictionary by first batch)", "today's writer settings"),
                            ("chosen", "chosen")):
            whole[f"{label}, this commit's generation"] = lambda c=chosen[name]: write(
                Path(tmp) / "o.parquet", tp.written_schema, tp.batches(chunk_size=args.chunk_size), c)
        show(f"orders → Parquet: generating and writing {tp.n_rows:,} rows", interleaved(whole, args.repeat))
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
