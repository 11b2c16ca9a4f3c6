"""Schema drift changes the partitions it selects, and only those: every other partition lands with the
clean schema, and each drifted one is listed in the ground truth with its change."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec

DAYS = 40


@pytest.mark.parametrize(("change", "drifted_type"), [("retype", pa.string()), ("rename", None), ("drop", None)])
def test_a_drift_changes_exactly_the_partitions_the_ground_truth_lists(change: str, drifted_type) -> None:
    spec = load_dataset("schemas/shop.yaml")
    plan = DatasetPlan(spec, PlanOptions(scale=0.05, partitions=PartitionScheme(dt.datetime(2024, 1, 1), "daily")))
    rule = DefectRule("schema_drift", "orders", "subtotal", rate=0.3, params={"change": change})
    orders = ScenarioPlan(plan, ScenarioSpec("drift", "negative", defects=(rule,))).table("orders")
    clean_type = plan.table("orders").arrow_schema.field("subtotal").type
    drifted = 0
    for day in range(DAYS):
        start = dt.datetime(2024, 1, 1) + dt.timedelta(days=day)
        piece = orders.slice(start, start + dt.timedelta(days=1), start.strftime("%Y-%m-%d"))
        truth = piece.truth()
        listed = [r for r in truth.to_pylist() if r["kind"] == "schema_drift"]
        names = [b.schema.names for b in piece.batches()]
        if listed:
            drifted += 1
            assert [(r["column"], r["reason"]) for r in listed] == [("subtotal", change)]
            if drifted_type is not None:
                assert piece.schema.field("subtotal").type == drifted_type
            else:
                assert "subtotal" not in piece.schema.names
            assert all(n == piece.schema.names for n in names)
        else:  # a partition the drift did not select lands exactly as the clean one
            assert piece.schema.field("subtotal").type == clean_type
            assert piece.schema == plan.table("orders").arrow_schema
    assert 0 < drifted < DAYS
