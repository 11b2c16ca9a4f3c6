"""Check rules derived from a table's schema: what the generated data must satisfy, and why.

Every rule has a stable, snake-case name that is unique within its table and is a valid Dagster check
name. The names (``col`` is a column name):

=============================  ===========  ==========================================================
name                           kind         what it checks
=============================  ===========  ==========================================================
``row_count``                  row_count    rows = the declared count (fixed tables), or within the band
                                            a children-per-parent count implies for the parents present
``pk_unique``                  key          the primary key (one or several columns) never repeats
``not_null__col``              nulls        no nulls in a column that cannot be null
``null_rate__col``             nulls        null share within sampling noise of the declared null_rate
``unique__col``                uniqueness   a column declared ``unique`` (other than the key) never repeats
``unique_within__col``         uniqueness   (fk, col) never repeats for a column declared ``unique_within: fk``
``type__col``                  type         the column's Arrow type (and its pandas dtype under GX)
``values_in_set__col``         values       ``choice``/``constant`` values are among the declared ones
``between__col``               range        values within the generator's bounds (min/max, start/end, …)
``regex__col``                 regex        values written in the generator's format (e-mail, pattern, …)
``max_length__col``            length       string values of at most the column's ``max_length`` characters
``checksum__col``              checksum     the check digits of every value recomputed with the generator's
                                            scheme (Luhn, IBAN mod 97, Steuer-ID, NIF letter, …)
``after__col``                 temporal     col ≥ the column named by its ``after:`` (same row);
                                            ``after__col__ref`` for each of several
``before__col``                temporal     col ≤ the column named by its ``before:`` (same row);
                                            ``before__col__ref`` for each of several
``time_in_partition__col``     range        a partitioned table's time column lies in the partition window
``kl_divergence__col``         distribution category shares match the declared ``choice`` weights
``mean__col``                  distribution mean of a numeric generator within its standard error band
``stdev__col``                 distribution standard deviation within its standard error band
``quantiles__col``             distribution 5/25/50/75/95 % quantiles within distribution-free bands
``check__<name>``               constraint   a condition of the table's ``checks:`` holds on every row (a
                                            row where it is null passes, as a SQL CHECK does)
``user__<expectation>[__col]`` custom       an expectation written in the schema (``expectations:`` /
                                            ``expect:``); or the ``name:`` given there
=============================  ===========  ==========================================================

Cross-table rules (:mod:`mock_pipelines.quality.cross_table`) add ``fk__col[__col2]``,
``children_per_parent``, ``children_per_parent_mean``, ``after_parent__col``, ``time_after_parent__fk`` and
``parent_sum__col``. The change outputs of a table with ``changes:`` (its change log, snapshot and SCD2 history)
are checked by :mod:`mock_pipelines.quality.change_checks`: ``change_log__*``, ``history__*`` and
``snapshot__*``, of kind ``changes``.

Severity: exact rules (keys, references, nulls, types, value sets, ranges, formats, orders, sums, a fixed row
count) default to ``error``, statistical rules (distribution, null_rate, a row-count band) to ``warn``, user
expectations to the ``severity:`` they declare. A profile's ``checks:`` section changes them
(:mod:`mock_pipelines.quality.severity`, the one resolver); a rule in force at ``error`` is *blocking*: its
failure fails the run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from mock_pipelines.core import checksums, facts, registry
from mock_pipelines.core.child_counts import count_bounds, count_weights
from mock_pipelines.core.column_facts import column_facts, count_column_range, reads_nullable, written_values
from mock_pipelines.core.engine import DatasetPlan, arrow_type
from mock_pipelines.core.expressions import parse_expression
from mock_pipelines.core.generators.datetime import to_micros
from mock_pipelines.core.row_checks import to_sql
from mock_pipelines.quality import stats
from mock_pipelines.quality.severity import SeverityPolicy
from mock_pipelines.spec.errors import Location
from mock_pipelines.spec.model import (
    COUNT_EXPRESSION,
    ColumnSpec,
    DatasetSpec,
    ExpectationSpec,
    RowCount,
    TableSpec,
)
from mock_pipelines.spec.types import NUMERIC_TYPES, LogicalType

KINDS = ("key", "fk", "uniqueness", "nulls", "type", "values", "range", "regex", "length", "checksum",
         "distribution", "row_count", "temporal", "total", "constraint", "custom", "changes")
CHECK_EXPECTATION = "UnexpectedRowsExpectation"  # the GX class a `checks:` rule is shown as (in SQL terms)
# Check digits have no Great Expectations class: the rule is evaluated by pyarrow (arrow_checks) only, with
# this name in the GX style.
CHECKSUM_EXPECTATION = "ExpectColumnValuesToHaveValidCheckDigits"

ROW_COUNT = "row_count"
PK_UNIQUE = "pk_unique"

# pandas dtypes a column has after :func:`mock_pipelines.quality.gx_runner.to_frame` (GX type names).
PANDAS_DTYPES: dict[LogicalType, list[str]] = {
    LogicalType.INT: ["int64", "Int64Dtype"], LogicalType.FLOAT: ["float64"], LogicalType.DECIMAL: ["float64"],
    LogicalType.BOOL: ["bool", "BooleanDtype"], LogicalType.STRING: ["StringDtype"],
    LogicalType.UUID: ["StringDtype"], LogicalType.JSON: ["StringDtype"],
    LogicalType.DATE: ["datetime64[ns]", "datetime64[us]"], LogicalType.TIMESTAMP: ["datetime64[ns]", "datetime64[us]"],
}
_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@dataclass
class Rule:
    """One check on one table. ``expectation``/``kwargs`` name the Great Expectations expectation that
    implements it (None for cross-table rules, which :mod:`cross_table` evaluates with pyarrow)."""

    name: str
    table: str
    kind: str
    description: str
    severity: str = "error"  # error | warn: the severity in force once resolved (quality.severity)
    blocking: bool = False  # a failure fails the run: true exactly when the severity in force is error
    columns: tuple[str, ...] = ()
    expectation: str | None = None  # GX class name, e.g. "ExpectColumnValuesToNotBeNull"
    kwargs: dict[str, Any] = field(default_factory=dict)  # resolved at the declared row count
    band: stats.Band | None = None  # sample-size dependent kwargs, resolved again when the rule runs
    sampled: bool = False  # may run on a deterministic sample of a very large table
    params: dict[str, Any] = field(default_factory=dict)  # what the pyarrow evaluators need beyond kwargs
    location: Location | None = None
    n: int | None = None  # the declared number of checked values that ``kwargs`` were resolved for

    @property
    def column(self) -> str | None:
        return self.columns[0] if self.columns else None

    def gx_kwargs(self, n: int | None = None) -> dict[str, Any]:
        """Expectation arguments for ``n`` checked values (the declared size when n is None)."""
        if self.band is not None and n is not None:
            return self.band.kwargs(n)
        return dict(self.kwargs)

    def expected(self, n: int | None = None) -> str:
        """What the rule expects, in words (for ``n`` checked values; the declared size when None)."""
        n = self.n if n is None else n
        if self.band is not None and n is not None:
            return self.band.expected(n)
        return self.params.get("expected") or describe_kwargs(self.expectation, self.gx_kwargs(n))


@dataclass(frozen=True)
class RowExpectation:
    """How many rows a table (or one partition of it) should have: exactly ``exact``, or the children of
    ``parents`` parent rows for a ``rows: {per: …}`` table."""

    exact: int | None = None
    parents: int | None = None


def expected_rows(plan: DatasetPlan, table: str, window: tuple[Any, Any] | None = None) -> RowExpectation:
    """The row expectation of a table of a :class:`~mock_pipelines.core.engine.DatasetPlan` (or of the
    partition window ``(start, end)`` of a partitioned run)."""
    tp = plan.table(table)
    if tp.is_partitioned:
        if window is None:
            raise ValueError(f"{table!r} is partitioned in this run: give the partition window")
        start, end = to_micros(window[0]), to_micros(window[1])
        if tp.layout is not None:
            parent = plan.table(tp.spec.rows.per)
            lo, hi = parent.row_range(start, end)
            return RowExpectation(parents=hi - lo)
        lo, hi = tp.row_range(start, end)
        return RowExpectation(exact=hi - lo)
    if tp.layout is not None:
        return RowExpectation(parents=plan.table(tp.spec.rows.per).n_rows)
    return RowExpectation(exact=tp.n_rows)


# ---- derivation ---------------------------------------------------------------------------------------

def derive_rules(spec: DatasetSpec, table: str, rows: RowExpectation | int | None = None, *,
                 locale: str | None = None, partitioned: bool = False,
                 window: tuple[Any, Any] | None = None,
                 severity: SeverityPolicy | Mapping[str, str] | Any | None = None,
                 z: float = stats.SAFE_Z) -> list[Rule]:
    """The single-table rules of ``table``, in a stable order.

    ``rows``: the expected row count (an int, or a :class:`RowExpectation`; see :func:`expected_rows`);
    None uses the schema's fixed ``rows:`` and skips the count for children-per-parent tables.
    ``partitioned``: the data comes from a time-partitioned run, where a partitioned table's time column
    holds creation times (inside ``window``, the partition's ``(start, end)``) instead of its generator's.
    ``severity``: a profile's ``Checks`` (or a :class:`~mock_pipelines.quality.severity.SeverityPolicy`, or
    a mapping of overrides) deciding the severity in force; None keeps the defaults. ``z``: the safety factor of every
    statistical tolerance.
    """
    t = spec.tables[table]
    derive = _Deriver(spec, t, locale or spec.locale, partitioned, window, z)
    derive.row_count(rows if isinstance(rows, RowExpectation) else RowExpectation(exact=rows)
                     if rows is not None else RowExpectation(exact=t.rows.fixed if t.rows.per is None else None))
    derive.primary_key()
    for col in t.columns.values():
        derive.column(col)
    derive.table_checks()
    derive.user_expectations()
    # Helper columns (`emit: false`) are not in the data: no rule may read one.
    rules = [r for r in derive.rules if not set(r.columns) & set(t.helpers)]
    return SeverityPolicy.of(severity).apply(rules)


class _Deriver:
    def __init__(self, spec: DatasetSpec, table: TableSpec, locale: str, partitioned: bool,
                 window: tuple[Any, Any] | None, z: float):
        self.spec = spec
        self.t = table
        self.locale = locale
        self.time_column = table.partitioned.time_column if partitioned and table.partitioned else None
        self.window = window
        self.z = z
        self.rules: list[Rule] = []
        self._n: int | None = None

    def add(self, name: str, kind: str, description: str, *, columns: tuple[str, ...] = (),
            expectation: str | None = None, kwargs: dict[str, Any] | None = None, band: stats.Band | None = None,
            n: int | None = None, severity: str | None = None, **params: Any) -> None:
        if band is not None and n is not None:
            kwargs = band.kwargs(n)
        statistical = kind == "distribution" or band is not None
        self.rules.append(Rule(
            name=name, table=self.t.name, kind=kind, description=description,
            severity=severity or ("warn" if statistical else "error"),
            columns=columns, expectation=expectation, kwargs=kwargs or {}, band=band,
            sampled=kind == "distribution", params=params, n=n if band is not None else None,
            location=self.t.columns[columns[0]].location if columns and columns[0] in self.t.columns
            else self.t.location))

    @property
    def n(self) -> int | None:
        """The declared row count, for resolving statistical bands when the rules are printed."""
        return self._n

    # -- table level --
    def row_count(self, rows: RowExpectation) -> None:
        self._n = rows.exact
        t = self.t
        if rows.exact is not None:
            self.add(ROW_COUNT, "row_count", f"{t.name} has exactly {rows.exact:,} rows"
                     + (f" (rows: {t.rows.fixed:,} × scale)" if t.rows.fixed is not None and t.rows.scaled
                        else f" (rows: {{fixed: {t.rows.fixed:,}}})" if t.rows.fixed is not None else "") + ".",
                     expectation="ExpectTableRowCountToEqual", kwargs={"value": rows.exact})
            return
        if rows.parents is None or t.rows.per is None:
            return
        count = count_distribution(t.rows)
        if count is None:
            self.row_count_bounds(rows.parents)
            return
        model, lo, hi = count
        p = rows.parents
        band_lo, band_hi = stats.clt_band(model.mean, model.sd, p, self.z)
        low = max(math.ceil(band_lo), p * lo)
        high = math.floor(band_hi) if hi is None else min(math.floor(band_hi), p * hi)
        self._n = round(model.mean * p)
        exact = low == high
        self.add(ROW_COUNT, "row_count",
                 f"{t.name} has {t.rows.count} rows per {t.rows.per} row"
                 + (f" (at least {lo}" + (f", at most {hi})" if hi is not None else ")") if lo or hi else "")
                 + f": for {p:,} {t.rows.per} rows, {low:,}–{high:,} rows in all (mean {model.mean:.4g} per "
                 f"parent ± {self.z:g} standard errors).",
                 expectation="ExpectTableRowCountToEqual" if exact else "ExpectTableRowCountToBeBetween",
                 kwargs={"value": low} if exact else {"min_value": low, "max_value": high},
                 severity="error" if exact else "warn")

    def row_count_bounds(self, p: int) -> None:
        """A count with no single distribution (a count expression): only the hard bounds of its branches."""
        t = self.t
        if t.rows.count is None or t.rows.count.name != COUNT_EXPRESSION:
            return
        parent = self.spec.tables.get(t.rows.per or "")
        lo, hi = count_bounds(t.rows, count_column_range(self.spec, parent) if parent is not None else None)
        self.add(ROW_COUNT, "row_count", f"{t.name} has {t.rows.count} rows per {t.rows.per} row: for {p:,} "
                 f"{t.rows.per} rows, at least {p * lo:,}" + (f" and at most {p * hi:,}" if hi is not None else "")
                 + " rows in all.", expectation="ExpectTableRowCountToBeBetween",
                 kwargs={"min_value": p * lo, "max_value": None if hi is None else p * hi})

    def primary_key(self) -> None:
        pk = self.t.primary_key
        if not pk:
            return
        if len(pk) == 1:
            self.add(PK_UNIQUE, "key", f"{pk[0]} is the primary key of {self.t.name}: no value may repeat.",
                     columns=(pk[0],), expectation="ExpectColumnValuesToBeUnique", kwargs={"column": pk[0]})
        else:
            self.add(PK_UNIQUE, "key", f"({', '.join(pk)}) is the primary key of {self.t.name}: no combination "
                     "may repeat.", columns=tuple(pk), expectation="ExpectCompoundColumnsToBeUnique",
                     kwargs={"column_list": list(pk)})

    def table_checks(self) -> None:
        """One blocking rule per condition of the table's ``checks:`` (also a SQL CHECK constraint)."""
        quote = lambda name: '"' + name + '"'  # noqa: E731  # PostgreSQL's quoting, for the rule's SQL text
        for check in self.t.checks:
            refs = tuple(r for r in parse_expression(check.expr).references if "." not in r)
            query = f"SELECT * FROM {{batch}} WHERE NOT {to_sql(check.expr, 'postgresql', quote)}"
            self.rules.append(Rule(
                name=f"check__{check.name}", table=self.t.name, kind="constraint", severity="error",
                description=f"Every row satisfies the check `{check.expr}` declared in the schema ({check.location}); "
                "it is also a CHECK constraint of the table in SQL databases.",
                columns=refs, expectation=CHECK_EXPECTATION, kwargs={"unexpected_rows_query": query},
                location=check.location, params={"check": check.expr, "expected": f"no row where `{check.expr}` "
                                                 "is false"}))

    def user_expectations(self) -> None:
        specs = list(self.t.expectations) + [e for c in self.t.columns.values() for e in c.expectations]
        taken = {r.name for r in self.rules}
        for exp in specs:
            name = exp.name or user_rule_name(exp)
            base, i = name, 2
            while name in taken:
                name, i = f"{base}_{i}", i + 1
            taken.add(name)
            kwargs = dict(exp.kwargs)
            columns: tuple[str, ...] = (exp.column,) if exp.column else tuple(
                c for k in ("column", "column_A", "column_B") if isinstance(c := kwargs.get(k), str))
            self.rules.append(Rule(
                name=name, table=self.t.name, kind="custom", severity=exp.severity or "error", blocking=False,
                description=exp.description or f"{exp.type} declared in the schema ({exp.location}).",
                columns=columns, expectation=exp.type, kwargs=kwargs, location=exp.location,
                params={"user": True, "column_default": exp.column}))

    # -- column level --
    def sibling_order(self, col: ColumnSpec) -> None:
        """``sibling_order__col``: a ``sibling_timestamp`` column increases strictly from sibling to sibling.
        Siblings are consecutive rows (the child layout), ordered by their position column when the table has
        one (``child_index``), so rows read back in another order (a database's key order) are checked too."""
        t, name = self.t, col.name
        fk = t.grouping_fk
        if fk is None or name == self.time_column or (t.partitioned is not None
                                                      and t.partitioned.rows_per_day is not None):
            return
        position = next((c.name for c in t.columns.values() if c.generator
                         and registry.get(c.generator).name == "child_index"), None)
        quote = lambda n: '"' + n + '"'  # noqa: E731  # PostgreSQL's quoting, for the rule's SQL text
        keys = ", ".join(map(quote, fk.columns))
        order = f" ORDER BY {quote(position)}" if position else ""
        query = (f"SELECT * FROM (SELECT *, LAG({quote(name)}) OVER (PARTITION BY {keys}{order}) AS previous_sibling "
                 f"FROM {{batch}}) AS siblings WHERE {quote(name)} <= previous_sibling")
        by = f"by {position}" if position else "in the order the rows are laid out"
        self.add(f"sibling_order__{name}", "temporal", f"{name} (sibling_timestamp) comes strictly after the {name} "
                 f"of the previous {t.name} row of the same {fk.table} row (siblings {by}).",
                 columns=(name, *fk.columns, *([position] if position else [])), expectation=CHECK_EXPECTATION,
                 kwargs={"unexpected_rows_query": query}, sibling_order=name, parent_key=list(fk.columns),
                 position=position, expected=f"each {name} after its previous sibling's")

    def column(self, col: ColumnSpec) -> None:
        t, name = self.t, col.name
        is_time = name == self.time_column
        gen = registry.get(col.generator) if col.generator else None
        if gen is not None and gen.name == "sibling_timestamp":
            self.sibling_order(col)
        params = col.params if gen is not None else {}
        known = column_facts(self.spec, t, col, self.locale, partitioned=self.time_column is not None)
        nullable = known.nullable
        fk = t.fk_for_column(name)
        null_rate = max(col.null_rate, fk.null_rate if fk is not None else 0.0)
        if not nullable:
            self.add(f"not_null__{name}", "nulls", f"{name} is never null: no null_rate is declared and nothing it "
                     "is computed from can be null.", columns=(name,),
                     expectation="ExpectColumnValuesToNotBeNull", kwargs={"column": name})
        elif 0 < null_rate < 1 and not reads_nullable(self.spec, t, col):
            self.add(f"null_rate__{name}", "nulls", f"About {null_rate:.4g} of {name} is null (declared "
                     f"null_rate); the share may differ from it by sampling noise only ({self.z:g} binomial "
                     "standard errors).", columns=(name,), expectation="ExpectColumnProportionOfNonNullValuesToBeBetween",
                     band=stats.NullShareBand(name, null_rate, self.z), n=self.n)
        if col.unique and [name] != t.primary_key:
            self.add(f"unique__{name}", "uniqueness", f"{name} is declared unique: no value may repeat.",
                     columns=(name,), expectation="ExpectColumnValuesToBeUnique", kwargs={"column": name})
        within = t.fk_for_column(col.unique_within) if col.unique_within else None
        if within is not None and not col.unique and set(t.primary_key) != {*within.columns, name}:
            key = [*within.columns, name]
            self.add(f"unique_within__{name}", "uniqueness", f"{name} is declared unique within its "
                     f"{within.table} ({', '.join(within.columns)}): no value repeats among the rows of one parent.",
                     columns=tuple(key), expectation="ExpectCompoundColumnsToBeUnique", kwargs={"column_list": key})
        self.type_rule(col)
        if col.max_length is not None:
            self.add(f"max_length__{name}", "length", f"{name} is cut to at most {col.max_length} characters "
                     "(declared max_length; VARCHAR in SQL).", columns=(name,),
                     expectation="ExpectColumnValueLengthsToBeBetween",
                     kwargs={"column": name, "max_value": col.max_length})
        if is_time:
            self.partition_window(col)
            return
        if gen is None:
            return
        self.values(col, known.values)
        if known.has_range:
            self.range(col, gen.name, known.lo, known.hi)
        if known.regex:
            self.add(f"regex__{name}", "regex", f"{name} is written in the format of {gen.name}: {known.regex}",
                     columns=(name,), expectation="ExpectColumnValuesToMatchRegex",
                     kwargs={"column": name, "regex": known.regex})
        if known.checksum:
            scheme = checksums.get(known.checksum)
            self.add(f"checksum__{name}", "checksum", f"{name} carries the check digits of {gen.name}: "
                     f"{scheme.title}, recomputed on every value.", columns=(name,),
                     expectation=CHECKSUM_EXPECTATION, kwargs={"column": name, "checksum": scheme.name},
                     expected=f"valid {scheme.title} check digits")
        self.after(col, gen.name, params)
        if not col.unique:
            self.distribution(col, gen, params)

    def type_rule(self, col: ColumnSpec) -> None:
        target = arrow_type(col.type)
        if target is None or col.type.name not in PANDAS_DTYPES:
            return
        self.add(f"type__{col.name}", "type", f"{col.name} holds {col.type} values (Arrow {target}"
                 + (" or dictionary-encoded strings" if pa.types.is_string(target) else "") + ").",
                 columns=(col.name,), expectation="ExpectColumnValuesToBeInTypeList",
                 kwargs={"column": col.name, "type_list": list(PANDAS_DTYPES[col.type.name])},
                 arrow_type=str(target))

    def partition_window(self, col: ColumnSpec) -> None:
        if self.window is None:
            return
        start = _as_datetime(self.window[0])
        end = _as_datetime(self.window[1])
        self.add(f"time_in_partition__{col.name}", "range", f"{col.name} is the creation time of each row of "
                 f"this partition: within [{start.isoformat()}, {end.isoformat()}).", columns=(col.name,),
                 expectation="ExpectColumnValuesToBeBetween",
                 kwargs={"column": col.name, "min_value": start, "max_value": end, "strict_max": True})

    def values(self, col: ColumnSpec, written: list[Any] | None) -> None:
        if written is None:
            return
        shown = ", ".join(map(str, written[:12])) + (", …" if len(written) > 12 else "")
        self.add(f"values_in_set__{col.name}", "values", f"{col.name} takes only the declared values: {shown}.",
                 columns=(col.name,), expectation="ExpectColumnValuesToBeInSet",
                 kwargs={"column": col.name, "value_set": list(dict.fromkeys(written))})

    def range(self, col: ColumnSpec, gen: str, lo: Any, hi: Any) -> None:
        name = col.name
        what = " and ".join(x for x in (f"≥ {_show(lo)}" if lo is not None else "",
                                         f"≤ {_show(hi)}" if hi is not None else "") if x)
        self.add(f"between__{name}", "range", f"{name} comes from {gen}: every value is {what}.",
                 columns=(name,), expectation="ExpectColumnValuesToBeBetween",
                 kwargs={"column": name, "min_value": lo, "max_value": hi})

    def after(self, col: ColumnSpec, gen: str, params: Mapping[str, Any]) -> None:
        if gen not in ("date", "timestamp"):
            return
        for word in ("after", "before"):
            given = params.get(word)
            refs = [given] if isinstance(given, str) else list(given or [])
            for ref in refs:
                if "." in ref or ref not in self.t.columns:
                    continue  # through a foreign key: a cross-table rule
                later, earlier = (col, self.t.columns[ref]) if word == "after" else (self.t.columns[ref], col)
                if not (later.type.name == earlier.type.name or (later.type.name is LogicalType.TIMESTAMP
                                                                 and earlier.type.name is LogicalType.DATE)):
                    continue  # a date after a timestamp is compared by day; not expressible as a column pair
                name = f"{word}__{col.name}" + (f"__{ref}" if len(refs) > 1 else "")
                if word == "after":
                    self.add(name, "temporal", f"{col.name} is generated after {ref} of the same row (a delay of "
                             f"{params.get('min_delay_days', 0)} to {params.get('max_delay_days')} days), never "
                             "before it.", columns=(col.name, ref),
                             expectation="ExpectColumnPairValuesAToBeGreaterThanB",
                             kwargs={"column_A": col.name, "column_B": ref, "or_equal": True,
                                     "ignore_row_if": "either_value_is_missing"})
                else:
                    self.add(name, "temporal", f"{col.name} is generated before {ref} of the same row, never "
                             "after it.", columns=(col.name, ref),
                             expectation="ExpectColumnPairValuesAToBeGreaterThanB",
                             kwargs={"column_A": ref, "column_B": col.name, "or_equal": True,
                                     "ignore_row_if": "either_value_is_missing"})

    def distribution(self, col: ColumnSpec, gen: registry.Generator, params: Mapping[str, Any]) -> None:
        name = col.name
        if self.n is not None and self.n < stats.MIN_DISTRIBUTION_ROWS:
            return
        n = None if self.n is None else max(1, round(self.n * (1 - col.null_rate)))
        assert gen.facts is not None
        value_set = gen.facts.value_set(params)
        if value_set is not None:
            weights = list(value_set.weights)
            written = written_values(list(value_set.values), col)
            if written is None:
                return
            merged: dict[Any, float] = {}
            for v, w in zip(written, weights, strict=True):
                merged[v] = merged.get(v, 0.0) + w
            merged = {v: w for v, w in merged.items() if w > 0}
            total = sum(merged.values())
            if len(merged) < 2 or total <= 0:
                return
            band = stats.KlBand(name, tuple(merged), tuple(w / total for w in merged.values()), self.z)
            self.add(f"kl_divergence__{name}", "distribution", f"The shares of the values of {name} follow the "
                     "declared choice weights up to sampling noise (KL divergence below the χ² bound at "
                     f"z={self.z:g}).", columns=(name,), expectation="ExpectColumnKLDivergenceToBeLessThan",
                     band=band, n=n)
            return
        if col.type.name not in NUMERIC_TYPES:
            return
        model = column_model(col, gen.facts.value_model(params), params)
        if model is None or model.sd <= 0:
            return
        what = f"{name} follows {model.label}"
        self.add(f"mean__{name}", "distribution", f"{what}: its mean is {model.mean:.6g} up to sampling noise "
                 f"({self.z:g} standard errors).", columns=(name,), expectation="ExpectColumnMeanToBeBetween",
                 band=stats.MeanBand(name, model, self.z), n=n)
        self.add(f"stdev__{name}", "distribution", f"{what}: its standard deviation is {model.sd:.6g} up to "
                 "sampling noise.", columns=(name,), expectation="ExpectColumnStdevToBeBetween",
                 band=stats.StdevBand(name, model, self.z), n=n)
        self.add(f"quantiles__{name}", "distribution", f"{what}: its 5/25/50/75/95 % quantiles sit where the "
                 "declared distribution puts them, up to sampling noise.", columns=(name,),
                 expectation="ExpectColumnQuantileValuesToBeBetween", band=stats.QuantileBand(name, model, z=self.z),
                 n=n)


