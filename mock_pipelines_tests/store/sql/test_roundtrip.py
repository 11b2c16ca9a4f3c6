"""Loading then reading back gives the generated rows, exactly, on every dialect with every constraint on."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.store.content import content_hash
from mock_pipelines.store.sql import SqlDestinationError
from mock_pipelines_tests.store.sql.conftest import plan_of, sorted_by_key
from mock_pipelines_tests.store.sql.kinds import kinds_spec


@pytest.mark.parametrize("dataset", ["shop", "hr", "healthcare"])
def test_a_demo_dataset_loads_with_all_constraints_and_reads_back_identical(database, dataset):
    plan = plan_of(dataset, seed=11, scale=0.25)
    database.ensure_tables(plan.spec)
    for name in plan.order():
        tp = plan.table(name)
        result = database.write_batches(plan.spec, name, tp.arrow_schema, tp.batches(chunk_size=500))
        generated = tp.to_table()
        assert result.rows == generated.num_rows > 0
        assert result.content_hash == content_hash(generated)  # hashed as written, comparable with files
        assert result.format == database.dialect
        back = database.read(plan.spec, name)
        keys = plan.spec.tables[name].primary_key
        expected = sorted_by_key(generated, keys).cast(back.schema)
        assert back.schema == expected.schema
        assert back.equals(expected), name


def test_writing_again_replaces_every_row(database):
    plan = plan_of("hr", seed=2, scale=0.2)
    database.ensure_tables(plan.spec)
    for name in plan.order():
        tp = plan.table(name)
        database.write_batches(plan.spec, name, tp.arrow_schema, tp.batches())
    tp = plan.table("time_off")
    first = database.read(plan.spec, "time_off")
    again = database.write_batches(plan.spec, "time_off", tp.arrow_schema, tp.batches(chunk_size=7))
    assert again.rows == first.num_rows
    assert database.read(plan.spec, "time_off").equals(first)  # replaced, not appended
    # a parent referenced by children is replaced too: the same deterministic keys come back at commit
    emp = plan.table("employees")
    database.write_batches(plan.spec, "employees", emp.arrow_schema, emp.batches())
    assert database.read(plan.spec, "employees").num_rows == emp.n_rows


STRINGS = ["", "NULL", "\\N", "tab\there", "new\nline", "cr\rlf\r\n", 'quote"s', "it's", "back\\slash\\",
           "comma,semi;", "Zoë 日本 🙂", "  spaces  ", None, "\\t literally", '""', "a\\\\nb"]


def _awkward_people(spec, schema: pa.Schema) -> pa.RecordBatch:
    """Values every text format gets wrong somewhere: NULL vs '' vs 'NULL', escapes, quotes, unicode, ..."""
    n = len(STRINGS)
    values = {
        "person_id": list(range(1, n + 1)),
        "team_code": ["T-001"] * n,
        "mentor_id": [None, *list(range(1, n))],
        "email": [f"p{i}@example.com" for i in range(n)],
        "label": STRINGS,
        "amount": [Decimal("0.00"), Decimal("999.99"), Decimal("1000.00"), Decimal("123.45"), None] * 3 + [Decimal("0.01")],
        "ratio": [0.1, 1e300, -1e-300, 1 / 3, None, 2.5e-8, 123456789.123, -42.0] * 2,
        "flag": [True, False, None, True] * 4,
        "day": [dt.date(2020, 1, 1), dt.date(2024, 12, 31), None, dt.date(2022, 2, 28)] * 4,
        "ts": [dt.datetime(2020, 1, 1, 0, 0, 0, 1), dt.datetime(2024, 12, 31, 23, 59, 59, 999999), None,
               dt.datetime(2022, 6, 15, 12, 30)] * 4,
        "uid": ["8adcf6d9-5516-4d16-801f-264837343ff1", None, "00000000-0000-4000-8000-000000000000",
                "afd42f35-931a-449a-8eb5-fed03d9fd890"] * 4,
        "doc": ['{"a": 1, "b": [true, null]}', "[]", None, '{"ünï": "日本", "q": "say \\"hi\\""}'] * 4,  # the declared set
        "score": [1, 5, 3, 2] * 4,
    }
    return pa.RecordBatch.from_arrays([pa.array(values[f.name], f.type) for f in schema], schema=schema)


def test_awkward_values_round_trip_exactly(database, tmp_path):
    spec = kinds_spec(tmp_path)
    plan = DatasetPlan(spec, PlanOptions())
    database.ensure_tables(spec)
    teams = pa.table({"team_code": ["T-001"], "region": ["it's"]})
    database.write_batches(spec, "teams", teams.schema, teams.to_batches())
    schema = plan.table("people").arrow_schema
    batch = _awkward_people(spec, schema)
    result = database.write_batches(spec, "people", schema, [batch.slice(0, 5), batch.slice(5)])
    assert result.rows == batch.num_rows
    back = database.read(spec, "people")
    for name in schema.names:
        got, want = back[name].to_pylist(), batch.column(name).to_pylist()
        if name == "doc":  # JSONB stores parsed JSON (key order, spaces): compare the values
            got = [None if v is None else json.loads(v) for v in got]
            want = [None if v is None else json.loads(v) for v in want]
        assert got == want, name
    assert back.column("label").null_count == 1  # '' and 'NULL' and '\N' stayed strings


def test_read_can_select_columns(database, tmp_path):
    plan = plan_of("hr", seed=4, scale=0.2)
    database.ensure_tables(plan.spec)
    for name in ("locations", "departments"):
        tp = plan.table(name)
        database.write_batches(plan.spec, name, tp.arrow_schema, tp.batches())
    part = database.read(plan.spec, "departments", columns=["department_name", "department_id"])
    assert part.column_names == ["department_name", "department_id"]
    assert part.column("department_id").to_pylist() == sorted(plan.table("departments").to_table()
                                                              .column("department_id").to_pylist())
    with pytest.raises(SqlDestinationError, match="no column"):
        database.read(plan.spec, "departments", columns=["nope"])


def test_batches_that_do_not_match_the_table_are_refused_before_writing(database, tmp_path):
    spec = kinds_spec(tmp_path)
    database.ensure_tables(spec)
    wrong = pa.table({"team_code": ["T-001"], "colour": ["red"]})
    with pytest.raises(SqlDestinationError, match="missing region; unexpected colour"):
        database.write_batches(spec, "teams", wrong.schema, wrong.to_batches())
    with pytest.raises(SqlDestinationError, match="has no table 'squads'"):
        database.write_batches(spec, "squads", wrong.schema, wrong.to_batches())


def test_mysql_falls_back_to_inserts_when_local_files_are_refused(mysql_db, tmp_path, caplog):
    from mock_pipelines.store.sql import Database

    url, _name = mysql_db
    db = Database(url, connect_args={"local_infile": False})  # the client refuses: LOAD DATA LOCAL fails
    try:
        spec = kinds_spec(tmp_path)
        plan = DatasetPlan(spec, PlanOptions())
        db.ensure_tables(spec)
        teams = pa.table({"team_code": ["T-001"], "region": ["it's"]})
        db.write_batches(spec, "teams", teams.schema, teams.to_batches())
        schema = plan.table("people").arrow_schema
        batch = _awkward_people(spec, schema)
        with caplog.at_level("WARNING", logger="mock_pipelines.store.sql.loaders"):
            result = db.write_batches(spec, "people", schema, [batch.slice(0, 3), batch.slice(3)])
        assert "multi-row INSERTs" in caplog.text
        assert result.rows == batch.num_rows
        back = db.read(spec, "people")
        assert back.column("label").to_pylist() == batch.column("label").to_pylist()
        assert back.column("ts").to_pylist() == batch.column("ts").to_pylist()
    finally:
        db.dispose()
