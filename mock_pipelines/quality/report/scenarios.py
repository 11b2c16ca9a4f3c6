"""The report's "Scenarios: what the checks caught" section: for each scenario of the dataset whose ground
truth landed (``<dataset>__<scenario>/_defects``), the project's row-level rules are run on the scenario's
landed tables (:mod:`mock_pipelines.quality.scenario_flags`, partition by partition, streamed) and set
against the ground truth (:func:`~mock_pipelines.quality.scoring.detection`): per defect kind, how many were
injected, how many a rule could see, how many the checks caught."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mock_pipelines.quality.report.formatting import esc
from mock_pipelines.quality.scenario_flags import landed_flags, scored
from mock_pipelines.quality.scoring import Detection, KindScore
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE, scenario_dataset


def landed_scores(spec: DatasetSpec, store: Any, plan: Any, *, batch_rows: int | None = None
                  ) -> dict[str, Detection]:
    """The detection score of every scenario of ``spec`` whose ground truth ``store`` (a files store) holds;
    scenarios that did not land are left out. ``plan``: the run's dataset plan (its locale, and which tables
    are partitioned)."""
    out: dict[str, Detection] = {}
    for name in spec.scenarios:
        dataset = scenario_dataset(spec.name, name)
        try:
            truth = store.read(dataset, GROUND_TRUTH_TABLE)
        except (FileNotFoundError, OSError):
            continue
        flags = landed_flags(spec, store, dataset, truth["table"].to_pylist(), plan, batch_rows=batch_rows)
        out[name] = scored(truth, flags)
    return out


def report_section(scores: Mapping[str, Sequence[KindScore]]) -> str:
    """The HTML section: one table per scenario (kind, injected, detectable, caught, recall, the rules that
    caught them), the false positives under it. Empty when no scenario was scored."""
    if not scores:
        return ""
    h = ['<section class="card" id="scenarios"><h2>Scenarios: what the checks caught</h2>',
         '<p class="meta">Each scenario\'s ground truth (<span class=mono>_defects</span>) set against the rows '
         "the schema's row-level rules flag in the scenario's landed data. <i>Detectable</i>: entries that break "
         "a rule (an exclusion or an edge case that keeps the rules is for the pipeline under test to find); "
         "<i>recall</i>: caught of injected.</p>"]
    for name, found in scores.items():
        h.append(f"<h3 class=mono>{esc(name)}</h3>")
        if not found:
            h.append('<p class="note">Nothing injected.</p>')
            continue
        body = "".join(
            f"<tr><td class=mono>{esc(s.kind)}</td><td>{esc(s.group)}</td><td class=num>{s.injected:,}</td>"
            f"<td class=num>{s.detectable:,}</td><td class=num>{s.caught:,}</td>"
            f'<td class=num><span class="{_recall_class(s)}">{s.recall:.0%}</span></td>'
            f"<td class=cell>{esc(', '.join(s.rules)) if s.rules else '<span class=note>—</span>'}</td></tr>"
            for s in found)
        h.append('<div class="scroll"><table class="grid"><tr><th>kind</th><th>group</th>'
                 "<th class=num>injected</th><th class=num>detectable</th><th class=num>caught</th>"
                 f"<th class=num>recall</th><th>caught by</th></tr>{body}</table></div>")
        if isinstance(found, Detection):
            h.append(f'<p class="meta">False positives: {found.false_positives:,} of {found.flagged:,} flagged '
                     "rows have no entry in the ground truth.</p>")
    h.append("</section>")
    return "".join(h)


def _recall_class(score: KindScore) -> str:
    """Green when every entry a rule could see was caught, amber when some were missed, plain otherwise."""
    if score.detectable == 0:
        return "note"
    return "ok" if score.caught >= score.detectable else "off"

