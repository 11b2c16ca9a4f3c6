"""The schema-language reference lists every key the parser accepts, in a row of one of its key tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mock_pipelines.schema import parse, parse_changes, parse_scenarios

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema-language.md"
KEY_SETS = ["TOP_KEYS", "TABLE_KEYS", "CHECK_KEYS", "PARTITION_KEYS", "COLUMN_KEYS", "ROWS_KEYS", "FK_KEYS",
            "EXPECTATION_KEYS"]
CHANGE_KEY_SETS = ["CHANGES_KEYS", "UPDATE_KEYS", "DELETE_KEYS", "LATE_KEYS"]
SCENARIO_KEY_SETS = ["SCENARIO_KEYS", "DEFECT_KEYS", "EXCLUSION_KEYS", "SHIFT_KEYS"]


def _documented_keys() -> set[str]:
    """Every `key` (also `a` / `b` / …) in the first cell of a table row of the reference."""
    keys: set[str] = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            first = line.split("|")[1]
            keys.update(re.findall(r"`([a-z_]+)`", first))
    return keys


@pytest.mark.parametrize("name", KEY_SETS)
def test_every_key_the_parser_accepts_is_in_a_key_table(name):
    missing = [k for k in getattr(parse, name) if k not in _documented_keys()]
    assert not missing, f"{name}: not in any key table of docs/schema-language.md: {missing}"


@pytest.mark.parametrize("name", CHANGE_KEY_SETS)
def test_every_key_of_a_changes_block_is_in_a_key_table(name):
    missing = [k for k in getattr(parse_changes, name) if k not in _documented_keys()]
    assert not missing, f"{name}: not in any key table of docs/schema-language.md: {missing}"


@pytest.mark.parametrize("name", SCENARIO_KEY_SETS)
def test_every_key_of_a_scenarios_block_is_in_a_key_table(name):
    missing = [k for k in getattr(parse_scenarios, name) if k not in _documented_keys()]
    assert not missing, f"{name}: not in any key table of docs/schema-language.md: {missing}"
