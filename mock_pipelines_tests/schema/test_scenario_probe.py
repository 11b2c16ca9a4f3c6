"""A rule whose parameters its kind refuses is reported by `validate`, at the rule, before anything runs:
validation applies every rule alone to the first rows of its table, as generation would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SHOP = Path(__file__).resolve().parents[2] / "schemas" / "shop.yaml"


def _with_scenario(tmp_path: Path, rule: str, table: str) -> tuple[Path, int]:
    text = SHOP.read_text()
    clean = text[:text.index("\nscenarios:")]
    block = f"\nscenarios:\n  bad:\n    kind: negative\n    defects:\n      {table}:\n        - {rule}\n"
    path = tmp_path / "shop.yaml"
    path.write_text(clean + block)
    return path, (clean + block).count("\n")  # the rule is on the last line


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_pipelines.cli", *args], capture_output=True, text=True,
                          check=False)


@pytest.mark.parametrize(("rule", "table", "said"), [
    ("{kind: unit_error, column: price, rate: 0.1, factor: 0}", "products", "`factor` must be a finite number"),
    ("{kind: truncation, column: product_name, rate: 0.1, length: -5}", "products", "`length`"),
    ("{kind: out_of_range, column: price, rate: 0.1, by: -1}", "products", "`by` must be a positive number"),
    ("{kind: spike, column: price, rate: 0.1, length: 1000000000000000000000}", "products", "too large"),
    ("{kind: typo, column: last_name, rate: 0.1, ops: 'replace,foo'}", "customers", "unknown op 'foo'"),
])
def test_a_parameter_the_kind_refuses_fails_validate_at_the_rule_and_the_scenario_writes_nothing(
        tmp_path: Path, rule: str, table: str, said: str) -> None:
    schema, line = _with_scenario(tmp_path, rule, table)
    checked = _run("validate", str(schema))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert f"{schema}:{line}:11" in checked.stderr and said in checked.stderr
    assert "cannot be generated" in checked.stderr and "Traceback" not in checked.stderr
    out = tmp_path / "out"
    generated = _run("scenario", str(schema), "bad", "--out", str(out))
    assert generated.returncode != 0 and "Traceback" not in generated.stderr + generated.stdout
    assert not out.exists() or not any(out.rglob("*.parquet"))
