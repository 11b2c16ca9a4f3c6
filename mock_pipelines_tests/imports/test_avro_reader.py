"""Reading Avro schemas: an order event with nested records, lists of records, logical types, enums and
unions; a file that lists several schemas; a recursive record; and the errors a person can act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_pipelines.imports.avro import read_avro
from mock_pipelines.imports.model import SourceError, SourceSchema
from mock_pipelines.imports.sources import read_source

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def order_event() -> SourceSchema:
    return read_avro(FIXTURES / "order_placed.avsc")


def write(tmp_path: Path, name: str, schema: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(schema, indent=2) if not isinstance(schema, str) else schema)
    return path


def test_the_event_record_is_a_table_and_its_lists_of_records_child_tables(order_event):
    assert order_event.name == "order_placed"
    assert order_event.source == "order_placed.avsc"
    assert list(order_event.tables) == ["order_placed", "order_placed_line_items",
                                        "order_placed_line_items_discounts"]
    orders = order_event.tables["order_placed"]
    assert orders.namespace == "com.acme.shop.events"
    assert orders.comment == "Emitted by the checkout service when a customer places an order."
    assert orders.per_parent is None
    assert orders.location == "order_placed.avsc: OrderPlaced"


def test_primitive_types_map_to_kinds_with_their_bits(order_event):
    columns = {c.name: c for c in order_event.tables["order_placed"].columns}
    assert (columns["order_id"].kind, columns["order_id"].precision) == ("int", 64)
    assert (columns["schema_version"].kind, columns["schema_version"].precision) == ("int", 32)
    assert columns["currency"].kind == "string"
    assert columns["is_gift"].kind == "bool"
    assert columns["total_weight_kg"].kind == "float" and columns["fraud_score"].kind == "float"
    assert columns["receipt_pdf"].kind == "binary"
    assert (columns["payment_token"].kind, columns["payment_token"].length) == ("binary", 32)
    assert columns["payment_token"].type_text == '"PaymentToken"'


def test_logical_types(order_event):
    columns = {c.name: c for c in order_event.tables["order_placed"].columns}
    assert columns["event_id"].kind == "uuid"
    total = columns["total_amount"]
    assert (total.kind, total.precision, total.scale) == ("decimal", 12, 2)
    assert total.type_text == '{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}'
    assert (columns["occurred_at"].kind, columns["occurred_at"].timezone) == ("timestamp", True)
    assert columns["occurred_at"].format == "timestamp-millis"
    assert (columns["client_local_time"].kind, columns["client_local_time"].timezone) == ("timestamp", False)
    assert columns["requested_delivery_date"].kind == "date"
    assert columns["delivery_window_start"].kind == "time" and columns["delivery_window_end"].kind == "time"
    assert columns["checkout_duration"].kind == "interval"


def test_unions_with_null_are_nullable_and_other_unions_take_the_first_type_with_a_warning(order_event):
    columns = {c.name: c for c in order_event.tables["order_placed"].columns}
    assert columns["requested_delivery_date"].nullable
    assert columns["fraud_score"].nullable and columns["fraud_score"].type_text == '["double","null"]'
    assert not columns["order_id"].nullable
    gift = columns["gift_message"]
    assert (gift.kind, gift.nullable) == ("string", True)
    warnings = [str(w) for w in order_event.warnings]
    assert any("OrderPlaced.gift_message" in w and "imported as the first" in w for w in warnings)


def test_enums_arrays_and_maps(order_event):
    columns = {c.name: c for c in order_event.tables["order_placed"].columns}
    status = columns["status"]
    assert (status.kind, status.enum_values) == ("enum", ["PLACED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"])
    assert status.default == "PLACED"
    assert (columns["coupon_codes"].kind, columns["coupon_codes"].item_kind) == ("array", "string")
    methods = columns["payment_methods"]
    assert (methods.kind, methods.item_kind) == ("array", "enum")
    assert methods.item_enum_values == ["CARD", "PAYPAL", "GIFT_CARD", "INVOICE"]
    assert columns["attributes"].kind == "json" and columns["attributes"].default == "{}"


def test_nested_records_are_flattened_and_nullable_when_the_record_is(order_event):
    columns = {c.name: c for c in order_event.tables["order_placed"].columns}
    assert columns["customer_email"].comment == "Contact e-mail at the time of the order."
    assert columns["customer_loyalty_tier"].enum_values == ["BRONZE", "SILVER", "GOLD", "PLATINUM"]
    assert not columns["shipping_address_city"].nullable
    assert columns["shipping_address_line2"].nullable
    # a nullable record nested in a required one: its columns are nullable
    assert columns["shipping_address_geo_lat"].nullable and columns["shipping_address_geo_lat"].kind == "float"
    # the second use of a named record (["null", "Address"]): the same columns, all nullable
    billing = [name for name in columns if name.startswith("billing_address_")]
    assert billing == ["billing_address_line1", "billing_address_line2", "billing_address_city",
                       "billing_address_postal_code", "billing_address_country_code",
                       "billing_address_geo_lat", "billing_address_geo_lon"]
    assert all(columns[name].nullable for name in billing)
    assert columns["billing_address_city"].location == "order_placed.avsc: OrderPlaced.billing_address.city"
    assert "line_items" not in columns and "line_items_sku" not in columns


def test_docs_and_defaults_are_kept(order_event):
    columns = {c.name: c for c in order_event.tables["order_placed"].columns}
    assert columns["currency"].comment == "ISO 4217 code."
    assert columns["currency"].default == "EUR"
    assert columns["schema_version"].default == "3"
    assert columns["is_gift"].default == "false"
    assert columns["customer_phone"].default is None  # a null default is no default
    assert columns["customer_loyalty_tier"].default == "BRONZE"


def test_a_list_of_records_is_a_child_table_keyed_by_its_parent_and_item_no(order_event):
    orders = order_event.tables["order_placed"]
    items = order_event.tables["order_placed_line_items"]
    # the event's own order_id is an obvious key (OrderPlaced → order_id): no synthetic key
    assert orders.primary_key == ["order_id"]
    assert items.per_parent == "order_placed"
    assert items.comment == "What was ordered, in cart order."
    [fk] = items.foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["order_id"], "order_placed", ["order_id"])
    by_name = {c.name: c for c in items.columns}
    assert (by_name["order_id"].kind, by_name["order_id"].precision, by_name["order_id"].nullable) == \
        ("int", 64, False)
    assert by_name["item_no"].minimum == 1 and not by_name["item_no"].nullable
    assert [c.name for c in items.columns][3:] == ["sku", "product_name", "quantity", "unit_price", "tags"]
    assert (by_name["unit_price"].precision, by_name["unit_price"].scale) == (10, 2)
    assert by_name["tags"].kind == "array"


def test_a_child_with_its_own_list_gets_a_synthetic_key_and_keeps_its_position_unique(order_event):
    items = order_event.tables["order_placed_line_items"]
    discounts = order_event.tables["order_placed_line_items_discounts"]
    key = items.columns[0]
    assert key.name == "order_placed_line_items_id" and key.autoincrement and not key.nullable
    assert items.primary_key == ["order_placed_line_items_id"]
    assert items.unique == [["order_id", "item_no"]]
    assert [c.name for c in discounts.columns] == ["order_placed_line_items_id", "item_no", "code", "amount"]
    assert discounts.primary_key == ["order_placed_line_items_id", "item_no"]
    assert discounts.per_parent == "order_placed_line_items"
    assert discounts.comment == "A promotion applied to the line."
    assert not discounts.columns[0].autoincrement  # a foreign key, not a second sequence


def test_an_unknown_logical_type_keeps_its_base_type_with_a_warning(order_event):
    promised = order_event.tables["order_placed"].column("promised_at")
    assert promised is not None and promised.kind == "string"
    assert any("iso-datetime" in str(w) and "promised_at" in w.location for w in order_event.warnings)
    assert len(order_event.warnings) == 2  # that and the union of several types, nothing else


def test_a_file_listing_several_schemas_makes_tables_of_the_records_no_other_record_uses():
    result = read_avro(FIXTURES / "customer_profiles.avsc")
    assert list(result.tables) == ["customer_profile", "customer_profile_addresses", "customer_deleted"]
    profile = result.tables["customer_profile"]
    assert profile.primary_key == ["id"]  # an obvious key: no synthetic one
    assert [c.name for c in profile.columns] == ["id", "fullName", "signupDate", "homeAddress_street",
                                                 "homeAddress_city", "homeAddress_country", "marketingOptIn"]
    assert profile.column("homeAddress_country").enum_values == ["DE", "FR", "NL", "US", "GB"]
    addresses = result.tables["customer_profile_addresses"]
    assert [c.name for c in addresses.columns][:2] == ["customer_profile_id", "item_no"]
    assert addresses.columns[0].kind == "uuid"
    assert addresses.foreign_keys[0].ref_columns == ["id"]
    assert result.tables["customer_deleted"].column("deletedAt").timezone
    assert result.warnings == []


def test_a_recursive_record_stops_at_the_repetition_with_warnings():
    result = read_avro(FIXTURES / "category_tree.avsc")
    [category] = result.tables.values()
    assert [(c.name, c.kind) for c in category.columns] == [
        ("category_id", "int"), ("name", "string"), ("parent", "json"), ("children", "json")]
    assert category.column("parent").nullable and not category.column("children").nullable
    assert category.column("children").type_text == '{"type":"array","items":"Category"}'
    assert sorted(w.location for w in result.warnings) == ["category_tree.avsc: Category.children",
                                                           "category_tree.avsc: Category.parent"]
    assert all("recursive" in w.message for w in result.warnings)


def test_a_named_type_from_a_sibling_file_is_resolved(tmp_path):
    write(tmp_path, "com.acme.Money.avsc", {"type": "record", "name": "Money", "namespace": "com.acme",
                                            "fields": [{"name": "units", "type": "long"},
                                                       {"name": "currency", "type": "string"}]})
    path = write(tmp_path, "invoice.avsc", {"type": "record", "name": "Invoice", "namespace": "com.acme",
                                           "fields": [{"name": "invoice_no", "type": "string"},
                                                      {"name": "total", "type": "com.acme.Money"}]})
    [invoice] = read_avro(path).tables.values()
    assert [(c.name, c.kind) for c in invoice.columns] == [
        ("invoice_no", "string"), ("total_units", "int"), ("total_currency", "string")]


def test_a_logical_type_on_the_wrong_base_type_keeps_the_base_type(tmp_path):
    path = write(tmp_path, "wrong.avsc", {"type": "record", "name": "Reading", "fields": [
        {"name": "taken_on", "type": {"type": "long", "logicalType": "date"}},
        {"name": "cost", "type": {"type": "bytes", "logicalType": "decimal"}, "doc": "no precision"}]})
    result = read_avro(path)
    columns = result.tables["reading"].columns
    assert (columns[0].kind, columns[0].precision) == ("int", 64)
    assert (columns[1].kind, columns[1].precision) == ("decimal", None)
    messages = [w.message for w in result.warnings]
    assert messages[0].startswith("logical type date on long") and "precision" in messages[1]


def test_read_source_reads_avsc_files():
    result = read_source(str(FIXTURES / "order_placed.avsc"), include=["order_placed"])
    assert list(result.tables) == ["order_placed"]


def test_invalid_json_names_the_line_and_column(tmp_path):
    path = write(tmp_path, "broken.avsc", '{"type": "record", "name": "A",\n "fields": [\n'
                                          '  {"name": "a", "type": "int"},\n  {"name": "b" "type": "int"}\n]}')
    with pytest.raises(SourceError) as caught:
        read_avro(path)
    assert caught.value.message.startswith(f"{path}:4:16: not valid JSON: Expecting ',' delimiter")
    assert caught.value.suggestion and "JSON" in caught.value.suggestion


def test_an_unknown_type_name_is_located_and_a_near_name_suggested(tmp_path):
    path = write(tmp_path, "payment.avsc", '{"type": "record", "name": "Payment", "namespace": "com.acme",\n'
                                           ' "fields": [\n  {"name": "amount", "type": "double"},\n'
                                           '  {"name": "currency", "type": "strng"}\n]}')
    with pytest.raises(SourceError) as caught:
        read_avro(path)
    assert caught.value.message == f"{path}:4:32: unknown Avro type 'strng'"
    assert caught.value.suggestion == "did you mean 'string'?"
    assert "primitive" in (caught.value.expected or "")


def test_a_misspelt_complex_type_is_an_unknown_type(tmp_path):
    path = write(tmp_path, "order.avsc", {"type": "record", "name": "Order", "fields": [
        {"name": "lines", "type": {"type": "arary", "items": "string"}}]})
    with pytest.raises(SourceError, match="unknown Avro type 'arary'") as caught:
        read_avro(path)
    assert caught.value.suggestion == "did you mean 'array'?"


@pytest.mark.parametrize(("schema", "message"), [
    ({"type": "record", "name": "A", "fields": [{"name": "a", "type": "int", "default": "x"}]},
     "not a valid Avro schema: Default value <x> must match schema type: int"),
    ({"type": "record", "fields": []}, "not a valid Avro schema: \"name\" is a required field"),
    ({"type": "enum", "name": "E", "symbols": ["A", "A"]}, "not a valid Avro schema: All symbols in an enum must"),
    ({"name": "A"}, "not a valid Avro schema: missing key 'type'"),
    ({"type": "enum", "name": "Colour", "symbols": ["RED"]}, "no record to import: the schema is an enum"),
    ("string", "no record to import"),
])
def test_an_invalid_avro_schema_is_a_source_error_with_fastavros_message(tmp_path, schema, message):
    path = write(tmp_path, "bad.avsc", json.dumps(schema))
    with pytest.raises(SourceError) as caught:
        read_avro(path)
    assert caught.value.message.startswith(f"{path}: {message}")
    assert caught.value.suggestion


def test_an_avro_data_file_is_recognised(tmp_path):
    path = tmp_path / "events.avsc"
    path.write_bytes(b"Obj\x01\x04\x14avro.codec\x08null")
    with pytest.raises(SourceError, match="an Avro data file, not an Avro schema") as caught:
        read_avro(path)
    assert "fastavro --schema" in (caught.value.suggestion or "")


def test_a_flattened_name_that_clashes_with_a_field_is_renamed_with_a_warning(tmp_path):
    path = write(tmp_path, "parcel.avsc", {"type": "record", "name": "Parcel", "fields": [
        {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
            {"name": "city", "type": "string"}]}},
        {"name": "address_city", "type": "string", "doc": "As the courier typed it."}]})
    result = read_avro(path)
    assert [c.name for c in result.tables["parcel"].columns] == ["address_city", "address_city_2"]
    assert result.tables["parcel"].columns[1].comment == "As the courier typed it."
    [warning] = result.warnings
    assert warning.location == "parcel.avsc: Parcel.address_city" and "imported as address_city_2" in warning.message


def test_a_broken_sibling_file_is_named(tmp_path):
    (tmp_path / "com.acme.Money.avsc").write_text('{"type": "record",')
    path = write(tmp_path, "invoice.avsc", {"type": "record", "name": "Invoice", "namespace": "com.acme",
                                           "fields": [{"name": "total", "type": "com.acme.Money"}]})
    with pytest.raises(SourceError, match="unknown Avro type 'Money'") as caught:
        read_avro(path)
    assert caught.value.suggestion == f"{tmp_path / 'com.acme.Money.avsc'} defines it but is not a valid Avro " \
                                      "schema: fix that file"
