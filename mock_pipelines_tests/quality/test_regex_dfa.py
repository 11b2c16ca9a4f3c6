"""The automaton proof that every value matches a regex agrees with RE2 value by value, its compiled kernel
with the automaton it runs, and a hostile pattern or a corrupt input is refused, never a hang or a crash."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_pipelines.quality import arrow_checks, regex_dfa
from mock_pipelines.quality.regex_dfa import all_accepted, automaton
from mock_pipelines_tests.quality.support import format_columns

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Patterns turned into an automaton: classes, categories, alternation, groups, greedy and lazy repeats.
PROVEN = [EMAIL, r"^[A-Z]{2}$", r"^[0-9]{5}(?:-[0-9]{4})?$", r"^.*$", r"^\S+$", r"^[a-c]*x$", r"^(?:ab|c)+$",
          r"^$", r"^[^\n@]+@x$", r"^\d+\.\d{2}$", r"^(a|b.)*?c$", r"^\w{2,4}-[^\W\d]?$", r"^[^a-c1\n]{0,3}[@.]$",
          r"^(?:a|ab)(?:c|bcd)x{1,}$", r"^(?P<n>a[bc]?)+?$", r"^[\d -]+$", r"^(?:(?:x|y)z?){3}$", r"^a?b?a?$",
          r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$", r"^rgb\([0-9]{1,3}, [0-9]{1,3}\)$", r"^\x41[\x30-\x39]$",
          # patterns that may match a newline: a value holding one is not printable, so it is left to RE2
          r"^\s+$", r"^[^,]+$", r"^\d\D$", r"^\w\W?$", r"^a{0}b{2,2}$"]
# Patterns left to RE2: not of the shape ^X$ proven here, RE2 reads them otherwise, or RE2 refuses them.
LEFT_TO_RE2 = [r"^a{,3}$", r"abc", r"^a", r"^(?i)abc$", r"^(?i:a)$", r"^a\b$", r"^(a)\1$", r"^(?=a)a$",
               r"^(?!b)a$", r"^a*+b$", r"^(?>a)$", r"^a|b$", r"(?s)^.*$", r"^a{1001}$", r"^[[:alpha:]]$", "",
               # counts with a leading zero: a repetition to Python, text to RE2
               r"^a{02}$", r"^a{1,02}$", r"^a{00}b$", r"^a{02,}$", r"^[0-9]{05}$"]
ALPHABET = ["a", "b", "c", "d", "x", "y", "z", "A", "Z", "0", "1", "5", "9", "@", ".", "-", ":", "(", ")", ",",
            " ", "_", "\t", "\n", "é", "日"]


@pytest.fixture(scope="module")
def native():
    if regex_dfa.native is None:
        pytest.fail("the compiled _dfa module is not built: `make install` builds it (needs a C compiler)")
    return regex_dfa.native


def per_value(values: pa.Array, regex: str) -> list[bool | None]:
    return pc.match_substring_regex(values, regex).to_pylist()


@pytest.mark.parametrize("regex", PROVEN)
def test_proven_patterns_have_an_automaton(regex: str) -> None:
    assert automaton(regex) is not None


@pytest.mark.parametrize("regex", LEFT_TO_RE2)
def test_other_patterns_are_left_to_re2(native, regex: str) -> None:
    assert automaton(regex) is None
    assert all_accepted(pa.array(["a", "abc"]), regex) is False


PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def values_near(regex: str) -> st.SearchStrategy[str]:
    """Values that match ``regex``, the same with one character changed, added or dropped, and any text."""
    matching = st.from_regex(regex, fullmatch=True, alphabet=PRINTABLE)

    @st.composite
    def changed(draw: st.DrawFn) -> str:
        value = draw(matching)
        at = draw(st.integers(0, len(value)))
        edit = draw(st.sampled_from(["change", "add", "drop"]))
        ch = draw(st.one_of(st.sampled_from(ALPHABET), PRINTABLE))
        if edit == "add" or not value:
            return value[:at] + ch + value[at:]
        at = min(at, len(value) - 1)
        return value[:at] + (ch if edit == "change" else "") + value[at + 1:]

    return st.one_of(matching, changed(), st.text(alphabet=st.sampled_from(ALPHABET), max_size=9))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), regex=st.sampled_from(PROVEN))
def test_the_automaton_accepts_what_re2_matches(data: st.DataObject, regex: str) -> None:
    """Value by value, on printable ASCII; any other character is never accepted (RE2 then judges)."""
    dfa = automaton(regex)
    assert dfa is not None
    values = data.draw(st.lists(values_near(regex), min_size=1, max_size=20))
    for value, matched in zip(values, per_value(pa.array(values, pa.string()), regex), strict=True):
        printable = all(" " <= ch <= "~" for ch in value)
        assert dfa.accepts(value.encode()) == (matched and printable), (regex, value)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), regex=st.sampled_from(PROVEN), large=st.booleans(), start=st.integers(0, 5))
def test_the_compiled_proof_is_the_automatons_verdict(native, data: st.DataObject, regex: str, large: bool,
                                                      start: int) -> None:
    """Eight lanes of uneven lengths, nulls, empty values, slices, 32- and 64-bit offsets, chunks."""
    values = data.draw(st.lists(st.one_of(st.none(), values_near(regex)), max_size=60))
    arr = pa.array(values, type=pa.large_string() if large else pa.string()).slice(min(start, len(values)))
    dfa = automaton(regex)
    present = [v for v in arr.to_pylist() if v is not None]
    expected = bool(present) and all(dfa.accepts(v.encode()) for v in present)
    assert all_accepted(arr, regex) == expected
    assert all_accepted(pa.chunked_array([arr, arr], type=arr.type), regex) == expected
    if expected:  # a proof is RE2's verdict too
        assert all(per_value(arr.drop_null(), regex))


def test_one_bad_value_anywhere_is_found(native) -> None:
    good = [f"user{i}@example{i % 7}.com" for i in range(203)]
    assert all_accepted(pa.array(good), EMAIL)
    for at in range(len(good)):  # in each lane, at its start, middle and end
        values = [*good[:at], "no at sign", *good[at + 1:]]
        assert not all_accepted(pa.array(values), EMAIL), at
    many = [f"user{i}@example.com" for i in range(20_000)]  # lanes of ~60 KB: checked for a failure every 4 KB
    assert all_accepted(pa.array(many), EMAIL)
    for at in (0, 2_499, 2_500, 9_999, 17_777, 19_999):
        assert not all_accepted(pa.array([*many[:at], "a b@c.d", *many[at + 1:]]), EMAIL), at


def test_values_outside_printable_ascii_are_left_to_re2(native) -> None:
    values = pa.array(["josé@example.com", "a@b.co"])
    assert not all_accepted(values, EMAIL)
    ok = arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": EMAIL})
    assert arrow_checks.bad_values(pa.chunked_array([values]), ok) is None  # RE2: both match
    tab = pa.array(["a\tb@c.d"])  # RE2's [^@\s] leaves out the tab: a bad value, counted by RE2
    assert not all_accepted(tab, EMAIL)
    assert arrow_checks.bad_values(pa.chunked_array([tab]), ok).to_pylist() == [True]


def test_a_null_holding_bytes_is_left_to_re2(native) -> None:
    """Arrow allows a null's range to hold bytes; they are no value, so no proof reads them."""
    offsets = pa.array([0, 6, 9], pa.int32()).buffers()[1]
    data = pa.py_buffer(b"a@b.cdnot")
    arr = pa.StringArray.from_buffers(2, offsets, data, pa.array([True, False]).buffers()[1], null_count=1)
    assert arr.to_pylist() == ["a@b.cd", None]
    assert not all_accepted(arr, EMAIL)


