"""The worked example of docs/scenarios.md: a tiny pipeline that cleans the shop's customers, scored against
the ground truth of the `dirty` and `excluded` scenarios. The code is docs/examples/score_my_pipeline.py, which
the page shows verbatim (checked here), with the output it prints (checked here too)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "score_my_pipeline.py"
PAGE = ROOT / "docs" / "scenarios.md"


def _load_example():
    spec = importlib.util.spec_from_file_location("score_my_pipeline", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = _load_example()


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> Path:
    """The shop's `dirty` and `excluded` scenarios, written as the page tells the reader to."""
    out = tmp_path_factory.mktemp("shop-scenarios")
    for name in ("dirty", "excluded"):
        result = CliRunner().invoke(app, ["scenario", str(ROOT / "schemas" / "shop.yaml"), name, "--out", str(out)])
        assert result.exit_code == 0, result.output
    return out


def _truth(scenarios: Path, name: str):
    truth = pq.read_table(scenarios / f"shop__{name}" / "_defects")
    return truth.filter(pc.equal(truth["table"], "customers"))


def _by_kind(scores) -> dict:
    return {s.kind: s for s in scores}


def test_the_pipeline_catches_every_missing_or_malformed_email_and_every_copied_customer(scenarios, capsys):
    detection = example.main(scenarios / "shop__dirty")
    scores = _by_kind(detection)
    truth = _truth(scenarios, "dirty")
    injected = truth.group_by("kind").aggregate([([], "count_all")]).to_pylist()
    # every kind the scenario injected into customers is scored, with as many entries as the truth lists
    assert {r["kind"]: r["count_all"] for r in injected} == {k: s.injected for k, s in scores.items()}
    for handled in ("missing", "malformed", "duplicate", "near_duplicate"):
        assert scores[handled].recall == 1.0, scores[handled]
    # the kinds no step looks for: each step names the rule kind it enforces, so a dropped row is not
    # credited with another defect it happens to carry
    for ignored in ("typo", "mojibake", "invalid_date", "out_of_range"):
        assert scores[ignored].injected > 0 and scores[ignored].caught == 0, scores[ignored]
    assert detection.false_positives == 0 and detection.flagged > 0
    assert "false positives: 0 of the" in capsys.readouterr().out


def test_the_pipeline_drops_the_test_accounts_but_keeps_the_internal_accounts(scenarios):
    scores = _by_kind(example.main(scenarios / "shop__excluded"))
    reasons = set(_truth(scenarios, "excluded")["reason"].to_pylist())
    assert {f"excluded:{r}" for r in reasons} == set(scores)
    assert scores["excluded:test_account"].recall == 1.0
    assert scores["excluded:internal"].injected > 0 and scores["excluded:internal"].recall == 0.0


def test_a_pipeline_that_does_nothing_scores_zero(scenarios):
    for name in ("dirty", "excluded"):
        scores = example.main(scenarios / f"shop__{name}", steps=[(lambda customers: customers, None, None)])
        assert len(scores) > 0 and scores.flagged == 0
        assert all(s.caught == 0 and s.recall == 0.0 for s in scores), scores


def test_the_cleaned_customers_have_one_row_per_id_a_well_formed_email_and_no_test_account(scenarios):
    customers = pq.read_table(scenarios / "shop__dirty" / "customers").to_pandas()
    cleaned = example.clean_customers(customers)
    assert len(cleaned) < len(customers)
    assert cleaned["customer_id"].is_unique
    assert cleaned["email"].str.fullmatch(example.EMAIL).all()
    assert not cleaned["email"].str.startswith("test+").any()


def test_the_page_shows_the_example_verbatim_and_the_output_it_prints(scenarios, capsys):
    page = PAGE.read_text(encoding="utf-8")
    code = EXAMPLE.read_text(encoding="utf-8")
    assert f"```python\n{code}```\n" in page, \
        "docs/scenarios.md must show docs/examples/score_my_pipeline.py verbatim in a ```python block"
    for name in ("dirty", "excluded"):
        capsys.readouterr()
        example.main(scenarios / f"shop__{name}")
        printed = capsys.readouterr().out
        assert f"```text\n{printed}```\n" in page, \
            f"docs/scenarios.md must show what the example prints for shop__{name}:\n{printed}"
    # the page runs the example on the scenarios it wrote (the docs test runs these commands)
    assert re.search(r"python docs/examples/score_my_pipeline\.py /tmp/\S+/shop__dirty", page)
