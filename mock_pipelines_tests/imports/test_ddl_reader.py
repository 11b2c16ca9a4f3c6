"""SQL DDL → SourceSchema: the retail fixtures in PostgreSQL and MariaDB DDL, a pg_dump and an SSMS script,
the same facts as the live databases the fixtures create, and the errors and warnings of odd input."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from mock_pipelines.imports.ddl import read_ddl
from mock_pipelines.imports.model import SourceError, SourceSchema
from mock_pipelines.imports.sources import read_source

FIXTURES = Path(__file__).parent / "fixtures"
RETAIL_TABLES = ["regions", "stores", "employees", "customers", "categories", "products", "orders",
                 "order_lines", "shipments", "returns", "inventory", "product_reviews"]


@pytest.fixture(scope="module")
def pg() -> SourceSchema:
    return read_ddl(FIXTURES / "retail_postgres.sql", "postgres")


@pytest.fixture(scope="module")
def maria() -> SourceSchema:
    return read_ddl(FIXTURES / "retail_mariadb.sql", "mysql")


def fks(schema: SourceSchema, table: str) -> set[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    return {(tuple(f.columns), f.ref_table, tuple(f.ref_columns)) for f in schema.tables[table].foreign_keys}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ the retail DDL

def test_postgres_retail_tables_keys_and_references(pg):
    assert list(pg.tables) == RETAIL_TABLES
    assert pg.name == "retail_postgres" and pg.dialect == "postgres" and pg.source.endswith("retail_postgres.sql")
    assert pg.warnings == []
    assert pg.tables["order_lines"].primary_key == ["order_id", "line_no"]
    assert pg.tables["inventory"].primary_key == ["store_id", "product_id"]
    # composite and self-referencing foreign keys
    assert fks(pg, "returns") == {(("order_id", "line_no"), "order_lines", ("order_id", "line_no"))}
    assert (("manager_id",), "employees", ("employee_id",)) in fks(pg, "employees")
    assert fks(pg, "categories") == {(("parent_id",), "categories", ("category_id",))}
    assert fks(pg, "product_reviews") == {(("product_id",), "products", ("product_id",)),
                                         (("customer_id",), "customers", ("customer_id",))}
    assert sum(len(t.foreign_keys) for t in pg.tables.values()) == 15


def test_postgres_retail_column_facts(pg):
    customers = pg.tables["customers"]
    tier = customers.column("tier")
    assert (tier.kind, tier.enum_values, tier.default) == ("enum", ["bronze", "silver", "gold", "platinum"],
                                                          "'bronze'")
    assert customers.column("preferences").kind == "json"
    tags = customers.column("tags")
    assert (tags.kind, tags.item_kind, tags.nullable) == ("array", "string", True)
    created = customers.column("created_at")
    assert (created.kind, created.timezone, created.nullable) == ("timestamp", True, False)
    assert customers.column("customer_id").autoincrement and customers.column("customer_id").precision == 64
    assert customers.column("email").unique and customers.column("email").length == 255
    assert customers.comment == "Registered customers, one row per account."
    status = pg.tables["orders"].column("status")
    assert status.enum_values == ["pending", "paid", "shipped", "delivered", "cancelled"]
    assert pg.tables["orders"].column("ordered_at").timezone is False
    assert pg.tables["stores"].column("store_id").autoincrement  # serial
    assert pg.tables["employees"].column("employee_id").autoincrement  # identity
    assert not pg.tables["products"].column("product_id").autoincrement
    price = pg.tables["products"].column("price")
    assert (price.kind, price.precision, price.scale, price.nullable) == ("decimal", 12, 2, False)
    assert pg.tables["products"].column("weight_kg").kind == "float"
    assert pg.tables["products"].column("is_active").kind == "bool"
    assert [c.precision for c in pg.tables["order_lines"].columns[:3]] == [64, 16, 32]
    assert pg.tables["shipments"].column("shipment_id").kind == "uuid"
    assert pg.tables["regions"].column("region_code").length == 2
    assert pg.tables["stores"].column("sq_meters").comment == "Sales floor area in square metres."
    assert pg.tables["regions"].comment == "Sales regions of the company."
    assert pg.tables["employees"].column("manager_id").nullable is True


def test_postgres_retail_checks_and_locations(pg):
    orders = pg.tables["orders"]
    assert [(c.sql, c.name) for c in orders.checks] == [
        ("total >= 0", None), ("delivered_at >= ordered_at", "delivered_after_ordered")]
    assert [c.sql for c in pg.tables["employees"].checks] == [
        "salary > 0", "role IN ('cashier', 'clerk', 'manager', 'director')"]
    assert pg.tables["stores"].checks[0].sql == "sq_meters BETWEEN 50 AND 20000"
    lines = (FIXTURES / "retail_postgres.sql").read_text().splitlines()
    for table in pg.tables.values():
        line = int(table.location.split(":")[1])
        assert lines[line - 1].startswith(f"CREATE TABLE {table.name} ("), table.location
        for column in table.columns:
            assert lines[int(column.location.split(":")[1]) - 1].strip().startswith(column.name + " ")
    assert orders.checks[1].location == "retail_postgres.sql:74"  # the line of its CONSTRAINT


def test_mariadb_retail_gives_the_same_facts_as_postgres(pg, maria):
    """The two fixtures describe one database; the facts both dialects can say must agree."""
    assert list(maria.tables) == RETAIL_TABLES and maria.dialect == "mysql" and maria.warnings == []
    # a MariaDB VARCHAR + CHECK IN is an ENUM in MariaDB; tags is an array in PostgreSQL, JSON in MariaDB;
    # a PostgreSQL uuid is CHAR(36) in MariaDB
    differ = {("employees", "role"), ("customers", "tags"), ("shipments", "shipment_id")}
    for name, table in pg.tables.items():
        other = maria.tables[name]
        assert [c.name for c in table.columns] == [c.name for c in other.columns]
        assert table.primary_key == other.primary_key, name
        assert fks(pg, name) == fks(maria, name), name
        assert table.unique == other.unique and table.comment == other.comment, name
        for column in table.columns:
            twin = other.column(column.name)
            where = f"{name}.{column.name}"
            assert column.nullable == twin.nullable, where
            assert column.unique == twin.unique, where
            assert column.autoincrement == twin.autoincrement, where
            assert column.comment == twin.comment, where
            if (name, column.name) in differ:
                continue
            assert column.kind == twin.kind, where
            assert (column.length, column.scale) == (twin.length, twin.scale), where
            if column.kind in ("decimal", "int"):
                assert column.precision == twin.precision, where
            assert column.enum_values == twin.enum_values, where
    role = maria.tables["employees"].column("role")
    assert role.kind == "enum" and role.enum_values == ["cashier", "clerk", "manager", "director"]
    assert maria.tables["customers"].column("tags").kind == "json"
    assert maria.tables["shipments"].column("shipment_id").length == 36
    # checks: the same conditions, named in MariaDB
    pg_checks = sorted(c.sql for t in pg.tables.values() for c in t.checks
                       if not c.sql.startswith(("role IN", "carrier IN")))
    maria_checks = sorted(c.sql for t in maria.tables.values() for c in t.checks
                          if not c.sql.startswith("carrier IN"))
    assert pg_checks == maria_checks
    assert {c.name for c in maria.tables["orders"].checks} == {"orders_total", "delivered_after_ordered"}
    assert maria.tables["stores"].checks[0].location == "retail_mariadb.sql:15"


def _live_facts(url: str, schema: str | None) -> dict:
    """What SQLAlchemy's inspector says of the live tables: names, columns, nullability, keys."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        facts = {}
        for table in inspector.get_table_names(schema=schema):
            columns = inspector.get_columns(table, schema=schema)
            facts[table] = {
                "columns": {c["name"]: (c["nullable"], getattr(c["type"], "length", None)) for c in columns},
                "pk": inspector.get_pk_constraint(table, schema=schema)["constrained_columns"],
                "fks": {(tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                        for f in inspector.get_foreign_keys(table, schema=schema)},
            }
        return facts
    finally:
        engine.dispose()


def _ddl_facts(schema: SourceSchema) -> dict:
    return {name: {"columns": {c.name: (c.nullable, c.length if c.kind in ("string", "binary") else None)
                               for c in t.columns},
                   "pk": t.primary_key, "fks": fks(schema, name)} for name, t in schema.tables.items()}


def test_postgres_ddl_matches_the_live_database(pg, postgres_db):
    url, schema = postgres_db
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'SET search_path TO "{schema}"')
        conn.exec_driver_sql((FIXTURES / "retail_postgres.sql").read_text())
    engine.dispose()
    live = _live_facts(url, schema)
    assert sorted(live) == sorted(RETAIL_TABLES)
    _assert_same_facts(_ddl_facts(pg), live)


