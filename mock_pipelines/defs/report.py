"""A data-quality report per dataset, as an asset downstream of all its tables.

What the asset writes is made by :class:`DatasetReport`, which knows nothing of a step: ``mock-pipelines
run`` calls the same ``write`` when a failed check of severity ``error`` kept the asset from running, so the
report that shows the failure is written all the same."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.checks import data_docs_folder
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.profiles.model import FilesDestination
from mock_pipelines.store.protocol import TableStore

REPORT_TABLE = "quality_report"


@dataclass(frozen=True)
class WrittenReport:
    """A report on disk: its path, the Data Docs index (None when none was rendered), the check results it
    shows, what the asset's metadata is built from and what had to be read back."""

    path: Path
    data_docs: Path | None
    results: list[Any]
    counts: dict[str, int]
    markdown: str
    read: list[str]  # tables and partitions read back because no record matched what is landed


@dataclass(frozen=True)
class DatasetReport:
    """The quality report of one dataset of a profile: where its tables are read from and where it goes.

    ``data_root``: the local folder (or shown S3 location) the tables landed under; ``destination`` makes the
    store to read from when the data is not that local folder (S3 or a database: called when the report is
    written, so credentials are read from the environment then, never stored in the definitions);
    ``profile``: the profile's name, shown on the page (``reports_root`` is the profile's own folder, so two
    profiles never write the same page)."""

    plan: DatasetPlan
    data_root: str
    reports_root: str
    checks: object
    destination: Callable[[], TableStore] | None = None
    profile: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.reports_root) / self.plan.spec.name / "quality_report.html"

    def write(self, run_id: str, run_time: dt.datetime) -> WrittenReport:
        """Take the check results and column profiles recorded for the data that is landed (only what has
        none is read, batch by batch, and checked), render the GX Data Docs and write the HTML report."""
        from mock_pipelines.quality.data_docs import name_site
        from mock_pipelines.quality.report import read_landed, render_report, write_report
        from mock_pipelines.quality.report.check_results import summarize_results
        from mock_pipelines.quality.report.markdown import markdown_summary

        spec = self.plan.spec
        docs = Path(data_docs_folder(self.reports_root, spec.name))
        name_site(docs, spec.name + (f" · profile {self.profile}" if self.profile else ""))
        landed = read_landed(spec, self.data_root,
                             destination=self.destination() if self.destination is not None else None,
                             plan=self.plan, severity=self.checks, recorded=self.reports_root, data_docs=docs,
                             run_name=run_id, run_time=run_time)
        tables, provenance, results = landed.tables, landed.provenance, landed.results or []
        provenance.update({"profile": self.profile, "seed": self.plan.seed, "scale": self.plan.scale,
                           "generator_version": GENERATOR_VERSION, "spec_hash": spec.spec_hash(),
                           "run_id": run_id})
        write_report(self.path, render_report(spec, tables, results, provenance, plan=self.plan,
                                              scenarios=landed.scenarios))
        index = docs / "index.html"
        return WrittenReport(self.path, index if index.exists() else None, results, summarize_results(results),
                             markdown_summary(spec, tables, results, provenance), list(landed.read))


def dataset_reports(plan: ProfilePlan) -> dict[str, DatasetReport]:
    """Each dataset's report, read from the first files destination (a local folder or S3), else from the
    first database, and written under the profile's local ``reports/<profile>/`` folder (none without a
    destination to read from)."""
    from mock_pipelines.defs.stores import files_store_factory, sql_store_factory

    profile = plan.profile
    first = next((d for d in profile.destinations if isinstance(d, FilesDestination)), None)
    if first is None:
        database = sql_store_factory(profile)
        if database is None:
            return {}
        data_root, destination = "", database
    else:
        data_root = first.location(profile.root)
        destination = files_store_factory(profile) if first.is_s3 else None  # credentials resolved when run
    return {name: DatasetReport(dataset, data_root=data_root, reports_root=plan.reports_root,
                                checks=profile.checks, destination=destination, profile=profile.profile)
            for name, dataset in plan.datasets.items()}


def build_report(plan: ProfilePlan) -> dg.Definitions:
    reports = dataset_reports(plan)
    return dg.Definitions(assets=[build_report_asset(report) for report in reports.values()]) if reports \
        else dg.Definitions()


def build_report_asset(report: DatasetReport) -> dg.AssetsDefinition:
    """Reads every table of the dataset, runs the schema-derived checks (or reuses their recorded results)
    and writes a self-contained HTML report (and the GX Data Docs) under ``reports_root/<dataset>/``."""
    spec = report.plan.spec

    @dg.asset(key=table_asset_key(spec.name, REPORT_TABLE), group_name=spec.name, kinds={"html"},
              deps=[table_asset_key(spec.name, t) for t in report.plan.order()],
              description=f"Data-quality report of {spec.name}: row counts, column profiles, generated vs "
                          "declared distributions, check outcomes and provenance (self-contained HTML).")
    def _report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from mock_pipelines.defs.report_links import report_links, run_identity

        run_id, run_time = run_identity(context)
        written = report.write(run_id, run_time)
        if written.read:
            context.log.info(f"read back (no matching record): {', '.join(written.read[:20])}"
                             + (f" and {len(written.read) - 20} more" if len(written.read) > 20 else ""))
        context.log.info(f"report written to {written.path}: {written.counts}")
        return dg.MaterializeResult(metadata={
            **report_links(report=written.path, data_docs=written.data_docs),
            "summary": dg.MetadataValue.md(written.markdown),
            "checks_passed": written.counts["passed"], "checks_failed": written.counts["failed"],
            "checks_warned": written.counts["warned"],
        })

    return _report


def held_back_by_checks(selected: set[dg.AssetKey], materialised: set[dg.AssetKey],
                        evaluations: list[dg.AssetCheckEvaluation]) -> list[str]:
    """The datasets whose report a run selected but did not write because a check of severity ``error``
    failed on one of their tables (a blocking check: the steps downstream of it, the report's among them,
    were skipped)."""
    failed = {e.asset_key.path[0] for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR}
    return [dataset for dataset in sorted(failed)
            if table_asset_key(dataset, REPORT_TABLE) in selected - materialised]
