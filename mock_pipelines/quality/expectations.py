"""User expectations of a schema (``expectations:`` / ``expect:``) checked before any data is: the
expectation names and argument names against the installed Great Expectations, without importing it.

``import great_expectations`` costs seconds; ``mock-pipelines validate`` must not pay it. The expectations GX
exports are read from the source of its ``expectations/core`` package instead (the names it imports, and
the fields each class and its base classes declare, with their types and defaults), found with
``importlib.util.find_spec`` (which does not import the package). Argument values are checked against those
types by :mod:`mock_pipelines.quality.expectation_values`; GX validates them again when the checks run.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mock_pipelines.spec.errors import Issue, Location
from mock_pipelines.spec.model import DatasetSpec, ExpectationSpec

_HIDDEN = frozenset({"id", "rendered_content", "meta", "notes", "batch_id", "windows"})  # not for schemas
_NOT_FIELDS = frozenset({"library_metadata"})  # annotated class attributes pydantic does not take as fields
# Keys of an expectation in a schema that are not arguments of the GX class.
_SCHEMA_KEYS = frozenset({"type", "expect", "kwargs", "name", "severity", "description"})


@cache
def _gx_expectations_dir() -> Path | None:
    found = importlib.util.find_spec("great_expectations")
    if found is None or not found.submodule_search_locations:
        return None
    folder = Path(next(iter(found.submodule_search_locations))) / "expectations"
    return folder if (folder / "core" / "__init__.py").is_file() else None


@cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@cache
def expectation_modules() -> dict[str, Path]:
    """GX expectation class name → the source file defining it, as ``great_expectations.expectations``
    exports them (empty when GX is not installed)."""
    folder = _gx_expectations_dir()
    if folder is None:
        return {}
    out: dict[str, Path] = {}
    for node in _parsed(folder / "core" / "__init__.py").body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                if alias.name.startswith("Expect"):
                    out[alias.asname or alias.name] = folder / "core" / f"{node.module}.py"
    return out


def plugin_expectation_modules() -> dict[str, Path]:
    """Expectation class name → source file, for the classes the expectation plugins define (entry points of
    ``mock_pipelines.expectations`` and the local plugin modules loaded so far), read from their source
    without importing them: the classes whose names start with ``Expect`` defined in the module itself.
    Raises core.plugins.PluginError for a plugin whose source cannot be found or parsed."""
    from mock_pipelines.core.plugins import expectation_plugins

    return _plugin_classes(tuple(expectation_plugins()))


@cache
def _plugin_classes(plugins: tuple[Any, ...]) -> dict[str, Path]:
    from mock_pipelines.core.plugins import PluginError, plugin_source

    out: dict[str, Path] = {}
    for plugin in plugins:
        path = plugin_source(plugin)
        if path is None:
            continue
        try:
            tree = _parsed(path)
        except SyntaxError as exc:
            raise PluginError(plugin, f"SyntaxError at {path}:{exc.lineno}: {exc.msg}",
                              "fix the plugin's source") from None
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Expect"):
                out.setdefault(node.name, path)
    return out


def known_expectations() -> dict[str, Path]:
    """The expectations a schema may name: Great Expectations' own, then the plugins' (a plugin class never
    hides a GX class of the same name)."""
    return {**plugin_expectation_modules(), **expectation_modules()}


def expectation_names() -> list[str]:
    """The expectation classes of the installed Great Expectations, e.g. ``ExpectColumnValuesToBeBetween``."""
    return sorted(expectation_modules())


def _key(name: str) -> str:
    key = name.replace("_", "").lower()
    return key if key.startswith("expect") else "expect" + key


def resolve_name(name: str) -> str | None:
    """The GX class of a name as written in a schema (CamelCase or snake_case, with or without
    ``expect_``; see :func:`mock_pipelines.quality.gx_runner.expectation_class`), or None."""
    names = known_expectations()
    if name in names:
        return name
    return {n.lower(): n for n in names}.get(_key(name))


def suggest_name(name: str) -> str | None:
    by_key = {n.lower(): n for n in known_expectations()}
    close = difflib.get_close_matches(_key(name), list(by_key), n=1, cutoff=0.6)
    return by_key[close[0]] if close else None


@dataclass(frozen=True)
class Argument:
    """One argument of a GX expectation class, as its source declares it."""

    name: str
    annotation: str  # the type as written in GX's source, e.g. ``Union[bool, SuiteParameterDict]``
    required: bool  # no default and not Optional (pydantic v1, which GX models use: Optional means not required)
    limits: tuple[tuple[str, float], ...] = ()  # the Field's numeric bounds: ("ge", 0), ("le", 1) …


def _required(stmt: ast.AnnAssign) -> bool:
    text = ast.unparse(stmt.annotation)
    if "Optional" in text or "None" in text.replace("SuiteParameterDict", ""):
        return False
    value = stmt.value
    if value is None:
        return True
    if isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1] == "Field":
        positional = value.args[0] if value.args else None
        return not any(k.arg in ("default", "default_factory") for k in value.keywords) and (
            positional is None or (isinstance(positional, ast.Constant) and positional.value is Ellipsis))
    return False


def _limits(stmt: ast.AnnAssign) -> tuple[tuple[str, float], ...]:
    value = stmt.value
    if not isinstance(value, ast.Call):
        return ()
    return tuple((k.arg, float(k.value.value)) for k in value.keywords if k.arg in ("ge", "gt", "le", "lt")
                 and isinstance(k.value, ast.Constant) and isinstance(k.value.value, int | float))


def _class_node(path: Path, cls: str) -> ast.ClassDef | None:
    folder = _gx_expectations_dir()
    # a plugin's class may derive from a GX core expectation (defined in a file of its own)
    elsewhere = expectation_modules().get(cls)
    for source in (path, *(() if folder is None else (folder / "expectation.py",)),
                   *(() if elsewhere is None or elsewhere == path else (elsewhere,))):
        node = next((n for n in _parsed(source).body if isinstance(n, ast.ClassDef) and n.name == cls), None)
        if node is not None:
            return node
    return None


def _class_fields(path: Path, cls: str, seen: frozenset[str] = frozenset()) -> dict[str, Argument] | None:
    """The pydantic fields ``cls`` declares in ``path`` and inherits (None when a base class is not found)."""
    node = _class_node(path, cls)
    if node is None:
        return None
    fields: dict[str, Argument] = {}
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        if name in ("ABC", "Generic", "BaseModel") or name is None:
            continue
        if name in seen:
            return None
        inherited = _class_fields(path, name, seen | {cls})
        if inherited is None:
            return None
        fields.update(inherited)
    for stmt in node.body:  # the class's own declarations override its bases'
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                and not stmt.target.id.startswith("_") and "ClassVar" not in ast.unparse(stmt.annotation) \
                and stmt.target.id not in _NOT_FIELDS:
            fields[stmt.target.id] = Argument(stmt.target.id, ast.unparse(stmt.annotation), _required(stmt),
                                              _limits(stmt))
    return fields


def arguments(cls: str) -> dict[str, Argument] | None:
    """The arguments a GX expectation class takes, by name (None when they cannot be read from its source)."""
    path = known_expectations().get(cls)
    return None if path is None else _class_fields(path, cls)


def ancestors(cls: str) -> set[str]:
    """The GX classes ``cls`` derives from (read from the source, as its fields are)."""
    path = known_expectations().get(cls)
    found: set[str] = set()
    todo = [cls]
    while path is not None and todo:
        node = _class_node(path, todo.pop())
        for base in node.bases if node is not None else ():
            name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
            if name and name not in found:
                found.add(name)
                todo.append(name)
    return found


def needs_a_bound(cls: str) -> bool:
    """Whether GX refuses the expectation with neither ``min_value`` nor ``max_value`` (its validator says
    so in the class's source)."""
    path = known_expectations().get(cls)
    node = None if path is None else _class_node(path, cls)
    return node is not None and "min_value and max_value cannot both be None" in ast.unparse(node)


def expectation_issues(exp: ExpectationSpec, table: str) -> list[Issue]:
    """What is wrong with one user expectation: an unknown expectation name, unknown argument names, argument
    values of the wrong kind, required arguments missing."""
    where = exp.location or Location("<schema>")
    if not expectation_modules():
        return []  # Great Expectations is not installed: nothing to check against (the checks say so)
    cls = resolve_name(exp.type)
    if cls is None:
        return [Issue(where, f"unknown Great Expectations expectation {exp.type!r} in table {table!r}",
                      expected="a class of great_expectations.expectations, e.g. ExpectColumnValuesToBeBetween "
                      "(or expect_column_values_to_be_between), or of an expectation plugin",
                      suggestion=suggest_name(exp.type))]
    declared = arguments(cls)
    if declared is None:
        return []
    known = set(declared)
    issues = []
    for arg in exp.kwargs:
        if arg in known or arg in _SCHEMA_KEYS:
            continue
        near = difflib.get_close_matches(arg, sorted(known), n=1, cutoff=0.6)
        issues.append(Issue(exp.arg_locations.get(arg, where), f"expectation {cls} of {table!r} has no argument {arg!r}",
                            expected="arguments among " + ", ".join(sorted(known - _HIDDEN - _SCHEMA_KEYS)),
                            suggestion=near[0] if near else None))
    misspelt = {i.suggestion for i in issues if i.suggestion}
    return issues + _value_issues(exp, cls, table, declared, misspelt)


def _value_issues(exp: ExpectationSpec, cls: str, table: str, declared: dict[str, Argument],
                  misspelt: Collection[str] = ()) -> list[Issue]:
    """Argument values GX would refuse (or that can never pass), each at its value; required arguments
    that are missing, at the expectation (except those an unknown argument is a misspelling of: that
    argument's issue already names them)."""
    from mock_pipelines.quality.expectation_values import bounds_problem, value_problem

    where = exp.location or Location("<schema>")
    given = {**({"column": exp.column} if exp.column else {}), **exp.kwargs}
    issues = []
    for name, value in exp.kwargs.items():
        if name in declared and name not in _SCHEMA_KEYS:
            problem = value_problem(declared[name], value, ancestors(cls))
            if problem is not None:
                message, expected, suggestion = problem
                issues.append(Issue(exp.arg_locations.get(name, where), f"expectation {cls} of {table!r}: "
                                    f"{name}: {message}", expected=expected, suggestion=suggestion))
    missing = [a.name for a in declared.values() if a.required and a.name not in given and a.name not in _HIDDEN
               and a.name not in misspelt]
    if missing:
        issues.append(Issue(where, f"expectation {cls} of {table!r} needs {', '.join(missing)}",
                            expected=f"{', '.join(f'{m}: …' for m in missing)} among its arguments"))
    if needs_a_bound(cls) and given.get("min_value") is None and given.get("max_value") is None:
        issues.append(Issue(where, f"expectation {cls} of {table!r} needs min_value or max_value",
                            expected="min_value: …, max_value: … (one of them, or both)"))
    crossed = bounds_problem(exp.kwargs)
    if crossed:
        issues.append(Issue(exp.arg_locations.get("min_value", where), f"expectation {cls} of {table!r}: {crossed}",
                            expected="min_value ≤ max_value", suggestion="swap the two values"))
    return issues


def user_expectation_issues(spec: DatasetSpec) -> list[Issue]:
    """Every problem of the user expectations of a dataset, at their schema locations (nothing is imported
    from Great Expectations; a schema without user expectations costs nothing)."""
    issues: list[Issue] = []
    for table in spec.tables.values():
        for exp in list(table.expectations) + [e for c in table.columns.values() for e in c.expectations]:
            issues.extend(expectation_issues(exp, table.name))
    return sorted(issues, key=lambda i: (i.location.file, i.location.line or 0, i.location.column or 0))
