"""GX Data Docs sites: the latest result per suite and batch, an index of all of them, page links."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa

from mock_pipelines.quality import data_docs, gx_runner
from mock_pipelines.quality.rules import Rule


def _rule(column: str) -> Rule:
    return Rule(name=f"not_null__{column}", table="t", kind="nulls", description="", columns=(column,),
                expectation="ExpectColumnValuesToNotBeNull", kwargs={"column": column})


def _results(values: list, table: str = "t") -> list:
    run = gx_runner.validate_table(pa.table({"a": values}), [_rule("a")], engine="gx", table=table)
    return run.gx_results


def test_a_result_of_the_same_suite_and_batch_replaces_the_earlier_page(tmp_path):
    folder = tmp_path / "docs"
    first = data_docs.publish(_results([1, 2]), folder, batch="t-2024-01-01", run_name="run-a")
    other = data_docs.publish(_results([1, 2]), folder, batch="t-2024-01-02", run_name="run-a")
    again = data_docs.publish(_results([1, None]), folder, batch="t-2024-01-01", run_name="run-b")
    assert first is not None and other is not None and again is not None
    assert not first.pages[0].exists() and other.pages[0].exists() and again.pages[0].exists()
    assert "run-b" in str(again.pages[0])
    pages = sorted((folder / "validations").rglob("*.html"))
    assert pages == sorted([other.pages[0], again.pages[0]])
    index = again.index.read_text()
    assert "t-2024-01-01" in index and "t-2024-01-02" in index
    assert again.index_url.startswith("file://") and again.index_url.endswith("/docs/index.html")
    assert "__none__" not in index and "__none__" not in again.pages[0].read_text()


def test_the_runner_context_can_be_reused_for_several_sites(tmp_path):
    context = gx_runner.gx_context()
    a = data_docs.publish(_results([1]), tmp_path / "a", context=context, batch="t")
    b = data_docs.publish(_results([1]), tmp_path / "b", context=context, batch="t")
    assert a is not None and b is not None
    assert a.pages[0].is_relative_to(tmp_path / "a") and b.pages[0].is_relative_to(tmp_path / "b")


def test_nothing_to_publish_writes_nothing(tmp_path):
    assert data_docs.publish([], tmp_path / "none") is None
    assert not (tmp_path / "none").exists()


def test_rules_evaluated_with_pyarrow_are_on_the_page_too(tmp_path):
    """Large tables are checked with pyarrow, not GX: their Data Docs page still lists every rule."""
    from mock_pipelines.quality.rules import derive_rules
    from mock_pipelines_tests.quality.support import generated, spec_of

    _, tables = generated("shop")
    rules = derive_rules(spec_of("shop"), "orders", tables["orders"].num_rows)
    broken = tables["orders"].set_column(0, "order_id", pa.array([1] * tables["orders"].num_rows))
    run = gx_runner.validate_table(broken, rules, engine="arrow", table="orders")
    # expectations written in the schema (kind custom) always run under Great Expectations; the rest on pyarrow
    derived = {r.name for r in rules if r.kind != "custom"}
    assert derived and {r.name for r, _ in run.arrow_checked} == derived
    suites = data_docs.suite_results(run)
    assert sum(len(s.results) for s in suites) == len(rules) and not all(s.success for s in suites)
    built = data_docs.publish(suites, tmp_path / "docs", batch="orders")
    assert built is not None
    page = " ".join(p.read_text() for p in built.pages)
    assert "order_id" in page and "kl" in page.lower() and "unique" in page.lower()


# What a browser fetches by itself (a script, a stylesheet, an icon, an image, a font), and every reference.
_ASSET = re.compile(r'<(?:script|img)\b[^>]*\ssrc="([^"]*)"|<link\b[^>]*\shref="([^"]*)"')
_REFERENCE = re.compile(r'(?:href|src)="([^"]*)"|"_table_row_link_path": "([^"]*)"|\'_table_row_link_path\': \'([^\']*)\'')
_CSS_URL = re.compile(r"url\(['\"]?([^'\")]*)['\"]?\)")


def _site_with_a_chart(tmp_path: Path) -> tuple[Path, data_docs.DataDocs]:
    """A site with a passing and a failing table; the failing one's page has KL-divergence charts (Vega)."""
    from mock_pipelines.quality.rules import derive_rules
    from mock_pipelines_tests.quality.support import generated, spec_of

    _, tables = generated("shop")
    orders = tables["orders"]
    rules = derive_rules(spec_of("shop"), "orders", orders.num_rows)
    broken = orders.set_column(0, "order_id", pa.array([1] * orders.num_rows))
    folder = tmp_path / "docs"
    data_docs.publish(_results([1, 2], table="t"), folder, batch="t", run_name="run-a")
    run = gx_runner.validate_table(broken, rules, engine="arrow", table="orders")
    built = data_docs.publish(data_docs.suite_results(run), folder, batch="orders", run_name="run-b")
    assert built is not None
    return folder, built


