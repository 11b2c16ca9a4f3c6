"""Text defects on the demo schemas: each kind lands at its declared rate, the data and the ground truth agree row
by row, a damage is a pure function of (seed, rule, row) whatever the chunking, every damaged value differs from
the clean one in the way its kind says, and its labels are the rules the value really breaks."""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache

import numpy as np
import pyarrow as pa
import pytest
from anyascii import anyascii

from mock_pipelines.core import defects
from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.defects.base import Cells
from mock_pipelines.core.defects.classify import violations
from mock_pipelines.core.defects.keyboard import NEIGHBOURS
from mock_pipelines.core.engine import DEFAULT_CHUNK_SIZE, DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec

ROWS = 20_000
RATE = 0.1

# (schema, locale, table, column, kind, params): real columns of the demo schemas, a German locale where the
# kind needs letters outside ASCII.
CASES = [
    ("shop", None, "customers", "email", "typo", ()),
    ("hr", None, "employees", "last_name", "typo", (("ops", "all"),)),
    ("shop", None, "customers", "segment", "case", ()),
    ("hr", None, "employees", "job_title", "case", ()),
    ("healthcare", None, "patients", "blood_type", "whitespace", ()),
    ("shop", None, "customers", "street", "whitespace", ()),
    ("shop", "de_DE", "customers", "city", "transliteration", ()),
    ("shop", "de_DE", "customers", "last_name", "mojibake", ()),
    ("healthcare", None, "patients", "mrn", "truncation", ()),
    ("shop", None, "customers", "street", "truncation", (("length", 10),)),
]
IDS = [f"{k}-{s}.{t}.{c}" + "".join(f"-{p}={v}" for p, v in ps) for s, _, t, c, k, ps in CASES]
# Row counts giving at least ROWS rows to every table above (hr lays employees out per department: 20 to 85 each).
_ROWS_OF = {"shop": {"customers": ROWS}, "hr": {"departments": 500}, "healthcare": {"patients": ROWS}}


@cache
def _plan(schema: str, locale: str | None, seed: int | None = None) -> DatasetPlan:
    spec = load_dataset(f"schemas/{schema}.yaml")
    return DatasetPlan(spec, PlanOptions(seed=seed, locale=locale, rows=_ROWS_OF[schema]))


@cache
def _clean(schema: str, locale: str | None, table: str, seed: int | None = None) -> pa.Table:
    return pa.Table.from_batches(list(_plan(schema, locale, seed).table(table).slice().batches()))


@cache
def _scenario(case: tuple, seed: int | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
              kind: str | None = None) -> tuple[pa.Table, pa.Table]:
    return _generate(case, seed, chunk_size, kind)


def _generate(case: tuple, seed: int | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
              kind: str | None = None) -> tuple[pa.Table, pa.Table]:
    """The scenario's rows and ground truth for one rule of ``case`` (``kind``: near_duplicate, ``how`` the case's)."""
    schema, locale, table, column, name, params = case
    rule = DefectRule(kind or name, table, column, rate=RATE, params=dict(params) | ({"how": name} if kind else {}))
    scenario = ScenarioPlan(_plan(schema, locale, seed), ScenarioSpec("dirty", "negative", defects=(rule,)))
    piece = scenario.table(table).slice(chunk_size=chunk_size)
    return pa.Table.from_batches(list(piece.batches()), schema=piece.schema), piece.truth()


def _column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_kind_damages_its_declared_share_of_the_rows(case):
    data, truth = _scenario(case)
    n, hits = data.num_rows, truth.num_rows
    assert n >= ROWS
    spread = math.sqrt(n * RATE * (1 - RATE))
    assert abs(hits - n * RATE) < 5 * spread, f"{hits} damaged cells among {n} rows at rate {RATE}"
    assert set(truth.column("kind").to_pylist()) == {case[4]}
    assert set(truth.column("column").to_pylist()) == {case[3]}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ground_truth_and_data_agree_row_by_row(case):
    schema, locale, table, column, *_ = case
    data, truth = _scenario(case)
    clean = _clean(schema, locale, table)
    assert data.num_rows == clean.num_rows
    written, before = _column(data, column), _column(clean, column)
    damaged = truth.column("row_index").to_pylist()
    assert [written[r] for r in damaged] == truth.column("injected").to_pylist()
    assert [before[r] for r in damaged] == truth.column("original").to_pylist()
    untouched = sorted(set(range(clean.num_rows)) - set(damaged))
    assert [written[r] for r in untouched] == [before[r] for r in untouched]
    for other in clean.schema.names:
        if other != column:
            assert _column(data, other) == _column(clean, other), other


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_damaged_value_differs_from_the_clean_one(case):
    _, truth = _scenario(case)
    pairs = list(zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True))
    assert all(o is not None for o, _ in pairs)  # the chosen columns are never null
    assert [p for p in pairs if p[0] == p[1]] == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_same_seed_gives_the_same_damage_and_another_seed_another(case):
    data, truth = _scenario(case)
    again, truth_again = _generate(case)  # computed again from scratch, not read from the cache
    assert again.equals(data) and truth_again.equals(truth)
    other = _scenario(case, seed=987_654)[1]  # no demo schema declares this seed
    assert other.column("row_index").to_pylist() != truth.column("row_index").to_pylist()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_chunk_size_of_97_gives_the_same_values_and_truth(case):
    data, truth = _scenario(case)
    small, small_truth = _scenario(case, chunk_size=97)
    assert small.to_pylist() == data.to_pylist()
    assert small_truth.to_pylist() == truth.to_pylist()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_labels_are_the_rules_the_classifier_finds_broken(case):
    schema, locale, table, column, *_ = case
    plan = _plan(schema, locale)
    clean = plan.table(table)
    facts = column_facts(plan.spec, clean.spec, clean.spec.columns[column], plan.locale)
    _, truth = _scenario(case)
    found = violations(facts, truth.column("injected").combine_chunks(), clean.arrow_schema.field(column).type)
    assert truth.column("violates").to_pylist() == [",".join(b) for b in found]


