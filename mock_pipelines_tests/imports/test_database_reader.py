"""Reading live databases into a SourceSchema, on real PostgreSQL, MariaDB and SQLite servers.

The retail fixtures are a realistic 12-table database in each dialect; every test loads what it reads into
a namespace of its own (``postgres_db`` / ``mysql_db`` fixtures).
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from mock_pipelines.imports.database import dataset_name, read_database
from mock_pipelines.imports.model import SourceError, SourceSchema
from mock_pipelines.imports.sources import read_source

FIXTURES = Path(__file__).parent / "fixtures"
RETAIL_TABLES = {"regions", "stores", "employees", "customers", "categories", "products", "orders",
                 "order_lines", "shipments", "returns", "inventory", "product_reviews"}


def run_postgres(url: str, schema: str, sql: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'SET search_path TO "{schema}";\n{sql}')
    finally:
        engine.dispose()


def run_mysql(url: str, sql: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            for statement in re.split(r";\s*$", sql, flags=re.MULTILINE):  # a ";" inside a comment stays
                if statement.strip():
                    conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture
def retail_postgres(postgres_db) -> tuple[str, str, SourceSchema]:
    url, schema = postgres_db
    run_postgres(url, schema, (FIXTURES / "retail_postgres.sql").read_text())
    return url, schema, read_database(url, schema=schema)


@pytest.fixture
def retail_mariadb(mysql_db) -> tuple[str, str, SourceSchema]:
    url, database = mysql_db
    run_mysql(url, (FIXTURES / "retail_mariadb.sql").read_text())
    return url, database, read_database(url)


def checks_of(result: SourceSchema, table: str) -> dict[str | None, str]:
    return {c.name: c.sql for c in result.tables[table].checks}


# ---- PostgreSQL --------------------------------------------------------------------------------------------
def test_postgres_retail_reads_all_twelve_tables_with_keys_and_self_references(retail_postgres):
    _, schema, result = retail_postgres
    assert set(result.tables) == RETAIL_TABLES
    assert result.dialect == "postgres" and result.name == schema and result.warnings == []
    returns = result.tables["returns"]
    assert [(fk.columns, fk.ref_table, fk.ref_columns) for fk in returns.foreign_keys] == [
        (["order_id", "line_no"], "order_lines", ["order_id", "line_no"])]
    assert result.tables["order_lines"].primary_key == ["order_id", "line_no"]
    employees = {fk.ref_table: fk for fk in result.tables["employees"].foreign_keys}
    assert employees["employees"].columns == ["manager_id"]
    assert employees["employees"].ref_columns == ["employee_id"]
    assert employees["stores"].columns == ["store_id"]
    categories = result.tables["categories"].foreign_keys
    assert [(fk.columns, fk.ref_table) for fk in categories] == [(["parent_id"], "categories")]
    assert result.tables["inventory"].primary_key == ["store_id", "product_id"]
    assert all(t.namespace == schema for t in result.tables.values())
    assert result.tables["orders"].location == f"{schema}.orders"


def test_postgres_retail_types_enums_arrays_json_and_widths(retail_postgres):
    _, schema, result = retail_postgres
    customers = result.tables["customers"]
    tier = customers.column("tier")
    assert tier.kind == "enum" and tier.enum_values == ["bronze", "silver", "gold", "platinum"]
    assert tier.default is not None and "bronze" in tier.default and not tier.nullable
    status = result.tables["orders"].column("status")
    assert status.enum_values == ["pending", "paid", "shipped", "delivered", "cancelled"]
    tags = customers.column("tags")
    assert (tags.kind, tags.item_kind, tags.type_text) == ("array", "string", "text[]")
    assert customers.column("preferences").kind == "json"
    assert result.tables["products"].column("attributes").kind == "json"
    created = customers.column("created_at")
    assert (created.kind, created.timezone, created.default) == ("timestamp", True, "now()")
    ordered = result.tables["orders"].column("ordered_at")
    assert (ordered.kind, ordered.timezone) == ("timestamp", False)
    assert result.tables["shipments"].column("shipment_id").kind == "uuid"
    email = customers.column("email")
    assert (email.kind, email.length, email.type_text) == ("string", 255, "character varying(255)")
    assert result.tables["regions"].column("region_code").length == 2
    salary = result.tables["employees"].column("salary")
    assert (salary.kind, salary.precision, salary.scale) == ("decimal", 10, 2)
    assert result.tables["products"].column("weight_kg").kind == "float"
    assert result.tables["products"].column("is_active").kind == "bool"
    bits = {(t, c): result.tables[t].column(c).precision for t, c in
            [("categories", "category_id"), ("stores", "store_id"), ("customers", "customer_id")]}
    assert bits == {("categories", "category_id"): 16, ("stores", "store_id"): 32,
                    ("customers", "customer_id"): 64}
    assert result.tables["customers"].column("phone").nullable
    assert not result.tables["customers"].column("first_name").nullable
    assert email.location == f"{schema}.customers.email"


def test_postgres_retail_autoincrement_unique_comments_and_checks(retail_postgres):
    _, _, result = retail_postgres
    auto = {(t.name, c.name) for t in result.tables.values() for c in t.columns if c.autoincrement}
    assert auto == {("stores", "store_id"), ("customers", "customer_id"), ("employees", "employee_id")}
    unique = {(t.name, c.name) for t in result.tables.values() for c in t.columns if c.unique}
    assert unique == {("regions", "name"), ("employees", "email"), ("customers", "email"),
                      ("categories", "name"), ("products", "sku"), ("shipments", "tracking_no")}
    assert result.tables["regions"].comment == "Sales regions of the company."
    assert result.tables["customers"].comment == "Registered customers, one row per account."
    assert result.tables["stores"].column("sq_meters").comment == "Sales floor area in square metres."
    manager = result.tables["employees"].column("manager_id")
    assert manager.comment == "The employee this one reports to; null for the top of the tree."
    employees = checks_of(result, "employees")
    assert employees["employees_role_check"] == "role IN ('cashier', 'clerk', 'manager', 'director')"
    assert employees["employees_salary_check"] == "salary > 0"
    assert checks_of(result, "stores") == {"stores_sq_meters_check": "sq_meters >= 50 AND sq_meters <= 20000"}
    assert checks_of(result, "orders")["delivered_after_ordered"] == "delivered_at >= ordered_at"
    assert checks_of(result, "shipments") == {
        "shipments_carrier_check": "carrier IN ('ups', 'fedex', 'dhl', 'usps')"}
    assert checks_of(result, "products")["products_weight_kg_check"] == "weight_kg >= 0"


def test_postgres_odd_types_import_with_a_warning_naming_each(postgres_db):
    url, schema = postgres_db
    run_postgres(url, schema, """
        CREATE DOMAIN positive_qty AS integer CHECK (VALUE > 0);
        CREATE TYPE mood AS ENUM ('calm', 'busy');
        CREATE TABLE sensors (
            sensor_id integer PRIMARY KEY,
            location point,
            address inet,
            price money,
            search tsvector,
            qty positive_qty,
            doc xml,
            flags bit(8),
            moods mood[],
            readings double precision[],
            mac macaddr,
            uptime interval,
            opens time,
            firmware bytea,
            code varchar(8),
            serial_no bigint GENERATED ALWAYS AS IDENTITY,
            double_qty integer GENERATED ALWAYS AS (qty * 2) STORED
        );
        CREATE UNIQUE INDEX sensors_mac_code ON sensors (mac, code);
        CREATE UNIQUE INDEX sensors_active ON sensors (code) WHERE qty > 1;
    """)
    result = read_database(url, schema=schema)
    sensors = result.tables["sensors"]
    kinds = {c.name: c.kind for c in sensors.columns}
    assert kinds == {"sensor_id": "int", "location": "unknown", "address": "string", "price": "decimal",
                     "search": "unknown", "qty": "int", "doc": "unknown", "flags": "unknown",
                     "moods": "array", "readings": "array", "mac": "string", "uptime": "interval",
                     "opens": "time",
                     "firmware": "binary", "code": "string", "serial_no": "int", "double_qty": "int"}
    assert sensors.column("address").format == "ipv4"
    assert (sensors.column("price").precision, sensors.column("price").scale) == (19, 2)
    assert sensors.column("moods").item_enum_values == ["calm", "busy"]
    assert sensors.column("moods").item_kind == "enum"
    assert sensors.column("readings").item_kind == "float"
    assert sensors.column("serial_no").autoincrement
    assert sensors.unique == [["mac", "code"]]  # the partial index is no rule over all rows
    assert not sensors.column("code").unique
    assert [(c.name, c.sql) for c in sensors.checks] == [("positive_qty_check", "qty > 0")]
    by_column = {w.location.rsplit(".", 1)[-1]: str(w) for w in result.warnings if w.location.count(".") == 2}
    assert set(by_column) == {"location", "address", "price", "search", "qty", "doc", "flags", "mac",
                              "serial_no", "double_qty"}
    assert "GENERATED ALWAYS" in by_column["serial_no"] and "* 2" in by_column["double_qty"]
    assert by_column["location"].startswith(f"{schema}.sensors.location: unsupported type point")
    assert "tsvector" in by_column["search"] and "xml" in by_column["doc"] and "bit(8)" in by_column["flags"]
    assert "money" in by_column["price"] and "inet" in by_column["address"]
    assert "positive_qty" in by_column["qty"] and "VALUE > 0" in by_column["qty"]
    assert any("sensors_active" in w.message for w in result.warnings)


def test_postgres_schema_filter_and_foreign_keys_into_another_schema(postgres_db):
    url, schema = postgres_db
    other = f"{schema}_ref"
    run_postgres(url, schema, f"""
        CREATE SCHEMA "{other}";
        CREATE TABLE "{other}".countries (code char(2) PRIMARY KEY);
        CREATE TABLE cities (city_id integer PRIMARY KEY,
                             country char(2) REFERENCES "{other}".countries (code),
                             name text NOT NULL);
    """)
    try:
        result = read_database(url, schema=schema)
        assert list(result.tables) == ["cities"]
        assert result.tables["cities"].foreign_keys == []
        [warning] = result.warnings
        assert warning.location == f"{schema}.cities(country)"
        assert f"{other}.countries" in warning.message and "another schema" in warning.message
        assert list(read_database(url, schema=other).tables) == ["countries"]
        with pytest.raises(SourceError) as missing:
            read_database(url, schema=f"{schema}_missing")
        assert f"no schema '{schema}_missing'" in missing.value.message
        assert schema in (missing.value.suggestion or "")
    finally:
        run_postgres(url, schema, f'DROP SCHEMA "{other}" CASCADE')


def test_include_and_exclude_choose_tables_before_reflecting(retail_postgres):
    url, schema, _ = retail_postgres
    run_postgres(url, schema, "CREATE TABLE audit_odd (id integer PRIMARY KEY, geo point, doc xml)")
    result = read_database(url, schema=schema, include=["order*", "customers"])
    assert set(result.tables) == {"orders", "order_lines", "customers"}
    assert [fk.ref_table for fk in result.tables["orders"].foreign_keys] == ["customers"]  # stores left out
    assert any("stores" in w.message for w in result.warnings)
    excluded = read_database(url, schema=schema, exclude=["audit_*", "*_reviews"])
    assert set(excluded.tables) == RETAIL_TABLES - {"product_reviews"}
    assert not any("audit_odd" in w.location for w in excluded.warnings)  # never reflected, never warned
    with pytest.raises(SourceError, match="no table matches") as nothing:
        read_database(url, schema=schema, include=["nothing_*"])
    assert "customers" in (nothing.value.suggestion or "")
    through_dispatch = read_source(url, schema=schema, include=["inventory", "stores", "products"])
    assert set(through_dispatch.tables) == {"inventory", "stores", "products"}


def test_views_and_partitions_are_not_imported_as_tables(retail_postgres):
    url, schema, _ = retail_postgres
    run_postgres(url, schema, """
        CREATE VIEW paid_orders AS SELECT * FROM orders WHERE status = 'paid';
        CREATE MATERIALIZED VIEW order_totals AS
            SELECT customer_id, sum(total) AS total FROM orders GROUP BY 1;
        CREATE TABLE events (event_id bigint, at date NOT NULL, PRIMARY KEY (event_id, at))
            PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    """)
    tables = read_database(url, schema=schema).tables
    assert set(tables) == RETAIL_TABLES | {"events"}
    assert tables["events"].primary_key == ["event_id", "at"]


# ---- MariaDB -----------------------------------------------------------------------------------------------
def test_mariadb_retail_keys_enums_json_and_checks(retail_mariadb):
    _, database, result = retail_mariadb
    assert set(result.tables) == RETAIL_TABLES
    assert result.dialect == "mysql" and result.name == database
    returns = result.tables["returns"].foreign_keys
    assert [(fk.columns, fk.ref_table, fk.ref_columns) for fk in returns] == [
        (["order_id", "line_no"], "order_lines", ["order_id", "line_no"])]
    employee_keys = [(fk.ref_table, fk.columns) for fk in result.tables["employees"].foreign_keys]
    assert ("employees", ["manager_id"]) in employee_keys
    assert [fk.ref_table for fk in result.tables["categories"].foreign_keys] == ["categories"]
    customers = result.tables["customers"]
    assert customers.column("tier").enum_values == ["bronze", "silver", "gold", "platinum"]
    role = result.tables["employees"].column("role")
    assert role.enum_values == ["cashier", "clerk", "manager", "director"]
    for table, column in [("customers", "preferences"), ("customers", "tags"), ("products", "attributes")]:
        assert result.tables[table].column(column).kind == "json", (table, column)
    assert customers.checks == []  # the json_valid CHECKs are the JSON type, not rules to keep
    assert result.tables["products"].column("is_active").kind == "bool"
    assert checks_of(result, "stores") == {"stores_area": "sq_meters BETWEEN 50 AND 20000"}
    assert checks_of(result, "shipments") == {
        "shipments_carrier": "carrier IN ('ups', 'fedex', 'dhl', 'usps')"}
    assert checks_of(result, "orders") == {"orders_total": "total >= 0",
                                           "delivered_after_ordered": "delivered_at >= ordered_at"}
    assert customers.comment == "Registered customers, one row per account."
    assert result.tables["stores"].column("sq_meters").comment == "Sales floor area in square metres."
    assert customers.column("email").length == 255 and customers.column("email").unique
    assert result.tables["shipments"].column("shipment_id").length == 36
    price = result.tables["products"].column("price")
    assert (price.kind, price.precision, price.scale) == ("decimal", 12, 2)
    assert result.tables["categories"].column("category_id").precision == 16
    assert customers.column("customer_id").precision == 64
    auto = {(t.name, c.name) for t in result.tables.values() for c in t.columns if c.autoincrement}
    assert auto == {("stores", "store_id"), ("employees", "employee_id"), ("customers", "customer_id")}
    assert customers.column("created_at").kind == "timestamp"
    assert result.warnings == []


def test_mariadb_set_geometry_and_column_checks(mysql_db):
    url, _ = mysql_db
    run_mysql(url, """
        CREATE TABLE places (
            place_id INT PRIMARY KEY,
            features SET('wifi', 'parking', 'pool'),
            area GEOMETRY,
            opened YEAR,
            visits BIGINT UNSIGNED,
            note TEXT CHECK (CHAR_LENGTH(note) < 500),
            code VARCHAR(8),
            floor TINYINT,
            UNIQUE KEY places_code_floor (code, floor)
        );
    """)
    result = read_database(url)
    places = result.tables["places"]
    features = places.column("features")
    assert (features.kind, features.enum_values) == ("enum", ["wifi", "parking", "pool"])
    assert places.column("area").kind == "unknown"
    opened = places.column("opened")
    assert (opened.kind, opened.minimum, opened.maximum) == ("int", 1901, 2155)
    assert (places.column("visits").precision, places.column("visits").minimum) == (64, 0)
    assert places.column("floor").precision == 8
    assert [c.sql for c in places.checks] == ["CHAR_LENGTH(note) < 500"]
    assert places.unique == [["code", "floor"]]
    warned = {w.location.rsplit(".", 1)[-1] for w in result.warnings}
    assert warned == {"features", "area"}


# ---- SQLite ------------------------------------------------------------------------------------------------
def test_sqlite_file_with_check_foreign_key_and_unique_index(tmp_path):
    path = tmp_path / "library.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE authors (author_id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL UNIQUE, born DATE);
            CREATE TABLE books (
                book_id INTEGER PRIMARY KEY,
                author_id INTEGER NOT NULL REFERENCES authors (author_id),
                title TEXT NOT NULL,
                isbn CHAR(13),
                price NUMERIC(8, 2) CHECK (price > 0),
                shape GEOMETRY,
                UNIQUE (author_id, title)
            );
            CREATE UNIQUE INDEX books_isbn ON books (isbn);
        """)
    result = read_database(f"sqlite:///{path}")
    assert (result.name, result.dialect, list(result.tables)) == ("library", "sqlite", ["authors", "books"])
    books = result.tables["books"]
    assert [(fk.columns, fk.ref_table, fk.ref_columns) for fk in books.foreign_keys] == [
        (["author_id"], "authors", ["author_id"])]
    assert [c.sql for c in books.checks] == ["price > 0"]
    assert books.unique == [["author_id", "title"]] and books.column("isbn").unique
    author_name = result.tables["authors"].column("name")
    assert author_name.unique and author_name.length == 80
    assert books.column("book_id").autoincrement and not books.column("book_id").nullable
    assert (books.column("price").precision, books.column("price").scale) == (8, 2)
    assert books.column("shape").kind == "unknown"
    assert [w.location for w in result.warnings] == ["main.books.shape"]


