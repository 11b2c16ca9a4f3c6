"""json_array and json_object: valid JSON on every row, item counts and values as declared, strings escaped so
they read back exactly, deterministic whatever the chunking, and parameters refused with a suggestion."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.core import registry
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.generators.json_documents import json_literals, json_quoted
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines_tests.schema.test_validation import pos

FILE = "profiles.yaml"
ROWS = 20_000
SCHEMA = f"""\
dataset: profiles
seed: 11
tables:
  customers:
    rows: {ROWS}
    primary_key: customer_id
    columns:
      customer_id: {{gen: sequence}}
      tags: {{gen: json_array, values: [vip, newsletter, "b2b", 7, true], min_items: 1, max_items: 3}}
      words: json_array
      colours: {{gen: json_array, of: color_name, min_items: 2, max_items: 2}}
      scores: {{gen: json_array, of: rating, max_items: 8, null_rate: 0.1}}
      prices: {{gen: json_array, of: amount, min_items: 1, max_items: 1}}
      seen: {{gen: json_array, of: date, min_items: 1, max_items: 1}}
      preferences: {{gen: json_object, fields: {{newsletter: boolean, language: language_name, visits: integer,
                                                since: date}}}}
"""


@pytest.fixture(scope="module")
def customers() -> pa.Table:
    spec = load_dataset(FILE, text=SCHEMA)
    return DatasetPlan(spec, PlanOptions()).table("customers").to_table()


def parsed(table: pa.Table, column: str) -> list:
    return [None if v is None else json.loads(v) for v in table.column(column).to_pylist()]


def test_the_columns_are_json_typed_strings(customers):
    spec = load_dataset(FILE, text=SCHEMA)
    for name in ("tags", "words", "colours", "preferences"):
        assert str(spec.tables["customers"].columns[name].type) == "json"
        assert pa.types.is_string(customers.schema.field(name).type)


def test_every_row_is_a_json_array_with_items_within_the_bounds(customers):
    tags = parsed(customers, "tags")
    counts = Counter(len(t) for t in tags)
    assert set(counts) == {1, 2, 3}
    assert all(abs(counts[k] / ROWS - 1 / 3) < 0.02 for k in (1, 2, 3))  # uniform in [min_items, max_items]
    items = Counter(item for t in tags for item in t)
    assert set(items) == {"vip", "newsletter", "b2b", 7, True}
    assert all(isinstance(k, bool) or k != 1 for k in items)  # true stays a boolean, 7 a number
    total = sum(items.values())
    assert all(abs(n / total - 0.2) < 0.02 for n in items.values())  # values drawn uniformly
    words = parsed(customers, "words")
    assert {len(w) for w in words} == set(range(6))  # defaults: 0 to 5 words
    assert all(isinstance(x, str) and x for w in words for x in w)


def test_items_are_independent_of_one_another(customers):
    colours = parsed(customers, "colours")
    assert all(len(c) == 2 for c in colours)
    same = sum(a == b for a, b in colours)
    distinct = len({x for c in colours for x in c})
    assert distinct > 20 and same / ROWS < 3 / distinct  # as often as chance makes two draws equal, no more


def test_items_of_other_generators_keep_their_json_types(customers):
    scores = parsed(customers, "scores")
    nulls = sum(s is None for s in scores)
    assert 0.08 < nulls / ROWS < 0.12
    assert {x for s in scores if s for x in s} == {1, 2, 3, 4, 5}
    prices = [p[0] for p in parsed(customers, "prices")]
    assert all(isinstance(p, int | float) and p > 0 for p in prices)
    assert any(isinstance(p, float) and round(p, 2) == p for p in prices)
    seen = [s[0] for s in parsed(customers, "seen")]
    assert all(dt.date(2020, 1, 1) <= dt.date.fromisoformat(s) <= dt.date(2024, 12, 31) for s in seen)


def test_objects_have_the_declared_keys_in_order_and_typed_values(customers):
    prefs = parsed(customers, "preferences")
    assert all(list(p) == ["newsletter", "language", "visits", "since"] for p in prefs)
    assert {p["newsletter"] for p in prefs} == {True, False}
    assert all(isinstance(p["visits"], int) and 0 <= p["visits"] <= 100 for p in prefs)
    assert len({p["language"] for p in prefs}) > 10
    dt.date.fromisoformat(prefs[0]["since"])
    # fields draw with keys of their own: a boolean and an integer of one row are not tied together
    assert 0.4 < np.mean([p["newsletter"] for p in prefs if p["visits"] < 50]) < 0.6


def test_values_are_the_same_whatever_the_chunking_and_the_rows_asked_for():
    spec = load_dataset(FILE, text=SCHEMA)
    table = DatasetPlan(spec, PlanOptions()).table("customers")
    whole = table.to_table(0, 3000)
    chunked = table.to_table(0, 3000, chunk_size=7)
    assert whole.equals(chunked)
    rows = np.array([2999, 5, 1234], dtype=np.int64)
    picked = table.compute(rows, ["tags", "colours", "preferences"])
    for name in ("tags", "colours", "preferences"):
        assert picked.column(name).to_pylist() == [whole.column(name)[int(r)].as_py() for r in rows]
    again = DatasetPlan(load_dataset(FILE, text=SCHEMA), PlanOptions()).table("customers").to_table(0, 3000)
    assert again.equals(whole)
    other_seed = DatasetPlan(spec, PlanOptions(seed=12)).table("customers").to_table(0, 3000)
    assert other_seed.column("colours") != whole.column("colours")


HOSTILE = ['say "hi"', "back\\slash", "tab\there", "line\nbreak", "bell\x07", "nul\x00", "unicode ✓ é 日本",
           "", "\\\"mixed\\\"", "\r\n\x1f\x0b\x0c\x08"]


def test_strings_are_quoted_and_escaped_so_they_read_back_exactly():
    quoted = json_quoted(pa.array([*HOSTILE, None]))
    assert [json.loads(q) for q in quoted.to_pylist()[:-1]] == HOSTILE
    assert quoted.to_pylist()[-1] is None
    assert all("\n" not in q and "\x00" not in q for q in quoted.to_pylist()[:-1])  # no raw control character
    literals = json_literals(pa.array([1.5, float("nan"), None, float("inf"), -2.0]))
    assert literals.to_pylist() == ["1.5", "null", "null", "null", "-2"]
    assert json_literals(pa.array([True, None, False])).to_pylist() == ["true", "null", "false"]


def test_hostile_values_round_trip_through_json_array():
    gen = registry.get("json_array")
    params = gen.validate_params({"values": HOSTILE, "min_items": 3, "max_items": 6})
    out = gen(registry.GenContext(rows=np.arange(2000, dtype=np.int64), key=5), **params)
    items = [x for v in out.to_pylist() for x in json.loads(v)]
    assert set(items) == set(HOSTILE)


# ---- parameters refused when the schema is checked ---------------------------------------------------------

def _issue(column: str):
    text = SCHEMA + f"      extra: {column}\n"
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    issues = info.value.issues
    assert len(issues) == 1, "\n".join(map(str, issues))
    return text, issues[0]


@pytest.mark.parametrize(("column", "message", "suggestion"), [
    ("{gen: json_array, of: colour_name}", "unknown generator 'colour_name'", "did you mean 'color_name'?"),
    ("{gen: json_array, of: pattern}", "needs parameters (format)", "whose parameters all have defaults"),
    ("{gen: json_array, of: uuid4}", "returns uuid, not a JSON scalar", "string, int, float, bool, decimal or date"),
    ("{gen: json_array, of: child_index}", "cannot run on its own", "needs no other column"),
    ("{gen: json_array, of: json_object}", "cannot make the values of another JSON document", "word or integer"),
    ("{gen: json_array, values: []}", "`values` is empty", "list at least one value"),
    ("{gen: json_array, min_items: 4, max_items: 2}", "min_items (4) is larger than max_items (2)", "swap"),
    ("{gen: json_array, max_items: 5000}", "max_items", None),
    ("{gen: json_object, fields: {}}", "`fields` is empty", "map each key to a generator"),
    ("{gen: json_object, fields: {a: boolean, b: frist_name}}", "field 'b': unknown generator 'frist_name'",
     "did you mean 'first_name'?"),
])
def test_bad_parameters_are_refused_with_a_suggestion(column, message, suggestion):
    text, issue = _issue(column)
    assert message in issue.message
    assert issue.location.line == pos(text, "extra:")[0]
    if suggestion:
        assert suggestion in (issue.suggestion or "")


def test_the_generators_are_in_the_catalogue_with_their_signatures():
    assert registry.get("json_array").signature() == (
        "json_array(of: str = 'word', values: list[str | int | float | bool] | None = None, "
        "min_items: int (≥ 0, ≤ 1024) = 0, max_items: int (≥ 0, ≤ 1024) = 5)")
    assert registry.get("json_object").signature() == "json_object(fields: dict[str, str])"
    assert all(registry.get(n).returns.value == "json" and registry.get(n).vectorised
               for n in ("json_array", "json_object"))
