"""Generators that depend on the table's layout rather than on randomness."""

from __future__ import annotations

import pyarrow as pa

from mock_pipelines.core.facts import Facts
from mock_pipelines.core.registry import GenContext, generator


@generator("child_index", category="identifiers", returns="int", example="2", supports_unique=True,
           aliases=("line_number",),
           facts=Facts(range=lambda p: (p["start"], None)))
def child_index(ctx: GenContext, *, start: int = 1) -> pa.Array:
    """Position of the row among its parent's children (1, 2, 3, … per parent) in a `rows: {per: …}` table.

    Together with the parent's key it forms a composite key that is unique by construction.
    """
    positions = ctx.extra["child_index"]()
    return pa.array(positions + start, type=pa.int64())
