"""`ref: {existing: "SOURCE.[SCHEMA.]TABLE.COLUMN"}` in the schema language: what it reads into, and every
mistake reported at its line with what to write instead. No database here (validation needs none)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines.spec.model import DEFAULT_EXISTING_SAMPLE, Distribution, _strip_locations
from mock_pipelines.spec.types import LogicalType

HEAD = "dataset: shop\ntables:\n  orders:\n    rows: 500\n    columns:\n      order_id: {gen: sequence}\n"


def _load(tmp_path: Path, column: str, extra: str = "") -> object:
    path = tmp_path / "shop.yaml"
    path.write_text(HEAD + f"      customer_id: {column}\n" + extra, encoding="utf-8")
    return load_dataset(path)


def _problems(tmp_path: Path, column: str, extra: str = "") -> str:
    with pytest.raises(SchemaError) as caught:
        _load(tmp_path, column, extra)
    return str(caught.value)


def test_an_existing_reference_reads_into_the_column_with_its_skew_and_sample(tmp_path):
    spec = _load(tmp_path, '{ref: {existing: "crm.public.customers.customer_id", sample: 5000}, '
                           "skew: zipf(1.3), null_rate: 0.2}")
    col = spec.tables["orders"].columns["customer_id"]
    assert col.kind == "existing" and col.type.name is LogicalType.AUTO and not col.type_given
    ref = col.existing
    assert (ref.source, ref.schema, ref.table, ref.column, ref.sample) == ("crm", "public", "customers",
                                                                           "customer_id", 5000)
    assert ref.skew == Distribution("zipf", (1.3,)) and ref.text == "crm.public.customers.customer_id"
    assert col.null_rate == 0.2 and col.nullable
    assert spec.tables["orders"].foreign_keys == [] and spec.tables["orders"].parents() == []


def test_the_schema_part_is_optional_and_a_type_may_be_declared(tmp_path):
    col = _load(tmp_path, '{ref: {existing: "crm.customers.email"}, type: string}').tables["orders"].columns[
        "customer_id"]
    assert (col.existing.schema, col.existing.table, col.existing.sample) == (None, "customers",
                                                                              DEFAULT_EXISTING_SAMPLE)
    assert col.type.name is LogicalType.STRING and col.type_given


def test_a_schema_without_existing_references_keeps_its_hash(tmp_path):
    """The hash payload leaves `existing: None` out, so every schema written before keeps its spec hash
    (and its assets their code versions)."""
    table = _load(tmp_path, "{gen: integer, min: 1, max: 9}").tables["orders"]
    payload = asdict(table)
    _strip_locations(payload)
    assert "existing" not in payload["columns"]["customer_id"]
    with_ref = asdict(_load(tmp_path, '{ref: {existing: "crm.customers.id"}}').tables["orders"])
    _strip_locations(with_ref)
    assert with_ref["columns"]["customer_id"]["existing"]["table"] == "customers"


@pytest.mark.parametrize(("column", "expected"), [
    ('{ref: {existing: "customers.customer_id"}}', "SOURCE.TABLE.COLUMN or SOURCE.SCHEMA.TABLE.COLUMN"),
    ('{ref: {existing: "crm.a.b.c.d"}}', "cannot read the existing reference"),
    ("{ref: {table: customers}}", "unknown key 'table' in the ref"),
    ('{ref: {existing: "crm.customers.id", sample: 0}}', "sample must be a whole number of keys >= 1"),
    ('{ref: {existing: "crm.customers.id"}, unique: true}', "unique does not apply to a reference to existing rows"),
    ('{ref: {existing: "crm.customers.id"}, min: 3}', "unknown key 'min'"),
    ('{ref: {existing: "crm.customers.id"}, skew: pareto(2)}', "unknown skew 'pareto'"),
])
def test_mistakes_are_reported_at_the_column(tmp_path, column, expected):
    problems = _problems(tmp_path, column)
    assert "shop.yaml:7" in problems and expected in problems


def test_a_composite_foreign_key_to_existing_rows_is_refused_with_what_to_do_instead(tmp_path):
    extra = ("    foreign_keys:\n"
             '      - {columns: [customer_id, region], ref: {existing: "crm.public.customers(id, region)"}}\n')
    problems = _problems(tmp_path, "{gen: integer}", "      region: {gen: state}\n" + extra)
    assert "a composite foreign key cannot reference existing rows" in problems
    assert "reference one key column of the existing table instead" in problems


def test_validation_needs_no_database_and_generation_uses_the_keys_given(tmp_path):
    spec = _load(tmp_path, '{ref: {existing: "crm.customers.id"}, skew: zipf(1.1)}',
                 "      label: {template: \"order {order_id} of {customer_id}\"}\n")
    DatasetPlan(spec).check()  # the probe skips what needs the keys
    keys = pa.array(["c-17", "c-4", "c-99"])
    table = DatasetPlan(spec, PlanOptions(existing_keys={"crm.customers.id": keys})).table("orders").to_table()
    assert set(table.column("customer_id").to_pylist()) <= {"c-17", "c-4", "c-99"}
    assert table.column("customer_id").type == pa.string()


def test_a_column_of_the_existing_parent_cannot_be_read_and_the_hint_says_why(tmp_path):
    problems = _problems(tmp_path, '{ref: {existing: "crm.public.customers.customer_id"}, type: int}',
                         '      signup: {expr: "customer_id.signup_ts"}\n')
    assert "'customer_id' references existing rows (crm.public.customers.customer_id), whose other columns " \
           "are not read" in problems
    assert "add ref: parent.key" not in problems
