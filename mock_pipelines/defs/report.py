"""A data-quality report per dataset, as an asset downstream of all its tables."""

import dagster as dg

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.defs.assets import table_asset_key

REPORT_TABLE = "quality_report"


def build_report_asset(plan: DatasetPlan, *, data_root: str, reports_root: str, checks: object) -> dg.AssetsDefinition:
    """Reads every table of the dataset from the local destination, runs the schema-derived checks and
    writes a self-contained HTML report (and GX Data Docs) under ``reports_root/<dataset>/``."""
    spec = plan.spec

    @dg.asset(key=table_asset_key(spec.name, REPORT_TABLE), group_name=spec.name, kinds={"html"},
              deps=[table_asset_key(spec.name, t) for t in plan.order()],
              description=f"Data-quality report of {spec.name}: row counts, column profiles, generated vs "
                          "declared distributions, check outcomes and provenance (self-contained HTML).")
    def _report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from pathlib import Path

        from mock_pipelines.quality import report

        tables, provenance = report.load_tables(data_root, spec)
        provenance.update({"seed": plan.seed, "scale": plan.scale, "generator_version": GENERATOR_VERSION,
                           "spec_hash": spec.spec_hash(), "run_id": context.run.run_id})
        results = report.run_checks(spec, tables, seed=plan.seed, scale=plan.scale, locale=plan.locale,
                                    severity=dict(getattr(checks, "overrides", {}))) or []
        target = Path(reports_root) / spec.name / "quality_report.html"
        report.write_report(target, report.render_report(spec, tables, results, provenance))
        counts = report.summarize_results(results)
        context.log.info(f"report written to {target}: {counts}")
        return dg.MaterializeResult(metadata={
            "report": dg.MetadataValue.path(str(target)),
            "summary": dg.MetadataValue.md(report.markdown_summary(spec, tables, results, provenance)),
            "checks_passed": counts["passed"], "checks_failed": counts["failed"],
            "checks_warned": counts["warned"],
        })

    return _report
