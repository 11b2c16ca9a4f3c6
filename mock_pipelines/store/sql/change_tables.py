"""The tables of change data in a SQL database, derived from the spec of a table with ``changes:``.

* ``<table>__changes``, ``<table>__snapshot``, ``<table>__history`` (the outputs of
  :mod:`mock_pipelines.core.changes`): the table's columns typed exactly as in its own CREATE TABLE
  (:func:`~mock_pipelines.store.sql.ddl.table_columns`), plus the output's columns — ``__op`` VARCHAR(1),
  ``__event_ts`` / ``__arrived_ts`` / ``valid_from`` / ``valid_to`` and the soft-delete column as
  timestamps, ``__changed`` TEXT, ``__before_<col>`` typed like ``<col>``, ``is_current`` BOOLEAN — and the
  partition column. No primary key, unique, foreign key or CHECK constraint: keys repeat in a log and
  across partitions (each partition of a snapshot or a history holds the whole table as of its end), and
  a drift or a state machine moves a value out of its generator's range or value set.
* ``<table>__live``: the snapshot's columns, the table's primary key, and a foreign key to the live table
  of each parent that has one (see :func:`live_parents`); no partition column.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pyarrow as pa
import sqlalchemy as sa

from mock_pipelines.core.changes import (
    ARRIVED_TS,
    BEFORE,
    CHANGED,
    EVENT_TS,
    HISTORY,
    IS_CURRENT,
    LIVE,
    LOG,
    OP,
    OUTPUTS,
    SNAPSHOT,
    VALID_FROM,
    VALID_TO,
    TableChanges,
    output_table,
)
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.schema.check_changes import delete_mode
from mock_pipelines.spec.model import DatasetSpec, TableSpec
from mock_pipelines.store.sql.ddl import PARTITION_KEY_LENGTH, arrow_types, table_columns
from mock_pipelines.store.sql.names import PARTITION_COLUMN, check_identifier, constraint_name
from mock_pipelines.store.sql.types import arrow_schemas, arrow_sql_type

KINDS = (*OUTPUTS, LIVE)
# The kinds of the tables a scenario lands (see store/sql/scenario_tables.py): its tables, its ground truth.
SCENARIO_TABLE, GROUND_TRUTH = "scenario", "ground_truth"
_TS = pa.timestamp("us")

_plans: dict[str, DatasetPlan] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class DerivedTable:
    """A table of change data: its SQLAlchemy table, the Arrow schema it reads back as, its read order."""

    base: str
    kind: str  # changes | snapshot | history | live, or SCENARIO_TABLE | GROUND_TRUTH
    table: sa.Table
    arrow: pa.Schema
    order: list[str]

    @property
    def partitioned(self) -> bool:
        """Whether the table holds partitions: it has the partition column."""
        return PARTITION_COLUMN in self.table.c

    @property
    def partial_rows(self) -> bool:
        """Whether a write may leave out columns (they land as NULL): a scenario's drifted partition."""
        return self.kind == SCENARIO_TABLE


def shape_plan(spec: DatasetSpec) -> DatasetPlan:
    """A plan of the dataset that only tells the shape of derived tables (which columns change, what a
    scenario re-types): seed, scale and the start of the partitions do not matter for it. Cached per spec."""
    key = f"{spec.name}:{spec.spec_hash()}"
    with _lock:
        plan = _plans.get(key)
        if plan is None:
            plan = DatasetPlan(spec, PlanOptions(partitions=PartitionScheme(dt.datetime(2000, 1, 1))))
            _plans[key] = plan
    return plan


def table_changes(spec: DatasetSpec, table: str) -> TableChanges:
    """The changes of ``table`` as far as the spec alone decides them (which columns change): the start of
    the partitions does not matter for the tables' shape."""
    changes = shape_plan(spec).table(table).changes
    if changes is None:
        raise ValueError(f"table {table!r} of dataset {spec.name!r} declares no changes")
    return changes


def live_parents(spec: DatasetSpec, t: TableSpec) -> list[int]:
    """Indices of the foreign keys of ``t`` that its live table declares: to a parent that has a live table
    (a parent with ``changes:``, not ``t`` itself), unless the parent's hard deletes leave children behind in
    the snapshot (the child keeps them, ``parent_deletes: keep``, or deletes them only softly)."""
    out = []
    child_follows = (t.changes is not None and t.changes.parent_deletes == "cascade"
                     and delete_mode(spec, t.name) == "hard")
    for i, fk in enumerate(t.foreign_keys):
        parent = spec.tables.get(fk.table)
        if fk.table == t.name or parent is None or parent.changes is None:
            continue
        parent_hard = delete_mode(spec, fk.table) == "hard"
        if parent_hard and not child_follows:
            continue
        out.append(i)
    return out


