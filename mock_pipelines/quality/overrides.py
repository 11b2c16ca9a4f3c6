"""A profile's ``checks.overrides`` checked against the checks its datasets really have.

An override key that names no check would change nothing, silently: a typo (``null_rate__emial``), a check
the schema does not derive, a glob matching nothing or an unknown ``kind:``. Each is reported at the key's
``file:line:column`` in the profile, with the closest real name as a suggestion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.spec.errors import Issue, Location, SchemaError, suggest

KIND_PREFIX = "kind:"
_NAMING_ROWS = 1_000_000  # enough rows for every statistical rule to be derived
_SOME_WINDOW = (dt.datetime(2000, 1, 1), dt.datetime(2000, 1, 2))  # names only: any window will do


def check_names(plan: DatasetPlan, partitioned: bool | None = None) -> dict[str, list[str]]:
    """Every check name each table of a dataset can have (single-table and cross-table rules, before any
    severity is applied), by table. ``partitioned``: as in a time-partitioned run (default: when the plan
    is)."""
    from mock_pipelines.quality.cross_table import derive_cross_rules
    from mock_pipelines.quality.rules import RowExpectation, derive_rules

    spec = plan.spec
    partitioned = plan.partitions is not None if partitioned is None else partitioned
    out: dict[str, list[str]] = {}
    for table in plan.order():
        names: dict[str, None] = {}
        tspec = spec.tables[table]
        window = _SOME_WINDOW if partitioned and tspec.partitioned is not None else None
        for rows in (RowExpectation(exact=_NAMING_ROWS), RowExpectation(parents=_NAMING_ROWS)):
            for rule in derive_rules(spec, table, rows, locale=plan.locale, partitioned=partitioned, window=window):
                names[rule.name] = None
        for rule in derive_cross_rules(spec, table, partitioned=partitioned):
            names[rule.name] = None
        out[table] = list(names)
    return out


def override_problems(overrides: Mapping[str, str], names: Mapping[str, list[str]],
                      where: Any = None) -> list[Issue]:
    """The override keys that name no check of ``names`` (table → check names). ``where(key)`` gives the
    location of a key (default: nowhere in particular)."""
    import fnmatch

    from mock_pipelines.quality.rules import KINDS
    from mock_pipelines.quality.severity import is_glob

    locate = where or (lambda key: Location("<profile>"))
    plain = sorted({n for table in names.values() for n in table})
    qualified = sorted(f"{t}.{n}" for t, table in names.items() for n in table)
    issues: list[Issue] = []
    for key in overrides:
        if key.startswith(KIND_PREFIX):
            kind = key[len(KIND_PREFIX):]
            if kind not in KINDS:
                near = suggest(kind, KINDS)
                issues.append(Issue(locate(key), f"checks.overrides: unknown check kind {kind!r}",
                                    expected="kind:<kind> with one of " + ", ".join(KINDS),
                                    suggestion=KIND_PREFIX + near if near else None))
            continue
        if is_glob(key):
            if not any(fnmatch.fnmatchcase(n, key) for n in plain + qualified):
                issues.append(Issue(locate(key), f"checks.overrides: the pattern {key!r} matches no check of "
                                    "the profile's datasets",
                                    expected="a glob matching at least one check name, e.g. "
                                    + _glob_example(plain, names)))
            continue
        table, dot, name = key.rpartition(".")
        if dot and table in names:
            if name not in names[table]:
                near = suggest(name, names[table])
                issues.append(Issue(locate(key), f"checks.overrides: table {table!r} has no check {name!r}",
                                    expected="one of " + _listed(names[table]),
                                    suggestion=f"{table}.{near}" if near else None))
            continue
        if dot:
            near_table = suggest(table, list(names))
            close = None if near_table is None else name if name in names[near_table] else suggest(
                name, names[near_table])
            hint = f"{near_table}.{close}" if close else f"the table may be {near_table!r}" if near_table else None
            issues.append(Issue(locate(key), f"checks.overrides: no table {table!r} in the profile's datasets",
                                expected="table.check with a table of " + _listed(list(names)), suggestion=hint))
            continue
        if key not in plain:
            issues.append(Issue(locate(key), f"checks.overrides: no check is named {key!r}",
                                expected="a check name such as " + _listed(plain, 6),
                                suggestion=suggest(key, plain)))
    return issues


def check_overrides(profile: Any, plans: Mapping[str, DatasetPlan]) -> None:
    """Raise SchemaError listing every override key of ``profile`` (a loaded ``Profile``) that names no
    check of its datasets, each at its place in the profile file. Nothing to do without overrides."""
    overrides = profile.checks.overrides
    if not overrides:
        return
    names: dict[str, list[str]] = {}
    for plan in plans.values():
        for table, table_names in check_names(plan).items():
            names.setdefault(table, []).extend(n for n in table_names if n not in names.get(table, []))
    issues = override_problems(overrides, names, _locator(profile.file))
    if issues:
        raise SchemaError(issues)


def _locator(file: Path | None) -> Any:
    """``key → Location`` of a key under ``checks.overrides`` in the profile file."""
    if file is None:
        return lambda key: Location("<profile>")
    from mock_pipelines.spec.yaml_source import load_yaml, path_location

    try:
        doc = load_yaml(file)
    except (SchemaError, OSError):
        doc = None

    def where(key: str) -> Location:
        try:
            return path_location(str(file), doc, ("checks", "overrides", key), at_key=True)
        except (KeyError, TypeError, IndexError):
            return Location(str(file))

    return where


def _glob_example(plain: list[str], names: Mapping[str, list[str]]) -> str:
    prefixes = list(dict.fromkeys(n.split("__")[0] for n in plain if "__" in n))
    table = next(iter(names), None)
    shown = [f"{p}__*" for p in prefixes[:2]] + ([f"{table}.*"] if table else [])
    return " or ".join(shown) or "*"


def _listed(values: list[str], limit: int = 8) -> str:
    return ", ".join(values[:limit]) + (", …" if len(values) > limit else "")
