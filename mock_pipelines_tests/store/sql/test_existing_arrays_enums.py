"""Existing tables made by hand with the types an imported schema meets (mode ``existing``): PostgreSQL ARRAY
columns fed by JSON arrays, PostgreSQL and MariaDB ENUMs fed by a ``choice`` of their labels, MariaDB JSON
(LONGTEXT with a json_valid CHECK) and VARCHAR(N) columns fed by ``max_length: N`` — on the real servers,
read back and compared with what was generated."""

from __future__ import annotations

import json
from decimal import Decimal

import pyarrow as pa
import pytest
import sqlalchemy as sa

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.sql import Database, SchemaMismatchError, SqlDestinationError
from mock_pipelines.store.sql.pg_arrays import as_array_literals

ROWS = 700
COMMON = f"""\
dataset: catalog
seed: 4
tables:
  products:
    rows: {ROWS}
    primary_key: product_id
    columns:
      product_id: {{gen: sequence}}
      sku: {{gen: pattern, format: "SKU-#####", unique: true, max_length: 9}}
      title: {{gen: sentence, max_length: 30}}
      status: {{gen: choice, values: [draft, active, retired]}}
      attrs: {{gen: json_object, fields: {{featured: boolean, origin: country, stock: integer}}}}
      tags: {{gen: json_array, values: [red, blue, 'green "lime"', 'back\\slash', "a,b", "{{x}}", "", "NULL"],
              max_items: 4}}
"""
ARRAYS = """\
      sizes: {gen: json_array, of: integer, max_items: 3}
      flags: {gen: json_array, of: boolean, min_items: 1, max_items: 2}
      prices: {gen: json_array, of: amount, max_items: 2}
      moods: {gen: json_array, values: [happy, sad, meh], max_items: 3, null_rate: 0.2}
"""

PG_TABLE = """CREATE TABLE {s}products (
    product_id INTEGER PRIMARY KEY, sku VARCHAR(9) NOT NULL UNIQUE, title VARCHAR(30) NOT NULL,
    status {s}product_status NOT NULL, attrs JSONB NOT NULL, tags TEXT[] NOT NULL, sizes INTEGER[] NOT NULL,
    flags BOOLEAN[] NOT NULL, prices NUMERIC(12, 2)[] NOT NULL, moods {s}mood[],
    CHECK (cardinality(tags) <= 4), CHECK (cardinality(flags) BETWEEN 1 AND 2))"""
MARIADB_TABLE = """CREATE TABLE products (
    product_id INT PRIMARY KEY, sku VARCHAR(9) NOT NULL UNIQUE, title VARCHAR(30) NOT NULL,
    status ENUM('draft', 'active', 'retired') NOT NULL, attrs JSON NOT NULL, tags JSON NOT NULL)"""


def _pg(request) -> Database:
    url, schema = request.getfixturevalue("postgres_db")
    return Database(url, schema)


def _mariadb(request) -> Database:
    url, _ = request.getfixturevalue("mysql_db")
    return Database(url)


def _run(database: Database, *statements: str) -> None:
    prefix = f'"{database.schema}".' if database.schema else ""
    with database.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement.format(s=prefix))


def _pg_types(database: Database) -> None:
    _run(database, "CREATE TYPE {s}product_status AS ENUM ('draft', 'active', 'retired')",
         "CREATE TYPE {s}mood AS ENUM ('happy', 'sad', 'meh')")


def _land(database: Database, text: str) -> pa.Table:
    spec = load_dataset("catalog.yaml", text=text)
    table = DatasetPlan(spec, PlanOptions()).table("products")
    database.ensure_tables(spec, mode="existing")
    result = database.write_batches(spec, "products", table.arrow_schema, table.batches(chunk_size=256))
    assert result.rows == ROWS
    return table.to_table()


def _rows(database: Database, columns: str) -> list[tuple]:
    where = f'"{database.schema}".products' if database.schema else "products"
    with database.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(f"SELECT {columns} FROM {where} ORDER BY product_id")]


@pytest.fixture
def pg(request):
    db = _pg(request)
    yield db
    db.dispose()


@pytest.fixture
def mariadb(request):
    db = _mariadb(request)
    yield db
    db.dispose()


