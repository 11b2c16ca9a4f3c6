"""Damage to text: typos, case and whitespace changes, transliteration, mojibake and truncation.

Each kind damages string columns, vectorised over the selected cells (Arrow string kernels, or numpy over the
UTF-8 bytes through :mod:`mock_pipelines.core.string_edits`). Every draw is ``cells.uniform`` or
``cells.integers`` with a stream of its own, so the damage of a cell is a pure function of (rule key, row).
Four of them (``case``, ``whitespace``, ``typo``,
``transliteration``) also tell a near duplicate apart from its source, so each guarantees that a non-empty value
comes out different from the clean one (a copy equal to its source would be an exact duplicate); so do
``mojibake`` and ``truncation``. A null stays null, and an empty string stays empty under ``typo`` and
``truncation``: there is nothing to damage (the ground truth then lists the cell with its value unchanged).

Labels: none of these kinds breaks a rule by construction; the classifier finds, from the column's facts, the
rules each damaged value breaks (a typo in a value set breaks ``value_set``, a truncated sku its ``format``; a
typo in an e-mail address that keeps its shape breaks nothing it can see). Whether a damaged value collides with
another row of a unique column depends on the other rows, so ``unique`` is never claimed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii

from mock_pipelines.core import string_edits as edits
from mock_pipelines.core.defects import register
from mock_pipelines.core.defects.base import Cells, DefectKind, Param
from mock_pipelines.core.defects.keyboard import COUNT as KEY_COUNT
from mock_pipelines.core.defects.keyboard import TABLE as KEY_TABLE
from mock_pipelines.core.defects.targets import protected
from mock_pipelines.spec.errors import suggest

# Draw streams, one per decision, so no two decisions of a cell share their randomness.
_OP, _POSITION, _PAIR, _NEIGHBOUR = 0x7E01, 0x7E02, 0x7E03, 0x7E04
_CASE, _SPACE_KIND, _SPACE_AT = 0x7E11, 0x7E21, 0x7E22

_TYPO_OPS = ("replace", "transpose", "drop", "double")
_SPACE, _TAB, _NBSP = b" ", b"\t", "\u00a0".encode()


_STRING_COLUMNS = "string columns, not keys or references"  # what _string_column accepts, for the catalogue


def _string_column(column, facts, table) -> str | None:
    """Text kinds damage written string columns that are neither a primary nor a foreign key."""
    reason = protected(column, table)
    if reason is not None:
        return reason
    value_type = table.plain_type(column.name)
    if not (pa.types.is_string(value_type) or pa.types.is_large_string(value_type)):
        return f"a text damage needs a string column; {column.name!r} holds {value_type}"
    return None


def _edit(cells: Cells, change: Callable[[pa.Array, Cells], pa.Array]) -> pa.Array:
    """``change`` applied to the selected values with nulls as "", the nulls put back after."""
    if len(cells) == 0:
        return pa.array([], pa.string())
    plain = edits.without_nulls(cells.values)
    return edits.with_nulls_of(change(plain, cells), cells.values)


def _insert_matrix(pieces: list[bytes], choice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row i holds ``pieces[choice[i]]``: the (n, width) matrix and lengths :func:`edits.splice` inserts."""
    width = max(len(p) for p in pieces)
    table = np.zeros((len(pieces), width), dtype=np.uint8)
    for i, p in enumerate(pieces):
        table[i, :len(p)] = np.frombuffer(p, dtype=np.uint8)
    lengths = np.array([len(p) for p in pieces], dtype=np.int64)
    return table[choice], lengths[choice]


# -- typo ------------------------------------------------------------------------------------------------------

