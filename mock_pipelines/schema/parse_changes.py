"""Read a table's `changes:` block (rows that change after they are inserted) into a :class:`ChangeSpec`.

Called by :mod:`mock_pipelines.schema.parse` once the table itself is parsed, so the rules are checked
against its columns here, each problem at the line and column of the offending key or value: unknown keys,
distributions and their arguments, which columns may change and how, state machines, deletes, late
events, and names the change outputs add. What needs the other tables (``parent_deletes: cascade``) is
checked with the dataset, in :mod:`mock_pipelines.schema.check_changes`.
"""

from __future__ import annotations

from typing import Any, Protocol

from mock_pipelines.core import registry
from mock_pipelines.core.changes import IS_CURRENT, LOG_PREFIX, VALID_FROM, VALID_TO
from mock_pipelines.core.column_facts import written_values
from mock_pipelines.schema.values import finite, kind_of, short
from mock_pipelines.spec.errors import IssueCollector, Location, suggest
from mock_pipelines.spec.model import (
    CHANGE_DISTRIBUTIONS,
    DELETE_MODES,
    IDENTIFIER,
    MAX_CHANGE_RULES,
    MAX_CHANGES_PER_ENTITY,
    PARENT_DELETE_POLICIES,
    RESERVED_COLUMNS,
    ChangeSpec,
    ColumnChange,
    ColumnSpec,
    DeleteSpec,
    Distribution,
    LateSpec,
    TableSpec,
    name_problem,
)
from mock_pipelines.spec.types import NUMERIC_TYPES, LogicalType

CHANGES_KEYS = ("updates", "deletes", "late", "parent_deletes")
UPDATE_KEYS = ("column", "columns", "every_days", "factor", "states", "dwell_days", "max_changes")
DELETE_KEYS = ("share", "after_days", "mode", "column")
LATE_KEYS = ("share", "max_days")
# Arguments of each change distribution, in order.
CHANGE_PARAMS = {"constant": ("x",), "uniform": ("a", "b"), "exponential": ("mean",), "normal": ("mean", "std"),
                 "lognormal": ("mu", "sigma")}
# Columns of the change outputs: a table with `changes:` cannot have a column of these names, nor one starting
# with CHANGE_LOG_PREFIX (the change log's __op, __event_ts, __arrived_ts, __changed and __before_<column>).
HISTORY_COLUMNS = (VALID_FROM, VALID_TO, IS_CURRENT)
CHANGE_LOG_PREFIX = LOG_PREFIX
MAX_DELETE_SHARE = 0.5
MAX_LATE_DAYS = 365
DURATION_EXAMPLE = 'a number of days (the mean of exponential gaps), or "uniform(300, 700)", "normal(365, 30)", ' \
                   '"constant(90)"'
FACTOR_EXAMPLE = 'a number (a constant factor), or "uniform(0.9, 1.3)", "lognormal(0, 0.1)"'
# Why a column of each kind cannot change on its own.
KIND_REASONS = {
    "expr": "an expression follows the columns it reads: it changes when they do",
    "template": "a template follows the columns it reads: it changes when they do",
    "sum": "a sum of child rows follows its child rows",
    "ref": "a foreign key keeps the parent the row was created with",
}


class ParserLike(Protocol):
    """What this module uses of the schema parser (mock_pipelines.schema.parse._Parser)."""

    file: str
    issues: IssueCollector

    def at_key(self, mapping: Any, key: str) -> Location: ...

    def at_value(self, container: Any, key: str | int) -> Location: ...

    def check_keys(self, mapping: Any, allowed: tuple[str, ...], what: str,
                   extra: tuple[str, ...] = ()) -> None: ...


def parse_changes(parser: ParserLike, tdoc: Any, table: TableSpec, failed: set[str],
                  locations: dict[tuple[str, str], Location]) -> ChangeSpec | None:
    """The `changes:` of ``table`` (None without the block). ``failed``: columns of the table that did not
    parse (already reported, so not reported again). ``locations`` receives where `parent_deletes` is written,
    for the check against the other tables."""
    raw = tdoc.get("changes")
    if raw is None:
        return None
    return _ChangesParser(parser, table, failed).parse(tdoc, raw, locations)


