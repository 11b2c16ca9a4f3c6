"""Plugins, end to end with the worked example (``example_plugin/``: the ``loyalty_card`` generator and the
``ExpectColumnValuesToBeLoyaltyCards`` expectation, found through entry points) and local modules: usable from
`fake`, `generators`, `validate`, `preview`, `generate`, the quality checks and a Dagster run; a plugin that
cannot be loaded is one error naming it, with exit 1 and nothing written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mock_pipelines.core import checksums
from mock_pipelines_tests.plugins.support import EXAMPLE, PLUGIN_LABEL, ROOT, cli, plugin_env, plugin_state

MEMBERS = EXAMPLE / "members.yaml"


def _luhn_valid(values: list[str]) -> np.ndarray:
    """The project's own Luhn check (core.checksums), written apart from the plugin's."""
    chars, lengths = checksums.byte_matrix(pa.array(values))
    return checksums.get("luhn").valid(chars, lengths)


# ---- discovery and the generator, in this process ----------------------------------------------------------

def test_the_entry_points_are_found_from_the_dist_info_without_importing_the_plugin():
    from mock_pipelines.core.plugins import EXPECTATION_GROUP, GENERATOR_GROUP, Plugin, entry_point_plugins

    with plugin_state():
        assert entry_point_plugins(GENERATOR_GROUP) == [
            Plugin("loyalty_cards.generators", "loyalty", "example-plugin 0.1", GENERATOR_GROUP)]
        assert [p.module for p in entry_point_plugins(EXPECTATION_GROUP)] == ["loyalty_cards.expectations"]
        assert "loyalty_cards.generators" not in sys.modules
    assert entry_point_plugins(GENERATOR_GROUP) == []  # gone with its folder


def test_loyalty_cards_are_luhn_valid_deterministic_chunk_independent_and_unique():
    from mock_pipelines.core import registry
    from mock_pipelines.core.random import derive_key

    with plugin_state():
        gen = registry.get("loyalty_card")
        assert gen.plugin == PLUGIN_LABEL and gen.supports_unique
        params = gen.validate_params({"program": "7031"})

        def values(rows: np.ndarray, unique: bool = False) -> list[str]:
            ctx = registry.GenContext(rows=rows, key=derive_key(3, "t", "card"), unique=unique, table_rows=50_000)
            return gen(ctx, **params).to_pylist()

        whole = values(np.arange(50_000))
        assert all(len(v) == 16 and v.startswith("7031") for v in whole)
        assert _luhn_valid(whole).all()
        assert values(np.arange(20_000, 30_000)) == whole[20_000:30_000]  # any chunk alone gives the same rows
        unique = values(np.arange(50_000), unique=True)
        assert len(set(unique)) == 50_000 and _luhn_valid(unique).all()
        assert _luhn_valid([gen.example]).all()
        assert gen.capacity(params, "en_US") == 10 ** 11
        assert re.fullmatch(gen.facts.format_regex(params, "en_US"), whole[0])
        with pytest.raises(registry.ParamError, match="program 'AB12' must be 2 to 8 digits"):
            gen.validate_params({"program": "AB12"})
    with pytest.raises(registry.UnknownGenerator):
        registry.get("loyalty_card")  # the catalogue without the plugin again


# ---- the CLI: fake, generators, validate, preview, generate ---------------------------------------------------

def test_fake_prints_the_plugin_generators_values():
    first, again = cli("fake", "loyalty_card", "-n", "4", "--seed", "11"), cli("fake", "loyalty_card", "-n", "4",
                                                                               "--seed", "11")
    assert first.returncode == 0, first.stderr
    cards = first.stdout.split()
    assert len(cards) == 4 and first.stdout == again.stdout
    assert all(c.startswith("6390") for c in cards) and _luhn_valid(cards).all()


def test_generators_lists_the_plugin_generator_with_its_plugin_and_the_markdown_leaves_it_out():
    listed = cli("generators", "--search", "loyalty")
    assert listed.returncode == 0, listed.stderr
    assert "1 generators" in listed.stdout
    row = next(line for line in listed.stdout.splitlines() if "loyalty_card" in line)
    assert f"(plugin: {PLUGIN_LABEL})" in row and "program='6390'" in row
    markdown = cli("generators", "--markdown")
    assert markdown.returncode == 0
    assert "loyalty" not in markdown.stdout
    assert markdown.stdout == (ROOT / "docs" / "generators.md").read_text(encoding="utf-8")


def test_validate_knows_the_plugin_expectation_from_its_source_without_importing_gx(tmp_path):
    done = cli("validate", str(MEMBERS))
    assert done.returncode == 0, done.stderr
    assert "dataset members, 1 tables (members 2,000)" in done.stdout
    code = ("import sys\nfrom mock_pipelines.schema.parse import load_dataset\n"
            "from mock_pipelines.quality.expectations import user_expectation_issues\n"
            f"print(user_expectation_issues(load_dataset({str(MEMBERS)!r})))\n"
            "print('gx imported:', 'great_expectations' in sys.modules)\n")
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=plugin_env(),
                           timeout=120)
    assert quiet.stdout.splitlines() == ["[]", "gx imported: False"], quiet.stderr


def test_validate_names_a_misspelt_plugin_expectation_and_argument(tmp_path):
    text = MEMBERS.read_text(encoding="utf-8")
    bad = tmp_path / "members.yaml"
    bad.write_text(text.replace("{type: ExpectColumnValuesToBeLoyaltyCards, program:",
                                "{type: ExpectColumnValuesToBeLoyaltyCard, progam:"), encoding="utf-8")
    done = cli("validate", str(bad))
    assert done.returncode == 1
    assert f"{bad}:16:17: unknown Great Expectations expectation 'ExpectColumnValuesToBeLoyaltyCard' in table " \
           "'members'" in done.stderr
    assert "hint: did you mean 'ExpectColumnValuesToBeLoyaltyCards'?" in done.stderr
    bad.write_text(text.replace("program: \"6390\"}", "progam: \"6390\"}"), encoding="utf-8")
    done = cli("validate", str(bad))
    assert done.returncode == 1
    assert "expectation ExpectColumnValuesToBeLoyaltyCards of 'members' has no argument 'progam'" in done.stderr
    assert "arguments among catch_exceptions, column, condition_parser, mostly, program," in done.stderr
    assert "hint: did you mean 'program'?" in done.stderr


def test_without_the_plugin_the_schema_is_refused_at_its_generator():
    done = cli("validate", str(MEMBERS), env=plugin_env() | {"PYTHONPATH": ""})
    assert done.returncode == 1
    assert "unknown generator 'loyalty_card'" in done.stderr


def test_generate_writes_the_plugin_column(tmp_path):
    done = cli("generate", str(MEMBERS), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    table = pq.read_table(tmp_path / "out" / "members" / "members")
    cards = table.column("card_number").to_pylist()
    assert len(cards) == 2000 and len(set(cards)) == 2000  # unique: true
    assert _luhn_valid(cards).all() and all(c.startswith("6390") for c in cards)
    preview = cli("preview", str(MEMBERS), "-n", "3")
    assert preview.returncode == 0 and cards[0] in preview.stdout  # the same rows: a pure function of the row


# ---- the expectation in the quality checks -------------------------------------------------------------------

def test_the_plugin_expectation_runs_with_the_derived_checks_and_can_fail():
    from mock_pipelines.core.engine import DatasetPlan
    from mock_pipelines.quality.gx_runner import validate_table
    from mock_pipelines.quality.rules import derive_rules
    from mock_pipelines.schema.parse import load_dataset

    user = "user__column_values_to_be_loyalty_cards__card_number"
    with plugin_state():
        spec = load_dataset(MEMBERS)
        rules = derive_rules(spec, "members", 2000)
        names = {r.name for r in rules}
        assert {user, "regex__card_number", "checksum__card_number", "unique__card_number"} <= names  # facts
        data = DatasetPlan(spec).table("members").to_table()
        ok = validate_table(data, rules, engine="gx").by_name()
        assert ok[user].passed and ok["checksum__card_number"].passed, ok[user].observed

        cards = data.column("card_number").to_pylist()
        cards[5] = cards[5][:-1] + str((int(cards[5][-1]) + 1) % 10)  # a wrong check digit
        broken = data.set_column(data.schema.get_field_index("card_number"), "card_number", pa.array(cards))
        res = validate_table(broken, rules, engine="gx").by_name()
        assert not res[user].passed and res[user].observed == "1 of 2,000 rows"
        assert not res["checksum__card_number"].passed  # the derived rule agrees

        other = load_dataset("m.yaml", text=MEMBERS.read_text(encoding="utf-8").replace(
            'program: "6390"}', 'program: "7031"}'))
        res = validate_table(data, derive_rules(other, "members", 2000), engine="gx").by_name()
        assert not res[user].passed and res[user].observed == "2,000 of 2,000 rows"  # program reaches GX


# ---- a profile's plugins: and a Dagster run ------------------------------------------------------------------

TIERS = '''\
"""Member tiers: a local plugin module of the project (a profile's `plugins:` names it)."""

import numpy as np
import pyarrow as pa

from mock_pipelines.plugin_api import Facts, GenContext, ValueSet, generator

TIERS = ("bronze", "silver", "gold", "platinum")
WEIGHTS = (0.6, 0.25, 0.12, 0.03)


@generator("member_tier", category="commerce", returns="string", example="silver",
           facts=Facts(values=lambda _p: ValueSet(TIERS, WEIGHTS)))
def member_tier(ctx: GenContext) -> pa.Array:
    """A member's tier, most members bronze."""
    cumulative = np.cumsum(WEIGHTS) / sum(WEIGHTS)
    return pa.array(np.array(TIERS)[np.searchsorted(cumulative, ctx.uniform(), side="right")])
'''

PROFILE = """\
profile: members
datasets: [members]
seed: 3
plugins: [{module}]
destinations:
  - kind: files
    path: out
sensors: {{schema_changes: false, request_inbox: null}}
"""


def _project(root: Path, module: str = "acme_mock.tiers") -> Path:
    (root / "schemas").mkdir(parents=True)
    schema = MEMBERS.read_text(encoding="utf-8").replace("rows: 2000", "rows: 300") \
        + "      tier: member_tier\n"
    (root / "schemas" / "members.yaml").write_text(schema, encoding="utf-8")
    (root / "profiles").mkdir()
    (root / "profiles" / "members.yaml").write_text(PROFILE.format(module=module), encoding="utf-8")
    (root / "acme_mock").mkdir()
    (root / "acme_mock" / "__init__.py").write_text("", encoding="utf-8")
    (root / "acme_mock" / "tiers.py").write_text(TIERS, encoding="utf-8")
    return root


def test_a_profile_plugin_and_the_entry_point_plugins_work_in_a_dagster_run(tmp_path):
    root = _project(tmp_path)
    env = plugin_env(MOCK_PIPELINES_HOME=str(root))
    done = cli("run", "--profile", "members", cwd=root, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    table = pq.read_table(root / "out" / "members" / "members")
    assert set(table.column("tier").to_pylist()) == {"bronze", "silver", "gold", "platinum"}
    assert _luhn_valid(table.column("card_number").to_pylist()).all()
    assert re.search(r"checks: \d+ passed, 0 failed", done.stdout), done.stdout
    recorded = json.loads((root / "reports" / "members" / "members" / "results" / "members" / "_all.json")
                          .read_text(encoding="utf-8"))["results"]
    by_name = {r["name"]: r for r in recorded}
    user = by_name["user__column_values_to_be_loyalty_cards__card_number"]  # the plugin's GX expectation ran
    assert user["passed"] and user["observed"] == "0 of 300 rows", user
    assert by_name["checksum__card_number"]["passed"]  # a check derived from the plugin generator's facts


def test_a_profile_plugin_is_seen_by_the_dagster_definitions(tmp_path):
    import dagster as dg

    from mock_pipelines.defs.code_location import build_definitions
    from mock_pipelines.defs.jobs import DATASET_JOB
    from mock_pipelines.defs.plan import plan_profile
    from mock_pipelines.profiles.loading import load_profile

    root = _project(tmp_path)
    with plugin_state(EXAMPLE, root):
        planned = plan_profile(load_profile("members", root=root))
        defs = build_definitions(planned)
        checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
        assert "user__column_values_to_be_loyalty_cards__card_number" in checks
        assert {"values_in_set__tier", "kl_divergence__tier"} <= checks  # from the local generator's facts
        result = defs.resolve_job_def(DATASET_JOB.format(dataset="members")).execute_in_process(
            instance=dg.DagsterInstance.ephemeral())
        assert result.success
        evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert evaluations.get("user__column_values_to_be_loyalty_cards__card_number") is True, evaluations
        assert evaluations.get("values_in_set__tier") is True, evaluations


def test_plugin_and_the_environment_variable_load_a_local_module_from_the_current_folder(tmp_path):
    root = _project(tmp_path)
    by_option = cli("fake", "member_tier", "-n", "200", "--plugin", "acme_mock.tiers", cwd=root)
    assert by_option.returncode == 0, by_option.stderr
    tiers = by_option.stdout.split()
    assert set(tiers) == {"bronze", "silver", "gold", "platinum"} and tiers.count("bronze") > tiers.count("gold")
    by_env = cli("fake", "member_tier", "-n", "200", cwd=root, env=plugin_env(MOCK_PIPELINES_PLUGINS="acme_mock.tiers"))
    assert by_env.stdout == by_option.stdout
    listed = cli("generators", "--search", "tier", "--plugin", "acme_mock.tiers", cwd=root)
    assert "(plugin: acme_mock.tiers)" in listed.stdout
    done = cli("generate", "schemas/members.yaml", "--out", "out", "--plugin", "acme_mock.tiers", cwd=root)
    assert done.returncode == 0, done.stderr
    assert pq.read_table(root / "out" / "members" / "members").column("tier").null_count == 0
    missing = cli("fake", "member_tier", "-n", "1", cwd=root)
    assert missing.returncode == 1 and "unknown generator 'member_tier'" in missing.stderr


# ---- plugins that cannot be loaded ---------------------------------------------------------------------------

BROKEN = {
    "broken_at_import": 'raise RuntimeError("the loyalty API key is not set")\n',
    "broken_syntax": "def oops(:\n    pass\n",
    "clashing": textwrap.dedent('''\
        import pyarrow as pa

        from mock_pipelines.plugin_api import NO_FACTS, GenContext, generator


        @generator("loyalty_points", category="commerce", returns="int", example="10", facts=NO_FACTS)
        def points(ctx: GenContext) -> pa.Array:
            """Points, registered before the clash below (and taken back with it)."""
            return pa.array(ctx.integers(100))


        @generator("email", category="internet", returns="string", example="a@b.c", facts=NO_FACTS)
        def email(ctx: GenContext) -> pa.Array:
            """Our own e-mail addresses."""
            return pa.array(["a@b.c"] * len(ctx))
        '''),
}


@pytest.fixture
def broken_modules(tmp_path) -> Path:
    for name, source in BROKEN.items():
        (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("module", "lines"), [
    ("broken_at_import", ["error: plugin module 'broken_at_import' (from --plugin) cannot be loaded: RuntimeError: "
                          "the loyalty API key is not set — nothing was generated",
                          "      hint: run python -c 'import broken_at_import' to see the full traceback"]),
    ("broken_syntax", ["error: plugin module 'broken_syntax' (from --plugin) cannot be loaded: SyntaxError at "
                       "{dir}/broken_syntax.py:1: invalid syntax — nothing was generated",
                       "      hint: fix the plugin's source"]),
    ("clashing", ["error: plugin module 'clashing' (from --plugin) cannot be loaded: generator 'email' is already a "
                  "built-in generator — nothing was generated",
                  "      hint: rename the plugin's generator, e.g. to 'my_email'"]),
    ("acme_missing", ["error: plugin module 'acme_missing' (from --plugin) cannot be loaded: ModuleNotFoundError: "
                      "No module named 'acme_missing' — nothing was generated",
                      "      hint: check the module name, and that it is importable from the project folder "
                      "(python -c 'import acme_missing')"]),
])
def test_a_plugin_that_cannot_be_loaded_is_one_error_naming_it(broken_modules, module, lines):
    out = broken_modules / "out"
    done = cli("generate", str(MEMBERS), "--out", str(out), "--plugin", module, cwd=broken_modules)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [line.format(dir=broken_modules) for line in lines]
    assert "Traceback" not in done.stderr and not out.exists()


def test_the_environment_variable_loads_plugins_and_names_them_when_they_fail(broken_modules):
    env = plugin_env(MOCK_PIPELINES_PLUGINS="clashing")
    done = cli("fake", "first_name", "-n", "1", cwd=broken_modules, env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("error: plugin module 'clashing' (from MOCK_PIPELINES_PLUGINS) cannot be "
                                  "loaded: generator 'email' is already a built-in generator")


def test_a_clash_takes_back_what_the_plugin_registered(broken_modules):
    from mock_pipelines.core import registry
    from mock_pipelines.core.plugins import PluginError, use_local_plugins

    with plugin_state(broken_modules):
        with pytest.raises(PluginError, match="generator 'email' is already a built-in generator"):
            use_local_plugins(["clashing"])
        assert "loyalty_points" not in registry.REGISTRY and registry.get("email").plugin is None
        assert "clashing" not in sys.modules


def test_a_broken_entry_point_plugin_is_named_with_its_distribution(tmp_path):
    dist = tmp_path / "broken_cards-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-cards\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[mock_pipelines.generators]\ncards = broken_cards\n", encoding="utf-8")
    (tmp_path / "broken_cards.py").write_text("import loyalty_sdk  # not installed\n", encoding="utf-8")
    done = cli("fake", "first_name", "-n", "1", env=plugin_env(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: plugin 'cards (broken-cards 1.0)' (entry point of mock_pipelines.generators, module "
        "'broken_cards') cannot be loaded: ModuleNotFoundError: No module named 'loyalty_sdk' — nothing was "
        "generated",
        "      hint: install what the plugin imports into the same environment as mock-pipelines"]
    markdown = cli("generators", "--markdown", env=plugin_env(tmp_path))  # the docs never load plugins
    assert markdown.returncode == 0 and markdown.stdout == (ROOT / "docs" / "generators.md").read_text()


def test_a_profile_plugin_that_fails_is_reported_at_its_line(tmp_path):
    root = _project(tmp_path, module="acme_mock.missing_tiers")
    done = cli("run", "--profile", "members", cwd=root, env=plugin_env(MOCK_PIPELINES_HOME=str(root)))
    assert done.returncode == 1
    profile = root / "profiles" / "members.yaml"
    assert f"{profile}:4:11: plugin module 'acme_mock.missing_tiers' cannot be loaded: ModuleNotFoundError: " \
           "No module named 'acme_mock.missing_tiers'" in done.stderr
    assert "Traceback" not in done.stderr and not (root / "out").exists()


# ---- the docs quote the example ------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["loyalty_cards/generators.py", "loyalty_cards/expectations.py",
                                    "loyalty_cards/luhn.py", "pyproject.toml"])
def test_the_plugins_page_quotes_the_example_as_it_is(source):
    page = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert (EXAMPLE / source).read_text(encoding="utf-8") in page, f"docs/plugins.md no longer quotes {source}"


def test_the_hand_made_dist_info_declares_what_the_pyproject_does():
    import tomllib

    declared = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    text = (EXAMPLE / "example_plugin-0.1.dist-info" / "entry_points.txt").read_text(encoding="utf-8")
    for group, entries in declared["entry-points"].items():
        for name, value in entries.items():
            assert f"[{group}]\n{name} = {value}\n" in text


# ---- expectation plugins that cannot be loaded -----------------------------------------------------------------

def _expectation_dist(folder: Path, source: str) -> None:
    dist = folder / "odd_checks-2.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: odd-checks\nVersion: 2.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[mock_pipelines.expectations]\nodd = odd_checks\n", encoding="utf-8")
    (folder / "odd_checks.py").write_text(source, encoding="utf-8")


def test_validate_names_an_expectation_plugin_whose_source_cannot_be_parsed(tmp_path):
    _expectation_dist(tmp_path, "class ExpectOdd(:\n")
    done = cli("validate", str(MEMBERS), env=plugin_env(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: plugin 'odd (odd-checks 2.0)' (entry point of mock_pipelines.expectations, module 'odd_checks') "
        f"cannot be loaded: SyntaxError at {tmp_path}/odd_checks.py:1: invalid syntax — nothing was generated",
        "      hint: fix the plugin's source"]


def test_an_expectation_plugin_that_fails_at_import_fails_the_checks_naming_it(tmp_path):
    from mock_pipelines.core.engine import DatasetPlan
    from mock_pipelines.core.plugins import PluginError
    from mock_pipelines.quality.gx_runner import validate_table
    from mock_pipelines.quality.rules import derive_rules
    from mock_pipelines.schema.parse import load_dataset

    _expectation_dist(tmp_path, "import great_expectations\nimport odd_checks_sdk  # not installed\n")
    with plugin_state(EXAMPLE, tmp_path):
        spec = load_dataset(MEMBERS)
        data = DatasetPlan(spec).table("members").to_table()
        with pytest.raises(PluginError) as info:
            validate_table(data, derive_rules(spec, "members", 2000), engine="gx")
        assert info.value.message == ("plugin 'odd (odd-checks 2.0)' (entry point of mock_pipelines.expectations, "
                                      "module 'odd_checks') cannot be loaded: ModuleNotFoundError: No module "
                                      "named 'odd_checks_sdk'")


# ---- an expectation of a local module, derived from a GX expectation ---------------------------------------------

TIER_CHECKS = '''\
"""A project's own expectation: GX's value-set expectation with the tiers built in."""

import great_expectations.expectations as gxe


class ExpectColumnValuesToBeMemberTiers(gxe.ExpectColumnValuesToBeInSet):
    """Expect each value to be a member tier."""

    value_set: list = ["bronze", "silver", "gold", "platinum"]
'''


def test_a_local_module_expectation_derived_from_a_gx_one_is_checked_and_runs(tmp_path):
    from mock_pipelines.core.engine import DatasetPlan
    from mock_pipelines.core.plugins import use_local_plugins
    from mock_pipelines.quality.expectations import arguments, user_expectation_issues
    from mock_pipelines.quality.gx_runner import validate_table
    from mock_pipelines.quality.rules import derive_rules
    from mock_pipelines.schema.parse import load_dataset

    root = _project(tmp_path / "project")
    (root / "acme_mock" / "checks.py").write_text(TIER_CHECKS, encoding="utf-8")
    schema = (root / "schemas" / "members.yaml").read_text(encoding="utf-8").replace(
        "      tier: member_tier\n", "      tier: {gen: member_tier, expect: {type: expect_column_values_to_be_member_tiers, "
        "mostly: 0.99}}\n")
    with plugin_state(EXAMPLE, root):
        use_local_plugins(["acme_mock.tiers", "acme_mock.checks"], root)
        spec = load_dataset("members.yaml", text=schema)
        assert user_expectation_issues(spec) == []
        declared = arguments("ExpectColumnValuesToBeMemberTiers")
        assert {"column", "mostly", "value_set"} <= set(declared) and not declared["value_set"].required
        misspelt = load_dataset("members.yaml", text=schema.replace("mostly: 0.99", "mostl: 0.99"))
        assert [i.message for i in user_expectation_issues(misspelt)] == [
            "expectation ExpectColumnValuesToBeMemberTiers of 'members' has no argument 'mostl'"]
        data = DatasetPlan(spec).table("members").to_table()
        rules = derive_rules(spec, "members", 300)
        name = "user__column_values_to_be_member_tiers__tier"
        assert validate_table(data, rules, engine="gx").by_name()[name].passed
        tiers = data.column("tier").to_pylist()
        tiers[:10] = ["diamond"] * 10  # 10 of 300 rows: more than the 1% mostly allows
        broken = data.set_column(data.schema.get_field_index("tier"), "tier", pa.array(tiers))
        assert not validate_table(broken, rules, engine="gx").by_name()[name].passed
