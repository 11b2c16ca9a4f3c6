"""The semantic check of a parsed schema: what the tables and columns mean together.

The parser (schema/parse.py) has read every value into the model and reported what is wrong with each on
its own. This check runs on the whole dataset: references to missing tables or columns, foreign-key type
mismatches, cycles in the foreign-key graph and between derived columns, rows laid out per a parent,
partitioned tables and their children, sums of child rows, and keys no generator makes unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_pipelines.core import registry
from mock_pipelines.core.child_counts import count_bounds, parse_count_expression
from mock_pipelines.core.column_facts import column_refs, count_column_range, read_column
from mock_pipelines.core.expressions import parse_expression, parse_template
from mock_pipelines.core.string_lengths import generated_max_length
from mock_pipelines.schema.check_changes import check_cascades, check_hard_deletes
from mock_pipelines.schema.check_scenarios import check_scenarios
from mock_pipelines.spec.errors import IssueCollector, Location, suggest
from mock_pipelines.spec.model import (
    COUNT_EXPRESSION,
    ColumnSpec,
    DatasetSpec,
    ForeignKey,
    PartitionSpec,
    TableSpec,
)
from mock_pipelines.spec.types import NUMERIC_TYPES, LogicalType

# Generators whose values depend on the row's siblings, and the parameter naming the parent's column.
SIBLING_GENERATORS = {"split": "of", "instalments": "of", "sibling_timestamp": "after", "sibling_time": "after",
                      "instalment_due": "after"}


@dataclass
class ParseGaps:
    """What failed to parse, so the check runs on the rest without reporting follow-on errors."""

    failed_tables: set[str] = field(default_factory=set)  # left out of the dataset
    failed_columns: dict[str, set[str]] = field(default_factory=dict)  # table -> columns left out of it
    dirty_tables: set[str] = field(default_factory=set)  # parsed, with a problem of their own
    # (table, key) -> where the key is written, for checks that report across tables (`parent_deletes`)
    locations: dict[tuple[str, str], Location] = field(default_factory=dict)


def check_dataset(spec: DatasetSpec, gaps: ParseGaps, issues: IssueCollector) -> None:
    """Check what ``spec`` means as a whole, adding every problem to ``issues``; resolve what the parse left
    open (types taken from referenced or summed columns, keys unique by construction, children that grow
    with a partitioned parent)."""
    _Checker(spec, issues, gaps).check()


def _as_list(value: Any) -> list[str]:
    return [] if not value else [value] if isinstance(value, str) else [str(v) for v in value]


def _follow_hint(table: TableSpec) -> str:
    keys = [c for fk in table.foreign_keys for c in fk.columns]
    return f"follow a foreign key of {table.name!r} ({', '.join(keys)})" if keys else \
        f"{table.name!r} has no foreign key to follow: read one of its columns"


class _Checker:
    """Cross-table checks over the parsed dataset."""

    def __init__(self, spec: DatasetSpec, issues: IssueCollector, gaps: ParseGaps):
        self.spec = spec
        self.issues = issues
        self.failed_tables = gaps.failed_tables
        self.failed_columns = gaps.failed_columns
        self.dirty_tables = gaps.dirty_tables
        self.locations = gaps.locations
        self.found = 0  # problems known before the graph checks

    def check(self) -> None:
        """References are checked on whatever parsed (names that failed to parse are not reported again).
        The other checks need a consistent graph: they run on the tables that parsed cleanly and whose
        parents, `per:` tables and summed tables did too, so one broken table hides no other problem."""
        found = len(self.issues.issues)
        check_cascades(self.spec, self.issues, self.locations, self.failed_tables | self.dirty_tables)
        check_hard_deletes(self.spec, self.issues, self.failed_tables | self.dirty_tables)
        self.check_references()
        if len(self.issues.issues) > found:
            return
        full = self.spec
        clean = self.clean_tables()
        if not clean:
            return
        self.found = len(self.issues.issues)
        self.spec = DatasetSpec(name=full.name, file=full.file, tables={n: t for n, t in full.tables.items()
                                                                        if n in clean},
                                description=full.description, locale=full.locale, seed=full.seed)
        try:
            self.check_fk_cycles()
            self.check_row_layout()
            self.check_partitions()
            self.check_within()
            self.check_column_dependencies()
            self.check_time_windows()
            self.check_count_expressions()
            self.check_helpers()
            self.check_sums()
            self.check_sibling_values()
            self.check_ordered_dates()
            self.check_unique_within()
            self.check_keys()
            self.check_max_lengths()
        finally:
            self.spec = full
        if not self.issues.issues:
            # Whether a defect kind can damage a column reads the column's facts from the planned dataset:
            # only sound once everything else is.
            check_scenarios(full, self.issues)

    def clean_tables(self) -> set[str]:
        """Tables without problems of their own whose every dependency is clean too."""
        tables = self.spec.tables
        clean = {n for n in tables if n not in self.dirty_tables}

        def needs(t: TableSpec) -> set[str]:
            deps = {fk.table for fk in t.foreign_keys} | ({t.rows.per} if t.rows.per else set())
            deps |= {c.sum_of[0] for c in t.columns.values() if c.sum_of is not None}
            return {d for d in deps if d in tables or d in self.failed_tables}  # a missing one is reported

        changed = True
        while changed:
            changed = False
            for name in list(clean):
                if not needs(tables[name]) <= clean | {name}:
                    clean.discard(name)
                    changed = True
        return clean

    def check_references(self) -> None:
        tables = self.spec.tables
        for table in tables.values():
            for fk in table.foreign_keys:
                parent = tables.get(fk.table)
                if parent is None and fk.table in self.failed_tables:
                    continue
                if parent is None:
                    self.issues.add(fk.location, f"{table.name}.{','.join(fk.columns)} references missing table "
                                    f"{fk.table!r}", suggestion=suggest(fk.table, tables))
                    continue
                for child_col, ref_col in zip(fk.columns, fk.ref_columns, strict=True):
                    target = parent.columns.get(ref_col)
                    if target is None and ref_col in self.failed_columns.get(fk.table, ()):
                        continue
                    if target is None:
                        self.issues.add(fk.location, f"{table.name}.{child_col} references missing column "
                                        f"{fk.table}.{ref_col}", suggestion=suggest(ref_col, parent.columns))
                        continue
                    child = table.columns[child_col]
                    if target.kind == "ref" and fk.table != table.name:
                        continue  # type resolved once the parent's own reference is resolved
                    if child.type_given and target.type.name is not LogicalType.AUTO and child.type != target.type:
                        self.issues.add(child.location, f"foreign key type mismatch: {table.name}.{child_col} is "
                                        f"{child.type} but {fk.table}.{ref_col} is {target.type}",
                                        expected=f"type: {target.type} (or leave the type out to inherit it)")
                    elif not child.type_given:
                        child.type = target.type
                if fk.table == table.name:
                    for c in fk.columns:  # roots of a self-referencing tree have no parent
                        table.columns[c].nullable = True
            if table.rows.per is not None and table.rows.per not in tables and \
                    table.rows.per not in self.failed_tables:
                self.issues.add(table.location, f"rows of {table.name!r}: `per:` names missing table "
                                f"{table.rows.per!r}", suggestion=suggest(table.rows.per, tables))
        # resolve types through chains of references (a → b → c), parents first
        for _ in range(len(tables)):
            for table in tables.values():
                for fk in table.foreign_keys:
                    parent = tables.get(fk.table)
                    if parent is None:
                        continue
                    for child_col, ref_col in zip(fk.columns, fk.ref_columns, strict=True):
                        if ref_col in parent.columns and not table.columns[child_col].type_given:
                            table.columns[child_col].type = parent.columns[ref_col].type

    def check_fk_cycles(self) -> None:
        graph = {name: t.parents() for name, t in self.spec.tables.items()}
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(node: str) -> bool:
            state[node] = 1
            stack.append(node)
            for parent in graph[node]:
                if state.get(parent) == 1:
                    cycle = [*stack[stack.index(parent):], parent]
                    self.issues.add(self.spec.tables[node].location,
                                    "foreign keys form a cycle: " + " → ".join(cycle),
                                    suggestion="break the cycle: make one reference nullable and generate it in a "
                                               "later table, or reference the table itself (a tree)")
                    return True
                if state.get(parent) is None and visit(parent):
                    return True
            state[node] = 2
            stack.pop()
            return False

        for name in graph:
            if state.get(name) is None and visit(name):
                return

    def check_row_layout(self) -> None:
        for table in self.spec.tables.values():
            if table.rows.per is None:
                continue
            if table.rows.per == table.name:
                self.issues.add(table.location, f"rows of {table.name!r}: a table cannot be `per:` itself")
            elif table.grouping_fk is None:
                self.issues.add(table.location, f"table {table.name!r} has rows per {table.rows.per!r} but no "
                                f"column references {table.rows.per!r}",
                                suggestion=f"add a column with ref: {table.rows.per}.<key column>")

    def check_count_expressions(self) -> None:
        """A count expression reads the parent's columns (or, through the parent's foreign keys, a
        grandparent's), none of which may depend on the sum of the children it counts."""
        tables = self.spec.tables
        for table in tables.values():
            rows = table.rows
            if rows.per is None or rows.count is None or rows.count.name != COUNT_EXPRESSION:
                continue
            parent = tables.get(rows.per)
            if parent is None:
                continue
            loc = rows.location or table.location
            what = f"rows of {table.name!r}: the count"
            expr = parse_count_expression(str(rows.count.args[0]))
            bad_types = False
            for ref in expr.references:
                head, _, attr = ref.partition(".")
                if head not in parent.columns:
                    self.issues.add(loc, f"{what} reads {head!r}, which is not a column of the parent "
                                    f"{parent.name!r}", expected=f"a column of {parent.name!r}",
                                    suggestion=suggest(head, parent.columns))
                    bad_types = True
                    continue
                if attr:
                    fk = parent.fk_for_column(head)
                    grand = tables.get(fk.table) if fk is not None else None
                    if grand is None or attr not in grand.columns:
                        self.issues.add(loc, f"{what} reads {ref!r}, but {head!r} of {parent.name!r} is not a "
                                        f"foreign key to a table with a column {attr!r}",
                                        suggestion=suggest(attr, grand.columns) if grand is not None
                                        else f"read a column of {parent.name!r}")
                        bad_types = True
                        continue
                summed = self._sum_read(parent, head, table.name)
                if summed is not None:
                    self.issues.add(loc, f"{what} reads {parent.name}.{head}, which depends on "
                                    f"{parent.name}.{summed}, the sum over the very {table.name!r} rows it counts",
                                    suggestion="choose the count from columns drawn before the children exist")
                    bad_types = True
                    continue
                if ref in expr.term_references and not self._count_column_is_numeric(parent, ref, loc, what):
                    bad_types = True
            if not bad_types:
                self._check_count_is_bounded(table, parent, expr, loc, what)

    def _count_bounds(self, table: TableSpec) -> tuple[int, int | None]:
        """The fewest and most children per parent of ``table``, reading the ranges of the parent columns a
        computed count reads."""
        parent = self.spec.tables.get(table.rows.per or "")
        return count_bounds(table.rows, count_column_range(self.spec, parent) if parent is not None else None)

    def _count_column_is_numeric(self, parent: TableSpec, ref: str, loc: Any, what: str) -> bool:
        """A computed count adds and multiplies numbers: the parent columns it reads must hold numbers."""
        found = read_column(self.spec, parent, ref)
        if found is None:
            return True
        _, col = found
        kind = col.type.name
        if kind is LogicalType.AUTO and col.generator:
            kind = registry.get(col.generator).returns
        if kind is LogicalType.AUTO or kind in NUMERIC_TYPES or kind is LogicalType.BOOL:
            return True
        self.issues.add(loc, f"{what} computes with {ref!r}, a {kind} column of {parent.name!r}; a count is "
                        "computed from numbers", expected="an int, float, decimal or bool column of the parent",
                        suggestion=f"compare it in a condition instead: if_else({ref} == '…', poisson(2) + 1, 1)")
        return False

    def _check_count_is_bounded(self, table: TableSpec, parent: TableSpec, expr: Any, loc: Any, what: str) -> None:
        """A computed count that reads a parent column with no finite upper bound could give one parent any
        number of children (a column of amounts read as a count): it needs a cap. Distributions keep their
        thin tails (poisson(3) + 1 is accepted, as poisson(3) is)."""
        if table.rows.max is not None:
            return
        column_range = count_column_range(self.spec, parent)
        for term in expr.terms:
            if not term.references:
                continue
            if term.bounds_with_finite_draws(column_range)[1] == float("inf"):
                self.issues.add(loc, f"{what} {term.text!r} has no upper bound: it reads "
                                f"{', '.join(term.references)}, whose values are not bounded above",
                                expected="a count with a finite upper bound",
                                suggestion=f"cap it: min({term.text}, 20), clip({term.text}, 0, 20), or add max: "
                                           f"to the rows of {table.name!r}")

    def _sum_read(self, table: TableSpec, column: str, child: str) -> str | None:
        """The column of ``table`` summing ``child`` that ``column`` reads (itself, or through its own
        columns), or None."""
        seen: set[str] = set()
        stack = [column]
        while stack:
            name = stack.pop()
            col = table.columns.get(name)
            if name in seen or col is None:
                continue
            seen.add(name)
            if col.sum_of is not None and col.sum_of[0] == child:
                return name
            stack.extend(ref.partition(".")[0] for ref in column_refs(col))
        return None

    def check_helpers(self) -> None:
        """`emit: false` columns are not written, so nothing the output or the checks must hold can be one:
        keys, unique columns, foreign keys, a column another table sums or dates itself after."""
        tables = self.spec.tables
        read_from_output: dict[tuple[str, str], str] = {}
        for table in tables.values():
            for col in table.columns.values():
                if col.sum_of is not None:
                    read_from_output[col.sum_of] = f"{table.name}.{col.name} sums it"
                after = col.params.get("after") if col.generator in ("date", "timestamp") else None
                if isinstance(after, str) and "." in after:
                    fk = table.fk_for_column(after.partition(".")[0])
                    if fk is not None:
                        read_from_output[(fk.table, after.partition(".")[2])] = \
                            f"{table.name}.{col.name} is checked to come after it"
        for table in tables.values():
            referenced = {(fk.table, c) for t in tables.values() for fk in t.foreign_keys for c in fk.ref_columns}
            for col in table.columns.values():
                if col.emit:
                    continue
                why = ("it is part of the primary key" if col.name in table.primary_key
                       else "it is unique" if col.unique
                       else "it is a foreign key" if table.fk_for_column(col.name) is not None
                       else "another table references it" if (table.name, col.name) in referenced
                       else read_from_output.get((table.name, col.name)))
                if why is not None:
                    self.issues.add(col.location, f"column {table.name}.{col.name} cannot be `emit: false`: {why}, "
                                    "so it must be written", expected="emit: true (the default) for this column",
                                    suggestion="remove `emit: false`, or compute a separate helper column")

    def check_partitions(self) -> None:
        """A growing table's children must grow too, so they only reference rows that already exist."""
        tables = self.spec.tables
        for name in self.spec.table_order():
            table = tables[name]
            part = table.partitioned
            parent = tables.get(table.rows.per) if table.rows.per else None
            follows_parent = parent is not None and parent.partitioned is not None and (
                part is None or part.rows_per_day is None)
            if part is not None and part.rows_per_day is None and not follows_parent:
                self.issues.add(table.location, f"partitioned table {name!r} needs rows_per_day (its own growth "
                                "rate) unless it has rows per a partitioned parent",
                                expected="partitioned: {rows_per_day: 100}")
            if part is None and follows_parent:
                table.partitioned = PartitionSpec()  # children per parent grow with their parent
            for fk in table.foreign_keys:
                target = tables.get(fk.table)
                if target is None or fk.table == name or target.partitioned is None:
                    continue
                if table.partitioned is None:
                    self.issues.add(fk.location, f"{name!r} references partitioned table {fk.table!r} but is not "
                                    "partitioned itself, so it could reference rows that do not exist yet",
                                    suggestion=f"add `partitioned: {{rows_per_day: N}}` to {name!r}")

    def check_within(self) -> None:
        """``within:`` picks among the parents of the child's group by index arithmetic, which holds only
        when the parent table is laid out per the group table; every other condition is refused."""
        for table in self.spec.tables.values():
            for fk in table.foreign_keys:
                if fk.within is None:
                    continue
                hop, seen = fk, {fk.columns[0]}
                while hop is not None and hop.within is not None and hop.table != table.name:
                    hop = table.fk_for_column(hop.within.path[0])
                    if hop is not None and hop.columns[0] in seen:
                        self.issues.add(fk.within.location, f"column {table.name}.{fk.columns[0]}: within "
                                        f"{fk.within} comes back to {fk.columns[0]} (each group is named by the "
                                        "other pick)", suggestion="drop within from one of the two columns")
                        break
                    seen.update(hop.columns if hop is not None else [])
                else:
                    self._check_within(table, fk)

    def _check_within(self, table: TableSpec, fk: ForeignKey) -> None:
        tables = self.spec.tables
        cond = fk.within
        assert cond is not None
        col = fk.columns[0]
        what = f"column {table.name}.{col}: within {cond}"
        parent = tables[fk.table]
        if fk is table.grouping_fk:
            self.issues.add(cond.location, f"{what}: {table.name!r} has rows per {fk.table!r}, so this reference "
                            "is fixed by the row layout, not picked", suggestion="drop within")
            return
        head = cond.path[0]
        hop = table.fk_for_column(head)
        if hop is None or len(hop.columns) != 1 or head == col:
            fk_cols = [c for f in table.foreign_keys if len(f.columns) == 1 for c in f.columns if c != col]
            self.issues.add(cond.location, f"{what}: {head!r} is not a single-column foreign key of "
                            f"{table.name!r}", expected="a column of the table declared with ref: table.column",
                            suggestion=(suggest(head, fk_cols) or "one of " + ", ".join(fk_cols)) if fk_cols else
                            "add a column that references the group table (e.g. facility_id: {ref: facilities.id})")
            return
        if fk.table == table.name:  # a tree within a group: an earlier row of the same group
            grouping = table.grouping_fk
            if len(cond.path) != 1 or grouping is None or hop is not grouping:
                self.issues.add(cond.location, f"{what}: a reference to the table itself is picked among the "
                                f"earlier rows of the row's own group, the {table.rows.per or 'per'} row it "
                                "belongs to", expected="within: the column that references the `per:` table",
                                suggestion=f"within: {grouping.columns[0]}" if grouping is not None and
                                len(grouping.columns) == 1 else
                                f"lay {table.name!r} out per its group table: rows: {{per: group, count: …}}")
            elif table.partitioned is not None and table.partitioned.rows_per_day is not None:
                self.issues.add(cond.location, f"{what}: {table.name!r} grows at its own rate in time-partitioned "
                                "runs, so its rows are not laid out group by group",
                                suggestion=f"drop rows_per_day from {table.name!r} (it then grows with "
                                           f"{table.rows.per!r}), or drop within")
            return
        group_fk = hop
        hops = [(table, hop)]  # (table, its foreign key named by the path) for each step of the path
        for before, step in zip(cond.path, cond.path[1:], strict=False):  # each further step, checked alone
            middle = tables[group_fk.table]
            group_fk = middle.fk_for_column(step)  # type: ignore[assignment]
            if group_fk is None or len(group_fk.columns) != 1:
                fk_cols = [c for f in middle.foreign_keys if len(f.columns) == 1 for c in f.columns]
                self.issues.add(cond.location, f"{what}: {step!r} is not a single-column foreign key of "
                                f"{middle.name!r} (the table {before!r} references)",
                                expected=f"a column of {middle.name!r} declared with ref: table.column",
                                suggestion=(suggest(step, fk_cols) or "one of " + ", ".join(fk_cols)) if fk_cols else
                                f"give {middle.name!r} a reference to the group table")
                return
            hops.append((middle, group_fk))
        group = group_fk.table
        if parent.rows.per != group or parent.grouping_fk is None:
            self.issues.add(cond.location, f"{what}: the group is a {group!r} row, but {fk.table!r} is not laid out "
                            f"per {group!r}, so its rows of one group are not a known row range",
                            expected=f"{fk.table!r} with rows: {{per: {group}, count: …}} and a column referencing "
                                     f"{group!r}",
                            suggestion=f"give {fk.table!r} rows: {{per: {group}, count: …}}" if parent.rows.per is None
                            else f"within a path that reaches {parent.rows.per!r}, the table {fk.table!r} is laid "
                                 "out per")
            return
        grouping = parent.grouping_fk
        if len(grouping.columns) != 1 or grouping.ref_columns != group_fk.ref_columns:
            self.issues.add(cond.location, f"{what}: {fk.table}.{','.join(grouping.columns)} and "
                            f"{'.'.join(cond.path)} reference different columns of {group!r} "
                            f"({', '.join(grouping.ref_columns)} and {', '.join(group_fk.ref_columns)})",
                            expected=f"both referencing the same single key column of {group!r}",
                            suggestion=f"reference {group}.{group_fk.ref_columns[0]} from {fk.table!r}")
            return
        if parent.partitioned is not None and parent.partitioned.rows_per_day is not None:
            # Grown with its group, the parents of a group are created in the group's own partition, so
            # they all exist by the child's; grown at its own rate, they are not laid out per group at all.
            self.issues.add(cond.location, f"{what}: {fk.table!r} grows at its own rate in time-partitioned runs "
                            f"(rows_per_day), so its rows are not laid out {group!r} by {group!r} and a group's "
                            "parents may not exist yet when a child picks",
                            suggestion=f"drop rows_per_day from {fk.table!r} (it then grows with {group!r}), "
                                       "or drop within")
            return
        nullable = fk.null_rate > 0 or table.columns[col].nullable
        if not nullable:
            lo, _ = self._count_bounds(parent)
            may_be_null = [f"{owner.name}.{step.columns[0]}" for owner, step in hops
                           if owner.columns[step.columns[0]].nullable or step.null_rate > 0]
            if lo == 0:
                self.issues.add(cond.location, f"{what}: a {group!r} row can have no {fk.table!r} rows "
                                f"({fk.table} count {parent.rows.count}, min {parent.rows.min}), and then "
                                f"{table.name}.{col} has nothing to reference",
                                expected=f"at least one {fk.table!r} row per {group!r} row, or a nullable reference",
                                suggestion=f"add min: 1 to the rows of {fk.table!r}, or nullable: true to "
                                           f"{table.name}.{col}")
            elif may_be_null:
                self.issues.add(cond.location, f"{what}: {may_be_null[0]} can be null, and then "
                                f"{table.name}.{col} has no group to pick in",
                                suggestion=f"add nullable: true to {table.name}.{col}")

    def check_column_dependencies(self) -> None:
        for table in self.spec.tables.values():
            deps: dict[str, list[str]] = {}
            for col in table.columns.values():
                refs: list[str] = []
                if col.expr is not None:
                    refs = list(parse_expression(col.expr).references)
                elif col.template is not None:
                    refs = list(parse_template(col.template).references)
                elif col.generator:
                    refs = registry.get(col.generator).column_refs(col.params)
                local = []
                for ref in refs:
                    head, _, attr = ref.partition(".")
                    if head not in table.columns:
                        self.issues.add(col.location, f"column {table.name}.{col.name} reads unknown column {head!r}",
                                        suggestion=suggest(head, table.columns))
                        continue
                    if attr:
                        hops = self._attribute_hops(table, col, ref)
                        if hops is None:
                            continue
                        if hops == [(table.name, col.name)]:  # its own value, on the row a self-reference picks
                            self.issues.add(col.location, f"column {table.name}.{col.name} reads {ref!r}, its own "
                                            f"value on the {table.name} row {head!r} references: that row's value "
                                            "needs the row it references in turn, and so on up to the root",
                                            expected=f"a column of the referenced row that does not read {col.name}",
                                            suggestion=f"give {col.name} `ordered: true` and pick {head} `within:` "
                                            f"the `per:` reference, so the referenced (earlier) row's {col.name} "
                                            "is earlier" if col.generator == "date" else
                                            f"compute {col.name} from this row's own columns")
                            continue
                        if hops[0][0] == table.name:
                            continue  # a parent row in the same table: computed for other rows, no cycle
                    local.append(head)
                deps[col.name] = local
            self._check_dag(table, deps)

    def check_time_windows(self) -> None:
        """A date or timestamp bounded by the same column on both sides with a positive least delay has no
        moment to take on any row: refused here rather than null everywhere."""
        for table in self.spec.tables.values():
            for col in table.columns.values():
                if col.generator not in ("date", "timestamp"):
                    continue
                after, before = (_as_list(col.params.get(w)) for w in ("after", "before"))
                both = [r for r in after if r in before]
                if not both:
                    continue
                least = col.params.get("min_delay_days") or 0
                what = f"column {table.name}.{col.name} is after and before {both[0]!r}"
                if least > 0:
                    self.issues.add(col.location, f"{what} with min_delay_days: {least:g}: no moment is left "
                                    "between its bounds", expected="a before-bound later than every after-bound",
                                    suggestion=f"drop {both[0]!r} from `after:` or from `before:`, or set "
                                               "min_delay_days: 0")

    def _attribute_hops(self, table: TableSpec, col: ColumnSpec, ref: str) -> list[tuple[str, str]] | None:
        """The (table, column) each hop of a parent attribute ``fk.fk2.column`` reads beyond ``table`` —
        every name but the last must be a foreign-key column of the table reached so far — or None after
        reporting the first hop that is not."""
        names = ref.split(".")
        current = table
        hops: list[tuple[str, str]] = []
        for i, name in enumerate(names[:-1]):
            path = ".".join(names[:i + 1])
            if name not in current.columns:
                self.issues.add(col.location, f"column {table.name}.{col.name} reads {ref!r} but {current.name!r} "
                                f"(reached by {'.'.join(names[:i])!r}) has no column {name!r}",
                                suggestion=suggest(name, current.columns) or _follow_hint(current))
                return None
            fk = current.fk_for_column(name)
            existing = current.columns[name].existing
            if fk is None and existing is not None:
                self.issues.add(col.location, f"column {table.name}.{col.name} reads {ref!r} but {path!r} "
                                f"references existing rows ({existing.text}), whose other columns are not read",
                                expected="a chain of foreign keys to generated tables",
                                suggestion="read the value from the database yourself, or generate the parent "
                                           "table too and reference it with ref: parent.key")
                return None
            if fk is None:
                self.issues.add(col.location, f"column {table.name}.{col.name} reads {ref!r} but {path!r} is not "
                                f"a foreign key" + (f" of {current.name!r}" if i else ""),
                                expected="each name before the last is a foreign-key column of the table "
                                         "reached so far",
                                suggestion=f"add ref: parent.key to {name!r}" if i == 0 else
                                f"read {'.'.join(names[:i + 1])!r} itself, or " + _follow_hint(current))
                return None
            current = self.spec.tables[fk.table]
            hops.append((current.name, names[i + 1]))
        if names[-1] not in current.columns:
            self.issues.add(col.location, f"column {table.name}.{col.name} reads {ref!r} but {current.name!r} has "
                            f"no column {names[-1]!r}", suggestion=suggest(names[-1], current.columns))
            return None
        return hops

    def check_sums(self) -> None:
        """``sum_of: child.column`` needs a child table laid out per this table (its children are then a
        contiguous run of rows) and a numeric column; the type follows the summed column unless given."""
        tables = self.spec.tables
        for table in tables.values():
            for col in table.columns.values():
                if col.sum_of is None:
                    continue
                what = f"column {table.name}.{col.name}"
                child_name, child_col = col.sum_of
                child = tables.get(child_name)
                if child is None:
                    self.issues.add(col.location, f"{what} sums missing table {child_name!r}",
                                    suggestion=suggest(child_name, tables))
                    continue
                if child.rows.per != table.name:
                    self.issues.add(col.location, f"{what} sums {child_name}.{child_col}, but {child_name!r} does "
                                    f"not have rows per {table.name!r}, so its rows are not children of "
                                    f"{table.name} rows", expected=f"{child_name}: rows: {{per: {table.name}, "
                                    "count: …}", suggestion=f"sum a table whose rows are `per: {table.name}`")
                    continue
                if child.partitioned is not None and child.partitioned.rows_per_day is not None:
                    self.issues.add(col.location, f"{what} sums {child_name}.{child_col}, but {child_name!r} grows "
                                    "at its own rate (rows_per_day) in partitioned runs, so its rows are not laid "
                                    f"out per {table.name} row", suggestion=f"drop rows_per_day from "
                                    f"{child_name!r}: its rows then land with their {table.name} row")
                    continue
                target = child.columns.get(child_col)
                if target is None:
                    self.issues.add(col.location, f"{what} sums missing column {child_name}.{child_col}",
                                    suggestion=suggest(child_col, child.columns))
                    continue
                if target.type.name not in NUMERIC_TYPES | {LogicalType.AUTO}:
                    self.issues.add(col.location, f"{what} sums {child_name}.{child_col}, which is "
                                    f"{target.type}, not a number", expected="an int, float or decimal column")
                    continue
                if not col.type_given and target.type.name is not LogicalType.AUTO:
                    col.type = target.type
        if len(self.issues.issues) == self.found:
            self.check_sum_cycles()

    def check_sibling_values(self) -> None:
        """``split`` and ``sibling_timestamp`` read their parent through the `per:` reference (siblings share
        it); a split needs every parent to have at least one child, or its amount would be lost."""

        for table in self.spec.tables.values():
            for col in table.columns.values():
                if col.generator not in SIBLING_GENERATORS:
                    continue
                gen = registry.get(col.generator).name
                param = SIBLING_GENERATORS[gen]
                what = f"{table.name}.{col.name} ({gen})"
                grouping = table.grouping_fk
                if table.rows.per is None or grouping is None:
                    self.issues.add(col.location, f"{what} needs the rows of {table.name!r} laid out per parent row",
                                    expected="rows: {per: parent, count: …}",
                                    suggestion="add rows: {per: <parent table>, count: …} and a column "
                                               "ref: <parent table>.<key>")
                    continue
                if table.partitioned is not None and table.partitioned.rows_per_day is not None:
                    self.issues.add(col.location, f"{what} needs siblings laid out per {table.rows.per} row, but "
                                    f"{table.name!r} grows at its own rate (rows_per_day) in partitioned runs",
                                    suggestion=f"drop rows_per_day from {table.name!r}")
                    continue
                ref = str(col.params.get(param) or "")
                head, _, attr = ref.partition(".")
                if not attr or table.fk_for_column(head) is not grouping:
                    self.issues.add(col.location, f"{what}: {param}: {ref!r} must read a column of the parent "
                                    f"through the `per:` reference {grouping.columns[0]!r}, so that every sibling "
                                    "reads the same value", expected=f"{param}: {grouping.columns[0]}.<column of "
                                    f"{grouping.table}>", suggestion=f"write {param}: {grouping.columns[0]}."
                                    f"{attr or head}")
                    continue
                if gen == "split" and self._count_bounds(table)[0] < 1:
                    self.issues.add(col.location, f"{what}: some {grouping.table} rows may have no {table.name} "
                                    f"rows, and then their {attr} would not be split at all",
                                    expected="at least one child per parent",
                                    suggestion=f"add min: 1 to the rows of {table.name!r}")

    def check_ordered_dates(self) -> None:
        """``date`` with ``ordered: true`` cuts its window into one share per sibling: it needs the table laid
        out per parent (growing with it), and a window with a day of its own for each of the most siblings
        a parent can have."""
        from mock_pipelines.core.generators.datetime import day_cdf, ordered_capacity, to_days

        for table in self.spec.tables.values():
            for col in table.columns.values():
                if col.generator is None or registry.get(col.generator).name != "date" or \
                        col.params.get("ordered") is not True:
                    continue
                what = f"{table.name}.{col.name} (date, ordered)"
                if table.rows.per is None or table.grouping_fk is None or (
                        table.partitioned is not None and table.partitioned.rows_per_day is not None):
                    self.issues.add(col.location, f"{what}: dates increase with the row's position among its "
                                    f"parent's rows, but {table.name!r} is not laid out per parent row",
                                    expected="rows: {per: parent, count: …} (without rows_per_day)",
                                    suggestion=f"lay {table.name!r} out rows: {{per: <parent table>, count: …}}, "
                                               "or drop ordered")
                    continue
                _, most = count_bounds(table.rows)
                try:
                    weights = tuple(float(w) for w in col.params.get("weekday_weights") or (1.0,) * 7)
                    room = ordered_capacity(day_cdf(to_days(col.params.get("start", "2020-01-01")),
                                                     to_days(col.params.get("end", "2024-12-31")), weights))
                except (ValueError, TypeError, IndexError):
                    continue  # a bad window or weights: reported when the generator runs
                if most is not None and most > room:
                    self.issues.add(col.location, f"{what}: a {table.rows.per} row may have {most} {table.name} "
                                    f"rows, but the window has a day of its own for at most {room} of them",
                                    expected=f"at most {room} rows per {table.rows.per} row, or a wider window",
                                    suggestion=f"add max: {room} to the rows of {table.name!r}, or widen "
                                               "start/end")

    def check_unique_within(self) -> None:
        """``unique_within: fk`` is accepted where it holds by construction: a column unique anyway,
        child_index, a generator with a unique mode whose values outnumber the most children a parent can
        have (a bijection of the row's position among its siblings), or a template that only writes such a
        column (``D{dept_no}``). Everything else is refused with a suggestion."""

        for table in self.spec.tables.values():
            within = {c.name: c.unique_within for c in table.columns.values() if c.unique_within}
            for name, fk_col in within.items():
                col = table.columns[name]
                what = f"{table.name}.{name} (unique_within: {fk_col})"
                fk = table.fk_for_column(fk_col)
                if fk is None:
                    fks = [c for f in table.foreign_keys for c in f.columns]
                    self.issues.add(col.location, f"{what}: {fk_col!r} is not a foreign-key column of {table.name!r}",
                                    expected="the name of a column with ref: parent.key",
                                    suggestion=suggest(fk_col, fks) if fks else "add a column with ref: parent.key")
                    continue
                if fk is not table.grouping_fk or (table.partitioned is not None
                                                   and table.partitioned.rows_per_day is not None):
                    self.issues.add(col.location, f"{what}: the rows of {table.name!r} are not laid out per "
                                    f"{fk.table} row, so the rows of one parent are not known by construction",
                                    expected=f"rows: {{per: {fk.table}, count: …}}",
                                    suggestion=f"lay the rows out per parent: rows: {{per: {fk.table}, count: …}}")
                    continue
                if col.unique or col.generator in ("child_index", "line_number"):
                    continue
                ref_fk = table.fk_for_column(name)
                if ref_fk is not None:  # a link table: a different parent for each row of the group
                    problem = ("it is a member of a composite foreign key" if len(ref_fk.columns) > 1
                               else "it references its own table" if ref_fk.table == table.name
                               else "it is picked within a group" if ref_fk.within is not None
                               else "skew would repeat popular parents" if ref_fk.skew is not None
                               else "its parent grows in time partitions"
                               if self.spec.tables[ref_fk.table].partitioned is not None else None)
                    if problem is not None:
                        self.issues.add(col.location, f"{what}: a reference is unique within a parent only when "
                                        f"it picks among all the rows of another table; {problem}",
                                        suggestion="reference the parent with a plain single-column ref: "
                                                   "parent.key (no skew, within or composite key)")
                        continue
                    most = self._count_bounds(table)[1]
                    parents = self.spec.tables[ref_fk.table].rows.fixed
                    if most is not None and parents is not None and most > parents:
                        self.issues.add(col.location, f"{what}: a {fk.table} row may have up to {most:,} "
                                        f"{table.name} rows but {ref_fk.table!r} has {parents:,}, so the references "
                                        "of one group cannot all differ",
                                        expected=f"at most {parents:,} children per parent",
                                        suggestion=f"add max: {parents} to the rows of {table.name!r}")
                    continue
                most = self._count_bounds(table)[1]
                if col.generator and col.kind == "gen":
                    gen = registry.get(col.generator)
                    if not gen.supports_unique:
                        message, suggestion = registry.cannot_guarantee_unique(gen.name)
                        self.issues.add(col.location, f"{what}: {message}", suggestion=suggestion)
                        continue
                    cap = gen.capacity(col.params, self.spec.locale) if gen.capacity else None
                    if cap is not None and (most is None or most > cap):
                        many = "an unbounded number of" if most is None else f"up to {most:,}"
                        self.issues.add(col.location, f"{what}: {gen.name!r} has {cap:,} distinct values but a "
                                        f"{fk.table} row may have {many} {table.name} rows",
                                        expected=f"at most {cap:,} children per parent",
                                        suggestion=f"add max: {cap} to the rows of {table.name!r}, or use a "
                                                   "generator with more values")
                    continue
                if col.template is not None:
                    parts = [(c, f) for _, c, f in parse_template(col.template).parts if c]
                    if len(parts) == 1 and not parts[0][1] and (
                            table.columns.get(parts[0][0]) is not None and (
                                table.columns[parts[0][0]].generator in ("child_index", "line_number")
                                or within.get(parts[0][0]) == fk_col)):
                        continue
                self.issues.add(col.location, f"{what} is not unique within its {fk.table} by construction",
                                suggestion="use child_index, a generator with a unique mode (choice, pattern, "
                                           "department, …), or a template that writes one such column "
                                           "(\"D{dept_no}\" with dept_no: child_index)")

    def check_max_lengths(self) -> None:
        """``max_length`` (after check_keys, which makes key columns unique): on string columns only, and on
        a column whose values must stay distinct (unique, unique_within, a key others reference, a foreign
        key) only where every value provably fits, since a cut could merge two values."""
        referenced = {(fk.table, c) for t in self.spec.tables.values() for fk in t.foreign_keys
                      for c in fk.ref_columns}
        for table in self.spec.tables.values():
            for col in [*table.columns.values(), *table.helpers.values()]:
                if col.max_length is not None:
                    self._check_max_length(table, col, (table.name, col.name) in referenced)

    def _check_max_length(self, table: TableSpec, col: ColumnSpec, referenced: bool) -> None:
        n = col.max_length
        loc = self.locations.get((table.name, f"{col.name}.max_length"), col.location)
        what = f"column {table.name}.{col.name}"
        if col.type.name is not LogicalType.STRING:
            hint = ("declare `type: string` so the expression's values are text" if col.kind == "expr"
                    and col.type.name is LogicalType.AUTO else "drop max_length: only string values are cut "
                    "(a uuid has 36 characters, numbers and dates their own size)")
            self.issues.add(loc, f"{what}: max_length applies to string columns, not {col.type}",
                            suggestion=hint)
            return
        must_stay_distinct = col.unique or col.unique_within or referenced or col.name in table.primary_key
        if col.kind != "ref" and not must_stay_distinct:
            return
        longest = generated_max_length(self.spec, table, col, self.spec.locale)
        if longest is not None and longest <= n:
            return
        if col.kind == "ref":
            fk = table.fk_for_column(col.name)
            target = f"{fk.table}.{fk.ref_columns[fk.columns.index(col.name)]}" if fk else "the referenced column"
            self.issues.add(loc, f"{what}: a foreign key holds the keys of {target}, which may be longer than "
                            f"max_length {n}" + (f" (up to {longest} characters)" if longest else ""),
                            suggestion=f"give {target} a format of at most {n} characters (or max_length: {n} "
                            "where it is generated), or raise max_length")
            return
        why = ("part of the primary key" if col.name in table.primary_key else "unique" if col.unique
               else f"unique within {col.unique_within}" if col.unique_within else "referenced by a foreign key")
        self.issues.add(loc, f"{what} is {why}: cutting its values to max_length {n} could make two of them equal"
                        + (f" (its format has up to {longest} characters)" if longest else
                           " (its generator states no maximum length)"),
                        suggestion=f"use a pattern generator whose format has at most {n} characters, or raise "
                        "max_length")

    def check_sum_cycles(self) -> None:
        """A summed child column must not read, through any chain of columns and parent attributes, the
        total it feeds (orders.total → order_items.x → order_id.total)."""
        tables = self.spec.tables

        def reads(table: TableSpec, col: ColumnSpec) -> list[tuple[str, str]]:
            if col.sum_of is not None:
                return [col.sum_of]
            if col.kind == "ref":
                fk = table.fk_for_column(col.name)
                return [] if fk is None else [(fk.table, fk.ref_columns[fk.columns.index(col.name)])]
            refs = list(parse_expression(col.expr).references) if col.expr is not None else \
                list(parse_template(col.template).references) if col.template is not None else \
                registry.get(col.generator).column_refs(col.params) if col.generator else []
            out = []
            for ref in refs:
                names = ref.split(".")
                out.append((table.name, names[0]))
                current = table
                for i, name in enumerate(names[:-1]):  # every hop of a chain: its key and the column read
                    fk = current.fk_for_column(name)
                    if fk is None or fk.table == current.name:
                        break
                    current = tables[fk.table]
                    out.append((current.name, names[i + 1]))
            return out

        for table in tables.values():
            for col in table.columns.values():
                if col.sum_of is None:
                    continue
                start = (table.name, col.name)
                path = self._path_back(start, lambda node: reads(tables[node[0]], tables[node[0]].columns[node[1]]))
                if path:
                    self.issues.add(col.location, f"column {table.name}.{col.name} sums a column that reads it "
                                    "back: " + " → ".join(f"{t}.{c}" for t, c in path),
                                    suggestion="a summed child column cannot depend on the total it feeds")

    @staticmethod
    def _path_back(start: tuple[str, str], edges: Any) -> list[tuple[str, str]] | None:
        """The shortest chain of reads from ``start`` back to itself, or None."""
        seen = {start}
        queue: list[list[tuple[str, str]]] = [[start]]
        while queue:
            path = queue.pop(0)
            for nxt in edges(path[-1]):
                if nxt == start:
                    return [*path, start]
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append([*path, nxt])
        return None

    def _check_dag(self, table: TableSpec, deps: dict[str, list[str]]) -> None:
        state: dict[str, int] = {}

        def visit(node: str, path: list[str]) -> bool:
            state[node] = 1
            for d in deps.get(node, []):
                if state.get(d) == 1:
                    cycle = [*path[path.index(d):], d] if d in path else [node, d]
                    self.issues.add(table.columns[node].location,
                                    f"columns of {table.name!r} depend on each other in a cycle: " + " → ".join(cycle))
                    return True
                if state.get(d) is None and visit(d, [*path, d]):
                    return True
            state[node] = 2
            return False

        for name in deps:
            if state.get(name) is None and visit(name, [name]):
                return

    def check_keys(self) -> None:
        for table in self.spec.tables.values():
            pk = table.primary_key
            rows = table.rows
            one_to_one = rows.per is not None and (
                (rows.min == 1 and rows.max == 1)
                or (rows.count is not None and rows.count.name == "constant" and rows.count.args == (1,)))
            for col in table.columns.values():
                if col.unique and col.kind == "ref" and not (one_to_one and table.fk_for_column(col.name) is
                                                             table.grouping_fk):
                    self.issues.add(col.location, f"{table.name}.{col.name} is a foreign key and cannot be "
                                    "unique (several rows may pick the same parent)",
                                    suggestion="use rows: {per: parent, count: 1} for one row per parent")
            if len(pk) == 1:
                col = table.columns[pk[0]]
                if col.kind == "ref":
                    fk = table.fk_for_column(col.name)
                    if not (one_to_one and fk is table.grouping_fk):
                        self.issues.add(col.location, f"primary key {table.name}.{col.name} is a foreign key and "
                                        "cannot be unique", suggestion="use sequence or uuid4 for the key, or "
                                        "rows: {per: parent, count: 1} for one row per parent")
                elif not col.unique and col.generator and registry.get(col.generator).supports_unique:
                    col.unique = True
                elif not col.unique and col.template is not None and parse_template(col.template).has_unique_token:
                    col.unique = True
                elif not col.unique:
                    self.issues.add(col.location, f"primary key {table.name}.{col.name} is not unique by "
                                    "construction", suggestion="use sequence, uuid4, pattern or a template with "
                                    "{_unique}")
                if col.null_rate > 0:
                    self.issues.add(col.location, f"primary key {table.name}.{col.name} cannot have nulls")
            elif len(pk) > 1:
                has_unique = any(table.columns[c].unique for c in pk)
                grouping = table.grouping_fk
                per_parent_key = grouping is not None and set(grouping.columns) <= set(pk) and any(
                    table.columns[c].generator == "child_index"
                    or table.columns[c].unique_within in grouping.columns for c in pk)
                if not (has_unique or per_parent_key):
                    self.issues.add(table.location, f"composite primary key {pk} of {table.name!r} is not unique "
                                    "by construction", suggestion="combine the `per:` parent's key with a "
                                    "column {gen: child_index}, or include a unique column")
            for fk in table.foreign_keys:
                parent = self.spec.tables[fk.table]
                targets = set(fk.ref_columns)
                unique_target = targets == set(parent.primary_key) or (
                    len(targets) == 1 and parent.columns[fk.ref_columns[0]].unique)
                if not unique_target:
                    self.issues.add(fk.location, f"{table.name}({', '.join(fk.columns)}) references "
                                    f"{fk.table}({', '.join(fk.ref_columns)}), which is not a primary key or unique",
                                    suggestion=f"reference {fk.table}'s primary key "
                                               f"({', '.join(parent.primary_key) or 'none declared'})")
