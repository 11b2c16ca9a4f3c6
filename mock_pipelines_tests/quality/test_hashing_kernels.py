"""The compiled kernels of duplicate detection compute exactly what their NumPy reference computes, and a
corrupt input is an error, never a read past a buffer."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.quality import distinct, distinct_stream


@pytest.fixture
def native():
    if distinct.native is None:
        pytest.fail("the compiled _hashing module is not built: `make install` builds it (needs a C compiler)")
    return distinct.native


def _random_strings(rng: np.random.Generator, n: int) -> list[str | None]:
    alphabet = [*"abcxyz.@-_0123456789", "é", "ß", "日", "\x00", "\n", "😀"]
    out: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            out.append(None)
            continue
        k = int(rng.integers(0, 60)) if rng.random() < 0.9 else int(rng.integers(60, 300))
        out.append("".join(alphabet[i] for i in rng.integers(0, len(alphabet), k)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_string_hashes_equal_the_numpy_reference(native, seed):
    rng = np.random.default_rng(seed)
    values = _random_strings(rng, 20_000)
    arrays = [
        pa.array(values),
        pa.array(values).slice(int(rng.integers(1, 100)), 7_777),
        pa.array(values, pa.large_string()),
        pa.array([v.encode() if v is not None else None for v in values], pa.binary()),
        pa.array(values[-50:]),  # values ending in the last 8 bytes of the data buffer
        pa.array([None] * 9, pa.string()),  # no data buffer at all
        pa.array([""] * 9),
    ]
    for arr in arrays:
        assert np.array_equal(distinct.string_hashes(arr), distinct.numpy_string_hashes(arr)), arr.type


def test_compiled_split_equals_the_numpy_radix_sort(native, monkeypatch):
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 2**63, 100_003, dtype=np.int64).view(np.uint64)
    ids = np.concatenate([(keys[:50_000] >> np.uint64(56)).astype(np.uint8), np.full(50_003, 7, np.uint8)])
    grouped, counts = distinct_stream.split(keys, ids)
    monkeypatch.setattr(distinct_stream, "native", None)
    reference, reference_counts = distinct_stream.split(keys, ids)
    assert np.array_equal(grouped, reference)
    assert np.array_equal(counts, reference_counts)
    assert counts[7] >= 50_003  # the stable order within a bucket was compared above


def test_corrupt_offsets_are_an_error_not_a_read_past_the_buffer(native):
    data = b"abcdefgh"
    out = np.empty(2, np.uint64)
    for offsets in ([0, 4, 9], [0, 5, 3], [-1, 2, 4]):  # past the end, backwards, negative
        with pytest.raises(ValueError, match="offsets"):
            native.string_hashes(np.array(offsets, np.int32), data, None, out)
    with pytest.raises(ValueError):  # one offset too few for two values
        native.string_hashes(np.array([0, 4], np.int32), data, None, out)
    with pytest.raises(TypeError, match="int32 or int64"):
        native.string_hashes(np.array([0, 4, 8], np.int16), data, None, out)
    with pytest.raises(TypeError, match="writable"):
        native.string_hashes(np.array([0, 4, 8], np.int32), data, None, b"x" * 16)
    with pytest.raises(ValueError, match="ids"):
        native.split_by_bucket(np.zeros(4, np.uint64), np.zeros(3, np.uint8), np.empty(4, np.uint64),
                               np.empty(256, np.int64))


def test_repeated_keys_says_when_its_room_is_too_small(native):
    keys = np.array([5, 0, 5, 9, 0, 5, 7], dtype=np.uint64)
    out = np.empty(3, np.uint64)
    assert native.repeated_keys(keys, out) == 3
    assert out.tolist() == [5, 0, 5]  # each occurrence after the first, in order
    assert native.repeated_keys(keys, np.empty(2, np.uint64)) == -1
    assert native.repeated_keys(keys[:0], out) == 0
