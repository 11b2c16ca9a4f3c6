"""Dagster entry point (`workspace.yaml` loads this module).

The asset layer over the generation core is built here; it stays thin: the schema and profile are
mapped onto Dagster objects and every row comes from :mod:`mock_pipelines.core`.
"""

from __future__ import annotations

import dagster as dg

defs = dg.Definitions()
