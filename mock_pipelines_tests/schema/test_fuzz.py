"""Property-based fuzzing of the demo schemas and profiles.

Each example mutates a shipped file — drops keys, replaces values with random scalars, strings, lists or
huge numbers, renames generators and parameters, rewrites distributions and expressions — and asserts:

* validation either accepts the file or raises SchemaError whose every issue names the file and a line;
  any other exception (a traceback for the user) fails the test;
* whatever validation accepts generates the first and last rows of every table without an exception.

CI runs a small, derandomised number of examples; set MOCK_PIPELINES_FUZZ_EXAMPLES to run more (random)
examples locally, e.g. ``MOCK_PIPELINES_FUZZ_EXAMPLES=2000 pytest mock_pipelines_tests/schema/test_fuzz.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from mock_pipelines.core import registry
from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.expressions import FUNCTIONS
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {p.stem: p.read_text() for p in sorted((ROOT / "schemas").glob("*.yaml"))}
PROFILES = {p.stem: p.read_text() for p in sorted((ROOT / "profiles").glob("*.yaml"))}
EXAMPLES = int(os.environ.get("MOCK_PIPELINES_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 40,
    deadline=None,  # the first example loads vocabularies; the whole test is bounded by max_examples
    derandomize=not EXAMPLES,  # the same examples on every CI run; random ones when asked for more
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
ROWS_SHOWN = 3  # rows generated at each end of every table of an accepted file
MAX_FUZZ_ROWS = 200_000  # generated files stay small: the row-count bounds have their own tests

_yaml = YAML(typ="safe", pure=True)
_yaml.default_flow_style = False


def _plain(text: str) -> Any:
    return _yaml.load(text)


def _dump(doc: Any) -> str:
    buf = io.StringIO()
    _yaml.dump(doc, buf)
    return buf.getvalue()


# ---- mutations ---------------------------------------------------------------------------------------------

HUGE = st.sampled_from([10**12, 10**19, 10**23, -(10**19), 2**63, 2**63 - 1, 1e308, -1e308, 1e-320, 0, -1])
SCALARS = st.one_of(
    st.integers(min_value=-1000, max_value=1000), HUGE, st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.none(), st.text(max_size=12), st.dates().map(str),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4),
                   st.dictionaries(st.text(min_size=1, max_size=6), SCALARS, max_size=3))
GENERATOR_NAMES = sorted(g.name for g in registry.catalogue())
PARAM_NAMES = sorted({p.name for g in registry.catalogue() for p in g.params})
DIST_NAMES = ["normal", "lognormal", "uniform", "poisson", "zipf", "exponential", "integer", "constant", "nope"]
NUMBERS = st.one_of(st.integers(-5, 5), st.sampled_from([0, 0.5, 1e308, -1e308, 10**20, 1e-300, 3]))


def _dist(draw) -> str:
    name = draw(st.sampled_from(DIST_NAMES))
    args = draw(st.lists(NUMBERS, max_size=3))
    return f"{name}({', '.join(map(repr, args))})"


def _expression(draw, columns: list[str], depth: int = 0) -> str:
    atoms = st.one_of(st.sampled_from(columns or ["x"]), NUMBERS.map(repr),
                      st.sampled_from(['"a"', "'2024-13-45'", "True", "10**400", "1e308"]))
    if depth > 2 or draw(st.booleans()):
        return draw(atoms)
    kind = draw(st.sampled_from(["binop", "call", "unary", "compare"]))
    left = _expression(draw, columns, depth + 1)
    if kind == "unary":
        return f"-({left})"
    right = _expression(draw, columns, depth + 1)
    if kind == "binop":
        return f"({left}) {draw(st.sampled_from(['+', '-', '*', '/', '//', '%', '**']))} ({right})"
    if kind == "compare":
        return f"({left}) {draw(st.sampled_from(['<', '==', '>=']))} ({right})"
    fn = draw(st.sampled_from(sorted(FUNCTIONS)))
    n = draw(st.integers(0, 3))
    args = [left, right, _expression(draw, columns, depth + 1)][:n]
    return f"{fn}({', '.join(args)})"


def _containers(doc: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every mapping and list of the document with its path."""
    out = []
    if isinstance(doc, dict | list):
        out.append((path, doc))
        items = doc.items() if isinstance(doc, dict) else enumerate(doc)
        for k, v in items:
            out.extend(_containers(v, (*path, k)))
    return out


