"""Broken formats (malformed, invalid_date, wrong_type) injected into the demo schemas: at their rate, labelled
exactly, reproducible, and breaking the rule they claim on every generator with a format."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import defects
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.spec.scenarios import ScenarioSpec

from .twins import (
    Twin,
    assert_rate,
    assert_reproducible,
    assert_truth_agrees_with_data,
    dataset,
    scenario_table,
    twin,
)

# (schema, table, column, kind, rows): rows None for a table laid out per parent (the schema's count).
CASES = [
    ("shop", "customers", "email", "malformed", 20_000),
    ("shop", "customers", "zip", "malformed", 20_000),
    ("shop", "customers", "state", "malformed", 20_000),
    ("shop", "products", "launched_on", "invalid_date", 20_000),
    ("shop", "customers", "signup_ts", "invalid_date", 20_000),
    ("shop", "products", "price", "wrong_type", 20_000),
    ("shop", "products", "is_active", "wrong_type", 20_000),
    ("shop", "customers", "latitude", "wrong_type", 20_000),
    ("shop", "customers", "birth_date", "wrong_type", 20_000),
    ("shop", "customers", "signup_ts", "wrong_type", 20_000),
    ("shop", "order_items", "quantity", "wrong_type", None),
]
IDS = [f"{kind}-{column}" for _, _, column, kind, _ in CASES]


def _twin(case) -> Twin:
    schema, table, column, kind, rows = case
    return twin(schema, table, kind, column, 0.05, (), rows)


def _parses(text: str, t: pa.DataType) -> bool:
    """Whether a text reads as a value of ``t``, judged without Arrow (Python's own parsers)."""
    try:
        if pa.types.is_boolean(t):
            return text.lower() in ("true", "false", "1", "0")
        if pa.types.is_integer(t):
            int(text)
        elif pa.types.is_floating(t):
            float(text)
        elif pa.types.is_decimal(t):
            Decimal(text)
        elif pa.types.is_date(t):
            dt.date.fromisoformat(text)
        else:
            dt.datetime.fromisoformat(text)
    except (ValueError, InvalidOperation):
        return False
    return True


def _casts(text: str, t: pa.DataType) -> bool:
    try:
        pc.cast(pa.array([text]), t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_kind_damages_its_declared_share_of_rows(case):
    assert_rate(_twin(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ground_truth_and_data_agree_row_by_row(case):
    tw = _twin(case)
    assert_truth_agrees_with_data(tw)
    retyped = case[3] != "malformed"
    assert tw.data.schema.field(tw.column).type == (pa.string() if retyped else tw.clean.schema.field(tw.column).type)


@pytest.mark.parametrize("case", [CASES[0], CASES[4], CASES[5]], ids=[IDS[0], IDS[4], IDS[5]])
def test_same_seed_gives_the_same_damage_whatever_the_chunk_size(case):
    schema, table, _, kind, rows = case
    assert_reproducible(_twin(case), schema, table, kind, (), rows)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_labels_are_exactly_the_rules_each_value_breaks(case):
    """``violates`` equals an independent check: the format tested with Python's ``re``, the type with Python's
    own parsers."""
    tw = _twin(case)
    for entry in tw.entries():
        expected = set()
        if tw.facts.regex and re.search(tw.facts.regex, entry["injected"]) is None:
            expected.add("format")
        if tw.data.schema.field(tw.column).type != tw.clean.schema.field(tw.column).type \
                and not _parses(entry["injected"], tw.clean_type):
            expected.add("type")
        assert expected, f"{entry['injected']!r} breaks nothing"
        assert set(entry["violates"].split(",")) == expected, entry


def _regex_columns() -> list[tuple[str, str, str]]:
    out = []
    for schema in ("shop", "hr", "healthcare"):
        plan = ScenarioPlan(DatasetPlan(dataset(schema), PlanOptions(scale=0.05)), ScenarioSpec("probe", "negative"))
        for table in plan.order():
            out += [(schema, table, name) for name, facts in plan.table(table)._facts.items() if facts.regex]
    return out


REGEX_COLUMNS = _regex_columns()


def test_the_demo_schemas_have_formats_to_break():
    assert len(REGEX_COLUMNS) >= 15


@pytest.mark.parametrize(("schema", "table", "column"), REGEX_COLUMNS, ids=[".".join(c) for c in REGEX_COLUMNS])
def test_malformed_breaks_the_format_of_every_generator_with_one(schema, table, column):
    st = scenario_table(schema, table, "malformed", column, 1.0, rows=None, scale=0.3)
    said = defects.get("malformed").applies(st.clean.spec.columns[column], st._facts[column], st.clean)
    if column in st.clean.spec.primary_key:
        assert said is not None and "key column" in said
        return
    assert said is None
    truth = st.slice().truth()
    assert truth.num_rows == st.clean.n_rows > 0
    regex = st._facts[column].regex
    for entry in truth.to_pylist():
        assert re.search(regex, entry["injected"]) is None, entry
        assert "format" in entry["violates"].split(","), entry


def test_an_email_loses_its_at_sign():
    for e in _twin(CASES[0]).entries():
        assert e["injected"] == e["original"].replace("@", "", 1)


def test_a_zip_code_gets_one_digit_too_many_or_too_few():
    lengths = set()
    for e in _twin(CASES[1]).entries():
        assert e["injected"].isdigit()
        lengths.add(len(e["injected"]) - len(e["original"]))
    assert lengths == {-1, 1}


def test_other_text_gets_a_character_its_format_does_not_allow():
    for e in _twin(CASES[2]).entries():
        assert e["injected"].replace("#", "", 1) == e["original"] != e["injected"]


@pytest.mark.parametrize("case", [CASES[3], CASES[4]], ids=[IDS[3], IDS[4]])
def test_an_invalid_date_looks_like_a_date_of_the_clean_year_but_does_not_exist(case):
    tw = _twin(case)
    shape = r"\d{4}-\d{2}-\d{2}" + (r"T\d{2}:\d{2}:\d{2}" if pa.types.is_timestamp(tw.clean_type) else "")
    kinds = set()
    for e in tw.entries():
        assert re.fullmatch(shape, e["injected"]), e
        assert e["injected"][:4] == e["original"][:4]
        assert not _parses(e["injected"], tw.clean_type)
        assert not _casts(e["injected"], tw.clean_type)
        if pa.types.is_timestamp(tw.clean_type):
            kinds.add("time" if e["injected"][:10] == e["original"][:10] else "day")
    if pa.types.is_timestamp(tw.clean_type):
        assert kinds == {"day", "time"}, "timestamps get both impossible days and impossible times"


@pytest.mark.parametrize("case", CASES[5:], ids=IDS[5:])
def test_a_wrong_type_value_casts_to_no_value_of_the_type(case):
    tw = _twin(case)
    # A decimal column is checked as float64 by the checks, as the decimal by a database: neither may read it.
    targets = [tw.clean_type] + ([pa.float64()] if pa.types.is_decimal(tw.clean_type) else [])
    written = set()
    for e in tw.entries():
        assert not any(_casts(e["injected"], t) for t in targets), e
        written.add(e["injected"])
    assert len(written) > 5, "placeholders and clean values written the wrong way"


@pytest.mark.parametrize(("kind", "column", "reason"), [
    ("malformed", "phone", "no format"),
    ("malformed", "birth_date", "text with a format"),
    ("malformed", "customer_id", "key column"),
    ("invalid_date", "latitude", "dates and timestamps"),
    ("invalid_date", "email", "dates and timestamps"),
    ("wrong_type", "email", "numbers, truth values"),
    ("wrong_type", "customer_id", "key column"),
])
def test_a_kind_refuses_a_column_it_cannot_damage_and_says_why(kind, column, reason):
    table = scenario_table("shop", "customers", kind, "email", 0.05, rows=100)
    said = defects.get(kind).applies(table.clean.spec.columns[column], table._facts[column], table.clean)
    assert said is not None and reason in said
