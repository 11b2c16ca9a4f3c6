"""Locale data stays apart from generator logic: core/locales/ holds literal tables only."""

import ast
from pathlib import Path

import pytest

import mock_pipelines.core.locales as locales

MODULES = sorted(p for p in Path(locales.__file__).parent.glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_locale_modules_hold_literal_tables_only(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom):
            # typing names for annotations only: the data imports nothing of the project
            assert node.module in ("collections.abc", "typing"), f"{path.name}:{node.lineno} imports {node.module}"
            continue
        assert isinstance(node, ast.Assign | ast.AnnAssign), f"{path.name}:{node.lineno}: not a table"
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        assert isinstance(target, ast.Name) and target.id.isupper(), f"{path.name}:{node.lineno}"
        assert node.value is not None, f"{path.name}:{node.lineno}: a table without a value"
        calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
        # list(range(a, b)) spans of codes are the only computation a table may hold
        assert all(isinstance(c.func, ast.Name) and c.func.id in ("list", "range") for c in calls), \
            f"{path.name}:{node.lineno}: a table is written as data"


def test_generators_read_the_locale_tables() -> None:
    from mock_pipelines.core.generators import address, company, phone
    from mock_pipelines.core.locales import address as address_data
    from mock_pipelines.core.locales import company as company_data
    from mock_pipelines.core.locales import phone as phone_data

    # the generator modules use the data modules' objects, not copies of them
    assert address.US_STATES is address_data.US_STATES
    assert company.DEPARTMENTS is company_data.DEPARTMENTS
    assert phone.MSISDN is phone_data.MSISDN
