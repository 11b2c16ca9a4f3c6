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
from functools import cache
from typing import Annotated, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import strings
from mock_pipelines.core.registry import COLUMN_REF, GenContext, generator
from mock_pipelines.core.vocab import Vocabulary, faker_attr, source, vocabulary

Gender = Literal["any", "female", "male"]
# An optional reference to another column (the registry recognises Annotated[..., COLUMN_REF] only).
OptionalColumnRef = Annotated[str | None, COLUMN_REF]
Script = Literal["native", "kana", "romaji"]

# ---- vectorised template helpers (shared by address, phone, internet, company) -------------------------

# placeholder byte -> (first character, number of choices)
_PLACEHOLDERS = {ord("#"): (ord("0"), 10), ord("%"): (ord("1"), 9), ord("$"): (ord("2"), 8),
                 ord("!"): (ord("0"), 10), ord("@"): (ord("1"), 9)}
_LETTER = (ord("A"), 26)


@dataclass(frozen=True)
class Templates:
    """Fixed templates compiled to byte tables: literals copied, placeholders filled per row."""

    base: np.ndarray     # (T, W) uint8: the literal byte, or the first character of a placeholder
    span: np.ndarray     # (T, W) uint32: 0 for literals, the number of choices for placeholders
    lengths: np.ndarray  # (T,) int64 byte lengths

    def __len__(self) -> int:
        return len(self.lengths)


def compile_templates(templates: Sequence[str], letters: bool = False) -> Templates:
    """Compile numerify templates: '#' digit, '%' 1-9, '$' 2-9 ('!'/'@' as '#'/'%'); '?' an upper-case
    letter when ``letters``. Other characters (any UTF-8) are literal."""
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


def ragged(matrix: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """Rows of a (n, w) uint8 matrix, row i cut to lengths[i] bytes, as an Arrow string array."""
    n, width = matrix.shape
    lengths = np.asarray(lengths, dtype=np.int64)
    if n and (lengths == width).all():
        return strings.from_bytes_matrix(matrix)
    data = np.ascontiguousarray(matrix)[np.arange(width) < lengths[:, None]]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] < 2**31:
        return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.astype(np.int32)),
                                                      pa.py_buffer(data)])
    big = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return big.cast(pa.string())


def numerify(ctx: GenContext, templates: Templates, choice: np.ndarray | None = None,
             stream: int = 1) -> pa.Array:
    """Fill one template per row (``choice`` indexes the templates; None means template 0 everywhere)."""
    return ragged(*numerify_matrix(ctx, templates, choice, stream))


def numerify_matrix(ctx: GenContext, templates: Templates, choice: np.ndarray | None = None,
                    stream: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """:func:`numerify` before conversion: the filled (rows, width) byte matrix and each row's length."""
    n = len(ctx)
    width = templates.base.shape[1]
    if choice is None:
        base = np.broadcast_to(templates.base[0], (n, width))
        span = np.broadcast_to(templates.span[0], (n, width))
        lengths = np.full(n, templates.lengths[0], dtype=np.int64)
    else:
        base, span, lengths = templates.base[choice], templates.span[choice], templates.lengths[choice]
    rand = random_u16(ctx, width, stream).astype(np.uint32)
    rand *= span
    rand >>= 16
    return (base + rand).astype(np.uint8), lengths


def pick(ctx: GenContext, weights: Sequence[float] | np.ndarray, stream: int) -> np.ndarray:
    """One index per row into ``weights`` (need not be normalised)."""
    w = np.asarray(weights, dtype=np.float64)
    if len(w) == 1:
        return np.zeros(len(ctx), dtype=np.int64)
    cdf = np.cumsum(w) / w.sum()
    return np.minimum(np.searchsorted(cdf, ctx.uniform(stream), side="right"), len(w) - 1)


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
           supports_unique=True, capacity=_first_capacity)
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
           capacity=lambda p, loc: len(last_names(loc, p.get("script") or "native")))
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


@generator("full_name", category="person", returns="string", example="Jennifer Johnson", aliases=("name",))
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


@generator("name_prefix", category="person", returns="string", example="Mrs.", aliases=("honorific",))
def name_prefix(ctx: GenContext, *, gender: Gender = "any", gender_column: OptionalColumnRef = None) -> pa.Array:
    """Form of address (Mr./Mrs./Dr., Herr/Frau, M./Mme), optionally following a gender column.

    ja_JP has no prefixes and uses the en_US ones."""
    return _by_gender(ctx, gender, gender_column, 0, lambda g: vocabulary(f"person.prefix.{g}", ctx.locale))


@generator("name_suffix", category="person", returns="string", example="PhD")
def name_suffix(ctx: GenContext, *, gender: Gender = "any") -> pa.Array:
    """Name suffix or post-nominal (Jr., III, PhD; de_DE academic degrees; ja_JP honorifics 様/さん)."""
    return vocabulary(f"person.suffix.{gender}", ctx.locale).sample(ctx)


@generator("gender", category="person", returns="string", example="female", aliases=("sex",))
def gender(ctx: GenContext, *, p_female: float = 0.5, nonbinary: float = 0.0,
           style: Literal["word", "letter"] = "word") -> pa.Array:
    """Gender: female/male (style=letter: F/M), with an optional share of nonbinary (X)."""
    u = ctx.uniform()
    labels = ["female", "male", "nonbinary"] if style == "word" else ["F", "M", "X"]
    code = np.where(u < nonbinary, 2, np.where(u < nonbinary + (1 - nonbinary) * p_female, 0, 1))
    return pa.array(labels, type=pa.string()).take(pa.array(code))


@generator("job_title", category="person", returns="string", example="Software engineer",
           aliases=("job", "occupation"), supports_unique=True,
           capacity=lambda _p, loc: len(vocabulary("person.job", loc)))
def job_title(ctx: GenContext) -> pa.Array:
    """Job title / occupation from the locale's list."""
    vocab = vocabulary("person.job", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


@generator("language_name", category="person", returns="string", example="Spanish", aliases=("language",),
           supports_unique=True, capacity=lambda _p, loc: len(vocabulary("person.language", loc)))
def language_name(ctx: GenContext) -> pa.Array:
    """A spoken language's English name (ISO 639 list)."""
    vocab = vocabulary("person.language", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)
