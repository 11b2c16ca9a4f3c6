"""Start-up and whole-process benchmark: what a user waits for, from the shell prompt back to the prompt.

Every row is a whole process timed by ``/usr/bin/time`` (wall, CPU = user + system, peak RSS) and pinned to
one core with ``taskset``, so imports, bytecode loading, vocabularies and the plan count as they do in a CI
job that generates a small dataset many times. The floors (``python -c pass``, importing numpy and pyarrow)
are measured in the same run, and the rows take turns (one run of each, then the next round), so a busy
machine slows all of them alike. Medians, with min–max.

The per-row baselines make the same 10-column customers table (bench/customers.yaml) and write it to
Parquet: Faker with the loop of ``bench_generation.worker_faker`` (imported, one definition), and mimesis
with a loop of the same columns. Beside the whole-process ratios, the in-process ratio (each loop's own
clock, started after its imports, as bench/bench_generation.py reports it) shows how much start-up weighs.

    python bench/bench_startup.py                 # 5 rounds; Faker at 1M rows once (~3-4 min)
    python bench/bench_startup.py --quick         # without the 1M-row baselines
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMA = HERE / "customers.yaml"
SCHEMA_ROWS = 1_000_000  # customers rows in bench/customers.yaml: --rows-scale is a share of it
CLI = [sys.executable, "-m", "mock_pipelines.cli"]
CHUNK = "262144"  # bench_generation's default batch


# ---- the mimesis baseline (runs in a worker process) ----------------------------------------------------

def worker_mimesis(rows: int, out: Path) -> dict:
    """The same customers as ``worker_faker``, with a mimesis call per value, per row, then Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from mimesis import Address, Datetime, Numeric, Person
    from mimesis.locales import Locale
    from mimesis.providers.person import EMAIL_DOMAINS

    person, address = Person(Locale.EN, seed=1), Address(Locale.EN, seed=1)
    when, number = Datetime(Locale.EN, seed=1), Numeric(seed=1)
    started = time.perf_counter()
    records = []
    for i in range(rows):
        first, last = person.first_name(), person.last_name()
        records.append({
            "customer_id": i + 1, "first_name": first, "last_name": last,
            "email": f"{first}.{last}{i}@{person.random.choice(EMAIL_DOMAINS).lstrip('@')}".lower(),
            "phone": person.phone_number(), "birth_date": when.date(start=1935, end=2007),
            "city": address.city(), "state": address.state(abbr=True),
            "signup_ts": when.datetime(start=2020, end=2024),
            "lifetime_value": number.float_number(0, 5000, precision=2),
        })
    table = pa.Table.from_pylist(records)
    path = out / "mimesis_customers.parquet"
    pq.write_table(table, path, compression="zstd")
    return {"rows": rows, "seconds": time.perf_counter() - started, "bytes": path.stat().st_size}


def run_worker(kind: str, rows: int, out: Path) -> dict:
    if kind == "faker":
        from bench_generation import worker_faker

        return worker_faker(rows, out)
    return worker_mimesis(rows, out)


# ---- the rows ------------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    argv: list[str]  # "{out}" stands for a fresh, empty folder of the run
    rounds: int
    target: str = ""
    runs: list[dict] = field(default_factory=list)

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.runs)

    def span(self, key: str) -> str:
        values = [r[key] for r in self.runs]
        return f"{min(values):.2f}–{max(values):.2f}"


def worker(kind: str, rows: int) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(rows), "{out}"]


def ours(rows: int) -> list[str]:
    return [*CLI, "generate", str(SCHEMA), "-t", "customers", "--rows-scale", f"{rows / SCHEMA_ROWS:g}",
            "--out", "{out}"]


def ours_in_process(rows: int) -> list[str]:
    """bench_generation's own worker: the same table and writer, timed from inside, after its imports."""
    return [sys.executable, str(HERE / "bench_generation.py"), "--worker", "customers:write", str(rows), "{out}",
            CHUNK]


