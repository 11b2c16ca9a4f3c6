"""Temporary profiles for the Dagster layer: the repository's demo schemas, a small scale, daily partitions
from 2024-01-01, and every output (files, request inbox) inside the test's own temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.profiles.model import Profile

# the files IO manager's tests land the same tiny table in the same places as the file store's tests
from mock_pipelines_tests.store.files.conftest import table_plan, target  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
DATASETS = ("shop", "healthcare", "hr")


def write_profile(folder: Path, *, name: str = "tmp_profile", out: Path | None = None,
                  datasets: list[str | Path] | None = None, scale: float = 0.1, seed: int = 42,
                  backfill: str = "single_run", schedules_enabled: bool = False, cron: str = "0 2 * * *",
                  schema_changes: bool = False, inbox: Path | None = None) -> Path:
    """Write ``<folder>/<name>.yaml`` (the profile name must equal the file stem) and return its path.

    Datasets are absolute schema paths (the repository's schemas unless given), files land in ``out``
    (default ``<folder>/out``) and the request inbox, if any, is ``inbox``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(p) if isinstance(p, Path) else str(SCHEMAS / f"{p}.yaml") for p in (datasets or DATASETS)]
    lines = [
        f"profile: {name}",
        "description: temporary profile of the Dagster layer tests",
        f"datasets: {json.dumps(paths)}",
        f"seed: {seed}",
        f"scale: {scale}",
        "partitions:",
        "  start: 2024-01-01",
        "  cadence: daily",
        "  end_offset: 0",
        f"  backfill: {backfill}",
        "destinations:",
        "  - kind: files",
        f"    path: {json.dumps(str(out or folder / 'out'))}",
        "    format: parquet",
        "schedules:",
        f"  enabled: {'true' if schedules_enabled else 'false'}",
        f"  cron: {json.dumps(cron)}",
        "sensors:",
        f"  schema_changes: {'true' if schema_changes else 'false'}",
        f"  request_inbox: {json.dumps(str(inbox)) if inbox is not None else 'null'}",
    ]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tmp_profile(folder: Path, **kwargs) -> Profile:
    """:func:`write_profile`, loaded with ``folder`` as its root, so reports land there, not in the repository."""
    return load_profile(write_profile(folder, **kwargs), root=folder)
