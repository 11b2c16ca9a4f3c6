"""The per-batch statistics that both the rules and the column profile read, each computed once a batch.

The measuring thread feeds every batch to the rules (:class:`~mock_pipelines.quality.measure.TableMeasure`)
and to the column profile the report shows (:class:`~mock_pipelines.quality.column_profile.TableProfile`).
Both want the smallest and largest value of the numeric and temporal columns (range rules and the
profile's min/max) and the moments of the numeric ones (mean and standard deviation rules and the
profile's mean and standard deviation). A :class:`BatchSummary` computes each of them on first request and
hands the same figures to both, so a decimal column is cast to float64 once a batch, not twice.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_LOW_WORD_FIRST = sys.byteorder == "little"  # a decimal128's low 64 bits are its first eight bytes


class Moments(NamedTuple):
    """Count, mean and sum of squared deviations of some non-null numbers."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def combined(self, other: Moments) -> Moments:
        """The moments of both sets of numbers (Chan's parallel formula: exact, in any order)."""
        if not other.n:
            return self
        total = self.n + other.n
        delta = other.mean - self.mean
        return Moments(total, self.mean + delta * other.n / total,
                       self.m2 + (other.m2 + delta * delta * self.n * other.n / total))


def weighted_sum(values: np.ndarray, weights: np.ndarray) -> float:
    """The sum of ``values * weights`` (float64), by NumPy's pairwise summation rather than ``np.dot``.

    ``np.dot`` of two vectors is BLAS's ``ddot``, which OpenBLAS splits over its threads from ~10,000 values
    on: the last bits of the sum then depend on the machine's core count, and the BLAS thread spins ~0.1
    CPU-second after each call, taken from the threads that generate, encode and measure. This sum is the
    same on every machine and costs only its own work."""
    return float(np.multiply(values, weights).sum())


def moments_of(arr: pa.Array) -> Moments:
    """The moments of the non-null values of a numeric array, as float64 (an integer beyond 2**53 rounds;
    the cast does not raise). A NaN makes the mean and the squared deviations NaN."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    k = len(arr) - arr.null_count
    if not k:
        return Moments()
    if not pa.types.is_floating(arr.type):
        arr = pc.cast(arr, pa.float64(), safe=False)
    return Moments(k, pc.mean(arr).as_py(), pc.variance(arr, ddof=0).as_py() * k)


def min_max_of(arr: pa.Array) -> pa.StructScalar:
    """``pc.min_max(arr)``. A decimal of at most 18 digits (money: ``decimal(12,2)``) is compared as its
    unscaled 64-bit integers — the low word of each 128-bit value holds the whole of it — which costs ~0.6 ns
    a value where Arrow's decimal comparison costs ~5.5 (measured on 262,144 values); the answer is the same
    struct of ``min`` and ``max``."""
    t = arr.type
    if not (_LOW_WORD_FIRST and pa.types.is_decimal128(t) and t.precision <= 18 and t.scale >= 0
            and arr.null_count < len(arr)):
        return pc.min_max(arr)
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    unscaled = words[2 * arr.offset:2 * (arr.offset + len(arr)):2]
    if arr.null_count:  # the slot of a null holds anything
        unscaled = unscaled[np.asarray(arr.is_valid())]
    lo, hi = (Decimal(int(v)).scaleb(-t.scale) for v in (unscaled.min(), unscaled.max()))
    return pa.scalar({"min": lo, "max": hi}, type=pa.struct([pa.field("min", t), pa.field("max", t)]))


class ColumnSummary:
    """One column of one batch: its extremes and moments, each computed on first request."""

    __slots__ = ("_extremes", "_moments", "arr")

    def __init__(self, arr: pa.Array):
        self.arr = arr
        self._extremes: pa.StructScalar | None = None
        self._moments: Moments | None = None

    def extremes(self) -> pa.StructScalar:
        """``pc.min_max`` of the column: a struct scalar of ``min`` and ``max`` (nulls skipped)."""
        if self._extremes is None:
            self._extremes = min_max_of(self.arr)
        return self._extremes

    def moments(self) -> Moments:
        if self._moments is None:
            self._moments = moments_of(self.arr)
        return self._moments


class BatchSummary:
    """The :class:`ColumnSummary` of each column of one record batch, made on first request."""

    __slots__ = ("_columns", "batch")

    def __init__(self, batch: pa.RecordBatch):
        self.batch = batch
        self._columns: dict[int, ColumnSummary] = {}

    def column(self, i: int) -> ColumnSummary:
        """The summary of the ``i``-th column."""
        summary = self._columns.get(i)
        if summary is None:
            summary = self._columns[i] = ColumnSummary(self.batch.column(i))
        return summary

    def named(self, name: str) -> ColumnSummary:
        """The summary of the column called ``name`` (KeyError when there is none, or more than one)."""
        i = self.batch.schema.get_field_index(name)
        if i < 0:
            raise KeyError(name)
        return self.column(i)
