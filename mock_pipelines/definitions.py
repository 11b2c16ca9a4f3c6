"""Dagster entry point (`workspace.yaml` loads this module).

The active profile comes from `MOCK_PIPELINES_PROFILE` (default `local`, see profiles/). The layer stays
thin: the schema and profile are mapped onto Dagster objects; every row comes from mock_pipelines.core.
"""

from __future__ import annotations

from mock_pipelines.defs.build import build_definitions

defs = build_definitions()
