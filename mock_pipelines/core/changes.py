"""Rows that live after they are inserted: updates, deletes and late events as pure functions of time.

The state of row ``i`` of a table at time ``t`` is a pure function of (seed, table, ``i``, ``t``): nothing is
carried from one partition to the next, so any day can be generated, regenerated or backfilled alone and
agrees with a run that replayed every day.

* Each rule of ``changes.updates`` gives every row its own sequence of change events. Event ``k`` of row
  ``i`` comes a drawn gap after event ``k-1`` (the first after the row's creation); the gap, the next
  state of a state machine and the factor of a drift are draws keyed by (rule, ``i``, ``k``). The state at
  ``t`` walks the events up to ``t``: its cost is the number of events, never the number of days.
* A redraw computes the rule's columns again for a *virtual row* — the row index with the rule and the
  change number in its high bits — so the new values come from the columns' own generators (an address
  moves as a whole: city, state and zip from one draw), while every other column keeps the row's values.
  Expressions and templates that read a changed column follow it.
* A share of the rows is deleted a drawn time after creation (soft: a timestamp column is set; hard: the
  row is gone); a row has no change events after its delete. ``parent_deletes: cascade`` deletes a row
  with the parent it references.
* A share of the events reaches the change log late (a drawn delay up to ``max_days``): the log of a
  window holds the events that *arrive* in it, each with its true event time.

Three outputs read the same states: the change log of a window (one row per insert, update and delete,
after image plus the before values of every column that can change), the snapshot as of a time (what a
nightly full extract gives) and the SCD2 history as of a time (one row per version with ``valid_from``,
``valid_to``, ``is_current``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core.column_facts import column_refs
from mock_pipelines.core.engine import DEFAULT_CHUNK_SIZE, _Rows, cast_to
from mock_pipelines.core.timeline import US_PER_DAY, window_start_us
from mock_pipelines.spec.model import (
    CHANGE_OUTPUTS,
    MAX_CHANGE_RULES,
    MAX_CHANGES_PER_ENTITY,
    ColumnChange,
    DeleteSpec,
    Distribution,
    ForeignKey,
)

if TYPE_CHECKING:
    from mock_pipelines.core.engine import TablePlan

NEVER = np.iinfo(np.int64).max  # the delete time of a row that is never deleted
MAX_DAYS = 1_000_000.0  # a drawn duration is cut here, so event times never overflow
_VIRTUAL_SHIFT = 42  # row indices stay below 2**42 (MOCK_PIPELINES_MAX_ROWS is at most 10**12)
_CHANGE_BITS = 15  # change numbers below 2**15 (MAX_CHANGES_PER_ENTITY is 10,000)
MAX_RULES = MAX_CHANGE_RULES
# A virtual row (rule and change number above the row index) stays a positive int64.
assert (MAX_RULES << _CHANGE_BITS) << _VIRTUAL_SHIFT <= 1 << 62 and MAX_CHANGES_PER_ENTITY < 1 << _CHANGE_BITS
INSERT, UPDATE, DELETE = "c", "u", "d"  # the change log's __op, as Debezium writes it

# The columns the change outputs add (a table with `changes:` may not have columns of these names).
LOG_PREFIX = "__"
OP, EVENT_TS, ARRIVED_TS, CHANGED = (LOG_PREFIX + n for n in ("op", "event_ts", "arrived_ts", "changed"))
BEFORE = LOG_PREFIX + "before_"
VALID_FROM, VALID_TO, IS_CURRENT = "valid_from", "valid_to", "is_current"
LOG, SNAPSHOT, HISTORY, LIVE = CHANGE_OUTPUTS  # the outputs, as table-name suffixes
OUTPUTS = (LOG, SNAPSHOT, HISTORY)  # the outputs landed as tables (live is applied in place)
_TS = pa.timestamp("us")


def output_table(table: str, output: str) -> str:
    """The name an output of ``table`` lands under: ``orders__changes``, ``orders__snapshot``, …"""
    return f"{table}__{output}"


def draw(dist: Distribution, key: int, rows: np.ndarray, stream: int) -> np.ndarray:
    """One draw of ``dist`` per row, a pure function of (key, row, stream)."""
    args = [float(a) for a in dist.args] or [float(v) for _, v in dist.kwargs]
    if dist.name == "constant":
        return np.full(len(rows), args[0])
    if dist.name == "uniform":
        return args[0] + (args[1] - args[0]) * rnd.uniform(key, rows, stream)
    if dist.name == "exponential":
        return -args[0] * np.log(rnd.uniform_open(key, rows, stream))
    z = rnd.standard_normal(key, rows, stream)
    if dist.name == "normal":
        return args[0] + args[1] * z
    if dist.name == "lognormal":
        return np.exp(args[0] + args[1] * z)
    raise ValueError(f"unknown change distribution {dist.name!r}")


def _upper_days(dist: Distribution) -> float | None:
    """The largest value ``dist`` can draw, or None for an unbounded tail."""
    args = [float(a) for a in dist.args] or [float(v) for _, v in dist.kwargs]
    if dist.name == "constant":
        return max(args[0], 0.0)
    if dist.name == "uniform":
        return max(args[0], args[1], 0.0)
    if dist.name == "normal" and len(args) > 1 and args[1] == 0:
        return max(args[0], 0.0)
    return None


def _longest_path(states: dict[str, dict[str, float]]) -> int | None:
    """The most transitions a state machine can make, or None when it has a cycle."""
    memo: dict[str, int] = {}
    visiting: set[str] = set()

    def depth(state: str) -> int | None:
        if state in memo:
            return memo[state]
        if state in visiting:
            return None
        visiting.add(state)
        best = 0
        for target in states.get(state, {}):
            further = depth(target)
            if further is None:
                return None
            best = max(best, 1 + further)
        visiting.discard(state)
        memo[state] = best
        return best

    longest = 0
    for state in states:
        d = depth(state)
        if d is None:
            return None
        longest = max(longest, d)
    return longest


def _gap_us(dist: Distribution, key: int, rows: np.ndarray, stream: int) -> np.ndarray:
    """A drawn duration in days, as whole microseconds of at least one (events of a row never tie)."""
    days = np.clip(draw(dist, key, rows, stream), 0.0, MAX_DAYS)
    return np.maximum(np.round(days * US_PER_DAY), 1).astype(np.int64)


@dataclass
class Walk:
    """The events of one rule for a set of rows, up to each row's stop time."""

    count: np.ndarray  # events per row
    state: np.ndarray | None = None  # state machine: the state index after the last event (-1: none)
    factor: np.ndarray | None = None  # drift: the product of the factors drawn so far
    # (position in the rows, change number, time) of every event, when asked for
    events: list[tuple[np.ndarray, int, np.ndarray]] = field(default_factory=list)


