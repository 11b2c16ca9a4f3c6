"""Column facts: the one answer the quality rules and the SQL DDL share (nullability, bounds, values, format)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from mock_pipelines.core.column_facts import ColumnFacts, column_facts, count_bounds
from mock_pipelines.schema.parse import load_dataset

SCHEMA = textwrap.dedent("""
    dataset: facts
    locale: en_US
    tables:
      orders:
        rows: 200
        primary_key: id
        columns:
          id: {gen: sequence}
          status: {gen: choice, values: {open: 3, shipped: 1}}
          email: {gen: email, null_rate: 0.1}
          score: {gen: normal, mean: 50, std: 10, min: 0, max: 100, type: int}
          placed: {gen: date, start: "2021-01-01", end: "2021-12-31"}
          shipped: {gen: date, start: "2021-01-01", end: "2021-12-31", after: placed}
          note: {gen: sentence}
      lines:
        rows: {per: orders, count: "lognormal(20, 1)", min: 1, max: 7}
        primary_key: [order_id, pos]
        columns:
          order_id: {ref: orders.id}
          pos: {gen: child_index, start: 0}
""")


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("facts") / "facts.yaml"
    path.write_text(SCHEMA)
    return load_dataset(path)


def facts_of(spec, table: str, column: str) -> ColumnFacts:
    t = spec.tables[table]
    return column_facts(spec, t, t.columns[column], spec.locale)


def test_value_set_is_written_in_the_columns_terms(spec):
    f = facts_of(spec, "orders", "status")
    assert f.values == ["open", "shipped"] and not f.nullable and not f.has_range


def test_format_and_nullability(spec):
    f = facts_of(spec, "orders", "email")
    assert f.nullable and f.regex is not None and f.regex.startswith("^")


def test_bounds_carry_the_rounding_slack_of_an_int_column(spec):
    f = facts_of(spec, "orders", "score")
    assert f.has_range and (f.lo, f.hi) == (-0.5, 100.5)


def test_date_bounds_are_datetimes_and_after_has_none(spec):
    placed = facts_of(spec, "orders", "placed")
    assert (placed.lo, placed.hi) == (dt.datetime(2021, 1, 1), dt.datetime(2021, 12, 31))
    assert not facts_of(spec, "orders", "shipped").has_range


def test_free_text_has_no_facts(spec):
    assert facts_of(spec, "orders", "note") == ColumnFacts(nullable=False)


def test_child_index_runs_to_the_capped_count_even_when_the_count_is_too_wide_to_tabulate(spec):
    assert count_bounds(spec.tables["lines"].rows) == (1, 7)
    f = facts_of(spec, "lines", "pos")
    assert (f.lo, f.hi) == (0, 6)


def test_ddl_does_not_import_quality():
    code = textwrap.dedent("""
        import sys
        import mock_pipelines.store.sql.ddl
        bad = sorted(m for m in sys.modules if m.startswith("mock_pipelines.quality"))
        print(bad)
        sys.exit(1 if bad else 0)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(("count", "start", "size"), [("constant(3)", 3, 1), ("uniform(2, 5)", 2, 4),
                                                      ("zipf(1.2, 10)", 1, 10), ("exponential(2)", 0, 81)])
def test_count_weights_tabulate_what_the_engine_draws(count, start, size):
    from mock_pipelines.core.child_counts import count_weights
    from mock_pipelines.spec.model import Distribution, RowCount

    got = count_weights(RowCount(per="orders", count=Distribution.parse(count)))
    assert got is not None
    assert got[0] == start and len(got[1]) == size