class _ChangesParser:
    def __init__(self, parser: ParserLike, table: TableSpec, failed: set[str]):
        self.p = parser
        self.issues = parser.issues
        self.table = table
        self.failed = failed
        self.what = f"`changes` of {table.name!r}"

    def parse(self, tdoc: Any, raw: Any, locations: dict[tuple[str, str], Location]) -> ChangeSpec | None:
        loc = self.p.at_key(tdoc, "changes")
        example = "changes: {updates: [{column: segment, every_days: 730}], deletes: {share: 0.04, after_days: 300}}"
        if not isinstance(raw, dict) or not raw:
            self.issues.add(self.p.at_value(tdoc, "changes"), f"{self.what} must be a mapping with updates, "
                            f"deletes or late ({'empty' if isinstance(raw, dict) else kind_of(raw)} here)",
                            expected=example, suggestion="remove `changes:` for a table whose rows never change")
            return None
        self.p.check_keys(raw, CHANGES_KEYS, self.what)
        spec = ChangeSpec(location=loc)
        spec.updates = self.parse_updates(raw)
        spec.deletes = self.parse_deletes(raw)
        spec.late = self.parse_late(raw)
        policy = raw.get("parent_deletes", "keep")
        if policy not in PARENT_DELETE_POLICIES:
            self.issues.add(self.p.at_value(raw, "parent_deletes"), f"{self.what}: unknown parent_deletes "
                            f"{short(policy)}", expected="one of " + ", ".join(PARENT_DELETE_POLICIES),
                            suggestion=suggest(str(policy), PARENT_DELETE_POLICIES))
        else:
            spec.parent_deletes = str(policy)
            if "parent_deletes" in raw:
                locations[(self.table.name, "parent_deletes")] = self.p.at_value(raw, "parent_deletes")
        self.check_output_names()
        return spec

    # -- durations and factors --
    def distribution(self, container: Any, key: str | int, what: str, *, factor: bool = False) -> Distribution | None:
        """A duration in days (a plain number: the mean of exponential gaps) or, with ``factor``, a factor
        (a plain number: that constant)."""
        raw = container[key]
        loc = self.p.at_value(container, key)
        example = FACTOR_EXAMPLE if factor else DURATION_EXAMPLE
        if finite(raw):
            if factor and raw <= 0:
                self.issues.add(loc, f"{what}: a factor must be above 0, got {raw!r}", expected=example,
                                suggestion="a factor multiplies the value: 1.1 raises it by 10%, 0.9 lowers it")
                return None
            if not factor and raw <= 0:
                self.issues.add(loc, f"{what}: a plain number is the mean of exponential gaps in days and must be "
                                f"above 0, got {raw!r}", expected=example,
                                suggestion='for a fixed gap write "constant(90)"')
                return None
            return Distribution("constant" if factor else "exponential", (float(raw),))
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            self.issues.add(loc, f"{what}: {short(raw)} is not a finite number", expected=example)
            return None
        if not isinstance(raw, str):
            self.issues.add(loc, f"{what} has the wrong type ({kind_of(raw)})", expected=example)
            return None
        try:
            dist = Distribution.parse(raw)
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
            self.issues.add(loc, f"{what}: cannot read {short(raw)}", expected=example)
            return None
        if dist.name not in CHANGE_DISTRIBUTIONS:
            self.issues.add(loc, f"{what}: unknown distribution {dist.name!r}",
                            expected="one of " + ", ".join(CHANGE_DISTRIBUTIONS),
                            suggestion=suggest(dist.name, CHANGE_DISTRIBUTIONS))
            return None
        params = CHANGE_PARAMS[dist.name]
        form = f"{dist.name}({', '.join(params)})"
        if dist.kwargs or len(dist.args) != len(params) or not all(finite(a) for a in dist.args):
            self.issues.add(loc, f"{what}: {dist.name} takes {len(params)} number{'s' * (len(params) > 1)}, "
                            f"written in order: {form}, got {short(raw)}", expected=example)
            return None
        problem = _range_problem(dist, factor)
        if problem is not None:
            self.issues.add(loc, f"{what}: {short(raw)}: {problem}", expected=example)
            return None
        return Distribution(dist.name, tuple(float(a) for a in dist.args))

    # -- updates --
    def parse_updates(self, raw: dict[str, Any]) -> list[ColumnChange]:
        if "updates" not in raw:
            return []
        items = raw["updates"]
        if not isinstance(items, list) or not items:
            self.issues.add(self.p.at_value(raw, "updates"), f"{self.what}: updates must be a non-empty list of "
                            "rules", expected="- {column: segment, every_days: 730}")
            return []
        if len(items) > MAX_CHANGE_RULES:
            self.issues.add(self.p.at_value(items, MAX_CHANGE_RULES), f"{self.what}: {len(items)} update rules, "
                            f"at most {MAX_CHANGE_RULES}", expected=f"at most {MAX_CHANGE_RULES} rules per table",
                            suggestion="let one rule change several columns together (columns: [a, b])")
            return []
        out: list[ColumnChange] = []
        seen: dict[str, int] = {}  # column -> rule number it changes in
        for i in range(len(items)):
            rule = self.parse_rule(items, i, seen)
            if rule is not None:
                out.append(rule)
        return out

    def parse_rule(self, items: list[Any], i: int, seen: dict[str, int]) -> ColumnChange | None:
        item = items[i]
        loc = self.p.at_value(items, i)
        what = f"update rule {i + 1} of {self.what}"
        if not isinstance(item, dict):
            self.issues.add(loc, f"{what} must be a mapping ({kind_of(item)} here)",
                            expected="{column: segment, every_days: 730}")
            return None
        self.p.check_keys(item, UPDATE_KEYS, what)
        names = self.rule_columns(item, loc, what)
        ok = names is not None
        columns = names or []
        for name, where in self.column_places(item, columns):
            if not self.check_column(name, where, what, item):
                ok = False
            elif name in seen:
                ok = False
                self.issues.add(where, f"{what}: column {name!r} already changes in update rule {seen[name]}",
                                expected="each column in at most one rule",
                                suggestion="merge the two rules, or drop the column from one of them")
            else:
                seen[name] = i + 1
        rule = ColumnChange(columns=list(columns), location=loc)
        if "max_changes" in item:
            n = item["max_changes"]
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CHANGES_PER_ENTITY:
                ok = False
                self.issues.add(self.p.at_value(item, "max_changes"), f"{what}: max_changes must be a whole number "
                                f"from 1 to {MAX_CHANGES_PER_ENTITY}, got {short(n)}",
                                expected=f"e.g. max_changes: 50 (default {MAX_CHANGES_PER_ENTITY})",
                                suggestion="a cap bounds the work of any row's state; drop the key for the default")
            else:
                rule.max_changes = n
        if "states" in item:
            ok = self.parse_machine(item, rule, what) and ok
        else:
            for key in ("dwell_days",):
                if key in item:
                    ok = False
                    self.issues.add(self.p.at_key(item, key), f"{what}: dwell_days applies to a state machine "
                                    "(`states:`)", suggestion="add states:, or use every_days for a redraw or drift")
            if "every_days" not in item:
                ok = False
                kind = "a drift (`factor:`)" if "factor" in item else "a redraw"
                self.issues.add(loc, f"{what}: {kind} needs every_days, the days between two changes of a row",
                                expected=DURATION_EXAMPLE, suggestion="add every_days: 365, or states: for a "
                                                                     "state machine")
            else:
                rule.every_days = self.distribution(item, "every_days", f"{what}: every_days")
                ok = ok and rule.every_days is not None
            if "factor" in item:
                rule.factor = self.distribution(item, "factor", f"{what}: factor", factor=True)
                ok = ok and rule.factor is not None
                for name, where in self.column_places(item, columns):
                    col = self.table.columns.get(name)
                    if col is not None and col.type.name not in NUMERIC_TYPES:
                        ok = False
                        self.issues.add(where, f"{what}: factor multiplies numbers, and {self.table.name}.{name} "
                                        f"holds {col.type} values", expected="an int, float or decimal column",
                                        suggestion="drop factor to draw the column again (a redraw), or use "
                                                   "states: for a text that moves between values")
        return rule if ok else None

    def rule_columns(self, item: dict[str, Any], loc: Location, what: str) -> list[str] | None:
        if "column" in item and "columns" in item:
            self.issues.add(self.p.at_key(item, "columns"), f"{what} has both column and columns",
                            suggestion="keep one: `column: x` is `columns: [x]`")
            return None
        if "column" in item:
            name = item["column"]
            if not isinstance(name, str):
                self.issues.add(self.p.at_value(item, "column"), f"{what}: column must be a column name "
                                f"({kind_of(name)} here)", expected="column: segment")
                return None
            return [name]
        if "columns" in item:
            names = item["columns"]
            if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                self.issues.add(self.p.at_value(item, "columns"), f"{what}: columns must be a non-empty list of "
                                "column names", expected="columns: [street, city, state, zip]")
                return None
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                self.issues.add(self.p.at_value(item, "columns"), f"{what}: columns names {dupes[0]!r} twice",
                                suggestion="name each column once")
                return None
            return list(names)
        self.issues.add(loc, f"{what} names no column", expected="column: segment, or columns: [street, city]")
        return None

    def column_places(self, item: dict[str, Any], names: list[str]) -> list[tuple[str, Location]]:
        """Each column name of a rule with where it is written."""
        if "column" in item:
            return [(n, self.p.at_value(item, "column")) for n in names]
        raw = item.get("columns")
        return [(n, self.p.at_value(raw, j)) for j, n in enumerate(names)]

    def check_column(self, name: str, where: Location, what: str, item: dict[str, Any]) -> bool:
        """A column a rule may change: a generated column of the table, written, and not a key."""
        table = self.table
        if name in self.failed:
            return False  # reported where the column is declared
        col = table.columns.get(name)
        if col is None:
            self.issues.add(where, f"{what}: {name!r} is not a column of {table.name!r}",
                            suggestion=suggest(name, table.columns))
            return False
        part = table.partitioned
        why = ("it is part of the primary key: a row keeps its identity" if name in table.primary_key
               else "it is unique, and a new draw could take another row's value" if col.unique
               else "it is the partitioned time_column: a row keeps its creation time"
               if part is not None and part.time_column == name
               else KIND_REASONS.get(col.kind)
               or ("it is an `emit: false` helper: it is never written, so no change of it would show"
                   if not col.emit else None))
        if why is None:
            return True
        hint = ("change the columns it reads instead" if col.kind in ("expr", "template")
                else "change the parent's columns instead" if col.kind == "ref"
                else "change the written columns computed from it" if not col.emit and col.kind == "gen"
                else "change another column")
        self.issues.add(where, f"{what}: column {table.name}.{name} cannot change: {why}",
                        expected="a generated (gen: or dist:) column that is not a key", suggestion=hint)
        return False

    def parse_machine(self, item: dict[str, Any], rule: ColumnChange, what: str) -> bool:
        """`states:` and `dwell_days:` of a state-machine rule; True when they are good."""
        ok = True
        for key in ("every_days", "factor"):
            if key in item:
                ok = False
                self.issues.add(self.p.at_key(item, key), f"{what}: a state machine moves after dwell_days in each "
                                f"state; {key} does not apply", suggestion=f"drop {key}")
        if len(rule.columns) > 1:
            ok = False
            self.issues.add(self.p.at_value(item, "columns"), f"{what}: a state machine moves one column, not "
                            f"{len(rule.columns)}", suggestion="write column: status, one rule per machine")
        states_raw = item["states"]
        example = "states: {placed: {paid: 0.94, cancelled: 0.06}, paid: {shipped: 1}}"
        if not isinstance(states_raw, dict) or not states_raw:
            self.issues.add(self.p.at_value(item, "states"), f"{what}: states must be a non-empty mapping "
                            "from-state → {to-state: weight}", expected=example)
            return False
        states: dict[str, dict[str, float]] = {}
        for src, moves in states_raw.items():
            if not isinstance(src, str):
                ok = False
                self.issues.add(self.p.at_key(states_raw, src), f"{what}: state {short(src)} is not a text",
                                suggestion=f'quote it: "{src}"')
                continue
            if not isinstance(moves, dict) or not moves:
                ok = False
                self.issues.add(self.p.at_value(states_raw, src), f"{what}: state {src!r} must map to-states to "
                                "weights", expected="e.g. placed: {paid: 0.94, cancelled: 0.06}",
                                suggestion="a state with no way out is final: leave it out of the keys")
                states[src] = {}  # known as a state, so its dwell_days is not reported as well
                continue
            out: dict[str, float] = {}
            for dst, weight in moves.items():
                where = self.p.at_key(moves, dst)
                if not isinstance(dst, str):
                    ok = False
                    self.issues.add(where, f"{what}: state {short(dst)} is not a text", suggestion=f'quote it: "{dst}"')
                elif dst == src:
                    ok = False
                    self.issues.add(where, f"{what}: state {src!r} moves to itself",
                                    suggestion="drop it: the time spent in a state is its dwell_days")
                elif not finite(weight) or weight <= 0:
                    ok = False
                    self.issues.add(self.p.at_value(moves, dst), f"{what}: the weight of {src} → {dst} must be a "
                                    f"number above 0, got {short(weight)}", expected="e.g. paid: 0.94 (weights "
                                    "need not sum to 1)", suggestion="drop a move that never happens")
                else:
                    out[dst] = float(weight)
            states[src] = out
        rule.states = states
        ok = self.parse_dwell(item, rule, states, what) and ok
        if ok and len(rule.columns) == 1:
            ok = self.check_machine_column(rule.columns[0], item, states, what)
        return ok

    def parse_dwell(self, item: dict[str, Any], rule: ColumnChange, states: dict[str, dict[str, float]],
                    what: str) -> bool:
        if "dwell_days" not in item:
            self.issues.add(self.p.at_key(item, "states"), f"{what}: a state machine needs dwell_days, the days a "
                            "row stays in each state before it moves",
                            expected="dwell_days: {" + ", ".join(f"{s}: 2" for s in states) + "}")
            return False
        raw = item["dwell_days"]
        if not isinstance(raw, dict):
            self.issues.add(self.p.at_value(item, "dwell_days"), f"{what}: dwell_days must be a mapping "
                            "state → days", expected='dwell_days: {placed: 0.02, paid: "uniform(0.2, 2)"}')
            return False
        ok = True
        dwell: dict[str, Distribution] = {}
        rule.dwell_days = dwell
        for state in raw:
            if state not in states:
                ok = False
                final = any(state in moves for moves in states.values())
                self.issues.add(self.p.at_key(raw, state), f"{what}: dwell_days names {short(state)}, which "
                                + ("is final (it has no way out)" if final else "is no state of the machine"),
                                expected="a state with moves out (a key of states)",
                                suggestion=None if final else suggest(str(state), states))
                continue
            dist = self.distribution(raw, state, f"{what}: dwell_days of {state!r}")
            if dist is None:
                ok = False
            else:
                dwell[state] = dist
        missing = [s for s in states if s not in raw]
        if missing:
            ok = False
            self.issues.add(self.p.at_key(item, "dwell_days"), f"{what}: dwell_days has no entry for "
                            f"{', '.join(map(repr, missing))}", expected="a duration for every state with moves out",
                            suggestion=f"add {missing[0]}: 2 (days)")
        return ok

    def check_machine_column(self, name: str, item: dict[str, Any], states: dict[str, dict[str, float]],
                             what: str) -> bool:
        """The column of a state machine holds texts; the values its generator starts with are states."""
        col = self.table.columns[name]
        where = self.column_places(item, [name])[0][1]
        if col.type.name not in (LogicalType.STRING, LogicalType.AUTO):
            self.issues.add(where, f"{what}: a state machine moves a text column, and {self.table.name}.{name} "
                            f"holds {col.type} values", expected="a string column",
                            suggestion="give the column type: string, or drop states")
            return False
        first = _first_states(col)
        if first is None:
            return True
        known = set(states) | {dst for moves in states.values() for dst in moves}
        ok = True
        for value in first:
            if value is not None and value not in known:
                ok = False
                self.issues.add(self.p.at_key(item, "states"), f"{what}: {name} starts as {short(value)}, which is "
                                "no state of the machine", expected="every value the column's generator draws is a "
                                "state", suggestion=f"add {value} to states, or change the values of {name}")
        return ok

    # -- deletes and late events --
    def parse_deletes(self, raw: dict[str, Any]) -> DeleteSpec | None:
        if "deletes" not in raw:
            return None
        d = raw["deletes"]
        what = f"deletes of {self.what}"
        example = "deletes: {share: 0.04, after_days: 300, mode: soft}"
        if not isinstance(d, dict):
            self.issues.add(self.p.at_value(raw, "deletes"), f"{what} must be a mapping ({kind_of(d)} here)",
                            expected=example)
            return None
        self.p.check_keys(d, DELETE_KEYS, what)
        ok = True
        for key in ("share", "after_days"):
            if key not in d:
                ok = False
                self.issues.add(self.p.at_key(raw, "deletes"), f"{what} needs {key}", expected=example)
        share = d.get("share")
        if "share" in d and (not finite(share) or not 0 < share <= MAX_DELETE_SHARE):
            ok = False
            self.issues.add(self.p.at_value(d, "share"), f"{what}: share is the part of the rows deleted, a number "
                            f"above 0 and at most {MAX_DELETE_SHARE}, got {short(share)}",
                            expected="e.g. share: 0.04",
                            suggestion="at most half of the rows: a child of a deleted row re-picks a living "
                                       "parent, so enough of them must live")
        after = self.distribution(d, "after_days", f"{what}: after_days") if "after_days" in d else None
        ok = ok and after is not None
        mode = d.get("mode", "soft")
        if mode not in DELETE_MODES:
            ok = False
            self.issues.add(self.p.at_value(d, "mode"), f"{what}: unknown mode {short(mode)}",
                            expected="soft (the row stays, its delete column is set) or hard (the row goes)",
                            suggestion=suggest(str(mode), DELETE_MODES))
        column = d.get("column", "deleted_at")
        if "column" in d:
            ok = self.check_delete_column(d, column, mode, what) and ok
        if not ok or after is None:
            return None
        return DeleteSpec(share=float(share), after_days=after, location=self.p.at_key(raw, "deletes"),
                          mode=str(mode), column=str(column))

    def check_delete_column(self, d: dict[str, Any], column: Any, mode: Any, what: str) -> bool:
        where = self.p.at_value(d, "column")
        if mode == "hard":
            self.issues.add(self.p.at_key(d, "column"), f"{what}: column names the timestamp a soft delete sets; "
                            "a hard delete removes the row", suggestion="drop column, or use mode: soft")
            return False
        if not isinstance(column, str) or not IDENTIFIER.match(column) or name_problem(column):
            self.issues.add(where, f"{what}: invalid column name {short(column)}",
                            expected="letters, digits and underscores, starting with a letter (at most 63)",
                            suggestion="e.g. deleted_at")
            return False
        if column in self.table.columns or column in self.failed:
            self.issues.add(where, f"{what}: {column!r} is already a column of {self.table.name!r}; a soft delete "
                            "adds its own timestamp column", suggestion="name it e.g. deleted_at, or rename the "
                                                                       "existing column")
            return False
        clash = _output_clash(column)
        if clash is not None or column in RESERVED_COLUMNS:
            self.issues.add(where, f"{what}: {column!r} " + (clash or "is a column SQL destinations add"),
                            suggestion="name it e.g. deleted_at")
            return False
        return True

    def parse_late(self, raw: dict[str, Any]) -> LateSpec | None:
        if "late" not in raw:
            return None
        d = raw["late"]
        what = f"late of {self.what}"
        example = "late: {share: 0.03, max_days: 2}"
        if not isinstance(d, dict):
            self.issues.add(self.p.at_value(raw, "late"), f"{what} must be a mapping ({kind_of(d)} here)",
                            expected=example)
            return None
        self.p.check_keys(d, LATE_KEYS, what)
        ok = True
        for key in LATE_KEYS:
            if key not in d:
                ok = False
                self.issues.add(self.p.at_key(raw, "late"), f"{what} needs {key}", expected=example)
        share, days = d.get("share"), d.get("max_days")
        if "share" in d and (not finite(share) or not 0 <= share <= 1):
            ok = False
            self.issues.add(self.p.at_value(d, "share"), f"{what}: share is the part of the events that arrives "
                            f"late, a number from 0 to 1, got {short(share)}", expected="e.g. share: 0.03")
        if "max_days" in d and (not finite(days) or not 0 < days <= MAX_LATE_DAYS):
            ok = False
            self.issues.add(self.p.at_value(d, "max_days"), f"{what}: max_days is how many days an event may "
                            f"arrive late, a number above 0 and at most {MAX_LATE_DAYS}, got {short(days)}",
                            expected="e.g. max_days: 2 (0.5 is half a day)")
        if not ok:
            return None
        return LateSpec(share=float(share), max_days=float(days), location=self.p.at_key(raw, "late"))

    # -- names the outputs add --
    def check_output_names(self) -> None:
        for col in self.table.columns.values():
            clash = _output_clash(col.name)
            if clash is not None:
                self.issues.add(col.location, f"column {self.table.name}.{col.name} {clash}, and "
                                f"{self.table.name!r} has changes", suggestion=f"rename it, e.g. "
                                f"{_renamed(col.name, self.table.columns)!r}")


