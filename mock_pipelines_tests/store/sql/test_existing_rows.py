"""Children of existing rows (`ref: {existing: "SOURCE.SCHEMA.TABLE.COLUMN"}`) on a real PostgreSQL server:
a `customers` table of 5,000 rows with non-contiguous keys exists; `orders` generated for it pick only
those keys, with the declared Zipf skew, land in the same database with a real FOREIGN KEY, and are the same
for the same keys. The keys are read with one streamed query and sampled deterministically; the CLI
(`generate --source`) and a profile run through Dagster (`sources:`) both work; the errors say what to do."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import ALL_JOB
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines.spec.model import ExistingRef
from mock_pipelines.store.sql import Database
from mock_pipelines.store.sql.existing_keys import ExistingKeys, forget_cached_keys, read_keys, same_database
from mock_pipelines_tests.defs.sql_support import run_job

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

N_CUSTOMERS = 5_000
ORDERS = """\
dataset: crm_orders
seed: 7
tables:
  orders:
    rows: {rows}
    primary_key: [order_id]
    columns:
      order_id: {{gen: sequence}}
      customer_id: {{ref: {{existing: "crm.{schema}.customers.customer_id"{sample}}}, skew: zipf(1.1), null_rate: 0.1}}
      amount: {{dist: "lognormal(3, 0.8)", type: "decimal(10,2)"}}
      note: {{template: "order {{order_id}} for customer {{customer_id}}"}}
