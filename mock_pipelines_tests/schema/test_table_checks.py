"""Table-level `checks:`: parsed at schema load, refused at file:line when they cannot be a CHECK constraint,
and refused at validate when a generated row breaks them."""

from __future__ import annotations

import textwrap

import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

BASE = """\
dataset: bank
tables:
  customers:
    rows: 50
    columns:
      customer_id: {gen: sequence, primary_key: true}
      tier: {gen: choice, values: [gold, silver]}
  accounts:
    rows: 3000
    primary_key: account_id
    checks: CHECKS
    columns:
      account_id: {gen: sequence}
      customer_id: {ref: customers.customer_id}
      balance: {dist: "normal(500, 200)", min: 0, type: "decimal(12,2)"}
      overdraft: {dist: "normal(500, 200)", type: "decimal(12,2)"}
      is_open: {gen: boolean}
      opened_at: {gen: timestamp, start: "2020-01-01", end: "2023-12-31"}
      closed_at: {gen: timestamp, after: opened_at, min_delay_days: 1, null_rate: 0.5}
"""


def load(tmp_path, checks: str):
    path = tmp_path / "bank.yaml"
    path.write_text(BASE.replace("CHECKS", checks))
    return load_dataset(path)


def problems(tmp_path, checks: str, probe: bool = False) -> list[str]:
    with pytest.raises(SchemaError) as info:
        spec = load(tmp_path, checks)
        if probe:
            DatasetPlan(spec).check(probe=True)
    return [str(i) for i in info.value.issues]


def test_checks_are_parsed_with_their_names_and_lines(tmp_path):
    spec = load(tmp_path, textwrap.dedent("""\
        ["balance >= 0", {name: closed_after_opened, check: "closed_at > opened_at"},
                 "0 <= balance and not is_null(opened_at)", "balance >= 0 or is_open"]"""))
    checks = spec.tables["accounts"].checks
    assert [c.name for c in checks] == ["balance", "closed_after_opened", "balance_opened_at", "balance_is_open"]
    assert checks[0].expr == "balance >= 0"
    assert (checks[0].location.line, checks[1].location.line, checks[2].location.line) == (11, 11, 12)
    DatasetPlan(spec).check(probe=True)  # the generator satisfies all of them


def test_a_table_without_checks_keeps_its_spec_hash(tmp_path):
    without = load(tmp_path, "[]")
    (tmp_path / "b.yaml").write_text(BASE.replace("    checks: CHECKS\n", ""))
    assert load_dataset(tmp_path / "b.yaml").spec_hash("accounts") == without.spec_hash("accounts")
    assert load(tmp_path, '["balance >= 0"]').spec_hash("accounts") != without.spec_hash("accounts")


@pytest.mark.parametrize(("checks", "message", "hint"), [
    ('["balanse >= 0"]', "unknown column 'balanse'", "did you mean 'balance'?"),
    ('["customer_id.tier == \'gold\'"]', "`customer_id.tier` reads a parent table",
     "copy the attribute into a column of this table (e.g. `tier: {expr: customer_id.tier}`)"),
    ('["balance % 2 == 0"]', "`%` has no SQL form", "use + - * / and comparisons"),
    ('["round(balance) > 0"]', "round() has no SQL form in a CHECK constraint", "compute the value in a column"),
    ('["balance + 1"]', "is not a condition", "compare it, e.g. `balance >= 0`"),
    ('["balance"]', "column 'balance' holds decimal(12,2) values, not true/false", "compare it"),
    ('["balance >="]', "invalid expression: invalid syntax", None),
    ('["balance if is_open else 0"]', "has no SQL form here", "`not c or x`"),
    ('["opened_at > date(closed_at)"]', "date() takes a constant text", "e.g. date('2024-01-01')"),
    ('[{name: "bad name", check: "balance >= 0"}]', "invalid check name 'bad name'", "bad_name"),
    ('[{name: a, check: "balance >= 0"}, {name: a, check: "overdraft >= 0"}]', "check name 'a' is used twice",
     "give each check its own name"),
    ('[{name: a, chek: "balance >= 0"}]', "unknown key 'chek'", "did you mean 'check'?"),
    ('"balance >= 0"', "`checks` of table 'accounts' must be a list", None),
])
def test_a_check_that_cannot_be_a_constraint_is_refused_at_its_line(tmp_path, checks, message, hint):
    found = problems(tmp_path, checks)
    match = [p for p in found if message in p]
    assert match, found
    assert match[0].startswith(f"{tmp_path / 'bank.yaml'}:11:")
    if hint:
        assert hint in match[0]