def test_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path):
    path = tmp_path / "nope.db"
    with pytest.raises(SourceError, match="no SQLite database file"):
        read_database(f"sqlite:///{path}")
    assert not path.exists()


# ---- errors ------------------------------------------------------------------------------------------------
def test_unreachable_server_is_a_clear_error_without_the_password():
    with pytest.raises(SourceError) as caught:
        read_database("postgresql+psycopg://reader:s3cr3t-pw@127.0.0.1:1/shop")
    error = caught.value
    assert "s3cr3t-pw" not in str(error) and "s3cr3t-pw" not in (error.suggestion or "")
    assert error.message.startswith("cannot connect to postgresql+psycopg://reader:***@127.0.0.1:1/shop: ")
    assert "\n" not in error.message and "Traceback" not in error.message
    assert "server runs" in (error.suggestion or "")


def test_bad_urls_are_clear_errors(postgres_db):
    with pytest.raises(SourceError, match="invalid database URL") as invalid:
        read_database("postgresql+psycopg://user:pw@host:notaport/db")
    assert "pw" not in str(invalid.value)
    with pytest.raises(SourceError, match="unsupported database 'oracle'"):
        read_database("oracle://scott:tiger@db/orcl")
    url, _ = postgres_db
    missing_db = sa.make_url(url).set(database=f"mp_missing_{uuid.uuid4().hex[:8]}", password="hunter22")
    with pytest.raises(SourceError) as caught:
        read_database(missing_db.render_as_string(hide_password=False))
    assert "hunter22" not in str(caught.value)
    assert "does not exist" in caught.value.message or "authentication" in caught.value.message


