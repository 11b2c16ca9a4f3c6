"""The streaming column profile: the same figures whatever the batch size, partitions merged into the
profile of their union, a bounded state that survives JSON."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute
import pytest

from mock_pipelines.quality.column_profile import COUNT_CAP, SAMPLE_ROWS, TableProfile
from mock_pipelines.quality.report.profile import profile_of, profile_table


def _table(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    vocab = pa.array(["red", "green", "blue", "amber"])
    x = rng.normal(10, 3, n)
    return pa.table({
        "id": np.arange(n),
        "x": pa.array(x, mask=rng.random(n) < 0.1),
        "price": pa.compute.cast(pa.array(np.round(rng.lognormal(3, 1, n), 2)), pa.decimal128(12, 2)),
        "colour": pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 4, n), pa.int32()), vocab),
        "word": pa.array([f"w{i % 37}" * (1 + i % 3) for i in range(n)]),
        "flag": pa.array(rng.random(n) < 0.3),
        "day": pa.array(rng.integers(18_000, 19_000, n).astype("int32"), pa.date32()),
    })


def _comparable(prof):
    """Every figure; floats rounded (Chan's combination is exact up to rounding)."""
    out = []
    for c in prof["columns"]:
        row = dict(c)
        for k in ("mean", "std"):
            row[k] = None if row[k] is None else round(row[k], 9)
        row["top"] = [dict(t, share=round(t["share"], 12)) for t in row["top"]]
        out.append(row)
    return prof["rows"], out


@pytest.mark.parametrize("chunk", [1, 7, 1000, 4096, 50_000])
def test_a_profile_fed_in_batches_equals_the_profile_of_the_whole_table(chunk):
    table = _table(20_000 if chunk > 1 else 3_000)
    whole = profile_table(table)
    batched = profile_of(TableProfile.of(table.to_batches(max_chunksize=chunk), table.schema))
    assert _comparable(batched) == _comparable(whole)
    cols = {c["name"]: c for c in whole["columns"]}
    assert cols["colour"]["distinct"] == 4 and cols["colour"]["type"] == "string"
    assert cols["x"]["mean"] == pytest.approx(float(np.nanmean(table.column("x").to_numpy(zero_copy_only=False)
                                                               .astype(float))), rel=1e-12)


def test_dictionaries_that_differ_between_batches_are_counted_by_value():
    a = pa.DictionaryArray.from_arrays(pa.array([0, 1, 1], pa.int32()), pa.array(["x", "y"]))
    b = pa.DictionaryArray.from_arrays(pa.array([0, 0, 1], pa.int32()), pa.array(["y", "z"]))
    prof = TableProfile.of([pa.record_batch([a], names=["c"]), pa.record_batch([b], names=["c"])])
    assert prof.columns["c"].frequencies() == [("x", 1), ("y", 4), ("z", 1)]


def test_the_row_sample_is_bounded_and_the_same_whatever_the_batch_size():
    n = 3 * SAMPLE_ROWS + 11
    table = pa.table({"id": np.arange(n)})
    samples = [TableProfile.of(table.to_batches(max_chunksize=c)).sample().column("id").to_pylist()
               for c in (977, 8192, n)]
    assert samples[0] == samples[1] == samples[2]
    assert SAMPLE_ROWS // 2 <= len(samples[0]) <= SAMPLE_ROWS
    # one row per block of 2**level rows: spread over the whole table
    assert samples[0][0] < n // len(samples[0]) + 8 and samples[0][-1] > n - 2 * n // len(samples[0])


def test_partition_profiles_merge_into_the_profile_of_their_union():
    table = _table(8_000, seed=3)  # under the caps: every figure exact, the sample the whole table
    parts = [table.slice(0, 3_000), table.slice(3_000, 1), table.slice(3_001, 4_999)]
    merged = TableProfile.merged([TableProfile.of_table(p, batch_rows=1_500) for p in parts])
    assert _comparable(profile_of(merged)) == _comparable(profile_table(table))
    assert merged.sample().num_rows == table.num_rows  # small enough to be sampled whole


def test_merged_samples_have_one_density_across_partitions_of_different_sizes():
    big, small = pa.table({"p": np.zeros(40 * SAMPLE_ROWS, np.int8)}), pa.table({"p": np.ones(SAMPLE_ROWS, np.int8)})
    merged = TableProfile.merged([TableProfile.of_table(big), TableProfile.of_table(small)])
    share_small = np.mean(merged.sample().column("p").to_numpy())
    assert share_small == pytest.approx(1 / 41, rel=0.2)  # not 1/2: the small partition is thinned too


def test_past_the_cap_counts_stop_and_the_state_stays_bounded():
    n = 5 * COUNT_CAP
    many = pa.DictionaryArray.from_arrays(pa.array(np.arange(n) % (COUNT_CAP + 5), pa.int32()),
                                          pa.array([f"k{i}" for i in range(COUNT_CAP + 5)]))
    table = pa.table({"id": np.arange(n), "s": pa.array([f"v{i}" for i in range(n)]), "many": many})
    prof = TableProfile.of_table(table, batch_rows=7_000)
    assert prof.columns["many"].counts is None  # counted exactly up to the cap, then dropped
    text = json.dumps(prof.state())
    assert len(text) < 400_000
    c = {c["name"]: c for c in profile_of(prof)["columns"]}
    assert c["s"]["distinct"] is None and c["s"]["distinct_at_least"] == c["s"]["top_sampled"] <= SAMPLE_ROWS
    assert c["s"]["range_sampled"]
    assert (c["s"]["length_min"], c["s"]["length_max"]) == (2, len(f"v{n - 1}"))
    # a unique column whose uniqueness rule found no duplicate has an exact distinct count
    exact = {c["name"]: c for c in profile_of(prof, duplicates={"id": 0})["columns"]}
    assert exact["id"]["distinct"] == n


def test_the_state_survives_json_with_its_types():
    table = _table(2_000, seed=5)
    prof = TableProfile.of_table(table, batch_rows=300)
    back = TableProfile.from_state(json.loads(json.dumps(prof.state())))
    assert _comparable(profile_of(back)) == _comparable(profile_of(prof))
    assert back.sample().equals(prof.sample())
    assert back.columns["price"].min == prof.columns["price"].min  # a Decimal, not a float


def test_the_report_marks_figures_read_from_the_sample(tmp_path):
    from mock_pipelines.quality.report import render_report
    from mock_pipelines.schema.parse import load_dataset

    schema = tmp_path / "d.yaml"
    schema.write_text("dataset: d\ntables:\n  other:\n    rows: 1\n    columns:\n      x: sequence\n")
    spec = load_dataset(schema)

    n = 3 * SAMPLE_ROWS
    table = pa.table({"code": pa.array([f"c{i % 5000}" for i in range(n)]), "id": np.arange(n)})
    html = render_report(spec, {"t": table})
    row = html[html.index("<b class=mono>code</b>"):]
    row = row[:row.index("</tr>")]
    assert "≥ " in row and ">sampled<" in row  # distinct values: a lower bound from the sample
    exact = render_report(spec, {"t": table.slice(0, 1000)})
    row = exact[exact.index("<b class=mono>code</b>"):]
    assert ">sampled<" not in row[:row.index("</tr>")]  # a table the sample holds whole: exact
