"""One severity resolver: what a profile's `checks:` puts in force, that an `error` check blocks and a `warn`
one never does, that the Dagster checks and the report agree, that override keys naming no check are refused
at their place in the profile, and that user expectations are checked against Great Expectations without
importing it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.defs.checks import table_rules
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.profiles.model import Checks
from mock_pipelines.quality.expectations import expectation_names, resolve_name, user_expectation_issues
from mock_pipelines.quality.overrides import check_names, check_overrides, override_problems
from mock_pipelines.quality.report.check_results import summarize_results
from mock_pipelines.quality.results import RuleResult
from mock_pipelines.quality.rules import derive_rules
from mock_pipelines.quality.severity import SeverityPolicy
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError
from mock_pipelines_tests.quality.support import SCHEMAS, generated, spec_of


def test_the_most_specific_override_wins_and_error_is_exactly_what_blocks():
    policy = SeverityPolicy(overrides={"customers.pk_unique": "warn", "pk_unique": "off", "*__email": "warn",
                                       "kind:nulls": "off", "kind:distribution": "error"})
    assert policy.resolve("pk_unique", "customers", "key").level == "warn"  # table.check before check
    assert policy.resolve("pk_unique", "orders", "key").level == "off"
    assert policy.resolve("not_null__email", "customers", "nulls").level == "warn"  # a glob before kind:
    assert policy.resolve("not_null__name", "customers", "nulls").level == "off"
    assert policy.resolve("mean__age", "customers", "distribution", "warn").blocking
    assert policy.resolve("fk__x", "orders", "fk").blocking  # no override: the rule's default, error
    for level in ("error", "warn"):
        assert SeverityPolicy().resolve("x", "t", "range", level).blocking == (level == "error")


def test_a_warn_profile_lowers_every_check_and_overrides_still_raise_some():
    rules = derive_rules(spec_of("shop"), "customers", 2000,
                         severity=Checks(severity="warn", overrides={"pk_unique": "error"}))
    by_name = {r.name: r for r in rules}
    assert by_name["pk_unique"].severity == "error" and by_name["pk_unique"].blocking
    assert all(r.severity == "warn" and not r.blocking for r in rules if r.name != "pk_unique")
    defaults = derive_rules(spec_of("shop"), "customers", 2000)
    assert {r.severity for r in defaults if r.kind == "distribution"} == {"warn"}  # statistical rules warn
    assert all(r.blocking == (r.severity == "error") for r in defaults)


def test_the_dagster_checks_and_the_report_put_the_same_severities_in_force():
    """Both derive through the one resolver: with `severity: warn` and an override, the rules a Dagster check
    step runs and the ones the report runs have the same severity, rule by rule."""
    spec = spec_of("shop")
    plan = DatasetPlan(spec, PlanOptions(seed=spec.seed, scale=1.0))
    checks = Checks(severity="warn", overrides={"customers.unique__email": "error", "kind:fk": "error"})
    from mock_pipelines.quality.cross_table import derive_cross_rules
    from mock_pipelines.quality.rules import expected_rows

    for table in ("customers", "orders"):
        dagster = {r.name: (r.severity, r.blocking) for r in table_rules(plan, table, checks, False)}
        report = {r.name: (r.severity, r.blocking) for r in
                  derive_rules(spec, table, expected_rows(plan, table), severity=checks)
                  + derive_cross_rules(spec, table, severity=checks)}
        assert dagster == report
    # The report's runner, on data: each result has the severity the Dagster check of that name has.
    from mock_pipelines.quality.report.checks import run_checks

    hr_plan, hr_tables = generated("hr", scale=0.2)
    hr_checks = Checks(severity="warn", overrides={"pk_unique": "error"})
    results = run_checks(hr_plan.spec, hr_tables, seed=hr_plan.seed, scale=0.2, severity=hr_checks)
    in_dagster = {(t, r.name): r.severity for t in hr_plan.order()
                  for r in table_rules(hr_plan, t, hr_checks, False)}
    assert results and {(r.table, r.name): r.severity for r in results} == in_dagster
    assert {r.severity for r in results if r.name == "pk_unique"} == {"error"}
    customers = {r.name: r.severity for r in table_rules(plan, "customers", checks, False)}
    orders = {r.name: r.severity for r in table_rules(plan, "orders", checks, False)}
    assert customers["unique__email"] == "error" and customers["pk_unique"] == "warn"
    assert orders["fk__customer_id"] == "error" and orders["pk_unique"] == "warn"


def test_a_failed_error_check_counts_as_failed_and_blocking_and_a_warn_one_only_warns():
    def result(name: str, severity: str, passed: bool) -> RuleResult:
        return RuleResult(name=name, table="t", kind="custom", passed=passed, severity=severity,
                          blocking=severity == "error")

    counts = summarize_results([result("a", "error", False), result("b", "warn", False), result("c", "error", True)])
    assert counts["failed"] == counts["blocking_failed"] == 1 and counts["warned"] == 1 and counts["passed"] == 1
    # A result without a severity is an error, as a rule is by default.
    assert summarize_results([{"name": "x", "passed": False}])["blocking_failed"] == 1


def test_override_keys_must_name_checks_that_exist():
    names = {"customers": ["pk_unique", "null_rate__email", "regex__email"], "orders": ["pk_unique", "fk__customer_id"]}
    good = {"pk_unique": "warn", "orders.fk__customer_id": "off", "*__email": "warn", "kind:distribution": "off",
            "customers.null_rate__*": "error"}
    assert override_problems(good, names) == []
    bad = override_problems({"null_rate__emial": "warn", "orders.fk__customer": "off", "ordrs.pk_unique": "off",
                             "kind:distributions": "off", "mean__*": "off"}, names)
    by_message = {i.message: i for i in bad}
    assert by_message["checks.overrides: no check is named 'null_rate__emial'"].suggestion == "null_rate__email"
    assert by_message["checks.overrides: table 'orders' has no check 'fk__customer'"].suggestion == \
        "orders.fk__customer_id"
    assert by_message["checks.overrides: no table 'ordrs' in the profile's datasets"].suggestion == \
        "orders.pk_unique"
    assert by_message["checks.overrides: unknown check kind 'distributions'"].suggestion == "kind:distribution"
    assert "checks.overrides: the pattern 'mean__*' matches no check of the profile's datasets" in by_message


def test_the_demo_schemas_check_names_include_the_documented_examples():
    plan = DatasetPlan(spec_of("shop"), PlanOptions(seed=1))
    names = check_names(plan)
    assert "null_rate__email" in names["customers"] or "not_null__email" in names["customers"]
    assert "fk__customer_id" in names["orders"] and "parent_sum__subtotal" in names["order_items"]


def test_a_profile_with_a_misspelt_override_is_refused_at_the_key_with_a_suggestion(tmp_path: Path):
    profile = tmp_path / "typo.yaml"
    profile.write_text(
        f"profile: typo\ndatasets: [{SCHEMAS / 'shop.yaml'}]\ndestinations:\n  - {{kind: files, path: out}}\n"
        "checks:\n  overrides:\n    orders.fk__customer_id: warn\n    customers.regex__emial: off\n",
        encoding="utf-8")
    loaded = load_profile(profile, root=tmp_path)
    plan = DatasetPlan(spec_of("shop"), PlanOptions(seed=loaded.seed))
    with pytest.raises(SchemaError) as caught:
        check_overrides(loaded, {"shop": plan})
    [issue] = caught.value.issues
    assert (issue.location.line, issue.location.column) == (8, 5)
    assert issue.location.file.endswith("typo.yaml")
    assert issue.suggestion == "customers.regex__email"


EXPECTING = """\
dataset: t
tables:
  people:
    rows: 10
    primary_key: id
    columns:
      id: sequence
      age: {gen: integer, min: 18, max: 90, expect: {type: ExpectColumnValuesToBeBetwen, min_value: 18}}
    expectations:
      - {expect: table_row_count_to_equal, value: 10}
      - {type: ExpectColumnValuesToBeInSet, column: age, value_sett: [1, 2]}
