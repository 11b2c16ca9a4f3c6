"""docs/import.md shows each import with its output: the YAML under each command is what the command prints
today. After a change to inference, refresh the page with
``python -m mock_pipelines_tests.imports.test_import_docs --write``."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

from mock_pipelines.cli import app

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "import.md"
# A bash block of one `mock-pipelines import` command, the marker, and the YAML block that shows its output.
SHOWN = re.compile(r"```bash\n(mock-pipelines import [^\n]*)\n```\n\n<!-- output of the command above -->\n"
                   r"```yaml\n(.*?)```", re.S)


def _output(command: str) -> str:
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, f"{command}: {result.output}"
    return result.stdout


def _render(text: str) -> str:
    return SHOWN.sub(lambda m: f"```bash\n{m.group(1)}\n```\n\n<!-- output of the command above -->\n"
                               f"```yaml\n{_output(m.group(1))}```", text)


def test_the_page_shows_each_import_with_its_current_output(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = PAGE.read_text()
    shown = SHOWN.findall(text)
    assert len(shown) == 4  # SQL DDL, JSON Schema, Avro, Protobuf
    sources = " ".join(command for command, _ in shown)
    assert all(ext in sources for ext in (".sql", ".schema.json", ".avsc", ".proto"))
    for command, block in shown:
        assert block == _output(command), f"{command}: the page shows an older output; refresh it (see the " \
                                          "module docstring)"


def test_the_readme_quick_start_points_at_import():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Quick start")
    quick_start = readme[start:readme.index("\n## ", start + 3)]
    assert "mock-pipelines import" in quick_start and "docs/import.md" in quick_start


if __name__ == "__main__" and "--write" in sys.argv:
    import os

    os.chdir(ROOT)
    PAGE.write_text(_render(PAGE.read_text()))
    print(f"refreshed {PAGE}")
