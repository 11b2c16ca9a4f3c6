"""The ground truth's labels and text, built for whole arrays at once: the same labels as the value-by-value
classifier, castability judged per value even where values repeat, and dates and times written as ISO text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.defects.classify import violation_labels, violations
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.scenarios import as_text
from mock_pipelines.schema.parse import load_dataset

SHOP = Path(__file__).resolve().parents[3] / "schemas" / "shop.yaml"


def _facts(table: str, column: str):
    spec = load_dataset(SHOP)
    plan = DatasetPlan(spec)
    t = plan.table(table)
    return column_facts(spec, t.spec, t.spec.columns[column], plan.locale, partitioned=False), \
        t.arrow_schema.field(column).type


def test_labels_list_the_broken_rules_then_the_kinds_own_once_each() -> None:
    facts, arrow_type = _facts("customers", "email")
    values = pa.array(["ann.lee@example.com", "ann.lee.example.com", None, "bob#@example.org", "x", None])
    labels = violation_labels(facts, values, arrow_type, ("format", "unique"))
    expected = [",".join(dict.fromkeys((*broken, "format", "unique"))) for broken in violations(facts, values,
                                                                                                  arrow_type)]
    assert labels.to_pylist() == expected
    assert labels.to_pylist()[1] == "format,unique"  # no '@': the format, once, then the kind's own


def test_repeated_text_in_a_typed_column_is_judged_castable_value_by_value() -> None:
    facts, arrow_type = _facts("customers", "birth_date")
    values = pa.array(["2023-02-30", "1980-05-17", "2023-02-30", None, "TBD", "1980-05-17", "TBD"])
    broken = violations(facts, values, arrow_type)
    assert ["type" in b for b in broken] == [True, False, True, False, True, False, True]
    assert broken[3] == ("not_null",)  # a null casts, and breaks only the column's not-null rule


def test_dates_and_times_are_written_as_iso_text_with_their_fractions() -> None:
    dates = pa.array([dt.date(2024, 2, 29), None, dt.date(1, 1, 1), dt.date(9999, 12, 31)], pa.date32())
    assert as_text(dates).to_pylist() == ["2024-02-29", None, "0001-01-01", "9999-12-31"]
    times = pa.array([dt.datetime(2024, 3, 31, 2, 30), dt.datetime(1969, 12, 31, 23, 59, 59, 500000), None],
                     pa.timestamp("us"))
    assert as_text(times).to_pylist() == ["2024-03-31T02:30:00.000000", "1969-12-31T23:59:59.500000", None]
    seconds = pa.array([dt.datetime(2024, 1, 1, 8)], pa.timestamp("s"))
    assert as_text(seconds).to_pylist() == ["2024-01-01T08:00:00"]
    zoned = pa.array([dt.datetime(2024, 1, 1, 8)], pa.timestamp("us", tz="UTC"))
    assert as_text(zoned).to_pylist() == ["2024-01-01T08:00:00.000000"]  # in its zone, without a suffix
