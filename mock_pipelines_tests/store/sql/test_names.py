"""Names from YAML and profiles are validated before any SQL is built, and always quoted."""

from __future__ import annotations

import pytest

from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines.store.sql import Database, SqlDestinationError, ddl_statements
from mock_pipelines.store.sql.names import MAX_NAME, check_identifier, constraint_name

SCHEMA = """\
dataset: evil
tables:
  {table}:
    rows: 3
    primary_key: id
    columns:
      id: sequence
      {column}: first_name
"""


@pytest.mark.parametrize(("table", "column", "bad"), [
    ('"orders; DROP TABLE x"', "name", "orders; DROP TABLE x"),
    ("orders", '"a\\"b"', 'a"b'),
    ("orders", '"x) ; DELETE FROM y; --"', "x) ; DELETE FROM y; --"),
])
def test_a_schema_smuggling_sql_through_a_name_is_rejected_at_parse_time(tmp_path, table, column, bad):
    path = tmp_path / "evil.yaml"
    path.write_text(SCHEMA.format(table=table, column=column))
    with pytest.raises(SchemaError) as caught:
        load_dataset(path)
    text = str(caught.value)
    assert bad in text or repr(bad) in text
    assert "evil.yaml:" in text  # names the place in the file


@pytest.mark.parametrize("schema", ["x; drop", 'a"b', "1abc", "", "a" * 64, "ok-name"])
def test_a_bad_schema_name_is_rejected_before_connecting(schema):
    with pytest.raises(SqlDestinationError, match="invalid schema name"):
        Database("postgresql+psycopg://nobody@127.0.0.1:1/none", schema)


def test_ddl_refuses_a_bad_schema_name():
    spec = load_dataset_text("dataset: ok\ntables:\n  t:\n    rows: 1\n    columns:\n      id: sequence\n")
    with pytest.raises(ValueError, match="invalid schema name 'x; drop'"):
        ddl_statements(spec, "postgresql", "x; drop")


def test_names_that_slip_past_the_parser_are_still_refused():
    spec = load_dataset_text("dataset: ok\ntables:\n  t:\n    rows: 1\n    columns:\n      id: sequence\n")
    spec.tables["t"].columns["id"].name = "id; drop table t"  # a model built by code, not parsed
    with pytest.raises(ValueError, match="invalid column of table 't' name"):
        ddl_statements(spec, "sqlite")


def test_reserved_words_and_mixed_case_are_quoted():
    spec = load_dataset_text("dataset: ok\ntables:\n  order:\n    rows: 1\n    primary_key: select\n"
                             "    columns:\n      select: sequence\n      Group: first_name\n")
    (create,) = ddl_statements(spec, "postgresql")
    assert 'CREATE TABLE "order"' in create
    assert '"select" BIGINT NOT NULL' in create
    assert '"Group" TEXT NOT NULL' in create


def test_constraint_names_are_deterministic_and_fit_the_limit():
    assert constraint_name("fk", "order_items", ["order_id"]) == "fk_order_items_order_id"
    long = constraint_name("fk", "t" * 60, ["c" * 60, "d" * 60])
    assert len(long) == MAX_NAME
    assert long == constraint_name("fk", "t" * 60, ["c" * 60, "d" * 60])
    assert long != constraint_name("fk", "t" * 60, ["c" * 60, "e" * 60])  # the hash keeps them apart


def test_check_identifier_suggests_a_clean_name():
    with pytest.raises(ValueError, match=r"e\.g\. 'my_schema'"):
        check_identifier("my schema", "schema")


def load_dataset_text(text: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schema.yaml"
        path.write_text(text)
        return load_dataset(path)
