"""Run the rules of one table with Great Expectations (1.x API) on a pandas frame or a pyarrow Table.

* One ephemeral GX context per process, created on first use (``import great_expectations`` costs
  seconds, so it happens lazily, once); one pandas data asset per table; one suite per table and call.
* Validation goes through ``batch.validate(suite)`` of the asset's whole-dataframe batch definition. A
  ``ValidationDefinition.run`` would also store every result in the context's in-memory store — results
  pile up in a long-running process, and storing fails outright on GX 1.24's quantile results (numpy bools
  are not JSON serialisable) — so it is not used.
* Distribution rules of a table above ``sample_rows`` rows run on a deterministic, stratified sample: one
  row drawn (by a keyed hash of the stratum number) from each of ``sample_rows`` equal slices of the table,
  so the same table always gives the same sample and drawing it costs nothing per unsampled row.
  Tolerances are resolved for the number of values actually checked.
* Key, uniqueness, null, value, range, format, order and row-count rules are never sampled.
* Above ``arrow_above_rows`` rows (``engine="auto"``) every derived rule is evaluated with pyarrow and
  NumPy (:mod:`~mock_pipelines.quality.arrow_checks`, the same statistics GX computes): GX's pandas engine
  needs the table as a DataFrame and its fixed cost per expectation dominates (2.6 s for a 1M-row,
  32-rule table against 0.3 s to generate it). User-written expectations always run through GX. The
  Data Docs show the pyarrow outcomes too (:mod:`~mock_pipelines.quality.data_docs`).
* Type rules always compare the Arrow type exactly; under GX they also check the pandas dtype.
"""

from __future__ import annotations

import difflib
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core import random as rnd
from mock_pipelines.quality import arrow_checks
from mock_pipelines.quality.results import RuleResult, plain
from mock_pipelines.quality.rules import Rule
from mock_pipelines.quality.stats import MIN_DISTRIBUTION_ROWS
from mock_pipelines.spec.errors import Issue, Location, SchemaError

SAMPLE_ROWS = 1_000_000  # distribution rules look at this many rows at most
ARROW_ABOVE_ROWS = 100_000  # engine="auto": derived rules run with pyarrow above this many rows
ENGINES = ("auto", "gx", "arrow")
EXAMPLES = arrow_checks.EXAMPLES
_SAMPLE_KEY = rnd.derive_key("mock_pipelines.quality", "sample")

_lock = threading.RLock()
_state: dict[str, Any] = {}


# ---- Great Expectations, lazily ------------------------------------------------------------------------

def _gx() -> tuple[Any, Any]:
    """(great_expectations, great_expectations.expectations), imported once; the expectation plugins are
    imported with it (core.plugins.PluginError naming one that fails, at every call until it loads)."""
    if "gx" not in _state:
        with _lock:
            if "gx" not in _state:
                import great_expectations as gx
                import great_expectations.expectations as gxe

                _plugin_classes(gxe)  # the plugins load with GX: one that fails is reported before any check
                _state["gxe"] = gxe
                _state["gx"] = gx
    return _state["gx"], _state["gxe"]


def _plugin_classes(gxe: Any) -> dict[str, type]:
    """The expectation classes the expectation plugins define (named ``Expect…``, defined in the plugin's
    module itself: what :func:`mock_pipelines.quality.expectations.plugin_expectation_modules` reads)."""
    from mock_pipelines.core.plugins import load_expectation_plugins

    found: dict[str, type] = {}
    for module in load_expectation_plugins():
        for name, obj in vars(module).items():
            if name.startswith("Expect") and isinstance(obj, type) and issubclass(obj, gxe.Expectation) \
                    and obj.__module__ == module.__name__:
                found.setdefault(name, obj)
    return found


def plugin_expectation_classes() -> dict[str, type]:
    """Expectation classes of the plugins (local plugins loaded after GX started included; each module is
    imported once, so asking again costs a look-up)."""
    _, gxe = _gx()
    with _lock:
        return _plugin_classes(gxe)


def gx_context() -> Any:
    """The process's ephemeral GX context (progress bars off)."""
    if "context" not in _state:
        with _lock:
            if "context" not in _state:
                gx, _ = _gx()
                from great_expectations.data_context.types.base import ProgressBarsConfig

                context = gx.get_context(mode="ephemeral")
                context.variables.progress_bars = ProgressBarsConfig(globally=False)
                _state["datasource"] = context.data_sources.add_pandas("mock_pipelines")
                _state["batches"] = {}
                _state["context"] = context
    return _state["context"]


