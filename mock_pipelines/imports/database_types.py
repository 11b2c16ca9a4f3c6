"""A reflected SQLAlchemy type → a :data:`KINDS` kind with its length, precision, bits, enum values.

An odd type never fails the import: it becomes the closest kind that still loads back into the source
column (inet → an ipv4 string, money → decimal(19,2), a domain → its base type) or kind "unknown", and
:func:`classify` says so in a warning that names the type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

MAC_PATTERN = r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$"
INT_BITS = ((mysql.TINYINT, 8), (sa.SmallInteger, 16), (mysql.MEDIUMINT, 24), (sa.BigInteger, 64))


@dataclass
class Classified:
    """What a column's type says about its values; the reader copies these fields onto a SourceColumn."""

    kind: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    enum_values: list[str] | None = None
    item_kind: str | None = None
    item_enum_values: list[str] | None = None
    timezone: bool = False
    minimum: int | None = None
    maximum: int | None = None
    format: str | None = None
    pattern: str | None = None
    domain_checks: list[tuple[str | None, str]] = field(default_factory=list)  # (name, SQL with VALUE)
    warning: str | None = None  # why the kind is approximate or unknown
    suggestion: str | None = None


def classify(sa_type: Any, type_text: str) -> Classified:
    """The kind of ``sa_type`` (as SQLAlchemy reflected it; ``type_text`` is the database's own spelling)."""
    if isinstance(sa_type, postgresql.DOMAIN):
        return _domain(sa_type, type_text)
    if isinstance(sa_type, mysql.SET):
        return Classified("enum", enum_values=list(sa_type.values), warning=f"SET type {type_text}: imported "
                          "as an enum of single values (a row never holds several)",
                          suggestion="generate combinations with an expression if they matter")
    if isinstance(sa_type, sa.Enum):  # PostgreSQL ENUM types, MySQL/MariaDB inline ENUM
        return Classified("enum", enum_values=list(sa_type.enums))
    if isinstance(sa_type, sa.ARRAY):
        return _array(sa_type, type_text)
    if isinstance(sa_type, sa.JSON):
        return Classified("json")
    if isinstance(sa_type, postgresql.MONEY):
        return Classified("decimal", precision=19, scale=2, warning=f"type {type_text}: imported as "
                          "decimal(19,2)", suggestion="check the currency's number of decimals")
    if isinstance(sa_type, postgresql.INET):
        return Classified("string", format="ipv4", warning=f"type {type_text}: imported as IPv4 address text")
    if isinstance(sa_type, postgresql.MACADDR):
        return Classified("string", pattern=MAC_PATTERN, warning=f"type {type_text}: imported as MAC address "
                          "text")
    if isinstance(sa_type, mysql.BIT) and sa_type.length == 1:
        return Classified("bool", warning=f"type {type_text}: imported as a boolean")
    if isinstance(sa_type, mysql.YEAR):
        return Classified("int", precision=16, minimum=1901, maximum=2155)
    if isinstance(sa_type, mysql.TINYINT) and getattr(sa_type, "display_width", None) == 1:
        return Classified("bool")  # MySQL's BOOL is TINYINT(1)
    if isinstance(sa_type, sa.Boolean):
        return Classified("bool")
    if isinstance(sa_type, sa.Integer):
        return _integer(sa_type)
    if isinstance(sa_type, sa.Float):  # before Numeric: Float is a Numeric
        return Classified("float")
    if isinstance(sa_type, sa.Numeric):
        return Classified("decimal", precision=sa_type.precision, scale=sa_type.scale)
    if isinstance(sa_type, sa.DateTime):
        return Classified("timestamp", timezone=bool(getattr(sa_type, "timezone", False)))
    if isinstance(sa_type, sa.Date):
        return Classified("date")
    if isinstance(sa_type, sa.Time):
        return Classified("time", timezone=bool(getattr(sa_type, "timezone", False)))
    if isinstance(sa_type, sa.Interval | postgresql.INTERVAL):
        return Classified("interval")
    if isinstance(sa_type, sa.Uuid):
        return Classified("uuid")
    if isinstance(sa_type, sa.LargeBinary | sa.BINARY | sa.VARBINARY):
        return Classified("binary", length=getattr(sa_type, "length", None))
    if isinstance(sa_type, sa.String):
        return Classified("string", length=sa_type.length)
    return Classified("unknown", warning=f"unsupported type {type_text}: imported with a generic generator",
                      suggestion="give the column a generator by hand, or exclude the table")


def _integer(sa_type: sa.Integer) -> Classified:
    bits = next((b for cls, b in INT_BITS if isinstance(sa_type, cls)), 32)
    unsigned = bool(getattr(sa_type, "unsigned", False))
    # An unsigned column states a lower bound; the signed range of the same bits is a safe upper one.
    return Classified("int", precision=bits, minimum=0 if unsigned else None)


def _array(sa_type: sa.ARRAY, type_text: str) -> Classified:
    item = classify(sa_type.item_type, type_text.removesuffix("[]"))
    result = Classified("array", item_kind=item.kind, item_enum_values=item.enum_values, length=item.length,
                        precision=item.precision, scale=item.scale, timezone=item.timezone)
    if item.warning:
        result.warning = f"array items: {item.warning}"
        result.suggestion = item.suggestion
    return result


def _domain(sa_type: postgresql.DOMAIN, type_text: str) -> Classified:
    base = classify(sa_type.data_type, str(sa_type.data_type))
    check = getattr(sa_type, "check", None)
    check_text = getattr(check, "text", None) if check is not None else None
    if check_text:
        base.domain_checks.append((getattr(sa_type, "constraint_name", None), str(check_text)))
    note = f"domain {type_text}: imported as its base type {str(sa_type.data_type).lower()}"
    if check_text:
        note += f", its CHECK ({check_text}) as a table check"
    base.warning = f"{note}; {base.warning}" if base.warning else note
    return base
