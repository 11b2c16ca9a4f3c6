"""The defect catalogue: every kind of damage a scenario can inject, by name.

Each module holds one family and registers its kinds with :func:`register`; :func:`kinds` lists them all
(the parser validates a scenario against it, ``mock-pipelines defects`` prints it, the docs are generated from
it). Row- and partition-level kinds (``duplicate``, ``near_duplicate``, ``schema_drift``) are not cell damages:
:mod:`mock_pipelines.core.scenarios` applies them, and they are listed in :data:`ROW_KINDS`.
"""

from __future__ import annotations

from mock_pipelines.core.defects.base import Cells, DefectKind, Param
from mock_pipelines.spec.errors import suggest

_KINDS: dict[str, DefectKind] = {}
_loaded = False

# Kinds that add or reshape rows or partitions instead of damaging cells: name -> (description, parameters).
ROW_KINDS: dict[str, tuple[str, dict[str, Param]]] = {
    "duplicate": ("an exact copy of the row, right after it (a duplicated event or record)", {}),
    "near_duplicate": ("a copy of the row right after it, with `column` damaged by `how` (case, whitespace, "
                       "typo or transliteration): the same entity written twice, slightly differently",
                       {"how": Param("typo", "the damage that tells the copy apart: case, whitespace, typo, "
                                             "transliteration", str)}),
    "schema_drift": ("a whole partition (the whole table, unpartitioned) lands with `column` renamed, missing, "
                     "re-typed as strings, or with an extra column; `rate` is the share of partitions",
                     {"change": Param("any", "rename, drop, retype, extra, or any (drawn per partition)", str)}),
}
# For the catalogue: what each row kind applies to, and what its ground-truth entries list under `violates`
# (as core.scenarios labels them).
ROW_KIND_TARGETS: dict[str, tuple[str, str]] = {
    "duplicate": ("any table (the whole row is copied)", "unique (where the table has a primary key)"),
    "near_duplicate": ("a string column that is not a key (the copy's damage)",
                       "unique (where the table has a primary key)"),
    "schema_drift": ("any column that is not a primary or foreign key", "type for retype, schema otherwise"),
}
DRIFT_CHANGES = ("rename", "drop", "retype", "extra")
NEAR_DUPLICATE_HOWS = ("case", "whitespace", "typo", "transliteration")


def register(kind: DefectKind) -> DefectKind:
    if kind.name in _KINDS or kind.name in ROW_KINDS:
        raise ValueError(f"defect kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def kinds() -> dict[str, DefectKind]:
    """Every cell kind of the catalogue, by name (the families register on first use)."""
    _load()
    return dict(_KINDS)


def get(name: str) -> DefectKind:
    _load()
    if name not in _KINDS:
        raise KeyError(f"unknown defect kind {name!r}; {suggest(name, [*_KINDS, *ROW_KINDS]) or ''}".strip())
    return _KINDS[name]


def all_names() -> list[str]:
    _load()
    return sorted([*_KINDS, *ROW_KINDS])


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True  # set first: a family imported directly (before any look-up) must not stop the others loading
    # One module per family; importing registers its kinds.
    from mock_pipelines.core.defects import (  # noqa: F401
        anomalies,
        edges,
        formats,
        nulls,
        numbers,
        relations,
        text,
    )


__all__ = ["ROW_KINDS", "ROW_KIND_TARGETS", "Cells", "DefectKind", "Param", "all_names", "get", "kinds", "register"]