def _output_clash(name: str) -> str | None:
    """Why ``name`` clashes with a column the change outputs add, or None."""
    if name in HISTORY_COLUMNS:
        return "is a column the history of a changing table adds (" + ", ".join(HISTORY_COLUMNS) + ")"
    if name.startswith(CHANGE_LOG_PREFIX):
        return f"starts with {CHANGE_LOG_PREFIX!r}, as the change log's own columns do (__op, __event_ts, …)"
    return None


def _renamed(name: str, taken: dict[str, ColumnSpec]) -> str:
    base = name.lstrip("_") if name.startswith(CHANGE_LOG_PREFIX) else f"row_{name}"
    base = base or "value"
    return base if base not in taken else f"{base}_1"


def _range_problem(dist: Distribution, factor: bool) -> str | None:
    """What is wrong with the arguments of a change distribution, or None."""
    a = dist.args
    if dist.name == "constant":
        if factor and a[0] <= 0:
            return "a constant factor must be above 0 (it multiplies the value)"
        if not factor and a[0] < 0:
            return "a duration is at least 0 days"
    elif dist.name == "uniform":
        if a[0] > a[1]:
            return f"uniform(a, b) needs a <= b ({a[0]:g} > {a[1]:g})"
        if factor and a[0] <= 0:
            return "a factor must be above 0 (it multiplies the value): uniform(a, b) needs a > 0"
        if not factor and a[0] < 0:
            return "a duration is at least 0 days: uniform(a, b) needs a >= 0"
    elif dist.name == "exponential":
        if a[0] <= 0:
            return "exponential(mean) needs a mean above 0"
    elif dist.name in ("normal", "lognormal") and a[1] < 0:
        return f"{dist.name}({', '.join(CHANGE_PARAMS[dist.name])}) needs {CHANGE_PARAMS[dist.name][1]} >= 0"
    return None


def _first_states(col: ColumnSpec) -> list[Any] | None:
    """The values a column's generator can start with, when its generator declares them (constant, choice…)."""
    if not col.generator:
        return None
    gen = registry.get(col.generator)
    if gen.facts is None:
        return None
    try:
        values = gen.facts.value_set(col.params)
    except (KeyError, TypeError, ValueError):
        return None
    if values is None:
        return None
    return written_values(list(values.values), col)
