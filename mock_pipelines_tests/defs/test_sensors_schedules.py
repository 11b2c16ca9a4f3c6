"""Sensors and schedules evaluated against a real (temporary) Dagster instance.

schema_change_sensor: the first tick only records each schema's digest; an edited schema file requests a
regeneration of its dataset (plain tables, and the growing ones for the latest partition); the cursor keeps
an unchanged schema from being requested again. request_inbox_sensor: request files become runs and move
to done/, invalid ones move to failed/ with the reason, and each file (name + content) is handled once.
Schedules: one per partitioned job, for the newest complete partition, on or off as the profile says.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import time
from pathlib import Path

import dagster as dg
import pytest

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import ALL_JOB
from mock_pipelines.defs.partitions import profile_partitions
from mock_pipelines.defs.plan import ProfilePlan, plan_profile
from mock_pipelines.defs.sensors import DEAD_RUN_SENSOR, MAX_REQUESTS_PER_TICK, REQUEST_SENSOR, SCHEMA_SENSOR
from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG, REQUEST_TAG, TRIGGER_TAG
from mock_pipelines_tests.defs.conftest import SCHEMAS, tmp_profile

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning",
                                        "ignore::DeprecationWarning")

SHOP_PLAIN = {"shop/categories", "shop/products", "shop/devices", "shop/telemetry"}
SHOP_GROWN = {"shop/customers", "shop/addresses", "shop/orders", "shop/order_items", "shop/payments",
              "shop/reviews", "shop/returns"}


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def copy_schemas(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(SCHEMAS / f"{name}.yaml", folder / f"{name}.yaml")) for name in names]


def selection(request: dg.RunRequest) -> set[str]:
    return {key.to_user_string() for key in request.asset_selection or []}


def yesterday() -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date().isoformat()


def tick(defs: dg.Definitions, name: str, instance: dg.DagsterInstance, cursor: str | None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    return defs.resolve_sensor_def(name).evaluate_tick(context)


# ---- schema_change_sensor ---------------------------------------------------------------------------------

def test_schema_change_sensor_requests_a_dataset_once_per_schema_version(tmp_path, instance):
    shop, hr = copy_schemas(tmp_path / "schemas", "shop", "hr")
    planned = plan_profile(tmp_profile(tmp_path, datasets=[shop, hr], scale=0.05))
    defs = build_definitions(planned)
    assert defs.resolve_sensor_def(SCHEMA_SENSOR).default_status == dg.DefaultSensorStatus.STOPPED

    first = tick(defs, SCHEMA_SENSOR, instance, None)
    assert not first.run_requests  # the first tick only learns the current schemas
    assert set(json.loads(first.cursor)) == {"shop", "hr"}

    unchanged = tick(defs, SCHEMA_SENSOR, instance, first.cursor)
    assert not unchanged.run_requests
    assert unchanged.cursor == first.cursor

    text = shop.read_text(encoding="utf-8")
    assert "    rows: 500\n" in text
    shop.write_text(text.replace("    rows: 500\n", "    rows: 650\n", 1), encoding="utf-8")  # products
    before = yesterday()
    changed = tick(defs, SCHEMA_SENSOR, instance, first.cursor)
    latest = {before, yesterday()}
    requests = changed.run_requests
    assert len(requests) == 2
    plain = next(r for r in requests if RANGE_START_TAG not in r.tags)
    grown = next(r for r in requests if RANGE_START_TAG in r.tags)
    assert selection(plain) == SHOP_PLAIN
    assert selection(grown) == SHOP_GROWN
    last = profile_partitions(planned).get_last_partition_key()
    assert grown.tags[RANGE_START_TAG] == grown.tags[RANGE_END_TAG] == last
    assert grown.tags[RANGE_START_TAG] in latest  # the latest complete day
    assert all(r.tags.get(TRIGGER_TAG) == "schema_change" for r in requests)
    assert len({r.run_key for r in requests}) == 2 and all(r.run_key for r in requests)
    assert json.loads(changed.cursor)["hr"] == json.loads(first.cursor)["hr"]
    assert json.loads(changed.cursor)["shop"] != json.loads(first.cursor)["shop"]

    again = tick(defs, SCHEMA_SENSOR, instance, changed.cursor)
    assert not again.run_requests  # this version was requested already
    assert again.cursor == changed.cursor

    # Another edit, to the other dataset: only that one is requested, without partitions (hr has none).
    hr.write_text(hr.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    hr_changed = tick(defs, SCHEMA_SENSOR, instance, again.cursor)
    assert [selection(r) for r in hr_changed.run_requests] == [
        {f"hr/{t}" for t in planned.datasets["hr"].order()}]
    assert RANGE_START_TAG not in hr_changed.run_requests[0].tags


def test_schema_change_sensor_runs_by_default_when_the_profile_says_so(tmp_path):
    on = build_definitions(plan_profile(tmp_profile(tmp_path, datasets=["hr"], schema_changes=True)))
    assert on.resolve_sensor_def(SCHEMA_SENSOR).default_status == dg.DefaultSensorStatus.RUNNING


# ---- request_inbox_sensor ---------------------------------------------------------------------------------

@pytest.fixture
def inbox_plan(tmp_path) -> tuple[ProfilePlan, dg.Definitions, Path]:
    inbox = tmp_path / "requests"
    planned = plan_profile(tmp_profile(tmp_path, datasets=["shop", "hr"], scale=0.05, inbox=inbox))
    (inbox / "inbox").mkdir(parents=True)
    return planned, build_definitions(planned), inbox


def drop(inbox: Path, name: str, text: str) -> None:
    (inbox / "inbox" / name).write_text(text, encoding="utf-8")


VALID = "dataset: shop\ntables: [customers, orders]\npartitions: {start: 2024-01-02, end: 2024-01-03}\n"


def test_request_file_becomes_a_run_over_its_partition_range(inbox_plan, instance):
    planned, defs, inbox = inbox_plan
    drop(inbox, "orders.yaml", VALID)
    result = tick(defs, REQUEST_SENSOR, instance, None)
    assert len(result.run_requests) == 1
    request = result.run_requests[0]
    assert selection(request) == {"shop/customers", "shop/orders"}
    assert request.tags[RANGE_START_TAG] == "2024-01-02" and request.tags[RANGE_END_TAG] == "2024-01-03"
    assert request.tags[REQUEST_TAG] == "orders.yaml"
    assert request.run_key
    assert not list((inbox / "inbox").iterdir())
    assert (inbox / "done" / "orders.yaml").read_text(encoding="utf-8") == VALID
    assert not list((inbox / "failed").iterdir())

    # The request runs as it is: both days of both tables land (nothing else).
    job = defs.resolve_job_def(ALL_JOB)
    run = job.execute_in_process(instance=instance, asset_selection=list(request.asset_selection),
                                 tags=request.tags)
    assert run.success
    landed = {(m.materialization.asset_key.to_user_string(), m.materialization.partition)
              for m in run.get_asset_materialization_events()}
    assert landed == {(t, d) for t in ("shop/customers", "shop/orders") for d in ("2024-01-02", "2024-01-03")}
    out = Path(planned.profile.destinations[0].location(planned.profile.root)) / "shop"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet")) == [
        f"{t}/date={d}/part-00000.parquet" for t in ("customers", "orders") for d in ("2024-01-02", "2024-01-03")]

    # The same file name with the same content again: not run twice, filed under failed/ with the reason.
    drop(inbox, "orders.yaml", VALID)
    again = tick(defs, REQUEST_SENSOR, instance, result.cursor)
    assert not again.run_requests
    assert not list((inbox / "inbox").iterdir())
    assert "already handled" in (inbox / "failed" / "orders.yaml.reason.txt").read_text(encoding="utf-8")
    assert (inbox / "done" / "orders.yaml").read_text(encoding="utf-8") == VALID
    for leftover in (inbox / "failed").iterdir():
        leftover.unlink()

    # New content under that name, or that content under a new name, is a new request.
    drop(inbox, "orders.yaml", VALID.replace("2024-01-03", "2024-01-04"))
    drop(inbox, "orders-copy.yaml", VALID)
    third = tick(defs, REQUEST_SENSOR, instance, again.cursor)
    assert sorted((r.tags[REQUEST_TAG], r.tags[RANGE_END_TAG]) for r in third.run_requests) == [
        ("orders-copy.yaml", "2024-01-03"), ("orders.yaml", "2024-01-04")]
    assert len({r.run_key for r in [request, *third.run_requests]}) == 3


def test_request_for_plain_and_growing_tables_makes_two_runs(inbox_plan, instance):
    _, defs, inbox = inbox_plan
    drop(inbox, "mixed.yml", "dataset: shop\ntables: [products, reviews]\n"
                             "partitions: {start: 2024-01-05, end: 2024-01-05}\n")
    drop(inbox, "all-of-hr.yaml", "dataset: hr\ndescription: everything\n")
    result = tick(defs, REQUEST_SENSOR, instance, None)
    by_file: dict[str, list[dg.RunRequest]] = {}
    for r in result.run_requests:
        by_file.setdefault(r.tags[REQUEST_TAG], []).append(r)
    mixed = sorted(by_file["mixed.yml"], key=lambda r: RANGE_START_TAG in r.tags)
    assert [selection(r) for r in mixed] == [{"shop/products"}, {"shop/reviews"}]
    assert RANGE_START_TAG not in mixed[0].tags
    assert (mixed[1].tags[RANGE_START_TAG], mixed[1].tags[RANGE_END_TAG]) == ("2024-01-05", "2024-01-05")
    assert [selection(r) for r in by_file["all-of-hr.yaml"]] == [
        {"hr/locations", "hr/departments", "hr/employees", "hr/salary_history", "hr/time_off"}]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["all-of-hr.yaml", "mixed.yml"]


@pytest.mark.parametrize(("text", "problem"), [
    ("dataset: healthcare\n", "unknown dataset 'healthcare'"),  # not in this profile
    ("dataset: nosuch\ntables: [orders]\n", "unknown dataset 'nosuch'"),
    ("dataset: shop\ntables: [customers, nosuch_table]\n", "no table 'nosuch_table'"),
    ("dataset: shop\ntables: [orders]\npartitions: {start: 2023-12-31, end: 2024-01-02}\n", "'2023-12-31'"),
    ("dataset: shop\ntables: [orders]\npartitions: {start: 2024-01-02, end: 2999-01-01}\n", "'2999-01-01'"),
    ("dataset: shop\npartitions: {start: 2024-01-03, end: 2024-01-02}\n", "reversed"),
    ("dataset: shop\ntable: [orders]\n", "unknown key 'table'"),
    ("dataset: [shop\n", "not valid YAML"),
    ("dataset: shop\nscenario: dirty\n", "not landed by this profile: add it to the profile's `scenarios:`"),
    ("dataset: shop\nscenario: dirt\n", "declares no scenario 'dirt'; it declares dirty"),
    ("dataset: shop\nscenario: [dirty]\n", "scenario must be the name of a scenario of 'shop'"),
])
def test_invalid_request_is_filed_under_failed_with_the_reason(inbox_plan, instance, text, problem):
    _, defs, inbox = inbox_plan
    drop(inbox, "bad.yaml", text)
    drop(inbox, "good.yaml", VALID)
    result = tick(defs, REQUEST_SENSOR, instance, None)
    assert [r.tags[REQUEST_TAG] for r in result.run_requests] == ["good.yaml"]  # a bad file blocks no other
    assert not list((inbox / "inbox").iterdir())
    assert (inbox / "failed" / "bad.yaml").read_text(encoding="utf-8") == text
    reason = (inbox / "failed" / "bad.yaml.reason.txt").read_text(encoding="utf-8")
    assert problem in reason
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["good.yaml"]
    # Dropped again unchanged, it is not requested; it is filed again as already handled.
    drop(inbox, "bad.yaml", text)
    (inbox / "failed" / "bad.yaml.reason.txt").unlink()
    again = tick(defs, REQUEST_SENSOR, instance, result.cursor)
    assert not again.run_requests
    assert not list((inbox / "inbox").iterdir())
    assert "already handled" in (inbox / "failed" / "bad.yaml.reason.txt").read_text(encoding="utf-8")


GOOD = "dataset: shop\ntables: [products]\n"


def test_a_request_naming_a_scenario_lands_its_tables_and_ground_truth_in_one_run(tmp_path, instance):
    inbox = tmp_path / "requests"
    profile = tmp_profile(tmp_path, datasets=["shop"], scale=0.05, inbox=inbox)
    planned = plan_profile(profile.model_copy(update={"scenarios": ["dirty"]}))
    defs = build_definitions(planned)
    (inbox / "inbox").mkdir(parents=True)
    text = ("dataset: shop\nscenario: dirty\ntables: [products, customers]\n"
            "partitions: {start: 2024-01-02, end: 2024-01-02}\n")
    drop(inbox, "dirty.yaml", text)
    result = tick(defs, REQUEST_SENSOR, instance, None)
    (request,) = result.run_requests
    assert selection(request) == {"shop__dirty/products", "shop__dirty/customers", "shop__dirty/_defects"}
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2024-01-02", "2024-01-02")
    assert (inbox / "done" / "dirty.yaml").read_text(encoding="utf-8") == text

    run = defs.resolve_job_def(ALL_JOB).execute_in_process(instance=instance, tags=request.tags,
                                                           asset_selection=list(request.asset_selection))
    assert run.success
    landed = {(m.materialization.asset_key.to_user_string(), m.materialization.partition)
              for m in run.get_asset_materialization_events()}
    assert landed == {("shop__dirty/customers", "2024-01-02"), ("shop__dirty/products", None),
                      ("shop__dirty/_defects", None)}  # the scenario's assets, none of the clean ones
    out = Path(planned.profile.destinations[0].location(planned.profile.root))
    assert (out / "shop__dirty" / "customers" / "date=2024-01-02").is_dir() and not (out / "shop").exists()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


WRONG_TYPES = [
    ("dataset: [shop]\n", "dataset must be the name of a dataset, got ['shop']"),
    ("dataset: shop\ntables: 5\n", "tables must be a list of table names, e.g. [customers, orders], got 5"),
    ("dataset: shop\ntables: []\n", "tables is empty"),
    ("dataset: shop\ntables: [[orders]]\n", "tables must be a list of table names"),
    ("dataset: shop\ndescription: {a: 1}\n", "description must be text"),
    ("dataset: shop\npartitions: {start: [2024-01-02]}\n", "partitions.start must be a partition key"),
    ("dataset: shop\npartitions: {start: 2024-01-02, stop: 2024-01-03}\n", "partitions must be {start: KEY"),
    ("dataset: shop\n\xff\n", "not UTF-8 text"),
    ("[" * 20000, "not valid YAML"),
    # An alias bomb: a few hundred bytes that nest into 10^9 items; never expanded, never repeated whole.
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "unknown key"),
    ("dataset: &d [*d]\n", "dataset must be the name of a dataset"),
]


def test_requests_of_the_wrong_type_are_rejected_alone_and_later_ticks_still_work(inbox_plan, instance):
    _, defs, inbox = inbox_plan
    for i, (text, _) in enumerate(WRONG_TYPES):
        data = text.encode("utf-8").replace(b"\xc3\xbf", b"\xff")  # the one non-UTF-8 case
        (inbox / "inbox" / f"a{i:02d}.yaml").write_bytes(data)
    drop(inbox, "b-good.yaml", GOOD)
    started = time.perf_counter()
    result = tick(defs, REQUEST_SENSOR, instance, None)
    assert time.perf_counter() - started < 10
    assert [r.tags[REQUEST_TAG] for r in result.run_requests] == ["b-good.yaml"]
    for i, (_, problem) in enumerate(WRONG_TYPES):
        reason = (inbox / "failed" / f"a{i:02d}.yaml.reason.txt").read_text(encoding="utf-8")
        assert problem in reason and len(reason) < 400, (i, reason)
    assert names(inbox / "inbox") == []
    drop(inbox, "c-next.yaml", VALID)  # the next tick is not blocked by anything the bad files left
    assert [r.tags[REQUEST_TAG] for r in tick(defs, REQUEST_SENSOR, instance, result.cursor).run_requests] == [
        "c-next.yaml"]


def test_a_yaml_error_gives_its_line_and_never_echoes_the_file(inbox_plan, instance):
    _, defs, inbox = inbox_plan
    drop(inbox, "bad.yaml", "dataset: shop\ntables: [orders\nsecret_token: hunter2-hunter2\n")
    tick(defs, REQUEST_SENSOR, instance, None)
    reason = (inbox / "failed" / "bad.yaml.reason.txt").read_text(encoding="utf-8")
    assert "not valid YAML: line " in reason
    assert "hunter2" not in reason


@pytest.mark.timeout(120)  # opening the FIFO would block forever
def test_links_folders_pipes_and_huge_files_are_filed_unread_and_block_nothing(inbox_plan, instance, tmp_path):
    _, defs, inbox = inbox_plan
    secret = tmp_path / "credentials"
    secret.write_text("dataset: aws_secret_access_key=AKIAEXAMPLE\n", encoding="utf-8")
    box = inbox / "inbox"
    (box / "a-link.yaml").symlink_to(secret)
    (box / "b-dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (box / "c-folder.yaml").mkdir()
    (box / "c-folder.yaml" / "inside.txt").write_text("x", encoding="utf-8")
    os.mkfifo(box / "d-pipe.yaml")  # opening it for reading would block the tick forever
    with open(box / "e-huge.yaml", "wb") as fh:  # 300 MB (sparse): refused from its size, never read
        fh.truncate(300 * 1024 * 1024)
    drop(inbox, "f-good.yaml", GOOD)
    started = time.perf_counter()
    result = tick(defs, REQUEST_SENSOR, instance, None)
    assert time.perf_counter() - started < 20
    assert [r.tags[REQUEST_TAG] for r in result.run_requests] == ["f-good.yaml"]
    assert names(box) == []
    failed = inbox / "failed"
    expected = {"a-link.yaml": "a symbolic link", "b-dangling.yaml": "a symbolic link",
                "c-folder.yaml": "a directory", "d-pipe.yaml": "a named pipe (FIFO)",
                "e-huge.yaml": "314,572,800 bytes; a request file holds at most 65,536 bytes"}
    for name, problem in expected.items():
        reason = (failed / f"{name}.reason.txt").read_text(encoding="utf-8")
        assert problem in reason, (name, reason)
        assert "AKIAEXAMPLE" not in reason
    assert (failed / "a-link.yaml").is_symlink() and os.readlink(failed / "a-link.yaml") == str(secret)
    assert secret.read_text(encoding="utf-8").endswith("AKIAEXAMPLE\n")  # the target is neither read nor moved
    assert (failed / "c-folder.yaml" / "inside.txt").is_file()
    assert stat.S_ISFIFO(os.lstat(failed / "d-pipe.yaml").st_mode)


def test_an_entry_that_cannot_be_moved_is_reported_and_skipped(inbox_plan, instance, monkeypatch):
    _, defs, inbox = inbox_plan
    drop(inbox, "a-stuck.yaml", "dataset: nosuch\n")
    drop(inbox, "b-good.yaml", GOOD)
    real_replace = os.replace

    def replace(src, dst):
        if Path(src).name == "a-stuck.yaml":
            raise PermissionError(13, "Permission denied", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr("mock_pipelines.defs.sensors.os.replace", replace)
    result = tick(defs, REQUEST_SENSOR, instance, None)
    assert [r.tags[REQUEST_TAG] for r in result.run_requests] == ["b-good.yaml"]
    assert names(inbox / "inbox") == ["a-stuck.yaml"]
    monkeypatch.setattr("mock_pipelines.defs.sensors.os.replace", real_replace)
    again = tick(defs, REQUEST_SENSOR, instance, result.cursor)  # movable again: filed with its reason
    assert not again.run_requests
    assert "unknown dataset 'nosuch'" in (inbox / "failed" / "a-stuck.yaml.reason.txt").read_text(encoding="utf-8")


def test_a_tick_handles_a_bounded_number_of_requests(inbox_plan, instance):
    _, defs, inbox = inbox_plan
    for i in range(MAX_REQUESTS_PER_TICK + 3):
        drop(inbox, f"r{i:03d}.yaml", f"dataset: shop\ntables: [products]\ndescription: request {i}\n")
    first = tick(defs, REQUEST_SENSOR, instance, None)
    assert len(first.run_requests) == MAX_REQUESTS_PER_TICK
    assert len(names(inbox / "inbox")) == 3
    second = tick(defs, REQUEST_SENSOR, instance, first.cursor)
    assert [r.tags[REQUEST_TAG] for r in second.run_requests] == [f"r{i:03d}.yaml" for i in range(50, 53)]


def test_no_inbox_no_request_sensor(tmp_path):
    defs = build_definitions(plan_profile(tmp_profile(tmp_path, datasets=["hr"], inbox=None)))
    assert {s.name for s in defs.sensors} == {SCHEMA_SENSOR, DEAD_RUN_SENSOR}


# ---- schedules --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("enabled", [False, True])
def test_partitioned_job_schedule_requests_the_previous_day(tmp_path, instance, enabled):
    defs = build_definitions(plan_profile(tmp_profile(tmp_path, datasets=["shop", "hr"], scale=0.05,
                             schedules_enabled=enabled)))
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) == {"shop__partitioned_tables__schedule"}  # hr has no partitioned job
    schedule = defs.resolve_schedule_def("shop__partitioned_tables__schedule")
    assert schedule.job_name == "shop__partitioned_tables"
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.default_status == (dg.DefaultScheduleStatus.RUNNING if enabled
                                       else dg.DefaultScheduleStatus.STOPPED)
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                        scheduled_execution_time=dt.datetime(2024, 1, 10, 2, 0, tzinfo=dt.UTC))
    data = schedule.evaluate_tick(context)
    assert len(data.run_requests) == 1
    request = data.run_requests[0]
    assert request.partition_key == "2024-01-09"
    assert request.job_name in (None, "shop__partitioned_tables")


def test_schedule_follows_the_profile_cron(tmp_path, instance):
    defs = build_definitions(plan_profile(tmp_profile(tmp_path, datasets=["shop"], scale=0.05, cron="30 4 * * *")))
    schedule = defs.resolve_schedule_def("shop__partitioned_tables__schedule")
    assert schedule.cron_schedule == "30 4 * * *"
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                        scheduled_execution_time=dt.datetime(2024, 3, 1, 4, 30, tzinfo=dt.UTC))
    assert [r.partition_key for r in schedule.evaluate_tick(context).run_requests] == ["2024-02-29"]
