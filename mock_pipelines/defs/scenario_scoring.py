"""What the project's own checks catch of a scenario that landed: the one place the Dagster layer (and the
CLI) calls :mod:`mock_pipelines.quality.scoring`.

The row-level rules of each table the scenario touches are evaluated on the scenario's rows as they landed
(read back from the store, partition by partition, each with the schema that partition landed with — a
drifted partition has its own), and scored against the ground truth of that table: per defect kind, how
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
    (``landed``: table → the partitions that landed, ``[None]`` for an unpartitioned table) against
    ``truth``; None when the scoring module is not available."""
    try:
        from mock_pipelines.quality import scoring
    except ImportError:
        return None
    sections = []
    for table, keys in landed.items():
        st = scenario.table(table)
        if not st.touched or not keys:
            continue
        flags = [scoring.rule_flags(scenario.plan.spec, table,
                                    store.read_batches(scenario.name, table, k, schema=st.schema(k)),
                                    locale=scenario.plan.locale, partitioned=st.clean.is_partitioned)
                 for k in keys]
        own = truth.filter(pc.equal(truth.column("table"), table))
        scores = scoring.detection(own, pa.concat_tables(flags, promote_options="permissive"))
        sections.append(f"**{table}**\n\n{scoring.score_markdown(scores)}")
    return "\n\n".join(sections) or "the scenario changes no table"
