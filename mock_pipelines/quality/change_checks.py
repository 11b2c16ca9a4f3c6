"""Checks of the change outputs of a table with ``changes:`` (its change log, snapshot and SCD2 history), one
partition at a time, over record batches as they landed (streamed: one batch in memory, plus one 64-bit hash
per key where a check compares keys).

=====================================  ==========================================================================
name                                   what it checks
=====================================  ==========================================================================
``change_log__ops``                    ``__op`` is ``c`` (insert), ``u`` (update, soft delete) or ``d`` (hard delete)
``change_log__no_update_before_insert`` an insert happens at the row's creation time (its partition time column;
                                       the start of the run for a table that does not grow), an update or
                                       delete never before it
``change_log__no_event_after_delete``  no event of a soft-deleted row happens after its ``deleted_at``
``change_log__arrival_after_event``    ``__arrived_ts`` ≥ ``__event_ts``, at most ``late.max_days`` later
                                       (equal without late events), inside the partition's window
``change_log__changed_columns``        an update's ``__changed`` names only columns that can change, exactly those
                                       whose ``__before_`` value differs from the after value; an insert or a
                                       delete has neither
``history__valid_range``               ``valid_from`` < ``valid_to`` where a version is closed
``history__versions_ordered``          the versions of a key are together, by ``valid_from`` strictly increasing
``history__versions_contiguous``       each closed version ends where the next begins (``valid_to`` = the next
                                       ``valid_from``): no gap, no overlap
``history__one_current``               exactly one current version per key, the last (``valid_to`` null,
                                       ``is_current`` true); none when a hard delete closed the last one
``history__starts_at_creation``        a key's first ``valid_from`` is the row's creation time
``snapshot__matches_history``          the current versions of the history of a partition are its snapshot:
                                       same keys, same values
``snapshot__replays_log``              the snapshot of a partition is the snapshot of the one before with the
                                       events of the change log that happened in the partition applied (late
                                       events read from the logs of the partitions after it)
=====================================  ==========================================================================

Every function takes the :class:`~mock_pipelines.core.changes.TableChanges` of the table (what may change,
the delete mode, how late events may come) and :data:`BatchSource` callables, which read the same rows again
on each call; each returns :class:`~mock_pipelines.quality.results.RuleResult` objects named by the output table
(``orders__changes``, ``orders__history``, ``orders__snapshot``). :func:`landed_change_checks` reads a
partition's outputs — and the neighbours the replay needs — from a store; a neighbour that has not landed
makes the replay a warning that says which (not blocking), never a pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.changes import (
    ARRIVED_TS,
    BEFORE,
    CHANGED,
    DELETE,
    EVENT_TS,
    HISTORY,
    INSERT,
    IS_CURRENT,
    LOG,
    OP,
    SNAPSHOT,
    UPDATE,
    VALID_FROM,
    VALID_TO,
    TableChanges,
    output_table,
)
from mock_pipelines.core.timeline import US_PER_DAY, US_PER_HOUR
from mock_pipelines.quality.distinct_stream import column_hash, mix
from mock_pipelines.quality.results import RuleResult, plain
from mock_pipelines.quality.severity import SeverityPolicy

BatchSource = Callable[[], Iterable[pa.RecordBatch]]
KIND = "changes"
ENGINE = "arrow"
EXAMPLES = 5
NOT_LANDED = "not landed: "  # the observed value of a check whose neighbouring outputs have not landed
_MUL = np.uint64(0x94D049BB133111EB)
_NULL = np.uint64(0x5851F42D4C957F2D)

LOG_CHECKS = ("change_log__ops", "change_log__no_update_before_insert", "change_log__no_event_after_delete",
              "change_log__arrival_after_event", "change_log__changed_columns")
HISTORY_CHECKS = ("history__valid_range", "history__versions_ordered", "history__versions_contiguous",
                  "history__one_current", "history__starts_at_creation")
SNAPSHOT_CHECKS = ("snapshot__matches_history", "snapshot__replays_log")


# ---- shared pieces -----------------------------------------------------------------------------------------

@dataclass
class _Tally:
    """Rows that broke one check: how many, and the first few, described."""

    name: str
    expected: str
    description: str
    count: int = 0
    examples: list[Any] = field(default_factory=list)

    def add(self, bad: np.ndarray, describe: Callable[[int], Any]) -> None:
        where = np.flatnonzero(bad)
        self.count += len(where)
        for i in where[:max(0, EXAMPLES - len(self.examples))]:
            self.examples.append(describe(int(i)))


def _result(changes: TableChanges, output: str, name: str, *, passed: bool, observed: Any, expected: str,
            description: str, unexpected: int | None = None, examples: list[Any] | None = None,
            rows: int | None = None, skipped: bool = False) -> RuleResult:
    return RuleResult(name=name, table=output_table(changes.table.name, output), kind=KIND, passed=passed,
                      blocking=True, severity="error", observed=observed, expected=expected,
                      unexpected_count=unexpected, examples=list(examples or []), description=description,
                      evaluated_rows=rows, engine=ENGINE, skipped=skipped)


def _tallied(changes: TableChanges, output: str, tally: _Tally, rows: int) -> RuleResult:
    return _result(changes, output, tally.name, passed=tally.count == 0, observed=f"{tally.count:,} of {rows:,} rows",
                   expected=tally.expected, description=tally.description, unexpected=tally.count,
                   examples=tally.examples, rows=rows)


def _severity(results: list[RuleResult], severity: Any) -> list[RuleResult]:
    return SeverityPolicy.of(severity).apply(results) if severity is not None else results


def _micros(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int64 microseconds, valid mask) of a timestamp or date column."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_date(arr.type):
        arr = pc.cast(arr, pa.timestamp("us"))
    elif pa.types.is_timestamp(arr.type) and arr.type.unit != "us":
        arr = pc.cast(arr, pa.timestamp("us"))
    valid = np.asarray(arr.is_valid()) if arr.null_count else np.ones(len(arr), dtype=bool)
    values = np.asarray(pc.fill_null(arr.view(pa.int64()), 0))
    return values, valid


def _hash(batch: pa.RecordBatch, columns: Sequence[str]) -> np.ndarray:
    """One 64-bit hash per row of ``columns`` (a null differs from every value)."""
    h = np.zeros(batch.num_rows, dtype=np.uint64)
    for c in columns:
        arr = batch.column(c)
        part = column_hash(arr)
        if arr.null_count:
            part = np.where(np.asarray(arr.is_valid()), part, _NULL)
        h = mix(h * _MUL + part)
    return h


def _key_columns(changes: TableChanges) -> list[str]:
    return list(changes.table.spec.primary_key or [])


def _time_column(changes: TableChanges) -> str | None:
    """The column that holds each row's creation time (None: rows exist from the start of the run)."""
    part = changes.table.spec.partitioned
    return part.time_column if changes.table.is_partitioned and part is not None else None


