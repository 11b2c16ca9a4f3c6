"""What the project's own checks catch of a scenario that landed, as the ground-truth asset's metadata (the
CLI and the report read the same flags, from :mod:`mock_pipelines.quality.scenario_flags`).

The row-level rules of each table the scenario touches are evaluated on the scenario's rows as they landed
(read back from the store, partition by partition, each with the schema that partition landed with — a
drifted partition has its own; the foreign-key rules against the keys of the scenario's parent tables as
they landed), and scored against the ground truth of that table: per defect kind, how
many were injected, how many a rule could see, how many were caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.quality.scenario_flags import landed_flags
from mock_pipelines.quality.scoring import Detection, detection, score_markdown
from mock_pipelines.store.protocol import TableStore


def scenario_scores(scenario: ScenarioPlan, truth: pa.Table, landed: Mapping[str, Sequence[str | None]],
                    store: TableStore) -> dict[str, Detection]:
    """The score of the checks run on the landed rows of each table the scenario touches (``landed``: table →
    the partitions that landed, ``[None]`` for an unpartitioned table; the foreign-key rules check references
    against the keys of the scenario's parent tables as they landed) against ``truth``."""
    touched = [t for t, keys in landed.items() if scenario.table(t).touched and keys]
    flags = landed_flags(scenario.plan.spec, store, scenario.name, touched, scenario.plan, partitions=landed,
                         schema_of=lambda table, key: scenario.table(table).schema(key))
    return {table: detection(truth.filter(pc.equal(truth.column("table"), table)), found)
            for table, found in flags.items()}


def detection_markdown(scores: Mapping[str, Detection]) -> str:
    """The scores as Markdown, one section per table."""
    sections = []
    for table, found in scores.items():
        if not found:  # one line, not an empty table: a few partitions often leave a table untouched
            sections.append(f"**{table}**: nothing injected in what landed; the checks flagged "
                            f"{found.flagged:,} rows.")
            continue
        sections.append(f"**{table}**\n\n{score_markdown(found)}")
    return "\n\n".join(sections) or "the scenario changes no table"


def caught_by_kind(scores: Mapping[str, Detection]) -> dict[str, int]:
    """Entries the checks caught per defect kind, over every table: numbers the UI shows at a glance and
    plots from one materialisation to the next, beside the injected counts."""
    out: Counter[str] = Counter()
    for found in scores.values():
        for s in found:
            out[s.kind] += s.caught
    return dict(sorted(out.items()))
