"""The three ways a regex rule can hear that every value of a column matches, timed in the same process.

For each column of the bench customers table written in a generator's format (e-mail, state code), on
batches of 262,144 generated rows, the three taking turns batch by batch:

* ``RE2 per value``: Arrow's ``match_substring_regex``, one RE2 match a value (what finds the bad values);
* ``RE2 joined``: one RE2 match over the values joined by newlines (:mod:`mock_pipelines.quality.regex_lines`);
* ``automaton``: the compiled byte automaton over eight values side by side
  (:mod:`mock_pipelines.quality.regex_dfa`), what the checks ask first.

Each must say that every value matches. Prints nanoseconds a row, medians with min–max, and the ratio of
each to the automaton.

    python bench/bench_regex.py                 # 20 batches
    python bench/bench_regex.py --batches 40

One core: the process pins itself to the first core it may use. The batches are generated before timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality import regex_dfa
from mock_pipelines.quality.regex_lines import all_match
from mock_pipelines.schema.parse import load_dataset

SCHEMA = Path(__file__).resolve().parent / "customers.yaml"
BATCH = 262_144


def ways(regex: str) -> dict[str, Callable[[pa.Array], bool]]:
    return {
        "RE2 per value": lambda col: pc.all(pc.match_substring_regex(col, regex)).as_py() is True,
        "RE2 joined": lambda col: all_match(col, regex),
        "automaton": lambda col: regex_dfa.all_accepted(col, regex),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    if regex_dfa.native is None:
        raise SystemExit("the compiled _dfa module is not built: `make install` builds it")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    spec = load_dataset(SCHEMA)
    table = spec.tables["customers"]
    plan = DatasetPlan(spec, PlanOptions(rows={"customers": args.batches * BATCH, "orders": 1}))
    batches = list(plan.table("customers").batches(chunk_size=BATCH))
    print(f"{len(batches)} batches of {BATCH:,} rows, one core\n")
    print(f"{'column':<8} {'way':<15} {'ns/row (min–max)':>22} {'÷ automaton':>12}")
    for name, col in table.columns.items():
        regex = column_facts(spec, table, col, spec.locale).regex
        if not regex:
            continue
        times: dict[str, list[float]] = {way: [] for way in ways(regex)}
        for batch in batches:
            values = batch.column(name)
            for way, prove in ways(regex).items():
                started = time.perf_counter()
                proven = prove(values)
                times[way].append((time.perf_counter() - started) / len(values) * 1e9)
                if not proven:
                    raise SystemExit(f"{way} did not prove {name} ({regex})")
        base = statistics.median(times["automaton"])
        for way, ns in times.items():
            med = statistics.median(ns)
            print(f"{name:<8} {way:<15} {med:7.1f} ({min(ns):5.1f}–{max(ns):6.1f}) {med / base:11.1f}×")
        print(f"{'':<8} pattern {regex}\n")


if __name__ == "__main__":
    main()
