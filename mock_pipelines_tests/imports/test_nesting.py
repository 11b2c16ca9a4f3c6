"""The shared convention for nested documents: table names, obvious keys, and which records are tables."""

from __future__ import annotations

import pytest

from mock_pipelines.imports.model import SourceColumn, SourceTable
from mock_pipelines.imports.nesting import (
    add_column,
    dataset_name,
    ensure_single_key,
    fit_name,
    id_candidates,
    link_child,
    snake_case,
    table_roots,
)


@pytest.mark.parametrize(("name", "snake"), [
    ("OrderPlaced", "order_placed"), ("HTTPRequest", "http_request"), ("lineItems", "line_items"),
    ("order-events.v1", "order_events_v1"), ("already_snake", "already_snake"), ("V2Event", "v2_event"),
    ("IOError", "io_error"), ("__x__", "x"),
])
def test_snake_case(name, snake):
    assert snake_case(name) == snake


def test_dataset_names_are_identifiers():
    assert dataset_name("Order-Events.v2") == "order_events_v2"
    assert dataset_name("2024_orders") == "t_2024_orders"
    assert dataset_name("---") == "imported"


def test_key_candidates_come_from_the_table_and_its_type_not_from_a_child_tables_parent():
    assert id_candidates("order_placed", "OrderPlaced") == ["order_placed_id", "id", "order_id"]
    # order_placed_items: order_id there is the parent's key, never the child's
    assert "order_id" not in id_candidates("order_placed_items", "LineItem")


def test_a_nullable_or_flattened_id_is_not_an_obvious_key():
    table = SourceTable("invoice", [SourceColumn("id", "string", "string", nullable=True),
                                    SourceColumn("customer_id", "int", "long", nullable=False)])
    assert ensure_single_key(table, {"id", "customer_id"}, "Invoice") == "invoice_id"
    assert table.columns[0].name == "invoice_id" and table.columns[0].autoincrement


def test_a_child_fk_takes_a_free_name():
    parent = SourceTable("order", [SourceColumn("id", "int", "long", nullable=False)])
    child = SourceTable("order_items", [SourceColumn("order_id", "string", "string"),
                                        SourceColumn("item_no", "string", "string")])
    link_child(parent, child, ensure_single_key(parent, {"id"}, "Order"), "order.items")
    assert [c.name for c in child.columns] == ["order_id_2", "item_no_2", "order_id", "item_no"]
    assert child.primary_key == ["order_id_2", "item_no_2"]
    assert child.foreign_keys[0].ref_columns == ["id"]


def test_table_roots_leave_out_parts_but_keep_cycles():
    uses = {"Order": {"Address", "LineItem"}, "Address": set(), "LineItem": set(), "Shipment": {"Address"}}
    assert table_roots(list(uses), uses) == ["Order", "Shipment"]
    cycle = {"Employee": {"Team"}, "Team": {"Employee"}, "Badge": set()}
    assert table_roots(list(cycle), cycle) == ["Employee", "Team", "Badge"]


def test_long_and_clashing_names_are_shortened_and_told():
    table = SourceTable("shipment", [SourceColumn("address_city", "string", "string")])
    message = add_column(table, SourceColumn("address_city", "string", "string"))
    assert table.columns[1].name == "address_city_2"
    assert message and message.startswith("column name address_city is already the name of another column")
    deep = "_".join(["warehouse_location_coordinates"] * 3)
    add_column(table, SourceColumn(deep, "float", "double"))
    assert len(table.columns[2].name) == 63 and table.columns[2].name.startswith("warehouse_location_")
    assert table.columns[2].name == fit_name(deep) != fit_name(deep + "_x")
