"""Opening a database for import: URL checks, connection errors a person can act on, never a password.

Every message names the database by its URL with the password masked
(``postgresql+psycopg://user:***@host/db``) and quotes only the first line of the driver's message, with the
password text scrubbed from it too (drivers may echo connection strings).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from mock_pipelines.imports.model import SourceError

DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}  # → sqlglot
# A host that drops packets must not hang the import for minutes; PostgreSQL shows who reads its catalogue.
CONNECT_ARGS = {"postgresql": {"connect_timeout": 10, "application_name": "mock_pipelines import"},
                "mysql": {"connect_timeout": 10}, "mariadb": {"connect_timeout": 10}}
URL_EXAMPLES = ("postgresql+psycopg://user@host:5432/db, mysql+pymysql://user@host:3306/db or "
                "sqlite:///path/file.db")


def parse_url(url: str) -> sa.URL:
    """The parsed URL, or a SourceError that does not echo the (possibly secret-bearing) text."""
    try:
        parsed = sa.make_url(url)
    except Exception:  # the text may hold a password: never quote it
        raise SourceError("invalid database URL", f"write it as {URL_EXAMPLES}",
                          expected="a SQLAlchemy URL") from None
    if parsed.get_backend_name() not in DIALECTS:
        raise SourceError(f"{masked(parsed)}: unsupported database {parsed.get_backend_name()!r}",
                          f"import from PostgreSQL, MySQL/MariaDB or SQLite: {URL_EXAMPLES}",
                          expected="postgresql, mysql, mariadb or sqlite")
    return parsed


def masked(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def sqlglot_dialect(url: sa.URL) -> str:
    return DIALECTS[url.get_backend_name()]


def open_engine(url: sa.URL) -> sa.Engine:
    """An engine whose first connection already succeeded (so a wrong host, port, password or database
    fails here, with a clear SourceError, and not halfway through reflection)."""
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        in_memory = database in ("", ":memory:") or database.startswith("file:")
        if not in_memory and not Path(database).is_file():
            # SQLite would silently create an empty file: an import from a missing file is a mistake.
            raise SourceError(f"{masked(url)}: no SQLite database file {database!r}",
                              "check the path: sqlite:///relative/file.db or sqlite:////absolute/file.db")
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=CONNECT_ARGS.get(
            url.get_backend_name(), {}))
    except Exception as exc:  # a missing driver module, a bad query argument
        raise driver_error("cannot open", url, exc) from None
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        raise driver_error("cannot connect to", url, exc) from None
    return engine


def driver_error(action: str, url: sa.URL, exc: BaseException) -> SourceError:
    """A SourceError quoting the first line of the driver's message, password scrubbed."""
    detail = first_line(exc, url.password)
    lowered = detail.lower()
    if "password" in lowered or "access denied" in lowered or "authentication" in lowered:
        hint = "check the user name and password (keep the password in an environment variable)"
    elif "does not exist" in lowered or "unknown database" in lowered:
        hint = "check the database name at the end of the URL"
    elif isinstance(exc, ModuleNotFoundError | sa.exc.NoSuchModuleError):
        hint = "install the driver (psycopg for PostgreSQL, pymysql for MySQL/MariaDB)"
    else:
        hint = "check that the server runs and that host and port are right"
    return SourceError(f"{action} {masked(url)}: {detail}", hint)


def first_line(exc: BaseException, password: object = None) -> str:
    """The first non-empty line of the driver's own message (not SQLAlchemy's wrapper text)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip() or type(original).__name__
    line = next((part.strip() for part in text.splitlines() if part.strip()), text)
    if isinstance(password, str) and password:
        line = line.replace(password, "***")
    return line
