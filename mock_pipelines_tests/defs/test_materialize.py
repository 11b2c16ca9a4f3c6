"""End to end through Dagster, in process: a temporary profile (shop, healthcare, hr; daily partitions from
2024-01-01) is materialised — the plain tables, then days 2024-01-01..06 of the partitioned jobs — and the
Parquet files are read back: foreign keys hold across partitions and only point to rows that exist by the
child's day, time columns stay inside their partition and after their parent, re-runs, reverse order and a
single-run backfill give the same bytes, and materialisations and asset specs carry the advertised facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq
import pytest

from mock_pipelines.defs.assets import build_assets
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import ALL_JOB
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG
from mock_pipelines_tests.defs.conftest import tmp_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

DAYS = [f"2024-01-0{i}" for i in range(1, 7)]
PARTITIONED_JOBS = ("shop__partitioned_tables", "healthcare__partitioned_tables")
SEED = 42


@dataclass
class Landing:
    """One profile's Dagster definitions, an instance, and what its runs wrote."""

    planned: ProfilePlan
    out: Path
    instance: dg.DagsterInstance = field(default_factory=dg.DagsterInstance.ephemeral)
    events: list[dg.AssetMaterialization] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.defs = build_definitions(self.planned)

    def keys(self, partitioned: bool) -> list[dg.AssetKey]:
        return [dg.AssetKey([name, t]) for name, plan in self.planned.datasets.items() for t in plan.order()
                if plan.table(t).is_partitioned == partitioned]

    def _record(self, result: dg.ExecuteInProcessResult) -> list[dg.AssetMaterialization]:
        assert result.success
        found = [e.materialization for e in result.get_asset_materialization_events()]
        self.events.extend(found)
        return found

    def plain(self) -> list[dg.AssetMaterialization]:
        job = self.defs.resolve_job_def(ALL_JOB)
        return self._record(job.execute_in_process(instance=self.instance, asset_selection=self.keys(False)))

    def partition(self, key: str, jobs: tuple[str, ...] = PARTITIONED_JOBS) -> list[dg.AssetMaterialization]:
        return [m for job in jobs for m in self._record(
            self.defs.resolve_job_def(job).execute_in_process(instance=self.instance, partition_key=key))]

    def backfill(self, start: str, end: str, jobs: tuple[str, ...] = PARTITIONED_JOBS) -> list[dg.AssetMaterialization]:
        return [m for job in jobs for m in self._record(self.defs.resolve_job_def(job).execute_in_process(
            instance=self.instance, tags={RANGE_START_TAG: start, RANGE_END_TAG: end}))]

    def files(self) -> dict[str, str]:
        """Every file under the output folder (relative path) → sha256 of its bytes."""
        return {p.relative_to(self.out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.out.rglob("*")) if p.is_file()}

    def table(self, dataset: str, table: str) -> pa.Table:
        """A table read back with pyarrow.dataset; partitioned tables get their partition as column `date`."""
        folder = self.out / dataset / table
        if self.planned.datasets[dataset].table(table).is_partitioned:
            hive = pds.partitioning(pa.schema([("date", pa.string())]), flavor="hive")
            return pds.dataset(folder, format="parquet", partitioning=hive).to_table()
        return pds.dataset(folder, format="parquet").to_table()


def landing(folder: Path, **profile) -> Landing:
    out = folder / "out"
    return Landing(plan_profile(tmp_profile(folder, out=out, **profile)), out)


@pytest.fixture(scope="module")
def forward(tmp_path_factory) -> Landing:
    """Plain tables, then partitions 2024-01-01..06 one run at a time, in order."""
    land = landing(tmp_path_factory.mktemp("forward"))
    land.plain()
    for key in DAYS:
        land.partition(key)
    return land


def rows(table: pa.Table, *columns: str) -> list[tuple]:
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def day_of(value: dt.datetime | dt.date) -> str:
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


