"""The store a profile's checks and report read from: its first files destination, else its first SQL one.

Stores know nothing of profiles; this is where a profile's destination becomes a
:class:`~mock_pipelines.store.protocol.TableStore`. Each factory returns a function, so credentials and
database URLs are read from the environment when a check or the report runs, never when definitions load.
"""

from __future__ import annotations

from collections.abc import Callable

from mock_pipelines.profiles.model import FilesDestination, Profile, SqlDestination
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.spec.scenarios import scenario_dataset
from mock_pipelines.store.files.store import FileStore
from mock_pipelines.store.protocol import TableStore
from mock_pipelines.store.sql.errors import SqlDestinationError
from mock_pipelines.store.sql.store import SqlStore


def files_store_factory(profile: Profile) -> Callable[[], FileStore] | None:
    """A reader of the profile's first files destination (a local folder or an S3 prefix), if it has one."""
    first = next((d for d in profile.destinations if isinstance(d, FilesDestination)), None)
    if first is None:
        return None

    def make() -> FileStore:
        return FileStore(first.location(profile.root), format=first.format, **first.storage_options())

    return make


def sql_store_factory(profile: Profile) -> Callable[[], SqlStore] | None:
    """A reader of the profile's first SQL destination, if it has one; one store (and connection pool) per
    URL, shared by every check step of the process."""
    from mock_pipelines.schema.parse import load_dataset

    first = next((d for d in profile.destinations if isinstance(d, SqlDestination)), None)
    if first is None:
        return None
    specs: dict[str, DatasetSpec] = {}

    def load_specs() -> dict[str, DatasetSpec]:
        if not specs:
            for path in profile.dataset_paths():
                spec = load_dataset(path)
                specs[spec.name] = spec
        return specs

    def spec_of(dataset: str) -> DatasetSpec:
        load_specs()
        if dataset not in specs:
            raise SqlDestinationError(f"dataset {dataset!r} is not one of the profile's: {', '.join(specs)}")
        return specs[dataset]

    stores: dict[str, SqlStore] = {}

    def make() -> SqlStore:
        url = first.resolved_url(profile.root)
        if url not in stores:
            # the scenarios the profile lands read from tables of their own (without constraints)
            scenarios = {scenario_dataset(spec.name, name): (spec.name, name) for spec in load_specs().values()
                         for name in profile.selected_scenarios(spec.scenarios)}
            # the destination's mode: `existing` finds the live tables a person made instead of creating them
            stores[url] = SqlStore(url, first.db_schema, spec_of, mode=first.mode, scenarios=scenarios,
                                   sources=profile.source_urls())  # the types of columns of existing rows
        return stores[url]

    return make


def store_factory(profile: Profile) -> Callable[[], TableStore] | None:
    """Reads go to the profile's first files destination, else to its first SQL destination."""
    return files_store_factory(profile) or sql_store_factory(profile)
