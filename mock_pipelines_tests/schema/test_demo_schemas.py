"""The demo schemas in schemas/ load, validate and generate relationally consistent data.

Every table is generated at its declared size; the checks are independent of the engine: foreign keys
are looked up in the generated parent tables, keys are counted, trees are walked, and derived columns
are recomputed in plain Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
DEMOS = ("shop", "hr", "healthcare")


# ---- helpers -----------------------------------------------------------------------------------------

@cache
def spec_of(name: str) -> DatasetSpec:
    return load_dataset(SCHEMAS / f"{name}.yaml")


@cache
def generated(name: str) -> dict[str, pa.Table]:
    """Every table of the demo at its declared size (dictionary-encoded columns decoded)."""
    plan = DatasetPlan(spec_of(name))
    plan.check()
    return {t: _decoded(plan.table(t).to_table()) for t in plan.order()}


def _decoded(table: pa.Table) -> pa.Table:
    columns = [c.combine_chunks() for c in table.columns]
    columns = [c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in columns]
    return pa.table(columns, names=table.column_names)


def rows_of(table: pa.Table, columns: list[str]) -> list[tuple]:
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def col(name: str, table: str, column: str) -> list:
    return generated(name)[table].column(column).to_pylist()


def foreign_keys():
    for name in DEMOS:
        for table in spec_of(name).tables.values():
            for fk in table.foreign_keys:
                yield pytest.param(name, table.name, fk, id=f"{name}.{table.name}({','.join(fk.columns)})")


# ---- every demo --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DEMOS)
def test_schema_validates_and_is_documented(name):
    spec = spec_of(name)
    assert spec.name == name
    DatasetPlan(spec).check()  # uniqueness capacity at the declared sizes
    for table in spec.tables.values():
        assert table.description, f"table {table.name} has no description"
        assert table.primary_key, f"table {table.name} has no primary key"
        declared = [c for c in table.columns.values() if not c.fk_member]  # composite-FK members are implicit
        missing = [c.name for c in declared if not c.description]
        assert not missing, f"{name}.{table.name}: columns without description: {missing}"


@pytest.mark.parametrize("name", DEMOS)
def test_every_table_generates_at_its_declared_size(name):
    spec = spec_of(name)
    tables = generated(name)
    assert set(tables) == set(spec.tables)
    for tname, table in tables.items():
        rows = spec.tables[tname].rows
        assert table.num_rows > 0, tname
        if rows.per is None:
            assert table.num_rows == rows.fixed, tname
            continue
        # children per parent: every parent's count lies within [min, max]
        grouping = spec.tables[tname].grouping_fk
        counts = Counter(rows_of(table, grouping.columns))
        parent_keys = rows_of(tables[rows.per], grouping.ref_columns)
        per_parent = [counts.get(k, 0) for k in parent_keys]
        assert sum(per_parent) == table.num_rows, tname
        assert min(per_parent) >= rows.min, tname
        if rows.max is not None:
            assert max(per_parent) <= rows.max, tname


@pytest.mark.parametrize(("name", "table", "fk"), list(foreign_keys()))
def test_every_foreign_key_value_exists_in_its_parent(name, table, fk):
    tables = generated(name)
    child = rows_of(tables[table], fk.columns)
    parent = set(rows_of(tables[fk.table], fk.ref_columns))
    values = [v for v in child if all(x is not None for x in v)]
    partial = [v for v in child if any(x is not None for x in v) and not all(x is not None for x in v)]
    assert not partial, "a composite reference is either complete or null"
    assert values, "no non-null reference at all"
    missing = [v for v in values if v not in parent]
    assert not missing, f"{len(missing)} dangling references, e.g. {missing[:3]}"
    if fk.null_rate == 0 and fk.table != table:
        assert len(values) == len(child), "unexpected nulls in a non-nullable reference"


@pytest.mark.parametrize("name", DEMOS)
def test_primary_keys_and_unique_columns_are_unique(name):
    spec = spec_of(name)
    for tname, table in generated(name).items():
        pk = spec.tables[tname].primary_key
        keys = rows_of(table, pk)
        assert all(None not in k for k in keys), f"{tname}: null in primary key {pk}"
        assert len(set(keys)) == len(keys), f"{tname}: duplicate primary key {pk}"
        for column in spec.tables[tname].columns.values():
            if column.unique:
                values = [v for v in table.column(column.name).to_pylist() if v is not None]
                assert len(set(values)) == len(values), f"{tname}.{column.name} declared unique"


@pytest.mark.parametrize("name", DEMOS)
def test_child_index_numbers_children_one_to_n(name):
    spec = spec_of(name)
    for tname, table in generated(name).items():
        tspec = spec.tables[tname]
        index_cols = [c.name for c in tspec.columns.values() if c.generator == "child_index"]
        if not index_cols:
            continue
        by_parent = defaultdict(list)
        for key, i in zip(rows_of(table, tspec.grouping_fk.columns), table.column(index_cols[0]).to_pylist(),
                          strict=True):
            by_parent[key].append(i)
        for key, numbers in by_parent.items():
            assert numbers == list(range(1, len(numbers) + 1)), (tname, key)


@pytest.mark.parametrize("name", DEMOS)
def test_generation_is_chunk_size_independent(name):
    plan = DatasetPlan(spec_of(name))
    for tname in plan.order():
        whole = generated(name)[tname]
        chunked = _decoded(plan.table(tname).to_table(chunk_size=997))
        assert chunked.equals(whole), tname


# ---- shop --------------------------------------------------------------------------------------------

def test_shop_orders_are_placed_after_the_customer_signed_up():
    signup = dict(zip(col("shop", "customers", "customer_id"), col("shop", "customers", "signup_ts"), strict=True))
    orders = generated("shop")["orders"]
    for customer, ts in rows_of(orders, ["customer_id", "order_ts"]):
        assert ts >= signup[customer]


def test_shop_line_total_is_quantity_times_unit_price():
    items = generated("shop")["order_items"]
    cent = Decimal("0.01")
    for quantity, unit_price, total in rows_of(items, ["quantity", "unit_price", "line_total"]):
        assert total == (quantity * unit_price).quantize(cent, rounding=ROUND_HALF_EVEN)


def test_shop_unit_price_is_the_products_price():
    price = dict(zip(col("shop", "products", "product_id"), col("shop", "products", "price"), strict=True))
    for product, unit_price in rows_of(generated("shop")["order_items"], ["product_id", "unit_price"]):
        assert unit_price == price[product]


def test_shop_geography_is_consistent():
    for table in ("customers", "addresses"):
        places = defaultdict(set)
        for zip_code, city, state in rows_of(generated("shop")[table], ["zip", "city", "state"]):
            places[zip_code].add((city, state))
        assert all(len(p) == 1 for p in places.values()), f"{table}: a zip code in two places"


def test_shop_customer_emails_are_unique_and_follow_the_names():
    customers = generated("shop")["customers"]
    emails = customers.column("email").to_pylist()
    assert len(set(emails)) == len(emails)
    follows = sum(last.lower()[:3] in email or first.lower()[:3] in email
                  for first, last, email in rows_of(customers, ["first_name", "last_name", "email"]))
    assert follows / len(emails) > 0.8


def test_shop_payment_method_matches_card_number():
    payments = generated("shop")["payments"]
    for card, method in rows_of(payments, ["card_number", "method"]):
        assert (method == "card") == (card is not None)
    nulls = pc.sum(pc.is_null(payments.column("card_number"))).as_py() / payments.num_rows
    assert 0.2 < nulls < 0.4  # null_rate: 0.3


def test_shop_product_popularity_is_skewed():
    counts = Counter(col("shop", "order_items", "product_id"))
    top = sum(n for _, n in counts.most_common(50))  # 10 % of the 500 products
    assert top / sum(counts.values()) > 0.4


def test_shop_returns_come_after_the_order():
    items = generated("shop")["order_items"]
    ordered = {(o, n): ts for o, n, ts in rows_of(items, ["order_id", "line_no", "ordered_at"])}
    for order, line, returned in rows_of(generated("shop")["returns"], ["order_id", "line_no", "returned_ts"]):
        assert returned > ordered[order, line]


# ---- hr ----------------------------------------------------------------------------------------------

def test_hr_each_department_has_one_head_and_managers_were_hired_earlier_in_the_same_department():
    employees = generated("hr")["employees"]
    rows = rows_of(employees, ["employee_id", "manager_id", "department_id", "hire_date"])
    manager = {e: m for e, m, _, _ in rows}
    department = {e: d for e, _, d, _ in rows}
    hired = {e: h for e, _, _, h in rows}
    roots = [e for e, m in manager.items() if m is None]
    assert sorted(department[r] for r in roots) == sorted(set(department.values()))  # one head per department
    depths = []
    for employee in manager:
        node, steps = employee, 0
        while manager[node] is not None:
            boss = manager[node]
            assert department[boss] == department[node] and hired[boss] < hired[node]
            node, steps = boss, steps + 1
        depths.append(steps)
    assert max(depths) > 2  # a real hierarchy, not a star


def test_hr_salary_history_starts_at_hire_and_rises():
    employees = generated("hr")["employees"]
    hire = dict(rows_of(employees, ["employee_id", "hire_date"]))
    salary = dict(rows_of(employees, ["employee_id", "salary"]))
    history = defaultdict(list)
    for row in rows_of(generated("hr")["salary_history"], ["employee_id", "change_no", "effective_date",
                                                            "annual_salary"]):
        history[row[0]].append(row[1:])
    for employee, changes in history.items():
        assert changes[0][1] == hire[employee]
        assert changes[0][2] == salary[employee]
        dates = [c[1] for c in changes]
        amounts = [c[2] for c in changes]
        assert dates == sorted(dates) and amounts == sorted(amounts)


def test_hr_salaries_are_clipped_normal():
    salaries = np.array(col("hr", "employees", "salary"), dtype=float)
    assert salaries.min() >= 38000 and salaries.max() <= 250000
    assert 80000 < salaries.mean() < 90000


def test_hr_time_off_is_approved_by_the_manager():
    manager = dict(rows_of(generated("hr")["employees"], ["employee_id", "manager_id"]))
    for employee, approver, start, end in rows_of(generated("hr")["time_off"],
                                                  ["employee_id", "approver_id", "start_date", "end_date"]):
        assert approver == manager[employee]
        assert end >= start


def test_hr_employee_location_is_the_departments():
    location = dict(rows_of(generated("hr")["departments"], ["department_id", "location_id"]))
    for department, loc in rows_of(generated("hr")["employees"], ["department_id", "location_id"]):
        assert loc == location[department]


# ---- healthcare --------------------------------------------------------------------------------------

def test_healthcare_encounters_follow_registration_in_clinic_hours():
    registered = dict(rows_of(generated("healthcare")["patients"], ["patient_id", "registered_ts"]))
    for patient, start, end in rows_of(generated("healthcare")["encounters"],
                                       ["patient_id", "encounter_ts", "end_ts"]):
        assert start.date() > registered[patient].date()
        assert 7 <= start.hour <= 18
        assert end > start


def test_healthcare_icd10_code_and_description_agree():
    titles = defaultdict(set)
    for code, title in rows_of(generated("healthcare")["diagnoses"], ["icd10_code", "icd10_description"]):
        titles[code].add(title)
    assert len(titles) > 5
    assert all(len(t) == 1 for t in titles.values())


def test_healthcare_vitals_one_per_encounter_with_consistent_bmi():
    vitals = generated("healthcare")["vitals"]
    assert vitals.num_rows == generated("healthcare")["encounters"].num_rows
    for height, weight, bmi in rows_of(vitals, ["height_cm", "weight_kg", "bmi"]):
        if height is None:
            assert bmi is None
        else:
            assert bmi == pytest.approx(weight / (height / 100) ** 2, abs=0.051)


def test_healthcare_npi_numbers_pass_the_luhn_check():
    for npi in col("healthcare", "providers", "npi"):
        digits = [int(d) for d in "80840" + npi]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 1:
                d *= 2
                d -= 9 if d > 9 else 0
            total += d
        assert total % 10 == 0, npi