# ---- what lands -------------------------------------------------------------------------------------

def test_every_table_and_partition_lands_as_hive_parquet(forward):
    files = forward.files()
    expected = set()
    for name, plan in forward.planned.datasets.items():
        for t in plan.order():
            if plan.table(t).is_partitioned:
                expected |= {f"{name}/{t}/date={key}/part-00000.parquet" for key in DAYS}
                # what landed in each partition (rows, content hash), which the report compares its records with
                expected |= {f"{name}/{t}/date={key}/_manifest.json" for key in DAYS}
            else:
                expected.add(f"{name}/{t}/part-00000.parquet")
            expected.add(f"{name}/{t}/_manifest.json")  # the run that wrote it, as `generate` records it
    assert set(files) == expected
    # Every growing table receives rows over the six days (the checks below are not vacuous).
    for name, plan in forward.planned.datasets.items():
        for t in plan.order():
            assert forward.table(name, t).num_rows > 0, f"{name}.{t} is empty"
    assert forward.table("shop", "returns").num_rows >= 2
    assert forward.planned.datasets["hr"].table("employees").is_partitioned is False


# ---- foreign keys across partitions --------------------------------------------------------------------

def test_foreign_keys_only_reference_rows_of_the_same_day_or_earlier(forward):
    """Every foreign key of every growing table (composite ones included) points at an existing parent row
    whose partition is the child's day or an earlier one — never at a row that only appears later."""
    checked: set[tuple[str, str, str]] = set()
    problems: list[str] = []
    for name, plan in forward.planned.datasets.items():
        for t in plan.order():
            if not plan.table(t).is_partitioned:
                continue
            child = forward.table(name, t)
            for fk in plan.spec.tables[t].foreign_keys:
                parent = forward.table(name, fk.table)
                parent_partitioned = plan.table(fk.table).is_partitioned
                # Parent key → its partition (or "" for a plain table: it exists from the start).
                first_day: dict[tuple, str] = {}
                parent_days = parent.column("date").to_pylist() if parent_partitioned else [""] * parent.num_rows
                for key, day in zip(rows(parent, *fk.ref_columns), parent_days, strict=True):
                    assert key not in first_day, f"{name}.{fk.table}: key {key} in two rows"
                    first_day[key] = day
                later_only = missing = 0
                for *key, day in rows(child, *fk.columns, "date"):
                    if any(v is None for v in key):
                        continue
                    parent_day = first_day.get(tuple(key))
                    if parent_day is None:
                        missing += 1
                    elif parent_day > day:
                        later_only += 1
                if missing or later_only:
                    problems.append(f"{name}.{t}({', '.join(fk.columns)}) → {fk.table}: {missing} dangling, "
                                    f"{later_only} only in a later partition")
                checked.add((name, t, fk.table))
    assert not problems, "\n".join(problems)
    assert {("shop", "orders", "customers"), ("shop", "reviews", "customers"), ("shop", "returns", "order_items"),
            ("shop", "order_items", "products"), ("shop", "order_items", "orders"),
            ("healthcare", "encounters", "patients")} <= checked


def test_children_of_a_day_can_reference_parents_created_that_day(forward):
    """Not just old parents: same-day parents are picked too (children see the parents existing by the
    end of their day)."""
    customers = dict(rows(forward.table("shop", "customers"), "customer_id", "date"))
    orders = rows(forward.table("shop", "orders"), "customer_id", "date")
    assert any(customers[c] == day for c, day in orders)
    assert {day for _, day in orders} == set(DAYS)


