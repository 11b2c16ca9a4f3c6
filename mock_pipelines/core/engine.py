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

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import registry
from mock_pipelines.core.expressions import parse_expression, parse_template
from mock_pipelines.core.generators.numeric import poisson_from_uniform, zipf_rank
from mock_pipelines.schema.errors import Issue, SchemaError
from mock_pipelines.schema.model import ColumnSpec, ColumnType, DatasetSpec, ForeignKey, TableSpec

DEFAULT_CHUNK_SIZE = 262_144
_BLOCK = 4096  # parents per prefix-sum block of a children-per-parent layout


def arrow_type(t: ColumnType) -> pa.DataType | None:
    return {
        "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "string": pa.string(),
        "date": pa.date32(), "timestamp": pa.timestamp("us"), "uuid": pa.string(), "json": pa.string(),
    }.get(t.name) or (pa.decimal128(t.precision or 18, t.scale or 2) if t.name == "decimal" else None)


def cast_to(values: pa.Array, t: ColumnType) -> pa.Array:
    target = arrow_type(t)
    if pa.types.is_dictionary(values.type) and (target is None or values.type.value_type == target):
        return values  # dictionary-encoded strings stay encoded: cheaper to build, to write and to store
    if target is None or values.type == target:
        return values
    if pa.types.is_decimal(target):
        rounded = pc.round(pc.cast(values, pa.float64()), ndigits=t.scale or 0)
        try:
            return pc.cast(rounded, target)
        except pa.ArrowInvalid:
            top = pc.max(pc.abs(rounded)).as_py()
            raise ValueError(f"value {top} does not fit {t}: raise the precision or bound the values "
                             "(min/max)") from None
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


