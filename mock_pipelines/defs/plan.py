"""One profile, planned: what every builder of the Dagster layer starts from (and the CLI and the tests).

No Dagster object is made here: the builders (resources, assets, checks, jobs and schedules, sensors, report)
each map this plan onto their part of the definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.profiles.model import Destination, Profile
from mock_pipelines.quality.overrides import check_overrides
from mock_pipelines.schema.parse import load_dataset


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


def plan_profile(profile: Profile) -> ProfilePlan:
    """Load and plan every dataset of ``profile``. Raises SchemaError for a schema file that is wrong, or for
    a ``checks.overrides`` key of the profile that names no check of its datasets."""
    scheme = partition_scheme(profile)
    datasets = {}
    for path in profile.dataset_paths():
        spec = load_dataset(path)
        plan = DatasetPlan(spec, PlanOptions(seed=profile.seed, scale=profile.scale, locale=profile.locale,
                                             rows=profile.row_overrides(spec.name) or None, partitions=scheme))
        # Definitions load in every run and step process: the probe (which loads vocabularies) runs once,
        # in `mock-pipelines run` before launching, not here.
        plan.check(probe=False)
        datasets[spec.name] = plan
    check_overrides(profile, datasets)
    return ProfilePlan(profile, datasets, scheme)
