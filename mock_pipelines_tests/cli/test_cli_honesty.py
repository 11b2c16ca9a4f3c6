"""The command says what it does: readable help, every command it mentions exists, ``fake`` refuses what
``validate`` refuses, and ``-p`` values are read as their parameter's type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core import registry

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
PYTHON_TYPE = re.compile(r"<(bool|int|float|str|path|list\[[^>]*|[a-z]+\[[^>]*)>")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_readable_metavars_no_python_types_and_no_backticks(command):
    result = runner.invoke(app, [command, "--help"] if command else ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "<list[" not in text and "<bool>" not in text and "`" not in text, text
    assert not PYTHON_TYPE.search(text), PYTHON_TYPE.search(text)


def test_help_names_what_each_option_takes():
    fake = runner.invoke(app, ["fake", "--help"], terminal_width=200).output
    assert re.search(r"--param\s+-p\s+KEY=VALUE", fake) and re.search(r"-n\s+N\b", fake)
    generate = runner.invoke(app, ["generate", "--help"], terminal_width=200).output
    assert re.search(r"--out\s+-o\s+DIR", generate) and re.search(r"--overwrite\s+Replace", generate)


def test_every_command_the_help_mentions_exists():
    for command in COMMANDS:
        text = runner.invoke(app, [command, "--help"], terminal_width=200).output
        for mentioned in re.findall(r"mock-pipelines ([a-z]+)", text):
            assert mentioned in COMMANDS, (command, mentioned)
    assert "'mock-pipelines jobs'" in runner.invoke(app, ["run", "--help"], terminal_width=200).output


def test_jobs_lists_the_jobs_of_a_profile_with_partitions_table_counts_and_descriptions():
    from mock_pipelines.defs.code_location import build_definitions
    from mock_pipelines.defs.plan import plan_profile
    from mock_pipelines.profiles.loading import load_profile

    result = runner.invoke(app, ["jobs", "--profile", "ci"], terminal_width=250)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in result.output.splitlines() if line.startswith("│")}
    names = [j.name for j in build_definitions(plan_profile(load_profile("ci"))).jobs]
    assert list(rows) == names
    assert rows["shop__partitioned_tables"][0] == "Daily, starting 2024-01-01 UTC"
    assert rows["hr__all_tables"][:2] == ["—", "6"]  # hr is not partitioned in ci: its 6 tables
    assert rows["all_datasets"][2].startswith("Every table of every dataset")


def test_jobs_reports_a_bad_profile_like_run():
    jobs = runner.invoke(app, ["jobs", "--profile", "nope"])
    run = runner.invoke(app, ["run", "--profile", "nope"])
    assert jobs.exit_code == run.exit_code == 1
    assert "unknown profile 'nope'" in jobs.output and jobs.output == run.output


def test_readme_cli_table_documents_jobs():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^\|\s*`jobs\b[^`|]*`\s*\|[^|\n]*\w[^|\n]*\|", readme, re.M)  # a row, whatever its words


def test_every_option_of_every_command_names_what_it_takes():
    """Not only fake and generate: every option that takes a value shows a metavar (FILE, N, KEY=VALUE…)."""
    import click

    root = typer.main.get_command(app)
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and not param.hidden:
                assert param.metavar, (name, param.name)
                assert param.metavar == param.metavar.upper() and not PYTHON_TYPE.search(param.metavar), (
                    name, param.name, param.metavar)
        text = runner.invoke(app, [name, "--help"], terminal_width=200).output
        assert not PYTHON_TYPE.search(text), name


def test_cli_messages_have_no_markdown_backticks():
    import ast

    source = (ROOT / "mock_pipelines" / "cli.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_fail":
            for part in ast.walk(node):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    assert "`" not in part.value, (node.lineno, part.value)


def test_fake_unique_beyond_capacity_is_refused_like_validate(tmp_path):
    cap = registry.get("first_name").capacity({"gender": "any", "script": "native", "gender_column": None}, "en_US")
    n = cap + 310
    fake = runner.invoke(app, ["fake", "first_name", "-n", str(n), "--unique"])
    assert fake.exit_code == 1
    same = f"asks for {n:,} unique values but 'first_name' has only {cap:,} distinct values (locale en_US)"
    assert same in fake.output and fake.output.count("\n") <= 2  # one message, no values printed
    schema = tmp_path / "s.yaml"
    schema.write_text(f"dataset: s\ntables:\n  t:\n    rows: {n}\n    columns:\n"
                      "      name: {gen: first_name, unique: true}\n")
    validate = runner.invoke(app, ["validate", str(schema)])
    assert validate.exit_code == 1 and same in validate.output


def test_fake_unique_within_capacity_gives_distinct_values_and_refuses_generators_that_cannot():
    ok = runner.invoke(app, ["fake", "integer", "-p", "min=1", "-p", "max=3", "-n", "3", "--unique"])
    assert ok.exit_code == 0, ok.output
    assert sorted(ok.output.split()) == ["1", "2", "3"]
    over = runner.invoke(app, ["fake", "integer", "-p", "min=1", "-p", "max=3", "-n", "4", "--unique"])
    assert over.exit_code == 1 and "has only 3 distinct values" in over.output
    city = runner.invoke(app, ["fake", "city", "-n", "3", "--unique"])
    assert city.exit_code == 1 and "generator 'city' cannot guarantee unique values" in city.output


@pytest.mark.parametrize("params,check", [
    (["format=###-##-####"], lambda v: re.fullmatch(r"\d{3}-\d{2}-\d{4}", v)),  # '#' is not a YAML comment
    (["format=ID: ##"], lambda v: re.fullmatch(r"ID: \d{2}", v)),  # nor ': ' a YAML mapping
    (["format=0123"], lambda v: v == "0123"),  # a str parameter keeps digits as text
])
def test_fake_param_values_are_read_as_the_parameters_type(params, check):
    result = runner.invoke(app, ["fake", "pattern", "-n", "3", *[a for p in params for a in ("-p", p)]])
    assert result.exit_code == 0, result.output
    values = result.output.splitlines()
    assert len(values) == 3 and all(check(v) for v in values), values


def test_fake_param_numbers_booleans_and_lists_come_from_their_text():
    integers = runner.invoke(app, ["fake", "integer", "-p", "min=7", "-p", "max=7", "-n", "2"])
    assert integers.exit_code == 0 and integers.output.split() == ["7", "7"]
    choice = runner.invoke(app, ["fake", "choice", "-p", "values=[a, b]", "-n", "20"])
    assert choice.exit_code == 0 and set(choice.output.split()) == {"a", "b"}
    weighted = runner.invoke(app, ["fake", "choice", "-p", "values={x: 1, y: 0}", "-n", "5"])
    assert weighted.exit_code == 0 and weighted.output.split() == ["x"] * 5
    free = runner.invoke(app, ["fake", "email", "-p", "free=false", "-n", "3"])
    assert free.exit_code == 0, free.output
    bad = runner.invoke(app, ["fake", "integer", "-p", "min=seven"])
    assert bad.exit_code == 1 and "parameter 'min' of 'integer'" in bad.output


def test_fake_reports_a_value_the_generator_cannot_use_in_one_line():
    date = runner.invoke(app, ["fake", "date", "-p", "start=today"])
    assert date.exit_code == 1 and isinstance(date.exception, SystemExit)
    assert date.output.strip() == ("error: date: cannot generate with start='today': not a date: 'today' "
                                   "(expected 'YYYY-MM-DD')")
    empty = runner.invoke(app, ["fake", "pattern", "-p", "format="])
    assert empty.exit_code == 1 and "Traceback" not in empty.output
    assert "parameter 'format' of 'pattern': String should have at least 1 character" in empty.output
    from mock_pipelines.schema.parse import load_dataset
    from mock_pipelines.spec.errors import SchemaError

    with pytest.raises(SchemaError, match="String should have at least 1 character"):
        load_dataset(_schema_with("{gen: pattern, format: ''}"))


def _schema_with(column: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "s.yaml"
    path.write_text(f"dataset: s\ntables:\n  t:\n    rows: 3\n    columns:\n      c: {column}\n")
    return path


def test_fake_every_generator_with_odd_parameter_values_never_shows_a_traceback(capsys):
    """Each parameter of each generator given an empty, zero, negative and huge value: values or one
    clear error (exit 1), never an exception escaping the command (a traceback), a hang or a huge
    allocation. The command function is called directly (the CLI parsing is tested above) to stay fast."""
    import time

    from mock_pipelines.cli import fake

    started = time.perf_counter()
    cases = 0
    for gen in registry.catalogue():
        for param in gen.params:
            if param.is_column_ref:
                continue
            for value in ("", "0", "-1", "99999999999999999999"):
                cases += 1
                try:
                    fake(gen.name, n=3, locale="en_US", param=[f"{param.name}={value}"], seed=0, unique=False)
                except (typer.Exit, SystemExit) as exc:
                    code = exc.exit_code if isinstance(exc, typer.Exit) else exc.code
                    assert code == 1, (gen.name, param.name, value)
                    text = capsys.readouterr().err
                    errors = [line for line in text.splitlines() if line.startswith("error: ")]
                    assert len(errors) == 1 and "Traceback" not in text, (gen.name, param.name, value, text)
                else:
                    capsys.readouterr()
    assert cases > 200 and time.perf_counter() - started < 60


def test_fake_null_is_none_where_the_parameter_takes_none():
    assert runner.invoke(app, ["fake", "constant", "-p", "value=null", "-n", "1"]).output.strip() == "None"
    assert runner.invoke(app, ["fake", "constant", "-p", "value=~", "-n", "1"]).output.strip() == "None"
    # a str parameter keeps the text
    assert runner.invoke(app, ["fake", "pattern", "-p", "format=null", "-n", "1"]).output.strip() == "null"


def test_param_values_reuse_the_registry_type_adapters():
    from mock_pipelines.cli import _param_value

    annotation = list[int] | None
    assert _param_value(annotation, "[1, 2]") == [1, 2] and _param_value(annotation, "null") is None
    assert annotation in registry._ADAPTERS


def test_unique_refusal_is_the_same_in_fake_and_validate_and_lists_the_registry_generators():
    message, suggestion = registry.cannot_guarantee_unique("city")
    able = [g.name for g in registry.catalogue() if g.supports_unique]
    assert all(name in suggestion for name in able) and "'normal'" not in suggestion
    fake = runner.invoke(app, ["fake", "city", "-n", "3", "--unique"])
    assert fake.exit_code == 1 and message in fake.output and suggestion in fake.output.replace("\n", " ")
    validate = runner.invoke(app, ["validate", str(_schema_with("{gen: city, unique: true}"))])
    assert validate.exit_code == 1 and message in validate.output


def test_run_and_jobs_report_a_bad_profile_alike():
    run = runner.invoke(app, ["run", "--profile", "no_such_profile"])
    jobs = runner.invoke(app, ["jobs", "--profile", "no_such_profile"])
    assert run.exit_code == jobs.exit_code == 1 and run.output == jobs.output and "no_such_profile" in run.output
