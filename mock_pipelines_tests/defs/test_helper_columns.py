"""Helper columns (`emit: false`) are not part of an asset's advertised column schema."""

from __future__ import annotations

from mock_pipelines.defs.assets import column_schema
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.core.test_child_count_expressions import SCHEMA


def test_dagster_column_schemas_list_only_emitted_columns(tmp_path):
    path = tmp_path / "counts.yaml"
    path.write_text(SCHEMA)
    spec = load_dataset(path)
    assert [c.name for c in column_schema(spec.tables["orders"]).columns] == ["order_id", "customer_id", "status",
                                                                              "urgent"]
    assert [c.name for c in column_schema(spec.tables["lines"]).columns] == ["order_id", "line_no"]
