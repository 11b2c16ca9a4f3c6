"""The scenarios a profile selects (``scenarios:``), as assets of their own (no `from __future__ import
annotations`: Dagster reads the context hint).

Each selected scenario of a dataset lands as the dataset ``<dataset>__<scenario>``
(:func:`~mock_pipelines.spec.scenarios.scenario_dataset`), in a group of that name:

* ``[<dataset>__<scenario>, <table>]`` for every table of the dataset — the scenario's rows (clean where the
  scenario does not touch the table, so its foreign keys still resolve), partitioned exactly like the clean
  table's asset and landed by the profile's IO manager, each partition replaced atomically;
* ``[<dataset>__<scenario>, _defects]`` — the ground truth of what landed: one row per damaged cell, copied
  row, excluded record or drifted partition (:data:`~mock_pipelines.core.scenarios.GROUND_TRUTH_SCHEMA`),
  computed from the selected rows alone (never by comparing data) and written as one table. Its metadata
  counts the entries per kind and scores the project's own checks against them
  (:mod:`mock_pipelines.defs.scenario_scoring`).

A job ``<dataset>__<scenario>__all_tables`` materialises one scenario. No asset checks: a scenario breaks the
rules on purpose; what the checks find of it is the score.
"""

from collections import Counter
from collections.abc import Callable

import dagster as dg
import pyarrow as pa

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.defs.assets import BASE_KINDS
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.landing import IO_MANAGER_KEY, destination_kinds, landing_pool
from mock_pipelines.defs.partitions import (
    backfill_policy,
    partition_window,
    partition_windows,
    profile_partitions,
)
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.defs.scenario_scoring import caught_by_kind, detection_markdown, scenario_scores
from mock_pipelines.spec.scenario_hash import scenario_hash
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE
from mock_pipelines.store.protocol import TableStore


def scenario_plans(plan: ProfilePlan) -> list[ScenarioPlan]:
    """The scenarios the profile lands, dataset by dataset in profile order, each in its schema's order."""
    return [ScenarioPlan(dataset, dataset.spec.scenarios[name])
            for dataset in plan.datasets.values()
            for name in plan.profile.selected_scenarios(dataset.spec.scenarios)]


def scenario_asset_key(scenario: ScenarioPlan, table: str) -> dg.AssetKey:
    """``[<dataset>__<scenario>, <table>]``; the ground truth is the table ``_defects``."""
    return table_asset_key(scenario.name, table)


def build_scenario_assets(plan: ProfilePlan) -> dg.Definitions:
    """One asset per table of every selected scenario, and its ground truth."""
    from mock_pipelines.defs.stores import store_factory

    scenarios = scenario_plans(plan)
    if not scenarios:
        return dg.Definitions()
    destination = store_factory(plan.profile)
    assert destination is not None  # a profile has at least one destination
    assets = []
    for scenario in scenarios:
        assets += [build_scenario_table_asset(scenario, table, plan) for table in scenario.order()]
        assets.append(build_ground_truth_asset(scenario, plan, destination))
    return dg.Definitions(assets=assets)


def _code_version(scenario: ScenarioPlan, table: str | None) -> str:
    spec = scenario.plan.spec
    clean = spec.spec_hash(table) if table is not None else spec.spec_hash()
    return f"{clean}-{scenario_hash(scenario.spec)}-g{GENERATOR_VERSION}-s{scenario.plan.seed}"


def _tags(scenario: ScenarioPlan, table: str) -> dict[str, str]:
    return {"scenario": scenario.spec.name, "scenario_kind": scenario.spec.kind,
            "scenario_of": f"{scenario.dataset}.{table}"}


def scenario_description(scenario: ScenarioPlan, table: str) -> str:
    """What the asset holds, for the person browsing the catalogue."""
    st = scenario.table(table)
    what = scenario.spec.description or f"a {scenario.spec.kind} scenario"
    if not st.touched:
        return (f"Scenario `{scenario.spec.name}` of `{scenario.dataset}.{table}` ({what}): the clean rows, "
                "unchanged — this scenario does not touch the table; it lands so the scenario's foreign keys "
                "resolve.")
    rules = [f"{r.kind}" + (f" on `{r.column}`" if r.column else "") for r in st.defects]
    rules += [f"exclusion `{r.reason}`" for r in st.exclusions]
    rules += [f"edge cases on `{r.column}`" for r in st.edges]
    retyped = f" Re-typed to text: {', '.join(f'`{c}`' for c in sorted(st.retyped))}." if st.retyped else ""
    return (f"Scenario `{scenario.spec.name}` of `{scenario.dataset}.{table}` ({what}): the clean rows with "
            f"{'; '.join(rules)}.{retyped} Every change is listed in "
            f"`{scenario.name}.{GROUND_TRUTH_TABLE}`.")


