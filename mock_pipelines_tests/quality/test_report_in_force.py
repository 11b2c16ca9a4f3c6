"""The HTML report compares the data with the figures in force for the run that wrote it: declared rates and
row counts at the run's scale, rounded values on their grid, ranges moved by ``after:``, every figure marked
off listed under "Needs attention", and one page per dataset and profile."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.quality.report.html import render_report
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines_tests.quality.support import report_figures

runner = CliRunner()

GROWING = """\
dataset: growing
seed: 5
tables:
  customers:
    rows: 1000
    primary_key: customer_id
    partitioned: {time_column: signup_ts, rows_per_day: 400, weekday_weights: [2, 1, 1, 1, 1, 0.5, 0.5]}
    columns:
      customer_id: sequence
      signup_ts: {gen: timestamp, start: 2024-01-01, end: 2024-12-31}
  products:
    rows: 1000
    primary_key: product_id
    columns:
      product_id: sequence
"""

ROUNDED = """\
dataset: rounded
seed: 9
tables:
  rates:
    rows: 60000
    columns:
      merit: {dist: "uniform(0.0, 0.03, round=3)"}
      share: {gen: uniform, min: 0.0, max: 1.7, round: 2}
      price: {gen: uniform, min: 10, max: 20, type: "decimal(8,2)"}
"""

AFTER = """\
dataset: after
seed: 4
tables:
  staff:
    rows: 400
    primary_key: staff_id
    columns:
      staff_id: sequence
      hired: {gen: date, start: 2010-01-01, end: 2012-12-31}
      left: {gen: date, after: hired, max_delay_days: 5000}
      badge_ts: {gen: timestamp, start: 2010-01-01, end: 2012-12-31}
      audit_ts: {gen: timestamp, after: badge_ts, min_delay_days: 1, max_delay_days: 2}
