"""Determinism and relational integrity of the engine.

Every value is a pure function of (seed, dataset, table, column, row index), so: the same seed gives the
same tables; any row range or row set computed alone equals the same rows of a full run whatever the
chunk size; two runs write identical bytes; keys declared unique are unique; and every foreign key points
at an existing parent row.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from scipy import stats

from mock_pipelines.core import random as rnd
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files.manifest import RunIdentity
from mock_pipelines.store.files.table_folder import write_table

N_CUSTOMERS = 5000  # > 4,096: per-parent layouts of orders and items span several prefix-sum blocks

SHOP = f"""\
dataset: shop
seed: 42
templates:
  money: {{dist: "lognormal(3, 0.8)", type: "decimal(12,2)", min: 0}}
tables:
  customers:
    rows: {N_CUSTOMERS}
    primary_key: customer_id
    columns:
      customer_id: {{gen: sequence, start: 100}}
      first_name: {{gen: choice, values: [Ann, Bob, Cid, Dee]}}
      tier: {{gen: choice, values: {{gold: 0.1, silver: 0.3, bronze: 0.6}}}}
      score: {{dist: "normal(50, 10)"}}
      ltv: {{extends: money}}
      handle: {{template: "{{first_name|lower}}-{{_unique}}", unique: true}}
      code: {{gen: integer, min: 0, max: 999999, unique: true}}
  orders:
    rows: {{per: customers, count: poisson(3), max: 8}}
    primary_key: order_id
    columns:
      order_id: {{gen: sequence, start: 1000}}
      customer_id: {{ref: customers.customer_id}}
      quantity: {{gen: integer, min: 1, max: 5}}
      price: {{extends: money, max: 500}}
      total: {{expr: "quantity * price", type: "decimal(14,2)"}}
      cust_score: {{expr: "customer_id.score + 1"}}
      greeting: {{expr: "'Dear ' + customer_id.first_name"}}
      referrer: {{ref: customers.customer_id, skew: zipf(1.2), null_rate: 0.2}}
  items:
    rows: {{per: orders, count: "uniform(1, 3)"}}
    primary_key: [order_id, line_no]
    columns:
      order_id: {{ref: orders.order_id}}
      line_no: {{gen: child_index}}
      sku: {{gen: pattern, format: "SKU-####"}}
      label: {{expr: "str(order_id) + '/' + str(line_no)"}}
  visits:
    rows: {{per: customers, count: poisson(1), min: 2, max: 4}}
    columns:
      customer_id: {{ref: customers.customer_id}}
      visit_no: {{gen: child_index, start: 0}}
  returns:
    rows: 800
    primary_key: return_id
    foreign_keys:
      - {{columns: [order_id, line_no], ref: "items(order_id, line_no)"}}
    columns:
      return_id: {{gen: uuid4}}
      reason: {{gen: choice, values: [damaged, late, other]}}
  employees:
    rows: 300
    primary_key: emp_id
    columns:
      emp_id: {{gen: sequence}}
      manager_id: {{ref: employees.emp_id}}