def _created(changes: TableChanges, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    col = _time_column(changes)
    if col is None:
        return np.full(batch.num_rows, changes.start_us, dtype=np.int64), np.ones(batch.num_rows, dtype=bool)
    return _micros(batch.column(col))


def _describer(batch: pa.RecordBatch, key: Sequence[str], extra: Sequence[str] = ()) -> Callable[[int], str]:
    def describe(i: int) -> str:
        parts = [f"{c}={plain(batch.column(c)[i])}" for c in [*key, *extra] if c in batch.schema.names]
        return " ".join(parts)
    return describe


def _text(us: int) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(us))).isoformat(sep=" ")


# ---- the change log ----------------------------------------------------------------------------------------

def check_change_log(changes: TableChanges, log: BatchSource, window: tuple[int, int] | None = None, *,
                     severity: Any = None) -> list[RuleResult]:
    """The ``change_log__*`` checks of the change log of one partition (``window``: its [start, end) in
    microseconds, to check that every event arrived in it; None skips that part)."""
    key = _key_columns(changes)
    time_col = _time_column(changes)
    soft = changes.soft_column
    changing = list(changes.changing)
    late_us = changes.late_us
    created_what = f"the row's {time_col}" if time_col else f"the start of the run ({_text(changes.start_us)})"
    ops = _Tally(LOG_CHECKS[0], "every __op is c, u or d", "Every event is an insert (c), an update or soft "
                 "delete (u) or a hard delete (d), as Debezium writes them.")
    order = _Tally(LOG_CHECKS[1], f"c: __event_ts = {created_what}; u, d: __event_ts ≥ it",
                   f"A row is inserted when it is created ({created_what}) and changes or goes only after: no "
                   "update or delete comes before the row's insert.")
    after_delete = _Tally(LOG_CHECKS[2], f"__event_ts ≤ {soft} where {soft} is set" if soft else "no soft deletes",
                          f"A soft-deleted row has no event after its delete ({soft}).")
    most = f"at most {changes.spec.late.max_days:g} days later" if late_us else "equal (no late events)"
    arrival = _Tally(LOG_CHECKS[3], f"__event_ts ≤ __arrived_ts, {most}"
                     + (f", arrived in [{_text(window[0])}, {_text(window[1])})" if window else ""),
                     "An event reaches the change log when it happens or, late, within the declared delay, in the "
                     "partition of its arrival.")
    changed = _Tally(LOG_CHECKS[4], "u: __changed = the columns whose __before_ value differs (among "
                     f"{', '.join(changing) or 'none'}); c, d: __changed and every __before_ null",
                     "An update lists exactly the columns it changed, each one that can change, and keeps their "
                     "values before the change; inserts and deletes carry no before values.")
    total = 0
    names_mask: dict[str | None, int] = {None: 0}
    for batch in log():
        n = batch.num_rows
        if not n:
            continue
        total += n
        describe = _describer(batch, key, (OP, EVENT_TS))
        op = batch.column(OP)
        op = op.dictionary_decode() if pa.types.is_dictionary(op.type) else op
        op_np = np.asarray(op.fill_null("").to_numpy(zero_copy_only=False)).astype(str)
        is_c, is_u, is_d = op_np == INSERT, op_np == UPDATE, op_np == DELETE
        ops.add(~(is_c | is_u | is_d), describe)
        event, event_ok = _micros(batch.column(EVENT_TS))
        arrived, arrived_ok = _micros(batch.column(ARRIVED_TS))
        created, created_ok = _created(changes, batch)
        both = event_ok & created_ok
        order.add(~both | (is_c & (event != created)) | ((is_u | is_d) & (event < created)), describe)
        if soft is not None and soft in batch.schema.names:
            gone, gone_ok = _micros(batch.column(soft))
            after_delete.add(gone_ok & event_ok & (event > gone), describe)
        bad = ~(event_ok & arrived_ok) | (arrived < event) | (arrived - event > late_us)
        if window is not None:
            bad |= (arrived < window[0]) | (arrived >= window[1])
        arrival.add(bad, describe)
        # __changed: the bit mask of the columns it names (-1: a name that cannot change) against the bit mask
        # of the columns whose before value differs from the after value
        text = batch.column(CHANGED)
        text = text.dictionary_decode() if pa.types.is_dictionary(text.type) else text
        listed = np.zeros(n, dtype=np.int64)
        distinct = pc.unique(text)
        for value in distinct.to_pylist():
            if value not in names_mask:
                mask = 0
                for name in value.split(","):
                    if name not in changing:
                        mask = -1
                        break
                    mask |= 1 << changing.index(name)
                names_mask[value] = mask
        codes = pc.index_in(text, value_set=distinct).fill_null(0).to_numpy(zero_copy_only=False)
        masks = np.array([names_mask[v] for v in distinct.to_pylist()], dtype=np.int64)
        listed = masks[codes.astype(np.int64)] if len(masks) else listed
        differs = np.zeros(n, dtype=np.int64)
        any_before = np.zeros(n, dtype=bool)
        for i, c in enumerate(changing):
            name = BEFORE + c
            if name not in batch.schema.names or c not in batch.schema.names:
                continue
            old, new = batch.column(name), batch.column(c)
            old = old.dictionary_decode() if pa.types.is_dictionary(old.type) else old
            new = new.dictionary_decode() if pa.types.is_dictionary(new.type) else new
            if old.type != new.type:
                old = old.cast(new.type)
            diff = pc.fill_null(pc.not_equal(old, new), pc.xor(pc.is_null(old), pc.is_null(new)))
            differs |= diff.to_numpy(zero_copy_only=False).astype(np.int64) << i
            any_before |= np.asarray(old.is_valid())
        has_text = np.asarray(text.is_valid()) if text.null_count else np.ones(n, dtype=bool)
        bad = is_u & (~has_text | (listed != differs) | (listed <= 0))
        bad |= (is_c | is_d) & (has_text | any_before)
        changed.add(bad, describe)
    return _severity([_tallied(changes, LOG, t, total) for t in (ops, order, after_delete, arrival, changed)],
                     severity)