def test_a_typo_in_an_email_claims_a_broken_format_only_where_the_address_lost_its_shape():
    case = CASES[0]
    _, truth = _scenario(case)
    shape = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    labels = [set(v.split(",")) - {""} for v in truth.column("violates").to_pylist()]
    matches = [bool(shape.match(v)) for v in truth.column("injected").to_pylist()]
    assert all(("format" in lab) != ok for lab, ok in zip(labels, matches, strict=True))
    assert sum(matches) > 0.9 * len(matches)  # a replaced letter or digit keeps the shape of an address


def test_a_typo_replaces_one_letter_or_digit_by_a_neighbouring_key():
    _, truth = _scenario(CASES[0])
    for before, after in zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True):
        assert len(before) == len(after)
        diff = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        assert len(diff) == 1, (before, after)
        a, b = before[diff[0]], after[diff[0]]
        assert b in NEIGHBOURS[a], (before, after)
        assert a.isupper() == b.isupper() and a.isdigit() == b.isdigit()


def test_the_keyboard_neighbours_are_the_keys_around_each_key():
    assert set(NEIGHBOURS["s"]) == set("weadzx")
    assert set(NEIGHBOURS["g"]) == set("tyfhvb")
    assert set(NEIGHBOURS["m"]) == set("njk")
    assert set(NEIGHBOURS["5"]) == set("46")
    assert set(NEIGHBOURS["Q"]) == set("WA")
    assert all(key in NEIGHBOURS[near] for key, nears in NEIGHBOURS.items() for near in nears)  # symmetric


def _one_slip(before: str, after: str) -> str | None:
    """Which single slip turns ``before`` into ``after``, if any."""
    if len(after) == len(before):
        diff = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        if len(diff) == 1 and after[diff[0]] in NEIGHBOURS.get(before[diff[0]], ""):
            return "replace"
        if len(diff) == 2 and diff[1] == diff[0] + 1 and before[diff[0]] == after[diff[1]] \
                and before[diff[1]] == after[diff[0]]:
            return "transpose"
    if len(after) == len(before) - 1 and any(before[:i] + before[i + 1:] == after for i in range(len(before))):
        return "drop"
    if len(after) == len(before) + 1 and any(before[:i] + before[i] + before[i:] == after for i in range(len(before))):
        return "double"
    return None


def test_typo_with_all_ops_makes_exactly_one_slip_of_each_sort():
    _, truth = _scenario(CASES[1])
    slips = [_one_slip(b, a) for b, a in zip(truth.column("original").to_pylist(),
                                             truth.column("injected").to_pylist(), strict=True)]
    assert None not in slips
    assert {"replace", "transpose", "drop", "double"} == set(slips)


@pytest.mark.parametrize("case", [c for c in CASES if c[4] == "case"], ids=lambda c: c[3])
def test_case_changes_only_the_case(case):
    _, truth = _scenario(case)
    for before, after in zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True):
        assert after in (before.upper(), before.lower(), before.title()) or after.lower() == before.lower(), \
            (before, after)


def test_a_case_change_of_a_value_set_breaks_the_value_set():
    _, truth = _scenario(CASES[2])
    assert set(truth.column("violates").to_pylist()) == {"value_set"}


@pytest.mark.parametrize("case", [c for c in CASES if c[4] == "whitespace"], ids=lambda c: c[3])
def test_whitespace_changes_only_the_whitespace(case):
    _, truth = _scenario(case)
    seen = set()
    for before, after in zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True):
        assert " ".join(after.replace("\u00a0", " ").split()) == " ".join(before.split())
        seen |= {c for c in set(after) - set(before) if c.isspace()} | ({"  "} if "  " in after else set())
    if case[3] == "street":  # addresses have inner spaces: every variant shows
        assert seen == {"\t", "\u00a0", "  "}


def test_transliteration_writes_non_ascii_values_in_ascii():
    _, truth = _scenario(CASES[6])
    foreign = 0
    for before, after in zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True):
        if before.isascii():
            assert after.lower() == before.lower() or after.strip() == before
        else:
            foreign += 1
            assert after == anyascii(before) and after.isascii()
    assert foreign > 100  # German cities: Köln, Überlingen, …