def _assert_same_facts(mine: dict, live: dict) -> None:
    for name in RETAIL_TABLES:
        live_columns = live[name]["columns"]
        assert list(mine[name]["columns"]) == list(live_columns), name
        for column, (nullable, length) in mine[name]["columns"].items():
            assert live_columns[column][0] == nullable, f"{name}.{column}"
            if length is not None:  # a string's length (an ENUM reports its longest label: not compared)
                assert live_columns[column][1] == length, f"{name}.{column}"
        assert mine[name]["pk"] == live[name]["pk"] and mine[name]["fks"] == live[name]["fks"], name


def test_mariadb_ddl_matches_the_live_database(maria, mysql_db):
    url, database = mysql_db
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in (FIXTURES / "retail_mariadb.sql").read_text().split(";\n"):
            body = "\n".join(x for x in statement.splitlines() if not x.startswith("--")).strip()
            if body:
                conn.exec_driver_sql(body)
    engine.dispose()
    live = _live_facts(url, database)
    assert sorted(live) == sorted(RETAIL_TABLES)
    _assert_same_facts(_ddl_facts(maria), live)


# --------------------------------------------------------------------------------- dumps of other tools

def test_pg_dump_schema_with_alter_table_constraints():
    dump = read_ddl(FIXTURES / "billing_pg_dump.sql", "postgres")
    assert list(dump.tables) == ["accounts", "invoices", "invoice_items"]
    accounts, invoices, items = (dump.tables[n] for n in dump.tables)
    assert {t.namespace for t in dump.tables.values()} == {"billing"}
    assert accounts.primary_key == ["account_id"] and accounts.column("account_id").autoincrement  # nextval
    assert accounts.column("account_id").nullable is False
    assert invoices.column("invoice_id").autoincrement  # ALTER COLUMN … ADD GENERATED … AS IDENTITY
    assert items.primary_key == ["invoice_id", "item_no"]
    assert invoices.column("number").unique  # ALTER TABLE … ADD CONSTRAINT … UNIQUE
    assert accounts.unique == [["name", "currency"]]  # CREATE UNIQUE INDEX on two columns
    assert invoices.foreign_keys[0].name == "invoices_account_id_fkey"
    assert fks(dump, "invoices") == {(("account_id",), "accounts", ("account_id",))}
    # REFERENCES billing.invoices without columns: the parent's primary key, set by a later ALTER TABLE
    assert fks(dump, "invoice_items") == {(("invoice_id",), "invoices", ("invoice_id",))}
    state = invoices.column("state")
    assert state.kind == "enum" and state.enum_values == ["draft", "open", "paid", "void"]
    labels = accounts.column("labels")
    assert (labels.kind, labels.item_kind) == ("array", "string")
    assert accounts.column("updated_at").timezone
    assert accounts.comment == "Customer accounts that receive invoices."
    assert accounts.column("external_ref").comment == "Stable id shared with the CRM."
    assert [(c.name, c.sql) for c in invoices.checks] == [
        ("invoices_amount_check", "amount >= CAST((0) AS DECIMAL)"),
        ("invoices_due_after_issue", "due_on >= issued_on")]
    assert items.checks[0].sql == "quantity > 0" and items.checks[0].location == "billing_pg_dump.sql:101"
    # SET, SELECT set_config, CREATE SCHEMA/EXTENSION/FUNCTION/SEQUENCE/INDEX/TRIGGER, GRANT: nothing to say
    assert dump.warnings == []


