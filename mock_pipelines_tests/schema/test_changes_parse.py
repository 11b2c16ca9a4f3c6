"""`changes:` of a table (rows that change after they are inserted): what a valid block parses into, and every
rule it must follow, each reported at the line and column of the offending key or value.

Locations are checked against an independent oracle: :func:`pos` finds the offending text in the YAML source
by plain string search, so a test fails if the parser points one character off.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import Issue, SchemaError
from mock_pipelines.spec.model import (
    MAX_CHANGES_PER_ENTITY,
    ChangeSpec,
    ColumnChange,
    DeleteSpec,
    Distribution,
    LateSpec,
)

FILE = "living.yaml"
ROOT = Path(__file__).resolve().parents[2]

BASE = """\
dataset: living
seed: 5
tables:
  customers:
    rows: 100
    primary_key: customer_id
    partitioned: {time_column: signup_ts, rows_per_day: 20}
    columns:
      customer_id: sequence
      email: {gen: email, unique: true}
      signup_ts: {gen: timestamp, start: 2024-01-01, end: 2024-12-31}
      street: street_address
      city: city
      zip: zipcode
      lifetime_value: {dist: "lognormal(5, 1)", type: "decimal(12,2)"}
      segment: {gen: choice, values: [retail, smb, enterprise]}
      tier: {gen: choice, values: [gold, silver]}
      visits: {gen: integer, min: 0, max: 50}
      lucky: {gen: integer, min: 1, max: 9, emit: false}
      score: {expr: "visits * 2"}
      label: {template: "{segment}-{_unique}"}
    changes:
      updates:
        - columns: [street, city, zip]
          every_days: 540
        - column: lifetime_value
          every_days: 120
          factor: "uniform(0.9, 1.3)"
        - column: segment
          every_days: "normal(365, 30)"
          max_changes: 50
      deletes: {share: 0.04, after_days: "exponential(300)", mode: soft, column: removed_at}
      parent_deletes: keep
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
      status: {gen: constant, value: placed}
      amount: {dist: "uniform(5, 500)"}
    changes:
      updates:
        - column: status
          states:
            placed: {paid: 0.94, cancelled: 0.06}
            paid: {shipped: 0.97, cancelled: 0.03}
            shipped: {delivered: 1}
          dwell_days: {placed: 0.02, paid: "uniform(0.2, 2)", shipped: "constant(3)"}
      late: {share: 0.03, max_days: 2}
      parent_deletes: cascade
