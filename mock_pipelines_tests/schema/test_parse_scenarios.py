"""`scenarios:` of a schema (defect twins, exclusion sets, edge cases): what a valid block parses into, and
every rule it must follow, each reported at the line and column of the offending key or value.

Locations are checked against an independent oracle: :func:`pos` finds the offending text in the YAML source
by plain string search, so a test fails if the parser points one character off.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mock_pipelines.core import defects
from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.defects import DefectKind
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import Issue, Location, SchemaError
from mock_pipelines.spec.scenarios import (
    MAX_RULES_PER_TABLE,
    MAX_SCENARIOS,
    DefectRule,
    EdgeCaseRule,
    ExclusionRule,
    scenario_dataset,
)
from mock_pipelines.spec.types import LogicalType

FILE = "shop.yaml"

TABLES = """\
dataset: shop
seed: 11
tables:
  customers:
    rows: 300
    primary_key: customer_id
    columns:
      customer_id: sequence
      first_name: first_name
      last_name: last_name
      email: {gen: email, first: first_name, last: last_name, unique: true}
      phone: phone_number
      signup_ts: {gen: timestamp, start: "2022-01-01", end: "2024-06-30"}
      segment: {gen: choice, values: [consumer, small_business, vip]}
      lifetime_value: {dist: "lognormal(5, 1)", type: "decimal(12,2)"}
      label: {expr: "segment + '/' + last_name"}
      lucky: {gen: integer, min: 1, max: 9, emit: false}
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
      order_ts: {gen: timestamp, after: customer_id.signup_ts, max_delay_days: 30}
      amount: {dist: "uniform(5, 500)"}
"""

SCENARIOS = """\
scenarios:
  dirty:
    kind: negative
    description: Customers and orders with labelled defects
    defects:
      customers:
        - {kind: missing, column: email, rate: 0.02}
        - {kind: duplicate, rate: 0.01}
        - {kind: near_duplicate, column: last_name, rate: 0.01, how: case}
        - {kind: schema_drift, column: phone, rate: 0.5, change: rename}
      orders:
        - {kind: missing, column: amount, rate: 0.05}
    edge_cases:
      customers: {first_name: 0.01, lifetime_value: 0.02}
  one_defect_each:
    kind: negative
    share: 0.1
    defects:
      customers:
        - {kind: missing, column: email, weight: 2}
        - {kind: missing, column: phone}
  excluded:
    kind: exclusion
    exclude:
      customers:
        - {reason: test_account, rate: 0.02, set: {email: "test+{customer_id}@example.com", first_name: Test}}
        - {reason: before_window, rate: 0.01, shift: {column: signup_ts, days: -3650}}
        - {reason: internal, where: "segment == 'vip'"}
      orders:
        - {reason: vip_orders, where: "customer_id.segment == 'vip' and amount > 100"}
  boundaries:
    kind: positive
    edge_cases:
      orders: {amount: 0.05}
