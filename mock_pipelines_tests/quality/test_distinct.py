"""Exact repeat detection through 64-bit hashes, and rules judged on the distinct values of a column."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.quality import arrow_checks, distinct
from mock_pipelines.quality.rules import Rule


def _strings(n: int) -> list[str]:
    return [f"user{i}.{i * 7919 % 1000}@example.com" for i in range(n)]


def test_distinct_strings_have_no_repeats_and_a_repeat_is_found():
    values = _strings(50_000)
    assert len(distinct.repeated_values(pa.chunked_array([values[:20_000], values[20_000:]]))) == 0
    values[40_000] = values[3]
    values[41_000] = None
    found = distinct.repeated_values(pa.chunked_array([values[:20_000], values[20_000:]]))
    assert found.to_pylist() == [values[3]]


def test_hash_collisions_are_compared_exactly(monkeypatch):
    # Every string hashing alike: only true repeats may be reported.
    monkeypatch.setattr(distinct, "string_hashes", lambda arr: np.zeros(len(arr), dtype=np.uint64))
    assert distinct.repeated_values(pa.chunked_array([["a", "b", "c"]])).to_pylist() == []
    assert distinct.repeated_values(pa.chunked_array([["a", "b", "a"]])).to_pylist() == ["a"]


@pytest.fixture(params=["compiled", "numpy"])
def hashes(request, monkeypatch):
    """string_hashes in each of its forms: the compiled kernel (where built) and the NumPy reference."""
    if request.param == "numpy":
        monkeypatch.setattr(distinct, "native", None)
    elif distinct.native is None:
        pytest.fail("the compiled _hashing module is not built: `make install` builds it (needs a C compiler)")
    return distinct.string_hashes


def test_hashes_depend_on_the_bytes_of_each_value_only(hashes):
    values = ["", "a", "abcdefgh", "abcdefgh\x00", "abcdefghi", "é", "x" * 100]
    plain = hashes(pa.array(values))
    assert len(set(plain.tolist())) == len(values)
    # The same values inside a sliced array, a large_string array and between other values hash alike.
    sliced = pa.array(["zz", *values, "yy"]).slice(1, len(values))
    assert np.array_equal(hashes(sliced), plain)
    assert np.array_equal(hashes(pa.array(values, pa.large_string())), plain)


def test_a_value_hashes_alike_whatever_else_its_array_holds(hashes):
    # A value's hash must not depend on the longest value beside it: batches stream through the
    # uniqueness rules one by one, so a repeat across two batches is only seen if both hash alike.
    values = ["x@y.com", "abcdefgh", "", "abcdefghijklmnopq"]
    alone = [int(hashes(pa.array([v]))[0]) for v in values]
    beside_long = hashes(pa.array([*values, "w" * 77, "é" * 40]))[:len(values)]
    assert beside_long.tolist() == alone


def test_a_value_hashes_alike_at_the_end_of_its_buffer_and_inside_it(hashes):
    # The last bytes of a value are read as one 8-byte word straight from Arrow's buffer, except for the
    # values ending in its last 8 bytes, read from a padded copy: both readings must give the same hash,
    # with nulls and empty values among them, in a sliced array too.
    values = ["abcdefghijkl@x.io", None, "", "é", "abc", "abcdefgh", "abcdefghi", "q" * 23, None]
    alone = [int(hashes(pa.array([v], pa.string()))[0]) for v in values]
    for arr in (pa.array(values), pa.array([*values, *values]), pa.array(["zz", *values, "yy"]).slice(1, len(values))):
        got = hashes(arr).tolist()
        assert got[:len(values)] == alone
        assert got[len(values):] == alone[:len(got) - len(values)]


def test_hashes_in_blocks_equal_hashes_in_one_pass(monkeypatch):
    rng = np.random.default_rng(3)
    words = ["", "a", "é", "x" * 9, "user.name@example.com", "ü" * 13]
    values = [None if i % 97 == 0 else f"{words[i % 6]}{rng.integers(10**9)}" for i in range(3 * 1000 + 7)]
    for arr in (pa.array(values).slice(5), pa.array(values, pa.large_string()).slice(11)):
        monkeypatch.setattr(distinct, "HASH_BLOCK", 1000)  # three blocks and a rest
        blocked = distinct.numpy_string_hashes(arr)
        monkeypatch.setattr(distinct, "HASH_BLOCK", 1 << 30)
        assert np.array_equal(blocked, distinct.numpy_string_hashes(arr))


@pytest.mark.parametrize("form", ["compiled", "numpy"])
def test_repeated_hashes_are_exact_when_only_some_of_their_bits_agree(monkeypatch, form):
    from mock_pipelines.quality import distinct_stream
    from mock_pipelines.quality.distinct_stream import _repeated_hashes

    if form == "numpy":
        monkeypatch.setattr(distinct_stream, "native", None)
    elif distinct_stream.native is None:
        pytest.fail("the compiled _hashing module is not built: `make install` builds it (needs a C compiler)")

    rng = np.random.default_rng(7)
    keys = rng.integers(0, 2**63, 40_000, dtype=np.int64).view(np.uint64)
    assert len(_repeated_hashes(keys)) == 0
    # Keys that share the bits below the bucket id that pick their slot (or every bit but one) are not
    # repeats; equal ones are, once each, however often they occur.
    same_slot = (keys[:50] & np.uint64(0x00FFFFFFFF000000)) | np.uint64(0x5A00000000000001)
    neighbours = keys[100:150] ^ np.uint64(1)
    repeats = np.concatenate([keys[200:210], keys[200:205], keys[200:201]])
    mixed = np.concatenate([keys, same_slot, same_slot ^ np.uint64(2), neighbours, repeats])
    rng.shuffle(mixed)
    values, counts = np.unique(mixed, return_counts=True)
    assert _repeated_hashes(mixed).tolist() == values[counts > 1].tolist()
    assert set(_repeated_hashes(mixed).tolist()) >= set(keys[200:210].tolist())
    # Values that really repeat a lot (a failing rule): most of the bucket shares slots, with the same answer.
    heavy = np.concatenate([np.repeat(keys[:2_000], 20), same_slot, neighbours])
    rng.shuffle(heavy)
    values, counts = np.unique(heavy, return_counts=True)
    assert _repeated_hashes(heavy).tolist() == values[counts > 1].tolist()
    # A bucket far larger than its table of slots (a spilled column of 100M+ rows): most keys share a slot.
    with monkeypatch.context() as small:
        small.setattr(distinct_stream, "SLOT_BITS", 10)
        values, counts = np.unique(mixed, return_counts=True)
        assert _repeated_hashes(mixed).tolist() == values[counts > 1].tolist()
        assert len(_repeated_hashes(keys)) == 0
    same = np.full(1_000, 0xDEADBEEF, dtype=np.uint64)
    assert _repeated_hashes(same).tolist() == [0xDEADBEEF]
    assert _repeated_hashes(same[:2]).tolist() == [0xDEADBEEF]
    assert len(_repeated_hashes(same[:1])) == 0
    assert len(_repeated_hashes(keys[:2])) == 0
    # The key zero (the compiled set's mark of a free slot) is a key like any other.
    zeros = np.concatenate([keys[:100], np.zeros(3, np.uint64), keys[50:51]])
    assert _repeated_hashes(zeros).tolist() == [0, int(keys[50])]
    assert len(_repeated_hashes(np.concatenate([keys[:100], np.zeros(1, np.uint64)]))) == 0


def test_a_repeat_across_batches_of_different_widths_is_found():
    from mock_pipelines.quality.distinct_stream import StreamDistinct

    first = pa.record_batch({"email": ["a.b@example.com", "short@x.io"]})
    second = pa.record_batch({"email": ["short@x.io", "a-much-longer-local-part-than-before@example.com"]})
    d = StreamDistinct(["email"], numeric=False)
    d.add(first)
    d.add(second)
    assert d.finish(lambda: [first, second]) == (2, ["short@x.io"])


@pytest.mark.parametrize("values", [
    [3, 1, 2, 3], [1.5, 2.5, 1.5], [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 1)],
])
def test_repeated_numbers_and_times(values):
    found = distinct.repeated_values(pa.chunked_array([values]))
    assert found.to_pylist() == [values[0]]
    assert len(distinct.repeated_values(pa.chunked_array([sorted(set(values))]))) == 0


def test_a_low_cardinality_string_column_is_judged_on_its_distinct_values():
    n = 60_000
    states = pa.chunked_array([[("CA", "NY", "TX")[i % 3] for i in range(n)]])
    assert arrow_checks.distinct_strings(states).to_pylist() == ["CA", "NY", "TX"]
    assert arrow_checks.distinct_strings(pa.chunked_array([_strings(n)])) is None  # too many: row by row
    rule = Rule(name="regex__state", table="t", kind="regex", description="", columns=("state",),
                expectation="ExpectColumnValuesToMatchRegex", kwargs={"column": "state", "regex": "^[A-Z]{2}$"})
    ok = arrow_checks.evaluate(rule, pa.table({"state": states}))
    assert ok[0] and ok[2] == 0
    broken = states.to_pylist()
    broken[59_999], broken[10] = "ca", "ca"
    bad = arrow_checks.evaluate(rule, pa.table({"state": broken}))
    assert not bad[0] and bad[2] == 2 and bad[3] == ["ca", "ca"]


def test_spilled_buckets_read_back_whole_when_the_system_writes_less_than_asked(monkeypatch):
    """``os.writev`` may write part of what it is given; every key still lands once, in its bucket."""
    from mock_pipelines.quality import distinct_stream

    real = os.writev
    calls = []

    def short_writev(fd, buffers):  # at most 1,000 bytes a call, often cutting a buffer in the middle
        calls.append(len(buffers))
        return real(fd, [memoryview(b"".join(bytes(b) for b in buffers)[:1000])])

    monkeypatch.setattr(distinct_stream.os, "writev", short_writev)
    keys = np.random.default_rng(8).integers(0, 2**63, 5000, dtype=np.int64).view(np.uint64)
    store = distinct_stream.Buckets(np.uint64, limit=8 * 1500)
    for part in np.array_split(keys, 7):
        store.add(part, (part >> np.uint64(56)).astype(np.uint8))
    assert store.spilled and len(calls) >= 30  # ~8 bytes x 3,000+ keys spilled, 1,000 a call
    back = np.concatenate([store.bucket(b) for b in range(256)])
    assert np.array_equal(np.sort(back), np.sort(keys))
    for b in range(256):
        assert np.all((store.bucket(b) >> np.uint64(56)) == b)
    store.close()
