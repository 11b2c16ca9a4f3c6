"""Shared helpers: demo datasets generated once per test session, and a one-call table check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.quality.cross_table import check_cross_table, derive_cross_rules
from mock_pipelines.quality.gx_runner import validate_table
from mock_pipelines.quality.results import RuleResult
from mock_pipelines.quality.rules import derive_rules, expected_rows
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
DEMOS = ("shop", "hr", "healthcare")
STREAM_BATCH_ROWS = 7  # engine "stream": small batches, so a corruption lands past the first one


@cache
def spec_of(name: str) -> DatasetSpec:
    return load_dataset(SCHEMAS / f"{name}.yaml")


@cache
def generated(name: str, seed: int | None = None, scale: float = 1.0) -> tuple[DatasetPlan, dict[str, pa.Table]]:
    plan = DatasetPlan(spec_of(name), PlanOptions(seed=seed, scale=scale))
    return plan, {t: plan.table(t).to_table() for t in plan.order()}


def check(spec: DatasetSpec, table: str, data: pa.Table, tables: dict[str, pa.Table] | None = None,
          plan: DatasetPlan | None = None, engine: str = "gx", **derive: Any) -> dict[str, RuleResult]:
    """Every single-table rule (and, given ``tables``, every cross-table rule) of ``table`` on ``data``."""
    plan = plan or DatasetPlan(spec)
    rules = derive_rules(spec, table, derive.pop("rows", None) or expected_rows(plan, table), **derive)
    if engine == "stream":  # measured batch by batch, with offending rows in later batches
        from mock_pipelines.quality.runner import check_table

        results = {r.name: r for r in check_table(data, rules, batch_rows=STREAM_BATCH_ROWS)}
    else:
        results = {r.name: r for r in validate_table(data, rules, engine=engine)}
    if tables is not None:
        cross = derive_cross_rules(spec, table)
        results.update({r.name: r for r in check_cross_table(cross, data, tables)})
    return results


def failures(results: dict[str, RuleResult]) -> dict[str, RuleResult]:
    return {name: r for name, r in results.items() if not r.passed}


def replace_column(table: pa.Table, name: str, values: list[Any] | pa.Array) -> pa.Table:
    i = table.column_names.index(name)
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=_plain_type(table.schema.field(name).type))
    return table.set_column(i, name, arr)


def set_values(table: pa.Table, name: str, changes: dict[int, Any]) -> pa.Table:
    """``table`` with some values of one column replaced (row index → new value)."""
    col = table.column(name).combine_chunks()
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    values = col.to_pylist()
    for row, value in changes.items():
        values[row] = value
    return replace_column(table, name, pa.array(values, type=col.type))


def _plain_type(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def report_figures(html: str) -> dict[str, tuple[bool, str]]:
    """Chart title → (flagged as off, figure HTML)."""
    out = {}
    for flag, body in re.findall(r'<figure( class="flag")?>(.*?)</figure>', html, flags=re.S):
        title = re.search(r"<figcaption><b>(.*?)(?: <span|</b>)", body).group(1)
        out[title] = (bool(flag), body)
    return out


def format_columns(rows: int = 5_000) -> Iterator[tuple[str, str, pa.Array]]:
    """(where, regex) and the first ``rows`` values of each string column of the schemas in ``schemas/`` that
    a generator writes in a format it states as a regex (e-mails, codes, identifiers …)."""
    for path in sorted(SCHEMAS.glob("*.yaml")):
        spec = load_dataset(path)
        plan = DatasetPlan(spec, PlanOptions(scale=0.2))
        for name, table in spec.tables.items():
            tp = plan.table(name)
            batch = None
            for col in table.columns.values():
                regex = column_facts(spec, table, col, spec.locale).regex
                if not regex:
                    continue
                batch = batch or tp.compute(np.arange(min(tp.n_rows, rows), dtype=np.int64))
                values = batch.column(col.name)
                if pa.types.is_dictionary(values.type):
                    values = values.dictionary_decode()
                if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
                    yield f"{path.name} {name}.{col.name}", regex, values
