"""The compiled kernels of the generator's randomness against their NumPy reference, in the same process.

Times each kernel the way generation calls it (batches of 262,144 rows, the rows of consecutive batches),
once with the compiled module (``mock_pipelines/core/_kernels.c``) and once with the NumPy code alone, the
two taking turns batch by batch, and checks that both give the same values. Prints nanoseconds a row,
medians with min–max, and the ratio NumPy ÷ compiled.

    python bench/bench_kernels.py                  # 40 batches, a Zipf over 1M parents
    python bench/bench_kernels.py --batches 20 --parents 100000

One core: the process pins itself to the first core it may use. In-process figures: imports and the first
call of each kernel are left out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from mock_pipelines.core import random as rnd
from mock_pipelines.core.generators.numeric import zipf_rank
from mock_pipelines.core.vocab import WeightedIndex

BATCH = 262_144


def kernels(parents: int) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    key = rnd.derive_key("bench", "kernels")
    names = WeightedIndex(np.cumsum(np.arange(1, 5_001, dtype=np.float64) ** -0.8) /
                          (np.arange(1, 5_001, dtype=np.float64) ** -0.8).sum())
    return {
        "uniform (one stream)": lambda rows: rnd.uniform_blocked(key, rows),
        "bits, 4 streams": lambda rows: rnd.bits_matrix(key, rows, range(4)),
        "weighted draw, 5,000 values (from bits)": lambda rows: names.from_bits(rnd.bits_blocked(key, rows)),
        f"Zipf(1.1) rank of {parents:,}": lambda rows: zipf_rank(rnd.uniform_blocked(key, rows), 1.1, parents),
        f"permutation of [0, {parents:,})": lambda rows: rnd.permute(rows % parents, parents, key),
        f"Zipf-skewed reference to {parents:,} rows": lambda rows: rnd.permute(
            zipf_rank(rnd.uniform_blocked(key, rows), 1.1, parents), parents, key),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--parents", type=int, default=1_000_000)
    args = parser.parse_args()
    if rnd.native is None:
        raise SystemExit("the compiled _kernels module is not built: `make install` builds it")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    compiled = rnd.native
    print(f"{'kernel':<44} {'compiled ns/row':>22} {'NumPy ns/row':>22} {'ratio':>7}")
    for name, kernel in kernels(args.parents).items():
        times: dict[str, list[float]] = {"compiled": [], "numpy": []}
        for batch in range(args.batches + 1):
            rows = np.arange(batch * BATCH, (batch + 1) * BATCH, dtype=np.int64)
            values = {}
            for side in ("compiled", "numpy"):
                rnd.native = compiled if side == "compiled" else None
                start = time.perf_counter()
                values[side] = kernel(rows)
                if batch:  # the first batch warms caches and lookup tables
                    times[side].append((time.perf_counter() - start) / BATCH * 1e9)
            rnd.native = compiled
            if not np.array_equal(values["compiled"], values["numpy"]):
                raise SystemExit(f"{name}: the compiled kernel and NumPy differ at batch {batch}")
        c, n = (statistics.median(times[s]) for s in ("compiled", "numpy"))
        print(f"{name:<44} {c:>7.1f} ({min(times['compiled']):.1f}–{max(times['compiled']):.1f})"
              f" {n:>12.1f} ({min(times['numpy']):.1f}–{max(times['numpy']):.1f}) {n / c:>6.1f}×")


if __name__ == "__main__":
    main()
