"""The column types a materialisation records (`dagster/column_schema`, what the UI's column table shows)
are the schema's logical types — `string`, `decimal(12,2)`, `date` — as in the asset's definition, not
Arrow's names (`dictionary<values=string, indices=int32, ordered=0>`, `decimal128(12, 2)`, `date32[day]`),
for files and SQL destinations alike."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.io_managers.table_io import column_schema, logical_type
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.resources import build_resources
from mock_pipelines.profiles.loading import load_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

SCHEMA = """\
dataset: typed
tables:
  items:
    rows: 20
    primary_key: item_id
    columns:
      item_id: sequence
      tier: {gen: choice, values: [gold, silver, bronze]}
      label: {gen: pattern, format: "IT-####", unique: true}
      price: {dist: "lognormal(3, 0.5)", type: "decimal(12,2)"}
      listed_on: {gen: date, start: "2024-01-01", end: "2024-12-31"}
      listed_ts: {gen: timestamp, start: "2024-01-01", end: "2024-12-31"}
      weight: {dist: "uniform(1, 5)"}
      in_stock: {gen: boolean}
      doubled: {expr: "item_id * 2"}
"""

EXPECTED = {"item_id": "int", "tier": "string", "label": "string", "price": "decimal(12,2)", "listed_on": "date",
            "listed_ts": "timestamp", "weight": "float", "in_stock": "bool", "doubled": "int"}

DESTINATIONS = {
    "files": "  - kind: files\n    path: out\n    format: parquet\n",
    "sqlite": "  - kind: sql\n    url: sqlite:///out/typed.sqlite\n",
}


def _planned(tmp_path: Path, destination: str) -> ProfilePlan:
    (tmp_path / "typed.yaml").write_text(SCHEMA, encoding="utf-8")
    profile = tmp_path / "typed_profile.yaml"
    profile.write_text("profile: typed_profile\ndatasets: [typed.yaml]\nseed: 1\ndestinations:\n"
                       + DESTINATIONS[destination], encoding="utf-8")
    return plan_profile(load_profile(profile, root=tmp_path))


@pytest.mark.parametrize("destination", sorted(DESTINATIONS))
def test_a_materialisation_records_the_logical_column_types_of_the_schema(tmp_path, destination):
    planned = _planned(tmp_path, destination)
    defs = build_definitions(planned)
    key = dg.AssetKey(["typed", "items"])
    asset = next(a for a in build_assets(planned).assets if key in a.keys)
    result = dg.materialize([asset], resources=build_resources(planned).resources,
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    [event] = result.get_asset_materialization_events()
    recorded = event.materialization.metadata["dagster/column_schema"].value
    assert {c.name: c.type for c in recorded.columns} == EXPECTED
    # what the definition declares (constraints included) is what the materialisation shows
    declared = defs.resolve_assets_def(key).specs_by_key[key].metadata["dagster/column_schema"]
    declared = {c.name: c for c in getattr(declared, "schema", declared).columns}
    assert declared["doubled"].type == "derived"  # typed by its expression: only the written data knows
    for column in recorded.columns:
        if column.name != "doubled":
            assert column == declared[column.name]
    assert recorded.columns[0].constraints.unique and not recorded.columns[0].constraints.nullable


def test_arrow_types_are_named_as_the_schema_language_names_them():
    arrow = {"dictionary<values=string, indices=int32, ordered=0>": pa.dictionary(pa.int32(), pa.string()),
             "decimal128(12, 2)": pa.decimal128(12, 2), "date32[day]": pa.date32(),
             "timestamp[us]": pa.timestamp("us"), "int64": pa.int64(), "double": pa.float64(),
             "bool": pa.bool_(), "large_string": pa.large_string()}
    assert {name: logical_type(t) for name, t in arrow.items()} == {
        "dictionary<values=string, indices=int32, ordered=0>": "string", "decimal128(12, 2)": "decimal(12,2)",
        "date32[day]": "date", "timestamp[us]": "timestamp", "int64": "int", "double": "float", "bool": "bool",
        "large_string": "string"}
    undeclared = column_schema(pa.schema([("x", pa.dictionary(pa.int8(), pa.string()))]))
    assert [(c.name, c.type) for c in undeclared.columns] == [("x", "string")]