"""


def make_plan(seed: int | None = None, **options) -> DatasetPlan:
    plan = DatasetPlan(load_dataset("shop.yaml", text=SHOP), PlanOptions(seed=seed, **options))
    plan.check()
    return plan


def generate(plan: DatasetPlan, chunk_size: int = 262_144) -> dict[str, pa.Table]:
    return {name: plan.table(name).to_table(chunk_size=chunk_size) for name in plan.order()}


@pytest.fixture(scope="module")
def plan() -> DatasetPlan:
    return make_plan()


@pytest.fixture(scope="module")
def tables(plan) -> dict[str, pa.Table]:
    return generate(plan)


# ---- counter-based randomness ------------------------------------------------------------------------

def test_random_bits_are_a_pure_function_of_key_row_and_stream():
    rows = np.arange(10_000, dtype=np.int64)
    key = rnd.derive_key(42, "shop", "customers", "score")
    assert key == rnd.derive_key(42, "shop", "customers", "score")  # stable, not hash()-randomised
    assert key != rnd.derive_key(43, "shop", "customers", "score")
    full = rnd.bits(key, rows)
    assert np.array_equal(rnd.bits(key, rows[1234:5678]), full[1234:5678])
    shuffled = np.random.default_rng(0).permutation(rows)
    assert np.array_equal(rnd.bits(key, shuffled), full[shuffled])
    assert not np.array_equal(rnd.bits(key, rows, stream=1), full)
    assert len(np.unique(full)) == len(full)
    u = rnd.uniform(key, rows)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert rnd.uniform_open(key, rows).min() > 0.0


@pytest.mark.parametrize("n", [2, 3, 5, 1000, 1024, 1025, 65_537])
def test_keyed_permutation_is_a_bijection_of_the_range(n):
    x = np.arange(n, dtype=np.int64)
    for key in (1, 2, 99):
        p = rnd.permute(x, n, key)
        assert np.array_equal(np.sort(p), x)
    assert not np.array_equal(rnd.permute(x, n, 1), rnd.permute(x, n, 2)) or n < 4


# ---- (a) seeds ---------------------------------------------------------------------------------------

def test_same_seed_gives_identical_tables(tables):
    again = generate(make_plan())
    assert list(again) == list(tables)
    for name, table in tables.items():
        assert again[name].equals(table), name


def test_seed_option_equal_to_schema_seed_changes_nothing(tables):
    assert generate(make_plan(seed=42))["orders"].equals(tables["orders"])


def test_different_seed_gives_different_tables(tables):
    other = generate(make_plan(seed=43))
    for name, table in tables.items():
        assert not other[name].equals(table), name
    # Sequences do not depend on the seed, random columns do.
    assert other["customers"]["customer_id"].equals(tables["customers"]["customer_id"])
    assert not other["customers"]["score"].equals(tables["customers"]["score"])


def test_all_tables_have_rows(tables):
    assert tables["customers"].num_rows == N_CUSTOMERS
    assert tables["orders"].num_rows > 2 * N_CUSTOMERS
    assert tables["items"].num_rows > tables["orders"].num_rows
    assert tables["returns"].num_rows == 800
    assert tables["employees"].num_rows == 300


# ---- (b) row ranges and row sets ---------------------------------------------------------------------

def _ranges(n: int) -> list[tuple[int, int]]:
    out = [(0, 1), (1, 2), (0, 10), (n // 3, n // 3 + 777), (n - 5, n), (n - 1, n), (0, n)]
    if n > 8300:
        out += [(4090, 4102), (4095, 8200)]  # across prefix-sum block boundaries of the parent
    return out


@pytest.mark.parametrize("name", ["customers", "orders", "items", "visits", "returns", "employees"])
def test_row_range_alone_equals_the_same_rows_of_a_full_run(plan, tables, name):
    full = tables[name]
    table_plan = plan.table(name)
    for a, b in _ranges(full.num_rows):
        for chunk_size in (97, 100_000):
            part = pa.Table.from_batches(list(table_plan.batches(a, b, chunk_size=chunk_size)))
            assert part.equals(full.slice(a, b - a)), (name, a, b, chunk_size)


@pytest.mark.parametrize("name", ["customers", "orders", "items", "returns", "employees"])
def test_any_row_set_in_any_order_equals_the_same_rows_of_a_full_run(tables, name):
    full = tables[name]
    rows = np.random.default_rng(7).integers(0, full.num_rows, 1500)  # unsorted, with repeats
    fresh = make_plan()  # nothing memoised from the full run
    got = pa.Table.from_batches([fresh.table(name).compute(rows)])
    assert got.equals(full.take(pa.array(rows)))


# ---- (c) chunk size ----------------------------------------------------------------------------------

def test_chunk_size_does_not_change_the_data(tables):
    small = generate(make_plan(), chunk_size=1_000)
    large = generate(make_plan(), chunk_size=1_000_000)
    for name, table in tables.items():
        assert small[name].equals(large[name]), name
        assert large[name].equals(table), name
    assert len(small["items"].column(0).chunks) > 1


# ---- (d) bytes on disk -------------------------------------------------------------------------------

def _write_all(plan: DatasetPlan, out) -> dict[str, str]:
    digests = {}
    for name in plan.order():
        tp = plan.table(name)
        identity = RunIdentity(plan.spec.name, name, plan.spec.spec_hash(name), plan.seed, plan.scale,
                               plan.locale, "parquet")
        write_table(tp.batches(chunk_size=4_000), tp.arrow_schema, out / name, identity)
        [part] = sorted((out / name).glob("part-*"))
        digests[name] = hashlib.sha256(part.read_bytes()).hexdigest()
    return digests


def test_two_runs_write_identical_parquet_bytes(tmp_path):
    first = _write_all(make_plan(), tmp_path / "one")
    second = _write_all(make_plan(), tmp_path / "two")
    assert first == second
    assert len(set(first.values())) == len(first)  # and the tables are not trivially equal files


# ---- (e) uniqueness at scale -------------------------------------------------------------------------

BIG = """\
dataset: big
seed: 3
tables:
  customers:
    rows: 1000000
    primary_key: customer_id
    columns:
      customer_id: {gen: sequence}
      handle: {template: "cust-{_unique}", unique: true}
      code: {gen: integer, min: 0, max: 999999, unique: true}
      guid: {gen: uuid4, unique: true}
