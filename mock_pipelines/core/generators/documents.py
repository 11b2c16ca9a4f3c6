"""Documents: vehicle licence plates and passport numbers in the format of a country.

A country's formats (``core/locales/documents.py``) are expanded once into *layouts*: sequences of slots
whose tokens all have the same width in bytes, so a layout fills a fixed-width byte matrix. All values of a
country are numbered 0 … capacity-1 across its layouts; a row draws one number (uniform, or a keyed
bijection of the row index with unique=true) and decodes it, mixed-radix, into one token per slot. Rows of
different layouts are joined into one Arrow array from a padded matrix, without per-row Python.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from mock_pipelines.core.facts import Facts, Params
from mock_pipelines.core.generators.finance import country_of
from mock_pipelines.core.generators.identifiers import ragged_from_matrix
from mock_pipelines.core.locales.documents import (
    FR_BANNED_PAIRS,
    LICENSE_PLATES,
    PASSPORT_NUMBERS,
    PLATE_MAX_CHARACTERS,
    TOKENS,
)
from mock_pipelines.core.registry import GenContext, ParamError, generator
from mock_pipelines.spec.errors import suggest

FALLBACK_COUNTRY = "US"
_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _jp_serial() -> tuple[str, ...]:
    """Japanese serial numbers 1-9999 as printed: leading blanks as '・', four digits as 12-34."""
    return tuple(f"{n // 100}-{n % 100:02d}" if n >= 1000 else str(n).rjust(4, "・") for n in range(1, 10000))


def _escape(text: str) -> str:
    """Regex metacharacters escaped, nothing else (RE2 and Python read the result alike)."""
    return "".join("\\" + ch if ch in _META else ch for ch in text)


_META = set(".^$*+?()[]{}|\\")


def _char_class(chars: str) -> str:
    """A character class with runs of three or more consecutive characters written as ranges."""
    codes = sorted({ord(c) for c in chars})
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        parts.append(chr(codes[i]) + ("-" + chr(codes[j]) if j - i >= 2 else chr(codes[j]) if j > i else ""))
        i = j + 1
    return "[" + "".join(parts) + "]"


def _join(regexes: list[str]) -> str:
    """Slot regexes in order, a run of the same character class written once with a count."""
    out: list[str] = []
    for regex, run in itertools.groupby(regexes):
        count = len(list(run))
        out.append(f"{regex}{{{count}}}" if count > 1 and regex.startswith("[") and regex.endswith("]")
                   else regex * count)
    return "".join(out)


def _tokens(name: str) -> tuple[tuple[str, ...], str]:
    """(tokens, regex) of a '{...}' slot: a named list or an integer range."""
    if name == "fr_pair":
        letters = TOKENS["fr_letter"]
        pairs = tuple(a + b for a in letters for b in letters if a + b not in FR_BANNED_PAIRS)
        return pairs, _char_class(letters) + "{2}"
    if name == "jp_serial":
        return _jp_serial(), "(・・・[1-9]|・・[1-9][0-9]|・[1-9][0-9]{2}|[1-9][0-9]-[0-9]{2})"
    match = re.fullmatch(r"([0-9]+)-([0-9]+)", name)
    if match:
        lo_text, hi_text = match.groups()
        lo, hi = int(lo_text), int(hi_text)
        width = len(lo_text) if lo_text.startswith("0") else 0
        return tuple(str(n).zfill(width) for n in range(lo, hi + 1)), _range_regex(lo, hi, width)
    values = TOKENS[name]
    tokens = tuple(values) if isinstance(values, str) else values
    if all(len(t) == 1 for t in tokens):
        return tokens, _char_class("".join(tokens))
    return tokens, "(" + "|".join(_escape(t) for t in sorted(tokens, key=lambda t: (-len(t), t))) + ")"


def _range_regex(lo: int, hi: int, width: int) -> str:
    """The integers lo..hi as written: listed when few, else the shape they share."""
    if hi - lo < 60:
        return "(" + "|".join(str(n).zfill(width) for n in range(lo, hi + 1)) + ")"
    if width:
        return f"[0-9]{{{width}}}"
    if lo % 100 == 0 and hi == lo + 99:
        return f"{lo // 100}[0-9]{{2}}"
    digits = len(str(hi))
    if lo == 1 and hi == 10**digits - 1:
        return f"[1-9][0-9]{{0,{digits - 1}}}"
    return "[0-9]+"


@dataclass(frozen=True)
class Layout:
    slots: tuple[tuple[str, ...], ...]  # the tokens of each slot, all of one width in bytes
    table: tuple[np.ndarray, ...]  # per slot: (tokens, width) uint8
    width: int
    capacity: int


@dataclass(frozen=True)
class Formats:
    layouts: tuple[Layout, ...]
    offsets: np.ndarray  # first value number of each layout; last entry: the capacity
    regex: str

    @property
    def capacity(self) -> int:
        return int(self.offsets[-1])


def _parse(fmt: str) -> list[tuple[tuple[str, ...], str]]:
    """The slots of a format: (tokens, regex) each."""
    slots: list[tuple[tuple[str, ...], str]] = []
    for part in re.findall(r"\{[^}]+\}|.", fmt):
        if part == "#":
            slots.append((tuple(_DIGITS), "[0-9]"))
        elif part == "?":
            slots.append((tuple(_LETTERS), "[A-Z]"))
        elif part.startswith("{"):
            slots.append(_tokens(part[1:-1]))
        else:
            slots.append(((part,), _escape(part)))
    return slots


def _shape(token: str) -> tuple[int, int]:
    return len(token.encode()), sum(ch.isalnum() for ch in token)


@lru_cache(maxsize=32)
def formats(kind: str, country: str) -> Formats:
    """The layouts of a country's plates ("plate") or passport numbers ("passport"), built once."""
    table = LICENSE_PLATES if kind == "plate" else PASSPORT_NUMBERS
    max_chars = PLATE_MAX_CHARACTERS.get(country) if kind == "plate" else None
    layouts: list[Layout] = []
    regexes: list[str] = []
    for fmt in table[country]:
        slots = _parse(fmt)
        regexes.append(_join([regex for _, regex in slots]))
        # tokens grouped by their width in bytes and their count of letters and digits (FÜ: 3 bytes, 2)
        shapes = [sorted({_shape(t) for t in tokens}) for tokens, _ in slots]
        for shape in itertools.product(*shapes):
            if max_chars is not None and sum(chars for _, chars in shape) > max_chars:
                continue
            chosen = tuple(tuple(t for t in tokens if _shape(t) == s)
                           for (tokens, _), s in zip(slots, shape, strict=True))
            tables = tuple(np.frombuffer("".join(c).encode(), np.uint8).reshape(len(c), width)
                           for c, (width, _) in zip(chosen, shape, strict=True))
            layouts.append(Layout(chosen, tables, sum(width for width, _ in shape),
                                  math.prod(len(c) for c in chosen)))
    offsets = np.concatenate([[0], np.cumsum([lay.capacity for lay in layouts])]).astype(np.int64)
    unique_regexes = list(dict.fromkeys(regexes))
    body = unique_regexes[0] if len(unique_regexes) == 1 else "(" + "|".join(unique_regexes) + ")"
    return Formats(tuple(layouts), offsets, f"^{body}$")


