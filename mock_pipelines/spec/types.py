"""The logical types of the schema language, named once.

A column's logical type says what its values are, not how a backend stores them: the Arrow, SQL and pandas
mappings live beside the code that writes to each backend, keyed by :class:`LogicalType`. The enum is a
``StrEnum``, so a type compares equal to its name as written in YAML (``LogicalType.INT == "int"``) and
formats as that name in messages.
"""

from __future__ import annotations

from enum import StrEnum


class LogicalType(StrEnum):
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"  # with a precision and scale: decimal(p,s)
    BOOL = "bool"
    STRING = "string"
    DATE = "date"
    TIMESTAMP = "timestamp"
    UUID = "uuid"
    JSON = "json"
    # Never written in a schema: the type of a column that takes it from elsewhere once the whole dataset is
    # read (a foreign key from the key it references, an expression from its result, a sum from the summed column).
    AUTO = "auto"


# The types a schema (`type:`) or a generator (`returns=`) may name, in the order the docs list them.
WRITTEN_TYPES: tuple[LogicalType, ...] = tuple(t for t in LogicalType if t is not LogicalType.AUTO)
# Types whose values are numbers: they can be summed, bounded by a numeric range and measured for a mean.
NUMERIC_TYPES = frozenset({LogicalType.INT, LogicalType.FLOAT, LogicalType.DECIMAL})
# Types whose values are points in time: they can be bounded by dates and partition a table in time.
TEMPORAL_TYPES = frozenset({LogicalType.DATE, LogicalType.TIMESTAMP})
# Types held as text in Arrow and pandas (a UUID and a JSON document are strings until a database reads them).
TEXT_TYPES = frozenset({LogicalType.STRING, LogicalType.UUID, LogicalType.JSON})
