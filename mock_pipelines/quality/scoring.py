"""Detection score: what a pipeline's checks caught of the defects a scenario injected, per defect kind.

A scenario's ground truth (:data:`~mock_pipelines.core.scenarios.GROUND_TRUTH_SCHEMA`) lists every damaged
cell, copied row, excluded record and drifted partition. A pipeline under test says which rows it rejected:
a table of *flags*, one row per rejected row (``row_key``, the primary key as text — built with
:func:`~mock_pipelines.core.scenarios.row_keys`) and optionally the ``column`` it objected to, the ``rule``
and its ``rule_kind`` (one of :data:`~mock_pipelines.core.defects.base.VIOLATIONS`), the ``table`` and the
``partition``. :func:`detection` sets the flags against the truth; :func:`rule_flags` gives the flags of the
project's own row-level rules, so the project's checks are scored exactly as a user's pipeline is.

When is an entry of the ground truth *caught*?

* a cell or row entry (it has a ``row_key``) by a flag of the same row (and table, when the flags say) —
  a flag that names a ``rule_kind`` only when that kind is among the entry's ``violates`` (a row that is a
  duplicate *and* lost its e-mail is not "caught missing" by the key rule) and, for a rule of one column, the
  column is the entry's (key and order rules span several columns and row entries have none: the row is
  enough); a flag without a ``rule_kind`` (a user's pipeline that only says "I dropped this row, because of
  this column") catches it when it names no column, or the entry's;
* a partition-level entry (a schema drift: no ``row_key`` and no ``row_index``) by a column-level flag (no
  ``row_key``) on its column, of the same partition when both say: a missing column fails every rule that
  reads it, a re-typed one its type rule;
* an entry of a table without a primary key (a ``row_index`` but no ``row_key``) cannot be matched: missed.

A flagged row of the data that has no entry at all in the truth is a *false positive*
(:attr:`Detection.false_positives`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.engine import arrow_type
from mock_pipelines.core.scenarios import row_keys
from mock_pipelines.quality import arrow_checks
from mock_pipelines.quality.cross_table import derive_cross_rules
from mock_pipelines.quality.distinct_stream import batch_hashes
from mock_pipelines.quality.rules import Rule, derive_rules
from mock_pipelines.spec.model import DatasetSpec

# The violation kind (core.defects.base.VIOLATIONS) each row-level rule checks, by its expectation.
RULE_KINDS = {
    "ExpectColumnValuesToNotBeNull": "not_null",
    "ExpectColumnValuesToBeBetween": "range",
    "ExpectColumnValuesToBeInSet": "value_set",
    "ExpectColumnValuesToMatchRegex": "format",
    "ExpectColumnValueLengthsToBeBetween": "length",
    "ExpectColumnValuesToHaveValidCheckDigits": "checksum",
    "ExpectColumnValuesToBeInTypeList": "type",
    "ExpectColumnValuesToBeUnique": "unique",
    "ExpectCompoundColumnsToBeUnique": "unique",
    "ExpectColumnPairValuesAToBeGreaterThanB": "order",
}
VALUE_RULES = frozenset(arrow_checks.VALUE_TESTS) | {"ExpectColumnPairValuesAToBeGreaterThanB"}
# Rule kinds that judge a row rather than one cell: a flag of theirs catches any entry of the row it names.
ROW_KINDS = frozenset({"unique", "order", "fk"})
GROUP_ORDER = ("defect", "anomaly", "edge", "row", "exclusion", "drift")
FLAGS_SCHEMA = pa.schema([
    pa.field("table", pa.string()),
    pa.field("row_key", pa.string()),  # null: a column-level flag (the column is missing or of another type)
    pa.field("rule", pa.string()),
    pa.field("rule_kind", pa.string()),
    pa.field("column", pa.string()),
])


# ---- the project's rules as flags ------------------------------------------------------------------------

def rule_flags(spec: DatasetSpec, table: str, batches: Iterable[pa.RecordBatch], *, locale: str,
               partitioned: bool = False, parent_keys: Mapping[str, pa.Array | pa.Table] | None = None) -> pa.Table:
    """The row-level rules of ``table`` (:func:`~mock_pipelines.quality.rules.derive_rules`) evaluated row by
    row on a scenario's rows: one row per (flagged row, rule), :data:`FLAGS_SCHEMA`.

    Rules: ``not_null``, ``between``, ``values_in_set``, ``regex``, ``checksum`` and ``after``/``before`` as the
    checks evaluate them (a re-typed column is judged on the values that cast to its declared type, as the
    ground truth labels them); ``type`` flags each value of a re-typed string column that does not cast to the
    declared type; ``pk_unique``/``unique``/``unique_within`` every row whose key repeats; ``fk`` every
    reference absent from ``parent_keys`` (by the rule's name ``fk__col`` or its first column; an Arrow array
    of the parent's key, or a table of its key columns in the foreign key's order for a composite key) —
    skipped when not given. Distribution, row-count and ``checks:`` rules say nothing about a row: left out.

    Column-level flags (``row_key`` null): a rule reading a column the rows lack, and the type rule of a
    column whose type is not the declared one. Rows of a table without a primary key have no ``row_key`` the
    ground truth could name: their flags are left out.

    Memory: one batch at a time, except for the uniqueness rules — 8 bytes per row and rule (a 64-bit hash of
    the key; a hash collision between two different keys, below 1e-5 at 10M rows, would flag both rows) plus
    the ``row_key`` text of every row — and the parent key sets given.
    """
    spec_table = spec.tables[table]
    derived = [r for r in derive_rules(spec, table, None, locale=locale, partitioned=partitioned)
               if r.expectation in RULE_KINDS and r.kind != "custom"]
    fks = [r for r in derive_cross_rules(spec, table, partitioned=partitioned) if r.kind == "fk"]
    declared = {name: arrow_type(col.type) for name, col in spec_table.columns.items()}
    repeats = _Repeats([r for r in derived if RULE_KINDS[r.expectation or ""] == "unique"])
    out: list[pa.Table] = []  # row flags
    columns: list[pa.Table] = []  # column-level flags, one per rule and column
    column_flagged: set[tuple[str, str]] = set()
    for batch in batches:
        keys = row_keys(batch, spec_table.primary_key)
        names = set(batch.schema.names)
        typed = _typed(batch, declared)
        for rule in [*derived, *fks]:
            missing = [c for c in rule.columns if c not in names]
            if missing or rule.expectation == "ExpectColumnValuesToBeInTypeList":
                column = missing[0] if missing else rule.columns[0]
                off = missing or not arrow_checks.type_matches(batch.schema.field(column).type,
                                                               rule.params["arrow_type"])
                if off and (rule.name, column) not in column_flagged:
                    column_flagged.add((rule.name, column))
                    columns.append(_flags(table, pa.nulls(1, pa.string()), rule, column, _rule_kind(rule)))
                if missing:
                    continue
            mask = _failing(rule, batch, typed, declared, parent_keys)
            if mask is not None:
                out.append(_flags(table, pc.filter(keys, mask), rule, rule.columns[0], _rule_kind(rule)))
        repeats.add(batch, keys)
    out += [_flags(table, k, r, r.columns[0], "unique") for r, k in repeats.finish()]
    rows = pa.concat_tables([FLAGS_SCHEMA.empty_table(), *out])
    return pa.concat_tables([rows.filter(pc.is_valid(rows["row_key"])), *columns])


def _rule_kind(rule: Rule) -> str:
    return "fk" if rule.kind == "fk" else RULE_KINDS[rule.expectation or ""]


def _flags(table: str, keys: pa.Array, rule: Rule, column: str, kind: str) -> pa.Table:
    n = len(keys)
    return pa.table([pa.repeat(pa.scalar(table), n).cast(pa.string()), keys.cast(pa.string()),
                     pa.repeat(pa.scalar(rule.name), n).cast(pa.string()),
                     pa.repeat(pa.scalar(kind), n).cast(pa.string()),
                     pa.repeat(pa.scalar(column), n).cast(pa.string())], schema=FLAGS_SCHEMA)


def _failing(rule: Rule, batch: pa.RecordBatch, typed: pa.Table, declared: Mapping[str, pa.DataType | None],
             parent_keys: Mapping[str, pa.Array | pa.Table] | None) -> pa.Array | None:
    """The rows of one batch a rule flags (None: none, or a rule judged elsewhere)."""
    kind = _rule_kind(rule)
    if kind == "not_null":  # on the rows as they are: a value that does not cast is not a null
        col = batch.column(rule.columns[0])
        return col.is_null() if col.null_count else None
    if kind == "type":
        raw = batch.column(rule.columns[0])
        target = _judged_type(declared.get(rule.columns[0]))
        if target is None or not pa.types.is_string(_value_type(raw.type)) or pa.types.is_string(target):
            return None
        text = _plain(raw)
        bad = pc.and_(text.is_valid(), pa.array(~castable(text, target)))
        return bad if pc.any(bad).as_py() else None
    if kind == "fk":
        return _orphans(rule, typed, parent_keys)
    if rule.expectation in VALUE_RULES:
        bad = arrow_checks.failing_rows(rule, typed)
        if bad is None:
            return None
        bad = bad.combine_chunks() if isinstance(bad, pa.ChunkedArray) else bad
        return bad if pc.any(bad).as_py() else None
    return None  # uniqueness: over every batch (_Repeats)


def _judged_type(declared: pa.DataType | None) -> pa.DataType | None:
    """The type a re-typed value must cast to: the declared one, a decimal as a float (as the ground truth
    labels it, :mod:`mock_pipelines.core.defects.classify`)."""
    return pa.float64() if declared is not None and pa.types.is_decimal(declared) else declared


def _value_type(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _plain(col: pa.Array) -> pa.Array:
    return col.dictionary_decode() if pa.types.is_dictionary(col.type) else col


def castable(values: pa.Array, target: pa.DataType) -> np.ndarray:
    """Which values cast to ``target`` (a null does), each judged alone as Arrow's cast judges it. Blocks
    that cast whole are settled at once; a failing block is halved until the bad values are found, so a
    batch with k bad values costs about 2·k·log2(n/k) small casts, never one per row."""
    ok = np.ones(len(values), dtype=bool)
    stack = [(0, len(values))]
    while stack:
        lo, hi = stack.pop()
        if hi <= lo:
            continue
        try:
            pc.cast(values.slice(lo, hi - lo), target)
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass
        if hi - lo == 1:
            ok[lo] = False
            continue
        mid = (lo + hi) // 2
        stack += [(mid, hi), (lo, mid)]
    return ok


def _typed(batch: pa.RecordBatch, declared: Mapping[str, pa.DataType | None]) -> pa.Table:
    """The batch with every re-typed column (strings where the schema declares another type) cast back to
    its declared type, a value that does not cast as null: value rules judge what is still a value of the
    column, as the ground truth's labels do (:mod:`mock_pipelines.core.defects.classify`)."""
    arrays, fields = [], []
    for field, col in zip(batch.schema, batch.columns, strict=True):
        target = _judged_type(declared.get(field.name))
        if target is not None and pa.types.is_string(_value_type(field.type)) and not pa.types.is_string(target):
            text = _plain(col)
            ok = castable(text, target)
            col = pc.cast(pc.if_else(pa.array(ok), text, pa.nulls(len(text), pa.string())), target)
            field = pa.field(field.name, target)
        arrays.append(col)
        fields.append(field)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _orphans(rule: Rule, typed: pa.Table, parent_keys: Mapping[str, pa.Array | pa.Table] | None
             ) -> pa.Array | None:
    if not parent_keys:
        return None
    parent = parent_keys.get(rule.name, parent_keys.get(rule.columns[0]))
    if parent is None:
        return None
    cols = [typed.column(c).combine_chunks() for c in rule.columns]
    if len(cols) == 1:
        refs = _plain(cols[0])
        keys = parent if not isinstance(parent, pa.Table | pa.RecordBatch) else parent.column(0)
        keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
        keys = _plain(keys)
        if keys.type != refs.type:
            refs, keys = pc.cast(refs, pa.string()), pc.cast(keys, pa.string())
        present = refs.is_valid()
    else:  # a composite reference: compared as the "a|b" text of its columns
        assert isinstance(parent, pa.Table | pa.RecordBatch), f"{rule.name}: give a table of the parent's key"
        refs = row_keys(pa.table(cols, names=list(rule.columns)), list(rule.columns))
        keys = row_keys(pa.table(parent.columns, names=list(rule.columns)), list(rule.columns))
        present = pc.and_(*[c.is_valid() for c in cols])
    bad = pc.and_(present, pc.invert(pc.fill_null(pc.is_in(refs, value_set=keys), False)))
    return bad if pc.any(bad).as_py() else None


