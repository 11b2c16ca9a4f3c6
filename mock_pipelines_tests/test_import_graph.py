"""The CLI's start-up path imports only what a command needs.

Each command runs as a real process under ``python -X importtime``, which lists every module the process
imported; a heavy library a command does not use must not be among them. Start-up is what CI runs of small
datasets pay on every invocation (docs/performance.md), and an eager import at the top of a module is an easy
way to lose it again unnoticed.

pandas is allowed where values are computed: pyarrow imports it on its first ``pa.array`` call (listing the
generator catalogue builds no array, so ``generators`` must not).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mock_pipelines.core.vocab_cache import CACHE_DIR_ENV

ROOT = Path(__file__).resolve().parents[1]
SHOP = str(ROOT / "schemas" / "shop.yaml")

HELP, CATALOGUE, VALIDATE, GENERATE = "--help", "generators", "validate", "generate"
ALL = (HELP, CATALOGUE, VALIDATE, GENERATE)

# module (with its submodules) -> the commands that must not import it
MUST_NOT_IMPORT: dict[str, tuple[str, ...]] = {
    "numpy": (HELP,),
    "pyarrow": (HELP,),
    "pandas": (HELP, CATALOGUE),
    "pydantic": (HELP,),
    "faker": ALL,  # with a warm vocabulary cache (see WARM_FIRST); building a vocabulary reads Faker
    "zipcodes": (HELP,),
    "pyarrow.parquet": (HELP, CATALOGUE, VALIDATE),
    "fsspec": (HELP, CATALOGUE, VALIDATE),
    "sqlalchemy": ALL,  # only for a SQL destination or a schema with ref: {existing: ...}
    "psycopg": ALL,
    "pymysql": ALL,
    "dagster": ALL,  # run, ui and the Dagster definitions only
    "great_expectations": ALL,  # report and the Dagster checks only
    "s3fs": ALL,
    "botocore": ALL,
    "sqlglot": ALL,  # import only
    "jsonschema": ALL,
    "fastavro": ALL,
    "grpc_tools": ALL,
}


# Commands that read vocabularies: run once before the measured run, so that the cache is warm (a cold cache
# builds the vocabularies from Faker's data, which imports faker: that first run is not what start-up costs).
WARM_FIRST = (VALIDATE, GENERATE)


def command_args(command: str, out_dir: Path) -> list[str]:
    return {HELP: [HELP],
            CATALOGUE: [CATALOGUE, "--search", "email"],
            VALIDATE: [VALIDATE, SHOP],
            GENERATE: [GENERATE, SHOP, "--rows-scale", "0.01", "--out", str(out_dir)]}[command]


def imported_modules(args: list[str], cwd: Path = ROOT, cache: Path | None = None) -> set[str]:
    """The names of every module a CLI process imported, read from its ``-X importtime`` report (with the
    vocabulary cache in ``cache`` when given, else the test session's)."""
    env = {k: v for k, v in os.environ.items() if k != "MOCK_PIPELINES_PLUGINS"}
    if cache is not None:
        env[CACHE_DIR_ENV] = str(cache)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mock_pipelines.cli", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2}
    names.discard("imported package")  # the report's header
    assert "mock_pipelines.spec.errors" in names, "no import report read"  # the CLI runs as __main__
    return names


def heavy_imports(command: str, names: set[str]) -> list[str]:
    """The modules of the table that ``command`` must not import and did."""
    return [module for module, commands in MUST_NOT_IMPORT.items() if command in commands
            and any(name == module or name.startswith(module + ".") for name in names)]


@pytest.mark.parametrize("command", ALL)
def test_a_command_imports_no_heavy_library_it_does_not_use(tmp_path: Path, command: str) -> None:
    if command in WARM_FIRST:
        imported_modules(command_args(command, tmp_path / "warm"))
    names = imported_modules(command_args(command, tmp_path / "out"))
    assert heavy_imports(command, names) == []


def test_the_table_names_modules_a_command_does_import(tmp_path: Path) -> None:
    """Each entry can be broken: the modules a command may import do show up in its report when it uses them
    (generate writes Parquet and computes values), so their absence elsewhere is measured, not assumed."""
    names = imported_modules(command_args(GENERATE, tmp_path / "out"), cache=tmp_path / "cold-cache")
    assert {"numpy", "pyarrow", "pandas", "pyarrow.parquet"} <= names
    assert heavy_imports(GENERATE, names) == ["faker"]  # the vocabulary cache was cold: built from Faker


def test_an_eager_heavy_import_is_caught(tmp_path: Path) -> None:
    """A copy of the package whose error module imports SQLAlchemy at the top (as a careless edit would) is
    reported for --help."""
    shutil.copytree(ROOT / "mock_pipelines", tmp_path / "mock_pipelines",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with (tmp_path / "mock_pipelines" / "spec" / "errors.py").open("a") as f:
        f.write("\nimport sqlalchemy  # noqa: E402, F401\n")
    names = imported_modules([HELP], cwd=tmp_path)
    assert heavy_imports(HELP, names) == ["sqlalchemy"]