"""


def test_unique_columns_are_unique_at_a_million_rows():
    plan = DatasetPlan(load_dataset("big.yaml", text=BIG))
    plan.check()
    table = plan.table("customers").to_table()
    assert table.num_rows == 1_000_000
    for column in table.column_names:
        assert pc.count_distinct(table[column]).as_py() == 1_000_000, column
    # integer(min, max, unique) over a range of exactly n values is a permutation of that range
    code = table["code"].to_numpy()
    assert np.array_equal(np.sort(code), np.arange(1_000_000))
    assert not np.array_equal(code, np.arange(1_000_000))


def test_unique_columns_of_the_shop_are_unique(tables):
    customers = tables["customers"]
    for column in ("customer_id", "handle", "code"):
        assert pc.count_distinct(customers[column]).as_py() == customers.num_rows
    for name, key in [("orders", ["order_id"]), ("items", ["order_id", "line_no"]),
                      ("returns", ["return_id"]), ("employees", ["emp_id"])]:
        t = tables[name]
        assert t.group_by(key).aggregate([]).num_rows == t.num_rows, name


# ---- (f) foreign keys --------------------------------------------------------------------------------

def _values(table: pa.Table, column: str) -> np.ndarray:
    return table[column].drop_null().to_numpy()


def test_single_column_foreign_keys_point_at_existing_parents(tables):
    customer_ids = set(_values(tables["customers"], "customer_id"))
    order_ids = set(_values(tables["orders"], "order_id"))
    assert tables["orders"]["customer_id"].null_count == 0
    assert set(_values(tables["orders"], "customer_id")) <= customer_ids
    assert set(_values(tables["orders"], "referrer")) <= customer_ids
    assert set(_values(tables["items"], "order_id")) <= order_ids
    assert set(_values(tables["visits"], "customer_id")) <= customer_ids


def test_composite_foreign_key_points_at_existing_parent_rows(tables):
    items = tables["items"]
    returns = tables["returns"]
    item_keys = set(zip(items["order_id"].to_pylist(), items["line_no"].to_pylist(), strict=True))
    return_keys = list(zip(returns["order_id"].to_pylist(), returns["line_no"].to_pylist(), strict=True))
    assert returns["order_id"].null_count == 0
    assert set(return_keys) <= item_keys
    assert len(set(return_keys)) > 700  # spread over many items, not one


def test_per_parent_children_are_laid_out_parent_by_parent(tables):
    orders, items = tables["orders"], tables["items"]
    # every child row of parent p comes before every child row of parent p+1
    assert np.all(np.diff(orders["customer_id"].to_numpy()) >= 0)
    assert np.all(np.diff(items["order_id"].to_numpy()) >= 0)
    # child_index numbers the children of each parent 1, 2, 3, … without gaps
    order_ids = items["order_id"].to_numpy()
    line_no = items["line_no"].to_numpy()
    starts = np.r_[True, order_ids[1:] != order_ids[:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(order_ids)), 0))
    assert np.array_equal(line_no, np.arange(len(order_ids)) - run_start + 1)
    visits = tables["visits"]
    assert visits["visit_no"].to_numpy().min() == 0  # start: 0


def test_parent_attribute_expressions_read_the_referenced_parent_row(tables):
    customers, orders = tables["customers"], tables["orders"]
    index = orders["customer_id"].to_numpy() - 100  # customer_id = 100 + row index
    score = customers["score"].to_numpy()[index]
    assert np.allclose(orders["cust_score"].to_numpy(), score + 1)
    names = customers["first_name"].take(pa.array(index)).to_pylist()
    assert orders["greeting"].to_pylist() == ["Dear " + n for n in names]
    total = orders["quantity"].to_numpy() * orders["price"].cast(pa.float64()).to_numpy()
    assert np.allclose(orders["total"].cast(pa.float64()).to_numpy(), total, atol=0.005)


def test_self_reference_points_at_an_earlier_row(tables):
    employees = tables["employees"]
    emp_id = employees["emp_id"].to_numpy()
    manager = employees["manager_id"]
    assert manager[0].as_py() is None  # the root
    assert manager.null_count == 1
    managers = manager.to_numpy(zero_copy_only=False)[1:].astype(np.int64)
    assert np.all(managers < emp_id[1:])  # so following managers always ends at the root: no cycle
    assert set(managers) <= set(emp_id)
    assert len(set(managers)) > 50


def test_null_rate_of_a_nullable_foreign_key_matches_the_declared_rate(tables):
    referrer = tables["orders"]["referrer"]
    n, p = len(referrer), 0.2
    sd = (n * p * (1 - p)) ** 0.5
    assert abs(referrer.null_count - n * p) < 4 * sd, (referrer.null_count, n * p)


def test_zipf_skewed_foreign_key_concentrates_on_few_scattered_parents(tables):
    referrer = _values(tables["orders"], "referrer")
    counts = Counter(referrer.tolist())
    uniform_share = len(referrer) / N_CUSTOMERS
    top = counts.most_common(10)
    assert top[0][1] > 100 * uniform_share
    assert top[1][1] > 20 * uniform_share
    # popular parents are scattered by a permutation, not simply the first customers
    assert {cid for cid, _ in top} != set(range(100, 110))
    # and a plain reference is not skewed
    plain = Counter(_values(tables["orders"], "customer_id").tolist())
    assert plain.most_common(1)[0][1] <= 8  # at most `max` children per customer


# ---- (g) children per parent -------------------------------------------------------------------------

def _children_per_parent(child: pa.Table, column: str, parent_ids: np.ndarray) -> np.ndarray:
    index = {v: i for i, v in enumerate(parent_ids.tolist())}
    counts = np.zeros(len(parent_ids), dtype=np.int64)
    for value, c in Counter(child[column].to_pylist()).items():
        counts[index[value]] = c
    return counts


def test_children_per_parent_follow_the_declared_poisson_clipped_at_max(tables):
    counts = _children_per_parent(tables["orders"], "customer_id", tables["customers"]["customer_id"].to_numpy())
    assert counts.min() >= 0 and counts.max() <= 8
    observed = np.bincount(counts, minlength=9)
    expected = stats.poisson.pmf(np.arange(9), 3.0)
    expected[8] = stats.poisson.sf(7, 3.0)  # max: 8 collects the tail
    result = stats.chisquare(observed, expected * len(counts))
    assert result.pvalue > 1e-3, result
    assert abs(counts.mean() - 3.0) < 0.1


def test_children_per_parent_uniform_count_and_min_clip(tables):
    per_order = _children_per_parent(tables["items"], "order_id", tables["orders"]["order_id"].to_numpy())
    assert set(np.unique(per_order)) == {1, 2, 3}
    result = stats.chisquare(np.bincount(per_order)[1:])
    assert result.pvalue > 1e-3, result
    per_customer = _children_per_parent(tables["visits"], "customer_id",
                                        tables["customers"]["customer_id"].to_numpy())
    assert per_customer.min() == 2 and per_customer.max() == 4  # poisson(1) clipped to [min, max]
    # P(X <= 2) of Poisson(1) lands on the lower bound
    share_at_min = np.mean(per_customer == 2)
    assert abs(share_at_min - stats.poisson.cdf(2, 1.0)) < 0.03


def _contiguous_parent_of(layout, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = layout.counts(np.arange(layout.n_parents, dtype=np.int64))
    ends = np.cumsum(counts)
    parent = np.searchsorted(ends, rows, side="right")
    return parent, rows - (ends[parent] - counts[parent])


KIDS = """\
dataset: kids
tables:
  parents:
    rows: 10
    primary_key: id
    columns:
      id: {gen: sequence}
  kids:
    rows: {per: parents, count: poisson(0.5)}
    columns:
      parent_id: {ref: parents.id}
