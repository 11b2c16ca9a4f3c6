"""The floors of the package hold: the import contract in pyproject.toml passes, and it does catch a breach.

The contract (``[tool.importlinter]``) is run by ``make lint`` and so by CI; these tests make sure it
is not a check that cannot fail: a copy of the package with an upward import, or with Dagster imported
by a store, is refused with the offending line named.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_floors() -> None:
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("core/timeline.py", "import mock_pipelines.defs.plan", "mock_pipelines.core is not allowed to import "
                                                            "mock_pipelines.defs"),
    ("spec/model.py", "import mock_pipelines.schema.parse", "mock_pipelines.spec is not allowed to import "
                                                            "mock_pipelines.schema"),
    ("store/content.py", "import dagster", "mock_pipelines.store is not allowed to import dagster"),
    ("core/engine.py", "import great_expectations", "mock_pipelines.core is not allowed to import "
                                                    "great_expectations"),
])
def test_a_breach_of_the_floors_is_refused(tmp_path: Path, module: str, line: str, broken: str) -> None:
    shutil.copytree(ROOT / "mock_pipelines", tmp_path / "mock_pipelines",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "mock_pipelines" / module).open("a") as f:
        f.write(f"\n{line}  # noqa: E402\n")
    out = lint_imports(tmp_path)
    assert out.returncode != 0
    assert broken in out.stdout, out.stdout