"""


@pytest.fixture(autouse=True)
def _fresh_keys():
    forget_cached_keys()  # each test fills its own table: no keys from another test's schema
    yield
    forget_cached_keys()


@pytest.fixture
def crm(postgres_db):
    """(url, schema, keys): a `customers` table of 5,000 rows whose keys are 1,000 + 7·i + (i mod 5) —
    gaps everywhere, no key is its row number."""
    url, schema = postgres_db
    keys = [1_000 + 7 * i + i % 5 for i in range(N_CUSTOMERS)]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "{schema}".customers (customer_id integer PRIMARY KEY, '
                             "email text NOT NULL, signup date NOT NULL)"))
        conn.execute(sa.text(f'INSERT INTO "{schema}".customers SELECT k, \'c\' || k || \'@example.com\', '
                             "DATE '2020-01-01' + (k % 900) FROM unnest(CAST(:keys AS integer[])) AS k"),
                     {"keys": keys})
    engine.dispose()
    return url, schema, set(keys)


def _schema_file(folder: Path, schema: str, rows: int = 20_000, sample: int | None = None) -> Path:
    path = folder / "orders.yaml"
    path.write_text(ORDERS.format(rows=rows, schema=schema, sample="" if sample is None else f", sample: {sample}"),
                    encoding="utf-8")
    return path


def _orders(path: Path, url: str) -> pa.Table:
    spec = load_dataset(path)
    plan = DatasetPlan(spec, PlanOptions(existing_keys=ExistingKeys(spec, {"crm": url})))
    plan.check()
    return plan.table("orders").to_table(chunk_size=4_096)


# ---- reading the keys ----------------------------------------------------------------------------------

def test_keys_are_read_in_key_order_without_nulls_and_as_the_column_type(crm):
    url, schema, keys = crm
    with sa.create_engine(url).begin() as conn:  # a nullable column: nulls are never keys
        conn.execute(sa.text(f'ALTER TABLE "{schema}".customers ADD COLUMN referrer integer'))
        conn.execute(sa.text(f'UPDATE "{schema}".customers SET referrer = customer_id WHERE customer_id % 3 = 0'))
    read = read_keys(url, ExistingRef("crm", schema, "customers", "customer_id"))
    assert read.type == pa.int64() and read.to_pylist() == sorted(keys)
    referrers = read_keys(url, ExistingRef("crm", schema, "customers", "referrer"))
    assert referrers.null_count == 0 and referrers.to_pylist() == sorted(k for k in keys if k % 3 == 0)
    emails = read_keys(url, ExistingRef("crm", schema, "customers", "email"))
    assert emails.type == pa.string() and len(emails) == N_CUSTOMERS


def test_sample_bounds_the_keys_kept_and_is_the_same_for_the_same_table(crm):
    url, schema, keys = crm
    ref = ExistingRef("crm", schema, "customers", "customer_id", sample=600)
    first = read_keys(url, ref).to_pylist()
    forget_cached_keys()
    again = read_keys(url, ref).to_pylist()
    assert len(first) == 600 and first == again  # read twice from the database: the same sample
    assert set(first) <= keys and first == sorted(first)
    # spread over the whole key range, not the first 600 keys
    assert min(first) < sorted(keys)[500] and max(first) > sorted(keys)[-500]
    assert len(read_keys(url, ExistingRef("crm", schema, "customers", "customer_id", sample=10_000))) == N_CUSTOMERS


# ---- generating children ----------------------------------------------------------------------------------

def test_children_pick_only_existing_keys_with_the_declared_skew_and_nulls(crm, tmp_path):
    url, schema, keys = crm
    orders = _orders(_schema_file(tmp_path, schema), url)
    picked = orders.column("customer_id")
    assert picked.type == pa.int64()
    values = [v for v in picked.to_pylist() if v is not None]
    assert set(values) <= keys
    assert 0.08 < picked.null_count / len(orders) < 0.12  # null_rate: 0.1
    counts = collections.Counter(values).most_common()
    top_share = counts[0][1] / len(values)
    # zipf(1.1) over 5,000 keys: the top key takes ~1/H(5000, 1.1) ≈ 15 %; uniform would give 0.02 %
    assert 0.10 < top_share < 0.22, top_share
    assert counts[0][0] != min(keys)  # the popular keys are scattered, not the first ones
    assert len(counts) > 1_000  # and the long tail is there
    # a template reading the column sees the picked key
    note = orders.column("note").to_pylist()
    assert all(n is None or n.endswith(f" {c}") for n, c in zip(note, picked.to_pylist(), strict=True))


def test_same_keys_give_the_same_children_whatever_the_chunk_size(crm, tmp_path):
    url, schema, _ = crm
    path = _schema_file(tmp_path, schema, rows=5_000)
    first = _orders(path, url)
    forget_cached_keys()
    spec = load_dataset(path)
    again = DatasetPlan(spec, PlanOptions(existing_keys=ExistingKeys(spec, {"crm": url}))).table(
        "orders").to_table(chunk_size=777)
    assert first.equals(again)
    # and the keys alone decide: the same keys handed over directly give the same rows
    keys = pa.array(sorted(crm[2]), type=pa.int32())
    direct = DatasetPlan(spec, PlanOptions(existing_keys={f"crm.{schema}.customers.customer_id": keys}))
    assert direct.table("orders").to_table().column("customer_id").equals(first.column("customer_id"))


def test_children_land_in_the_same_database_with_the_foreign_key_enforced(crm, tmp_path):
    url, schema, keys = crm
    spec = load_dataset(_schema_file(tmp_path, schema))
    plan = DatasetPlan(spec, PlanOptions(existing_keys=ExistingKeys(spec, {"crm": url})))
    target = f"{schema}_out"
    db = Database(url, target, sources={"crm": url})
    try:
        db.ensure_tables(spec)
        tp = plan.table("orders")
        result = db.write_batches(spec, "orders", tp.arrow_schema, tp.batches(chunk_size=3_000))
        assert result.rows == 20_000
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            fks = sa.inspect(conn).get_foreign_keys("orders", schema=target)
            assert [(f["referred_schema"], f["referred_table"], f["referred_columns"]) for f in fks] == \
                [(schema, "customers", ["customer_id"])]
            types = {c["name"]: str(c["type"]) for c in sa.inspect(conn).get_columns("orders", schema=target)}
            assert types["customer_id"] == "INTEGER"  # the existing column's own type
            orphans = conn.execute(sa.text(
                f'SELECT count(*) FROM "{target}".orders o WHERE o.customer_id IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{schema}".customers c WHERE c.customer_id = o.customer_id)')).scalar_one()
            assert orphans == 0
        missing = max(keys) + 1
        with pytest.raises(sa.exc.IntegrityError, match="fk_orders_customer_id"), engine.begin() as conn:
            conn.execute(sa.text(f'INSERT INTO "{target}".orders (order_id, customer_id, amount) '
                                 f"VALUES (999999, {missing}, 1.00)"))
        read = db.read(spec, "orders")  # read back with the existing column's type
        assert read.column("customer_id").type == pa.int64() and read.num_rows == 20_000
        engine.dispose()
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{target}" CASCADE')
        db.dispose()


def test_mariadb_destination_on_the_source_server_gets_the_foreign_key_too(mysql_db, tmp_path):
    url, database = mysql_db
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (customer_id int PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO customers SELECT seq * 7 + 3 FROM seq_0_to_4999")
    spec = load_dataset(_schema_file(tmp_path, database, rows=3_000))
    plan = DatasetPlan(spec, PlanOptions(existing_keys=ExistingKeys(spec, {"crm": url})))
    db = Database(url, f"{database}_out", sources={"crm": url})
    try:
        db.ensure_tables(spec)
        tp = plan.table("orders")
        assert db.write_batches(spec, "orders", tp.arrow_schema, tp.batches()).rows == 3_000
        with engine.connect() as conn:
            fks = sa.inspect(conn).get_foreign_keys("orders", schema=f"{database}_out")
        assert [(f["referred_schema"], f["referred_table"]) for f in fks] == [(database, "customers")]
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.exec_driver_sql(f"INSERT INTO `{database}_out`.orders (order_id, customer_id, amount) "
                                 "VALUES (999999, 4, 1.00)")
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{database}_out`")
        db.dispose()
        engine.dispose()


def test_a_destination_in_another_database_gets_no_foreign_key():
    assert same_database("postgresql+psycopg://a@localhost:5432/crm", "postgresql+psycopg://b:x@127.0.0.1:5432/crm")
    assert not same_database("postgresql+psycopg://a@localhost:5432/crm", "postgresql+psycopg://a@localhost/dwh")
    assert not same_database("postgresql+psycopg://a@db1/crm", "mysql+pymysql://a@db1/crm")


# ---- the CLI and a profile run ------------------------------------------------------------------------------

def test_cli_generate_with_source_writes_children_of_existing_rows(crm, tmp_path):
    url, schema, keys = crm
    path = _schema_file(tmp_path, schema, rows=3_000)
    result = runner.invoke(app, ["generate", str(path), "--out", str(tmp_path / "out"), "--source", f"crm={url}"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "out" / "crm_orders" / "orders")
    values = {v for v in table.column("customer_id").to_pylist() if v is not None}
    assert table.num_rows == 3_000 and values <= keys and len(values) > 300
    shown = runner.invoke(app, ["preview", str(path), "-n", "3", "--source", f"crm={url}"])
    assert shown.exit_code == 0 and "customer_id" in shown.output
    again = runner.invoke(app, ["generate", str(path), "--out", str(tmp_path / "out"), "--source", f"crm={url}"])
    assert again.exit_code == 0, again.output  # the same keys: the same run, written again
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the existing table changes: the children made from it are another run
        conn.execute(sa.text(f'INSERT INTO "{schema}".customers VALUES (2, \'new@example.com\', DATE \'2024-01-01\')'))
    engine.dispose()
    forget_cached_keys()
    changed = runner.invoke(app, ["generate", str(path), "--out", str(tmp_path / "out"), "--source", f"crm={url}"])
    assert changed.exit_code == 3 and "holds a different run" in changed.output
    assert runner.invoke(app, ["generate", str(path), "--out", str(tmp_path / "out"), "--source", f"crm={url}",
                               "--overwrite"]).exit_code == 0


def test_cli_ddl_with_source_types_the_column_and_writes_the_foreign_key(crm, tmp_path):
    url, schema, _ = crm
    result = runner.invoke(app, ["ddl", str(_schema_file(tmp_path, schema)), "--schema", "mock", "--source",
                                 f"crm={url}"])
    assert result.exit_code == 0, result.output
    assert "customer_id INTEGER," in result.output
    assert f"FOREIGN KEY(customer_id) REFERENCES {schema}.customers (customer_id)" in result.output


def test_cli_validate_accepts_the_reference_without_a_database_but_generate_needs_the_source(crm, tmp_path):
    _, schema, _ = crm
    path = _schema_file(tmp_path, schema)
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    result = runner.invoke(app, ["generate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "unknown source 'crm'" in result.output and "--source crm=URL" in result.output
    assert not (tmp_path / "out").exists()  # nothing written


def test_profile_run_through_dagster_lands_children_with_the_foreign_key(crm, tmp_path, monkeypatch):
    url, schema, keys = crm
    monkeypatch.setenv("MP_TEST_CRM_URL", url)
    path = _schema_file(tmp_path, schema, rows=4_000)
    target = f"{schema}_dw"
    (tmp_path / "crm_run.yaml").write_text("\n".join([
        "profile: crm_run", f"datasets: {json.dumps([str(path)])}", "seed: 3",
        "sources: {crm: {url: {env: MP_TEST_CRM_URL}}}",
        "destinations:", f"  - {{kind: sql, url: {{env: MP_TEST_CRM_URL}}, schema: {target}}}",
        "sensors: {schema_changes: false, request_inbox: null}"]) + "\n", encoding="utf-8")
    planned = plan_profile(load_profile(tmp_path / "crm_run.yaml", root=tmp_path))
    defs = build_definitions(planned)
    engine = sa.create_engine(url)
    try:
        run_job(defs, ALL_JOB, dg.DagsterInstance.ephemeral())
        with engine.connect() as conn:
            fks = sa.inspect(conn).get_foreign_keys("orders", schema=target)
            assert [(f["referred_schema"], f["referred_table"]) for f in fks] == [(schema, "customers")]
            landed = conn.execute(sa.text(f'SELECT customer_id FROM "{target}".orders')).scalars().all()
        assert len(landed) == 4_000 and {v for v in landed if v is not None} <= keys
        orders = defs.resolve_assets_def(dg.AssetKey(["crm_orders", "orders"]))
        assert set(orders.keys_by_input_name.values()) == set()  # no asset stands for the existing table
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{target}" CASCADE')
        engine.dispose()


# ---- errors a person can act on ------------------------------------------------------------------------------

def _problem(path: Path, sources: dict[str, str]) -> str:
    spec = load_dataset(path)
    with pytest.raises(SchemaError) as caught:
        plan = DatasetPlan(spec, PlanOptions(existing_keys=ExistingKeys(spec, sources)))
        plan.table("orders").to_table()
    return str(caught.value)


def test_errors_name_the_column_and_what_to_do(crm, tmp_path):
    url, schema, _ = crm
    path = _schema_file(tmp_path, schema)
    unknown = _problem(path, {"crn": url})
    assert "orders.yaml:9:7" in unknown and "unknown source 'crm'" in unknown and "'crn'" in unknown
    (tmp_path / "typo.yaml").write_text(path.read_text().replace("customers.customer_id", "customer.customer_id"))
    missing = _problem(tmp_path / "typo.yaml", {"crm": url})
    assert f"table {schema}.customer does not exist" in missing and "did you mean 'customers'" in missing
    (tmp_path / "col.yaml").write_text(path.read_text().replace("customers.customer_id", "customers.customerid"))
    assert "did you mean 'customer_id'" in _problem(tmp_path / "col.yaml", {"crm": url})
    down = _problem(path, {"crm": "postgresql+psycopg://someone:s3cret@127.0.0.1:9/nowhere"})
    assert "someone:***@127.0.0.1:9/nowhere" in down and "s3cret" not in down
    spec = load_dataset(path)
    with pytest.raises(SchemaError, match=r"no keys were read for source 'crm'.*--source crm=URL"):
        DatasetPlan(spec).table("orders").to_table()  # a plan given no keys at all
    with pytest.raises(SchemaError, match="holds no key"):
        DatasetPlan(spec, PlanOptions(existing_keys={f"crm.{schema}.customers.customer_id": pa.array(
            [], pa.int64())})).table("orders").to_table()


# ---- memory ----------------------------------------------------------------------------------------------

_MEASURE = """
import resource, sys
from mock_pipelines.spec.model import ExistingRef
from mock_pipelines.store.sql.existing_keys import read_keys
import sqlalchemy, pyarrow, numpy  # loaded before the baseline
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
keys = read_keys(sys.argv[1], ExistingRef("big", sys.argv[2], "big", "id", sample=1000))
print(len(keys), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 1024)
"""


def test_reading_keys_of_a_large_table_streams_instead_of_loading_it(postgres_db):
    """3,000,000 keys, 1,000 kept: measured, the read peaks near 50 MiB above the process's start (the
    engine, one batch, the positions hashed 1M at a time); fetching all rows at once took ~550 MiB."""
    import subprocess
    import sys

    url, schema = postgres_db
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "{schema}".big (id bigint PRIMARY KEY)'))
        conn.execute(sa.text(f'INSERT INTO "{schema}".big SELECT g * 3 FROM generate_series(1, 3000000) g'))
    engine.dispose()
    done = subprocess.run([sys.executable, "-c", _MEASURE, url, schema], capture_output=True, text=True, check=True)
    kept, peak_mib = done.stdout.split()
    assert int(kept) == 1_000
    assert float(peak_mib) < 150, f"reading 3M keys raised peak memory by {peak_mib} MiB"
