"""People: first, last and full names, titles, gender, job titles and spoken languages, per locale.

Names come from Faker's locale data, read once per locale into weighted vocabularies (Faker keeps
frequency-weighted lists for en_US names and ja_JP surnames) and sampled with counter-based indices.

This module also holds the small vectorised template helpers shared by the people-and-places families
(address, phone, internet, company): :func:`numerify` fills Faker-style ``#``/``%``/``$``/``?``
placeholders for a whole column at once, and :func:`render` assembles Faker ``{{field}}`` formats.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Annotated, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS
from mock_pipelines.core.registry import COLUMN_REF, GenContext, generator
from mock_pipelines.core.vocab import Vocabulary, WeightedIndex, faker_attr, source, vocabulary

Gender = Literal["any", "female", "male"]
# An optional reference to another column (the registry recognises Annotated[..., COLUMN_REF] only).
OptionalColumnRef = Annotated[str | None, COLUMN_REF]
Script = Literal["native", "kana", "romaji"]

# ---- vectorised template helpers (shared by address, phone, internet, company) -------------------------

# placeholder byte -> (first character, number of choices)
_PLACEHOLDERS = {ord("#"): (ord("0"), 10), ord("%"): (ord("1"), 9), ord("$"): (ord("2"), 8),
                 ord("!"): (ord("0"), 10), ord("@"): (ord("1"), 9)}
_LETTER = (ord("A"), 26)


_WORD_TABLE_LIMIT = 1 << 20  # entries of one word table; wider tables fall back to smaller words


@dataclass(frozen=True)
class _Word:
    """A little-endian word of 1, 2 or 4 output bytes at ``start``, written with one table lookup per row:
    entry ``offset[template] + v`` holds the word's bytes for the v-th of its ``n`` placeholder values."""

    start: int
    n: int                       # placeholder combinations (product of the spans; 1 = constant)
    table: np.ndarray            # (variants * n,) uint8/uint16/uint32 words
    offset: np.ndarray | None    # (T,) intp start of each template's variant in table, None when shared
    lane: int                    # 32-bit random lane of the row, -1 when n == 1


@dataclass(frozen=True)
class _Shape:
    """Templates that differ only in their literal bytes: same length, same placeholders at the same
    positions. Rows of one shape fill one fixed-width block, word by word (later words may overlap and
    overwrite the last bytes of earlier ones, so every byte is covered)."""

    width: int
    size: int                    # bytes per word
    words: tuple[_Word, ...]
    lanes: int                   # 32-bit random lanes used per row

    @property
    def varies(self) -> bool:
        """True when some word depends on the row's template (templates of the shape differ)."""
        return any(w.offset is not None for w in self.words)


def _word_starts(width: int, size: int) -> list[int]:
    starts = list(range(0, width - size + 1, size))
    if width % size:
        starts.append(width - size)
    return starts


def _build_shape(base: np.ndarray, span: np.ndarray, members: np.ndarray, width: int,
                 n_templates: int) -> _Shape:
    rep = int(members[0])
    size = 4 if width >= 4 else 2 if width >= 2 else 1
    while True:
        words: list[_Word] = []
        lanes = 0
        ok = True
        for j in _word_starts(width, size):
            spans = span[rep, j:j + size].astype(np.int64)
            n = int(np.prod(np.maximum(spans, 1)))
            literal, inverse = np.unique(base[members, j:j + size], axis=0, return_inverse=True)
            if len(literal) * n > _WORD_TABLE_LIMIT and size > 1:
                ok = False
                break
            # mixed-radix enumeration of the placeholder values, most significant byte first
            v = np.arange(n, dtype=np.int64)
            digits = np.zeros((n, size), dtype=np.int64)
            for c in range(size - 1, -1, -1):
                if spans[c] > 0:
                    digits[:, c] = v % spans[c]
                    v //= spans[c]
            rows = (literal[:, None, :].astype(np.int64) + digits[None, :, :]).astype(np.uint8)
            table = np.ascontiguousarray(rows.reshape(-1, size)).view(f"<u{size}").reshape(-1)
            offset = None
            if len(literal) > 1:
                offset = np.zeros(n_templates, dtype=np.intp)
                offset[members] = inverse.reshape(-1) * n
            lane = -1
            if n > 1:
                lane, lanes = lanes, lanes + 1
            words.append(_Word(j, n, table, offset, lane))
        if ok:
            return _Shape(width, size, tuple(words), lanes)
        size //= 2