def _typo_ops(cells: Cells) -> tuple[str, ...]:
    given = str(cells.params.get("ops", "replace"))
    ops = _TYPO_OPS if given.strip() == "all" else tuple(o.strip() for o in given.split(",") if o.strip())
    for op in [o for o in ops if o not in _TYPO_OPS] or ([] if ops else [given]):
        near = suggest(op, _TYPO_OPS)
        raise ValueError(f"typo on {cells.table.name}.{cells.column.name}: unknown op {op!r} in ops {given!r}; "
                         f"expected a comma-separated list of {', '.join(_TYPO_OPS)}, or all"
                         + (f" — did you mean {near!r}?" if near else ""))
    return ops


def _typo(values: pa.Array, cells: Cells) -> pa.Array:
    offsets, data = edits.layout(values)
    n = len(values)
    starts, lengths = offsets[:-1], np.diff(offsets)
    ops = _typo_ops(cells)
    op = np.array([_TYPO_OPS.index(o) for o in ops])[cells.integers(len(ops), _OP)]
    on_key = KEY_COUNT[data] > 0  # an ASCII letter or digit: a key with neighbours
    has_key, key_at = edits.pick(on_key, offsets, cells.uniform(_POSITION))
    # Two different keys side by side, inside one value: what a transposition swaps.
    following = np.append(data[1:], np.uint8(0))
    ends_value = np.zeros(len(data), dtype=bool)
    ends_value[offsets[1:][lengths > 0] - 1] = True
    has_pair, pair_at = edits.pick(on_key & (KEY_COUNT[following] > 0) & (data != following) & ~ends_value, offsets,
                                   cells.uniform(_PAIR))
    op = np.where((op == _TYPO_OPS.index("transpose")) & ~has_pair, _TYPO_OPS.index("replace"), op)
    op = np.where(has_key, op, _TYPO_OPS.index("double"))  # no letter or digit: the first character repeats
    replace, transpose, drop, double = (op == i for i in range(len(_TYPO_OPS)))
    at = np.where(transpose, pair_at, key_at)  # 0 where the value has no key: its first character

    def byte_at(shift: int) -> np.ndarray:
        return data[np.minimum(starts + at + shift, len(data) - 1)] if len(data) else np.zeros(n, dtype=np.uint8)

    here, after = byte_at(0), byte_at(1)
    insert = np.zeros((n, 4), dtype=np.uint8)  # 4: the longest UTF-8 character, doubled whole
    insert_len = np.zeros(n, dtype=np.int64)
    remove = np.zeros(n, dtype=np.int64)
    neighbour = KEY_TABLE[here, cells.integers(np.maximum(KEY_COUNT[here], 1), _NEIGHBOUR)]
    insert[replace, 0], insert_len[replace], remove[replace] = neighbour[replace], 1, 1
    insert[transpose, 0], insert[transpose, 1], insert_len[transpose], remove[transpose] = \
        after[transpose], here[transpose], 2, 2
    remove[drop] = 1
    doubled = np.where(has_key, 1, _char_length(here)) * (lengths > 0)  # an empty value has nothing to double
    for j in range(4):
        insert[double & (doubled > j), j] = byte_at(j)[double & (doubled > j)]
    insert_len[double] = doubled[double]
    return edits.splice(values, at, remove, insert, insert_len)


def _char_length(lead: np.ndarray) -> np.ndarray:
    """Bytes of the UTF-8 character that starts with byte ``lead``."""
    return np.select([lead < 0x80, lead < 0xE0, lead < 0xF0], [1, 2, 3], 4)


register(DefectKind(
    "typo",
    "a typing slip: one letter or digit replaced by a neighbouring key on a QWERTY keyboard (letters by letters, "
    "digits by digits, case kept); with `ops`, also two adjacent characters swapped, one dropped or one doubled. "
    "A value without a letter or digit gets its first character doubled, so the damage always shows",
    damage=lambda cells: _edit(cells, _typo), applies=_string_column,
    params={"ops": Param("replace", "the slips drawn from, comma-separated: replace (a neighbouring key), "
                                    "transpose, drop, double; or all", str)},
    applies_to=_STRING_COLUMNS,
))