def test_dataset_name_is_a_valid_identifier():
    assert dataset_name("Shop-Prod 2024") == "shop_prod_2024"
    assert dataset_name("2024_sales") == "t_2024_sales"
    assert dataset_name("---") == "imported"


# ---- --profile-data ---------------------------------------------------------------------------------------
PROFILED_SHOP = """
    CREATE TABLE customers (
        customer_id integer PRIMARY KEY,
        email varchar(120) NOT NULL UNIQUE,
        tier varchar(10) NOT NULL,
        phone varchar(20),
        score numeric(6, 2) NOT NULL,
        signed_up date NOT NULL,
        referrer_id integer REFERENCES customers (customer_id)
    );
    -- tier: 3 'vip' (too rare to show), 49 'gold', 48 'basic'; a quarter without phone;
    -- customers 11..100 were referred by customers 1..5 (18 each)
    INSERT INTO customers
    SELECT i, 'c' || i || '@example.org',
           CASE WHEN i <= 3 THEN 'vip' WHEN mod(i, 2) = 0 THEN 'gold' ELSE 'basic' END,
           CASE WHEN mod(i, 4) = 0 THEN NULL ELSE '+1-555-' || lpad(i::text, 4, '0') END,
           i * 1.5, date '2024-01-01' + i,
           CASE WHEN i > 10 THEN mod(i - 1, 5) + 1 END
    FROM generate_series(1, 100) AS i;
    CREATE TABLE orders (
        order_id integer PRIMARY KEY,
        customer_id integer NOT NULL REFERENCES customers (customer_id),
        status varchar(10) NOT NULL,
        ordered_at timestamp NOT NULL
    );
    -- customers 1..10 have 5 orders each, 11..50 one each, 51..100 none; two orders 'refunded' (rare)
    INSERT INTO orders
    SELECT n, CASE WHEN n <= 50 THEN (n - 1) / 5 + 1 ELSE n - 40 END,
           CASE WHEN n IN (7, 70) THEN 'refunded' ELSE 'paid' END,
           timestamp '2024-03-01 08:00' + n * interval '1 hour'
    FROM generate_series(1, 90) AS n;
"""