# ---- helpers --------------------------------------------------------------------------------------------

def user_rule_name(exp: ExpectationSpec) -> str:
    snake = exp.type if "_" in exp.type or exp.type.islower() else _SNAKE.sub("_", exp.type).lower()
    snake = snake.removeprefix("expect_")
    return f"user__{snake}" + (f"__{exp.column}" if exp.column else "")


def _unit(col: ColumnSpec, params: Mapping[str, Any]) -> float:
    unit = 0.0
    if params.get("round") is not None:
        unit += 10.0 ** -int(params["round"])
    if col.type.name is LogicalType.INT:
        unit += 1.0
    elif col.type.name is LogicalType.DECIMAL:
        unit += 10.0 ** -(col.type.scale or 0)
    return unit


def column_model(col: ColumnSpec, declared: facts.ValueModel | None, p: Mapping[str, Any]) -> stats.Model | None:
    """The testable model of a numeric generator column's declared distribution (None when it has none)."""
    if isinstance(declared, facts.Normal):
        return stats.normal(declared.mean, declared.std, declared.lo, declared.hi, _unit(col, p))
    if isinstance(declared, facts.LogNormal):
        return stats.lognormal(declared.mu, declared.sigma, declared.lo, declared.hi, _unit(col, p))
    if isinstance(declared, facts.Exponential):
        return stats.exponential(declared.scale, declared.lo, declared.hi, _unit(col, p))
    if isinstance(declared, facts.Uniform) and declared.exact:
        return stats.uniform(declared.lo, declared.hi, _unit(col, p))
    if isinstance(declared, facts.UniformInt):
        return stats.uniform_int(declared.lo, declared.hi) if declared.hi > declared.lo else None
    if isinstance(declared, facts.Poisson):
        label = declared.label or f"poisson({declared.lam:g})"
        return stats.discrete(label, declared.shift, declared.pmf(), declared.lo, declared.hi)
    if isinstance(declared, facts.Zipf) and declared.n <= 2_000_000:
        return stats.discrete(f"zipf(s={declared.s:g}, n={declared.n})", declared.start,
                              facts.zipf_weights(declared.s, declared.n))
    return None