class Rule:
    """One rule of ``changes.updates`` of a table, bound to its keys."""

    def __init__(self, index: int, spec: ColumnChange, table: TablePlan):
        self.index = index
        self.spec = spec
        self.columns = list(spec.columns)
        self.key = table.column_key("__changes__", f"rule{index}")
        self.next_key = table.column_key("__changes__", f"rule{index}/next")
        self.factor_key = table.column_key("__changes__", f"rule{index}/factor")
        if spec.states is not None:
            names = list(spec.states)
            for targets in spec.states.values():
                names.extend(t for t in targets if t not in names)
            self.state_names = names
            self.final = np.array([n not in spec.states for n in names] + [True])  # index -1: no state
            self.cum = np.ones((len(names), len(names)))
            for i, name in enumerate(names):
                targets = spec.states.get(name, {})
                weights = np.array([float(targets.get(n, 0.0)) for n in names])
                if weights.sum() > 0:
                    self.cum[i] = np.cumsum(weights) / weights.sum()
            self.dwell = [(spec.dwell_days or {}).get(n) for n in names]

    def walk(self, rows: np.ndarray, created: np.ndarray, stop: np.ndarray, deleted: np.ndarray,
             initial: np.ndarray | None = None, collect: bool = False) -> Walk:
        """Events at or before ``stop`` (per row) and before the row's delete, walked from its creation."""
        n = len(rows)
        out = Walk(np.zeros(n, dtype=np.int64))
        t = created.copy()
        limit = np.minimum(stop, deleted - 1)
        live = created <= limit
        if self.spec.states is not None:
            out.state = np.full(n, -1, dtype=np.int64) if initial is None else initial.copy()
            live &= ~self.final[out.state]
        if self.spec.factor is not None:
            out.factor = np.ones(n)
        active = np.flatnonzero(live)
        for k in range(self.spec.max_changes):
            if not active.size:
                break
            r = rows[active]
            if out.state is not None:
                gap = np.empty(len(active), dtype=np.int64)
                current = out.state[active]
                for s in np.unique(current):
                    m = current == s
                    gap[m] = _gap_us(self.dwell[s], self.key, r[m], k)  # type: ignore[arg-type]
            else:
                gap = _gap_us(self.spec.every_days, self.key, r, k)  # type: ignore[arg-type]
            when = t[active] + gap
            ok = when <= limit[active]
            active, when = active[ok], when[ok]
            if not active.size:
                break
            t[active] = when
            out.count[active] += 1
            if collect:
                out.events.append((active, k, when))
            if out.state is not None:
                u = rnd.uniform(self.next_key, rows[active], k)
                nxt = (u[:, None] >= self.cum[out.state[active]]).sum(axis=1)
                out.state[active] = np.minimum(nxt, len(self.state_names) - 1)
                active = active[~self.final[out.state[active]]]
            elif out.factor is not None:
                out.factor[active] *= draw(self.spec.factor, self.factor_key, rows[active], k)  # type: ignore[arg-type]
        return out

    def virtual_rows(self, rows: np.ndarray, count: np.ndarray) -> np.ndarray:
        """The row a redraw after ``count`` changes computes its columns for: fresh draws, same key."""
        high = (np.int64(self.index) << _CHANGE_BITS) | count.astype(np.int64)
        return rows + (high << _VIRTUAL_SHIFT)


