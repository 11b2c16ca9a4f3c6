"""The retail database of fixtures/retail_postgres.sql as a reader would describe it (a SourceSchema),
for tests of inference that must not depend on a reader or a server."""

from __future__ import annotations

from mock_pipelines.imports.model import (
    SourceCheck,
    SourceColumn,
    SourceForeignKey,
    SourceSchema,
    SourceTable,
)


def col(name: str, kind: str, type_text: str, nullable: bool = True, **kw) -> SourceColumn:
    return SourceColumn(name, kind, type_text, nullable=nullable, **kw)


def fk(columns: list[str], table: str, ref: list[str]) -> SourceForeignKey:
    return SourceForeignKey(columns, table, ref)


def retail_source() -> SourceSchema:
    t = {}
    t["regions"] = SourceTable("regions", [
        col("region_code", "string", "character(2)", False, length=2),
        col("name", "string", "character varying(60)", False, length=60, unique=True),
    ], primary_key=["region_code"], comment="Sales regions of the company.")
    t["stores"] = SourceTable("stores", [
        col("store_id", "int", "integer", False, precision=32, autoincrement=True),
        col("region_code", "string", "character(2)", False, length=2),
        col("name", "string", "character varying(80)", False, length=80),
        col("city", "string", "character varying(60)", False, length=60),
        col("opened_on", "date", "date", False),
        col("sq_meters", "int", "integer", False, precision=32, comment="Sales floor area in square metres."),
    ], primary_key=["store_id"], foreign_keys=[fk(["region_code"], "regions", ["region_code"])],
        checks=[SourceCheck("sq_meters >= 50 AND sq_meters <= 20000", "stores_sq_meters_check")])
    t["employees"] = SourceTable("employees", [
        col("employee_id", "int", "integer", False, precision=32, autoincrement=True),
        col("store_id", "int", "integer", False, precision=32),
        col("manager_id", "int", "integer", True, precision=32),
        col("first_name", "string", "character varying(40)", False, length=40),
        col("last_name", "string", "character varying(40)", False, length=40),
        col("email", "string", "character varying(120)", False, length=120, unique=True),
        col("hired_on", "date", "date", False),
        col("salary", "decimal", "numeric(10,2)", False, precision=10, scale=2),
        col("role", "string", "character varying(20)", False, length=20),
    ], primary_key=["employee_id"], foreign_keys=[fk(["store_id"], "stores", ["store_id"]),
                                                  fk(["manager_id"], "employees", ["employee_id"])],
        checks=[SourceCheck("salary > (0)::numeric", "employees_salary_check"),
                SourceCheck("(role)::text = ANY ((ARRAY['cashier'::character varying, 'clerk'::character "
                            "varying, 'manager'::character varying, 'director'::character varying])::text[])",
                            "employees_role_check")])
    t["customers"] = SourceTable("customers", [
        col("customer_id", "int", "bigint", False, precision=64, autoincrement=True),
        col("email", "string", "character varying(255)", False, length=255, unique=True),
        col("first_name", "string", "character varying(50)", False, length=50),
        col("last_name", "string", "character varying(50)", False, length=50),
        col("phone", "string", "character varying(30)", True, length=30),
        col("birth_date", "date", "date", True),
        col("tier", "enum", "loyalty_tier", False, enum_values=["bronze", "silver", "gold", "platinum"]),
        col("preferences", "json", "jsonb", True),
        col("tags", "array", "text[]", True, item_kind="string"),
        col("created_at", "timestamp", "timestamp with time zone", False, timezone=True),
    ], primary_key=["customer_id"], comment="Registered customers, one row per account.")
    t["categories"] = SourceTable("categories", [
        col("category_id", "int", "smallint", False, precision=16),
        col("parent_id", "int", "smallint", True, precision=16),
        col("name", "string", "character varying(50)", False, length=50, unique=True),
    ], primary_key=["category_id"], foreign_keys=[fk(["parent_id"], "categories", ["category_id"])])
    t["products"] = SourceTable("products", [
        col("product_id", "int", "integer", False, precision=32),
        col("sku", "string", "character varying(20)", False, length=20, unique=True),
        col("name", "string", "character varying(120)", False, length=120),
        col("category_id", "int", "smallint", False, precision=16),
        col("price", "decimal", "numeric(12,2)", False, precision=12, scale=2),
        col("weight_kg", "float", "real", True),
        col("attributes", "json", "jsonb", True),
        col("is_active", "bool", "boolean", False),
    ], primary_key=["product_id"], foreign_keys=[fk(["category_id"], "categories", ["category_id"])],
        checks=[SourceCheck("price > (0)::numeric", "products_price_check"),
                SourceCheck("weight_kg >= (0)::double precision", "products_weight_kg_check")])
    t["orders"] = SourceTable("orders", [
        col("order_id", "int", "bigint", False, precision=64),
        col("customer_id", "int", "bigint", False, precision=64),
        col("store_id", "int", "integer", True, precision=32),
        col("status", "enum", "order_status", False,
            enum_values=["pending", "paid", "shipped", "delivered", "cancelled"]),
        col("ordered_at", "timestamp", "timestamp without time zone", False),
        col("delivered_at", "timestamp", "timestamp without time zone", True),
        col("total", "decimal", "numeric(12,2)", False, precision=12, scale=2),
    ], primary_key=["order_id"], foreign_keys=[fk(["customer_id"], "customers", ["customer_id"]),
                                               fk(["store_id"], "stores", ["store_id"])],
        checks=[SourceCheck("total >= (0)::numeric", "orders_total_check"),
                SourceCheck("delivered_at >= ordered_at", "delivered_after_ordered")])
    t["order_lines"] = SourceTable("order_lines", [
        col("order_id", "int", "bigint", False, precision=64),
        col("line_no", "int", "smallint", False, precision=16),
        col("product_id", "int", "integer", False, precision=32),
        col("quantity", "int", "integer", False, precision=32),
        col("unit_price", "decimal", "numeric(12,2)", False, precision=12, scale=2),
    ], primary_key=["order_id", "line_no"], foreign_keys=[fk(["order_id"], "orders", ["order_id"]),
                                                          fk(["product_id"], "products", ["product_id"])],
        checks=[SourceCheck("quantity >= 1 AND quantity <= 100", "order_lines_quantity_check"),
                SourceCheck("unit_price >= (0)::numeric", "order_lines_unit_price_check")])
    t["shipments"] = SourceTable("shipments", [
        col("shipment_id", "uuid", "uuid", False),
        col("order_id", "int", "bigint", False, precision=64),
        col("carrier", "string", "character varying(10)", False, length=10),
        col("tracking_no", "string", "character varying(40)", True, length=40, unique=True),
        col("shipped_at", "timestamp", "timestamp without time zone", False),
    ], primary_key=["shipment_id"], foreign_keys=[fk(["order_id"], "orders", ["order_id"])],
        checks=[SourceCheck("(carrier)::text = ANY ((ARRAY['ups'::character varying, 'fedex'::character "
                            "varying, 'dhl'::character varying, 'usps'::character varying])::text[])",
                            "shipments_carrier_check")])
    t["returns"] = SourceTable("returns", [
        col("return_id", "int", "integer", False, precision=32),
        col("order_id", "int", "bigint", False, precision=64),
        col("line_no", "int", "smallint", False, precision=16),
        col("reason", "string", "character varying(200)", True, length=200),
        col("refund", "decimal", "numeric(12,2)", False, precision=12, scale=2),
        col("returned_at", "timestamp", "timestamp without time zone", False),
    ], primary_key=["return_id"], foreign_keys=[fk(["order_id", "line_no"], "order_lines",
                                                    ["order_id", "line_no"])],
        checks=[SourceCheck("refund >= (0)::numeric", "returns_refund_check")])
    t["inventory"] = SourceTable("inventory", [
        col("store_id", "int", "integer", False, precision=32),
        col("product_id", "int", "integer", False, precision=32),
        col("on_hand", "int", "integer", False, precision=32),
        col("updated_at", "timestamp", "timestamp without time zone", False),
    ], primary_key=["store_id", "product_id"], foreign_keys=[fk(["store_id"], "stores", ["store_id"]),
                                                             fk(["product_id"], "products", ["product_id"])],
        checks=[SourceCheck("on_hand >= 0", "inventory_on_hand_check")])
    t["product_reviews"] = SourceTable("product_reviews", [
        col("review_id", "int", "bigint", False, precision=64),
        col("product_id", "int", "integer", False, precision=32),
        col("customer_id", "int", "bigint", False, precision=64),
        col("rating", "int", "smallint", False, precision=16),
        col("title", "string", "character varying(100)", True, length=100),
        col("body", "string", "text", True),
        col("created_at", "timestamp", "timestamp with time zone", False, timezone=True),
    ], primary_key=["review_id"], foreign_keys=[fk(["product_id"], "products", ["product_id"]),
                                                fk(["customer_id"], "customers", ["customer_id"])],
        checks=[SourceCheck("rating >= 1 AND rating <= 5", "product_reviews_rating_check")])
    return SourceSchema("retail", "postgresql+psycopg://postgres@127.0.0.1:5432/test (schema retail)", t,
                        dialect="postgres")