class _Repeats:
    """Every row whose key repeats, for each uniqueness rule, over all batches: a 64-bit hash per row and
    rule (exact for one integer or time column) and the ``row_key`` of every row."""

    def __init__(self, rules: Sequence[Rule]):
        self.rules = list(rules)
        self.hashes: dict[str, list[np.ndarray]] = {r.name: [] for r in self.rules}
        self.positions: dict[str, list[np.ndarray]] = {r.name: [] for r in self.rules}
        self.keys: list[pa.Array] = []
        self.rows = 0

    def add(self, batch: pa.RecordBatch, keys: pa.Array) -> None:
        if not self.rules:
            return
        plain = pa.RecordBatch.from_arrays([_plain(c) for c in batch.columns], names=batch.schema.names)
        for rule in self.rules:
            if not all(c in plain.schema.names for c in rule.columns):
                continue
            h, rows = batch_hashes(plain, list(rule.columns))  # rows with a null in the key never repeat
            at = np.arange(batch.num_rows, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
            self.hashes[rule.name].append(h)
            self.positions[rule.name].append(at + self.rows)
        self.keys.append(keys)
        self.rows += batch.num_rows

    def finish(self) -> Iterator[tuple[Rule, pa.Array]]:
        if not self.rules or not self.keys:
            return
        keys = pa.concat_arrays([k.cast(pa.string()) for k in self.keys])
        for rule in self.rules:
            if not self.hashes[rule.name]:
                continue
            h = np.concatenate(self.hashes[rule.name])
            at = np.concatenate(self.positions[rule.name])
            s = np.sort(h)
            repeated = np.unique(s[1:][s[1:] == s[:-1]])
            if len(repeated):
                yield rule, keys.take(pa.array(at[np.isin(h, repeated)]))


# ---- scoring ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KindScore:
    """How many entries of one defect kind were injected and how many the flags caught.

    ``detectable``: entries whose ``violates`` is not empty (a rule could see them; an exclusion or an edge
    case that keeps every rule is not); ``missed`` = injected − caught; ``recall`` = caught / injected;
    ``rules``: the rules whose flags caught them (empty for flags that name no rule)."""

    kind: str
    group: str
    injected: int
    detectable: int
    caught: int
    missed: int
    recall: float
    rules: tuple[str, ...] = ()


class Detection(list[KindScore]):
    """The scores per kind (a list of :class:`KindScore`), with the rows flagged that the truth does not
    list: ``false_positives`` (distinct flagged rows with no entry) out of ``flagged`` (distinct flagged rows)."""

    false_positives: int = 0
    flagged: int = 0


def detection(truth: pa.Table, flags: pa.Table) -> Detection:
    """Score ``flags`` (the project's :func:`rule_flags`, or a user's pipeline's: ``row_key`` and optionally
    ``column``, ``rule``, ``rule_kind``, ``table``, ``partition``) against a scenario's ground truth, per
    defect kind (the module docstring says when an entry is caught). When the flags have no ``table``
    column, rows are matched by key alone: score one table at a time, or give the table."""
    t = _truth(truth)
    f = _normalised_flags(flags)
    by_table = "table" in flags.column_names
    on = ["table", "row_key"] if by_table else ["row_key"]
    hits: list[pa.Table] = []  # (entry, rule) for every flag that catches an entry

    def mark(ids: pa.ChunkedArray, rules: pa.ChunkedArray) -> None:
        hits.append(pa.table({"entry": ids.cast(pa.int64()), "rule": rules.cast(pa.string())}))

    rows = t.filter(pc.is_valid(t["row_key"]))
    row_flags = f.filter(pc.is_valid(f["row_key"]))
    # flags that name a rule kind: the kind among the entry's violates; the column, for a one-column rule
    exploded = _exploded(rows)
    kinded = row_flags.filter(pc.is_valid(row_flags["rule_kind"])).rename_columns(
        [c if c in on or c == "rule_kind" else f"f_{c}" for c in f.column_names])
    joined = exploded.join(kinded, keys=[*on, "rule_kind"], right_keys=[*on, "rule_kind"], join_type="inner",
                           use_threads=False)
    if joined.num_rows:
        same_column = pc.fill_null(pc.equal(joined["column"], joined["f_column"]), False)
        any_column = pc.or_(pc.is_null(joined["column"]),
                            pc.is_in(joined["rule_kind"], value_set=pa.array(sorted(ROW_KINDS))))
        hit = joined.filter(pc.or_(same_column, any_column))
        mark(hit["entry"], hit["f_rule"])
    # flags that name no rule kind (a user's pipeline): the row, and the column when the flag names one
    plain = row_flags.filter(pc.is_null(row_flags["rule_kind"])).rename_columns(
        [c if c in on else f"f_{c}" for c in f.column_names])
    joined = rows.join(plain, keys=on, join_type="inner", use_threads=False)
    if joined.num_rows:
        ok = pc.or_(pc.or_(pc.is_null(joined["f_column"]), pc.is_null(joined["column"])),
                    pc.fill_null(pc.equal(joined["column"], joined["f_column"]), False))
        hit = joined.filter(ok)
        mark(hit["entry"], hit["f_rule"])
    # partition-level entries: a column-level flag on their column (of their partition, when both say)
    parts = t.filter(pc.and_(pc.is_null(t["row_key"]), pc.is_null(t["row_index"])))
    col_flags = f.filter(pc.is_null(f["row_key"])).rename_columns(
        [c if c in ("table", "column") and (c != "table" or by_table) else f"f_{c}" for c in f.column_names])
    col_on = ["table", "column"] if by_table else ["column"]
    joined = parts.join(col_flags, keys=col_on, join_type="inner", use_threads=False)
    if joined.num_rows:
        same_part = pc.or_(pc.or_(pc.is_null(joined["partition"]), pc.is_null(joined["f_partition"])),
                           pc.fill_null(pc.equal(joined["partition"], joined["f_partition"]), False))
        hit = joined.filter(same_part)
        mark(hit["entry"], hit["f_rule"])
    out = Detection(_scores(t, pa.concat_tables([pa.table({"entry": pa.array([], pa.int64()),
                                                            "rule": pa.array([], pa.string())}), *hits])))
    flagged = row_flags.select(on).group_by(on, use_threads=False).aggregate([])
    listed = rows.select(on).group_by(on, use_threads=False).aggregate([])
    out.flagged = flagged.num_rows
    out.false_positives = flagged.join(listed, keys=on, join_type="left anti", use_threads=False).num_rows
    return out


def _truth(truth: pa.Table) -> pa.Table:
    n = truth.num_rows
    cols = {c: truth[c] if c in truth.column_names else pa.nulls(n, pa.string())
            for c in ("table", "partition", "row_key", "column", "kind", "group", "violates")}
    cols["row_index"] = truth["row_index"] if "row_index" in truth.column_names else pa.nulls(n, pa.int64())
    cols["violates"] = pc.fill_null(cols["violates"], "")
    cols["entry"] = pa.array(np.arange(n, dtype=np.int64))
    return pa.table({k: (v.cast(pa.string()) if k not in ("row_index", "entry") else v) for k, v in cols.items()})


def _normalised_flags(flags: pa.Table) -> pa.Table:
    if "row_key" not in flags.column_names:
        raise ValueError(f"flags need a row_key column (the primary key as text, 'a|b' for a composite key; "
                         f"core.scenarios.row_keys builds it): got columns {flags.column_names}")
    n = flags.num_rows
    return pa.table({c: flags[c].cast(pa.string()) if c in flags.column_names else pa.nulls(n, pa.string())
                     for c in ("table", "partition", "row_key", "column", "rule", "rule_kind")})


def _exploded(rows: pa.Table) -> pa.Table:
    """One row per (entry, rule kind it violates)."""
    parts = pc.split_pattern(rows["violates"], ",")
    parent = pc.list_parent_indices(parts)
    kinds = pc.list_flatten(parts)
    out = rows.select(["entry", "table", "row_key", "column"]).take(parent).append_column("rule_kind", kinds)
    return out.filter(pc.not_equal(out["rule_kind"], ""))


def _scores(t: pa.Table, hits: pa.Table) -> list[KindScore]:
    """Per kind: entries, detectable ones, caught ones and the rules that caught them (one small table per
    kind from Arrow aggregations, never a loop over the entries)."""
    caught = pc.is_in(t["entry"], value_set=pc.unique(hits["entry"])) if hits.num_rows \
        else pa.array(np.zeros(t.num_rows, dtype=bool))
    per_entry = pa.table({"kind": t["kind"], "group": t["group"],
                          "detectable": pc.cast(pc.not_equal(t["violates"], ""), pa.int64()),
                          "caught": pc.cast(caught, pa.int64())})
    counts = per_entry.group_by(["kind"], use_threads=False).aggregate([
        ("group", "first"), ([], "count_all"), ("detectable", "sum"), ("caught", "sum")])
    named = hits.filter(pc.is_valid(hits["rule"])).join(t.select(["entry", "kind"]), keys="entry",
                                                      use_threads=False)
    rules = named.group_by(["kind"], use_threads=False).aggregate([("rule", "distinct")])
    by_kind = dict(zip(rules["kind"].to_pylist(), rules["rule_distinct"].to_pylist(), strict=True))
    out = []
    for row in counts.to_pylist():  # one row per kind
        n, found = row["count_all"], row["caught_sum"]
        out.append(KindScore(row["kind"], row["group_first"], n, row["detectable_sum"], found, n - found,
                             found / n if n else 0.0, tuple(sorted(by_kind.get(row["kind"]) or ()))))
    rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    return sorted(out, key=lambda s: (rank.get(s.group, len(rank)), s.kind))


# ---- presenting the score ---------------------------------------------------------------------------------

SCORE_SCHEMA = pa.schema([("kind", pa.string()), ("group", pa.string()), ("injected", pa.int64()),
                          ("detectable", pa.int64()), ("caught", pa.int64()), ("missed", pa.int64()),
                          ("recall", pa.float64()), ("rules", pa.string())])


def score_table(scores: Sequence[KindScore]) -> pa.Table:
    """The scores as an Arrow table (one row per kind; the rules comma-separated)."""
    return pa.Table.from_pylist([{"kind": s.kind, "group": s.group, "injected": s.injected,
                                  "detectable": s.detectable, "caught": s.caught, "missed": s.missed,
                                  "recall": s.recall, "rules": ", ".join(s.rules)} for s in scores],
                                schema=SCORE_SCHEMA)


def score_markdown(scores: Sequence[KindScore]) -> str:
    """The scores as a Markdown table, and the false positives when known (Dagster metadata, the CLI)."""
    if not scores:
        lines = ["No defect injected: nothing to score."]
    else:
        lines = ["| kind | group | injected | detectable | caught | recall | caught by |",
                 "|---|---|---:|---:|---:|---:|---|"]
        lines += [f"| {s.kind} | {s.group} | {s.injected:,} | {s.detectable:,} | {s.caught:,} | {s.recall:.0%} | "
                  f"{', '.join(s.rules) or '—'} |" for s in scores]
    if isinstance(scores, Detection):
        lines.append(f"\nFalse positives: {scores.false_positives:,} of {scores.flagged:,} flagged rows have no "
                     "entry in the ground truth.")
    return "\n".join(lines)


def rejected_keys(before: pa.Array, after: pa.Array) -> pa.Table:
    """The flags of a pipeline that drops rows: each ``row_key`` of ``before`` (the rows it was fed) once
    for every time it is missing from ``after`` (the rows it kept) — a dropped copy of a duplicated row
    counts though its key survives. Both are row keys as :func:`~mock_pipelines.core.scenarios.row_keys`
    builds them."""
    def counts(keys: pa.Array) -> pa.Table:
        t = pa.table({"row_key": keys.cast(pa.string())})
        return t.group_by("row_key", use_threads=False).aggregate([([], "count_all")])
    fed = counts(before)
    kept = counts(after).rename_columns(["row_key", "kept"])
    both = fed.join(kept, keys="row_key", join_type="left outer", use_threads=False)
    lost = pc.subtract(both["count_all"], pc.fill_null(both["kept"], 0))
    both = both.append_column("lost", lost).filter(pc.greater(lost, 0))
    repeat = np.repeat(np.arange(both.num_rows), both["lost"].to_numpy())
    return pa.table({"row_key": both["row_key"].take(pa.array(repeat))})


__all__ = ["FLAGS_SCHEMA", "RULE_KINDS", "Detection", "KindScore", "castable", "detection", "rejected_keys",
           "rule_flags", "score_markdown", "score_table"]
