"""Inference: what the retail database says about each column decides its generator, and every decision
is explained in the written YAML."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from mock_pipelines.imports.infer import infer
from mock_pipelines.imports.model import (
    ChildrenStats,
    ColumnStats,
    SourceCheck,
    SourceColumn,
    SourceForeignKey,
    SourceSchema,
    SourceTable,
    TableStats,
)
from mock_pipelines.imports.write_yaml import to_yaml
from mock_pipelines_tests.imports.retail_source import retail_source


def tables(source: SourceSchema | None = None, rows: dict[str, int] | None = None) -> dict:
    inferred = infer(source or retail_source(), rows)
    return {t.name: t for t in inferred.tables}


def column(table, name: str) -> dict:
    return next(c for c in table.columns if c.name == name).body


def test_parents_come_before_children_and_have_fewer_rows():
    result = tables()
    names = list(result)
    assert names.index("customers") < names.index("orders") < names.index("order_lines") < names.index("returns")
    assert result["regions"].rows < result["stores"].rows < result["employees"].rows
    assert tables(rows={"orders": 7})["orders"].rows == 7


def test_keys_are_unique_by_construction():
    result = tables()
    assert column(result["orders"], "order_id") == {"gen": "sequence"}
    assert column(result["shipments"], "shipment_id") == {"gen": "uuid4", "unique": True}
    region = column(result["regions"], "region_code")
    assert region == {"gen": "pattern", "format": "??", "unique": True}  # CHAR(2): exactly two letters
    assert column(result["employees"], "email")["unique"] is True


def test_a_key_of_a_parent_and_a_number_is_laid_out_per_parent():
    lines = tables()["order_lines"]
    assert lines.rows == {"per": "orders", "count": "uniform(1, 5)"}
    assert column(lines, "line_no") == {"gen": "child_index"}
    assert column(lines, "order_id") == {"ref": "orders.order_id"}


def test_a_link_table_picks_a_different_second_parent_per_row_of_the_first():
    inventory = tables()["inventory"]
    assert inventory.rows["per"] == "stores"
    assert column(inventory, "product_id") == {"ref": "products.product_id", "unique_within": "store_id"}


def test_composite_and_self_references():
    result = tables()
    assert result["returns"].foreign_keys == [{"columns": ["order_id", "line_no"],
                                              "ref": "order_lines(order_id, line_no)"}]
    assert "order_id" not in {c.name for c in result["returns"].columns}  # created by the composite key
    manager = column(result["employees"], "manager_id")
    assert manager["ref"] == "employees.employee_id" and manager["null_rate"] > 0


def test_checks_become_generator_parameters_and_stay_checks():
    result = tables()
    assert column(result["stores"], "sq_meters") | {} == {"gen": "integer", "min": 50, "max": 20000,
                                                          "description": "Sales floor area in square metres."}
    assert column(result["employees"], "role") == {"gen": "choice",
                                                   "values": ["cashier", "clerk", "manager", "director"]}
    delivered = column(result["orders"], "delivered_at")
    assert delivered["after"] == "ordered_at"
    assert {"name": "delivered_after_ordered", "check": "delivered_at >= ordered_at"} in result["orders"].checks
    salary = column(result["employees"], "salary")
    assert salary["gen"] == "amount" and salary["min"] == 0.01 and salary["type"] == "decimal(10,2)"


def test_names_types_and_enums_choose_generators():
    customers = tables()["customers"]
    assert column(customers, "first_name")["gen"] == "first_name"
    assert column(customers, "phone")["gen"] == "phone_number"
    assert column(customers, "birth_date")["gen"] == "date_of_birth"
    assert column(customers, "tier")["values"] == ["bronze", "silver", "gold", "platinum"]
    assert column(customers, "tags")["gen"] == "json_array"
    assert column(customers, "preferences")["gen"] == "json_object"
    assert column(customers, "phone")["null_rate"] == 0.1  # nullable, no statistics
    assert "null_rate" not in column(customers, "email")  # NOT NULL


def test_a_child_timestamp_follows_its_parents_creation():
    orders = tables()["orders"]
    assert column(orders, "ordered_at")["after"] == "customer_id.created_at"


def test_a_varchar_shorter_than_the_generator_cuts_its_values():
    source = SourceSchema("s", "test", {"t": SourceTable("t", [
        SourceColumn("id", "int", "integer", False), SourceColumn("city", "string", "varchar(12)", False,
                                                                   length=12)], primary_key=["id"])})
    city = column(tables(source)["t"], "city")
    assert city == {"gen": "city", "max_length": 12}


def test_statistics_refine_rows_nulls_ranges_and_weights():
    source = retail_source()
    orders = source.tables["orders"]
    orders.stats = TableStats(rows=12_345, columns={
        "status": ColumnStats(0.0, 2, top_values=[("paid", 0.75), ("pending", 0.25)]),
        "store_id": ColumnStats(0.4, 50),
        "total": ColumnStats(0.0, 9000, min=3.5, max=870.0)})
    source.tables["order_lines"].stats = TableStats(rows=40_000, children={
        "order_id": ChildrenStats(mean=3.2, min=1, max=9)})
    result = tables(source)
    assert result["orders"].rows == 12_345
    assert column(result["orders"], "store_id")["null_rate"] == 0.4
    assert column(result["orders"], "total")["gen"] == "amount"
    status = column(result["orders"], "status")
    assert status == {"gen": "choice", "values": {"pending": 0.25, "paid": 0.75, "shipped": 0, "delivered": 0,
                                                  "cancelled": 0}}
    assert result["order_lines"].rows == {"per": "orders", "count": "poisson(3.2)", "min": 1, "max": 9}


def test_unknown_types_import_with_a_generic_generator_and_a_warning():
    source = SourceSchema("s", "test", {"t": SourceTable("t", [
        SourceColumn("id", "int", "integer", False), SourceColumn("shape", "unknown", "geometry(Point,4326)")],
        primary_key=["id"])})
    inferred = infer(source)
    shape = next(c for c in inferred.tables[0].columns if c.name == "shape")
    assert shape.body == {"gen": "word", "null_rate": 0.1}
    assert "unsupported type geometry(Point,4326)" in shape.why  # the reader warned; the YAML says it too


def test_every_column_is_commented_in_the_yaml():
    text = to_yaml(infer(retail_source()))
    doc = YAML().load(text)
    assert list(doc["tables"]) [:2] == ["regions", "stores"]
    lines = [line for line in text.splitlines() if line.startswith("      ") and ": {" in line
             and not line.strip().startswith("- ")]
    assert lines and all(" # " in line for line in lines), [line for line in lines if " # " not in line]
    assert "format: '??'" in text  # a pattern that YAML would read as a key indicator is quoted


@pytest.mark.parametrize("value", ["yes", "??", "#-###", "a: b", "null"])
def test_texts_yaml_would_misread_are_quoted(value):
    source = SourceSchema("s", "test", {"t": SourceTable("t", [
        SourceColumn("id", "int", "integer", False),
        SourceColumn("answer", "enum", "answer", False, enum_values=[value, "other"])], primary_key=["id"])})
    doc = YAML(typ="safe").load(to_yaml(infer(source)))
    assert doc["tables"]["t"]["columns"]["answer"]["values"] == [value, "other"]


def test_names_the_schema_language_refuses_are_renamed_everywhere_with_a_warning():
    source = SourceSchema("s", "test", {
        "order-items": SourceTable("order-items", [
            SourceColumn("id", "int", "integer", False), SourceColumn("from", "int", "integer", False),
            SourceColumn("2fa", "bool", "boolean", False)], primary_key=["id"],
            checks=[SourceCheck('"from" >= 0', "from_positive")]),
        "refs": SourceTable("refs", [SourceColumn("id", "int", "integer", False),
                                     SourceColumn("item", "int", "integer", False)], primary_key=["id"],
                            foreign_keys=[SourceForeignKey(["item"], "order-items", ["id"])])},
        dialect="postgres")
    inferred = infer(source)
    by_name = {t.name: t for t in inferred.tables}
    assert set(by_name) == {"order_items", "refs"}
    assert [c.name for c in by_name["order_items"].columns] == ["id", "from_", "c_2fa"]
    assert column(by_name["refs"], "item") == {"ref": "order_items.id"}
    assert by_name["order_items"].checks == [{"name": "from_positive", "check": "from_ >= 0"}]
    assert sum("is renamed" in w.message for w in inferred.warnings) == 3


def test_nested_list_items_are_laid_out_per_parent_with_their_position():
    parent = SourceTable("order_event", [SourceColumn("order_event_id", "int", "bigint", False,
                                                      autoincrement=True)], primary_key=["order_event_id"])
    child = SourceTable("order_event_items", [
        SourceColumn("order_event_id", "int", "bigint", False), SourceColumn("item_no", "int", "int", False),
        SourceColumn("sku", "string", "string", False)], primary_key=["order_event_id", "item_no"],
        foreign_keys=[SourceForeignKey(["order_event_id"], "order_event", ["order_event_id"])],
        per_parent="order_event", items=(1, 20))
    result = tables(SourceSchema("s", "test", {"order_event": parent, "order_event_items": child}))
    items = result["order_event_items"]
    assert items.rows == {"per": "order_event", "count": "uniform(1, 20)"}
    assert column(items, "item_no") == {"gen": "child_index"}


@pytest.mark.parametrize("regex, body", [
    ("^ORD-[0-9]{8}$", {"gen": "pattern", "format": "ORD-########"}),
    ("^[0-9a-f]{40}$", {"gen": "hex_id", "length": 40}),
    (r"^[A-Z]{2}\d{6}$", {"gen": "pattern", "format": "??######"}),
])
def test_a_pattern_the_source_states_becomes_a_format_that_matches_it(regex, body):
    import re as regex_module

    from mock_pipelines.core import registry
    from mock_pipelines.core.registry import GenContext

    source = SourceSchema("s", "test", {"t": SourceTable("t", [
        SourceColumn("id", "int", "integer", False), SourceColumn("code", "string", "string", False,
                                                                   pattern=regex)], primary_key=["id"])})
    got = column(tables(source)["t"], "code")
    assert got == body
    import numpy as np

    gen = registry.get(got.pop("gen"))
    values = gen(GenContext(rows=np.arange(200), key=7), **gen.validate_params(got)).to_pylist()
    assert all(regex_module.search(regex, v) for v in values)


def test_a_pattern_with_no_format_keeps_plain_text_and_says_so():
    source = SourceSchema("s", "test", {"t": SourceTable("t", [
        SourceColumn("id", "int", "integer", False), SourceColumn("code", "string", "string", False,
                                                                   pattern="^[a-z]+(-[a-z]+)*$")],
        primary_key=["id"])})
    inferred = infer(source)
    assert any("pattern '^[a-z]+(-[a-z]+)*$' is not followed" in w.message for w in inferred.warnings)


def test_a_column_too_narrow_for_a_name_takes_its_short_form():
    source = SourceSchema("s", "test", {"t": SourceTable("t", [
        SourceColumn("id", "int", "integer", False),
        SourceColumn("country", "string", "char(2)", False, length=2),
        SourceColumn("state", "string", "varchar(2)", False, length=2),
        SourceColumn("home_country", "string", "varchar(80)", False, length=80)], primary_key=["id"])})
    t = tables(source)["t"]
    assert column(t, "country") == {"gen": "country_code"}
    assert column(t, "state") == {"gen": "state_abbr"}
    assert column(t, "home_country") == {"gen": "country"}
