"""Schema and profile files that are broken, odd or hostile: each is refused with the file named (and a
line:column where one applies), with every other problem of the file still reported — never a traceback, a
hang or unbounded memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import Issue, SchemaError
from mock_pipelines.spec.yaml_source import MAX_ALIAS_NODES, MAX_DEPTH, MAX_FILE_BYTES

FILE = "bad.yaml"


def pos(text: str, target: str, after: str = "") -> tuple[int, int]:
    """1-based (line, column) of ``target`` in ``text``, at its first occurrence right after ``after``."""
    needle = after + target
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once"
    i = text.index(needle) + len(after)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def issues_of(text: str) -> list[Issue]:
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    return info.value.issues


def at(issue: Issue) -> tuple[int | None, int | None]:
    return issue.location.line, issue.location.column


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command in a real process: for inputs that could hang or exhaust the process running it."""
    return subprocess.run([sys.executable, "-m", "mock_pipelines.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def validate(*args: str) -> subprocess.CompletedProcess:
    """`mock-pipelines validate` in this process (fast), as a CompletedProcess."""
    result = CliRunner().invoke(app, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def assert_refused(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    text = " ".join(result.stderr.split())  # rich may fold long lines
    for part in expected:
        assert part in text, result.stderr


# ---- every problem at once -----------------------------------------------------------------------------

BOTH = """\
dataset: d
tables:
  customers:
    rows: 10
    primary_key: id
    columns:
      id: {gen: sequence}
      name: {gen: frist_name}
  orders:
    rows: 10
    columns:
      id: {gen: sequence}
      customer_id: {ref: customer.id}
      customer_name: {ref: customers.name}
"""


def test_a_misspelt_generator_and_a_bad_foreign_key_target_are_reported_together() -> None:
    issues = issues_of(BOTH)
    assert [at(i) for i in issues] == [pos(BOTH, "frist_name"), pos(BOTH, "customer_id:")]
    assert "unknown generator 'frist_name'" in issues[0].message
    assert "references missing table 'customer'" in issues[1].message and issues[1].suggestion == "customers"
    # customers.name failed to parse: referencing it is not reported again as a missing column


def test_a_column_that_failed_to_parse_is_not_reported_missing_from_the_primary_key() -> None:
    text = "dataset: d\ntables:\n  t:\n    primary_key: id\n    columns:\n      id: {gen: sequnce}\n"
    issues = issues_of(text)
    assert len(issues) == 1 and "unknown generator 'sequnce'" in issues[0].message


CYCLE_AND_TYPO = """\
dataset: d
tables:
  a:
    rows: 10
    primary_key: id
    columns:
      id: sequence
      b_id: {ref: b.id}
  b:
    rows: 10
    primary_key: id
    columns:
      id: sequence
      a_id: {ref: a.id}
  c:
    rows: 10
    primary_key: id
    columns:
      id: sequence
      name: {gen: frist_name}
  d:
    rows: 10
    columns:
      id: sequence
      c_id: {ref: c.id}
      x: {expr: "c_id.name + y"}
"""


def test_graph_checks_run_on_the_tables_that_parsed_cleanly() -> None:
    """A typo in table c no longer hides the foreign-key cycle between a and b (nor is d, which reads c,
    checked against the broken c)."""
    issues = issues_of(CYCLE_AND_TYPO)
    assert len(issues) == 2, "\n".join(map(str, issues))
    assert "unknown generator 'frist_name'" in issues[0].message
    assert "foreign keys form a cycle: a → b → a" in issues[1].message


def test_validate_prints_every_problem_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text(BOTH)
    result = validate(str(path))
    line1, col1 = pos(BOTH, "frist_name")
    line2, col2 = pos(BOTH, "customer_id:")
    assert_refused(result, "2 problems found", f"{path}:{line1}:{col1}", f"{path}:{line2}:{col2}")


# ---- wrong types of keys ---------------------------------------------------------------------------------

TYPES = """\
dataset: d
description: [not, text]
tables:
  t:
    rows: 10
    primary_key: 1e309
    tags: 5
    owners: {a: 1}
    extends: 3
    description: {a: 1}
    foreign_keys:
      - {columns: [a], ref: t.id, null_rate: abc}
      - {columns: 7, ref: [t, id]}
    columns:
      id: {gen: sequence, unique: 'yes'}
      n: {gen: sequence, nullable: 2, type: [int]}
      e: {expr: [1, 2]}
      p: {gen: sequence, primary_key: 'no'}
  k:
    rows: {per: t, count: 2, min: true}
    columns:
      id: sequence
"""


def test_every_key_of_the_wrong_type_is_reported_with_its_location_and_what_was_expected() -> None:
    issues = issues_of(TYPES)
    got = {at(i): i for i in issues}
    cases = {
        pos(TYPES, "[not, text]"): "a text",
        pos(TYPES, "1e309"): "a column name or a list of column names",
        pos(TYPES, "5", "tags: "): "a mapping of tag",
        pos(TYPES, "{a: 1}", "owners: "): "a list of owners",
        pos(TYPES, "3", "extends: "): "a template name",
        pos(TYPES, "{a: 1}", "description: "): "a text",
        pos(TYPES, "abc"): "a number between 0 and 1",
        pos(TYPES, "7"): "a column name or a list",
        pos(TYPES, "'yes'"): "true or false",
        pos(TYPES, "2, type"): "true or false",
        pos(TYPES, "[1, 2]"): "an expression",
        pos(TYPES, "'no'"): "true or false",
    }
    for loc, expected in cases.items():
        assert loc in got, f"nothing reported at {loc}: " + "\n".join(map(str, issues))
        assert expected in (got[loc].expected or ""), str(got[loc])
    assert "min/max must be integers" in "\n".join(map(str, issues))


def test_primary_key_1e309_is_reported_by_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "pk.yaml"
    text = "dataset: d\ntables:\n  t:\n    primary_key: 1e309\n    columns:\n      id: sequence\n"
    path.write_text(text)
    assert_refused(validate(str(path)), f"{path}:4:18", "`primary_key` has the wrong type")


# ---- YAML dates ------------------------------------------------------------------------------------------

DATES = """\
dataset: d
tables:
  t:
    rows: 10
    columns:
      id: {gen: sequence}
      d: {gen: date, start: 2024-13-45, end: 2024-12-31}
      x: {gen: frist_name}
"""


def test_an_impossible_unquoted_date_is_reported_with_its_line_and_other_problems_still_show() -> None:
    issues = issues_of(DATES)
    assert at(issues[0]) == pos(DATES, "2024-13-45")
    assert "invalid date '2024-13-45'" in issues[0].message and "month" in issues[0].message
    assert any("frist_name" in i.message and at(i) == pos(DATES, "frist_name") for i in issues[1:])


def test_valid_unquoted_dates_still_load() -> None:
    spec = load_dataset(FILE, text=DATES.replace("2024-13-45", "2024-01-05").replace("frist_name", "first_name"))
    assert str(spec.tables["t"].columns["d"].params["start"]).startswith("2024-01-05")


# ---- alias bombs, nesting --------------------------------------------------------------------------------

def alias_bomb(levels: int = 9, head: str = "dataset: d\n") -> str:
    text = head + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    return text


def test_an_alias_bomb_is_refused_at_the_alias_that_expands_too_far() -> None:
    text = alias_bomb()
    assert len(text) < 600
    started = time.perf_counter()
    issues = issues_of(text)
    assert time.perf_counter() - started < 2
    assert len(issues) == 1 and "aliases expand the document" in issues[0].message
    assert f"{MAX_ALIAS_NODES:,}" in issues[0].message
    line = issues[0].location.line
    assert line is not None and text.splitlines()[line - 1].startswith("a4:")  # 9^5 > 10,000


def test_a_recursive_alias_is_refused() -> None:
    issues = issues_of("dataset: d\nloop: &l [1, *l]\n")
    assert at(issues[0]) == (2, 14) and "contains it" in issues[0].message


def test_modest_aliases_still_work() -> None:
    text = """\
dataset: d
tables:
  t:
    rows: 10
    columns:
      a: &seq {gen: integer, min: 1, max: 9}
      b: *seq
      c: *seq
"""
    spec = load_dataset(FILE, text=text)
    assert spec.tables["t"].columns["c"].params["max"] == 9


def test_an_alias_bomb_profile_is_refused_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_pipelines.profiles.loading import load_profile

    (tmp_path / "profiles").mkdir()
    (tmp_path / "schemas").mkdir()
    (tmp_path / "profiles" / "bomb.yaml").write_text(alias_bomb(head="profile: bomb\ndatasets: []\n"))
    monkeypatch.setenv("MOCK_PIPELINES_HOME", str(tmp_path))
    started = time.perf_counter()
    with pytest.raises(SchemaError) as info:
        load_profile("bomb", root=tmp_path)
    assert time.perf_counter() - started < 2
    assert "aliases expand the document" in info.value.issues[0].message
    assert info.value.issues[0].location.line == 7


def test_deep_nesting_is_refused_with_a_line() -> None:
    text = "dataset: " + "[" * 5000 + "]" * 5000 + "\n"
    issues = issues_of(text)
    assert issues[0].location.line == 1 and f"more than {MAX_DEPTH} levels" in issues[0].message


def test_an_alias_bomb_schema_stays_small_under_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(levels=12))
    # The CLI in a process of its own that reports its own peak memory: VmHWM of /proc/self/status is the
    # peak of this process image only (ru_maxrss would also count the test worker it was forked from).
    script = ("import sys\nfrom mock_pipelines.cli import main\nsys.argv = ['mock-pipelines', 'validate', "
              f"{str(path)!r}]\ntry:\n    main()\nfinally:\n    hwm = [line for line in open('/proc/self/status') "
              "if line.startswith('VmHWM')][0].split()[1]\n    print('peak_kib', hwm, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            check=False)
    assert_refused(result, f"{path}:", "aliases expand the document")
    peak = int(result.stderr.rsplit("peak_kib", 1)[1].split()[0])
    assert peak < 600_000, f"validate of a 12-level alias bomb peaked at {peak:,} KiB"


# ---- files that are not YAML text ------------------------------------------------------------------------

def test_directories_devices_and_fifos_are_refused_without_reading_or_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = run("validate", str(tmp_path), "/dev/zero", str(fifo), timeout=30)
    assert_refused(result, "3 problems found", f"{tmp_path}: is a directory", "/dev/zero: is a device, not a "
                   "regular file", f"{fifo}: is a FIFO, not a regular file")


def test_a_binary_file_is_refused_with_the_place_of_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"dataset: d\ntables: \xff\xfe\n")
    assert_refused(validate(str(path)), f"{path}:2:9", "byte 0xff is not UTF-8 text")
    path.write_bytes(b"dataset: d\x00\n")
    assert_refused(validate(str(path)), f"{path}:1:11", "U+0000 is not allowed")


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing written, nothing read
    assert_refused(validate(str(path)), f"{path}: is {MAX_FILE_BYTES + 1:,} bytes")


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    assert_refused(validate(str(tmp_path / "nope.yaml")), "nope.yaml: file not found")


# ---- bounds ----------------------------------------------------------------------------------------------

def test_row_counts_beyond_the_limit_are_refused_exactly() -> None:
    text = "dataset: d\ntables:\n  t:\n    rows: 99999999999999999999999\n    columns:\n      id: sequence\n"
    issues = issues_of(text)
    assert at(issues[0]) == (4, 11)
    assert "99,999,999,999,999,999,999,999 is more than the limit of 1,000,000,000,000" in issues[0].message
    assert "MOCK_PIPELINES_MAX_ROWS" in (issues[0].suggestion or "")


def test_the_row_limit_applies_after_scale_and_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "dataset: d\ntables:\n  t:\n    rows: 1000\n    columns:\n      id: sequence\n"
    spec = load_dataset(FILE, text=text)
    with pytest.raises(SchemaError) as info:
        DatasetPlan(spec, PlanOptions(scale=1e10)).check()
    assert "10,000,000,000,000 rows at scale 1e+10" in info.value.issues[0].message
    assert at(info.value.issues[0]) == (3, 3)
    monkeypatch.setenv("MOCK_PIPELINES_MAX_ROWS", "10**13".replace("10**13", "10000000000000"))
    DatasetPlan(spec, PlanOptions(scale=1e10)).check()
    monkeypatch.setenv("MOCK_PIPELINES_MAX_ROWS", "500")
    with pytest.raises(SchemaError):
        load_dataset(FILE, text=text)


def test_generate_refuses_a_scale_beyond_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("dataset: d\ntables:\n  t:\n    rows: 1000\n    columns:\n      id: sequence\n")
    invoked = CliRunner().invoke(app, ["generate", str(path), "--out", str(tmp_path / "out"), "--rows-scale",
                                       "1e12"])
    result = subprocess.CompletedProcess([], invoked.exit_code, invoked.stdout, invoked.stderr)
    assert_refused(result, f"{path}:3:3", "more than the limit")
    assert not (tmp_path / "out").exists()


PER_PARENT = """\
dataset: d
tables:
  parents:
    rows: {n}
    primary_key: id
    columns:
      id: sequence
  kids:
    rows: {{per: parents, count: poisson(2)}}
    columns:
      id: sequence
      parent_id: {{ref: parents.id}}
"""


def test_validate_cost_does_not_grow_with_the_row_counts(tmp_path: Path) -> None:
    """30M parents took 45 s and 10^12 parents hung (minutes) before: children were counted exactly."""
    spec = load_dataset(FILE, text=PER_PARENT.format(n=30_000_000))
    plan = DatasetPlan(spec)
    started = time.perf_counter()
    plan.check()
    assert not plan.table("kids").rows_exact
    assert 59_000_000 < plan.table("kids").rows_estimate < 61_000_000
    assert plan.table("kids").rows_text().startswith("~")
    assert time.perf_counter() - started < 1.5
    path = tmp_path / "big.yaml"
    path.write_text(PER_PARENT.format(n=10**12))
    started = time.perf_counter()
    result = validate(str(path))
    assert time.perf_counter() - started < 30
    assert_refused(result, f"{path}:8:3", "table 'kids' would have about", "more than the limit")


def test_small_per_parent_tables_are_still_counted_exactly() -> None:
    plan = DatasetPlan(load_dataset(FILE, text=PER_PARENT.format(n=1000)))
    plan.check()
    assert plan.table("kids").rows_exact and plan.table("kids").rows_estimate == plan.table("kids").n_rows


# ---- identifiers -----------------------------------------------------------------------------------------

NAMES = """\
dataset: d
tables:
  Items:
    rows: 10
    columns:
      id: sequence
  items:
    rows: 10
    columns:
      id: sequence
      "t\\n": sequence
      Limit: sequence
      limit: sequence
      mock_partition: sequence
      class: sequence
      from: {gen: sequence}
"""


def test_identifiers_are_refused_with_their_location() -> None:
    issues = issues_of(NAMES)
    text = "\n".join(map(str, issues))
    assert len(issues) == 6, text
    by_loc = {at(i): i for i in issues}
    assert "differs from 'Items' only in case" in by_loc[pos(NAMES, "items:")].message
    assert "invalid column name 't\\n'" in by_loc[pos(NAMES, '"t')].message
    assert by_loc[pos(NAMES, '"t')].suggestion == "t"
    assert "differs from 'Limit' only in case" in by_loc[pos(NAMES, "limit:")].message
    assert "the column the tool adds" in by_loc[pos(NAMES, "mock_partition")].message
    assert by_loc[pos(NAMES, "class")].suggestion == "rename it, e.g. 'class_'"
    assert "reserved word" in by_loc[pos(NAMES, "from:")].message


def test_a_dataset_name_with_a_trailing_newline_is_refused() -> None:
    issues = issues_of('dataset: "shop\\n"\ntables:\n  t:\n    columns:\n      id: sequence\n')
    assert at(issues[0]) == (1, 10) and "invalid dataset name" in issues[0].message


def test_identifiers_are_refused_by_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "names.yaml"
    path.write_text(NAMES)
    line, col = pos(NAMES, "class")
    assert_refused(validate(str(path)), "6 problems found", f"{path}:{line}:{col}", "class_")


def test_profiles_share_the_identifier_pattern() -> None:
    from mock_pipelines.profiles import env, model
    from mock_pipelines.spec.model import IDENTIFIER

    assert not hasattr(model, "_SQL_IDENTIFIER")
    assert IDENTIFIER.match("mock") and not IDENTIFIER.match("mock\n")
    assert not env.ENV_NAME.match("DB_URL\n")


@pytest.mark.parametrize(("count", "message"), [
    ("1e309", "n of constant must be a finite number, not inf"),
    ("-5", "0 <= min <= max"),
    ("100000000000000000000000000000", "0 <= min <= max <= 1,000,000,000,000"),
    ("constant", "constant needs a number of children"),
    ("poisson(1e300)", "lam must be between 0 and 1,000,000"),
    ("'poisson(lam=\"x\")'", "lam of poisson must be a finite number, not 'x'"),
    ("'uniform(0, 100000000000000000000)'", "0 <= min <= max"),
    ("'uniform(5, 1)'", "0 <= min <= max"),
    ("'zipf(1.1, 10000000000000)'", "a whole n between 1 and"),
    ("'lognormal(800, 1)'", "lognormal needs mean <="),
    ("exponential(1e308)", "exponential needs 0 < scale"),
    ("'poisson(3, 4)'", "does not match poisson(lam)"),
])
def test_children_per_parent_counts_out_of_range_are_refused_at_validate_time(count: str, message: str) -> None:
    """Each of these crashed validate or generate with OverflowError/ValueError, or hung, before."""
    text = PER_PARENT.format(n=100).replace("poisson(2)", count)
    issues = issues_of(text)
    assert len(issues) == 1 and message in issues[0].message, "\n".join(map(str, issues))
    assert at(issues[0]) == pos(text, count)


def test_real_valued_counts_never_wrap_around() -> None:
    spec = load_dataset(FILE, text=PER_PARENT.format(n=2000).replace("poisson(2)", "'lognormal(27, 10)'"))
    counts = DatasetPlan(spec).table("kids").layout.counts(np.arange(2000, dtype=np.int64))
    assert counts.min() >= 0 and counts.max() <= 10**12


def test_a_value_its_explicit_tag_cannot_hold_is_located() -> None:
    text = "dataset: d\ndescription: !!int 1e5\ntables:\n  t:\n    columns:\n      id: sequence\n"
    issues = issues_of(text)
    assert at(issues[0]) == pos(text, "!!int") and "cannot read '1e5'" in issues[0].message


def test_a_bad_expectation_name_written_as_text_is_located() -> None:
    text = 'dataset: d\ntables:\n  t:\n    columns:\n      id: {gen: sequence, expect: "x\\n"}\n'
    issues = issues_of(text)
    assert at(issues[0]) == pos(text, '"x') and "is not a Great Expectations expectation name" in issues[0].message
