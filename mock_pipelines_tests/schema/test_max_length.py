"""`max_length: N` on string columns: parsed and refused where it cannot hold (at the line of the key), values
cut to N code points before nulls, facts and checks that follow the cut, VARCHAR(N) in every dialect, and
spec hashes of schemas without it unchanged."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality.rules import derive_rules
from mock_pipelines.quality.runner import check_table
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines.store.sql.compat import table_problems
from mock_pipelines.store.sql.ddl import ddl_statements, table_metadata
from mock_pipelines_tests.schema.test_validation import pos

FILE = "crm.yaml"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

CRM = """\
dataset: crm
seed: 3
tables:
  accounts:
    rows: 3000
    primary_key: account_code
    columns:
      account_code: {gen: pattern, format: "AC-#####", max_length: 8}
      company: {gen: company, max_length: 12}
      note: {gen: sentence, max_length: 20, null_rate: 0.25}
      tier: {gen: choice, values: [bronze, silver, platinum], max_length: 4}
      email: {gen: email, max_length: 15}
      label: {template: "{company} / {tier}", max_length: 9}
  contacts:
    rows: 5000
    primary_key: contact_id
    columns:
      contact_id: {gen: sequence}
      account_code: {ref: accounts.account_code, max_length: 8}
      full_name: {gen: name}
