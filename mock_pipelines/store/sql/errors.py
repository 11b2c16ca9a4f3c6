"""Errors of the SQL destinations: clear, password-free, and classified as worth retrying or not."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa


class SqlDestinationError(Exception):
    """A table could not be created, checked, written or read. The message never holds a password."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class SchemaMismatchError(SqlDestinationError):
    """Existing tables do not fit the schema; ``problems`` lists every mismatch found (not just the first)."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems


def redact_url(url: str | sa.URL) -> str:
    """The URL without its password (``postgresql+psycopg://user:***@host/db``)."""
    try:
        parsed = sa.make_url(url)
    except Exception:  # an unparsable URL: show nothing that could be a secret
        return "<unparsable database URL>"
    return parsed.render_as_string(hide_password=True)


# SQLSTATE classes/codes after which the same write can simply be run again.
_PG_TRANSIENT_CLASSES = ("08", "40", "53", "57P")  # connection, rollback (deadlock/serialization), resources, shutdown
# MySQL/MariaDB error numbers: server gone/lost/refused, shutdown, killed, deadlock, lock wait timeout, too many conns.
_MYSQL_TRANSIENT = {1040, 1053, 1205, 1213, 1927, 2002, 2003, 2006, 2013, 2055, 1158, 1159, 1160, 1161}
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "disk i/o error")


def is_transient(exc: BaseException) -> bool:
    """True for failures where retrying the whole write is safe and may succeed: the connection dropped or
    was refused, the server is restarting or shut the backend down, a deadlock or serialization failure,
    a locked SQLite file. False for bad data, constraint violations and schema problems."""
    for err in _chain(exc):
        if isinstance(err, SqlDestinationError) and err.transient:
            return True
        if isinstance(err, sa.exc.DBAPIError) and err.connection_invalidated:
            return True
        if _is_transient_driver_error(err):
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        err = todo.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        todo.extend([err.__cause__, err.__context__, getattr(err, "orig", None)])


def _is_transient_driver_error(err: BaseException) -> bool:
    module = type(err).__module__ or ""
    if module.startswith("psycopg"):
        sqlstate = getattr(err, "sqlstate", None)
        if sqlstate:
            return sqlstate.startswith(_PG_TRANSIENT_CLASSES)
        import psycopg

        # No SQLSTATE: the connection itself failed (refused, closed by the server, network).
        return isinstance(err, psycopg.OperationalError | psycopg.InterfaceError)
    if module.startswith("pymysql"):
        code = err.args[0] if err.args and isinstance(err.args[0], int) else None
        return code in _MYSQL_TRANSIENT
    if module.startswith("sqlite3"):
        return any(text in str(err).lower() for text in _SQLITE_TRANSIENT)
    return isinstance(err, ConnectionError)


def scrub(message: str, password: str | None) -> str:
    """``message`` with every occurrence of ``password`` masked (drivers may echo connection strings)."""
    return message.replace(password, "***") if password else message
