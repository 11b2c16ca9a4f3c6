"""Sensors: regenerate a dataset when its schema file changes; turn dropped request files into runs.

Both keep a cursor, so each schema version and each request file is handled exactly once.
"""


import datetime as dt
import hashlib
import json
import os
import reprlib
import stat
from pathlib import Path
from typing import Any

import dagster as dg
from ruamel.yaml import YAML

from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.partitions import profile_partitions
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG, REQUEST_TAG, TRIGGER_TAG
from mock_pipelines.spec.errors import suggest
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE, scenario_dataset

SCHEMA_SENSOR = "schema_change_sensor"
REQUEST_SENSOR = "request_inbox_sensor"
DEAD_RUN_SENSOR = "dead_run_sensor"
REQUEST_KEYS = ("dataset", "tables", "partitions", "scenario", "description")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def build_sensors(plan: ProfilePlan) -> dg.Definitions:
    sensors = [build_schema_sensor(plan), build_dead_run_sensor()]
    request = build_request_sensor(plan)
    if request is not None:
        sensors.append(request)
    return dg.Definitions(sensors=sensors)


def _last_partition(plan: ProfilePlan) -> str | None:
    pdef = profile_partitions(plan)
    if pdef is None:
        return None
    return pdef.get_last_partition_key()


def dataset_run_requests(plan: ProfilePlan, dataset: str, tables: list[str] | None = None,
                         partitions: tuple[str, str] | None = None, run_key: str | None = None,
                         tags: dict[str, str] | None = None) -> list[dg.RunRequest]:
    """Runs that regenerate ``tables`` of ``dataset``: one for its plain tables, one for its growing tables
    over a partition range (default: the latest partition)."""
    planned = plan.datasets[dataset]
    names = planned.order() if tables is None else tables
    flat = [table_asset_key(dataset, t) for t in names if not planned.table(t).is_partitioned]
    grown = [table_asset_key(dataset, t) for t in names if planned.table(t).is_partitioned]
    requests = []
    if flat:
        requests.append(dg.RunRequest(run_key=f"{run_key}:plain" if run_key else None, asset_selection=flat,
                                      tags=tags or {}))
    if grown:
        if partitions is None:
            last = _last_partition(plan)
            if last is None:
                return requests
            partitions = (last, last)
        start, end = partitions
        requests.append(dg.RunRequest(run_key=f"{run_key}:{start}..{end}" if run_key else None,
                                      asset_selection=grown,
                                      tags={**(tags or {}), RANGE_START_TAG: start, RANGE_END_TAG: end}))
    return requests


def scenario_run_requests(plan: ProfilePlan, dataset: str, scenario: str, tables: list[str] | None = None,
                          partitions: tuple[str, str] | None = None, run_key: str | None = None,
                          tags: dict[str, str] | None = None) -> list[dg.RunRequest]:
    """One run that lands ``tables`` (default: every table) of the scenario ``scenario`` of ``dataset`` — the
    dataset ``<dataset>__<scenario>`` — over a partition range (default: the latest partition), and its
    ground truth after them, so the truth describes what landed (as the scenario's job does)."""
    planned = plan.datasets[dataset]
    names = planned.order() if tables is None else tables
    landed_as = scenario_dataset(dataset, scenario)
    keys = [table_asset_key(landed_as, t) for t in [*names, GROUND_TRUTH_TABLE]]
    run_tags = dict(tags or {})
    if any(planned.table(t).is_partitioned for t in names):
        last = _last_partition(plan)
        partitions = partitions or ((last, last) if last is not None else None)
        if partitions is not None:
            run_tags |= {RANGE_START_TAG: partitions[0], RANGE_END_TAG: partitions[1]}
    span = f"{run_tags[RANGE_START_TAG]}..{run_tags[RANGE_END_TAG]}" if RANGE_START_TAG in run_tags else "whole"
    return [dg.RunRequest(run_key=f"{run_key}:{scenario}:{span}" if run_key else None, asset_selection=keys,
                          tags=run_tags)]


