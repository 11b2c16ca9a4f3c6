"""What an import reads from a source, before any decision about generators.

Every reader (a live database, a SQL DDL file, a JSON Schema, an Avro schema, a Protobuf file) turns its
source into a :class:`SourceSchema`: tables, columns with a normalised :data:`KINDS` kind and everything the
source says about them (lengths, precision, enum values, bounds, patterns, formats, comments), keys, unique
and CHECK constraints, and the warnings of what it could not read. Inference (:mod:`.infer`) then chooses
generators from this alone, so a rule such as "an `email` column gets the email generator" is written once
for every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The kinds of values a source column holds, whatever the source calls its type.
#   int, float, decimal, bool, string, date, timestamp, time, uuid, json (a document), binary,
#   enum (a closed set of texts: enum_values), array (a list of item_kind), interval, unknown
KINDS = ("int", "float", "decimal", "bool", "string", "date", "timestamp", "time", "uuid", "json", "binary",
         "enum", "array", "interval", "unknown")


@dataclass
class ColumnStats:
    """Privacy-safe statistics of one live column (``--profile-data``): never raw values of a column with
    many distinct values; ``top_values`` only for a low-cardinality column."""

    null_share: float = 0.0
    distinct: int | None = None
    min: Any = None  # numbers, dates and timestamps only
    max: Any = None
    top_values: list[tuple[Any, float]] | None = None  # (value, share of the non-null rows), most common first


@dataclass
class ChildrenStats:
    """How many rows of a child table point at each parent row through one foreign key (``--profile-data``)."""

    mean: float
    min: int
    max: int
    zero_share: float = 0.0  # parents without any child


@dataclass
class TableStats:
    rows: int
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    children: dict[str, ChildrenStats] = field(default_factory=dict)  # keyed by the FK's columns joined by ","


@dataclass
class SourceColumn:
    name: str
    kind: str  # one of KINDS
    type_text: str  # the type as the source writes it: "character varying(80)", "NUMERIC(12,2)", '["null","long"]'
    nullable: bool = True
    length: int | None = None  # varchar(n) / char(n) / maxLength
    min_length: int | None = None
    precision: int | None = None  # decimal(p, s); also the bits of an int where the source says (16, 32, 64)
    scale: int | None = None
    enum_values: list[str] | None = None  # kind "enum"
    item_kind: str | None = None  # kind "array": the kind of its items
    item_enum_values: list[str] | None = None  # an array of enum values
    timezone: bool = False  # timestamp with time zone
    comment: str = ""  # becomes the description
    default: str | None = None  # the default as the source writes it
    autoincrement: bool = False  # serial / identity / AUTO_INCREMENT
    minimum: float | int | None = None  # inclusive bounds the source states on the column (JSON Schema …)
    maximum: float | int | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    pattern: str | None = None  # a regular expression every value matches
    format: str | None = None  # JSON Schema format / Avro logical type: email, date-time, uuid, uri, ipv4, …
    unique: bool = False  # a single-column unique constraint or index
    location: str = ""  # where the source declares it ("orders.sql:12", "public.orders.total"), for warnings


@dataclass
class SourceForeignKey:
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    name: str | None = None


@dataclass
class SourceCheck:
    sql: str  # the condition as SQL text in the schema's dialect: "price > 0", "status IN ('a', 'b')"
    name: str | None = None
    location: str = ""


@dataclass
class SourceTable:
    name: str
    columns: list[SourceColumn]
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[SourceForeignKey] = field(default_factory=list)
    unique: list[list[str]] = field(default_factory=list)  # multi-column unique constraints
    checks: list[SourceCheck] = field(default_factory=list)
    comment: str = ""
    namespace: str | None = None  # the database schema / package / JSON Schema $id the table came from
    # A nested list of records (a JSON Schema array of objects, an Avro array of records, a repeated message)
    # becomes a child table: one row per item, `rows: {per: parent}` with `items` giving how many.
    per_parent: str | None = None
    items: tuple[int, int] | None = None  # (min, max) items per parent where the source says
    stats: TableStats | None = None  # --profile-data
    location: str = ""

    def column(self, name: str) -> SourceColumn | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class ImportWarning:
    location: str  # "public.orders.geom", "events.avsc: field payload"
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        hint = f" — {self.suggestion}" if self.suggestion else ""
        return f"{self.location}: {self.message}{hint}"


@dataclass
class SourceSchema:
    name: str  # the dataset name the import proposes (a valid identifier)
    source: str  # what was read, for the header of the written YAML (a URL without password, a file name)
    tables: dict[str, SourceTable]  # in the source's order
    dialect: str | None = None  # sqlglot dialect of the CHECK texts: postgres, mysql, sqlite, …
    warnings: list[ImportWarning] = field(default_factory=list)


class SourceError(ValueError):
    """A source that cannot be read at all (missing file, syntax error, unreachable database): a message
    naming the source and where, what was expected and a suggestion. Raised by readers; the CLI prints it
    and exits 1 without writing anything."""

    def __init__(self, message: str, suggestion: str | None = None, expected: str | None = None):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.expected = expected
