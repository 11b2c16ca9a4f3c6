"""Parquet layout benchmark: what each encoding and codec choice buys, against today's writer settings.

Generates the benchmark tables (bench/customers.yaml) once into memory, then writes them again and again
through the project's writer (:class:`mock_pipelines.store.files.formats.BatchWriter`) with one choice changed
at a time, the variants interleaved (A B C … A B C …) so a load that comes and goes hits them alike. Then the
whole path, generation and writing, for today's settings and the chosen ones, interleaved the same way.

    python bench/bench_parquet_encodings.py                    # 4M orders, 1M customers, 5 repeats
    python bench/bench_parquet_encodings.py --rows 2000000 --repeat 3

One core: the process pins itself to the first core it may use and Arrow's thread pools to one thread.
Rates are rows per second of this process's CPU time (the machine may be shared: CPU time is what the work
cost, wall time also counts the waits) — medians with min–max; sizes in MB (10^6 bytes); ratios against the
"today" row measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.value_shapes import Shape
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files.formats import BatchWriter
from mock_pipelines.store.files.parquet_layout import LayoutChoices

SCHEMA = Path(__file__).resolve().parent / "customers.yaml"

# Today's writer: no shapes, one codec for every column, a dictionary where the first batch has few values.
TODAY = LayoutChoices(shapes=frozenset(), uncompressed_delta=False, write_batch_size=None)
CHOSEN = LayoutChoices()


def variants() -> dict[str, LayoutChoices]:
    """Today's settings with one change each, then the chosen layout and what it is without each of its
    parts (or with one more)."""
    out = {"today (zstd, dictionary by first batch)": TODAY,
           "today, zstd level 1": replace(TODAY, compression_level=1),
           "today, lz4": replace(TODAY, compression="lz4"),
           "today, snappy": replace(TODAY, compression="snappy"),
           "today, write batches of 65,536 values": replace(TODAY, write_batch_size=65_536)}
    for shape, what in ((Shape.RISING, "delta for rising"), (Shape.BOUNDED, "delta for bounded"),
                        (Shape.FEW_VALUES, "dictionary for few values"), (Shape.MEASURED, "split floats"),
                        (Shape.UNIQUE, "plain for unique text")):
        out[f"today + {what}"] = replace(TODAY, shapes=frozenset({shape}))
    out["chosen"] = CHOSEN
    out["chosen, delta columns zstd-compressed"] = replace(CHOSEN, uncompressed_delta=False)
    out["chosen, write batches of 1,024 values"] = replace(CHOSEN, write_batch_size=None)
    out["chosen, zstd level 1"] = replace(CHOSEN, compression_level=1)
    out["chosen, lz4"] = replace(CHOSEN, compression="lz4")
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
    print(f"{'layout':<44} {'Mrows/s (CPU)':>13} {'min–max':>13} {'wall':>6} {'MB':>8} {'speed':>6} {'size':>6}")
    for name, r in results.items():
        print(f"{name:<44} {r['rate'] / 1e6:>13.2f} {r['lo'] / 1e6:>6.2f}–{r['hi'] / 1e6:<6.2f} "
              f"{r['wall'] / 1e6:>6.2f} {r['bytes'] / 1e6:>8.1f} {r['rate'] / base['rate']:>5.2f}× "
              f"{r['bytes'] / base['bytes']:>5.2f}×")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=4_000_000, help="orders rows (customers: a quarter)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chunk-size", type=int, default=262_144)
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
        whole = {name: (lambda c=choices: write(Path(tmp) / "o.parquet", tp.written_schema,
                                                 tp.batches(chunk_size=args.chunk_size), c))
                 for name, choices in (("today", TODAY), ("chosen", CHOSEN))}
        show(f"orders → Parquet: generating and writing {tp.n_rows:,} rows", interleaved(whole, args.repeat))
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
