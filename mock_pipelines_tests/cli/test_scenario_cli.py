"""`mock-pipelines scenario`: without a name it lists the scenarios a schema declares; with one it writes
every table of `<dataset>__<scenario>` and its ground truth `_defects`, which names exactly the damaged
cells of what was written; an unknown name is one error line with the near miss, and nothing is written."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.schema import parse
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE, DefectRule, ScenarioSpec
from mock_pipelines.store.files.store import FileStore

runner = CliRunner()
SHOP = str(Path(__file__).resolve().parents[2] / "schemas" / "shop.yaml")
DIRTY = ScenarioSpec("dirty", "negative", description="a defect twin", defects=(
    DefectRule("missing", "customers", "email", rate=0.2),
    DefectRule("duplicate", "customers", rate=0.1),
))
ORPHANS = ScenarioSpec("orphans", "negative", description="orders of customers who do not exist", defects=(
    DefectRule("orphan", "orders", "customer_id", rate=0.2),
))


@pytest.fixture(autouse=True)
def declared(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop schema declares the scenario `dirty` (as a `scenarios:` block in its YAML would)."""
    load = parse.load_dataset

    def load_with_scenario(path, *args, **kwargs):
        spec = load(path, *args, **kwargs)
        return dataclasses.replace(spec, scenarios={**spec.scenarios, "dirty": DIRTY, "orphans": ORPHANS})

    monkeypatch.setattr(parse, "load_dataset", load_with_scenario)


def test_without_a_name_the_declared_scenarios_are_listed() -> None:
    result = runner.invoke(app, ["scenario", SHOP])
    assert result.exit_code == 0, result.output
    assert "dirty" in result.output and "negative" in result.output and "customers" in result.output


def test_a_scenario_lands_every_table_and_a_ground_truth_that_matches_the_data(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", SHOP, "dirty", "--out", str(tmp_path), "--rows-scale", "0.05",
                                 "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    store = FileStore(tmp_path, "jsonl")
    for table in ("categories", "customers", "orders", GROUND_TRUTH_TABLE):
        assert store.has_data("shop__dirty", table), table
    data = store.read("shop__dirty", "customers")
    truth = store.read("shop__dirty", GROUND_TRUTH_TABLE)
    keys = pc.cast(data.column("customer_id"), "string").to_pylist()
    missing = truth.filter(pc.equal(truth.column("kind"), "missing"))
    assert {k for k, e in zip(keys, data.column("email").to_pylist(), strict=True) if e is None} == \
        set(missing.column("row_key").to_pylist())
    copied = {k for k, n in Counter(keys).items() if n > 1}
    assert copied == set(truth.filter(pc.equal(truth.column("kind"), "duplicate")).column("row_key").to_pylist())
    assert "missing" in result.output and "duplicate" in result.output  # the summary counts the kinds


def caught_table(output: str) -> dict[str, tuple[int, int, int, str]]:
    """The rows of the printed "what the checks caught" table: kind -> (injected, detectable, caught, recall)."""
    rows = {}
    for line in output.split("what the checks caught", 1)[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 5 and cells[1].replace(",", "").isdigit():
            rows[cells[0]] = (*(int(c.replace(",", "")) for c in cells[1:4]), cells[4])
    return rows


def test_the_checks_score_is_printed_per_kind_after_the_ground_truth_counts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", SHOP, "dirty", "--out", str(tmp_path), "--rows-scale", "0.05",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.index("ground truth:") < result.output.index("what the checks caught")
    truth = FileStore(tmp_path, "csv").read("shop__dirty", GROUND_TRUTH_TABLE)
    counts = Counter(truth.column("kind").to_pylist())
    rows = caught_table(result.output)
    assert set(rows) == set(counts) == {"missing", "duplicate"}
    for kind, (injected, detectable, caught, recall) in rows.items():  # the key and not-null rules see them all
        assert injected == detectable == caught == counts[kind] > 0 and recall == "100%"
    assert "false positives: 0 of" in result.output


def test_the_foreign_key_check_scores_orphans_against_the_parents_the_scenario_landed(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", SHOP, "orphans", "--out", str(tmp_path), "--rows-scale", "0.05"])
    assert result.exit_code == 0, result.output
    truth = FileStore(tmp_path).read("shop__orphans", GROUND_TRUTH_TABLE)
    injected, detectable, caught, _ = caught_table(result.output)["orphan"]
    assert injected == detectable == caught == truth.num_rows > 0


def test_a_range_of_partitions_lands_each_partition_of_the_growing_tables(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", SHOP, "dirty", "--out", str(tmp_path), "--rows-scale", "0.05",
                                 "--from", "2024-01-01", "--to", "2024-01-02"])
    assert result.exit_code == 0, result.output
    store = FileStore(tmp_path)
    assert store.list_partitions("shop__dirty", "customers") == ["2024-01-01", "2024-01-02"]
    truth = store.read("shop__dirty", GROUND_TRUTH_TABLE)
    customers = truth.filter(pc.equal(truth.column("table"), "customers"))
    assert set(customers.column("partition").to_pylist()) <= {"2024-01-01", "2024-01-02"}


def test_an_unknown_scenario_is_one_error_line_with_the_near_miss_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["scenario", SHOP, "dirt", "--out", str(out)])
    assert result.exit_code == 1
    assert "no scenario 'dirt'" in result.output and "did you mean 'dirty'?" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
