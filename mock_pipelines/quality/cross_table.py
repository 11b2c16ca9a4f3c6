"""Rules between a table and its parents, evaluated exactly (never sampled) with pyarrow.

=============================  ===========  ==========================================================
name                           kind         what it checks
=============================  ===========  ==========================================================
``fk__col[__col2…]``           fk           every non-null reference (all columns of a composite key)
                                            exists in the parent's key (no orphans)
``same_group__col``            fk           a reference picked ``within:`` a group points at a parent of
                                            that group: the parent's grouping key equals the row's own
                                            (``within: fk``) or the one its path leads to (``within: fk.fk…``)
``children_per_parent``        row_count    every parent has between the declared min and max children
                                            (``rows: {per: parent, count: …, min, max}``)
``children_per_branch``        row_count    a count expression (``count: "if_else(cond, a, b)"``): every
                                            parent has as many children as the branch its own columns
                                            choose allows (none where that branch is 0)
``children_per_parent_mean``   distribution the mean number of children per parent is within a CLT band
                                            of the declared count distribution's mean
``after_parent__col``          temporal     col ≥ the parent column named by ``after: fk.parent_col``
``before_parent__col``         temporal     col ≤ the parent column named by ``before: fk.parent_col``
                                            (``…__fk__parent_col`` for each of several)
``after_parent__col__fk``      temporal     a self-reference picked ``within:`` its group points at an
                                            earlier row: an ``ordered`` date col > the referenced row's
``time_after_parent__fk``      temporal     time-partitioned runs: the row's time column ≥ its
                                            partitioned parent's time column
``parent_sum__col``            total        the parent's ``col: {sum_of: this_table.x}`` (or the ``col``
                                            a ``x: {gen: split, of: fk.col}`` splits) equals the sum
                                            of x over its children here (0 without children): exactly
                                            for integers and decimals, to 1e-9 relative for floats
=============================  ===========  ==========================================================

The parent tables passed in must hold every row the child may reference (in a partitioned run, the
parent's partitions up to and including the child's), and, for the children-per-parent and parent-sum
rules, exactly the parents whose children the child table holds (the same partition window). A
``same_group`` rule through a ``within:`` of several steps also reads the tables in the middle (``via``, see
:func:`rule_tables`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import registry
from mock_pipelines.core.child_counts import (
    branch_bounds,
    count_bounds,
    parse_count_expression,
    term_count_ranges,
)
from mock_pipelines.core.column_facts import count_column_range
from mock_pipelines.core.expressions import parse_expression
from mock_pipelines.quality import stats
from mock_pipelines.quality.arrow_checks import EXAMPLES, plain_column
from mock_pipelines.quality.results import RuleResult, plain
from mock_pipelines.quality.rules import Rule, count_distribution
from mock_pipelines.quality.severity import SeverityPolicy
from mock_pipelines.spec.model import COUNT_EXPRESSION, DatasetSpec, TableSpec


def derive_cross_rules(spec: DatasetSpec, table: str, *, partitioned: bool = False,
                       severity: SeverityPolicy | Mapping[str, str] | Any | None = None,
                       z: float = stats.SAFE_Z) -> list[Rule]:
    """The cross-table rules of ``table`` (see the module docstring). ``partitioned``: the data comes from
    a time-partitioned run (a table growing at its own rate then draws its ``per:`` parent at random)."""
    t = spec.tables[table]
    rules: list[Rule] = []

    def add(name: str, kind: str, description: str, columns: tuple[str, ...], severity: str = "error",
            **params: Any) -> None:
        rules.append(Rule(name=name, table=table, kind=kind, description=description, severity=severity,
                          columns=columns, params=params,
                          sampled=False, location=t.location))

    for fk in t.foreign_keys:
        target = f"{fk.table}({', '.join(fk.ref_columns)})"
        add("fk__" + "__".join(fk.columns), "fk", f"Every {'(' + ', '.join(fk.columns) + ')' if len(fk.columns) > 1 else fk.columns[0]} "
            f"of {table} exists in {target}: no orphan references"
            + (" (nulls allowed: a row with a null reference points nowhere)." if fk.null_rate > 0 or fk.table == table
               else "."), tuple(fk.columns), parent=fk.table, ref_columns=list(fk.ref_columns))
        if fk.within is not None:
            _same_group_rule(spec, table, fk, add)
        if fk.within is not None and fk.table == table and len(fk.columns) == 1:
            _earlier_sibling_rules(t, fk, add)
    grouping = t.grouping_fk
    grows_alone = partitioned and t.partitioned is not None and t.partitioned.rows_per_day is not None
    count = count_distribution(t.rows) if grouping is not None and not grows_alone else None
    if grouping is not None and count is not None:
        model, lo, hi = count
        base = dict(parent=grouping.table, ref_columns=list(grouping.ref_columns), fk_columns=list(grouping.columns))
        add("children_per_parent", "row_count", f"Each {grouping.table} row has {t.rows.count} {table} rows, "
            f"never fewer than {lo}" + (f" nor more than {hi}." if hi is not None else "."),
            tuple(grouping.columns), min_children=lo, max_children=hi, **base)
        if model.sd > 0:
            add("children_per_parent_mean", "distribution", f"The mean number of {table} rows per {grouping.table} "
                f"row is {model.mean:.4g} ({t.rows.count}) up to sampling noise ({z:g} standard errors).",
                tuple(grouping.columns), severity="warn", mean=model.mean, sd=model.sd, z=z, **base)
    if grouping is not None and not grows_alone and t.rows.count is not None \
            and t.rows.count.name == COUNT_EXPRESSION and count is None:
        _count_expression_rules(spec, t, grouping, add)
    if grouping is not None and not grows_alone:
        for pcol in spec.tables[grouping.table].columns.values():
            if pcol.sum_of is None or pcol.sum_of[0] != table:
                continue
            summed = pcol.sum_of[1]
            add(f"parent_sum__{pcol.name}", "total", f"{grouping.table}.{pcol.name} is the sum of {summed} over "
                f"the {table} rows of each {grouping.table} row (sum_of), so the two tables agree.", (summed,),
                parent=grouping.table, ref_columns=list(grouping.ref_columns), fk_columns=list(grouping.columns),
                parent_column=pcol.name)
    if grouping is not None and not grows_alone:
        for col in t.columns.values():
            ref = str(col.params.get("of") or "") if col.generator in ("split", "instalments") else ""
            head, _, attr = ref.partition(".")
            if attr and t.fk_for_column(head) is grouping and not any(r.name == f"parent_sum__{attr}" for r in rules):
                add(f"parent_sum__{attr}", "total", f"The {col.name} of the {table} rows of each {grouping.table} row "
                    f"add up to its {attr} exactly (split), so the two tables agree.", (col.name,),
                    parent=grouping.table, ref_columns=list(grouping.ref_columns),
                    fk_columns=list(grouping.columns), parent_column=attr)
    after_pairs: set[tuple[str, str, str]] = set()
    time_col = t.partitioned.time_column if partitioned and t.partitioned is not None else None
    for col, word, ref, several in _parent_bounds(t):
        head, _, attr = ref.partition(".")
        fk = t.fk_for_column(head)
        if fk is None or fk.table == table or "." in attr:
            continue  # a bound two or more hops away holds by construction; no single join shows it
        if col.name == time_col and not _is_partitioned(spec.tables[fk.table]):
            continue  # the time column holds creation times, moved after partitioned parents only
        name = f"{word}_parent__{col.name}" + (f"__{head}__{attr}" if several else "")
        add(name, "temporal", f"{col.name} is generated {word} {fk.table}.{attr} of the referenced row, so it is "
            f"never {'earlier' if word == 'after' else 'later'}.", (col.name,), parent=fk.table,
            fk_columns=list(fk.columns), ref_columns=list(fk.ref_columns), parent_column=attr)
        if word == "after":
            after_pairs.add((col.name, fk.table, attr))
    if time_col is not None:
        for fk in t.foreign_keys:
            parent = spec.tables[fk.table]
            parent_time = parent.partitioned.time_column if parent.partitioned is not None else None
            if fk.table == table or parent_time is None or (time_col, fk.table, parent_time) in after_pairs:
                continue
            add(f"time_after_parent__{fk.name}", "temporal", f"In a time-partitioned run a {table} row is created "
                f"after the {fk.table} row it references: {time_col} ≥ {fk.table}.{parent_time}.", (time_col,),
                parent=fk.table, fk_columns=list(fk.columns), ref_columns=list(fk.ref_columns),
                parent_column=parent_time)
    return SeverityPolicy.of(severity).apply(rules)


def _same_group_rule(spec: DatasetSpec, table: str, fk: Any, add: Any) -> None:
    """``same_group__col``: the parent picked ``within:`` a group belongs to the row's group."""
    t, path, col = spec.tables[table], fk.within.path, fk.columns[0]
    parent = spec.tables.get(fk.table)
    grouping = parent.grouping_fk if parent is not None else None
    hop = t.fk_for_column(path[0])
    if grouping is None or hop is None or len(grouping.columns) != 1:
        return  # refused by validation
    via = []  # each further step of the path: [table it reads, that table's key, its column to follow]
    for step in path[1:]:
        middle = spec.tables[hop.table]
        via.append([hop.table, hop.ref_columns[0], step])
        hop = middle.fk_for_column(step)
        if hop is None:
            return  # refused by validation
    if len(via) == 1:
        whose = f"{via[0][0]}.{path[1]} of its {path[0]}"
    elif via:
        whose = f"the {via[-1][0]}.{path[-1]} its {path[0]} leads to ({' → '.join(v[0] for v in via)})"
    else:
        whose = f"its own {path[0]}"
    add(f"same_group__{col}", "fk", f"Each {col} of {table} is a {fk.table} row of the same {grouping.table} "
        f"row: {fk.table}.{grouping.columns[0]} equals {whose} (within: {fk.within}; nulls point nowhere).",
        (col, path[0]), parent=fk.table, ref_columns=list(fk.ref_columns), fk_columns=[col],
        parent_column=grouping.columns[0], group_column=path[0], **({"via": via} if via else {}))