def fill(ctx: GenContext, kind: str, country: str) -> pa.Array:
    """One value per row: a uniform draw over all values of the country, or a bijection with unique."""
    table = formats(kind, country)
    number = ctx.unique_index(table.capacity) if ctx.unique else ctx.integers(table.capacity)
    number = number.astype(np.int64)
    which = np.searchsorted(table.offsets, number, side="right") - 1
    width = max(lay.width for lay in table.layouts)
    out = np.zeros((len(ctx), width), dtype=np.uint8)
    lengths = np.zeros(len(ctx), dtype=np.int64)
    for i, lay in enumerate(table.layouts):
        rows = np.flatnonzero(which == i)
        if not len(rows):
            continue
        local = number[rows] - table.offsets[i]
        col = lay.width
        block = np.empty((len(rows), lay.width), dtype=np.uint8)
        for tokens, chars in zip(reversed(lay.slots), reversed(lay.table), strict=True):
            local, pick = np.divmod(local, len(tokens))
            col -= chars.shape[1]
            block[:, col:col + chars.shape[1]] = chars[pick]
        out[rows, :lay.width] = block
        lengths[rows] = lay.width
    return ragged_from_matrix(out, np.arange(width)[None, :] < lengths[:, None])


def _country(kind: str, locale: str, country: str | None) -> str:
    table = LICENSE_PLATES if kind == "plate" else PASSPORT_NUMBERS
    code = (country or country_of(locale)).upper()
    return code if code in table else FALLBACK_COUNTRY


def _check_country(kind: str):
    table = LICENSE_PLATES if kind == "plate" else PASSPORT_NUMBERS
    name = "license_plate" if kind == "plate" else "passport_number"

    def check(p: Params) -> None:
        country = p["country"]
        if country is not None and country.upper() not in table:
            known = sorted(table)
            raise ParamError("country", f"{name!r} has no format for country {country!r}",
                             suggest(country.upper(), known)
                             or f"use one of {', '.join(known)}, or leave country out to follow the locale",
                             expected="one of " + ", ".join(known))
    return check


@generator("license_plate", category="identifiers", returns="string", example="KA-XY 1234",
           aliases=("licence_plate", "number_plate"), supports_unique=True,
           capacity=lambda p, locale: formats("plate", _country("plate", locale, p.get("country"))).capacity,
           check=_check_country("plate"),
           facts=Facts(regex=lambda p, locale: formats("plate", _country("plate", locale, p["country"])).regex))
def license_plate(ctx: GenContext, *, country: str | None = None) -> pa.Array:
    """Vehicle licence plates in the format of the locale's country (US, GB, DE, FR, JP; US elsewhere)."""
    return fill(ctx, "plate", _country("plate", ctx.locale, country))


@generator("passport_number", category="identifiers", returns="string", example="C01X00T47",
           aliases=("passport",), supports_unique=True,
           capacity=lambda p, locale: formats("passport", _country("passport", locale, p.get("country"))).capacity,
           check=_check_country("passport"),
           facts=Facts(regex=lambda p, locale: formats("passport",
                                                       _country("passport", locale, p["country"])).regex))
def passport_number(ctx: GenContext, *, country: str | None = None) -> pa.Array:
    """Passport numbers in the format of the locale's country (US, GB, DE, FR, JP; US elsewhere)."""
    return fill(ctx, "passport", _country("passport", ctx.locale, country))
