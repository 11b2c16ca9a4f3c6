"""What recording one check outcome per (partition, check) costs in Dagster.

A single-run backfill of P daily partitions of a table with C checks records P × C asset check evaluations
(``mock_pipelines/defs/check_events.py``). This materialises a partitioned asset with C checks over a range
of P partitions in one step, on a Dagster instance stored in SQLite in a temporary folder (what
``mock-pipelines run`` and ``dagster dev`` use), and times the yielding of the evaluations: Dagster stores
each one as it is yielded, so the time is what the events cost (nothing is generated or written).

    .venv/bin/python bench/bench_check_events.py                 # 30 and 100 partitions x 29 checks
    .venv/bin/python bench/bench_check_events.py --partitions 10 --checks 5
"""

import argparse
import statistics
import tempfile
import time
import warnings

import dagster as dg

from mock_pipelines.defs.check_events import check_events
from mock_pipelines.defs.progress import QUIET_RUN_CONFIG
from mock_pipelines.quality.results import RuleResult

START = "2024-01-01"


def _definitions(checks: int, timings: list[float]) -> tuple[dg.AssetsDefinition, dg.DailyPartitionsDefinition]:
    partitions = dg.DailyPartitionsDefinition(start_date=START)
    names = [f"check_{i:02d}" for i in range(checks)]

    @dg.asset(partitions_def=partitions, backfill_policy=dg.BackfillPolicy.single_run(),
              check_specs=[dg.AssetCheckSpec(n, asset="orders", partitions_def=partitions) for n in names])
    def orders(context: dg.AssetExecutionContext):
        keys = context.partition_keys
        yield dg.Output(None, metadata={"rows": 8})
        results = {k: [RuleResult(name=n, table="orders", kind="values", passed=True, blocking=False, severity="error",
                                  observed=0, expected="0 rows outside", unexpected_count=0, evaluated_rows=8)
                       for n in names] for k in keys}
        started = time.perf_counter()
        yield from check_events(context, context.asset_key, results)
        timings.append(time.perf_counter() - started)

    return orders, partitions


def measure(partitions: int, checks: int, repeats: int) -> list[float]:
    """Seconds per evaluation, one figure per repeat (a fresh SQLite instance each time)."""
    per_event = []
    for _ in range(repeats):
        timings: list[float] = []
        asset, parts = _definitions(checks, timings)
        keys = parts.get_partition_keys()[:partitions]
        with tempfile.TemporaryDirectory() as home, dg.DagsterInstance.local_temp(tempdir=home) as instance:
            # quiet, as `mock-pipelines run` runs: Dagster's console logger prints nothing
            result = dg.materialize([asset], instance=instance, resources={"io_manager": _NullIO()},
                                    run_config=QUIET_RUN_CONFIG, tags={
                "dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]})
            assert result.success and len(result.get_asset_check_evaluations()) == partitions * checks
        per_event.append(timings[0] / (partitions * checks))
    return per_event


class _NullIO(dg.IOManager):
    def handle_output(self, context, obj) -> None:
        return None

    def load_input(self, context):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, nargs="*", default=[30, 100])
    parser.add_argument("--checks", type=int, default=29)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print(f"asset check evaluations on a SQLite instance, {args.checks} checks, medians of {args.repeats}")
    for partitions in args.partitions:
        figures = measure(partitions, args.checks, args.repeats)
        each = statistics.median(figures)
        n = partitions * args.checks
        print(f"  {partitions:>4} partitions x {args.checks} checks = {n:>5} evaluations: "
              f"{each * 1000:6.1f} ms each, {each * n:6.1f} s in all")


if __name__ == "__main__":
    main()
