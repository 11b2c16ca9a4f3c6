"""Names an import proposes: a file stem, a title or a type name made a valid schema identifier."""

from __future__ import annotations

import re

from mock_pipelines.spec.model import IDENTIFIER

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^0-9a-zA-Z]+")


def snake_case(name: str) -> str:
    """``OrderPlaced`` → ``order_placed``, ``HTTPRequest`` → ``http_request``, ``lineItems`` → ``line_items``,
    ``order-events.v1`` → ``order_events_v1``: the table names of the schema language are snake_case."""
    words = _NOT_WORD.sub("_", _CAMEL_BOUNDARY.sub("_", name)).strip("_").lower()
    return re.sub(r"_+", "_", words)


def identifier_from(text: str, fallback: str = "imported") -> str:
    """``retail-postgres.v2`` → ``retail_postgres_v2``, ``OrderPlaced`` → ``order_placed``, ``2024 data`` →
    ``t_2024_data``: lower snake case that the schema language accepts as a dataset, table or column name."""
    words = snake_case(text.strip())
    if not words:
        return fallback
    if not words[0].isalpha():
        words = f"t_{words}"
    words = words[:63].rstrip("_")
    return words if IDENTIFIER.match(words) else fallback
