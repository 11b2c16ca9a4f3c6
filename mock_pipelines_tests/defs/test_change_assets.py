"""Change outputs as Dagster assets: a small schema whose rows change (a table that does not grow, a
growing one with soft deletes and late events, a growing child with a state machine and hard deletes) is
materialised day by day on a files destination — in order, out of order and as one single-run backfill —
and what landed in each partition equals what the core gives for that partition's window; each
materialisation records its rows and, for the change log, its inserts, updates and deletes. A profile that
selects no outputs gets no change assets; `live` needs a database."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from mock_pipelines.core.changes import LOG, OP, OUTPUTS, output_table
from mock_pipelines.core.timeline import to_us
from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import PARTITIONED_JOB
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines.store.files.store import FileStore
from mock_pipelines.store.sql.store import SqlStore
from mock_pipelines_tests.defs.conftest import write_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
TABLES = ("plans", "customers", "orders")

SCHEMA = """
dataset: living
seed: 7
tables:
  plans:                      # does not grow: every row exists from the first day and changes later
    rows: 5
    primary_key: plan_id
    columns:
      plan_id: {gen: sequence}
      price: {dist: "uniform(5, 50, round=2)", type: "decimal(10,2)"}
    changes:
      updates:
        - column: price
          every_days: 1.5
          factor: "uniform(1.0, 1.2)"
  customers:
    rows: 100
    partitioned: {time_column: signup_ts, rows_per_day: 30}
    primary_key: customer_id
    columns:
      customer_id: {gen: sequence}
      signup_ts: {gen: timestamp, start: "2024-01-01", end: "2024-03-01"}
      city: {gen: city}
      state: {gen: state_abbr}
      segment: {gen: choice, values: {consumer: 0.6, business: 0.3, vip: 0.1}}
      plan_id: {ref: plans.plan_id}
    changes:
      updates:
        - columns: [city, state]
          every_days: 2
        - column: segment
          every_days: "uniform(0.5, 3)"
      deletes: {share: 0.3, after_days: "exponential(1.5)", mode: soft}
      late: {share: 0.2, max_days: 1}
  orders:
    rows: 300
    partitioned: {time_column: order_ts, rows_per_day: 60}
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
            placed: {shipped: 0.9, cancelled: 0.1}
            shipped: {delivered: 1}
          dwell_days: {placed: "uniform(0.1, 1)", shipped: "uniform(0.5, 2)"}
      deletes: {share: 0.1, after_days: 1, mode: hard}
      parent_deletes: keep
"""


def living_profile(folder: Path, outputs: list[str] | None, name: str = "living_profile") -> Path:
    """A profile of the schema above on a files destination under ``folder``, selecting ``outputs``."""
    folder.mkdir(parents=True, exist_ok=True)
    schema = folder / "living.yaml"
    schema.write_text(SCHEMA, encoding="utf-8")
    path = write_profile(folder, name=name, datasets=[schema], scale=1.0, out=folder / "out")
    if outputs is not None:
        with path.open("a", encoding="utf-8") as f:
            f.write(f"changes:\n  outputs: [{', '.join(outputs)}]\n")
    return path


class Run:
    """A profile's definitions, an instance, and what its runs materialised and wrote."""

    def __init__(self, folder: Path):
        self.planned: ProfilePlan = plan_profile(load_profile(living_profile(folder, list(OUTPUTS)),
                                                              root=folder))
        self.defs = build_definitions(self.planned)
        self.instance = dg.DagsterInstance.ephemeral()
        self.store = FileStore(folder / "out")
        self.events: list[dg.AssetMaterialization] = []
        self.checks: list = []  # the evaluations of the change outputs' checks
        self.job = self.defs.resolve_job_def(PARTITIONED_JOB.format(dataset="living"))
        self._expected: dict[tuple[str, str, str], pa.Table] = {}

    def _record(self, result: dg.ExecuteInProcessResult) -> None:
        assert result.success
        self.events.extend(e.materialization for e in result.get_asset_materialization_events())
        self.checks.extend(e.event_specific_data for e in result.all_events
                           if e.event_type_value == "ASSET_CHECK_EVALUATION")

    def day(self, key: str) -> None:
        self._record(self.job.execute_in_process(instance=self.instance, partition_key=key))

    def backfill(self, start: str, end: str) -> None:
        self._record(self.job.execute_in_process(instance=self.instance,
                                                 tags={RANGE_START_TAG: start, RANGE_END_TAG: end}))

    def landed(self, table: str, output: str, key: str) -> pa.Table:
        return self.store.read("living", output_table(table, output), [key])

    def expected(self, table: str, output: str, key: str) -> pa.Table:
        """What the core gives for the window of partition ``key``, computed here, not through Dagster (in
        other chunks than the profile's)."""
        if (table, output, key) in self._expected:
            return self._expected[(table, output, key)]
        changes = self.planned.datasets["living"].table(table).changes
        start = dt.datetime.fromisoformat(key)
        window = (to_us(start), to_us(start + dt.timedelta(days=1)))
        batches = {"changes": lambda: changes.log(*window, 40),
                   "snapshot": lambda: changes.snapshot(window[1], 40),
                   "history": lambda: changes.history(window[1], 40)}[output]()
        table_ = pa.Table.from_batches(list(batches), schema=changes.schema(output))
        self._expected[(table, output, key)] = table_
        return table_

    def metadata(self, table: str, output: str, key: str) -> dict:
        found = [e.metadata for e in self.events
                 if e.asset_key == dg.AssetKey(["living", output_table(table, output)]) and e.partition == key]
        assert found, f"no materialisation of {table} {output} {key}"
        return found[-1]


