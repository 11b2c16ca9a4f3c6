"""Dagster entry point (`workspace.yaml` loads this module).

The active profile comes from `MOCK_PIPELINES_PROFILE` (default `local`, see profiles/). The layer stays
thin: the schema and profile are mapped onto Dagster objects; every row comes from mock_pipelines.core.
Built when Dagster loads the code location, not when the module is imported.
"""

from __future__ import annotations

import dagster as dg

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.profiles.loading import load_profile


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(plan_profile(load_profile()))