def _earlier_sibling_rules(t: TableSpec, fk: Any, add: Any) -> None:
    """``after_parent__col__fk``: a self-reference picked ``within:`` the table's own group points at an
    earlier sibling, and a ``date`` column with ``ordered: true`` increases strictly from sibling to
    sibling, so the referenced row's date is always earlier than the row's own."""
    col = fk.columns[0]
    for c in t.columns.values():
        if c.generator and registry.get(c.generator).name == "date" and c.params.get("ordered") is True:
            add(f"after_parent__{c.name}__{col}", "temporal", f"{c.name} is later than the {c.name} of the "
                f"{t.name} row {col} references (an earlier row of the same {t.rows.per} row; ordered dates "
                "increase from row to row of a group).", (c.name,), parent=t.name, fk_columns=[col],
                ref_columns=list(fk.ref_columns), parent_column=c.name, strict=True)


def rule_tables(rule: Rule) -> list[str]:
    """The other tables a cross-table rule reads: its parent, and the tables in the middle of a ``within:``
    path of several steps (``via``)."""
    tables = [rule.params.get("parent"), *(v[0] for v in rule.params.get("via") or [])]
    return [t for i, t in enumerate(tables) if t and t not in tables[:i]]


def _parent_bounds(t: Any) -> list[tuple[Any, str, str, bool]]:
    """(column, "after" or "before", parent reference, one of several) for the time bounds of ``t`` that
    read a parent's column (``after: customer_id.signup_ts``, ``before: [clinic_id.closed_at]``)."""
    out = []
    for col in t.columns.values():
        if col.generator not in ("date", "timestamp"):
            continue
        for word in ("after", "before"):
            given = col.params.get(word)
            refs = [given] if isinstance(given, str) else list(given or [])
            parents = [r for r in refs if "." in r]
            out.extend((col, word, r, len(parents) > 1) for r in parents)
    return out