def build_scenario_table_asset(scenario: ScenarioPlan, table: str, profile_plan: ProfilePlan) -> dg.AssetsDefinition:
    """The asset of one table of one scenario, partitioned like the clean table's."""
    profile = profile_plan.profile
    st = scenario.table(table)
    partitioned = st.clean.is_partitioned
    partitions_def = profile_partitions(profile_plan) if partitioned else None
    key = scenario_asset_key(scenario, table)
    deps = [scenario_asset_key(scenario, p) for p in scenario.plan.spec.tables[table].parents()]
    chunk_size = profile.chunk_size
    metadata = {"dataset": scenario.name, "clean_dataset": scenario.dataset, "scenario": scenario.spec.name,
                "table": table, "seed": scenario.plan.seed, "generator_version": GENERATOR_VERSION}

    @dg.multi_asset(
        name=key.to_python_identifier(),
        outs={"result": dg.AssetOut(
            key=key, group_name=scenario.name, description=scenario_description(scenario, table),
            io_manager_key=IO_MANAGER_KEY, kinds=destination_kinds(profile) | BASE_KINDS,
            tags=_tags(scenario, table), metadata=metadata, code_version=_code_version(scenario, table))},
        deps=deps,
        partitions_def=partitions_def,
        backfill_policy=backfill_policy(profile_plan) if partitioned else None,
        pool=landing_pool(profile),
    )
    def _scenario_table(context: dg.AssetExecutionContext):
        windows = partition_windows(context) if partitioned else [(None, None, None)]
        slices = {k: st.slice(start, end, k, chunk_size) if k is not None else st.slice(chunk_size=chunk_size)
                  for k, start, end in windows}
        rows = sum(s.hi - s.lo for s in slices.values())
        context.log.info(f"{scenario.name}.{table}: {rows:,} clean rows to turn into the scenario's")
        yield dg.Output(slices if len(slices) > 1 else next(iter(slices.values())), output_name="result",
                        metadata={"seed": scenario.plan.seed, "clean_rows": rows})

    return _scenario_table


def build_ground_truth_asset(scenario: ScenarioPlan, profile_plan: ProfilePlan,
                             destination: Callable[[], TableStore]) -> dg.AssetsDefinition:
    """``[<dataset>__<scenario>, _defects]``: the ground truth of every partition of the scenario that landed."""
    profile = profile_plan.profile
    partitions_def = profile_partitions(profile_plan)
    key = scenario_asset_key(scenario, GROUND_TRUTH_TABLE)
    chunk_size = profile.chunk_size

    @dg.asset(
        key=key, group_name=scenario.name, io_manager_key=IO_MANAGER_KEY,
        deps=[scenario_asset_key(scenario, t) for t in scenario.order()],
        kinds=destination_kinds(profile) | BASE_KINDS, tags={"scenario": scenario.spec.name,
                                                             "scenario_kind": scenario.spec.kind},
        code_version=_code_version(scenario, None), pool=landing_pool(profile),
        description=(f"Ground truth of scenario `{scenario.spec.name}` of `{scenario.dataset}`: one row per "
                     "damaged cell, copied row, excluded record or drifted partition of the tables as they "
                     "landed (dataset, scenario, table, partition, row index and key, column, kind, group, the "
                     "rules the injected value breaks, reason, original and injected value). Its metadata "
                     "scores the project's checks against it."),
    )
    def _ground_truth(context: dg.AssetExecutionContext) -> dg.Output:
        store = destination()
        landed: dict[str, list[str | None]] = {}
        parts = []
        for table in scenario.order():
            st = scenario.table(table)
            if st.clean.is_partitioned and partitions_def is not None:
                # exactly the partitions that landed: the truth describes the data a pipeline under test reads
                keys: list[str | None] = list(store.list_partitions(scenario.name, table))
                for k in keys:
                    start, end = partition_window(partitions_def, k)
                    parts.append(st.slice(start, end, k, chunk_size).truth())
            else:
                keys = [None]
                parts.append(st.slice(chunk_size=chunk_size).truth())
            landed[table] = keys
        truth = pa.concat_tables(parts)
        kinds = Counter(truth.column("kind").to_pylist())
        metadata: dict[str, object] = {
            "dagster/row_count": dg.MetadataValue.int(truth.num_rows),
            **{f"kind/{kind}": dg.MetadataValue.int(n) for kind, n in sorted(kinds.items())},
            "partitions_landed": dg.MetadataValue.int(sum(len(k) for k in landed.values() if k != [None])),
        }
        scores = scenario_scores(scenario, truth, landed, store)
        metadata["detection"] = dg.MetadataValue.md(detection_markdown(scores))
        metadata |= {f"caught/{kind}": dg.MetadataValue.int(n) for kind, n in caught_by_kind(scores).items()}
        context.log.info(f"{scenario.name}.{GROUND_TRUTH_TABLE}: {truth.num_rows:,} entries "
                         + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items())))
        return dg.Output(truth, metadata=metadata)

    return _ground_truth
