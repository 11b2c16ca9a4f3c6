"""The validated schema model: what a dataset is, independent of where it came from."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import keyword
import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from mock_pipelines.spec.errors import Location
from mock_pipelines.spec.scenarios import ScenarioSpec
from mock_pipelines.spec.types import WRITTEN_TYPES, LogicalType

# A whole-string match (\Z, not $: `$` also matches before a trailing newline, and "t\n" is no name).
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}\Z")
# Columns the tool adds itself: a schema column cannot take these names.
PARTITION_COLUMN = "mock_partition"  # SQL destinations: the partition key of each row of a partitioned table
RESERVED_COLUMNS = (PARTITION_COLUMN,)
DEFAULT_MAX_ROWS = 10**12
MAX_ROWS_ENV = "MOCK_PIPELINES_MAX_ROWS"
# A type as written: a scalar name, `decimal` alone or `decimal(p,s)`.
_SCALAR_NAMES = "|".join(t.value for t in WRITTEN_TYPES if t is not LogicalType.DECIMAL)
TYPE_PATTERN = re.compile(rf"^({_SCALAR_NAMES}|decimal(\((\d+)\s*,\s*(\d+)\))?)$")


def name_problem(name: str) -> tuple[str, str] | None:
    """Why ``name`` cannot name a table or column beyond the pattern (message, suggestion), or None."""
    if keyword.iskeyword(name):
        return (f"{name!r} is a reserved word of expressions, so no expression could read the column",
                f"rename it, e.g. {name.lower() + '_'!r}")
    return None


def max_rows() -> int:
    """The most rows a table may have (after scale): MOCK_PIPELINES_MAX_ROWS, default 10^12."""
    raw = os.environ.get(MAX_ROWS_ENV, "").strip().replace("_", "")
    if raw:
        try:
            value = int(float(raw)) if "e" in raw.lower() else int(raw)
        except (ValueError, OverflowError):
            value = 0
        if value > 0:
            return value
    return DEFAULT_MAX_ROWS


MAX_DISTRIBUTION_CHARS = 500
# A children-per-parent count written as an expression of the parent's columns: Distribution(COUNT_EXPRESSION,
# (text,)) (see mock_pipelines.core.child_counts.CountExpression).
COUNT_EXPRESSION = "expression"


@dataclass(frozen=True)
class Distribution:
    """A distribution written as a call: ``poisson(3)``, ``zipf(1.1)``, ``normal(mean=50, std=10)``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def parse(cls, text: str | int | float) -> Distribution:
        if isinstance(text, int | float) and not isinstance(text, bool):
            return cls("constant", (text,))
        text = str(text).strip()
        if len(text) > MAX_DISTRIBUTION_CHARS:
            raise ValueError(f"a distribution is at most {MAX_DISTRIBUTION_CHARS} characters, e.g. poisson(3)")
        try:
            tree = ast.parse(text, mode="eval").body
        except (RecursionError, MemoryError):
            raise ValueError("write a distribution as name(arguments), e.g. poisson(3)") from None
        if isinstance(tree, ast.Name):
            return cls(tree.id)
        if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name):
            raise ValueError("write a distribution as name(arguments), e.g. poisson(3)")
        args = tuple(_literal(a) for a in tree.args)
        kwargs = tuple((k.arg, _literal(k.value)) for k in tree.keywords if k.arg)
        return cls(tree.func.id, args, kwargs)

    def __str__(self) -> str:
        if self.name == COUNT_EXPRESSION:
            return str(self.args[0])
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.name}({', '.join(parts)})"


def _literal(node: ast.AST) -> Any:
    value = ast.literal_eval(node)
    if not isinstance(value, int | float | str | list | dict | bool):
        raise ValueError(f"unsupported argument {value!r}")
    return value


MAX_DECIMAL_PRECISION = 38  # decimal128: what Parquet, Arrow and the SQL databases all hold


