"""How a nested document becomes related tables: names, flattened records and child tables of lists.

Event formats (Avro, Protobuf, JSON Schema) nest where a database relates tables. A reader of such a format
maps the nesting onto tables with the same convention, so an order event reads alike whatever its format:

* a nested record (an Avro record field, a singular message field, a JSON object) is **flattened** into its
  parent's columns, named ``<field>_<subfield>`` (``shipping_address`` → ``shipping_address_city``);
* a list of records (an Avro array of records, a ``repeated`` message field, a JSON array of objects) becomes
  a **child table** ``<parent table>_<field>`` with one row per item (``per_parent`` = the parent table):

  - the parent needs a single-column key. It keeps an obvious one when it has it — a non-null, direct field
    named ``<table>_id``, ``id`` or ``<leading words of its record type's name>_id`` (``OrderPlaced`` →
    ``order_id``) of kind int, string or uuid — and otherwise gets a synthetic ``<table>_id`` (an
    autoincrement 64-bit int) as its first column;
  - the child gets, first, a non-null foreign-key column to that key — named ``<parent table>_id`` when the
    key is synthetic or called ``id``, else the key's own name (``order_id``) — and ``item_no``, the
    1-based position of the item in its list;
  - the child's primary key is (foreign key, ``item_no``); when the child has children of its own it needs
    a single-column key too (by the rule above) and (foreign key, ``item_no``) becomes a unique constraint.

The readers build a table's columns first, then its children (depth first), then link each child to it, so a
grandchild's key is settled before its parent links it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field

from mock_pipelines.imports.model import SourceColumn, SourceForeignKey, SourceTable
from mock_pipelines.imports.naming import identifier_from, snake_case

__all__ = ["dataset_name", "snake_case"]  # snake_case is re-exported for the readers that import it here

ITEM_NO = "item_no"
MAX_NAME = 63  # the longest table or column name the schema language (and PostgreSQL) accepts
KEY_KINDS = ("int", "string", "uuid")

@dataclass
class NestedTable:
    """A table being read from a nested source: the names of its direct fields (key candidates) and its
    child tables with the label of the list each came from."""

    table: SourceTable
    type_name: str
    direct: set[str] = field(default_factory=set)
    children: list[tuple[SourceTable, str]] = field(default_factory=list)


def dataset_name(stem: str) -> str:
    """A valid identifier for the dataset an import proposes, from a file's stem."""
    return identifier_from(fit_name(snake_case(stem)))


def fit_name(name: str, limit: int = MAX_NAME) -> str:
    """``name`` cut to ``limit`` characters when longer (a deep child table's name grows with each level),
    ending in a digest of the whole name so two long names stay apart — the same name on every run."""
    if len(name) <= limit:
        return name
    digest = hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
    return f"{name[:limit - len(digest) - 1].rstrip('_')}_{digest}"


def unique_name(wanted: str, taken: Collection[str]) -> str:
    """``wanted``, or ``wanted_2``, ``wanted_3`` … when a table or column already has that name; never longer
    than the schema language allows."""
    wanted = fit_name(wanted)
    if wanted not in taken:
        return wanted
    n = 2
    while f"{fit_name(wanted, MAX_NAME - 1 - len(str(n)))}_{n}" in taken:
        n += 1
    return f"{fit_name(wanted, MAX_NAME - 1 - len(str(n)))}_{n}"


def id_candidates(table: str, type_name: str | None = None) -> list[str]:
    """The names an obvious key of ``table`` has, most specific first: ``<table>_id``, ``id``, then the
    ``_id`` of the leading words of its record type's name (``OrderPlaced`` → ``order_placed_id``,
    ``order_id``). Not the leading words of a child table's name: those name its parent (``order_id`` in
    ``order_placed_items`` is the parent's key)."""
    names = [f"{table}_id", "id"]
    words = snake_case(type_name or "").split("_") if type_name else []
    names += [f"{'_'.join(words[:n])}_id" for n in range(len(words), 0, -1)]
    return list(dict.fromkeys(names))


