"""Database landing benchmark: ``Database.write_batches`` vs pandas ``DataFrame.to_sql``, in the same run.

The table is the shop schema's ``orders`` (1M rows by default: the first rows of a run with enough customers),
generated once into memory so only loading is measured. Every method loads the same rows into the same
table — created from the schema with its primary key, foreign key to ``customers`` (loaded beforehand),
CHECK constraints and index — emptied (untimed) before each run. pandas gets a DataFrame converted
beforehand (untimed too). Each measurement is repeated and the median reported.

    MOCK_PIPELINES_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    MOCK_PIPELINES_TEST_MYSQL_URL=mysql+pymysql://root@127.0.0.1:3306/test \\
        python bench/bench_sql.py --rows 1000000 --repeat 3

A dialect whose URL variable is unset is skipped (SQLite always runs, in a temporary file).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mock_pipelines.core.engine import DatasetPlan, PlanOptions  # noqa: E402
from mock_pipelines.schema.parse import load_dataset  # noqa: E402
from mock_pipelines.store.sql import Database  # noqa: E402

URL_ENVS = {"postgresql": "MOCK_PIPELINES_TEST_POSTGRES_URL", "mysql": "MOCK_PIPELINES_TEST_MYSQL_URL"}
BENCH_NAMESPACE = "mp_bench_sql"
TARGET_PG_ROWS_PER_S = 300_000
TARGET_RATIO = 5.0


def orders_table(rows: int) -> tuple[DatasetPlan, pa.Table, pa.Table]:
    """(plan, customers, the first ``rows`` orders): enough customers that the orders reach ``rows``."""
    spec = load_dataset(ROOT / "schemas" / "shop.yaml")
    customers = max(1_000, rows // 3)
    plan = DatasetPlan(spec, PlanOptions(seed=42, rows={"customers": customers}))
    orders = plan.table("orders")
    if orders.n_rows < rows:
        raise SystemExit(f"only {orders.n_rows:,} orders for {customers:,} customers; ask for fewer rows")
    return plan, plan.table("customers").to_table(), orders.to_table(0, rows)


def _median_seconds(run: Callable[[], None], before: Callable[[], None], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def bench_dialect(dialect: str, url: str, plan: DatasetPlan, customers: pa.Table, orders: pa.Table,
                  repeat: int, pandas_rows: int, with_fk: bool = True) -> list[dict]:
    schema = BENCH_NAMESPACE if dialect == "postgresql" else None
    if dialect == "mysql":
        url = _mysql_database(url)
    db = Database(url, schema)
    spec = plan.spec
    _drop(db)
    db.ensure_tables(spec)
    db.write_batches(spec, "customers", customers.schema, customers.to_batches(max_chunksize=100_000))
    table_name = f"{schema}.orders" if schema else "orders"
    if not with_fk:  # the same table as a root table: primary key, CHECKs and indexes stay
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {table_name} DROP CONSTRAINT fk_orders_customer_id")
    variant = dialect if with_fk else f"{dialect} (orders without its FK)"
    batches = orders.to_batches(max_chunksize=262_144)

    def clear() -> None:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"DELETE FROM {table_name}")
        if dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM {table_name}")

    results = []
    ours = _median_seconds(lambda: db.write_batches(spec, "orders", orders.schema, batches), clear, repeat)
    results.append({"dialect": variant, "method": "mock_pipelines write_batches", "rows": orders.num_rows,
                    "seconds": ours})
    if dialect == "postgresql" and with_fk:  # the same load, the foreign key validated once after it
        after = Database(url, schema, foreign_key_checks="after_load")
        times = _median_seconds(lambda: after.write_batches(spec, "orders", orders.schema, batches), clear, repeat)
        results.append({"dialect": variant, "method": "mock_pipelines, foreign_key_checks=after_load",
                        "rows": orders.num_rows, "seconds": times})
        after.dispose()
    frame = _frame(orders.slice(0, pandas_rows))
    # the column types pandas binds with (without them it sends Decimal objects as VARCHAR, which PG refuses)
    dtypes = {c.name: c.type for c in db.metadata(spec).tables[table_name].columns if c.name in frame.columns}
    for method, chunksize in ((None, 10_000), ("multi", 1_000)):
        def to_sql(method=method, chunksize=chunksize) -> None:
            with db.engine.begin() as conn:
                frame.to_sql("orders", conn, schema=schema, if_exists="append", index=False, method=method,
                             chunksize=chunksize, dtype=dtypes)
        times = _median_seconds(to_sql, clear, repeat)
        results.append({"dialect": variant, "method": f"pandas to_sql method={method!s} chunksize={chunksize}",
                        "rows": frame.shape[0], "seconds": times})
    clear()
    _drop(db)
    db.dispose()
    return results


def _frame(table: pa.Table):
    decoded = pa.table({n: (c.dictionary_decode() if pa.types.is_dictionary(c.type) else c)
                        for n, c in zip(table.column_names, [c.combine_chunks() for c in table.columns], strict=True)})
    return decoded.to_pandas()


def _mysql_database(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_NAMESPACE}")
        conn.exec_driver_sql(f"CREATE DATABASE {BENCH_NAMESPACE} CHARACTER SET utf8mb4")
    engine.dispose()
    return sa.make_url(url).set(database=BENCH_NAMESPACE).render_as_string(hide_password=False)


def _drop(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {BENCH_NAMESPACE} CASCADE")
        else:
            for table in ("returns", "payments", "order_items", "orders", "reviews", "addresses", "customers",
                          "products", "categories"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    db._ensured.clear()  # the tables are gone: let ensure_tables create them again


def report(results: list[dict]) -> None:
    width = max(len(r["dialect"]) for r in results)
    print(f"\n{'dialect':<{width}} {'method':<44} {'rows':>10} {'median s':>9} {'rows/s':>11} {'vs best pandas':>15}")
    for dialect in dict.fromkeys(r["dialect"] for r in results):
        rows = [r for r in results if r["dialect"] == dialect]
        for r in rows:
            r["rate"] = r["rows"] / statistics.median(r["seconds"])
        best_pandas = max(r["rate"] for r in rows if r["method"].startswith("pandas"))
        for r in rows:
            print(f"{dialect:<{width}} {r['method']:<44} {r['rows']:>10,} {statistics.median(r['seconds']):>9.2f} "
                  f"{r['rate']:>11,.0f} {r['rate'] / best_pandas:>14.1f}×")
        if dialect.startswith("postgresql"):
            for r in rows:
                if r["method"].startswith("mock_pipelines"):
                    ok = r["rate"] >= TARGET_PG_ROWS_PER_S and r["rate"] / best_pandas >= TARGET_RATIO
                    print(f"{'':<{width}} {r['method']}: target ≥ {TARGET_PG_ROWS_PER_S:,} rows/s and ≥ "
                          f"{TARGET_RATIO:g}× pandas {'met' if ok else 'NOT met'}")
    print("\nevery run (s):")
    for r in results:
        print(f"  {r['dialect']} · {r['method']}: " + ", ".join(f"{s:.2f}" for s in r["seconds"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="orders rows to load (default 1M)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--pandas-rows", type=int, default=200_000,
                        help="rows for the pandas baselines (default 200,000: method=multi needs minutes per "
                             "million rows); they load the first rows of the same table, so rates compare")
    parser.add_argument("--dialects", default="postgresql,mysql,sqlite")
    args = parser.parse_args()
    started = time.perf_counter()
    plan, customers, orders = orders_table(args.rows)
    print(f"generated {orders.num_rows:,} orders and {customers.num_rows:,} customers in "
          f"{time.perf_counter() - started:.1f} s (not part of any measurement)")
    pandas_rows = min(args.pandas_rows or orders.num_rows, orders.num_rows)
    print(f"pandas baselines load the first {pandas_rows:,} of those rows")
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        for dialect in args.dialects.split(","):
            url = f"sqlite:///{Path(folder) / 'bench.db'}" if dialect == "sqlite" else os.environ.get(URL_ENVS[dialect])
            if not url:
                print(f"skipping {dialect}: set {URL_ENVS[dialect]} to a SQLAlchemy URL of a test server")
                continue
            print(f"{dialect}: loading …", flush=True)
            results += bench_dialect(dialect, url, plan, customers, orders, args.repeat, pandas_rows)
            if dialect == "postgresql":  # how much the per-row foreign key checks at commit cost
                results += bench_dialect(dialect, url, plan, customers, orders, args.repeat, pandas_rows,
                                         with_fk=False)
    report(results)


if __name__ == "__main__":
    main()
