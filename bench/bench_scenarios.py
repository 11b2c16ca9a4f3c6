"""Scenario benchmark: a defect twin and its ground truth against clean generation of the same rows.

    python bench/bench_scenarios.py                       # 1M customers and ~1M orders of the shop, 3 repeats
    python bench/bench_scenarios.py --customers 200000 --orders-of 0 --repeat 5 --no-families

In one process pinned to one core, medians of ``--repeat`` (every output is generated once first, so the
vocabularies and edge values are built before the clock starts), for the shop's customers table
(``schemas/shop.yaml``) and its orders:

* ``clean``: the table's rows as record batches (``TablePlan.batches``, what the clean asset writes);
* ``dirty``: the rows of the shop's ``dirty`` scenario (``ScenarioSlice.batches``: clean rows, the rules'
  selections, the damage, the inserted duplicates);
* ``truth``: the ground truth of the same rows alone (``ScenarioSlice.truth``: only the selected rows are
  generated) — its rows/s counts the table rows it covers, so it compares with ``clean`` directly;
* ``<family> @ rate``: a scenario with a single rule of one family (a representative kind, named in the
  output) at rate 0.01 and at 0.5 — what each family costs when it damages few cells and when it damages half.

It prints rows and rows/s of each, and the ratio of each rows/s to the clean rows/s of the same table
(1.00 = as fast as clean generation; ``dirty`` ≥ 0.5 and ``truth`` well above 1 are the expectations).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCHEMA = HERE.parent / "schemas" / "shop.yaml"
RATES = (0.01, 0.5)

# One representative kind per family and the column it damages: (family, table, kind, column, parameters).
FAMILIES: tuple[tuple[str, str, str, str | None, dict], ...] = (
    ("nulls", "customers", "missing", "email", {}),
    ("numbers", "customers", "out_of_range", "lifetime_value", {}),
    ("formats", "customers", "malformed", "email", {}),
    ("formats (retyping)", "customers", "invalid_date", "birth_date", {}),
    ("text", "customers", "typo", "last_name", {}),
    ("anomalies", "customers", "outlier", "lifetime_value", {}),
    ("edges", "customers", "edge_case", "lifetime_value", {}),
    ("rows", "customers", "duplicate", None, {}),
    ("rows (near)", "customers", "near_duplicate", "first_name", {"how": "typo"}),
    ("relations", "orders", "orphan", "customer_id", {}),
    ("relations (order)", "orders", "reversed_order", "order_ts", {}),
)


def _timed(produce: Callable[[], Iterable]) -> tuple[int, float]:
    started = time.perf_counter()
    rows = sum(part.num_rows for part in produce())
    return rows, time.perf_counter() - started


def _median_rate(produce: Callable[[], Iterable], repeat: int, rows: int | None = None) -> tuple[int, float]:
    """(rows, rows/s) of the median run; ``rows`` overrides what is counted (the truth covers table rows)."""
    _timed(produce)  # warm: vocabularies, edge values, compiled expressions
    runs = [_timed(produce) for _ in range(repeat)]
    counted = runs[0][0] if rows is None else rows
    seconds = statistics.median(s for _, s in runs)
    return counted, counted / seconds if seconds > 0 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers rows (default 1,000,000)")
    parser.add_argument("--orders-of", type=int, default=250_000,
                        help="customers whose orders are measured (~4 orders each; 0 skips orders)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-families", action="store_true", help="skip the one-rule scenarios of each family")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.schema.parse import load_dataset

    spec = load_dataset(SCHEMA)
    plans = {"customers": DatasetPlan(spec, PlanOptions(rows={"customers": args.customers}))}
    if args.orders_of:
        plans["orders"] = DatasetPlan(spec, PlanOptions(rows={"customers": args.orders_of}))
    print(f"{'table':10} {'output':44} {'rows':>10} {'rows/s':>12}  ÷ clean")
    for table, plan in plans.items():
        _measure_table(spec, plan, table, args.repeat, families=not args.no_families)


def _family_scenario(table: str, kind: str, column: str | None, params: dict, rate: float) -> Any:
    from mock_pipelines.spec.scenarios import DefectRule, EdgeCaseRule, ScenarioSpec

    if kind == "edge_case":
        return ScenarioSpec(f"{kind}_{rate}", "negative", edge_cases=(EdgeCaseRule(table, column or "", rate),))
    return ScenarioSpec(f"{kind}_{rate}", "negative", defects=(DefectRule(kind, table, column, rate=rate, params=params),))


def _measure_table(spec: Any, plan: Any, table: str, repeat: int, families: bool) -> None:
    """Print the clean rate of ``table``, then the rate of each scenario output and its ratio to the clean one."""
    from mock_pipelines.core.scenarios import ScenarioPlan

    rows, clean_rate = _median_rate(plan.table(table).slice().batches, repeat)
    print(f"{table:10} {'clean':44} {rows:>10,} {clean_rate:>12,.0f}  1.00", flush=True)

    def report(label: str, produce: Callable[[], Iterable], counted: int | None = None) -> None:
        n, rate = _median_rate(produce, repeat, counted)
        print(f"{table:10} {label:44} {n:>10,} {rate:>12,.0f}  {rate / clean_rate:.2f}", flush=True)

    dirty = ScenarioPlan(plan, spec.scenarios["dirty"]).table(table).slice()
    report("dirty", dirty.batches)
    entries = dirty.truth().num_rows
    report(f"truth of dirty ({entries:,} entries)", lambda: [dirty.truth()], counted=dirty.hi - dirty.lo)
    for family, on, kind, column, params in FAMILIES:
        if on != table or not families:
            continue
        for rate in RATES:
            scenario = ScenarioPlan(plan, _family_scenario(table, kind, column, params, rate))
            report(f"{family}: {kind} @ {rate}", scenario.table(table).slice().batches)

if __name__ == "__main__":
    main()
