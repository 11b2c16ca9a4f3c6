"""A data-quality report per dataset, as an asset downstream of all its tables."""

from collections.abc import Callable

import dagster as dg

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.checks import data_docs_folder
from mock_pipelines.defs.keys import table_asset_key
from mock_pipelines.defs.plan import ProfilePlan
from mock_pipelines.profiles.model import FilesDestination
from mock_pipelines.store.protocol import TableStore

REPORT_TABLE = "quality_report"


def build_report(plan: ProfilePlan) -> dg.Definitions:
    """Each dataset's quality report, read from the first files destination (a local folder or S3), else
    from the first database, and written under the profile's local ``reports/<profile>/`` folder."""
    from mock_pipelines.defs.stores import files_store_factory, sql_store_factory

    profile = plan.profile
    first = next((d for d in profile.destinations if isinstance(d, FilesDestination)), None)
    if first is None:
        database = sql_store_factory(profile)
        if database is None:
            return dg.Definitions()
        return dg.Definitions(assets=[
            build_report_asset(dataset, data_root="", reports_root=plan.reports_root, checks=profile.checks,
                               destination=database, profile=profile.profile)
            for dataset in plan.datasets.values()])
    location = first.location(profile.root)
    # credentials resolved when the report runs
    s3_store = files_store_factory(profile) if first.is_s3 else None
    return dg.Definitions(assets=[
        build_report_asset(dataset, data_root=location, reports_root=plan.reports_root, checks=profile.checks,
                           destination=s3_store, profile=profile.profile)
        for dataset in plan.datasets.values()])


def build_report_asset(plan: DatasetPlan, *, data_root: str, reports_root: str, checks: object,
                       destination: Callable[[], TableStore] | None = None,
                       profile: str | None = None) -> dg.AssetsDefinition:
    """Reads every table of the dataset from the first destination, runs the schema-derived checks and
    writes a self-contained HTML report (and links the GX Data Docs) under ``reports_root/<dataset>/``.

    ``destination``: makes the store to read from when the data is not the local folder ``data_root`` (S3 or
    a database: called when the asset runs, so credentials are read from the environment then, never
    stored in the definitions). ``profile``: the profile's name, shown on the page (``reports_root`` is the
    profile's own folder, so two profiles never write the same page)."""
    spec = plan.spec

    @dg.asset(key=table_asset_key(spec.name, REPORT_TABLE), group_name=spec.name, kinds={"html"},
              deps=[table_asset_key(spec.name, t) for t in plan.order()],
              description=f"Data-quality report of {spec.name}: row counts, column profiles, generated vs "
                          "declared distributions, check outcomes and provenance (self-contained HTML).")
    def _report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from pathlib import Path

        from mock_pipelines.defs.report_links import report_links, run_identity
        from mock_pipelines.quality.report import read_landed, render_report, write_report
        from mock_pipelines.quality.report.check_results import summarize_results
        from mock_pipelines.quality.report.markdown import markdown_summary

        # The results and column profiles the table assets recorded for the data that is landed are used
        # as they are (only what has none is read, batch by batch); the Data Docs site is rendered here.
        docs = Path(data_docs_folder(reports_root, spec.name))
        run_name, run_time = run_identity(context)
        landed = read_landed(spec, data_root, destination=destination() if destination is not None else None,
                             plan=plan, severity=checks, recorded=reports_root, data_docs=docs,
                             run_name=run_name, run_time=run_time)
        tables, provenance, results = landed.tables, landed.provenance, landed.results or []
        provenance.update({"profile": profile, "seed": plan.seed, "scale": plan.scale,
                           "generator_version": GENERATOR_VERSION, "spec_hash": spec.spec_hash(),
                           "run_id": context.run.run_id})
        if landed.read:
            context.log.info(f"read back (no matching record): {', '.join(landed.read[:20])}"
                             + (f" and {len(landed.read) - 20} more" if len(landed.read) > 20 else ""))
        target = Path(reports_root) / spec.name / "quality_report.html"
        write_report(target, render_report(spec, tables, results, provenance, plan=plan))
        counts = summarize_results(results)
        context.log.info(f"report written to {target}: {counts}")
        return dg.MaterializeResult(metadata={
            **report_links(report=target, data_docs=docs / "index.html" if (docs / "index.html").exists() else None),
            "summary": dg.MetadataValue.md(markdown_summary(spec, tables, results, provenance)),
            "checks_passed": counts["passed"], "checks_failed": counts["failed"],
            "checks_warned": counts["warned"],
        })

    return _report