def test_tsql_management_studio_script():
    crm = read_ddl(FIXTURES / "crm_tsql.sql", "tsql")
    assert list(crm.tables) == ["Accounts", "Contacts"] and crm.dialect == "tsql"
    accounts, contacts = crm.tables["Accounts"], crm.tables["Contacts"]
    assert accounts.namespace == "dbo" and accounts.location == "crm_tsql.sql:4"
    assert accounts.primary_key == ["AccountID"] and accounts.column("AccountID").autoincrement
    assert accounts.column("Name").unique and accounts.column("Name").length == 200
    assert accounts.column("Notes").length is None  # nvarchar(max)
    assert accounts.column("IsActive").kind == "bool"
    assert accounts.column("RowGuid").kind == "uuid"
    assert (accounts.column("SyncedAt").kind, accounts.column("SyncedAt").timezone) == ("timestamp", True)
    assert contacts.column("Score").minimum == 0 and contacts.column("Score").precision == 8
    assert fks(crm, "Contacts") == {(("AccountID",), "Accounts", ("AccountID",))}
    assert contacts.checks[0].name == "CK_Contacts_Rating"
    assert contacts.checks[0].sql == "[Rating] >= 0 AND [Rating] <= 10"
    assert [str(w) for w in crm.warnings] == [
        "crm_tsql.sql:9 Accounts.Balance: MONEY is read as a decimal: imported as kind decimal"]


