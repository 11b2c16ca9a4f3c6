"""What JSON Schema keywords say about one value, for the JSON Schema import: its types (declared or implied
by other keywords), whether it may be null, whether it is an object, ``allOf`` merging and numeric bounds
in both the draft-4 form (boolean ``exclusiveMinimum``) and the draft-6+ form (a number of its own)."""

from __future__ import annotations

from typing import Any

from mock_pipelines.imports.model import SourceColumn


def escape_pointer(key: str) -> str:
    """A property name as one JSON Pointer segment (RFC 6901), for the locations of warnings."""
    return key.replace("~", "~0").replace("/", "~1")


def text_of(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def whole_number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def types_of(schema: dict) -> list[str]:
    """The schema's types; with no ``type``, the type its other keywords imply (``properties`` → object)."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    # no type: guess it from the keywords a type implies
    if "properties" in schema:
        return ["object"]
    if "items" in schema or "prefixItems" in schema:
        return ["array"]
    if {"minLength", "maxLength", "pattern", "format"} & schema.keys():
        return ["string"]
    if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & schema.keys():
        return ["number"]
    return []


def main_type(schema: dict) -> str | None:
    """The first type that is not ``null``: a column has one kind."""
    non_null = [t for t in types_of(schema) if t != "null"]
    return non_null[0] if non_null else None


def allows_null(schema: dict) -> bool:
    return "null" in types_of(schema) or schema.get("nullable") is True  # OpenAPI 3.0's nullable


def is_object(schema: dict) -> bool:
    return main_type(schema) == "object" or ("properties" in schema and main_type(schema) is None)


def merge_all_of(left: dict, right: dict) -> dict:
    """``allOf``: properties and required lists add up; other keywords of a later part win."""
    merged = {**left, **right}
    if "properties" in left or "properties" in right:
        merged["properties"] = {**(left.get("properties") or {}), **(right.get("properties") or {})}
    if "required" in left or "required" in right:
        merged["required"] = list(dict.fromkeys([*(left.get("required") or []), *(right.get("required") or [])]))
    return merged


def apply_bounds(column: SourceColumn, schema: dict) -> None:
    """Inclusive or exclusive bounds, from draft-4 (boolean exclusive*) or draft-6+ (numeric exclusive*)."""
    for side in ("minimum", "maximum"):
        exclusive_key = f"exclusive{side.capitalize()}"
        value = schema.get(side)
        exclusive = schema.get(exclusive_key)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if isinstance(exclusive, bool):  # draft 4: a flag on minimum/maximum
            flag = exclusive and number is not None
        elif isinstance(exclusive, int | float):  # draft 6+: a bound of its own; keep the tighter one
            tighter = number is None or (exclusive >= number if side == "minimum" else exclusive <= number)
            number, flag = (exclusive, True) if tighter else (number, False)
        else:
            flag = False
        if number is None:
            continue
        if side == "minimum":
            column.minimum = number if column.minimum is None else max(column.minimum, number)
            column.exclusive_minimum = flag
        else:
            column.maximum, column.exclusive_maximum = number, flag