def test_plain_children_reference_the_plain_parent_tables(forward):
    products = set(forward.table("shop", "products").column("product_id").to_pylist())
    categories = set(forward.table("shop", "categories").column("category_id").to_pylist())
    assert set(forward.table("shop", "products").column("category_id").to_pylist()) <= categories
    assert set(forward.table("shop", "order_items").column("product_id").to_pylist()) <= products
    providers = set(forward.table("healthcare", "providers").column("provider_id").to_pylist())
    assert set(forward.table("healthcare", "encounters").column("provider_id").to_pylist()) <= providers
    employees = forward.table("hr", "employees")
    ids = set(employees.column("employee_id").to_pylist())
    assert set(forward.table("hr", "salary_history").column("employee_id").to_pylist()) <= ids
    assert {m for m in employees.column("manager_id").to_pylist() if m is not None} <= ids


# ---- time ----------------------------------------------------------------------------------------------

def test_time_columns_fall_inside_their_partition_day(forward):
    for name, plan in forward.planned.datasets.items():
        for t in plan.order():
            part = plan.spec.tables[t].partitioned
            if not plan.table(t).is_partitioned or part is None or part.time_column is None:
                continue
            for ts, day in rows(forward.table(name, t), part.time_column, "date"):
                assert day_of(ts) == day, f"{name}.{t}.{part.time_column} = {ts} in partition {day}"


def _by_key(table: pa.Table, key: tuple[str, ...], value: str) -> dict[tuple, object]:
    return {k[:-1]: k[-1] for k in rows(table, *key, value)}


@pytest.mark.parametrize(("dataset", "child", "fk_columns", "child_time", "parent", "parent_time"), [
    ("shop", "orders", ("customer_id",), "order_ts", "customers", "signup_ts"),
    ("shop", "reviews", ("customer_id",), "review_ts", "customers", "signup_ts"),
    ("shop", "payments", ("order_id",), "paid_ts", "orders", "order_ts"),
    ("shop", "returns", ("order_id", "line_no"), "returned_ts", "order_items", "ordered_at"),
    ("healthcare", "encounters", ("patient_id",), "encounter_ts", "patients", "registered_ts"),
])
def test_a_child_happens_after_its_parent(forward, dataset, child, fk_columns, child_time, parent, parent_time):
    spec = forward.planned.datasets[dataset].spec.tables[child]
    ref = next(fk for fk in spec.foreign_keys if fk.table == parent)
    parent_times = _by_key(forward.table(dataset, parent), tuple(ref.ref_columns), parent_time)
    child_rows = rows(forward.table(dataset, child), *fk_columns, child_time)
    assert child_rows
    for *key, ts in child_rows:
        assert ts >= parent_times[tuple(key)], f"{dataset}.{child} {key}: {ts} before {parent_times[tuple(key)]}"


def test_copied_times_and_dates_agree_with_the_moved_time_column(forward):
    orders = forward.table("shop", "orders")
    assert all(d == ts.date() for ts, d in rows(orders, "order_ts", "order_date"))
    order_ts = _by_key(orders, ("order_id",), "order_ts")
    for order_id, ordered_at, day in rows(forward.table("shop", "order_items"), "order_id", "ordered_at", "date"):
        assert ordered_at == order_ts[(order_id,)]
        assert day_of(ordered_at) == day  # a line item lands in its order's partition
    encounters = forward.table("healthcare", "encounters")
    assert all(d == ts.date() for ts, d in rows(encounters, "encounter_ts", "encounter_date"))
    encounter_ts = _by_key(encounters, ("encounter_id",), "encounter_ts")
    for encounter_id, ts in rows(forward.table("healthcare", "diagnoses"), "encounter_id", "diagnosed_ts"):
        assert ts == encounter_ts[(encounter_id,)]


# ---- idempotence and order independence ---------------------------------------------------------------

def _primary_keys_unique(land: Landing) -> dict[str, int]:
    counts = {}
    for name, plan in land.planned.datasets.items():
        for t in plan.order():
            table = land.table(name, t)
            pk = plan.spec.tables[t].primary_key
            dupes = [k for k, n in Counter(rows(table, *pk)).items() if n > 1]
            assert not dupes, f"{name}.{t}: duplicate primary keys {dupes[:5]}"
            counts[f"{name}.{t}"] = table.num_rows
    return counts


