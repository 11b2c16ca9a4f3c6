"""Generation benchmark: mock_pipelines vs a per-row Faker loop, measured in the same run.

Every measurement runs in a fresh worker process pinned to one core (the two-core rows: two cores, so the
next batch is generated while the current one is written), so peak RSS is that workload's own and no
measurement warms another's caches. Each is repeated and the median is reported.

    python bench/bench_generation.py                  # default sizes, 3 repeats
    python bench/bench_generation.py --big-rows 100000000   # also the 100M-row memory check

Prints rows/s, MB/s, peak RSS and the ratio against the Faker baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "customers.yaml"


# ---- workers (run in a child process) -----------------------------------------------------------------

def _pin_cores(n: int = 1) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:n]))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_ours(table: str, rows: int, out: Path, write: bool, chunk_size: int) -> dict:
    import pyarrow as pa

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.schema.parse import load_dataset
    from mock_pipelines.store.files.manifest import RunIdentity
    from mock_pipelines.store.files.table_folder import write_table

    spec = load_dataset(SCHEMA)
    plan = DatasetPlan(spec, PlanOptions(rows={"customers": rows if table == "customers" else 1_000_000,
                                               "orders": rows}))
    tp = plan.table(table)
    tp.compute(__import__("numpy").arange(10))  # warm vocabularies: built once per process, not per row
    pa.set_cpu_count(1)  # Arrow's own thread pool stays out of it: the second core, if any, overlaps stages
    pa.set_io_thread_count(1)
    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    if write:
        ident = RunIdentity("bench", table, spec.spec_hash(table), plan.seed, 1.0, plan.locale, "parquet")
        result = write_table(tp.batches(chunk_size=chunk_size), tp.written_schema, out / table, ident, overwrite=True)
        n, size = result.rows, result.bytes
    else:
        n = size = 0
        for batch in tp.batches(chunk_size=chunk_size):
            n += batch.num_rows
            size += batch.nbytes
    seconds = time.perf_counter() - started
    return {"rows": n, "seconds": seconds, "bytes": size, "peak_rss_mb": _peak_rss_mb(),
            "rss_before_mb": rss_before}


def worker_dagster(rows: int, out: Path, chunk_size: int) -> dict:
    """The same customers table materialised as a Dagster asset through the project's IO manager."""
    import warnings

    import dagster as dg
    import pyarrow as pa

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.defs.assets import build_table_asset
    from mock_pipelines.defs.io_managers.files import MockFilesIOManager
    from mock_pipelines.schema.parse import load_dataset

    warnings.filterwarnings("ignore")
    spec = load_dataset(SCHEMA)
    plan = DatasetPlan(spec, PlanOptions(rows={"customers": rows, "orders": 1}))
    plan.table("customers").compute(__import__("numpy").arange(10))  # same warm-up as the core worker
    asset = build_table_asset(plan, "customers", partitions_def=None, io_manager_key="io_manager",
                              kinds={"parquet"}, chunk_size=chunk_size, backfill_policy=None)
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    result = dg.materialize([asset], instance=instance,
                            resources={"io_manager": MockFilesIOManager(base_path=str(out / "dagster"))})
    seconds = time.perf_counter() - started
    assert result.success
    meta = result.asset_materializations_for_node(asset.op.name)[0].metadata
    return {"rows": meta["dagster/row_count"].value, "seconds": seconds, "bytes": meta["bytes"].value,
            "peak_rss_mb": _peak_rss_mb()}