class DecimalRangeError(ValueError):
    """``decimal(p,s)`` outside 1 <= p <= 38, 0 <= s <= p."""

    def __init__(self, text: str, precision: int, scale: int):
        problem = (f"precision {precision} is above {MAX_DECIMAL_PRECISION}" if precision > MAX_DECIMAL_PRECISION
                   else "precision 0 holds no digit" if precision < 1
                   else f"scale {scale} is larger than precision {precision}")
        super().__init__(f"type {text.strip()!r}: {problem}")
        self.suggestion = ("Parquet, Arrow and the databases hold at most 38 digits: use decimal(38,s) or float"
                           if precision > MAX_DECIMAL_PRECISION else "whole numbers are decimal(p,0), e.g. "
                           "decimal(12,0)" if precision < 1 else "the scale counts the digits after the point, "
                           "within the precision: e.g. decimal(12,2)")
        self.expected = f"decimal(p,s) with 1 <= p <= {MAX_DECIMAL_PRECISION} and 0 <= s <= p, e.g. decimal(12,2)"


@dataclass(frozen=True)
class ColumnType:
    name: LogicalType  # decimal carries its precision and scale
    precision: int | None = None
    scale: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", LogicalType(self.name))  # a name as written becomes the enum member

    @classmethod
    def parse(cls, text: str) -> ColumnType:
        m = TYPE_PATTERN.match(text.strip().lower())
        if not m:
            raise ValueError(text)
        if m.group(1).startswith("decimal"):
            if m.group(2) is None:
                return cls(LogicalType.DECIMAL, 18, 2)  # `decimal` alone
            precision, scale = int(m.group(3)), int(m.group(4))
            if not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
                raise DecimalRangeError(text, precision, scale)
            return cls(LogicalType.DECIMAL, precision, scale)
        return cls(LogicalType(m.group(1)))

    def __str__(self) -> str:
        if self.name is LogicalType.DECIMAL:
            return f"decimal({self.precision},{self.scale})"
        return self.name.value


@dataclass
class ExpectationSpec:
    """A Great Expectations expectation written in the schema (`expectations:` of a table, `expect:` of a
    column). ``type`` is the name as written (ExpectColumnValuesToBeBetween or expect_column_values_to_be_between);
    whether GX knows it is checked when the suite is built, so parsing a schema never imports GX."""

    type: str
    kwargs: dict[str, Any]
    location: Location
    column: str | None = None  # set for a column's `expect:`; passed as the `column` argument
    name: str | None = None  # check name; derived from the type when not given
    severity: str | None = None  # error | warn (default: error)
    description: str = ""
    arg_locations: dict[str, Location] = field(default_factory=dict)  # where each argument's value is written


@dataclass
class CheckSpec:
    """A table-level CHECK constraint (`checks:`): a condition over the row's own columns
    (:mod:`mock_pipelines.core.row_checks`), landed in SQL DDL and checked as ``check__<name>``."""

    name: str
    expr: str
    location: Location


DEFAULT_EXISTING_SAMPLE = 1_000_000  # keys of an existing table kept at most (`sample:` of `ref: {existing: …}`)


@dataclass(frozen=True)
class ExistingRef:
    """``ref: {existing: "SOURCE.[SCHEMA.]TABLE.COLUMN"}``: a foreign key to rows that already exist in a
    database table rather than to a generated table. SOURCE is a name the profile (``sources:``) or the CLI
    (``--source NAME=URL``) maps to a database; the schema says what is referenced, never where it lives.
    The keys are read once and handed to the engine (``PlanOptions.existing_keys``, keyed by :attr:`text`)."""

    source: str
    schema: str | None
    table: str
    column: str
    skew: Distribution | None = None
    sample: int = DEFAULT_EXISTING_SAMPLE  # at most this many keys are kept (a deterministic sample)

    @property
    def text(self) -> str:
        """The reference as written (without its options): the key of its keys in ``existing_keys``."""
        return ".".join(p for p in (self.source, self.schema, self.table, self.column) if p is not None)

    def __str__(self) -> str:
        return self.text