def test_mojibake_of_zoe_is_zoe_read_as_cp1252():
    out = _damage("mojibake", ["Zoë", "Smith", None, "Straße", "it’s"])
    assert out == ["ZoÃ«", "Smithâ€™", None, "StraÃŸe", "itâ€™s"]
    assert out[0].encode() == b"Zo\xc3\x83\xc2\xab"


def test_mojibake_is_undone_by_the_usual_repair():
    _, truth = _scenario(CASES[7])
    for before, after in zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True):
        repaired = after.encode("cp1252").decode("utf-8")
        assert repaired == (before if not before.isascii() else before + "\u2019")


def test_truncation_keeps_half_of_each_value_and_always_loses_a_character():
    assert _damage("truncation", ["Müller", "abc", "ab", "a", "", None]) == ["Mül", "a", "a", "", "", None]
    _, truth = _scenario(CASES[8])
    for before, after in zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True):
        assert after == before[:len(before) // 2]


def test_truncation_to_a_fixed_width_cuts_long_values_there_and_short_ones_by_a_character():
    _, truth = _scenario(CASES[9])
    for before, after in zip(truth.column("original").to_pylist(), truth.column("injected").to_pylist(), strict=True):
        assert after == before[:min(10, len(before) - 1)]


def test_a_null_stays_null_under_every_text_kind():
    for name in ("typo", "case", "whitespace", "transliteration", "mojibake", "truncation"):
        assert _damage(name, [None, "Zoë", None]) [0::2] == [None, None], name


@pytest.mark.parametrize("how", defects.NEAR_DUPLICATE_HOWS)
def test_a_near_duplicate_is_a_copy_right_after_its_source_that_differs_only_in_its_column(how):
    case = ("shop", "de_DE", "customers", "city", how, ())
    data, truth = _scenario(case, kind="near_duplicate")
    clean = _clean("shop", "de_DE", "customers")
    rows = clean.to_pylist()
    written = data.to_pylist()
    sources = truth.column("row_index").to_pylist()
    assert data.num_rows == clean.num_rows + len(sources) and sources == sorted(sources)
    assert set(truth.column("reason").to_pylist()) == {how}
    for copies_before, (row, injected) in enumerate(zip(sources, truth.column("injected").to_pylist(), strict=True)):
        at = row + copies_before
        source, copy = written[at], written[at + 1]
        assert source == rows[row]
        assert {k for k in copy if copy[k] != source[k]} == {"city"}
        assert copy["city"] == injected
    assert len(sources) > 0.9 * ROWS * 0.1


def test_text_kinds_refuse_keys_foreign_keys_and_non_string_columns():
    plan = _plan("shop", None)
    orders = plan.table("orders")
    customers = plan.table("customers")
    for name in ("typo", "case", "whitespace", "transliteration", "mojibake", "truncation"):
        kind = defects.get(name)

        def reason(table, column, kind=kind):
            col = table.spec.columns[column]
            return kind.applies(col, column_facts(plan.spec, table.spec, col, plan.locale), table)

        assert reason(customers, "last_name") is None
        assert "key" in reason(customers, "customer_id")
        assert "orphan" in reason(orders, "customer_id")  # a reference is the relation kinds' to damage
        assert "string" in reason(customers, "lifetime_value")


def _damage(name: str, values: list | pa.Array, params: dict | None = None) -> list:
    """A kind applied directly to chosen values (as shop.customers.last_name), its defaults under ``params``."""
    plan = _plan("shop", None)
    table = plan.table("customers")
    col = table.spec.columns["last_name"]
    kind = defects.get(name)
    values = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    cells = Cells(table, col, column_facts(plan.spec, table.spec, col, plan.locale), values,
                  np.arange(len(values), dtype=np.int64), 99,
                  {p: v.default for p, v in kind.params.items()} | (params or {}))
    out = kind.damage(cells)
    out.validate(full=True)
    return out.to_pylist()


def test_damaged_text_is_valid_utf8_in_normal_form_where_the_kind_keeps_characters():
    # A cut between a letter and its combining accent is real truncation damage; everything else stays composed.
    values = ["Zoë", "Ærøskøbing", "東京都", "Łódź", "x"]
    for name in ("typo", "case", "whitespace", "transliteration"):
        for v in _damage(name, values):
            assert unicodedata.is_normalized("NFC", v), (name, v)


def test_an_empty_selection_and_a_sliced_array_are_damaged_like_any_other():
    assert _damage("typo", []) == []
    sliced = pa.array(["Zoë", "Köln", None, "x"]).slice(1, 2)
    for name in ("typo", "case", "whitespace", "transliteration", "mojibake", "truncation"):
        out = _damage(name, sliced)
        assert out[1] is None and out[0] != "Köln", (name, out)


def test_an_unknown_typo_op_is_refused_with_the_ops_there_are():
    with pytest.raises(ValueError, match=r"unknown op 'drpo' .* replace, transpose, drop, double, or all .*'drop'"):
        _damage("typo", ["Smith"], {"ops": "replace,drpo"})
