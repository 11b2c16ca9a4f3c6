"""A self-contained HTML data-quality report for one dataset: profile, declared-vs-generated charts, checks.

One HTML file with inline CSS and inline SVG charts drawn here (no JavaScript, no web fonts, no network,
no plotting library), so it can be attached to a CI run, mailed, or opened from a bucket. It shows:

* a header with the dataset, its description, provenance (seed, spec hash, generator version, content
  hash per table, generation time) and the check outcome as coloured badges;
* an overview of the tables (rows, columns, partitions, check counts);
* per table: rows per partition, change events per partition (inserts, updates and deletes of a table with
  ``changes:``), children per parent against the declared count distribution, a column
  profile (type, nulls against the declared null rate, distinct values, min/max, top values), one chart per
  column with a declared distribution (histogram + declared density, generated share vs declared weight,
  rank-frequency on log axes for Zipf values and Zipf-skewed foreign keys) and the check outcomes.

The modules, from data to page: :mod:`.landed` gives what the report shows of landed data — the results and
column profiles the check steps recorded where they match what landed, else the data streamed batch by
batch into the one runner and a column profile — :mod:`.loading` reads whole tables (a database, or
callers that want the rows), :mod:`.checks` runs the schema-derived checks on tables in memory,
:mod:`.profile` compares the column profile with the spec, :mod:`.declared` turns generator facts into distributions,
:mod:`.in_force` says what is in force for the run (row counts at its scale, ranges, parameters that apply),
:mod:`.charts` compares the data with them and :mod:`.svg` draws the charts, :mod:`.html` renders the page
(:mod:`.markdown` a short summary) and :mod:`.writer` writes it. Nothing here imports Dagster; Great
Expectations is imported only when checks run.

The report's entry points — load, check, render, write — are exported here; everything else is imported from
the module that defines it.
"""

from mock_pipelines.quality.report.checks import run_checks
from mock_pipelines.quality.report.html import render_report
from mock_pipelines.quality.report.landed import read_landed
from mock_pipelines.quality.report.loading import load_tables
from mock_pipelines.quality.report.writer import write_report

__all__ = ["load_tables", "read_landed", "render_report", "run_checks", "write_report"]