def _count_expression_rules(spec: DatasetSpec, t: TableSpec, grouping: Any, add: Any) -> None:
    """A count expression: the bounds of its widest branches for every parent, and, when the parent's
    landed columns are all it reads, the bounds of the branch each parent's own columns choose (for a
    computed branch that reads the parent's columns, the bounds its term gives with that parent's values)."""
    rows = t.rows
    parent = spec.tables[grouping.table]
    column_range = count_column_range(spec, parent)
    lo, hi = count_bounds(rows, column_range)
    base = dict(parent=grouping.table, ref_columns=list(grouping.ref_columns), fk_columns=list(grouping.columns))
    add("children_per_parent", "row_count", f"Each {grouping.table} row has {rows.count} {t.name} rows, "
        f"never fewer than {lo}" + (f" nor more than {hi}." if hi is not None else "."),
        tuple(grouping.columns), min_children=lo, max_children=hi, **base)
    expr = parse_count_expression(str(rows.count.args[0]))  # type: ignore[union-attr]
    reads = list(expr.references)
    if not all(r in parent.columns for r in reads):
        return  # a grandparent's attribute or a helper column: not in the parent's landed rows
    if not expr.conditional and not expr.term_references:
        return  # one branch read from nothing: children_per_parent says it all
    bounds = branch_bounds(rows, column_range)
    shown = ", ".join(f"{term.text}: " + ("per row" if term.references else f"{blo}–{'∞' if bhi is None else bhi}")
                      for term, (blo, bhi) in zip(expr.terms, bounds, strict=True))
    add("children_per_branch", "row_count", f"Each {grouping.table} row has the number of {t.name} rows the "
        f"branch of {rows.count} its own columns choose allows ({shown}); none where that branch is 0.",
        tuple(grouping.columns), selector=expr.selector, branch_min=[b[0] for b in bounds],
        branch_max=[b[1] for b in bounds], parent_columns=reads,
        branch_terms=[term.text if term.references else None for term in expr.terms],
        count_text=str(rows.count.args[0]), rows_min=rows.min, rows_max=rows.max, **base)


