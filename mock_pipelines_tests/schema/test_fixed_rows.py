"""`rows: {fixed: N}`: lookup tables keep N rows whatever the run's scale; profile overrides still win."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
FILE = "lookup.yaml"

LOOKUP = """\
dataset: lookup
tables:
  categories:
    rows: {fixed: 12}
    primary_key: category_id
    columns:
      category_id: sequence
      category_name: {gen: product_category, unique: true}
  products:
    rows: 100
    primary_key: product_id
    columns:
      product_id: sequence
      category_id: {ref: categories.category_id}
"""


def issues_of(text: str) -> list[str]:
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    return [str(i) for i in info.value.issues]


@pytest.mark.parametrize("scale", [0.01, 0.05, 1.0, 10.0, 100.0])
def test_a_fixed_table_keeps_its_rows_whatever_the_scale(scale):
    plan = DatasetPlan(load_dataset(FILE, text=LOOKUP), PlanOptions(scale=scale))
    plan.check()  # 12 unique category names fit at every scale
    assert plan.table("categories").n_rows == 12
    assert plan.table("products").n_rows == max(1, round(100 * scale))
    assert plan.table("categories").to_table().num_rows == 12


def test_a_profile_row_override_still_wins_over_fixed():
    plan = DatasetPlan(load_dataset(FILE, text=LOOKUP), PlanOptions(scale=10, rows={"categories": 5}))
    assert plan.table("categories").n_rows == 5


def test_fixed_zero_gives_an_empty_table():
    plan = DatasetPlan(load_dataset(FILE, text=LOOKUP.replace("{fixed: 12}", "{fixed: 0}")))
    assert plan.table("categories").n_rows == 0


@pytest.mark.parametrize("value", ["-1", "2.5", "many", "true"])
def test_fixed_must_be_a_whole_number(value):
    text = LOOKUP.replace("{fixed: 12}", f"{{fixed: {value}}}")
    issues = issues_of(text)
    line = text.splitlines().index(f"    rows: {{fixed: {value}}}") + 1
    assert issues == [f"{FILE}:{line}:19: rows of 'categories': `fixed:` must be a whole number >= 0, got "
                      f"{_shown(value)} (expected rows: {{fixed: 12}})"]


def _shown(value: str) -> str:
    return {"-1": "-1", "2.5": "2.5", "many": "'many'", "true": "True"}[value]


def test_fixed_cannot_be_combined_with_per_parent_keys():
    text = LOOKUP.replace("{fixed: 12}", "{fixed: 12, per: products}")
    issues = issues_of(text)
    assert any(i.startswith(f"{FILE}:4:23: rows of 'categories': `fixed:` stands alone, it cannot be combined "
                            "with per") for i in issues), issues


def test_fixed_cannot_be_combined_with_time_partitions():
    text = LOOKUP.replace("    rows: {fixed: 12}\n", "    rows: {fixed: 12}\n    partitioned: {rows_per_day: 3}\n")
    issues = issues_of(text)
    assert any(i.startswith(f"{FILE}:5:5: table 'categories' has a fixed row count") for i in issues), issues


def test_a_misspelt_fixed_key_suggests_fixed():
    issues = issues_of(LOOKUP.replace("{fixed: 12}", "{fixd: 12}"))
    assert any("unknown key 'fixd' in rows of 'categories'" in i and "did you mean 'fixed'?" in i
               for i in issues), issues


@pytest.mark.parametrize("scale", [0.05, 10.0, 100.0])
def test_the_demo_lookup_tables_do_not_scale(scale):
    """The README's `--rows-scale 10`, the `scale` profile (100x) and the `ci` profile (0.05) all keep the
    shop's 12 categories and hr's 8 offices (their names are unique); hr's departments grow with the scale,
    since its employees are laid out department by department."""
    shop = DatasetPlan(load_dataset(SCHEMAS / "shop.yaml"), PlanOptions(scale=scale))
    hr = DatasetPlan(load_dataset(SCHEMAS / "hr.yaml"), PlanOptions(scale=scale))
    shop.check()
    hr.check()
    assert shop.table("categories").n_rows == 12
    assert hr.table("locations").n_rows == 8
    assert hr.table("departments").n_rows == max(1, round(15 * scale))