# ---- the SCD2 history --------------------------------------------------------------------------------------

def check_history(changes: TableChanges, history: BatchSource, *, severity: Any = None) -> list[RuleResult]:
    """The ``history__*`` checks of the SCD2 history of one partition. Versions of a key come together (the
    history is written by key, then time): what is kept across batches is the last version read and one
    64-bit hash per key, to find a key whose versions are apart."""
    key = _key_columns(changes)
    time_col = _time_column(changes)
    created_what = f"the row's {time_col}" if time_col else "the start of the run"
    hard = changes.hard_deletes
    valid = _Tally(HISTORY_CHECKS[0], "valid_from < valid_to where valid_to is set",
                   "A closed version lasts: it ends after it begins.")
    ordered = _Tally(HISTORY_CHECKS[1], "the versions of a key are consecutive rows, valid_from strictly increasing",
                     "The history holds each key's versions together, in time order.")
    contiguous = _Tally(HISTORY_CHECKS[2], "valid_to of a version = valid_from of the next version of its key",
                        "Versions follow each other without gap or overlap: a version ends where the next begins.")
    current = _Tally(HISTORY_CHECKS[3], "one current version per key, its last (valid_to null, is_current true)"
                     + ("; none when a hard delete closed it" if hard else ""),
                     "Each key has exactly one current version, the last one; is_current is true exactly when "
                     "valid_to is null" + (" (a hard-deleted row's last version is closed)." if hard else "."))
    starts = _Tally(HISTORY_CHECKS[4], f"the first valid_from of a key = {created_what}",
                    f"A key's history begins when the row is created ({created_what}).")
    if not key:
        return _severity([_result(changes, HISTORY, name, passed=True, skipped=True, observed="no primary key",
                                  expected="a primary key", description="The history is checked per key.")
                          for name in HISTORY_CHECKS], severity)
    firsts: list[np.ndarray] = []
    total = 0
    carry: tuple[Any, ...] | None = None  # the last version of the previous batch: (key hash, from, to, to ok, cur, text)
    for batch in history():
        n = batch.num_rows
        if not n:
            continue
        total += n
        describe = _describer(batch, key, (VALID_FROM, VALID_TO))
        kh = _hash(batch, key)
        vf, vf_ok = _micros(batch.column(VALID_FROM))
        vt, vt_ok = _micros(batch.column(VALID_TO))
        cur = batch.column(IS_CURRENT)
        cur_np = np.asarray(pc.fill_null(cur, False).to_numpy(zero_copy_only=False), dtype=bool)
        created, created_ok = _created(changes, batch)
        valid.add(~vf_ok | (vt_ok & (vf >= vt)), describe)
        current.add(cur_np == vt_ok, describe)  # is_current must be exactly "valid_to is null"
        # the row before each row (the carried one for the first)
        prev_kh = np.empty(n, dtype=np.uint64)
        prev_vf, prev_vt = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        prev_vt_ok = np.empty(n, dtype=bool)
        prev_kh[1:], prev_vf[1:], prev_vt[1:], prev_vt_ok[1:] = kh[:-1], vf[:-1], vt[:-1], vt_ok[:-1]
        has_prev = np.ones(n, dtype=bool)
        if carry is None:
            has_prev[0] = False
            prev_kh[0] = ~kh[0]
        else:
            prev_kh[0], prev_vf[0], prev_vt[0], prev_vt_ok[0] = carry[0], carry[1], carry[2], carry[3]
        same = has_prev & (prev_kh == kh)
        first = ~same
        firsts.append(kh[first])
        ordered.add(same & (vf <= prev_vf), describe)
        # a version followed by one of its key: closed (a current version that is not the last is caught by
        # one_current) and ending where the next begins
        contiguous.add(same & prev_vt_ok & (prev_vt != vf), describe)
        current.add(same & ~prev_vt_ok, describe)
        starts.add(first & (~created_ok | (vf != created)), describe)
        # the last version of each key: current unless a hard delete closed it
        last = np.append(kh[1:] != kh[:-1], False)
        if carry is not None and carry[0] != kh[0] and carry[3] and not hard:  # its key ended closed
            current.count += 1
            current.examples += [carry[5]][:max(0, EXAMPLES - len(current.examples))]
        if not hard:
            current.add(last & vt_ok, describe)
        carry = (kh[-1], vf[-1], vt[-1], bool(vt_ok[-1]), bool(cur_np[-1]), describe(n - 1))
    if carry is not None and carry[3] and not hard:
        current.count += 1
        current.examples += [carry[5]][:max(0, EXAMPLES - len(current.examples))]
    if firsts:
        starts_of_keys = np.sort(np.concatenate(firsts))
        apart = int((starts_of_keys[1:] == starts_of_keys[:-1]).sum())
        if apart:
            ordered.count += apart
            ordered.examples.append(f"{apart:,} key(s) whose versions are not together")
    return _severity([_tallied(changes, HISTORY, t, total) for t in (valid, ordered, contiguous, current, starts)],
                     severity)


