"""Table → stream of Arrow record batches.

Every value is a pure function of (seed, dataset, table, column, global row index):

* a plain column calls its generator with a context keyed by (seed, dataset, table, column);
* a foreign key picks a parent *row index* (uniform or Zipf-skewed, scattered by a keyed permutation so
  the popular parents are not simply the first ones) and computes the parent's key columns for those
  indices with the parent's own generators — the parent is never loaded;
* a children-per-parent table lays its rows out parent by parent; the count of each parent is itself a
  pure function of the parent index, and block prefix sums (one pass, kept in memory as one integer per
  4,096 parents) locate the parent of any child row without materialising the layout;
* a column that reads a parent attribute (``customer_id.signup_ts``) recomputes that attribute for the
  picked parent indices.

So any row range can be generated alone and equals the same rows of a full run, whatever the chunk size.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import registry, row_checks
from mock_pipelines.core.child_counts import CountTerm, draw_counts, parse_count_expression
from mock_pipelines.core.expressions import Expression, parse_expression, parse_template
from mock_pipelines.core.generators.numeric import zipf_rank
from mock_pipelines.core.string_lengths import cut_to_length
from mock_pipelines.core.timeline import PartitionScheme, Timeline, to_us
from mock_pipelines.core.value_shapes import Shape, column_shape, with_shapes
from mock_pipelines.spec.errors import Issue, SchemaError, suggest
from mock_pipelines.spec.model import (
    COUNT_EXPRESSION,
    MAX_ROWS_ENV,
    ColumnSpec,
    ColumnType,
    DatasetSpec,
    Distribution,
    ForeignKey,
    TableSpec,
    max_rows,
)
from mock_pipelines.spec.types import NUMERIC_TYPES, LogicalType

if TYPE_CHECKING:
    from mock_pipelines.core.changes import TableChanges

# The rows' references by foreign key: (parent row index, null mask or None), as _Rows.fk_rows memoises them.
FkRows = Callable[[ForeignKey], tuple[np.ndarray, np.ndarray | None]]

DEFAULT_CHUNK_SIZE = 262_144
CHECK_PROBE_ROWS = 2_048  # rows spread over a table that validation tries its `checks:` on
PROBE_ROWS = 4  # rows at each end of a table that validation generates to catch what generation fails on
_REPICK_ROUNDS = 64  # draws of a parent that is not deleted before the child (see TablePlan._living_parents)
_BLOCK = 4096  # parents per prefix-sum block of a children-per-parent layout
_CACHED_BLOCKS = 256  # blocks of counts a layout whose count is an expression keeps (8 MiB)
# Validation counts the children of at most this many parents exactly; beyond, it works from an estimate
# (the mean children per parent over a sample), so its cost does not grow with the row counts.
EXACT_PARENTS = 1 << 18
_SAMPLE_PARENTS = 1 << 16


# The Arrow type the engine produces for each logical type (decimal: from its precision and scale; auto: none
# until the column's type is known).
ARROW_TYPES: dict[LogicalType, pa.DataType] = {
    LogicalType.INT: pa.int64(), LogicalType.FLOAT: pa.float64(), LogicalType.BOOL: pa.bool_(),
    LogicalType.STRING: pa.string(), LogicalType.DATE: pa.date32(), LogicalType.TIMESTAMP: pa.timestamp("us"),
    LogicalType.UUID: pa.string(), LogicalType.JSON: pa.string(),
}


def arrow_type(t: ColumnType) -> pa.DataType | None:
    if t.name is LogicalType.DECIMAL:
        return pa.decimal128(18 if t.precision is None else t.precision, 2 if t.scale is None else t.scale)
    return ARROW_TYPES.get(t.name)


def _cast_fitting(values: pa.Array, target: pa.DataType, t: ColumnType) -> pa.Array:
    """``values`` (already rounded to the target's scale) cast to a decimal ``target``; a value too large for
    it is an error naming the largest value and the declared type."""
    try:
        return pc.cast(values, target)
    except pa.ArrowInvalid:
        top = pc.max(pc.abs(values)).as_py()
        raise ValueError(f"value {top} does not fit {t}: raise the precision or bound the values "
                         "(min/max)") from None


def cast_to(values: pa.Array, t: ColumnType) -> pa.Array:
    target = arrow_type(t)
    if pa.types.is_dictionary(values.type) and (target is None or values.type.value_type == target):
        return values  # dictionary-encoded strings stay encoded: cheaper to build, to write and to store
    if target is None or values.type == target:
        return values
    if pa.types.is_decimal(target) and pa.types.is_decimal(values.type):
        # exact: a decimal rounds half to even at the declared scale (never through a float)
        exact = values
        if values.type.scale > target.scale:
            exact = pc.round(values, ndigits=target.scale, round_mode="half_to_even")
        return _cast_fitting(exact, target, t)
    if pa.types.is_decimal(target):
        return _cast_fitting(pc.round(pc.cast(values, pa.float64()), ndigits=t.scale or 0), target, t)
    if pa.types.is_integer(target) and pa.types.is_floating(values.type):
        values = pc.round(values)
    if pa.types.is_string(target) and not pa.types.is_string(values.type):
        if pa.types.is_timestamp(values.type):
            return pc.strftime(values, format="%Y-%m-%dT%H:%M:%S")
        return pc.cast(values, pa.string())
    return pc.cast(values, target)


@dataclass
class PlanOptions:
    seed: int | None = None
    scale: float = 1.0
    locale: str | None = None
    rows: dict[str, int] | None = None  # fixed row counts by table, overriding schema × scale
    # Time partitions: tables declared `partitioned:` grow over time and are generated window by window.
    partitions: PartitionScheme | None = None
    # The keys of each reference to existing rows (`ref: {existing: …}`), by the reference's text: a child
    # row picks an index into them. Any Mapping: a lazy one reads the keys when a row first needs them.
    existing_keys: Mapping[str, pa.Array] | None = None


class MissingExistingKeys(SchemaError):
    """A column references existing rows, but the run was given no keys for that reference. Validation
    without a database skips such columns; generation stops with this error."""


class DatasetPlan:
    """A dataset ready to generate: the spec plus seed, scale and locale."""

    def __init__(self, spec: DatasetSpec, options: PlanOptions | None = None):
        options = options or PlanOptions()
        self.spec = spec
        self.seed = spec.seed if options.seed is None else options.seed
        self.scale = options.scale
        self.locale = options.locale or spec.locale
        self.partitions = options.partitions
        self.row_overrides = options.rows or {}
        self._existing_given = options.existing_keys if options.existing_keys is not None else {}
        self._existing: dict[str, pa.Array] = {}
        per_parent = [t for t in self.row_overrides if t in spec.tables and spec.tables[t].rows.per]
        if per_parent:
            t = spec.tables[per_parent[0]]
            raise SchemaError([Issue(t.location, f"the row count of {t.name!r} follows its parent "
                                     f"{t.rows.per!r} and cannot be overridden",
                                     suggestion=f"override the rows of {t.rows.per!r} instead")])
        unknown = set(self.row_overrides) - set(spec.tables)
        if unknown:
            raise SchemaError([Issue(spec.tables[next(iter(spec.tables))].location,
                                     f"row override for unknown table {sorted(unknown)[0]!r}",
                                     suggestion=suggest(sorted(unknown)[0], spec.tables))])
        self.tables = {name: TablePlan(self, t) for name, t in spec.tables.items()}

    def table(self, name: str) -> TablePlan:
        return self.tables[name]

    def existing_keys(self, col: ColumnSpec, table: str) -> pa.Array:
        """The keys ``col`` (a reference to existing rows) picks from: plain values (integers as int64), no
        nulls. Raises :class:`MissingExistingKeys` when the run was given none for the reference."""
        ref = col.existing
        assert ref is not None
        text = ref.text
        if text not in self._existing:
            try:
                keys = self._existing_given[text]
            except KeyError:
                raise MissingExistingKeys([Issue(
                    col.location, f"column {table}.{col.name} references existing rows ({text}), but no keys "
                    f"were read for source {ref.source!r}",
                    suggestion=f"declare the source in the profile (sources: {{{ref.source}: {{url: {{env: "
                               f"{ref.source.upper()}_URL}}}}}}) or give `--source {ref.source}=URL` to generate "
                               "or preview")]) from None
            keys = _decoded(keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys)
            if pa.types.is_integer(keys.type):
                keys = pc.cast(keys, pa.int64())
            elif pa.types.is_large_string(keys.type):
                keys = pc.cast(keys, pa.string())
            if keys.null_count:
                keys = pc.drop_null(keys)
            self._existing[text] = keys
        return self._existing[text]

    def existing_keys_digest(self, table: str) -> str:
        """A digest of the existing keys ``table``'s columns pick from ('' when it references none): its rows
        depend on them, so an output made from other keys is another run (see the files' run identity)."""
        import hashlib

        spec = self.spec.tables[table]
        columns = [c for c in (*spec.columns.values(), *spec.helpers.values()) if c.existing is not None]
        if not columns:
            return ""
        digest = hashlib.blake2b(digest_size=8)
        for col in columns:
            keys = pa.concat_arrays([self.existing_keys(col, table)])  # offsets from 0: buffers hold just it
            digest.update(f"{col.name}:{len(keys)}:{keys.type}".encode())
            for buffer in keys.buffers():
                if buffer is not None:
                    digest.update(buffer)
        return digest.hexdigest()

    def order(self) -> list[str]:
        return self.spec.table_order()

    def check(self, probe: bool = True) -> None:
        """Checks that need row counts (the row limit, uniqueness capacity), then (unless ``probe`` is false)
        a probe of a few rows of every table. Raises SchemaError before any output. Its cost does not grow
        with the row counts (see :attr:`TablePlan.rows_estimate` and :meth:`probe`)."""
        issues: list[Issue] = []
        limit = max_rows()
        for name in self.order():
            table = self.tables[name]
            try:
                if not table.is_partitioned:
                    estimate = table.rows_estimate
                    if estimate > limit:
                        how = "" if self.scale == 1 else f" at scale {self.scale:g}"
                        issues.append(Issue(table.spec.location, f"table {name!r} would have "
                                            f"{'about ' if not table.rows_exact else ''}{estimate:,} rows{how}, "
                                            f"more than the limit of {limit:,} rows per table",
                                            suggestion=f"lower the rows or the scale, or raise the limit with "
                                                       f"{MAX_ROWS_ENV}=N"))
                        continue
                    issues.extend(table.capacity_issues())
                issues.extend(table.sum_issues())
            except SchemaError as exc:
                issues.extend(exc.issues)
            except Exception as exc:  # the row layout or a summed column's type failed to compute
                issues.append(table.failure_issue(exc))
        if issues:
            raise SchemaError(issues)
        if probe:
            self.probe()

    def probe(self) -> None:
        """Generate the first and the last few rows of every table (a cost independent of the row counts)
        and turn any failure into a schema problem at the column that raised it, so what generation would
        fail on is reported by `validate`, and before `generate` writes anything.

        Tables whose row count is only estimated (children of more than EXACT_PARENTS parents), and the tables
        that read them, are left out: locating any of their rows counts the children of every parent first,
        which is the cost validation must not pay. Their generation still stops at the first failure."""
        issues: list[Issue] = []
        estimated: set[str] = set()
        for name in self.order():
            table = self.tables[name]
            if not table.rows_exact or any(p in estimated for p in table.spec.parents()):
                estimated.add(name)
                continue
            columns = [c.name for c in [*table.spec.columns.values(), *table.spec.helpers.values()]
                       if _worth_probing(c)]
            if table.spec.checks:
                issues.extend(table.check_issues())
            if not columns:
                continue
            try:
                rows = _Rows(table, table.probe_rows())
            except Exception as exc:  # laying out the rows is the table's problem
                issues.append(table.failure_issue(exc))
                continue
            for column in columns:  # each on its own, so every failing column is reported at once
                try:
                    rows.get(column)
                except MissingExistingKeys:
                    continue  # validated without a database: the keys are read when the rows are generated
                except SchemaError as exc:
                    issues.extend(exc.issues)
                except Exception as exc:  # any failure while computing a column is the schema's problem
                    issues.append(table.failure_issue(exc))
        if not issues and self.spec.scenarios:
            from mock_pipelines.core.scenarios import probe_issues  # it builds on this module

            issues.extend(probe_issues(self, PROBE_ROWS))
        if issues:
            raise SchemaError(list(dict.fromkeys(issues)))  # a parent's failure repeats in its children


def _shown(value: object) -> str:
    """A value as a person writes it in a schema (dates and times in ISO form)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return repr(value)


def _worth_probing(col: ColumnSpec) -> bool:
    """Whether the probe generates ``col``. A generator called with its default parameters (a `group` aside),
    no declared type and no uniqueness is exercised in every locale by the catalogue's own tests, and some
    load large vocabularies: those are left out unless a probed column reads them."""
    if col.kind != "gen" or col.type_given or col.unique or col.generator is None:
        return True
    gen = registry.get(col.generator)
    return any(col.params.get(p.name) != p.default for p in gen.params if p.name != "group")


def unique_capacity_message(what: str, rows: int | str, generator: str, capacity: int, locale: str) -> str:
    """The refusal of more unique values than a generator has (validate, generate and ``fake --unique``);
    ``rows`` is a count, or its text when it is only estimated (``~1,234``)."""
    rows = f"{rows:,}" if isinstance(rows, int) else rows
    return (f"{what} asks for {rows} unique values but {generator!r} has only {capacity:,} distinct values "
            f"(locale {locale})")


class TablePlan:
    def __init__(self, plan: DatasetPlan, spec: TableSpec):
        self.plan = plan
        self.spec = spec
        self.name = spec.name
        self.key = rnd.derive_key(plan.seed, plan.spec.name, spec.name)
        self._fk_by_column = {c: fk for fk in spec.foreign_keys for c in fk.columns}

    def column_key(self, column: str, purpose: str = "values") -> int:
        return rnd.derive_key(self.plan.seed, self.plan.spec.name, self.spec.name, column, purpose)

    # -- row counts ---------------------------------------------------------------------------------
    @cached_property
    def is_partitioned(self) -> bool:
        """True when the run is time-partitioned and this table grows (its own rate or its parent's)."""
        return self.plan.partitions is not None and self.spec.partitioned is not None

    @cached_property
    def timeline(self) -> Timeline | None:
        """Creation times of the rows of a table that grows at its own rate."""
        part = self.spec.partitioned
        if not self.is_partitioned or part is None or part.rows_per_day is None:
            return None
        return Timeline(self.plan.partitions.start, part.rows_per_day * self.plan.scale,  # type: ignore[union-attr]
                        self.column_key("__timeline__", "time"), part.weekday_weights, part.hour_weights,
                        part.volume, self.plan.locale)

    @cached_property
    def changes(self) -> TableChanges | None:
        """How the rows live after their insert (`changes:`), in a time-partitioned run; else None."""
        if self.spec.changes is None or self.plan.partitions is None:
            return None
        from mock_pipelines.core.changes import TableChanges  # it builds on this module

        return TableChanges(self)

    @cached_property
    def layout(self) -> ChildLayout | None:
        if self.spec.rows.per is None or self.name in self.plan.row_overrides:
            return None
        if self.is_partitioned:
            if self.timeline is not None:
                return None  # grows at its own rate: the `per` reference becomes a drawn foreign key
            return ChildLayout(self, self.plan.tables[self.spec.rows.per], None)
        parent = self.plan.tables[self.spec.rows.per]
        return ChildLayout(self, parent, parent.n_rows)

    def row_range(self, start_us: int, end_us: int) -> tuple[int, int]:
        """Rows created in the time window [start, end) of a partitioned run: a contiguous range."""
        if not self.is_partitioned:
            return 0, self.n_rows
        if self.timeline is not None:
            lo, hi = self.timeline.first_row_at(np.array([start_us, end_us]))
            return int(lo), int(hi)
        plo, phi = self.plan.tables[self.spec.rows.per].row_range(start_us, end_us)  # type: ignore[index]
        return self.layout.child_start(plo), self.layout.child_start(phi)  # type: ignore[union-attr]

    def row_times(self, rows: np.ndarray) -> np.ndarray:
        """Creation time (µs) of each row of a partitioned table (before :meth:`event_times` moves it)."""
        if self.timeline is not None:
            return self.timeline.time_of(rows)
        parent_idx, _ = self.layout.parent_of(rows)  # type: ignore[union-attr]
        # A child is created after its parent — after the parent's time as written, which may itself have
        # been moved after a grandparent — and before the end of the parent's partition window.
        parent_t = self.plan.tables[self.spec.rows.per].event_times(parent_idx)  # type: ignore[index]
        end = self.plan.partitions.window_end_us(parent_t)  # type: ignore[union-attr]
        u = rnd.uniform(self.column_key("__timeline__", "delay"), rows)
        return parent_t + np.floor(u * (end - parent_t)).astype(np.int64)

    def event_times(self, rows: np.ndarray) -> np.ndarray:
        """Time (µs) of each row as written to its time column: the creation time moved after every
        partitioned parent the row references (still inside its partition window)."""
        return _Rows(self, np.asarray(rows, dtype=np.int64)).event_times()

    def slice(self, start: dt.datetime | dt.date | str | None = None, end: dt.datetime | dt.date | str | None = None,
              partition_key: str | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE) -> TableSlice:
        """The rows of one partition window (or the whole table when the table is not partitioned)."""
        if self.is_partitioned:
            if start is None or end is None:
                raise ValueError(f"{self.name!r} is partitioned: give the partition's time window")
            lo, hi = self.row_range(to_us(start), to_us(end))
        else:
            lo, hi = 0, self.n_rows
        return TableSlice(self, lo, hi, chunk_size, partition_key)

    @cached_property
    def n_rows(self) -> int:
        if self.is_partitioned:
            raise ValueError(f"{self.name!r} grows with time partitions: ask for a window's rows (row_range)")
        if self.name in self.plan.row_overrides:
            return int(self.plan.row_overrides[self.name])
        if self.layout is not None:
            return self.layout.n_rows
        fixed = self.spec.rows.fixed or 0
        if not self.spec.rows.scaled:
            return fixed
        return 0 if fixed == 0 else max(1, round(fixed * self.plan.scale))

    @cached_property
    def rows_exact(self) -> bool:
        """True when :attr:`rows_estimate` is the exact row count (cheap to know: few parents to count)."""
        if self.is_partitioned or self.name in self.plan.row_overrides or self.spec.rows.per is None:
            return True
        parent = self.plan.tables[self.spec.rows.per]
        return parent.rows_exact and parent.rows_estimate <= EXACT_PARENTS

    @cached_property
    def rows_estimate(self) -> int:
        """The row count, computed without counting the children of every parent: exact when
        :attr:`rows_exact`, else the parents' count times the mean children per parent of a sample."""
        if self.rows_exact:
            return self.n_rows
        parent = self.plan.tables[self.spec.rows.per]  # type: ignore[index]
        n_parents = parent.rows_estimate
        sample = ChildLayout(self, parent, None).counts(np.arange(min(n_parents, _SAMPLE_PARENTS), dtype=np.int64))
        return round(n_parents * float(sample.mean())) if len(sample) else 0

    def rows_text(self) -> str:
        """The row count for people: ``1,234``, or ``~1,234`` when only estimated."""
        return f"{self.rows_estimate:,}" if self.rows_exact else f"~{self.rows_estimate:,}"

    def probe_rows(self) -> np.ndarray:
        """The first and last PROBE_ROWS rows (of the first partition window in a partitioned run)."""
        if self.is_partitioned:
            start = self.plan.partitions.start_us  # type: ignore[union-attr]
            lo, hi = self.row_range(start, int(self.plan.partitions.window_end_us(np.array([start]))[0]))  # type: ignore[union-attr]
        else:
            lo, hi = 0, self.n_rows
        head = np.arange(lo, min(hi, lo + PROBE_ROWS), dtype=np.int64)
        tail = np.arange(max(lo, hi - PROBE_ROWS), hi, dtype=np.int64)
        return np.unique(np.concatenate([head, tail]))

    def check_rows(self) -> np.ndarray:
        """Rows the table's ``checks:`` are tried on at validation: the probe rows and up to CHECK_PROBE_ROWS
        rows spread evenly over the table (of the first window of a partitioned run)."""
        probe = self.probe_rows()
        if not len(probe):
            return probe
        lo, hi = int(probe[0]), int(probe[-1]) + 1
        spread = np.linspace(lo, hi - 1, min(hi - lo, CHECK_PROBE_ROWS)).astype(np.int64)
        return np.unique(np.concatenate([probe, spread]))

    def check_issues(self) -> list[Issue]:
        """The table's ``checks:`` evaluated on :meth:`check_rows`: a check that is not boolean, fails to
        compute, or that a generated row violates is refused, with the first violating row's values."""
        issues: list[Issue] = []
        try:
            rows = _Rows(self, self.check_rows())
        except Exception as exc:  # laying out the rows: reported by the probe itself
            return [self.failure_issue(exc)]
        for check in self.spec.checks:
            what = f"check {check.name!r} ({check.expr}) of table {self.name!r}"
            expr = parse_expression(check.expr)
            unbounded = self._bound_violation(expr)
            if unbounded is not None:  # rare violations a probe of a few thousand rows would miss
                issues.append(Issue(check.location, f"{what} is not satisfied by construction: {unbounded}",
                                    suggestion=row_checks.suggestion_for(expr, self.name)))
                continue
            try:
                bad = row_checks.violations(check.expr, rows.resolve, len(rows.rows))
            except MissingExistingKeys:
                continue  # reads a reference to existing rows, and no database was given
            except SchemaError as exc:
                issues.extend(exc.issues)
                continue
            except TypeError as exc:
                issues.append(Issue(check.location, f"{what} is not a condition: it {exc}",
                                    suggestion="compare it, e.g. `balance >= 0`"))
                continue
            except Exception as exc:
                issue = self.failure_issue(exc) if hasattr(exc, "mock_column") else \
                    Issue(check.location, f"{what}: evaluating it fails: {str(exc).splitlines()[0][:200]}",
                          suggestion="compare columns of compatible types (numbers with numbers, dates with dates)")
                issues.append(issue)
                continue
            hits = np.flatnonzero(np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool))
            if not len(hits):
                continue
            first = int(hits[0])
            values = ", ".join(f"{c}={_shown(rows.resolve(c)[first].as_py())}" for c in expr.references)
            issues.append(Issue(check.location, f"{what} is not satisfied by construction: generated row "
                                f"{int(rows.rows[first]):,} has {values} ({len(hits):,} of {len(rows.rows):,} "
                                "rows tried violate it)", suggestion=row_checks.suggestion_for(expr, self.name)))
        return issues

    def _bound_violation(self, expr: Expression) -> str | None:
        """Why a comparison of a column with a number in ``expr`` can fail by the column generator's declared
        range (a normal without ``min:`` can go below 0), or None when no declared range shows it."""
        from mock_pipelines.core.column_facts import rounding_slack

        for column, op, bound in row_checks.column_bounds(expr):
            col = self.spec.column(column)
            gen = registry.get(col.generator) if col is not None and col.generator else None
            if gen is None or gen.facts is None or gen.facts.range is None or \
                    col.type.name not in NUMERIC_TYPES:
                continue
            lo, hi = gen.facts.range(col.params)
            if any(isinstance(b, dt.date) for b in (lo, hi)):
                continue
            reason = row_checks.may_violate(op, bound, lo, hi, rounding_slack(col, gen, col.params))
            if reason is not None:
                return f"{column} is drawn by {col.generator!r}, whose values are {reason}"
        return None

    def failure_issue(self, exc: BaseException) -> Issue:
        """A schema problem for an exception raised while generating rows of this table."""
        table, column = getattr(exc, "mock_column", (self.name, None))
        spec = self.plan.spec.tables[table]
        col = spec.column(column) if column else None
        what = f"column {table}.{column}" if col is not None else f"table {table}"
        reason = str(exc).split("\n")[0].strip() or type(exc).__name__
        if isinstance(exc, pa.ArrowNotImplementedError):
            reason = "an operation does not apply to these types of values (" + reason[:160] + ")"
        return Issue(col.location if col is not None else spec.location,
                     f"{what}: generating its values fails: {reason}",
                     suggestion=getattr(exc, "hint", None) or "check the parameters and the columns it reads "
                                "(`mock-pipelines preview` shows what they hold)")

    def capacity_issues(self) -> list[Issue]:
        issues = []
        for col in self.spec.columns.values():
            if not col.unique or not col.generator:
                continue
            gen = registry.get(col.generator)
            cap = gen.capacity(col.params, self.plan.locale) if gen.capacity else None
            if cap is not None and cap < self.rows_estimate:
                issues.append(Issue(col.location, unique_capacity_message(f"column {self.name}.{col.name}",
                                                                          self.rows_text(), gen.name, cap,
                                                                          self.plan.locale),
                                    suggestion="drop unique, lower the row count, or use a template with "
                                               "{_unique} / a generator with a larger range"))
        return issues

    def sum_issues(self) -> list[Issue]:
        """A ``sum_of`` column whose summed column turns out not to be numeric (an untyped expression)."""
        issues = []
        for col in self.spec.columns.values():
            if col.sum_of is None:
                continue
            child, column = col.sum_of
            t = self.plan.tables[child].value_type(column)
            if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
                issues.append(Issue(col.location, f"column {self.name}.{col.name} sums {child}.{column}, which "
                                    f"holds {t} values, not numbers", expected="an int, float or decimal column"))
        return issues

    # -- generation ---------------------------------------------------------------------------------
    @cached_property
    def arrow_schema(self) -> pa.Schema:
        if self.is_partitioned:
            return self.compute(np.zeros(1, dtype=np.int64)).schema
        # An empty table has no row 0 to probe (a per-parent layout has no parent for it): evaluate the
        # columns over zero rows instead, which yields the same types.
        return self.compute(np.zeros(0 if self.n_rows == 0 else 1, dtype=np.int64)).schema

    def value_shapes(self) -> dict[str, Shape]:
        """What the generators promise of each emitted column's values (see :mod:`mock_pipelines.core.
        value_shapes`): the columns that promise nothing are left out."""
        shapes = {}
        for field in self.arrow_schema:
            shape = column_shape(self.spec, self.spec.columns[field.name], field.type, self.is_partitioned)
            if shape is not None:
                shapes[field.name] = shape
        return shapes

    @cached_property
    def written_schema(self) -> pa.Schema:
        """:attr:`arrow_schema` with each column's shape in its field metadata, for the writers that choose
        an encoding per column (they strip it before writing: the files' schema is the plain one)."""
        return with_shapes(self.arrow_schema, self.value_shapes())

    def value_type(self, column: str) -> pa.DataType:
        """The Arrow type of any column, emitted or helper (`emit: false`)."""
        if column in self.spec.columns:
            return self.arrow_schema.field(column).type
        return self.compute(np.zeros(0 if self.is_partitioned or self.n_rows == 0 else 1, dtype=np.int64),
                            [column]).schema.field(0).type

    def plain_type(self, column: str) -> pa.DataType:
        """The Arrow type of a column's values (a dictionary-encoded column: its values' type), from the
        declared type where there is one — nothing is generated — else from a generated row."""
        col = self.spec.column(column)
        declared = arrow_type(col.type) if col is not None else None
        if declared is not None:
            return declared  # cast_to writes every value with it (dictionary strings keep their value type)
        t = self.value_type(column)
        return t.value_type if pa.types.is_dictionary(t) else t

    def compute(self, rows: np.ndarray, columns: list[str] | None = None) -> pa.RecordBatch:
        """Columns (default: every emitted column, in declared order; helper columns only when named) for
        arbitrary global row indices."""
        batch = _Rows(self, np.asarray(rows, dtype=np.int64))
        names = columns or list(self.spec.columns)
        return pa.RecordBatch.from_arrays([batch.get(n) for n in names], names=names)

    def batches(self, start: int = 0, stop: int | None = None,
                chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pa.RecordBatch]:
        """Rows [start, stop) as record batches of at most ``chunk_size`` rows."""
        if self.is_partitioned:
            if stop is None:
                raise ValueError(f"{self.name!r} is partitioned: give the row range of a window")
        else:
            stop = self.n_rows if stop is None else min(stop, self.n_rows)
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        for lo in range(start, stop, chunk_size):
            yield self.compute(np.arange(lo, min(stop, lo + chunk_size), dtype=np.int64))

    def to_table(self, start: int = 0, stop: int | None = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE) -> pa.Table:
        batches = list(self.batches(start, stop, chunk_size))
        return pa.Table.from_batches(batches, schema=self.arrow_schema) if batches else \
            self.arrow_schema.empty_table()

    # -- foreign keys -------------------------------------------------------------------------------
    def parent_rows(self, fk: ForeignKey, rows: np.ndarray, fk_rows: FkRows | None = None,
                    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Parent row index for each row, and a mask of rows whose reference is null (or None).
        ``fk_rows`` gives the rows' other references (memoised by the caller) for a pick ``within`` a group."""
        key = self.column_key(fk.name, "fk")
        null = None
        if fk.within is not None:
            idx, null = self._pick_within(fk, rows, key, fk_rows or (lambda other: self.parent_rows(other, rows)))
        elif fk.table == self.name:
            # A tree: row i points at an earlier row, so no cycle is possible; row 0 is the root.
            idx = rnd.integers(key, rows, np.maximum(rows, 1))
            null = rows == 0
        elif self.layout is not None and fk is self.spec.grouping_fk:
            idx, _ = self.layout.parent_of(rows)
        elif self.layout is not None and self._unique_within_ref(fk):
            idx = self._pick_unique_within(fk, rows, key)
        elif self.is_partitioned and self.plan.tables[fk.table].is_partitioned:
            idx = self._living_parents(fk, rows, key, lambda r, k: self._pick_existing_parent(fk, r, k))
        elif self.is_partitioned and self.plan.tables[fk.table].changes is not None:
            idx = self._living_parents(fk, rows, key, lambda r, k: self._pick_parent(fk, r, k))
        else:
            idx = self._pick_parent(fk, rows, key)
        if fk.null_rate > 0:
            drop = rnd.uniform(key, rows, stream=1) < fk.null_rate
            null = drop if null is None else (null | drop)
        return idx, null

    def _unique_within_ref(self, fk: ForeignKey) -> bool:
        col = self.spec.columns.get(fk.columns[0]) if len(fk.columns) == 1 else None
        return col is not None and col.unique_within is not None

    def _pick_unique_within(self, fk: ForeignKey, rows: np.ndarray, key: int) -> np.ndarray:
        """A different parent for each sibling (a link table whose key is two references): the k-th child
        of group g takes parent permute((offset(g) + k) mod n) — distinct for the k < n children of a group,
        uniform over the parents, and no look-up."""
        n_parent = self.plan.tables[fk.table].n_rows
        group, position = self.layout.parent_of(rows)  # type: ignore[union-attr]
        if len(rows) and int(position.max()) >= n_parent:
            raise SchemaError([Issue(fk.location, f"{self.name}.{fk.name} (unique_within): a group has "
                                     f"{int(position.max()) + 1} rows but {fk.table!r} only {n_parent}, so "
                                     "the references of one group cannot all differ",
                                     suggestion=f"give the rows of {self.name!r} max: {n_parent}, or "
                                                f"{fk.table!r} more rows")])
        offset = rnd.bits(self.column_key(fk.name, "unique_within"), group) >> np.uint64(24)
        return rnd.permute((offset.astype(np.int64) + position) % max(n_parent, 1), max(n_parent, 1), key)

    def _pick_parent(self, fk: ForeignKey, rows: np.ndarray, key: int) -> np.ndarray:
        """A parent among all the rows of a table that does not grow."""
        n_parent = self.plan.tables[fk.table].n_rows
        if n_parent == 0 and len(rows):
            raise SchemaError([Issue(fk.location, f"{self.name} references {fk.table!r}, which has no rows",
                                     suggestion=f"give {fk.table!r} rows, or make the reference nullable")])
        return pick_rows(key, rows, n_parent, fk.skew)

    def existing_values(self, col: ColumnSpec, rows: np.ndarray) -> pa.Array:
        """A reference to existing rows: each row picks an index into the keys read from the database, as a
        child picks a parent row among ``len(keys)`` (uniform, or Zipf-skewed and scattered) — a pure
        function of (seed, table, column, row), so the same keys give the same values."""
        keys = self.plan.existing_keys(col, self.name)
        if len(keys) == 0:
            if not len(rows):
                return keys
            raise SchemaError([Issue(col.location, f"column {self.name}.{col.name} references existing rows "
                                     f"({col.existing}), but that column holds no key",
                                     suggestion="fill the existing table first, or reference another table")])
        idx = pick_rows(self.column_key(col.name, "existing"), rows, len(keys), col.existing.skew)  # type: ignore[union-attr]
        return keys.take(pa.array(idx))

    def _living_parents(self, fk: ForeignKey, rows: np.ndarray, key: int,
                        pick: Callable[[np.ndarray, int], np.ndarray]) -> np.ndarray:
        """``pick``, drawn again (with another key) for a row whose parent is deleted before the end of
        the row's partition window: a child never references a parent deleted before it. Deletes take at
        most half of a table's rows, so 64 rounds leave a row without a living parent with odds below 1e-19."""
        idx = pick(rows, key)
        parent = self.plan.tables[fk.table].changes
        if parent is None or parent.deletes is None:
            return idx
        end = self.plan.partitions.window_end_us(self.row_times(rows))  # type: ignore[union-attr]
        dead = np.flatnonzero(parent.deleted_us(idx) < end)
        for attempt in range(1, _REPICK_ROUNDS + 1):
            if not dead.size:
                return idx
            again = pick(rows[dead], rnd.derive_key(key, "living parent", attempt))
            idx[dead] = again
            dead = dead[parent.deleted_us(again) < end[dead]]
        raise ValueError(f"{self.name}.{fk.name}: found no parent in {fk.table!r} that lives past the row's "
                         f"partition after {_REPICK_ROUNDS} draws; lower the share of its deletes")

    def group_rows(self, fk: ForeignKey, rows: np.ndarray, fk_rows: FkRows) -> tuple[np.ndarray, np.ndarray]:
        """Row index of each row's group (``within:`` of ``fk``) in the group table, and where it is null:
        the rows' own reference named first in the path, then each further step's reference from the row
        the step before reached — row indices all the way, no key value is computed or looked up."""
        path = fk.within.path  # type: ignore[union-attr]
        hop = self.spec.fk_for_column(path[0])
        idx, null = fk_rows(hop)  # type: ignore[arg-type]
        null = np.zeros(len(rows), dtype=bool) if null is None else null
        for step in path[1:]:
            middle = self.plan.tables[hop.table]  # type: ignore[union-attr]
            hop = middle.spec.fk_for_column(step)
            safe = np.where(null, 0, idx) if null.any() else idx
            idx, more = middle.parent_rows(hop, safe)  # type: ignore[arg-type]
            if more is not None:
                null = null | more
        return np.where(null, 0, idx) if null.any() else idx, null

    def _pick_within(self, fk: ForeignKey, rows: np.ndarray, key: int,
                     fk_rows: FkRows) -> tuple[np.ndarray, np.ndarray]:
        """A parent among those of the row's group. The parent table is laid out per the group table, so
        the parents of group g are the rows [start(g), start(g) + count(g)) of its layout: the pick is an
        offset in that range (uniform, or Zipf-like with ``skew``, the popular offsets rotated per group).
        A group without parents gives a null (validation allows that only for a nullable reference).
        In a time-partitioned run a parent table that grows with its group has the same layout, its rows of
        group g created in g's partition: a child, never in an earlier partition than its group, finds
        them all. A reference to the table itself picks uniformly among the earlier rows of the row's own group; the
        first row of each group is a root (null)."""
        if fk.table == self.name:
            group, position = self.layout.parent_of(rows)  # type: ignore[union-attr]
            start, _ = self.layout.spans(group)  # type: ignore[union-attr]
            offset = np.minimum((rnd.uniform(key, rows) * position).astype(np.int64), np.maximum(position - 1, 0))
            return start + offset, position == 0
        group, null = self.group_rows(fk, rows, fk_rows)
        parent = self.plan.tables[fk.table]
        layout = parent.layout
        if layout is None:
            raise ValueError(f"{self.name}.{fk.name} is picked within a group of {fk.table!r}, but {fk.table!r} "
                             "is not laid out per its group table in this run")
        start, count = layout.spans(group)
        u = rnd.uniform(key, rows)
        safe = np.maximum(count, 1)
        if fk.skew is not None and fk.skew.name == "zipf":
            s = zipf_exponent(fk.skew)
            rotate = (rnd.bits(key, group, stream=4) % safe.astype(np.uint64)).astype(np.int64)
            offset = (_zipf_offset(u, s, safe) + rotate) % safe
        else:
            offset = np.minimum((u * safe).astype(np.int64), safe - 1)
        null = null | (count == 0)
        return np.where(null, 0, start + offset), null

    def _pick_existing_parent(self, fk: ForeignKey, rows: np.ndarray, key: int) -> np.ndarray:
        """A parent created before the end of this row's partition window: children of day D only see
        parents that exist by D. The time column later moves the child after the parent it picked."""
        parent = self.plan.tables[fk.table]
        end = self.plan.partitions.window_end_us(self.row_times(rows))  # type: ignore[union-attr]
        available = self._parents_before(parent, end)
        if (available == 0).any():
            raise ValueError(f"{self.name!r} has rows in a partition before {fk.table!r} has any row: "
                             f"raise {fk.table}'s rows_per_day or start the partitions later")
        u = rnd.uniform(key, rows)
        if fk.skew is not None and fk.skew.name == "zipf":
            s = zipf_exponent(fk.skew)
            rank = zipf_rank(u, s, int(available.max()))
            # Scatter popular ranks over the parents that exist (a hash, not a bijection: it only spreads skew).
            return (rnd.bits(key, rank, stream=3) % available.astype(np.uint64)).astype(np.int64)
        return np.minimum((u * available).astype(np.int64), available - 1)

    @staticmethod
    def _parents_before(parent: TablePlan, t_us: np.ndarray) -> np.ndarray:
        if parent.timeline is not None:
            return parent.timeline.first_row_at(t_us)
        uniq, inverse = np.unique(t_us, return_inverse=True)  # few distinct window ends per batch
        counts = np.array([parent.row_range(parent.plan.partitions.start_us, int(t))[1]  # type: ignore[union-attr]
                           for t in uniq], dtype=np.int64)
        return counts[inverse]


def zipf_exponent(skew: Distribution) -> float:
    """s of ``zipf(s)`` or ``zipf(s=…)`` (1.1 when not given)."""
    return float(skew.args[0]) if skew.args else float(dict(skew.kwargs).get("s", 1.1))


def pick_rows(key: int, rows: np.ndarray, n: int, skew: Distribution | None) -> np.ndarray:
    """For each row, an index in [0, n): uniform, or with ``skew: zipf(s)`` Zipf-ranked and scattered by a
    keyed permutation (so the popular indices are not simply the first ones)."""
    u = rnd.uniform_blocked(key, rows)
    if skew is not None and skew.name == "zipf":
        return rnd.permute(zipf_rank(u, zipf_exponent(skew), n), n, key)
    return np.minimum((u * n).astype(np.int64), n - 1)


class _Rows:
    """Column values for one set of row indices, computed on demand and memoised."""

    def __init__(self, table: TablePlan, rows: np.ndarray):
        self.table = table
        self.rows = rows
        self.values: dict[str, pa.Array] = {}
        self.parents: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self._children: tuple[np.ndarray, np.ndarray] | None = None
        self._siblings: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._event_times: np.ndarray | None = None

    def resolve(self, ref: str) -> pa.Array:
        head, _, attr = ref.partition(".")
        if not attr:
            return _decoded(self.get(head))
        fk = self.table._fk_by_column[head]
        idx, null = self.fk_rows(fk)
        parent = self.table.plan.tables[fk.table]
        if "." in attr:  # a chain (`doctor_id.department_id.base_fee`): the next hop starts at the parent rows
            values = _Rows(parent, idx).resolve(attr)
        else:
            values = _decoded(parent.compute(idx, [attr]).column(0))
        return _with_nulls(values, null)

    def fk_rows(self, fk: ForeignKey) -> tuple[np.ndarray, np.ndarray | None]:
        if fk.name not in self.parents:
            self.parents[fk.name] = self.table.parent_rows(fk, self.rows, self.fk_rows)
        return self.parents[fk.name]

    def child_index(self) -> np.ndarray:
        if self.table.layout is None:
            raise ValueError(f"child_index needs a table with rows: {{per: …}} ({self.table.name!r} has none)")
        return self.table.layout.parent_of(self.rows)[1]

    def siblings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(parent row, 0-based position among its siblings, number of siblings) of each row."""
        if self.table.layout is None:
            raise ValueError(f"sibling values need a table with rows: {{per: …}} ({self.table.name!r} has none)")
        if self._siblings is None:
            parent, position = self.table.layout.parent_of(self.rows)
            self._siblings = parent, position, self.table.layout.spans(parent)[1]
        return self._siblings

    def unique_within_rows(self, col: ColumnSpec) -> np.ndarray:
        """A random offset of the parent plus the row's position among its siblings: consecutive (mod any
        capacity n) within a parent, so a bijection of it keeps the values of one parent's rows distinct
        while the parent has at most n children."""
        parent, position, _ = self.siblings()
        offset = rnd.bits(self.table.column_key(col.name, "unique_within"), parent) >> np.uint64(24)
        return offset.astype(np.int64) + position

    def get(self, name: str) -> pa.Array:
        if name in self.values:
            return self.values[name]
        try:
            return self._get(name)
        except SchemaError:
            raise
        except Exception as exc:
            if not hasattr(exc, "mock_column"):  # the innermost column: the one whose own values failed
                try:
                    exc.mock_column = (self.table.name, name)  # type: ignore[attr-defined]
                except AttributeError:
                    pass
            raise

    def _get(self, name: str) -> pa.Array:
        col = self.table.spec.column(name)
        if col is None:
            raise KeyError(name)
        part = self.table.spec.partitioned
        if self.table.is_partitioned and part is not None and part.time_column == name:
            values = self._creation_times()
        else:
            values = self._generate(col)
        if pa.types.is_null(values.type) and arrow_type(col.type) is None:
            raise SchemaError([Issue(col.location, f"column {self.table.name}.{name} is null on every row, so its "
                                     "type cannot be inferred", expected="a declared type",
                                     suggestion="give the column a type, e.g. `type: string`")])
        if col.max_length is not None and col.kind != "ref":  # a reference holds its parent's (fitting) keys
            values = cut_to_length(values, col.max_length)
        if col.null_rate > 0 and col.kind != "ref":
            drop = rnd.uniform(self.table.column_key(name, "null"), self.rows) < col.null_rate
            values = _with_nulls(values, drop)
        values = cast_to(values, col.type)
        self.values[name] = values
        return values

    def _creation_times(self) -> pa.Array:
        """The time column of a partitioned table: see :meth:`event_times`."""
        return pa.array(self.event_times().astype("datetime64[us]"), type=pa.timestamp("us"))

    def event_times(self) -> np.ndarray:
        """The row's creation time, moved after every partitioned parent it references (still inside its
        window: the parent exists before the window ends). A parent's time is its own moved time, so a
        child is never earlier than the parent's time column as written."""
        if self._event_times is not None:
            return self._event_times
        t = self.table.row_times(self.rows)
        for fk in self.table.spec.foreign_keys:
            parent = self.table.plan.tables[fk.table]
            if fk.table == self.table.name or not parent.is_partitioned or (
                    fk is self.table.spec.grouping_fk and self.table.layout is not None):
                continue
            idx, null = self.fk_rows(fk)
            parent_t = parent.event_times(idx)
            if null is not None:
                parent_t = np.where(null, t, parent_t)
            t = np.maximum(t, parent_t)
        self._event_times = t
        return t

    def _generate(self, col: ColumnSpec) -> pa.Array:
        table = self.table
        if col.kind == "ref":
            fk = table._fk_by_column[col.name]
            idx, null = self.fk_rows(fk)
            ref_col = fk.ref_columns[fk.columns.index(col.name)]
            values = table.plan.tables[fk.table].compute(idx, [ref_col]).column(0)
            return _with_nulls(values, null)
        if col.kind == "existing":
            return table.existing_values(col, self.rows)
        if col.kind == "sum":
            return sum_of_children(table, col, self.rows)
        if col.kind == "expr":
            target = arrow_type(col.type) if col.type_given else None
            scale = target.scale if target is not None and pa.types.is_decimal(target) else None
            return parse_expression(col.expr).evaluate(  # type: ignore[arg-type]
                self.resolve, len(self.rows), scale)
        if col.kind == "template":
            return parse_template(col.template).render(  # type: ignore[arg-type]
                self.resolve, self.rows, table.column_key(col.name), table.plan.locale)
        gen = registry.get(col.generator)  # type: ignore[arg-type]
        ctx = registry.GenContext(
            rows=self.rows, key=table.column_key(col.name), locale=table.plan.locale, unique=col.unique,
            table_rows=None if table.is_partitioned else table.n_rows, table_key=table.key, resolve=self.resolve,
            extra={"child_index": self.child_index, "siblings": self.siblings},
        )
        if col.unique_within and not col.unique and gen.name != "child_index":
            ctx.unique, ctx.unique_rows = True, self.unique_within_rows(col)
        out = gen(ctx, **col.params)
        if len(out) != len(self.rows):
            raise RuntimeError(f"generator {gen.name} returned {len(out)} values for {len(self.rows)} rows")
        return out


def _zipf_offset(u: np.ndarray, s: float, n: np.ndarray) -> np.ndarray:
    """Offsets in [0, n) (``n`` per row) with P(k) close to (k+1)^-s: the inverse of the continuous density
    x^-s over [0.5, n + 0.5), rounded (a rank k covers [k + 0.5, k + 1.5)). A closed form per row, so each
    group gets its own truncation without tables."""
    a = 0.5
    top = n.astype(np.float64) + 0.5
    if abs(s - 1.0) < 1e-12:
        x = a * np.exp(u * np.log(top / a))
    else:
        lo, hi = a ** (1 - s), top ** (1 - s)
        x = (lo + u * (hi - lo)) ** (1 / (1 - s))
    return np.clip(np.floor(x + 0.5).astype(np.int64) - 1, 0, n - 1)


SUM_CHILDREN_PER_PASS = 1_048_576  # child values generated at once while summing (bounds memory)


def sum_of_children(parent: TablePlan, col: ColumnSpec, rows: np.ndarray) -> pa.Array:
    """``sum_of: child.column`` for parent ``rows``: the children of parent p are the contiguous child rows
    ``[child_start(p), child_start(p) + count(p))``, so their values are generated here for those ranges (no
    look-up, nothing loaded) and added up per parent, left to right. Nulls count as 0; no children give 0.

    Integers and decimals are added exactly (decimals as integer multiples of their scale), floats in child
    order, so a parent's sum is the same whatever the chunk size or the parent rows asked for with it.
    """
    child_name, child_col = col.sum_of  # type: ignore[misc]
    child = parent.plan.tables[child_name]
    layout = child.layout
    if layout is None or layout.parent is not parent:
        raise ValueError(f"{parent.name}.{col.name} sums {child_name}.{child_col}, but {child_name!r} is not laid "
                         f"out per {parent.name!r} row in this run (rows fixed by an override, or growing at "
                         "its own rate)")
    starts, counts = layout.spans(rows)
    value_type = child.value_type(child_col)
    if pa.types.is_dictionary(value_type):
        value_type = value_type.value_type
    if not (pa.types.is_integer(value_type) or pa.types.is_floating(value_type) or pa.types.is_decimal(value_type)):
        raise ValueError(f"{parent.name}.{col.name} sums {child_name}.{child_col}, which holds {value_type}, not "
                         "numbers")
    scale = value_type.scale if pa.types.is_decimal(value_type) else None
    exact = pa.types.is_integer(value_type) or scale is not None
    totals = np.zeros(len(rows), dtype=np.int64 if exact else np.float64)
    lo = 0
    while lo < len(rows):  # parents in groups of at most SUM_CHILDREN_PER_PASS children (at least one parent)
        cum = np.cumsum(counts[lo:])
        hi = lo + max(1, int(np.searchsorted(cum, SUM_CHILDREN_PER_PASS, side="right")))
        totals[lo:hi] = _add_children(child, child_col, starts[lo:hi], counts[lo:hi], scale, totals.dtype)
        lo = hi
    if scale is not None:
        return pa.array(totals / 10.0 ** scale) if col.type.name is not LogicalType.AUTO else \
            cast_to(pa.array(totals / 10.0 ** scale), ColumnType(LogicalType.DECIMAL, value_type.precision, scale))
    return pa.array(totals)


def _add_children(child: TablePlan, column: str, starts: np.ndarray, counts: np.ndarray, scale: int | None,
                  dtype: np.dtype) -> np.ndarray:
    """Per parent, the sum of ``column`` over its children (child rows ``starts[i] + 0 … counts[i]-1``)."""
    total = int(counts.sum())
    out = np.zeros(len(starts), dtype=dtype)
    if total == 0:
        return out
    offsets = np.cumsum(counts) - counts  # where each parent's children begin in the generated run
    child_rows = np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)
    values = _decoded(child.compute(child_rows, [column]).column(0))
    if scale is not None:  # exact: integer multiples of 10^-scale
        values = pc.round(pc.multiply(pc.cast(values, pa.float64()), 10.0 ** scale))
    numbers = pc.fill_null(values, 0).to_numpy(zero_copy_only=False).astype(dtype)
    for k in range(int(counts.max())):  # the k-th child of every parent at once: left to right, per parent
        has = counts > k
        out[has] += numbers[offsets[has] + k]
    return out


