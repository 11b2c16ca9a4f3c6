"""Quality-check benchmark: validating the bench customers table vs generating it, measured in one run.

    python bench/bench_quality.py                      # 1M and 10M rows, engines auto and gx (1M only)
    python bench/bench_quality.py --rows 1000000 --engines auto,gx,arrow

For each size: time to generate the table (pyarrow, in memory), then time to check it with every rule
derived from the schema (engine ``auto``: exact rules with pyarrow above 1M rows, distribution rules with
Great Expectations on a ≤1M-row deterministic sample; ``gx``: every rule through GX's pandas engine).
The GX import and context creation are paid once, before the timings. Also times the cross-table rules of
``orders`` against ``customers``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "customers.yaml"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="1000000,10000000", help="comma-separated customer row counts")
    ap.add_argument("--engines", default="auto,gx", help="comma-separated engines (auto, gx, arrow)")
    ap.add_argument("--gx-max-rows", type=int, default=1_000_000,
                    help="skip engine=gx above this many rows (pandas copies of 10M rows take minutes)")
    args = ap.parse_args()

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.quality import cross_table, gx_runner
    from mock_pipelines.quality.rules import derive_rules, expected_rows
    from mock_pipelines.schema.parse import load_dataset

    spec = load_dataset(SCHEMA)
    t0 = time.perf_counter()
    gx_runner.gx_context()
    print(f"GX import + ephemeral context: {time.perf_counter() - t0:.1f}s (once per process)")
    for rows in (int(r) for r in args.rows.split(",")):
        plan = DatasetPlan(spec, PlanOptions(rows={"customers": rows, "orders": rows}))
        tp = plan.table("customers")
        tp.compute(__import__("numpy").arange(10))  # warm the vocabularies
        t0 = time.perf_counter()
        customers = tp.to_table(chunk_size=1_000_000)
        gen = time.perf_counter() - t0
        rules = derive_rules(spec, "customers", expected_rows(plan, "customers"))
        print(f"\ncustomers {rows:,} rows · {len(rules)} rules · generated in {gen:.2f}s "
              f"({rows / gen / 1e6:.2f}M rows/s)")
        for engine in args.engines.split(","):
            if engine == "gx" and rows > args.gx_max_rows:
                print(f"  engine=gx    skipped above {args.gx_max_rows:,} rows (--gx-max-rows)")
                continue
            t0 = time.perf_counter()
            run = gx_runner.validate_table(customers, rules, engine=engine)
            took = time.perf_counter() - t0
            failed = [r.name for r in run.results if r.status == "fail"]
            tm = run.timings
            print(f"  engine={engine:5s} {took:7.2f}s = {took / gen:5.1f}× generation · pandas frame "
                  f"{tm['frame']:.2f}s · GX {tm['gx']:.2f}s · pyarrow {tm['arrow']:.2f}s · sample "
                  f"{run.sampled_rows or rows:,} rows · failed {failed or 'none'} · peak RSS {_rss_mb():,.0f} MB")
        orders = plan.table("orders").to_table(chunk_size=1_000_000)
        cross = cross_table.derive_cross_rules(spec, "orders")
        t0 = time.perf_counter()
        res = cross_table.check_cross_table(cross, orders, {"customers": customers})
        print(f"  cross-table ({', '.join(r.name for r in res)}) on {orders.num_rows:,} orders: "
              f"{time.perf_counter() - t0:.2f}s, {sum(r.passed for r in res)}/{len(res)} passed")
        del customers, orders


if __name__ == "__main__":
    main()
