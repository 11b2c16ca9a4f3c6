"""`mock-pipelines import` as a user runs it: what it writes, what it refuses, and that a refusal writes
nothing and exits 1 (3 for a file it would overwrite)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.schema.parse import load_dataset

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "docs" / "examples" / "import" / "shop.sql"


def test_import_writes_a_schema_that_validates_and_generates(tmp_path):
    out = tmp_path / "schemas" / "shop.yaml"
    result = runner.invoke(app, ["import", str(SHOP), "--dialect", "sqlite", "--out", str(out),
                                 "--rows", "orders=300"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 5 tables" in result.stdout
    spec = load_dataset(out)
    assert spec.tables["orders"].rows.fixed == 300
    generated = runner.invoke(app, ["generate", str(out), "--out", str(tmp_path / "data"), "--format", "csv"])
    assert generated.exit_code == 0, generated.output
    assert (tmp_path / "data" / "shop" / "order_items").is_dir()
    assert not list(out.parent.glob(".*partial"))


def test_an_existing_file_is_kept_without_force(tmp_path):
    out = tmp_path / "shop.yaml"
    out.write_text("mine")
    result = runner.invoke(app, ["import", str(SHOP), "--dialect", "sqlite", "--out", str(out)])
    assert result.exit_code == 3 and "exists; give --force" in result.output
    assert out.read_text() == "mine"
    assert runner.invoke(app, ["import", str(SHOP), "--dialect", "sqlite", "--out", str(out),
                               "--force"]).exit_code == 0
    assert out.read_text().startswith("# Imported by")


def test_strict_turns_warnings_into_errors_and_writes_nothing(tmp_path):
    ddl = tmp_path / "odd.sql"
    ddl.write_text("CREATE TABLE shapes (id integer PRIMARY KEY, outline geometry, tags tsvector);\n")
    out = tmp_path / "odd.yaml"
    loose = runner.invoke(app, ["import", str(ddl), "--out", str(out)])
    assert loose.exit_code == 0, loose.output
    assert "warning:" in loose.stderr and "outline" in loose.stderr
    out.unlink()
    strict = runner.invoke(app, ["import", str(ddl), "--out", str(out), "--strict"])
    assert strict.exit_code == 1
    assert "error:" in strict.stderr and "with --strict — nothing was written" in strict.stderr
    assert not out.exists()


def test_the_error_for_a_broken_file_is_the_one_the_docs_show(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("broken.sql").write_text("CREATE TABLE a (\n  id integer PRIMARY KEY,\n"
                                  "  name varchar(20) NOT NULL DEFAULT,\n  x int\n);\n")
    result = runner.invoke(app, ["import", "broken.sql", "--out", "x.yaml"])
    assert result.exit_code == 1 and not Path("x.yaml").exists()
    page = (ROOT / "docs" / "import.md").read_text()
    shown = re.search(r"```text\n(error: broken\.sql.*?)```", page, re.S).group(1)
    assert result.stderr == shown
    assert "Traceback" not in result.output


def test_bad_options_are_refused_before_anything_is_read(tmp_path):
    for rows, shown in (["orders"], "--rows 'orders'"), (["orders=0"], "--rows 'orders=0'"):
        result = runner.invoke(app, ["import", str(SHOP), "--rows", *rows])
        assert result.exit_code == 1 and shown in result.stderr and "TABLE=N" in result.stderr
    unknown = runner.invoke(app, ["import", str(SHOP), "--dialect", "postgress"])
    assert unknown.exit_code == 1 and "postgres" in unknown.stderr
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.sql")])
    assert missing.exit_code == 1 and "no such file" in missing.stderr


def test_a_database_url_that_does_not_answer_is_one_line_without_the_password():
    result = runner.invoke(app, ["import", "postgresql+psycopg://me:s3cret@127.0.0.1:1/crm"])
    assert result.exit_code == 1
    assert "s3cret" not in result.output and "127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.output


FIXTURES = Path(__file__).parent / "fixtures"
DIALECTS = {"blog_mysqldump.sql": "mysql", "crm_tsql.sql": "tsql", "retail_mariadb.sql": "mysql"}


def _sources() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".sql", ".json", ".avsc", ".proto")
                  and p.name != "address.schema.json")  # address.schema.json is only $ref-ed by another


def test_every_realistic_source_imports_into_a_schema_that_generates(tmp_path):
    """Every fixture — pg_dump, mysqldump and tsql scripts, webhook and event JSON Schemas, Avro records with
    logical types, proto2 and proto3 files — imports, validates and generates its rows."""
    sources = _sources()
    assert len(sources) >= 12
    for source in sources:
        out = tmp_path / f"{source.stem.replace('.', '_')}.yaml"
        args = ["import", str(source), "--out", str(out)]
        if source.name in DIALECTS:
            args += ["--dialect", DIALECTS[source.name]]
        if source.suffix == ".proto":
            args += ["--proto-path", str(FIXTURES / "proto")]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"{source.name}: {result.output}"
        generated = runner.invoke(app, ["generate", str(out), "--out", str(tmp_path / out.stem), "--format",
                                        "parquet", "--rows-scale", "0.2"])
        assert generated.exit_code == 0, f"{source.name}: {generated.output}"


def test_profile_data_of_the_docs_example_gives_what_the_page_says(tmp_path):
    import sqlite3

    db = tmp_path / "shop_source.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(SHOP.read_text())
        conn.executescript((SHOP.parent / "shop_rows.sql").read_text())
    out = tmp_path / "measured.yaml"
    result = runner.invoke(app, ["import", f"sqlite:///{db}", "--profile-data", "--out", str(out)])
    assert result.exit_code == 0, result.output
    spec = load_dataset(out)
    customers = spec.tables["customers"]
    assert customers.rows.fixed == 300
    assert customers.columns["tier"].params["values"] == {"basic": 0.7, "plus": 0.2, "pro": 0.1}
    assert customers.columns["email"].generator == "email"
    items = spec.tables["order_items"].rows
    assert (items.per, str(items.count), items.min, items.max) == ("orders", "poisson(2)", 1, 3)
    page = (ROOT / "docs" / "import.md").read_text()
    assert "`tier` becomes `{basic: 0.7, plus: 0.2, pro: 0.1}`" in page and "`poisson(2)`" in page
    text = out.read_text()
    assert "customer1@example.com" not in text and "First1" not in text and "Last2" not in text


def test_hostile_files_are_refused_with_one_line_and_nothing_written(tmp_path, monkeypatch):
    """Nested thousands of levels deep, empty, not text, far too large: an error naming the file, exit 1,
    no traceback, no file written."""
    from mock_pipelines.imports import sources

    depth = 5_000
    files = {
        "deep.json": '{"type": "object", "properties": {' + "".join(
            f'"a{i}": {{"type": "object", "properties": {{' for i in range(depth)) + "}}" * depth + "}}",
        "deep.avsc": "[" * 100_000 + "]" * 100_000,
        "deep.sql": "CREATE TABLE t (id int CHECK (" + "(" * depth + "id > 0" + ")" * depth + "));",
        "empty.sql": "",
        "binary.sql": bytes(range(256)).decode("latin-1"),
        "large.sql": "CREATE TABLE t (id int);\n" + "-- padding\n" * 2_000,
    }
    expected = {"deep.json": "nested too deeply", "deep.avsc": "nested too deeply", "deep.sql": "nested too deeply",
                "empty.sql": "defines no table", "binary.sql": "cannot read the file", "large.sql": "too large"}
    for name, text in files.items():
        if name == "large.sql":
            monkeypatch.setattr(sources, "MAX_SOURCE_BYTES", 10_000)  # a real 64 MiB file is not needed
        path = tmp_path / name
        path.write_text(text, encoding="latin-1" if name == "binary.sql" else "utf-8")
        out = tmp_path / f"{name}.yaml"
        result = runner.invoke(app, ["import", str(path), "--out", str(out)])
        assert result.exit_code == 1, (name, result.output)
        assert expected[name] in result.stderr and name in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.output and not out.exists(), name
