"""The joined-lines proof that every value matches a regex agrees with RE2 value by value."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_pipelines.quality import arrow_checks, regex_lines
from mock_pipelines.quality.regex_lines import all_match, lines_pattern
from mock_pipelines_tests.quality.support import format_columns

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Patterns the proof applies to: none of them can match a newline.
JOINABLE = [EMAIL, r"^[A-Z]{2}$", r"^[0-9]{5}(?:-[0-9]{4})?$", r"^.*$", r"^\S+$", r"^[a-c]*x$", r"^(?:ab|c)+$",
            r"^$", r"^[^\n@]+@x$", r"^\d+\.\d{2}$", r"^(a|b.)*?c$"]
# Patterns it must refuse: each might match a newline, or is not anchored as one whole value.
REFUSED = [r"^[[:space:]]+$", r"^[a[:space:]]+$", r"^[.[:^alpha:]]+$", r"^[a[:cntrl:]]$", r"^[a-z--x]$",
           r"^[^@]+$", r"^\W+$", r"^\s+$", r"^\D$", r"^[\x00-\x7f]+$", r"^\n$", r"^a|b$",
           r"(?s)^.*$", r"^(?s:.)*$", r"^a$b$", r"^a\$", r"a$", r"^a", r"^(a$)", r"^a\b$", r"^(?=a)a$",
           r"^[^a]$", r"^[\s\S]$", r"^(", ""]
ALPHABET = ["a", "b", "c", "x", "Z", "1", "@", ".", "\n", " ", "\t", "é", "-"]


def per_value(values: pa.Array, regex: str) -> bool:
    return pc.all(pc.match_substring_regex(values, regex)).as_py() is not False


@pytest.mark.parametrize("regex", JOINABLE)
def test_joinable_patterns_have_a_lines_pattern(regex: str) -> None:
    assert lines_pattern(regex) is not None


@pytest.mark.parametrize("regex", REFUSED)
def test_patterns_that_could_match_a_newline_are_refused(regex: str) -> None:
    assert lines_pattern(regex) is None
    assert all_match(pa.array(["a"]), regex) is False  # never a proof, so the values are matched one by one


@settings(max_examples=150, deadline=None)
@given(regex=st.sampled_from(JOINABLE),
       values=st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(ALPHABET), max_size=7)), max_size=40),
       large=st.booleans(), start=st.integers(0, 3))
def test_the_proof_is_re2s_verdict(regex: str, values: list[str | None], large: bool, start: int) -> None:
    arr = pa.array(values, type=pa.large_string() if large else pa.string()).slice(min(start, len(values)))
    # A proof needs a value to prove: without one, the match value by value judges.
    expected = per_value(arr, regex) and arr.null_count < len(arr)
    assert all_match(arr, regex) == expected
    assert all_match(pa.chunked_array([arr, arr], type=arr.type), regex) == expected


def test_a_value_holding_a_newline_is_never_proven() -> None:
    # Joined, "a@b.co\nd@e.fr" reads as two good lines; on its own it matches nothing.
    values = pa.array(["x@y.org", "a@b.co\nd@e.fr", "z@w.net"])
    assert not all_match(values, EMAIL)
    bad = arrow_checks.bad_values(pa.chunked_array([values]),
                                  arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": EMAIL}))
    assert bad is not None and bad.to_pylist() == [False, True, False]


def test_bad_values_are_still_counted_and_shown_in_row_order() -> None:
    good = [f"user{i}@example.com" for i in range(300)]
    values = pa.chunked_array([[*good[:100], "no at sign", *good[100:200]], [None, "two@@x.com", *good[200:]]])
    ok = arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": EMAIL})
    bad = arrow_checks.bad_values(values, ok)
    assert bad is not None
    assert pc.filter(values, bad).to_pylist() == ["no at sign", "two@@x.com"]
    assert arrow_checks.bad_values(pa.chunked_array([good]), ok) is None


def test_pieces_split_by_values_and_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regex_lines, "PIECE_VALUES", 3)
    monkeypatch.setattr(regex_lines, "PIECE_BYTES", 12)
    values = pa.array(["a@b.cd", "averyveryverylonglocalpart@example.com", None, "e@f.gh", "i@j.kl", "m@n.op"])
    pieces = regex_lines._pieces(values.drop_null())
    assert [len(p) for p in pieces] == [1, 1, 2, 1]  # a value longer than the byte cap is a piece of its own
    assert all_match(values, EMAIL)
    assert not all_match(pa.array(["a@b.cd", "e@f.gh", "i@j.kl", "bad"]), EMAIL)


def test_every_generated_format_agrees_with_re2() -> None:
    """The columns of the demo schemas written in a generator's format (e-mails, codes, identifiers …)."""
    checked = joined = 0
    for where, regex, values in format_columns():
        checked += 1
        joined += lines_pattern(regex) is not None
        assert all_match(values, regex) == per_value(values, regex), (where, regex)
        assert all_match(values, regex) or lines_pattern(regex) is None, (where, regex)
    assert checked >= 10 and joined >= checked // 2, (checked, joined)


def test_a_pattern_re2_refuses_is_left_to_the_match_value_by_value() -> None:
    # Python's parser reads a possessive repeat; RE2 has none, so the joined match fails to compile.
    regex = r"^a*+b$"
    assert lines_pattern(regex) is not None
    assert all_match(pa.array(["ab", "b"]), regex) is False
    with pytest.raises(pa.ArrowInvalid):
        pc.match_substring_regex(pa.array(["ab"]), regex)


def test_a_column_without_values_is_left_to_the_match_value_by_value() -> None:
    nulls = pa.chunked_array([pa.array([None, None], pa.string())])
    assert all_match(nulls, EMAIL) is False and all_match(pa.array([], pa.string()), EMAIL) is False
    bad = arrow_checks.bad_values(nulls, arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": EMAIL}))
    assert bad is None or not pc.any(bad).as_py()  # nulls are never bad values
    with pytest.raises(pa.ArrowInvalid):  # RE2 still reads the rule's pattern, and refuses it
        arrow_checks.bad_values(nulls, arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"](
            {"regex": r"^a*+b$"}))


def test_posix_classes_anywhere_in_a_class_are_refused() -> None:
    # Python reads [a[:space:]] as the class [a[:space:] and a literal ']'; RE2 as 'a' or whitespace.
    values = pa.array(["a", ""])
    assert not all_match(values, r"^[a[:space:]]+$")
    assert pc.match_substring_regex(values, r"^[a[:space:]]+$").to_pylist() == [True, False]
