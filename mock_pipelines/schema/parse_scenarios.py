"""Read the `scenarios:` block of a schema (named variants of the dataset: defect twins, exclusion sets,
edge cases) into :class:`ScenarioSpec` objects.

Called by :mod:`mock_pipelines.schema.parse` once every table is parsed, so each rule is checked here
against the tables and columns it names, each problem at the line and column of the offending key or value:
unknown keys and kinds (with near-miss suggestions), which blocks each scenario kind takes, rates and
weights, the parameters of each defect kind, exclusion templates and predicates. What needs the resolved
dataset — whether a defect kind can damage a column, given the column's facts — is checked with the
dataset, in :mod:`mock_pipelines.schema.check_scenarios`.
"""

from __future__ import annotations

import math
from typing import Any

from mock_pipelines.core import defects
from mock_pipelines.core.defects import DRIFT_CHANGES, NEAR_DUPLICATE_HOWS, ROW_KINDS, Param
from mock_pipelines.core.expressions import (
    ROW_TOKEN,
    UNIQUE_TOKEN,
    ExpressionError,
    parse_expression,
    parse_template,
)
from mock_pipelines.schema.parse_changes import ParserLike
from mock_pipelines.schema.values import cleaned_name, finite, is_scalar_text, kind_of, plain, short, text_of
from mock_pipelines.spec.errors import Location, suggest
from mock_pipelines.spec.model import IDENTIFIER, TableSpec
from mock_pipelines.spec.scenarios import (
    MAX_RULES_PER_TABLE,
    MAX_SCENARIOS,
    SCENARIO_KINDS,
    DefectRule,
    EdgeCaseRule,
    ExclusionRule,
    ScenarioSpec,
    scenario_dataset,
)
from mock_pipelines.spec.types import TEMPORAL_TYPES, LogicalType

SCENARIO_KEYS = ("kind", "description", "share", "defects", "edge_cases", "exclude")
DEFECT_KEYS = ("kind", "column", "rate", "weight")  # and the parameters of the rule's kind
EXCLUSION_KEYS = ("reason", "rate", "set", "shift", "where")
SHIFT_KEYS = ("column", "days")
EXCLUSION_FORMS = ("set", "shift", "where")
ANY_CHANGE = "any"  # schema_drift: a change drawn per partition
# Which blocks each kind of scenario takes: (required, refused).
KIND_BLOCKS = {"positive": ((), ("defects", "exclude")), "negative": (("defects",), ("exclude",)),
               "exclusion": (("exclude",), ("defects",))}
BLOCK_HINTS = {"defects": "kind: negative (a defect twin)", "exclude": "kind: exclusion (records to filter out)"}
EXAMPLES = {
    "defects": "defects: {customers: [{kind: missing, column: email, rate: 0.02}]}",
    "exclude": 'exclude: {customers: [{reason: test_account, rate: 0.02, set: {email: "test+{customer_id}@x.com"}}]}',
    "edge_cases": "edge_cases: {customers: {first_name: 0.01}}",
}
TYPE_NAMES = {bool: "true/false", int: "a whole number", float: "a number", str: "a text", list: "a list",
              dict: "a mapping"}


def parse_scenarios(parser: ParserLike, doc: Any, dataset: str, tables: dict[str, TableSpec],
                    failed_tables: set[str], failed_columns: dict[str, set[str]]) -> dict[str, ScenarioSpec]:
    """The scenarios of the schema, by name ({} without the block). ``failed_tables`` / ``failed_columns``:
    what did not parse (already reported, so a rule naming them is not reported again)."""
    if not isinstance(doc, dict) or "scenarios" not in doc:
        return {}
    return _ScenariosParser(parser, dataset, tables, failed_tables, failed_columns).parse(doc)