def test_profile_reads_counts_nulls_ranges_and_only_safe_top_values(postgres_db):
    import datetime as dt

    from mock_pipelines.imports.database import profile_database

    url, schema = postgres_db
    run_postgres(url, schema, PROFILED_SHOP)
    source = read_database(url, schema=schema)
    profile_database(url, source, schema=schema)
    customers, orders = source.tables["customers"].stats, source.tables["orders"].stats
    assert (customers.rows, orders.rows) == (100, 90)
    assert customers.columns["phone"].null_share == pytest.approx(0.25)
    assert customers.columns["email"].null_share == 0.0
    assert customers.columns["email"].distinct == 100
    assert (customers.columns["score"].min, customers.columns["score"].max) == (1.5, 150)
    assert customers.columns["signed_up"].min == dt.date(2024, 1, 2)
    assert customers.columns["signed_up"].max == dt.date(2024, 4, 10)
    assert orders.columns["ordered_at"].min == dt.datetime(2024, 3, 1, 9, 0)
    assert customers.columns["email"].min is None  # never raw text values as bounds
    # top values: the low-cardinality tier, shares of non-null rows, without the 3 'vip' rows …
    assert customers.columns["tier"].distinct == 3
    assert customers.columns["tier"].top_values == [("gold", 0.49), ("basic", 0.48)]
    assert orders.columns["status"].top_values == [("paid", pytest.approx(88 / 90, abs=1e-6))]
    # … and never for a high-cardinality column
    assert customers.columns["email"].top_values is None
    assert customers.columns["phone"].top_values is None and customers.columns["phone"].distinct == 75
    assert customers.columns["customer_id"].top_values is None
    per_customer = orders.children["customer_id"]
    assert (per_customer.mean, per_customer.min, per_customer.max) == (pytest.approx(0.9), 0, 5)
    assert per_customer.zero_share == pytest.approx(0.5)
    referred = customers.children["referrer_id"]  # a self-reference: every customer is a possible parent
    assert (referred.mean, referred.min, referred.max) == (pytest.approx(0.9), 0, 18)
    assert referred.zero_share == pytest.approx(0.95)


