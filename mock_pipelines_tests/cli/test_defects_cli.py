"""`mock-pipelines defects`: the defect catalogue in the terminal and as the reference page docs/defects.md."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mock_pipelines.cli import app, defect_catalogue, defects_markdown
from mock_pipelines.core import defects

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_defect_reference_doc_is_current():
    assert (ROOT / "docs" / "defects.md").read_text(encoding="utf-8") == defects_markdown(), \
        "regenerate with: mock-pipelines defects --markdown > docs/defects.md"


def test_defects_lists_every_cell_and_row_kind_with_the_columns_it_applies_to():
    result = runner.invoke(app, ["defects"], terminal_width=400)
    assert result.exit_code == 0, result.output
    names = [*defects.kinds(), *defects.ROW_KINDS]
    assert f"{len(names)} defect kinds" in result.output
    for name in names:
        assert f" {name} " in result.output, name
    assert "string columns, not keys or references" in result.output  # a cell kind's applies_to
    assert defects.ROW_KIND_TARGETS["schema_drift"][0] in result.output  # a row kind's


def test_every_kind_says_in_one_line_which_columns_it_applies_to():
    entries = defect_catalogue()
    assert {e.name for e in entries} == set(defects.all_names())
    for e in entries:
        assert e.applies_to.strip() and "\n" not in e.applies_to, e.name
        assert e.group in ("defect", "anomaly", "edge", "row"), e.name


def test_the_reference_shows_parameters_with_defaults_and_the_rules_broken_by_construction():
    page = defects_markdown()
    row = next(line for line in page.splitlines() if line.startswith("| `unit_error` |"))
    assert "`factor` = `100`" in row
    orphan = next(line for line in page.splitlines() if line.startswith("| `orphan` |"))
    assert "| `fk` |" in orphan
    # a kind that re-types its column writes text that does not read as the type
    for name in (k.name for k in defects.kinds().values() if k.retypes):
        line = next(line for line in page.splitlines() if line.startswith(f"| `{name}` |"))
        assert "| `type` |" in line, line