def test_rules_use_the_compiled_proof(native, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = native.all_accepted

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(regex_dfa, "native", type("Spy", (), {"all_accepted": staticmethod(counting)}))
    col = pa.chunked_array([[f"u{i}@x.org" for i in range(1000)]])
    ok = arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": EMAIL})
    assert arrow_checks.bad_values(col, ok) is None
    assert calls, "the regex rule did not reach the compiled proof"


def test_without_the_compiled_module_re2_judges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regex_dfa, "native", None)
    col = pa.chunked_array([["a@b.cd", "bad"]])
    assert not all_accepted(col, EMAIL)
    ok = arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": EMAIL})
    assert arrow_checks.bad_values(col, ok).to_pylist() == [False, True]


def test_every_generated_format_is_proven() -> None:
    """The columns of the demo schemas written in a generator's format (e-mails, codes, identifiers …)."""
    checked = proven = 0
    for where, regex, values in format_columns():
        checked += 1
        if regex_dfa.native is not None and all_accepted(values, regex):
            proven += 1
            assert all(per_value(values.drop_null(), regex)), (where, regex)
    assert checked >= 10, checked
    if regex_dfa.native is not None:
        assert proven >= checked * 3 // 4, (checked, proven)


@pytest.mark.parametrize("regex", [
    r"^(a|b)*a(a|b){24}$", r"^[ab]*a[ab]{8}$",  # 2**24 and 2**9 states
    r"^a{999}b{999}c{999}$", r"^" + "(?:a|b|c|d)?" * 600 + "$",  # 2,997 positions; 601 states
    "^" + "x?" * 2000 + "()" * 10000 + "$",  # every empty group after 2,000 nullable positions links them all
    "^x?" + "(?:){1000}" * 2000 + "$",  # two million copies of an empty group
])
def test_a_hostile_pattern_is_refused_quickly(regex: str) -> None:
    """Each exceeds a bound of the construction, which stops there: the rule is left to RE2."""
    started = time.process_time()
    assert regex_dfa.automaton.__wrapped__(regex) is None
    assert time.process_time() - started < 2.0


