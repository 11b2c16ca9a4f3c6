"""Which reader reads a SOURCE: a SQLAlchemy URL, or a file by its extension."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

from mock_pipelines.imports.model import SourceError, SourceSchema

DDL_SUFFIXES = (".sql", ".ddl")
JSON_SCHEMA_SUFFIXES = (".json",)  # also *.schema.json
AVRO_SUFFIXES = (".avsc",)
PROTO_SUFFIXES = (".proto",)
URL_SCHEMES = ("postgresql", "postgres", "mysql", "mariadb", "sqlite")


def is_database_url(source: str) -> bool:
    scheme = source.split(":", 1)[0].split("+", 1)[0].lower()
    return "://" in source and scheme in URL_SCHEMES


MAX_SOURCE_BYTES = 64 * 1024 * 1024  # a schema file larger than this is not a schema (a data dump, a wrong file)


def read_source(source: str, *, dialect: str | None = None, schema: str | None = None,
                include: Sequence[str] = (), exclude: Sequence[str] = (),
                proto_paths: Sequence[str] = ()) -> SourceSchema:
    """Read SOURCE into a SourceSchema (raises SourceError), keeping the tables the patterns select."""
    try:
        return _read(source, dialect, schema, include, exclude, proto_paths)
    except RecursionError:  # a document nested thousands of levels deep: a clear refusal, not a traceback
        raise SourceError(f"{source}: nested too deeply to read (thousands of levels of objects, arrays, "
                          "parentheses or messages)", "a schema nests a few levels; check that this is the file "
                          "you meant") from None


def _read(source: str, dialect: str | None, schema: str | None, include: Sequence[str], exclude: Sequence[str],
          proto_paths: Sequence[str]) -> SourceSchema:
    if is_database_url(source):
        from mock_pipelines.imports.database import read_database

        result = read_database(source, schema=schema, include=include, exclude=exclude)
    else:
        path = Path(source)
        if not path.is_file():
            raise SourceError(f"{source}: no such file, and not a database URL",
                              "give a file (.sql, .json, .avsc, .proto) or a URL such as "
                              "postgresql+psycopg://user@host/db")
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(f"{source}: {size:,} bytes is too large for a schema file (at most "
                              f"{MAX_SOURCE_BYTES:,})", "give the file that defines the tables, not a "
                              "data dump; pg_dump --schema-only or mysqldump --no-data write one")
        suffix = path.suffix.lower()
        if suffix in DDL_SUFFIXES:
            from mock_pipelines.imports.ddl import read_ddl

            result = read_ddl(path, dialect or "postgres")
        elif suffix in JSON_SCHEMA_SUFFIXES:
            from mock_pipelines.imports.json_schema import read_json_schema

            result = read_json_schema(path)
        elif suffix in AVRO_SUFFIXES:
            from mock_pipelines.imports.avro import read_avro

            result = read_avro(path)
        elif suffix in PROTO_SUFFIXES:
            from mock_pipelines.imports.protobuf import read_protobuf

            result = read_protobuf(path, include_paths=proto_paths)
        else:
            raise SourceError(f"{source}: cannot tell the format from the extension {suffix or '(none)'!r}",
                              "name the file .sql or .ddl (SQL DDL), .json (JSON Schema), .avsc (Avro) or "
                              ".proto (Protobuf)")
    if not result.tables:
        raise SourceError(f"{source}: it defines no table to import", "give the file (or schema) that defines "
                          "the tables: CREATE TABLE statements, an object schema, a record or a message")
    # A database is read with the patterns applied before reflecting (read_database selects itself).
    return result if is_database_url(source) else select_tables(result, include, exclude)


def select_tables(result: SourceSchema, include: Sequence[str], exclude: Sequence[str]) -> SourceSchema:
    """Keep the tables whose name matches an include pattern (all when none) and no exclude pattern
    (shell-style: orders_*, *_audit). A foreign key to a table left out is dropped with a warning."""
    from mock_pipelines.imports.model import ImportWarning

    def keep(name: str) -> bool:
        return (not include or any(fnmatch.fnmatchcase(name, p) for p in include)) and \
            not any(fnmatch.fnmatchcase(name, p) for p in exclude)

    kept = {n: t for n, t in result.tables.items() if keep(n)}
    if (include or exclude) and not kept:
        raise SourceError(f"{result.source}: no table matches the --include/--exclude patterns",
                          f"the tables are: {', '.join(result.tables) or '(none)'}")
    for table in kept.values():
        for fk in list(table.foreign_keys):
            if fk.ref_table not in kept:
                table.foreign_keys.remove(fk)
                result.warnings.append(ImportWarning(
                    f"{table.name}({', '.join(fk.columns)})",
                    f"references {fk.ref_table}, which the patterns leave out: imported as plain columns",
                    f"include {fk.ref_table}, or reference its existing rows with ref: {{existing: ...}}"))
    result.tables = kept
    return result
