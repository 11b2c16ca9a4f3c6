"""`mock-pipelines report --data DIR` reads landed CSV typed by the schema, also data without the
manifests this project writes (landed by another tool), and a value that does not fit its column stops it
with one line naming file, column and expected type."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app

SCHEMA = """\
dataset: typed
seed: 5
tables:
  stores:
    rows: 300
    primary_key: store_id
    columns:
      store_id: sequence
      zip: {gen: zipcode}
      color: {gen: color_name, null_rate: 0.3}
      opened_on: {gen: date, start: "2020-01-01", end: "2024-01-01"}
      budget: {dist: "uniform(10, 9000, round=2)", type: "decimal(12,2)"}
"""
runner = CliRunner()


@pytest.fixture
def landed_csv(tmp_path: Path) -> tuple[Path, Path]:
    schema = tmp_path / "typed.yaml"
    schema.write_text(SCHEMA)
    data = tmp_path / "data"
    result = runner.invoke(app, ["generate", str(schema), "--out", str(data), "--format", "csv"])
    assert result.exit_code == 0, result.output
    return schema, data


def test_report_on_csv_without_manifests_passes_every_check(landed_csv):
    schema, data = landed_csv
    for manifest in data.rglob("_manifest.json"):
        manifest.unlink()  # as if another tool had landed the files
    text = (data / "typed" / "stores" / "part-00000.csv").read_text()
    assert ',"0' in text  # ZIP codes with a leading zero, which a guessing reader turns into numbers
    result = runner.invoke(app, ["report", str(schema), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output and " 0 warned" in result.output


def test_a_value_that_does_not_fit_its_column_fails_in_one_line(landed_csv):
    schema, data = landed_csv
    path = data / "typed" / "stores" / "part-00000.csv"
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")
    cells[0] = "three"  # store_id of the third row
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    result = subprocess.run([sys.executable, "-m", "mock_pipelines.cli", "report", str(schema), "--data", str(data)],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert f"{path}: column 'store_id' holds 'three' in row 3" in " ".join(out.split())
    assert "expected int64" in out