def test_rematerialising_a_partition_rewrites_the_same_bytes(forward):
    before_files, before_rows = forward.files(), _primary_keys_unique(forward)
    events = forward.partition("2024-01-03")
    assert {m.partition for m in events} == {"2024-01-03"}
    assert len(events) == len(forward.keys(True))
    assert forward.files() == before_files  # same files, same bytes: replaced, not appended
    assert _primary_keys_unique(forward) == before_rows
    first = {(m.asset_key, m.partition): m.metadata["content_hash"].value for m in forward.events[:-len(events)]}
    for m in events:
        assert m.metadata["content_hash"].value == first[(m.asset_key, m.partition)]


def test_reverse_order_gives_identical_files(forward, tmp_path):
    reverse = landing(tmp_path)
    for key in reversed(DAYS):
        reverse.partition(key)
    reverse.plain()  # the plain parents last: generation never reads a parent's files
    assert reverse.files() == forward.files()


def test_single_run_backfill_writes_every_partition_like_one_by_one(forward, tmp_path):
    backfill = landing(tmp_path, backfill="single_run")
    for key in forward.keys(True):
        policy = backfill.defs.resolve_assets_def(key).backfill_policy
        assert policy is not None and policy.max_partitions_per_run is None  # single run
    events = backfill.backfill(DAYS[0], DAYS[-1])
    assert Counter((m.asset_key, m.partition) for m in events) == Counter(
        (key, day) for key in forward.keys(True) for day in DAYS)
    written = backfill.files()
    partitioned = {path.split("/date=")[0] for path in written if "/date=" in path}
    assert written == {path: digest for path, digest in forward.files().items()  # data and manifests
                       if "/date=" in path or path.rsplit("/", 1)[0] in partitioned}
    # Each partition of the range records its own rows, file and hash, as a one-partition run does.
    one_by_one = {(m.asset_key, m.partition): m.metadata for m in forward.events if m.partition}
    for m in events:
        single = one_by_one[(m.asset_key, m.partition)]
        assert m.metadata["dagster/row_count"].value == single["dagster/row_count"].value
        assert m.metadata["content_hash"].value == single["content_hash"].value
        assert Path(m.metadata["destination"].value) == \
            backfill.out / Path(single["destination"].value).relative_to(forward.out)
    # Per-partition runs of the same profile (backfill: per_partition) get a one-partition policy.
    per_partition = plan_profile(tmp_profile(tmp_path / "pp", datasets=["shop"], backfill="per_partition"))
    policies = {a.key.to_user_string(): a.backfill_policy for a in build_assets(per_partition).assets}
    assert policies["shop/products"] is None  # plain tables have no partitions to backfill
    assert policies["shop/orders"] is not None and policies["shop/orders"].max_partitions_per_run == 1


# ---- what Dagster records -------------------------------------------------------------------------------

def test_materialisations_carry_rows_hash_destination_preview_seed_and_spec_hash(forward):
    assert forward.events
    seen = set()
    for m in forward.events:
        dataset, table = m.asset_key.path
        plan = forward.planned.datasets[dataset]
        meta = {k: v.value for k, v in m.metadata.items()}
        assert {"dagster/row_count", "content_hash", "destination", "preview", "seed", "spec_hash"} <= set(meta)
        expected = forward.out / dataset / table
        if m.partition is not None:
            expected = expected / f"date={m.partition}"
        expected = expected / "part-00000.parquet"
        assert Path(meta["destination"]) == expected
        assert meta["dagster/row_count"] == pq.read_metadata(expected).num_rows
        assert meta["seed"] == SEED
        assert meta["spec_hash"] == plan.spec.spec_hash(table)
        assert isinstance(meta["content_hash"], str) and len(meta["content_hash"]) >= 16
        if meta["dagster/row_count"]:  # an empty one: test_an_empty_partition_previews_its_columns
            header = meta["preview"].lstrip().splitlines()[0]
            assert [c.strip() for c in header.strip("|").split("|")] == plan.table(table).arrow_schema.names
        seen.add((m.asset_key, m.partition))
    assert len(seen) == len(forward.keys(False)) + len(forward.keys(True)) * len(DAYS)


