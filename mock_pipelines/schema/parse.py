"""Turn a schema YAML file into a validated :class:`DatasetSpec`, or a SchemaError listing every problem.

Validation runs completely before anything is generated, in two passes that report into one list. This
module reads the YAML into the model and reports what is wrong with each value on its own: unknown keys,
generators and parameters (with near-miss suggestions), wrong types and shapes, each with its file, line
and column. Then :mod:`mock_pipelines.schema.check` checks what the tables mean together: references to
missing tables or columns, foreign-key type mismatches, cycles in the foreign-key graph and between derived
columns, and keys that are not unique by construction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mock_pipelines.core import registry
from mock_pipelines.core.child_counts import (
    COUNT_EXPRESSION_FORM,
    is_count_expression,
    parse_count_expression,
)
from mock_pipelines.core.expressions import ExpressionError, parse_expression, parse_template
from mock_pipelines.core.locales import SUPPORTED_LOCALES
from mock_pipelines.core.row_checks import bare_column, check_problems, default_name
from mock_pipelines.schema.check import ParseGaps, check_dataset
from mock_pipelines.schema.parse_changes import parse_changes
from mock_pipelines.schema.parse_existing import (
    EXISTING_COLUMN_KEYS,
    composite_existing_message,
    parse_existing,
)
from mock_pipelines.schema.parse_scenarios import parse_scenarios
from mock_pipelines.schema.values import (
    cleaned_name,
    comma_hint,
    is_int,
    is_scalar_text,
    is_str_list,
    kind_of,
    plain,
    short,
    text_of,
    without,
)
from mock_pipelines.spec.errors import IssueCollector, Location, suggest
from mock_pipelines.spec.model import (
    COUNT_EXPRESSION,
    IDENTIFIER,
    MAX_ROWS_ENV,
    NOISE_KINDS,
    RESERVED_COLUMNS,
    TREND_SHAPES,
    CheckSpec,
    ColumnSpec,
    ColumnType,
    DatasetSpec,
    DecimalRangeError,
    Distribution,
    ExpectationSpec,
    ForeignKey,
    GroupCondition,
    PartitionSpec,
    RowCount,
    TableSpec,
    Trend,
    VolumeEvent,
    VolumeShape,
    max_rows,
    name_problem,
    split_helpers,
)
from mock_pipelines.spec.types import TEMPORAL_TYPES, WRITTEN_TYPES, LogicalType
from mock_pipelines.spec.yaml_source import deep_merge, key_location, load_yaml, read_source, value_location

TOP_KEYS = ("dataset", "description", "locale", "seed", "templates", "tables", "scenarios")
TABLE_KEYS = ("description", "rows", "columns", "primary_key", "foreign_keys", "extends", "tags", "owners",
              "partitioned", "changes", "expectations", "checks")
CHECK_KEYS = ("name", "check")
VOLUME_KEYS = ("trend", "month_weights", "month_day_weights", "holidays", "events", "noise")
PARTITION_KEYS = ("time_column", "rows_per_day", "weekday_weights", "hour_weights", *VOLUME_KEYS)
COLUMN_KEYS = ("type", "gen", "dist", "expr", "template", "ref", "sum_of", "skew", "description", "null_rate",
               "nullable", "unique", "primary_key", "extends", "expect", "within", "unique_within",
               "emit", "max_length")
COLUMN_KINDS = ("gen", "dist", "expr", "template", "ref", "sum_of")
ROWS_KEYS = ("per", "count", "min", "max")
FK_KEYS = ("columns", "ref", "skew", "null_rate")
EXPECTATION_KEYS = ("type", "expect", "kwargs", "name", "severity", "description")
# GX expectation names as written: ExpectColumnValuesToBeBetween, expect_column_values_to_be_between or
# column_values_to_be_between. Whether GX has it is checked when the suite is built (importing GX is slow).
EXPECTATION_NAME = re.compile(r"^(Expect[A-Za-z0-9]+|[a-z][a-z0-9_]*)\Z")
SKEWS = ("uniform", "zipf")
COUNT_DISTRIBUTIONS = ("constant", "uniform", "integer", "poisson", "zipf", "normal", "lognormal", "exponential",
                       "choice")
# Parameters of the children-per-parent distributions, in positional order (see core.engine.ChildLayout).
COUNT_PARAMS = {"constant": ("n",), "uniform": ("min", "max"), "integer": ("min", "max"), "poisson": ("lam",),
                "zipf": ("s", "n"), "normal": ("mean", "std"), "lognormal": ("mean", "sigma"),
                "exponential": ("scale",), "choice": ("weights",)}
MAX_POISSON_LAM = 1_000_000  # poisson(lam) inverts a table of ~lam entries


def load_dataset(path: str | Path, text: str | None = None) -> DatasetSpec:
    """Load and validate a schema file. Raises SchemaError (with every issue found) on bad input."""
    path = Path(path)
    raw_text = text if text is not None else read_source(path)
    issues = IssueCollector()
    doc = load_yaml(path, raw_text, issues)
    parser = _Parser(str(path), doc, issues)
    spec = parser.parse()
    check_dataset(spec, parser.gaps, issues)
    issues.raise_if_any()
    split_helpers(spec)
    spec.source_hash = hashlib.sha256(raw_text.encode()).hexdigest()[:16]
    return spec


@dataclass(frozen=True)
class _SkewAsWritten:
    """A column's `skew:` as written, kept until its table's foreign keys are parsed (a skew applies to a
    foreign key, which a column declares with `ref:`)."""

    raw: Any
    location: Location


class _Parser:
    def __init__(self, file: str, doc: Any, issues: IssueCollector | None = None):
        self.file = file
        self.doc = doc
        self.issues = issues or IssueCollector()
        self.templates: dict[str, Any] = {}
        self.fk_members: set[str] = set()
        self.gaps = ParseGaps()
        self.skews: dict[tuple[str, str], _SkewAsWritten] = {}  # (table, column) -> its skew as written
        self.withins: dict[tuple[str, str], _SkewAsWritten] = {}  # (table, column) -> its `within:` as written

    # -- helpers --
    def at_key(self, mapping: Any, key: str) -> Location:
        return key_location(self.file, mapping, key)

    def at_value(self, container: Any, key: str | int) -> Location:
        return value_location(self.file, container, key)

    def typed(self, mapping: Any, key: str, ok: Any, what: str, expected: str) -> bool:
        """True when ``key`` is absent or its value passes ``ok``; otherwise reports what was expected."""
        if not isinstance(mapping, dict) or key not in mapping or ok(mapping[key]):
            return True
        self.issues.add(self.at_value(mapping, key), f"{what}: `{key}` has the wrong type ({kind_of(mapping[key])})",
                        expected=expected)
        return False

    def check_name(self, loc: Location, name: str, what: str, siblings: dict[str, str]) -> bool | None:
        """A table or column name: the identifier pattern, no reserved word, unique ignoring case.

        True: a good name. False: a bad name (nothing more to check). None: a name that clashes with an
        earlier one (the rest is still checked, but it is left out of the dataset)."""
        if not IDENTIFIER.match(name):
            self.issues.add(loc, f"invalid {what} name {name!r}",
                            expected="letters, digits and underscores, starting with a letter (at most 63)",
                            suggestion=cleaned_name(name))
            return False
        problem = name_problem(name)
        if problem is not None:
            self.issues.add(loc, f"invalid {what} name: {problem[0]}", suggestion=problem[1])
            return False
        other = siblings.get(name.lower())
        if other is not None:
            self.issues.add(loc, f"{what} name {name!r} differs from {other!r} only in case; databases such as "
                            "MariaDB and SQLite treat them as the same name", suggestion="rename one of them")
            return None
        siblings[name.lower()] = name
        return True

    def check_keys(self, mapping: Any, allowed: tuple[str, ...], what: str, extra: tuple[str, ...] = ()) -> None:
        for key in mapping:
            if key not in allowed and key not in extra:
                self.issues.add(self.at_key(mapping, key), f"unknown key {key!r} in {what}",
                                expected="one of " + ", ".join(allowed),
                                suggestion=suggest(str(key), [*allowed, *extra]))

    def apply_extends(self, mapping: Any, what: str, path: tuple[str, ...] = ()) -> Any:
        """Deep-merge the named template(s) under ``mapping`` (templates may extend templates).

        Each named template is resolved completely (its own ``extends`` first) before the templates are
        merged left to right and ``mapping`` is laid over them, so ``extends: [a, b]`` keeps what a and b
        inherit. ``path`` is the chain of templates being resolved, to report loops (a diamond is not one).
        """
        if not isinstance(mapping, dict) or "extends" not in mapping:
            return mapping
        names = mapping["extends"]
        if not (names is None or isinstance(names, str) or is_str_list(names)):
            self.issues.add(self.at_value(mapping, "extends"), f"{what}: `extends` has the wrong type "
                            f"({kind_of(names)})", expected="a template name or a list of template names")
            names = []
        names = [names] if isinstance(names, str) else list(names or [])
        merged: Any = {}
        for name in names:
            if name not in self.templates:
                self.issues.add(self.at_value(mapping, "extends"), f"unknown template {name!r} in {what}",
                                expected="a name under `templates:`",
                                suggestion=suggest(str(name), self.templates))
                continue
            if name in path:
                self.issues.add(self.at_value(mapping, "extends"),
                                f"templates extend each other in a loop: {' → '.join([*path, name])}")
                return {k: v for k, v in mapping.items() if k != "extends"}
            resolved = self.apply_extends(self.templates[name], what, (*path, name))
            merged = deep_merge(merged, resolved)
        return deep_merge(merged, without(mapping, "extends"))

    # -- the document --
    def parse(self) -> DatasetSpec:
        doc = self.doc
        self.check_keys(doc, TOP_KEYS, "the dataset")
        self.typed(doc, "description", is_scalar_text, "the dataset", "a text")
        name = doc.get("dataset")
        if not isinstance(name, str) or not IDENTIFIER.match(name) or name_problem(name):
            self.issues.add(self.at_value(doc, "dataset") if "dataset" in doc else Location(self.file, 1, 1),
                            "the dataset needs a name" if name is None else f"invalid dataset name {name!r}",
                            expected="`dataset: name` with letters, digits and underscores")
            name = "dataset"
        locale = doc.get("locale", "en_US")
        if not isinstance(locale, str) or locale not in SUPPORTED_LOCALES:
            self.issues.add(self.at_value(doc, "locale"), f"unsupported locale {locale!r}",
                            expected="one of " + ", ".join(SUPPORTED_LOCALES),
                            suggestion=suggest(str(locale), SUPPORTED_LOCALES))
            locale = "en_US"
        seed = doc.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            self.issues.add(self.at_value(doc, "seed"), f"seed must be an integer, got {seed!r}")
            seed = 0
        templates = doc.get("templates") or {}
        if not isinstance(templates, dict):
            self.issues.add(self.at_value(doc, "templates"), "`templates` must be a mapping of name → template")
            templates = {}
        self.templates = dict(templates)
        tables_doc = doc.get("tables")
        if not isinstance(tables_doc, dict) or not tables_doc:
            self.issues.add(self.at_key(doc, "tables") if "tables" in doc else Location(self.file, 1, 1),
                            "the dataset needs at least one table", expected="`tables:` mapping name → table")
            self.issues.raise_if_any()
        tables: dict[str, TableSpec] = {}
        names: dict[str, str] = {}
        for tname, tdoc in tables_doc.items():
            good = self.check_name(self.at_key(tables_doc, str(tname)), str(tname), "table", names)
            if good is False:
                self.gaps.failed_tables.add(str(tname))
                continue
            found = len(self.issues.issues)
            table = self.parse_table(tables_doc, str(tname), tdoc, locale)
            if len(self.issues.issues) > found:
                self.gaps.dirty_tables.add(str(tname))
            if table is not None and good:
                tables[table.name] = table
            else:
                self.gaps.failed_tables.add(str(tname))
        spec = DatasetSpec(name=name, file=self.file, tables=tables, description=text_of(doc.get("description")),
                           locale=locale, seed=seed)
        spec.scenarios = parse_scenarios(self, doc, name, tables, self.gaps.failed_tables,
                                         self.gaps.failed_columns)
        return spec

    def parse_table(self, parent: Any, name: str, tdoc: Any, locale: str) -> TableSpec | None:
        loc = self.at_key(parent, name)
        if not isinstance(tdoc, dict):
            self.issues.add(loc, f"table {name!r} must be a mapping", expected="rows:, columns:, …")
            return None
        tdoc = self.apply_extends(tdoc, f"table {name!r}")
        self.check_keys(tdoc, TABLE_KEYS, f"table {name!r}")
        what = f"table {name!r}"
        self.typed(tdoc, "description", is_scalar_text, what, "a text")
        if not self.typed(tdoc, "tags", lambda v: v is None or (isinstance(v, dict) and all(
                is_scalar_text(x) for x in v.values())), what, "a mapping of tag → text, e.g. {domain: sales}"):
            tdoc = without(tdoc, "tags")
        if not self.typed(tdoc, "owners", lambda v: v is None or isinstance(v, str) or is_str_list(v), what,
                          "a list of owners, e.g. [team:data, ann@example.com]"):
            tdoc = without(tdoc, "owners")
        if not self.typed(tdoc, "primary_key", lambda v: isinstance(v, str) or (is_str_list(v) and len(v) > 0), what,
                          "a column name or a list of column names"):
            tdoc = without(tdoc, "primary_key")
        rows = self.parse_rows(tdoc, name)
        cols_doc = tdoc.get("columns")
        if not isinstance(cols_doc, dict) or not cols_doc:
            self.issues.add(self.at_key(tdoc, "columns") if "columns" in tdoc else loc,
                            f"table {name!r} needs columns", expected="`columns:` mapping name → column")
            return None
        columns: dict[str, ColumnSpec] = {}
        pk: list[str] = []
        self.fk_members = _composite_fk_members(tdoc.get("foreign_keys"))
        failed = self.gaps.failed_columns.setdefault(name, set())
        names: dict[str, str] = {}
        for cname, cdoc in cols_doc.items():
            good = self.check_name(self.at_key(cols_doc, str(cname)), str(cname), "column", names)
            if good is False:
                failed.add(str(cname))
                continue
            col = self.parse_column(cols_doc, name, str(cname), cdoc)
            if col is not None and good:
                columns[col.name] = col
                if isinstance(cdoc, dict) and cdoc.get("primary_key") is True:
                    pk.append(col.name)
            else:
                failed.add(str(cname))
        if "primary_key" in tdoc:
            raw_pk = tdoc["primary_key"]  # a string or a list of strings: checked by `typed` above
            table_pk = [raw_pk] if isinstance(raw_pk, str) else [str(c) for c in raw_pk]
            if pk and pk != table_pk:
                self.issues.add(self.at_value(tdoc, "primary_key"), f"table {name!r} declares its primary key "
                                f"twice: {table_pk} here and {pk} on columns", suggestion="keep one of them")
            pk = table_pk
            for c in pk:
                if c not in columns and c not in failed:
                    self.issues.add(self.at_value(tdoc, "primary_key"), f"primary key column {c!r} is not a column "
                                    f"of {name!r}", suggestion=suggest(c, columns))
        foreign_keys = self.parse_foreign_keys(tdoc, name, columns)
        tags = tdoc.get("tags") or {}
        owners = tdoc.get("owners") or []
        owners = [owners] if isinstance(owners, str) else owners
        pk = [c for c in pk if c not in failed]
        self.check_expectation_columns([e for c in columns.values() for e in c.expectations], name, columns)
        table = TableSpec(name=name, location=loc, rows=rows, columns=columns,
                          description=text_of(tdoc.get("description")), primary_key=pk,
                          foreign_keys=foreign_keys, tags={str(k): str(v) for k, v in dict(tags).items()},
                          owners=[str(o) for o in owners], partitioned=self.parse_partitioned(tdoc, name, columns),
                          expectations=self.check_expectation_columns(
                              self.parse_expectations(tdoc, "expectations", f"table {name!r}"), name, columns),
                          checks=self.parse_checks(tdoc, name, columns))
        table.changes = parse_changes(self, tdoc, table, failed, self.gaps.locations)
        return table

    def parse_checks(self, tdoc: Any, table: str, columns: dict[str, ColumnSpec]) -> list[CheckSpec]:
        """`checks:` of a table: a list of conditions over its own columns, each a text or
        ``{name: …, check: …}`` (see :mod:`mock_pipelines.core.row_checks`)."""
        raw = tdoc.get("checks")
        if raw is None:
            return []
        example = '["balance >= 0", {name: booked_first, check: "scheduled_at > booked_at"}]'
        if not isinstance(raw, list):
            self.issues.add(self.at_value(tdoc, "checks"), f"`checks` of table {table!r} must be a list",
                            expected=example)
            return []
        out: list[CheckSpec] = []
        names: set[str] = set()
        failed = self.gaps.failed_columns.get(table, set())
        for i, item in enumerate(raw):
            loc = self.at_value(raw, i)
            name: Any = None
            if isinstance(item, dict):
                self.check_keys(item, CHECK_KEYS, f"a check of {table!r}")
                name, text = item.get("name"), item.get("check")
                if "check" in item:
                    loc = self.at_value(item, "check")
                if name is not None and (not isinstance(name, str) or not IDENTIFIER.match(name)):
                    self.issues.add(self.at_value(item, "name"), f"invalid check name {name!r} in table {table!r}",
                                    expected="letters, digits and underscores", suggestion=cleaned_name(str(name)))
                    name = None
            else:
                text = item
            if not isinstance(text, str) or not text.strip():
                self.issues.add(loc, f"a check of table {table!r} needs a condition", expected=example)
                continue
            what = f"check {text.strip()!r} of table {table!r}"
            try:
                expr = parse_expression(text)
            except ExpressionError as exc:
                self.issues.add(loc, f"{what}: {exc}", suggestion=exc.suggestion)
                continue
            problems = check_problems(expr)
            for p in problems:
                self.issues.add(loc, f"{what}: {p.message}", suggestion=p.suggestion)
            unknown = [r for r in expr.references if "." not in r and r not in columns and r not in failed]
            for r in unknown:
                self.issues.add(loc, f"{what}: unknown column {r!r}", expected=f"a column of {table!r}",
                                suggestion=suggest(r, columns))
            bare = bare_column(expr)
            if not problems and not unknown and bare in columns and \
                    columns[bare].type.name not in (LogicalType.BOOL, LogicalType.AUTO):
                self.issues.add(loc, f"{what}: column {bare!r} holds {columns[bare].type} values, not true/false",
                                suggestion=f"compare it, e.g. `{bare} > 0`")
                continue
            if problems or unknown:
                continue
            if name is not None and name in names:
                self.issues.add(self.at_value(item, "name"), f"check name {name!r} is used twice in table "
                                f"{table!r}", suggestion="give each check its own name")
                continue
            name = name or default_name(text, names)
            names.add(name)
            out.append(CheckSpec(name=name, expr=text.strip(), location=loc))
        return out

    def check_expectation_columns(self, expectations: list[ExpectationSpec], table: str,
                                  columns: dict[str, ColumnSpec]) -> list[ExpectationSpec]:
        """Columns named in expectation arguments (column, column_A, column_B, column_list) must exist, also
        in a column's ``expect:`` that names another column; reported at the argument's value."""
        for exp in expectations:
            for key in ("column", "column_A", "column_B", "column_list"):
                value = exp.kwargs.get(key)
                for c in value if isinstance(value, list) else [value] if value is not None else []:
                    if not isinstance(c, str) or (c not in columns and c not in self.gaps.failed_columns.get(table, ())):
                        self.issues.add(exp.arg_locations.get(key, exp.location),
                                        f"expectation {exp.type} of {table!r}: {key} names "
                                        f"unknown column {c!r}", suggestion=suggest(str(c), columns))
        return expectations

    def parse_expectations(self, mapping: Any, key: str, what: str, column: str | None = None,
                           ) -> list[ExpectationSpec]:
        """`expectations:` of a table / `expect:` of a column: a list of {type: ExpectX, kwarg: value, …}
        (or {expect: x, …}, optionally with kwargs:, name:, severity: error|warn, description:)."""
        raw = mapping.get(key) if isinstance(mapping, dict) else None
        if raw is None:
            return []
        example = "{type: ExpectColumnValuesToBeBetween, min_value: 0}"
        items = raw if isinstance(raw, list) else [raw]
        out: list[ExpectationSpec] = []
        for i, item in enumerate(items):
            loc = self.at_value(raw, i) if isinstance(raw, list) else self.at_value(mapping, key)
            if isinstance(item, str):
                item = {"type": item}
            if not isinstance(item, dict):
                self.issues.add(loc, f"an expectation of {what} must be a mapping", expected=example)
                continue
            kinds = [k for k in ("type", "expect") if k in item]
            if len(kinds) != 1:
                self.issues.add(loc, f"an expectation of {what} needs exactly one of `type:` or `expect:`",
                                expected=example)
                continue
            type_name = item[kinds[0]]
            if not isinstance(type_name, str) or not EXPECTATION_NAME.match(type_name):
                self.issues.add(self.at_value(item, kinds[0]) if hasattr(item, "lc") else loc,
                                f"{what}: {type_name!r} is not a Great "
                                "Expectations expectation name",
                                expected="ExpectColumnValuesToBeBetween or expect_column_values_to_be_between")
                continue
            kwargs = item.get("kwargs") or {}
            if not isinstance(kwargs, dict):
                self.issues.add(self.at_value(item, "kwargs"), f"{what}: `kwargs` of an expectation must be a "
                                "mapping", expected="kwargs: {min_value: 0, max_value: 10}")
                kwargs = {}
            arg_locations = {str(k): self.at_value(kwargs, k) for k in kwargs}
            arg_locations.update({str(k): self.at_value(item, k) for k in item if k not in EXPECTATION_KEYS})
            kwargs = {str(k): plain(v) for k, v in kwargs.items()}
            kwargs.update({str(k): plain(v) for k, v in item.items() if k not in EXPECTATION_KEYS})
            name = item.get("name")
            if name is not None and (not isinstance(name, str) or not IDENTIFIER.match(name)):
                self.issues.add(self.at_value(item, "name"), f"{what}: invalid check name {name!r}",
                                expected="letters, digits and underscores")
                name = None
            severity = item.get("severity")
            if severity is not None and severity not in ("error", "warn"):
                self.issues.add(self.at_value(item, "severity"), f"{what}: severity must be error or warn, "
                                f"not {severity!r}", suggestion=suggest(str(severity), ("error", "warn")))
                severity = None
            out.append(ExpectationSpec(type=type_name, kwargs=kwargs, location=loc, column=column, name=name,
                                       severity=severity, description=str(item.get("description", "")),
                                       arg_locations=arg_locations))
        return out

    def parse_partitioned(self, tdoc: Any, table: str, columns: dict[str, ColumnSpec]) -> PartitionSpec | None:
        raw = tdoc.get("partitioned")
        if raw is None or raw is False:
            return None
        if raw is True:
            raw = {}
        if isinstance(tdoc.get("rows"), dict) and "fixed" in tdoc["rows"]:
            self.issues.add(self.at_key(tdoc, "partitioned"), f"table {table!r} has a fixed row count "
                            "(rows: {fixed: …}) and cannot also grow with time partitions",
                            suggestion="remove `partitioned:`, or give a scalable count (rows: 1000)")
            return None
        if not isinstance(raw, dict):
            self.issues.add(self.at_value(tdoc, "partitioned"), f"`partitioned` of {table!r} must be a mapping",
                            expected="partitioned: {time_column: signup_ts, rows_per_day: 50}")
            return None
        self.check_keys(raw, PARTITION_KEYS, f"`partitioned` of {table!r}")
        spec = PartitionSpec()
        col = raw.get("time_column")
        if col is not None and not isinstance(col, str):
            self.issues.add(self.at_value(raw, "time_column"), f"time_column of {table!r} must be a column name")
        elif col is not None and col in self.gaps.failed_columns.get(table, ()):
            pass  # already reported where the column is declared
        elif col is not None:
            if col not in columns:
                self.issues.add(self.at_value(raw, "time_column"), f"time_column {col!r} is not a column of "
                                f"{table!r}", suggestion=suggest(str(col), columns))
            elif columns[col].type.name not in TEMPORAL_TYPES | {LogicalType.AUTO} or columns[col].kind == "ref":
                self.issues.add(self.at_value(raw, "time_column"), f"time_column {table}.{col} must be a "
                                f"timestamp or date column, not {columns[col].type}")
            spec.time_column = str(col)
        rate = raw.get("rows_per_day")
        if rate is not None:
            if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
                self.issues.add(self.at_value(raw, "rows_per_day"), f"rows_per_day of {table!r} must be a "
                                "positive number", expected="e.g. rows_per_day: 120")
            else:
                spec.rows_per_day = float(rate)
        for key, n in (("weekday_weights", 7), ("hour_weights", 24)):
            w = raw.get(key)
            if w is None:
                continue
            ok = isinstance(w, list) and len(w) == n and all(
                isinstance(x, int | float) and not isinstance(x, bool) and x >= 0 for x in w) and sum(w) > 0
            if not ok:
                self.issues.add(self.at_value(raw, key), f"{key} of {table!r} needs {n} non-negative numbers "
                                "with a positive sum", expected=f"a list of {n} weights")
            else:
                setattr(spec, key, [float(x) for x in w])
        if any(k in raw for k in VOLUME_KEYS):
            if spec.rows_per_day is None and "rows_per_day" not in raw:
                self.issues.add(self.at_key(raw, next(k for k in VOLUME_KEYS if k in raw)),
                                f"`partitioned` of {table!r} shapes a daily volume but has no rows_per_day to shape",
                                suggestion="add rows_per_day (the volume on the first day); a table laid out per "
                                           "parent follows its parent's volume")
            spec.volume = self.parse_volume(raw, table)
        return spec

    def parse_volume(self, raw: dict[str, Any], table: str) -> VolumeShape:
        """Trend, seasonality, holidays, events and noise of a growing table's daily volume."""
        shape = VolumeShape()
        trend = raw.get("trend")
        example = "trend: {shape: exponential, per_year: 0.25}"
        if trend is not None:
            if not isinstance(trend, dict):
                self.issues.add(self.at_value(raw, "trend"), f"trend of {table!r} must be a mapping", expected=example)
            else:
                self.check_keys(trend, ("shape", "per_year", "cap"), f"the trend of {table!r}")
                kind, rate, cap = trend.get("shape"), trend.get("per_year"), trend.get("cap")
                ok = True
                if kind not in TREND_SHAPES:
                    ok = False
                    self.issues.add(self.at_value(trend, "shape") if "shape" in trend else self.at_value(raw, "trend"),
                                    f"trend of {table!r} needs a shape: one of {', '.join(TREND_SHAPES)}",
                                    expected=example, suggestion=suggest(str(kind), TREND_SHAPES) if kind else None)
                if not _finite(rate) or not 0 <= rate <= 100:
                    ok = False
                    self.issues.add(self.at_value(trend, "per_year") if "per_year" in trend else
                                    self.at_value(raw, "trend"), f"trend of {table!r} needs per_year: a growth rate "
                                    "per year between 0 and 100 (0.25 = +25% a year)", expected=example,
                                    suggestion="model a decline with month_weights or events: a trend only grows")
                if kind == "logistic" and (not _finite(cap) or cap <= 1 or cap > 1e6):
                    ok = False
                    self.issues.add(self.at_value(trend, "cap") if "cap" in trend else self.at_value(raw, "trend"),
                                    f"a logistic trend of {table!r} needs cap: the multiple of rows_per_day it "
                                    "levels off at (a number above 1)",
                                    expected="trend: {shape: logistic, per_year: 1.5, cap: 4}")
                elif kind != "logistic" and cap is not None:
                    ok = False
                    self.issues.add(self.at_key(trend, "cap"), f"cap applies to a logistic trend only, not {kind!r}",
                                    suggestion="drop cap, or use shape: logistic")
                if ok:
                    shape.trend = Trend(str(kind), float(rate), float(cap) if cap is not None else None)
        for key, n, names in (("month_weights", 12, "Jan..Dec"), ("month_day_weights", 31, "days 1..31")):
            w = raw.get(key)
            if w is None:
                continue
            if isinstance(w, list) and len(w) == n and all(_finite(x) and x >= 0 for x in w) and sum(w) > 0:
                setattr(shape, key, [float(x) for x in w])
            else:
                self.issues.add(self.at_value(raw, key), f"{key} of {table!r} needs {n} non-negative numbers "
                                f"({names}) with a positive sum", expected=f"a list of {n} weights")
        factor = raw.get("holidays")
        if factor is not None:
            if not _finite(factor) or not 0 <= factor <= 1000:
                self.issues.add(self.at_value(raw, "holidays"), f"holidays of {table!r} must be the factor on the "
                                "volume of public holidays (a number from 0)", expected="holidays: 0.3")
            else:
                shape.holidays = float(factor)
        events = raw.get("events")
        if events is not None:
            if not isinstance(events, list):
                self.issues.add(self.at_value(raw, "events"), f"events of {table!r} must be a list",
                                expected="events: [{on: 2024-11-29, factor: 5}]")
            else:
                shape.events = [e for i, item in enumerate(events)
                                if (e := self.parse_event(events, i, item, table)) is not None]
        noise = raw.get("noise")
        if noise is not None and noise != "none":
            if noise not in NOISE_KINDS:
                self.issues.add(self.at_value(raw, "noise"), f"noise of {table!r} must be one of "
                                f"{', '.join(NOISE_KINDS)} or none", suggestion=suggest(str(noise), NOISE_KINDS))
            else:
                shape.noise = str(noise)
        return shape

    def parse_event(self, events: list[Any], i: int, item: Any, table: str) -> VolumeEvent | None:
        example = "{on: 2024-11-29, factor: 5} or {from: 2024-12-20, to: 2024-12-24, factor: 1.8}"
        if not isinstance(item, dict):
            self.issues.add(self.at_value(events, i), f"an event of {table!r} must be a mapping", expected=example)
            return None
        self.check_keys(item, ("on", "from", "to", "factor"), f"an event of {table!r}")
        days = [_as_date(item.get(k)) for k in ("on", "from", "to")]
        factor = item.get("factor")
        if not _finite(factor) or factor < 0 or factor > 1e6:
            self.issues.add(self.at_value(item, "factor") if "factor" in item else self.at_value(events, i),
                            f"an event of {table!r} needs factor: the multiple of the day's volume (0 for none)",
                            expected=example)
            return None
        on, start, end = days
        if "on" in item and on is not None and "from" not in item and "to" not in item:
            return VolumeEvent(on, on, float(factor))
        if "on" not in item and start is not None and end is not None and start <= end:
            return VolumeEvent(start, end, float(factor))
        bad = next((k for k, d in zip(("on", "from", "to"), days, strict=True) if k in item and d is None), None)
        self.issues.add(self.at_value(item, bad) if bad else self.at_value(events, i),
                        f"an event of {table!r} needs a day (on: YYYY-MM-DD) or a span (from: … to: …, from not "
                        "after to)", expected=example)
        return None

    def parse_rows(self, tdoc: Any, table: str) -> RowCount:
        raw = tdoc.get("rows", 100)
        loc = self.at_value(tdoc, "rows") if "rows" in tdoc else self.at_key(tdoc, "columns")
        if isinstance(raw, int) and not isinstance(raw, bool):
            if raw < 0:
                self.issues.add(loc, f"rows of {table!r} must be >= 0, got {raw}")
            limit = max_rows()
            if raw > limit:
                self.issues.add(loc, f"rows of {table!r}: {raw:,} is more than the limit of {limit:,} rows per "
                                "table", suggestion=f"lower it, or raise the limit with {MAX_ROWS_ENV}=N")
                raw = 0
            return RowCount(fixed=max(raw, 0))
        if isinstance(raw, dict) and "fixed" in raw:
            return self.parse_fixed_rows(raw, table)
        if isinstance(raw, dict):
            self.check_keys(raw, ROWS_KEYS, f"rows of {table!r}", extra=("fixed",))
            per = raw.get("per")
            if not isinstance(per, str):
                self.issues.add(loc, f"rows of {table!r}: `per:` must name the parent table",
                                expected="rows: {per: customers, count: poisson(3)}")
            if is_count_expression(raw.get("count")):
                count = self.parse_count_expression(raw, f"rows of {table!r}")
            else:
                count = self.parse_distribution(raw, "count", f"rows of {table!r}", COUNT_DISTRIBUTIONS,
                                                default=Distribution("constant", (1,)))
                if count is not None and "count" in raw and not self.check_count(
                        count, self.at_value(raw, "count"), f"rows of {table!r}"):
                    count = Distribution("constant", (1,))
            lo, hi = raw.get("min", 0), raw.get("max")
            if not is_int(lo) or (hi is not None and not is_int(hi)) or lo < 0 or (hi is not None and hi < lo):
                self.issues.add(loc, f"rows of {table!r}: min/max must be integers with 0 <= min <= max")
                lo, hi = 0, None
            return RowCount(per=per if isinstance(per, str) else None, count=count, min=lo, max=hi,
                            location=self.at_value(raw, "count") if "count" in raw else loc)
        self.issues.add(loc, f"rows of {table!r} must be a number or a children-per-parent mapping",
                        expected="rows: 1000, or rows: {per: customers, count: poisson(3)}")
        return RowCount(fixed=0)

    def parse_count_expression(self, raw: dict[str, Any], what: str) -> Distribution:
        """``count: "if_else(status == 'completed', poisson(0.8), 0)"``: branches checked as counts here,
        the columns the conditions read against the parent table in :mod:`mock_pipelines.schema.check`."""
        loc = self.at_value(raw, "count")
        text = str(raw["count"])
        try:
            expr = parse_count_expression(text)
        except ExpressionError as exc:
            self.issues.add(loc, f"{what}: {exc}", expected=COUNT_EXPRESSION_FORM, suggestion=exc.suggestion)
            return Distribution("constant", (1,))
        ok = True
        for branch in expr.branches:
            if branch.name not in COUNT_PARAMS:
                self.issues.add(loc, f"{what}: unknown distribution {branch.name!r}",
                                expected="one of " + ", ".join(COUNT_DISTRIBUTIONS))
                ok = False
            elif not self.check_count(branch, loc, what):
                ok = False
        return Distribution(COUNT_EXPRESSION, (text,)) if ok else Distribution("constant", (1,))

    def check_choice(self, dist: Distribution, loc: Location, what: str) -> bool:
        """``choice({count: weight, …})``: whole counts >= 0, weights >= 0 with a positive sum."""
        signature = "choice({count: weight, ...}), e.g. choice({0: 0.2, 1: 0.5, 2: 0.3})"
        weights = dist.args[0] if dist.args else dict(dist.kwargs).get("weights")
        problem = None
        if len(dist.args) + len(dist.kwargs) != 1 or not isinstance(weights, dict) or not weights:
            problem = "choice takes one mapping of counts to weights"
        elif not all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k <= max_rows() for k in weights):
            bad = next(k for k in weights if not (isinstance(k, int) and not isinstance(k, bool) and
                                                  0 <= k <= max_rows()))
            problem = f"the count {bad!r} is not a whole number between 0 and {max_rows():,}"
        elif not all(isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
                     for w in weights.values()):
            bad = next(w for w in weights.values() if not (isinstance(w, int | float) and not isinstance(w, bool)
                                                           and math.isfinite(w) and w >= 0))
            problem = f"the weight {bad!r} is not a finite number >= 0"
        elif sum(weights.values()) <= 0:
            problem = "the weights add up to 0: give at least one count a positive weight"
        if problem is not None:
            self.issues.add(loc, f"{what}: {dist}: {problem}", expected=signature,
                            suggestion="write each count once, as a whole number, with its weight: "
                                       "choice({0: 0.2, 1: 0.5, 2: 0.3})")
            return False
        return True

    def check_count(self, dist: Distribution, loc: Location, what: str) -> bool:
        """The arguments of a children-per-parent distribution: known names, finite numbers in range."""
        if dist.name == "choice":
            return self.check_choice(dist, loc, what)
        names = COUNT_PARAMS[dist.name]
        signature = f"{dist.name}({', '.join(names)})"
        if len(dist.args) > len(names) or any(k not in names for k, _ in dist.kwargs):
            self.issues.add(loc, f"{what}: {dist} does not match {signature}", expected=signature)
            return False
        values = dict(zip(names, dist.args, strict=False)) | dict(dist.kwargs)
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                self.issues.add(loc, f"{what}: {key} of {dist.name} must be a finite number, not {value!r}",
                                expected=signature)
                return False
        limit = max_rows()
        name, problem = dist.name, None
        if name == "constant" and "n" not in values:
            problem = "constant needs a number of children, e.g. count: 3"
        elif name in ("constant", "uniform", "integer"):
            lo, hi = values.get("n", values.get("min", 0)), values.get("n", values.get("max", values.get("min", 0)))
            if lo != int(lo) or hi != int(hi) or not 0 <= lo <= hi <= limit:
                problem = f"counts must be whole numbers with 0 <= min <= max <= {limit:,}"
        elif name == "poisson" and not 0 <= values.get("lam", 1) <= MAX_POISSON_LAM:
            problem = f"lam must be between 0 and {MAX_POISSON_LAM:,} (use normal(mean, std) for larger counts)"
        elif name == "zipf" and (values.get("s", 1.2) <= 0 or values.get("n", 100) != int(values.get("n", 100))
                                 or not 1 <= values.get("n", 100) <= limit):
            problem = f"zipf needs s > 0 and a whole n between 1 and {limit:,}"
        elif name == "normal" and not (abs(values.get("mean", 1)) <= limit and 0 <= values.get("std", 1) <= limit):
            problem = f"normal needs |mean| and std (>= 0) of at most {limit:,}"
        elif name == "lognormal" and not (values.get("mean", 0) <= math.log(limit) and
                                          0 <= values.get("sigma", 1) <= 10):
            problem = f"lognormal needs mean <= {math.log(limit):.1f} and 0 <= sigma <= 10"
        elif name == "exponential" and not 0 < values.get("scale", 1) <= limit:
            problem = f"exponential needs 0 < scale <= {limit:,}"
        if problem is not None:
            self.issues.add(loc, f"{what}: {dist}: {problem}", expected=signature)
            return False
        return True

    def parse_fixed_rows(self, raw: Any, table: str) -> RowCount:
        """``rows: {fixed: N}``: exactly N rows whatever the run's scale (small lookup tables)."""
        n = raw["fixed"]
        others = [k for k in raw if k != "fixed"]
        if others:
            self.issues.add(self.at_key(raw, others[0]), f"rows of {table!r}: `fixed:` stands alone, it cannot be "
                            f"combined with {', '.join(map(str, others))}",
                            expected="rows: {fixed: 12}, or rows: {per: customers, count: poisson(3)}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            self.issues.add(self.at_value(raw, "fixed"), f"rows of {table!r}: `fixed:` must be a whole number "
                            f">= 0, got {n!r}", expected="rows: {fixed: 12}")
            return RowCount(fixed=0, scaled=False)
        limit = max_rows()
        if n > limit:
            self.issues.add(self.at_value(raw, "fixed"), f"rows of {table!r}: {n:,} is more than the limit of "
                            f"{limit:,} rows per table", suggestion=f"lower it, or raise the limit with {MAX_ROWS_ENV}=N")
            return RowCount(fixed=0, scaled=False)
        return RowCount(fixed=n, scaled=False)

    def parse_distribution(self, mapping: Any, key: str, what: str, allowed: tuple[str, ...],
                           default: Distribution | None = None) -> Distribution | None:
        if key not in mapping:
            return default
        try:
            dist = Distribution.parse(mapping[key])
        except (SyntaxError, ValueError) as exc:
            self.issues.add(self.at_value(mapping, key), f"{what}: cannot read distribution {short(mapping[key])}",
                            expected="name(args), e.g. poisson(3), zipf(1.2), uniform(1, 5)",
                            suggestion=comma_hint(mapping[key]) or (str(exc) if "write" in str(exc) else None))
            return default
        if dist.name not in allowed:
            self.issues.add(self.at_value(mapping, key), f"{what}: unknown distribution {dist.name!r}",
                            expected="one of " + ", ".join(allowed), suggestion=suggest(dist.name, allowed))
            return default
        return dist

    def parse_column(self, parent: Any, table: str, name: str, cdoc: Any) -> ColumnSpec | None:
        loc = self.at_key(parent, name)
        what = f"column {table}.{name}"
        if name in RESERVED_COLUMNS:
            self.issues.add(loc, f"{what}: {name!r} is the column the tool adds to partitioned tables in databases",
                            suggestion=f"rename it, e.g. {name + '_'!r}")
            return None
        if isinstance(cdoc, str):  # shorthand: a generator name or a distribution call
            cdoc = {"dist": cdoc} if "(" in cdoc else {"gen": cdoc}
            parent_loc = self.at_value(parent, name)  # errors point at the generator name written
        elif isinstance(cdoc, dict):
            cdoc = self.apply_extends(cdoc, what)
            parent_loc = None
        else:
            self.issues.add(loc, f"{what} must be a generator name or a mapping",
                            expected="first_name, or {gen: email, unique: true}")
            return None

        def at(key: str) -> Location:
            return parent_loc or self.at_value(cdoc, key)

        bad = [not self.typed(cdoc, "description", is_scalar_text, what, "a text"),
               not self.typed(cdoc, "nullable", lambda v: isinstance(v, bool), what, "true or false"),
               not self.typed(cdoc, "unique", lambda v: isinstance(v, bool), what, "true or false"),
               not self.typed(cdoc, "unique_within", lambda v: isinstance(v, str), what,
                              "the name of a foreign-key column, e.g. unique_within: clinic_id"),
               not self.typed(cdoc, "primary_key", lambda v: isinstance(v, bool), what, "true or false"),
               not self.typed(cdoc, "emit", lambda v: isinstance(v, bool), what, "true or false"),
               not self.typed(cdoc, "max_length", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                              what, "a whole number of characters >= 1, e.g. max_length: 40"),
               not self.typed(cdoc, "type", lambda v: isinstance(v, str), what, "a type such as int or decimal(12,2)"),
               not self.typed(cdoc, "expr", lambda v: is_scalar_text(v) and not isinstance(v, bool), what,
                              'an expression, e.g. "price * quantity"'),
               not self.typed(cdoc, "template", lambda v: isinstance(v, str), what,
                              'a template text, e.g. "{first_name}.{last_name}"')]
        if any(bad):
            return None
        kinds = [k for k in COLUMN_KINDS if k in cdoc]
        if len(kinds) > 1:
            self.issues.add(at(kinds[1]), f"{what} has both {kinds[0]!r} and {kinds[1]!r}",
                            expected="exactly one of " + ", ".join(COLUMN_KINDS))
            return None
        col = ColumnSpec(name=name, type=ColumnType(LogicalType.STRING), location=loc,
                         description=text_of(cdoc.get("description")))
        # null handling
        null_rate = cdoc.get("null_rate", 0.0)
        if not isinstance(null_rate, int | float) or isinstance(null_rate, bool) or not 0 <= null_rate <= 1:
            self.issues.add(at("null_rate"), f"{what}: null_rate must be a number between 0 and 1",
                            expected="e.g. null_rate: 0.05")
            null_rate = 0.0
        col.null_rate = float(null_rate)
        col.nullable = bool(cdoc.get("nullable", False)) or col.null_rate > 0
        col.unique = bool(cdoc.get("unique", False))
        col.unique_within = cdoc.get("unique_within")
        col.emit = bool(cdoc.get("emit", True))
        if "max_length" in cdoc:  # whether the column holds strings is known after the check resolves types
            col.max_length = int(cdoc["max_length"])
            self.gaps.locations[(table, f"{name}.max_length")] = at("max_length")
        col.expectations = self.parse_expectations(cdoc, "expect", what, column=name)
        params = {str(k): v for k, v in cdoc.items() if k not in COLUMN_KEYS}
        gen: registry.Generator | None = None
        if "ref" in cdoc and isinstance(cdoc["ref"], dict):
            self.parse_existing_ref(col, cdoc, params, at, what)
            params = {}
        elif "ref" in cdoc:
            ref = cdoc["ref"]
            if not isinstance(ref, str) or ref.count(".") != 1:
                self.issues.add(at("ref"), f"{what}: ref must be written table.column, got {ref!r}",
                                expected="ref: customers.customer_id")
            else:
                t, c = ref.split(".")
                col.ref = (t, c)
            for k in params:
                self.issues.add(self.at_key(cdoc, k), f"unknown key {k!r} in foreign-key {what}",
                                expected="ref, skew, within, null_rate, description, type",
                                suggestion=suggest(k, COLUMN_KEYS))
            params = {}
        elif "sum_of" in cdoc:
            self.parse_sum_of(col, cdoc, params, at, what)
            params = {}
        elif "expr" in cdoc:
            col.expr = str(cdoc["expr"])
            try:
                parse_expression(col.expr)
            except ExpressionError as exc:
                self.issues.add(at("expr"), f"{what}: {exc}", suggestion=exc.suggestion)
        elif "template" in cdoc:
            col.template = str(cdoc["template"])
            col.type = ColumnType(LogicalType.STRING)
            try:
                parse_template(col.template)
            except ExpressionError as exc:
                self.issues.add(at("template"), f"{what}: {exc}", suggestion=exc.suggestion)
        elif "dist" in cdoc:
            try:
                dist = Distribution.parse(cdoc["dist"])
            except (SyntaxError, ValueError):
                self.issues.add(at("dist"), f"{what}: cannot read distribution {short(cdoc['dist'])}",
                                expected="name(args), e.g. normal(50, 10), lognormal(3, 0.8), poisson(2)",
                                suggestion=comma_hint(cdoc["dist"]))
                return None
            gen_name = dist.name
            if gen_name == "uniform" and str(cdoc.get("type", "")).startswith("int"):
                gen_name = "integer"
            gen = self.lookup_generator(gen_name, at("dist"), what)
            if gen is not None:
                positional = [p.name for p in gen.params]
                if len(dist.args) > len(positional):
                    self.issues.add(at("dist"), f"{what}: {dist.name} takes at most {len(positional)} arguments",
                                    expected=gen.signature())
                merged = dict(zip(positional, dist.args, strict=False))
                merged.update(dict(dist.kwargs))
                merged.update(params)
                params = merged
        else:
            gen_name = cdoc.get("gen")
            if gen_name is None and name in self.fk_members:
                for k in cdoc:  # filled by a table-level foreign key: only documentation and nulls here
                    if k not in ("type", "description", "null_rate", "nullable", "expect", "max_length"):
                        self.issues.add(self.at_key(cdoc, k), f"{what} is filled by a foreign key in "
                                        "`foreign_keys:`; only type, description, null_rate, nullable, "
                                        "max_length and expect apply")
                if "type" in cdoc:
                    try:
                        col.type = ColumnType.parse(str(cdoc["type"]))
                        col.type_given = True
                    except DecimalRangeError as exc:
                        self.issues.add(at("type"), f"{what}: {exc}", expected=exc.expected,
                                        suggestion=exc.suggestion)
                    except ValueError:
                        self.issues.add(at("type"), f"{what}: unknown type {cdoc['type']!r}")
                else:
                    col.type = ColumnType(LogicalType.AUTO)
                return col
            if gen_name is None:
                self.issues.add(loc, f"{what} needs a generator",
                                expected="one of gen, dist, expr, template or ref",
                                suggestion="e.g. {gen: first_name}; `mock-pipelines generators` lists them")
                return None
            gen = self.lookup_generator(str(gen_name), at("gen"), what)
        if col.expr is not None or col.template is not None:
            for k in params:  # derived columns take no generator parameters: any other key is a typo
                self.issues.add(self.at_key(cdoc, k), f"unknown key {k!r} in {what}",
                                expected="one of " + ", ".join(COLUMN_KEYS),
                                suggestion=suggest(str(k), COLUMN_KEYS))
        if gen is not None:
            try:
                col.params = gen.validate_params(params)
            except registry.ParamError as exc:
                where = self.at_key(cdoc, exc.param) if exc.param in cdoc and parent_loc is None else at("dist") \
                    if "dist" in cdoc else loc
                suggestion = exc.suggestion
                if suggestion is None and gen.param(exc.param) is None:  # a misspelt column key (uniqe)
                    suggestion = suggest(exc.param, COLUMN_KEYS)
                self.issues.add(where, f"{what}: {exc.message}", expected=exc.expected, suggestion=suggestion)
            col.generator = gen.name
            col.type = ColumnType.parse(gen.returns)  # a bare decimal is decimal(18,2)
            if gen.facts is not None and col.params and gen.facts.makes_nulls(col.params):
                col.nullable = True  # the generator's own nulls (a sensor's dropouts)
            if col.unique and not gen.supports_unique:
                message, suggestion = registry.cannot_guarantee_unique(gen.name)
                self.issues.add(at("unique") if parent_loc is None else loc, f"{what}: {message}",
                                suggestion=suggestion)
        if "type" in cdoc:
            try:
                col.type = ColumnType.parse(str(cdoc["type"]))
                col.type_given = True
            except DecimalRangeError as exc:
                self.issues.add(at("type"), f"{what}: {exc}", expected=exc.expected, suggestion=exc.suggestion)
            except ValueError:
                names = [f"{t}(p,s)" if t is LogicalType.DECIMAL else t.value for t in WRITTEN_TYPES]
                self.issues.add(at("type"), f"{what}: unknown type {cdoc['type']!r}",
                                expected="one of " + ", ".join(names),
                                suggestion=suggest(str(cdoc["type"]), [n.split("(")[0] for n in names]))
        elif col.expr is not None or col.sum_of is not None:
            col.type = ColumnType(LogicalType.AUTO)  # an expression's from its result; a sum's from the summed column
        if col.template is not None and col.unique and not parse_template(col.template).has_unique_token:
            self.issues.add(at("template"), f"{what}: a unique template needs a part that differs on every row",
                            suggestion="add {_unique} (a short row token) to the template")
        if col.expr is not None and col.unique:
            self.issues.add(at("unique"), f"{what}: an expression cannot be declared unique",
                            suggestion="use a template with {_unique}, sequence or uuid4")
        if cdoc.get("skew") is not None:
            self.skews[(table, name)] = _SkewAsWritten(cdoc["skew"], at("skew"))
        if "within" in cdoc:
            self.withins[(table, name)] = _SkewAsWritten(cdoc["within"], at("within"))
        return col

    def parse_existing_ref(self, col: ColumnSpec, cdoc: Any, params: dict[str, Any], at: Any, what: str) -> None:
        """``ref: {existing: …}``: the column takes its values from the keys of an existing table; without
        ``type:`` it takes the type of the database column when the keys are read."""
        ref = cdoc["ref"]
        col.existing = parse_existing(ref, at("ref"), lambda k: self.at_key(ref, k) if k in ref else at("ref"),
                                      self.issues, what)
        col.type = ColumnType(LogicalType.AUTO)
        for k in params:
            self.issues.add(self.at_key(cdoc, k), f"unknown key {k!r} in {what} (a reference to existing rows)",
                            expected=", ".join(EXISTING_COLUMN_KEYS), suggestion=suggest(str(k), COLUMN_KEYS))
        for k in ("unique", "within", "unique_within"):
            if cdoc.get(k):
                self.issues.add(at(k), f"{what}: {k} does not apply to a reference to existing rows",
                                suggestion=f"drop {k}: each row picks one of the existing keys, with the skew")

    def parse_sum_of(self, col: ColumnSpec, cdoc: Any, params: dict[str, Any], at: Any, what: str) -> None:
        """``sum_of: child_table.column``: checked against the child table once every table is parsed."""
        ref = cdoc["sum_of"]
        if not isinstance(ref, str) or ref.count(".") != 1 or not all(IDENTIFIER.match(p) for p in ref.split(".")):
            self.issues.add(at("sum_of"), f"{what}: sum_of must be written child_table.column, got {ref!r}",
                            expected="sum_of: order_items.line_total")
        else:
            table, column = ref.split(".")
            col.sum_of = (table, column)
        for k in params:
            self.issues.add(self.at_key(cdoc, k), f"unknown key {k!r} in {what} (a sum of child rows)",
                            expected="sum_of, type, description, expect",
                            suggestion=suggest(str(k), COLUMN_KEYS))
        for k in ("null_rate", "unique"):
            if cdoc.get(k):
                self.issues.add(at(k), f"{what}: a sum of child rows cannot be declared {k}",
                                suggestion=f"drop {k}: the sum is computed for every row (0 without children)")

    def lookup_generator(self, name: str, loc: Location, what: str) -> registry.Generator | None:
        try:
            return registry.get(name)
        except registry.UnknownGenerator as exc:
            self.issues.add(loc, f"{what}: unknown generator {name!r}", suggestion=exc.suggestion or
                            "`mock-pipelines generators --search WORD` lists the catalogue")
            return None

    def parse_skew(self, raw: Any, loc: Location, what: str) -> Distribution | None:
        if raw is None:
            return None
        try:
            dist = Distribution.parse(raw)
        except (SyntaxError, ValueError):
            self.issues.add(loc, f"{what}: cannot read skew {short(raw)}", expected="uniform or zipf(1.1)")
            return None
        if dist.name not in SKEWS:
            self.issues.add(loc, f"{what}: unknown skew {dist.name!r}", expected="uniform or zipf(s)",
                            suggestion=suggest(dist.name, SKEWS))
            return None
        return dist

    def parse_within(self, table: str, column: str) -> GroupCondition | None:
        """``within: fk_column``, or a chain of foreign-key columns, each of the table the previous one
        references (``within: encounter_id.patient_id.facility_id``; checked against the tables in
        schema/check.py)."""
        written = self.withins.get((table, column))
        if written is None:
            return None
        raw = written.raw
        parts = raw.split(".") if isinstance(raw, str) else []
        if not parts or not all(IDENTIFIER.match(p) for p in parts):
            self.issues.add(written.location, f"column {table}.{column}: within must name a foreign-key column "
                            f"of {table!r}, or a chain of foreign-key columns (each of the table the one before "
                            f"references); got {short(raw)}",
                            expected="within: facility_id, or within: patient_id.facility_id")
            return None
        return GroupCondition(tuple(parts), written.location)

    def parse_foreign_keys(self, tdoc: Any, table: str, columns: dict[str, ColumnSpec]) -> list[ForeignKey]:
        fks: list[ForeignKey] = []
        for col in columns.values():
            written = self.skews.get((table, col.name))
            if col.existing is not None:  # no generated parent: the skew travels with the reference
                skew = None if written is None else self.parse_skew(written.raw, written.location,
                                                                     f"column {table}.{col.name}")
                col.existing = replace(col.existing, skew=skew)
                continue
            if col.ref is not None:
                skew = None if written is None else self.parse_skew(written.raw, written.location,
                                                                     f"column {table}.{col.name}")
                fks.append(ForeignKey([col.name], col.ref[0], [col.ref[1]], col.location, skew, col.null_rate,
                                      self.parse_within(table, col.name)))
            elif written is not None:
                self.issues.add(written.location, f"column {table}.{col.name}: skew applies to foreign keys only",
                                suggestion="add ref: table.column, or use dist: zipf(s) for values")
            if col.ref is None and (table, col.name) in self.withins:
                self.issues.add(self.withins[(table, col.name)].location, f"column {table}.{col.name}: within "
                                "applies to foreign keys only", suggestion="add ref: table.column, or drop within")
        raw_list = tdoc.get("foreign_keys") or []
        if not isinstance(raw_list, list):
            self.issues.add(self.at_value(tdoc, "foreign_keys"), "foreign_keys must be a list",
                            expected='- {columns: [a, b], ref: "parent(a, b)"}')
            return fks
        for i, raw in enumerate(raw_list):
            loc = self.at_value(raw_list, i)
            if not isinstance(raw, dict):
                self.issues.add(loc, "a foreign key must be a mapping", expected='{columns: [a, b], ref: "parent(a, b)"}')
                continue
            what = f"a foreign key of {table!r}"
            if isinstance(raw.get("ref"), dict):
                message, suggestion = composite_existing_message(table)
                self.issues.add(self.at_value(raw, "ref"), message, suggestion=suggestion)
                continue
            self.check_keys(raw, FK_KEYS, what, extra=("within",))
            if "within" in raw:
                self.issues.add(self.at_key(raw, "within"), f"{what}: within applies to a single-column foreign "
                                "key only", expected="within: on a column declared with ref: table.column",
                                suggestion="pick a composite key's parent through a single-column key of the "
                                           "parent, or drop within")
            if not all([self.typed(raw, "columns", lambda v: isinstance(v, str) or is_str_list(v), what,
                                   "a column name or a list of column names"),
                        self.typed(raw, "ref", lambda v: isinstance(v, str), what, '"parent(a, b)" or parent.a'),
                        self.typed(raw, "null_rate", lambda v: isinstance(v, int | float) and not isinstance(
                            v, bool) and 0 <= v <= 1, what, "a number between 0 and 1")]):
                continue
            cols = raw.get("columns")
            cols = [cols] if isinstance(cols, str) else [str(c) for c in (cols or [])]
            ref = str(raw.get("ref", ""))
            parsed = _parse_fk_target(ref)
            if parsed is None or not cols:
                self.issues.add(loc, f"foreign key of {table!r} needs columns and ref",
                                expected='{columns: [order_id, line_no], ref: "order_items(order_id, line_no)"}')
                continue
            target, ref_cols = parsed
            if len(ref_cols) != len(cols):
                self.issues.add(self.at_value(raw, "ref"), f"foreign key {cols} → {ref}: "
                                f"{len(cols)} columns reference {len(ref_cols)}")
                continue
            null_rate = float(raw.get("null_rate", 0.0))
            for c in cols:
                existing = columns.get(c)
                if existing is not None and (existing.generator or existing.expr is not None
                                             or existing.template is not None or existing.ref is not None):
                    self.issues.add(self.at_value(raw, "columns"), f"column {table}.{c} is filled by the foreign key "
                                    f"to {target!r}; declare only its type/description there, or drop it")
                    continue
                if c not in columns:
                    columns[c] = ColumnSpec(name=c, type=ColumnType(LogicalType.AUTO), location=loc)
                columns[c].fk_member = True
                columns[c].null_rate = max(columns[c].null_rate, null_rate)
                columns[c].nullable = columns[c].nullable or null_rate > 0
            skew = self.parse_skew(raw.get("skew"), self.at_value(raw, "skew") if "skew" in raw else loc,
                                   f"a foreign key of {table!r}")
            fks.append(ForeignKey(cols, target, ref_cols, loc, skew, null_rate))
        return fks


def _composite_fk_members(raw: Any) -> set[str]:
    members: set[str] = set()
    for fk in raw if isinstance(raw, list) else []:
        if isinstance(fk, dict):
            cols = fk.get("columns")
            members.update([cols] if isinstance(cols, str) else [str(c) for c in cols] if isinstance(cols, list)
                           else [])
    return members


def _parse_fk_target(ref: str) -> tuple[str, list[str]] | None:
    ref = ref.strip()
    if "(" in ref and ref.endswith(")"):
        table, _, rest = ref.partition("(")
        return table.strip(), [c.strip() for c in rest[:-1].split(",") if c.strip()]
    if ref.count(".") == 1:
        t, c = ref.split(".")
        return t, [c]
    return None


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _as_date(value: Any) -> dt.date | None:
    """A day as YAML gives it (a date, or a text YYYY-MM-DD); None for anything else."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
