"""Read a live database (PostgreSQL, MySQL/MariaDB, SQLite) into a :class:`SourceSchema`.

SQLAlchemy's inspector does the reflection; a few catalogue queries add what it misses: the database's own
spelling of each type (``character varying(80)``, ``enum('a','b')``), MariaDB's column-level CHECKs (where
its JSON columns hide: a LONGTEXT with ``CHECK (json_valid(col))``) and SQLite's unique indexes. Tables are
chosen by name *before* reflecting, so ``--include orders*`` on a database of thousands of tables reflects a
handful. Nothing about one odd column makes the import fail: see :mod:`.database_types`.

The password of the URL is never kept nor shown: ``SourceSchema.source`` and every message carry the URL
with ``***`` in its place.
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mock_pipelines.imports.database_checks import domain_check_for, json_valid_column, tidy_check
from mock_pipelines.imports.database_connect import (
    driver_error,
    masked,
    open_engine,
    parse_url,
    sqlglot_dialect,
)
from mock_pipelines.imports.database_profile import profile_database
from mock_pipelines.imports.database_types import classify
from mock_pipelines.imports.model import (
    ImportWarning,
    SourceCheck,
    SourceColumn,
    SourceError,
    SourceForeignKey,
    SourceSchema,
    SourceTable,
)
from mock_pipelines.imports.naming import identifier_from

__all__ = ["profile_database", "read_database"]


def read_database(url: str, *, schema: str | None = None, include: Sequence[str] = (),
                  exclude: Sequence[str] = ()) -> SourceSchema:
    """The tables (not views) of ``schema`` (a PostgreSQL schema, a MySQL/MariaDB database; None: the
    URL's default) whose names match an ``include`` pattern (all when none) and no ``exclude`` pattern
    (shell style: ``orders_*``). Raises :class:`SourceError` for a bad URL, an unreachable server or an
    unknown schema; anything odd inside a table becomes an :class:`ImportWarning`."""
    parsed = parse_url(url)
    engine = open_engine(parsed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sa.exc.SAWarning)  # "did not recognize type": we warn ourselves
            return _Reader(engine, parsed, schema).read(include, exclude)
    except SourceError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise driver_error("cannot read the tables of", parsed, exc) from None
    finally:
        engine.dispose()


def dataset_name(text: str) -> str:
    """``text`` made a valid dataset identifier (letters, digits, ``_``; not starting with a digit)."""
    return identifier_from(text)


class _Reader:
    def __init__(self, engine: sa.Engine, url: sa.URL, schema: str | None):
        self.engine = engine
        self.url = url
        self.backend = url.get_backend_name()
        self.dialect = sqlglot_dialect(url)
        self.inspector = sa.inspect(engine)
        self.schema = self._resolve_schema(schema)
        self.warnings: list[ImportWarning] = []

    # -- what to read ----------------------------------------------------------------------------------------
    def _resolve_schema(self, schema: str | None) -> str:
        default = self.inspector.default_schema_name or ("main" if self.backend == "sqlite" else None)
        if schema is None:
            if default is None:
                raise SourceError(f"{masked(self.url)}: the URL names no database",
                                  "add the database to the URL (…/dbname) or pass --schema")
            return default
        names = self.inspector.get_schema_names()
        if schema not in names:
            shown = ", ".join(n for n in names if not _is_system_schema(n))[:400]
            raise SourceError(f"{masked(self.url)}: no schema {schema!r}",
                              f"choose one of: {shown or '(none)'}", expected="an existing schema/database")
        return schema

    def _namespace(self) -> str | None:
        """The schema argument for the inspector (SQLite reflects its default "main" without one)."""
        return None if self.backend == "sqlite" and self.schema == "main" else self.schema

    def _selected(self, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
        names = self.inspector.get_table_names(schema=self._namespace())
        if self.backend == "sqlite":
            names = [n for n in names if not n.startswith("sqlite_")]
        if self.backend == "postgresql":
            partitions = self._pg_partitions()
            names = [n for n in names if n not in partitions]  # the partitioned table stands for them
        if not names:
            raise SourceError(f"{masked(self.url)}: schema {self.schema!r} has no tables",
                              "choose another schema with --schema, or create the tables first")
        chosen = [n for n in names if (not include or any(fnmatch.fnmatchcase(n, p) for p in include))
                  and not any(fnmatch.fnmatchcase(n, p) for p in exclude)]
        if not chosen:
            shown = ", ".join(names[:30]) + (f", … ({len(names)} in all)" if len(names) > 30 else "")
            raise SourceError(f"{masked(self.url)}: no table matches the --include/--exclude patterns",
                              f"the tables are: {shown}")
        return chosen

    def _pg_partitions(self) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relispartition"), {"schema": self.schema})
            return {str(r[0]) for r in rows}

    def _name(self) -> str:
        if self.backend == "sqlite":
            return dataset_name(Path(self.url.database or "sqlite").stem)
        default = self.inspector.default_schema_name
        if self.backend == "postgresql" and self.schema == default and self.url.database:
            return dataset_name(self.url.database)  # "public" says nothing: the database's name does
        return dataset_name(self.schema)

    # -- reading ---------------------------------------------------------------------------------------------
    def read(self, include: Sequence[str], exclude: Sequence[str]) -> SourceSchema:
        from mock_pipelines.imports.sources import select_tables

        names = self._selected(include, exclude)
        where = masked(self.url) + (f" (schema {self.schema})" if self.schema and self.backend == "postgresql" else "")
        result = SourceSchema(name=self._name(), source=where, tables={}, dialect=self.dialect,
                              warnings=self.warnings)
        ns = self._namespace()
        columns = self.inspector.get_multi_columns(schema=ns, filter_names=names)
        pks = self.inspector.get_multi_pk_constraint(schema=ns, filter_names=names)
        fks = self.inspector.get_multi_foreign_keys(schema=ns, filter_names=names)
        comments = self._table_comments(names)
        type_texts = self._type_texts(names)
        checks = self._checks(names)
        uniques = self._uniques(names)
        for name in names:
            key = (ns, name)
            table = SourceTable(name=name, columns=[], namespace=self.schema,
                                location=f"{self.schema}.{name}", comment=comments.get(name) or "")
            table.primary_key = list((pks.get(key) or {}).get("constrained_columns") or [])
            for col in columns.get(key, []):
                table.columns.append(self._column(table, col, type_texts.get((name, col["name"]))))
            self._sqlite_rowid(table)
            table.foreign_keys = self._foreign_keys(table, fks.get(key, []))
            self._add_checks(table, checks.get(name, []))
            self._add_uniques(table, uniques.get(name, []))
            result.tables[name] = table
        return select_tables(result, include, exclude)

    def _column(self, table: SourceTable, col: dict[str, Any], type_text: str | None) -> SourceColumn:
        sa_type = col["type"]
        text = type_text or ("(no type)" if type_text == "" else _render_type(sa_type, self.engine.dialect))
        location = f"{table.location}.{col['name']}"
        found = classify(sa_type, text)
        if self.backend == "sqlite" and found.kind != "unknown" and not _sqlite_knows(text):
            found = classify(sa.types.NullType(), text)  # SQLite gave an unknown name a numeric affinity
        if found.warning:
            self.warnings.append(ImportWarning(location, found.warning, found.suggestion))
        self._warn_database_made(location, col)
        for constraint_name, check in found.domain_checks:
            sql = domain_check_for(check, col["name"], self.dialect)
            table.checks.append(SourceCheck(sql, constraint_name, location))
        default = col.get("default")
        return SourceColumn(
            name=col["name"], kind=found.kind, type_text=text,
            nullable=bool(col.get("nullable", True)) and col["name"] not in table.primary_key,
            length=found.length, precision=found.precision, scale=found.scale, enum_values=found.enum_values,
            item_kind=found.item_kind, item_enum_values=found.item_enum_values, timezone=found.timezone,
            comment=col.get("comment") or "", default=None if default is None else str(default),
            autoincrement=col.get("autoincrement") is True or bool(col.get("identity")),
            minimum=found.minimum, maximum=found.maximum, format=found.format, pattern=found.pattern,
            location=location)

    def _warn_database_made(self, location: str, col: dict[str, Any]) -> None:
        """A column whose values the database makes and refuses to be given: a load must leave it out."""
        computed = col.get("computed")
        if computed:
            expression = tidy_check(str(computed.get("sqltext")), self.dialect)
            self.warnings.append(ImportWarning(
                location, f"generated column AS ({expression}): the database computes it",
                "write it as an expression of the other columns, or leave it out when loading"))
        identity = col.get("identity")
        if identity and identity.get("always"):
            self.warnings.append(ImportWarning(
                location, "identity GENERATED ALWAYS: the database refuses given values",
                "load with OVERRIDING SYSTEM VALUE, or make it GENERATED BY DEFAULT in the copy"))

    def _sqlite_rowid(self, table: SourceTable) -> None:
        """A lone ``INTEGER PRIMARY KEY`` in SQLite is the rowid: the database numbers it when left out."""
        if self.backend == "sqlite" and len(table.primary_key) == 1:
            column = table.column(table.primary_key[0])
            if column is not None and column.type_text.strip().upper() == "INTEGER":
                column.autoincrement = True

    def _foreign_keys(self, table: SourceTable, reflected: list[dict[str, Any]]) -> list[SourceForeignKey]:
        keys = []
        for fk in reflected:
            ref_schema = fk.get("referred_schema")
            columns = list(fk["constrained_columns"])
            if ref_schema not in (None, self.schema):
                self.warnings.append(ImportWarning(
                    f"{table.location}({', '.join(columns)})",
                    f"references {ref_schema}.{fk['referred_table']}, in another schema: imported as plain "
                    "columns",
                    "reference its existing rows with ref: {existing: ...}, or import schema "
                    f"{ref_schema}"))
                continue
            keys.append(SourceForeignKey(columns, fk["referred_table"], list(fk["referred_columns"]),
                                         fk.get("name")))
        return keys

    def _add_checks(self, table: SourceTable, reflected: list[tuple[str | None, str]]) -> None:
        for name, sql in reflected:
            json_column = table.column(json_valid_column(sql) or "")
            if json_column is not None and json_column.kind == "string":
                json_column.kind = "json"  # MariaDB's JSON: a LONGTEXT whose CHECK is the JSON type itself
                json_column.length = None
                continue
            table.checks.append(SourceCheck(tidy_check(sql, self.dialect), name, table.location))

    def _add_uniques(self, table: SourceTable, reflected: list[list[str]]) -> None:
        seen: set[tuple[str, ...]] = {tuple(table.primary_key)}
        for columns in reflected:
            if tuple(columns) in seen:
                continue
            seen.add(tuple(columns))
            if len(columns) == 1:
                column = table.column(columns[0])
                if column is not None:
                    column.unique = True
            else:
                table.unique.append(list(columns))

    # -- catalogue look-ups, one per schema where the database allows ---------------------------------------
    def _table_comments(self, names: list[str]) -> dict[str, str | None]:
        if self.backend == "sqlite":
            return {}  # SQLite has no comments
        found = self.inspector.get_multi_table_comment(schema=self._namespace(), filter_names=names)
        return {key[1]: value.get("text") for key, value in found.items()}

    def _type_texts(self, names: list[str]) -> dict[tuple[str, str], str]:
        """The database's own spelling of every column type, for ``type_text`` and warnings."""
        with self.engine.connect() as conn:
            if self.backend == "postgresql":
                rows = conn.execute(sa.text(
                    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND c.relname IN :names AND a.attnum > 0 "
                    "AND NOT a.attisdropped"
                ).bindparams(sa.bindparam("names", expanding=True)), {"schema": self.schema, "names": names})
            elif self.backend in ("mysql", "mariadb"):
                rows = conn.execute(sa.text(
                    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
                    "WHERE TABLE_SCHEMA = :schema AND TABLE_NAME IN :names"
                ).bindparams(sa.bindparam("names", expanding=True)), {"schema": self.schema, "names": names})
            else:
                rows = [(name, row[1], row[2]) for name in names
                        for row in conn.exec_driver_sql(f"PRAGMA table_info({_sqlite_quote(name)})")]
            return {(str(t), str(c)): str(type_text) for t, c, type_text in rows}

    def _checks(self, names: list[str]) -> dict[str, list[tuple[str | None, str]]]:
        """(name, SQL) of each table's CHECK constraints. MySQL/MariaDB: from information_schema, which
        (unlike the inspector) also lists MariaDB's column-level CHECKs, named after their column."""
        found: dict[str, list[tuple[str | None, str]]] = {}
        if self.backend in ("mysql", "mariadb"):
            for table, name, sql, level in self._mysql_checks():
                if table in names:
                    found.setdefault(table, []).append((None if level == "Column" else name, sql))
            return found
        reflected = self.inspector.get_multi_check_constraints(schema=self._namespace(), filter_names=names)
        for (_, table), checks in reflected.items():
            found[table] = [(c.get("name"), c["sqltext"]) for c in checks]
        return found

    def _mysql_checks(self) -> list[tuple[str, str, str, str | None]]:
        with self.engine.connect() as conn:
            if getattr(self.engine.dialect, "is_mariadb", False):
                rows = conn.execute(sa.text(
                    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL "
                    "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = :schema "
                    "ORDER BY TABLE_NAME, CONSTRAINT_NAME"), {"schema": self.schema})
                return [(str(t), str(n), str(s), str(level)) for t, n, s, level in rows]
            rows = conn.execute(sa.text(  # MySQL 8: CHECK_CONSTRAINTS has no table name
                "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE "
                "FROM information_schema.CHECK_CONSTRAINTS cc "
                "JOIN information_schema.TABLE_CONSTRAINTS tc ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA "
                "AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK' "
                "WHERE cc.CONSTRAINT_SCHEMA = :schema ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME"),
                {"schema": self.schema})
            return [(str(t), str(n), str(s), None) for t, n, s in rows]

    def _uniques(self, names: list[str]) -> dict[str, list[list[str]]]:
        """Column lists of unique constraints AND unique indexes (a partial or expression index is not a
        rule over all rows: skipped with a warning)."""
        if self.backend == "sqlite":
            return self._sqlite_uniques(names)
        ns = self._namespace()
        found: dict[str, list[list[str]]] = {}
        for (_, table), constraints in self.inspector.get_multi_unique_constraints(schema=ns,
                                                                                    filter_names=names).items():
            found.setdefault(table, []).extend(list(c["column_names"]) for c in constraints)
        for (_, table), indexes in self.inspector.get_multi_indexes(schema=ns, filter_names=names).items():
            for index in indexes:
                if not index.get("unique"):
                    continue
                columns = index.get("column_names") or []
                options = index.get("dialect_options") or {}
                if None in columns or index.get("expressions") or options.get("postgresql_where") is not None:
                    self.warnings.append(ImportWarning(
                        f"{self.schema}.{table}", f"unique index {index.get('name')} is partial or on an "
                        "expression: not imported", "add a check or a unique column by hand if it matters"))
                    continue
                found.setdefault(table, []).append(list(columns))
        return found

    def _sqlite_uniques(self, names: list[str]) -> dict[str, list[list[str]]]:
        found: dict[str, list[list[str]]] = {}
        with self.engine.connect() as conn:
            for table in names:
                for row in conn.exec_driver_sql(f"PRAGMA index_list({_sqlite_quote(table)})"):
                    _, index, unique, origin, partial = row[:5]
                    if not unique or origin == "pk":
                        continue
                    info = conn.exec_driver_sql(f"PRAGMA index_info({_sqlite_quote(index)})").fetchall()
                    columns = [r[2] for r in sorted(info)]
                    if partial or None in columns:
                        self.warnings.append(ImportWarning(
                            f"main.{table}", f"unique index {index} is partial or on an expression: "
                            "not imported"))
                        continue
                    found.setdefault(table, []).append(columns)
        return found


def _is_system_schema(name: str) -> bool:
    return name in ("information_schema", "performance_schema", "mysql", "sys") or name.startswith("pg_")


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _render_type(sa_type: Any, dialect: sa.Dialect) -> str:
    try:
        return str(sa_type.compile(dialect=dialect))
    except Exception:  # a type the dialect cannot render (NullType): its class name says enough
        return type(sa_type).__name__


def _sqlite_knows(type_text: str) -> bool:
    """Whether SQLAlchemy knows SQLite's declared type by name (it maps any other name by affinity)."""
    from sqlalchemy.dialects.sqlite.base import SQLiteDialect

    base = re.split(r"[\s(]", type_text.strip().upper(), maxsplit=1)[0]
    return not base or base in SQLiteDialect.ischema_names