def test_snowflake_table_with_semi_structured_columns(tmp_path):
    path = write(tmp_path, "events.sql", """
create or replace TABLE ANALYTICS.RAW.PAGE_EVENTS (
    EVENT_ID NUMBER(38,0) NOT NULL autoincrement start 1 increment 1 order,
    SESSION_ID VARCHAR(36) NOT NULL,
    PAYLOAD VARIANT,
    TAGS ARRAY,
    OCCURRED_AT TIMESTAMP_TZ(9) NOT NULL,
    LOADED_AT TIMESTAMP_NTZ(9),
    PAGE_URL VARCHAR(16777216) COMMENT 'Full URL including the query string',
    primary key (EVENT_ID)
) COMMENT='Raw page events from the web tracker';
""")
    events = read_ddl(path, "snowflake").tables["PAGE_EVENTS"]
    assert events.namespace == "RAW" and events.comment == "Raw page events from the web tracker"
    assert events.primary_key == ["EVENT_ID"] and events.column("EVENT_ID").autoincrement
    assert events.column("PAYLOAD").kind == "json"
    assert (events.column("TAGS").kind, events.column("TAGS").item_kind) == ("array", "unknown")
    assert events.column("OCCURRED_AT").timezone and not events.column("LOADED_AT").timezone
    assert events.column("PAGE_URL").comment == "Full URL including the query string"
    assert events.location == "events.sql:2"