def _decoded(values: pa.Array) -> pa.Array:
    """Plain values for expressions and generators that read another column."""
    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


def _with_nulls(values: pa.Array, null: np.ndarray | None) -> pa.Array:
    if null is None or not null.any():
        return values
    return pc.if_else(pa.array(null), pa.nulls(len(values), values.type), values)


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)``, in one pass when ``values`` are already in order (the
    blocks of consecutive rows, the usual case) instead of a sort or a hash table."""
    if len(values) and bool(np.all(values[1:] >= values[:-1])):
        starts = np.empty(len(values), dtype=bool)
        starts[0] = True
        np.not_equal(values[1:], values[:-1], out=starts[1:])
        return values[starts], np.cumsum(starts) - 1
    return np.unique(values, return_inverse=True)


class ChildLayout:
    """Rows of a children-per-parent table, laid out parent after parent.

    ``counts(p)`` is a pure function of the parent index. One pass computes the number of children of each
    block of 4,096 parents; the prefix sums of those block totals (8 bytes per block) locate the parent of
    any child row by recomputing counts inside just the blocks that row range touches.
    """

    def __init__(self, child: TablePlan, parent: TablePlan, n_parents: int | None):
        self.child = child
        self.parent = parent
        self.n_parents = n_parents  # None: a growing (time-partitioned) parent, blocks added on demand
        rows = child.spec.rows
        self.key = child.column_key("__rows_per_parent__", "count")
        self.dist = rows.count
        self.lo, self.hi = rows.min, rows.max
        self.block_ends = np.zeros(0, dtype=np.int64)
        self.block_starts = np.zeros(0, dtype=np.int64)
        # A count expression computes parent columns: the counts of the blocks used last are kept (at most
        # _CACHED_BLOCKS × 4,096 counts), so the batches of a child table do not recompute them.
        self._cache: OrderedDict[int, np.ndarray] | None = (
            OrderedDict() if self.dist is not None and self.dist.name == COUNT_EXPRESSION else None)
        if n_parents is not None:
            self._extend(math.ceil(n_parents / _BLOCK))
            self.n_rows = int(self.block_ends[-1]) if len(self.block_ends) else 0

    def _parent_counts(self, parents: np.ndarray) -> np.ndarray:
        if self._cache is not None and len(parents):
            return self._cached_counts(parents)
        return self._uncached_counts(parents)

    def _cached_counts(self, parents: np.ndarray) -> np.ndarray:
        blocks = np.unique(parents // _BLOCK)
        cache = self._cache
        missing = np.array([b for b in blocks.tolist() if b not in cache], dtype=np.int64)  # type: ignore[operator]
        if len(missing):
            ids = (missing[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]).ravel()
            fresh = self._uncached_counts(ids).reshape(len(missing), _BLOCK)
            for b, c in zip(missing.tolist(), fresh, strict=True):
                cache[b] = c  # type: ignore[index]
        table = np.stack([cache[b] for b in blocks.tolist()])  # type: ignore[index]
        for b in blocks.tolist():
            cache.move_to_end(b)  # type: ignore[union-attr]
        while len(cache) > max(_CACHED_BLOCKS, len(blocks)):  # type: ignore[arg-type]
            cache.popitem(last=False)  # type: ignore[union-attr]
        return table[np.searchsorted(blocks, parents // _BLOCK), parents % _BLOCK]

    def _uncached_counts(self, parents: np.ndarray) -> np.ndarray:
        counts = np.zeros(len(parents), dtype=np.int64)
        valid = parents < self.n_parents if self.n_parents is not None else slice(None)
        counts[valid] = self.counts(parents[valid])
        return counts

    def _extend(self, n_blocks: int) -> None:
        """Compute block totals up to ``n_blocks`` blocks (one pass, ~1M parents at a time)."""
        have = len(self.block_ends)
        if n_blocks <= have:
            return
        totals = np.zeros(n_blocks - have, dtype=np.int64)
        for b0 in range(have, n_blocks, 256):
            b1 = min(n_blocks, b0 + 256)
            parents = np.arange(b0 * _BLOCK, b1 * _BLOCK, dtype=np.int64)
            totals[b0 - have:b1 - have] = self._parent_counts(parents).reshape(b1 - b0, _BLOCK).sum(axis=1)
        offset = int(self.block_ends[-1]) if have else 0
        ends = offset + np.cumsum(totals)
        self.block_ends = np.concatenate([self.block_ends, ends])
        self.block_starts = np.concatenate([self.block_starts, ends - totals])

    def child_start(self, parent: int) -> int:
        """Index of the first child row of ``parent`` (= number of children of all earlier parents)."""
        block = parent // _BLOCK
        self._extend(block + 1)
        first = block * _BLOCK
        before = self._parent_counts(np.arange(first, parent, dtype=np.int64)).sum() if parent > first else 0
        return int(self.block_starts[block] + before)

    def counts(self, parents: np.ndarray) -> np.ndarray:
        if self.dist is not None and self.dist.name == COUNT_EXPRESSION:
            c = self._expression_counts(parents)
        else:
            c = draw_counts(self.dist, self.key, parents)
        return np.clip(c, self.lo, self.hi if self.hi is not None else None)

    def _expression_counts(self, parents: np.ndarray) -> np.ndarray:
        """A count expression: the parent's columns (computed for these parents with the parent's own
        generators) choose a branch, the branch's term computes the count (a branch that is one distribution
        draws it). One key for every branch: a parent draws from one."""
        expr = parse_count_expression(str(self.dist.args[0]))  # type: ignore[union-attr]
        n = len(parents)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        rows = _Rows(self.parent, parents)
        if not expr.conditional:
            return self._term_counts(expr.terms[0], parents, rows, None)
        branch = parse_expression(expr.selector).evaluate(rows.resolve, n)
        branch = pc.fill_null(pc.cast(branch, pa.int64()), -1).to_numpy(zero_copy_only=False)
        counts = np.zeros(n, dtype=np.int64)
        for k, term in enumerate(expr.terms):
            chosen = branch == k
            if chosen.all():
                return self._term_counts(term, parents, rows, None)
            if chosen.any():
                counts[chosen] = self._term_counts(term, parents[chosen], rows, chosen)
        return counts

    def _term_counts(self, term: CountTerm, parents: np.ndarray, rows: _Rows, chosen: np.ndarray | None) -> np.ndarray:
        plain = term.plain
        if plain is not None:
            return draw_counts(plain, self.key, parents)

        def column(ref: str) -> np.ndarray:
            values = pc.cast(rows.resolve(ref), pa.float64()).to_numpy(zero_copy_only=False)
            return values if chosen is None else values[chosen]
        return term.evaluate(self.key, parents, column)

    def spans(self, parents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first child row, number of children) of each parent, vectorised: counts are recomputed only in
        the blocks of 4,096 parents the given parents fall in."""
        parents = np.asarray(parents, dtype=np.int64)
        starts = np.zeros(len(parents), dtype=np.int64)
        counts = np.zeros(len(parents), dtype=np.int64)
        if len(parents) == 0:
            return starts, counts
        if parents.min() < 0:
            raise IndexError(f"negative parent row for {self.child.name!r}")
        blocks = parents // _BLOCK
        self._extend(int(blocks.max()) + 1)
        unique_blocks, which = _unique_inverse(blocks)
        for g0 in range(0, len(unique_blocks), 256):
            group = unique_blocks[g0:g0 + 256]
            ids = (group[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]).ravel()
            c = self._parent_counts(ids).reshape(len(group), _BLOCK)
            first = np.cumsum(c, axis=1) - c + self.block_starts[group][:, None]
            mask = (which >= g0) & (which < g0 + len(group))
            g, pos = which[mask] - g0, parents[mask] % _BLOCK
            starts[mask], counts[mask] = first[g, pos], c[g, pos]
        return starts, counts

    def parent_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(parent index, 0-based position among that parent's children) for each child row."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if self.n_parents is None:
            while not len(self.block_ends) or self.block_ends[-1] <= rows.max():
                self._extend(len(self.block_ends) + 256)
        elif rows.min() < 0 or rows.max() >= self.n_rows:
            raise IndexError(f"row outside {self.child.name!r} (0..{self.n_rows - 1})")
        if rows.min() < 0:
            raise IndexError(f"negative row in {self.child.name!r}")
        blocks = np.searchsorted(self.block_ends, rows, side="right")
        parent = np.empty(len(rows), dtype=np.int64)
        position = np.empty(len(rows), dtype=np.int64)
        unique_blocks = _unique_inverse(blocks)[0]
        for g0 in range(0, len(unique_blocks), 256):
            group = unique_blocks[g0:g0 + 256]
            parents = (group[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]).ravel()
            counts = self._parent_counts(parents)
            ends = np.cumsum(counts.reshape(len(group), _BLOCK), axis=1) + self.block_starts[group][:, None]
            ends = ends.ravel()
            mask = (blocks >= group[0]) & (blocks <= group[-1]) if len(unique_blocks) > 256 else slice(None)
            sub = rows[mask]
            pos = np.searchsorted(ends, sub, side="right")
            parent[mask] = parents[pos]
            position[mask] = sub - (ends[pos] - counts[pos])
        return parent, position


@dataclass
class TableSlice:
    """Rows [lo, hi) of one table, generated lazily: what the Dagster layer hands to IO managers.

    Nothing is generated until :meth:`batches` is iterated, so writers stream it in bounded memory.
    """

    table: TablePlan
    lo: int
    hi: int
    chunk_size: int = DEFAULT_CHUNK_SIZE
    partition_key: str | None = None

    @property
    def dataset(self) -> str:
        return self.table.plan.spec.name

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def num_rows(self) -> int:
        return max(0, self.hi - self.lo)

    @property
    def schema(self) -> pa.Schema:
        return self.table.written_schema

    def batches(self) -> Iterator[pa.RecordBatch]:
        return self.table.batches(self.lo, self.hi, self.chunk_size)

    def head(self, n: int = 5) -> pa.Table:
        return self.table.to_table(self.lo, min(self.hi, self.lo + n))