def _columns_of(doc: Any, path: tuple) -> list[str]:
    """Column names of the table the path is in (for expressions that read real columns)."""
    try:
        return [str(c) for c in doc["tables"][path[1]]["columns"]]
    except (KeyError, TypeError, IndexError):
        return []


@st.composite
def mutated(draw, sources: dict[str, str]) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(sources)))
    doc = copy.deepcopy(_plain(sources[name]))
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):  # mostly one change: more files still validate
        containers = [c for c in _containers(doc) if c[1]]
        path, target = draw(st.sampled_from(containers))
        key = draw(st.sampled_from(sorted(target, key=str) if isinstance(target, dict) else range(len(target))))
        op = draw(st.sampled_from(["drop", "replace", "huge", "rename_key", "generator", "dist", "expr",
                                   "param", "list", "type"]))
        if op == "drop":
            del target[key]
        elif op == "replace":
            target[key] = draw(VALUES)
        elif op == "huge":
            target[key] = draw(HUGE)
        elif op == "list":
            target[key] = [target[key]] if draw(st.booleans()) else []
        elif op == "rename_key" and isinstance(target, dict):
            value = target.pop(key)
            target[draw(st.one_of(st.sampled_from([*PARAM_NAMES, "gen", "dist", "expr", "type", "rows"]),
                                  st.text(min_size=1, max_size=8)))] = value
        elif op == "generator" and isinstance(target, dict):
            target["gen"] = draw(st.one_of(st.sampled_from(GENERATOR_NAMES), st.text(max_size=8)))
            for kind in ("dist", "expr", "template", "ref", "sum_of"):
                target.pop(kind, None)
        elif op == "dist" and isinstance(target, dict):
            target["dist" if draw(st.booleans()) else "count"] = _dist(draw)
        elif op == "expr" and isinstance(target, dict):
            target["expr"] = _expression(draw, _columns_of(doc, path))
        elif op == "param" and isinstance(target, dict):
            target[draw(st.sampled_from(PARAM_NAMES))] = draw(st.one_of(VALUES, NUMBERS))
        elif op == "type" and isinstance(target, dict):
            target["type"] = draw(st.sampled_from(["int", "decimal(0,0)", "decimal(38,38)", "date", "bool"]))
    text = _dump(doc)
    assume(text != _dump(_plain(sources[name])))  # a mutation that changed nothing (a key op drawn on a list)
    return name, text


# ---- the properties -----------------------------------------------------------------------------------------

def _assert_located(exc: SchemaError, file: str) -> None:
    assert exc.issues
    for issue in exc.issues:
        assert issue.location.file == file and issue.location.line is not None, str(issue)


def _small(plan: DatasetPlan) -> bool:
    """Files whose row counts the fuzzer made huge are left to the row-count bound tests, so that this
    one stays fast (only fixed counts can be huge: a per-parent table follows a bounded parent)."""
    fixed = [plan.row_overrides.get(t.name, (t.rows.fixed or 0) * plan.scale) for t in plan.spec.tables.values()]
    return all(n <= MAX_FUZZ_ROWS for n in fixed)


def _generate_ends(plan: DatasetPlan) -> None:
    for name in plan.order():
        table = plan.table(name)
        if table.is_partitioned:
            rows = table.probe_rows()
        else:
            n = table.n_rows
            rows = np.unique(np.r_[np.arange(min(n, ROWS_SHOWN)), np.arange(max(0, n - ROWS_SHOWN), n)])
        table.compute(rows.astype(np.int64))


@FUZZ
@given(mutated(SCHEMAS))
def test_mutated_schemas_validate_cleanly_and_what_validates_generates(case):
    name, text = case
    file = f"schemas/{name}.yaml"
    try:
        spec = load_dataset(file, text=text)
        plan = DatasetPlan(spec)
        if not _small(plan):
            return
        plan.check()
    except SchemaError as exc:
        event("rejected with located problems")
        _assert_located(exc, file)
        return
    event("accepted and generated")
    _generate_ends(plan)