def _local(page: Path, ref: str) -> Path | None:
    """The file a relative reference of ``page`` names (``None`` for an anchor, a web page, data: or js)."""
    if not ref or ref.startswith(("#", "data:", "javascript:", "mailto:", "http://", "https://")):
        return None
    return (page.parent / ref.split("#")[0].split("?")[0]).resolve()


def test_the_site_loads_nothing_from_the_network_and_every_asset_is_shipped(tmp_path):
    folder, _ = _site_with_a_chart(tmp_path)
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) >= 5  # index, two result pages, two suite pages
    for page in pages:
        html = page.read_text()
        assets = [a or b for a, b in _ASSET.findall(html)]
        assert assets, page
        remote = [a for a in assets if re.match(r"(?:https?:)?//", a)]
        assert not remote, f"{page.relative_to(folder)} loads {remote}"
        assert not re.findall(r"url\(['\"]?(?:https?:)?//", html), page  # inline styles
        for asset in assets:
            target = _local(page, asset)
            assert target is not None and target.is_file(), f"{page.relative_to(folder)}: {asset}"
    stylesheets = sorted((folder / "static").rglob("*.css"))
    assert any("fontawesome" in s.name for s in stylesheets)
    for sheet in stylesheets:
        for url in _CSS_URL.findall(sheet.read_text()):
            assert not re.match(r"(?:https?:)?//", url), f"{sheet.name} loads {url}"
            target = _local(sheet, url)
            assert target is None or target.is_file(), f"{sheet.name}: {url}"
    vendor = folder / "static" / "vendor"
    assert (vendor / "js" / "vega.min.js").is_file() and any((vendor / "webfonts").glob("fa-solid-900.woff2"))


def test_every_link_of_the_index_and_the_pages_opens_a_page(tmp_path):
    folder, built = _site_with_a_chart(tmp_path)
    seen = set()
    for page in sorted(folder.rglob("*.html")):
        for groups in _REFERENCE.findall(page.read_text()):
            target = _local(page, next(g for g in groups if g) if any(groups) else "")
            if target is not None:
                assert target.exists(), f"{page.relative_to(folder)} links {groups}"
                seen.add(target)
    # the suite links (index and result pages) and the index's rows (to each result page) included
    suite_pages = {p.resolve() for p in (folder / "expectations").rglob("*.html")}
    assert len(suite_pages) >= 2 and suite_pages <= seen and set(built.pages) <= seen
    suites = " ".join(p.read_text() for p in suite_pages)
    assert "order_id" in suites and "kl" in suites.lower()  # the suite pages list their expectations
    assert "greatexpectations.io/newsletter" not in built.index.read_text()


def test_the_index_says_which_results_passed_and_which_failed(tmp_path):
    folder = tmp_path / "docs"
    data_docs.publish(_results([1, 2], table="good"), folder, batch="good")
    built = data_docs.publish(_results([1, None], table="bad"), folder, batch="bad")
    assert built is not None
    index = built.index.read_text()
    assert re.search(r'ge-success-icon"\s*></i> Passed', index) and re.search(r'ge-failed-icon"\s*></i> Failed', index)
    data_docs.make_offline(folder, [built.index, *built.pages])  # rewriting again changes nothing
    assert built.index.read_text() == index and "Failed Failed" not in index


