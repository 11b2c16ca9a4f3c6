"""Prove that every value of a string column matches an anchored regex with one RE2 match per ~262k values.

Arrow's ``match_substring_regex`` calls RE2 once per value, and the call costs as much as the scan: in all
~100 ns for a 27-byte e-mail on this machine, ~30 ns for a two-letter state code. The values of a
piece of the column joined by newlines are matched instead by one pattern, ``^(?:X\\n)*(?:X)$`` for a rule
``^X$``: one DFA scan over the bytes (~65 ns an e-mail, ~12 ns a state code, the join included).

The joined text matches exactly when every value matches, provided that no value holds a newline (counted
in the joined text) and that ``X`` can never match one (read off the pattern's parse tree, conservatively:
a pattern this module cannot prove safe is not joined). Then the newlines split the text into the values
and nothing else. A proof that fails says nothing about which values are wrong: the caller then matches
value by value, so verdicts, counts and examples are RE2's whatever the data.
"""

from __future__ import annotations

import functools
import re

# The regex parser behind re.compile (Python 3.11+, which the project requires): the shape of a pattern.
import re._parser as sre_parse  # type: ignore[import-not-found]
from re._constants import (  # type: ignore[import-not-found]
    ANY,
    AT,
    AT_BEGINNING,
    AT_END,
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    CATEGORY_LINEBREAK,
    CATEGORY_NOT_DIGIT,
    CATEGORY_NOT_LINEBREAK,
    CATEGORY_NOT_SPACE,
    CATEGORY_NOT_WORD,
    CATEGORY_SPACE,
    CATEGORY_WORD,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    POSSESSIVE_REPEAT,
    RANGE,
    SRE_FLAG_UNICODE,
    SUBPATTERN,
)
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.strings import value_offsets

NEWLINE = 10
PIECE_VALUES = 1 << 18  # values joined into one text: the per-call cost is then negligible …
PIECE_BYTES = 64 << 20  # … and the text stays far below the 2 GiB of a string value
# Text that Python's parser reads otherwise than RE2: a POSIX class ([a[:space:]] is a class and a literal ']'
# to Python, whitespace with the newline to RE2), and what Python warns about as a future nested set or set
# operation. Refused from the text, before parsing.
_PYTHON_READS_OTHERWISE = ("[:", "[=", "[.", "[[", "--", "&&", "~~", "||")
# Whether a category of a class holds the newline, in RE2 as in Python's parser (RE2's \s is [\t\n\f\r ]).
_CATEGORY_NEWLINE = {CATEGORY_SPACE: True, CATEGORY_NOT_SPACE: False, CATEGORY_DIGIT: False,
                     CATEGORY_NOT_DIGIT: True, CATEGORY_WORD: False, CATEGORY_NOT_WORD: True,
                     CATEGORY_LINEBREAK: True, CATEGORY_NOT_LINEBREAK: False}


def whole_value_items(regex: str) -> list[tuple[Any, Any]] | None:
    """The parsed items of ``X`` when ``regex`` is ``^X$`` (top-level anchors, no other anchor at the top, no
    inline flag, no text that Python's parser reads otherwise than RE2), else None."""
    if len(regex) < 2 or not regex.startswith("^") or not regex.endswith("$") \
            or any(t in regex for t in _PYTHON_READS_OTHERWISE):
        return None
    try:
        parsed = sre_parse.parse(regex)
    except (re.error, RecursionError, OverflowError):
        return None
    items = list(parsed)
    if parsed.state.flags & ~SRE_FLAG_UNICODE or len(items) < 2 or items[0] != (AT, AT_BEGINNING) \
            or items[-1] != (AT, AT_END):
        return None
    return items[1:-1]


@functools.lru_cache(maxsize=256)
def lines_pattern(regex: str) -> str | None:
    """The pattern of newline-separated values that each match ``regex``, or None when ``regex`` is not of
    the form ``^X$`` (:func:`whole_value_items`) or ``X`` might match a newline."""
    items = whole_value_items(regex)
    try:
        if items is None or _may_match_newline(items):
            return None
    except RecursionError:  # a pattern nested deeper than the walk goes: not proven
        return None
    inner = regex[1:-1]
    return rf"^(?:(?:{inner})\n)*(?:{inner})$"