@FUZZ
@given(case=mutated(PROFILES))
def test_mutated_profiles_validate_cleanly_and_what_validates_generates(case, tmp_path_factory):
    name, text = case
    folder = tmp_path_factory.mktemp("profile")
    path = folder / f"{name}.yaml"
    path.write_text(text)
    try:
        profile = load_profile(path, root=ROOT)
    except SchemaError as exc:
        event("rejected with located problems")
        _assert_located(exc, str(path))
        return
    event("accepted")
    part = profile.partitions
    scheme = None
    if part is not None:
        start = part.start if isinstance(part.start, dt.datetime) else dt.datetime.combine(part.start, dt.time())
        scheme = PartitionScheme(start.replace(tzinfo=None), part.cadence)
    for dataset_path in profile.dataset_paths():
        spec = load_dataset(dataset_path)
        try:
            plan = DatasetPlan(spec, PlanOptions(seed=profile.seed, scale=profile.scale, locale=profile.locale,
                                                 rows=profile.row_overrides(spec.name) or None, partitions=scheme))
            if not _small(plan):
                continue
            plan.check()
        except SchemaError as exc:
            for issue in exc.issues:
                assert issue.location.line is not None, str(issue)
            continue
        _generate_ends(plan)


def test_the_fuzzer_changes_the_files_it_is_given():
    """A guard on the strategy itself: mutations produce files that differ from the originals."""
    seen = set()

    @settings(max_examples=20, derandomize=True, database=None, deadline=None)
    @given(mutated(SCHEMAS))
    def collect(case):
        seen.add(case[1])

    collect()
    assert len(seen) > 10 and not seen & {_dump(_plain(t)) for t in SCHEMAS.values()}


pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


# ---- what the fuzzer found: each used to end in a traceback -------------------------------------------------

_BASE = """\
dataset: found
tables:
  orders:
    rows: 20
    primary_key: order_id
    columns:
      order_id: sequence
      total: {sum_of: lines.amount}
      created: {gen: timestamp, start: 2024-01-01, end: 2024-02-01}
  lines:
    rows: {per: orders, count: 2}
    columns:
      order_id: {ref: orders.order_id}
      amount: {dist: "uniform(1, 5)"}
      shipped: {gen: timestamp, after: order_id.created, max_delay_days: 3}
"""
FOUND = [
    ("extends: 1000000000000 on a column", ("      order_id: sequence\n", "      order_id: {gen: sequence, extends: 7}\n"),
     (7, 42), "`extends` has the wrong type"),
    ("primary_key: 5", ("    primary_key: order_id\n", "    primary_key: 5\n"), (5, 18), "`primary_key` has the wrong type"),
    ("time_column: a list", ("    primary_key: order_id\n",
                             "    primary_key: order_id\n    partitioned: {time_column: [created], rows_per_day: 5}\n"),
     (6, 32), "must be a column name"),
    ("a summed column whose type cannot hold its values",
     ('      amount: {dist: "uniform(1, 5)"}\n',
      '      amount: {expr: "raw"}\n      raw: {dist: "uniform(1, 5)", type: date}\n'),
     (15, 7), "column lines.raw: generating its values fails"),
    ("a parent column read through a foreign key fails",
     ("end: 2024-02-01}", "end: 2024-02-01, hour_weights: [1, 2]}"), (9, 7), "column orders.created"),
]


@pytest.mark.parametrize(("change", "at", "words"), [f[1:] for f in FOUND], ids=[f[0] for f in FOUND])
def test_what_the_fuzzer_found_is_a_located_schema_problem(change, at, words):
    text = _BASE.replace(*change)
    assert text != _BASE
    with pytest.raises(SchemaError) as info:
        DatasetPlan(load_dataset("found.yaml", text=text)).check()
    issues = info.value.issues
    assert any((i.location.line, i.location.column) == at and words in i.message for i in issues), issues
    _assert_located(info.value, "found.yaml")
