"""The measure taken while batches stream judges like the whole-table evaluators, whatever the batches."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mock_pipelines.quality import distinct_stream
from mock_pipelines.quality.gx_runner import validate_table
from mock_pipelines.quality.measure import TableMeasure
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines.quality.runner import check_batches, check_table, evaluate
from mock_pipelines.quality.stream import MeasuredSlice
from mock_pipelines_tests.quality.support import DEMOS, failures, generated, set_values, spec_of


def _derived(name: str, table: str) -> list:
    plan, _ = generated(name)
    return [r for r in derive_rules(spec_of(name), table, expected_rows(plan, table)) if not r.params.get("user")]


@pytest.mark.parametrize("dataset", DEMOS)
def test_the_measure_gives_the_verdicts_and_figures_of_the_whole_table_evaluators(dataset):
    _, tables = generated(dataset)
    for table, data in tables.items():
        rules = _derived(dataset, table)
        whole = validate_table(data, rules, engine="arrow").by_name()
        streamed = check_table(data, rules, batch_rows=997).by_name()
        assert set(streamed) == set(whole), table
        for name, a in whole.items():
            b = streamed[name]
            assert (b.passed, b.skipped, b.unexpected_count, b.examples) == \
                (a.passed, a.skipped, a.unexpected_count, a.examples), (table, name)
            if isinstance(a.observed, float):
                assert b.observed == pytest.approx(a.observed, rel=1e-9, abs=1e-12), (table, name)
            else:
                assert b.observed == a.observed, (table, name)


def test_a_duplicate_key_a_null_and_an_out_of_range_value_in_the_second_batch_are_counted():
    _, tables = generated("shop")
    data = tables["customers"]
    batch = 500
    ids = data.column("customer_id").to_pylist()
    rows = [batch + 3, batch + 11]  # in the second batch
    broken = set_values(data, "customer_id", {rows[0]: ids[7]})  # repeats a key of the first batch
    broken = set_values(broken, "email", {rows[1]: None})
    rules = derive_rules(spec_of("shop"), "customers", 2000)
    between = next(r for r in rules if r.name.startswith("between__") and r.gx_kwargs().get("max_value") is not None
                   and isinstance(r.gx_kwargs()["max_value"], int | float))
    column, hi = between.gx_kwargs()["column"], between.gx_kwargs()["max_value"]
    broken = set_values(broken, column, {rows[1]: type(data.column(column)[0].as_py())(hi * 10 + 10)})
    bad = failures({r.name: r for r in check_table(broken, [r for r in rules if not r.params.get("user")],
                                                   batch_rows=batch)})
    assert bad["pk_unique"].unexpected_count == 2 and bad["pk_unique"].examples == [ids[7]]
    assert bad["not_null__email"].unexpected_count == 1 and bad["not_null__email"].examples == [f"row {rows[1]}"]
    assert bad[between.name].unexpected_count == 1


def test_duplicates_are_found_after_spilling_to_bucketed_files(monkeypatch):
    monkeypatch.setattr(distinct_stream, "SPILL_BYTES", 4096)  # a few hundred hashes, then spill
    _, tables = generated("shop")
    data = tables["customers"]
    emails = data.column("email").to_pylist()
    broken = set_values(data, "email", {1500: emails[20], 1900: emails[20]})
    rules = [r for r in derive_rules(spec_of("shop"), "customers", 2000) if r.name == "unique__email"]
    m = TableMeasure(rules).consume(broken.to_batches(max_chunksize=128))
    assert m.distinct["unique__email"].store.spilled
    result = evaluate(rules, m, source=lambda: broken.to_batches(max_chunksize=128)).by_name()["unique__email"]
    assert not result.passed and result.unexpected_count == 3 and result.examples == [emails[20]]


@pytest.mark.parametrize("announced", [None, 23132, 11000, 46264], ids=["unknown", "exact", "fewer", "more"])
def test_the_quantile_sample_is_the_same_whether_or_not_the_row_count_is_announced(announced):
    """Announced rows let the sample copy only rows under an estimated cut; announcing too few still keeps
    every sampled row, and announcing too many (the cut is then too low) is repaired by a second read."""
    _, tables = generated("shop")
    data = tables["order_items"]  # 23,132 rows
    rules = [r for r in derive_rules(spec_of("shop"), "order_items", 23132) if r.name == "quantiles__quantity"]
    source = lambda: data.to_batches(max_chunksize=1000)  # noqa: E731
    reference = TableMeasure(rules, sample_rows=2000).consume(source()).sample()
    m = TableMeasure(rules, sample_rows=2000, rows=announced).consume(source())
    if announced == 46264:
        assert m._sample_held < 2000  # the cut let too few rows through
        with pytest.raises(RuntimeError, match="cannot be read again"):
            m.sample()
    assert reference.num_rows == 2000
    assert m.sample(source).equals(reference)
    if announced == 23132:  # about 2000 + 6·√2000 rows were copied, never the 3000 the trimming allows
        assert 2000 <= m._sample_held <= 2400


def test_a_sequence_is_kept_as_a_range_until_a_value_breaks_it():
    rules = [r for r in derive_rules(spec_of("shop"), "customers", 2000) if r.name == "pk_unique"]
    seq = pa.table({"customer_id": pa.array(np.arange(1, 2001), pa.int64())})
    m = TableMeasure(rules).consume(seq.to_batches(max_chunksize=100))
    assert m.distinct["pk_unique"].in_run and m.distinct["pk_unique"].store.bytes == 0
    assert evaluate(rules, m).by_name()["pk_unique"].passed
    broken = pa.table({"customer_id": pa.array([*range(1, 2001), 5, 5, 3000], pa.int64())})
    result = check_table(broken, rules, batch_rows=100).by_name()["pk_unique"]
    assert result.unexpected_count == 3 and result.examples == [5]


def test_the_checks_only_path_and_the_in_stream_path_give_the_same_results():
    plan, tables = generated("hr")
    for table in tables:
        rules = _derived("hr", table)
        tslice = plan.table(table).slice(chunk_size=333)
        measured = MeasuredSlice(tslice, lambda rules=rules, schema=tslice.schema: TableMeasure(rules, schema=schema))
        written = sum(b.num_rows for b in measured.batches())  # what a writer pulls
        in_stream = evaluate(rules, measured.finish(), source=tslice.batches)
        landed = tables[table]  # the same rows, read back whole
        read_back = check_batches(rules, lambda landed=landed: landed.to_batches(), schema=landed.schema)
        assert measured.finish().rows == written == landed.num_rows
        a, b = in_stream.by_name(), read_back.by_name()
        assert set(a) == set(b)
        for name in a:
            assert (a[name].passed, a[name].unexpected_count) == (b[name].passed, b[name].unexpected_count)
            if isinstance(a[name].observed, float):  # sums over other batch boundaries: rounding only
                assert a[name].observed == pytest.approx(b[name].observed, rel=1e-12), (table, name)
            else:
                assert a[name].observed == b[name].observed, (table, name)


def test_only_the_first_complete_pass_is_measured():
    plan, _ = generated("hr")
    rules = _derived("hr", "employees")
    tslice = plan.table("employees").slice(chunk_size=100)
    measured = MeasuredSlice(tslice, lambda: TableMeasure(rules))
    first = measured.batches()
    next(first)
    first.close()  # a writer that failed after one batch
    assert measured.finish() is None
    rows = sum(b.num_rows for b in measured.batches())  # the retry
    again = sum(b.num_rows for b in measured.batches())  # a second destination
    assert measured.finish().rows == rows == again == tslice.num_rows
