"""Quality-check benchmark: validating the bench customers table against generating it, measured in one run.

    python bench/bench_quality.py                        # 1M and 10M rows, median of 3 runs each
    python bench/bench_quality.py --rows 1000000 --repeat 5 --gx

For each size, with the medians of ``--repeat`` runs:

* ``generate``: the table generated in memory (pyarrow, 1M-row chunks, one core);
* ``generate + write``: generated and written as Parquet (zstd) through the project's file writer;
* ``validate``: every rule derived from the schema with engine ``auto`` (above 100k rows: pyarrow and
  NumPy; distribution rules on a deterministic 1M-row sample), on one thread and on the default threads;

and prints validation ÷ generation and validation ÷ (generation + write) — the issue's target is ≤ 10 % of
generation for 10M rows. Then the slowest rules (each evaluated alone) and the cross-table rules of
``orders`` against ``customers``. ``--gx`` also times engine ``gx`` (everything through Great Expectations'
pandas engine) at sizes up to ``--gx-max-rows``. The GX import and context creation are paid once, before.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "customers.yaml"
TARGET = 0.10


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median_seconds(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        result = None  # free the previous result before the next run
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _write(tp: Any, spec: Any, folder: Path) -> int:
    from mock_pipelines.store.files.manifest import RunIdentity
    from mock_pipelines.store.files.table_folder import write_table

    ident = RunIdentity("bench", tp.name, spec.spec_hash(tp.name), tp.plan.seed, 1.0, tp.plan.locale, "parquet")
    return write_table(tp.batches(chunk_size=1_000_000), tp.arrow_schema, folder / tp.name, ident,
                       overwrite=True).rows


def _slowest_rules(table: Any, rules: list, count: int = 4) -> str:
    from mock_pipelines.quality import arrow_checks

    timed = []
    for rule in rules:
        if rule.kind == "distribution" or rule.expectation not in arrow_checks.EVALUATORS:
            continue
        t0 = time.perf_counter()
        arrow_checks.evaluate(rule, table, table.num_rows)
        timed.append((time.perf_counter() - t0, rule.name))
    return ", ".join(f"{name} {t:.2f}s" for t, name in sorted(timed, reverse=True)[:count])


def _measure(spec: Any, rows: int, args: argparse.Namespace, threads: int) -> tuple[int, float, float, float]:
    """Time generation, generation + write and validation of ``rows`` customers; print; return the ratios."""
    import numpy as np

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.quality import cross_table, gx_runner
    from mock_pipelines.quality.rules import derive_rules, expected_rows

    plan = DatasetPlan(spec, PlanOptions(rows={"customers": rows, "orders": rows}))
    tp = plan.table("customers")
    tp.compute(np.arange(10))  # warm the vocabularies
    gen, customers = _median_seconds(args.repeat, lambda: tp.to_table(chunk_size=1_000_000))
    with tempfile.TemporaryDirectory() as tmp:
        gen_write, _ = _median_seconds(args.repeat, lambda: _write(tp, spec, Path(tmp)))
    rules = derive_rules(spec, "customers", expected_rows(plan, "customers"))
    one, run = _median_seconds(args.repeat, lambda: gx_runner.validate_table(customers, rules, threads=1))
    many, _ = _median_seconds(args.repeat, lambda: gx_runner.validate_table(customers, rules, threads=threads))
    failed = [r.name for r in run.results if r.status == "fail"]
    sample = f"distribution rules on a {run.sampled_rows:,}-row sample" if run.sampled_rows else "no sample"
    print(f"\ncustomers {rows:,} rows · {len(rules)} rules · generate {gen:.2f}s ({rows / gen / 1e6:.2f}M rows/s) · "
          f"generate + write Parquet {gen_write:.2f}s")
    print(f"  validate, 1 thread   {one:6.2f}s = {one / gen:6.1%} of generate · {one / gen_write:6.1%} of "
          f"generate + write · {sample} · failed {failed or 'none'}")
    print(f"  validate, {threads} threads  {many:6.2f}s = {many / gen:6.1%} of generate · "
          f"{many / gen_write:6.1%} of generate + write")
    print(f"  slowest rules alone: {_slowest_rules(customers, rules)}")
    if args.gx and rows <= args.gx_max_rows:
        t0 = time.perf_counter()
        gx_run = gx_runner.validate_table(customers, rules, engine="gx")
        took = time.perf_counter() - t0
        print(f"  engine=gx (one run)  {took:6.2f}s = {took / gen:6.1%} of generate · pandas frame "
              f"{gx_run.timings['frame']:.2f}s · GX {gx_run.timings['gx']:.2f}s")
    orders = plan.table("orders").to_table(chunk_size=1_000_000)
    cross = cross_table.derive_cross_rules(spec, "orders")
    took, res = _median_seconds(args.repeat, lambda: cross_table.check_cross_table(cross, orders,
                                                                                   {"customers": customers}))
    print(f"  cross-table ({', '.join(r.name for r in res)}) on {orders.num_rows:,} orders: {took:.2f}s, "
          f"{sum(r.passed for r in res)}/{len(res)} passed · peak RSS {_rss_mb():,.0f} MB")
    return rows, one / gen, many / gen, one / gen_write


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="1000000,10000000", help="comma-separated customer row counts")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is printed)")
    ap.add_argument("--gx", action="store_true", help="also time engine=gx (Great Expectations' pandas engine)")
    ap.add_argument("--gx-max-rows", type=int, default=1_000_000, help="skip engine=gx above this many rows")
    args = ap.parse_args()

    import pyarrow as pa

    from mock_pipelines.quality import gx_runner
    from mock_pipelines.schema.parse import load_dataset

    pa.set_cpu_count(1)  # Arrow's own thread pool stays out of the timings: one core, as generation
    spec = load_dataset(SCHEMA)
    t0 = time.perf_counter()
    gx_runner.gx_context()
    threads = gx_runner.default_threads()
    print(f"GX import + ephemeral context: {time.perf_counter() - t0:.1f}s (once per process) · "
          f"default validation threads: {threads} · median of {args.repeat} runs")
    summary = [_measure(spec, rows, args, threads) for rows in (int(r) for r in args.rows.split(","))]
    print("\nvalidation ÷ generation (target ≤ 10 % at 10M rows):")
    for rows, one, many, with_write in summary:
        verdict = "met" if one <= TARGET else "not met"
        print(f"  {rows:>12,} rows: {one:6.1%} on 1 thread ({verdict}), {many:6.1%} on {threads} threads, "
              f"{with_write:6.1%} of generate + write")


if __name__ == "__main__":
    main()
