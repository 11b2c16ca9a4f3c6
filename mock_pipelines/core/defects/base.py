"""What a defect kind is: a vectorised, deterministic damage of the selected cells of one column.

A kind receives the clean values of the rows a rule selected (never the whole table), their global row
indices and the rule's key, and returns the damaged values, one per selected row. Every draw is
``rnd.*(cells.key, cells.rows, stream)``, so the damage of a row is a pure function of (seed, scenario, table,
rule, row): the data and its ground truth, computed apart, agree row by row, and any chunk or partition of a
scenario can be generated alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from mock_pipelines.core import random as rnd

if TYPE_CHECKING:
    from mock_pipelines.core.column_facts import ColumnFacts
    from mock_pipelines.core.engine import TablePlan
    from mock_pipelines.spec.model import ColumnSpec

# Rule kinds a damaged value may break (the quality layer names its rules after them: not_null -> not_null__col,
# range -> between__col, value_set -> values_in_set__col, format -> regex__col, checksum -> checksum__col,
# type -> type__col, unique -> pk_unique / unique__col, fk -> fk__col, order -> after__col / before__col).
VIOLATIONS = ("not_null", "range", "value_set", "format", "length", "checksum", "type", "unique", "fk", "order")


@dataclass(frozen=True)
class Param:
    """A parameter a kind accepts: its default and what it means (listed in the docs and by the parser)."""

    default: Any
    description: str
    kind: type | tuple[type, ...] = (int, float, str, bool)


@dataclass(frozen=True)
class Cells:
    """The selected rows of one column, clean, and what a kind needs to damage them."""

    table: TablePlan
    column: ColumnSpec
    facts: ColumnFacts
    values: pa.Array  # the clean values of the selected rows (plain, never dictionary-encoded)
    rows: np.ndarray  # their global row indices (int64)
    key: int  # the rule's key: every draw is rnd.<fn>(key, rows, stream)
    params: Mapping[str, Any]  # the rule's parameters, defaults filled in
    window: tuple[int, int] | None = None  # the partition window [start, end) in µs, in a partitioned run

    def __len__(self) -> int:
        return len(self.rows)

    def uniform(self, stream: int = 0) -> np.ndarray:
        return rnd.uniform(self.key, self.rows, stream)

    def integers(self, n: int | np.ndarray, stream: int = 0) -> np.ndarray:
        return rnd.integers(self.key, self.rows, n, stream)


# Which rows of a table a rule damages: (rule key, global rows, rate, params) -> boolean mask. The default
# draws each row alone; anomalies select runs of consecutive rows (a spike lasts a while, a burst is a burst).
Select = Callable[[int, np.ndarray, float, Mapping[str, Any]], np.ndarray]


def select_rows(key: int, rows: np.ndarray, rate: float, params: Mapping[str, Any]) -> np.ndarray:
    return rnd.uniform(key, rows, 0x5E1) < rate


@dataclass(frozen=True)
class DefectKind:
    """One kind of the catalogue.

    ``applies(column, facts, table)``: None when the kind can damage that column, else why not (the schema
    check shows it). ``damage(cells)``: the damaged values, one per selected row, of the column's Arrow type —
    or strings when ``retypes`` (a typed column cannot hold "2024-02-30": the column lands as strings in the
    scenario). ``violates``: rule kinds (:data:`VIOLATIONS`) every damaged value breaks by construction beyond
    what its column's facts tell (an orphan breaks ``fk``, a reversed pair ``order``); the facts-derived ones
    (null, range, format, …) are found by :func:`mock_pipelines.core.defects.classify.violations`.
    ``applies_to``: one line for the catalogue, the columns the kind can damage (``applies`` decides, per
    column, with the reason when it refuses)."""

    name: str
    description: str
    damage: Callable[[Cells], pa.Array]
    applies: Callable[[ColumnSpec, ColumnFacts, TablePlan], str | None]
    params: dict[str, Param] = field(default_factory=dict)
    retypes: bool = False
    violates: tuple[str, ...] = ()
    select: Select = select_rows
    group: str = "defect"  # defect | anomaly | edge: how the docs and the report group the kinds
    applies_to: str = ""