@dataclass
class ColumnSpec:
    name: str
    type: ColumnType
    location: Location
    description: str = ""
    generator: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    expr: str | None = None
    template: str | None = None
    ref: tuple[str, str] | None = None  # (table, column) for a single-column foreign key
    sum_of: tuple[str, str] | None = None  # (child table, column): the exact sum over this row's children
    fk_member: bool = False  # filled by a composite foreign key declared at table level
    null_rate: float = 0.0
    nullable: bool = False
    unique: bool = False
    unique_within: str | None = None  # a foreign-key column: no value repeats among the rows of one parent
    type_given: bool = False
    expectations: list[ExpectationSpec] = field(default_factory=list)
    emit: bool = True  # False: a helper column, computed (others may read it) but never written
    # A string column's values are cut to at most this many characters (code points) after generation:
    # VARCHAR(N) in SQL DDL, a length rule in the checks (see docs/schema-language.md, `max_length`).
    max_length: int | None = None
    existing: ExistingRef | None = None  # a reference to rows of a database table that already exist

    @property
    def kind(self) -> str:
        if self.ref is not None or self.fk_member:
            return "ref"
        if self.existing is not None:
            return "existing"
        if self.expr is not None:
            return "expr"
        if self.template is not None:
            return "template"
        if self.sum_of is not None:
            return "sum"
        return "gen"


@dataclass(frozen=True)
class GroupCondition:
    """``within:`` of a foreign key: pick the parent among the rows of the same group.

    ``path`` names the child's group row: a foreign-key column of the child (``facility_id``), or such a
    column and a foreign-key column of the table it references (``patient_id.facility_id``). The parent table
    is laid out per that group table (``rows: {per: group}``), so the parents of a group are a contiguous
    row range; a self-reference picks an earlier row of its own group."""

    path: tuple[str, ...]
    location: Location

    def __str__(self) -> str:
        return ".".join(self.path)


@dataclass
class ForeignKey:
    columns: list[str]
    table: str
    ref_columns: list[str]
    location: Location
    skew: Distribution | None = None
    null_rate: float = 0.0
    within: GroupCondition | None = None  # picked among the parents of the child's group (see GroupCondition)

    @property
    def name(self) -> str:
        return "_".join(self.columns)


@dataclass
class RowCount:
    fixed: int | None = None  # a plain row count (multiplied by the run's scale unless `scaled` is False)
    scaled: bool = True  # False for `rows: {fixed: N}`: N rows whatever the scale (lookup tables)
    per: str | None = None  # parent table: this table has `count` children per parent row
    count: Distribution | None = None
    min: int = 0
    max: int | None = None
    location: Location | None = None  # where `count:` is written (count expressions)


TREND_SHAPES = ("linear", "exponential", "logistic")
NOISE_KINDS = ("poisson",)


@dataclass(frozen=True)
class Trend:
    """Growth of the daily volume from the first partition on: ``linear`` (1 + per_year · years),
    ``exponential`` ((1 + per_year) ** years) or ``logistic`` (from 1 towards ``cap`` at rate ``per_year``)."""

    shape: str
    per_year: float
    cap: float | None = None


@dataclass(frozen=True)
class VolumeEvent:
    """A factor on the volume of the days ``start`` to ``end`` (both included): a sale day ×5, an outage ×0."""

    start: dt.date
    end: dt.date
    factor: float


@dataclass
class VolumeShape:
    """How the daily volume of a growing table moves beyond its weekday and hour-of-day shape."""

    trend: Trend | None = None
    month_weights: list[float] | None = None  # Jan..Dec
    month_day_weights: list[float] | None = None  # day 1..31 of the month
    holidays: float | None = None  # factor on the public holidays of the dataset's locale
    events: list[VolumeEvent] = field(default_factory=list)
    noise: str | None = None  # "poisson": each day's count drawn around the curve


@dataclass
class PartitionSpec:
    """How a table grows in time-partitioned runs (ignored by plain, unpartitioned runs)."""

    time_column: str | None = None  # set to each row's creation time, inside its partition
    rows_per_day: float | None = None  # own growth rate; None = children of a partitioned `per:` parent
    weekday_weights: list[float] | None = None  # Mon..Sun
    hour_weights: list[float] | None = None  # 00..23h
    volume: VolumeShape | None = None  # trend, seasonality, events and noise of the daily volume


