"""The HTML data-quality report: profile numbers, charts of declared distributions, check outcomes,
provenance, self-containment, the Markdown summary and `mock-pipelines report` end to end."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from mock_pipelines import GENERATOR_VERSION
from mock_pipelines.cli import app
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.quality import report
from mock_pipelines.quality.column_profile import SAMPLE_ROWS
from mock_pipelines.quality.report.check_results import summarize_results
from mock_pipelines.quality.report.checks import build_gx_data_docs, run_checks
from mock_pipelines.quality.report.html import render_report
from mock_pipelines.quality.report.loading import load_tables
from mock_pipelines.quality.report.markdown import markdown_summary
from mock_pipelines.quality.report.profile import profile_table
from mock_pipelines.quality.report.writer import write_report
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files.store import FileStore
from mock_pipelines_tests.quality.support import report_figures

runner = CliRunner()

DISTS = """\
dataset: dists
description: Declared distributions (see https://example.com/docs for nothing at all).
seed: 11
tables:
  parents:
    description: One row per parent.
    rows: 3000
    primary_key: id
    columns:
      id: sequence
      n: {dist: "normal(50, 10)"}
      ln: {dist: "lognormal(3, 0.8)"}
      u: {dist: "uniform(0, 100)"}
      e: {dist: "exponential(5)"}
      p: {dist: "poisson(3)"}
      z: {dist: "zipf(1.3, 100)"}
      c: {gen: choice, values: {a: 0.5, b: 0.3, c: 0.2}}
      maybe: {gen: first_name, null_rate: 0.25}
      name: first_name
  kids:
    rows: {per: parents, count: poisson(2)}
    primary_key: kid_id
    columns:
      kid_id: sequence
      parent_id: {ref: parents.id}
  likes:
    rows: 4000
    columns:
      parent_id: {ref: parents.id, skew: zipf(1.1)}
"""

SMALL = """\
dataset: small
seed: 3
tables:
  customers:
    rows: 300
    primary_key: customer_id
    columns:
      customer_id: sequence
      segment: {gen: choice, values: {consumer: 0.7, business: 0.3}}
      score: {dist: "normal(10, 2)"}
      signup_ts: {gen: timestamp, start: 2023-01-01, end: 2023-12-31}
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
      order_ts: {gen: timestamp, after: customer_id.signup_ts, max_delay_days: 30}
"""


def _schema(tmp_path: Path, text: str, name: str = "schema.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _generate(spec) -> dict[str, pa.Table]:
    plan = DatasetPlan(spec)
    out = {}
    for name in plan.order():
        tp = plan.table(name)
        out[name] = pa.Table.from_batches(list(tp.batches()), schema=tp.arrow_schema)
    return out


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    spec = load_dataset(_schema(tmp_path_factory.mktemp("dists"), DISTS))
    return spec, _generate(spec)


# ---- profile ----------------------------------------------------------------------------------------------

def test_profile_numbers_on_a_small_known_table():
    t = pa.table({
        "id": [1, 2, 3, 4, 5],
        "x": [1.5, None, 2.5, None, 10.0],
        "s": ["a", "b", "a", None, "ccc"],
        "flag": [True, False, True, True, None],
        "cat": pa.array(["u", "v", "u", "u", "u"]).dictionary_encode(),
    })
    prof = profile_table(t, None)
    cols = {c["name"]: c for c in prof["columns"]}
    assert prof["rows"] == 5
    assert (cols["id"]["nulls"], cols["id"]["distinct"], cols["id"]["min"], cols["id"]["max"]) == (0, 5, 1, 5)
    assert cols["id"]["mean"] == pytest.approx(3.0)
    x = cols["x"]
    assert (x["nulls"], x["null_share"], x["distinct"], x["min"], x["max"]) == (2, 0.4, 3, 1.5, 10.0)
    assert x["mean"] == pytest.approx(14 / 3)
    s = cols["s"]
    assert (s["nulls"], s["distinct"], s["min"], s["max"], s["length_min"], s["length_max"]) == \
        (1, 3, "a", "ccc", 1, 3)
    assert s["top"][0] == {"value": "a", "count": 2, "share": 0.5}
    assert [v["value"] for v in s["top"]] == ["a", "b", "ccc"]
    assert cols["flag"]["top"][0] == {"value": True, "count": 3, "share": 0.75}
    assert (cols["cat"]["distinct"], cols["cat"]["top"][0]["value"], cols["cat"]["type"]) == (2, "u", "string")
    assert sorted(cols["cat"]["frequencies"]) == [("u", 4), ("v", 1)]


def test_profile_compares_with_the_declared_spec(dists):
    spec, tables = dists
    prof = profile_table(tables["parents"], spec.tables["parents"])
    cols = {c["name"]: c for c in prof["columns"]}
    maybe = cols["maybe"]
    assert maybe["declared_null_rate"] == 0.25 and maybe["null_ok"]
    assert abs(maybe["null_share"] - 0.25) < 0.04
    assert cols["id"]["primary_key"] and cols["id"]["distinct"] == 3000
    assert cols["n"]["declared_type"] == "float" and cols["n"]["source"].startswith("normal(")
    assert prof["missing_columns"] == [] and prof["extra_columns"] == []
    # a table lacking a declared column, with an undeclared one
    odd = profile_table(pa.table({"id": [1, 2], "extra": ["a", "b"]}), spec.tables["parents"])
    assert "n" in odd["missing_columns"] and odd["extra_columns"] == ["extra"]


def test_profile_flags_a_null_rate_far_from_the_declared_one(dists):
    spec, tables = dists
    t = tables["parents"]
    filled = t.set_column(t.column_names.index("maybe"), "maybe", pa.array(["x"] * t.num_rows))
    cols = {c["name"]: c for c in profile_table(filled, spec.tables["parents"])["columns"]}
    assert cols["maybe"]["nulls"] == 0 and not cols["maybe"]["null_ok"]


def test_profile_of_a_large_table_counts_exactly_up_to_the_cap_and_says_so_beyond():
    import time

    import numpy as np

    n = 1_000_000
    rng = np.random.default_rng(0)
    t = pa.table({"id": np.arange(n), "x": rng.normal(size=n), "k": rng.integers(0, 50, n),
                  "s": pa.array([f"v{i % 1000}" for i in range(n)])})
    started = time.perf_counter()
    prof = profile_table(t, None)
    assert time.perf_counter() - started < 15  # a few seconds on a laptop; generous for a loaded CI box
    cols = {c["name"]: c for c in prof["columns"]}
    # plain numbers and text are not hashed on every row: their distinct values come from the bounded row
    # sample (a lower bound, marked as sampled); min/max, mean and nulls stay exact
    assert cols["k"]["distinct_at_least"] == 50 and cols["s"]["distinct_at_least"] == 1000
    assert cols["id"]["distinct"] is None and cols["id"]["top_sampled"] <= SAMPLE_ROWS
    assert cols["id"]["top"][0]["count"] == 1
    assert (cols["id"]["min"], cols["id"]["max"]) == (0, n - 1) and cols["id"]["mean"] == (n - 1) / 2


# ---- the HTML report ----------------------------------------------------------------------------------------

def test_report_has_every_table_provenance_and_says_checks_were_not_run(dists):
    spec, tables = dists
    html = render_report(spec, tables, [], {"content_hashes": {"parents": "abc123def4567890ffff"},
                                            "generated_at": "2024-05-01 10:00:00 UTC", "scale": 1.0})
    for name in spec.tables:
        assert f'id="t-{name}"' in html and f'href="#t-{name}"' in html
    assert "3,000" in html  # rows of parents
    assert "spec hash" in html and spec.spec_hash() in html
    assert "generator version" in html and f">{GENERATOR_VERSION}<" in html
    assert "abc123def4567890" in html and "2024-05-01 10:00:00 UTC" in html
    assert ">11<" in html  # the seed
    assert "checks not run" in html and "Checks were not run" in html


def test_report_draws_declared_distributions(dists):
    spec, tables = dists
    figures = report_figures(render_report(spec, tables))
    by_col = {title.split(" ")[0]: (flag, body) for title, (flag, body) in figures.items()}
    for col in ("n", "ln", "u", "e", "p", "z", "c"):
        assert col in by_col, f"no chart for {col}: {list(figures)}"
        flag, body = by_col[col]
        assert "<svg" in body and "generated" in body and "declared" in body
        assert not flag, f"{col}: generated data flagged as off its declared distribution"
    for col in ("n", "ln", "u", "e"):  # histograms with the declared density as a line
        body = by_col[col][1]
        assert body.count("<rect") >= 8 and "<polyline" in body
    assert "(log scale)" in by_col["ln"][1]  # a long right tail is binned on a log axis
    assert "share (log)" in by_col["z"][1]  # zipf values: rank-frequency on log axes
    assert "orange" not in by_col["c"][1] and by_col["c"][1].count('fill="#e8772e"') >= 3  # declared bars
    assert "name" not in by_col and "maybe" not in by_col and "id" not in by_col  # nothing declared
    kids = [t for t in figures if t.startswith("kids per row of parents ~ poisson(2)")]
    likes = [t for t in figures if t.startswith("parent_id → parents: rank-frequency, skew zipf(1.1)")]
    assert kids and likes and not figures[kids[0]][0] and not figures[likes[0]][0]


def test_a_distribution_that_is_off_is_flagged(dists):
    spec, tables = dists
    t = tables["parents"]
    shifted = t.set_column(t.column_names.index("n"), "n", pa.array([80.0 + (i % 7) for i in range(t.num_rows)]))
    figures = report_figures(render_report(spec, {"parents": shifted}))
    flagged = [title for title, (flag, _) in figures.items() if flag]
    assert [t for t in flagged if t.startswith("n ~ normal")]


def test_check_outcomes_render_with_status(dists):
    from mock_pipelines.quality.results import RuleResult

    spec, tables = dists
    results = [
        RuleResult(name="pk_unique", table="parents", kind="key", passed=True, blocking=True, severity="error",
                   observed="0 of 3,000 rows", expected="no repeated key"),
        RuleResult(name="values_in_set__c", table="parents", kind="values", passed=False, blocking=True,
                   severity="error", observed="2 of 3,000 rows", expected="one of a, b, c", unexpected_count=2,
                   examples=["zz<script>", "qq"], description="choice values are declared"),
        {"name": "mean__n", "table": "parents", "kind": "distribution", "passed": False, "blocking": False,
         "severity": "warn", "observed": 61.2, "expected": "50 ± 1.1"},
        {"name": "fk__parent_id", "table": "kids", "passed": False, "blocking": True},
        {"name": "dataset_wide"},  # hardly any fields (not evaluated): under dataset-wide checks
        {"name": "kl_divergence__c", "table": "parents", "passed": None, "skipped": True},
    ]
    html = render_report(spec, tables, results)
    assert '<span class="badge b-pass">1 passed</span>' in html
    assert '<span class="badge b-fail">2 failed</span>' in html
    assert '<span class="badge b-warn">1 warned</span>' in html
    assert '<span class="badge b-skip">2 skipped</span>' in html
    assert "Checks were not run" not in html
    section = html[html.index('id="t-parents"'):html.index('id="t-kids"')]
    checks = section[section.index("<h3>Checks</h3>"):]
    for name, status in (("pk_unique", "pass"), ("values_in_set__c", "fail"), ("mean__n", "warn"),
                         ("kl_divergence__c", "skip")):
        row = checks[checks.index(f">{name}<"):]
        row = row[:row.index("</tr>")]
        assert f'class="pill p-{status}"' in row, name
    assert checks.index("values_in_set__c") < checks.index("mean__n") < checks.index("pk_unique")  # fail first
    assert "zz&lt;script&gt;" in checks and "zz<script>" not in html  # escaped
    assert "Dataset-wide and cross-table checks" in html and ">dataset_wide<" in html
    counts = summarize_results(results)
    assert counts == {"passed": 1, "failed": 2, "warned": 1, "skipped": 2, "total": 6, "blocking_failed": 2}
    kids = html[html.index('id="t-kids"'):]
    assert '<span class="tag">blocking</span>' in kids[:kids.index("</section>")]


def test_report_is_self_contained(dists):
    spec, tables = dists
    html = render_report(spec, tables, [{"name": "x", "passed": False, "observed": "http://evil.example/x.js"}])
    lower = html.lower()
    assert "<script" not in lower and "<link" not in lower and "@import" not in lower and "url(" not in lower
    assert "<iframe" not in lower and "<img" not in lower
    assert not re.search(r"""(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, flags=re.I)
    # http appears only in text (the dataset description, an observed value)
    for m in re.finditer(r"https?://", html):
        before = html[:m.start()]
        assert before.rfind(">") > before.rfind("<"), html[m.start() - 80:m.end() + 20]


def test_the_stylesheet_is_package_data_inlined_into_the_report(dists):
    spec, tables = dists
    css = resources.files("mock_pipelines.quality.report").joinpath("report.css").read_text(encoding="utf-8")
    assert ".chart" in css and "--blue:#3b6fd8" in css
    assert f"<style>{css}</style>" in render_report(spec, tables)
    # A non-editable install ships only the files package-data names: report.css must be among them.
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["mock_pipelines"]
    assert any(fnmatch.fnmatch("quality/report/report.css", g.replace("**/", "*/")) for g in globs), globs


def test_partitioned_tables_show_rows_per_partition(dists):
    spec, tables = dists
    t = tables["parents"]
    parts = {"2024-01-01": t.slice(0, 1000), "2024-01-02": t.slice(1000, 1500), "2024-01-03": t.slice(2500)}
    html = render_report(spec, {"parents": parts, "kids": tables["kids"]})
    figures = report_figures(html)
    assert "rows per partition (3 partitions)" in figures
    body = figures["rows per partition (3 partitions)"][1]
    assert "2024-01-01: 1,000 rows" in body and "2024-01-03: 500 rows" in body
    overview = html[html.index("<h2>Tables</h2>"):html.index('id="t-parents"')]
    assert re.search(r">parents</a></td><td class=num>3,000</td><td class=num>\d+</td><td class=num>3</td>",
                     overview)


def test_markdown_summary_shape(dists):
    spec, tables = dists
    md = markdown_summary(spec, tables)
    lines = md.strip().splitlines()
    assert lines[0].startswith("**dists** — 3 tables,") and "checks not run" in lines[0]
    assert lines[2] == "| table | rows | passed | failed | warned |"
    assert lines[4].startswith("| parents | 3,000 | —")
    results = [{"name": "pk_unique", "table": "parents", "passed": True},
               {"name": "fk__parent_id", "table": "kids", "passed": False, "blocking": True,
                "observed": "3 of 10 rows", "expected": "every key in parents"}]
    md = markdown_summary(spec, {"parents": 3000, "kids": {"a": tables["kids"]}}, results)
    assert "checks: 1 passed, 1 failed, 0 warned" in md
    assert "| parents | 3,000 | 1 | 0 | 0 |" in md and "| kids |" in md
    assert "- ❌ `fk__parent_id` (kids): observed 3 of 10 rows, expected every key in parents" in md


def test_write_report_is_atomic(tmp_path):
    target = tmp_path / "out" / "report.html"
    write_report(target, "<html>one</html>")
    write_report(target, "<html>two</html>")
    assert target.read_text() == "<html>two</html>"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_gx_data_docs(tmp_path):
    import great_expectations as gx
    import pandas as pd

    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("p").add_dataframe_asset("orders").add_batch_definition_whole_dataframe(
        "all")
    suite = context.suites.add(gx.ExpectationSuite("orders_suite"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="a"))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": pd.DataFrame({"a": [1, None]})})
    index = build_gx_data_docs([result], tmp_path / "docs")
    assert index == (tmp_path / "docs" / "index.html").resolve() and index.exists()
    assert list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert build_gx_data_docs([], tmp_path / "empty") is None


def test_gx_data_docs_of_the_project_checks(dists, tmp_path):
    """The results gx_runner returns (numpy values inside, which GX's own stores cannot serialise)."""
    from mock_pipelines.quality import gx_runner, rules

    spec, tables = dists
    validation = gx_runner.validate_table(tables["parents"], rules.derive_rules(spec, "parents", 3000),
                                          table="parents")
    assert validation.gx_results
    index = build_gx_data_docs(validation.gx_results, tmp_path / "docs")
    assert index is not None and index.exists()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert pages and "parents" in pages[0].read_text()


# ---- `mock-pipelines report` ----------------------------------------------------------------------------------

def test_run_checks_publishes_one_data_docs_page_per_table(dists, tmp_path):
    spec, tables = dists
    parts = {"2024-01-01": tables["kids"]}  # partitioned data gets a stable "<table>-all" page
    results = run_checks(spec, {**tables, "kids": parts}, data_docs=tmp_path / "docs", run_name="r1")
    assert results
    run_checks(spec, {**tables, "kids": parts}, data_docs=tmp_path / "docs", run_name="r2")
    pages = sorted((tmp_path / "docs" / "validations").rglob("*.html"))
    assert {p.stem for p in pages} == {"parents", "kids-all", "likes"} and all("/r2/" in str(p) for p in pages)
    assert (tmp_path / "docs" / "index.html").exists()


@pytest.fixture
def small_data(tmp_path):
    schema = _schema(tmp_path, SMALL)
    data = tmp_path / "data"
    result = runner.invoke(app, ["generate", str(schema), "--out", str(data)])
    assert result.exit_code == 0, result.output
    return schema, data


def test_cli_report_end_to_end(small_data):
    schema, data = small_data
    result = runner.invoke(app, ["report", str(schema), "--data", str(data)])
    assert result.exit_code == 0, result.output
    target = data / "small" / "_report.html"
    assert target.exists() and str(target) in result.output
    assert "small: 2 tables" in result.output and "checks:" in result.output and " 0 failed" in result.output
    html = target.read_text()
    assert 'id="t-customers"' in html and 'id="t-orders"' in html
    assert "segment ~ choice" in html and "score ~ normal(mean=10, std=2)" in html
    assert ">42<" not in html and ">3<" in html  # the seed recorded in the manifests
    spec = load_dataset(schema)
    assert spec.spec_hash() in html


def test_cli_report_without_checks_and_to_a_chosen_file(small_data, tmp_path):
    schema, data = small_data
    out = tmp_path / "elsewhere" / "r.html"
    result = runner.invoke(app, ["report", str(schema), "--data", str(data), "--out", str(out), "--no-checks"])
    assert result.exit_code == 0, result.output
    assert "checks not run" in result.output and out.exists()
    assert "Checks were not run" in out.read_text()


def test_cli_report_exits_1_on_a_blocking_failure(small_data, monkeypatch):
    from mock_pipelines.quality.results import RuleResult

    schema, data = small_data
    failing = [RuleResult(name="pk_unique", table="orders", kind="key", passed=False, blocking=True,
                          severity="error", observed="4 of 600 rows", expected="no repeated key",
                          unexpected_count=4, examples=[7, 7])]
    real = report.read_landed

    def with_failure(*args, **kwargs):
        landed = real(*args, **kwargs)
        landed.results = failing
        return landed

    monkeypatch.setattr(report, "read_landed", with_failure)
    result = runner.invoke(app, ["report", str(schema), "--data", str(data)])
    assert result.exit_code == 1, result.output
    assert "1 failed" in result.output
    html = (data / "small" / "_report.html").read_text()  # written all the same
    assert 'class="pill p-fail"' in html and "4 of 600 rows" in html


def test_cli_report_exits_1_when_the_checks_find_a_broken_key(small_data):
    import pyarrow.parquet as pq

    schema, data = small_data
    path = data / "small" / "orders" / "part-00000.parquet"
    orders = pq.read_table(path)
    ids = orders.column("order_id").to_pylist()
    ids[1] = ids[0]  # a repeated primary key
    customers = orders.column("customer_id").to_pylist()
    customers[2] = 999_999  # an orphan reference
    orders = orders.set_column(0, "order_id", pa.array(ids)).set_column(1, "customer_id", pa.array(customers))
    pq.write_table(orders, path)
    result = runner.invoke(app, ["report", str(schema), "--data", str(data)])
    assert result.exit_code == 1, result.output
    html = (data / "small" / "_report.html").read_text()
    section = html[html.index('id="t-orders"'):]
    for name in ("pk_unique", "fk__customer_id"):
        row = section[section.index(f">{name}<"):]
        assert 'class="pill p-fail"' in row[:row.index("</tr>")], name
    assert ">999999<" in section  # the offending value, exactly as in the data


def test_cli_report_reads_hive_partitions(tmp_path):
    schema = _schema(tmp_path, SMALL)
    spec = load_dataset(schema)
    tables = _generate(spec)
    dest = FileStore(tmp_path / "hive")
    customers = tables["customers"]
    for i, key in enumerate(("2024-01-01", "2024-01-02")):
        part = customers.slice(i * 150, 150)
        dest.write_batches("small", "customers", part.schema, part.to_batches(), partition_key=key)
    dest.write_batches("small", "orders", tables["orders"].schema, tables["orders"].to_batches())
    loaded, prov = load_tables(tmp_path / "hive", spec)
    assert set(loaded["customers"]) == {"2024-01-01", "2024-01-02"} and loaded["orders"].num_rows > 0
    assert set(prov["content_hashes"]) == {"customers", "orders"}
    result = runner.invoke(app, ["report", str(schema), "--data", str(tmp_path / "hive"), "--no-checks"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "hive" / "small" / "_report.html").read_text()
    assert "rows per partition (2 partitions)" in html


def test_cli_report_without_data_fails_clearly(tmp_path):
    schema = _schema(tmp_path, SMALL)
    result = runner.invoke(app, ["report", str(schema), "--data", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "generate the dataset first" in result.output