"""


def issues_of(text: str) -> list:
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    return info.value.issues


def one_issue(text: str):
    issues = issues_of(text)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


@pytest.fixture(scope="module")
def crm():
    spec = load_dataset(FILE, text=CRM)
    plan = DatasetPlan(spec, PlanOptions())
    return spec, {t: plan.table(t).to_table() for t in plan.order()}


def _lengths(table: pa.Table, column: str) -> list[int]:
    values = table.column(column).combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return [n for n in pc.utf8_length(values).to_pylist() if n is not None]


# ---- the values ------------------------------------------------------------------------------------------

def test_every_value_is_cut_to_at_most_max_length_code_points(crm):
    spec, tables = crm
    accounts = tables["accounts"]
    for column in ("company", "note", "tier", "email", "label"):
        n = spec.tables["accounts"].columns[column].max_length
        lengths = _lengths(accounts, column)
        assert max(lengths) <= n, column
        assert max(lengths) == n, f"{column}: no value reached {n}, so nothing was cut"  # the cut did happen


def test_a_cut_value_is_the_start_of_the_value_generated_without_max_length(crm):
    _spec, tables = crm
    uncut = load_dataset(FILE, text=CRM.replace("company: {gen: company, max_length: 12}", "company: {gen: company}"))
    full = DatasetPlan(uncut, PlanOptions()).table("accounts").to_table().column("company").to_pylist()
    cut = tables["accounts"].column("company").to_pylist()
    assert cut == [v[:12] for v in full]
    assert any(len(v) > 12 for v in full)


def test_nulls_are_drawn_after_the_cut_at_the_declared_rate(crm):
    note = crm[1]["accounts"].column("note")
    assert 0.2 < note.null_count / len(note) < 0.3


def test_code_points_not_bytes_are_counted():
    text = CRM.replace('tier: {gen: choice, values: [bronze, silver, platinum], max_length: 4}',
                       'tier: {gen: choice, values: ["Ünïcødé", "日本語のテキスト"], max_length: 4}')
    plan = DatasetPlan(load_dataset(FILE, text=text), PlanOptions(rows={"accounts": 200, "contacts": 10}))
    values = set(plan.table("accounts").to_table().column("tier").to_pylist())
    assert values == {"Ünïc", "日本語の"}


def test_references_keep_the_parent_keys(crm):
    _, tables = crm
    parents = set(tables["accounts"].column("account_code").to_pylist())
    assert set(tables["contacts"].column("account_code").to_pylist()) <= parents


# ---- facts and checks -------------------------------------------------------------------------------------

def test_facts_follow_the_cut(crm):
    spec, _ = crm
    t = spec.tables["accounts"]
    assert column_facts(spec, t, t.columns["tier"], spec.locale).values == ["bron", "silv", "plat"]
    assert column_facts(spec, t, t.columns["email"], spec.locale).regex is None  # a cut e-mail is no e-mail
    assert column_facts(spec, t, t.columns["account_code"], spec.locale).regex  # 8 characters: it still holds


def test_a_max_length_rule_is_derived_and_measured_in_the_stream(crm):
    spec, tables = crm
    rules = {r.name: r for r in derive_rules(spec, "accounts", 3000)}
    rule = rules["max_length__note"]
    assert rule.kind == "length" and rule.kwargs == {"column": "note", "max_value": 20}
    assert "regex__email" not in rules and "values_in_set__tier" in rules
    results = {r.name: r for r in check_table(tables["accounts"], list(rules.values()), batch_rows=500)}
    assert all(results[f"max_length__{c}"].passed for c in ("company", "note", "tier", "email", "label"))
    assert results["values_in_set__tier"].passed
    longer = tables["accounts"].set_column(
        2, "note", pa.array(["x" * 21, *tables["accounts"].column("note").to_pylist()[1:]], pa.string()))
    failed = {r.name: r for r in check_table(longer, [rule], batch_rows=500)}["max_length__note"]
    assert not failed.passed and failed.unexpected_count == 1 and failed.examples == ["x" * 21]


# ---- SQL --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_ddl_declares_varchar_n_and_a_reference_gets_the_same(dialect):
    spec = load_dataset(FILE, text=CRM)
    ddl = "\n".join(ddl_statements(spec, dialect))
    assert "company VARCHAR(12)" in ddl and "note VARCHAR(20)" in ddl and "account_code VARCHAR(8)" in ddl
    assert ddl.count("account_code VARCHAR(8)") == 2
    assert "full_name VARCHAR" not in ddl


def test_an_existing_varchar_shorter_than_max_length_is_a_problem():
    spec = load_dataset(FILE, text=CRM)
    expected = table_metadata(spec, "postgresql").tables["accounts"]
    dialect = sa.create_engine("postgresql+psycopg://").dialect
    found = [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in expected.columns]
    assert table_problems(expected, found, dialect) == []
    for c in found:
        if c["name"] == "company":
            c["type"] = sa.String(10)
        if c["name"] == "note":
            c["type"] = sa.String(200)  # longer is fine
    problems = table_problems(expected, found, dialect)
    assert len(problems) == 1 and problems[0].startswith("accounts.company: expected VARCHAR(12), found VARCHAR(10)")


# ---- what is refused --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "-3", "2.5", "ten", "true"])
def test_max_length_must_be_a_whole_number_of_at_least_one(value):
    text = CRM.replace("note: {gen: sentence, max_length: 20,", f"note: {{gen: sentence, max_length: {value},")
    issue = one_issue(text)
    assert (issue.location.line, issue.location.column) == pos(text, value, "note: {gen: sentence, max_length: ")
    assert "max_length" in issue.message and ">= 1" in (issue.expected or "")


@pytest.mark.parametrize("column", ["amount: {gen: integer, max_length: 5}", "ts: {gen: timestamp, max_length: 5}",
                                    "key: {gen: uuid4, max_length: 5}", "doc: {gen: json_array, max_length: 5}"])
def test_a_column_that_does_not_hold_strings_is_refused_at_the_key(column):
    text = CRM + f"      {column}\n"
    issue = one_issue(text)
    assert (issue.location.line, issue.location.column) == pos(text, "5}", column.split("max_length: ")[0]
                                                               + "max_length: ")
    assert "applies to string columns" in issue.message and issue.suggestion


def test_an_expression_needs_a_string_type():
    text = CRM + '      shout: {expr: "upper(full_name)", max_length: 5}\n'
    assert "type: string" in (one_issue(text).suggestion or "")
    spec = load_dataset(FILE, text=CRM + '      shout: {expr: "upper(full_name)", type: string, max_length: 5}\n')
    shout = DatasetPlan(spec, PlanOptions(rows={"accounts": 5})).table("contacts").to_table().column("shout")
    assert max(pc.utf8_length(shout).to_pylist()) == 5


def test_a_unique_column_is_refused_unless_its_format_fits():
    text = CRM.replace('email: {gen: email, max_length: 15}', 'email: {gen: email, unique: true, max_length: 15}')
    issue = one_issue(text)
    assert (issue.location.line, issue.location.column) == pos(text, "15}", "unique: true, max_length: ")
    assert "could make two of them equal" in issue.message
    assert issue.suggestion.startswith("use a pattern generator whose format has at most 15 characters")
    fits = CRM.replace('email: {gen: email, max_length: 15}', 'ref_no: {gen: pattern, format: "R-####", '
                       'unique: true, max_length: 6}')
    load_dataset(FILE, text=fits)


def test_a_key_whose_format_is_longer_is_refused():
    text = CRM.replace('format: "AC-#####", max_length: 8', 'format: "ACC-#####", max_length: 8')
    issues = issues_of(text)
    messages = "\n".join(map(str, issues))
    assert "accounts.account_code is part of the primary key" in messages
    assert "up to 9 characters" in messages
    assert len(issues) == 1  # the reference is judged by the parent's max_length: no follow-on error


def test_a_reference_to_longer_keys_is_refused():
    text = CRM.replace('format: "AC-#####", max_length: 8', 'format: "ACC-#####"')
    issue = one_issue(text)
    assert (issue.location.line, issue.location.column) == pos(text, "8}", "accounts.account_code, max_length: ")
    assert "contacts.account_code: a foreign key holds the keys of accounts.account_code" in issue.message
    assert "up to 9 characters" in issue.message and "accounts.account_code" in issue.suggestion


def test_foreign_key_members_may_carry_max_length():
    text = CRM.replace("account_code: {ref: accounts.account_code, max_length: 8}",
                       "account_code: {max_length: 8}") + (
        "    foreign_keys:\n      - {columns: [account_code], ref: accounts.account_code}\n")
    spec = load_dataset(FILE, text=text)
    assert spec.tables["contacts"].columns["account_code"].max_length == 8


# ---- hashes -----------------------------------------------------------------------------------------------

# Spec hashes of the demo schemas before `max_length` existed (a hash change re-materialises every asset).
HASHES_BEFORE = {"shop": "81a804dc37ae9a7c", "hr": "228777872f49f2d2", "healthcare": "1ac54bf1b412a361"}


@pytest.mark.parametrize("name", sorted(HASHES_BEFORE))
def test_spec_hash_of_a_schema_without_max_length_is_what_it_was(name):
    assert load_dataset(SCHEMAS / f"{name}.yaml").spec_hash() == HASHES_BEFORE[name]


def test_max_length_is_part_of_the_spec_hash():
    assert load_dataset(FILE, text=CRM).spec_hash() != load_dataset(
        FILE, text=CRM.replace("max_length: 12", "max_length: 13")).spec_hash()


# ---- scenarios --------------------------------------------------------------------------------------------

def _scenario(crm_spec, kind: str, **rules):
    from mock_pipelines.core.scenarios import ScenarioPlan
    from mock_pipelines.spec.scenarios import EdgeCaseRule, ScenarioSpec

    spec = ScenarioSpec("lengths", kind, edge_cases=tuple(EdgeCaseRule("accounts", c, 0.3) for c in rules["edges"]))
    piece = ScenarioPlan(DatasetPlan(crm_spec, PlanOptions()), spec).table("accounts").slice()
    return pa.Table.from_batches(list(piece.batches()), schema=piece.schema), piece.truth()


def test_edge_cases_longer_than_max_length_are_labelled_and_caught_by_the_length_rule(crm):
    spec, _ = crm
    data, truth = _scenario(spec, "negative", edges=("note",))
    labels = truth.filter(pc.equal(truth["column"], "note"))
    too_long = [v for v in data.column("note").to_pylist() if v is not None and len(v) > 20]
    assert too_long, "the edge cases include a value longer than max_length"
    assert any("length" in (v or "") for v in labels["violates"].to_pylist())
    rule = {r.name: r for r in derive_rules(spec, "accounts", 3000)}["max_length__note"]
    (result,) = list(check_table(data, [rule], batch_rows=500))
    assert not result.passed and result.unexpected_count == len(too_long)


def test_a_positive_scenario_keeps_only_edge_values_that_fit(crm):
    spec, _ = crm
    data, truth = _scenario(spec, "positive", edges=("note", "company"))
    assert truth.num_rows > 0
    rules = [r for r in derive_rules(spec, "accounts", 3000) if r.name in ("max_length__note", "max_length__company")]
    assert all(r.passed for r in check_table(data, rules, batch_rows=500))