def columns_read(rules: Sequence[Rule], table: str) -> dict[str, set[str]]:
    """The columns cross-table rules read, per table (the child ``table`` and each parent)."""
    need: dict[str, set[str]] = {table: set()}
    for rule in rules:
        need[table].update(rule.columns, rule.params.get("fk_columns") or [])
        for via, via_ref, via_column in rule.params.get("via") or []:
            need.setdefault(via, set()).update([via_ref, via_column])
        parent = rule.params.get("parent")
        if parent:
            need.setdefault(parent, set()).update(rule.params.get("ref_columns") or [],
                                                  [rule.params["parent_column"]] if rule.params.get("parent_column")
                                                  else [], rule.params.get("parent_columns") or [])
    return need


def _is_partitioned(t: TableSpec) -> bool:
    return t.partitioned is not None


def check_cross_table(rules: Sequence[Rule], child: pa.Table, parents: Mapping[str, pa.Table]) -> list[RuleResult]:
    """Evaluate cross-table rules of one child table. ``parents`` maps a parent table name to its rows
    (a self-reference uses ``child`` when the table itself is not given). A missing parent skips its rules."""
    out = []
    for rule in rules:
        parent = parents.get(rule.params.get("parent", ""))
        if parent is None and rule.params.get("parent") == rule.table:
            parent = child
        if parent is None:
            out.append(_result(rule, passed=True, skipped=True, observed="parent table not given",
                               expected=f"rows of {rule.params.get('parent')}"))
            continue
        if rule.params.get("via"):
            middles = [child if v[0] == rule.table and v[0] not in parents else parents.get(v[0])
                       for v in rule.params["via"]]
            missing = [v[0] for v, m in zip(rule.params["via"], middles, strict=True) if m is None]
            if missing:
                out.append(_result(rule, passed=True, skipped=True, observed="table in the middle not given",
                                   expected=f"rows of {', '.join(missing)}"))
                continue
            out.append(_same_group(rule, child, parent, middles))  # type: ignore[arg-type]
            continue
        fn = _EVALUATORS[rule.name.split("__")[0]]
        out.append(fn(rule, child, parent))
    return out