@dataclass(frozen=True)
class Templates:
    """Fixed templates compiled to byte tables: literals copied, placeholders filled per row."""

    base: np.ndarray     # (T, W) uint8: the literal byte, or the first character of a placeholder
    span: np.ndarray     # (T, W) uint32: 0 for literals, the number of choices for placeholders
    lengths: np.ndarray  # (T,) int64 byte lengths

    def __len__(self) -> int:
        return len(self.lengths)

    @cached_property
    def shapes(self) -> tuple[np.ndarray, tuple[_Shape, ...]]:
        """Each template's shape number, and the shapes (see :class:`_Shape`)."""
        live = self.span > 0
        key = np.concatenate([self.lengths[:, None], self.span.astype(np.int64),
                              np.where(live, self.base, 0).astype(np.int64)], axis=1)
        _, first, shape_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
        shape_of = shape_of.reshape(-1).astype(np.intp)
        shapes = tuple(_build_shape(self.base, self.span, np.flatnonzero(shape_of == s),
                                    int(self.lengths[t]), len(self))
                       for s, t in enumerate(first))
        return shape_of, shapes


def compile_templates(templates: Sequence[str], letters: bool = False) -> Templates:
    """Compile numerify templates: '#' digit, '%' 1-9, '$' 2-9 ('!'/'@' as '#'/'%'); '?' an upper-case
    letter when ``letters``. Other characters (any UTF-8) are literal. Short lists are compiled once."""
    if len(templates) <= 64:
        return _compile_cached(tuple(templates), letters)
    return _compile(templates, letters)


@lru_cache(maxsize=1024)
def _compile_cached(templates: tuple[str, ...], letters: bool) -> Templates:
    return _compile(templates, letters)


def _compile(templates: Sequence[str], letters: bool) -> Templates:
    raw = [t.encode("utf-8") for t in templates]
    width = max(1, *(len(r) for r in raw))
    base = np.zeros((len(raw), width), dtype=np.uint8)
    span = np.zeros((len(raw), width), dtype=np.uint32)
    for i, r in enumerate(raw):
        for j, ch in enumerate(r):
            if ch in _PLACEHOLDERS or (letters and ch == ord("?")):
                base[i, j], span[i, j] = _PLACEHOLDERS.get(ch, _LETTER)
            else:
                base[i, j] = ch
    return Templates(base, span, np.array([len(r) for r in raw], dtype=np.int64))


def random_u16(ctx: GenContext, width: int, stream: int) -> np.ndarray:
    """A (rows, width) uint16 matrix of uniform random bits (four positions per 64-bit draw)."""
    words = (width + 3) // 4
    mat = np.empty((len(ctx), words), dtype=np.uint64)
    for w in range(words):
        mat[:, w] = ctx.bits(stream * 1000 + w)
    return mat.view(np.uint16)[:, :width]


# Edits a shape's filled block in place before assembly: (row positions in ctx, their templates, block).
Edit = Callable[[np.ndarray, np.ndarray, np.ndarray], None]
_TWO_POW_32 = float(2**32)


