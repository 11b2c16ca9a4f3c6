"""Measure a table while its record batches stream: what the single-table rules need, in bounded memory.

A :class:`TableMeasure` is built from a table's single-table rules (:func:`~mock_pipelines.quality.rules.
derive_rules`) and consumes ``pyarrow.RecordBatch``es one at a time (:meth:`TableMeasure.add`). It keeps:

* the row count, the Arrow type of each column, null counts and the first null rows;
* for value, range, regex, check-digit and column-pair rules: the count of offending rows and the first
  offending values, from the pyarrow evaluators of :mod:`~mock_pipelines.quality.arrow_checks` applied to
  each batch;
* for means and standard deviations: count, mean and sum of squared deviations per batch, combined exactly
  (Chan's parallel formula), so the statistic is the one of the whole column, never of a sample; these
  moments and the extremes that range rules look at first are those of the batch's
  :class:`~mock_pipelines.quality.batch_summary.BatchSummary`, which the column profile reads too;
* for category shares (KL divergence): exact value counts;
* for quantiles: a deterministic bounded sample — the ``SAMPLE_ROWS`` rows with the smallest keyed hash of
  their global row index (bottom-k sampling). Unlike the stratified sample of
  :func:`~mock_pipelines.quality.gx_runner.sample_rows` it needs no row count in advance, and it is the same
  whatever the batch size: a table of at most ``SAMPLE_ROWS`` rows is kept whole. When the row count is known
  in advance (a generated slice), the hash under which the sample will lie is estimated first, so only the
  rows that can end in the sample (about 1M of 10M) are copied, and none is copied twice;
* for keys and unique columns, exact duplicate detection in bounded memory
  (:class:`~mock_pipelines.quality.distinct_stream.StreamDistinct`): a sequence is kept as one range,
  other keys as values or 64-bit hashes in buckets that spill to temporary files; rows whose hashes
  coincide are compared on their real values (read again from ``source``) before they count.

Statistics equal what the whole-table evaluators report: same verdicts, same counts and examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.quality import arrow_checks
from mock_pipelines.quality.batch_summary import BatchSummary, Moments
from mock_pipelines.quality.column_profile import TableProfile
from mock_pipelines.quality.distinct_stream import BatchSource, StreamDistinct
from mock_pipelines.quality.rules import CHECK_EXPECTATION, CHECKSUM_EXPECTATION, Rule

SAMPLE_ROWS = 1_000_000  # quantile rules look at this many rows at most (the same cap as gx_runner)
EXAMPLES = arrow_checks.EXAMPLES
_SAMPLE_KEY = rnd.derive_key("mock_pipelines.quality", "stream-sample")

# Rules whose outcome is a count of bad rows, evaluated batch by batch with the whole-table evaluators.
ROW_RULES = frozenset({"ExpectColumnValuesToBeInSet", "ExpectColumnValuesToBeBetween",
                       "ExpectColumnValuesToMatchRegex", "ExpectColumnValueLengthsToBeBetween",
                       "ExpectColumnPairValuesAToBeGreaterThanB",
                       CHECK_EXPECTATION, CHECKSUM_EXPECTATION})  # a table's `checks:`; check digits
UNIQUE_RULES = frozenset({"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"})
MOMENT_RULES = frozenset({"ExpectColumnMeanToBeBetween", "ExpectColumnStdevToBeBetween"})
SAMPLE_RULES = frozenset({"ExpectColumnQuantileValuesToBeBetween"})
COUNT_RULES = frozenset({"ExpectColumnKLDivergenceToBeLessThan"})
PLAIN_RULES = frozenset({"ExpectColumnValuesToNotBeNull", "ExpectTableRowCountToEqual",
                         "ExpectTableRowCountToBeBetween", "ExpectColumnProportionOfNonNullValuesToBeBetween",
                         "ExpectColumnValuesToBeInTypeList"})
MEASURABLE = ROW_RULES | UNIQUE_RULES | MOMENT_RULES | SAMPLE_RULES | COUNT_RULES | PLAIN_RULES


def measurable(rule: Rule) -> bool:
    """A derived rule the measure evaluates (user-written expectations and cross-table rules are not)."""
    return rule.expectation in MEASURABLE and not rule.params.get("user")


@dataclass
class _Bad:
    """Offending rows of one row-level rule."""

    count: int = 0
    examples: list[Any] = field(default_factory=list)


class TableMeasure:
    """What the single-table rules of one table (or one partition) need, accumulated batch by batch."""

    def __init__(self, rules: Sequence[Rule], *, sample_rows: int = SAMPLE_ROWS, schema: pa.Schema | None = None,
                 keep: Sequence[str] = (), profile: TableProfile | None = None, rows: int | None = None):
        """``schema``: the columns and types of the rows to come (known even when no batch comes).
        ``rows``: how many rows will come, when that is known (the sample then copies fewer of them).
        ``keep``: columns kept whole (what user-written expectations read: Great Expectations needs them
        all at once), so they need not be read or generated again. ``profile``: a column profile fed the same
        batches (what the report shows)."""
        self.profile = profile
        self.rules = [r for r in rules if measurable(r)]
        self.keep = list(keep)
        self.kept: list[pa.RecordBatch] = []
        self.sample_cap = sample_rows
        self.rows = 0
        self.types: dict[str, pa.DataType] = {}
        self.nulls: dict[str, int] = {}
        self.null_rows: dict[str, list[int]] = {}
        self.bad: dict[str, _Bad] = {}
        self._carry: dict[str, pa.Table] = {}  # sibling_order rules: the last row of the previous batch
        self.moments: dict[str, Moments] = {}
        self.counts: dict[str, dict[Any, int]] = {}
        self.distinct: dict[str, StreamDistinct] = {}
        self.sample_columns: list[str] = []
        self._sample_parts: list[pa.Table] = []  # rows that may be in the sample, with their hashes
        self._sample_part_hashes: list[np.ndarray] = []
        self._sample_held = 0
        self._sample_cut: np.uint64 | None = None  # only rows whose hash is below it can be in the sample
        self._expected_rows = rows
        self.columns: set[str] = set()  # what the rules read
        self.seconds = 0.0
        if schema is not None:
            self.types.update({f.name: f.type for f in schema})
        for rule in self.rules:
            kw = rule.gx_kwargs(1 if rule.band is not None else None)
            cols = [c for c in (kw.get("column"), kw.get("column_A"), kw.get("column_B")) if isinstance(c, str)]
            cols += list(kw.get("column_list") or []) + list(rule.columns)
            self.columns.update(cols)
            e = rule.expectation
            if e in ("ExpectColumnValuesToNotBeNull", "ExpectColumnProportionOfNonNullValuesToBeBetween"):
                self.nulls.setdefault(kw["column"], 0)
                self.null_rows.setdefault(kw["column"], [])
            elif e in ROW_RULES:
                self.bad[rule.name] = _Bad()
            elif e in MOMENT_RULES:
                self.moments.setdefault(kw["column"], Moments())
            elif e in COUNT_RULES:
                self.counts.setdefault(kw["column"], {})
            elif e in SAMPLE_RULES and kw["column"] not in self.sample_columns:
                self.sample_columns.append(kw["column"])
            elif e in UNIQUE_RULES:
                self.distinct[rule.name] = None  # type: ignore[assignment]  # typed on the first batch
            if e in MOMENT_RULES | COUNT_RULES | SAMPLE_RULES:
                self.nulls.setdefault(kw["column"], 0)

    # -- streaming ----------------------------------------------------------------------------------------
    def add(self, batch: pa.RecordBatch) -> None:
        """Account for the next batch (rows follow those of the previous batches)."""
        import time

        started = time.perf_counter()
        offset = self.rows
        names = set(batch.schema.names)
        for f in batch.schema:
            self.types.setdefault(f.name, f.type)
        for col in self.nulls:
            if col in names:
                arr = batch.column(col)
                self.nulls[col] += arr.null_count
                if col in self.null_rows and arr.null_count and len(self.null_rows[col]) < EXAMPLES:
                    idx = pc.indices_nonzero(arr.is_null()).slice(0, EXAMPLES).to_pylist()
                    self.null_rows[col] += [offset + i for i in idx][:EXAMPLES - len(self.null_rows[col])]
        table = None
        summary = BatchSummary(batch)  # extremes and moments, read by the rules and the profile alike
        for rule in self.rules:
            e = rule.expectation
            kw = rule.gx_kwargs(1 if rule.band is not None else None)
            if e in ROW_RULES:
                if not all(c in names for c in _columns(kw) + list(rule.columns)):
                    continue
                if e == "ExpectColumnValuesToBeBetween" and arrow_checks.extremes_within(
                        batch.column(kw["column"]), kw.get("min_value"), kw.get("max_value"), kw,
                        summary.named(kw["column"]).extremes):
                    continue  # the usual answer, from the extremes the profile reads too: no row out of range
                table = table or pa.Table.from_batches([batch])
                if rule.params.get("sibling_order"):  # the last row before this batch is a sibling to compare
                    _, _, unexpected, examples = arrow_checks.evaluate(rule, self._with_carry(rule, table))
                else:
                    _, _, unexpected, examples = arrow_checks.evaluate(rule, table)
                bad = self.bad[rule.name]
                bad.count += int(unexpected or 0)
                bad.examples += examples[:EXAMPLES - len(bad.examples)]
            elif e in UNIQUE_RULES:
                cols = _columns(kw)
                if not all(c in names for c in cols):
                    continue
                d = self.distinct[rule.name]
                if d is None:
                    t = batch.schema.field(cols[0]).type
                    numeric = len(cols) == 1 and (pa.types.is_integer(t) or pa.types.is_temporal(t))
                    d = self.distinct[rule.name] = StreamDistinct(cols, numeric)
                d.add(batch)
        for col, m in self.moments.items():
            if col in names:
                self.moments[col] = m.combined(summary.named(col).moments())
        for col, counts in self.counts.items():
            if col in names:
                arr = batch.column(col)
                if pa.types.is_dictionary(arr.type):
                    arr = arr.dictionary_decode()
                vc = pc.value_counts(arr.drop_null()).flatten()
                for v, c in zip(vc[0].to_pylist(), vc[1].to_pylist(), strict=True):
                    counts[v] = counts.get(v, 0) + c
        if self.sample_columns:
            self._add_sample(batch, offset, names)
        if self.keep:
            self.kept.append(batch.select([c for c in self.keep if c in names]))
        if self.profile is not None:
            self.profile.add(batch, summary)
        self.rows += batch.num_rows
        self.seconds += time.perf_counter() - started

    def _with_carry(self, rule: Rule, table: pa.Table) -> pa.Table:
        """``table`` (the rule's columns) after the last row of the previous batch, so siblings split by a
        batch boundary are compared too; that row is kept for the next batch."""
        part = table.select(list(rule.columns))
        if part.num_rows:
            part = part.combine_chunks()
        before = self._carry.get(rule.name)
        if part.num_rows:
            self._carry[rule.name] = part.slice(part.num_rows - 1)
        return pa.concat_tables([before, part]) if before is not None else part

    def _add_sample(self, batch: pa.RecordBatch, offset: int, names: set[str]) -> None:
        if offset == 0 and self._expected_rows is not None:
            self._sample_cut = sample_cut(self._expected_rows, self.sample_cap)
        h = rnd.bits(_SAMPLE_KEY, np.arange(offset, offset + batch.num_rows, dtype=np.int64))
        keep = None
        if self._sample_cut is not None:  # the sample is full: only a row below the cut can be among the k smallest
            keep = h < self._sample_cut
            if not keep.any():
                return
            h = h[keep]
        table = pa.Table.from_batches([batch]).select([c for c in self.sample_columns if c in names])
        if keep is not None:
            table = table.filter(pa.array(keep))
        self._sample_parts.append(pa.table({c: _sampled(arrow_checks.plain_column(table, c))
                                            for c in table.column_names}))
        self._sample_part_hashes.append(h)
        self._sample_held += len(h)
        if self._sample_held > self.sample_cap + self.sample_cap // 2:
            self._trim()

    def _trim(self) -> None:
        """Keep the ``sample_cap`` rows with the smallest hashes, in row order (a filter per part: no sort, no
        take, and no second copy of the whole sample)."""
        if not self._sample_parts:
            return
        if self._sample_held > self.sample_cap:
            self._sample_cut = np.partition(np.concatenate(self._sample_part_hashes),
                                            self.sample_cap - 1)[self.sample_cap - 1]
            for i, h in enumerate(self._sample_part_hashes):
                keep = h <= self._sample_cut
                self._sample_parts[i] = self._sample_parts[i].filter(pa.array(keep))
                self._sample_part_hashes[i] = h[keep]
        hashes = np.concatenate(self._sample_part_hashes)
        table = pa.concat_tables(self._sample_parts, promote_options="permissive")
        self._sample_parts, self._sample_part_hashes, self._sample_held = [table], [hashes], len(hashes)

    def _resample(self, source: BatchSource) -> None:
        """Choose the sample again from every row, without an estimated cut."""
        self._expected_rows, self._sample_cut = None, None
        self._sample_parts, self._sample_part_hashes, self._sample_held = [], [], 0
        offset = 0
        for batch in source():
            self._add_sample(batch, offset, set(batch.schema.names))
            offset += batch.num_rows
        self._trim()

    def settle(self) -> None:
        """The work that waits for the last batch and needs no second read of the rows (sorting the buckets
        of uniqueness rules, the final trim of the sample): done by the measuring thread when the stream
        ends, while the writer closes its files, instead of later in the step."""
        for d in self.distinct.values():
            if d is not None:
                d.settle()
        self._trim()

    def consume(self, batches: Iterable[pa.RecordBatch]) -> TableMeasure:
        for batch in batches:
            self.add(batch)
        return self

    # -- results --------------------------------------------------------------------------------------------
    @property
    def sampled(self) -> bool:
        """Quantile rules look at a sample (more rows than the sample holds)."""
        return self.rows > self.sample_cap

    def sample(self, source: BatchSource | None = None) -> pa.Table:
        """The sampled rows of the quantile rules' columns. ``source`` reads the rows again: needed only in
        the rare case that an estimated cut (see :func:`sample_cut`) let fewer rows through than the sample
        holds — or fewer rows came than were announced."""
        self._trim()
        if self._expected_rows is not None and self._sample_held < min(self.rows, self.sample_cap):
            if source is None:
                raise RuntimeError(f"the quantile sample holds {self._sample_held:,} of {self.rows:,} rows and "
                                   "the rows cannot be read again")
            self._resample(source)
        if not self._sample_parts:
            return pa.table({c: pa.array([], type=pa.float64()) for c in self.sample_columns})
        return self._sample_parts[0]

    def duplicates(self, source: BatchSource | None = None) -> dict[str, tuple[int, list[Any]]]:
        """(rows whose value repeats, examples) of each uniqueness rule; values are compared through
        ``source`` only where 64-bit hashes coincide."""
        out = {}
        for name, d in self.distinct.items():
            out[name] = (0, []) if d is None else d.finish(source)
        return out

    def kept_table(self) -> pa.Table | None:
        """The ``keep`` columns of every row (None when none were asked for or no batch came)."""
        return pa.Table.from_batches(self.kept) if self.keep and self.kept else None

    def close(self) -> None:
        for d in self.distinct.values():
            if d is not None:
                d.store.close()


def sample_cut(rows: int, k: int) -> np.uint64 | None:
    """A hash under which about ``k`` plus six standard deviations of the hashes of ``rows`` row indices lie
    (None when all rows fit in the sample): the ``k`` smallest — the sample — are all below it unless fewer
    than ``k`` are, which :meth:`TableMeasure.sample` notices and repairs by reading the rows again."""
    if rows <= k:
        return None
    return np.uint64(min(int((k + 6 * k ** 0.5 + 64) / rows * 2.0 ** 64), 2 ** 64 - 1))


def _columns(kw: dict[str, Any]) -> list[str]:
    cols = [c for c in (kw.get("column"), kw.get("column_A"), kw.get("column_B")) if isinstance(c, str)]
    return cols + list(kw.get("column_list") or [])


def _sampled(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A sampled column as quantile rules read it: decimals and integers as float64 (half the memory of a
    decimal; :func:`~mock_pipelines.quality.arrow_checks.evaluate` compares quantiles as float64 anyway)."""
    if pa.types.is_decimal(col.type) or pa.types.is_integer(col.type):
        return pc.cast(col, pa.float64(), safe=False)  # an int beyond 2**53 rounds; it does not raise
    return col

