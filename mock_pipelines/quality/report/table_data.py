"""Tables as the report receives them: one Arrow table, or ``{partition key: table}`` for partitioned data."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyarrow as pa

TableData = pa.Table | Mapping[str, pa.Table]

# A daily partition key (YYYY-MM-DD): rows per day can be set against the declared daily rate.
DAY_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def split_partitions(data: TableData) -> tuple[pa.Table, dict[str, int] | None]:
    """A table and, for partitioned data, rows per partition key."""
    if isinstance(data, pa.Table):
        return data, None
    parts = {str(k): v for k, v in data.items()}
    tables = [t for t in parts.values() if isinstance(t, pa.Table)]
    if not tables:
        return pa.table({}), {k: 0 for k in parts}
    table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    return table, {k: v.num_rows for k, v in parts.items()}
