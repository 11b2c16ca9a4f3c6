"""JSON documents for ``type: json`` columns: arrays of items (``["red","blue"]``) and flat objects
(``{"newsletter": true, "language": "de"}``).

The values inside are made by other catalogue generators, called on *virtual rows*: the item k of row r is
row ``r · 1024 + k`` under a key derived from the column's, so every item is a pure function of (seed,
column, row, item) and independent of its neighbours. The JSON text is assembled with Arrow compute only:
strings quoted and escaped (backslash, double quote, control characters), numbers and booleans as JSON
literals, items joined per row with ``binary_join`` over a list array built from the item counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from mock_pipelines.core import random as rnd
from mock_pipelines.core import registry
from mock_pipelines.core.facts import Facts
from mock_pipelines.core.registry import GenContext, ParamError, generator
from mock_pipelines.spec.types import LogicalType

MAX_ITEMS = 1024  # items per array at most; also the stride of the virtual rows of one row's items
# What an item or field value may be: a JSON string, number or boolean (dates as ISO strings).
ITEM_TYPES = (LogicalType.STRING, LogicalType.INT, LogicalType.FLOAT, LogicalType.BOOL, LogicalType.DECIMAL,
              LogicalType.DATE)
_PROBE_ROWS = np.arange(2, dtype=np.int64)
# Control characters JSON writes with a short escape; the others are written \u00XX.
_SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTROL = r"[\x00-\x1f]"


# ---- the values inside -------------------------------------------------------------------------------------

def _check_value_generator(name: str, param: str, what: str) -> None:
    """``name`` must be a catalogue generator that makes a JSON scalar from nothing but its row: all its
    parameters have defaults, it returns string/int/float/bool/decimal/date and reads no other column."""
    try:
        gen = registry.get(name)
    except registry.UnknownGenerator as exc:
        hint = f"did you mean {exc.suggestion!r}?" if exc.suggestion else "`mock-pipelines generators` lists them"
        raise ParamError(param, f"{what}: unknown generator {name!r}", hint,
                         expected="a generator name, e.g. word, color_name, integer, boolean") from None
    if gen.name in ("json_array", "json_object"):
        raise ParamError(param, f"{what}: {gen.name} cannot make the values of another JSON document",
                         "use a generator of plain values, e.g. word or integer", expected="a scalar generator")
    required = [p.name for p in gen.params if p.required]
    if required:
        raise ParamError(param, f"{what}: generator {gen.name!r} needs parameters ({', '.join(required)}), "
                         "which cannot be given here", "use a generator whose parameters all have defaults, or "
                         "list the values with `values:`", expected="a generator with no required parameter")
    if gen.returns not in ITEM_TYPES:
        raise ParamError(param, f"{what}: generator {gen.name!r} returns {gen.returns.value}, not a JSON scalar",
                         "use a generator returning string, int, float, bool, decimal or date",
                         expected="a generator returning " + ", ".join(t.value for t in ITEM_TYPES))
    try:
        _values(gen.name, GenContext(rows=_PROBE_ROWS, key=1))
    except Exception as exc:  # reads another column or the table's layout (siblings, a parent's values)
        raise ParamError(param, f"{what}: generator {gen.name!r} cannot run on its own ({type(exc).__name__}: "
                         f"{exc})", "use a generator that needs no other column, e.g. word, integer, boolean",
                         expected="a generator that reads no other column") from None


def _values(name: str, ctx: GenContext) -> pa.Array:
    gen = registry.get(name)
    out = gen(ctx, **gen.validate_params({}))
    return out.dictionary_decode() if pa.types.is_dictionary(out.type) else out


def _sub_context(ctx: GenContext, rows: np.ndarray, *purpose: object) -> GenContext:
    """A context of its own for the values of one item or field: derived keys, no other column, no layout."""
    return GenContext(rows=rows, key=rnd.derive_key(ctx.key, "json", *purpose), locale=ctx.locale,
                      table_key=rnd.derive_key(ctx.table_key, "json", *purpose))


# ---- JSON text, vectorised ---------------------------------------------------------------------------------

def json_quoted(values: pa.Array) -> pa.Array:
    """Strings as JSON string literals: ``"…"`` with backslash, double quote and control characters
    escaped (nulls stay null)."""
    text = pc.replace_substring(values, "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    if pc.any(pc.match_substring_regex(text, _CONTROL)).as_py():
        present = {ch for ch in map(chr, range(32))
                   if pc.any(pc.match_substring(text, ch)).as_py()}
        for ch in sorted(present):
            text = pc.replace_substring(text, ch, _SHORT_ESCAPES.get(ch, f"\\u{ord(ch):04x}"))
    return pc.binary_join_element_wise('"', text, '"', "")


def json_literals(values: pa.Array) -> pa.Array:
    """Values as JSON text: strings and dates quoted, numbers and booleans bare, nulls (and a float that is
    not finite) as ``null``."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = json_quoted(values)
    elif pa.types.is_boolean(t):
        text = pc.if_else(values, "true", "false")
    elif pa.types.is_floating(t):
        finite = pc.is_finite(values)
        text = pc.if_else(finite, pc.cast(values, pa.string()), pa.scalar(None, pa.string()))
    elif pa.types.is_integer(t) or pa.types.is_decimal(t):
        text = pc.cast(values, pa.string())
    else:  # dates, times: their ISO text, quoted
        text = json_quoted(pc.cast(values, pa.string()))
    return pc.fill_null(text, "null")