def test_pages_show_the_run_name_and_time_they_were_published_under(tmp_path):
    folder = tmp_path / "docs"
    when = dt.datetime(2024, 3, 1, 12, 30, 5, tzinfo=dt.UTC)
    built = data_docs.publish(_results([1]), folder, batch="t", run_name="0f3c9e2a-run", run_time=when)
    assert built is not None
    page, index = built.pages[0].read_text(), built.index.read_text()
    assert "__none__" not in page and "__none__" not in index
    assert re.search(r"Run Name</div></td><td[^>]*><div[^>]*>0f3c9e2a-run<", page)
    assert re.search(r"Run Time</div></td><td[^>]*><div[^>]*>2024-03-01T12:30:05", page)
    assert "'run_name': '0f3c9e2a-run'" in index and "2024-03-01 12:30:05" in index
    # without a run name (outside Dagster) the run is named by its time
    other = data_docs.publish(_results([1], table="u"), folder, batch="u", run_time=when)
    assert other is not None
    assert re.search(r"Run Name</div></td><td[^>]*><div[^>]*>2024-03-01T12:30:05Z<", other.pages[0].read_text())


def test_a_suite_page_follows_the_expectations_of_its_latest_result(tmp_path):
    folder = tmp_path / "docs"
    data_docs.publish(_results([1, 2]), folder, batch="t")
    page = data_docs.suite_page(folder, "t")
    assert page.is_file() and "1 total Expectations across 1 columns" in page.read_text()
    table = pa.table({"a": [1, 2], "b": [3, None]})
    run = gx_runner.validate_table(table, [_rule("a"), _rule("b")], engine="gx", table="t")
    data_docs.publish(run.gx_results, folder, batch="t")
    assert "2 total Expectations across 2 columns" in page.read_text()


def test_a_titled_site_shows_the_dataset_and_profile_instead_of_gx_names(tmp_path):
    folder = tmp_path / "docs"
    data_docs.publish(_results([1, 2], table="customers"), folder, batch="customers", title="shop · profile <ci>")
    built = data_docs.publish(_results([1, None]), folder, batch="t")  # a later publication keeps the title
    assert built is not None
    index = built.index.read_text()
    assert "<title>shop · profile &lt;ci&gt; — Data Docs</title>" in index
    assert "<strong >Data Docs</strong> | shop · profile &lt;ci&gt;" in " ".join(index.split())
    assert not re.search(r"mock_pipelines_[0-9a-f]{12}", index) and "created by Great Expectations" not in index
    for page in [*built.pages, *(folder / "expectations").rglob("*.html")]:
        html = page.read_text()
        assert "<title>shop · profile &lt;ci&gt; — Data Docs</title>" in html, page
        assert "compiled by Great Expectations" not in html
    page = built.pages[0].read_text()
    assert re.search(r'<a href="(\.\./)+index\.html">shop · profile &lt;ci&gt;</a>', page)  # the way back


def test_an_untitled_site_keeps_what_gx_writes(tmp_path):
    built = data_docs.publish(_results([1]), tmp_path / "docs", batch="t")
    assert built is not None and "<title>Data Docs created by Great Expectations</title>" in built.index.read_text()


def test_a_type_rule_checked_with_pyarrow_shows_the_arrow_type_it_checked(tmp_path):
    """A date column holds Arrow ``date32[day]``: the page must not say it expected pandas' datetime64 types."""
    from mock_pipelines.quality.rules import derive_rules
    from mock_pipelines_tests.quality.support import generated, spec_of

    _, tables = generated("shop")
    rules = [r for r in derive_rules(spec_of("shop"), "customers", tables["customers"].num_rows)
             if r.name == "type__birth_date"]
    run = gx_runner.validate_table(tables["customers"], rules, engine="arrow", table="customers")
    built = data_docs.publish(data_docs.suite_results(run), tmp_path / "docs", batch="customers")
    assert built is not None
    page = " ".join(p.read_text() for p in built.pages)
    assert "date32[day]" in page and "datetime64[ns]" not in page
