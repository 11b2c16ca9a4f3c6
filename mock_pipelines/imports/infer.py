"""From what a source says (a SourceSchema) to a schema of the schema language, every choice explained.

The decisions, in the order they are taken for each column:

1. keys: a single-column foreign key becomes ``ref:``, a composite one a table-level ``foreign_keys`` entry;
   a primary key is made unique by construction (``sequence`` for numbers, ``uuid4``, a ``pattern`` that
   fits the column's length); a key made of a parent's key and a number is laid out per parent with
   ``child_index``, and one made of two parents' keys picks the second parent once per first parent
   (``unique_within``);
2. the CHECK constraints (:mod:`.check_rules`): bounds, value sets and "after another column";
3. the column's name (:mod:`.name_rules`), when the generator it suggests fits the kind, the bounds, the
   length and the uniqueness the source requires;
4. the kind alone (a bounded integer, an amount, a timestamp in a window, a word …);
5. ``--profile-data`` statistics refine row counts, null shares, bounds and value weights.

Every column gets a comment with the reason; what could not be honoured is an :class:`ImportWarning`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from mock_pipelines.imports.check_rules import Bound, ColumnFacts, TableChecks, read_checks
from mock_pipelines.imports.model import ImportWarning, SourceColumn, SourceSchema, SourceTable
from mock_pipelines.imports.name_rules import rule_for

ROOT_ROWS = 100  # rows of a table without parents
ROWS_FACTOR = 4  # each level of children has this many times its parents' rows …
MAX_DEFAULT_ROWS = 10_000  # … up to this many
DEFAULT_START, DEFAULT_END = "2021-01-01", "2024-12-31"
DEFAULT_NULL_RATE = 0.1  # a nullable column without statistics
CHILDREN_PER_PARENT = "uniform(1, 5)"
_INT_BITS = {16: 2**15 - 1, 32: 2**31 - 1, 64: 2**63 - 1}
_FIXED_CHAR = re.compile(r"^(char|character|nchar|bpchar)(\s*\(|$)", re.IGNORECASE)  # not "character varying"
_FIRST_TIME = re.compile(r"(created|inserted|registered|signup|signed_up|opened|placed|ordered|started|"
                         r"submitted|issued|booked|hired|joined)(_at|_on|_ts|_time|_date)?")
_LATER_TIME = re.compile(r"(updated|modified|changed|shipped|delivered|completed|closed|ended|finished|"
                         r"resolved|returned|cancelled|canceled|paid|approved|processed)(_at|_on|_ts|_time|_date)?")


@dataclass
class ColumnOut:
    name: str
    body: dict[str, Any]
    why: str


@dataclass
class TableOut:
    name: str
    rows: Any
    rows_why: str
    columns: list[ColumnOut] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # comment lines written above the table
    description: str = ""


@dataclass
class Inferred:
    name: str
    source: str
    tables: list[TableOut]
    warnings: list[ImportWarning]


def infer(source: SourceSchema, rows: dict[str, int] | None = None) -> Inferred:
    """Choose a generator for every column of ``source``; ``rows`` overrides row counts per table."""
    from mock_pipelines.imports.valid_names import make_names_valid

    make_names_valid(source)
    rows = dict(rows or {})
    warnings = list(source.warnings)
    unknown = sorted(set(rows) - set(source.tables))
    if unknown:
        warnings.append(ImportWarning("--rows", f"no table named {', '.join(unknown)}",
                                      f"the tables are {', '.join(source.tables)}"))
    counts = _row_counts(source, rows)
    tables = [_Table(source, t, counts, warnings).build() for t in _parents_first(source)]
    return Inferred(source.name, source.source, tables, warnings)


def _parents_first(source: SourceSchema) -> list[SourceTable]:
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done or name in path:
            return
        for fk in source.tables[name].foreign_keys:
            if fk.ref_table != name and fk.ref_table in source.tables:
                visit(fk.ref_table, (*path, name))
        done.append(name)

    for name in source.tables:
        visit(name, ())
    return [source.tables[n] for n in done]


def _row_counts(source: SourceSchema, given: dict[str, int]) -> dict[str, tuple[int, str]]:
    """Rows per table and why: given, measured, or by depth (parents fewer than children)."""
    depth: dict[str, int] = {}

    def level(name: str, path: tuple[str, ...]) -> int:
        if name in depth:
            return depth[name]
        parents = [fk.ref_table for fk in source.tables[name].foreign_keys
                   if fk.ref_table != name and fk.ref_table in source.tables and fk.ref_table not in path]
        depth[name] = 1 + max((level(p, (*path, name)) for p in parents), default=-1)
        return depth[name]

    out = {}
    for name, table in source.tables.items():
        if name in given:
            out[name] = (given[name], "as given with --rows")
        elif table.stats is not None:
            out[name] = (max(table.stats.rows, 1), f"the source table has {table.stats.rows:,} rows")
        else:
            n = min(ROOT_ROWS * ROWS_FACTOR ** level(name, ()), MAX_DEFAULT_ROWS)
            out[name] = (n, "no parents: the smallest tables" if level(name, ()) == 0 else
                         f"{level(name, ())} level(s) below a table without parents: parents have fewer rows "
                         "than their children")
    return out


def _fmt(x: float) -> float | int:
    """A number as a person writes it: 12.0 → 12, 0.30000000000000004 → 0.3."""
    if isinstance(x, int) or (float(x).is_integer() and abs(x) < 1e15):
        return int(x)
    return float(f"{x:.12g}")


class _Table:
    def __init__(self, source: SourceSchema, table: SourceTable, counts: dict[str, tuple[int, str]],
                 warnings: list[ImportWarning]):
        self.source, self.t, self.counts, self.warnings = source, table, counts, warnings
        self.rows = counts[table.name][0]
        self.names = {c.name for c in table.columns}
        self.checks: TableChecks = read_checks(table.checks, self.names, source.dialect, table.name)
        self.out = TableOut(table.name, self.rows, counts[table.name][1], description=table.comment)
        self.single_fks = {fk.columns[0]: fk for fk in table.foreign_keys if len(fk.columns) == 1}
        self.composite_members = {c for fk in table.foreign_keys if len(fk.columns) > 1 for c in fk.columns}
        self.done: dict[str, ColumnOut] = {}
        self.count_bounds: tuple[int, int] | None = None  # measured children per parent

    def warn(self, column: str | None, message: str, suggestion: str | None = None) -> None:
        where = f"{self.t.name}.{column}" if column else self.t.name
        self.warnings.append(ImportWarning(self.t.location or where if column is None else where, message,
                                           suggestion))

    # ---- the table --------------------------------------------------------------------------------------
    def build(self) -> TableOut:
        self._layout()
        for fk in self.t.foreign_keys:
            if len(fk.columns) > 1:
                self.out.foreign_keys.append({"columns": list(fk.columns),
                                              "ref": f"{fk.ref_table}({', '.join(fk.ref_columns)})"})
        self.forced = self._unique_members()
        for column in self.t.columns:
            if column.name in self.composite_members or column.name in self.done:
                continue
            self.done[column.name] = self._column(column)
        self.out.columns = [self.done[c.name] for c in self.t.columns if c.name in self.done]
        self.out.primary_key = list(self.t.primary_key)
        for name, condition, _check in self.checks.kept:
            self.out.checks.append({"name": name, "check": condition})
        for check, why in self.checks.left_out:
            self.out.notes.append(f"CHECK {check.sql} is not imported: {why}")
            self.warn(None, f"CHECK ({check.sql}) is not imported: {why}",
                      "give the columns bounds or an expression that keeps it, and write it under checks:")
        for group in self.t.unique:
            if not any(self._is_unique(c) for c in group):
                self.out.notes.append(f"UNIQUE ({', '.join(group)}) is not guaranteed: the columns are drawn "
                                      "independently")
                self.warn(None, f"UNIQUE ({', '.join(group)}) cannot be guaranteed by construction",
                          "make one of its columns unique, or lay the table out per parent")
        return self.out

    def _unique_members(self) -> set[str]:
        """A column of each multi-column UNIQUE made unique by itself, so the group is unique by
        construction (a unique name makes UNIQUE (name, currency) hold)."""
        single = set(self.t.primary_key) if len(self.t.primary_key) == 1 else set()
        single |= {c.name for c in self.t.columns if c.unique}
        out: set[str] = set()
        for group in self.t.unique:
            if set(group) & (single | out) or set(group) == set(self.t.primary_key):
                continue
            member = next((c for c in group if c not in self.single_fks and c not in self.composite_members
                           and c not in self.done), None)
            if member is not None:
                out.add(member)
        return out

    def _is_unique(self, column: str) -> bool:
        out = self.done.get(column)
        return out is not None and (out.body.get("unique") is True or out.body.get("gen") in ("sequence",
                                                                                               "child_index"))

    def _layout(self) -> None:
        """Rows per parent where the primary key needs it: (parent key, number) or (parent, other parent);
        and for the items of a nested list (a child table of a JSON Schema, Avro or Protobuf source)."""
        pk = self.t.primary_key
        if self.t.per_parent and self._items_layout():
            return
        if len(pk) < 2:
            if len(pk) == 1 and pk[0] in self.single_fks and self.single_fks[pk[0]].ref_table != self.t.name:
                fk = self.single_fks[pk[0]]  # a 1:1 extension of its parent: one row per parent row
                self.out.rows = {"per": fk.ref_table, "count": 1}
                self.out.rows_why = f"its key is {fk.ref_table}'s key: one row per {fk.ref_table} row"
                self.done[pk[0]] = ColumnOut(pk[0], {"ref": f"{fk.ref_table}.{fk.ref_columns[0]}"},
                                             f"one row per {fk.ref_table} row (the primary key is the parent's)")
            return
        parents = [c for c in pk if c in self.single_fks and self.single_fks[c].ref_table != self.t.name]
        others = [c for c in pk if c not in parents and c not in self.composite_members]
        if not parents:
            return
        first = parents[0]
        fk = self.single_fks[first]
        count, why = self._children_count(fk.columns)
        self.out.rows = self._per_parent_rows(fk.ref_table, count)
        self.out.rows_why = why
        self.done[first] = ColumnOut(first, {"ref": f"{fk.ref_table}.{fk.ref_columns[0]}"},
                                     f"the parent of each group of rows (primary key {', '.join(pk)})")
        for name in others:
            col = self.t.column(name)
            if col is not None and col.kind == "int":
                self.done[name] = ColumnOut(name, {"gen": "child_index"},
                                            f"numbers the rows of each {fk.ref_table} row 1, 2, 3 …: with "
                                            f"{first} the primary key is unique by construction")
                break
        else:
            for name in parents[1:2]:
                other = self.single_fks[name]
                self.done[name] = ColumnOut(name, {"ref": f"{other.ref_table}.{other.ref_columns[0]}",
                                                   "unique_within": first},
                                            f"a different {other.ref_table} for each row of one {first}: with "
                                            f"{first} the primary key is unique by construction")
                cap = self.counts.get(other.ref_table, (0, ""))[0]
                if cap and isinstance(count, str) and count == CHILDREN_PER_PARENT and cap < 5:
                    self.out.rows["count"] = f"uniform(1, {cap})"

    def _items_layout(self) -> bool:
        fk = next((f for f in self.t.foreign_keys if f.ref_table == self.t.per_parent and len(f.columns) == 1),
                  None)
        if fk is None:
            return False
        member = fk.columns[0]
        group = next((g for g in [self.t.primary_key, *self.t.unique] if member in g and len(g) == 2), None)
        count, why = self._children_count(fk.columns)
        if self.t.items is not None and (self.t.stats is None or not self.t.stats.children):
            lo, hi = self.t.items
            count = f"uniform({lo}, {hi})" if hi > lo else lo
            why = f"{lo} to {hi} items per {fk.ref_table} row, as the source allows"
        self.out.rows = self._per_parent_rows(fk.ref_table, count)
        self.out.rows_why = why
        self.done[member] = ColumnOut(member, {"ref": f"{fk.ref_table}.{fk.ref_columns[0]}"},
                                      f"the {fk.ref_table} row each item belongs to")
        number = next((c for c in (group or []) if c != member), None)
        col = self.t.column(number) if number else None
        if col is not None and col.kind == "int":
            self.done[col.name] = ColumnOut(col.name, {"gen": "child_index"},
                                            "the position of the item in its list: 1, 2, 3 …")
        return True

    def _children_count(self, fk_columns: list[str]) -> tuple[Any, str]:
        """The ``count`` of a per-parent layout (with its measured ``min``/``max`` folded into the rows
        mapping by :meth:`_per_parent_rows`) and why."""
        stats = self.t.stats.children.get(",".join(fk_columns)) if self.t.stats else None
        if stats is not None and stats.max >= 1:
            lo, hi = max(stats.min, 0), max(stats.max, 1)
            if hi == lo:
                return lo, f"measured: {lo} rows per parent"
            self.count_bounds = (lo, hi)
            return (f"poisson({_fmt(round(stats.mean, 3))})",
                    f"measured: {_fmt(round(stats.mean, 3))} rows per parent on average, {lo} to {hi}")
        return CHILDREN_PER_PARENT, "1 to 5 rows per parent row (no statistics: give --profile-data to measure)"

    def _per_parent_rows(self, parent: str, count: Any) -> dict[str, Any]:
        rows: dict[str, Any] = {"per": parent, "count": count}
        if self.count_bounds is not None:
            rows["min"], rows["max"] = self.count_bounds
        return rows

    # ---- one column ------------------------------------------------------------------------------------
    def _column(self, c: SourceColumn) -> ColumnOut:
        facts = self.checks.columns.get(c.name, ColumnFacts())
        self._merge_source_bounds(c, facts)
        stats = self.t.stats.columns.get(c.name) if self.t.stats else None
        if c.name in self.single_fks:
            out = self._reference(c)
        else:
            pk_only = self.t.primary_key == [c.name]
            out = self._value(c, facts, unique=pk_only or c.unique or c.name in self.forced, stats=stats)
        if c.comment:
            out.body["description"] = c.comment
        self._nulls(c, out, stats)
        return out

    def _merge_source_bounds(self, c: SourceColumn, facts: ColumnFacts) -> None:
        """Bounds and value sets the source states on the column itself (JSON Schema, Avro …) join the
        CHECKs' (the tighter wins)."""
        if c.minimum is not None and (facts.lower is None or _num(c.minimum) > _num(facts.lower.value)):
            facts.lower = Bound(c.minimum, c.exclusive_minimum)
        if c.maximum is not None and (facts.upper is None or _num(c.maximum) < _num(facts.upper.value)):
            facts.upper = Bound(c.maximum, c.exclusive_maximum)
        if c.kind == "enum" and c.enum_values and facts.values is None:
            facts.values = list(c.enum_values)

    def _nulls(self, c: SourceColumn, out: ColumnOut, stats: Any) -> None:
        if not c.nullable or c.name in self.t.primary_key or out.body.get("gen") in ("child_index",):
            return
        if self._self_reference(c):
            out.body["null_rate"] = _fmt(stats.null_share) if stats and stats.null_share else 0.05
            return
        if stats is not None:
            if stats.null_share > 0:
                out.body["null_rate"] = round(stats.null_share, 4)
            else:
                out.body["nullable"] = True
            return
        if out.body.get("unique_within"):
            return
        out.body["null_rate"] = DEFAULT_NULL_RATE
        out.why += f"; nullable: {DEFAULT_NULL_RATE:.0%} nulls"

    def _self_reference(self, c: SourceColumn) -> bool:
        fk = self.single_fks.get(c.name)
        return fk is not None and fk.ref_table == self.t.name

    def _reference(self, c: SourceColumn) -> ColumnOut:
        fk = self.single_fks[c.name]
        body: dict[str, Any] = {"ref": f"{fk.ref_table}.{fk.ref_columns[0]}"}
        if fk.ref_table == self.t.name:
            return ColumnOut(c.name, body, "a tree: every row points at an earlier row of the table")
        return ColumnOut(c.name, body, f"foreign key to {fk.ref_table}: a parent picked uniformly (add "
                                       "skew: zipf(1.1) for a few very popular parents)")

    # ---- values ----------------------------------------------------------------------------------------
    def _value(self, c: SourceColumn, facts: ColumnFacts, unique: bool, stats: Any) -> ColumnOut:
        kind = c.kind
        if facts.values:
            return self._choice(c, facts.values, stats, "the values its CHECK or type allows", unique)
        if stats is not None and stats.top_values and not unique and kind in ("string", "enum", "int", "bool") \
                and sum(s for _, s in stats.top_values) >= 0.999:
            values = [v for v, _ in stats.top_values]
            return self._choice(c, values, stats, "the few values measured in the source", unique)
        if c.pattern and kind in ("string", "unknown"):
            from mock_pipelines.imports.regex_format import generator_for

            found = generator_for(c.pattern)
            if found is not None:
                body = {**found, "unique": True} if unique else dict(found)
                return ColumnOut(c.name, body, f"every value matches the source's pattern {c.pattern}")
        if unique:
            keyed = self._unique_value(c, facts)
            if keyed is not None:
                return keyed
        by_name = self._by_name(c, facts, unique)
        if by_name is not None:
            return by_name
        return self._by_kind(c, facts, unique, stats)

    def _choice(self, c: SourceColumn, values: list[Any], stats: Any, why: str, unique: bool) -> ColumnOut:
        weights = dict(stats.top_values) if stats is not None and stats.top_values else {}
        # Measured shares weight the values (one never seen, or seen too rarely to be reported, gets 0).
        chosen: Any = {v: _fmt(round(weights.get(v, 0), 4)) for v in values} \
            if weights and any(v in weights for v in values) else list(values)
        body: dict[str, Any] = {"gen": "choice", "values": chosen}
        if c.kind == "int" and all(isinstance(v, int) for v in values):
            body["type"] = "int"
        if unique:
            body["unique"] = True
            if len(values) < self.rows:
                self.warn(c.name, f"unique with only {len(values)} allowed values but {self.rows} rows",
                          f"import with --rows {self.t.name}={len(values)}")
        return ColumnOut(c.name, body, why + (" (weights measured)" if isinstance(chosen, dict) else ""))

    def _unique_value(self, c: SourceColumn, facts: ColumnFacts) -> ColumnOut | None:
        """A key that is unique by construction."""
        if c.kind == "int":
            start = 1
            if facts.lower is not None:
                start = math.floor(_num(facts.lower.value)) + (1 if facts.lower.exclusive else 0)
                start = max(start, 1) if _num(facts.lower.value) >= 0 else start
            return ColumnOut(c.name, {"gen": "sequence", "start": start} if start != 1 else {"gen": "sequence"},
                             "a unique key: 1, 2, 3 …" if not c.autoincrement else
                             "an auto-increment key: 1, 2, 3 …")
        if c.kind == "uuid" or c.format == "uuid":
            return ColumnOut(c.name, {"gen": "uuid4", "unique": True}, "a unique random UUID")
        if c.kind in ("decimal", "float"):
            return ColumnOut(c.name, {"gen": "sequence", "type": self._type(c) or "int"},
                             "a unique key: 1, 2, 3 …")
        if c.kind not in ("string", "unknown"):
            return None
        rule = rule_for(c.name, c.kind, self.t.name)
        if rule is not None and self._fits(rule.generator, rule.params, rule.longest, c, unique=True):
            return ColumnOut(c.name, {"gen": rule.generator, **rule.params, "unique": True},
                             f"{rule.generator}: the column's name says so; unique by construction")
        return self._unique_pattern(c)

    def _unique_pattern(self, c: SourceColumn) -> ColumnOut:
        length = c.length
        digits = max(len(str(self.rows * 10)), 8)  # room for a run at a larger scale
        if _FIXED_CHAR.match(c.type_text) and length:
            fmt = "?" * length if 26 ** length >= self.rows else "#" * length
            return ColumnOut(c.name, {"gen": "pattern", "format": fmt, "unique": True},
                             f"a unique code of exactly {length} characters (CHAR({length}))")
        # A readable unique text: "Category 00012345" for the name of a category, "CODE-00012345" for a code.
        if c.name.lower() in ("name", "title", "label") or c.name.lower().endswith("_name"):
            fmt = f"{_singular(self.t.name).replace('_', ' ').title()} " + "#" * digits
        else:
            fmt = (re.sub(r"[^A-Z]", "", c.name.upper())[:4] or "K") + "-" + "#" * digits
        if length is not None and len(fmt) > length:
            fmt = "#" * min(length, max(digits, 1))
        return ColumnOut(c.name, {"gen": "pattern", "format": fmt, "unique": True},
                         "a unique code that fits the column" + (f" ({length} characters)" if length else ""))

    def _fits(self, gen: str, params: dict[str, Any], longest: int | None, c: SourceColumn,
              unique: bool = False, facts: ColumnFacts | None = None) -> bool:
        """Whether a generator can fill the column: its values fit the length, it can be unique for the
        table's rows, and its declared range stays inside the bounds."""
        from mock_pipelines.core import registry

        try:
            g = registry.get(gen)
            values = g.validate_params(params)
        except Exception:  # a rule that does not validate is simply not used
            return False
        if unique and c.length is not None and longest is not None and longest > c.length:
            return False
        if unique:
            if not g.supports_unique:
                return False
            capacity = g.capacity(values, "en_US") if g.capacity else None
            if capacity is not None and capacity < self.rows:
                return False
        if facts is not None and (facts.lower is not None or facts.upper is not None):
            lo, hi = g.facts.range(values) if g.facts is not None and g.facts.range is not None else (None, None)
            if facts.lower is not None and (lo is None or not _above(lo, facts.lower)):
                return False
            if facts.upper is not None and (hi is None or not _below(hi, facts.upper)):
                return False
        return True

    def _by_name(self, c: SourceColumn, facts: ColumnFacts, unique: bool) -> ColumnOut | None:
        rule = rule_for(c.name, c.kind, self.t.name)
        if rule is None:
            return None
        if c.kind in ("date", "timestamp") and rule.generator == "date_of_birth":
            body: dict[str, Any] = {"gen": "date_of_birth"}
            if c.kind == "timestamp":
                body["type"] = "timestamp"
            return ColumnOut(c.name, body, "date_of_birth: the column's name says so (ages 18 to 90)")
        if rule.short is not None and c.length is not None and rule.longest is not None \
                and rule.short[2] <= c.length < rule.longest:
            gen, params, longest = rule.short
            body = {"gen": gen, **params, **({"unique": True} if unique else {})}
            if self._fits(gen, params, longest, c, unique=unique):
                return ColumnOut(c.name, body, f"{gen}: the column's name says {rule.generator}, and its "
                                               f"{c.length} characters hold the short form")
        params = dict(rule.params)
        if c.kind in ("decimal", "float", "int"):
            params.update(self._bounded_params(rule.generator, c, facts))
        if not self._fits(rule.generator, params, rule.longest, c, unique=unique, facts=facts):
            return None
        body = {"gen": rule.generator, **params}
        why = f"{rule.generator}: the column's name says so"
        if unique:
            body["unique"] = True
        typ = self._type(c)
        if typ and typ != self._returns(rule.generator):
            body["type"] = typ
        if c.length is not None and not unique and (rule.longest is None or rule.longest > c.length):
            body["max_length"] = c.length
            why += f"; cut to {c.length} characters"
        return ColumnOut(c.name, body, why)

    def _bounded_params(self, gen: str, c: SourceColumn, facts: ColumnFacts) -> dict[str, Any]:
        """min/max of a numeric generator from the column's bounds, where the generator takes them."""
        from mock_pipelines.core import registry

        g = registry.get(gen)
        lo, hi = self._numeric_range(c, facts, default=None)
        # Only the bounds the source states: a decimal's precision alone must not become a generator's max
        # (an amount up to 10^10 would put its median in the millions).
        lo = lo if facts.lower is not None else None
        hi = hi if facts.upper is not None else None
        out: dict[str, Any] = {}
        if g.param("min") is not None and lo is not None:
            out["min"] = lo
        if g.param("max") is not None and hi is not None:
            out["max"] = hi
        return out

    def _numeric_range(self, c: SourceColumn, facts: ColumnFacts,
                       default: tuple[float, float] | None = (0, 1000)) -> tuple[Any, Any]:
        """The closed range the values must stay in: bounds (exclusive ones moved one step in), the
        precision of a decimal, the bits of an integer."""
        step = 1 if c.kind == "int" else 10.0 ** -(c.scale or 2) if c.kind == "decimal" else 0.001
        lo = hi = None
        if facts.lower is not None:
            lo = _num(facts.lower.value) + (step if facts.lower.exclusive else 0)
        if facts.upper is not None:
            hi = _num(facts.upper.value) - (step if facts.upper.exclusive else 0)
        if default is not None:  # a side the source leaves open: a window of the default's width
            width = default[1] - default[0]
            if lo is None and hi is None:
                lo, hi = default
            elif hi is None:
                hi = lo + width
            elif lo is None:
                lo = min(default[0], hi - width)
        cap = None  # what the column's type holds
        if c.kind == "decimal" and c.precision:
            cap = 10.0 ** (c.precision - (c.scale or 0)) - 10.0 ** -(c.scale or 0)
        elif c.kind == "int" and c.precision in _INT_BITS:
            cap = _INT_BITS[c.precision]
        if cap is not None:
            hi = cap if hi is None and default is not None else hi if hi is None else min(hi, cap)
            lo = lo if lo is None else max(lo, -cap)
        if c.kind == "int":
            lo = None if lo is None else math.ceil(lo)
            hi = None if hi is None else math.floor(hi)
        else:
            lo = None if lo is None else _fmt(round(lo, 6))
            hi = None if hi is None else _fmt(round(hi, 6))
        return lo, hi

    def _type(self, c: SourceColumn) -> str | None:
        if c.kind == "decimal":
            p = min(c.precision or 18, 38)
            s = min(c.scale if c.scale is not None else 2, p)
            return f"decimal({p},{s})"
        return {"int": "int", "float": "float", "bool": "bool", "date": "date", "timestamp": "timestamp",
                "uuid": "uuid", "json": "json", "array": "json", "string": "string"}.get(c.kind)

    def _returns(self, gen: str) -> str | None:
        from mock_pipelines.core import registry

        try:
            return str(registry.get(gen).returns)
        except Exception:
            return None

    def _by_kind(self, c: SourceColumn, facts: ColumnFacts, unique: bool, stats: Any) -> ColumnOut:
        kind = c.kind
        if kind == "int":
            lo, hi = self._numeric_range(c, facts, default=(0, 1000))
            lo, hi = _stats_range(stats, lo, hi, facts)
            return ColumnOut(c.name, {"gen": "integer", "min": lo, "max": hi},
                             f"an integer from {lo} to {hi}" + _bounds_reason(facts, stats))
        if kind in ("decimal", "float"):
            lo, hi = self._numeric_range(c, facts, default=(0, 1000))
            lo, hi = _stats_range(stats, lo, hi, facts)
            body: dict[str, Any] = {"gen": "uniform", "min": lo, "max": hi}
            if kind == "decimal":
                body["round"] = min(c.scale if c.scale is not None else 2, 6)
                body["type"] = self._type(c)
            return ColumnOut(c.name, body, f"a number from {lo} to {hi}" + _bounds_reason(facts, stats))
        if kind == "bool":
            p = 0.5
            if stats is not None and stats.top_values:
                p = _fmt(round(dict(stats.top_values).get(True, dict(stats.top_values).get(1, 0.5)), 4))
            return ColumnOut(c.name, {"gen": "boolean", "p": p}, "true or false" + (
                " (share of true measured)" if p != 0.5 else ", half and half"))
        if kind in ("date", "timestamp"):
            return self._time(c, facts, stats)
        if kind == "uuid":
            return ColumnOut(c.name, {"gen": "uuid4"}, "a random UUID")
        if kind == "json":
            return ColumnOut(c.name, {"gen": "json_object", "fields": {"id": "integer", "label": "word",
                                                                      "active": "boolean"}, "type": "json"},
                             "a JSON document with a few fields: replace them with the document's real keys")
        if kind == "array":
            return self._array(c)
        if kind == "time":
            return ColumnOut(c.name, {"gen": "time"}, "a time of day as text HH:MM:SS")
        if kind == "interval":
            self.warn(c.name, f"the duration {c.type_text} is written as a number of seconds",
                      "keep it as seconds, or compute a duration in an expression of two times")
            return ColumnOut(c.name, {"gen": "duration_seconds"}, "a duration, in whole seconds")
        if kind == "binary":
            size = min(c.length or 16, 32)
            self.warn(c.name, f"binary data ({c.type_text}) is written as hexadecimal text",
                      "keep it as text, or leave the column out")
            return ColumnOut(c.name, {"gen": "hex_id", "length": size * 2 if c.length else 32},
                             "bytes, as hexadecimal text")
        if kind in ("string", "enum"):
            return self._text(c)
        # The reader warned about the type already (every reader names the columns it cannot type).
        body = {"gen": "word"}
        if c.length:
            body["max_length"] = c.length
        return ColumnOut(c.name, body, f"unsupported type {c.type_text}: a generic word — choose a generator")

    def _text(self, c: SourceColumn) -> ColumnOut:
        if c.pattern:
            self.warn(c.name, f"the pattern {c.pattern!r} is not followed: the column gets plain text",
                      "write the format with gen: pattern (? letter, # digit, * either)")
        length = c.length
        if _FIXED_CHAR.match(c.type_text) and length:
            return ColumnOut(c.name, {"gen": "pattern", "format": "?" * length},
                             f"a code of exactly {length} letters (CHAR({length}))")
        if length is not None and length < 12:
            return ColumnOut(c.name, {"gen": "pattern", "format": "?" * min(length, 3) + "#" * max(length - 3, 0)},
                             f"a short code that fits VARCHAR({length})")
        if length is not None and length <= 40:
            return ColumnOut(c.name, {"gen": "word", "max_length": length}, f"a word, at most {length} characters")
        chars = min(length or 200, 200)
        return ColumnOut(c.name, {"gen": "text", "max_chars": chars},
                         f"a short text of at most {chars} characters")

    def _array(self, c: SourceColumn) -> ColumnOut:
        if c.item_enum_values:
            body: dict[str, Any] = {"gen": "json_array", "values": list(c.item_enum_values), "max_items": 3}
            why = "a list of the enum's values"
        else:
            of = {"int": "integer", "float": "uniform", "decimal": "uniform", "bool": "boolean",
                  "date": "date", "uuid": "uuid4"}.get(c.item_kind or "string", "word")
            body = {"gen": "json_array", "of": of, "max_items": 4}
            why = f"a list of 0 to 4 items ({of})"
        body["type"] = "json"
        return ColumnOut(c.name, body, why + " as a JSON array (lands in a database ARRAY column as an array)")

    def _time(self, c: SourceColumn, facts: ColumnFacts, stats: Any) -> ColumnOut:
        gen = "date" if c.kind == "date" else "timestamp"
        body: dict[str, Any] = {"gen": gen}
        why = ""
        after = self._after(c, facts)
        if after is not None:
            other, strictly, reason = after
            body["after"] = other
            if gen == "timestamp":
                body["max_delay_days"] = 30
                if strictly:
                    body["min_delay_days"] = 0.001
            why = reason
        else:
            start, end = DEFAULT_START, DEFAULT_END
            if stats is not None and stats.min is not None and stats.max is not None:
                start, end = str(stats.min)[:19], str(stats.max)[:19]
                why = f"between {start} and {end}, as measured"
            else:
                if facts.lower is not None:
                    start = str(facts.lower.value)[:19]
                if facts.upper is not None:
                    end = str(facts.upper.value)[:19]
                why = f"between {start} and {end}"
            if gen == "date":
                start, end = start[:10], end[:10]
            body.update({"start": start, "end": end})
        return ColumnOut(c.name, body, f"a {gen}: " + why)

    def _after(self, c: SourceColumn, facts: ColumnFacts) -> tuple[str, bool, str] | None:
        """The column this time follows: a CHECK says so, or a name such as shipped_at after created_at,
        or the first time of a row after the creation time of its parent."""
        if facts.after is not None and facts.after[0] in self.names:
            other, strictly = facts.after
            return other, strictly, f"after {other}, as its CHECK requires"
        name = c.name.lower()
        times = [x for x in self.t.columns if x.kind in ("date", "timestamp") and x.name != c.name]
        if _LATER_TIME.fullmatch(name):
            first = next((x for x in times if _FIRST_TIME.fullmatch(x.name.lower()) and x.kind == c.kind), None)
            if first is not None and not self._depends_on(first.name, c.name):
                return first.name, False, f"after {first.name}: its name says it comes later"
        if _FIRST_TIME.fullmatch(name) and c.kind == "timestamp":
            for fk in self.t.foreign_keys:
                if len(fk.columns) != 1 or fk.ref_table == self.t.name:
                    continue
                member = self.t.column(fk.columns[0])
                if member is None or member.nullable:
                    continue
                parent = self.source.tables.get(fk.ref_table)
                if parent is None:
                    continue
                ts = next((x for x in parent.columns if x.kind == "timestamp"
                           and _FIRST_TIME.fullmatch(x.name.lower())), None)
                if ts is not None:
                    return (f"{fk.columns[0]}.{ts.name}", False,
                            f"after its {fk.ref_table} row's {ts.name}: a plausible timeline")
        return None

    def _depends_on(self, column: str, on: str) -> bool:
        facts = self.checks.columns.get(column)
        return facts is not None and facts.after is not None and facts.after[0] == on


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("ses", "xes")):
        return name[:-2]
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _num(value: Any) -> float:
    if isinstance(value, int | float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _above(lo: Any, bound: Bound) -> bool:
    value = _num(bound.value)
    if isinstance(lo, dt.datetime | dt.date) or math.isnan(value):
        return False
    return lo > value if bound.exclusive else lo >= value


def _below(hi: Any, bound: Bound) -> bool:
    value = _num(bound.value)
    if isinstance(hi, dt.datetime | dt.date) or math.isnan(value):
        return False
    return hi < value if bound.exclusive else hi <= value


def _stats_range(stats: Any, lo: Any, hi: Any, facts: ColumnFacts) -> tuple[Any, Any]:
    """Measured min/max narrow the range (never widen it past a CHECK)."""
    if stats is None or stats.min is None or stats.max is None:
        return lo, hi
    try:
        smin, smax = _num(stats.min), _num(stats.max)
    except Exception:
        return lo, hi
    if math.isnan(smin) or math.isnan(smax):
        return lo, hi
    cast = int if isinstance(lo, int) else _fmt
    new_lo = cast(max(smin, lo)) if lo is not None else cast(smin)
    new_hi = cast(min(smax, hi)) if hi is not None else cast(smax)
    return (new_lo, new_hi) if new_lo <= new_hi else (lo, hi)


def _bounds_reason(facts: ColumnFacts, stats: Any) -> str:
    if stats is not None and stats.min is not None:
        return " (range measured)"
    if facts.lower is not None or facts.upper is not None:
        return " (bounds from its CHECK)"
    return ""
