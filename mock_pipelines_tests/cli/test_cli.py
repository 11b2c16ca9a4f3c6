"""The `mock-pipelines` command end to end: real processes for exit codes, CliRunner for the rest."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app, catalogue_markdown
from mock_pipelines.core import registry

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "schemas" / "shop.yaml"
runner = CliRunner()

SMALL = """\
dataset: small
seed: 3
tables:
  customers:
    rows: 200
    primary_key: customer_id
    columns:
      customer_id: sequence
      first_name: first_name
      signup_ts: {gen: timestamp, start: 2023-01-01, end: 2023-12-31}
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
      order_ts: {gen: timestamp, after: customer_id.signup_ts, max_delay_days: 30}
"""


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mock_pipelines.cli", *args], capture_output=True, text=True,
                          cwd=cwd, check=False)


@pytest.fixture
def small_schema(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_validate_accepts_the_demo_schemas():
    result = runner.invoke(app, ["validate", *map(str, sorted((ROOT / "schemas").glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert "dataset shop" in result.output and "dataset hr" in result.output


def test_validate_reports_file_line_column_and_suggestion_with_exit_code_1(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("first_name: first_name", "first_name: frist_name"))
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 1
    assert f"{bad}:9:19" in proc.stderr
    assert "unknown generator 'frist_name'" in proc.stderr
    assert "did you mean 'first_name'?" in proc.stderr
    assert "nothing was generated" in proc.stderr


def test_generate_writes_nothing_when_the_schema_is_invalid(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("ref: customers.customer_id", "ref: customer.customer_id"))
    out = tmp_path / "out"
    proc = run_cli("generate", str(bad), "--out", str(out))
    assert proc.returncode == 1
    assert "references missing table 'customer'" in proc.stderr and "did you mean 'customers'?" in proc.stderr
    assert not out.exists()


def test_generate_writes_every_table_and_a_summary(small_schema: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["generate", str(small_schema), "--out", str(out)])
    assert result.exit_code == 0, result.output
    customers = pq.read_table(out / "small" / "customers" / "part-00000.parquet")
    orders = pq.read_table(out / "small" / "orders" / "part-00000.parquet")
    assert customers.num_rows == 200
    assert set(orders.column("customer_id").to_pylist()) <= set(customers.column("customer_id").to_pylist())
    manifest = json.loads((out / "small" / "orders" / "_manifest.json").read_text())
    assert manifest["rows"] == orders.num_rows and manifest["identity"]["seed"] == 3
    assert "total" in result.output and f"{orders.num_rows:,}" in result.output


@pytest.mark.parametrize("fmt,suffix", [("csv", "csv"), ("jsonl", "jsonl"), ("json", "json")])
def test_generate_other_formats(small_schema: Path, tmp_path: Path, fmt: str, suffix: str):
    result = runner.invoke(app, ["generate", str(small_schema), "--out", str(tmp_path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "small" / "customers" / f"part-00000.{suffix}").stat().st_size > 0


def test_generate_is_byte_identical_across_runs_and_chunk_sizes(small_schema: Path, tmp_path: Path):
    digests = []
    for i, chunk in enumerate(["7", "100000"]):
        out = tmp_path / f"run{i}"
        result = runner.invoke(app, ["generate", str(small_schema), "--out", str(out), "--chunk-size", chunk])
        assert result.exit_code == 0, result.output
        digests.append(hashlib.sha256((out / "small" / "orders" / "part-00000.parquet").read_bytes()).hexdigest())
    # Row groups follow the chunk size, so compare the data, and bytes for equal settings.
    a = pq.read_table(tmp_path / "run0" / "small" / "orders" / "part-00000.parquet")
    b = pq.read_table(tmp_path / "run1" / "small" / "orders" / "part-00000.parquet")
    assert a.equals(b)
    again = tmp_path / "run2"
    runner.invoke(app, ["generate", str(small_schema), "--out", str(again), "--chunk-size", "100000"])
    assert hashlib.sha256((again / "small" / "orders" / "part-00000.parquet").read_bytes()).hexdigest() == digests[1]


def test_generate_refuses_to_overwrite_a_different_run_with_exit_code_3(small_schema: Path, tmp_path: Path):
    assert run_cli("generate", str(small_schema), "--out", str(tmp_path)).returncode == 0
    before = (tmp_path / "small" / "customers" / "part-00000.parquet").read_bytes()
    proc = run_cli("generate", str(small_schema), "--out", str(tmp_path), "--seed", "99")
    assert proc.returncode == 3
    assert "holds a different run" in proc.stderr and "seed" in proc.stderr
    assert (tmp_path / "small" / "customers" / "part-00000.parquet").read_bytes() == before
    assert run_cli("generate", str(small_schema), "--out", str(tmp_path), "--seed", "99",
                   "--overwrite").returncode == 0
    assert (tmp_path / "small" / "customers" / "part-00000.parquet").read_bytes() != before


def test_rows_scale_multiplies_fixed_counts(small_schema: Path, tmp_path: Path):
    result = runner.invoke(app, ["generate", str(small_schema), "--out", str(tmp_path), "--rows-scale", "2.5"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "small" / "customers").num_rows == 500


def test_preview_prints_rows_and_writes_nothing(small_schema: Path, tmp_path: Path):
    result = runner.invoke(app, ["preview", str(small_schema), "--table", "orders", "-n", "3"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "small.orders — 3 of" in result.output
    assert list(tmp_path.iterdir()) == [small_schema]


def test_preview_unknown_table_suggests(small_schema: Path):
    result = runner.invoke(app, ["preview", str(small_schema), "--table", "order"])
    assert result.exit_code == 1
    assert "did you mean 'orders'?" in result.output


def test_fake_prints_n_deterministic_values():
    first = runner.invoke(app, ["fake", "pattern", "-n", "4", "-p", "format=ORD-####-??"])
    second = runner.invoke(app, ["fake", "pattern", "-n", "4", "-p", "format=ORD-####-??"])
    assert first.exit_code == 0, first.output
    lines = first.output.split()
    assert len(lines) == 4 and all(len(v) == 11 and v.startswith("ORD-") for v in lines)
    assert first.output == second.output


def test_fake_with_locale():
    result = runner.invoke(app, ["fake", "city", "-n", "3", "--locale", "de_DE"])
    assert result.exit_code == 0 and len(result.output.splitlines()) == 3


@pytest.mark.parametrize("args,message", [
    (["fake", "frist_name"], "did you mean 'first_name'?"),
    (["fake", "integer", "-p", "mx=3"], "did you mean 'max'?"),
    (["fake", "integer", "-p", "max=abc"], "parameter 'max' of 'integer'"),
    (["fake", "first_name", "--locale", "xx_XX"], "unsupported locale"),
])
def test_fake_bad_input_exits_1_with_a_clear_message(args: list[str], message: str):
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output


def test_generators_lists_and_searches_the_catalogue():
    result = runner.invoke(app, ["generators", "--search", "luhn"], terminal_width=250)
    assert result.exit_code == 0
    everything = runner.invoke(app, ["generators"], terminal_width=250)
    assert f"{len(registry.catalogue())} generators" in everything.output
    card = runner.invoke(app, ["generators", "--search", "card"], terminal_width=250)
    assert "credit_card_number" in card.output and "first_name" not in card.output


def test_catalogue_has_at_least_80_documented_generators_across_the_required_families():
    gens = registry.catalogue()
    assert len(gens) >= 80
    categories = {g.category for g in gens}
    for family in ("person", "address", "internet", "phone", "company", "commerce", "finance", "datetime",
                   "technical", "text", "identifiers", "health", "aviation"):
        assert family in categories
    assert all(g.description and g.example for g in gens)


def test_generator_reference_doc_is_current():
    assert (ROOT / "docs" / "generators.md").read_text() == catalogue_markdown(), \
        "regenerate with: mock-pipelines generators --markdown > docs/generators.md"
