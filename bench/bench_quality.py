"""Quality-check benchmark: what the checks add to a materialisation, measured in one run.

    python bench/bench_quality.py                          # 1M and 10M rows, medians of 3 runs each
    python bench/bench_quality.py --rows 1000000 --repeat 5
    python bench/bench_quality.py --with-100m              # also 100M rows (minutes, ~2 GB of disk)

For each size, every run in a fresh subprocess (so peak memory is the run's own), medians of ``--repeat``:

* ``asset``: the bench customers table (``bench/customers.yaml``) materialised as a Dagster asset through the
  project's files IO manager (Parquet), without checks;
* ``asset + checks``: the same asset with all its single-table checks, measured on a second thread while
  the IO manager writes, evaluated after the write and recorded (see ``docs/quality-report.md``);
* ``generate``: ``mock-pipelines generate`` of the same table (the CLI, no Dagster, no checks).

It prints the wall time of each, the ratio checks ÷ no checks (target ≤ 1.10 on 2 cores) and each round's own
ratio (its spread shows how much the moment of the machine weighs), the CPU seconds
of the process (all threads) and the seconds the measuring thread spent, and the peak RSS (``ru_maxrss``)
of the run with checks against ``generate`` (target ≤ 1.3), and the step's two phases from the timestamps of
its events: up to the output written, and after it (with checks: their evaluation, and Dagster storing one
output and one evaluation event per check), and the CPU of each thread while the asset runs (Linux; medians:
which thread the run waits for — with checks, the one Parquet encoder). After the run with checks, the same process
renders the quality report of that output as the report asset does (the recorded results and column profile
are used; nothing is read back while they match what landed) and prints its seconds as a share of the
asset's (target ≤ 10%) and the peak RSS including it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "customers.yaml"
BASE_ROWS = 1_000_000  # customers rows in bench/customers.yaml
TIME_TARGET, RSS_TARGET, REPORT_TARGET = 1.10, 1.3, 0.10


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_seconds": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024}


class ThreadCPU:
    """CPU seconds of each thread of this process while it runs, by thread name (Linux: ``/proc/self/task``),
    read every 20 ms so threads that end before the run does are counted too. Threads of the same name
    (an encoder pool) are summed; threads Python did not start (a native library's) are ``native``."""

    def __init__(self) -> None:
        import threading

        self._threading = threading
        self.tick = os.sysconf("SC_CLK_TCK")
        self.seen: dict[int, tuple[str, float]] = {}
        self.start = self._read()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-monitor", daemon=True)
        self._thread.start()

    def _read(self) -> dict[int, float]:
        names = {t.native_id: t.name for t in self._threading.enumerate()}
        out: dict[int, float] = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                stat = Path(f"/proc/self/task/{tid}/stat").read_text()
            except OSError:  # ended meanwhile
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            out[int(tid)] = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
            name = names.get(int(tid)) or self.seen.get(int(tid), ("native", 0.0))[0]
            self.seen[int(tid)] = (name, out[int(tid)])
        return out

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self._read()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        self._read()
        by_name: dict[str, float] = {}
        for tid, (name, cpu) in self.seen.items():
            if name == "bench-monitor":
                continue
            name = name.rstrip("0123456789").rstrip("_-") or name  # mock-pipelines-encode_0, _1 → one entry
            by_name[name] = by_name.get(name, 0.0) + cpu - self.start.get(tid, 0.0)
        return {k: round(v, 2) for k, v in sorted(by_name.items(), key=lambda kv: -kv[1]) if v >= 0.01}


def worker_asset(rows: int, out: Path, checks: bool) -> dict[str, Any]:
    """The customers asset materialised in-process, with or without its checks."""
    import warnings

    import dagster as dg

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.defs.assets import build_table_asset
    from mock_pipelines.defs.io_managers.files import MockFilesIOManager
    from mock_pipelines.profiles.model import Checks
    from mock_pipelines.schema.parse import load_dataset
    from mock_pipelines.store.files.store import FileStore

    warnings.filterwarnings("ignore")
    spec = load_dataset(SCHEMA)
    plan = DatasetPlan(spec, PlanOptions(rows={"customers": rows, "orders": 1}))
    data = out / "dagster"
    asset = build_table_asset(plan, "customers", partitions_def=None, io_manager_key="io_manager",
                              kinds={"parquet"}, chunk_size=262_144, backfill_policy=None,
                              checks=Checks() if checks else None,
                              destination=(lambda: FileStore(str(data))) if checks else None,
                              reports_root=str(out / "reports") if checks else None)
    instance = dg.DagsterInstance.ephemeral()
    threads = ThreadCPU() if Path("/proc/self/task").is_dir() else None
    before = _usage()["cpu_seconds"]
    started = time.perf_counter()
    result = dg.materialize([asset], instance=instance, resources={"io_manager": MockFilesIOManager(base_path=str(data))})
    seconds = time.perf_counter() - started
    by_thread = threads.stop() if threads is not None else {}
    assert result.success
    phases = _phases(instance, result.run_id)
    evaluations = result.get_asset_check_evaluations()
    failed = [e.check_name for e in evaluations if not e.passed]
    measure = float(evaluations[0].metadata["measure_seconds"].value) if evaluations else 0.0
    usage = _usage()
    out_ = {"seconds": seconds, "cpu_seconds": usage["cpu_seconds"] - before, "measure_seconds": measure,
            "checks": len(evaluations), "failed": failed, "peak_rss_mb": usage["peak_rss_mb"],
            "thread_cpu_seconds": by_thread, **phases}
    if checks:  # the report of that output, in the same process, as the report asset renders it
        from mock_pipelines.quality.report import read_landed, render_report, write_report

        started = time.perf_counter()
        landed = read_landed(spec, data, plan=plan, severity=Checks(), recorded=str(out / "reports"))
        write_report(out / "report.html", render_report(spec, landed.tables, landed.results, landed.provenance,
                                                        plan=plan))
        out_.update(report_seconds=time.perf_counter() - started, report_read_back=landed.read,
                    peak_rss_with_report_mb=_usage()["peak_rss_mb"])
    return out_


def _phases(instance: Any, run_id: str) -> dict[str, float]:
    """Two phases of the step, from the timestamps of its events: up to the output handled (the rows
    generated, written and, with checks, measured meanwhile) and what follows until the step ends (with
    checks: their evaluation, and Dagster storing one output and one evaluation event per check)."""
    at: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        kind, data = event.event_type_value, event.event_specific_data
        if kind == "STEP_START":
            at["start"] = entry.timestamp
        elif kind == "HANDLED_OUTPUT" and data.output_name == "result":
            at["handled"] = entry.timestamp
        elif kind == "STEP_SUCCESS":
            at["success"] = entry.timestamp
    return {"write_seconds": at["handled"] - at["start"], "after_write_seconds": at["success"] - at["handled"]}


def worker_generate(rows: int, out: Path) -> dict[str, Any]:
    """``mock-pipelines generate`` of the customers table (the CLI in this process)."""
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    started = time.perf_counter()
    result = CliRunner().invoke(app, ["generate", str(SCHEMA), "--out", str(out / "cli"), "--table", "customers",
                                      "--rows-scale", str(rows / BASE_ROWS)])
    assert result.exit_code == 0, result.output
    return {"seconds": time.perf_counter() - started, **_usage()}


def _spawn(mode: str, rows: int) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    try:
        proc = subprocess.run([sys.executable, __file__, "--worker", mode, "--rows", str(rows), "--out", str(out)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{mode} worker failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def bench(rows: int, repeat: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"asset": [], "checks": [], "generate": []}
    for _ in range(repeat):  # interleaved, so a load change on the machine hits every mode alike
        for mode in runs:
            runs[mode].append(_spawn(mode, rows))
    plain, checked, gen = (runs[m] for m in ("asset", "checks", "generate"))
    out = {
        "rows": rows, "repeat": repeat,
        "asset_s": _median(plain, "seconds"), "checks_s": _median(checked, "seconds"),
        "asset_cpu_s": _median(plain, "cpu_seconds"), "checks_cpu_s": _median(checked, "cpu_seconds"),
        "measure_s": _median(checked, "measure_seconds"), "checks": checked[0]["checks"],
        "failed": checked[0]["failed"],
        "generate_s": _median(gen, "seconds"),
        "rss_checks_mb": _median(checked, "peak_rss_mb"), "rss_asset_mb": _median(plain, "peak_rss_mb"),
        "rss_generate_mb": _median(gen, "peak_rss_mb"),
        "write_s": _median(plain, "write_seconds"), "checks_write_s": _median(checked, "write_seconds"),
        "after_write_s": _median(plain, "after_write_seconds"),
        "checks_after_write_s": _median(checked, "after_write_seconds"),
        "report_s": _median(checked, "report_seconds"), "report_read_back": checked[0]["report_read_back"],
        "rss_report_mb": _median(checked, "peak_rss_with_report_mb"),
    }
    out["time_ratio"] = out["checks_s"] / out["asset_s"]
    # each round's own ratio (its checked run over the unchecked run just before it): how far the moment of
    # the machine moves the figure, which the ratio of the medians alone does not show
    out["round_ratios"] = [c["seconds"] / p["seconds"] for p, c in zip(plain, checked, strict=True)]
    out["rss_ratio"] = out["rss_checks_mb"] / out["rss_generate_mb"]
    out["thread_cpu"] = {mode: _thread_medians(runs[mode]) for mode in ("asset", "checks")}
    return out


def _thread_medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    names = {n for r in runs for n in r.get("thread_cpu_seconds", {})}
    medians = {n: statistics.median(r.get("thread_cpu_seconds", {}).get(n, 0.0) for r in runs) for n in names}
    return dict(sorted(medians.items(), key=lambda kv: -kv[1]))


def _print(r: dict[str, Any]) -> None:
    print(f"\n{r['rows']:,} rows (medians of {r['repeat']}), {os.cpu_count()} cores")
    print(f"  asset, no checks      {r['asset_s']:8.2f} s   cpu {r['asset_cpu_s']:7.2f} s   "
          f"peak RSS {r['rss_asset_mb']:7.0f} MiB")
    print(f"  asset + {r['checks']:2d} checks     {r['checks_s']:8.2f} s   cpu {r['checks_cpu_s']:7.2f} s   "
          f"peak RSS {r['rss_checks_mb']:7.0f} MiB   (measuring thread {r['measure_s']:.2f} s)")
    print(f"  generate (CLI)        {r['generate_s']:8.2f} s                      peak RSS "
          f"{r['rss_generate_mb']:7.0f} MiB")
    ok_t = "ok" if r["time_ratio"] <= TIME_TARGET else "MISSED"
    ok_m = "ok" if r["rss_ratio"] <= RSS_TARGET else "MISSED"
    print(f"  with checks / without: {r['time_ratio']:.3f}× wall (target ≤ {TIME_TARGET}: {ok_t}); "
          f"CPU spent on checks {r['checks_cpu_s'] - r['asset_cpu_s']:.2f} s")
    print(f"  the step's phases: up to the output written {r['write_s']:.2f} s without checks, "
          f"{r['checks_write_s']:.2f} s with them (measured meanwhile); after it {r['after_write_s']:.2f} s, "
          f"{r['checks_after_write_s']:.2f} s (the checks evaluated, Dagster storing their results)")
    rounds = r["round_ratios"]
    print(f"  each round's ratio: median {statistics.median(rounds):.3f}×, {min(rounds):.3f}–{max(rounds):.3f}× "
          f"({', '.join(f'{x:.2f}' for x in rounds)})")
    for mode, label in (("asset", "without checks"), ("checks", "with checks")):
        if r["thread_cpu"][mode]:
            print(f"  CPU by thread {label}: " + ", ".join(f"{n} {v:.2f} s" for n, v in r["thread_cpu"][mode].items()))
    print(f"  peak RSS with checks / generate: {r['rss_ratio']:.2f}× (target ≤ {RSS_TARGET}: {ok_m})")
    share = r["report_s"] / r["checks_s"]
    print(f"  report {r['report_s']:.2f} s = {share:.1%} of the asset (target ≤ {REPORT_TARGET:.0%}: "
          f"{'ok' if share <= REPORT_TARGET else 'MISSED'}); peak RSS with the report {r['rss_report_mb']:.0f} MiB "
          f"= {r['rss_report_mb'] / r['rss_generate_mb']:.2f}× generate"
          + (f"; read back: {', '.join(r['report_read_back'])}" if r["report_read_back"] else
             "; nothing read back (recorded results and profile used)"))
    if r["failed"]:
        print(f"  failed checks: {', '.join(r['failed'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="table sizes (repeatable; default 1M and 10M)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and mode (median)")
    parser.add_argument("--with-100m", action="store_true", help="also 100M rows")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", choices=("asset", "checks", "generate"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        rows = args.rows[0]
        result = worker_generate(rows, args.out) if args.worker == "generate" else \
            worker_asset(rows, args.out, checks=args.worker == "checks")
        print(json.dumps(result))
        return
    sizes = args.rows or [1_000_000, 10_000_000]
    if args.with_100m:
        sizes.append(100_000_000)
    results = []
    for rows in sizes:
        results.append(bench(rows, args.repeat))
        _print(results[-1])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
