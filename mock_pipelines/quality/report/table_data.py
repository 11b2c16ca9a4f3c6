"""Tables as the report receives them: one Arrow table, ``{partition key: table}`` for partitioned data, or
a :class:`MeasuredTable` — what was measured of a table without holding its rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from mock_pipelines.quality.column_profile import TableProfile

# A daily partition key (YYYY-MM-DD): rows per day can be set against the declared daily rate.
DAY_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class MeasuredTable:
    """A table known by its profile (merged over its partitions) and the rows of each partition."""

    profile: TableProfile
    partitions: dict[str, int] | None = None  # rows per partition key; None: not partitioned
    duplicates: dict[str, int] = field(default_factory=dict)  # rows whose value repeats, per unique column
    # a table with changes: its landed change log's {partition key: {"c": inserts, "u": updates, "d": deletes}}
    change_volume: dict[str, dict[str, int]] | None = None

    @property
    def num_rows(self) -> int:
        return self.profile.rows

    @property
    def num_columns(self) -> int:
        return len(self.profile.columns)

    @property
    def column_names(self) -> list[str]:
        return list(self.profile.columns)


TableData = pa.Table | Mapping[str, pa.Table] | MeasuredTable


def split_partitions(data: TableData) -> tuple[pa.Table, dict[str, int] | None]:
    """A table and, for partitioned data, rows per partition key."""
    if isinstance(data, pa.Table):
        return data, None
    if isinstance(data, MeasuredTable):
        raise TypeError("a measured table has no rows to split: read its profile and partitions")
    parts = {str(k): v for k, v in data.items()}
    tables = [t for t in parts.values() if isinstance(t, pa.Table)]
    if not tables:
        return pa.table({}), {k: 0 for k in parts}
    table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    return table, {k: v.num_rows for k, v in parts.items()}


def measured(data: TableData) -> MeasuredTable:
    """What the report shows of ``data``: tables in memory are profiled here (batch by batch)."""
    if isinstance(data, MeasuredTable):
        return data
    table, parts = split_partitions(data)
    return MeasuredTable(TableProfile.of_table(table), parts)