def test_profile_samples_a_table_above_the_limit(postgres_db):
    from mock_pipelines.imports.database import profile_database

    url, schema = postgres_db
    run_postgres(url, schema, PROFILED_SHOP + "\nANALYZE customers; ANALYZE orders;")
    source = read_database(url, schema=schema)
    profile_database(url, source, schema=schema, sample_above=10)
    customers = source.tables["customers"].stats
    assert customers.rows == 100  # the catalogue's estimate, exact after ANALYZE on a small table
    assert set(customers.columns) == {c.name for c in source.tables["customers"].columns}
    assert 0.0 <= customers.columns["phone"].null_share <= 1.0


def test_profile_on_mariadb_composite_foreign_key(mysql_db):
    from mock_pipelines.imports.database import profile_database

    url, _ = mysql_db
    run_mysql(url, """
        CREATE TABLE order_lines (order_id INT NOT NULL, line_no SMALLINT NOT NULL, sku VARCHAR(12) NOT NULL,
                                  PRIMARY KEY (order_id, line_no));
        CREATE TABLE returns (return_id INT PRIMARY KEY, order_id INT NOT NULL, line_no SMALLINT NOT NULL,
                              reason ENUM('damaged', 'late', 'other') NOT NULL,
                              FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no));
    """)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO order_lines VALUES (:o, :l, :s)"),
                     [{"o": o, "l": line, "s": f"SKU-{o}-{line}"} for o in range(1, 21) for line in (1, 2)])
        # lines of orders 1..5 came back twice, of order 6 once; 40 lines in all
        returns = [(o, line) for o in range(1, 6) for line in (1, 2) for _ in range(2)] + [(6, 1)]
        conn.execute(sa.text("INSERT INTO returns VALUES (:r, :o, :l, :why)"),
                     [{"r": i, "o": o, "l": line, "why": "damaged" if i % 3 else "late"}
                      for i, (o, line) in enumerate(returns, 1)])
    engine.dispose()
    source = read_database(url)
    profile_database(url, source)
    stats = source.tables["returns"].stats
    assert stats.rows == 21 and source.tables["order_lines"].stats.rows == 40
    children = stats.children["order_id,line_no"]
    assert (children.mean, children.min, children.max) == (pytest.approx(21 / 40), 0, 2)
    assert children.zero_share == pytest.approx(29 / 40)
    assert stats.columns["reason"].top_values == [("damaged", pytest.approx(14 / 21, abs=1e-6)),
                                                  ("late", pytest.approx(7 / 21, abs=1e-6))]
    assert source.tables["order_lines"].stats.columns["sku"].top_values is None
    run_mysql(url, "ANALYZE TABLE order_lines, returns")  # the estimate the sampling reads
    profile_database(url, source, sample_above=5)  # MariaDB samples the first rows: the query must run
    assert source.tables["returns"].stats.rows > 5
    assert set(source.tables["returns"].stats.columns) == {"return_id", "order_id", "line_no", "reason"}


def test_an_empty_schema_is_an_error_that_says_so(postgres_db):
    url, schema = postgres_db
    with pytest.raises(SourceError, match=f"schema '{schema}' has no tables"):
        read_database(url, schema=schema)