def _batch_definition(asset_name: str) -> Any:
    gx_context()
    with _lock:
        batches = _state["batches"]
        if asset_name not in batches:
            asset = _state["datasource"].add_dataframe_asset(name=asset_name)
            batches[asset_name] = asset.add_batch_definition_whole_dataframe("whole_table")
        return batches[asset_name]


def expectation_class(name: str, location: Location | None = None) -> type:
    """The GX expectation class for a name as written in a schema (CamelCase or snake_case, with or
    without ``expect_``). Raises SchemaError naming the schema location and the closest GX name."""
    _, gxe = _gx()
    classes = {**plugin_expectation_classes(),
               **{n: getattr(gxe, n) for n in dir(gxe) if n.startswith("Expect") or n == "UnexpectedRowsExpectation"}}
    if name in classes:
        return classes[name]
    key = name.replace("_", "").lower()
    key = key if key.startswith("expect") else "expect" + key
    by_key = {n.lower(): c for n, c in classes.items()}
    if key in by_key:
        return by_key[key]
    close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
    hint = next((n for n in classes if n.lower() == close[0]), None) if close else None
    raise SchemaError([Issue(location or Location("<schema>"), f"unknown Great Expectations expectation {name!r}",
                             expected="a class of great_expectations.expectations, e.g. ExpectColumnValuesToBeBetween, "
                             "or of an expectation plugin",
                             suggestion=hint)])


def build_expectation(rule: Rule, kwargs: dict[str, Any]) -> Any:
    """The GX expectation object of a rule (its name in ``meta.rule``); SchemaError for bad user arguments."""
    cls = expectation_class(rule.expectation or "", rule.location)
    kwargs = dict(kwargs)
    default_column = rule.params.get("column_default")
    fields = getattr(cls, "model_fields", None) or getattr(cls, "__fields__", {})  # GX uses pydantic v1
    if default_column and "column" in fields and "column" not in kwargs:
        kwargs["column"] = default_column
    try:
        return cls(**kwargs, meta={"rule": rule.name})
    except Exception as exc:  # pydantic validation errors of user-written arguments
        first = str(exc).splitlines()
        message = "; ".join(line.strip() for line in first[:3])
        raise SchemaError([Issue(rule.location or Location("<schema>"), f"expectation {cls.__name__} of "
                                 f"{rule.table!r} has invalid arguments: {message}")]) from None


def check_user_expectations(rules: Iterable[Rule]) -> None:
    """Build every user-written expectation once, so a typo fails before any data is checked."""
    for rule in rules:
        if rule.params.get("user"):
            build_expectation(rule, rule.gx_kwargs())


# ---- frames and samples --------------------------------------------------------------------------------

def _pandas_column(col: pa.ChunkedArray) -> Any:
    """One Arrow column as the pandas Series GX handles fastest (its vectorised paths want numpy int64,
    float64 and datetime64[ns]); columns with nulls keep exact nullable dtypes (Int64, boolean)."""
    import pandas as pd

    t = col.type
    if pa.types.is_decimal(t):
        col = col.cast(pa.float64())
    elif pa.types.is_integer(t) and col.null_count:
        return col.to_pandas(types_mapper={t: pd.Int64Dtype()}.get)
    elif pa.types.is_boolean(t) and col.null_count:
        return col.to_pandas(types_mapper={t: pd.BooleanDtype()}.get)
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.to_pandas(types_mapper={t: pd.StringDtype("pyarrow")}.get)
    elif pa.types.is_date(t) or pa.types.is_timestamp(t):
        try:
            return col.to_pandas(date_as_object=False, coerce_temporal_nanoseconds=True)
        except (pa.ArrowInvalid, OverflowError, ValueError):  # beyond 1677–2262: keep µs
            return col.to_pandas(date_as_object=False)
    return col.to_pandas()


def to_frame(table: pa.Table, columns: Sequence[str] | None = None) -> Any:
    """A pandas frame for GX: dictionaries decoded, decimals as float64, int64/bool (Int64/boolean when
    the column has nulls), pyarrow-backed strings, dates and timestamps as datetime64[ns] — the dtypes
    :data:`~mock_pipelines.quality.rules.PANDAS_DTYPES` names."""
    import pandas as pd

    names = [c for c in (columns if columns is not None else table.column_names) if c in table.column_names]
    if not names:  # a frame with the right number of rows and no column GX needs
        return pd.DataFrame({"_row": pd.RangeIndex(table.num_rows)})
    return pd.DataFrame({name: _pandas_column(arrow_checks.plain_column(table, name)) for name in names})