def obvious_key(table: SourceTable, direct_fields: Collection[str], type_name: str | None = None) -> str | None:
    """The column that plainly identifies a row of ``table``, if one of its own (not flattened) fields is."""
    for name in id_candidates(table.name, type_name):
        column = table.column(name)
        if column is not None and name in direct_fields and not column.nullable and column.kind in KEY_KINDS:
            return name
    return None


def ensure_single_key(table: SourceTable, direct_fields: Collection[str], type_name: str | None = None) -> str:
    """The single-column key of ``table``, choosing an obvious one or adding a synthetic ``<table>_id``."""
    if len(table.primary_key) == 1:
        return table.primary_key[0]
    key = obvious_key(table, direct_fields, type_name)
    if key is None:
        key = unique_name(f"{table.name}_id", {c.name for c in table.columns})
        table.columns.insert(0, SourceColumn(
            name=key, kind="int", type_text="(synthetic key)", nullable=False, precision=64, autoincrement=True,
            comment=f"Synthetic key of {table.name}: the source has no identifier; links the rows of its lists.",
            location=table.location))
    if table.primary_key:  # a composite key (a child's foreign key + item_no) stays unique
        table.unique.append(list(table.primary_key))
    table.primary_key = [key]
    return key


def link_child(parent: SourceTable, child: SourceTable, key: str, field_label: str) -> None:
    """Make ``child`` the table of the items of ``parent``'s list ``field_label``: its foreign key to
    ``parent.key``, ``item_no``, ``per_parent`` and its primary key (see the module docstring)."""
    parent_key = parent.column(key)
    assert parent_key is not None, f"{parent.name} has no key column {key}"
    taken = {c.name for c in child.columns}
    fk_name = unique_name(f"{parent.name}_id" if parent_key.autoincrement or key == "id" else key, taken)
    item_no = unique_name(ITEM_NO, taken | {fk_name})
    fk_column = SourceColumn(
        name=fk_name, kind=parent_key.kind, type_text=parent_key.type_text, nullable=False,
        precision=parent_key.precision, length=parent_key.length, format=parent_key.format,
        comment=f"The {parent.name} row this item belongs to.", location=child.location)
    item_column = SourceColumn(
        name=item_no, kind="int", type_text="(position in the list)", nullable=False, precision=32, minimum=1,
        comment=f"Position of the item in {field_label} (1, 2, …).", location=child.location)
    # after the child's own synthetic key, when it has one, and before the item's fields
    at = 1 if child.columns and child.columns[0].autoincrement and child.primary_key == [child.columns[0].name] \
        else 0
    child.columns[at:at] = [fk_column, item_column]
    child.foreign_keys.append(SourceForeignKey([fk_name], parent.name, [key]))
    child.per_parent = parent.name
    if child.primary_key:
        child.unique.append([fk_name, item_no])
    else:
        child.primary_key = [fk_name, item_no]


def table_roots(types: list[str], uses: dict[str, set[str]]) -> list[str]:
    """Which of a file's top-level record types become tables: those no other one uses as a field type.

    ``uses`` maps each type to every type it contains, however deep. A file that defines ``Address`` next
    to the ``Customer`` that uses it gives one table; a type used only by types it uses itself (two messages
    that contain each other) is still a table, so a cycle never leaves a file without tables."""
    def component(name: str) -> bool:
        return any(name in uses.get(user, set()) and user not in uses.get(name, set())
                   for user in types if user != name)

    return [name for name in types if not component(name)] or list(types)


def add_column(table: SourceTable, column: SourceColumn) -> str | None:
    """Append ``column`` to ``table`` under a name the schema language accepts and no other column has:
    a flattened name can be too long, or be the name of another column (``address_city`` beside
    ``address.city``). Returns what was renamed, for a warning, or None."""
    wanted = column.name
    column.name = unique_name(wanted, {c.name for c in table.columns})
    table.columns.append(column)
    if column.name == wanted:
        return None
    why = f"is longer than {MAX_NAME} characters" if len(wanted) > MAX_NAME else \
        "is already the name of another column (nested records flatten into <field>_<subfield> columns)"
    return f"column name {wanted} {why}: imported as {column.name}"
