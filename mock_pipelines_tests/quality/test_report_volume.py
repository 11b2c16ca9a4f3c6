"""The report's rows-per-partition chart of a table whose daily volume has a trend, seasonality and noise:
drawn against the curve the run was generated with, flagging only days the noise cannot explain."""

from __future__ import annotations

import datetime as dt

import numpy as np

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import US_PER_DAY, PartitionScheme
from mock_pipelines.quality.report.charts import _partition_chart
from mock_pipelines.schema.parse import load_dataset

SCHEMA = """\
dataset: growing
seed: 5
tables:
  orders:
    rows: 1000
    partitioned:
      time_column: order_ts
      rows_per_day: 90
      trend: {shape: linear, per_year: 2}
      month_weights: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3]
      noise: poisson
    columns:
      order_id: sequence
      order_ts: {gen: timestamp}
"""


def _run(tmp_path):
    path = tmp_path / "growing.yaml"
    path.write_text(SCHEMA)
    spec = load_dataset(path)
    plan = DatasetPlan(spec, PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 1, 1), "daily")))
    tl = plan.table("orders").timeline
    days = np.arange(19723, 19723 + 366, dtype=np.int64)  # 2024-01-01 … 2024-12-31
    first = tl.first_row_at(days * US_PER_DAY)
    rows = tl.first_row_at((days + 1) * US_PER_DAY) - first
    keys = [str(dt.date(1970, 1, 1) + dt.timedelta(days=int(d))) for d in days]
    return spec.tables["orders"], tl, dict(zip(keys, rows.tolist(), strict=True))


def test_a_noisy_growing_volume_is_judged_against_its_curve(tmp_path):
    spec, tl, parts = _run(tmp_path)
    chart = _partition_chart(spec, parts, 1.0, tl)
    assert not chart.flag, chart.caption
    assert "declared 90/day on the first day, with its trend, seasonality and events and Poisson noise" in chart.caption
    # December is three times January and two years of linear growth later: the steady rate would flag it.
    steady = _partition_chart(spec, parts, 1.0, None)
    assert not steady.flag  # no curve to judge against: drawn, not judged


def test_a_day_the_noise_cannot_explain_is_flagged(tmp_path):
    spec, tl, parts = _run(tmp_path)
    parts["2024-06-12"] = parts["2024-06-12"] * 3
    chart = _partition_chart(spec, parts, 1.0, tl)
    assert chart.flag and "1 partition off the declared rate" in chart.caption
