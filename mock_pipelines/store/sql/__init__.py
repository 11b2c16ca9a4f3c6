"""Land generated tables in SQL databases (PostgreSQL, MySQL/MariaDB, SQLite): typed DDL with every
constraint, fast streaming loads, atomic table/partition replacement and typed read-back.

Nothing here imports Dagster; :class:`~mock_pipelines.store.sql.store.SqlStore` (the table store of a
database) is built on :class:`Database`, and the SQL IO manager is a thin layer over that store.
"""

from mock_pipelines.store.sql.database import FOREIGN_KEY_CHECKS, Database
from mock_pipelines.store.sql.ddl import ddl_statements, table_metadata
from mock_pipelines.store.sql.errors import SchemaMismatchError, SqlDestinationError, is_transient, redact_url
from mock_pipelines.store.sql.names import PARTITION_COLUMN

__all__ = [
    "FOREIGN_KEY_CHECKS",
    "PARTITION_COLUMN",
    "Database",
    "SchemaMismatchError",
    "SqlDestinationError",
    "ddl_statements",
    "is_transient",
    "redact_url",
    "table_metadata",
]
