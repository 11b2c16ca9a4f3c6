"""``--profile-data``: privacy-safe statistics of the live tables an import read.

What is read, per table: the row count; per column the share of nulls, the number of distinct values, the
minimum and maximum of numbers, dates and timestamps; the most common values of low-cardinality columns;
per foreign key how many child rows each parent row has.

The privacy rule: raw values leave the database only as ``top_values``, and only for a column with at most
:data:`TOP_MAX_DISTINCT` distinct values, and only values seen at least :data:`TOP_MIN_COUNT` times. So a
column of e-mails, names or ids (high cardinality) never shows a value, and neither does a rare value of a
low-cardinality column (which could single out a person). Minimum and maximum are read for numbers, dates
and timestamps only, never for text.

Cost: one aggregate query per table for all column statistics (counts, distincts, min/max together), one
GROUP BY per low-cardinality column (at most 20 rows back each), one GROUP BY on the child table per foreign
key. A table the catalogue estimates above ``sample_above`` rows is profiled on a sample: PostgreSQL reads
about that many rows with ``TABLESAMPLE SYSTEM`` (random pages), MySQL/MariaDB and SQLite the first
``sample_above`` rows; its row count is then the catalogue's estimate, and distinct counts are those of
the sample. The children-per-parent distribution always reads the whole child table's key columns.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import sqlalchemy as sa

from mock_pipelines.imports.database_connect import driver_error, open_engine, parse_url
from mock_pipelines.imports.model import (
    ChildrenStats,
    ColumnStats,
    SourceColumn,
    SourceError,
    SourceSchema,
    SourceTable,
    TableStats,
)

TOP_MAX_DISTINCT = 20  # top_values only for columns with at most this many distinct values …
TOP_MIN_COUNT = 5  # … and only values seen at least this many times
SAMPLE_ABOVE = 1_000_000  # rows (catalogue estimate) above which a table is profiled on a sample
DISTINCT_KINDS = {"int", "float", "decimal", "bool", "string", "date", "timestamp", "time", "uuid", "enum",
                  "interval"}  # kinds every supported database can compare for equality
RANGE_KINDS = {"int", "float", "decimal", "date", "timestamp"}


def profile_database(url: str, source: SourceSchema, *, schema: str | None = None,
                     sample_above: int = SAMPLE_ABOVE) -> None:
    """Fill ``stats`` of every table of ``source`` (read by :func:`read_database` from the same ``url``)
    from the live data. Raises :class:`SourceError` when the database cannot be reached or read."""
    parsed = parse_url(url)
    engine = open_engine(parsed)
    try:
        with engine.connect() as conn:
            profiler = _Profiler(conn, parsed.get_backend_name(), schema, sample_above)
            for table in source.tables.values():
                table.stats = profiler.table_stats(table)
            for table in source.tables.values():
                for fk in table.foreign_keys:
                    parent = source.tables.get(fk.ref_table)
                    parents = parent.stats.rows if parent is not None and parent.stats is not None else None
                    children = profiler.children(table, fk.columns, parents)
                    if children is not None and table.stats is not None:
                        table.stats.children[",".join(fk.columns)] = children
    except SourceError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise driver_error("cannot profile the tables of", parsed, exc) from None
    finally:
        engine.dispose()


class _Profiler:
    def __init__(self, conn: sa.Connection, backend: str, schema: str | None, sample_above: int):
        self.conn = conn
        self.backend = backend
        self.schema = schema
        self.sample_above = sample_above

    def _namespace(self, table: SourceTable) -> str | None:
        namespace = self.schema or table.namespace
        return None if self.backend == "sqlite" else namespace

    def _table(self, table: SourceTable, names: list[str]) -> sa.TableClause:
        return sa.table(table.name, *(sa.column(n) for n in names), schema=self._namespace(table))

    # -- one table -------------------------------------------------------------------------------------------
    def table_stats(self, table: SourceTable) -> TableStats:
        columns = table.columns
        whole = self._table(table, [c.name for c in columns])
        estimate = self._estimate(table)
        sampled = estimate is not None and estimate > self.sample_above
        rows_from = self._sample(whole, estimate) if sampled else whole
        aggregates: list[Any] = [sa.func.count().label("rows")]
        for i, column in enumerate(columns):
            ref = rows_from.c[column.name]
            aggregates.append(sa.func.count(ref).label(f"n{i}"))
            if column.kind in DISTINCT_KINDS:
                aggregates.append(sa.func.count(sa.distinct(ref)).label(f"d{i}"))
            if column.kind in RANGE_KINDS:
                aggregates += [sa.func.min(ref).label(f"lo{i}"), sa.func.max(ref).label(f"hi{i}")]
        row = self.conn.execute(sa.select(*aggregates).select_from(rows_from)).mappings().one()
        scanned = int(row["rows"])
        stats = TableStats(rows=int(estimate) if sampled else scanned)
        for i, column in enumerate(columns):
            non_null = int(row[f"n{i}"])
            distinct = row.get(f"d{i}")
            column_stats = ColumnStats(null_share=round(1 - non_null / scanned, 6) if scanned else 0.0,
                                       distinct=None if distinct is None else int(distinct),
                                       min=_plain(row.get(f"lo{i}")), max=_plain(row.get(f"hi{i}")))
            if distinct is not None and 0 < distinct <= TOP_MAX_DISTINCT and non_null >= TOP_MIN_COUNT:
                column_stats.top_values = self._top_values(rows_from, column, non_null)
            stats.columns[column.name] = column_stats
        return stats

    def _top_values(self, rows_from: Any, column: SourceColumn,
                    non_null: int) -> list[tuple[Any, float]] | None:
        ref = rows_from.c[column.name]
        count = sa.func.count().label("n")
        query = (sa.select(ref, count).select_from(rows_from).where(ref.is_not(None)).group_by(ref)
                 .having(sa.func.count() >= TOP_MIN_COUNT).order_by(count.desc(), ref)
                 .limit(TOP_MAX_DISTINCT))
        values = [(_plain(value), round(n / non_null, 6)) for value, n in self.conn.execute(query)]
        return values or None

    def _estimate(self, table: SourceTable) -> int | None:
        """The catalogue's row estimate (no scan), or None where there is none (SQLite)."""
        namespace = self._namespace(table)
        if self.backend == "postgresql":
            qualified = ".".join(_pg_quote(p) for p in (namespace, table.name) if p)
            value = self.conn.execute(sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = "
                                              "to_regclass(:name)"), {"name": qualified}).scalar()
        elif self.backend in ("mysql", "mariadb"):
            value = self.conn.execute(sa.text(
                "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(:schema, "
                "DATABASE()) AND TABLE_NAME = :name"), {"schema": namespace, "name": table.name}).scalar()
        else:
            return None
        return None if value is None or int(value) < 0 else int(value)  # PostgreSQL: -1 = never analysed

    def _sample(self, whole: sa.TableClause, estimate: int | None) -> Any:
        if self.backend == "postgresql" and estimate:
            percent = max(0.01, min(100.0, 100.0 * self.sample_above / estimate))
            return sa.tablesample(whole, sa.func.system(percent), name="sampled")
        return sa.select(whole).limit(self.sample_above).subquery("sampled")

    # -- one foreign key -------------------------------------------------------------------------------------
    def children(self, table: SourceTable, columns: list[str], parents: int | None) -> ChildrenStats | None:
        """How many rows of ``table`` point at each parent row (parents without a child count as 0); None
        when the parent table was not profiled (its row count is unknown)."""
        if parents is None:
            return None
        child = self._table(table, columns)
        keys = [child.c[c] for c in columns]
        per_parent = (sa.select(sa.func.count().label("n")).select_from(child)
                      .where(*(k.is_not(None) for k in keys)).group_by(*keys).subquery("per_parent"))
        n = per_parent.c.n
        summary = sa.select(sa.func.count(), sa.func.sum(n), sa.func.min(n), sa.func.max(n))
        groups, total, low, high = self.conn.execute(summary.select_from(per_parent)).one()
        groups, total = int(groups or 0), int(total or 0)
        parents = max(parents, groups)  # a sampled parent's estimate may lag behind
        if parents == 0:
            return None
        without = parents - groups
        return ChildrenStats(mean=round(total / parents, 6), min=0 if without else int(low or 0),
                             max=int(high or 0), zero_share=round(without / parents, 6))


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _plain(value: Any) -> Any:
    """A value the YAML writer can keep: Decimal → int or float, UUID → text; dates stay dates."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool | int | float | str | dt.date | dt.datetime | dt.time) or value is None:
        return value
    return str(value)