def test_integer_array_suffix_and_late_primary_keys(tmp_path):
    path = write(tmp_path, "shop.sql", """
CREATE TABLE orders (
    order_id bigint,
    customer_id bigint REFERENCES customers,
    scores integer ARRAY,
    sizes smallint ARRAY[4] NOT NULL,
    matrix int[][]
);
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
ALTER TABLE orders ADD CONSTRAINT orders_pk PRIMARY KEY (order_id), ADD CONSTRAINT orders_u UNIQUE (customer_id, order_id);
ALTER TABLE orders ADD COLUMN note varchar(200) NOT NULL DEFAULT '';
ALTER TABLE customers ADD CONSTRAINT customers_email CHECK (email LIKE '%@%');
""")
    shop = read_ddl(path, "postgres")
    orders = shop.tables["orders"]
    assert (orders.column("scores").kind, orders.column("scores").item_kind) == ("array", "int")
    assert orders.column("sizes").nullable is False and orders.column("sizes").item_kind == "int"
    assert orders.column("matrix").item_kind == "array"
    assert orders.primary_key == ["order_id"] and orders.column("order_id").nullable is False
    assert orders.unique == [["customer_id", "order_id"]]
    assert fks(shop, "orders") == {(("customer_id",), "customers", ("id",))}  # REFERENCES declared later
    assert orders.column("note").length == 200 and orders.column("note").nullable is False
    assert shop.tables["customers"].checks[0].sql == "email LIKE '%@%'"
    assert shop.tables["customers"].checks[0].name == "customers_email"


# ------------------------------------------------------------------------------ warnings, never failures

def test_odd_types_become_unknown_with_a_warning_naming_the_column(tmp_path):
    path = write(tmp_path, "geo.sql", """CREATE TABLE places (
    place_id integer PRIMARY KEY,
    geom geometry(Point, 4326),
    area my_area_domain,
    flags bit(8),
    client inet,
    price money,
    c integer GENERATED ALWAYS AS (place_id * 2) STORED
);
CREATE VIEW big_places AS SELECT * FROM places;
CREATE TABLE sizes AS SELECT place_id FROM places;
CREATE UNIQUE INDEX places_lower ON places (lower(client::text));
CREATE TABLE visits (visit_id int PRIMARY KEY, place_id int REFERENCES elsewhere.places_archive (id));
""")
    geo = read_ddl(path, "postgres")
    places = geo.tables["places"]
    assert [places.column(c).kind for c in ("geom", "area", "flags")] == ["unknown"] * 3
    assert places.column("client").format == "ipv4" and places.column("price").kind == "decimal"
    assert list(geo.tables) == ["places", "visits"]
    assert geo.tables["visits"].foreign_keys == []
    text = "\n".join(str(w) for w in geo.warnings)
    for expected in ("geo.sql:3 places.geom: type GEOMETRY(POINT, 4326) has no kind: imported as kind unknown",
                     "geo.sql:4 places.area: type my_area_domain is not a type the import knows",
                     "geo.sql:5 places.flags", "geo.sql:6 places.client", "geo.sql:7 places.price",
                     "geo.sql:8 places.c: computed by the database", "geo.sql:10: view big_places",
                     "geo.sql:11: table sizes is created from a query", "unique index places_lower is on an "
                     "expression", "visits(place_id): references places_archive, which the file does not "
                     "create"):
        assert expected in text, expected


def test_drop_table_then_create_keeps_the_new_definition(tmp_path):
    path = write(tmp_path, "migrate.sql", """
DROP TABLE IF EXISTS audit_log;
CREATE TABLE audit_log (id int PRIMARY KEY, body text);
DROP TABLE audit_log;
CREATE TABLE audit_log (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);
INSERT INTO audit_log VALUES (1, now());
""")
    log = read_ddl(path, "postgres").tables["audit_log"]
    assert [c.name for c in log.columns] == ["id", "happened_at"] and log.column("id").precision == 64


# ---------------------------------------------------------------------------------------------- errors

def test_a_syntax_error_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "broken.sql", """CREATE TABLE a (id int PRIMARY KEY);

CREATE TABLE b (
    id int PRIMARY KEY,
    a_id int REFERENCES,
    name text
);
""")
    with pytest.raises(SourceError) as caught:
        read_ddl(path, "postgres")
    assert caught.value.message.startswith("broken.sql:5: sqlglot cannot parse the statement starting at line 3")
    assert "--dialect" in caught.value.suggestion and "\x1b" not in caught.value.message


