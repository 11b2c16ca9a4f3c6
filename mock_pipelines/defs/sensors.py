"""Sensors: regenerate a dataset when its schema file changes; turn dropped request files into runs.

Both keep a cursor, so each schema version and each request file is handled exactly once.
"""


import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
from ruamel.yaml import YAML

from mock_pipelines.defs.assets import table_asset_key

if TYPE_CHECKING:
    from mock_pipelines.defs.build import Layer

SCHEMA_SENSOR = "schema_change_sensor"
REQUEST_SENSOR = "request_inbox_sensor"
REQUEST_KEYS = ("dataset", "tables", "partitions", "description")
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _last_partition(layer: "Layer") -> str | None:
    pdef = layer.partitions_def
    if pdef is None:
        return None
    return pdef.get_last_partition_key()


def dataset_run_requests(layer: "Layer", dataset: str, tables: list[str] | None = None,
                         partitions: tuple[str, str] | None = None, run_key: str | None = None,
                         tags: dict[str, str] | None = None) -> list[dg.RunRequest]:
    """Runs that regenerate ``tables`` of ``dataset``: one for its plain tables, one for its growing tables
    over a partition range (default: the latest partition)."""
    plan = layer.plans[dataset]
    names = tables or plan.order()
    flat = [table_asset_key(dataset, t) for t in names if not plan.table(t).is_partitioned]
    grown = [table_asset_key(dataset, t) for t in names if plan.table(t).is_partitioned]
    requests = []
    if flat:
        requests.append(dg.RunRequest(run_key=f"{run_key}:plain" if run_key else None, asset_selection=flat,
                                      tags=tags or {}))
    if grown:
        if partitions is None:
            last = _last_partition(layer)
            if last is None:
                return requests
            partitions = (last, last)
        start, end = partitions
        requests.append(dg.RunRequest(run_key=f"{run_key}:{start}..{end}" if run_key else None,
                                      asset_selection=grown,
                                      tags={**(tags or {}), RANGE_START_TAG: start, RANGE_END_TAG: end}))
    return requests


def build_schema_sensor(layer: "Layer") -> dg.SensorDefinition:
    files = {name: Path(plan.spec.file) for name, plan in layer.plans.items()}

    @dg.sensor(name=SCHEMA_SENSOR, minimum_interval_seconds=30, target=dg.AssetSelection.all(),
               default_status=dg.DefaultSensorStatus.RUNNING if layer.profile.sensors.schema_changes
               else dg.DefaultSensorStatus.STOPPED,
               description="Regenerates a dataset when its schema file changes (each version once).")
    def schema_change_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        seen = json.loads(context.cursor) if context.cursor else {}
        now = {name: _digest(path) for name, path in files.items() if path.exists()}
        requests: list[dg.RunRequest] = []
        for name, digest in now.items():
            if name in seen and seen[name] != digest:
                context.log.info(f"schema of {name} changed ({seen[name]} → {digest}): regenerating")
                requests.extend(dataset_run_requests(layer, name, run_key=f"schema:{name}:{digest}",
                                                     tags={"mock_pipelines/trigger": "schema_change"}))
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(now, sort_keys=True))

    return schema_change_sensor


class RequestError(ValueError):
    pass


def parse_request(layer: "Layer", path: Path) -> dict[str, Any]:
    """Validate a request file: {dataset, tables?, partitions?: {start, end}}. Raises RequestError."""
    try:
        doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise RequestError(f"not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise RequestError("a request must be a mapping with at least `dataset:`")
    unknown = [k for k in doc if k not in REQUEST_KEYS]
    if unknown:
        raise RequestError(f"unknown key {unknown[0]!r}; expected {', '.join(REQUEST_KEYS)}")
    dataset = doc.get("dataset")
    if dataset not in layer.plans:
        raise RequestError(f"unknown dataset {dataset!r}; this profile has {', '.join(layer.plans)}")
    plan = layer.plans[dataset]
    tables = doc.get("tables")
    if tables is not None:
        if isinstance(tables, str):
            tables = [tables]
        missing = [t for t in tables if t not in plan.tables]
        if missing:
            raise RequestError(f"dataset {dataset!r} has no table {missing[0]!r}")
    partitions = doc.get("partitions")
    pair = None
    if partitions is not None:
        pdef = layer.partitions_def
        if pdef is None:
            raise RequestError("this profile is not partitioned; drop `partitions:`")
        if not isinstance(partitions, dict) or "start" not in partitions:
            raise RequestError("partitions must be {start: KEY, end: KEY}")
        start = str(partitions["start"])
        end = str(partitions.get("end", start))
        keys = set(pdef.get_partition_keys(dynamic_partitions_store=None))
        for key in (start, end):
            if key not in keys:
                raise RequestError(f"partition {key!r} does not exist (partitions start at "
                                   f"{pdef.get_first_partition_key()} and end at {pdef.get_last_partition_key()})")
        if start > end:
            raise RequestError(f"partition range {start}..{end} is reversed")
        pair = (start, end)
    return {"dataset": dataset, "tables": tables, "partitions": pair}


def build_request_sensor(layer: "Layer") -> dg.SensorDefinition | None:
    inbox_root = layer.profile.inbox_dir()
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
        for path in sorted(inbox.glob("*.y*ml")):
            key = f"{path.name}:{_digest(path)}"
            if key in handled:  # the same request again: file it, so the inbox only holds new work
                shutil.move(path, failed / path.name)
                (failed / f"{path.name}.reason.txt").write_text(
                    "rejected: already handled (same file name and content)\n", encoding="utf-8")
                continue
            handled.add(key)
            try:
                req = parse_request(layer, path)
            except RequestError as exc:
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
                shutil.move(path, failed / path.name)
                (failed / f"{path.name}.reason.txt").write_text(f"{stamp} rejected: {exc}\n", encoding="utf-8")
                context.log.warning(f"request {path.name} rejected: {exc}")
                continue
            requests.extend(dataset_run_requests(
                layer, req["dataset"], req["tables"], req["partitions"], run_key=f"request:{key}",
                tags={"mock_pipelines/request": path.name}))
            shutil.move(path, done / path.name)
        # Keep the cursor bounded: only names still present anywhere can be seen again.
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(sorted(handled)[-5000:]))

    return request_inbox_sensor


def build_sensors(layer: "Layer") -> list[dg.SensorDefinition]:
    sensors = [build_schema_sensor(layer)]
    request = build_request_sensor(layer)
    if request is not None:
        sensors.append(request)
    return sensors