# Distributions a change may draw a duration (in days) or a factor from: ``constant(x)``, ``uniform(a, b)``,
# ``exponential(mean)``, ``normal(mean, std)`` (cut at 0 for durations) and ``lognormal(mu, sigma)``; a plain
# number is the mean of an exponential duration, or a constant factor.
CHANGE_DISTRIBUTIONS = ("constant", "uniform", "exponential", "normal", "lognormal")
DELETE_MODES = ("soft", "hard")
PARENT_DELETE_POLICIES = ("keep", "cascade")
MAX_CHANGES_PER_ENTITY = 10_000  # events one rule may give one entity (bounds the cost of any state)
# The outputs of a table whose rows change, as suffixes of the tables they land in (orders__changes, …); the
# last is kept up to date in place in a database.
CHANGE_OUTPUTS = ("changes", "snapshot", "history", "live")
MAX_CHANGE_RULES = 32  # update rules per table (the engine numbers a redraw's virtual rows with them)


@dataclass
class ColumnChange:
    """One rule of `changes.updates`: which columns change, when and how.

    * redraw (neither ``factor`` nor ``states``): the columns are drawn again, together, from their own
      generators (an address moves as a whole);
    * drift (``factor``): a numeric column is multiplied by a draw of ``factor`` at each change;
    * state machine (``states``): the column moves from state to state along the weighted transitions, after
      ``dwell_days`` in each; its generated value is the entity's first state; a state with no way out ends it.
    Changes of a redraw or drift rule come every ``every_days`` (a duration distribution)."""

    columns: list[str]
    location: Location
    every_days: Distribution | None = None
    factor: Distribution | None = None
    states: dict[str, dict[str, float]] | None = None
    dwell_days: dict[str, Distribution] | None = None
    max_changes: int = MAX_CHANGES_PER_ENTITY

    @property
    def kind(self) -> str:
        return "states" if self.states is not None else "drift" if self.factor is not None else "redraw"


@dataclass
class DeleteSpec:
    """`changes.deletes`: a ``share`` of the entities is deleted ``after_days`` after its creation; a soft
    delete sets ``column`` (a timestamp the change outputs add) and keeps the row, a hard one removes it."""

    share: float
    after_days: Distribution
    location: Location
    mode: str = "soft"
    column: str = "deleted_at"


@dataclass
class LateSpec:
    """`changes.late`: a ``share`` of the events reaches the change log up to ``max_days`` after it happened."""

    share: float
    max_days: float
    location: Location


@dataclass
class ChangeSpec:
    """`changes:` of a table: how its rows live after they are inserted (see mock_pipelines.core.changes)."""

    location: Location
    updates: list[ColumnChange] = field(default_factory=list)
    deletes: DeleteSpec | None = None
    late: LateSpec | None = None
    parent_deletes: str = "keep"  # children of a deleted parent: keep them, or delete them with it (cascade)

    def mutable_columns(self) -> list[str]:
        return [c for rule in self.updates for c in rule.columns]


@dataclass
class TableSpec:
    name: str
    location: Location
    rows: RowCount
    columns: dict[str, ColumnSpec]
    description: str = ""
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    owners: list[str] = field(default_factory=list)
    partitioned: PartitionSpec | None = None
    expectations: list[ExpectationSpec] = field(default_factory=list)
    checks: list[CheckSpec] = field(default_factory=list)
    # `emit: false` columns: computed for the columns, counts and templates that read them, never written.
    # `columns` holds what is emitted (outputs, DDL, checks, report); see :func:`split_helpers`.
    helpers: dict[str, ColumnSpec] = field(default_factory=dict)
    changes: ChangeSpec | None = None  # updates, deletes and late events after insert (partitioned runs)

    def column(self, name: str) -> ColumnSpec | None:
        """A column by name, emitted or helper."""
        return self.columns.get(name) or self.helpers.get(name)

    def fk_for_column(self, column: str) -> ForeignKey | None:
        return next((fk for fk in self.foreign_keys if column in fk.columns), None)

    @property
    def grouping_fk(self) -> ForeignKey | None:
        """The foreign key to the `rows.per` parent: it is fixed by the layout, not drawn at random."""
        if self.rows.per is None:
            return None
        return next((fk for fk in self.foreign_keys if fk.table == self.rows.per), None)

    def parents(self) -> list[str]:
        return list(dict.fromkeys(fk.table for fk in self.foreign_keys if fk.table != self.name))