def sample_rows(n: int, cap: int) -> np.ndarray | None:
    """The rows of a deterministic sample of ``cap`` of ``n`` rows, in order (None: keep every row).

    Stratified: stratum s covers rows ``[s·n/cap, (s+1)·n/cap)`` and contributes the row a keyed hash of s
    picks, so every row is equally likely, the sample is spread over the whole table (a table written in
    time order is sampled across its whole period) and the cost is O(cap), not O(n).
    """
    if n <= cap:
        return None
    strata = np.arange(cap, dtype=np.int64)
    lo = strata * n // cap
    size = (strata + 1) * n // cap - lo
    return lo + np.minimum((rnd.uniform(_SAMPLE_KEY, strata) * size).astype(np.int64), size - 1)


def sample_mask(n: int, cap: int) -> np.ndarray | None:
    """:func:`sample_rows` as a boolean mask over the ``n`` rows."""
    rows = sample_rows(n, cap)
    if rows is None:
        return None
    keep = np.zeros(n, dtype=bool)
    keep[rows] = True
    return keep


def _to_arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    return pa.Table.from_pandas(data, preserve_index=False)


# ---- running -------------------------------------------------------------------------------------------

@dataclass
class TableValidation:
    """The results of one call: one :class:`RuleResult` per rule, in rule order."""

    table: str
    rows: int
    results: list[RuleResult]
    sampled_rows: int | None = None  # rows in the distribution sample (None: no sampling)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: frame, gx, arrow, total
    gx_results: list[Any] = field(default_factory=list)  # raw ExpectationSuiteValidationResult objects
    # Rules evaluated with pyarrow and their results (Data Docs render them next to GX's own results).
    arrow_checked: list[tuple[Rule, RuleResult]] = field(default_factory=list)

    def __iter__(self) -> Iterator[RuleResult]:
        return iter(self.results)

    @property
    def passed(self) -> bool:
        """No failed error-severity rule."""
        return all(r.status != "fail" for r in self.results)

    def by_name(self) -> dict[str, RuleResult]:
        return {r.name: r for r in self.results}


def validate_table(data: Any, rules: Sequence[Rule], *, engine: str = "auto", sample_rows: int = SAMPLE_ROWS,
                   arrow_above_rows: int = ARROW_ABOVE_ROWS, table: str | None = None,
                   threads: int | None = None) -> TableValidation:
    """Evaluate ``rules`` (see :func:`~mock_pipelines.quality.rules.derive_rules`) on one table.

    ``data``: a pyarrow Table/RecordBatch or a pandas DataFrame (converted to Arrow once, so both give the
    same dtypes). ``engine``: ``gx`` runs every rule through Great Expectations, ``arrow`` evaluates every
    derived rule with pyarrow and NumPy (user-written expectations still use GX), ``auto`` picks ``arrow`` above
    ``arrow_above_rows`` rows. ``threads``: how many pyarrow rules may run at once (default: the usable
    cores, at most 4; 1 runs them one after the other). Cross-table rules are not evaluated here (see
    ``cross_table``).
    """
    return _validate(data, rules, engine=engine, sample_rows_cap=sample_rows, arrow_above_rows=arrow_above_rows,
                     table=table, threads=default_threads() if threads is None else threads)


