"""What the project's own checks catch of a scenario that landed: the one place the Dagster layer (and the
CLI) calls :mod:`mock_pipelines.quality.scoring`.

The row-level rules of each table the scenario touches are evaluated on the scenario's rows as they landed
(read back from the store, partition by partition, each with the schema that partition landed with — a
drifted partition has its own; the foreign-key rules against the keys of the scenario's parent tables as
they landed), and scored against the ground truth of that table: per defect kind, how
many were injected, how many a rule could see, how many were caught.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.store.protocol import TableStore


def detection_markdown(scenario: ScenarioPlan, truth: pa.Table, landed: Mapping[str, Sequence[str | None]],
                       store: TableStore) -> str | None:
    """A Markdown score, one section per table the scenario touches, of the checks run on the landed rows
    (``landed``: table → the partitions that landed, ``[None]`` for an unpartitioned table; the foreign-key
    rules check references against the keys of the scenario's parent tables as they landed) against
    ``truth``; None when the scoring module is not available."""
    try:
        from mock_pipelines.quality import scoring
        from mock_pipelines.quality.scenario_flags import landed_flags
    except ImportError:
        return None
    touched = [t for t, keys in landed.items() if scenario.table(t).touched and keys]
    flags = landed_flags(scenario.plan.spec, store, scenario.name, touched, scenario.plan, partitions=landed,
                         schema_of=lambda table, key: scenario.table(table).schema(key))
    sections = []
    for table, found in flags.items():
        own = truth.filter(pc.equal(truth.column("table"), table))
        scores = scoring.detection(own, found)
        if not scores:  # one line, not an empty table: a few partitions often leave a table untouched
            sections.append(f"**{table}**: nothing injected in what landed; the checks flagged "
                            f"{scores.flagged:,} rows.")
            continue
        sections.append(f"**{table}**\n\n{scoring.score_markdown(scores)}")
    return "\n\n".join(sections) or "the scenario changes no table"