def test_a_deeply_nested_pattern_is_left_to_re2() -> None:
    regex = "^" + "(" * 250 + "a" + ")" * 250 + "$"  # RE2 takes it; a walk of its parse tree may recurse too deep
    values = pa.chunked_array([["a", "b"]])
    assert not all_accepted(values, regex)
    ok = arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": regex})
    assert arrow_checks.bad_values(values, ok).to_pylist() == [False, True]


def test_a_count_with_a_leading_zero_is_re2s_text() -> None:
    """Python reads {05} as five repeats, RE2 as the text "{05}": the check must say what RE2 says."""
    values = pa.chunked_array([["12345", "00000"]])
    ok = arrow_checks.VALUE_TESTS["ExpectColumnValuesToMatchRegex"]({"regex": r"^[0-9]{05}$"})
    assert arrow_checks.bad_values(values, ok).to_pylist() == [True, True]


def _buffers(values: list[str]) -> tuple[np.ndarray, pa.Buffer]:
    arr = pa.array(values, pa.string())
    return np.frombuffer(arr.buffers()[1], np.int32), arr.buffers()[2]


def test_the_kernel_refuses_corrupt_input(native) -> None:
    dfa = automaton(EMAIL)
    offsets, data = _buffers(["a@b.cd", "e@f.gh"])
    run = native.all_accepted
    assert run(offsets, data, None, dfa.table, dfa.accept, dfa.start) is True
    with pytest.raises(ValueError, match="offsets out of order"):
        run(np.array([0, 9, 3], np.int32), data, None, dfa.table, dfa.accept, dfa.start)
    with pytest.raises(ValueError, match="offsets out of order"):
        run(np.array([0, 6, 99], np.int32), data, None, dfa.table, dfa.accept, dfa.start)
    with pytest.raises(ValueError, match="valid as many"):
        run(offsets, data, np.ones(5, np.uint8), dfa.table, dfa.accept, dfa.start)
    with pytest.raises(TypeError, match="int32 or int64"):
        run(offsets.astype(np.int16), data, None, dfa.table, dfa.accept, dfa.start)
    with pytest.raises(ValueError, match="256 uint8 next states"):
        run(offsets, data, None, dfa.table[:, :128].copy(), dfa.accept, dfa.start)
    with pytest.raises(ValueError, match="start be another state"):
        run(offsets, data, None, dfa.table, dfa.accept, 0)
    with pytest.raises(ValueError, match="start be another state"):
        run(offsets, data, None, dfa.table, dfa.accept, len(dfa.accept))
    outside = dfa.table.copy()
    outside[1, ord("a")] = len(dfa.accept)  # a next state past the table
    with pytest.raises(ValueError, match="not a state"):
        run(offsets, data, None, outside, dfa.accept, dfa.start)
    leaves = dfa.table.copy()
    leaves[0, ord("a")] = 1  # state 0 must be a dead end: the proof reads "state 0 at the end" as a failure
    with pytest.raises(ValueError, match="leaves state 0"):
        run(offsets, data, None, leaves, dfa.accept, dfa.start)
    with pytest.raises(TypeError, match="contiguous"):
        run(offsets, data, None, np.asfortranarray(dfa.table), dfa.accept, dfa.start)
