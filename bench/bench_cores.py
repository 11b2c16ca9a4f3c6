"""Whole-process `mock-pipelines generate` on one pinned core against two cores, measured in the same run.

    python bench/bench_cores.py                                   # 10M customers: 1 pinned core vs 2 cores
    python bench/bench_cores.py --rows 10000000 --repeat 3 --big-rows 100000000 --baseline a842d6f

Each run is a fresh ``mock-pipelines generate bench/customers.yaml -t customers`` process timed by
``/usr/bin/time`` (wall seconds, peak RSS, CPU), so start-up (imports, vocabularies, plan) is counted as a
user waits for it. One-core runs are pinned with ``taskset -c 0``, which the writer sees as one usable
core (no threads); the two kinds alternate (1 2 1 2 …) so a load change on a shared machine hits both
alike. Prints medians and min–max of each, the ratio of the medians (target ≤ 0.6× of one core), and,
with ``--big-rows``, one two-core run's peak RSS (target ≤ 512 MB at 100M rows).

``--baseline COMMIT`` also times ``generate schemas/shop.yaml`` (the demo size, Parquet, two cores) with
that commit's code (checked out into a temporary ``git worktree``) against this tree's, alternating: small
tables must not get slower. The machine load (``/proc/loadavg``) is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from trees import import_from

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "bench" / "customers.yaml"
SCHEMA_ROWS = 1_000_000  # customers in bench/customers.yaml: --rows-scale is rows ÷ this
TARGET_RATIO = 0.6
TARGET_RSS_MB = 512


def cli(tree: Path, args: list[str]) -> None:
    """Run the CLI of ``tree`` in this process (a checked-out commit's code, not the installed one)."""
    import_from(tree)
    from mock_pipelines.cli import main

    sys.argv = ["mock-pipelines", *args]
    main()


def timed(command: list[str], cwd: Path) -> dict[str, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of one process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        proc = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %M %U %S", *command], cwd=cwd,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{proc.stderr[-3000:]}")
        wall, rss_kb, user, system = report.read().split()[-4:]
    return {"wall": float(wall), "rss_mb": int(rss_kb) / 1024, "cpu": float(user) + float(system)}


def generate(tree: Path, schema: Path, out: Path, scale: float | None, one_core: bool) -> dict[str, float]:
    shutil.rmtree(out, ignore_errors=True)
    args = ["generate", str(schema), "-o", str(out)]
    if scale is not None:
        args += ["-t", "customers", "--rows-scale", f"{scale:g}"]
    command = [sys.executable, __file__, "--cli", str(tree), *args]
    return timed((["taskset", "-c", "0"] if one_core else []) + command, cwd=tree)


def summary(runs: list[dict[str, float]], key: str = "wall") -> str:
    values = [r[key] for r in runs]
    return f"{statistics.median(values):.2f} s (min–max {min(values):.2f}–{max(values):.2f})"


def load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="customers to generate (default 10M; 0: skip)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each kind (median)")
    ap.add_argument("--big-rows", type=int, default=0, help="also one two-core run of this many rows for "
                    "its peak RSS (e.g. 100000000)")
    ap.add_argument("--baseline", help="also time the demo-size shop against this commit's code")
    ap.add_argument("--cli", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cli:
        cli(Path(args.cli[0]), args.cli[1:])
        return
    if not shutil.which("taskset") or not Path("/usr/bin/time").exists():
        raise SystemExit("this benchmark needs taskset and /usr/bin/time (Linux)")
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("this benchmark needs two usable cores")
    print(f"load average before: {load()}")
    out = Path(tempfile.mkdtemp(prefix="bench-cores-"))
    try:
        if args.rows:
            compare_cores(args.rows, args.repeat, out)
        if args.big_rows:
            big = generate(ROOT, SCHEMA, out / "data", args.big_rows / SCHEMA_ROWS, one_core=False)
            print(f"generate {args.big_rows:,} customers on 2 cores: {big['wall']:.1f} s, peak RSS "
                  f"{big['rss_mb']:.0f} MB (target ≤ {TARGET_RSS_MB} MB: "
                  f"{'met' if big['rss_mb'] <= TARGET_RSS_MB else 'NOT met'})")
        if args.baseline:
            compare_shop(args.baseline, args.repeat, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"load average after: {load()}")


def compare_cores(rows: int, repeat: int, out: Path) -> None:
    scale = rows / SCHEMA_ROWS
    one: list[dict[str, float]] = []
    two: list[dict[str, float]] = []
    for _ in range(repeat):
        one.append(generate(ROOT, SCHEMA, out / "data", scale, one_core=True))
        two.append(generate(ROOT, SCHEMA, out / "data", scale, one_core=False))
    ratio = statistics.median(r["wall"] for r in two) / statistics.median(r["wall"] for r in one)
    print(f"generate {rows:,} customers, whole process, medians of {repeat} (alternating):")
    print(f"  1 pinned core: {summary(one)}, CPU {summary(one, 'cpu')}, "
          f"peak RSS {statistics.median(r['rss_mb'] for r in one):.0f} MB")
    print(f"  2 cores:       {summary(two)}, CPU {summary(two, 'cpu')}, "
          f"peak RSS {statistics.median(r['rss_mb'] for r in two):.0f} MB")
    print(f"  2 cores ÷ 1 core: {ratio:.2f}x (target ≤ {TARGET_RATIO}x: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})")


def compare_shop(baseline: str, repeat: int, out: Path) -> None:
    base = Path(tempfile.mkdtemp(prefix="bench-cores-baseline-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(base), baseline],
                   check=True)
    try:
        for tree in (ROOT, base):  # both trees' own bytecode, as an installed package has it
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "mock_pipelines")], check=True,
                           stdout=subprocess.DEVNULL)
        now: list[dict[str, float]] = []
        before: list[dict[str, float]] = []
        for _ in range(repeat):
            now.append(generate(ROOT, ROOT / "schemas" / "shop.yaml", out / "shop", None, one_core=False))
            before.append(generate(base, base / "schemas" / "shop.yaml", out / "shop", None, one_core=False))
        ratio = statistics.median(r["wall"] for r in now) / statistics.median(r["wall"] for r in before)
        print(f"generate schemas/shop.yaml (demo size, 2 cores), medians of {repeat} (alternating):")
        print(f"  this tree: {summary(now)}; {baseline}: {summary(before)}; now ÷ before {ratio:.2f}x")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
        shutil.rmtree(base.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
