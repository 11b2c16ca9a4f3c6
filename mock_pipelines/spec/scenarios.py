"""Scenarios: named variants of a dataset that feed a pipeline under test on purpose.

A scenario is generated from the same seed as the clean dataset and lands as a dataset of its own, named
``<dataset>__<scenario>`` (:func:`scenario_dataset`): every table of the dataset, clean except where the
scenario says otherwise, plus the ground-truth table :data:`GROUND_TRUTH_TABLE` that lists every row the scenario
made different and why. Three kinds:

* ``positive`` — records that satisfy every declared rule; with ``edge_cases`` it mixes in boundary values
  that still keep the rules (each listed in the ground truth);
* ``negative`` — a *defect twin*: the clean rows with defects injected at declared rates (``rate`` per rule), or
  exactly one defect in a declared share of the records (``share`` with a ``weight`` per rule);
* ``exclusion`` — records the system under test must filter out (test accounts, records outside a window,
  rows matching a predicate), listed in the ground truth with their reason.

The catalogue of defect kinds lives in :mod:`mock_pipelines.core.defects`; this module only holds what a
schema declares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_pipelines.spec.errors import Location

SCENARIO_KINDS = ("positive", "negative", "exclusion")
GROUND_TRUTH_TABLE = "_defects"  # written next to the data of every scenario
MAX_SCENARIOS = 64
MAX_RULES_PER_TABLE = 64  # defect, exclusion and edge-case rules of one scenario on one table


def scenario_dataset(dataset: str, scenario: str) -> str:
    """The name a scenario's data lands under: a dataset namespace of its own beside the clean one."""
    return f"{dataset}__{scenario}"


@dataclass(frozen=True)
class DefectRule:
    """One kind of defect injected into one table (``column`` None: a row- or partition-level kind such as
    ``duplicate`` or ``schema_drift``). ``rate``: the share of rows (partitions, for partition-level kinds)
    it damages, independently of the other rules; in a scenario with ``share``, ``weight`` instead: how often
    this rule is the one defect of a negative record. ``params``: what the kind takes beyond these
    (:mod:`mock_pipelines.core.defects` documents each)."""

    kind: str
    table: str
    column: str | None = None
    rate: float | None = None
    weight: float = 1.0
    params: dict[str, Any] = field(default_factory=dict)
    location: Location | None = None


@dataclass(frozen=True)
class ExclusionRule:
    """Records a system under test must filter out, marked in the ground truth with ``reason``.

    Exactly one of: ``set`` (a share ``rate`` of the rows get these column values — templates such as
    ``"test+{customer_id}@example.com"``: test accounts), ``shift`` (a share ``rate`` of the rows get the time
    column ``shift_column`` moved by ``shift_days``: records outside the window) or ``where`` (the clean rows
    for which the expression holds, unchanged)."""

    reason: str
    table: str
    rate: float | None = None
    set: dict[str, str] = field(default_factory=dict)
    shift_column: str | None = None
    shift_days: float | None = None
    where: str | None = None
    location: Location | None = None


@dataclass(frozen=True)
class EdgeCaseRule:
    """Boundary values of a column's generator (min, max, empty and longest strings, Unicode edge cases, leap
    days, DST transitions, NaN/±inf where the type allows) mixed in at ``rate``. In a positive scenario only
    the values that keep every rule of the column are used; elsewhere any, and those that break a rule are
    labelled with it."""

    table: str
    column: str
    rate: float
    location: Location | None = None


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    kind: str  # one of SCENARIO_KINDS
    description: str = ""
    share: float | None = None  # negative: the share of records with exactly one defect (rules weighted)
    defects: tuple[DefectRule, ...] = ()
    exclusions: tuple[ExclusionRule, ...] = ()
    edge_cases: tuple[EdgeCaseRule, ...] = ()
    location: Location | None = None

    @property
    def one_per_record(self) -> bool:
        return self.share is not None

    def tables(self) -> list[str]:
        """The tables this scenario changes, in declared order."""
        names = [r.table for r in (*self.defects, *self.exclusions, *self.edge_cases)]
        return list(dict.fromkeys(names))