def default_threads() -> int:
    """Usable cores (the process's CPU affinity where the OS tells it), at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _validate(data: Any, rules: Sequence[Rule], *, engine: str, sample_rows_cap: int, arrow_above_rows: int,
              table: str | None, threads: int) -> TableValidation:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    started = time.perf_counter()
    arrow = _to_arrow(data)
    name = table or (rules[0].table if rules else "table")
    n = arrow.num_rows
    use_arrow = engine == "arrow" or (engine == "auto" and n > arrow_above_rows)
    timings: dict[str, float] = {"frame": 0.0, "gx": 0.0, "arrow": 0.0}
    results: dict[str, RuleResult] = {}
    full_gx: list[Rule] = []
    sample_gx: list[Rule] = []
    sample_arrow: list[Rule] = []
    exact_arrow: list[Rule] = []
    for rule in rules:
        if rule.expectation is None:
            continue  # cross-table rules
        missing = [c for c in _rule_columns(rule) if c not in arrow.column_names]
        if missing:
            results[rule.name] = _result(rule, passed=False, observed=f"missing column {missing[0]!r}",
                                         expected=rule.expected(), evaluated_rows=n, engine="",
                                         error=f"column {missing[0]!r} is not in the data")
            continue
        if rule.kind == "distribution":
            evaluable = not rule.params.get("user") and rule.expectation in arrow_checks.EVALUATORS
            (sample_arrow if use_arrow and evaluable else sample_gx).append(rule)
        elif rule.kind in ("type", "constraint", "checksum") or rule.params.get("sibling_order") or (
                use_arrow and not rule.params.get("user") and rule.expectation in arrow_checks.EVALUATORS):
            exact_arrow.append(rule)
            if rule.kind == "type" and not use_arrow:
                full_gx.append(rule)  # also the pandas dtype under GX
        else:
            full_gx.append(rule)
    t0 = time.perf_counter()
    picked = sample_rows(n, sample_rows_cap) if sample_gx or sample_arrow else None
    sampled = _take(arrow, picked, sample_gx + sample_arrow) if picked is not None else arrow
    jobs = [(_run_arrow, rule, arrow) for rule in exact_arrow] + \
        [(_run_arrow_distribution, rule, sampled, picked is not None) for rule in sample_arrow]
    for rule, result in zip([j[1] for j in jobs], _run_all(jobs, threads), strict=True):
        results[rule.name] = result
    timings["arrow"] += time.perf_counter() - t0
    groups = [(full_gx, arrow, False), (sample_gx, sampled, True)] if picked is not None else \
        [(full_gx + sample_gx, arrow, False)]  # no sampling: one validation for everything
    gx_results = []
    for group, data_table, is_sample in groups:
        if not group:
            continue
        outcome, raw = _run_gx(name, group, data_table, is_sample, timings)
        if raw is not None:
            gx_results.append(raw)
        for rule_name, res in outcome.items():
            prior = results.get(rule_name)
            if prior is not None:  # a type rule: Arrow type and pandas dtype must both match
                res.passed = res.passed and prior.passed
                res.observed = f"{prior.observed} (pandas {res.observed})"
            results[rule_name] = res
    timings["total"] = time.perf_counter() - started
    ordered = [results[r.name] for r in rules if r.name in results]
    checked = [(r, results[r.name]) for r in rules if r.name in results and results[r.name].engine == "arrow"]
    return TableValidation(name, n, ordered, sampled.num_rows if picked is not None else None, timings, gx_results,
                           checked)


def _rule_columns(rule: Rule) -> list[str]:
    kw = rule.gx_kwargs()
    cols = list(rule.columns) + [kw[k] for k in ("column", "column_A", "column_B") if isinstance(kw.get(k), str)]
    cols += list(kw.get("column_list") or [])
    return list(dict.fromkeys(cols))


def _result(rule: Rule, **fields: Any) -> RuleResult:
    return RuleResult(name=rule.name, table=rule.table, kind=rule.kind, severity=rule.severity,
                      blocking=rule.blocking and rule.severity == "error", description=rule.description, **fields)


def _run_all(jobs: list[tuple[Any, ...]], threads: int) -> list[RuleResult]:
    """Run ``fn(*args)`` jobs, on ``threads`` threads when there are several: pyarrow kernels and NumPy
    release the GIL, so the rules of one table (a string hash here, a regex there) run side by side."""
    if threads <= 1 or len(jobs) <= 1:
        return [fn(*args) for fn, *args in jobs]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda job: job[0](*job[1:]), jobs))


def _take(table: pa.Table, rows: np.ndarray, rules: Sequence[Rule]) -> pa.Table:
    """The sampled rows of just the columns the sampled rules read."""
    columns = [c for c in dict.fromkeys(c for r in rules for c in _rule_columns(r)) if c in table.column_names]
    return table.select(columns).take(pa.array(rows)) if columns else pa.table({"_row": pa.array(rows)})


def _run_arrow_distribution(rule: Rule, table: pa.Table, sampled: bool) -> RuleResult:
    n = _checked_values(rule, table)
    if n < MIN_DISTRIBUTION_ROWS:
        return _result(rule, passed=True, skipped=True, observed=f"{n} values", expected=f"at least "
                       f"{MIN_DISTRIBUTION_ROWS} non-null values to test a distribution", evaluated_rows=n,
                       engine="arrow", sampled=sampled)
    passed, observed, _, _ = arrow_checks.evaluate(rule, table, n)
    return _result(rule, passed=bool(passed), observed=plain(observed), expected=rule.expected(n),
                   evaluated_rows=n, engine="arrow", sampled=sampled)


def _run_arrow(rule: Rule, table: pa.Table) -> RuleResult:
    n = table.num_rows if rule.band is not None else None
    passed, observed, unexpected, examples = arrow_checks.evaluate(rule, table, n)
    return _result(rule, passed=bool(passed), observed=plain(observed), expected=rule.expected(n),
                   unexpected_count=unexpected, examples=examples, evaluated_rows=table.num_rows, engine="arrow")


def _checked_values(rule: Rule, table: pa.Table) -> int:
    """How many values a statistical rule looks at: non-null values of its column, or all rows."""
    if rule.kind == "distribution" and rule.column in table.column_names:
        col = table.column(rule.column)
        return len(col) - col.null_count
    return table.num_rows


def _run_gx(name: str, rules: list[Rule], table: pa.Table, sampled: bool,
            timings: dict[str, float]) -> tuple[dict[str, RuleResult], Any]:
    gx, _ = _gx()
    out: dict[str, RuleResult] = {}
    runnable: list[tuple[Rule, int]] = []
    expectations = []
    for rule in rules:
        n = _checked_values(rule, table)
        if rule.kind == "distribution" and n < MIN_DISTRIBUTION_ROWS:
            out[rule.name] = _result(rule, passed=True, skipped=True, observed=f"{n} values",
                                     expected=f"at least {MIN_DISTRIBUTION_ROWS} non-null values to test a "
                                     "distribution", evaluated_rows=n, engine="gx", sampled=sampled)
            continue
        expectations.append(build_expectation(rule, rule.gx_kwargs(n)))
        runnable.append((rule, n))
    if not runnable:
        return out, None
    t0 = time.perf_counter()
    columns = sorted({c for rule, _ in runnable for c in _rule_columns(rule)})
    frame = to_frame(table, columns)
    timings["frame"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    suite = gx.ExpectationSuite(name=f"{name}{'__sample' if sampled else ''}", expectations=expectations)
    batch = _batch_definition(name).get_batch(batch_parameters={"dataframe": frame})
    raw = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20})
    timings["gx"] += time.perf_counter() - t0
    by_rule = {r.expectation_config.meta.get("rule"): r for r in raw.results}
    for rule, n in runnable:
        res = by_rule.get(rule.name)
        out[rule.name] = _from_gx(rule, res, n, table.num_rows, sampled)
    return out, raw


def _from_gx(rule: Rule, res: Any, n: int, rows: int, sampled: bool) -> RuleResult:
    if res is None:
        return _result(rule, passed=False, error="no result from Great Expectations", engine="gx")
    info = res.exception_info or {}
    if info.get("raised_exception"):
        message = str(info.get("exception_message") or "evaluation failed").splitlines()[0]
        return _result(rule, passed=False, observed=f"error: {message}", expected=rule.expected(n),
                       evaluated_rows=rows, engine="gx", sampled=sampled, error=message)
    r = res.result or {}
    unexpected = r.get("unexpected_count")
    examples: list[Any] = []
    if "observed_value" in r:
        observed = plain(r["observed_value"])
        if rule.expectation == "ExpectColumnProportionOfNonNullValuesToBeBetween" and observed is not None:
            observed = 1 - observed  # report the null share, as the rule is written
    else:
        element_count = r.get("element_count", rows)
        observed = f"{(unexpected or 0):,} of {element_count:,} rows"
        if rule.expectation == "ExpectColumnValuesToNotBeNull":
            examples = [f"row {i}" for i in (r.get("partial_unexpected_index_list") or [])[:EXAMPLES]]
        else:
            for v in r.get("partial_unexpected_list") or []:
                v = plain(v)
                if v not in examples:
                    examples.append(v)
                if len(examples) == EXAMPLES:
                    break
    return _result(rule, passed=bool(res.success), observed=observed, expected=rule.expected(n),
                   unexpected_count=unexpected, examples=examples, evaluated_rows=n if rule.band else rows,
                   engine="gx", sampled=sampled)
