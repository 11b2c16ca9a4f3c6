"""SQL data types, as sqlglot parses them in any dialect, mapped to the import's :data:`KINDS`.

sqlglot already folds each dialect's spellings into one ``exp.DType`` (``int4``, ``INTEGER`` and ``INT`` are
all ``INT``; tsql's ``DATETIMEOFFSET`` is ``TIMESTAMPTZ``; snowflake's ``NUMBER`` is ``DECIMAL``), so the
mapping is written once here for every dialect. What a type carries besides its kind (a varchar's length,
a decimal's precision and scale, an integer's bits, a time zone) is read from the type's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

T = exp.DType

# Integer types and their bits: inference keeps generated values inside the column's range.
INT_BITS = {
    T.TINYINT: 8, T.UTINYINT: 8, T.SMALLINT: 16, T.USMALLINT: 16, T.SMALLSERIAL: 16,
    T.MEDIUMINT: 24, T.UMEDIUMINT: 24, T.INT: 32, T.UINT: 32, T.SERIAL: 32,
    T.BIGINT: 64, T.UBIGINT: 64, T.BIGSERIAL: 64, T.INT128: 128, T.UINT128: 128, T.INT256: 256,
    T.UINT256: 256,
}
UNSIGNED = {T.UTINYINT, T.USMALLINT, T.UMEDIUMINT, T.UINT, T.UBIGINT, T.UINT128, T.UINT256}
SERIALS = {T.SMALLSERIAL, T.SERIAL, T.BIGSERIAL}

STRINGS = {T.CHAR, T.NCHAR, T.VARCHAR, T.NVARCHAR, T.TEXT, T.TINYTEXT, T.MEDIUMTEXT, T.LONGTEXT, T.BPCHAR,
           T.NAME, T.FIXEDSTRING, T.LOWCARDINALITY}
BINARIES = {T.BINARY, T.VARBINARY, T.BLOB, T.TINYBLOB, T.MEDIUMBLOB, T.LONGBLOB, T.IMAGE, T.ROWVERSION}
DECIMALS = {T.DECIMAL, T.UDECIMAL, T.BIGDECIMAL, T.DECIMAL32, T.DECIMAL64, T.DECIMAL128, T.DECIMAL256,
            T.DECFLOAT, T.BIGNUM}
FLOATS = {T.FLOAT, T.DOUBLE, T.UDOUBLE}
TIMESTAMPS = {T.TIMESTAMP, T.DATETIME, T.DATETIME2, T.DATETIME64, T.SMALLDATETIME, T.TIMESTAMPNTZ,
              T.TIMESTAMP_S, T.TIMESTAMP_MS, T.TIMESTAMP_NS}
TIMESTAMPS_TZ = {T.TIMESTAMPTZ, T.TIMESTAMPLTZ}
DOCUMENTS = {T.JSON, T.JSONB, T.VARIANT, T.OBJECT, T.SUPER, T.STRUCT, T.MAP, T.HSTORE}
MYSQL_LIKE = ("mysql", "singlestore", "doris", "starrocks")
SIMPLE = {T.BOOLEAN: "bool", T.DATE: "date", T.DATE32: "date", T.TIME: "time", T.TIME_NS: "time",
          T.UUID: "uuid", T.INTERVAL: "interval", T.YEAR: "int"}


@dataclass
class TypeFacts:
    """What a column's type says, before constraints: filled into a SourceColumn by the DDL reader."""

    kind: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    timezone: bool = False
    enum_values: list[str] | None = None
    item_kind: str | None = None
    item_enum_values: list[str] | None = None
    autoincrement: bool = False
    minimum: int | None = None  # 0 for an unsigned integer
    format: str | None = None
    note: str | None = None  # why a type was approximated or not understood: becomes an ImportWarning


def _int_params(dtype: exp.DataType) -> list[int | None]:
    """The type's numeric parameters (``varchar(80)`` → [80]; ``nvarchar(MAX)`` → [None])."""
    values: list[int | None] = []
    for param in dtype.expressions:
        inner = param.this if isinstance(param, exp.DataTypeParam) else param
        values.append(int(inner.this) if isinstance(inner, exp.Literal) and inner.is_int else None)
    return values


