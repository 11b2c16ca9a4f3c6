"""What a profile's destinations mean for its assets: the IO manager key they land through, the catalogue
kinds they show, the pool a landing step waits on.

Kept apart from :mod:`mock_pipelines.defs.resources`, which builds the IO managers: the assets need these
facts, not the IO managers (nor the database drivers those import)."""

from __future__ import annotations

import os

from mock_pipelines.profiles.model import FilesDestination, Profile, SqlDestination

IO_MANAGER_KEY = "mock_io_manager"
SQL_KINDS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


def destination_kinds(profile: Profile) -> set[str]:
    """The catalogue badges the destinations give every table: file format and storage, or SQL dialect."""
    kinds: set[str] = set()
    for d in profile.destinations:
        if isinstance(d, FilesDestination):
            kinds.add(d.format)
            kinds.add("s3" if d.is_s3 else "file")
        else:
            kinds.add(sql_kind(d))
    return kinds


def landing_pool(profile: Profile) -> str | None:
    """The named pool (limit in dagster.yaml) landing steps share, so a backfill does not open a connection
    per partition at once; a database server is the scarcer resource when a profile has both. A SQLite file
    needs none (its writers queue on the file lock) and the pool's wait costs the demo 20 %."""
    servers = [d for d in profile.destinations if isinstance(d, SqlDestination) and sql_kind(d) != "sqlite"]
    if servers:
        return "db"
    return "s3" if any(isinstance(d, FilesDestination) and d.is_s3 for d in profile.destinations) else None


def sql_kind(d: SqlDestination) -> str:
    """The catalogue badge of a SQL destination: its dialect, from the URL's scheme (for an {env: …} URL
    the variable's scheme if it is set now, never anything else of its value)."""
    url = d.url if isinstance(d.url, str) else os.environ.get(d.url.env, "")
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    return SQL_KINDS.get(scheme, "sql")
