"""`date_of_birth` with `at: <column>`: the age on each row's own date (sign-up, hire, registration) is
within [min_age, max_age], including 29 February and nulls in the reference column."""

from __future__ import annotations

import datetime as dt

import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

SCHEMA = """\
dataset: people
tables:
  people:
    rows: 5000
    columns:
      id: sequence
      joined: {gen: date, start: "2000-02-27", end: "2024-03-02", null_rate: 0.05}
      birth_date: {gen: date_of_birth, min_age: 18, max_age: 30, at: joined}
      age: {expr: "years_between(birth_date, joined)"}
"""


def test_age_on_the_rows_own_date_is_within_bounds():
    rows = DatasetPlan(load_dataset("p.yaml", text=SCHEMA)).table("people").to_table().to_pylist()
    ages = [r["age"] for r in rows if r["joined"] is not None]
    assert min(ages) == 18 and max(ages) == 30
    assert all((r["birth_date"] is None) == (r["joined"] is None) for r in rows)
    leap = [r for r in rows if r["joined"] is not None and (r["joined"].month, r["joined"].day) == (2, 29)]
    assert leap and all(18 <= r["age"] <= 30 for r in leap)


def test_the_boundaries_are_reachable_and_exact():
    text = SCHEMA.replace('start: "2000-02-27", end: "2024-03-02", null_rate: 0.05', 'start: "2024-02-29", '
                          'end: "2024-02-29"').replace("rows: 5000", "rows: 20000")
    births = DatasetPlan(load_dataset("p.yaml", text=text)).table("people").to_table()["birth_date"].to_pylist()
    # 18 on 2024-02-29: born on or before 2006-02-28; at most 30: born after 1993-02-28
    assert max(births) == dt.date(2006, 2, 28) and min(births) == dt.date(1993, 3, 1)


def test_at_must_name_a_column_of_the_table():
    with pytest.raises(SchemaError) as info:
        load_dataset("p.yaml", text=SCHEMA.replace("at: joined", "at: joind"))
    assert any("joind" in str(i) and "p.yaml:8:" in str(i) for i in info.value.issues), info.value.issues
