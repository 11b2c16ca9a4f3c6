"""GX Data Docs sites: the latest result per suite and batch, an index of all of them, page links."""

from __future__ import annotations

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
