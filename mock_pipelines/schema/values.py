"""How the schema parser reads YAML values: what a value is, described for a person, and small tests
and conversions of values as loaded (ruamel mappings keep their location marks)."""

from __future__ import annotations

import math
import re
from typing import Any


def plain(value: Any) -> Any:
    """YAML containers as plain dicts and lists (expectation arguments go to pydantic models)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def finite(x: Any) -> bool:
    """A finite number (not true/false; an integer too large for a float is none)."""
    if not isinstance(x, int | float) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def kind_of(value: Any) -> str:
    """How a YAML value reads to a person: a number 1e+309, a list, a mapping, …"""
    if isinstance(value, bool):
        return f"true/false {str(value).lower()}"
    if isinstance(value, int | float):
        return f"a number {value!r}" if len(repr(value)) <= 30 else "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "empty"
    return f"a text {str(value)!r}" if len(str(value)) <= 30 else "a text"


def is_scalar_text(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def text_of(value: Any) -> str:
    return "" if value is None else str(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def without(mapping: Any, key: str) -> dict[str, Any]:
    """``mapping`` less ``key`` (a value already reported), keeping the location marks."""
    rest = type(mapping)()
    for k, v in mapping.items():
        if k != key:
            rest[k] = v
    if hasattr(mapping, "lc"):
        rest._yaml_set_line_col(mapping.lc.line, mapping.lc.col)
        for k in rest:
            try:
                rest.lc.add_kv_line_col(k, list(mapping.lc.key(k)) + list(mapping.lc.value(k)))
            except (KeyError, TypeError):
                pass
    return rest


def cleaned_name(name: str) -> str | None:
    """A valid identifier close to ``name``: other characters become '_', a leading digit gets '_'."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_")[:63]
    if not cleaned:
        return None
    return f"_{cleaned}"[:63] if cleaned[0].isdigit() else cleaned


def short(value: object, limit: int = 80) -> str:
    """``value`` quoted for a message, cut at ``limit`` characters (one value of a file may be megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def comma_hint(text: object) -> str | None:
    """Why a call came apart: inside a flow mapping (``{dist: uniform(1, 5)}``) the comma ends the value."""
    if isinstance(text, str) and "(" in text and ")" not in text:
        return "inside { } a comma ends the value: quote the call, e.g. \"uniform(1, 5)\""
    return None
