"""A column whose generator declares a check-digit scheme gets a blocking rule checksum__<col>: the check
digits of every non-null value recomputed, measured batch by batch and by the whole-table evaluators with the
same count of offending rows and the same examples."""

from __future__ import annotations

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality import runner
from mock_pipelines.quality.gx_runner import validate_table
from mock_pipelines.quality.rules import derive_rules
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.quality.support import generated, spec_of

SCHEMA = """\
dataset: registry
tables:
  people:
    rows: 1000000
    columns:
      person_id: {gen: sequence}
      card: {gen: credit_card_number, null_rate: 0.2}
      account: {gen: iban, formatted: true}
      tax_id: {gen: steuer_id, spaces: true}
      codice: {gen: codice_fiscale}
      pesel: {gen: pesel, unique: true}
      vin: {gen: vin}
      nickname: {gen: user_name}
"""
CHECKED = {"card": "luhn", "account": "iban", "tax_id": "iso7064_mod_11_10", "codice": "codice_fiscale",
           "pesel": "pesel", "vin": "vin"}


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    path = tmp_path_factory.mktemp("registry") / "registry.yaml"
    path.write_text(SCHEMA)
    spec = load_dataset(path)
    DatasetPlan(spec).check(probe=True)
    return spec


def _checksum_rules(rules):
    return [r for r in rules if r.kind == "checksum"]


def test_each_column_with_check_digits_gets_a_blocking_checksum_rule(people):
    rules = _checksum_rules(derive_rules(people, "people", 1_000_000))
    assert {r.name: r.kwargs["checksum"] for r in rules} == {f"checksum__{c}": s for c, s in CHECKED.items()}
    assert all(r.severity == "error" and r.blocking and r.columns == (r.name.split("__")[1],) for r in rules)
    assert "luhn" in rules[0].expected().lower()


@pytest.mark.parametrize(("dataset", "table", "column", "scheme"), [
    ("shop", "products", "ean", "gs1"), ("shop", "payments", "card_number", "luhn"),
    ("healthcare", "providers", "npi", "npi")])
def test_demo_columns_with_check_digits_are_checked(dataset, table, column, scheme):
    rules = {r.name: r for r in derive_rules(spec_of(dataset), table)}
    rule = rules[f"checksum__{column}"]
    assert rule.kwargs == {"column": column, "checksum": scheme} and rule.blocking
    _, tables = generated(dataset)
    for results in (runner.check_table(tables[table], [rule], batch_rows=333).results,
                    validate_table(tables[table], [rule], engine="gx").results):
        assert [(r.name, r.passed, r.unexpected_count) for r in results] == [(rule.name, True, 0)]


def test_a_million_rows_pass_whatever_the_chunk_size(people):
    plan = DatasetPlan(people, PlanOptions(seed=5))
    rules = _checksum_rules(derive_rules(people, "people", 1_000_000))
    table = plan.table("people")
    outcomes = []
    for chunk in (1_000_000, 65_536):
        m = runner.new_measure(rules, table.arrow_schema)
        for batch in table.batches(chunk_size=chunk):
            m.add(batch)
        results = {r.name: r for r in runner.evaluate(rules, m).results}
        outcomes.append({n: (r.passed, r.unexpected_count, r.evaluated_rows) for n, r in results.items()})
    assert outcomes[0] == outcomes[1] == {r.name: (True, 0, 1_000_000) for r in rules}


def _change_digit(value: str) -> str:
    i = max(j for j, c in enumerate(value) if c.isdigit())
    return value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1:]


def test_changed_digits_fail_exactly_those_rows_streamed_and_whole(people):
    plan = DatasetPlan(people, PlanOptions(rows={"people": 20_000}))
    data = plan.table("people").to_table()
    rules = derive_rules(people, "people", 20_000)
    broken_rows = {"card": [3, 4_999, 17_000], "account": [10], "codice": [0, 19_999], "pesel": [7_777]}
    for column, rows in broken_rows.items():
        values = data[column].to_pylist()
        rows[:] = [r if values[r] is not None else r + 1 for r in rows]  # a null card has no digit to change
        for r in rows:
            values[r] = _change_digit(values[r])
        data = data.set_column(data.column_names.index(column), column, pa.array(values, pa.string()))
    streamed = {r.name: r for r in runner.check_table(data, rules, batch_rows=997).results}
    whole = {r.name: r for r in validate_table(data, rules, engine="arrow").results}
    small = {r.name: r for r in validate_table(data, _checksum_rules(rules), engine="gx").results}
    for column in CHECKED:
        name = f"checksum__{column}"
        rows = broken_rows.get(column, [])
        expected = [data[column][r].as_py() for r in rows]
        for results in (streamed, whole, small):
            r = results[name]
            assert (r.passed, r.unexpected_count, r.examples) == (not rows, len(rows), expected), (name, r)
            assert r.blocking
    # the formats still match: only the check digits tell
    assert all(streamed[f"regex__{c}"].passed for c in ("card", "codice", "pesel"))


def test_a_profile_can_lower_or_drop_check_digits_by_kind_or_name(people):
    lowered = _checksum_rules(derive_rules(people, "people", 1_000_000, severity={"kind:checksum": "warn"}))
    assert len(lowered) == len(CHECKED) and all(r.severity == "warn" and not r.blocking for r in lowered)
    kept = {r.name for r in derive_rules(people, "people", 1_000_000, severity={"checksum__card": "off"})}
    assert "checksum__card" not in kept and "checksum__vin" in kept and "regex__card" in kept