"""


def test_user_expectations_are_checked_by_name_and_argument_without_importing_gx(tmp_path: Path):
    schema = tmp_path / "t.yaml"
    schema.write_text(EXPECTING, encoding="utf-8")
    code = ("import sys\nfrom mock_pipelines.schema.parse import load_dataset\n"
            "from mock_pipelines.quality.expectations import user_expectation_issues\n"
            f"issues = user_expectation_issues(load_dataset({str(schema)!r}))\n"
            "print('\\n'.join(f'{i.location.line}|{i.message}|{i.suggestion}' for i in issues))\n"
            "print('gx imported:', 'great_expectations' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    lines = done.stdout.splitlines()
    assert lines[-1] == "gx imported: False"
    assert lines[0] == "8|unknown Great Expectations expectation 'ExpectColumnValuesToBeBetwen' in table " \
                       "'people'|ExpectColumnValuesToBeBetween"
    assert lines[1] == "11|expectation ExpectColumnValuesToBeInSet of 'people' has no argument 'value_sett'|value_set"
    assert len(lines) == 3  # the well-written table_row_count_to_equal is fine


@pytest.mark.parametrize("dataset", ["shop", "hr", "healthcare"])
def test_the_demo_schemas_user_expectations_are_known_to_gx(dataset):
    assert user_expectation_issues(spec_of(dataset)) == []


def test_the_names_read_from_the_source_are_the_classes_gx_exports():
    import great_expectations.expectations as gxe

    exported = {n for n in dir(gxe) if n.startswith("Expect") and n != "Expectation"}
    assert set(expectation_names()) == exported
    assert resolve_name("expect_column_values_to_be_between") == "ExpectColumnValuesToBeBetween"
    assert resolve_name("column_kl_divergence_to_be_less_than") == "ExpectColumnKLDivergenceToBeLessThan"


def test_validate_reports_a_misspelt_expectation_with_its_line_and_exits_1(tmp_path: Path):
    from typer.testing import CliRunner

    from mock_pipelines.cli import app

    schema = tmp_path / "t.yaml"
    schema.write_text(EXPECTING, encoding="utf-8")
    done = CliRunner().invoke(app, ["validate", str(schema)])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit)
    text = " ".join(done.output.split())
    assert f"{schema}:8:" in text and "did you mean 'ExpectColumnValuesToBeBetween'?" in text
    assert f"{schema}:11:" in text and "did you mean 'value_set'?" in text
    assert "Traceback" not in done.output
    assert load_dataset(schema)  # the schema itself parses: the problem is only the expectation names


def test_the_override_keys_documented_in_docs_profiles_name_real_checks():
    from mock_pipelines.spec.yaml_source import load_yaml

    text = (SCHEMAS.parent / "docs" / "profiles.md").read_text(encoding="utf-8")
    section = text[text.index("### `checks`"):text.index("## Secrets and environment variables")]
    block = section[section.index("```yaml") + len("```yaml"):]
    overrides = dict(load_yaml("profiles.md", text=block[:block.index("```")])["checks"]["overrides"])
    names: dict[str, list[str]] = {}
    for dataset in ("shop", "hr", "healthcare"):
        for table, table_names in check_names(DatasetPlan(spec_of(dataset), PlanOptions(seed=1))).items():
            names.setdefault(table, []).extend(table_names)
    assert len(overrides) >= 4 and override_problems(overrides, names) == []
    policy = SeverityPolicy(overrides=overrides)
    assert policy.resolve("fk__customer_id", "orders", "fk").level == "warn"
    assert policy.resolve("between__rating", "reviews", "range").level == "off"
    assert policy.resolve("mean__quantity", "order_items", "distribution", "warn").blocking