def test_json_arrays_land_in_postgresql_arrays_and_choices_in_enums(pg):
    _pg_types(pg)
    _run(pg, PG_TABLE)
    generated = _land(pg, COMMON + ARRAYS).to_pylist()
    back = _rows(pg, "product_id, sku, title, status::text, attrs, tags, sizes, flags, prices, moods::text[]")
    assert len(back) == ROWS
    for row, (pid, sku, title, status, attrs, tags, sizes, flags, prices, moods) in zip(generated, back, strict=True):
        assert (pid, sku, title, status) == (row["product_id"], row["sku"], row["title"], row["status"])
        assert attrs == json.loads(row["attrs"])
        assert tags == json.loads(row["tags"])  # quotes, backslashes, commas, braces, "" and "NULL" intact
        assert sizes == json.loads(row["sizes"])
        assert flags == json.loads(row["flags"])
        assert prices == [Decimal(str(p)) for p in json.loads(row["prices"])]
        assert moods == (None if row["moods"] is None else json.loads(row["moods"]))
    all_tags = {t for (*_, tags, _s, _f, _p, _m) in back for t in tags}
    assert {'green "lime"', "back\\slash", "a,b", "{x}", "", "NULL"} <= all_tags
    assert any(m is None for *_, m in back) and any(m == [] for *_, m in back)


def test_a_json_value_that_is_no_array_fails_the_write_naming_the_column(pg):
    _pg_types(pg)
    _run(pg, PG_TABLE)
    text = (COMMON + ARRAYS).replace("sizes: {gen: json_array, of: integer, max_items: 3}",
                                     "sizes: {gen: json_object, fields: {n: integer}}")
    with pytest.raises(SqlDestinationError) as caught:
        _land(pg, text)
    assert "column sizes" in str(caught.value) and "is not a JSON array" in str(caught.value)
    assert _rows(pg, "product_id") == []  # nothing written


def test_existing_postgresql_columns_that_cannot_hold_the_values_are_listed(pg):
    _pg_types(pg)
    _run(pg, PG_TABLE.replace("sku VARCHAR(9)", "sku VARCHAR(8)").replace("sizes INTEGER[]", "sizes DATE[]"))
    spec = load_dataset("catalog.yaml", text=COMMON + ARRAYS)
    with pytest.raises(SchemaMismatchError) as caught:
        pg.ensure_tables(spec, mode="existing")
    problems = caught.value.problems
    assert len(problems) == 2, problems
    assert problems[0].startswith("products.sku: expected VARCHAR(9), found VARCHAR(8)") and "max_length" in problems[0]
    assert problems[1].startswith("products.sizes: expected JSONB, found DATE[]") and "ARRAY" in problems[1]


def test_choices_land_in_a_mariadb_enum_and_json_in_mariadb_json(mariadb):
    _run(mariadb, MARIADB_TABLE)
    generated = _land(mariadb, COMMON).to_pylist()
    back = _rows(mariadb, "product_id, sku, title, status, attrs, tags, JSON_VALID(tags)")
    assert len(back) == ROWS
    for row, (pid, sku, title, status, attrs, tags, valid) in zip(generated, back, strict=True):
        assert (pid, sku, title, status) == (row["product_id"], row["sku"], row["title"], row["status"])
        assert json.loads(attrs) == json.loads(row["attrs"]) and json.loads(tags) == json.loads(row["tags"])
        assert valid == 1
    assert {r[3] for r in back} == {"draft", "active", "retired"}


def test_mariadb_refuses_a_value_outside_the_enum_and_the_write_rolls_back(mariadb):
    _run(mariadb, MARIADB_TABLE)
    text = COMMON.replace("values: [draft, active, retired]", "values: [draft, active, archived]")
    with pytest.raises(SqlDestinationError):
        _land(mariadb, text)
    assert _rows(mariadb, "product_id") == []


def test_postgresql_refuses_a_value_outside_the_enum(pg):
    _pg_types(pg)
    _run(pg, PG_TABLE)
    text = (COMMON + ARRAYS).replace("values: [draft, active, retired]", "values: [draft, active, archived]")
    with pytest.raises(SqlDestinationError) as caught:
        _land(pg, text)
    assert "archived" in str(caught.value)