class DatasetPlan:
    """A dataset ready to generate: the spec plus seed, scale and locale."""

    def __init__(self, spec: DatasetSpec, options: PlanOptions | None = None):
        options = options or PlanOptions()
        self.spec = spec
        self.seed = spec.seed if options.seed is None else options.seed
        self.scale = options.scale
        self.locale = options.locale or spec.locale
        self.row_overrides = options.rows or {}
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
                                     suggestion=registry.suggest(sorted(unknown)[0], spec.tables))])
        self.tables = {name: TablePlan(self, t) for name, t in spec.tables.items()}

    def table(self, name: str) -> TablePlan:
        return self.tables[name]

    def order(self) -> list[str]:
        return self.spec.table_order()

    def check(self) -> None:
        """Checks that need row counts (uniqueness capacity). Raises SchemaError before any output."""
        issues: list[Issue] = []
        for name in self.order():
            issues.extend(self.tables[name].capacity_issues())
        if issues:
            raise SchemaError(issues)


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
    def layout(self) -> ChildLayout | None:
        if self.spec.rows.per is None or self.name in self.plan.row_overrides:
            return None
        return ChildLayout(self, self.plan.tables[self.spec.rows.per])

    @cached_property
    def n_rows(self) -> int:
        if self.name in self.plan.row_overrides:
            return int(self.plan.row_overrides[self.name])
        if self.layout is not None:
            return self.layout.n_rows
        fixed = self.spec.rows.fixed or 0
        return 0 if fixed == 0 else max(1, round(fixed * self.plan.scale))

    def capacity_issues(self) -> list[Issue]:
        issues = []
        for col in self.spec.columns.values():
            if not col.unique or not col.generator:
                continue
            gen = registry.get(col.generator)
            cap = gen.capacity(col.params, self.plan.locale) if gen.capacity else None
            if cap is not None and cap < self.n_rows:
                issues.append(Issue(col.location, f"column {self.name}.{col.name} asks for {self.n_rows:,} unique "
                                    f"values but {gen.name!r} has only {cap:,} distinct values "
                                    f"(locale {self.plan.locale})",
                                    suggestion="drop unique, lower the row count, or use a template with "
                                               "{_unique} / a generator with a larger range"))
        return issues

    # -- generation ---------------------------------------------------------------------------------
    @cached_property
    def arrow_schema(self) -> pa.Schema:
        # An empty table has no row 0 to probe (a per-parent layout has no parent for it): evaluate the
        # columns over zero rows instead, which yields the same types.
        return self.compute(np.zeros(0 if self.n_rows == 0 else 1, dtype=np.int64)).schema

    def compute(self, rows: np.ndarray, columns: list[str] | None = None) -> pa.RecordBatch:
        """Columns (default: all, in declared order) for arbitrary global row indices."""
        batch = _Rows(self, np.asarray(rows, dtype=np.int64))
        names = columns or list(self.spec.columns)
        return pa.RecordBatch.from_arrays([batch.get(n) for n in names], names=names)

    def batches(self, start: int = 0, stop: int | None = None,
                chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pa.RecordBatch]:
        """Rows [start, stop) as record batches of at most ``chunk_size`` rows."""
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
    def parent_rows(self, fk: ForeignKey, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Parent row index for each row, and a mask of rows whose reference is null (or None)."""
        key = self.column_key(fk.name, "fk")
        null = None
        if fk.table == self.name:
            # A tree: row i points at an earlier row, so no cycle is possible; row 0 is the root.
            idx = rnd.integers(key, rows, np.maximum(rows, 1))
            null = rows == 0
        elif self.layout is not None and fk is self.spec.grouping_fk:
            idx, _ = self.layout.parent_of(rows)
        else:
            n_parent = self.plan.tables[fk.table].n_rows
            if n_parent == 0 and len(rows):
                raise SchemaError([Issue(fk.location, f"{self.name} references {fk.table!r}, which has no rows",
                                         suggestion=f"give {fk.table!r} rows, or make the reference nullable")])
            u = rnd.uniform(key, rows)
            if fk.skew is not None and fk.skew.name == "zipf":
                s = float((fk.skew.args or (1.1,))[0]) if fk.skew.args else float(dict(fk.skew.kwargs).get("s", 1.1))
                idx = rnd.permute(zipf_rank(u, s, n_parent), n_parent, key)
            else:
                idx = np.minimum((u * n_parent).astype(np.int64), n_parent - 1)
        if fk.null_rate > 0:
            drop = rnd.uniform(key, rows, stream=1) < fk.null_rate
            null = drop if null is None else (null | drop)
        return idx, null


class _Rows:
    """Column values for one set of row indices, computed on demand and memoised."""

    def __init__(self, table: TablePlan, rows: np.ndarray):
        self.table = table
        self.rows = rows
        self.values: dict[str, pa.Array] = {}
        self.parents: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self._children: tuple[np.ndarray, np.ndarray] | None = None

    def resolve(self, ref: str) -> pa.Array:
        head, _, attr = ref.partition(".")
        if not attr:
            return _decoded(self.get(head))
        fk = self.table._fk_by_column[head]
        idx, null = self.fk_rows(fk)
        parent = self.table.plan.tables[fk.table]
        values = _decoded(parent.compute(idx, [attr]).column(0))
        return _with_nulls(values, null)

    def fk_rows(self, fk: ForeignKey) -> tuple[np.ndarray, np.ndarray | None]:
        if fk.name not in self.parents:
            self.parents[fk.name] = self.table.parent_rows(fk, self.rows)
        return self.parents[fk.name]

    def child_index(self) -> np.ndarray:
        if self.table.layout is None:
            raise ValueError(f"child_index needs a table with rows: {{per: …}} ({self.table.name!r} has none)")
        return self.table.layout.parent_of(self.rows)[1]

    def get(self, name: str) -> pa.Array:
        if name in self.values:
            return self.values[name]
        col = self.table.spec.columns[name]
        values = self._generate(col)
        if col.null_rate > 0 and col.kind != "ref":
            drop = rnd.uniform(self.table.column_key(name, "null"), self.rows) < col.null_rate
            values = _with_nulls(values, drop)
        values = cast_to(values, col.type)
        self.values[name] = values
        return values

    def _generate(self, col: ColumnSpec) -> pa.Array:
        table = self.table
        if col.kind == "ref":
            fk = table._fk_by_column[col.name]
            idx, null = self.fk_rows(fk)
            ref_col = fk.ref_columns[fk.columns.index(col.name)]
            values = table.plan.tables[fk.table].compute(idx, [ref_col]).column(0)
            return _with_nulls(values, null)
        if col.kind == "expr":
            return parse_expression(col.expr).evaluate(self.resolve, len(self.rows))  # type: ignore[arg-type]
        if col.kind == "template":
            return parse_template(col.template).render(  # type: ignore[arg-type]
                self.resolve, self.rows, table.column_key(col.name))
        gen = registry.get(col.generator)  # type: ignore[arg-type]
        ctx = registry.GenContext(
            rows=self.rows, key=table.column_key(col.name), locale=table.plan.locale, unique=col.unique,
            table_rows=table.n_rows, table_key=table.key, resolve=self.resolve,
            extra={"child_index": self.child_index},
        )
        out = gen(ctx, **col.params)
        if len(out) != len(self.rows):
            raise RuntimeError(f"generator {gen.name} returned {len(out)} values for {len(self.rows)} rows")
        return out


def _decoded(values: pa.Array) -> pa.Array:
    """Plain values for expressions and generators that read another column."""
    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


def _with_nulls(values: pa.Array, null: np.ndarray | None) -> pa.Array:
    if null is None or not null.any():
        return values
    return pc.if_else(pa.array(null), pa.nulls(len(values), values.type), values)


class ChildLayout:
    """Rows of a children-per-parent table, laid out parent after parent.

    ``counts(p)`` is a pure function of the parent index. One pass computes the number of children of each
    block of 4,096 parents; the prefix sums of those block totals (8 bytes per block) locate the parent of
    any child row by recomputing counts inside just the blocks that row range touches.
    """

    def __init__(self, child: TablePlan, parent: TablePlan):
        self.child = child
        self.parent = parent
        self.n_parents = parent.n_rows
        rows = child.spec.rows
        self.key = child.column_key("__rows_per_parent__", "count")
        self.dist = rows.count
        self.lo, self.hi = rows.min, rows.max
        n_blocks = math.ceil(self.n_parents / _BLOCK)
        totals = np.zeros(n_blocks, dtype=np.int64)
        step = 256  # blocks per pass: ~1M parents, bounded memory at any scale
        for b0 in range(0, n_blocks, step):
            b1 = min(n_blocks, b0 + step)
            parents = np.arange(b0 * _BLOCK, min(b1 * _BLOCK, self.n_parents), dtype=np.int64)
            counts = self.counts(parents)
            padded = np.zeros((b1 - b0) * _BLOCK, dtype=np.int64)
            padded[: len(counts)] = counts
            totals[b0:b1] = padded.reshape(b1 - b0, _BLOCK).sum(axis=1)
        self.block_ends = np.cumsum(totals)
        self.block_starts = self.block_ends - totals
        self.n_rows = int(self.block_ends[-1]) if n_blocks else 0

    def counts(self, parents: np.ndarray) -> np.ndarray:
        d = self.dist
        args = list(d.args) if d else [1]
        kw = dict(d.kwargs) if d else {}
        name = d.name if d else "constant"
        if name == "constant":
            c = np.full(len(parents), int(args[0]), dtype=np.int64)
        elif name in ("uniform", "integer"):
            lo = int(args[0] if args else kw.get("min", 0))
            hi = int(args[1] if len(args) > 1 else kw.get("max", lo))
            c = lo + rnd.integers(self.key, parents, hi - lo + 1)
        elif name == "poisson":
            c = poisson_from_uniform(rnd.uniform(self.key, parents), float(args[0] if args else kw.get("lam", 1)))
        elif name == "zipf":
            s = float(args[0] if args else kw.get("s", 1.2))
            n = int(args[1] if len(args) > 1 else kw.get("n", 100))
            c = 1 + zipf_rank(rnd.uniform(self.key, parents), s, n)
        elif name == "normal":
            mean = float(args[0] if args else kw.get("mean", 1))
            std = float(args[1] if len(args) > 1 else kw.get("std", 1))
            c = np.round(mean + std * rnd.standard_normal(self.key, parents)).astype(np.int64)
        elif name == "lognormal":
            mean = float(args[0] if args else kw.get("mean", 0))
            sigma = float(args[1] if len(args) > 1 else kw.get("sigma", 1))
            c = np.round(np.exp(mean + sigma * rnd.standard_normal(self.key, parents))).astype(np.int64)
        elif name == "exponential":
            scale = float(args[0] if args else kw.get("scale", 1))
            c = np.round(-scale * np.log(rnd.uniform_open(self.key, parents))).astype(np.int64)
        else:  # validation restricts the names; keep a loud failure for a new name without support
            raise ValueError(f"unsupported count distribution {name!r}")
        return np.clip(c, self.lo, self.hi if self.hi is not None else None)

    def parent_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(parent index, 0-based position among that parent's children) for each child row."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if rows.min() < 0 or rows.max() >= self.n_rows:
            raise IndexError(f"row outside {self.child.name!r} (0..{self.n_rows - 1})")
        blocks = np.searchsorted(self.block_ends, rows, side="right")
        parent = np.empty(len(rows), dtype=np.int64)
        position = np.empty(len(rows), dtype=np.int64)
        unique_blocks = np.unique(blocks)
        for g0 in range(0, len(unique_blocks), 256):
            group = unique_blocks[g0:g0 + 256]
            parents = (group[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]).ravel()
            valid = parents < self.n_parents
            counts = np.zeros(len(parents), dtype=np.int64)
            counts[valid] = self.counts(parents[valid])
            ends = np.cumsum(counts.reshape(len(group), _BLOCK), axis=1) + self.block_starts[group][:, None]
            ends = ends.ravel()
            mask = (blocks >= group[0]) & (blocks <= group[-1]) if len(unique_blocks) > 256 else slice(None)
            sub = rows[mask]
            pos = np.searchsorted(ends, sub, side="right")
            parent[mask] = parents[pos]
            position[mask] = sub - (ends[pos] - counts[pos])
        return parent, position
