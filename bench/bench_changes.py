"""Change-data benchmark: the change log of a day against insert-only generation of the same table.

    python bench/bench_changes.py                      # day 30 and day 90 of bench/living.yaml, 3 repeats
    python bench/bench_changes.py --days 7 180 --repeat 5

For each table of ``bench/living.yaml`` and each day D (counted from the first partition), in one process
pinned to one core, medians of ``--repeat``:

* ``insert-only``: the rows created on day D, generated as record batches (what the table asset writes);
* ``change log``: the change log of day D (inserts, updates and deletes arriving that day, with after and
  before images) — its cost grows with the rows that exist by D, which each walk their changes;
* ``snapshot``: the table as of the end of D (every row that exists by then, in its state at that time);
* ``history``: the SCD2 history as of the end of D.

It prints rows and rows/s of each, and the ratio of the change log's rows/s to the insert-only rows/s (> 1
means the change log produces its rows faster than plain generation does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "living.yaml"
START = dt.datetime(2024, 1, 1)


def _timed(produce: Callable[[], Iterable]) -> tuple[int, float]:
    started = time.perf_counter()
    rows = sum(batch.num_rows for batch in produce())
    return rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, nargs="+", default=[30, 90])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.core.timeline import US_PER_DAY, PartitionScheme, to_us
    from mock_pipelines.schema.parse import load_dataset

    plan = DatasetPlan(load_dataset(SCHEMA), PlanOptions(partitions=PartitionScheme(START, "daily")))
    print(f"{'table':10} {'day':>4} {'rows by D':>10}  {'output':12} {'rows':>10} {'rows/s':>12}  ratio")
    for name in ("customers", "orders"):
        table = plan.table(name)
        changes = table.changes
        for day in args.days:
            lo_us, hi_us = to_us(START) + (day - 1) * US_PER_DAY, to_us(START) + day * US_PER_DAY
            lo, hi = table.row_range(lo_us, hi_us)
            outputs = {
                "insert-only": lambda t=table, lo=lo, hi=hi: t.batches(lo, hi),
                "change log": lambda c=changes, a=lo_us, b=hi_us: c.log(a, b),
                "snapshot": lambda c=changes, b=hi_us: c.snapshot(b),
                "history": lambda c=changes, b=hi_us: c.history(b),
            }
            _timed(outputs["insert-only"])  # warm the vocabularies once
            rates: dict[str, float] = {}
            for label, produce in outputs.items():
                runs = [_timed(produce) for _ in range(args.repeat)]
                rows, seconds = runs[0][0], statistics.median(s for _, s in runs)
                rates[label] = rows / seconds if seconds > 0 else 0.0
                ratio = f"{rates[label] / rates['insert-only']:.2f}" if label != "insert-only" else "1.00"
                print(f"{name:10} {day:>4} {changes.rows_before(hi_us):>10,}  {label:12} {rows:>10,} "
                      f"{rates[label]:>12,.0f}  {ratio}")


if __name__ == "__main__":
    main()