def same(landed: pa.Table, expected: pa.Table) -> bool:
    return landed.select(expected.column_names).cast(expected.schema).equals(expected)


@pytest.fixture(scope="module")
def in_order(tmp_path_factory) -> Run:
    run = Run(tmp_path_factory.mktemp("in_order"))
    for key in DAYS:
        run.day(key)
    return run


def test_each_partition_lands_what_the_core_gives_for_its_window(in_order):
    seen = Counter()
    for table in TABLES:
        for output in OUTPUTS:
            for key in DAYS:
                landed, expected = in_order.landed(table, output, key), in_order.expected(table, output, key)
                assert same(landed, expected), f"{table} {output} {key}"
                seen[(table, output)] += expected.num_rows
    # Not vacuous: every output of every table has rows, and the logs hold every kind of event.
    assert all(seen[(t, o)] > 0 for t in TABLES for o in OUTPUTS), seen
    ops = {t: Counter(v for k in DAYS for v in in_order.landed(t, LOG, k).column(OP).to_pylist()) for t in TABLES}
    assert ops["plans"]["c"] == 5 and ops["plans"]["u"] > 0  # rows of a table that does not grow, then updates
    assert ops["customers"]["u"] > 0 and ops["orders"]["d"] > 0


def test_the_log_records_its_inserts_updates_and_deletes_and_every_output_its_rows(in_order):
    for table in TABLES:
        for key in DAYS:
            ops = Counter(in_order.expected(table, LOG, key).column(OP).to_pylist())
            meta = in_order.metadata(table, LOG, key)
            assert {k: meta[k].value for k in ("inserts", "updates", "deletes")} == \
                {"inserts": ops["c"], "updates": ops["u"], "deletes": ops["d"]}
            for output in OUTPUTS:
                meta = in_order.metadata(table, output, key)
                rows = in_order.expected(table, output, key).num_rows
                assert meta["rows"].value == rows == meta["dagster/row_count"].value


def test_out_of_order_and_a_single_run_backfill_land_the_same_partitions(in_order, tmp_path):
    shuffled = Run(tmp_path / "shuffled")
    for key in [DAYS[3], DAYS[1], DAYS[0], DAYS[2]]:
        shuffled.day(key)
    backfill = Run(tmp_path / "backfill")
    backfill.backfill(DAYS[0], DAYS[-1])
    assert len({(e.asset_key, e.partition) for e in backfill.events}) == len(backfill.events)
    # In one run every partition lands before the checks run: only the last day's replay waits for a log.
    failed = {(e.asset_key.path[-1], e.check_name, e.partition) for e in backfill.checks
              if not e.passed and "__" in e.asset_key.path[-1]}
    assert failed == {("customers__snapshot", "snapshot__replays_log", DAYS[-1])}
    for run in (shuffled, backfill):
        for table in TABLES:
            for output in OUTPUTS:
                for key in DAYS:
                    assert run.landed(table, output, key).equals(in_order.landed(table, output, key)), \
                        f"{table} {output} {key}"
                    assert run.metadata(table, output, key)["rows"].value == \
                        in_order.metadata(table, output, key)["rows"].value


