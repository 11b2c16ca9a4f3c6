"""How long a string column's values can be: what ``max_length`` cuts to, and when a cut is provably a no-op.

``max_length: N`` cuts every value of a string column to at most N characters (code points) right after the
column is generated. A cut can merge two values into one, so a unique column (or a key other rows reference)
accepts ``max_length`` only when its values provably fit already: the generator's format (its facts regex)
or its fixed value set is never longer than N. These functions give that longest length, or None when no
bound is known.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _parser as _sre_parse  # type: ignore[attr-defined]  # the parser behind re.compile (3.11+)

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import registry
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, TableSpec

_UNBOUNDED = 1 << 16  # the parser reports an unbounded repeat as a very large width: treat as no bound


@lru_cache(maxsize=1024)
def regex_max_length(regex: str) -> int | None:
    """The most characters a string matching the anchored ``regex`` can have; None when unbounded or
    unreadable. Anchors and look-arounds take no room; ``a{2,5}`` takes 5."""
    try:
        width = _sre_parse.parse(regex).getwidth()[1]
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    return int(width) if width < _UNBOUNDED else None


def generated_max_length(spec: DatasetSpec, table: TableSpec, col: ColumnSpec, locale: str,
                         _seen: frozenset[tuple[str, str]] = frozenset()) -> int | None:
    """The longest value ``col`` can be given before any cut of its own: from the generator's format or
    value set, or, for a foreign-key column, the longest value of the column it references (as written)."""
    key = (table.name, col.name)
    if key in _seen:
        return None
    if col.kind == "ref":
        fk = table.fk_for_column(col.name)
        parent = spec.tables.get(fk.table) if fk is not None else None
        if fk is None or parent is None:
            return None
        target = parent.column(fk.ref_columns[fk.columns.index(col.name)])
        return None if target is None else written_max_length(spec, parent, target, locale, _seen | {key})
    if not col.generator:
        return None
    gen = registry.get(col.generator)
    if gen.facts is None:
        return None
    lengths = []
    regex = gen.facts.format_regex(col.params, locale)
    if regex:
        lengths.append(regex_max_length(regex))
    values = gen.facts.value_set(col.params)
    if values is not None:
        texts = [v for v in values.values if isinstance(v, str)]
        lengths.append(max(map(len, texts), default=0) if len(texts) == len(values.values) else None)
    known = [n for n in lengths if n is not None]
    return min(known) if known else None


def written_max_length(spec: DatasetSpec, table: TableSpec, col: ColumnSpec, locale: str,
                       _seen: frozenset[tuple[str, str]] = frozenset()) -> int | None:
    """The longest value ``col`` is written with: its own ``max_length`` when declared, or the generated
    bound when that is shorter (or the only one known)."""
    generated = generated_max_length(spec, table, col, locale, _seen)
    if col.max_length is None:
        return generated
    return col.max_length if generated is None else min(col.max_length, generated)


def cut_to_length(values: pa.Array, max_length: int) -> pa.Array:
    """``values`` cut to at most ``max_length`` code points, vectorised (a dictionary's entries only)."""
    if pa.types.is_dictionary(values.type):
        dictionary = values.dictionary
        if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
            return values
        cut = pc.utf8_slice_codeunits(dictionary, start=0, stop=max_length)
        if len(pc.unique(cut)) == len(cut):
            return pa.DictionaryArray.from_arrays(values.indices, cut)
        merged = cut.dictionary_encode()  # two entries cut to one text become one entry again
        indices = pc.take(merged.indices, values.indices).cast(values.type.index_type)
        return pa.DictionaryArray.from_arrays(indices, merged.dictionary)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values
    return pc.utf8_slice_codeunits(values, start=0, stop=max_length)