@dataclass
class DatasetSpec:
    name: str
    file: str
    tables: dict[str, TableSpec]
    description: str = ""
    locale: str = "en_US"
    seed: int = 0
    source_hash: str = ""
    # Named variants of the dataset (defect twins, exclusion sets, edge cases): see spec.scenarios. They never
    # change the clean data, so the spec hash leaves them out.
    scenarios: dict[str, ScenarioSpec] = field(default_factory=dict)

    def table_order(self) -> list[str]:
        """Tables with every parent before its children (validation guarantees there is no cycle)."""
        done: list[str] = []
        seen: set[str] = set()

        def visit(name: str) -> None:
            if name in seen:
                return
            seen.add(name)
            for parent in self.tables[name].parents():
                visit(parent)
            done.append(name)

        for name in self.tables:
            visit(name)
        return done

    def existing_columns(self) -> list[tuple[str, ColumnSpec]]:
        """(table, column) of every column that references rows already in a database (``ref: {existing:
        …}``): only such a schema needs a database driver."""
        return [(t.name, c) for t in self.tables.values() for c in [*t.columns.values(), *t.helpers.values()]
                if c.existing is not None]

    def spec_hash(self, table: str | None = None) -> str:
        """A stable hash of the validated spec (of one table, or the whole dataset)."""
        payload = asdict(self.tables[table]) if table else {k: asdict(t) for k, t in self.tables.items()}
        for item in ([payload] if table else payload.values()):
            _strip_locations(item)
        blob = json.dumps({"dataset": self.name, "locale": self.locale, "spec": payload}, sort_keys=True,
                          default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _strip_locations(obj: Any) -> None:
    if isinstance(obj, dict):
        obj.pop("location", None)
        obj.pop("arg_locations", None)
        if obj.get("emit") is True:
            obj.pop("emit")  # keeps the hash of a schema without helper columns what it was
        if obj.get("helpers") == {}:
            obj.pop("helpers")
        if obj.get("expectations") == []:
            obj.pop("expectations")  # keeps the hash of a schema without expectations what it was
        if "within" in obj and obj["within"] is None:
            obj.pop("within")  # likewise for a foreign key picked among all parents
        if obj.get("checks") == []:
            obj.pop("checks")  # the same for a table without checks
        if "unique_within" in obj and obj["unique_within"] is None:
            obj.pop("unique_within")  # and for a column not unique per parent
        if "changes" in obj and obj["changes"] is None:
            obj.pop("changes")  # and for a table whose rows never change
        if "max_length" in obj and obj["max_length"] is None and "fk_member" in obj:
            obj.pop("max_length")  # and for a column whose values are never cut (a column: not params)
        if "existing" in obj and obj["existing"] is None:
            obj.pop("existing")  # and for a column that references no existing table
        if "volume" in obj and obj["volume"] is None:
            obj.pop("volume")  # and for a table growing at a steady rate
        params = obj.get("params")
        if isinstance(params, dict) and params.get("ordered") is False:
            obj["params"] = {k: v for k, v in params.items() if k != "ordered"}  # and for dates in any order
        for value in obj.values():
            _strip_locations(value)
    elif isinstance(obj, list):
        for value in obj:
            _strip_locations(value)


def split_helpers(spec: DatasetSpec) -> None:
    """Move every ``emit: false`` column of ``spec`` from ``columns`` to ``helpers``: the one place that
    decides what is emitted. Generation reads both; everything downstream sees ``columns`` only."""
    for table in spec.tables.values():
        hidden = [name for name, col in table.columns.items() if not col.emit]
        for name in hidden:
            table.helpers[name] = table.columns.pop(name)
