"""What the `changes:` of the tables mean together: ``parent_deletes: cascade`` needs a parent that deletes.

Everything a `changes:` block says about its own table is checked where it is parsed
(:mod:`mock_pipelines.schema.parse_changes`); this is the part that reads the other tables.
"""

from __future__ import annotations

from mock_pipelines.spec.errors import IssueCollector, Location
from mock_pipelines.spec.model import DatasetSpec


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
        deleting = [p for p in parents if p in spec.tables and (spec.tables[p].changes is not None
                                                                and spec.tables[p].changes.deletes is not None)]
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
