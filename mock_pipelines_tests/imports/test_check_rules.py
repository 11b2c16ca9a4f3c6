"""CHECK constraints as a database reports them: bounds, value sets and orders become facts of columns,
the whole condition a check of the schema language, and what has no equivalent is left out with a reason."""

from __future__ import annotations

from mock_pipelines.imports.check_rules import read_checks
from mock_pipelines.imports.model import SourceCheck

COLUMNS = {"qty", "price", "status", "shipped_at", "ordered_at", "code", "discount", "ends_on", "starts_on"}


def read(*checks: str, dialect: str = "postgres"):
    return read_checks([SourceCheck(c, f"t_{i}") for i, c in enumerate(checks)], COLUMNS, dialect, "t")


def test_between_and_comparisons_become_bounds_of_the_column():
    facts = read("qty BETWEEN 1 AND 100", "price > (0)::numeric", "discount <= 0.5", "-10 < discount").columns
    assert (facts["qty"].lower.value, facts["qty"].upper.value) == (1, 100)
    assert facts["price"].lower.value == 0 and facts["price"].lower.exclusive
    assert facts["discount"].upper.value == 0.5 and not facts["discount"].upper.exclusive
    assert facts["discount"].lower.value == -10 and facts["discount"].lower.exclusive  # flipped: -10 < x


def test_in_lists_and_postgres_any_arrays_become_value_sets():
    facts = read("status IN ('new', 'paid')",
                 "(code)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])").columns
    assert facts["status"].values == ["new", "paid"]
    assert facts["code"].values == ["a", "b"]


def test_a_column_compared_with_another_follows_it():
    facts = read("shipped_at >= ordered_at", "starts_on < ends_on").columns
    assert facts["shipped_at"].after == ("ordered_at", False)
    assert facts["ends_on"].after == ("starts_on", True)


def test_conditions_are_kept_in_the_expression_language_with_their_names():
    result = read("qty BETWEEN 1 AND 100", "(code)::text = ANY ((ARRAY['a'::text, 'b'::text]))",
                  "price > (0)::numeric OR code IS NULL")
    kept = {name: condition for name, condition, _ in result.kept}
    assert list(kept.values()) == ["1 <= qty <= 100", "(code == 'a' or code == 'b')",
                                   "(price > 0 or is_null(code))"]
    assert list(kept) == ["c_0", "c_1", "c_2"]  # t_0 … without the table prefix, made names


def test_a_condition_with_no_equivalent_is_left_out_with_the_reason():
    result = read("length(code) = 3", "code ~ '^[A-Z]+$'")
    assert not result.kept
    reasons = [why for _, why in result.left_out]
    assert "LENGTH" in reasons[0]
    assert len(reasons) == 2


def test_mariadb_json_valid_checks_are_dropped_silently():
    result = read("json_valid(`code`)", dialect="mysql")
    assert not result.kept and not result.left_out


def test_constraint_names_lose_the_table_prefix_and_stay_unique():
    result = read_checks([SourceCheck("qty > 0", "orders_qty_check"), SourceCheck("qty < 10", "orders_qty_check"),
                          SourceCheck("price >= 0")], COLUMNS, "postgres", "orders")
    assert [name for name, _, _ in result.kept] == ["qty_check", "qty_check_2", "price"]