def build_schema_sensor(plan: ProfilePlan) -> dg.SensorDefinition:
    files = {name: Path(dataset.spec.file) for name, dataset in plan.datasets.items()}

    @dg.sensor(name=SCHEMA_SENSOR, minimum_interval_seconds=30, target=dg.AssetSelection.all(),
               default_status=dg.DefaultSensorStatus.RUNNING if plan.profile.sensors.schema_changes
               else dg.DefaultSensorStatus.STOPPED,
               description="Regenerates a dataset when its schema file changes (each version once).")
    def schema_change_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        seen = json.loads(context.cursor) if context.cursor else {}
        now = {name: _digest(path) for name, path in files.items() if path.exists()}
        requests: list[dg.RunRequest] = []
        for name, digest in now.items():
            if name in seen and seen[name] != digest:
                context.log.info(f"schema of {name} changed ({seen[name]} → {digest}): regenerating")
                requests.extend(dataset_run_requests(plan, name, run_key=f"schema:{name}:{digest}",
                                                     tags={TRIGGER_TAG: "schema_change"}))
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(now, sort_keys=True))

    return schema_change_sensor


class RequestError(ValueError):
    pass


# Bounds of the request inbox: a request is a few lines of YAML; anything bigger is refused unread, and one
# tick handles at most MAX_REQUESTS_PER_TICK entries (the rest wait for the next tick), so a tick stays far
# below Dagster's 60 s sensor timeout whatever lands in the inbox.
MAX_REQUEST_BYTES = 64 * 1024
MAX_REQUESTS_PER_TICK = 50
REQUEST_SUFFIXES = (".yaml", ".yml")


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 40, 40


def _show(value: Any) -> str:
    """A value of a request for a reason message, shortened and bounded (YAML aliases can nest a small file
    into a huge structure; a reason never repeats a whole file)."""
    return _SHORT.repr(value)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def read_request(path: Path) -> bytes:
    """The bytes of a request file. Only a regular file is opened (never through a symbolic link, never a
    FIFO or device) and at most MAX_REQUEST_BYTES are read. Raises RequestError."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise RequestError(f"{_kind(info.st_mode)}, not a regular file: drop the request file itself")
    if info.st_size > MAX_REQUEST_BYTES:
        raise RequestError(f"{info.st_size:,} bytes; a request file holds at most {MAX_REQUEST_BYTES:,} bytes")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:  # replaced by a link meanwhile (ELOOP), removed, unreadable
        raise RequestError(f"cannot be opened: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped between lstat and open
            raise RequestError("not a regular file: drop the request file itself")
        data = fh.read(MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:
        raise RequestError(f"more than {MAX_REQUEST_BYTES:,} bytes; a request file is a few lines of YAML")
    return data


def _yaml_problem(exc: Exception) -> str:
    """A YAML error as `line L:C: problem`, without the excerpt of the file ruamel adds."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or type(exc).__name__
    where = f"line {mark.line + 1}:{mark.column + 1}: " if mark is not None else ""
    return f"not valid YAML: {where}{problem}"


def _partition_key(value: Any, what: str) -> str:
    if isinstance(value, dt.date | str | int) and not isinstance(value, bool):
        return str(value)
    raise RequestError(f"partitions.{what} must be a partition key such as 2024-01-05, got {_show(value)}")


def partition_range_problem(pdef: dg.PartitionsDefinition, start: str, end: str | None = None) -> str | None:
    """What is wrong with a partition key (``end`` None) or a range ``start``..``end`` of ``pdef``: a key
    that does not exist, or a range whose end comes before its start (in the partitions' order). None when
    both are fine. Shared by the request inbox and `mock-pipelines run`."""
    for key in (start,) if end is None else (start, end):
        if not pdef.has_partition_key(key):
            return (f"partition {_show(key)} does not exist (partitions start at {pdef.get_first_partition_key()} "
                    f"and end at {pdef.get_last_partition_key()})")
    if end is not None and start != end:
        keys = pdef.get_partition_keys()
        if keys.index(start) > keys.index(end):
            return f"partition range {start}..{end} is reversed: the first partition comes after the last"
    return None


