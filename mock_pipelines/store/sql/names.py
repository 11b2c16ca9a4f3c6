"""Identifiers: validated again here (defense in depth) and always quoted by SQLAlchemy.

Constraint and index names are deterministic (``pk_orders``, ``fk_order_items_order_id``, …) so a
re-run creates the same names, and they stay within PostgreSQL's 63-byte limit (MySQL allows 64): a name
that would be longer keeps a readable head and ends with a hash of the full name, which keeps it unique.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from mock_pipelines.spec.model import IDENTIFIER, PARTITION_COLUMN

__all__ = ["MAX_NAME", "PARTITION_COLUMN", "check_identifier", "constraint_name"]
MAX_NAME = 63  # PostgreSQL truncates longer identifiers silently; MySQL refuses names over 64


def check_identifier(name: object, what: str) -> str:
    """``name`` if it is a plain SQL identifier (letters, digits, ``_``; not starting with a digit)."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise ValueError(f"invalid {what} name {name!r}: use letters, digits and '_' (not starting with a "
                         f"digit), at most {MAX_NAME} characters — e.g. {_suggest(name)!r}")
    return name


def _suggest(name: object) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in str(name)).strip("_") or "name"
    cleaned = cleaned if not cleaned[0].isdigit() else f"_{cleaned}"
    return cleaned[:MAX_NAME]


def constraint_name(prefix: str, table: str, columns: Iterable[str] = ()) -> str:
    """``<prefix>_<table>[_<col>…]``, shortened with a hash suffix past 63 characters."""
    name = "_".join([prefix, table, *columns])
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[:MAX_NAME - 9]}_{digest}"