def key_column_reason(table: TableSpec, column: str) -> str | None:
    """Why ``column`` of ``table`` is a key column (its rows must stay matchable with the ground truth and
    with their parents), or None."""
    if column in table.primary_key:
        return f"{table.name}.{column} is a primary-key column"
    col = table.columns.get(column)
    if (col is not None and (col.ref is not None or col.fk_member)) or \
            any(column in fk.columns for fk in table.foreign_keys):
        return f"{table.name}.{column} is a foreign-key column"
    return None


def _param_ok(value: Any, kind: type | tuple[type, ...]) -> bool:
    """``value`` as YAML gives it is of a parameter's ``kind`` (a whole number passes for a float; true/false
    passes only for a bool; a number must be finite)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, int | float) and not finite(value):
        return False
    if isinstance(value, int) and float in kinds:
        return True
    return isinstance(value, kinds)


def _type_text(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(TYPE_NAMES.get(k, k.__name__) for k in kinds))


class _ScenariosParser:
    def __init__(self, parser: ParserLike, dataset: str, tables: dict[str, TableSpec], failed_tables: set[str],
                 failed_columns: dict[str, set[str]]):
        self.p = parser
        self.issues = parser.issues
        self.dataset = dataset
        self.tables = tables
        self.failed_tables = failed_tables
        self.failed_columns = failed_columns

    def parse(self, doc: dict[str, Any]) -> dict[str, ScenarioSpec]:
        raw = doc["scenarios"]
        if not isinstance(raw, dict) or not raw:
            self.issues.add(self.p.at_value(doc, "scenarios"), "`scenarios` must be a mapping name → scenario "
                            f"({'empty' if isinstance(raw, dict) else kind_of(raw)} here)",
                            expected="scenarios: {dirty: {kind: negative, defects: {…}}}",
                            suggestion="remove `scenarios:` for a dataset without variants")
            return {}
        if len(raw) > MAX_SCENARIOS:
            extra = list(raw)[MAX_SCENARIOS]
            self.issues.add(self.p.at_key(raw, extra), f"{len(raw)} scenarios, at most {MAX_SCENARIOS}",
                            suggestion="merge scenarios that feed the same test, or split the dataset")
            return {}
        out: dict[str, ScenarioSpec] = {}
        seen: dict[str, str] = {}  # lower-case name -> name as written
        for name, sdoc in raw.items():
            if not self.check_name(raw, name, seen):
                continue
            scenario = self.parse_scenario(raw, str(name), sdoc)
            if scenario is not None:
                out[scenario.name] = scenario
        return out

    def check_name(self, raw: dict[str, Any], name: Any, seen: dict[str, str]) -> bool:
        loc = self.p.at_key(raw, name)
        text = str(name)
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            self.issues.add(loc, f"invalid scenario name {short(name)}",
                            expected="letters, digits and underscores, starting with a letter: the scenario lands "
                                     f"as the dataset {scenario_dataset(self.dataset, '<name>')}",
                            suggestion=cleaned_name(text))
            return False
        landed = scenario_dataset(self.dataset, name)
        if not IDENTIFIER.match(landed):
            self.issues.add(loc, f"scenario {name!r} lands as the dataset {landed!r}, longer than 63 characters",
                            expected="a shorter scenario name", suggestion=name[:max(1, 61 - len(self.dataset))])
            return False
        other = seen.get(name.lower())
        if other is not None:
            self.issues.add(loc, f"scenario name {name!r} differs from {other!r} only in case; both would land "
                            "in the same place on a case-insensitive file system or database",
                            suggestion="rename one of them")
            return False
        seen[name.lower()] = name
        return True

    # -- one scenario --
    def parse_scenario(self, raw: dict[str, Any], name: str, sdoc: Any) -> ScenarioSpec | None:
        loc = self.p.at_key(raw, name)
        what = f"scenario {name!r}"
        if not isinstance(sdoc, dict):
            self.issues.add(self.p.at_value(raw, name), f"{what} must be a mapping ({kind_of(sdoc)} here)",
                            expected="{kind: negative, defects: {customers: [{kind: missing, column: email, "
                                     "rate: 0.02}]}}")
            return None
        found = len(self.issues.issues)
        self.p.check_keys(sdoc, SCENARIO_KEYS, what)
        kind = self.parse_kind(sdoc, loc, what)
        if "description" in sdoc and not is_scalar_text(sdoc["description"]):
            self.issues.add(self.p.at_value(sdoc, "description"), f"{what}: `description` has the wrong type "
                            f"({kind_of(sdoc['description'])})", expected="a text")
        if kind is not None:
            self.check_blocks(sdoc, kind, loc, what)
        share = self.parse_share(sdoc, kind, what)
        with_share = "share" in sdoc
        counts: dict[str, tuple[int, Location]] = {}  # table -> (rules, where it is first named)
        defect_rules = self.per_table(sdoc, "defects", what, counts, with_share)
        exclusions = self.per_table(sdoc, "exclude", what, counts, with_share)
        edges = self.per_table(sdoc, "edge_cases", what, counts, with_share)
        if with_share and "edge_cases" in sdoc:
            # One defect per record, picked by weight, leaves no room for edge cases drawn at their own rate.
            self.issues.add(self.p.at_key(sdoc, "edge_cases"), f"{what}: edge cases draw their own rate, and in "
                            "a scenario with share every damaged record carries exactly one defect picked by weight",
                            suggestion="put the edge cases in a scenario without share")
        for table, (n, where) in counts.items():
            if n > MAX_RULES_PER_TABLE:
                self.issues.add(where, f"{what}: {n} rules on {table!r}, at most {MAX_RULES_PER_TABLE}",
                                expected=f"at most {MAX_RULES_PER_TABLE} defect, exclusion and edge-case rules "
                                         "per table", suggestion="split the rules over several scenarios")
        if kind is None or len(self.issues.issues) > found:
            return None
        return ScenarioSpec(name=name, kind=kind, description=text_of(sdoc.get("description")), share=share,
                            defects=tuple(r for r in defect_rules if isinstance(r, DefectRule)),
                            exclusions=tuple(r for r in exclusions if isinstance(r, ExclusionRule)),
                            edge_cases=tuple(r for r in edges if isinstance(r, EdgeCaseRule)), location=loc)

    def parse_kind(self, sdoc: dict[str, Any], loc: Location, what: str) -> str | None:
        if "kind" not in sdoc:
            self.issues.add(loc, f"{what} needs a kind", expected="kind: " + " | ".join(SCENARIO_KINDS),
                            suggestion="positive: clean records (with edge cases); negative: records with "
                                       "defects; exclusion: records to filter out")
            return None
        kind = sdoc["kind"]
        if kind not in SCENARIO_KINDS:
            self.issues.add(self.p.at_value(sdoc, "kind"), f"{what}: unknown kind {short(kind)}",
                            expected="one of " + ", ".join(SCENARIO_KINDS), suggestion=suggest(str(kind),
                                                                                              SCENARIO_KINDS))
            return None
        return str(kind)

    def check_blocks(self, sdoc: dict[str, Any], kind: str, loc: Location, what: str) -> None:
        required, refused = KIND_BLOCKS[kind]
        for block in required:
            if block not in sdoc:
                self.issues.add(loc, f"{what}: a{'n' * (kind[0] in 'aeiou')} {kind} scenario needs `{block}`",
                                expected=EXAMPLES[block])
        for block in refused:
            if block in sdoc:
                self.issues.add(self.p.at_key(sdoc, block), f"{what}: a{'n' * (kind[0] in 'aeiou')} {kind} "
                                f"scenario takes no `{block}`",
                                suggestion=f"make it {BLOCK_HINTS[block]}, or drop `{block}`")

    def parse_share(self, sdoc: dict[str, Any], kind: str | None, what: str) -> float | None:
        if "share" not in sdoc:
            return None
        share = sdoc["share"]
        if kind is not None and kind != "negative":
            self.issues.add(self.p.at_key(sdoc, "share"), f"{what}: share applies to negative scenarios (the "
                            "share of records with exactly one defect)", suggestion="drop share")
            return None
        if not finite(share) or not 0 < share <= 1:
            self.issues.add(self.p.at_value(sdoc, "share"), f"{what}: share is the part of the records that "
                            f"carry exactly one defect, a number above 0 and at most 1, got {short(share)}",
                            expected="e.g. share: 0.1")
            return None
        return float(share)

    def per_table(self, sdoc: dict[str, Any], block: str, what: str, counts: dict[str, tuple[int, Location]],
                  with_share: bool) -> list[DefectRule | ExclusionRule | EdgeCaseRule | None]:
        """The rules of one block (``defects``, ``exclude`` or ``edge_cases``), table by table; None for a rule
        with a problem (reported)."""
        if block not in sdoc:
            return []
        raw = sdoc[block]
        if not isinstance(raw, dict) or not raw:
            self.issues.add(self.p.at_value(sdoc, block), f"{what}: `{block}` must be a mapping table → rules "
                            f"({'empty' if isinstance(raw, dict) else kind_of(raw)} here)", expected=EXAMPLES[block])
            return []
        out: list[DefectRule | ExclusionRule | EdgeCaseRule | None] = []
        for tname, items in raw.items():
            table = self.table(raw, tname, f"{what}: `{block}`")
            if table is None:
                continue
            n, where = counts.get(table.name, (0, self.p.at_key(raw, tname)))
            shape = dict if block == "edge_cases" else list
            if not isinstance(items, shape) or not items:
                self.issues.add(self.p.at_value(raw, tname), f"{what}: `{block}` of {table.name!r} must be a "
                                f"non-empty {'mapping column → rate' if shape is dict else 'list of rules'} "
                                f"({'empty' if isinstance(items, shape) else kind_of(items)} here)",
                                expected=EXAMPLES[block])
                continue
            counts[table.name] = (n + len(items), where)
            if n + len(items) > MAX_RULES_PER_TABLE:
                continue  # reported once for the table, by the caller
            if block == "defects":
                out += [self.parse_defect(items, i, table, what, with_share) for i in range(len(items))]
            elif block == "exclude":
                out += [self.parse_exclusion(items, i, table, what) for i in range(len(items))]
            else:
                out += [self.parse_edge_case(items, c, table, what) for c in items]
        return out

    # -- names of tables and columns --
    def table(self, raw: dict[str, Any], name: Any, what: str) -> TableSpec | None:
        """The table a block names (None: unknown, reported; or failed to parse, reported already)."""
        table = self.tables.get(str(name))
        if table is None and str(name) not in self.failed_tables:
            self.issues.add(self.p.at_key(raw, name), f"{what} names unknown table {short(name)}",
                            expected="a table of the dataset", suggestion=suggest(str(name), self.tables))
        return table

    def column(self, container: Any, key: str | int, name: Any, table: TableSpec, what: str,
               *, at_key: bool = False) -> bool:
        """``name`` is an emitted column of ``table``; otherwise reports why not (at the key or value)."""
        loc = self.p.at_key(container, key) if at_key else self.p.at_value(container, key)  # type: ignore[arg-type]
        if not isinstance(name, str):
            self.issues.add(loc, f"{what}: a column name must be a text ({kind_of(name)} here)",
                            expected=f"a column of {table.name!r}")
            return False
        if name in self.failed_columns.get(table.name, ()):
            return False
        col = table.columns.get(name)
        if col is None:
            self.issues.add(loc, f"{what}: unknown column {name!r} of {table.name!r}",
                            expected=f"a column of {table.name!r}", suggestion=suggest(name, table.columns))
            return False
        if not col.emit:
            self.issues.add(loc, f"{what}: {table.name}.{name} is a helper column (emit: false), never written, so "
                            "a scenario cannot change it", suggestion="name a column the table writes")
            return False
        return True

    def not_a_key(self, container: Any, key: str | int, table: TableSpec, column: str, what: str,
                  why: str, *, at_key: bool = False) -> bool:
        reason = key_column_reason(table, column)
        if reason is None:
            return True
        loc = self.p.at_key(container, key) if at_key else self.p.at_value(container, key)  # type: ignore[arg-type]
        self.issues.add(loc, f"{what}: {reason}; {why}",
                        suggestion="pick a column that is no key (a key column only gets duplicate rows: "
                                   "kind: duplicate)")
        return False

    def rate(self, item: dict[str, Any], what: str, *, required: bool, loc: Location,
             example: str) -> float | None:
        """``rate`` of a rule: a number above 0 and at most 1 (None: absent, or a problem reported)."""
        if "rate" not in item:
            if required:
                self.issues.add(loc, f"{what} needs rate, the share of the rows it changes", expected=example)
            return None
        rate = item["rate"]
        if not finite(rate) or not 0 < rate <= 1:
            self.issues.add(self.p.at_value(item, "rate"), f"{what}: rate is the share of the rows the rule "
                            f"changes, a number above 0 and at most 1, got {short(rate)}", expected="e.g. rate: 0.02")
            return None
        return float(rate)

    # -- defects --
    def parse_defect(self, items: list[Any], i: int, table: TableSpec, scenario: str,
                     with_share: bool) -> DefectRule | None:
        item = items[i]
        loc = self.p.at_value(items, i)
        what = f"defect rule {i + 1} of {table.name!r} in {scenario}"
        example = "{kind: missing, column: email, rate: 0.02}"
        if not isinstance(item, dict):
            self.issues.add(loc, f"{what} must be a mapping ({kind_of(item)} here)", expected=example)
            return None
        found = len(self.issues.issues)
        kind, params = self.defect_kind(item, loc, what)
        if kind is not None and params is not None:
            self.p.check_keys(item, DEFECT_KEYS, what, extra=tuple(params))
        column = self.defect_column(item, kind, table, loc, what)
        rate, weight = self.rate_or_weight(item, what, with_share, loc, example)
        given = {str(k): plain(v) for k, v in item.items() if k not in DEFECT_KEYS}
        if params is not None:
            self.check_params(item, kind or "", params, given, what)
        if kind is None or params is None or len(self.issues.issues) > found:
            return None
        return DefectRule(kind=kind, table=table.name, column=column, rate=rate, weight=weight,
                          params={k: v for k, v in given.items() if k in params}, location=loc)

    def defect_kind(self, item: dict[str, Any], loc: Location, what: str) -> tuple[str | None,
                                                                                  dict[str, Param] | None]:
        """The rule's kind and the parameters it takes (None, None: no kind, or unknown: reported)."""
        names = defects.all_names()
        if "kind" not in item:
            self.issues.add(loc, f"{what} needs a kind", expected="kind: one of " + ", ".join(names))
            return None, None
        kind = item["kind"]
        if not isinstance(kind, str) or kind not in names:
            self.issues.add(self.p.at_value(item, "kind"), f"{what}: unknown defect kind {short(kind)}",
                            expected="one of " + ", ".join(names), suggestion=suggest(str(kind), names))
            return None, None
        return kind, dict(ROW_KINDS[kind][1]) if kind in ROW_KINDS else dict(defects.get(kind).params)

    def defect_column(self, item: dict[str, Any], kind: str | None, table: TableSpec, loc: Location,
                      what: str) -> str | None:
        if kind == "duplicate":
            if "column" in item:
                self.issues.add(self.p.at_key(item, "column"), f"{what}: a duplicate copies the whole row and takes "
                                "no column", suggestion="drop column, or use kind: near_duplicate to change one "
                                                        "column of the copy")
            return None
        if "column" not in item:
            if kind is not None:
                self.issues.add(loc, f"{what}: {kind} needs the column it changes",
                                expected=f"{{kind: {kind}, column: <a column of {table.name}>, …}}")
            return None
        name = item["column"]
        if not self.column(item, "column", name, table, what):
            return None
        if kind == "schema_drift" and not self.not_a_key(
                item, "column", table, name, what, "a drifted key would leave its rows unmatched"):
            return None
        return str(name)

    def rate_or_weight(self, item: dict[str, Any], what: str, with_share: bool, loc: Location,
                       example: str) -> tuple[float | None, float]:
        """``rate`` (every rule, without `share`) or ``weight`` (default 1, with `share`)."""
        if not with_share:
            if "weight" in item:
                self.issues.add(self.p.at_key(item, "weight"), f"{what}: weight applies to a scenario with share "
                                "(one defect per record, chosen by weight)", suggestion="use rate, the share of "
                                                                                        "the rows this rule damages")
            return self.rate(item, what, required=True, loc=loc, example=example), 1.0
        if "rate" in item:
            self.issues.add(self.p.at_key(item, "rate"), f"{what}: in a scenario with share every damaged record "
                            "carries exactly one defect, chosen by weight: rate does not apply",
                            suggestion="write weight: 2 to pick this rule twice as often (default 1)")
        weight = item.get("weight", 1.0)
        if not finite(weight) or weight <= 0:
            self.issues.add(self.p.at_value(item, "weight"), f"{what}: weight must be a number above 0, got "
                            f"{short(weight)}", expected="e.g. weight: 2 (weights need not sum to 1)")
            return None, 1.0
        return None, float(weight)

    def check_params(self, item: dict[str, Any], kind: str, params: dict[str, Param], given: dict[str, Any],
                     what: str) -> None:
        for key, value in given.items():
            param = params.get(key)
            if param is None:
                continue  # an unknown key: reported by check_keys
            where = self.p.at_value(item, key)
            if value is None and param.default is None:
                continue  # an optional parameter, written out as unset
            if not _param_ok(value, param.kind):
                self.issues.add(where, f"{what}: {key} of {kind} must be {_type_text(param.kind)}, got "
                                f"{short(value)}", expected=f"{key}: {param.description}")
            elif kind == "near_duplicate" and key == "how" and value not in NEAR_DUPLICATE_HOWS:
                self.issues.add(where, f"{what}: unknown how {short(value)}",
                                expected="one of " + ", ".join(NEAR_DUPLICATE_HOWS),
                                suggestion=suggest(str(value), NEAR_DUPLICATE_HOWS))
            elif kind == "schema_drift" and key == "change" and value not in (*DRIFT_CHANGES, ANY_CHANGE):
                self.issues.add(where, f"{what}: unknown change {short(value)}",
                                expected="one of " + ", ".join((*DRIFT_CHANGES, ANY_CHANGE)),
                                suggestion=suggest(str(value), (*DRIFT_CHANGES, ANY_CHANGE)))

    # -- exclusions --
    def parse_exclusion(self, items: list[Any], i: int, table: TableSpec, scenario: str) -> ExclusionRule | None:
        item = items[i]
        loc = self.p.at_value(items, i)
        what = f"exclusion rule {i + 1} of {table.name!r} in {scenario}"
        example = '{reason: test_account, rate: 0.02, set: {email: "test+{customer_id}@example.com"}}'
        if not isinstance(item, dict):
            self.issues.add(loc, f"{what} must be a mapping ({kind_of(item)} here)", expected=example)
            return None
        found = len(self.issues.issues)
        self.p.check_keys(item, EXCLUSION_KEYS, what)
        reason = item.get("reason")
        if "reason" not in item:
            self.issues.add(loc, f"{what} needs a reason, the label the ground truth gives the records",
                            expected="e.g. reason: test_account")
        elif not isinstance(reason, str) or not IDENTIFIER.match(reason):
            self.issues.add(self.p.at_value(item, "reason"), f"{what}: invalid reason {short(reason)}",
                            expected="letters, digits and underscores, e.g. test_account",
                            suggestion=cleaned_name(str(reason)))
        forms = [f for f in EXCLUSION_FORMS if f in item]
        if len(forms) != 1:
            self.issues.add(loc if not forms else self.p.at_key(item, forms[1]),
                            f"{what} needs exactly one of set, shift or where"
                            + (f" (it has {' and '.join(forms)})" if forms else ""),
                            expected="set: {column: value} (changed records), shift: {column, days} (records "
                                     "moved out of the window) or where: \"condition\" (clean records marked)",
                            suggestion="write one rule per form" if forms else None)
        rule = ExclusionRule(reason=str(reason), table=table.name, location=loc)
        if forms == ["where"]:
            if "rate" in item:
                self.issues.add(self.p.at_key(item, "rate"), f"{what}: a where rule marks every record the "
                                "condition holds for; rate does not apply", suggestion="drop rate, or narrow the "
                                                                                       "condition")
            rule = ExclusionRule(reason=str(reason), table=table.name, where=self.parse_where(item, table, what),
                                 location=loc)
        elif forms == ["set"]:
            rule = ExclusionRule(reason=str(reason), table=table.name,
                                 rate=self.rate(item, what, required=True, loc=loc, example=example),
                                 set=self.parse_set(item, table, what), location=loc)
        elif forms == ["shift"]:
            column, days = self.parse_shift(item, table, what)
            rule = ExclusionRule(reason=str(reason), table=table.name,
                                 rate=self.rate(item, what, required=True, loc=loc,
                                                example="{reason: before_window, rate: 0.01, shift: "
                                                        "{column: signup_ts, days: -3650}}"),
                                 shift_column=column, shift_days=days, location=loc)
        return rule if len(self.issues.issues) == found else None

    def parse_set(self, item: dict[str, Any], table: TableSpec, what: str) -> dict[str, str]:
        raw = item["set"]
        if not isinstance(raw, dict) or not raw:
            self.issues.add(self.p.at_value(item, "set"), f"{what}: set must be a non-empty mapping column → value "
                            f"({'empty' if isinstance(raw, dict) else kind_of(raw)} here)",
                            expected='set: {email: "test+{customer_id}@example.com", first_name: Test}')
            return {}
        out: dict[str, str] = {}
        for column, value in raw.items():
            if not self.column(raw, column, column, table, what, at_key=True) or \
                    not self.not_a_key(raw, column, table, str(column), what, "an excluded record keeps its "
                                       "identity and its parents", at_key=True):
                continue
            where = self.p.at_value(raw, column)
            if isinstance(value, bool) or not isinstance(value, str | int | float) or \
                    (isinstance(value, float) and not math.isfinite(value)):
                self.issues.add(where, f"{what}: the value of {column} must be a text or a number ({kind_of(value)} "
                                "here)", expected='a value or a template, e.g. "test+{customer_id}@example.com"')
                continue
            text = str(value)
            if self.template_ok(where, text, table, f"{what}: the value of {column}"):
                out[str(column)] = text
        return out

    def template_ok(self, where: Location, text: str, table: TableSpec, what: str) -> bool:
        try:
            template = parse_template(text)
        except ExpressionError as exc:
            self.issues.add(where, f"{what}: {exc}", suggestion=exc.suggestion)
            return False
        ok = True
        for _, name, _ in template.parts:
            if name is not None and name.startswith("_") and name not in (UNIQUE_TOKEN, ROW_TOKEN):
                ok = False
                self.issues.add(where, f"{what}: unknown placeholder {{{name}}}",
                                expected=f"a column of {table.name!r}, {{{UNIQUE_TOKEN}}} or {{{ROW_TOKEN}}}",
                                suggestion=suggest(name, (UNIQUE_TOKEN, ROW_TOKEN)))
        for ref in template.references:
            ok = self.reference_ok(where, ref, table, what) and ok
        return ok

    def reference_ok(self, where: Location, ref: str, table: TableSpec, what: str) -> bool:
        """A column a template or condition reads: a column of the table, or ``fk_column.parent_column``."""
        head, _, attr = ref.partition(".")
        if head in self.failed_columns.get(table.name, ()):
            return False
        if head not in table.columns:
            self.issues.add(where, f"{what}: unknown column {head!r}", expected=f"a column of {table.name!r}",
                            suggestion=suggest(head, table.columns))
            return False
        if not attr:
            return True
        fk = next((fk for fk in table.foreign_keys if fk.columns == [head]), None)
        if fk is None:
            self.issues.add(where, f"{what}: {ref!r} reads through {table.name}.{head}, which is no single-column "
                            "foreign key", expected="fk_column.parent_column")
            return False
        parent = self.tables.get(fk.table)
        first = attr.split(".")[0]
        if parent is not None and first not in parent.columns and \
                first not in self.failed_columns.get(parent.name, ()):
            self.issues.add(where, f"{what}: unknown column {first!r} of {parent.name!r} (read through {head})",
                            suggestion=suggest(first, parent.columns))
            return False
        return True

    def parse_shift(self, item: dict[str, Any], table: TableSpec, what: str) -> tuple[str | None, float | None]:
        raw = item["shift"]
        example = "shift: {column: signup_ts, days: -3650}"
        if not isinstance(raw, dict):
            self.issues.add(self.p.at_value(item, "shift"), f"{what}: shift must be a mapping "
                            f"({kind_of(raw)} here)", expected=example)
            return None, None
        self.p.check_keys(raw, SHIFT_KEYS, f"shift of {what}")
        for key in SHIFT_KEYS:
            if key not in raw:
                self.issues.add(self.p.at_key(item, "shift"), f"{what}: shift needs {key}", expected=example)
        column: str | None = None
        if "column" in raw:
            name = raw["column"]
            if self.column(raw, "column", name, table, what) and \
                    self.not_a_key(raw, "column", table, name, what, "an excluded record keeps its identity"):
                col = table.columns[name]
                if col.type.name is not LogicalType.AUTO and col.type.name not in TEMPORAL_TYPES:
                    self.issues.add(self.p.at_value(raw, "column"), f"{what}: shift moves a date or timestamp, and "
                                    f"{table.name}.{name} holds {col.type} values",
                                    expected="a date or timestamp column")
                else:
                    column = name
        days: float | None = None
        if "days" in raw:
            value = raw["days"]
            if not finite(value) or value == 0:
                self.issues.add(self.p.at_value(raw, "days"), f"{what}: days is how far the records move, a number "
                                f"of days other than 0 (negative: earlier), got {short(value)}",
                                expected="e.g. days: -3650 (ten years earlier)")
            else:
                days = float(value)
        return column, days

    def parse_where(self, item: dict[str, Any], table: TableSpec, what: str) -> str | None:
        text = item["where"]
        where = self.p.at_value(item, "where")
        if not isinstance(text, str) or not text.strip():
            self.issues.add(where, f"{what}: where must be a condition over the columns of {table.name!r}",
                            expected="where: \"segment == 'vip'\"")
            return None
        try:
            expr = parse_expression(text)
        except ExpressionError as exc:
            self.issues.add(where, f"{what}: where {short(text)}: {exc}", suggestion=exc.suggestion)
            return None
        ok = True
        for ref in expr.references:
            ok = self.reference_ok(where, ref, table, f"{what}: where") and ok
        return text.strip() if ok else None

    # -- edge cases --
    def parse_edge_case(self, items: dict[str, Any], column: Any, table: TableSpec, scenario: str,
                        ) -> EdgeCaseRule | None:
        what = f"edge cases of {table.name!r} in {scenario}"
        if not self.column(items, column, column, table, what, at_key=True):
            return None
        rate = items[column]
        if not finite(rate) or not 0 < rate <= 1:
            self.issues.add(self.p.at_value(items, column), f"{what}: the rate of {column} is the share of the rows "
                            f"that get a boundary value, a number above 0 and at most 1, got {short(rate)}",
                            expected=f"e.g. {column}: 0.01")
            return None
        return EdgeCaseRule(table=table.name, column=str(column), rate=float(rate),
                            location=self.p.at_key(items, column))
