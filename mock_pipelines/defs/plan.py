"""One profile, planned: what every builder of the Dagster layer starts from (and the CLI and the tests).

No Dagster object is made here: the builders (resources, assets, checks, jobs and schedules, sensors, report)
each map this plan onto their part of the definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.profiles.model import Destination, Profile
from mock_pipelines.quality.overrides import check_overrides
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.store.sql.existing_keys import ExistingKeys


@dataclass(frozen=True)
class ProfilePlan:
    """A profile with the plan of each of its datasets (by dataset name, in profile order) and the partition
    scheme they share (None when the profile is not partitioned)."""

    profile: Profile
    datasets: Mapping[str, DatasetPlan]
    scheme: PartitionScheme | None

    @property
    def destinations(self) -> list[Destination]:
        return self.profile.destinations

    @property
    def reports_root(self) -> str:
        """Where the profile's reports go (:attr:`~mock_pipelines.profiles.model.Profile.reports_root`)."""
        return str(self.profile.reports_root)


def partition_scheme(profile: Profile) -> PartitionScheme | None:
    part = profile.partitions
    if part is None:
        return None
    start = part.start if isinstance(part.start, dt.datetime) else dt.datetime.combine(part.start, dt.time())
    return PartitionScheme(start.replace(tzinfo=None), part.cadence)


def existing_keys(profile: Profile, spec: DatasetSpec) -> ExistingKeys | None:
    """The keys of the dataset's references to existing rows, from the profile's ``sources:``: read when a
    step first generates rows that need them (once per process), never when definitions load. An unknown
    source name is a schema problem at the column, now."""
    if not spec.existing_columns():
        return None
    return ExistingKeys(spec, {name: partial(source.resolved_url, profile.root)
                               for name, source in profile.sources.items()})


def plan_profile(profile: Profile) -> ProfilePlan:
    """Load and plan every dataset of ``profile``. Raises SchemaError for a schema file that is wrong, or for
    a ``checks.overrides`` key of the profile that names no check of its datasets."""
    scheme = partition_scheme(profile)
    datasets = {}
    for path in profile.dataset_paths():
        spec = load_dataset(path)
        plan = DatasetPlan(spec, PlanOptions(seed=profile.seed, scale=profile.scale, locale=profile.locale,
                                             rows=profile.row_overrides(spec.name) or None, partitions=scheme,
                                             existing_keys=existing_keys(profile, spec)))
        # Definitions load in every run and step process: the probe (which loads vocabularies) runs once,
        # in `mock-pipelines run` before launching, not here.
        plan.check(probe=False)
        datasets[spec.name] = plan
    check_overrides(profile, datasets)
    return ProfilePlan(profile, datasets, scheme)