def type_facts(dtype: exp.DataType, dialect: str, enums: dict[str, list[str]]) -> TypeFacts:
    """The kind and parameters of one column type; ``enums`` are the enum types the file declared
    (``CREATE TYPE … AS ENUM``), keyed by their lower-case name without schema."""
    t = dtype.this
    params = _int_params(dtype)
    first = params[0] if params else None
    if t in INT_BITS:
        # MySQL's BOOLEAN is TINYINT(1): that is how a live MySQL/MariaDB describes a flag column.
        if t == T.TINYINT and dialect in MYSQL_LIKE and first == 1:
            return TypeFacts("bool")
        # tsql's TINYINT is unsigned (0..255), like every U* type; SQLite's INTEGER holds 64 bits.
        unsigned = t in UNSIGNED or (t == T.TINYINT and dialect in ("tsql", "fabric"))
        bits = 64 if dialect == "sqlite" and t == T.INT else INT_BITS[t]
        return TypeFacts("int", precision=bits, autoincrement=t in SERIALS, minimum=0 if unsigned else None)
    if t in DECIMALS:
        # DECIMAL(p) is DECIMAL(p, 0) in the SQL standard, in PostgreSQL, MySQL and Oracle's NUMBER(p).
        scale = params[1] if len(params) > 1 else (0 if first is not None else None)
        return TypeFacts("decimal", precision=first, scale=scale,
                         minimum=0 if t == T.UDECIMAL else None)
    if t in FLOATS:
        return TypeFacts("float", minimum=0 if t == T.UDOUBLE else None)
    if t in (T.MONEY, T.SMALLMONEY):
        return TypeFacts("decimal", precision=19 if t == T.MONEY else 10, scale=4 if dialect == "tsql" else 2,
                         note=f"{dtype.sql(dialect)} is read as a decimal")
    if t in STRINGS:
        return TypeFacts("string", length=first)
    if t in BINARIES:
        return TypeFacts("binary", length=first)
    if t == T.BIT:
        # tsql's BIT and a one-bit BIT(1) hold a flag; a wider bit string has no kind of its own.
        if dialect == "tsql" or first in (None, 1):
            return TypeFacts("bool")
        return TypeFacts("unknown", note=f"a bit string {dtype.sql(dialect)} has no kind")
    if t in TIMESTAMPS:
        return TypeFacts("timestamp")
    if t in TIMESTAMPS_TZ:
        # MySQL's TIMESTAMP (sqlglot: TIMESTAMPTZ, since it is stored in UTC) is described by a live server as
        # a plain timestamp: its values are read and written in the session's time zone, without an offset.
        return TypeFacts("timestamp", timezone=dialect not in MYSQL_LIKE)
    if t == T.TIMETZ:
        return TypeFacts("time", timezone=True)
    if t in SIMPLE:
        return TypeFacts(SIMPLE[t])
    if t in DOCUMENTS:
        return TypeFacts("json")
    if t in (T.ENUM, T.ENUM8, T.ENUM16):
        return TypeFacts("enum", enum_values=[e.name for e in dtype.expressions if isinstance(e, exp.Literal)])
    if t == T.SET:
        return TypeFacts("string", note=f"a SET {dtype.sql(dialect)} (any combination of its values) is read "
                                        "as a string")
    if t in (T.INET, T.IPV4, T.IPADDRESS):
        return TypeFacts("string", format="ipv4", note=f"{dtype.sql(dialect)} is read as an IPv4 text")
    if t == T.IPV6:
        return TypeFacts("string", format="ipv6")
    if t in (T.ARRAY, T.LIST):
        if not dtype.expressions:  # snowflake's untyped ARRAY: a JSON array of anything
            return TypeFacts("array", item_kind="unknown")
        inner = dtype.expressions[0]
        item = type_facts(inner, dialect, enums) if isinstance(inner, exp.DataType) else TypeFacts("unknown")
        if item.kind == "array":
            return TypeFacts("array", item_kind="array",
                             note=f"a nested array {dtype.sql(dialect)} is read as an array of arrays")
        return TypeFacts("array", item_kind=item.kind, item_enum_values=item.enum_values, note=item.note)
    if t == T.USERDEFINED:
        named = dtype.args.get("kind")
        if isinstance(named, exp.Dot):  # schema.type: enum types are looked up without their schema
            named = named.expression
        short = named.name.lower() if isinstance(named, exp.Expr) else ""
        if short in enums:
            return TypeFacts("enum", enum_values=list(enums[short]))
        return TypeFacts("unknown", note=f"type {dtype.sql(dialect)} is not a type the import knows (a domain, "
                                         "a composite or an extension type?)")
    return TypeFacts("unknown", note=f"type {dtype.sql(dialect)} has no kind")