def derived_metadata(spec: DatasetSpec, dialect: str, schema: str | None) -> dict[str, DerivedTable]:
    """Every table of change data of the dataset, by name, in one MetaData (live tables reference each
    other). Raises ValueError for a name the database cannot hold."""
    metadata = sa.MetaData(schema=schema)
    arrow = arrow_types(spec)
    generated = arrow_schemas(spec)
    out: dict[str, DerivedTable] = {}
    for name in spec.table_order():
        t = spec.tables[name]
        if t.changes is None:
            continue
        changes = table_changes(spec, name)
        base = {c.name: c for c in table_columns(spec, t, generated, dialect)}
        state = [pa.field(f.name, f.type) for f in arrow[name]]
        soft = changes.soft_column
        if soft:
            state.append(pa.field(soft, _TS))
        pk = list(t.primary_key)
        for kind in KINDS:
            fields = _fields(kind, state, changes.changing)
            table_name = output_table(name, kind)
            check_identifier(table_name, "table")
            columns = [_column(f, base, changes.changing, dialect, kind, pk) for f in fields]
            if kind != LIVE:
                columns.append(sa.Column(PARTITION_COLUMN, sa.String(PARTITION_KEY_LENGTH), nullable=False,
                                         comment="Partition key of the row (the Dagster partition that wrote it)."))
            table = sa.Table(table_name, metadata, *columns, comment=_comment(name, kind))
            if kind == LIVE:
                _live_constraints(table, spec, t, schema, dialect)
            else:
                sa.Index(constraint_name("ix", table_name, [PARTITION_COLUMN]), table.c[PARTITION_COLUMN])
            order = {LOG: [PARTITION_COLUMN, ARRIVED_TS, *pk, EVENT_TS], SNAPSHOT: [PARTITION_COLUMN, *pk],
                     HISTORY: [PARTITION_COLUMN, *pk, VALID_FROM], LIVE: pk}[kind]
            read_schema = pa.schema([pa.field(f.name, f.type) for f in fields])
            out[table_name] = DerivedTable(name, kind, table, read_schema,
                                           order or [f.name for f in fields])
    return out


def _fields(kind: str, state: list[pa.Field], changing: list[str]) -> list[pa.Field]:
    if kind == LOG:
        by_name = {f.name: f for f in state}
        head = [pa.field(OP, pa.string()), pa.field(EVENT_TS, _TS), pa.field(ARRIVED_TS, _TS),
                pa.field(CHANGED, pa.string())]
        return [*head, *state, *(pa.field(BEFORE + c, by_name[c].type) for c in changing)]
    if kind == HISTORY:
        return [*state, pa.field(VALID_FROM, _TS), pa.field(VALID_TO, _TS), pa.field(IS_CURRENT, pa.bool_())]
    return state


def _column(field: pa.Field, base: dict[str, sa.Column], changing: list[str], dialect: str, kind: str,
            pk: list[str]) -> sa.Column:
    name = field.name
    check_identifier(name, "column")
    if name in base:
        own = base[name]
        nullable = own.nullable if kind != LIVE or name not in pk else False
        return sa.Column(name, own.type, nullable=nullable, autoincrement=False, comment=own.comment)
    if name.startswith(BEFORE) and name[len(BEFORE):] in base:
        return sa.Column(name, base[name[len(BEFORE):]].type, nullable=True,
                         comment=f"{name[len(BEFORE):]} before the update (null on inserts and deletes).")
    if name == OP:
        return sa.Column(name, sa.String(1), nullable=False, comment="c insert, u update, d hard delete.")
    if name == CHANGED:
        return sa.Column(name, sa.Text(), nullable=True, comment="Columns an update changed, comma-separated.")
    if name == IS_CURRENT:
        return sa.Column(name, sa.Boolean(create_constraint=False), nullable=False)
    required = name in (EVENT_TS, ARRIVED_TS, VALID_FROM)
    return sa.Column(name, arrow_sql_type(_TS, dialect), nullable=not required)


def _comment(table: str, kind: str) -> str:
    return {LOG: f"Change log of {table}: one row per insert, update and delete, by arrival.",
            SNAPSHOT: f"{table} as of the end of each partition (one full copy per partition).",
            HISTORY: f"SCD2 history of {table} as of the end of each partition.",
            LIVE: f"{table} as of the end of the last partition applied."}[kind]


def _live_constraints(table: sa.Table, spec: DatasetSpec, t: TableSpec, schema: str | None, dialect: str) -> None:
    if t.primary_key:
        table.append_constraint(sa.PrimaryKeyConstraint(*t.primary_key, name=constraint_name("pk", table.name)))
    deferrable = {"deferrable": True, "initially": "DEFERRED"} if dialect != "mysql" else {}
    prefix = f"{schema}." if schema else ""
    for i in live_parents(spec, t):
        fk = t.foreign_keys[i]
        parent = output_table(fk.table, LIVE)
        table.append_constraint(sa.ForeignKeyConstraint(
            fk.columns, [f"{prefix}{parent}.{c}" for c in fk.ref_columns], ondelete="CASCADE",
            name=constraint_name("fk", table.name, fk.columns), **deferrable))
        if t.primary_key[:len(fk.columns)] != fk.columns and dialect != "mysql":
            sa.Index(constraint_name("ix", table.name, fk.columns), *(table.c[c] for c in fk.columns))


def live_ancestors(spec: DatasetSpec, table: str) -> list[str]:
    """The live tables ``table``'s live table references, directly or not, parents first, then itself."""
    done: list[str] = []

    def visit(name: str) -> None:
        t = spec.tables[name]
        for i in live_parents(spec, t):
            parent = t.foreign_keys[i].table
            if parent not in done:
                visit(parent)
        if name not in done:
            done.append(name)

    visit(table)
    return done


def live_children(spec: DatasetSpec, table: str) -> list[str]:
    """Tables whose live tables reference the live table of ``table``."""
    return [name for name, t in spec.tables.items()
            if t.changes is not None and any(t.foreign_keys[i].table == table for i in live_parents(spec, t))]
