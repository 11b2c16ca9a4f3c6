"""Reading Protobuf definitions with protoc: a proto3 order service file (well-known types, nested, repeated,
oneof, map and enum fields), a proto2 file, an import found through an include path, a recursive message,
editions field presence, and protoc's errors with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_pipelines.imports.model import SourceError, SourceSchema
from mock_pipelines.imports.protobuf import read_protobuf
from mock_pipelines.imports.sources import read_source

FIXTURES = Path(__file__).parent / "fixtures"
INCLUDE = FIXTURES / "proto"  # holds google/type/date.proto, as a googleapis checkout would

STATUSES = ["ORDER_STATUS_PLACED", "ORDER_STATUS_PAID", "ORDER_STATUS_SHIPPED", "ORDER_STATUS_DELIVERED",
            "ORDER_STATUS_CANCELLED"]


@pytest.fixture(scope="module")
def shop() -> SourceSchema:
    return read_protobuf(FIXTURES / "shop_orders.proto")


@pytest.fixture(scope="module")
def orders(shop):
    return {c.name: c for c in shop.tables["order"].columns}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_top_level_messages_are_tables_except_those_other_messages_use(shop):
    # Address and CardPayment are parts of Order and OrderShipped; LineItem and its Adjustment are child tables
    assert list(shop.tables) == ["order", "order_items", "order_items_adjustments", "order_shipped"]
    assert shop.name == "shop_orders" and shop.source == "shop_orders.proto"
    order = shop.tables["order"]
    assert order.namespace == "acme.shop.v1"
    assert order.comment == "An order placed by a customer."
    assert order.location == "shop_orders.proto:40"
    assert shop.warnings == []


def test_scalar_types_map_to_kinds_bits_and_bounds(orders):
    assert (orders["order_id"].kind, orders["order_id"].nullable) == ("string", False)
    assert (orders["customer_id"].kind, orders["customer_id"].precision) == ("int", 64)
    assert (orders["item_count"].kind, orders["item_count"].precision, orders["item_count"].minimum) == \
        ("int", 32, 0)
    assert (orders["priority"].precision, orders["priority"].minimum) == (32, None)  # sint32
    assert (orders["shard_key"].precision, orders["shard_key"].minimum) == (64, 0)  # fixed64
    assert orders["total_amount"].kind == "float" and orders["total_weight_kg"].kind == "float"
    assert orders["is_gift"].kind == "bool"
    assert orders["signature"].kind == "binary"
    assert orders["item_count"].type_text == "uint32"
    assert orders["item_count"].location == "shop_orders.proto:66"


def test_enums_leave_out_the_unspecified_zero_value(orders):
    assert (orders["status"].kind, orders["status"].enum_values) == ("enum", STATUSES)
    assert orders["status"].type_text == "OrderStatus"
    assert orders["channel"].enum_values == ["CHANNEL_WEB", "CHANNEL_APP", "CHANNEL_STORE"]
    assert orders["channel"].type_text == "Order.Channel"
    history = orders["status_history"]
    assert (history.kind, history.item_kind, history.item_enum_values) == ("array", "enum", STATUSES)


def test_well_known_types(orders):
    created = orders["created_at"]
    assert (created.kind, created.timezone, created.type_text) == ("timestamp", True, "google.protobuf.Timestamp")
    assert orders["fulfilment_sla"].kind == "interval"
    assert orders["storefront_context"].kind == "json"
    # wrappers: their scalar, nullable (a wrapper exists to say "no value")
    assert (orders["gift_message"].kind, orders["gift_message"].nullable) == ("string", True)
    points = orders["loyalty_points_used"]
    assert (points.kind, points.precision, points.nullable) == ("int", 64, True)
    reminders = orders["reminder_times"]
    assert (reminders.kind, reminders.item_kind, reminders.type_text) == \
        ("array", "timestamp", "repeated google.protobuf.Timestamp")


def test_repeated_scalars_are_arrays_and_maps_json(orders):
    coupons = orders["coupon_codes"]
    assert (coupons.kind, coupons.item_kind, coupons.nullable) == ("array", "string", False)
    labels = orders["labels"]
    assert (labels.kind, labels.type_text) == ("json", "map<string, string>")


def test_presence_decides_nullability(orders):
    assert not orders["customer_id"].nullable  # a plain proto3 scalar always has a value
    assert orders["customer_note"].nullable and orders["customer_note"].type_text == "optional string"
    # every member of a oneof is nullable, and says which oneof it belongs to
    for name in ("paypal_transaction_id", "invoice_number", "card_brand", "card_expiry_year"):
        assert orders[name].nullable, name
        assert "oneof payment" in orders[name].comment, name


def test_singular_messages_are_flattened(orders):
    shipping = [name for name in orders if name.startswith("shipping_address_")]
    assert shipping == ["shipping_address_line1", "shipping_address_line2", "shipping_address_city",
                        "shipping_address_postal_code", "shipping_address_country_code"]
    assert not any(orders[name].nullable for name in shipping)  # a plain proto3 message is taken as present
    assert all(orders[f"billing_address_{part}"].nullable for part in ("line1", "city", "country_code"))
    assert orders["card_expiry_month"].precision == 32
    assert "items" not in orders and "card" not in orders


def test_comments_become_descriptions(shop, orders):
    assert orders["order_id"].comment == "The order's id, assigned at checkout."
    assert orders["created_at"].comment == 'When the customer pressed "Place order".'  # a trailing comment
    assert orders["shipping_address_country_code"].comment == "ISO 3166-1 alpha-2."
    assert shop.tables["order_items"].comment == "One line of the cart."


def test_repeated_messages_are_child_tables_with_the_parents_key_and_item_no(shop):
    order, items, adjustments = (shop.tables[n] for n in ("order", "order_items", "order_items_adjustments"))
    assert order.primary_key == ["order_id"]
    assert items.per_parent == "order" and adjustments.per_parent == "order_items"
    assert [c.name for c in items.columns] == ["order_items_id", "order_id", "item_no", "sku", "product_name",
                                               "quantity", "unit_price_cents"]
    assert items.primary_key == ["order_items_id"] and items.columns[0].autoincrement
    assert items.unique == [["order_id", "item_no"]]
    [fk] = items.foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["order_id"], "order", ["order_id"])
    assert items.column("order_id").kind == "string" and not items.column("order_id").nullable
    assert [c.name for c in adjustments.columns] == ["order_items_id", "item_no", "reason", "amount_cents"]
    assert adjustments.primary_key == ["order_items_id", "item_no"]
    assert adjustments.foreign_keys[0].ref_columns == ["order_items_id"]


def test_a_message_used_by_two_tables_is_flattened_in_each(shop):
    shipped = shop.tables["order_shipped"]
    assert [c.name for c in shipped.columns][-5:] == ["ship_to_line1", "ship_to_line2", "ship_to_city",
                                                     "ship_to_postal_code", "ship_to_country_code"]
    assert shipped.column("shipped_at").kind == "timestamp"
    assert shipped.primary_key == []  # no list: no key is needed


def test_proto2_required_optional_defaults_and_nested_types():
    result = read_protobuf(FIXTURES / "legacy_inventory.proto")
    assert list(result.tables) == ["stock_level", "stock_level_movements"]
    stock = {c.name: c for c in result.tables["stock_level"].columns}
    assert not stock["sku"].nullable and stock["sku"].type_text == "required string"
    assert not stock["warehouse_id"].nullable
    assert stock["on_hand"].nullable and stock["on_hand"].default == "0"
    assert stock["on_hand"].comment == "Units on hand after the last count."
    assert (stock["unit"].enum_values, stock["unit"].default) == (["EACH", "CASE", "PALLET"], "EACH")
    assert (stock["last_count_ms"].precision, stock["last_count_ms"].minimum) == (64, 0)
    assert stock["unit_cost"].default == "0.5" and stock["discontinued"].default == "false"
    # no obvious key (sku and warehouse_id together identify a row): a synthetic one for the list
    assert result.tables["stock_level"].primary_key == ["stock_level_id"]
    movements = result.tables["stock_level_movements"]
    assert [c.name for c in movements.columns] == ["stock_level_id", "item_no", "moved_at_ms", "delta", "reason"]
    assert movements.column("reason").default == "count"
    assert not movements.column("delta").nullable
    # an optional group is a nested message: flattened, nullable with it
    assert [(n, stock[n].nullable) for n in stock if n.startswith("supplier_")] == [
        ("supplier_supplier_code", True), ("supplier_contact_email", True)]
    by_reason = stock["last_movement_by_reason"]
    assert (by_reason.kind, by_reason.type_text) == ("json", "map<string, StockLevel.Movement>")
    [warning] = result.warnings
    assert warning.location == "legacy_inventory.proto:41 (acme.inventory.StockLevel)"
    assert warning.message == "extension field audit_note is not imported"


def test_an_import_found_through_an_include_path_and_a_recursive_message():
    result = read_protobuf(FIXTURES / "catalog.proto", include_paths=[str(INCLUDE)])
    [category] = result.tables.values()
    columns = {c.name: c for c in category.columns}
    assert columns["launched_on"].kind == "date"  # google.type.Date
    assert (columns["children"].kind, columns["children"].nullable) == ("json", False)
    assert (columns["parent"].kind, columns["parent"].nullable) == ("json", True)
    assert [w.location for w in result.warnings] == ["catalog.proto:12 (Category.children)",
                                                     "catalog.proto:13 (Category.parent)"]
    assert all("recursive" in w.message for w in result.warnings)


def test_a_file_under_an_include_path_is_compiled_with_its_imports_named_from_there(tmp_path):
    root = tmp_path / "protos"
    (root / "acme" / "common").mkdir(parents=True)
    (root / "acme" / "billing").mkdir(parents=True)
    write(root / "acme" / "common", "money.proto",
          'syntax = "proto3";\npackage acme.common;\nmessage Money { string currency_code = 1; int64 units = 2;'
          ' int32 nanos = 3; }\n')
    invoice = write(root / "acme" / "billing", "invoice.proto",
                    'syntax = "proto3";\npackage acme.billing;\nimport "acme/common/money.proto";\n'
                    "message Invoice { string invoice_id = 1; acme.common.Money total = 2; }\n")
    result = read_protobuf(invoice, include_paths=[str(root)])
    assert [c.name for c in result.tables["invoice"].columns] == [
        "invoice_id", "total_currency_code", "total_units", "total_nanos"]
    assert result.tables["invoice"].column("total_units").location == "acme/common/money.proto:3"


def test_two_messages_that_contain_each_other_are_both_tables(tmp_path):
    path = write(tmp_path, "cycle.proto", 'syntax = "proto3";\npackage g;\n'
                 "message Employee { string id = 1; Team team = 2; }\n"
                 "message Team { string id = 1; repeated Employee members = 2; }\n")
    result = read_protobuf(path)
    assert list(result.tables) == ["employee", "team", "team_members"]
    # each is read down to the first repetition of a message
    assert [(c.name, c.kind) for c in result.tables["employee"].columns] == [
        ("id", "string"), ("team_id", "string"), ("team_members", "json")]
    assert [(c.name, c.kind) for c in result.tables["team_members"].columns] == [
        ("team_id", "string"), ("item_no", "int"), ("id", "string"), ("team", "json")]
    assert result.tables["team"].per_parent is None
    assert [w.location for w in result.warnings] == ["cycle.proto:4 (Employee.team.members)",
                                                     "cycle.proto:3 (Team.members[].team)"]


def test_editions_field_presence(tmp_path):
    path = write(tmp_path, "editions.proto", 'edition = "2023";\npackage ed;\nmessage Reading {\n'
                 "  string sensor = 1;\n  int32 value = 2 [features.field_presence = IMPLICIT];\n"
                 "  int32 sequence = 3 [features.field_presence = LEGACY_REQUIRED];\n}\n")
    columns = {c.name: c.nullable for c in read_protobuf(path).tables["reading"].columns}
    assert columns == {"sensor": True, "value": False, "sequence": False}


def test_empty_and_any_and_field_mask(tmp_path):
    path = write(tmp_path, "misc.proto", 'syntax = "proto3";\npackage m;\n'
                 'import "google/protobuf/any.proto";\nimport "google/protobuf/empty.proto";\n'
                 'import "google/protobuf/field_mask.proto";\nimport "google/protobuf/wrappers.proto";\n'
                 "message Patch {\n  google.protobuf.Any payload = 1;\n  google.protobuf.Empty ping = 2;\n"
                 "  google.protobuf.FieldMask update_mask = 3;\n  repeated google.protobuf.Int32Value scores = 4;\n}\n")
    result = read_protobuf(path)
    kinds = {c.name: (c.kind, c.item_kind) for c in result.tables["patch"].columns}
    assert kinds == {"payload": ("json", None), "update_mask": ("array", "string"), "scores": ("array", "int")}
    assert [w.location for w in result.warnings] == ["misc.proto:9 (Patch.ping)"]


def test_read_source_passes_include_paths():
    result = read_source(str(FIXTURES / "catalog.proto"), proto_paths=[str(INCLUDE)])
    assert list(result.tables) == ["category"]


def test_a_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "broken.proto", 'syntax = "proto3";\n\npackage x;\n\nmessage A {\n'
                 "  string a = 1\n  int32 b = 2;\n}\n")
    with pytest.raises(SourceError) as caught:
        read_protobuf(path)
    assert caught.value.message == f'{path}:7:3: Expected ";".'
    assert "protoc" in (caught.value.suggestion or "")


def test_an_undefined_type_suggests_a_near_name(tmp_path):
    path = write(tmp_path, "typo.proto", 'syntax = "proto3";\nmessage A {\n  strng name = 1;\n}\n')
    with pytest.raises(SourceError) as caught:
        read_protobuf(path)
    assert caught.value.message.startswith(f'{path}:3:3: "strng" is not defined.')
    assert (caught.value.suggestion or "").startswith("did you mean 'string'?")


def test_a_missing_import_says_which_file_and_where_it_was_looked_for():
    with pytest.raises(SourceError) as caught:
        read_protobuf(FIXTURES / "catalog.proto")
    path = FIXTURES / "catalog.proto"
    assert caught.value.message == f'{path}:6:1: import "google/type/date.proto" was not found'
    suggestion = caught.value.suggestion or ""
    assert "--proto-path" in suggestion and "googleapis" in suggestion and str(FIXTURES) in suggestion


def test_a_file_without_messages_and_a_missing_include_folder(tmp_path):
    path = write(tmp_path, "enums.proto", 'syntax = "proto3";\nenum Colour { COLOUR_UNSPECIFIED = 0; RED = 1; }\n')
    with pytest.raises(SourceError, match="defines no message"):
        read_protobuf(path)
    with pytest.raises(SourceError, match="the include path is not a folder"):
        read_protobuf(path, include_paths=[str(tmp_path / "nowhere")])


def test_an_import_missing_deeper_down_is_reported_where_it_is_imported(tmp_path):
    path = write(tmp_path, "a.proto", 'syntax = "proto3";\nimport "b.proto";\nmessage A { B b = 1; }\n')
    write(tmp_path, "b.proto", 'syntax = "proto3";\n\nimport "shared/c.proto";\nmessage B { int32 x = 1; }\n')
    with pytest.raises(SourceError) as caught:
        read_protobuf(path)
    assert caught.value.message == f'{tmp_path / "b.proto"}:3:1: import "shared/c.proto" was not found'


def test_an_imported_file_with_errors_is_not_called_missing(tmp_path):
    path = write(tmp_path, "a.proto", 'syntax = "proto3";\nimport "b.proto";\nmessage A { B b = 1; }\n')
    write(tmp_path, "b.proto", 'syntax = "proto3";\n\nmessage B { int32 x = 1 }\n')
    with pytest.raises(SourceError) as caught:
        read_protobuf(path)
    first, *rest = caught.value.message.splitlines()
    assert first == f'{tmp_path / "b.proto"}:3:25: Expected ";".'
    assert "not found" not in caught.value.message.split("\n", 1)[0] and rest
