"""A small schema whose tables change after insert (redraws, drift, a state machine, soft and hard deletes, late
events), loaded through the schema loader, for the tests of the change checks and the change-volume chart."""

from __future__ import annotations

import tempfile
from pathlib import Path

from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec

SCHEMA = """
dataset: living
seed: 7
tables:
  plans:
    rows: 6
    primary_key: plan_id
    columns:
      plan_id: {gen: sequence}
      price: {dist: "uniform(5, 50, round=2)", type: "decimal(10,2)"}
    changes:
      updates:
        - column: price
          every_days: 3
          factor: "uniform(1.0, 1.2)"
  customers:
    rows: 300
    partitioned: {time_column: signup_ts, rows_per_day: 25}
    primary_key: customer_id
    columns:
      customer_id: {gen: sequence}
      signup_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      city: {gen: city}
      state: {gen: state_abbr}
      segment: {gen: choice, values: {consumer: 0.6, business: 0.3, vip: 0.1}}
      label: {expr: "segment + '/' + state"}
      balance: {dist: "uniform(0, 1000, round=2)", type: "decimal(12,2)"}
    changes:
      updates:
        - columns: [city, state]
          every_days: 6
        - column: segment
          every_days: "uniform(2, 10)"
        - column: balance
          every_days: 2
          factor: "lognormal(0, 0.1)"
      deletes: {share: 0.3, after_days: "exponential(4)", mode: soft}
      late: {share: 0.3, max_days: 2}
  orders:
    rows: 2000
    partitioned: {time_column: order_ts, rows_per_day: 40}
    primary_key: order_id
    columns:
      order_id: {gen: sequence, start: 1000}
      customer_id: {ref: customers.customer_id}
      order_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      status: {gen: choice, values: {placed: 0.9, cancelled: 0.1}}
    changes:
      updates:
        - column: status
          states:
            placed: {paid: 0.9, cancelled: 0.1}
            paid: {shipped: 0.95, refunded: 0.05}
            shipped: {delivered: 1}
          dwell_days: {placed: "uniform(0.01, 0.5)", paid: "uniform(0.5, 2)", shipped: "uniform(1, 4)"}
      deletes: {share: 0.2, after_days: 3, mode: hard}
"""


def load_living() -> DatasetSpec:
    """The spec of :data:`SCHEMA`, loaded from a file as a user's schema is."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "living.yaml"
        path.write_text(SCHEMA)
        return load_dataset(path)