def test_a_check_the_generator_breaks_is_refused_at_validate_with_the_row(tmp_path):
    found = problems(tmp_path, '["overdraft - balance >= 0"]', probe=True)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'bank.yaml'}:11:")
    assert "(overdraft - balance >= 0) of table 'accounts' is not satisfied by construction: generated row" \
        in found[0]
    assert "overdraft=" in found[0] and "balance=" in found[0]


@pytest.mark.parametrize(("checks", "reason", "hint"), [
    # normal(500, 200) goes below 0 in about 0.6% of rows, and a probe of a few thousand rows can miss rarer
    # ones: the generator's declared range proves it possible, whatever the probe finds.
    ('["overdraft >= 0"]', "overdraft is drawn by 'normal', whose values are unbounded below, so some rows can "
                           "be below 0", "give accounts.overdraft `min: 0`"),
    ('["0 <= overdraft"]', "unbounded below", "`min: 0`"),
    ('["balance >= 0 and overdraft < 5000"]', "unbounded above, so some rows can be at or above 5000",
     "constrain the columns it reads"),
    ('["balance > 0"]', "as low as 0, so some rows can be at or below 0", "give accounts.balance `min: 0`"),
    ('["balance <= 10000"]', "unbounded above", "`max: 10000`"),
])
def test_a_check_the_declared_range_can_break_is_refused_without_waiting_for_a_violating_row(
        tmp_path, checks, reason, hint):
    found = problems(tmp_path, checks, probe=True)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'bank.yaml'}:11:")
    assert f"is not satisfied by construction: {reason}" in found[0] or reason in found[0], found
    assert hint in found[0], found


@pytest.mark.parametrize("checks", ['["balance >= 0"]', '["0 <= balance and balance >= -1"]',
                                    '["account_id >= 1"]', '["balance + overdraft >= -1e9"]'])
def test_a_check_the_declared_range_keeps_is_accepted(tmp_path, checks):
    DatasetPlan(load(tmp_path, checks)).check(probe=True)


def test_an_order_the_generator_does_not_keep_is_refused_with_an_after_hint(tmp_path):
    found = problems(tmp_path, '["opened_at > closed_at"]', probe=True)
    assert "generated row" in found[0] and "opened_at=20" in found[0], found
    assert "`after: closed_at`" in found[0]


def test_a_check_that_reads_nulls_passes_where_it_is_null(tmp_path):
    spec = load(tmp_path, '["closed_at > opened_at"]')  # closed_at is null in half the rows
    DatasetPlan(spec).check(probe=True)


def test_a_violation_in_the_middle_of_the_table_is_found_among_the_spread_rows(tmp_path):
    # ids 1000…1100 sit far from the first and last probe rows: only the rows spread over the table meet them
    found = problems(tmp_path, '["account_id < 1000 or account_id > 1100"]', probe=True)
    assert "generated row 99" in found[0] or "generated row 1,0" in found[0], found


def test_every_demo_check_holds_on_the_probe(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "schemas"
    declared = 0
    for path in sorted(root.glob("*.yaml")):
        spec = load_dataset(path)
        declared += sum(len(t.checks) for t in spec.tables.values())
        DatasetPlan(spec).check(probe=True)
    assert declared >= 6