def worker_faker(rows: int, out: Path) -> dict:
    """The baseline people write today: a Faker call per value, per row, then a DataFrame to Parquet."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq
    from faker import Faker

    fake = Faker("en_US")
    Faker.seed(1)
    started = time.perf_counter()
    records = []
    seen_emails: set[str] = set()
    for i in range(rows):
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}{i}@{fake.free_email_domain()}".lower()
        seen_emails.add(email)
        records.append({
            "customer_id": i + 1, "first_name": first, "last_name": last, "email": email,
            "phone": fake.phone_number(), "birth_date": fake.date_of_birth(minimum_age=18, maximum_age=90),
            "city": fake.city(), "state": fake.state_abbr(),
            "signup_ts": fake.date_time_between(dt.datetime(2020, 1, 1), dt.datetime(2024, 12, 31)),
            "lifetime_value": round(fake.pyfloat(min_value=0, max_value=5000), 2),
        })
    table = pa.Table.from_pylist(records)
    path = out / "faker_customers.parquet"
    pq.write_table(table, path, compression="zstd")
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "bytes": path.stat().st_size, "peak_rss_mb": _peak_rss_mb()}


# ---- driver -------------------------------------------------------------------------------------------

def run_worker(*args: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_of(repeat: int, *args: str) -> dict:
    runs = [run_worker(*args) for _ in range(repeat)]
    rates = [r["rows"] / r["seconds"] for r in runs]
    best = runs[rates.index(statistics.median_low(rates))]
    return {**best, "rows_per_s": statistics.median(rates), "all_rows_per_s": rates,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs="+")
    ap.add_argument("--rows", type=int, default=2_000_000, help="customers rows per run")
    ap.add_argument("--orders-rows", type=int, default=10_000_000)
    ap.add_argument("--faker-rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chunk-size", type=int, default=262_144)
    ap.add_argument("--dagster-rows", type=int, default=10_000_000,
                    help="customers materialised through Dagster vs the core alone (0 to skip)")
    ap.add_argument("--big-rows", type=int, default=0, help="also check peak RSS generating this many customers")
    args = ap.parse_args()

    if args.worker:
        kind, rows, out = args.worker[0], int(args.worker[1]), Path(args.worker[2])
        kind, _, cores = kind.partition("@")
        _pin_cores(int(cores or 1))
        if kind == "faker":
            result = worker_faker(rows, out)
        elif kind == "dagster":
            result = worker_dagster(rows, out, int(args.worker[3]))
        else:
            table, mode = kind.split(":")
            result = worker_ours(table, rows, out, mode == "write", int(args.worker[3]))
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="mp-bench-") as tmp:
        c = str(args.chunk_size)
        faker = median_of(args.repeat, "faker", str(args.faker_rows), tmp)
        gen_only = median_of(args.repeat, "customers:generate", str(args.rows), tmp, c)
        customers = median_of(args.repeat, "customers:write", str(args.rows), tmp, c)
        orders = median_of(args.repeat, "orders:write", str(args.orders_rows), tmp, c)
        two_cores = len(os.sched_getaffinity(0)) >= 2 if hasattr(os, "sched_getaffinity") else False
        customers2 = median_of(args.repeat, "customers:write@2", str(args.rows), tmp, c) if two_cores else None
        orders2 = median_of(args.repeat, "orders:write@2", str(args.orders_rows), tmp, c) if two_cores else None
        big = run_worker("customers:write", str(args.big_rows), tmp, c) if args.big_rows else None
        core10 = dagster = None
        if args.dagster_rows:
            core10 = median_of(args.repeat, "customers:write", str(args.dagster_rows), tmp, c)
            dagster = median_of(args.repeat, "dagster", str(args.dagster_rows), tmp, c)

    def line(name: str, r: dict, target: str = "") -> str:
        mb_s = r["bytes"] / r["seconds"] / 1e6
        return (f"{name:<34} {r['rows']:>12,} {r['rows_per_s']:>14,.0f} {mb_s:>8.1f} {r['peak_rss_mb']:>9.0f}"
                f"  {target}")

    print(f"one core per worker unless marked, median of {args.repeat} runs (rows/s of each run: see JSON below)")
    print(f"{'workload':<34} {'rows':>12} {'rows/s':>14} {'MB/s':>8} {'peak MB':>9}  target")
    print(line("faker per-row loop → parquet", faker, "baseline"))
    print(line("customers, generate only", gen_only))
    print(line("customers → parquet", customers, "≥ 2,000,000 rows/s"))
    print(line("orders (FK, zipf) → parquet", orders, "≥ 8,000,000 rows/s"))
    if customers2 and orders2:
        print(line("customers → parquet, 2 cores", customers2, "generation ∥ writing"))
        print(line("orders (FK, zipf) → parquet, 2 cores", orders2, "≥ 8,000,000 rows/s"))
    ratio = customers["rows_per_s"] / faker["rows_per_s"]
    print(f"customers → parquet vs Faker loop: {ratio:,.0f}× (target ≥ 300×)")
    if dagster and core10:
        print(line("customers → parquet, core alone", core10))
        print(line("customers → parquet, Dagster asset", dagster, "≤ 1.25× the core's time"))
        print(f"Dagster / core time: {core10['rows_per_s'] / dagster['rows_per_s']:.2f}× (target ≤ 1.25×)")
    if big:
        print(f"{big['rows']:,} customers → parquet: {big['rows'] / big['seconds']:,.0f} rows/s, "
              f"peak RSS {big['peak_rss_mb']:.0f} MB (target ≤ 512 MB)")
    print(json.dumps({"faker": faker, "customers_generate": gen_only, "customers_write": customers,
                      "orders_write": orders, "customers_write_2cores": customers2, "orders_write_2cores": orders2, "big": big, "core_10m": core10, "dagster_10m": dagster},
                     default=str))


if __name__ == "__main__":
    main()