def test_every_landed_output_is_checked_and_passes(in_order):
    from mock_pipelines.quality.change_checks import HISTORY_CHECKS, LOG_CHECKS, SNAPSHOT_CHECKS

    seen = {(e.asset_key.path[-1], e.check_name, e.partition): e for e in in_order.checks
            if e.asset_key.path[-1].endswith(("__changes", "__snapshot", "__history"))}
    for table in TABLES:
        for output, names in ((LOG, LOG_CHECKS), ("history", HISTORY_CHECKS), ("snapshot", SNAPSHOT_CHECKS)):
            for name in names:
                for key in DAYS:
                    evaluation = seen[(output_table(table, output), name, key)]
                    # Run day by day, a replay needs the next day's log (customers' events arrive up to a day
                    # late), which lands in the next run: a warning that names it, never a pass.
                    if name == "snapshot__replays_log" and table == "customers":
                        assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
                        assert evaluation.metadata["unexpected_examples"].data == [
                            f"customers__changes {DAYS[DAYS.index(key) + 1] if key != DAYS[-1] else '2024-01-05'}"]
                    else:
                        assert evaluation.passed, (table, output, name, key, evaluation.metadata)


def test_change_assets_are_keyed_grouped_and_depend_on_their_table_and_changing_parents(in_order):
    graph = in_order.defs.get_repository_def().asset_graph
    orders_log = graph.get(dg.AssetKey(["living", "orders__changes"]))
    assert set(orders_log.parent_keys) == {dg.AssetKey(["living", "orders"]),
                                           dg.AssetKey(["living", "customers__changes"])}
    assert orders_log.group_name == "living"
    assert orders_log.partitions_def is not None
    assert set(graph.get(dg.AssetKey(["living", "plans__history"])).parent_keys) == {dg.AssetKey(["living", "plans"])}
    assert "parquet" in orders_log.kinds


def test_a_profile_without_change_outputs_has_no_change_assets(tmp_path):
    planned = plan_profile(load_profile(living_profile(tmp_path, None), root=tmp_path))
    keys = {k.to_user_string() for k in build_definitions(planned).get_repository_def().asset_graph.get_all_asset_keys()}
    assert {f"living/{t}" for t in TABLES} <= keys
    assert not [k for k in keys if "__" in k]


def test_live_on_a_files_destination_is_refused_at_its_line(tmp_path):
    path = living_profile(tmp_path, ["changes", "live"])
    with pytest.raises(SchemaError) as err:
        load_profile(path, root=tmp_path)
    text = str(err.value)
    line = path.read_text().splitlines().index("changes:") + 2  # the outputs line, 1-based
    assert f"{path}:{line}:" in text
    assert "live" in text and "no sql destination" in text and "kind: sql" in text


def live_profile(folder: Path) -> Path:
    """The schema above with `live` on a SQLite destination."""
    path = living_profile(folder, ["live"], name="live_profile")
    text = path.read_text(encoding="utf-8").replace(
        f"  - kind: files\n    path: {json.dumps(str(folder / 'out'))}\n    format: parquet\n",
        f"  - kind: sql\n    url: sqlite:///{folder / 'live.sqlite'}\n")
    assert "kind: sql" in text
    path.write_text(text, encoding="utf-8")
    return path


def test_live_tables_follow_each_partition_through_the_sql_store(tmp_path):
    """A single-run backfill of the live outputs into SQLite: each table applied partition by partition,
    parents before children, and left equal to the core's snapshot of the last day."""
    planned = plan_profile(load_profile(live_profile(tmp_path), root=tmp_path))
    defs = build_definitions(planned)
    job = defs.resolve_job_def(PARTITIONED_JOB.format(dataset="living"))
    live = [dg.AssetKey(["living", output_table(t, "live")]) for t in TABLES]
    graph = defs.get_repository_def().asset_graph
    assert dg.AssetKey(["living", "orders__live"]) in graph.get(dg.AssetKey(["living", "orders__live"])).parent_keys
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=live,
                                    tags={RANGE_START_TAG: DAYS[0], RANGE_END_TAG: DAYS[2]})
    assert result.success
    events = [e.materialization for e in result.get_asset_materialization_events()]
    assert {(e.asset_key, e.partition) for e in events} == {(k, d) for k in live for d in DAYS[:3]}
    modes = {(e.asset_key.path[-1], e.partition): e.metadata["mode"].value for e in events}
    assert {m for (_, d), m in modes.items() if d != DAYS[0]} == {"delta"}  # each day on top of the day before
    plan = planned.datasets["living"]
    store = SqlStore(f"sqlite:///{tmp_path / 'live.sqlite'}", None, {"living": plan.spec})
    end = to_us(dt.datetime.fromisoformat(DAYS[2])) + 86_400_000_000
    for table in TABLES:
        changes = plan.table(table).changes
        expected = pa.Table.from_batches(list(changes.snapshot(end)), schema=changes.snapshot_schema).to_pylist()
        key = plan.spec.tables[table].primary_key[0]
        landed = store.read("living", output_table(table, "live")).to_pylist()
        assert sorted(landed, key=lambda r: r[key]) == sorted(expected, key=lambda r: r[key])