# -- whitespace ------------------------------------------------------------------------------------------------

def _whitespace(values: pa.Array, cells: Cells) -> pa.Array:
    """One of: a leading space, a trailing space, an inner space doubled, an inner space become a tab or a
    non-breaking space (a value without an inner space gets the tab or the non-breaking space at its end and the
    doubled space at its start)."""
    offsets, data = edits.layout(values)
    lengths = np.diff(offsets)
    variant = cells.integers(5, _SPACE_KIND)
    has_space, space_at = edits.pick(data == ord(" "), offsets, cells.uniform(_SPACE_AT))
    at = np.select([variant == 0, variant == 1], [0, lengths], np.where(has_space, space_at, lengths))
    at = np.where((variant == 2) & ~has_space, 0, at)
    remove = np.where((variant >= 3) & has_space, 1, 0)  # the space becomes the tab or the non-breaking space
    piece = np.select([variant == 3, variant == 4], [1, 2], 0)
    insert, insert_len = _insert_matrix([_SPACE, _TAB, _NBSP], piece)
    return edits.splice(values, at, remove, insert, insert_len)


register(DefectKind(
    "whitespace",
    "stray whitespace: a leading or a trailing space, an inner space doubled, or an inner space written as a tab "
    "or a non-breaking space (at the end where the value has no inner space)",
    damage=lambda cells: _edit(cells, _whitespace), applies=_string_column,
    applies_to=_STRING_COLUMNS,
))


# -- case ------------------------------------------------------------------------------------------------------

def _case(values: pa.Array, cells: Cells) -> pa.Array:
    """UPPER, lower or Title, drawn; where the drawn one leaves the value as it was, the next one that changes
    it; a value no case changes (no cased letter) gets stray whitespace instead, so it still differs."""
    variants = [pc.utf8_upper(values), pc.utf8_lower(values), pc.utf8_title(values)]
    start = cells.integers(3, _CASE)
    out = _whitespace(values, cells)
    # The candidates tried last to first, so the first that changes the value is the one kept.
    for step in (2, 1, 0):
        choice = (start + step) % 3
        candidate = pc.choose(pa.array(choice, pa.int8()), *variants)
        changed = pc.not_equal(candidate, values)
        out = pc.if_else(changed, candidate, out)
    return out


register(DefectKind(
    "case",
    "the value in UPPER, lower or Title case (drawn, always different from the clean value); a value without a "
    "cased letter gets stray whitespace instead (as the `whitespace` kind)",
    damage=lambda cells: _edit(cells, _case), applies=_string_column,
    applies_to=_STRING_COLUMNS,
))


# -- transliteration -------------------------------------------------------------------------------------------

def _transliteration(values: pa.Array, cells: Cells) -> pa.Array:
    """The value as ASCII (``Zoë Straße`` -> ``Zoe Strasse``); an ASCII value gets a ``case`` change instead.

    ``anyascii`` converts one string at a time, so only the *distinct* non-ASCII values among the selected cells
    go through it — a few hundred names per chunk even at high rates — and Arrow maps them back onto every cell
    (``index_in`` + ``take``): the per-value work stays vectorised."""
    ascii_ = pc.string_is_ascii(values)
    foreign = pc.unique(pc.filter(values, pc.invert(ascii_)))
    out = _case(values, cells)
    if len(foreign) == 0:
        return out
    converted = pa.array([anyascii(v) for v in foreign.to_pylist()], pa.string())
    mapped = pc.take(converted, pc.index_in(values, value_set=foreign))
    return pc.if_else(ascii_, out, mapped)


register(DefectKind(
    "transliteration",
    "the value written in ASCII (Zoë -> Zoe, Straße -> Strasse, 東京 -> DongJing), as a system without Unicode "
    "stores it; a value already in ASCII cannot be transliterated and gets a `case` change instead, so the damaged "
    "value (and a near duplicate's copy) always differs",
    damage=lambda cells: _edit(cells, _transliteration), applies=_string_column,
    applies_to=_STRING_COLUMNS,
))