class _Shadow(_Rows):
    """The columns of a redraw rule computed for virtual rows; every other column, and every reference to a
    parent, read from the real rows as inserted."""

    def __init__(self, table: TablePlan, virtual: np.ndarray, real: _Rows, own: set[str]):
        super().__init__(table, virtual)
        self.real = real
        self.own = own

    def get(self, name: str) -> pa.Array:
        return super().get(name) if name in self.own else self.real.get(name)

    def resolve(self, ref: str) -> pa.Array:
        return self.real.resolve(ref) if "." in ref else super().resolve(ref)

    def fk_rows(self, fk: ForeignKey) -> tuple[np.ndarray, np.ndarray | None]:
        return self.real.fk_rows(fk)

    def child_index(self) -> np.ndarray:
        return self.real.child_index()

    def siblings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.real.siblings()


def _plain(values: pa.Array) -> pa.Array:
    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


def _merge(base: pa.Array, positions: np.ndarray, new: pa.Array) -> pa.Array:
    """``base`` with the values at ``positions`` replaced by ``new`` (in that order)."""
    base, new = _plain(base), _plain(new)
    if new.type != base.type:
        new = new.cast(base.type)
    take = np.arange(len(base), dtype=np.int64)
    take[positions] = len(base) + np.arange(len(positions), dtype=np.int64)
    return pa.concat_arrays([base, new]).take(pa.array(take))


