"""The Dagster asset checks give the same verdicts, with the same observed values, whatever format the
files destination lands the data in: the checks read CSV and JSON Lines back typed by the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from mock_pipelines.defs.code_location import build_definitions
from mock_pipelines.defs.jobs import DATASET_JOB
from mock_pipelines.defs.plan import plan_profile
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines_tests.defs.conftest import write_profile

FORMATS = ("parquet", "csv", "jsonl")


def _evaluations(folder: Path, fmt: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Run the hr dataset's job landing ``fmt``: each check → (passed, severity, observed, unexpected)."""
    path = write_profile(folder, datasets=["hr"], scale=0.2)
    path.write_text(path.read_text().replace("format: parquet", f"format: {fmt}"))
    planned = plan_profile(load_profile(path, root=folder))
    result = build_definitions(planned).resolve_job_def(DATASET_JOB.format(dataset="hr")).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    assert any(folder.rglob(f"part-00000.{fmt}"))

    def shown(e: dg.AssetCheckEvaluation, key: str) -> Any:
        value = e.metadata.get(key)
        return getattr(value, "value", value)

    return {(e.asset_key.to_user_string(), e.check_name): (e.passed, e.severity, shown(e, "observed"),
                                                             shown(e, "unexpected_count"))
            for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def by_format(tmp_path_factory) -> dict[str, dict]:
    return {fmt: _evaluations(tmp_path_factory.mktemp(fmt), fmt) for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_check_passes_on_generated_data_in_every_format(by_format, fmt):
    failed = [key for key, (passed, *_) in by_format[fmt].items() if not passed]
    assert by_format[fmt] and not failed


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_formats_give_the_verdicts_and_observations_of_parquet(by_format, fmt):
    reference, found = by_format["parquet"], by_format[fmt]
    assert found.keys() == reference.keys()
    assert {k: (reference[k], found[k]) for k in reference if found[k] != reference[k]} == {}
