"""`hours(x)`, `minutes(x)` and `seconds(x)` of a column, like `days(x)`: each row moves by its own amount."""

from __future__ import annotations

import numpy as np

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset

SCHEMA = """\
dataset: visits
tables:
  visits:
    primary_key: visit_id
    rows: 1000000
    columns:
      visit_id: sequence
      start_at: {gen: timestamp, start: "2024-01-01", end: "2024-12-31"}
      length_h: {gen: integer, min: 0, max: 72, null_rate: 0.01}
      length_min: {gen: integer, min: -600, max: 600}
      length_s: {dist: "uniform(0, 5000)"}
      end_h: {expr: "start_at + hours(length_h)"}
      end_min: {expr: "start_at - minutes(length_min)"}
      end_s: {expr: "start_at + seconds(length_s)"}
"""

US = {"h": 3_600_000_000, "min": 60_000_000, "s": 1_000_000}


def _table(chunk_size=262_144, rows=None):
    plan = DatasetPlan(load_dataset("v.yaml", text=SCHEMA), PlanOptions(rows=rows))
    return plan.table("visits").to_table(chunk_size=chunk_size)


def _us(t, name):
    col = t[name].combine_chunks().cast("int64")
    return np.asarray(col.fill_null(0).to_numpy()), np.asarray(col.is_null().to_numpy(zero_copy_only=False))


def test_every_row_moves_by_its_own_duration():
    t = _table()
    assert t.num_rows == 1_000_000
    start, _ = _us(t, "start_at")
    hours = t["length_h"].to_pandas()
    end_h, null_h = _us(t, "end_h")
    assert np.array_equal(null_h, hours.isna().to_numpy()) and null_h.any()
    ok = ~null_h
    assert np.array_equal(end_h[ok] - start[ok], hours.to_numpy()[ok].astype(np.int64) * US["h"])
    end_min, _ = _us(t, "end_min")
    assert np.array_equal(start - end_min, t["length_min"].to_numpy() * US["min"])
    end_s, _ = _us(t, "end_s")
    assert np.array_equal(end_s - start, np.round(t["length_s"].to_numpy() * US["s"]).astype(np.int64))


def test_durations_do_not_depend_on_the_chunk_size():
    assert _table(chunk_size=4_321, rows={"visits": 30_000}).equals(_table(chunk_size=1 << 20, rows={"visits": 30_000}))