def _result(rule: Rule, **fields: Any) -> RuleResult:
    return RuleResult(name=rule.name, table=rule.table, kind=rule.kind, severity=rule.severity,
                      blocking=rule.blocking and rule.severity == "error", description=rule.description,
                      engine="arrow", **fields)


def _keys(table: pa.Table, columns: Sequence[str], names: Sequence[str]) -> pa.Table:
    return pa.table([plain_column(table, c) for c in columns], names=list(names))


def _align(child: pa.Table, parent: pa.Table) -> pa.Table:
    """Child key columns cast to the parent's key types (a join needs equal types)."""
    cols = []
    for name in child.column_names:
        c, t = child.column(name), parent.schema.field(name).type
        cols.append(c if c.type == t else pc.cast(c, t))
    return pa.table(cols, names=child.column_names)


def _fk(rule: Rule, child: pa.Table, parent: pa.Table) -> RuleResult:
    cols, refs = list(rule.columns), rule.params["ref_columns"]
    keys = [f"k{i}" for i in range(len(cols))]
    refs_tbl = _keys(parent, refs, keys)
    sub = _keys(child, cols, keys)
    present = pc.and_(*[pc.is_valid(sub.column(k)) for k in keys]) if len(keys) > 1 else pc.is_valid(sub.column(0))
    sub = _align(sub.filter(present), refs_tbl)
    if len(keys) == 1:
        ok = _in_key_range(sub.column(0), refs_tbl.column(0))
        if ok is None:
            ok = pc.is_in(sub.column(0), value_set=pc.unique(refs_tbl.column(0)))
        orphans = sub.filter(pc.invert(ok))
    else:
        distinct = refs_tbl.group_by(keys, use_threads=False).aggregate([])
        orphans = sub.join(distinct, keys=keys, join_type="left anti", use_threads=False)
    n_orphans = orphans.num_rows
    examples: list[Any] = []
    if n_orphans:
        seen = orphans.group_by(keys, use_threads=False).aggregate([]).slice(0, EXAMPLES).to_pylist()
        examples = [plain(r["k0"]) if len(keys) == 1 else plain({c: r[k] for c, k in zip(cols, keys, strict=True)})
                    for r in seen]
    return _result(rule, passed=n_orphans == 0, observed=f"{n_orphans:,} orphans of {sub.num_rows:,} references",
                   expected=f"every reference in {rule.params['parent']}({', '.join(refs)}) "
                            f"({parent.num_rows:,} rows)", unexpected_count=n_orphans, examples=examples,
                   evaluated_rows=child.num_rows)