"""


@pytest.mark.parametrize("n_parents", [1, 3, 4096, 4097, 50_000, 1_100_000])
def test_parent_of_random_rows_equals_the_contiguous_layout(n_parents):
    # 1.1M parents = 269 prefix-sum blocks: parent_of works through them in groups of 256
    plan = DatasetPlan(load_dataset("kids.yaml", text=KIDS), PlanOptions(rows={"parents": n_parents}))
    layout = plan.table("kids").layout
    counts = layout.counts(np.arange(n_parents, dtype=np.int64))
    assert layout.n_rows == counts.sum() == plan.table("kids").n_rows
    if layout.n_rows == 0:
        return
    rng = np.random.default_rng(n_parents)
    for rows in (rng.integers(0, layout.n_rows, 5000), np.arange(layout.n_rows)[:20_000],
                 np.array([layout.n_rows - 1, 0, layout.n_rows - 1])):
        parent, position = layout.parent_of(rows)
        want_parent, want_position = _contiguous_parent_of(layout, rows)
        assert np.array_equal(parent, want_parent)
        assert np.array_equal(position, want_position)
        assert np.all(position < counts[parent])
    with pytest.raises(IndexError):
        layout.parent_of(np.array([layout.n_rows]))


def test_a_per_parent_table_whose_parents_have_no_children_is_empty():
    text = KIDS.replace("poisson(0.5)", "0")
    plan = DatasetPlan(load_dataset("kids.yaml", text=text))
    kids = plan.table("kids")
    assert kids.n_rows == 0
    table = kids.to_table()
    assert table.num_rows == 0
    assert table.schema.names == ["parent_id"]
    assert table.schema.field("parent_id").type == pa.int64()


def test_tables_without_rows_are_empty_with_the_full_schema(plan):
    # no customers: per-parent children have no parents, references to the empty tables are never drawn
    empty = DatasetPlan(load_dataset("shop.yaml", text=SHOP),
                        PlanOptions(rows={"customers": 0, "returns": 0, "employees": 0}))
    for name in empty.order():
        table = empty.table(name).to_table()
        assert table.num_rows == 0, name
        assert table.schema.equals(plan.table(name).arrow_schema), name
