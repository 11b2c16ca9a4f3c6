"""The profile's `scenarios:` key: names of scenarios the profile's datasets declare, or `all`; a name no
dataset declares is an error at its file:line with the near miss; scenarios land in files destinations;
profiles without the key keep their fingerprint."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.schema import parse
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec
from mock_pipelines_tests import test_profiles
from mock_pipelines_tests.test_profiles import MINIMAL, at, pos, single, write

home = test_profiles.home  # a project root of its own, with a copy of the schemas

DIRTY = ScenarioSpec("dirty", "negative", defects=(DefectRule("missing", "customers", "email", rate=0.1),))


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop schema declares the scenario `dirty` (as a `scenarios:` block in its YAML would)."""
    load = parse.load_dataset

    def load_with_scenario(path, *args, **kwargs):
        spec = load(path, *args, **kwargs)
        scenarios = {"dirty": DIRTY} if spec.name == "shop" else {}
        return dataclasses.replace(spec, scenarios={**spec.scenarios, **scenarios})

    monkeypatch.setattr(parse, "load_dataset", load_with_scenario)


def test_a_declared_scenario_or_all_is_selected_for_the_datasets_declaring_it(home: Path, declared) -> None:
    write(home, "twin", MINIMAL.format(name="twin") + "scenarios: [dirty]\n")
    profile = load_profile("twin")
    assert profile.scenarios == ["dirty"]
    assert profile.selected_scenarios(["dirty", "edge"]) == ["dirty"]
    assert profile.selected_scenarios([]) == []
    write(home, "every", MINIMAL.format(name="every") + "scenarios: all\n")
    assert load_profile("every").selected_scenarios(["dirty", "edge"]) == ["dirty", "edge"]


def test_a_scenario_no_dataset_declares_is_located_with_the_near_miss(home: Path, declared) -> None:
    text = MINIMAL.format(name="broken") + "scenarios: [dirt]\n"
    issue = single(home, text)
    assert at(issue) == pos(text, "dirt]")
    assert "'dirt'" in issue.message and "no dataset of the profile declares" in issue.message
    assert "dirty (shop)" in (issue.expected or "")
    assert issue.suggestion == "dirty"


@pytest.fixture
def undeclared(monkeypatch: pytest.MonkeyPatch) -> None:
    """No schema declares a scenario (the shipped shop schema does: its block is left out)."""
    load = parse.load_dataset
    monkeypatch.setattr(parse, "load_dataset",
                        lambda path, *a, **k: dataclasses.replace(load(path, *a, **k), scenarios={}))


def test_scenarios_all_without_any_declared_scenario_is_an_error(home: Path, undeclared) -> None:
    issue = single(home, MINIMAL.format(name="broken") + "scenarios: all\n")
    assert "no dataset of the profile declares a scenario" in issue.message


def test_a_single_name_instead_of_a_list_and_names_twice_are_errors(home: Path, declared) -> None:
    issue = single(home, MINIMAL.format(name="broken") + "scenarios: dirty\n")
    assert "neither a list of scenario names nor `all`" in issue.message
    assert issue.suggestion == "scenarios: [dirty]"
    issue = single(home, MINIMAL.format(name="broken") + "scenarios: [dirty, dirty]\n")
    assert "listed more than once" in issue.message


def test_scenarios_with_a_sql_destination_load(home: Path, declared) -> None:
    write(home, "twin_sql", MINIMAL.format(name="twin_sql") + "  - kind: sql\n    url: sqlite:///data/x.db\n"
          "scenarios: [dirty]\n")
    profile = load_profile("twin_sql")
    assert profile.scenarios == ["dirty"] and [d.kind for d in profile.destinations][-1] == "sql"


def test_profiles_without_scenarios_keep_their_fingerprint(home: Path, declared) -> None:
    write(home, "fp", MINIMAL.format(name="fp"))
    before = load_profile("fp").fingerprint()
    write(home, "fp", MINIMAL.format(name="fp") + "scenarios: []\n")
    assert load_profile("fp").fingerprint() == before
    write(home, "fp", MINIMAL.format(name="fp") + "scenarios: [dirty]\n")
    assert load_profile("fp").fingerprint() != before
