"""Which columns a cell kind may damage: the refusals the number and format families share.

A key column keeps its values (a row whose key is damaged cannot be matched with its ground truth), a reference
is damaged by the relation kinds (an orphan is an ``fk`` defect, not a wrong number or a bad format), and a
helper column (``emit: false``) is never written, so there is nothing to damage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from mock_pipelines.core.engine import TablePlan
    from mock_pipelines.spec.model import ColumnSpec


def protected(column: ColumnSpec, table: TablePlan) -> str | None:
    """Why ``column`` keeps its values whatever the kind, or None."""
    if column.name in table.spec.primary_key:
        return "a key column keeps its values (a row whose key is damaged cannot be matched with its ground truth)"
    if column.kind == "ref":
        return "a reference is damaged by the relation kinds (orphan), so that the damage is labelled fk"
    if not column.emit:
        return "a helper column (emit: false) is never written"
    return None


def arrow_type(column: ColumnSpec, table: TablePlan) -> pa.DataType:
    """The Arrow type the clean column is written with (a dictionary-encoded column: its values' type)."""
    return table.plain_type(column.name)