def measure(argv: list[str], core: int, out: Path) -> dict:
    """One run of ``argv`` as a whole process on one core: wall and CPU seconds, peak RSS, and what a
    worker says of its own time (the last line it prints, as JSON), when it says it."""
    out.mkdir(parents=True)
    stats = out.parent / f"{out.name}.time"
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(stats), "taskset", "-c", str(core),
           *[a.replace("{out}", str(out)) for a in argv]]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    wall, user, system, rss_kb = stats.read_text().split()[-4:]
    shutil.rmtree(out)
    run = {"wall": float(wall), "cpu": float(user) + float(system), "rss_mb": int(rss_kb) / 1024}
    last = proc.stdout.strip().splitlines()[-1:] or [""]
    if last[0].startswith("{"):
        run["inner"] = json.loads(last[0])["seconds"]
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs=3, metavar=("KIND", "ROWS", "DIR"), help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=5, help="rounds of every row but Faker at 1M (default 5)")
    ap.add_argument("--faker-repeat", type=int, default=1, help="rounds of Faker at 1M rows (~3-4 min each)")
    ap.add_argument("--quick", action="store_true", help="leave out the 1M-row baselines")
    ap.add_argument("--core", type=int, default=0, help="the core every process is pinned to (default 0)")
    args = ap.parse_args()

    if args.worker:
        kind, rows, out = args.worker
        print(json.dumps(run_worker(kind, int(rows), Path(out))))
        return

    n = args.repeat
    demo = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "schemas").glob("*.yaml"))
    rows = [
        Row("python -c pass", [sys.executable, "-c", "pass"], n, "floor"),
        Row("import numpy, pyarrow", [sys.executable, "-c", "import numpy, pyarrow"], n, "floor"),
        Row("--help", [*CLI, "--help"], n, "≤ 0.3 s"),
        Row("validate the 3 demo schemas", [*CLI, "validate", *demo], n, "≤ 0.5 s"),
        Row("generate schemas/shop.yaml", [*CLI, "generate", "schemas/shop.yaml", "--out", "{out}"], n, "≤ 1.0 s"),
    ]
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    for size in sizes:
        rows += [Row(f"customers {size:,}: generate", ours(size), n),
                 Row(f"customers {size:,}: in-process worker", ours_in_process(size), n),
                 Row(f"customers {size:,}: mimesis loop", worker("mimesis", size), n),
                 Row(f"customers {size:,}: Faker loop", worker("faker", size),
                     args.faker_repeat if size >= 1_000_000 else n)]

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mp-startup-") as tmp:
        for round_ in range(max(r.rounds for r in rows)):
            for i, row in enumerate(rows):
                if round_ < row.rounds:
                    row.runs.append(measure(row.argv, args.core, Path(tmp) / f"r{round_}-{i}"))
                    print(f"  {row.name}: {row.runs[-1]['wall']:.2f} s", file=sys.stderr)
    load_after = os.getloadavg()

    print(f"whole processes pinned to core {args.core}; medians (min–max) of the runs; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"{'row':<38} {'runs':>4} {'wall s':>7} {'wall min–max':>13} {'CPU s':>7} {'peak MB':>8}  target")
    for row in rows:
        print(f"{row.name:<38} {len(row.runs):>4} {row.median('wall'):>7.2f} {row.span('wall'):>13} "
              f"{row.median('cpu'):>7.2f} {row.median('rss_mb'):>8.0f}  {row.target}")
    by_name = {row.name: row for row in rows}
    targets = {(100_000, "Faker"): "≥ 50×", (1_000_000, "Faker"): "≥ 150×", (1_000_000, "mimesis"): "≥ 10×"}
    print(f"\n{'ours against a per-row loop':<38} {'whole process':>13} {'CPU':>7} {'in-process':>11}  target")
    for size in sizes:
        mine, inner = by_name[f"customers {size:,}: generate"], by_name[f"customers {size:,}: in-process worker"]
        for other in ("Faker", "mimesis"):
            base = by_name[f"customers {size:,}: {other} loop"]
            print(f"{f'customers {size:,} vs {other}':<38} "
                  f"{base.median('wall') / mine.median('wall'):>12.1f}× "
                  f"{base.median('cpu') / mine.median('cpu'):>6.1f}× "
                  f"{base.median('inner') / inner.median('inner'):>10.1f}×  {targets.get((size, other), '')}")
    print(json.dumps({row.name: row.runs for row in rows}))


if __name__ == "__main__":
    main()