"""


def _spec(tmp_path: Path, text: str):
    path = tmp_path / "schema.yaml"
    path.write_text(text)
    return load_dataset(path)


def _tables(plan: DatasetPlan) -> dict[str, pa.Table]:
    out = {}
    for name in plan.order():
        tp = plan.table(name)
        out[name] = pa.Table.from_batches(list(tp.batches()), schema=tp.arrow_schema)
    return out


def _attention(html: str) -> str:
    start = html.find('id="attention"')
    return "" if start < 0 else html[start:html.index("</section>", start)]


def _partitioned(spec, scale: float) -> dict[str, object]:
    """Fourteen daily partitions of customers and the whole products table, as a run at ``scale`` lands them."""
    plan = DatasetPlan(spec, PlanOptions(scale=scale, partitions=PartitionScheme(dt.datetime(2024, 1, 1))))
    tp = plan.table("customers")
    days = {}
    for i in range(14):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=i)
        part = tp.slice(start, start + dt.timedelta(days=1))
        days[start.isoformat()] = pa.Table.from_batches(list(part.batches()), schema=tp.arrow_schema)
    products = plan.table("products")
    return {"customers": days,
            "products": pa.Table.from_batches(list(products.batches()), schema=products.arrow_schema)}


# ---- 1. declared rates and row counts at the run's scale --------------------------------------------------

def test_daily_rows_are_compared_with_the_declared_rate_times_the_scale(tmp_path):
    spec = _spec(tmp_path, GROWING)
    tables = _partitioned(spec, scale=0.05)
    html = render_report(spec, tables, [], {"seed": 5, "scale": 0.05})
    flag, body = report_figures(html)["rows per partition (14 partitions)"]
    assert not flag, "a run at scale 0.05 judged against the unscaled daily rate"
    assert "declared 400/day × scale 0.05 = 20/day" in body
    assert "⚠ off" not in html


def test_daily_rows_off_the_scaled_rate_are_flagged_and_listed(tmp_path):
    spec = _spec(tmp_path, GROWING)
    tables = _partitioned(spec, scale=0.05)
    html = render_report(spec, tables, [], {"seed": 5, "scale": 1.0})  # the scale of another run
    assert report_figures(html)["rows per partition (14 partitions)"][0]
    assert "rows per partition (14 partitions)" in _attention(html)


def test_declared_row_counts_are_scaled_and_a_profile_plan_is_in_force(tmp_path):
    spec = _spec(tmp_path, GROWING)
    tables = _partitioned(spec, scale=0.05)
    html = render_report(spec, tables, [], {"seed": 5, "scale": 0.05})
    assert re.search(r">products</a></td><td class=num>50<span class=\"sub\">declared 1,000 × scale 0.05</span>",
                     html)
    # a Dagster run passes its plan: a profile's row override is the count in force
    plan = DatasetPlan(spec, PlanOptions(scale=0.05, rows={"products": 50}))
    html = render_report(spec, tables, [], {"seed": 5}, plan=plan)
    assert "profile override" in html and "⚠ off" not in html
    # the same data judged against the unscaled count is off, and said so under Needs attention
    html = render_report(spec, {"products": tables["products"]}, [], {"seed": 5, "scale": 1.0})
    assert "declared 1,000" in html and "row count" in _attention(html)


# ---- 2. rounded values binned on their grid ---------------------------------------------------------------

def test_rounded_values_are_binned_on_their_grid_and_not_judged_off(tmp_path):
    spec = _spec(tmp_path, ROUNDED)
    html = render_report(spec, _tables(DatasetPlan(spec)))
    figures = report_figures(html)
    for prefix in ("merit ~ uniform(0, 0.03)", "share ~ uniform(0, 1.7)", "price ~ uniform(10, 20)"):
        (title,) = [t for t in figures if t.startswith(prefix)]
        assert not figures[title][0], f"{title}: rounded values judged off their declared distribution"
    assert "⚠ off" not in html and 'id="attention"' not in html


# ---- 3. bounds in force ---------------------------------------------------------------------------------

def test_a_column_after_another_shows_the_range_in_force(tmp_path):
    spec = _spec(tmp_path, AFTER)
    html = render_report(spec, _tables(DatasetPlan(spec)))
    rows = {m[0]: m[1] for m in re.findall(r"<b class=mono>(\w+)</b>(.*?)</tr>", html, flags=re.S)}
    # `left` follows `hired` by up to 5000 days: not the date generator's default 2020-01-01 … 2024-12-31
    assert "date(after=hired, max_delay_days=5000)" in rows["left"]
    assert "2020-01-01" not in rows["left"] and "2024-12-31" not in rows["left"]
    assert "declared 2010-01-01 – 2026-09-09" in rows["left"]
    assert "declared 2010-01-01 – 2012-12-31" in rows["hired"]
    assert "start=" not in rows["audit_ts"] and "end=" not in rows["audit_ts"]
    assert "declared 2010-01-02 – 2013-01-02 23:59:59.999999" in rows["audit_ts"]
    assert "min_delay_days" not in rows["badge_ts"]  # delays apply only after another column
    assert "⚠ off" not in html


def test_values_outside_the_range_in_force_are_listed(tmp_path):
    spec = _spec(tmp_path, AFTER)
    staff = _tables(DatasetPlan(spec))["staff"]
    late = staff.set_column(staff.column_names.index("left"), "left",
                            pa.array([dt.date(2031, 1, 1)] * staff.num_rows, type=pa.date32()))
    html = render_report(spec, {"staff": late})
    assert "declared 2010-01-01 – 2026-09-09" in html
    assert "left: range" in _attention(html) and "2031-01-01" in _attention(html)


# ---- 4. every figure marked off is listed under Needs attention -----------------------------------------

def test_every_flagged_chart_and_profile_figure_is_under_needs_attention(tmp_path):
    spec = _spec(tmp_path, ROUNDED)
    rates = _tables(DatasetPlan(spec))["rates"]
    n = rates.num_rows
    rates = rates.set_column(0, "merit", pa.array([0.029] * n))  # a chart far off its declared shape
    rates = rates.set_column(1, "share", pa.array([None] * 100 + [0.5] * (n - 100), type=pa.float64()))
    html = render_report(spec, {"rates": rates}, [])
    flagged = [t for t, (flag, _) in report_figures(html).items() if flag]
    assert flagged
    attention = _attention(html)
    for title in flagged:
        assert title in attention
    assert "share: nulls" in attention  # nulls where the schema declares none


# ---- 5. one page per dataset and profile ----------------------------------------------------------------

def test_the_page_says_which_profile_and_run_it_is_for(tmp_path):
    spec = _spec(tmp_path, ROUNDED)
    html = render_report(spec, _tables(DatasetPlan(spec)), [], {"profile": "ci", "run_id": "abc-123"})
    assert "<title>rounded · profile ci — data quality report</title>" in html
    assert 'profile ci</span></h1>' in html and "abc-123" in html


def test_two_profiles_of_a_dataset_get_two_report_pages(tmp_path):
    from mock_pipelines.defs.plan import plan_profile
    from mock_pipelines.profiles.loading import load_profile

    roots = set()
    for name in ("local", "ci"):
        plan = plan_profile(load_profile(name))
        roots.add(str(Path(plan.reports_root) / "shop" / "quality_report.html"))
    assert len(roots) == 2


def test_cli_report_compares_with_the_profile_given_and_names_it(tmp_path, monkeypatch):
    """`report --profile NAME`: the profile's scale and row overrides are the declared figures, the page
    names it, and its file is its own (no other profile's report is overwritten)."""
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    (tmp_path / "schemas").mkdir()
    schema = tmp_path / "schemas" / "growing.yaml"
    schema.write_text(GROWING)
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "half.yaml").write_text(
        "profile: half\ndatasets: [growing]\nseed: 5\nscale: 0.5\nrows: {growing.customers: 70}\n"
        "destinations:\n  - kind: files\n    path: data\nsensors: {schema_changes: false, request_inbox: null}\n")
    data = tmp_path / "data"
    done = runner.invoke(app, ["generate", str(schema), "--out", str(data), "--rows-scale", "0.5"])
    assert done.exit_code == 0, done.output
    plain = runner.invoke(app, ["report", str(schema), "--data", str(data), "--no-checks"])
    assert plain.exit_code == 0, plain.output
    # without the profile: scale 0.5 from the manifests, the schema's 1,000 customers → 500
    assert "row count" not in _attention((data / "growing" / "_report.html").read_text())
    result = runner.invoke(app, ["report", str(schema), "--data", str(data), "--no-checks", "--profile", "half"])
    assert result.exit_code == 0, result.output
    target = data / "growing" / "_report.half.html"
    assert str(target) in result.output.replace("\n", "")
    html = target.read_text()
    assert "profile half</span></h1>" in html
    assert "declared 1,000 × scale 0.5" in html  # products: the profile's scale
    # customers: the profile overrides them to 70 rows, the data holds 500 — off, and listed
    assert re.search(r">customers</a></td><td class=num><span class=\"off\">500</span>"
                     r"<span class=\"sub off\">declared 70 \(profile override\)", html)
    assert "row count" in _attention(html)
    assert (data / "growing" / "_report.html").exists()  # the page without a profile is still there


