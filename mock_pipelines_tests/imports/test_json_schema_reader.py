"""JSON Schema → SourceSchema: an order event (2020-12, $defs, a ref to another file, child tables), a
GitHub push webhook (draft-07 definitions), a draft-04 catalogue feed with a recursive category tree, and
the errors of a file that is not JSON or not a schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_pipelines.imports.json_schema import read_json_schema
from mock_pipelines.imports.model import SourceError
from mock_pipelines.imports.sources import read_source

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, name: str, document: dict | str) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def order():
    return read_json_schema(FIXTURES / "order_placed.schema.json")


def test_order_event_tables_and_synthetic_keys(order):
    assert order.name == "order_placed" and order.dialect is None
    assert list(order.tables) == ["order_placed", "order_placed_line_items", "order_placed_line_items_discounts"]
    root, items, discounts = order.tables.values()
    assert root.comment.startswith("Emitted by the checkout service")
    assert root.namespace == "https://schemas.example.com/commerce/order_placed.schema.json"
    assert root.primary_key == ["order_placed_id"] and root.columns[0].autoincrement
    # line items: a child table, 1..50 per order, keyed by (its own key) with (order, item_no) unique
    assert (items.per_parent, items.items) == ("order_placed", (1, 50))
    assert [c.name for c in items.columns[:3]] == ["order_placed_line_items_id", "order_placed_id", "item_no"]
    assert items.primary_key == ["order_placed_line_items_id"]
    assert items.unique == [["order_placed_id", "item_no"]]
    assert [(f.columns, f.ref_table, f.ref_columns) for f in items.foreign_keys] == [
        (["order_placed_id"], "order_placed", ["order_placed_id"])]
    assert items.comment == "What was ordered, one entry per product."
    # discounts: a grandchild, at most 3 per line item
    assert (discounts.per_parent, discounts.items) == ("order_placed_line_items", (0, 3))
    assert discounts.primary_key == ["order_placed_line_items_id", "item_no"]
    assert discounts.foreign_keys[0].ref_columns == ["order_placed_line_items_id"]
    assert [c.name for c in discounts.columns] == ["order_placed_line_items_id", "item_no", "code", "amount"]


def test_order_event_columns(order):
    root = order.tables["order_placed"]
    col = root.column
    assert (col("event_id").kind, col("event_id").nullable) == ("uuid", False)
    assert (col("occurred_at").kind, col("occurred_at").format) == ("timestamp", "date-time")
    assert col("channel").kind == "enum" and col("channel").enum_values == ["web"]  # const
    # nested objects are flattened: order.status → order_status
    assert col("order_status").enum_values == ["pending", "paid", "shipped", "cancelled"]
    assert col("order_number").pattern == "^ORD-[0-9]{8}$" and col("order_number").nullable is False
    total = col("order_total")
    assert (total.kind, total.scale, total.minimum, total.exclusive_minimum) == ("decimal", 2, 0, False)
    assert col("order_coupon").nullable and col("order_coupon").length == 20  # anyOf with null
    assert col("order_placed_from_ip").format == "ipv4" and col("order_placed_from_ip").nullable
    assert (col("customer_email").format, col("customer_email").length) == ("email", 254)
    assert col("customer_birth_date").kind == "date" and col("customer_website").format == "uri"
    assert col("customer_customer_id").minimum == 1 and not col("customer_customer_id").nullable
    # a $ref to address.schema.json next to it (its $id is a URL: looked up by file name)
    country = col("customer_billing_address_country")
    assert (country.length, country.min_length, country.comment) == (2, 2, "ISO 3166-1 alpha-2 code")
    assert country.nullable  # billing_address is optional, so all of its columns are
    # allOf of the external address and one more property
    assert col("customer_shipping_address_instructions").length == 200
    assert col("customer_shipping_address_postal_code").pattern == "^[0-9A-Z -]{3,10}$"
    tags = col("tags")
    assert (tags.kind, tags.item_kind, tags.item_enum_values) == ("array", "enum",
                                                                  ["gift", "express", "first_order", "b2b"])
    assert col("attributes").kind == "json"  # a free map
    assert col("notes").nullable and col("notes").comment == "Free text from the customer."
    hours = col("delivery_window_hours")
    assert (hours.minimum, hours.exclusive_minimum, hours.maximum, hours.exclusive_maximum) == (0, True, 72, True)
    # oneOf of two payment objects: the first, with a warning
    assert col("payment_brand").enum_values == ["visa", "mastercard", "amex"] and col("payment_due_days") is None
    assert [str(w) for w in order.warnings] == [
        "order_placed.schema.json#/properties/payment: oneOf of 2 alternatives: the first one is imported — "
        "check the written column, or split the alternatives into tables"]
    line = order.tables["order_placed_line_items"]
    price = line.column("unit_price")
    assert (price.kind, price.minimum, price.exclusive_minimum, price.nullable) == ("decimal", 0, True, False)
    assert (line.column("quantity").minimum, line.column("quantity").maximum) == (1, 100)


def test_github_push_webhook_with_definitions():
    push = read_json_schema(FIXTURES / "github_push_event.json")
    assert list(push.tables) == ["push_event", "push_event_commits"]
    event, commits = push.tables.values()
    assert commits.per_parent == "push_event" and commits.items is None
    assert commits.primary_key == ["push_event_id", "item_no"]
    assert event.column("repository_owner_login").nullable is False  # required all the way down
    assert event.column("repository_owner_type").enum_values == ["Bot", "User", "Organization"]
    assert event.column("sender_site_admin").kind == "bool"
    assert event.column("base_ref").nullable  # ["string", "null"]
    head = event.column("head_commit_timestamp")  # oneOf [commit, null]: flattened, nullable
    assert head.kind == "timestamp" and head.nullable
    assert event.column("repository_license_spdx_id").nullable  # oneOf [object, null]
    assert commits.column("author_email").format == "email" and commits.column("author_email").nullable
    assert (commits.column("added").kind, commits.column("added").item_kind) == ("array", "string")
    assert commits.column("author_name").comment == "The git author's name."
    assert [w.location for w in push.warnings] == [
        "github_push_event.json#/properties/repository/properties/created_at"]
    assert event.column("repository_created_at").kind == "int"


def test_draft_04_bounds_names_and_a_recursive_tree():
    catalog = read_json_schema(FIXTURES / "catalog_draft04.json")
    product = catalog.tables["product"]
    assert list(catalog.tables) == ["product"] and product.primary_key == []
    price = product.column("price")  # draft-04: exclusiveMinimum is a flag on minimum
    assert (price.minimum, price.exclusive_minimum, price.maximum, price.exclusive_maximum) == (0, True, 100000,
                                                                                                False)
    rate = product.column("discount_rate")
    assert (rate.maximum, rate.exclusive_maximum, rate.minimum, rate.exclusive_minimum) == (1, True, 0, False)
    assert product.column("productId").minimum == 1  # a valid identifier keeps its spelling
    assert product.column("dimensions_height").nullable  # dimensions is optional
    assert product.column("category_code").nullable is False
    # the tree stops where it refers back to itself: no hang, a json column and a warning each
    assert product.column("category_parent").kind == "json"
    assert product.column("category_children").kind == "json"
    messages = {w.location.split("#")[1]: w.message for w in catalog.warnings}
    assert "refers back to a schema it is part of" in messages["/properties/category/properties/parent"]
    assert "refers back" in messages["/properties/category/properties/children"]
    assert "is not a valid column name: imported as 'discount_rate'" in messages["/properties/discount-rate"]
    assert product.column("warehouseLocation").kind == "unknown"  # a URL not next to the file: not fetched
    assert "cannot be resolved" in messages["/properties/warehouseLocation"]


def test_a_union_root_gives_one_table_per_event_type(tmp_path):
    path = write(tmp_path, "billing_events.json", {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "oneOf": [{"$ref": "#/$defs/invoice_issued"}, {"$ref": "#/$defs/invoice_paid"}],
        "$defs": {
            "invoice_issued": {"type": "object", "required": ["invoice_id"],
                               "properties": {"invoice_id": {"type": "string", "format": "uuid"},
                                              "amount": {"type": "number"}}},
            "invoice_paid": {"title": "Invoice paid", "type": "object",
                             "properties": {"invoice_id": {"type": "string", "format": "uuid"},
                                            "paid_at": {"type": "string", "format": "date-time"}}},
        },
    })
    events = read_json_schema(path)
    assert list(events.tables) == ["invoice_issued", "invoice_paid"]
    assert events.tables["invoice_paid"].column("paid_at").kind == "timestamp"
    assert events.tables["invoice_issued"].column("invoice_id").nullable is False


def test_defs_only_document_gives_one_table_per_object_definition(tmp_path):
    path = write(tmp_path, "models.json", {
        "$schema": "http://json-schema.org/draft-06/schema#",
        "definitions": {
            "Customer": {"type": "object", "properties": {"name": {"type": "string"},
                                                          "score": {"type": "integer", "exclusiveMinimum": 0,
                                                                    "minimum": 5}}},
            "Id": {"type": "string"},
        },
    })
    models = read_json_schema(path)
    assert list(models.tables) == ["customer"]
    score = models.tables["customer"].column("score")
    assert (score.minimum, score.exclusive_minimum) == (5, False)  # the tighter of the two bounds


def test_self_reference_at_the_root_stops(tmp_path):
    path = write(tmp_path, "comment_thread.json", {
        "title": "Comment", "type": "object",
        "properties": {"text": {"type": "string"}, "replies": {"type": "array", "items": {"$ref": "#"}},
                       "quoted": {"$ref": "#"}},
    })
    thread = read_json_schema(path)
    comment = thread.tables["comment"]
    assert [c.kind for c in comment.columns] == ["string", "json", "json"]
    assert len(thread.warnings) == 2


# ---------------------------------------------------------------------------------------------- errors

def test_invalid_json_names_line_and_column(tmp_path):
    path = write(tmp_path, "broken.json", '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "string"},\n'
                                          '  }\n}\n')
    with pytest.raises(SourceError) as caught:
        read_json_schema(path)
    assert caught.value.message.startswith("broken.json:5:3: invalid JSON")


def test_an_invalid_schema_names_where_it_is_wrong(tmp_path):
    path = write(tmp_path, "typo.json", {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                                         "properties": {"age": {"type": "integr"}}})
    with pytest.raises(SourceError) as caught:
        read_json_schema(path)
    assert caught.value.message.startswith("typo.json#/properties/age/type: not a valid JSON Schema")
    assert "'integr'" in caught.value.message


def test_a_schema_without_objects_is_an_error(tmp_path):
    with pytest.raises(SourceError) as caught:
        read_json_schema(write(tmp_path, "list.json", {"type": "array", "items": {"type": "string"}}))
    assert "describes no object" in caught.value.message


def test_a_broken_sibling_file_is_an_error_naming_it(tmp_path):
    write(tmp_path, "part.json", '{"type": "object",')
    path = write(tmp_path, "whole.json", {"type": "object", "properties": {"p": {"$ref": "part.json"}}})
    with pytest.raises(SourceError) as caught:
        read_json_schema(path)
    assert caught.value.message.startswith("part.json:1:")


def test_read_source_routes_json_files():
    result = read_source(str(FIXTURES / "github_push_event.json"))
    assert list(result.tables) == ["push_event", "push_event_commits"]


def test_refs_to_files_in_a_subdirectory_under_a_url_id(tmp_path):
    (tmp_path / "common").mkdir()
    write(tmp_path, "common/user.schema.json", {
        "$schema": "http://json-schema.org/draft-07/schema",
        "$id": "https://schemas.example.com/webhooks/common/user.schema.json",
        "type": "object", "required": ["login"],
        "properties": {"login": {"type": "string"}, "org": {"$ref": "org.schema.json"}}})
    write(tmp_path, "common/org.schema.json", {"type": "object",
                                               "properties": {"slug": {"type": "string", "maxLength": 39}}})
    path = write(tmp_path, "star.json", {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": "https://schemas.example.com/webhooks/star.json", "title": "star created", "type": "object",
        "required": ["sender"],
        "properties": {"sender": {"$ref": "common/user.schema.json"}, "thread": {"$recursiveRef": "#"}}})
    star = read_json_schema(path).tables["star_created"]
    assert [c.name for c in star.columns] == ["sender_login", "sender_org_slug", "thread"]
    assert star.column("sender_login").nullable is False and star.column("sender_org_slug").length == 39
    assert star.column("thread").kind == "json"
