"""A source's regular expression as a format of the ``pattern`` generator, where one exists.

``^ORD-[0-9]{8}$`` is ``ORD-########``: the pattern generator writes # for a digit, ? for a capital letter
and * for either, anything else literally (a backslash escapes a placeholder). The regular expression is
parsed by Python's own parser (``re._parser``), not by hand; a regex with alternatives or classes the format
cannot write (lower-case letters, hexadecimal digits) has no equivalent and gives None — except the common
"n hexadecimal digits", which is ``hex_id``. A ranged repetition takes a count inside its range (``{2,4}`` →
4, ``+`` → 8): every value still matches.
"""

from __future__ import annotations

import re

# The regex parser behind re.compile (Python 3.11+, which the project requires).
import re._parser as sre_parse  # type: ignore[import-not-found]
from re._constants import (  # type: ignore[import-not-found]
    AT,
    CATEGORY,
    CATEGORY_DIGIT,
    IN,
    LITERAL,
    MAX_REPEAT,
    RANGE,
    SUBPATTERN,
)
from typing import Any

_DIGIT, _UPPER, _ALNUM, _HEX = "#", "?", "*", "hex"
_MAX_LENGTH = 200
_OPEN_REPEAT = 8  # repetitions written for an open or ranged repeat (x+, x*, x{2,}), within its bounds


def generator_for(regex: str) -> dict[str, Any] | None:
    """``{"gen": "pattern", "format": …}`` or ``{"gen": "hex_id", "length": n}`` writing only values the
    regular expression matches, or None."""
    try:
        parsed = sre_parse.parse(regex)
    except (re.error, RecursionError, OverflowError):
        return None
    try:
        parts = _sequence(list(parsed))
    except _NoFormat:
        return None
    if not parts or len(parts) > _MAX_LENGTH:
        return None
    if all(p == _HEX for p in parts):
        return {"gen": "hex_id", "length": len(parts)}
    if _HEX in parts:
        return None
    return {"gen": "pattern", "format": "".join(parts)}


class _NoFormat(Exception):
    pass


def _sequence(items: list[tuple[Any, Any]]) -> list[str]:
    out: list[str] = []
    for op, arg in items:
        if op is AT:
            continue  # ^ and $
        if op is LITERAL:
            ch = chr(arg)
            out.append("\\" + ch if ch in "#?*\\" else ch)
        elif op is IN:
            out.append(_class(arg))
        elif op is MAX_REPEAT:
            low, high, inner = arg
            count = max(low, min(high, _OPEN_REPEAT))  # any count in the range matches: {2,4} → 4, + → 8
            if count > _MAX_LENGTH:
                raise _NoFormat
            out.extend(_sequence(list(inner)) * count)
        elif op is SUBPATTERN:
            out.extend(_sequence(list(arg[-1])))
        else:
            raise _NoFormat
        if len(out) > _MAX_LENGTH:
            raise _NoFormat
    return out


def _class(items: list[tuple[Any, Any]]) -> str:
    """# for digits, ? for capitals, * for capitals and digits, hex for 0-9a-f; else no format."""
    chars: set[str] = set()
    for op, arg in items:
        if op is RANGE:
            chars |= {chr(c) for c in range(arg[0], arg[1] + 1)}
        elif op is LITERAL:
            chars.add(chr(arg))
        elif op is CATEGORY and arg is CATEGORY_DIGIT:
            chars |= set("0123456789")
        else:
            raise _NoFormat
    digits, upper = set("0123456789"), {chr(c) for c in range(65, 91)}
    if chars == digits:
        return _DIGIT
    if chars == upper:
        return _UPPER
    if chars == digits | upper:
        return _ALNUM
    if chars == digits | set("abcdef"):
        return _HEX
    raise _NoFormat