def test_a_grid_coarser_than_one_is_recognised():
    import numpy as np

    from mock_pipelines.quality.report.charts import grid_step

    salaries = np.array([38000.0, 41200.0, 250000.0, 85000.0])
    assert grid_step(salaries, 38000.0, 250000.0) == 100  # round: -2
    assert grid_step(np.array([0.001, 0.029, 0.03]), 0.001, 0.03) == 0.001
    assert grid_step(np.array([0.1234567891, 0.5]), 0.12, 0.5) is None  # continuous values: no grid


def test_cli_report_with_an_unknown_profile_fails_clearly(tmp_path):
    path = tmp_path / "schema.yaml"
    path.write_text(ROUNDED)
    result = runner.invoke(app, ["report", str(path), "--data", str(tmp_path), "--profile", "cii"])
    assert result.exit_code == 1
    assert "unknown profile 'cii'" in result.output and "did you mean 'ci'?" in result.output
    assert "Traceback" not in result.output


def test_a_reference_skewed_within_a_group_is_not_judged_against_one_whole_table_zipf_curve():
    """healthcare encounters pick a provider of the patient's clinic with zipf(1.05) inside each clinic: over
    all 150 providers the counts follow no single Zipf curve, so the report draws none (it flagged "off")."""
    from mock_pipelines_tests.quality.support import generated, spec_of

    _, tables = generated("healthcare")
    spec = spec_of("healthcare")
    assert spec.tables["encounters"].fk_for_column("provider_id").within is not None
    html = render_report(spec, tables, [], {"seed": 42})
    assert "provider_id → providers: rank-frequency" not in html
    assert "⚠ off" not in html
