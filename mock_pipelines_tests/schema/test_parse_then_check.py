"""The schema is read in two passes: the parse builds the model, the check judges what it means together.
The model carries only its own fields; the check needs nothing of the YAML."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mock_pipelines.schema.check import ParseGaps, check_dataset
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import IssueCollector, Location, SchemaError
from mock_pipelines.spec.model import ColumnSpec, ColumnType, DatasetSpec, ForeignKey, RowCount, TableSpec
from mock_pipelines.spec.types import LogicalType

SCHEMAS = sorted((Path(__file__).parents[2] / "schemas").glob("*.yaml"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.stem)
def test_columns_carry_only_their_declared_fields(path: Path) -> None:
    fields = {f.name for f in dataclasses.fields(ColumnSpec)}
    for table in load_dataset(path).tables.values():
        for col in table.columns.values():
            assert set(vars(col)) == fields, f"{table.name}.{col.name}"


def _table(name: str, columns: list[ColumnSpec], fks: list[ForeignKey] | None = None) -> TableSpec:
    return TableSpec(name=name, location=Location("s.yaml", 1, 1), rows=RowCount(fixed=10),
                     columns={c.name: c for c in columns}, primary_key=[columns[0].name], foreign_keys=fks or [])


def test_the_check_judges_a_model_built_without_yaml() -> None:
    key = ColumnSpec("id", ColumnType(LogicalType.INT), Location("s.yaml", 3, 5), generator="sequence",
                     unique=True)
    ref = ColumnSpec("customer_id", ColumnType(LogicalType.AUTO), Location("s.yaml", 4, 5),
                     ref=("customers", "id"))
    orders = _table("orders", [key, ref], [ForeignKey(["customer_id"], "customers", ["id"], ref.location)])
    spec = DatasetSpec(name="shop", file="s.yaml", tables={"orders": orders})
    issues = IssueCollector()
    check_dataset(spec, ParseGaps(), issues)
    assert [str(i) for i in issues.issues] == ["s.yaml:4:5: orders.customer_id references missing table 'customers'"]


def test_a_table_that_failed_to_parse_is_not_reported_again() -> None:
    ref = ColumnSpec("customer_id", ColumnType(LogicalType.AUTO), Location("s.yaml", 4, 5),
                     ref=("customers", "id"))
    key = ColumnSpec("id", ColumnType(LogicalType.INT), Location("s.yaml", 3, 5), generator="sequence",
                     unique=True)
    orders = _table("orders", [key, ref], [ForeignKey(["customer_id"], "customers", ["id"], ref.location)])
    issues = IssueCollector()
    check_dataset(DatasetSpec(name="shop", file="s.yaml", tables={"orders": orders}),
                  ParseGaps(failed_tables={"customers"}), issues)
    assert issues.issues == []


def test_parse_and_check_problems_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("dataset: s\ntables:\n  orders:\n    rows: 5\n    columns:\n"
                    "      id: {gen: sequence, primary_key: true}\n      note: {gen: sentense}\n"
                    "  items:\n    rows: 5\n    columns:\n      id: {gen: sequence, primary_key: true}\n"
                    "      order_id: {ref: order.id}\n")
    with pytest.raises(SchemaError) as err:
        load_dataset(path)
    text = [str(i) for i in err.value.issues]
    assert any("unknown generator 'sentense'" in t for t in text)  # the parse
    assert any("references missing table 'order'" in t for t in text)  # the check
