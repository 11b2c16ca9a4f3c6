"""Names an import proposes: a file stem or a title made a valid schema identifier."""

from __future__ import annotations

import re

from mock_pipelines.spec.model import IDENTIFIER

_NOT_WORD = re.compile(r"[^0-9A-Za-z_]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def identifier_from(text: str, fallback: str = "imported") -> str:
    """``retail-postgres.v2`` → ``retail_postgres_v2``, ``OrderPlaced`` → ``order_placed``, ``2024 data`` →
    ``t_2024_data``: lower snake case that the schema language accepts as a dataset, table or column name."""
    words = _NOT_WORD.sub("_", _CAMEL.sub("_", text.strip())).strip("_").lower()
    words = re.sub(r"_+", "_", words)
    if not words:
        return fallback
    if not words[0].isalpha():
        words = f"t_{words}"
    words = words[:63].rstrip("_")
    return words if IDENTIFIER.match(words) else fallback
