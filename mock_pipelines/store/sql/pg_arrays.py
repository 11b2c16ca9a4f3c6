"""JSON arrays landed into PostgreSQL ARRAY columns of an existing table (mode ``existing``).

A ``type: json`` column holds JSON text (``["red","blue"]``). A table made by hand (or copied from a source
database) may keep such a list in a native ``text[]``, ``integer[]`` or ``enum[]`` column instead; COPY reads
those as array literals (``{"red","blue"}``). JSON and array literals quote strings alike (``\\"`` and
``\\\\`` inside double quotes) and PostgreSQL reads every element from its text, quoted or not, so a flat JSON
array of strings, numbers, booleans and nulls becomes a literal by swapping its outer brackets for braces:
vectorised with Arrow compute. Only rows whose text holds another escape (``\\n``, ``\\u00e9``), a nested
array or object are rewritten one by one from the parsed JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

# A flat array: brackets outside, no bracket or brace inside (a string holding one takes the slow path).
_FLAT = r"^\[[^\[\]{}]*\]$"
# An escape other than \" and \\, which mean the same in both syntaxes (pairs of backslashes are skipped).
_OTHER_ESCAPE = r'(^|[^\\])(\\\\)*\\[^"\\]'

_ARRAY_COLUMNS_SQL = sa.text(
    "SELECT a.attname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
    "WHERE a.attrelid = to_regclass(:table) AND a.attnum > 0 AND NOT a.attisdropped AND t.typcategory = 'A'")


class NotAJsonArray(ValueError):
    """A value of a JSON column that is no JSON array, bound for an ARRAY column."""


def array_columns(conn: sa.Connection, qualified_table: str) -> set[str]:
    """The columns of ``qualified_table`` (as written in SQL, quoted) whose type is an array."""
    return {row[0] for row in conn.execute(_ARRAY_COLUMNS_SQL, {"table": qualified_table})}


def as_array_literals(values: pa.Array, column: str = "") -> pa.Array:
    """JSON array texts as PostgreSQL array literals (nulls stay null). Raises :class:`NotAJsonArray`."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values
    text = pc.utf8_trim_whitespace(values)
    simple = pc.and_(pc.match_substring_regex(text, _FLAT),
                     pc.invert(pc.match_substring_regex(text, _OTHER_ESCAPE)))
    simple = pc.fill_null(simple, True)
    inner = pc.utf8_slice_codeunits(text, start=1, stop=-1)
    fast = pc.binary_join_element_wise("{", inner, "}", "")
    if pc.all(simple).as_py() is not False:
        return fast
    slow_rows = pc.indices_nonzero(pc.invert(simple)).to_numpy()
    texts = text.to_pylist()
    slow = [_literal_of(texts[i], column) for i in slow_rows]
    out = fast.to_pylist()
    for i, literal in zip(slow_rows, slow, strict=True):
        out[i] = literal
    return pa.array(out, type=pa.string())


def _literal_of(text: str, column: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
        ok = False
    else:
        ok = isinstance(value, list)
    if not ok:
        shown = text if len(text) <= 60 else text[:57] + "..."
        where = f"column {column}: " if column else ""
        raise NotAJsonArray(f"{where}{shown!r} is not a JSON array, so it cannot land in a PostgreSQL ARRAY "
                            "column — generate a JSON array (json_array) or land into a json/jsonb/text column")
    return _array(value)


def _array(items: list[Any]) -> str:
    return "{" + ",".join(_element(item) for item in items) + "}"


def _element(item: Any) -> str:
    if item is None:
        return "NULL"
    if isinstance(item, list):
        return _array(item)
    if isinstance(item, bool):
        return "true" if item else "false"
    text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
