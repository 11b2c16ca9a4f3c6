"""The report's change-volume chart of a table with ``changes:``: inserts, updates and deletes per partition,
counted from the landed change log when it landed, else from the change log the run's plan computes."""

from __future__ import annotations

import datetime as dt
import html as html_text
import re
from typing import Any

import pyarrow as pa
import pytest

from mock_pipelines.core.changes import LOG, output_table
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme, to_us
from mock_pipelines.quality.report import read_landed, render_report
from mock_pipelines.quality.report.charts import change_volume_chart
from mock_pipelines.store.files.store import FileStore
from mock_pipelines_tests.quality.changes_support import load_living

SPEC = load_living()

START = dt.datetime(2024, 1, 1)
DAYS = 6
KEYS = [(START + dt.timedelta(days=d)).strftime("%Y-%m-%d") for d in range(DAYS)]
CAPTION = re.compile(r"change events per partition \((\d+) partitions\)</b>([^<]*)")


@pytest.fixture(scope="module")
def plan() -> DatasetPlan:
    return DatasetPlan(SPEC, PlanOptions(partitions=PartitionScheme(START, "daily")))


def window(key: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.fromisoformat(key)
    return start, start + dt.timedelta(days=1)


def tables_of(plan: DatasetPlan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SPEC.table_order():
        t = plan.table(name)
        if t.is_partitioned:
            out[name] = {}
            for key in KEYS:
                part = t.slice(*window(key), partition_key=key)
                out[name][key] = pa.Table.from_batches(list(part.batches()), schema=part.schema)
        else:
            part = t.slice()
            out[name] = pa.Table.from_batches(list(part.batches()), schema=part.schema)
    return out


def logs_of(plan: DatasetPlan, table: str) -> dict[str, pa.Table]:
    ch = plan.table(table).changes
    return {key: pa.Table.from_batches(list(ch.log(*(to_us(w) for w in window(key)))), schema=ch.log_schema)
            for key in KEYS}


def counted(logs: dict[str, pa.Table], soft: str | None) -> tuple[int, int, int]:
    """(inserts, updates, deletes) of change logs, row by row: an update that only sets ``soft`` is a delete."""
    c = u = d = 0
    for log in logs.values():
        for op, changed in zip(log.column("__op").to_pylist(), log.column("__changed").to_pylist(), strict=True):
            if op == "c":
                c += 1
            elif op == "d" or (op == "u" and soft is not None and changed == soft):
                d += 1
            else:
                u += 1
    return c, u, d


def captions(html: str) -> dict[str, tuple[int, str]]:
    """{table section: (partitions, caption)} of the change-volume charts of a report."""
    out = {}
    for section in html.split('<section class="card" id="t-')[1:]:
        found = CAPTION.search(section)
        if found:
            out[section.split('"', 1)[0]] = (int(found.group(1)), html_text.unescape(found.group(2)))
    return out


def totals(caption: str) -> tuple[int, int, int]:
    found = re.match(r"([\d,]+) inserts · ([\d,]+) updates · ([\d,]+) deletes", caption)
    assert found, caption
    return tuple(int(g.replace(",", "")) for g in found.groups())  # type: ignore[return-value]


def test_the_chart_counts_the_change_log_of_the_run(plan: DatasetPlan) -> None:
    html = render_report(SPEC, tables_of(plan), plan=plan)
    found = captions(html)
    assert set(found) == {"customers", "orders", "plans"}, found
    for table, soft in (("customers", "deleted_at"), ("orders", None), ("plans", None)):
        partitions, caption = found[table]
        assert partitions == DAYS  # plans does not grow: the report's partitions
        assert totals(caption) == counted(logs_of(plan, table), soft)
        assert caption.endswith("computed from the run's plan (no change log landed)")
    c, u, d = totals(found["customers"][1])
    assert c and u and d  # soft deletes are deletes


def test_the_chart_counts_the_landed_change_log(plan: DatasetPlan, tmp_path: Any) -> None:
    store = FileStore(tmp_path)
    for name, data in tables_of(plan).items():
        schema = plan.table(name).arrow_schema
        if isinstance(data, dict):
            for key, table in data.items():
                store.write_batches(SPEC.name, name, schema, table.to_batches(), key)
        else:
            store.write_batches(SPEC.name, name, schema, data.to_batches())
    ch = plan.table("orders").changes
    logs = logs_of(plan, "orders")
    logs[KEYS[2]] = logs[KEYS[2]].slice(1)  # one event fewer than the plan gives: the chart shows what landed
    for key, log in logs.items():
        store.write_batches(SPEC.name, output_table("orders", LOG), ch.log_schema, log.to_batches(), key)
    landed = read_landed(SPEC, tmp_path, plan=plan, checks=False)
    assert landed.tables["customers"].change_volume is None  # its change log did not land
    volume = landed.tables["orders"].change_volume
    assert volume is not None and sorted(volume) == KEYS
    assert sum(v["c"] + v["u"] + v["d"] for v in volume.values()) == sum(t.num_rows for t in logs.values())
    found = captions(render_report(SPEC, landed.tables, plan=plan))
    assert totals(found["orders"][1]) == counted(logs, None)
    assert found["orders"][1].endswith("counted from the landed change log")
    assert totals(found["customers"][1]) == counted(logs_of(plan, "customers"), "deleted_at")


def test_the_chart_stacks_each_kind_of_event() -> None:
    chart = change_volume_chart({"2024-01-02": {"c": 3, "u": 5, "d": 0}, "2024-01-01": {"c": 2, "u": 0, "d": 1}},
                                "counted from the landed change log")
    assert chart.caption == "5 inserts · 5 updates · 1 deletes · 1.00 updates per insert · counted from the " \
        "landed change log"
    bars = re.findall(r"<title>([^<]*)</title></rect>", chart.svg)
    assert bars == ["2024-01-01: 2 inserts", "2024-01-01: 1 deletes", "2024-01-02: 3 inserts", "2024-01-02: 5 updates"]