def test_an_empty_partition_previews_its_columns(forward):
    empty = [m for m in forward.events if m.metadata["dagster/row_count"].value == 0]
    assert empty, "no empty partition among the six days (returns grow by 0.6 rows a day at this scale)"
    for m in empty:
        preview = m.metadata["preview"].value
        names = forward.planned.datasets[m.asset_key.path[0]].table(m.asset_key.path[1]).arrow_schema.names
        assert names[0] in preview and "no rows" in preview


def test_assets_expose_schema_code_version_group_and_foreign_key_deps(forward):
    graph = forward.defs.resolve_asset_graph()
    reports = {dg.AssetKey([name, "quality_report"]) for name in forward.planned.datasets}
    assert reports <= set(graph.get_all_asset_keys())  # one data-quality report per dataset, besides tables
    keys = set(graph.get_all_asset_keys()) - reports
    assert keys == set(forward.keys(False)) | set(forward.keys(True))
    for key in keys:
        dataset, table = key.path
        plan = forward.planned.datasets[dataset]
        spec = plan.spec.tables[table]
        node = graph.get(key)
        assert node.group_name == dataset
        assert set(node.parent_keys) == {dg.AssetKey([dataset, fk.table]) for fk in spec.foreign_keys
                                         if fk.table != table}
        assets_def = forward.defs.resolve_assets_def(key)
        assert set(assets_def.dependency_keys) == set(node.parent_keys)
        assert node.code_version and plan.spec.spec_hash(table) in node.code_version and f"s{SEED}" in node.code_version
        schema = assets_def.specs_by_key[key].metadata["dagster/column_schema"]
        schema = getattr(schema, "schema", schema)  # a TableSchema, possibly wrapped in a metadata value
        assert isinstance(schema, dg.TableSchema)
        assert [c.name for c in schema.columns] == list(spec.columns) == plan.table(table).arrow_schema.names
        partitioned = plan.table(table).is_partitioned
        assert (assets_def.partitions_def is not None) == partitioned
        if partitioned:
            assert isinstance(assets_def.partitions_def, dg.DailyPartitionsDefinition)
            assert assets_def.partitions_def.get_first_partition_key() == "2024-01-01"
    parents = {k: {p.to_user_string() for p in graph.get(k).parent_keys} for k in keys}
    assert parents[dg.AssetKey(["shop", "returns"])] == {"shop/order_items"}
    assert parents[dg.AssetKey(["shop", "order_items"])] == {"shop/orders", "shop/products"}
    assert parents[dg.AssetKey(["shop", "reviews"])] == {"shop/customers", "shop/products"}
    assert parents[dg.AssetKey(["healthcare", "encounters"])] == {"healthcare/patients", "healthcare/providers"}
    assert parents[dg.AssetKey(["hr", "employees"])] == {"hr/departments"}  # the manager tree is no dep
    assert parents[dg.AssetKey(["shop", "categories"])] == set()


def test_jobs_select_the_dataset_tables(forward):
    defs = forward.defs
    names = {job.name for job in defs.resolve_all_job_defs()}
    assert {"all_datasets", "shop__all_tables", "healthcare__all_tables", "hr__all_tables",
            "shop__partitioned_tables", "healthcare__partitioned_tables"} <= names
    assert "hr__partitioned_tables" not in names  # hr has no growing table
    shop_grown = {k for k in forward.keys(True) if k.path[0] == "shop"}
    job = defs.resolve_job_def("shop__partitioned_tables")
    assert set(job.asset_layer.executable_asset_keys) == shop_grown
    assert job.partitions_def is not None