def count_distribution(rows: RowCount) -> tuple[stats.Model, int, int | None] | None:
    """(model of children per parent, hard minimum, hard maximum or None) of a ``rows: {per: …}`` table
    (see :mod:`mock_pipelines.core.child_counts`)."""
    weights = count_weights(rows)
    if weights is None:
        return None
    start, pmf = weights
    lo, hi = count_bounds(rows)
    return stats.discrete(str(rows.count), start, pmf, rows.min, rows.max), lo, hi


def _as_datetime(value: Any) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=to_micros(value))


def _show(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def describe_kwargs(expectation: str | None, kw: Mapping[str, Any]) -> str:
    """What an expectation expects, in words."""
    e = expectation or ""
    if e == "ExpectTableRowCountToEqual":
        return f"{kw.get('value'):,} rows"
    if e == "ExpectTableRowCountToBeBetween":
        return f"{kw.get('min_value'):,} to {kw.get('max_value'):,} rows"
    if e == "ExpectColumnValuesToNotBeNull":
        return "no nulls"
    if e in ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"):
        return "no repeated values"
    if e == "ExpectColumnValuesToBeInTypeList":
        return "pandas dtype in " + ", ".join(kw.get("type_list") or [])
    if e == "ExpectColumnValuesToBeInSet":
        vals = list(kw.get("value_set") or [])
        return "one of " + ", ".join(map(str, vals[:20])) + (", …" if len(vals) > 20 else "")
    if e == "ExpectColumnValuesToBeBetween":
        lo, hi = kw.get("min_value"), kw.get("max_value")
        close = ")" if kw.get("strict_max") else "]"
        return f"within [{'−∞' if lo is None else _show(lo)}, {'∞' if hi is None else _show(hi)}{close}"
    if e == "ExpectColumnValuesToMatchRegex":
        return f"matches {kw.get('regex')}"
    if e == "ExpectColumnValueLengthsToBeBetween":
        return f"at most {kw.get('max_value')} characters"
    if e == "ExpectColumnPairValuesAToBeGreaterThanB":
        return f"{kw.get('column_A')} {'≥' if kw.get('or_equal') else '>'} {kw.get('column_B')}"
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items() if k not in ("column",))
    return f"{e}({args})" if e else args