def _fixed_literals(values: list[Any]) -> pa.Array:
    return pa.array([json.dumps(v, ensure_ascii=False) for v in values], type=pa.string())


# ---- json_array --------------------------------------------------------------------------------------------

def _check_array(p: Mapping[str, Any]) -> None:
    if p["values"] is not None:
        if not p["values"]:
            raise ParamError("values", "json_array: `values` is empty", "list at least one value, or leave "
                             "`values` out to generate items with `of`", expected="a non-empty list")
        return
    _check_value_generator(p["of"], "of", "json_array")


@generator("json_array", category="technical", returns="json", example='["red","blue"]', check=_check_array,
           facts=Facts(regex=lambda _p, _l: r"^\[.*\]$"))
def json_array(ctx: GenContext, *, of: str = "word", values: list[str | int | float | bool] | None = None,
               min_items: Annotated[int, Field(ge=0, le=MAX_ITEMS)] = 0,
               max_items: Annotated[int, Field(ge=0, le=MAX_ITEMS)] = 5) -> pa.Array:
    """A JSON array of min_items to max_items items (uniform): drawn from `values`, or made by generator `of`.

    `of` names a catalogue generator whose parameters all have defaults and that returns a string, number,
    boolean or date; each item is its value for a virtual row of (row, item index), so items are
    independent and deterministic. `values` (strings, numbers, booleans), when given, replaces `of`.
    """
    counts = min_items + ctx.integers(max_items - min_items + 1)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    item_rows = np.repeat(ctx.rows.astype(np.int64), counts) * MAX_ITEMS + (
        np.arange(total, dtype=np.int64) - np.repeat(offsets[:-1], counts))
    if values is not None:
        pick = rnd.integers(rnd.derive_key(ctx.key, "json", "values"), item_rows, len(values))
        items = _fixed_literals(values).take(pa.array(pick))
    else:
        items = json_literals(_values(of, _sub_context(ctx, item_rows, "items")))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), items)
    return pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "").cast(pa.string())


# ---- json_object -------------------------------------------------------------------------------------------

def _check_object(p: Mapping[str, Any]) -> None:
    if not p["fields"]:
        raise ParamError("fields", "json_object: `fields` is empty", "map each key to a generator, e.g. "
                         "{newsletter: boolean, language: language_code}", expected="a non-empty mapping")
    for key, name in p["fields"].items():
        _check_value_generator(name, "fields", f"json_object field {key!r}")


@generator("json_object", category="technical", returns="json", example='{"newsletter": true, "language": "de"}',
           check=_check_object, facts=Facts(regex=lambda _p, _l: r"^\{.*\}$"))
def json_object(ctx: GenContext, *, fields: dict[str, str]) -> pa.Array:
    """A flat JSON object: one key per entry of `fields`, its value made by the generator the entry names.

    Each generator (all of its parameters with defaults; returning a string, number, boolean or date) runs
    with a key of its own per field, so fields are independent and deterministic.
    """
    parts: list[Any] = []
    for i, (key, name) in enumerate(fields.items()):
        value = json_literals(_values(name, _sub_context(ctx, ctx.rows, "field", key)))
        parts += [("{" if i == 0 else ", ") + json.dumps(key, ensure_ascii=False) + ": ", value]
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")