# ---- snapshot against history and against the log replayed -----------------------------------------------------

def _keyed(batches: Iterable[pa.RecordBatch], key: Sequence[str], values: Sequence[str],
           keep: Callable[[pa.RecordBatch], np.ndarray | None] | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """(key hashes, value hashes, rows) of the rows of ``batches`` (those ``keep`` selects)."""
    ks, vs, rows = [], [], 0
    for batch in batches:
        if keep is not None:
            m = keep(batch)
            if m is not None:
                batch = batch.filter(pa.array(m))
        if not batch.num_rows:
            continue
        rows += batch.num_rows
        ks.append(_hash(batch, key))
        vs.append(_hash(batch, values))
    if not ks:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint64), 0
    return np.concatenate(ks), np.concatenate(vs), rows


def _compare(expected: tuple[np.ndarray, np.ndarray], actual: tuple[np.ndarray, np.ndarray],
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(key hashes only expected, only actual, with other values; keys repeated in either)."""
    (ek, ev), (ak, av) = expected, actual
    repeated = len(ek) - len(np.unique(ek)) + len(ak) - len(np.unique(ak))
    eo, ao = np.argsort(ek, kind="stable"), np.argsort(ak, kind="stable")
    ek, ev, ak, av = ek[eo], ev[eo], ak[ao], av[ao]
    missing = np.setdiff1d(ek, ak)
    extra = np.setdiff1d(ak, ek)
    common, ei, ai = np.intersect1d(ek, ak, return_indices=True)
    differ = common[ev[ei] != av[ai]]
    return missing, extra, differ, repeated


def _find_keys(source: BatchSource, key: Sequence[str], wanted: np.ndarray) -> dict[int, str]:
    """The key values (as text) of rows whose key hash is in ``wanted`` (a few), read again."""
    out: dict[int, str] = {}
    if not len(wanted):
        return out
    for batch in source():
        if not batch.num_rows:
            continue
        kh = _hash(batch, key)
        for i in np.flatnonzero(np.isin(kh, wanted)):
            out.setdefault(int(kh[i]), _describer(batch, key)(int(i)))
        if len(out) == len(wanted):
            break
    return out


def _comparison_result(changes: TableChanges, name: str, source_names: tuple[str, str],
                       found: tuple[np.ndarray, np.ndarray, np.ndarray, int], rows: int,
                       sources: Sequence[BatchSource], key: Sequence[str], expected: str,
                       description: str) -> RuleResult:
    missing, extra, differ, repeated = found
    bad = len(missing) + len(extra) + len(differ) + repeated
    examples: list[Any] = []
    if bad:
        wanted = np.concatenate([missing[:EXAMPLES], extra[:EXAMPLES], differ[:EXAMPLES]])
        names: dict[int, str] = {}
        for source in sources:
            names.update(_find_keys(source, key, np.setdiff1d(wanted, np.array(list(names), dtype=np.uint64))))
        for what, hashes in ((f"in {source_names[0]}, not in {source_names[1]}", missing),
                             (f"in {source_names[1]}, not in {source_names[0]}", extra), ("other values", differ)):
            for h in hashes[:EXAMPLES]:
                if len(examples) < EXAMPLES:
                    examples.append(f"{names.get(int(h), 'key')}: {what}")
        if repeated and len(examples) < EXAMPLES:
            examples.append(f"{repeated:,} repeated key(s)")
    observed = (f"{len(missing):,} keys only in {source_names[0]}, {len(extra):,} only in {source_names[1]}, "
                f"{len(differ):,} with other values" + (f", {repeated:,} repeated" if repeated else "")) \
        if bad else f"{rows:,} rows agree"
    return _result(changes, SNAPSHOT, name, passed=bad == 0, observed=observed, expected=expected,
                   description=description, unexpected=bad, examples=examples, rows=rows)


def _skip(changes: TableChanges, name: str, reason: str, expected: str, description: str) -> RuleResult:
    return _result(changes, SNAPSHOT, name, passed=False, skipped=True, observed=reason, expected=expected,
                   description=description)


def _not_landed(changes: TableChanges, name: str, missing: Sequence[str], expected: str,
                description: str) -> RuleResult:
    """A check that cannot be evaluated yet: the outputs it reads have not landed (partitions may be
    materialised in any order). A warning that names them — never blocking, never a pass."""
    return RuleResult(name=name, table=output_table(changes.table.name, SNAPSHOT), kind=KIND, passed=False,
                      blocking=False, severity="warn", observed=NOT_LANDED + ", ".join(missing), expected=expected,
                      examples=list(missing), description=description, engine=ENGINE)


_MATCH_EXPECTED = "the current versions of the history = the snapshot (same keys, same values)"
_MATCH_DESCRIPTION = ("The SCD2 history and the snapshot of a partition tell the same story: the current version of "
                      "each key is its row in the snapshot.")
_REPLAY_EXPECTED = ("snapshot(D) = snapshot(D-1) with the log events whose __event_ts is in D applied (the last "
                    "after image per key; a hard delete removes the key)")
_REPLAY_DESCRIPTION = ("The snapshot of a partition is what replaying its change log onto the snapshot before it "
                       "gives, late events included: a consumer applying the log ends with the same table.")


def check_snapshot_history(changes: TableChanges, snapshot: BatchSource, history: BatchSource, *,
                           severity: Any = None) -> list[RuleResult]:
    """``snapshot__matches_history``: the current versions of the history of a partition equal its snapshot."""
    key = _key_columns(changes)
    if not key:
        return _severity([_skip(changes, SNAPSHOT_CHECKS[0], "no primary key", _MATCH_EXPECTED, _MATCH_DESCRIPTION)],
                         severity)
    values = list(changes.snapshot_schema.names)

    def is_current(batch: pa.RecordBatch) -> np.ndarray:
        return np.asarray(pc.fill_null(batch.column(IS_CURRENT), False).to_numpy(zero_copy_only=False), dtype=bool)

    hk, hv, _ = _keyed(history(), key, values, is_current)
    sk, sv, rows = _keyed(snapshot(), key, values)
    current_rows: BatchSource = lambda: (b.filter(pa.array(is_current(b))) for b in history())  # noqa: E731
    return _severity([_comparison_result(changes, SNAPSHOT_CHECKS[0], ("the history", "the snapshot"),
                                         _compare((hk, hv), (sk, sv)), rows, (snapshot, current_rows), key,
                                         _MATCH_EXPECTED, _MATCH_DESCRIPTION)], severity)


def check_snapshot_replay(changes: TableChanges, snapshot: BatchSource, previous: BatchSource | None,
                          logs: Sequence[BatchSource], window: tuple[int, int], *, missing: Sequence[str] = (),
                          severity: Any = None) -> list[RuleResult]:
    """``snapshot__replays_log``: the snapshot of the partition ``window`` = ``previous`` (the snapshot of the
    partition before; None for the first partition of the run, before which nothing exists) with the events
    of ``logs`` (the change logs of this partition and of the following ones late events may reach, see
    :func:`replay_partitions`) whose event time is in ``window`` applied. ``missing``: the outputs that are
    needed and have not landed, which make the result a warning that names them (never blocking, never a
    pass)."""
    name = SNAPSHOT_CHECKS[1]
    key = _key_columns(changes)
    if missing:
        return _severity([_not_landed(changes, name, missing, _REPLAY_EXPECTED, _REPLAY_DESCRIPTION)], severity)
    if not key:
        return _severity([_skip(changes, name, "no primary key", _REPLAY_EXPECTED, _REPLAY_DESCRIPTION)], severity)
    values = list(changes.snapshot_schema.names)
    pk, pv, _ = _keyed(previous(), key, values) if previous is not None else (np.zeros(0, np.uint64),) * 2 + (0,)
    start, end = window

    def in_window(batch: pa.RecordBatch) -> np.ndarray:
        t, ok = _micros(batch.column(EVENT_TS))
        return ok & (t >= start) & (t < end)

    eks, evs, ets, ed = [], [], [], []
    for log in logs:
        for batch in log():
            batch = batch.filter(pa.array(in_window(batch)))
            if not batch.num_rows:
                continue
            eks.append(_hash(batch, key))
            evs.append(_hash(batch, values))
            ets.append(_micros(batch.column(EVENT_TS))[0])
            op = batch.column(OP)
            op = op.dictionary_decode() if pa.types.is_dictionary(op.type) else op
            ed.append(np.asarray(op.to_numpy(zero_copy_only=False)).astype(str) == DELETE)
    if eks:
        ek, ev, et, deleted = (np.concatenate(x) for x in (eks, evs, ets, ed))
        order = np.lexsort((et, ek))
        ek, ev, deleted = ek[order], ev[order], deleted[order]
        last = np.append(ek[1:] != ek[:-1], True)
        ek, ev, deleted = ek[last], ev[last], deleted[last]
        keep = ~np.isin(pk, ek)
        expected_k = np.concatenate([pk[keep], ek[~deleted]])
        expected_v = np.concatenate([pv[keep], ev[~deleted]])
    else:
        expected_k, expected_v = pk, pv
    sk, sv, rows = _keyed(snapshot(), key, values)
    sources = [snapshot, *([previous] if previous is not None else []), *logs]
    return _severity([_comparison_result(changes, name, ("the replay", "the snapshot"),
                                         _compare((expected_k, expected_v), (sk, sv)), rows, sources, key,
                                         _REPLAY_EXPECTED, _REPLAY_DESCRIPTION)], severity)


# ---- partitions and the store ------------------------------------------------------------------------------------

def window_start(cadence: str, end_us: int) -> int:
    """Start of the partition window that ends at ``end_us`` (a window boundary)."""
    if cadence == "hourly":
        return end_us - US_PER_HOUR
    if cadence == "daily":
        return end_us - US_PER_DAY
    if cadence == "weekly":
        return end_us - 7 * US_PER_DAY
    month = np.int64(end_us).astype("datetime64[us]").astype("datetime64[M]") - 1
    return int(month.astype("datetime64[us]").astype(np.int64))


def partition_key(cadence: str, start_us: int) -> str:
    """The partition key of the window starting at ``start_us``, as Dagster writes it."""
    t = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(start_us))
    return t.strftime("%Y-%m-%d-%H:%M") if cadence == "hourly" else t.strftime("%Y-%m-%d")


def partition_window(scheme: Any, key: str) -> tuple[int, int]:
    """The window [start, end) in microseconds of a partition key of a run's
    :class:`~mock_pipelines.core.timeline.PartitionScheme`."""
    fmt = "%Y-%m-%d-%H:%M" if scheme.cadence == "hourly" else "%Y-%m-%d"
    start = dt.datetime.strptime(key, fmt)
    start_us = int((start - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1))
    return start_us, int(scheme.window_end_us(np.array([start_us]))[0])


def replay_partitions(changes: TableChanges, window: tuple[int, int],
                      ) -> tuple[tuple[str, int, int] | None, list[tuple[str, int, int]]]:
    """What the replay of the partition ``window`` reads: the partition before it ((key, start, end); None for
    the first of the run) and the partitions whose change logs may hold its events: itself and, with late
    events, every following one that starts before its end plus ``late.max_days``."""
    scheme = changes.table.plan.partitions
    if scheme is None:
        raise ValueError(f"{changes.table.name!r}: change outputs need a time-partitioned run")
    start, end = window
    before = None
    if start > scheme.start_us:
        s = window_start(scheme.cadence, start)
        before = (partition_key(scheme.cadence, s), s, start)
    logs = [(partition_key(scheme.cadence, start), start, end)]
    while logs[-1][2] < end + changes.late_us:
        s = logs[-1][2]
        e = int(scheme.window_end_us(np.array([s]))[0])
        logs.append((partition_key(scheme.cadence, s), s, e))
    return before, logs


def landed_change_checks(store: Any, dataset: str, changes: TableChanges, key: str,
                         window: tuple[int, int], *, outputs: Iterable[str] = (LOG, SNAPSHOT, HISTORY),
                         severity: Any = None, batch_rows: int | None = None) -> dict[str, list[RuleResult]]:
    """Every change check of one partition, on what a store holds: {output: results} for each of ``outputs``
    (the landed output tables ``<table>__changes``, ``__snapshot``, ``__history`` of the partition
    ``key``, whose window is ``window``). The snapshot's checks also read the history of the partition, the
    snapshot of the partition before and the change logs of the partitions its late events may reach; an
    output of this partition that has not landed gives no results, a neighbour that has not landed a warning
    that names it (a check that cannot be evaluated yet: never blocking, never a pass)."""
    from mock_pipelines.quality.runner import landed_source

    table = changes.table.name

    listed: dict[str, set[str]] = {}

    def source(output: str, partition: str) -> BatchSource | None:
        # A database cannot tell a partition never written from one written without rows: only the
        # partitions the store lists count as landed (an empty one then waits, never passes unread).
        if output not in listed:
            listed[output] = set(store.list_partitions(dataset, output_table(table, output)))
        if partition not in listed[output]:
            return None
        try:
            return landed_source(store, dataset, output_table(table, output), partition,
                                 schema=changes.schema(output), batch_rows=batch_rows)
        except FileNotFoundError:
            return None

    out: dict[str, list[RuleResult]] = {}
    wanted = list(outputs)
    if LOG in wanted and (log := source(LOG, key)) is not None:
        out[LOG] = check_change_log(changes, log, window, severity=severity)
    history = source(HISTORY, key) if HISTORY in wanted or SNAPSHOT in wanted else None
    if HISTORY in wanted and history is not None:
        out[HISTORY] = check_history(changes, history, severity=severity)
    if SNAPSHOT in wanted and (snapshot := source(SNAPSHOT, key)) is not None:
        results: list[RuleResult] = []
        if history is None:
            results += _severity([_not_landed(changes, SNAPSHOT_CHECKS[0], [f"{output_table(table, HISTORY)} {key}"],
                                              _MATCH_EXPECTED, _MATCH_DESCRIPTION)], severity)
        else:
            results += check_snapshot_history(changes, snapshot, history, severity=severity)
        before, after = replay_partitions(changes, window)
        missing: list[str] = []
        previous = None
        if before is not None:
            previous = source(SNAPSHOT, before[0])
            if previous is None:
                missing.append(f"{output_table(table, SNAPSHOT)} {before[0]}")
        logs = []
        for partition, _, _ in after:
            found = source(LOG, partition)
            if found is None:
                missing.append(f"{output_table(table, LOG)} {partition}")
            else:
                logs.append(found)
        results += check_snapshot_replay(changes, snapshot, previous, logs, window, missing=missing,
                                         severity=severity)
        out[SNAPSHOT] = results
    return out


def op_counts(batches: Iterable[pa.RecordBatch], soft_column: str | None = None) -> dict[str, int]:
    """Inserts, updates and deletes of change-log batches: {"c": …, "u": …, "d": …}. With ``soft_column``
    (the table's soft-delete column), an update that sets only it is counted as a delete."""
    counts = {INSERT: 0, UPDATE: 0, DELETE: 0}
    for batch in batches:
        if not batch.num_rows:
            continue
        op = batch.column(OP)
        op = op.dictionary_decode() if pa.types.is_dictionary(op.type) else op
        vc = pc.value_counts(op)
        for v, c in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
            if v in counts:
                counts[v] += int(c)
        if soft_column is not None and CHANGED in batch.schema.names:
            text = batch.column(CHANGED)
            soft = pc.and_(pc.equal(op, UPDATE), pc.equal(text, soft_column))
            moved = int(pc.sum(pc.cast(pc.fill_null(soft, False), pa.int64())).as_py() or 0)
            counts[UPDATE] -= moved
            counts[DELETE] += moved
    return counts


def change_volume(changes: TableChanges, windows: Mapping[str, tuple[int, int]],
                  landed: Mapping[str, BatchSource] | None = None) -> dict[str, dict[str, int]]:
    """Inserts, updates and deletes (soft or hard) per partition: {key: {"c", "u", "d"}} — counted from the
    landed change log of a partition when ``landed`` has it, else from the change log the core computes for its
    window."""
    out: dict[str, dict[str, int]] = {}
    for key, (start, end) in windows.items():
        src = (landed or {}).get(key)
        batches = src() if src is not None else (b.select([OP, CHANGED]) for b in changes.log(start, end))
        out[key] = op_counts(batches, changes.soft_column)
    return out
