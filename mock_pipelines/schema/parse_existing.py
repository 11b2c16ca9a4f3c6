"""``ref: {existing: "SOURCE.[SCHEMA.]TABLE.COLUMN", sample: N}``: a foreign key to rows that already exist
in a database table. Parsed here (the text and its options); the skew and null rate are the column's own,
as for a reference to a generated table. Where SOURCE points is the profile's business (``sources:``)."""

from __future__ import annotations

from typing import Any

from mock_pipelines.spec.errors import IssueCollector, Location, suggest
from mock_pipelines.spec.model import DEFAULT_EXISTING_SAMPLE, IDENTIFIER, ExistingRef

EXISTING_KEYS = ("existing", "sample")
EXAMPLE = 'ref: {existing: "crm.public.customers.customer_id"}'
# Keys of a column that references existing rows; anything else (a generator's parameter) is a typo.
EXISTING_COLUMN_KEYS = ("ref", "skew", "null_rate", "nullable", "description", "type", "expect", "emit",
                        "primary_key", "extends")


def parse_existing(raw: dict[str, Any], loc: Location, key_loc: Any, issues: IssueCollector,
                   what: str) -> ExistingRef | None:
    """The reference of a ``ref:`` mapping, or None after reporting what is wrong with it. ``key_loc(k)``
    locates key ``k`` of the mapping."""
    for key in raw:
        if key not in EXISTING_KEYS:
            issues.add(key_loc(key), f"unknown key {key!r} in the ref of {what}",
                       expected="existing (and optionally sample)", suggestion=suggest(str(key), EXISTING_KEYS))
    text = raw.get("existing")
    if not isinstance(text, str):
        issues.add(loc, f"{what}: a ref mapping names the existing rows it references with `existing:`",
                   expected=EXAMPLE + " (SOURCE.[SCHEMA.]TABLE.COLUMN)",
                   suggestion="write ref: table.column to reference a generated table")
        return None
    parts = text.strip().split(".")
    if len(parts) not in (3, 4) or not all(IDENTIFIER.match(p) for p in parts):
        issues.add(loc, f"{what}: cannot read the existing reference {text!r}",
                   expected="SOURCE.TABLE.COLUMN or SOURCE.SCHEMA.TABLE.COLUMN, each a plain name, e.g. "
                            "crm.public.customers.customer_id",
                   suggestion="SOURCE is a name the profile's `sources:` (or `--source NAME=URL`) maps to a "
                              "database")
        return None
    sample = raw.get("sample", DEFAULT_EXISTING_SAMPLE)
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 1:
        issues.add(key_loc("sample"), f"{what}: sample must be a whole number of keys >= 1, got {sample!r}",
                   expected="sample: 100000 (at most that many keys of the existing table are used)")
        return None
    source, schema, table, column = parts if len(parts) == 4 else (parts[0], None, parts[1], parts[2])
    return ExistingRef(source, schema, table, column, sample=int(sample))


def composite_existing_message(table: str) -> tuple[str, str]:
    """The refusal of a composite foreign key to existing rows (message, suggestion)."""
    return (f"a foreign key of {table!r}: a composite foreign key cannot reference existing rows",
            "reference one key column of the existing table instead, on a single column: "
            f"`customer_id: {{{EXAMPLE}}}`; when the existing table has no single-column key, generate "
            "the parent table too (ref: parent(a, b))")
