"""The one check runner: a table's (or one partition's) single-table rules, evaluated from a measure.

:func:`measure` feeds record batches to a :class:`~mock_pipelines.quality.measure.TableMeasure`;
:func:`evaluate` turns a finished measure into one :class:`~mock_pipelines.quality.results.RuleResult` per
rule; :func:`check_batches` does both for rows read from anywhere (a store read back batch by batch, a
generated slice, a table in memory). The Dagster asset measures while its IO manager writes and calls
:func:`evaluate`; ``mock-pipelines report`` and the report asset call :func:`check_batches` on what
landed. Derived rules never go through Great Expectations; user-written expectations (``expectations:`` /
``expect:``) do, once, on the columns they read (see :func:`user_results`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.quality import arrow_checks
from mock_pipelines.quality.column_profile import TableProfile
from mock_pipelines.quality.gx_runner import TableValidation
from mock_pipelines.quality.measure import ROW_RULES, BatchSource, TableMeasure, measurable
from mock_pipelines.quality.results import RuleResult, plain
from mock_pipelines.quality.rules import Rule
from mock_pipelines.quality.stats import MIN_DISTRIBUTION_ROWS

ENGINE = "stream"  # measured batch by batch (with the pyarrow evaluators of arrow_checks)


def single_table(rules: Iterable[Rule]) -> list[Rule]:
    """The rules this runner evaluates (cross-table rules have no expectation)."""
    return [r for r in rules if r.expectation is not None]


def new_measure(rules: Sequence[Rule], schema: pa.Schema | None = None,
                profile: TableProfile | None = None, rows: int | None = None) -> TableMeasure:
    """A measure for ``rules`` that also keeps the columns user-written expectations read (``profile``: a
    column profile fed the same batches; ``rows``: how many rows will come, when known)."""
    return TableMeasure(single_table(rules), schema=schema, keep=columns_needed(user_rules(rules)), profile=profile,
                        rows=rows)


def measure(rules: Sequence[Rule], batches: Iterable[pa.RecordBatch], schema: pa.Schema | None = None,
            profile: TableProfile | None = None) -> TableMeasure:
    return new_measure(rules, schema, profile).consume(batches)


def user_rules(rules: Iterable[Rule]) -> list[Rule]:
    return [r for r in rules if r.expectation is not None and not measurable(r)]


def columns_needed(rules: Iterable[Rule]) -> list[str]:
    """Every column the rules read (what a read-back needs to load)."""
    cols: list[str] = []
    for rule in rules:
        kw = rule.gx_kwargs(1 if rule.band is not None else None)
        cols += list(rule.columns) + [kw[k] for k in ("column", "column_A", "column_B") if isinstance(kw.get(k), str)]
        cols += list(kw.get("column_list") or [])
    return list(dict.fromkeys(cols))


def evaluate(rules: Sequence[Rule], m: TableMeasure, *, source: BatchSource | None = None,
             table: str | None = None, user_data: pa.Table | None = None) -> TableValidation:
    """The results of ``rules`` (in rule order) from a finished measure. ``source`` reads the rows again,
    only to compare the values of rows whose hashes coincide in a uniqueness rule and, when ``user_data``
    is not given, to load the columns user-written expectations read (once)."""
    started = time.perf_counter()
    name = table or (rules[0].table if rules else "table")
    results: dict[str, RuleResult] = {}
    dups = m.duplicates(source)
    sample = m.sample(source) if m.sample_columns else None
    checked: list[tuple[Rule, RuleResult]] = []
    for rule in single_table(rules):
        if not measurable(rule):
            continue
        missing = [c for c in columns_needed([rule]) if m.types and c not in m.types]
        if missing:
            results[rule.name] = _result(rule, passed=False, observed=f"missing column {missing[0]!r}",
                                         expected=rule.expected(), evaluated_rows=m.rows, engine="",
                                         error=f"column {missing[0]!r} is not in the data")
            continue
        results[rule.name] = _evaluate(rule, m, dups, sample)
        if not results[rule.name].skipped:  # Data Docs render evaluated rules (GX's renderers want their values)
            checked.append((rule, results[rule.name]))
    gx_results: list[Any] = []
    users = user_rules(rules)
    if users:
        if user_data is None:
            user_data = m.kept_table()
        if user_data is None and source is not None:
            cols = columns_needed(users)
            batches = [b.select([c for c in cols if c in b.schema.names]) for b in source()]
            user_data = pa.Table.from_batches(batches) if batches else None
        if user_data is not None:
            from mock_pipelines.quality.gx_runner import validate_table

            run = validate_table(user_data, users, engine="gx", table=name)
            results.update(run.by_name())
            gx_results = run.gx_results
    ordered = [results[r.name] for r in rules if r.name in results]
    return TableValidation(name, m.rows, ordered, len(sample) if sample is not None and m.sampled else None,
                           {"measure": m.seconds, "evaluate": time.perf_counter() - started}, gx_results, checked)


def check_batches(rules: Sequence[Rule], source: BatchSource, *, table: str | None = None,
                  schema: pa.Schema | None = None, profile: TableProfile | None = None) -> TableValidation:
    """Read ``source`` once to measure it and evaluate ``rules`` (it is read again only for the rare
    values :func:`evaluate` needs). ``schema``: the columns of the rows, known even when there are none;
    ``profile``: a column profile fed the same batches."""
    return evaluate(rules, measure(rules, source(), schema, profile), source=source, table=table)


def landed_source(store: Any, dataset: str, table: str, partition_key: str | None = None, *,
                  columns: list[str] | None = None, schema: pa.Schema | None = None,
                  batch_rows: int | None = None) -> BatchSource:
    """The rows a store holds for a table (or one partition) as a :data:`BatchSource`: each call streams
    them again (:meth:`~mock_pipelines.store.protocol.TableStore.read_batches`), one batch in memory at a
    time (``batch_rows``: default the store's, whose batches are those of a whole read). The data is looked
    for now: data that has not landed raises ``FileNotFoundError`` here."""
    size = {} if batch_rows is None else {"batch_rows": batch_rows}

    def read() -> Iterable[pa.RecordBatch]:
        return store.read_batches(dataset, table, partition_key, columns=columns, schema=schema, **size)

    found = [read()]
    return lambda: found.pop() if found else read()


def check_landed(rules: Sequence[Rule], store: Any, dataset: str, table: str, partition_key: str | None = None,
                 *, schema: pa.Schema, columns: list[str] | None = None, profile: bool = False,
                 batch_rows: int | None = None) -> tuple[TableValidation, TableProfile | None]:
    """:func:`check_batches` on what a store holds for a table (or one partition): ``columns`` (default:
    every column of ``schema``, the table's Arrow schema) streamed once, typed by ``schema``; read again only
    for what a finished measure may still need. With ``profile``, the column profile of the same batches."""
    from mock_pipelines.store.files.reading import plain_schema

    columns = list(schema.names) if columns is None else list(columns)
    typed = pa.schema([schema.field(c) for c in columns if c in schema.names])
    source = landed_source(store, dataset, table, partition_key, columns=columns, schema=typed,
                           batch_rows=batch_rows)
    rows = plain_schema(typed)  # what every store reads back: dictionary columns decoded
    measured = TableProfile(rows) if profile else None
    return check_batches(rules, source, table=table, schema=rows, profile=measured), measured


def check_table(data: pa.Table, rules: Sequence[Rule], *, table: str | None = None,
                batch_rows: int = 1_000_000) -> TableValidation:
    """:func:`check_batches` on a table in memory."""
    return check_batches(rules, lambda: data.to_batches(max_chunksize=batch_rows), table=table, schema=data.schema)


# ---- one rule ----------------------------------------------------------------------------------------------

def _result(rule: Rule, **fields: Any) -> RuleResult:
    return RuleResult(name=rule.name, table=rule.table, kind=rule.kind, severity=rule.severity,
                      blocking=rule.blocking and rule.severity == "error", description=rule.description, **fields)


def _rows(unexpected: int, n: int) -> str:
    return f"{unexpected:,} of {n:,} rows"


def _evaluate(rule: Rule, m: TableMeasure, dups: dict[str, tuple[int, list[Any]]],
              sample: pa.Table | None) -> RuleResult:
    e = rule.expectation
    n = m.rows
    kw = rule.gx_kwargs(n if rule.band is not None else None)
    col = kw.get("column")

    def row_level(unexpected: int, examples: list[Any]) -> RuleResult:
        return _result(rule, passed=unexpected == 0, observed=_rows(unexpected, n), expected=rule.expected(
            n if rule.band is not None else None), unexpected_count=unexpected, examples=examples,
            evaluated_rows=n, engine=ENGINE)

    if e == "ExpectColumnValuesToNotBeNull":
        return row_level(m.nulls[col], [f"row {i}" for i in m.null_rows[col]])
    if e in ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"):
        unexpected, examples = dups[rule.name]
        return row_level(unexpected, examples)
    if e in ROW_RULES:
        bad = m.bad[rule.name]
        return row_level(bad.count, bad.examples)
    if e in ("ExpectTableRowCountToEqual", "ExpectTableRowCountToBeBetween"):
        lo, hi = kw.get("min_value"), kw.get("max_value")
        ok = n == kw["value"] if e == "ExpectTableRowCountToEqual" else (lo is None or n >= lo) and (hi is None or n <= hi)
        return _result(rule, passed=ok, observed=n, expected=rule.expected(), evaluated_rows=n, engine=ENGINE)
    if e == "ExpectColumnProportionOfNonNullValuesToBeBetween":
        nulls = m.nulls[col]
        share = 1 - nulls / n if n else 1.0
        ok = kw["min_value"] - 1e-12 <= share <= kw["max_value"] + 1e-12
        return _result(rule, passed=ok, observed=plain(1 - share), expected=rule.expected(n), unexpected_count=nulls,
                       evaluated_rows=n, engine=ENGINE)
    if e == "ExpectColumnValuesToBeInTypeList":
        actual = m.types[col]
        return _result(rule, passed=arrow_checks.type_matches(actual, rule.params["arrow_type"]), observed=str(actual),
                       expected=rule.expected(), evaluated_rows=n, engine=ENGINE)
    # distributions: over the non-null values (means and deviations exactly; quantiles on the sample)
    values = n - m.nulls.get(col, 0)
    sampled = False
    if e == "ExpectColumnQuantileValuesToBeBetween" and sample is not None:
        sampled = m.sampled
        data = sample.column(col) if col in sample.column_names else pa.chunked_array([], pa.float64())
        values = len(data) - data.null_count
    if values < MIN_DISTRIBUTION_ROWS:
        return _result(rule, passed=True, skipped=True, observed=f"{values} values", expected=f"at least "
                       f"{MIN_DISTRIBUTION_ROWS} non-null values to test a distribution", evaluated_rows=values,
                       engine=ENGINE, sampled=sampled)
    kw = rule.gx_kwargs(values)
    observed: Any
    if e == "ExpectColumnMeanToBeBetween":
        observed = m.moments[col].mean
        ok = arrow_checks.within(observed, kw.get("min_value"), kw.get("max_value"), kw)
    elif e == "ExpectColumnStdevToBeBetween":
        mo = m.moments[col]
        observed = float(np.sqrt(mo.m2 / (mo.n - 1))) if mo.n > 1 else None
        ok = arrow_checks.within(observed, kw.get("min_value"), kw.get("max_value"), kw)
    elif e == "ExpectColumnKLDivergenceToBeLessThan":
        ok, observed = arrow_checks.kl_from_counts(m.counts[col], kw)
    else:  # quantiles
        assert sample is not None
        ok, observed, _, _ = arrow_checks.evaluate(rule, sample, values)
    return _result(rule, passed=bool(ok), observed=plain(observed), expected=rule.expected(values),
                   evaluated_rows=values, engine=ENGINE, sampled=sampled)
