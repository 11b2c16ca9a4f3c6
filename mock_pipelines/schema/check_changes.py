"""What the `changes:` of the tables mean together: ``parent_deletes: cascade`` needs a parent that deletes,
and a row that references a hard-deleted parent must go with it.

Everything a `changes:` block says about its own table is checked where it is parsed
(:mod:`mock_pipelines.schema.parse_changes`); this is the part that reads the other tables.
"""

from __future__ import annotations

from mock_pipelines.spec.errors import IssueCollector, Location
from mock_pipelines.spec.model import DatasetSpec, TableSpec


def delete_mode(spec: DatasetSpec, name: str, _seen: frozenset[str] = frozenset()) -> str | None:
    """How rows of a table are deleted: its own `deletes:` mode, or — for a table that only cascades — the
    mode of the first parent that deletes (as the engine decides it); None when its rows are never deleted."""
    table = spec.tables.get(name)
    changes = table.changes if table is not None else None
    if changes is None or name in _seen:
        return None
    if changes.deletes is not None:
        return changes.deletes.mode
    if changes.parent_deletes == "cascade":
        for fk in table.foreign_keys:  # type: ignore[union-attr]
            if fk.table != name and (mode := delete_mode(spec, fk.table, _seen | {name})) is not None:
                return mode
    return None


def check_hard_deletes(spec: DatasetSpec, issues: IssueCollector, unsure: set[str]) -> None:
    """A hard delete removes the row: every table referencing it must be deleted with it (cascade), or a
    reference would point at a row that is gone — which the databases' foreign keys refuse."""
    for parent in spec.tables.values():
        if parent.name in unsure or delete_mode(spec, parent.name) != "hard":
            continue
        for child in spec.tables.values():
            for fk in child.foreign_keys:
                if fk.table != parent.name or child.name in unsure:
                    continue
                if child.name == parent.name:
                    issues.add(fk.location, f"{child.name!r} references itself and deletes rows hard: a row could "
                               "keep pointing at a removed row", suggestion="delete its rows softly (mode: soft)")
                elif _cascades(child) and delete_mode(spec, child.name) != "hard":
                    issues.add(fk.location, f"{child.name}.{fk.name} references {parent.name!r}, whose rows are "
                               f"deleted hard, and the rows of {child.name!r} cascade but are deleted softly: a "
                               "soft-deleted row stays and would point at a removed row",
                               expected=f"the rows of {child.name!r} deleted hard with their parent",
                               suggestion=f"give the deletes of {child.name!r} mode: hard, or delete the rows of "
                                          f"{parent.name!r} softly (mode: soft)")
                elif not _cascades(child):
                    issues.add(fk.location, f"{child.name}.{fk.name} references {parent.name!r}, whose rows are "
                               f"deleted hard: a row of {child.name!r} would keep pointing at a removed row",
                               expected=f"the rows of {child.name!r} deleted with their parent",
                               suggestion=f"give {child.name!r} `changes: {{parent_deletes: cascade}}`, or delete "
                                          f"the rows of {parent.name!r} softly (mode: soft)")


def _cascades(table: TableSpec) -> bool:
    return table.changes is not None and table.changes.parent_deletes == "cascade"


def check_cascades(spec: DatasetSpec, issues: IssueCollector, locations: dict[tuple[str, str], Location],
                   unsure: set[str]) -> None:
    """A table whose rows are deleted with their parent (``parent_deletes: cascade``) references at least one
    table whose changes delete rows (itself included, for a tree). ``locations``: where the parse found each
    table's `parent_deletes`; ``unsure``: tables that did not parse, or with problems of their own (their
    changes may be missing because of a problem already reported)."""
    for table in spec.tables.values():
        changes = table.changes
        if changes is None or changes.parent_deletes != "cascade":
            continue
        parents = list(dict.fromkeys(fk.table for fk in table.foreign_keys))
        if any(p in unsure for p in parents):
            continue
        deleting = [p for p in parents if delete_mode(spec, p) is not None]
        if deleting:
            continue
        where = locations.get((table.name, "parent_deletes"), changes.location)
        if not parents:
            issues.add(where, f"parent_deletes of {table.name!r}: cascade deletes a row with the parent it "
                       f"references, and {table.name!r} has no foreign key",
                       expected="a foreign key to a table whose changes delete rows",
                       suggestion="drop parent_deletes (keep is the default)")
        else:
            issues.add(where, f"parent_deletes of {table.name!r}: cascade deletes a row with the parent it "
                       f"references, and no table {table.name!r} references deletes rows "
                       f"({', '.join(parents)})", expected="a foreign key to a table whose changes delete rows",
                       suggestion=f"add deletes: to the changes of {parents[0]!r}, or use parent_deletes: keep")