def parse_request(plan: ProfilePlan, path: Path, data: bytes | None = None) -> dict[str, Any]:
    """Validate a request file: {dataset, tables?, partitions?: {start, end}, scenario?, description?}.

    ``data`` is the file's content (read with :func:`read_request` when not given). Raises RequestError.
    """
    if data is None:
        data = read_request(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(f"not UTF-8 text (byte {exc.start}): a request is a YAML file") from None
    try:
        doc = YAML(typ="safe").load(text)
    except Exception as exc:  # any YAML error, RecursionError on deep nesting included
        raise RequestError(_yaml_problem(exc)) from None
    if not isinstance(doc, dict):
        raise RequestError("a request must be a mapping with at least `dataset:`")
    unknown = [k for k in doc if k not in REQUEST_KEYS]
    if unknown:
        raise RequestError(f"unknown key {_show(unknown[0])}; expected {', '.join(REQUEST_KEYS)}")
    dataset = doc.get("dataset")
    if not isinstance(dataset, str):
        raise RequestError(f"dataset must be the name of a dataset, got {_show(dataset)}; "
                           f"this profile has {', '.join(plan.datasets)}")
    if dataset not in plan.datasets:
        raise RequestError(f"unknown dataset {_show(dataset)}; this profile has {', '.join(plan.datasets)}")
    description = doc.get("description")
    if description is not None and not isinstance(description, str):
        raise RequestError(f"description must be text, got {_show(description)}")
    planned = plan.datasets[dataset]
    tables = doc.get("tables")
    if tables is not None:
        if isinstance(tables, str):
            tables = [tables]
        if not isinstance(tables, list) or not all(isinstance(t, str) for t in tables):
            raise RequestError(f"tables must be a list of table names, e.g. [customers, orders], got "
                               f"{_show(tables)}")
        if not tables:
            raise RequestError("tables is empty: list the tables to regenerate, or leave `tables:` out for all "
                               "of them")
        missing = [t for t in tables if t not in planned.tables]
        if missing:
            raise RequestError(f"dataset {dataset!r} has no table {_show(missing[0])}")
        tables = list(dict.fromkeys(tables))
    scenario = doc.get("scenario")
    if scenario is not None:
        scenario = _selected_scenario(plan, dataset, scenario)
    partitions = doc.get("partitions")
    pair = None
    if partitions is not None:
        pdef = profile_partitions(plan)
        if pdef is None:
            raise RequestError("this profile is not partitioned; drop `partitions:`")
        if not isinstance(partitions, dict) or "start" not in partitions or \
                any(k not in ("start", "end") for k in partitions):
            raise RequestError("partitions must be {start: KEY, end: KEY}")
        start = _partition_key(partitions["start"], "start")
        end = _partition_key(partitions.get("end", start), "end")
        problem = partition_range_problem(pdef, start, end)
        if problem:
            raise RequestError(problem)
        pair = (start, end)
    return {"dataset": dataset, "tables": tables, "partitions": pair, "scenario": scenario}


def _selected_scenario(plan: ProfilePlan, dataset: str, name: Any) -> str:
    """``name`` when the profile lands that scenario of ``dataset``; else a RequestError that says why."""
    declared = list(plan.datasets[dataset].spec.scenarios)
    if not isinstance(name, str):
        raise RequestError(f"scenario must be the name of a scenario of {dataset!r}, got {_show(name)}"
                           + (f"; it declares {', '.join(declared)}" if declared else ""))
    selected = list(plan.profile.selected_scenarios(plan.datasets[dataset].spec.scenarios))
    if name in selected:
        return name
    if name in declared:
        raise RequestError(f"scenario {name!r} of {dataset!r} is not landed by this profile: add it to the "
                           f"profile's `scenarios:` (it selects {', '.join(selected) or 'none'})")
    hint = suggest(name, declared)
    raise RequestError(f"dataset {dataset!r} declares no scenario {_show(name)}"
                       + (f"; it declares {', '.join(declared)}" if declared else " (its schema has no "
                          "`scenarios:` block)") + (f" — did you mean {hint!r}?" if hint else ""))


def _file_away(path: Path, folder: Path) -> Path:
    """Move an inbox entry (a file, or a link or folder itself — never what a link points to) into
    ``folder``; a name already taken there by something that cannot be replaced gets a time suffix."""
    target = folder / path.name
    try:
        os.replace(path, target)
    except OSError:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{path.name}.{stamp}"
        os.replace(path, target)
    return target


def _entry_key(path: Path, data: bytes | None) -> str:
    if data is not None:
        return f"{path.name}:{hashlib.sha256(data).hexdigest()[:16]}"
    info = os.lstat(path)
    return f"{path.name}:{_kind(info.st_mode)}:{info.st_ino}:{info.st_mtime_ns}"


def _inbox_entries(inbox: Path) -> list[Path]:
    """Request candidates in the inbox, oldest name first; hidden names (editors' temporary files) skipped."""
    with os.scandir(inbox) as it:
        names = sorted(e.name for e in it if not e.name.startswith(".")
                       and e.name.lower().endswith(REQUEST_SUFFIXES))
    return [inbox / name for name in names]


def build_request_sensor(plan: ProfilePlan) -> dg.SensorDefinition | None:
    inbox_root = plan.profile.inbox_dir()
    if inbox_root is None:
        return None
    inbox_root = Path(inbox_root)

    @dg.sensor(name=REQUEST_SENSOR, minimum_interval_seconds=15, target=dg.AssetSelection.all(),
               default_status=dg.DefaultSensorStatus.RUNNING,
               description=f"Starts a run for each request file dropped in {inbox_root}/inbox/ and moves it "
                           "to done/ or failed/ (with the reason).")
    def request_inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        inbox = inbox_root / "inbox"
        done, failed = inbox_root / "done", inbox_root / "failed"
        for folder in (inbox, done, failed):
            folder.mkdir(parents=True, exist_ok=True)
        handled = set(json.loads(context.cursor)) if context.cursor else set()
        requests: list[dg.RunRequest] = []
        for path in _inbox_entries(inbox)[:MAX_REQUESTS_PER_TICK]:
            try:
                key, new = _handle_request(plan, context, path, handled, done, failed)
            except Exception as exc:  # one entry's failure never blocks the others
                context.log.error(f"request {path.name!r} skipped: {type(exc).__name__}: "
                                  f"{getattr(exc, 'strerror', None) or exc}")
                continue
            handled.add(key)
            requests.extend(new)
        # Keep the cursor bounded: only names still present anywhere can be seen again.
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(sorted(handled)[-5000:]))

    return request_inbox_sensor