def test_an_unterminated_string_names_the_statement_line(tmp_path):
    path = write(tmp_path, "quote.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (\n  s text DEFAULT 'x\n);\n")
    with pytest.raises(SourceError) as caught:
        read_ddl(path, "postgres")
    assert caught.value.message.startswith("quote.sql:") and "starting at line 2" in caught.value.message


def test_mysql_table_options_read_as_postgres_fail_with_a_dialect_hint(tmp_path):
    path = write(tmp_path, "dump.sql", "CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT,\n"
                                       "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n")
    with pytest.raises(SourceError) as caught:
        read_ddl(path, "postgres")
    assert caught.value.message.startswith("dump.sql:1: ")
    assert "try another --dialect" in caught.value.suggestion
    assert read_ddl(path, "mysql").tables["t"].column("id").autoincrement


def test_an_unknown_dialect_suggests_the_closest_name(tmp_path):
    path = write(tmp_path, "x.sql", "CREATE TABLE a (id int);")
    with pytest.raises(SourceError) as caught:
        read_ddl(path, "postgress")
    assert caught.value.message == "unknown SQL dialect 'postgress'"
    assert caught.value.suggestion == "did you mean --dialect postgres?"
    with pytest.raises(SourceError) as caught:
        read_ddl(path, "cobol")
    assert "snowflake" in caught.value.suggestion


def test_read_source_routes_sql_files_with_their_dialect():
    result = read_source(str(FIXTURES / "retail_mariadb.sql"), dialect="mysql", include=["order*"])
    assert list(result.tables) == ["orders", "order_lines"]
    assert result.tables["orders"].column("status").kind == "enum"


# ------------------------------------------------------------------------------- more dialects and forms

def test_mysqldump_with_versioned_comments_locks_and_inserts():
    blog = read_ddl(FIXTURES / "blog_mysqldump.sql", "mysql")
    assert list(blog.tables) == ["users", "posts"]
    users, posts = blog.tables["users"], blog.tables["posts"]
    assert users.comment == "Application users"
    uid = users.column("id")
    assert (uid.autoincrement, uid.minimum, uid.precision) == (True, 0, 32)  # int unsigned
    assert users.column("email").unique and users.column("email").length == 191  # UNIQUE KEY
    assert users.column("score").minimum == 0  # decimal unsigned
    assert (users.column("bio").kind, users.column("avatar").kind) == ("string", "binary")
    # a live MySQL describes TIMESTAMP as a plain timestamp
    assert users.column("created_at").kind == "timestamp" and not users.column("created_at").timezone
    assert users.column("roles").kind == "string"
    assert posts.unique == [["slug", "lang"]] and posts.column("published").kind == "bool"
    assert fks(blog, "posts") == {(("user_id",), "users", ("id",))}
    assert posts.foreign_keys[0].name == "posts_user_fk"
    assert [w.location for w in blog.warnings] == ["blog_mysqldump.sql:10 users.roles",
                                                   "blog_mysqldump.sql:32 posts.flags"]


def test_postgres_domains_give_their_base_type_and_constraints(tmp_path):
    path = write(tmp_path, "people.sql", """
CREATE DOMAIN public.email_address AS varchar(254) NOT NULL CHECK (VALUE LIKE '%_@_%');
CREATE DOMAIN percent numeric(5,2) DEFAULT 0 CHECK (VALUE >= 0 AND VALUE <= 100);
CREATE TABLE people (
    id int PRIMARY KEY,
    email email_address UNIQUE,
    share public.percent DEFAULT 50,
    backup_email email_address NULL
);
""")
    people = read_ddl(path, "postgres").tables["people"]
    email = people.column("email")
    assert (email.kind, email.length, email.nullable, email.unique, email.type_text) == (
        "string", 254, False, True, "email_address")
    share = people.column("share")
    assert (share.kind, share.precision, share.scale, share.default) == ("decimal", 5, 2, "50")
    assert people.column("backup_email").nullable is False  # a domain's NOT NULL holds anyway
    assert [c.sql for c in people.checks] == ["email LIKE '%_@_%'", "share >= 0 AND share <= 100",
                                              "backup_email LIKE '%_@_%'"]