"""

BASE = TABLES + SCENARIOS


# ---- helpers -----------------------------------------------------------------------------------------

def pos(text: str, target: str, after: str = "") -> tuple[int, int]:
    """1-based (line, column) of ``target`` in ``text``, at its only occurrence right after ``after``."""
    needle = after + target
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once in the test schema"
    i = text.index(needle) + len(after)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def at(text: str, target: str, after: str = "") -> Location:
    return Location(FILE, *pos(text, target, after))


def edited(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in BASE"
        text = text.replace(old, new)
    return text


def issues_of(text: str) -> list[Issue]:
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    return info.value.issues


def single_issue(text: str) -> Issue:
    issues = issues_of(text)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


# ---- a valid block -----------------------------------------------------------------------------------

def test_a_full_block_parses_into_the_scenario_model():
    spec = load_dataset(FILE, text=BASE)
    assert list(spec.scenarios) == ["dirty", "one_defect_each", "excluded", "boundaries"]
    dirty = spec.scenarios["dirty"]
    assert (dirty.kind, dirty.description, dirty.share) == ("negative", "Customers and orders with labelled defects",
                                                            None)
    assert dirty.location == at(BASE, "dirty:")
    assert dirty.defects == (
        DefectRule("missing", "customers", "email", rate=0.02, location=at(BASE, "{kind: missing, column: email, r")),
        DefectRule("duplicate", "customers", None, rate=0.01, location=at(BASE, "{kind: duplicate")),
        DefectRule("near_duplicate", "customers", "last_name", rate=0.01, params={"how": "case"},
                   location=at(BASE, "{kind: near_duplicate")),
        DefectRule("schema_drift", "customers", "phone", rate=0.5, params={"change": "rename"},
                   location=at(BASE, "{kind: schema_drift")),
        DefectRule("missing", "orders", "amount", rate=0.05, location=at(BASE, "{kind: missing, column: amount")),
    )
    assert dirty.edge_cases == (
        EdgeCaseRule("customers", "first_name", 0.01, at(BASE, "first_name: 0.01")),
        EdgeCaseRule("customers", "lifetime_value", 0.02, at(BASE, "lifetime_value: 0.02")),
    )
    assert dirty.tables() == ["customers", "orders"] and not dirty.one_per_record

    weighted = spec.scenarios["one_defect_each"]
    assert weighted.share == 0.1 and weighted.one_per_record
    assert [(r.column, r.rate, r.weight) for r in weighted.defects] == [("email", None, 2.0), ("phone", None, 1.0)]

    excluded = spec.scenarios["excluded"]
    assert excluded.kind == "exclusion" and excluded.defects == ()
    assert excluded.exclusions == (
        ExclusionRule("test_account", "customers", rate=0.02,
                      set={"email": "test+{customer_id}@example.com", "first_name": "Test"},
                      location=at(BASE, "{reason: test_account")),
        ExclusionRule("before_window", "customers", rate=0.01, shift_column="signup_ts", shift_days=-3650.0,
                      location=at(BASE, "{reason: before_window")),
        ExclusionRule("internal", "customers", where="segment == 'vip'", location=at(BASE, "{reason: internal")),
        ExclusionRule("vip_orders", "orders", where="customer_id.segment == 'vip' and amount > 100",
                      location=at(BASE, "{reason: vip_orders")),
    )
    positive = spec.scenarios["boundaries"]
    assert positive.kind == "positive" and positive.edge_cases == (
        EdgeCaseRule("orders", "amount", 0.05, at(BASE, "amount: 0.05")),)
    assert scenario_dataset(spec.name, "dirty") == "shop__dirty"


def test_a_schema_without_scenarios_has_none():
    assert load_dataset(FILE, text=TABLES).scenarios == {}


def test_scenarios_leave_the_clean_spec_hash_unchanged():
    with_scenarios = load_dataset(FILE, text=BASE)
    plain = load_dataset(FILE, text=TABLES)
    assert with_scenarios.spec_hash() == plain.spec_hash()
    assert {t: with_scenarios.spec_hash(t) for t in plain.tables} == {t: plain.spec_hash(t) for t in plain.tables}
    changed = load_dataset(FILE, text=TABLES.replace("rows: 300", "rows: 301"))
    assert changed.spec_hash() != plain.spec_hash()  # the hash does see the tables


# ---- one rule each -----------------------------------------------------------------------------------

# (edits of BASE, the text the issue points at, the text right before it, a part of the message, a part of
# what was expected or of the suggestion)
CASES = {
    "scenarios not a mapping": ([(SCENARIOS, "scenarios: [dirty]\n")], "[dirty]", "scenarios: ",
                                "must be a mapping name → scenario", "kind: negative"),
    "misspelt top-level key": ([("scenarios:\n", "scenario:\n")], "scenario:", "", "unknown key 'scenario'",
                               "scenarios"),
    "invalid scenario name": ([("  dirty:\n", "  dirty-set:\n")], "dirty-set:", "", "invalid scenario name",
                              "dirty_set"),
    "name too long for a dataset": ([("  boundaries:\n", "  " + "b" * 58 + ":\n")], "b" * 58 + ":", "  ",
                                    "longer than 63 characters", "b" * 55),
    "names differing in case": ([("  boundaries:\n", "  Dirty:\n")], "Dirty:", "", "differs from 'dirty' only in "
                                "case", "rename one"),
    "misspelt scenario key": ([("    description: Customers", "    descripton: Customers")], "descripton:", "",
                              "unknown key 'descripton'", "description"),
    "unknown scenario kind": ([("kind: exclusion\n", "kind: exlusion\n")], "exlusion", "kind: ",
                              "unknown kind 'exlusion'", "exclusion"),
    "scenario without kind": ([("    kind: positive\n", "")], "boundaries:", "", "needs a kind", "positive"),
    "negative without defects": ([("    kind: positive\n", "    kind: negative\n")], "boundaries:", "",
                                 "a negative scenario needs `defects`", "defects: {customers:"),
    "exclusion without exclude": ([("    kind: positive\n", "    kind: exclusion\n")], "boundaries:", "",
                                  "an exclusion scenario needs `exclude`", "exclude: {customers:"),
    "positive with defects": ([("    kind: positive\n", "    kind: positive\n    defects: {orders: [{kind: missing, "
                                "column: amount, rate: 0.1}]}\n")], "defects: {orders", "",
                              "a positive scenario takes no `defects`", "kind: negative"),
    "negative with exclude": ([("    share: 0.1\n", "    share: 0.1\n    exclude: {orders: [{reason: big, where: "
                                "\"amount > 400\"}]}\n")], "exclude: {orders", "",
                              "a negative scenario takes no `exclude`", "kind: exclusion"),
    "share on an exclusion": ([("    kind: exclusion\n", "    kind: exclusion\n    share: 0.1\n")], "share: 0.1",
                              "exclusion\n    ", "share applies to negative scenarios", "drop share"),
    "share above 1": ([("share: 0.1", "share: 1.5")], "1.5", "share: ", "a number above 0 and at most 1",
                      "share: 0.1"),
    "unknown table": ([("      orders:\n        - {kind: missing", "      order:\n        - {kind: missing")],
                      "order:", "      ", "names unknown table 'order'", "orders"),
    "rules not a list": ([("      orders:\n        - {kind: missing, column: amount, rate: 0.05}\n",
                           "      orders: {kind: missing}\n")], "{kind: missing}", "orders: ",
                         "must be a non-empty list of rules (a mapping here)", "kind: missing"),
    "unknown column": ([("column: email, rate: 0.02", "column: emial, rate: 0.02")], "emial", "",
                       "unknown column 'emial' of 'customers'", "email"),
    "helper column": ([("column: email, rate: 0.02", "column: lucky, rate: 0.02")], "lucky, rate", "",
                      "helper column (emit: false)", "a column the table writes"),
    "unknown defect kind": ([("{kind: missing, column: email, rate", "{kind: mising, column: email, rate")],
                            "mising", "", "unknown defect kind 'mising'", "missing"),
    "rule without kind": ([("{kind: duplicate, rate: 0.01}", "{rate: 0.01}")], "{rate: 0.01}", "",
                          "needs a kind", "duplicate"),
    "unknown parameter": ([("rate: 0.01, how: case", "rate: 0.01, hw: case")], "hw:", "", "unknown key 'hw'", "how"),
    "wrong parameter type": ([("how: case", "how: 3")], "3}", "how: ", "how of near_duplicate must be a text",
                             "how:"),
    "unknown near-duplicate damage": ([("how: case", "how: typ")], "typ}", "how: ", "unknown how 'typ'", "typo"),
    "unknown drift change": ([("change: rename", "change: renam")], "renam}", "change: ",
                             "unknown change 'renam'", "rename"),
    "duplicate with a column": ([("{kind: duplicate, rate: 0.01}", "{kind: duplicate, column: email, rate: 0.01}")],
                                "column: email, rate: 0.01}", "duplicate, ", "takes no column",
                                "kind: near_duplicate"),
    "near duplicate without column": ([("column: last_name, rate: 0.01, how: case", "rate: 0.01, how: case")],
                                      "{kind: near_duplicate", "", "near_duplicate needs the column it changes",
                                      "column:"),
    "drift of a primary key": ([("column: phone, rate: 0.5", "column: customer_id, rate: 0.5")],
                               "customer_id, rate: 0.5", "column: ", "primary-key column", "no key"),
    "drift of a foreign key": ([("{kind: missing, column: amount, rate: 0.05}",
                                 "{kind: schema_drift, column: customer_id, rate: 0.05}")],
                               "customer_id, rate: 0.05", "column: ", "foreign-key column", "no key"),
    "rate above 1": ([("column: email, rate: 0.02", "column: email, rate: 1.5")], "1.5", "rate: ",
                     "a number above 0 and at most 1", "rate: 0.02"),
    "rate of 0": ([("rate: 0.05}", "rate: 0}")], "0}", "amount, rate: ", "above 0", "rate: 0.02"),
    "rule without rate": ([("{kind: duplicate, rate: 0.01}", "{kind: duplicate}")], "{kind: duplicate}", "",
                          "needs rate", "rate: 0.02"),
    "weight without share": ([("{kind: duplicate, rate: 0.01}", "{kind: duplicate, rate: 0.01, weight: 2}")],
                             "weight: 2}", "0.01, ", "weight applies to a scenario with share", "use rate"),
    "rate with share": ([("column: email, weight: 2}", "column: email, weight: 2, rate: 0.1}")], "rate: 0.1}", "2, ",
                        "rate does not apply", "weight: 2"),
    "edge cases with share": ([("    share: 0.1\n", "    share: 0.1\n    edge_cases: {customers: {phone: 0.1}}\n")],
                              "edge_cases: {customers: {phone", "", "edge cases draw their own rate",
                              "a scenario without share"),
    "weight of 0": ([("weight: 2}", "weight: 0}")], "0}", "weight: ", "weight must be a number above 0",
                    "weights need not sum to 1"),
    "exclusion without reason": ([("{reason: internal, where", "{where")], "{where", "", "needs a reason",
                                 "reason: test_account"),
    "invalid reason": ([("reason: internal,", "reason: \"internal use\",")], "\"internal use\"", "reason: ",
                       "invalid reason", "internal_use"),
    "set and where together": ([("{reason: internal, where: \"segment == 'vip'\"}",
                                 "{reason: internal, rate: 0.1, set: {first_name: X}, where: \"segment == 'vip'\"}")],
                               "where: \"segment == 'vip'\"}", "X}, ", "exactly one of set, shift or where (it has "
                               "set and where)", "one rule per form"),
    "neither set, shift nor where": ([("{reason: internal, where: \"segment == 'vip'\"}", "{reason: internal}")],
                                     "{reason: internal}", "", "needs exactly one of set, shift or where",
                                     "shift: {column, days}"),
    "set of a primary key": ([("first_name: Test}", "customer_id: 7}")], "customer_id: 7", "", "primary-key column",
                             "no key"),
    "set with an unknown placeholder": ([("test+{customer_id}@", "test+{custmer_id}@")],
                                        "\"test+{custmer_id}@example.com\"", "", "unknown column 'custmer_id'",
                                        "customer_id"),
    "set with an unknown token": ([("test+{customer_id}@", "test+{_uniqe}@")], "\"test+{_uniqe}@example.com\"", "",
                                  "unknown placeholder {_uniqe}", "_unique"),
    "set without rate": ([("{reason: test_account, rate: 0.02, set", "{reason: test_account, set")],
                         "{reason: test_account", "", "needs rate", "reason: test_account"),
    "shift of a text column": ([("shift: {column: signup_ts", "shift: {column: segment")], "segment, days", "",
                               "shift moves a date or timestamp, and customers.segment holds string values",
                               "a date or timestamp column"),
    "shift of 0 days": ([("days: -3650", "days: 0")], "0}}", "days: ", "a number of days other than 0",
                        "days: -3650"),
    "shift without days": ([("shift: {column: signup_ts, days: -3650}", "shift: {column: signup_ts}")], "shift:",
                           "0.01, ", "shift needs days", "shift: {column: signup_ts, days: -3650}"),
    "where with a rate": ([("{reason: internal, where", "{reason: internal, rate: 0.1, where")], "rate: 0.1, where",
                          "", "a where rule marks every record", "drop rate"),
    "where that does not parse": ([("where: \"segment == 'vip'\"", "where: \"segment ==\"")], "\"segment ==\"",
                                  "where: ", "where 'segment =='", None),
    "where with an unknown column": ([("where: \"segment == 'vip'\"", "where: \"segmnt == 'vip'\"")],
                                     "\"segmnt == 'vip'\"", "", "unknown column 'segmnt'", "segment"),
    "where with an unknown parent column": ([("customer_id.segment == 'vip' and", "customer_id.segmnt == 'vip' and")],
                                            "\"customer_id.segmnt", "", "unknown column 'segmnt' of 'customers'",
                                            "segment"),
    "where through a column that is no foreign key": (
        [("customer_id.segment == 'vip' and", "order_ts.segment == 'vip' and")], "\"order_ts.segment", "",
        "reads through orders.order_ts, which is no single-column foreign key", "fk_column.parent_column"),
    "edge case of an unknown column": ([("{first_name: 0.01,", "{frist_name: 0.01,")], "frist_name", "",
                                       "unknown column 'frist_name'", "first_name"),
    "edge case rate above 1": ([("first_name: 0.01,", "first_name: 2,")], "2,", "first_name: ",
                               "a number above 0 and at most 1", "first_name: 0.01"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_each_problem_is_reported_where_it_is_written(case):
    edits, target, after, message, hint = case
    text = edited(*edits)
    issue = single_issue(text)
    line, column = pos(text, target, after)
    assert (issue.location.line, issue.location.column) == (line, column), str(issue)
    assert str(issue).startswith(f"{FILE}:{line}:{column}: ")
    assert message in issue.message, str(issue)
    if hint is not None:
        assert hint in f"{issue.expected} {issue.suggestion}", str(issue)


def test_every_problem_of_a_file_is_reported_at_once():
    text = edited(("kind: exclusion\n", "kind: exlusion\n"),
                  ("column: email, rate: 0.02", "column: emial, rate: 0.02"),
                  ("change: rename", "change: renam"),
                  ("days: -3650", "days: 0"),
                  ("{first_name: 0.01,", "{frist_name: 0.01,"),
                  ("customer_id: sequence", "customer_id: sequense"))  # a problem of a table, too
    issues = issues_of(text)
    where = {(i.location.line, i.location.column) for i in issues}
    expected = {pos(text, "exlusion"), pos(text, "emial"), pos(text, "renam}"), pos(text, "0}}", "days: "),
                pos(text, "frist_name"), pos(text, "sequense")}
    assert expected <= where, "\n".join(map(str, issues))
    assert len(issues) == len(expected), "\n".join(map(str, issues))


def test_too_many_scenarios_are_refused_at_the_first_extra_one():
    names = [f"s{i}" for i in range(MAX_SCENARIOS + 1)]
    text = TABLES + "scenarios:\n" + "".join(f"  {n}: {{kind: positive}}\n" for n in names)
    issue = single_issue(text)
    assert issue.location == at(text, f"{names[-1]}:", "  ")
    assert f"{MAX_SCENARIOS + 1} scenarios, at most {MAX_SCENARIOS}" in issue.message


def test_too_many_rules_on_one_table_are_refused():
    rules = "".join(f"        - {{kind: missing, column: email, rate: 0.0{i % 9 + 1}}}\n"
                    for i in range(MAX_RULES_PER_TABLE - 1))
    text = TABLES + ("scenarios:\n  heavy:\n    kind: negative\n    defects:\n      customers:\n" + rules
                     + "    edge_cases:\n      customers: {first_name: 0.01, last_name: 0.01}\n")
    issue = single_issue(text)
    assert issue.location == at(text, "customers:", "defects:\n      ")
    assert f"{MAX_RULES_PER_TABLE + 1} rules on 'customers', at most {MAX_RULES_PER_TABLE}" in issue.message
    fits = TABLES + ("scenarios:\n  heavy:\n    kind: negative\n    defects:\n      customers:\n" + rules
                     + "    edge_cases:\n      customers: {first_name: 0.01}\n")
    assert len(load_dataset(FILE, text=fits).scenarios["heavy"].defects) == MAX_RULES_PER_TABLE - 1


def test_a_table_that_failed_to_parse_is_not_reported_again_by_its_scenarios():
    text = edited(("  orders:\n    rows: {per", "  orders:\n    rows: {pr"))
    issues = issues_of(text)
    assert all("scenario" not in i.message for i in issues), "\n".join(map(str, issues))


# ---- what the resolved dataset decides (check_scenarios) ---------------------------------------------

def test_a_kind_that_cannot_damage_a_column_gives_its_own_reason_at_the_rule():
    text = edited(("{kind: missing, column: email, rate: 0.02}", "{kind: missing, column: customer_id, rate: 0.02}"))
    issue = single_issue(text)
    assert issue.location == at(text, "{kind: missing, column: customer_id")
    spec = load_dataset(FILE, text=TABLES)
    customers = spec.tables["customers"]
    reason = defects.get("missing").applies(customers.columns["customer_id"], column_facts(
        spec, customers, customers.columns["customer_id"], spec.locale), DatasetPlan(spec).table("customers"))
    assert reason is not None and reason in issue.message
    assert "missing cannot damage" in issue.message and "customers.customer_id" in issue.message


def test_a_shifted_derived_column_is_checked_once_its_type_is_known():
    text = edited(("shift: {column: signup_ts", "shift: {column: label"))
    issue = single_issue(text)
    assert issue.location == at(text, "{reason: before_window")
    assert "shift moves a date or timestamp, and customers.label holds string values" in issue.message


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("12.5", True), ("lots", False)])
def test_a_fixed_value_set_into_a_number_column_must_read_as_a_number(value, ok):
    text = edited(("first_name: Test}", f"lifetime_value: \"{value}\"}}"))
    if ok:
        (rule, *_) = load_dataset(FILE, text=text).scenarios["excluded"].exclusions
        assert rule.set["lifetime_value"] == value
        return
    issue = single_issue(text)
    assert issue.location == at(text, "{reason: test_account")
    assert f"set writes '{value}' into customers.lifetime_value, which holds decimal128(12, 2) values" in issue.message


def _cell_rule_outcomes() -> list[tuple[str, str]]:
    return [(kind, column) for kind in sorted(defects.kinds())
            for column in ("customer_id", "first_name", "email", "signup_ts", "segment", "lifetime_value", "label")]


@pytest.mark.parametrize(("kind", "column"), _cell_rule_outcomes())
def test_every_catalogued_kind_parses_with_its_defaults_or_gives_its_reason(kind, column):
    """Covers each kind of the catalogue as it lands: a rule with every parameter at its default either parses
    into exactly that rule, or is refused with the reason the kind itself gives for the column."""
    params = defects.kinds()[kind].params
    written = "".join(f", {name}: {_yaml(p.default)}" for name, p in params.items())
    rule = f"{{kind: {kind}, column: {column}, rate: 0.1{written}}}"
    text = TABLES + f"scenarios:\n  each:\n    kind: negative\n    defects:\n      customers:\n        - {rule}\n"
    clean = load_dataset(FILE, text=TABLES)
    table = clean.tables["customers"]
    col = table.columns[column]
    reason = defects.kinds()[kind].applies(col, column_facts(clean, table, col, clean.locale),
                                           DatasetPlan(clean).table("customers"))
    if reason is None:
        (parsed,) = load_dataset(FILE, text=text).scenarios["each"].defects
        assert (parsed.kind, parsed.column, parsed.rate) == (kind, column, 0.1)
        assert parsed.params == {name: p.default for name, p in params.items()}
    else:
        issue = single_issue(text)
        assert reason in issue.message and issue.location == at(text, rule)


def _yaml(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _texts_only(column, facts, table) -> str | None:
    return None if column.type.name is LogicalType.STRING else f"{column.name} holds no text to change the case of"


@pytest.fixture
def catalogued(monkeypatch):
    """Puts a kind into the catalogue for one test (the families that own these names may not have landed)."""
    defects.kinds()  # the families register first, so the kind below is not lost to their loading

    def put(name: str) -> None:
        monkeypatch.setitem(defects._KINDS, name, DefectKind(name, "a test kind", damage=lambda cells: cells.values,
                                                             applies=_texts_only))
    return put


def test_a_near_duplicate_damage_checks_its_column_once_catalogued(catalogued):
    catalogued("case")
    text = edited(("column: last_name, rate: 0.01, how: case", "column: lifetime_value, rate: 0.01, how: case"))
    issue = single_issue(text)
    assert issue.location == at(text, "{kind: near_duplicate")
    assert "(how: case): case cannot damage this column: lifetime_value holds no text" in issue.message
    assert load_dataset(FILE, text=BASE).scenarios["dirty"].defects[2].column == "last_name"


def test_edge_cases_check_their_column_once_the_edge_case_kind_is_catalogued(catalogued):
    catalogued("edge_case")
    first, second = issues_of(BASE)  # first_name holds text; lifetime_value and amount do not
    assert first.location == at(BASE, "lifetime_value: 0.02")
    assert "edge cases of customers.lifetime_value in scenario 'dirty': edge_case cannot damage this column: " \
           "lifetime_value holds no text" in first.message
    assert second.location == at(BASE, "amount: 0.05") and "orders.amount in scenario 'boundaries'" in second.message


# ---- the command line --------------------------------------------------------------------------------

def test_validate_reports_a_bad_scenario_with_its_location_and_exit_code_1(tmp_path: Path):
    bad = tmp_path / "shop.yaml"
    text = edited(("{kind: missing, column: email, rate", "{kind: mising, column: email, rate"))
    bad.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "mock_pipelines.cli", "validate", str(bad)], capture_output=True,
                          text=True, check=False)
    line, column = pos(text, "mising")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{bad}:{line}:{column}" in proc.stderr
    assert "unknown defect kind 'mising'" in proc.stderr and "did you mean 'missing'?" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_accepts_a_schema_with_scenarios(tmp_path: Path):
    good = tmp_path / "shop.yaml"
    good.write_text(BASE)
    proc = subprocess.run([sys.executable, "-m", "mock_pipelines.cli", "validate", str(good)], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---- hostile values ----------------------------------------------------------------------------------

# Every value of the block, and the block's own shapes, replaced by values of every other shape: the file is
# either accepted or refused with located issues, never with a crash.
JUNK = ["null", "[]", "{}", "1e309", "-1", "true", "\"x\"", "[1, {a: 2}]", "{3: [x]}", ".nan"]
PLACES = ["negative", "Customers and orders with labelled defects", "missing", "email", "0.02", "case", "rename",
          "0.1", "2}", "test_account", "\"test+{customer_id}@example.com\"", "signup_ts", "-3650",
          "\"segment == 'vip'\"", "0.05}", "{first_name: 0.01, lifetime_value: 0.02}",
          "[{kind: missing, column: email, weight: 2}]"]


def _hostile_texts() -> list[tuple[str, str]]:
    base = BASE.replace("      customers:\n        - {kind: missing, column: email, weight: 2}\n"
                        "        - {kind: missing, column: phone}\n",
                        "      customers: [{kind: missing, column: email, weight: 2}]\n")
    out = []
    for place in PLACES:
        start = base.index(place)
        for junk in JUNK:
            out.append((f"{place[:20]} -> {junk}", base[:start] + junk + base[start + len(place):]))
    return out


@pytest.mark.parametrize(("case", "text"), _hostile_texts(), ids=[c for c, _ in _hostile_texts()])
def test_a_value_of_any_shape_is_accepted_or_refused_with_a_location(case, text):
    try:
        load_dataset(FILE, text=text)
    except SchemaError as exc:
        assert exc.issues and all(i.location.line is not None for i in exc.issues), str(exc)
