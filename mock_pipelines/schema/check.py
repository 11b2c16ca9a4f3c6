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
from mock_pipelines.core.child_counts import parse_count_expression
from mock_pipelines.core.column_facts import column_refs
from mock_pipelines.core.expressions import parse_expression, parse_template
from mock_pipelines.spec.errors import IssueCollector, suggest
from mock_pipelines.spec.model import COUNT_EXPRESSION, ColumnSpec, DatasetSpec, PartitionSpec, TableSpec
from mock_pipelines.spec.types import NUMERIC_TYPES, LogicalType


@dataclass
class ParseGaps:
    """What failed to parse, so the check runs on the rest without reporting follow-on errors."""

    failed_tables: set[str] = field(default_factory=set)  # left out of the dataset
    failed_columns: dict[str, set[str]] = field(default_factory=dict)  # table -> columns left out of it
    dirty_tables: set[str] = field(default_factory=set)  # parsed, with a problem of their own


def check_dataset(spec: DatasetSpec, gaps: ParseGaps, issues: IssueCollector) -> None:
    """Check what ``spec`` means as a whole, adding every problem to ``issues``; resolve what the parse left
    open (types taken from referenced or summed columns, keys unique by construction, children that grow
    with a partitioned parent)."""
    _Checker(spec, issues, gaps).check()


class _Checker:
    """Cross-table checks over the parsed dataset."""

    def __init__(self, spec: DatasetSpec, issues: IssueCollector, gaps: ParseGaps):
        self.spec = spec
        self.issues = issues
        self.failed_tables = gaps.failed_tables
        self.failed_columns = gaps.failed_columns
        self.dirty_tables = gaps.dirty_tables
        self.found = 0  # problems known before the graph checks

    def check(self) -> None:
        """References are checked on whatever parsed (names that failed to parse are not reported again).
        The other checks need a consistent graph: they run on the tables that parsed cleanly and whose
        parents, `per:` tables and summed tables did too, so one broken table hides no other problem."""
        found = len(self.issues.issues)
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
            self.check_column_dependencies()
            self.check_count_expressions()
            self.check_helpers()
            self.check_sums()
            self.check_keys()
        finally:
            self.spec = full

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
            for ref in parse_count_expression(str(rows.count.args[0])).references:
                head, _, attr = ref.partition(".")
                if head not in parent.columns:
                    self.issues.add(loc, f"{what} reads {head!r}, which is not a column of the parent "
                                    f"{parent.name!r}", expected=f"a column of {parent.name!r}",
                                    suggestion=suggest(head, parent.columns))
                    continue
                if attr:
                    fk = parent.fk_for_column(head)
                    grand = tables.get(fk.table) if fk is not None else None
                    if grand is None or attr not in grand.columns:
                        self.issues.add(loc, f"{what} reads {ref!r}, but {head!r} of {parent.name!r} is not a "
                                        f"foreign key to a table with a column {attr!r}",
                                        suggestion=suggest(attr, grand.columns) if grand is not None
                                        else f"read a column of {parent.name!r}")
                        continue
                summed = self._sum_read(parent, head, table.name)
                if summed is not None:
                    self.issues.add(loc, f"{what} reads {parent.name}.{head}, which depends on "
                                    f"{parent.name}.{summed}, the sum over the very {table.name!r} rows it counts",
                                    suggestion="choose the count from columns drawn before the children exist")

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
                        fk = table.fk_for_column(head)
                        if fk is None:
                            self.issues.add(col.location, f"column {table.name}.{col.name} reads {ref!r} but "
                                            f"{head!r} is not a foreign key",
                                            suggestion=f"add ref: parent.key to {head!r}")
                            continue
                        parent = self.spec.tables[fk.table]
                        if attr not in parent.columns:
                            self.issues.add(col.location, f"column {table.name}.{col.name} reads {ref!r} but "
                                            f"{fk.table!r} has no column {attr!r}",
                                            suggestion=suggest(attr, parent.columns))
                            continue
                        if fk.table == table.name:
                            continue  # a parent row in the same table: computed for other rows, no cycle
                    local.append(head)
                deps[col.name] = local
            self._check_dag(table, deps)

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
                head, _, attr = ref.partition(".")
                out.append((table.name, head))
                fk = table.fk_for_column(head) if attr else None
                if fk is not None and fk.table != table.name:
                    out.append((fk.table, attr))
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
                    table.columns[c].generator == "child_index" for c in pk)
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
