"""User expectations of a schema (``expectations:`` / ``expect:``) checked before any data is: the
expectation names and argument names against the installed Great Expectations, without importing it.

``import great_expectations`` costs seconds; ``mock-pipelines validate`` must not pay it. The expectations GX
exports are read from the source of its ``expectations/core`` package instead (the names it imports, and
the fields each class and its base classes declare), found with ``importlib.util.find_spec`` (which does not
import the package). Argument values are still validated by GX itself when the checks run.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
from functools import cache
from pathlib import Path

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


def expectation_names() -> list[str]:
    """The expectation classes of the installed Great Expectations, e.g. ``ExpectColumnValuesToBeBetween``."""
    return sorted(expectation_modules())


def _key(name: str) -> str:
    key = name.replace("_", "").lower()
    return key if key.startswith("expect") else "expect" + key


def resolve_name(name: str) -> str | None:
    """The GX class of a name as written in a schema (CamelCase or snake_case, with or without
    ``expect_``; see :func:`mock_pipelines.quality.gx_runner.expectation_class`), or None."""
    names = expectation_modules()
    if name in names:
        return name
    return {n.lower(): n for n in names}.get(_key(name))


def suggest_name(name: str) -> str | None:
    by_key = {n.lower(): n for n in expectation_modules()}
    close = difflib.get_close_matches(_key(name), list(by_key), n=1, cutoff=0.6)
    return by_key[close[0]] if close else None


def _class_fields(path: Path, cls: str, seen: frozenset[str] = frozenset()) -> set[str] | None:
    """The pydantic fields ``cls`` declares in ``path`` and inherits (None when a base class is not found)."""
    folder = _gx_expectations_dir()
    if folder is None:
        return None
    for source in (path, folder / "expectation.py"):
        node = next((n for n in _parsed(source).body if isinstance(n, ast.ClassDef) and n.name == cls), None)
        if node is not None:
            break
    else:
        return None
    fields = {stmt.target.id for stmt in node.body if isinstance(stmt, ast.AnnAssign)
              and isinstance(stmt.target, ast.Name) and not stmt.target.id.startswith("_")
              and "ClassVar" not in ast.unparse(stmt.annotation) and stmt.target.id not in _NOT_FIELDS}
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        if name in ("ABC", "Generic") or name is None:
            continue
        if name == "BaseModel":
            continue
        if name in seen:
            return None
        inherited = _class_fields(path, name, seen | {cls})
        if inherited is None:
            return None
        fields |= inherited
    return fields


def argument_names(cls: str) -> set[str] | None:
    """The arguments a GX expectation class takes (None when they cannot be read from its source)."""
    path = expectation_modules().get(cls)
    return None if path is None else _class_fields(path, cls)


def expectation_issues(exp: ExpectationSpec, table: str) -> list[Issue]:
    """What is wrong with one user expectation: an unknown expectation name or unknown argument names."""
    where = exp.location or Location("<schema>")
    if not expectation_modules():
        return []  # Great Expectations is not installed: nothing to check against (the checks say so)
    cls = resolve_name(exp.type)
    if cls is None:
        return [Issue(where, f"unknown Great Expectations expectation {exp.type!r} in table {table!r}",
                      expected="a class of great_expectations.expectations, e.g. ExpectColumnValuesToBeBetween "
                      "(or expect_column_values_to_be_between)", suggestion=suggest_name(exp.type))]
    known = argument_names(cls)
    if known is None:
        return []
    issues = []
    for arg in exp.kwargs:
        if arg in known or arg in _SCHEMA_KEYS:
            continue
        near = difflib.get_close_matches(arg, sorted(known), n=1, cutoff=0.6)
        issues.append(Issue(where, f"expectation {cls} of {table!r} has no argument {arg!r}",
                            expected="arguments among " + ", ".join(sorted(known - _HIDDEN - _SCHEMA_KEYS)),
                            suggestion=near[0] if near else None))
    return issues


def user_expectation_issues(spec: DatasetSpec) -> list[Issue]:
    """Every problem of the user expectations of a dataset, at their schema locations (nothing is imported
    from Great Expectations; a schema without user expectations costs nothing)."""
    issues: list[Issue] = []
    for table in spec.tables.values():
        for exp in list(table.expectations) + [e for c in table.columns.values() for e in c.expectations]:
            issues.extend(expectation_issues(exp, table.name))
    return sorted(issues, key=lambda i: (i.location.file, i.location.line or 0, i.location.column or 0))
