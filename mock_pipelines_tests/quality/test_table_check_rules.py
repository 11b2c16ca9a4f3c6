"""A table's `checks:` become blocking rules check__<name>: measured on every row, batch by batch, with the
count of violating rows and their values."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality import runner
from mock_pipelines.quality.gx_runner import validate_table
from mock_pipelines.quality.rules import derive_rules
from mock_pipelines.schema.parse import load_dataset

SCHEMA = """\
dataset: ledger
tables:
  entries:
    rows: 1000000
    checks:
      - {name: amount_not_negative, check: "amount >= 0"}
      - {name: settled_after_booked, check: "settled_at > booked_at"}
      - "0 <= fee and fee <= amount"
    columns:
      entry_id: {gen: sequence}
      amount: {dist: "lognormal(4, 1)", min: 1, max: 100000, type: "decimal(14,2)"}
      fee: {expr: "round(amount * 0.01, 2)", type: "decimal(14,2)"}
      booked_at: {gen: timestamp, start: "2023-01-01", end: "2023-12-31"}
      settled_at: {gen: timestamp, after: booked_at, min_delay_days: 0.01, max_delay_days: 3, null_rate: 0.1}
"""


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    path = tmp_path_factory.mktemp("ledger") / "ledger.yaml"
    path.write_text(SCHEMA)
    spec = load_dataset(path)
    DatasetPlan(spec).check(probe=True)
    return spec


def check_rules(rules):
    return [r for r in rules if r.kind == "constraint"]


def test_each_check_is_a_blocking_rule_named_after_it(ledger):
    rules = check_rules(derive_rules(ledger, "entries", 1_000_000))
    assert [r.name for r in rules] == ["check__amount_not_negative", "check__settled_after_booked",
                                       "check__fee_amount"]
    assert all(r.severity == "error" and r.blocking for r in rules)
    assert rules[1].columns == ("settled_at", "booked_at")
    assert rules[0].kwargs == {"unexpected_rows_query": 'SELECT * FROM {batch} WHERE NOT ("amount" >= 0)'}


def test_every_row_of_a_million_satisfies_the_checks_whatever_the_chunk_size(ledger):
    plan = DatasetPlan(ledger, PlanOptions(seed=11))
    rules = derive_rules(ledger, "entries", 1_000_000)
    table = plan.table("entries")
    outcomes = []
    for chunk in (1_000_000, 65_536):
        m = runner.new_measure(rules, table.arrow_schema)
        for batch in table.batches(chunk_size=chunk):
            m.add(batch)
        results = {r.name: r for r in runner.evaluate(rules, m).results}
        outcomes.append([(results[r.name].passed, results[r.name].unexpected_count, results[r.name].evaluated_rows)
                         for r in check_rules(rules)])
    assert outcomes[0] == outcomes[1] == [(True, 0, 1_000_000)] * 3


def test_a_landed_row_that_breaks_a_check_fails_it_with_its_values(ledger):
    plan = DatasetPlan(ledger, PlanOptions(rows={"entries": 5_000}))
    data = plan.table("entries").to_table()
    rules = derive_rules(ledger, "entries", 5_000)
    # corrupt three rows: a negative amount in row 10, a settlement before its booking in rows 20 and 30
    amount = data["amount"].to_pylist()
    amount[10] = -amount[10]
    settled, booked = data["settled_at"].to_pylist(), data["booked_at"].to_pylist()
    for i in (20, 30):
        settled[i] = booked[i].replace(year=booked[i].year - 1)
    data = data.set_column(1, "amount", pa.array(amount, data["amount"].type))
    data = data.set_column(4, "settled_at", pa.array(settled, data["settled_at"].type))
    for results in (runner.check_table(data, rules, batch_rows=1_000).results,
                    validate_table(data, check_rules(rules), engine="gx").results):  # small tables
        by_name = {r.name: r for r in results}
        negative = by_name["check__amount_not_negative"]
        assert (negative.passed, negative.unexpected_count, negative.blocking) == (False, 1, True)
        assert negative.examples == [{"amount": float(amount[10])}]
        order = by_name["check__settled_after_booked"]
        assert (order.passed, order.unexpected_count) == (False, 2)
        assert not by_name["check__fee_amount"].passed  # the fee of row 10 is now above its amount


def test_a_null_condition_passes_as_in_sql(ledger):
    plan = DatasetPlan(ledger, PlanOptions(rows={"entries": 2_000}))
    data = plan.table("entries").to_table()
    assert data["settled_at"].null_count > 0
    data = data.set_column(1, "amount", pa.nulls(len(data), data["amount"].type))
    by_name = {r.name: r for r in runner.check_table(data, derive_rules(ledger, "entries", 2_000)).results}
    assert by_name["check__amount_not_negative"].passed
    assert by_name["check__settled_after_booked"].passed


def test_a_missing_column_fails_the_check_instead_of_passing(ledger):
    plan = DatasetPlan(ledger, PlanOptions(rows={"entries": 100}))
    data = plan.table("entries").to_table().drop_columns(["fee"])
    by_name = {r.name: r for r in runner.check_table(data, derive_rules(ledger, "entries", 100)).results}
    assert not by_name["check__fee_amount"].passed
    assert "missing column 'fee'" in str(by_name["check__fee_amount"].observed)
    assert pc.all(pc.greater_equal(data["amount"], 0)).as_py()


def test_a_landed_file_with_a_violating_row_fails_the_check(ledger, tmp_path):
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from mock_pipelines.cli import app
    from mock_pipelines.quality.report.checks import run_checks
    from mock_pipelines.quality.report.loading import load_tables

    result = CliRunner().invoke(app, ["generate", ledger.file, "--out", str(tmp_path), "--format", "parquet",
                                      "--rows-scale", "0.003"])
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.rglob("*.parquet"))
    assert len(files) == 1, files
    data = pq.read_table(files[0])
    amount = data["amount"].to_pylist()
    amount[1234] = -amount[1234]
    pq.write_table(data.set_column(1, "amount", pa.array(amount, data["amount"].type)), files[0])
    tables, provenance = load_tables(tmp_path, ledger)
    results = {r.name: r for r in run_checks(ledger, tables, seed=provenance.get("seed"),
                                             scale=provenance.get("scale"), locale=provenance.get("locale"))}
    failed = results["check__amount_not_negative"]
    assert (failed.passed, failed.unexpected_count, failed.blocking) == (False, 1, True)
    assert failed.examples == [{"amount": float(amount[1234])}]
    assert results["check__settled_after_booked"].passed