def _may_match_newline(items: list[tuple[Any, Any]]) -> bool:
    """Whether a sequence of parsed items might match a newline somewhere (True when unsure)."""
    return any(_item_may_match_newline(op, arg) for op, arg in items)


def _item_may_match_newline(op: Any, arg: Any) -> bool:
    if op == LITERAL:
        return bool(arg == NEWLINE)
    if op == NOT_LITERAL:
        return bool(arg != NEWLINE)
    if op == ANY:  # '.' leaves out the newline in RE2 and in Python, without the s flag (refused above)
        return False
    if op == IN:
        negated = any(o == NEGATE for o, _ in arg)
        members = [(o, a) for o, a in arg if o != NEGATE]
        if negated:  # matches a newline unless a member surely holds it
            return not any(_member_holds_newline(o, a, unknown=False) for o, a in members)
        return any(_member_holds_newline(o, a, unknown=True) for o, a in members)
    if op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
        return _may_match_newline(list(arg[2]))
    if op == SUBPATTERN:
        _group, add_flags, del_flags, sub = arg
        return bool(add_flags or del_flags) or _may_match_newline(list(sub))
    if op == BRANCH:
        return any(_may_match_newline(list(alternative)) for alternative in arg[1])
    return True  # anchors, look-arounds, back-references …: not proven


def _member_holds_newline(op: Any, arg: Any, *, unknown: bool) -> bool:
    if op == LITERAL:
        return bool(arg == NEWLINE)
    if op == RANGE:
        return bool(arg[0] <= NEWLINE <= arg[1])
    if op == CATEGORY:
        return _CATEGORY_NEWLINE.get(arg, unknown)
    return unknown


def all_match(col: pa.ChunkedArray | pa.Array, regex: str) -> bool:
    """True when every non-null value of ``col`` matches ``regex`` as ``match_substring_regex`` sees it;
    False when some value does not, or when it cannot be proven this way (another type, another shape of
    pattern, a value holding a newline): then match the values one by one."""
    lines = lines_pattern(regex)
    if lines is None:
        return False
    matched = False
    for chunk in col.chunks if isinstance(col, pa.ChunkedArray) else [col]:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        values = chunk.drop_null() if chunk.null_count else chunk
        for piece in _pieces(values):
            if not _lines_match(piece, lines):
                return False
            matched = True
    return matched  # no value at all: let the match value by value judge (and RE2 compile the pattern)


def _pieces(values: pa.Array) -> list[pa.Array]:
    """Consecutive slices of at most PIECE_VALUES values and (but for a longer single value) PIECE_BYTES."""
    n = len(values)
    if n == 0:
        return []
    offsets = value_offsets(values)
    out, start = [], 0
    while start < n:
        stop = min(n, start + PIECE_VALUES)
        if int(offsets[stop]) - int(offsets[start]) > PIECE_BYTES:
            stop = max(start + 1, int(np.searchsorted(offsets, int(offsets[start]) + PIECE_BYTES, "right")) - 1)
        out.append(values.slice(start, stop - start))
        start = stop
    return out


def _lines_match(values: pa.Array, lines: str) -> bool:
    """The values, joined by newlines, match ``lines`` and hold no newline of their own."""
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), values),
                            pa.scalar("\n", values.type))
    ends = value_offsets(joined)
    data = joined.buffers()[2]
    text = np.frombuffer(data, dtype=np.uint8)[int(ends[0]):int(ends[1])] if data is not None \
        else np.zeros(0, np.uint8)
    if int(np.count_nonzero(text == NEWLINE)) != len(values) - 1:
        return False
    try:
        return pc.match_substring_regex(joined, lines)[0].as_py() is True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # RE2 refuses the pattern (too large, unsupported
        return False  # syntax): the match value by value says what it says of the rule's own pattern