class TableChanges:
    """The lives of one table's rows in a time-partitioned run (see the module docstring)."""

    def __init__(self, table: TablePlan):
        spec = table.spec.changes
        if spec is None:
            raise ValueError(f"{table.name!r} declares no changes")
        if table.plan.partitions is None:
            raise ValueError(f"{table.name!r} changes over time: its change log, snapshot and history need a "
                             "time-partitioned run (a profile with partitions:)")
        if len(spec.updates) > MAX_RULES:
            raise ValueError(f"{table.name!r} has {len(spec.updates)} change rules; at most {MAX_RULES}")
        self.table = table
        self.spec = spec
        self.rules = [Rule(i, rule, table) for i, rule in enumerate(spec.updates)]
        self.delete_key = table.column_key("__changes__", "delete")
        self.late_key = table.column_key("__changes__", "late")
        self.start_us = table.plan.partitions.start_us

    # -- what can change ----------------------------------------------------------------------------
    @cached_property
    def mutable(self) -> list[str]:
        return self.spec.mutable_columns()

    @cached_property
    def changing(self) -> list[str]:
        """Emitted columns whose value can change: the rules' columns, what is computed from them (in
        declared order), and the soft-delete column."""
        spec = self.table.spec
        moving = set(self.mutable)
        every = {**spec.columns, **spec.helpers}
        grew = True
        while grew:
            grew = False
            for name, col in every.items():
                if name not in moving and any(ref.partition(".")[0] in moving and "." not in ref
                                              for ref in column_refs(col)):
                    moving.add(name)
                    grew = True
        names = [c for c in spec.columns if c in moving]
        return [*names, self.soft_column] if self.soft_column else names

    @property
    def soft_column(self) -> str | None:
        d = self.deletes
        return d.column if d is not None and d.mode == "soft" else None

    @property
    def hard_deletes(self) -> bool:
        return self.deletes is not None and self.deletes.mode == "hard"

    @cached_property
    def deletes(self) -> DeleteSpec | None:
        """How rows of the table are deleted: its own `deletes:`, or — for a table that only follows its
        parents' deletes (`parent_deletes: cascade`) — the way the first deleting parent deletes."""
        if self.spec.deletes is not None:
            return self.spec.deletes
        if self.spec.parent_deletes == "cascade":
            for parent in self._deleting_parents():
                theirs = parent.deletes
                return DeleteSpec(0.0, Distribution("constant", (0,)), self.spec.location, theirs.mode,
                                  theirs.column)
        return None

    def _deleting_parents(self) -> list[TableChanges]:
        found = []
        for fk in self.table.spec.foreign_keys:
            parent = self.table.plan.tables[fk.table]
            if fk.table != self.table.name and parent.changes is not None and parent.changes.deletes is not None:
                found.append(parent.changes)
        return found

    @cached_property
    def late_us(self) -> int:
        late = self.spec.late
        return 0 if late is None or late.share <= 0 else round(late.max_days * US_PER_DAY)

    @cached_property
    def horizon_us(self) -> int | None:
        """The longest time from a row's creation to its last possible event, or None when unbounded (a
        rule that repeats for ever, a duration with an unbounded tail, a state machine with a cycle). Rows
        created longer than this before a window have nothing in it, so the change log skips them."""
        longest = 0.0
        for rule in self.rules:
            if rule.spec.states is None:
                return None
            steps = _longest_path(rule.spec.states)
            dwell = [_upper_days(d) for d in (rule.spec.dwell_days or {}).values()]
            if steps is None or any(d is None for d in dwell):
                return None
            longest = max(longest, steps * max(dwell, default=0.0))  # type: ignore[type-var]
        d = self.deletes
        if d is not None and d.share > 0:
            after = _upper_days(d.after_days)
            if after is None:
                return None
            longest = max(longest, after)
        if self.spec.parent_deletes == "cascade":
            return None  # a parent's delete can reach a row at any age
        return int(np.ceil(longest * US_PER_DAY)) + 1

    # -- schemas ------------------------------------------------------------------------------------
    @cached_property
    def state_schema(self) -> pa.Schema:
        fields = [pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                  for f in self.table.arrow_schema]
        if self.soft_column:
            fields.append(pa.field(self.soft_column, _TS))
        return pa.schema(fields)

    @cached_property
    def log_schema(self) -> pa.Schema:
        state = self.state_schema
        head = [pa.field(OP, pa.string(), nullable=False), pa.field(EVENT_TS, _TS, nullable=False),
                pa.field(ARRIVED_TS, _TS, nullable=False), pa.field(CHANGED, pa.string())]
        before = [pa.field(BEFORE + c, state.field(c).type) for c in self.changing]
        return pa.schema([*head, *state, *before])

    @cached_property
    def snapshot_schema(self) -> pa.Schema:
        return self.state_schema

    @cached_property
    def history_schema(self) -> pa.Schema:
        return pa.schema([*self.state_schema, pa.field(VALID_FROM, _TS, nullable=False), pa.field(VALID_TO, _TS),
                          pa.field(IS_CURRENT, pa.bool_(), nullable=False)])

    def schema(self, output: str) -> pa.Schema:
        return {LOG: self.log_schema, SNAPSHOT: self.snapshot_schema, HISTORY: self.history_schema}[output]

    # -- lives --------------------------------------------------------------------------------------
    def rows_before(self, t_us: int) -> int:
        """How many rows exist before ``t_us`` (a partition boundary): rows are created in index order."""
        if t_us <= self.start_us:
            return 0
        if self.table.is_partitioned:
            return self.table.row_range(self.start_us, t_us)[1]
        return self.table.n_rows

    def created_us(self, rows: np.ndarray) -> np.ndarray:
        """When each row was inserted: its time column; the start of the run for a table that does not grow."""
        return self.created_of(_Rows(self.table, np.asarray(rows, dtype=np.int64)))

    def deleted_us(self, rows: np.ndarray, created: np.ndarray | None = None,
                   refs: _Rows | None = None) -> np.ndarray:
        """When each row is deleted (``NEVER`` for a row that lives on); ``refs`` may hold the rows'
        references already picked."""
        rows = np.asarray(rows, dtype=np.int64)
        created = self.created_us(rows) if created is None else created
        out = np.full(len(rows), NEVER, dtype=np.int64)
        d = self.spec.deletes
        if d is not None and d.share > 0:
            gone = rnd.uniform(self.delete_key, rows, 0) < d.share
            if gone.any():
                out[gone] = created[gone] + _gap_us(d.after_days, self.delete_key, rows[gone], 1)
        if self.spec.parent_deletes == "cascade":
            refs = refs or _Rows(self.table, rows)
            for fk in self.table.spec.foreign_keys:
                parent = self.table.plan.tables[fk.table]
                if fk.table == self.table.name or parent.changes is None or parent.changes.deletes is None:
                    continue
                idx, null = refs.fk_rows(fk)
                theirs = parent.changes.deleted_us(idx)
                if null is not None:
                    theirs = np.where(null, NEVER, theirs)
                # A row deleted with its parent, never before it exists.
                out = np.minimum(out, np.maximum(theirs, created + 1))
        return out

    @staticmethod
    def _event_stream(rule: int, k: int) -> int:
        return ((rule + 1) << _CHANGE_BITS) | k

    _INSERT_STREAM = 0
    _DELETE_STREAM = (MAX_RULES + 2) << _CHANGE_BITS

    # -- states -------------------------------------------------------------------------------------
    def state_at(self, rows: np.ndarray, t_us: np.ndarray | int) -> pa.RecordBatch:
        """Every emitted column (and the soft-delete column) of ``rows`` as of ``t_us`` (per row, or one
        time for all): the changes at or before it applied. Rows must exist at ``t_us``."""
        return self.states(rows).at(t_us)

    def states(self, rows: np.ndarray) -> _States:
        """The lives of ``rows``, ready to give their state at any times (sharing what does not change)."""
        return _States(self, np.asarray(rows, dtype=np.int64))

    def created_of(self, base: _Rows) -> np.ndarray:
        if self.table.is_partitioned:
            return base.event_times()
        return np.full(len(base.rows), self.start_us, dtype=np.int64)

    # -- outputs ------------------------------------------------------------------------------------
    def snapshot(self, end_us: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pa.RecordBatch]:
        """The table as of the end of a window (``end_us`` excluded): every row created before it and not
        hard-deleted by then, in row order, with its state at ``end_us - 1``."""
        n = self.rows_before(end_us)
        for lo in range(0, n, chunk_size):
            rows = np.arange(lo, min(n, lo + chunk_size), dtype=np.int64)
            if self.hard_deletes:
                rows = rows[self.deleted_us(rows) >= end_us]
            if rows.size:
                yield self.state_at(rows, end_us - 1)

    def history(self, end_us: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pa.RecordBatch]:
        """SCD2 history as of the end of a window: one row per version begun before ``end_us`` — by row,
        then time — with ``valid_from``, ``valid_to`` (the next version's start, the hard delete, or null)
        and ``is_current``. A change that leaves every column as it was (a redraw that drew the same value)
        begins no version."""
        n = self.rows_before(end_us)
        step = max(1, chunk_size // 4)  # rows per step: each has a few versions
        for lo in range(0, n, step):
            rows = np.arange(lo, min(n, lo + step), dtype=np.int64)
            lives = self.states(rows)
            created, deleted = lives.created, lives.deleted
            stop = np.full(len(rows), end_us - 1, dtype=np.int64)
            pos, starts = [np.arange(len(rows))], [created]
            for rule in self.rules:
                initial = lives.initial.get(rule.index)
                for where, _, when in rule.walk(rows, created, stop, deleted, initial, collect=True).events:
                    pos.append(where)
                    starts.append(when)
            if self.soft_column is not None:
                gone = np.flatnonzero(deleted < end_us)
                pos.append(gone)
                starts.append(deleted[gone])
            p, s = np.concatenate(pos), np.concatenate(starts)
            order = np.lexsort((s, p))
            p, s = p[order], s[order]
            images = pa.Table.from_batches([self.state_at(rows[p[a:a + chunk_size]], s[a:a + chunk_size])
                                            for a in range(0, len(p), chunk_size)], schema=self.state_schema)
            keep = np.ones(len(p), dtype=bool)
            if len(p) > 1:
                same_row = p[1:] == p[:-1]
                unchanged = same_row.copy()
                for c in self.changing:
                    col = images.column(c).combine_chunks()
                    a, b = col.slice(0, len(p) - 1), col.slice(1)
                    equal = pc.fill_null(pc.equal(a, b), pc.and_(pc.is_null(a), pc.is_null(b)))
                    unchanged &= equal.to_numpy(zero_copy_only=False)
                keep[1:] = ~unchanged
            p, s = p[keep], s[keep]
            images = images.filter(pa.array(keep))
            last = np.append(p[1:] != p[:-1], True)
            closed = ~last | (self.hard_deletes & (deleted[p] < end_us))
            ends = np.where(last, deleted[p], np.append(s[1:], 0))
            valid_to = pa.array(np.where(closed, ends, 0).astype("datetime64[us]"), _TS, mask=~closed)
            out = pa.Table.from_arrays([*images.columns, pa.array(s.astype("datetime64[us]"), _TS), valid_to,
                                        pa.array(~closed)], schema=self.history_schema)
            yield from out.to_batches(max_chunksize=chunk_size)

    def log(self, start_us: int, end_us: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[pa.RecordBatch]:
        """The change log of the window [start_us, end_us): every insert, update and delete that *arrives*
        in it (late events arrive after they happen), ordered by arrival, then row, then event time."""
        rows_e, t_e, arr_e, op_e = self._log_events(start_us, end_us, chunk_size)
        order = np.lexsort((t_e, rows_e, arr_e))
        rows_e, t_e, arr_e, op_e = rows_e[order], t_e[order], arr_e[order], op_e[order]
        ops = np.array([INSERT, UPDATE, DELETE])
        for a in range(0, len(rows_e), chunk_size):
            b = min(len(rows_e), a + chunk_size)
            yield self._log_batch(rows_e[a:b], t_e[a:b], arr_e[a:b], ops[op_e[a:b]])

    def delta(self, start_us: int, end_us: int, chunk_size: int = DEFAULT_CHUNK_SIZE,
              ) -> tuple[Iterator[pa.RecordBatch], np.ndarray]:
        """What turns the snapshot as of ``start_us`` into the snapshot as of ``end_us``: the rows inserted
        or changed in between with their state at ``end_us - 1`` (batches to upsert), and the row indices
        hard-deleted in between (rows to delete; their keys are :meth:`key_batch`). Events count by when
        they happen, late or not: applied in partition order, the deltas keep a table equal to the
        snapshot of the last partition applied."""
        rows, _, _, ops = self._log_events(start_us, end_us, chunk_size, by_arrival=False)
        deleted = np.unique(rows[ops == 2])
        changed = np.setdiff1d(np.unique(rows[ops != 2]), deleted)

        def upserts() -> Iterator[pa.RecordBatch]:
            for a in range(0, len(changed), chunk_size):
                yield self.state_at(changed[a:a + chunk_size], end_us - 1)

        return upserts(), deleted

    def key_batch(self, rows: np.ndarray) -> pa.RecordBatch:
        """The primary-key columns of ``rows`` (they never change)."""
        key = self.table.spec.primary_key
        if not key:
            raise ValueError(f"{self.table.name!r} has no primary key: rows that change need one to be found")
        batch = self.table.compute(np.asarray(rows, dtype=np.int64), list(key))
        return pa.RecordBatch.from_arrays([_plain(c) for c in batch.columns], names=list(key))

    def _log_events(self, start_us: int, end_us: int, chunk_size: int, by_arrival: bool = True,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(row, event time, arrival, op index) of the events arriving (or, not ``by_arrival``, happening)
        in [start_us, end_us)."""
        first = start_us - (self.late_us if by_arrival else 0)  # an event before this arrives before the window
        n = self.rows_before(end_us)
        out: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

        def keep(rows: np.ndarray, t: np.ndarray, stream: np.ndarray | int, op: int) -> None:
            m = (t >= first) & (t < end_us)
            rows, t = rows[m], t[m]
            stream = stream[m] if isinstance(stream, np.ndarray) else stream
            arrived = self._arrival_per(rows, stream, t) if by_arrival else t
            m = (arrived >= start_us) & (arrived < end_us)
            out.append((rows[m], t[m], arrived[m], np.full(int(m.sum()), op, dtype=np.int64)))

        soft = self.soft_column is not None
        first_row = 0
        if self.horizon_us is not None and first - self.horizon_us > self.start_us:
            # Rows created before the window holding `first - horizon` have lived their whole life by
            # `first` (a row's time may move after its parent's, but never out of its own window).
            cut = window_start_us(self.table.plan.partitions, first - self.horizon_us)  # type: ignore[arg-type]
            first_row = self.rows_before(cut) if cut > self.start_us else 0
        for lo in range(first_row, n, chunk_size):
            rows = np.arange(lo, min(n, lo + chunk_size), dtype=np.int64)
            lives = self.states(rows)
            created, deleted = lives.created, lives.deleted
            keep(rows, created, self._INSERT_STREAM, 0)
            stop = np.full(len(rows), end_us - 1, dtype=np.int64)
            for rule in self.rules:
                walk = rule.walk(rows, created, stop, deleted, lives.initial.get(rule.index), collect=True)
                for where, k, when in walk.events:
                    keep(rows[where], when, self._event_stream(rule.index, k), 1)
            if self.deletes is not None:
                # A soft delete is an update of the delete column; a hard one removes the row.
                keep(rows, deleted, self._DELETE_STREAM, 1 if soft else 2)
        if not out:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))  # type: ignore[return-value]

    def _arrival_per(self, rows: np.ndarray, stream: np.ndarray | int, t: np.ndarray) -> np.ndarray:
        late = self.spec.late
        if late is None or late.share <= 0 or not len(rows):
            return t
        s = np.broadcast_to(np.asarray(stream, dtype=np.int64), rows.shape)
        # The event's own draw: the row index mixed with its stream, so each event of a row is late or not alone.
        ids = rnd.bits(self.late_key, rows, 0) ^ (s.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        is_late = rnd.uniform(self.late_key, ids.view(np.int64), 1) < late.share
        delay = np.maximum(np.round(rnd.uniform(self.late_key, ids.view(np.int64), 2) * self.late_us), 1)
        return t + np.where(is_late, delay.astype(np.int64), 0)

    def _log_batch(self, rows: np.ndarray, t: np.ndarray, arrived: np.ndarray, ops: np.ndarray) -> pa.RecordBatch:
        hard_delete = ops == DELETE
        states = self.states(rows)
        # A hard delete shows the row as it was; every other event shows it as it became.
        after = states.at(np.where(hard_delete, t - 1, t))
        changed = ops == UPDATE
        before = states.at(t - 1, self.changing) if changed.any() else None
        columns: list[pa.Array] = [pa.array(ops, pa.string()), pa.array(t.astype("datetime64[us]"), _TS),
                                   pa.array(arrived.astype("datetime64[us]"), _TS)]
        differs: list[np.ndarray] = []
        befores: list[pa.Array] = []
        for c in self.changing:
            if before is None:
                befores.append(pa.nulls(len(rows), self.state_schema.field(c).type))
                continue
            old, new = before.column(c), after.column(c)
            diff = pc.fill_null(pc.not_equal(old, new), pc.xor(pc.is_null(old), pc.is_null(new)))
            differs.append(diff.to_numpy(zero_copy_only=False) & changed)
            befores.append(pc.if_else(pa.array(changed), old, pa.scalar(None, old.type)))
        matrix = np.column_stack(differs) if differs else None
        columns.append(self._changed_names(matrix, changed))
        batch = pa.RecordBatch.from_arrays([*columns, *after.columns, *befores], schema=self.log_schema)
        if matrix is not None:
            noop = changed & ~matrix.any(axis=1)  # a redraw that drew the same values changed nothing
            if noop.any():
                batch = batch.filter(pa.array(~noop))
        return batch

    def _changed_names(self, differs: np.ndarray | None, changed: np.ndarray) -> pa.Array:
        """``__changed``: the names of the columns an update changed, comma-separated (null for an insert
        or a delete). Rows share few distinct sets, so each set is joined once."""
        if differs is None:
            return pa.nulls(len(changed), pa.string())
        sets, inverse = np.unique(differs, axis=0, return_inverse=True)
        texts = pa.array([",".join(c for c, hit in zip(self.changing, row, strict=True) if hit) for row in sets],
                         pa.string())
        out = texts.take(pa.array(inverse.reshape(-1)))
        return pc.if_else(pa.array(changed), out, pa.scalar(None, pa.string()))


class _States:
    """The states of a set of rows at any times: their insert, creation and delete times and their
    unchanging columns computed once, the changes walked again for each time asked."""

    def __init__(self, changes: TableChanges, rows: np.ndarray):
        self.changes = changes
        self.rows = rows
        self.base = _Rows(changes.table, rows)
        self.created = changes.created_of(self.base)
        self.deleted = changes.deleted_us(rows, self.created, self.base)
        self.initial = {rule.index: self._initial(rule) for rule in changes.rules if rule.spec.states is not None}

    def _initial(self, rule: Rule) -> np.ndarray:
        first = _plain(self.base.get(rule.columns[0]))
        idx = pc.index_in(first, value_set=pa.array(rule.state_names)).fill_null(-1)
        return idx.to_numpy(zero_copy_only=False).astype(np.int64)

    def at(self, t_us: np.ndarray | int, columns: list[str] | None = None) -> pa.RecordBatch:
        """The rows as of ``t_us`` (per row, or one time for all): every output column, or ``columns``."""
        changes, rows, base = self.changes, self.rows, self.base
        t = np.broadcast_to(np.asarray(t_us, dtype=np.int64), rows.shape).copy()
        spec = changes.table.spec
        new: dict[str, pa.Array] = {}
        for rule in changes.rules:
            walk = rule.walk(rows, self.created, t, self.deleted, self.initial.get(rule.index))
            moved = np.flatnonzero(walk.count > 0)
            if not moved.size:
                continue
            for name in rule.columns:
                col = spec.columns.get(name) or spec.helpers[name]
                if walk.state is not None:
                    states = pa.array(rule.state_names).take(pa.array(walk.state[moved]))
                    new[name] = _merge(base.get(name), moved, cast_to(states, col.type))
                elif walk.factor is not None:
                    before = _plain(base.get(name)).take(pa.array(moved))
                    scaled = pc.multiply(pc.cast(before, pa.float64()), pa.array(walk.factor[moved]))
                    new[name] = _merge(base.get(name), moved, cast_to(scaled, col.type))
            if walk.state is None and walk.factor is None:
                sub = rows[moved]
                shadow = _Shadow(changes.table, rule.virtual_rows(sub, walk.count[moved]),
                                 _Rows(changes.table, sub), set(rule.columns))
                for name in rule.columns:
                    new[name] = _merge(base.get(name), moved, shadow.get(name))
        if new:
            # A fresh set of values for the rows: what does not change is shared with the base (and the
            # references the base picked), the changed columns are set, the rest follows them.
            state = _Rows(changes.table, rows)
            changing = set(changes.changing)
            state.values.update({k: v for k, v in base.values.items() if k not in changing})
            state.values.update(new)
            state.parents = base.parents
            state._event_times = base._event_times
        else:
            state = base
        schema = changes.state_schema
        soft = changes.soft_column
        fields = [schema.field(c) for c in columns] if columns is not None else list(schema)
        arrays = [_plain(state.get(f.name)) if f.name != soft else
                  pa.array(np.where(self.deleted <= t, self.deleted, 0).astype("datetime64[us]"), _TS,
                           mask=self.deleted > t)
                  for f in fields]
        arrays = [a if a.type == f.type else a.cast(f.type) for a, f in zip(arrays, fields, strict=True)]
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