def _handle_request(plan: ProfilePlan, context: dg.SensorEvaluationContext, path: Path, handled: set[str],
                    done: Path, failed: Path) -> tuple[str, list[dg.RunRequest]]:
    """Handle one inbox entry: its run requests, or filed under failed/ with the reason. Returns the key the
    cursor remembers it by. Raises OSError only when the entry cannot even be moved out of the inbox."""
    data: bytes | None = None
    reason: str | None = None
    try:
        data = read_request(path)
    except RequestError as exc:
        reason = str(exc)
    key = _entry_key(path, data)
    if reason is None and key in handled:  # the same request again: file it, so the inbox only holds new work
        reason = "already handled (same file name and content)"
    req = None
    if reason is None:
        try:
            req = parse_request(plan, path, data)
        except RequestError as exc:
            reason = str(exc)
    if req is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        target = _file_away(path, failed)
        (failed / f"{target.name}.reason.txt").write_text(f"{stamp} rejected: {reason}\n", encoding="utf-8")
        context.log.warning(f"request {path.name!r} rejected: {reason}")
        return key, []
    _file_away(path, done)
    if req["scenario"] is not None:
        return key, scenario_run_requests(plan, req["dataset"], req["scenario"], req["tables"], req["partitions"],
                                          run_key=f"request:{key}", tags={REQUEST_TAG: path.name})
    return key, dataset_run_requests(plan, req["dataset"], req["tables"], req["partitions"],
                                     run_key=f"request:{key}", tags={REQUEST_TAG: path.name})


def build_dead_run_sensor() -> dg.SensorDefinition:
    from mock_pipelines.defs.instance import fail_dead_runs

    @dg.sensor(name=DEAD_RUN_SENSOR, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Marks failed the runs of `mock-pipelines run` whose process is gone (killed) and "
                           "frees the pool slots they held, so later runs do not wait on the pool forever.")
    def dead_run_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        failed = fail_dead_runs(context.instance, log=context.log.warning)
        return dg.SkipReason(f"{len(failed)} dead run(s) marked failed" if failed else "no dead run")

    return dead_run_sensor
