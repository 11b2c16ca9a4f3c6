"""Whole-process time of ``validate`` and of a small ``generate`` against an earlier commit, in the same run.

    python bench/bench_validate.py --baseline a842d6f --repeat 5

The baseline commit is exported into a temporary folder (``git archive``) and byte-compiled, as an installed
tree is. Each command then runs as a fresh process under ``/usr/bin/time``, pinned to one core, alternating
between the trees (baseline, now, baseline, now, ...) so a change of load on the machine hits both alike:

* ``validate`` of the three demo schemas;
* ``generate schemas/shop.yaml`` to Parquet in a temporary folder (the demo size).

The current tree runs with its vocabulary cache warm (a folder of its own, filled by one run first), and
once more with the cache emptied before every run ("cold": what the first command on a machine pays).
Prints the median and min–max of wall and CPU seconds per command and tree, and now ÷ baseline.
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

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ("schemas/healthcare.yaml", "schemas/hr.yaml", "schemas/shop.yaml")
# Runs the CLI of the tree given as first argument (an editable install's finder would bring this checkout back).
RUN_TREE = ("import runpy, sys\n"
            "tree = sys.argv.pop(1)\n"
            "sys.path.insert(0, tree)\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in type(f).__module__\n"
            "                    and 'editable' not in getattr(f, '__name__', '')]\n"
            "sys.argv[0] = 'mock-pipelines'\n"
            "runpy.run_module('mock_pipelines.cli', run_name='__main__')\n")


def export(commit: str, folder: Path) -> Path:
    """The tree of ``commit`` in ``folder``, byte-compiled."""
    folder.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder / "mock_pipelines")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return folder


def timed(tree: Path, args: list[str], cache: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``mock-pipelines ARGS`` with the code of ``tree``."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "MOCK_PIPELINES_CACHE_DIR": str(cache)}
    env.pop("MOCK_PIPELINES_PLUGINS", None)
    done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S", "taskset", "-c", "0", sys.executable, "-c", RUN_TREE,
                           str(tree), *args], cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {tree}:\n{done.stderr}")
    wall, user, system = (float(x) for x in done.stderr.strip().splitlines()[-1].split())
    return wall, user + system


def summary(runs: list[tuple[float, float]]) -> str:
    wall = [w for w, _ in runs]
    cpu = [c for _, c in runs]
    return (f"wall {statistics.median(wall):.2f} s ({min(wall):.2f}–{max(wall):.2f}), "
            f"CPU {statistics.median(cpu):.2f} s ({min(cpu):.2f}–{max(cpu):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="the commit to compare with, e.g. HEAD~5")
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1-minute average)")
    with tempfile.TemporaryDirectory(prefix="mp-bench-validate-") as tmp:
        tmp_path = Path(tmp)
        before = export(opts.baseline, tmp_path / "baseline")
        out = tmp_path / "out"
        commands = {"validate (3 demo schemas)": ["validate", *SCHEMAS],
                    "generate shop → Parquet": ["generate", "schemas/shop.yaml", "--out", str(out)]}
        warm, cold = tmp_path / "cache-warm", tmp_path / "cache-cold"
        timed(ROOT, commands["validate (3 demo schemas)"], warm, out)  # fills the warm cache
        for label, args in commands.items():
            runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "now, cache warm": [],
                                                          "now, cache cold": []}
            for _ in range(opts.repeat):
                runs["baseline"].append(timed(before, args, tmp_path / "cache-baseline", out))
                runs["now, cache warm"].append(timed(ROOT, args, warm, out))
                shutil.rmtree(cold, ignore_errors=True)
                runs["now, cache cold"].append(timed(ROOT, args, cold, out))
            print(f"\n{label} (medians of {opts.repeat}, one core):")
            for tree, measured in runs.items():
                print(f"  {tree:<16} {summary(measured)}")
            base = statistics.median(w for w, _ in runs["baseline"])
            for tree in ("now, cache warm", "now, cache cold"):
                now = statistics.median(w for w, _ in runs[tree])
                print(f"  {tree} ÷ baseline (wall): {now / base:.2f}")
    print(f"\nload after: {os.getloadavg()[0]:.2f} (1-minute average)")


if __name__ == "__main__":
    main()
