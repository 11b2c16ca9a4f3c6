"""The tables a scenario lands in a SQL database: the dataset ``<dataset>__<scenario>``
(:mod:`mock_pipelines.core.scenarios`), derived from the clean dataset's spec like the tables of change data
(:mod:`~mock_pipelines.store.sql.change_tables`), and written and read through the same path.

* One table per table of the dataset, with the columns of the scenario's
  :attr:`~mock_pipelines.core.scenarios.ScenarioTable.union_schema`, each typed from its Arrow type
  (:func:`~mock_pipelines.store.sql.types.arrow_sql_type`) and nullable, and no primary key, foreign key,
  unique or CHECK constraint: a scenario copies keys, empties required columns, points at missing parents and
  moves values out of their range on purpose. A column a defect re-types (``invalid_date``, ``wrong_type``)
  is text; so are uuid and json columns (a damaged value need not be a valid UUID or JSON document).
* Schema drift: a table has one schema in a database, so it holds every column any partition lands with.
  A renamed column (``<col>_renamed``) and an extra one (``<col>_extra``) are nullable columns of their own
  after ``<col>``, NULL in the partitions without that drift; a dropped column stays, NULL in the partitions
  that drop it; a column a drift may re-type is text in every partition (values written as the scenario
  writes re-typed values, :func:`~mock_pipelines.core.scenarios.as_text`). Read back with a partition's own
  schema (:meth:`ScenarioTable.schema`), a partition gives exactly the columns it landed with.
* Edge cases put NaN and ±inf in float columns: MySQL/MariaDB cannot store them in a DOUBLE and SQLite turns
  NaN into NULL, so there a float column with edge cases is text (``nan``, ``inf``), read back as floats.
* The ground truth ``_defects`` (:data:`~mock_pipelines.core.scenarios.GROUND_TRUTH_SCHEMA`), a plain table.

A time-partitioned table gets the partition column (and its index), as the clean table does, so a partition is
replaced by delete + insert in one transaction. In a namespace of its own (``schema: mock_{dataset}``) a table
keeps its name; in a namespace shared with the clean dataset it is named ``<dataset>__<scenario>__<table>``, so
it never meets the clean table of the same name.
"""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa
import sqlalchemy as sa

from mock_pipelines.core.scenarios import GROUND_TRUTH_SCHEMA, ScenarioPlan
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE
from mock_pipelines.store.sql.change_tables import GROUND_TRUTH, SCENARIO_TABLE, DerivedTable, shape_plan
from mock_pipelines.store.sql.ddl import PARTITION_KEY_LENGTH
from mock_pipelines.store.sql.names import PARTITION_COLUMN, check_identifier, constraint_name
from mock_pipelines.store.sql.types import arrow_sql_type, value_type

_NO_NON_FINITE = ("mysql", "sqlite")
_TRUTH_ORDER = ["table", "partition", "row_index", "kind", "column"]


def scenario_table_name(dataset: str, table: str, *, shared: bool) -> str:
    """The SQL name of ``table`` of the scenario dataset ``dataset``: the table's own name in a namespace of
    the scenario's own, ``<dataset>__<table>`` in a namespace shared with other datasets."""
    return f"{dataset}__{table}" if shared else table


def scenario_tables(spec: DatasetSpec, scenario: str, dialect: str, schema: str | None, *,
                    partitioned: Collection[str], shared: bool) -> dict[str, DerivedTable]:
    """Every table of scenario ``scenario`` of ``spec`` and its ground truth, by table name (not SQL name), in
    one MetaData; the tables named in ``partitioned`` get the partition column. Raises ValueError for a name
    the database cannot hold."""
    plan = ScenarioPlan(shape_plan(spec), spec.scenarios[scenario])
    metadata = sa.MetaData(schema=schema)
    out: dict[str, DerivedTable] = {}
    for name in plan.order():
        st = plan.table(name)
        # MySQL/MariaDB hold no NaN or ±inf in a DOUBLE, and SQLite reads a NaN back as NULL: there a float
        # column the scenario's edge cases reach holds text ("nan", "inf"), read back as floats per partition.
        edged = {r.column for r in st.edges} if dialect in _NO_NON_FINITE else set()
        arrow = pa.schema([pa.field(f.name, pa.string() if f.name in edged and pa.types.is_floating(f.type)
                                    else value_type(f.type)) for f in st.union_schema])
        comments = {c: "Text: the scenario writes values that are not of the column's type here."
                    for c in (*st.retyped, *(c for c in edged if arrow.field(c).type == pa.string()))}
        comments |= {f.name: "Only in partitions the scenario's schema drift gives this column (NULL elsewhere)."
                     for f in arrow if f.name not in st.base_schema.names}
        key = [c for c in spec.tables[name].primary_key if c in arrow.names]
        out[name] = _table(metadata, scenario_table_name(plan.name, name, shared=shared), name, SCENARIO_TABLE,
                           arrow, dialect, partitioned=name in partitioned, order=key or list(arrow.names),
                           comments=comments,
                           comment=f"Scenario {scenario} of {spec.name}.{name}: rows that break the rules on "
                                   f"purpose, listed in {GROUND_TRUTH_TABLE}.")
    out[GROUND_TRUTH_TABLE] = _table(
        metadata, scenario_table_name(plan.name, GROUND_TRUTH_TABLE, shared=shared), GROUND_TRUTH_TABLE,
        GROUND_TRUTH, GROUND_TRUTH_SCHEMA, dialect, partitioned=False, order=_TRUTH_ORDER, comments={},
        comment=f"Ground truth of scenario {scenario} of {spec.name}: one row per damaged cell, copied row, "
                "excluded record or drifted partition.")
    return out


def _table(metadata: sa.MetaData, sql_name: str, base: str, kind: str, arrow: pa.Schema, dialect: str, *,
           partitioned: bool, order: list[str], comments: dict[str, str], comment: str) -> DerivedTable:
    check_identifier(sql_name, "table")
    columns = []
    for f in arrow:
        check_identifier(f.name, f"column of table {sql_name!r}")
        # Nullable everywhere: a scenario empties required columns, and drift leaves columns out.
        columns.append(sa.Column(f.name, arrow_sql_type(f.type, dialect), nullable=True, autoincrement=False,
                                 comment=comments.get(f.name)))
    if partitioned:
        columns.append(sa.Column(PARTITION_COLUMN, sa.String(PARTITION_KEY_LENGTH), nullable=False,
                                 comment="Partition key of the row (the Dagster partition that wrote it)."))
    table = sa.Table(sql_name, metadata, *columns, comment=comment)
    if partitioned:
        sa.Index(constraint_name("ix", sql_name, [PARTITION_COLUMN]), table.c[PARTITION_COLUMN])
    read_schema = pa.schema([pa.field(f.name, f.type) for f in arrow])
    return DerivedTable(base, kind, table, read_schema, [PARTITION_COLUMN, *order] if partitioned else order)