def _fill_shape(ctx: GenContext, shape: _Shape, rows: np.ndarray | None, chosen: np.ndarray | None,
                stream: int, data: np.ndarray, start: int) -> None:
    """Write the rows of one shape (rows of ctx, None = all) as a (m, width) block at data[start:];
    ``chosen`` holds their templates (needed when the shape varies)."""
    m = len(ctx) if rows is None else len(rows)
    lanes = None
    if shape.lanes:
        # 32 random bits per word that has placeholders, from the row's own counters (two per draw)
        words = rnd.bits_matrix(ctx.key, ctx.rows if rows is None else np.take(ctx.rows, rows),
                                range(stream * 1000, stream * 1000 + (shape.lanes + 1) // 2))
        lanes = words.view(np.uint32)
    dtype = np.dtype(f"<u{shape.size}")
    for word in shape.words:
        out = np.ndarray((m,), dtype=dtype, buffer=data, offset=start + word.start, strides=(shape.width,))
        if word.n == 1 and word.offset is None:
            out[...] = word.table[0]
            continue
        if word.n > 1:
            idx = np.multiply(lanes[:, word.lane], word.n / _TWO_POW_32).astype(np.intp)  # exact floor
            if word.offset is not None:
                idx += np.take(word.offset, chosen)
        else:
            idx = np.take(word.offset, chosen)
        out[...] = np.take(word.table, idx)


def numerify(ctx: GenContext, templates: Templates, choice: np.ndarray | None = None,
             stream: int = 1, edit: Edit | None = None) -> pa.Array:
    """Fill one template per row (``choice`` indexes the templates; None means template 0 everywhere).

    Rows are grouped by template shape (a stable radix sort of small ints); each shape fills a
    fixed-width block of one flat byte buffer with a few table lookups per row (one per 4-byte word,
    32 random bits per word), and one Arrow take restores row order. ``edit`` may overwrite bytes of
    each block before assembly."""
    n = len(ctx)
    shape_of, shapes = templates.shapes
    chosen = None if choice is None else np.asarray(choice, dtype=np.intp)
    if len(shapes) == 1 or chosen is None:
        order = None
        counts = np.array([n], dtype=np.int64)
        shapes = shapes[shape_of[0]:shape_of[0] + 1] if chosen is None else shapes
    else:
        sid = np.take(shape_of.astype(np.uint8 if len(shapes) <= 256 else np.intp), chosen)
        order = np.argsort(sid, kind="stable")  # a radix sort for small ints
        counts = np.bincount(sid, minlength=len(shapes))
    widths = np.array([s.width for s in shapes], dtype=np.int64)
    total = int((counts * widths).sum())
    data = np.empty(total, dtype=np.uint8)
    offset_type = np.int32 if total < 2**31 else np.int64
    offsets = np.empty(n + 1, dtype=offset_type)
    offsets[0] = 0
    start = row0 = 0
    for s, shape in enumerate(shapes):
        m = int(counts[s])
        if m == 0:
            continue
        rows = None if order is None else order[row0:row0 + m]
        mine = None
        if shape.varies or edit is not None:
            mine = (np.zeros(n, dtype=np.intp) if chosen is None else chosen) if rows is None \
                else np.take(chosen, rows)
        _fill_shape(ctx, shape, rows, mine, stream, data, start)
        if edit is not None:
            edit(np.arange(n) if rows is None else rows, mine,
                 data[start:start + m * shape.width].reshape(m, shape.width))
        np.multiply(np.arange(1, m + 1, dtype=offset_type), shape.width, out=offsets[row0 + 1:row0 + m + 1])
        offsets[row0 + 1:row0 + m + 1] += start
        start += m * shape.width
        row0 += m
    arrow_type = pa.string() if offset_type is np.int32 else pa.large_string()
    arr = pa.Array.from_buffers(arrow_type, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    if order is not None:
        where = np.empty(n, dtype=offset_type)
        where[order] = np.arange(n, dtype=offset_type)
        arr = arr.take(pa.array(where))
    return arr.cast(pa.string()) if arrow_type != pa.string() else arr


@lru_cache(maxsize=1024)
def _picker(weights: bytes) -> WeightedIndex:
    w = np.frombuffer(weights, dtype=np.float64)
    return WeightedIndex(np.cumsum(w) / w.sum())


def pick(ctx: GenContext, weights: Sequence[float] | np.ndarray, stream: int) -> np.ndarray:
    """One index per row into ``weights`` (need not be normalised): inverse CDF of ctx.uniform(stream)."""
    w = np.asarray(weights, dtype=np.float64)
    if len(w) == 1:
        return np.zeros(len(ctx), dtype=np.int64)
    if len(w) > 4096:
        cdf = np.cumsum(w) / w.sum()
        return np.minimum(np.searchsorted(cdf, ctx.uniform(stream), side="right"), len(w) - 1)
    return _picker(w.tobytes()).from_bits(rnd.bits_blocked(ctx.key, ctx.rows, stream))


def literal(value: str, n: int) -> pa.Array:
    """The same string n times."""
    return pa.array([value], type=pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))


_FIELD = re.compile(r"\{\{(\w+)\}\}")


def weighted_formats(formats: Sequence[str] | Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    """Faker formats as (distinct formats, weights): repeated entries in a tuple count as weight."""
    weights: dict[str, float] = {}
    items = formats.items() if isinstance(formats, Mapping) else ((f, 1.0) for f in formats)
    for f, w in items:
        weights[f] = weights.get(f, 0.0) + float(w)
    return list(weights), np.array(list(weights.values()))


@dataclass(frozen=True)
class Coded:
    """A column as indices into a (small) dictionary of strings: vocabulary samples stay in this form
    until the final join, so assembling formats costs one cache-friendly take per part."""

    dictionary: pa.Array
    indices: np.ndarray

    def array(self) -> pa.Array:
        return self.dictionary.take(pa.array(self.indices, type=pa.int64()))


Field = pa.Array | Coded


def coded(vocab: Any, ctx: GenContext, stream: int = 0) -> Coded:
    """A vocabulary sample in coded form."""
    return Coded(vocab.values, vocab.indices(ctx, stream))


def _choose(candidates: Sequence[Field | None], code: np.ndarray, n: int) -> pa.Array | str | None:
    """Per row, the value of candidate code[row] (None = empty string): one take from the candidates'
    dictionaries laid end to end."""
    if len(candidates) == 1:
        only = candidates[0]
        if only is None:
            return None
        return only.array() if isinstance(only, Coded) else only
    dicts: list[pa.Array] = []
    idx = np.zeros(n, dtype=np.int64)
    offset = 0
    for c, cand in enumerate(candidates):
        rows = np.flatnonzero(code == c)
        if cand is None:
            dicts.append(pa.array([""], pa.string()))
            idx[rows] = offset
        elif isinstance(cand, Coded):
            dicts.append(cand.dictionary)
            idx[rows] = offset + cand.indices[rows]
        else:
            dicts.append(cand)
            idx[rows] = offset + rows
        offset += len(dicts[-1])
    return pa.concat_arrays(dicts).take(pa.array(idx))


def usable_formats(formats: Sequence[str] | Mapping[str, float], known: set[str],
                   fallback: Sequence[str] | Mapping[str, float]) -> Sequence[str] | Mapping[str, float]:
    """The formats whose fields are all in ``known`` (newlines made spaces); ``fallback`` if none is.
    Lets other locales' Faker formats work where they use fields this module does not provide."""
    names, weights = weighted_formats(formats)
    keep = {f.replace("\n", " ").strip(): w for f, w in zip(names, weights, strict=True)
            if set(_FIELD.findall(f)) <= known}
    return keep or fallback


def render_parts(ctx: GenContext, formats: Sequence[str] | Mapping[str, float],
                 fields: Callable[[str, int], Field], stream: int) -> list[pa.Array | str]:
    """:func:`render` before the final join: the list of parts (arrays and literal strings)."""
    names, weights = weighted_formats(formats)
    n = len(ctx)
    choice = pick(ctx, weights, stream)
    cache: dict[tuple[str, int], Field] = {}

    def field(key: tuple[str, int]) -> Field:
        if key not in cache:
            cache[key] = fields(*key)
        return cache[key]

    # each format as literal, field, literal, field, …, literal; fields keyed by (name, occurrence)
    parsed: list[list[Any]] = []
    for fmt in names:
        pieces: list[Any] = _FIELD.split(fmt)
        seen: dict[str, int] = {}
        for i in range(1, len(pieces), 2):
            k = seen.get(pieces[i], 0)
            seen[pieces[i]] = k + 1
            pieces[i] = (pieces[i], k)
        parsed.append(pieces)
    slots = max(len(p) // 2 for p in parsed)
    parts: list[pa.Array | str] = []
    for s in range(slots + 1):
        lits = [p[2 * s] if 2 * s < len(p) else "" for p in parsed]
        if len(set(lits)) == 1:
            if lits[0]:
                parts.append(lits[0])
        else:
            distinct = list(dict.fromkeys(lits))
            code = np.array([distinct.index(x) for x in lits])[choice]
            parts.append(pa.array(distinct, pa.string()).take(pa.array(code)))
        if s == slots:
            break
        keys = [p[2 * s + 1] if 2 * s + 1 < len(p) else None for p in parsed]
        distinct_keys = list(dict.fromkeys(keys))
        candidates = [None if k is None else field(k) for k in distinct_keys]
        code = np.array([distinct_keys.index(k) for k in keys])[choice]
        value = _choose(candidates, code, n)
        if value is not None:
            parts.append(value)
    return parts


def render(ctx: GenContext, formats: Sequence[str] | Mapping[str, float],
           fields: Callable[[str, int], Field], stream: int) -> pa.Array:
    """Assemble Faker ``{{field}}`` formats column-wise: one format per row (weighted), each field the
    values for all rows from ``fields(name, occurrence)`` (an array, or :class:`Coded` vocabulary
    indices) — the occurrence number lets a format that uses a field twice ("{{last_name}}-{{last_name}}")
    draw two independent values. Formats are aligned slot by slot, so the whole column is a handful of
    takes and one join, whatever the number of formats."""
    parts = render_parts(ctx, formats, fields, stream)
    if not any(isinstance(p, pa.Array) for p in parts):
        return literal("".join(p for p in parts if isinstance(p, str)), len(ctx))
    return strings.concat(parts)


def as_strings(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A column read through ctx.column() as a flat string array."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if arr.type != pa.string():
        arr = pc.cast(arr, pa.string())
    return arr


def by_distinct(arr: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply a vectorised string function to the distinct values of a column only, then expand."""
    encoded = pc.dictionary_encode(as_strings(arr))
    return fn(encoded.dictionary).take(encoded.indices)


def gender_codes(arr: pa.Array) -> np.ndarray:
    """Classify a gender column: 1 female, 2 male, 0 anything else (case-insensitive; accepts
    female/f/woman/weiblich/w/femme/Frau/Mrs/Mme/女…, male/m/man/männlich/homme/Herr/Mr/男…)."""

    def classify(values: pa.Array) -> pa.Array:
        low = pc.utf8_lower(pc.utf8_trim_whitespace(values))
        female = pc.match_substring_regex(low, r"^(f|w|女|mme|mlle|madame|mademoiselle|mrs|ms|miss)")
        male = pc.match_substring_regex(low, r"^(m|h|男)")
        return pc.if_else(female, 1, pc.if_else(male, 2, 0)).cast(pa.int8())

    codes = by_distinct(arr, classify)
    return np.asarray(pc.fill_null(codes, 0).to_numpy(zero_copy_only=False), dtype=np.int8)


# ---- vocabulary sources ---------------------------------------------------------------------------------

def merge_weighted(parts: Sequence[Sequence[str] | Mapping[str, float]]) -> dict[str, float]:
    """Combine lists (uniform) and weighted mappings, each part getting an equal share of the mass."""
    out: dict[str, float] = {}
    for part in parts:
        if isinstance(part, Mapping):
            total = float(sum(part.values())) or 1.0
            items = [(str(k), float(w) / total) for k, w in part.items()]
        else:
            items = [(str(k), 1.0 / max(1, len(part))) for k in part]
        for k, w in items:
            out[k] = out.get(k, 0.0) + w / len(parts)
    return out


def counted(values: Sequence[str]) -> dict[str, float]:
    """A Faker tuple where repeated entries mean weight, as value → count."""
    out: dict[str, float] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0.0) + 1.0
    return out


_SCRIPT_COLUMN = {"native": 0, "kana": 1, "romaji": 2}


@cache
def has_name_pairs(locale: str) -> bool:
    """True for locales whose Faker names come as (kanji, kana, romaji) pairs (ja_JP)."""
    try:
        faker_attr("person", locale, "last_name_pairs", fallback_locale=locale)
    except AttributeError:
        return False
    return True


def _first_names(locale: str, gender: str, script: str) -> Mapping[str, float]:
    genders = ("female", "male") if gender == "any" else (gender,)
    if has_name_pairs(locale):
        col = _SCRIPT_COLUMN[script]
        return merge_weighted([[p[col] for p in faker_attr("person", locale, f"first_name_{g}_pairs")]
                               for g in genders])
    return merge_weighted([faker_attr("person", locale, f"first_names_{g}") for g in genders])


def _last_names(locale: str, script: str) -> Mapping[str, float] | Sequence[str]:
    if has_name_pairs(locale):
        col = _SCRIPT_COLUMN[script]
        out: dict[str, float] = {}
        for pair, w in faker_attr("person", locale, "last_name_pairs").items():
            out[pair[col]] = out.get(pair[col], 0.0) + float(w)
        return out
    return faker_attr("person", locale, "last_names")


for _g in ("any", "female", "male"):
    for _s in _SCRIPT_COLUMN:
        source(f"person.first_name.{_g}.{_s}")(lambda loc, g=_g, s=_s: _first_names(loc, g, s))
for _s in _SCRIPT_COLUMN:
    source(f"person.last_name.{_s}")(lambda loc, s=_s: _last_names(loc, s))

# Honorifics where Faker has none (fr_FR's Faker "prefixes" are name particles, ja_JP has none).
_PREFIXES: dict[str, dict[str, dict[str, float]]] = {
    "fr_FR": {"female": {"Mme": 0.8, "Mlle": 0.08, "Dr": 0.09, "Pr": 0.03},
              "male": {"M.": 0.88, "Dr": 0.09, "Pr": 0.03}},
}
_SUFFIXES: dict[str, dict[str, float]] = {
    # Japanese honorifics follow the name: the closest thing to a name suffix.
    "ja_JP": {"様": 0.6, "さん": 0.3, "殿": 0.1},
}


def _titles(locale: str, kind: str, gender: str) -> Mapping[str, float]:
    genders = ("female", "male") if gender == "any" else (gender,)
    parts: list[Mapping[str, float]] = []
    for g in genders:
        if kind == "prefix" and locale in _PREFIXES:
            parts.append(_PREFIXES[locale][g])
            continue
        if kind == "suffix" and locale in _SUFFIXES:
            parts.append(_SUFFIXES[locale])
            continue
        try:
            values = faker_attr("person", locale, f"{kind}es_{g}", fallback_locale=locale)
        except AttributeError:
            try:
                values = faker_attr("person", locale, f"{kind}es", fallback_locale=locale)
            except AttributeError:
                values = faker_attr("person", "en_US", f"{kind}es_{g}")
        if isinstance(values, Mapping):
            parts.append(values)
        else:
            # Faker lists the everyday form of address first (Frau/Herr) then academic titles.
            vals = list(dict.fromkeys(values))
            rest = 0.2 / max(1, len(vals) - 1)
            parts.append({v: (0.8 if i == 0 and kind == "prefix" else rest if kind == "prefix" else 1.0)
                          for i, v in enumerate(vals)})
    return merge_weighted(parts)


for _g in ("any", "female", "male"):
    source(f"person.prefix.{_g}")(lambda loc, g=_g: _titles(loc, "prefix", g))
    source(f"person.suffix.{_g}")(lambda loc, g=_g: _titles(loc, "suffix", g))


@source("person.job")
def _jobs(locale: str) -> Sequence[str]:
    return faker_attr("job", locale, "jobs")


@source("person.language")
def _languages(locale: str) -> Sequence[str]:
    return faker_attr("person", locale, "language_names")


# ---- helpers for name generators ------------------------------------------------------------------------

def first_names(locale: str, gender: str = "any", script: str = "native") -> Vocabulary:
    """The weighted first-name vocabulary of a locale, gender (any/female/male) and script."""
    return vocabulary(f"person.first_name.{gender}.{script}", locale)


def last_names(locale: str, script: str = "native") -> Vocabulary:
    """The (frequency-weighted where known) family-name vocabulary of a locale and script."""
    return vocabulary(f"person.last_name.{script}", locale)


def _by_gender(ctx: GenContext, gender: str, gender_column: str | None, stream: int,
               vocab: Callable[[str], Any]) -> pa.Array:
    """Sample from per-gender vocabularies, following a gender column row by row when one is given."""
    if gender_column is None:
        return vocab(gender).sample(ctx, stream)
    codes = gender_codes(ctx.column(gender_column))
    out = vocab(gender).sample(ctx, stream)
    for code, g in ((1, "female"), (2, "male")):
        mask = codes == code
        if mask.any():
            out = pc.if_else(pa.array(mask), vocab(g).sample(ctx, stream), out)
    return out


def _first_capacity(p: Mapping[str, Any], locale: str) -> int:
    return len(first_names(locale, p.get("gender") or "any", p.get("script") or "native"))


# ---- generators -----------------------------------------------------------------------------------------

@generator("first_name", category="person", returns="string", example="Jennifer", aliases=("given_name",),
           supports_unique=True, capacity=_first_capacity,
           facts=NO_FACTS)
def first_name(ctx: GenContext, *, gender: Gender = "any", script: Script = "native",
               gender_column: OptionalColumnRef = None) -> pa.Array:
    """Given name, frequency-weighted; optionally by gender or following a gender column.

    gender=female|male restricts the list; gender_column reads a column of the same row (female/f/w/
    女 → female names, male/m/h/男 → male names). ja_JP: script=native (kanji), kana or romaji."""
    if ctx.unique:
        return first_names(ctx.locale, gender, script).unique_sample(ctx)
    return _by_gender(ctx, gender, gender_column, 0, lambda g: first_names(ctx.locale, g, script))


@generator("last_name", category="person", returns="string", example="Johnson",
           aliases=("surname", "family_name"), supports_unique=True,
           capacity=lambda p, loc: len(last_names(loc, p.get("script") or "native")),
           facts=NO_FACTS)
def last_name(ctx: GenContext, *, script: Script = "native") -> pa.Array:
    """Family name, frequency-weighted where the locale data has frequencies (en_US, ja_JP)."""
    vocab = last_names(ctx.locale, script)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


def _name_field(ctx: GenContext, name: str, k: int, gender: str, script: str) -> Field:
    """Resolve a Faker person-format field ({{first_name_female}}, {{last_kana_name}}, {{prefix}}…)."""
    m = re.fullmatch(r"(first|last)_(?:(kana|romanized)_)?name(?:_(female|male))?", name)
    stream = 10 + 7 * k
    if m:
        part, scr, g = m.groups()
        scr = {"kana": "kana", "romanized": "romaji"}.get(scr or "", script)
        if part == "first":
            return coded(first_names(ctx.locale, g or gender, scr), ctx, stream)
        return coded(last_names(ctx.locale, scr), ctx, stream + 1)
    m = re.fullmatch(r"(prefix|suffix)(?:_(female|male|nonbinary))?", name)
    if m:
        kind, g = m.groups()
        if kind == "prefix" and g is None and ctx.locale == "fr_FR":  # French name particles (de, du, Le)
            return coded(vocabulary("person.particle", ctx.locale), ctx, stream + 2)
        return coded(vocabulary(f"person.{kind}.{g if g in ('female', 'male') else gender}", ctx.locale),
                     ctx, stream + 3)
    raise KeyError(f"unsupported name format field {name!r}")


@source("person.particle")
def _particles(locale: str) -> Sequence[str]:
    return faker_attr("person", locale, "prefixes")


def _name_formats(locale: str, gender: str, script: str, titles: bool) -> list[str] | dict[str, float]:
    key = {"native": "", "kana": "kana_", "romaji": "romanized_"}[script] if has_name_pairs(locale) else ""
    attr = f"{key}formats" + ("" if gender == "any" else f"_{gender}")
    formats = faker_attr("person", locale, attr)
    names, weights = weighted_formats(formats)
    keep = [(f, w) for f, w in zip(names, weights, strict=True)
            if titles or not re.search(r"\{\{(prefix|suffix)_", f)]
    if not keep:
        keep = [(names[0], 1.0)]
    return dict(keep)


@generator("full_name", category="person", returns="string", example="Jennifer Johnson", aliases=("name",),
           facts=NO_FACTS)
def full_name(ctx: GenContext, *, gender: Gender = "any", script: Script = "native", titles: bool = False,
              first: OptionalColumnRef = None, last: OptionalColumnRef = None) -> pa.Array:
    """Full name in the locale's order and formats, or joined from first/last name columns.

    ja_JP puts the family name first; fr_FR has some double-barrelled and particle names; titles=true
    adds the locale's occasional honorifics and suffixes (Dr., PhD)."""
    if first or last:
        f = as_strings(ctx.column(first)) if first else first_names(ctx.locale, gender, script).sample(ctx, 10)
        la = as_strings(ctx.column(last)) if last else last_names(ctx.locale, script).sample(ctx, 11)
        if has_name_pairs(ctx.locale) and script != "romaji":
            return strings.concat([la, f], sep=" ")
        return strings.concat([f, la], sep=" ")
    formats = _name_formats(ctx.locale, gender, script, titles)
    return render(ctx, formats, lambda name, k: _name_field(ctx, name, k, gender, script), stream=1)


@generator("name_prefix", category="person", returns="string", example="Mrs.", aliases=("honorific",),
           facts=NO_FACTS)
def name_prefix(ctx: GenContext, *, gender: Gender = "any", gender_column: OptionalColumnRef = None) -> pa.Array:
    """Form of address (Mr./Mrs./Dr., Herr/Frau, M./Mme), optionally following a gender column.

    ja_JP has no prefixes and uses the en_US ones."""
    return _by_gender(ctx, gender, gender_column, 0, lambda g: vocabulary(f"person.prefix.{g}", ctx.locale))


@generator("name_suffix", category="person", returns="string", example="PhD",
           facts=NO_FACTS)
def name_suffix(ctx: GenContext, *, gender: Gender = "any") -> pa.Array:
    """Name suffix or post-nominal (Jr., III, PhD; de_DE academic degrees; ja_JP honorifics 様/さん)."""
    return vocabulary(f"person.suffix.{gender}", ctx.locale).sample(ctx)


@generator("gender", category="person", returns="string", example="female", aliases=("sex",),
           facts=NO_FACTS)
def gender(ctx: GenContext, *, p_female: float = 0.5, nonbinary: float = 0.0,
           style: Literal["word", "letter"] = "word") -> pa.Array:
    """Gender: female/male (style=letter: F/M), with an optional share of nonbinary (X)."""
    u = ctx.uniform()
    labels = ["female", "male", "nonbinary"] if style == "word" else ["F", "M", "X"]
    code = np.where(u < nonbinary, 2, np.where(u < nonbinary + (1 - nonbinary) * p_female, 0, 1))
    return pa.array(labels, type=pa.string()).take(pa.array(code))


@generator("job_title", category="person", returns="string", example="Software engineer",
           aliases=("job", "occupation"), supports_unique=True,
           capacity=lambda _p, loc: len(vocabulary("person.job", loc)),
           facts=NO_FACTS)
def job_title(ctx: GenContext) -> pa.Array:
    """Job title / occupation from the locale's list."""
    vocab = vocabulary("person.job", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


@generator("language_name", category="person", returns="string", example="Spanish", aliases=("language",),
           supports_unique=True, capacity=lambda _p, loc: len(vocabulary("person.language", loc)),
           facts=NO_FACTS)
def language_name(ctx: GenContext) -> pa.Array:
    """A spoken language's English name (ISO 639 list)."""
    vocab = vocabulary("person.language", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)