"""


# ---- helpers -----------------------------------------------------------------------------------------

def pos(text: str, target: str, after: str = "") -> tuple[int, int]:
    """1-based (line, column) of ``target`` in ``text``, at its only occurrence right after ``after``."""
    needle = after + target
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once in the test schema"
    i = text.index(needle) + len(after)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def edited(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in BASE"
        text = text.replace(old, new)
    return text


def single_issue(text: str) -> Issue:
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    issues = info.value.issues
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def assert_at(issue: Issue, text: str, target: str, after: str = "") -> None:
    line, column = pos(text, target, after)
    assert (issue.location.line, issue.location.column) == (line, column), str(issue)
    assert str(issue).startswith(f"{FILE}:{line}:{column}: ")


def at(text: str, target: str, after: str = ""):
    from mock_pipelines.spec.errors import Location
    return Location(FILE, *pos(text, target, after))


# ---- a valid block -----------------------------------------------------------------------------------

def test_a_full_block_parses_into_the_change_model_field_by_field():
    spec = load_dataset(FILE, text=BASE)
    customers = spec.tables["customers"].changes
    expected_customers = ChangeSpec(
        location=at(BASE, "changes:", "{_unique}\"}\n    "),
        updates=[
            ColumnChange(["street", "city", "zip"], at(BASE, "columns: [street"),
                         every_days=Distribution("exponential", (540.0,))),
            ColumnChange(["lifetime_value"], at(BASE, "column: lifetime_value"),
                         every_days=Distribution("exponential", (120.0,)),
                         factor=Distribution("uniform", (0.9, 1.3))),
            ColumnChange(["segment"], at(BASE, "column: segment"),
                         every_days=Distribution("normal", (365.0, 30.0)), max_changes=50),
        ],
        deletes=DeleteSpec(0.04, Distribution("exponential", (300.0,)), at(BASE, "deletes:", "      "), "soft",
                           "removed_at"),
        late=None, parent_deletes="keep")
    assert customers == expected_customers
    orders = spec.tables["orders"].changes
    assert orders is not None
    assert orders.parent_deletes == "cascade"
    assert orders.deletes is None
    assert orders.late == LateSpec(0.03, 2.0, at(BASE, "late: {"))
    (rule,) = orders.updates
    assert rule.columns == ["status"] and rule.kind == "states"
    assert rule.every_days is None and rule.factor is None
    assert rule.states == {"placed": {"paid": 0.94, "cancelled": 0.06}, "paid": {"shipped": 0.97, "cancelled": 0.03},
                           "shipped": {"delivered": 1.0}}
    assert rule.dwell_days == {"placed": Distribution("exponential", (0.02,)),
                               "paid": Distribution("uniform", (0.2, 2.0)),
                               "shipped": Distribution("constant", (3.0,))}
    assert rule.max_changes == MAX_CHANGES_PER_ENTITY
    assert [r.kind for r in customers.updates] == ["redraw", "drift", "redraw"]
    assert customers.mutable_columns() == ["street", "city", "zip", "lifetime_value", "segment"]


def test_defaults_a_plain_factor_and_a_table_without_changes():
    text = edited(("factor: \"uniform(0.9, 1.3)\"", "factor: 1.05"),
                  ("{share: 0.04, after_days: \"exponential(300)\", mode: soft, column: removed_at}",
                   "{share: 0.04, after_days: 300}"),
                  ("      parent_deletes: keep\n", ""))
    spec = load_dataset(FILE, text=text)
    changes = spec.tables["customers"].changes
    assert changes.updates[1].factor == Distribution("constant", (1.05,))
    assert changes.deletes.mode == "soft" and changes.deletes.column == "deleted_at"
    assert changes.deletes.after_days == Distribution("exponential", (300.0,))
    assert changes.parent_deletes == "keep"
    text = text[:text.index("    changes:\n      updates:\n        - column: status")]  # the last block
    assert load_dataset(FILE, text=text).tables["orders"].changes is None


def test_the_demo_schemas_keep_their_spec_hashes():
    # Computed on the schemas before `changes:` existed: a table without the block hashes as it did (the shop's
    # customers and orders now declare changes, and its devices and telemetry are new).
    hashes = {"healthcare": "1ac54bf1b412a361", "hr": "228777872f49f2d2"}
    for name, expected in hashes.items():
        assert load_dataset(ROOT / "schemas" / f"{name}.yaml").spec_hash() == expected, name
    shop = load_dataset(ROOT / "schemas" / "shop.yaml")
    tables = {"categories": "c4579014d8f4c0f3", "products": "5f1f1876f6d2727e", "addresses": "e20b1a4928358de5",
              "order_items": "9fa61ffa905fdf6c", "payments": "65d91ee692e5818d", "reviews": "a3ea8eb2a3cc5925",
              "returns": "3d145adbf14726b2"}
    assert {t: shop.spec_hash(t) for t in tables} == tables
    assert shop.spec_hash("customers") != "8884c6c1c8339b06" and shop.tables["customers"].changes is not None


def test_a_table_with_changes_hashes_differently_from_one_without():
    without = BASE[:BASE.index("    changes:")] + BASE[BASE.index("  orders:"):].split("    changes:")[0]
    with_changes = load_dataset(FILE, text=BASE)
    plain = load_dataset(FILE, text=without)
    assert plain.tables["customers"].changes is None
    assert with_changes.spec_hash("customers") != plain.spec_hash("customers")


# ---- one rule each -----------------------------------------------------------------------------------

# (edits of BASE, the text the issue points at (and the text right before it), a part of the message, a part
# of what was expected or of the suggestion)
CASES = {
    "unknown key in a rule": (
        [("          max_changes: 50", "          max_change: 50")],
        ("max_change", ""), "unknown key 'max_change' in update rule 3", "max_changes"),
    "unknown key in changes": (
        [("      parent_deletes: keep", "      parent_delete: keep")],
        ("parent_delete:", ""), "unknown key 'parent_delete'", "parent_deletes"),
    "column and columns": (
        [("        - column: segment\n", "        - column: segment\n          columns: [segment]\n")],
        ("columns: [segment]", ""), "has both column and columns", "`column: x` is `columns: [x]`"),
    "no column": (
        [("        - column: segment\n          every_days", "        - every_days")],
        ("every_days: \"normal", ""), "names no column", "column: segment"),
    "empty columns": (
        [("columns: [street, city, zip]", "columns: []")],
        ("[]", "columns: "), "columns must be a non-empty list of column names", "columns: [street"),
    "unknown column": (
        [("columns: [street, city, zip]", "columns: [street, citty, zip]")],
        ("citty", ""), "'citty' is not a column of 'customers'", "city"),
    "primary key": (
        [("column: segment", "column: customer_id")],
        ("customer_id\n", "column: "), "part of the primary key", "a generated"),
    "unique": (
        [("column: segment", "column: email")],
        ("email\n", "column: "), "it is unique", "not a key"),
    "time column": (
        [("column: segment", "column: signup_ts")],
        ("signup_ts\n", "column: "), "partitioned time_column", "not a key"),
    "foreign key": (
        [("        - column: status\n", "        - column: customer_id\n          every_days: 3\n"
                                        "        - column: status\n")],
        ("customer_id\n          every", "column: "), "a foreign key keeps the parent", "parent's columns"),
    "expression": (
        [("column: segment", "column: score")],
        ("score\n", "column: "), "an expression follows the columns it reads: it changes when they do",
        "columns it reads"),
    "template": (
        [("column: segment", "column: label")],
        ("label\n", "column: "), "a template follows the columns it reads", "columns it reads"),
    "helper": (
        [("column: segment", "column: lucky")],
        ("lucky\n", "column: "), "`emit: false` helper", "written columns computed from it"),
    "column in two rules": (
        [("column: segment", "column: city")],
        ("city\n", "column: "), "column 'city' already changes in update rule 1", "merge the two rules"),
    "redraw without every_days": (
        [("        - column: segment\n          every_days: \"normal(365, 30)\"\n",
          "        - column: segment\n")],
        ("column: segment", ""), "a redraw needs every_days", "days"),
    "factor on a text column": (
        [("column: segment\n          every_days: \"normal(365, 30)\"",
          "column: segment\n          every_days: \"normal(365, 30)\"\n          factor: 1.1")],
        ("segment\n", "column: "), "factor multiplies numbers", "int, float or decimal"),
    "states with every_days": (
        [("        - column: status\n", "        - column: status\n          every_days: 3\n")],
        ("every_days: 3", ""), "a state machine moves after dwell_days", "drop every_days"),
    "states with factor": (
        [("        - column: status\n", "        - column: status\n          factor: 2\n")],
        ("factor: 2", ""), "factor does not apply", "drop factor"),
    "states without dwell_days": (
        [("          dwell_days: {placed: 0.02, paid: \"uniform(0.2, 2)\", shipped: \"constant(3)\"}\n", "")],
        ("states:", ""), "a state machine needs dwell_days", "dwell_days: {placed: 2, paid: 2, shipped: 2}"),
    "empty states": (
        [("          states:\n            placed: {paid: 0.94, cancelled: 0.06}\n"
          "            paid: {shipped: 0.97, cancelled: 0.03}\n            shipped: {delivered: 1}\n"
          "          dwell_days: {placed: 0.02, paid: \"uniform(0.2, 2)\", shipped: \"constant(3)\"}\n",
          "          states: {}\n          dwell_days: {}\n")],
        ("{}\n          dwell", "states: "), "states must be a non-empty mapping", "placed: {paid"),
    "a state with no moves": (
        [("shipped: {delivered: 1}", "shipped: {}")],
        ("{}", "shipped: "), "state 'shipped' must map to-states to weights", "final"),
    "a state moving to itself": (
        [("paid: {shipped: 0.97, cancelled: 0.03}", "paid: {paid: 0.97, cancelled: 0.03}")],
        ("paid: 0.97", ""), "state 'paid' moves to itself", "dwell_days"),
    "a weight that is not positive": (
        [("cancelled: 0.06", "cancelled: 0")],
        ("0}", "cancelled: "), "the weight of placed → cancelled must be a number above 0", "never happens"),
    "a non-final state without dwell": (
        [("dwell_days: {placed: 0.02, paid: \"uniform(0.2, 2)\", shipped: \"constant(3)\"}",
          "dwell_days: {placed: 0.02, paid: \"uniform(0.2, 2)\"}")],
        ("dwell_days", ""), "dwell_days has no entry for 'shipped'", "shipped: 2"),
    "dwell of a final state": (
        [("shipped: \"constant(3)\"}", "shipped: \"constant(3)\", delivered: 1}")],
        ("delivered", '"constant(3)", '), "dwell_days names 'delivered', which is final", "a key of states"),
    "dwell of no state": (
        [("shipped: \"constant(3)\"}", "shipped: \"constant(3)\", shiped: 1}")],
        ("shiped", ""), "dwell_days names 'shiped', which is no state of the machine", "shipped"),
    "a machine on a number column": (
        [("column: status", "column: amount")],
        ("amount\n", "column: "), "a state machine moves a text column", "a string column"),
    "a first value that is no state": (
        [("value: placed", "value: created")],
        ("states:", ""), "status starts as 'created', which is no state of the machine", "add created to states"),
    "a drawn first value that is no state": (
        [("{gen: constant, value: placed}", "{gen: choice, values: [placed, paid, pending]}")],
        ("states:", ""), "status starts as 'pending', which is no state of the machine", "add pending"),
    "unknown distribution": (
        [("every_days: \"normal(365, 30)\"", "every_days: \"gamma(2, 3)\"")],
        ("\"gamma(2, 3)\"", ""), "unknown distribution 'gamma'", "constant"),
    "argument count": (
        [("every_days: \"normal(365, 30)\"", "every_days: \"normal(365)\"")],
        ("\"normal(365)\"", ""), "normal takes 2 numbers, written in order: normal(mean, std)", "uniform(300, 700)"),
    "uniform a > b": (
        [("every_days: \"normal(365, 30)\"", "every_days: \"uniform(700, 300)\"")],
        ("\"uniform(700, 300)\"", ""), "uniform(a, b) needs a <= b (700 > 300)", "a number of days"),
    "negative duration": (
        [("every_days: \"normal(365, 30)\"", "every_days: \"uniform(-1, 3)\"")],
        ("\"uniform(-1, 3)\"", ""), "a duration is at least 0 days", "a number of days"),
    "exponential mean": (
        [("after_days: \"exponential(300)\"", "after_days: \"exponential(0)\"")],
        ("\"exponential(0)\"", ""), "exponential(mean) needs a mean above 0", "a number of days"),
    "normal std": (
        [("every_days: \"normal(365, 30)\"", "every_days: \"normal(365, -30)\"")],
        ("\"normal(365, -30)\"", ""), "normal(mean, std) needs std >= 0", "a number of days"),
    "lognormal sigma": (
        [("every_days: \"normal(365, 30)\"", "every_days: \"lognormal(3, -1)\"")],
        ("\"lognormal(3, -1)\"", ""), "lognormal(mu, sigma) needs sigma >= 0", "a number of days"),
    "a plain number that is not positive": (
        [("every_days: 540", "every_days: 0")],
        ("0\n", "every_days: "), "a plain number is the mean of exponential gaps", "constant(90)"),
    "constant factor": (
        [("factor: \"uniform(0.9, 1.3)\"", "factor: \"constant(0)\"")],
        ("\"constant(0)\"", ""), "a constant factor must be above 0", "uniform(0.9, 1.3)"),
    "max_changes cap": (
        [("max_changes: 50", f"max_changes: {MAX_CHANGES_PER_ENTITY + 1}")],
        (f"{MAX_CHANGES_PER_ENTITY + 1}", ""), f"a whole number from 1 to {MAX_CHANGES_PER_ENTITY}", "max_changes: 50"),
    "delete share above half": (
        [("share: 0.04", "share: 0.6")],
        ("0.6", ""), "a number above 0 and at most 0.5, got 0.6", "re-picks a living parent"),
    "delete share of 0": (
        [("share: 0.04", "share: 0")],
        ("0,", "share: "), "a number above 0 and at most 0.5, got 0", "share: 0.04"),
    "delete mode": (
        [("mode: soft", "mode: sfot")],
        ("sfot", ""), "unknown mode 'sfot'", "soft"),
    "deletes without after_days": (
        [("after_days: \"exponential(300)\", ", "")],
        ("deletes:", "      "), "needs after_days", "deletes: {share: 0.04"),
    "delete column that exists": (
        [("column: removed_at", "column: visits")],
        ("visits}", ""), "'visits' is already a column of 'customers'", "deleted_at"),
    "delete column that is no name": (
        [("column: removed_at", "column: 2bad")],
        ("2bad", ""), "invalid column name '2bad'", "letters, digits and underscores"),
    "delete column of a hard delete": (
        [("mode: soft", "mode: hard")],
        ("column: removed_at", ""), "a hard delete removes the row", "mode: soft"),
    "late share": (
        [("share: 0.03", "share: 1.5")],
        ("1.5", ""), "a number from 0 to 1, got 1.5", "share: 0.03"),
    "late max_days": (
        [("max_days: 2", "max_days: 400")],
        ("400", ""), "a number above 0 and at most 365, got 400", "max_days: 2"),
    "unknown parent_deletes": (
        [("parent_deletes: keep", "parent_deletes: cascad")],
        ("cascad\n", ""), "unknown parent_deletes 'cascad'", "cascade"),
    "cascade without a deleting parent": (
        [("      deletes: {share: 0.04, after_days: \"exponential(300)\", mode: soft, column: removed_at}\n", "")],
        ("cascade", "parent_deletes: "), "no table 'orders' references deletes rows (customers)",
        "add deletes: to the changes of 'customers'"),
    "history column name": (
        [("      visits: {gen", "      valid_from: {gen")],
        ("valid_from", ""), "is a column the history of a changing table adds", "row_valid_from"),
    "change log column name": (
        [("      visits: {gen", "      __visits: {gen")],
        ("__visits", ""), "starts with '__'", "'visits'"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_rule_is_reported_at_the_offending_key_or_value(case):
    edits, (target, after), message, hint = CASES[case]
    text = edited(*edits)
    if case in ("history column name", "change log column name"):  # the rename touches a read of `visits`
        text = text.replace('score: {expr: "visits * 2"}', 'score: {expr: "2"}')
    issue = single_issue(text)
    assert message in issue.message, str(issue)
    assert hint in f"{issue.expected} {issue.suggestion}", str(issue)
    assert_at(issue, text, target, after)


def test_a_sum_of_child_rows_cannot_change():
    text = edited(("      label: {template", "      spent: {sum_of: orders.amount}\n      label: {template"),
                  ("column: segment", "column: spent"))
    issue = single_issue(text)
    assert "column customers.spent cannot change: a sum of child rows follows its child rows" in issue.message
    assert_at(issue, text, "spent\n", "column: ")


def test_at_most_32_update_rules():
    numbers = "".join(f"      n{i}: {{gen: integer, min: 0, max: 9}}\n" for i in range(33))
    rules = "".join(f"        - column: n{i}\n          every_days: 30\n" for i in range(33))
    text = edited(("      label: {template", numbers + "      label: {template"),
                  ("      updates:\n        - columns: [street, city, zip]\n",
                   "      updates:\n" + rules + "        - columns: [street, city, zip]\n"))
    issue = single_issue(text)
    assert issue.message == "`changes` of 'customers': 36 update rules, at most 32"
    assert_at(issue, text, "column: n32")
    fewer = text.replace("        - column: n32\n          every_days: 30\n", "").replace(
        "        - column: n31\n          every_days: 30\n", "").replace(
        "        - column: n30\n          every_days: 30\n", "").replace(
        "        - column: n29\n          every_days: 30\n", "")
    assert len(load_dataset(FILE, text=fewer).tables["customers"].changes.updates) == 32


def test_every_problem_of_a_block_is_reported_at_once():
    text = edited(("share: 0.04", "share: 0.6"), ("max_days: 2", "max_days: 400"),
                  ("columns: [street, city, zip]", "columns: [street, citty, zip]"))
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    messages = [i.message for i in info.value.issues]
    assert len(messages) == 3, messages
    assert any("citty" in m for m in messages) and any("0.6" in m for m in messages) \
        and any("400" in m for m in messages)


def test_changes_must_be_a_mapping():
    text = BASE.replace("    changes:\n      updates:\n        - columns: [street",
                        "    changes: []\n    changez:\n      updates:\n        - columns: [street")
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    issues = info.value.issues
    assert issues[0].message == "unknown key 'changez' in table 'customers'"
    (issue,) = [i for i in issues if "must be a mapping" in i.message]
    assert "`changes` of 'customers' must be a mapping with updates, deletes or late" in issue.message
    assert_at(issue, text, "[]", "changes: ")


# ---- through the command line ------------------------------------------------------------------------

def run_validate(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / "living.yaml"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "mock_pipelines.cli", "validate", str(path)],
                          capture_output=True, text=True, check=False)


def test_validate_accepts_a_schema_with_changes(tmp_path: Path):
    proc = run_validate(tmp_path, BASE)
    assert proc.returncode == 0, proc.stderr
    assert "dataset living" in proc.stdout


@pytest.mark.parametrize(("old", "new", "target", "message"), [
    ("value: placed", "value: created", "states:", "status starts as 'created', which is no state of the machine"),
    ("column: segment", "column: score", "score\n",
     "an expression follows the columns it reads: it changes when they do"),
])
def test_validate_names_the_line_and_what_was_expected(tmp_path: Path, old, new, target, message):
    text = edited((old, new))
    proc = run_validate(tmp_path, text)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    line, column = pos(text, target)
    assert f"living.yaml:{line}:{column}: " in proc.stderr, proc.stderr
    assert message in proc.stderr
    assert "expected" in proc.stderr
    assert "nothing was generated" in proc.stderr


# ---- hard deletes and the rows that reference them -----------------------------------------------------

def test_a_row_cannot_keep_referencing_a_parent_deleted_hard():
    text = edited(("mode: soft, column: removed_at", "mode: hard"), ("      parent_deletes: cascade\n", ""))
    issue = single_issue(text)
    assert "orders.customer_id references 'customers', whose rows are deleted hard" in str(issue)
    assert "parent_deletes: cascade" in (issue.suggestion or "") and "mode: soft" in (issue.suggestion or "")
    assert_at(issue, text, "customer_id: {ref: customers.customer_id}")


def test_hard_deletes_are_fine_when_the_children_go_with_their_parent():
    spec = load_dataset(FILE, text=edited(("mode: soft, column: removed_at", "mode: hard")))
    assert spec.tables["customers"].changes.deletes.mode == "hard"


def test_a_cascade_may_follow_a_parent_that_itself_only_cascades():
    text = edited(("""      late: {share: 0.03, max_days: 2}
      parent_deletes: cascade
""", """      late: {share: 0.03, max_days: 2}
      parent_deletes: cascade
  lines:
    rows: {per: orders, count: 2}
    primary_key: [order_id, line_no]
    columns:
      order_id: {ref: orders.order_id}
      line_no: child_index
    changes: {parent_deletes: cascade}
"""))
    assert load_dataset(FILE, text=text).tables["lines"].changes.parent_deletes == "cascade"


def test_rows_cascading_from_a_parent_deleted_hard_must_go_hard_too():
    text = edited(("mode: soft, column: removed_at", "mode: hard"),
                  ("      late: {share: 0.03, max_days: 2}\n", "      late: {share: 0.03, max_days: 2}\n"
                                                              "      deletes: {share: 0.1, after_days: 5}\n"))
    issue = single_issue(text)
    assert "cascade but are deleted softly" in str(issue) and "mode: hard" in (issue.suggestion or "")
    assert_at(issue, text, "customer_id: {ref: customers.customer_id}")
