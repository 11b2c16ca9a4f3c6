"""Scenarios as Dagster assets: a ci-like profile (the shop schema, files in a temporary folder, daily
partitions) that selects a defect twin gets one asset per table of `shop__dirty`, partitioned like the clean
table, and its ground truth `_defects`; materialising one partition lands the damaged rows, and the ground
truth says exactly which cells and rows were damaged; its metadata counts the entries per kind and carries
the checks' detection score."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.defs import plan as plan_module
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import build_jobs
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.scenario_assets import scenario_plans
from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE, DefectRule, ScenarioSpec
from mock_pipelines.store.files.store import FileStore
from mock_pipelines_tests.defs.conftest import tmp_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

DAY = "2024-01-01"  # the first partition holds the tables' starting rows: enough to damage at tiny scale
DIRTY = ScenarioSpec("dirty", "negative", description="a defect twin", defects=(
    DefectRule("missing", "customers", "email", rate=0.3),
    DefectRule("duplicate", "customers", rate=0.2),
    DefectRule("missing", "products", "product_name", rate=0.3),
    DefectRule("schema_drift", "orders", "status", rate=1.0, params={"change": "rename"}),  # every partition
))


def with_scenario(monkeypatch: pytest.MonkeyPatch, scenario: ScenarioSpec = DIRTY) -> None:
    """Schemas load with ``scenario`` declared, as a `scenarios:` block in the YAML would declare it."""
    load = plan_module.load_dataset

    def load_with_scenario(path, *args, **kwargs):
        spec = load(path, *args, **kwargs)
        return dataclasses.replace(spec, scenarios={**spec.scenarios, scenario.name: scenario})

    monkeypatch.setattr(plan_module, "load_dataset", load_with_scenario)


def planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenarios: list[str] | str) -> ProfilePlan:
    with_scenario(monkeypatch)
    profile = tmp_profile(tmp_path, datasets=["shop"], scale=0.3)
    return plan_profile(profile.model_copy(update={"scenarios": scenarios}))


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProfilePlan, dg.Definitions, FileStore,
                                                               dg.ExecuteInProcessResult]:
    """The definitions of a profile selecting the scenario, and one partition of the scenario materialised
    by its job on files in a temporary folder."""
    monkeypatch = pytest.MonkeyPatch()
    try:
        plan = planned(tmp_path_factory.mktemp("scenario"), monkeypatch, ["dirty"])
        defs = build_definitions(plan)
        result = defs.resolve_job_def("shop__dirty__all_tables").execute_in_process(
            partition_key=DAY, instance=dg.DagsterInstance.ephemeral())
    finally:
        monkeypatch.undo()
    destination = plan.profile.destinations[0]
    return plan, defs, FileStore(destination.location(plan.profile.root)), result


def test_each_table_of_a_selected_scenario_is_an_asset_partitioned_like_the_clean_table(landed) -> None:
    plan, defs, _, _ = landed
    graph = defs.get_repository_def().asset_graph
    shop = plan.datasets["shop"]
    for table in shop.order():
        node = graph.get(table_asset_key("shop__dirty", table))
        clean = graph.get(table_asset_key("shop", table))
        assert node.group_name == "shop__dirty"
        assert node.partitions_def == clean.partitions_def
        assert node.backfill_policy == clean.backfill_policy
        assert set(node.parent_keys) == {table_asset_key("shop__dirty", p) for p in shop.spec.tables[table].parents()}
        assert node.tags["scenario_of"] == f"shop.{table}"
        assert not node.check_keys  # a scenario breaks the rules on purpose
    truth = graph.get(table_asset_key("shop__dirty", GROUND_TRUTH_TABLE))
    assert truth.partitions_def is None
    assert set(truth.parent_keys) == {table_asset_key("shop__dirty", t) for t in shop.order()}


def test_a_job_materialises_one_scenario(landed) -> None:
    _, defs, _, _ = landed
    job = defs.get_repository_def().get_job("shop__dirty__all_tables")
    assert {k.path[0] for k in job.asset_layer.selected_asset_keys} == {"shop__dirty"}
    assert table_asset_key("shop__dirty", GROUND_TRUTH_TABLE) in job.asset_layer.selected_asset_keys


def test_a_profile_without_scenarios_gets_no_scenario_assets_and_all_gets_every_declared_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    none = planned(tmp_path / "none", monkeypatch, [])
    assert scenario_plans(none) == []
    assert not [j for j in build_jobs(none).jobs if j.name.endswith("dirty__all_tables")]
    all_of = planned(tmp_path / "all", monkeypatch, "all")
    declared = list(all_of.datasets["shop"].spec.scenarios)  # the shop's own scenarios and this test's `dirty`
    assert "dirty" in declared and len(declared) > 1
    assert [s.name for s in scenario_plans(all_of)] == [f"shop__{name}" for name in declared]


def _truth_metadata(result: dg.ExecuteInProcessResult) -> dict:
    events = [e.materialization for e in result.get_asset_materialization_events()
              if e.materialization.asset_key == table_asset_key("shop__dirty", GROUND_TRUTH_TABLE)]
    assert len(events) == 1
    return events[0].metadata


def test_materialising_a_partition_lands_every_scenario_table_and_its_ground_truth(landed) -> None:
    _, _, store, result = landed
    assert result.success
    assert store.list_partitions("shop__dirty", "customers") == [DAY]
    assert store.has_data("shop__dirty", "products")
    truth = store.read("shop__dirty", GROUND_TRUTH_TABLE)
    kinds = Counter(truth.column("kind").to_pylist())
    assert kinds["missing"] > 0 and kinds["duplicate"] > 0
    metadata = _truth_metadata(result)
    assert metadata["dagster/row_count"].value == truth.num_rows
    assert {k: metadata[f"kind/{k}"].value for k in kinds} == dict(kinds)
    assert set(truth.column("partition").drop_null().to_pylist()) == {DAY}  # customers: the partition landed


def test_the_ground_truth_names_exactly_the_cells_and_rows_damaged_in_the_landed_data(landed) -> None:
    _, _, store, _ = landed
    data = store.read("shop__dirty", "customers", [DAY])
    truth = store.read("shop__dirty", GROUND_TRUTH_TABLE)
    mine = truth.filter(pc.equal(truth.column("table"), "customers"))
    keys = pc.cast(data.column("customer_id"), pa.string()).to_pylist()
    emails = data.column("email").to_pylist()
    null_email = {k for k, e in zip(keys, emails, strict=True) if e is None}
    missing = mine.filter(pc.and_(pc.equal(mine.column("kind"), "missing"), pc.equal(mine.column("column"), "email")))
    assert null_email == set(missing.column("row_key").to_pylist())  # null exactly where the truth says
    assert all(v is None for v in missing.column("injected").to_pylist())
    assert all(v is not None for v in missing.column("original").to_pylist())
    counts = Counter(keys)
    copied = {k for k, n in counts.items() if n > 1}
    duplicates = mine.filter(pc.equal(mine.column("kind"), "duplicate"))
    assert copied == set(duplicates.column("row_key").to_pylist())
    assert data.num_rows == len(counts) + duplicates.num_rows  # one copy per duplicate entry, nothing else


def test_a_drifted_partition_lands_with_its_own_columns_and_is_listed_in_the_ground_truth(landed) -> None:
    _, _, store, _ = landed
    orders = store.read("shop__dirty", "orders", [DAY])
    assert "status_renamed" in orders.column_names and "status" not in orders.column_names
    truth = store.read("shop__dirty", GROUND_TRUTH_TABLE)
    drift = truth.filter(pc.equal(truth.column("kind"), "schema_drift")).to_pylist()
    assert [(d["table"], d["partition"], d["column"], d["reason"], d["injected"]) for d in drift] == \
        [("orders", DAY, "status", "rename", "status_renamed")]


def test_a_single_run_backfill_lands_each_partition_and_the_truth_of_exactly_those(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = planned(tmp_path, monkeypatch, ["dirty"])
    days = ["2024-01-02", "2024-01-03"]
    result = build_definitions(plan).resolve_job_def("shop__dirty__all_tables").execute_in_process(
        tags={RANGE_START_TAG: days[0], RANGE_END_TAG: days[-1]}, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    store = FileStore(plan.profile.destinations[0].location(plan.profile.root))
    assert store.list_partitions("shop__dirty", "orders") == days
    truth = store.read("shop__dirty", GROUND_TRUTH_TABLE)
    orders = truth.filter(pc.equal(truth.column("table"), "orders"))
    assert sorted(orders.column("partition").to_pylist()) == days  # one drift entry per landed partition


def test_the_ground_truth_metadata_carries_the_checks_detection_score(landed) -> None:
    try:
        from mock_pipelines.quality import scoring  # noqa: F401
    except ImportError:
        pytest.skip("quality.scoring not merged yet")
    _, _, _, result = landed
    score = _truth_metadata(result)["detection"]
    assert isinstance(score, dg.MarkdownMetadataValue)
    assert "customers" in score.md_str and "missing" in score.md_str
