"""Missing values: a null where the column promises a value (the simplest defect, and the reference kind)."""

from __future__ import annotations

import pyarrow as pa

from mock_pipelines.core.defects import register
from mock_pipelines.core.defects.base import Cells, DefectKind


def _missing(cells: Cells) -> pa.Array:
    return pa.nulls(len(cells), type=cells.values.type)


def _applies(column, facts, table) -> str | None:
    if column.name in table.spec.primary_key:
        return "a key column keeps its values (a row whose key is damaged cannot be matched with its ground truth)"
    return None


register(DefectKind(
    "missing", "a null in the column (breaks not_null where the column cannot be null)",
    damage=_missing, applies=_applies,
    applies_to="any column but a primary key",
))
