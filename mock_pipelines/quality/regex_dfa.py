"""Prove that every value of a string column matches an anchored regex by running a byte automaton over it.

RE2 reads a value a byte at a time, each step waiting for the one before: ~1.7 ns a byte on this machine,
~46 ns for a 27-byte e-mail, even on the values joined by newlines (:mod:`~mock_pipelines.quality.
regex_lines`). Here the pattern ``^X$`` of a rule becomes a deterministic automaton over bytes, which the
compiled ``_dfa`` module runs over eight runs of values side by side (~0.7 ns a byte: 19–21 ns an e-mail,
against 53 for the joined match; ``bench/bench_regex.py``). Like the joined match it only *proves*: when it
cannot say yes, the caller asks RE2, so verdicts, counts and examples are RE2's whatever the data.

Why it agrees with RE2. The automaton reads only the printable ASCII bytes (0x20–0x7E): any other byte
leads to a state that accepts nothing, so a value holding one (a tab, a newline, a multi-byte character) is
never proven here. On those bytes Python's parser and RE2 read the constructs admitted here alike —
literals, ``.``, classes with ranges and ``\\d \\w \\s`` (``\\s`` is the space alone among them), groups,
alternation, greedy and lazy repetition (laziness changes what a match captures, never whether a whole
value matches) — and the pattern is parsed by Python's own parser (``re._parser``, as in ``regex_lines``).
Anything else (anchors inside, look-arounds, back-references, inline flags, possessive repetition, and
the counts RE2 reads as text: ``{,n}`` and a count with a leading zero, ``{02}``) is not turned into an
automaton, and neither is a pattern RE2 refuses. Unlike the joined match, a pattern that may match a
newline (``\\s``, ``[^,]``) is proven here too: the newline is not printable, so a value holding one is
left to RE2.

Why it is bounded. Automaton builders that take any pattern (``interegular``, ``greenery``) build every
state the pattern has, and a crafted pattern has exponentially many: ``(a|b)*a(a|b){14}`` has 32,768, and
``interegular`` 0.3.3 had not finished building them after 60 s (``{10}``: 2,049 states, 0.35 s). The
construction here (Glushkov's position automaton, then the subset construction) gives up past
``MAX_POSITIONS`` positions, ``MAX_STATES`` states or ``MAX_STEPS`` items visited and links made (each
copy of a repetition counted). The patterns of the tests' hostile list are refused in 0.3 s or less here, and
a pattern of a megabyte in about a second, most of it Python's parser.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# The parse tree of re.compile's parser (Python 3.11+, which the project requires), read by whole_value_items.
from re._constants import (  # type: ignore[import-not-found]
    ANY,
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    CATEGORY_NOT_DIGIT,
    CATEGORY_NOT_SPACE,
    CATEGORY_NOT_WORD,
    CATEGORY_SPACE,
    CATEGORY_WORD,
    IN,
    LITERAL,
    MAX_REPEAT,
    MAXREPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    RANGE,
    SUBPATTERN,
)
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.strings import value_offsets
from mock_pipelines.quality.regex_lines import whole_value_items

try:  # the compiled kernel (see _dfa.c); without it no proof is attempted here
    from mock_pipelines.quality import _dfa as native
except ImportError:  # pragma: no cover - built by `make install` wherever a C compiler is
    native = None

PRINTABLE = frozenset(range(0x20, 0x7F))
MAX_POSITIONS = 2048  # character positions of the pattern, its counted repetitions written out
MAX_STATES = 256  # states of the automaton, the one that accepts nothing included (uint8 next states)
MAX_STEPS = 100_000  # items visited and links made, the repetitions written out (empty groups hold no position)
# Repetition counts that Python's parser reads as counts and RE2 as text: {,n}, and a count with a leading
# zero ({02}, {2,03}). Refused from the text, before parsing.
_COUNTS_READ_OTHERWISE = re.compile(r"\{,|\{0\d|\{\d+,0\d")
DEAD = 0
_DIGITS = frozenset(range(0x30, 0x3A))
_WORD = _DIGITS | frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B)) | {0x5F}
_CATEGORIES = {CATEGORY_DIGIT: _DIGITS, CATEGORY_NOT_DIGIT: PRINTABLE - _DIGITS,
               CATEGORY_WORD: _WORD, CATEGORY_NOT_WORD: PRINTABLE - _WORD,
               CATEGORY_SPACE: frozenset({0x20}), CATEGORY_NOT_SPACE: PRINTABLE - {0x20}}


@dataclass(frozen=True)
class Automaton:
    """A deterministic automaton over bytes: ``table[s, b]`` is the state after byte ``b`` in state ``s``."""

    table: np.ndarray  # (states, 256) uint8
    accept: np.ndarray  # (states,) uint8, 1 where a value may end
    start: int

    def accepts(self, value: bytes) -> bool:
        """Whether the automaton accepts one value (the reference the compiled kernel is tested against)."""
        state = self.start
        for b in value:
            state = int(self.table[state, b])
        return bool(self.accept[state])


class _Refused(Exception):
    """The pattern is of a shape this module does not prove, or too large."""


@functools.lru_cache(maxsize=256)
def automaton(regex: str) -> Automaton | None:
    """The automaton of the values that match ``regex`` (printable ASCII only), or None when ``regex`` is not
    of a shape this module proves (see the module's docstring) or its automaton would be too large."""
    if _COUNTS_READ_OTHERWISE.search(regex):
        return None
    items = whole_value_items(regex)  # ^X$ with no flag: the automaton reads whole values
    if items is None:
        return None
    try:
        pc.match_substring_regex(pa.array([""]), regex)  # a pattern RE2 refuses is RE2's to report
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    try:
        positions = _Positions()
        nullable, first, last = positions.sequence(items)
        return positions.determinise(nullable, first, last)
    except (_Refused, re.error, RecursionError, OverflowError):
        return None


class _Positions:
    """Glushkov's construction: one position per character class of the pattern, with the positions that may
    follow it. Position 0 is the start; the positions are bit masks of Python ints."""

    def __init__(self) -> None:
        self.bytes: list[frozenset[int]] = [frozenset()]
        self.follow: list[int] = [0]
        self.steps = 0

    def _new(self, members: frozenset[int]) -> tuple[bool, int, int]:
        if len(self.bytes) >= MAX_POSITIONS:
            raise _Refused("too many positions")
        self.bytes.append(members & PRINTABLE)
        self.follow.append(0)
        bit = 1 << (len(self.bytes) - 1)
        return False, bit, bit

    def _step(self, work: int = 1) -> None:
        self.steps += work
        if self.steps > MAX_STEPS:
            raise _Refused("too many items or links")

    def _link(self, last: int, first: int) -> None:
        if not first:
            return
        self._step(last.bit_count())
        while last:
            low = last & -last
            self.follow[low.bit_length() - 1] |= first
            last ^= low

    def sequence(self, items: list[tuple[Any, Any]]) -> tuple[bool, int, int]:
        nullable, first, last = True, 0, 0
        for op, arg in items:
            n2, f2, l2 = self.item(op, arg)
            self._link(last, f2)
            first |= f2 if nullable else 0
            last = l2 | (last if n2 else 0)
            nullable = nullable and n2
        return nullable, first, last

    def item(self, op: Any, arg: Any) -> tuple[bool, int, int]:
        self._step()
        if op == LITERAL:
            return self._new(frozenset({arg}))
        if op == NOT_LITERAL:
            return self._new(PRINTABLE - {arg})
        if op == ANY:  # no s flag (refused by whole_value_items): anything but the newline, not printable
            return self._new(PRINTABLE)
        if op == IN:
            return self._new(_class(arg))
        if op == SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            if add_flags or del_flags:
                raise _Refused("inline flags")
            return self.sequence(list(sub))
        if op == BRANCH:
            nullable, first, last = False, 0, 0
            for alternative in arg[1]:
                n2, f2, l2 = self.sequence(list(alternative))
                nullable, first, last = nullable or n2, first | f2, last | l2
            return nullable, first, last
        if op in (MAX_REPEAT, MIN_REPEAT):
            low, high, sub = arg
            return self._repeat(int(low), None if high == MAXREPEAT else int(high), list(sub))
        raise _Refused(f"{op} is not proven here")

    def _repeat(self, low: int, high: int | None, sub: list[tuple[Any, Any]]) -> tuple[bool, int, int]:
        """``sub`` at least ``low`` and at most ``high`` times (None: no bound): ``low`` copies, then the optional
        ones (X{1,3} is X X? X?, which holds the same values as X (X X?)?), or one starred copy."""
        if low > MAX_POSITIONS or (high is not None and high > MAX_POSITIONS):
            raise _Refused("too many positions")
        nullable, first, last = True, 0, 0
        copies = [(False, sub)] * low + ([(True, sub)] * (high - low) if high is not None else [(True, None)])
        for optional, pattern in copies:
            self._step()  # a copy of an empty group visits no item
            if pattern is None:  # the starred copy: it may follow itself
                n2, f2, l2 = self.sequence(sub)
                self._link(l2, f2)
                n2 = True
            else:
                n2, f2, l2 = self.sequence(pattern)
                n2 = n2 or optional
            self._link(last, f2)
            first |= f2 if nullable else 0
            last = l2 | (last if n2 else 0)
            nullable = nullable and n2
        return nullable, first, last

    def determinise(self, nullable: bool, first: int, last: int) -> Automaton:
        """The subset construction over the printable bytes, grouped into the classes no position tells apart."""
        self.follow[0] = first
        final = last | (1 if nullable else 0)
        classes: dict[tuple[bool, ...], list[int]] = {}
        for b in sorted(PRINTABLE):
            classes.setdefault(tuple(b in members for members in self.bytes), []).append(b)
        # the positions each class of bytes may move to
        moves = [(sum(1 << p for p, hit in enumerate(sig) if hit), members) for sig, members in classes.items()]
        ids = {0: DEAD, 1: 1}  # state 0 accepts nothing; state 1 is the start (position 0 alone)
        order, rows = [0, 1], []
        i = 0
        while i < len(order):
            state = order[i]
            reachable = 0
            rest = state
            while rest:
                low = rest & -rest
                reachable |= self.follow[low.bit_length() - 1]
                rest ^= low
            row = np.zeros(256, dtype=np.uint8)
            for mask, members in moves:
                nxt = reachable & mask
                if nxt not in ids:
                    if len(order) >= MAX_STATES:
                        raise _Refused("too many states")
                    ids[nxt] = len(order)
                    order.append(nxt)
                row[members] = ids[nxt]
            rows.append(row)
            i += 1
        accept = np.array([1 if s & final else 0 for s in order], dtype=np.uint8)
        return Automaton(table=np.ascontiguousarray(np.stack(rows)), accept=accept, start=1)


def _class(members: list[tuple[Any, Any]]) -> frozenset[int]:
    """The printable bytes of a class ``[...]``."""
    held: set[int] = set()
    negated = False
    for op, arg in members:
        if op == NEGATE:
            negated = True
        elif op == LITERAL:
            held.add(arg)
        elif op == RANGE:
            held.update(range(arg[0], min(arg[1], 0x7F) + 1))
        elif op == CATEGORY and arg in _CATEGORIES:
            held |= _CATEGORIES[arg]
        else:
            raise _Refused(f"{op} {arg} in a class is not proven here")
    held &= PRINTABLE
    return frozenset(PRINTABLE - held) if negated else frozenset(held)


def all_accepted(col: pa.ChunkedArray | pa.Array, regex: str) -> bool:
    """True when every non-null value of ``col`` is proven to match ``regex`` (as ``match_substring_regex``
    sees it); False when it cannot be proven here (no compiled kernel, another type or shape of pattern, a
    value with a byte outside printable ASCII, a value that does not match): then ask RE2."""
    if native is None:
        return False
    dfa = automaton(regex)
    if dfa is None:
        return False
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    if not any(len(c) - c.null_count for c in chunks):
        return False  # no value at all: let RE2 judge (and compile the pattern)
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        if len(chunk) == chunk.null_count:
            continue
        raw = chunk.buffers()[2]
        valid = np.asarray(chunk.is_valid()).view(np.uint8) if chunk.null_count else None
        if not native.all_accepted(value_offsets(chunk), raw if raw is not None else b"", valid, dfa.table,
                                   dfa.accept, dfa.start):
            return False
    return True