def _in_key_range(refs: pa.ChunkedArray, keys: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """Membership without a hash table when the parent key is a run of consecutive integers (a sequence
    key with step 1, in row order): a reference exists exactly when it lies between the first and the last
    key. None when the keys are not such a run (then the caller hashes them)."""
    if not pa.types.is_integer(keys.type) or keys.null_count or len(keys) == 0:
        return None
    values = keys.to_numpy()
    first, last = int(values[0]), int(values[-1])
    if last - first + 1 != len(values) or not bool(np.all(np.diff(values) == 1)):
        return None
    return pc.and_(pc.greater_equal(refs, first), pc.less_equal(refs, last))


def _children_counts(rule: Rule, child: pa.Table, parent: pa.Table) -> tuple[pa.Table, list[str]]:
    """(parent key columns + ``n`` children, key names) for every parent row, zero included."""
    keys = [f"k{i}" for i in range(len(rule.params["fk_columns"]))]
    parents = _keys(parent, rule.params["ref_columns"], keys).group_by(keys, use_threads=False).aggregate([])
    kids = _align(_keys(child, rule.params["fk_columns"], keys), parents)
    counts = kids.group_by(keys, use_threads=False).aggregate([([], "count_all")])
    joined = parents.join(counts, keys=keys, join_type="left outer", use_threads=False)
    n = pc.fill_null(joined.column("count_all"), 0)
    return joined.drop_columns(["count_all"]).append_column("n", n), keys


def _children_per_parent(rule: Rule, child: pa.Table, parent: pa.Table) -> RuleResult:
    counts, keys = _children_counts(rule, child, parent)
    lo, hi = rule.params["min_children"], rule.params["max_children"]
    n = counts.column("n")
    bad = pc.less(n, lo)
    if hi is not None:
        bad = pc.or_(bad, pc.greater(n, hi))
    offenders = counts.filter(bad)
    mm = pc.min_max(n).as_py() if counts.num_rows else {"min": None, "max": None}
    examples = [plain({**({rule.params["ref_columns"][i]: r[k] for i, k in enumerate(keys)}), "children": r["n"]})
                for r in offenders.slice(0, EXAMPLES).to_pylist()]
    return _result(rule, passed=offenders.num_rows == 0,
                   observed=f"{mm['min']}–{mm['max']} children per parent ({counts.num_rows:,} parents)",
                   expected=f"{lo}–{'∞' if hi is None else hi} children per parent",
                   unexpected_count=offenders.num_rows, examples=examples, evaluated_rows=child.num_rows)


def _children_per_branch(rule: Rule, child: pa.Table, parent: pa.Table) -> RuleResult:
    counts, keys = _children_counts(rule, child, parent)
    names = list(rule.params["parent_columns"])
    rows = _keys(parent, rule.params["ref_columns"], keys)
    for name in names:
        rows = rows.append_column(f"_p_{name}", plain_column(parent, name))
    joined = rows.join(counts, keys=keys, join_type="left outer", use_threads=False)
    values = {name: joined.column(f"_p_{name}").combine_chunks() for name in names}
    branch = _branches(rule.params["selector"], values, joined.num_rows)
    lo_of = np.array([*rule.params["branch_min"], 0], dtype=np.int64)  # the last: a null condition, no children
    hi_of = np.array([-1 if h is None else h for h in rule.params["branch_max"]] + [0], dtype=np.int64)
    n = pc.fill_null(joined.column("n"), 0).to_numpy()
    lo, hi = lo_of[branch], hi_of[branch]
    if any(rule.params.get("branch_terms") or ()):  # computed branches: the bounds each parent's values give
        lo, hi = lo.copy(), hi.copy()
        lo_t, hi_t = term_count_ranges(rule.params["count_text"], rule.params.get("rows_min", 0),
                                       rule.params.get("rows_max"), lambda name: pc.cast(values[name], pa.float64())
                                       .to_numpy(zero_copy_only=False), branch)
        computed = lo_t >= 0
        lo[computed], hi[computed] = lo_t[computed], hi_t[computed]
    bad = (n < lo) | ((hi >= 0) & (n > hi))
    offenders = joined.filter(pa.array(bad))
    examples = [plain({**{rule.params["ref_columns"][i]: r[k] for i, k in enumerate(keys)},
                       **{c: r[f"_p_{c}"] for c in names}, "children": r["n"]})
                for r in offenders.slice(0, EXAMPLES).to_pylist()]
    zero = int(((hi_of[branch] == 0)).sum())
    return _result(rule, passed=not bad.any(),
                   observed=f"{int(bad.sum()):,} of {joined.num_rows:,} parents outside their branch's bounds "
                            f"({zero:,} parents whose branch allows no children)",
                   expected="children per parent within the bounds of the branch its columns choose",
                   unexpected_count=int(bad.sum()), examples=examples, evaluated_rows=child.num_rows)


def _branches(selector: str, values: dict[str, pa.Array], n: int) -> np.ndarray:
    """The branch of a count expression each parent's values choose (-1: a null condition)."""
    if selector == "0":
        return np.zeros(n, dtype=np.int64)
    branch = parse_expression(selector).evaluate(lambda name: values[name], n)
    return pc.fill_null(pc.cast(branch, pa.int64()), -1).to_numpy(zero_copy_only=False)


def _children_per_parent_mean(rule: Rule, child: pa.Table, parent: pa.Table) -> RuleResult:
    counts, _ = _children_counts(rule, child, parent)
    p = counts.num_rows
    mean, sd, z = rule.params["mean"], rule.params["sd"], rule.params["z"]
    if p < stats.MIN_DISTRIBUTION_ROWS:
        return _result(rule, passed=True, skipped=True, observed=f"{p} parents",
                       expected=f"at least {stats.MIN_DISTRIBUTION_ROWS} parents to test a mean")
    observed = pc.mean(counts.column("n")).as_py()
    tol = z * sd / math.sqrt(p)
    return _result(rule, passed=abs(observed - mean) <= tol, observed=observed,
                   expected=f"mean in [{mean - tol:.4g}, {mean + tol:.4g}] (declared {mean:.4g}, {p:,} parents)",
                   evaluated_rows=child.num_rows)


def _comparable(a: pa.ChunkedArray | pa.Array, b: pa.ChunkedArray | pa.Array) -> tuple[Any, Any]:
    """A date after a timestamp compares by day; a timestamp after a date compares from midnight."""
    if pa.types.is_date(a.type) and pa.types.is_timestamp(b.type):
        return a, pc.cast(b, pa.date32())
    if pa.types.is_timestamp(a.type) and pa.types.is_date(b.type):
        return a, pc.cast(pc.cast(b, pa.date32()), a.type)
    return a, b


def _after_parent(rule: Rule, child: pa.Table, parent: pa.Table) -> RuleResult:
    fk_cols, refs, col, pcol = rule.params["fk_columns"], rule.params["ref_columns"], rule.columns[0], \
        rule.params["parent_column"]
    keys = [f"k{i}" for i in range(len(fk_cols))]
    p = _keys(parent, refs, keys).append_column("_parent", plain_column(parent, pcol))
    c = _align(_keys(child, fk_cols, keys), p.select(keys)).append_column("_child", plain_column(child, col))
    joined = c.join(p, keys=keys, join_type="inner", use_threads=False)
    a, b = _comparable(joined.column("_child"), joined.column("_parent"))
    before, strict = rule.name.startswith("before_parent"), rule.params.get("strict", False)
    compare = (pc.less if strict else pc.less_equal) if before else (pc.greater if strict else pc.greater_equal)
    bad = pc.invert(pc.fill_null(compare(a, b), True))
    offenders = joined.filter(bad)
    examples = [plain({col: r["_child"], f"{rule.params['parent']}.{pcol}": r["_parent"]})
                for r in offenders.slice(0, EXAMPLES).to_pylist()]
    return _result(rule, passed=offenders.num_rows == 0, observed=f"{offenders.num_rows:,} of {joined.num_rows:,} rows "
                   f"{('not before' if strict else 'after') if before else ('not after' if strict else 'before')} "
                   f"their {rule.params['parent']} row",
                   expected=f"{col} {('<' if strict else '≤') if before else ('>' if strict else '≥')} "
                            f"{rule.params['parent']}.{pcol}",
                   unexpected_count=offenders.num_rows, examples=examples, evaluated_rows=child.num_rows)


def _same_group(rule: Rule, child: pa.Table, parent: pa.Table, via: Sequence[pa.Table] = ()) -> RuleResult:
    """Every non-null pick's parent has the group key of the row: the row's own group column, or (through
    the tables of ``via``, one join per step of the path) the group column the row's reference leads to."""
    col, gcol, pcol = rule.params["fk_columns"][0], rule.params["group_column"], rule.params["parent_column"]
    picks = pa.table([plain_column(child, col), plain_column(child, gcol)], names=["k", "g"])
    picks = picks.filter(pc.is_valid(picks.column("k")))
    for table, (_, via_ref, via_column) in zip(via, rule.params.get("via") or [], strict=True):
        middle = pa.table([plain_column(table, via_ref), plain_column(table, via_column)], names=["g", "_group"])
        picks = _align(picks.select(["g"]), middle.select(["g"])).append_column("k", picks.column("k"))
        picks = picks.join(middle, keys="g", join_type="left outer", use_threads=False)
        picks = pa.table([picks.column("k"), picks.column("_group")], names=["k", "g"])
    parents = pa.table([plain_column(parent, rule.params["ref_columns"][0]), plain_column(parent, pcol)],
                       names=["k", "_parent_group"])
    picks = _align(picks.select(["k"]), parents.select(["k"])).append_column("g", picks.column("g"))
    joined = picks.join(parents, keys="k", join_type="inner", use_threads=False)  # orphans: the fk rule
    group, parent_group = joined.column("g"), joined.column("_parent_group")
    if group.type != parent_group.type:
        group = pc.cast(group, parent_group.type)
    bad = pc.fill_null(pc.not_equal(group, parent_group), True)  # a pick without a group is wrong too
    offenders = joined.filter(bad)
    name = rule.params["parent"]
    examples = [plain({col: r["k"], "group": r["g"], f"{name}.{pcol}": r["_parent_group"]})
                for r in offenders.slice(0, EXAMPLES).to_pylist()]
    return _result(rule, passed=offenders.num_rows == 0,
                   observed=f"{offenders.num_rows:,} of {joined.num_rows:,} references outside their group",
                   expected=f"{name}.{pcol} of the referenced row = the row's group",
                   unexpected_count=offenders.num_rows, examples=examples, evaluated_rows=child.num_rows)


FLOAT_SUM_TOLERANCE = 1e-9  # relative: floats may be added in another order here than when generated


def _parent_sum(rule: Rule, child: pa.Table, parent: pa.Table) -> RuleResult:
    summed, pcol = rule.columns[0], rule.params["parent_column"]
    keys = [f"k{i}" for i in range(len(rule.params["fk_columns"]))]
    parents = _keys(parent, rule.params["ref_columns"], keys).append_column("_total", plain_column(parent, pcol))
    kids = _align(_keys(child, rule.params["fk_columns"], keys), parents.select(keys))
    kids = kids.append_column("_value", plain_column(child, summed))
    sums = kids.group_by(keys, use_threads=False).aggregate([("_value", "sum")])
    joined = parents.join(sums, keys=keys, join_type="left outer", use_threads=False)
    total, children = joined.column("_total"), joined.column("_value_sum")
    if pa.types.is_decimal(total.type) or pa.types.is_decimal(children.type):
        scale = max(getattr(total.type, "scale", 0), getattr(children.type, "scale", 0))
        common = pa.decimal128(38, scale)
        total, children = pc.cast(total, common), pc.cast(children, common)
        children = pc.fill_null(children, pa.scalar(0, common))
        bad = pc.not_equal(total, children)
    elif pa.types.is_floating(total.type) or pa.types.is_floating(children.type):
        total, children = pc.cast(total, pa.float64()), pc.fill_null(pc.cast(children, pa.float64()), 0.0)
        allowed = pc.multiply(pc.max_element_wise(pc.abs(total), 1.0), FLOAT_SUM_TOLERANCE)
        bad = pc.greater(pc.abs(pc.subtract(total, children)), allowed)
    else:
        children = pc.fill_null(pc.cast(children, total.type), 0)
        bad = pc.not_equal(total, children)
    bad = pc.fill_null(bad, True)  # a null total is not a sum
    offenders = joined.filter(bad)
    examples = [plain({**{rule.params["ref_columns"][i]: r[k] for i, k in enumerate(keys)},
                       pcol: r["_total"], f"sum of {rule.table}.{summed}": r["_value_sum"] or 0})
                for r in offenders.slice(0, EXAMPLES).to_pylist()]
    return _result(rule, passed=offenders.num_rows == 0,
                   observed=f"{offenders.num_rows:,} of {joined.num_rows:,} {rule.params['parent']} rows differ "
                            "from the sum of their children",
                   expected=f"{rule.params['parent']}.{pcol} = sum of {rule.table}.{summed} per "
                            f"{rule.params['parent']} row", unexpected_count=offenders.num_rows,
                   examples=examples, evaluated_rows=child.num_rows)


_EVALUATORS = {
    "fk": _fk,
    "children_per_parent": _children_per_parent,
    "children_per_parent_mean": _children_per_parent_mean,
    "children_per_branch": _children_per_branch,
    "after_parent": _after_parent,
    "time_after_parent": _after_parent,
    "before_parent": _after_parent,
    "parent_sum": _parent_sum,
    "same_group": _same_group,
}