# ---- the literal conversion on its own --------------------------------------------------------------------

def test_array_literals_quote_and_escape_every_element_on_both_paths():
    texts = ['["red","blue"]', "[]", None, "[1, 2.5, -3]", '[true,false,null]', '["a\\"b","c\\\\d"]',
             '["line\\nbreak"]', '["\\u00e9t\\u00e9"]', '[["a"],["b"]]', '["{x}"]', '  ["pad"]  ']
    out = as_array_literals(pa.array(texts)).to_pylist()
    assert out == ['{"red","blue"}', "{}", None, "{1, 2.5, -3}", "{true,false,null}", '{"a\\"b","c\\\\d"}',
                   '{"line\nbreak"}', '{"été"}', '{{"a"},{"b"}}', '{"{x}"}', '{"pad"}']


def test_the_mariadb_insert_path_also_fills_enum_and_json_columns(mariadb):
    """The multi-row INSERT fallback (used when the server refuses LOAD DATA LOCAL), on the same table."""
    from mock_pipelines.store.sql.loaders import insert_rows

    _run(mariadb, MARIADB_TABLE)
    spec = load_dataset("catalog.yaml", text=COMMON)
    generated = DatasetPlan(spec, PlanOptions()).table("products").to_table()
    with mariadb.engine.begin() as conn:
        target = sa.Table("products", sa.MetaData(), autoload_with=conn)
        insert_rows(conn, target, generated.column_names, generated.to_batches(max_chunksize=256))
    back = _rows(mariadb, "product_id, status, attrs, tags")
    assert [r[1] for r in back] == generated.column("status").to_pylist()
    assert [json.loads(r[3]) for r in back] == [json.loads(t) for t in generated.column("tags").to_pylist()]


def test_the_length_rule_runs_under_great_expectations_too():
    from mock_pipelines.quality.gx_runner import validate_table
    from mock_pipelines.quality.rules import derive_rules

    spec = load_dataset("catalog.yaml", text=COMMON)
    data = DatasetPlan(spec, PlanOptions()).table("products").to_table()
    rules = [r for r in derive_rules(spec, "products", ROWS) if r.name in ("max_length__sku", "max_length__title")]
    assert len(rules) == 2 and all(r.passed for r in validate_table(data, rules, engine="gx"))
    longer = data.set_column(data.column_names.index("title"), "title",
                             pa.array(["t" * 31, *data.column("title").to_pylist()[1:]]))
    verdicts = {r.name: r for r in validate_table(longer, rules, engine="gx")}
    assert verdicts["max_length__title"].engine == "gx" and not verdicts["max_length__title"].passed
    assert verdicts["max_length__title"].unexpected_count == 1 and verdicts["max_length__sku"].passed


EVENTS = """\
dataset: events
seed: 2
tables:
  events:
    rows: 300
    primary_key: event_id
    columns:
      event_id: sequence
      happened_at: {gen: timestamp, start: "2024-03-01", end: "2024-03-31"}
"""


def test_naive_timestamps_land_in_a_timestamptz_column_as_utc_whatever_the_client_time_zone(request, monkeypatch):
    """A TIMESTAMP WITH TIME ZONE column of an existing table takes the schema's timestamps as UTC instants:
    the loader's sessions run in UTC, so PGTZ (or the server's zone) cannot shift them."""
    monkeypatch.setenv("PGTZ", "America/New_York")
    database = _pg(request)
    try:
        with database.engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE {database.schema}.events (event_id INTEGER PRIMARY KEY, "
                                 "happened_at TIMESTAMPTZ NOT NULL)")
        spec = load_dataset("events.yaml", EVENTS)
        database.ensure_tables(spec, mode="existing")
        tp = DatasetPlan(spec, PlanOptions()).table("events")
        database.write_batches(spec, "events", tp.arrow_schema, tp.batches())
        with database.engine.connect() as conn:
            back = conn.exec_driver_sql(f"SELECT happened_at AT TIME ZONE 'UTC' FROM {database.schema}.events "
                                        "ORDER BY event_id").scalars().all()
    finally:
        database.dispose()
    assert back == tp.to_table()["happened_at"].to_pylist()