def test_sqlite_schema_with_a_typeless_column(tmp_path):
    path = write(tmp_path, "notes.sql", """CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL CHECK (length(body) > 0),
    tag,
    owner INTEGER REFERENCES users
);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE);
""")
    notes = read_ddl(path, "sqlite")
    table = notes.tables["notes"]
    assert [c.name for c in table.columns] == ["id", "body", "tag", "owner"]
    assert table.column("id").autoincrement and table.column("id").precision == 64
    assert table.column("tag").kind == "unknown"
    assert [str(w) for w in notes.warnings] == [
        "notes.sql:4 notes.tag: no declared type: imported as kind unknown — its values get a generic "
        "generator: set one in the written YAML"]
    assert fks(notes, "notes") == {(("owner",), "users", ("id",))}
    assert table.checks[0].sql == "LENGTH(body) > 0" and notes.tables["users"].column("name").unique


def test_oracle_and_bigquery_tables(tmp_path):
    oracle = read_ddl(write(tmp_path, "hr.sql", """CREATE TABLE hr.employees (
  employee_id NUMBER(6) GENERATED ALWAYS AS IDENTITY,
  last_name VARCHAR2(25) CONSTRAINT emp_last_name_nn NOT NULL,
  email VARCHAR2(25) NOT NULL,
  salary NUMBER(8,2),
  resume CLOB,
  updated TIMESTAMP(6) WITH LOCAL TIME ZONE,
  CONSTRAINT emp_salary_min CHECK (salary > 0),
  CONSTRAINT emp_email_uk UNIQUE (email),
  CONSTRAINT emp_emp_id_pk PRIMARY KEY (employee_id)
);
COMMENT ON COLUMN hr.employees.salary IS 'Monthly salary';
"""), "oracle").tables["employees"]
    emp_id = oracle.column("employee_id")
    assert (emp_id.kind, emp_id.precision, emp_id.scale, emp_id.autoincrement) == ("decimal", 6, 0, True)
    assert oracle.primary_key == ["employee_id"] and oracle.column("email").unique
    assert oracle.column("last_name").nullable is False and oracle.column("last_name").length == 25
    assert oracle.column("salary").comment == "Monthly salary" and oracle.column("updated").timezone
    assert oracle.checks[0].name == "emp_salary_min"
    bigquery = read_ddl(write(tmp_path, "shop.sql", """CREATE TABLE `proj.shop.orders` (
  order_id STRING NOT NULL OPTIONS(description="Order id"),
  tags ARRAY<STRING>,
  items ARRAY<STRUCT<sku STRING, qty INT64>>,
  geo GEOGRAPHY
) PARTITION BY DATE(created_at) OPTIONS(description="Orders");
"""), "bigquery")
    orders = bigquery.tables["orders"]
    assert orders.namespace == "shop" and orders.comment == "Orders"
    assert orders.column("order_id").comment == "Order id"
    assert orders.column("tags").item_kind == "string" and orders.column("items").item_kind == "json"
    assert [w.location for w in bigquery.warnings] == ["shop.sql:5 orders.geo"]


def test_tables_of_the_same_name_in_two_schemas(tmp_path):
    two = read_ddl(write(tmp_path, "two.sql", """
CREATE TABLE sales.customers (id int PRIMARY KEY);
CREATE TABLE crm.customers (id int PRIMARY KEY, sales_id int REFERENCES sales.customers (id));
CREATE TABLE crm.notes (id int PRIMARY KEY, customer_id int REFERENCES crm.customers);
"""), "postgres")
    assert list(two.tables) == ["customers", "crm_customers", "notes"]
    assert fks(two, "crm_customers") == {(("sales_id",), "customers", ("id",))}
    assert fks(two, "notes") == {(("customer_id",), "crm_customers", ("id",))}
    assert "imported as crm_customers" in str(two.warnings[0])