# -- mojibake --------------------------------------------------------------------------------------------------

_CODEPAGES = ("cp1252", "latin-1")


def _codepage_table(codepage: str) -> tuple[np.ndarray, np.ndarray]:
    """For each byte, the UTF-8 bytes of the character ``codepage`` reads it as (the five bytes cp1252 leaves
    undefined read as Latin-1, as Windows does)."""
    table = np.zeros((256, 3), dtype=np.uint8)
    lengths = np.zeros(256, dtype=np.int64)
    for b in range(256):
        try:
            char = bytes([b]).decode(codepage)
        except UnicodeDecodeError:
            char = bytes([b]).decode("latin-1")
        encoded = char.encode("utf-8")
        table[b, :len(encoded)] = np.frombuffer(encoded, dtype=np.uint8)
        lengths[b] = len(encoded)
    return table, lengths


_MOJIBAKE_TABLES = {name: _codepage_table(name) for name in _CODEPAGES}


def _mojibake(values: pa.Array, cells: Cells) -> pa.Array:
    codepage = str(cells.params.get("codepage", "cp1252")).lower()
    if codepage not in _MOJIBAKE_TABLES:
        raise ValueError(f"mojibake: unknown codepage {codepage!r} on {cells.table.name}.{cells.column.name}; "
                         f"expected one of {', '.join(_CODEPAGES)}")
    # An ASCII value reads the same in every codepage: it gets a typographic apostrophe first, the character
    # most often seen mangled ("’" -> "â€™").
    values = pc.if_else(pc.string_is_ascii(values), pc.binary_join_element_wise(values, "\u2019", ""), values)
    table, lengths = _MOJIBAKE_TABLES[codepage]
    return edits.recode_bytes(values, table, lengths)


register(DefectKind(
    "mojibake",
    "encoding damage: the UTF-8 bytes read as cp1252 (or Latin-1) and written back as UTF-8 (Zoë -> ZoÃ«); an "
    "ASCII value reads the same in every codepage, so it gets a mangled apostrophe appended (Smith -> Smithâ€™)",
    damage=lambda cells: _edit(cells, _mojibake), applies=_string_column,
    params={"codepage": Param("cp1252", "the codepage the bytes are wrongly read as: cp1252 or latin-1", str)},
    applies_to=_STRING_COLUMNS,
))


# -- truncation ------------------------------------------------------------------------------------------------

def _truncation(values: pa.Array, cells: Cells) -> pa.Array:
    n_chars = pc.utf8_length(values).to_numpy(zero_copy_only=False).astype(np.int64)
    length = cells.params.get("length")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 0):
        raise ValueError(f"truncation: `length` on {cells.table.name}.{cells.column.name} must be a whole number "
                         f"of characters (0 or more), not {length!r}; leave it out to cut each value in half")
    keep = n_chars // 2 if length is None else np.full(len(values), length, dtype=np.int64)
    keep = np.clip(np.minimum(keep, n_chars - 1), 0, None)  # at least one character goes
    offsets, _ = edits.layout(values)
    cut = edits.char_offsets(values, keep)
    lengths = np.diff(offsets)
    return edits.splice(values, cut, lengths - cut, np.zeros((len(values), 1), np.uint8),
                        np.zeros(len(values), np.int64))


register(DefectKind(
    "truncation",
    "the value cut short, as by a fixed-width field: to `length` characters (default: half the value), and always "
    "by at least one character (a value of one character becomes empty)",
    damage=lambda cells: _edit(cells, _truncation), applies=_string_column,
    params={"length": Param(None, "the characters kept (a fixed width such as 10); default: half of each value",
                            (int, type(None)))},
    applies_to=_STRING_COLUMNS,
))
