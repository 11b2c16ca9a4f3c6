"""Internet identities: emails, user names, domains, URLs, slugs and passwords.

Everything here is plain ASCII. Names are folded once per distinct value (lower-case, the locale's
transliterations such as ä→ae, accents stripped; ja_JP kanji/kana names mapped to their romanisation from
Faker's name pairs), so an email built from the first/last name columns of a row looks like that person's.
Unique mode appends a fixed-width base-36 token derived from a keyed permutation of the row index,
after a '.' that cannot occur inside it: distinct rows give distinct values by construction.
"""

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pydantic

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts
from mock_pipelines.core.generators.person import OptionalColumnRef, has_name_pairs
from mock_pipelines.core.generators.templating import (
    Coded,
    Field,
    as_strings,
    coded,
    counted,
    pick,
    random_u16,
    render,
    weighted_formats,
)
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import FAKER, faker_attr, faker_data, sampled_from, source, vocabulary

# Transliterations every locale gets (after the locale's own Faker table): letters NFKD cannot split.
_EXTRA_REPLACEMENTS = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("ł", "l"), ("đ", "d"),
                       ("þ", "th"), ("ı", "i"))
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_FIELD = re.compile(r"\{\{(\w+)\}\}")
_MAX_PART = 20  # cap each name part of a local part (RFC 5321 allows 64 octets in all)


@cache
def _replacements(locale: str) -> tuple[tuple[str, str], ...]:
    table = [(a.lower(), b.lower()) for a, b in faker_data("internet", locale, "replacements")]
    return tuple(dict(table + list(_EXTRA_REPLACEMENTS)).items())


def fold(value: str, locale: str) -> str:
    """ASCII-fold one string (used when building vocabularies, once per locale)."""
    s = value.lower()
    for a, b in _replacements(locale):
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s)
    return _NOT_ALNUM.sub("", s)[:_MAX_PART]


@cache
def _cased_replacements(locale: str) -> tuple[tuple[str, str], ...]:
    """The same transliterations as :func:`_replacements`, keeping case (Ä → Ae, Æ → Ae)."""
    upper = [(a.upper(), b.capitalize()) for a, b in _EXTRA_REPLACEMENTS if len(a.upper()) == 1 and a.upper() != a]
    pairs = [(a, b) for a, b in faker_data("internet", locale, "replacements")]
    return tuple(dict([*pairs, *_EXTRA_REPLACEMENTS, *upper]).items())


@cache
def _romaji_names(locale: str) -> dict[str, str]:
    """ja_JP: every kanji/kana/romaji first and last name → its romanisation (as Faker spells it)."""
    names: dict[str, str] = {}
    if not has_name_pairs(locale):
        return names
    pairs = [*faker_attr("person", locale, "first_name_pairs"), *faker_attr("person", locale, "last_name_pairs")]
    for pair in pairs:
        for form in pair:
            names.setdefault(form, pair[2])
    return names


@cache
def _romaji_table(locale: str) -> tuple[pa.Array, pa.Array]:
    """ja_JP: every kanji/kana/romaji first and last name → its lower-case romanisation."""
    names = _romaji_names(locale)
    return pa.array(list(names), pa.string()), pa.array([fold(v, locale) for v in names.values()], pa.string())


def transliterate(value: str, locale: str) -> str:
    """ASCII text for one string, keeping case and punctuation: a ja_JP name becomes its romanisation, the
    locale's transliterations apply (de_DE ä → ae), as for e-mail addresses; anyascii spells whatever those
    do not cover (accents, other scripts). Lower-cased and reduced to letters and digits, a name gives the
    same text as the name part of an e-mail address (:func:`fold`)."""
    from anyascii import anyascii

    value = _romaji_names(locale).get(value.strip(), value)
    for a, b in _cased_replacements(locale):
        value = value.replace(a, b)
    return value if value.isascii() else anyascii(value)


def _fold_distinct(distinct: pa.Array, locale: str) -> pa.Array:
    s = pc.utf8_lower(distinct)
    for a, b in _replacements(locale):
        s = pc.replace_substring(s, a, b)
    s = pc.utf8_normalize(s, form="NFKD")
    s = pc.replace_substring_regex(s, _NOT_ALNUM.pattern, "")
    s = pc.utf8_slice_codeunits(s, 0, _MAX_PART)
    if has_name_pairs(locale):
        keys, romaji = _romaji_table(locale)
        mapped = romaji.take(pc.index_in(pc.utf8_trim_whitespace(distinct), value_set=keys))
        s = pc.coalesce(mapped, s)
    return pc.fill_null(s, "")


@cache
def _folded_vocabulary(name: str, vocab_locale: str, locale: str) -> pa.Array:
    """A vocabulary's values ASCII-folded for ``locale`` (once per process)."""
    return _fold_distinct(vocabulary(name, vocab_locale).values, locale)


def fold_coded(values: pa.Array, locale: str) -> Coded:
    """ASCII-fold a column, vectorised over its distinct values; "" where nothing ASCII remains (nulls
    too). Returns the folded distinct values and each row's index into them.

    A column that is, unchanged, a vocabulary sample (a first_name column read by an email) is not hashed
    again: its vocabulary indices index the vocabulary folded once per process."""
    hit = sampled_from(values)
    if hit is not None:
        vocab, idx = hit
        return Coded(_folded_vocabulary(vocab.name, vocab.locale, locale), idx)
    encoded = pc.dictionary_encode(as_strings(values))
    folded = pa.concat_arrays([_fold_distinct(encoded.dictionary, locale), pa.array([""], pa.string())])
    idx = pc.fill_null(encoded.indices, len(folded) - 1).to_numpy(zero_copy_only=False)
    return Coded(folded, np.asarray(idx, dtype=np.int64))


def fold_array(values: pa.Array, locale: str) -> pa.Array:
    """ASCII-fold a column (see :func:`fold_coded`)."""
    return fold_coded(values, locale).array()


# ---- vocabularies ------------------------------------------------------------------------------------------

def _folded(values: Sequence[str] | dict[str, float], locale: str) -> dict[str, float]:
    items = values.items() if isinstance(values, dict) else ((v, 1.0) for v in values)
    out: dict[str, float] = {}
    for v, w in items:
        f = fold(v, locale)
        if f:
            out[f] = out.get(f, 0.0) + float(w)
    return out


@source("internet.first_ascii")
def _first_ascii(locale: str) -> dict[str, float]:
    # locales whose names have no Latin form (zh_CN…) fall back to en_US names
    return (_folded(_person_weights("person.first_name.any.romaji", locale), locale)
            or _folded(_person_weights("person.first_name.any.romaji", "en_US"), "en_US"))


@source("internet.last_ascii")
def _last_ascii(locale: str) -> dict[str, float]:
    return (_folded(_person_weights("person.last_name.romaji", locale), locale)
            or _folded(_person_weights("person.last_name.romaji", "en_US"), "en_US"))


def _person_weights(name: str, locale: str) -> dict[str, float]:
    vocab = vocabulary(name, locale)
    values = vocab.values.to_pylist()
    if vocab.cdf is None:
        return dict.fromkeys(values, 1.0)
    return dict(zip(values, np.diff(vocab.cdf, prepend=0.0).tolist(), strict=True))


_COUNTED = ("mock_pipelines.core.generators.templating",)  # counted() weighs Faker's lists


@source("internet.free_email_domain", packages=FAKER, modules=_COUNTED)
def _free_domains(locale: str) -> dict[str, float]:
    return counted(faker_attr("internet", locale, "free_email_domains"))


@source("internet.tld", packages=FAKER, modules=_COUNTED)
def _tlds(locale: str) -> dict[str, float]:
    return counted(faker_attr("internet", locale, "tlds"))


for _attr in ("uri_paths", "uri_pages", "uri_extensions", "url_formats"):
    source(f"internet.{_attr}", packages=FAKER, modules=_COUNTED)(lambda loc, a=_attr: counted(faker_attr("internet", loc, a)))


@source("internet.slug_words", packages=FAKER)
def _slug_words(_locale: str) -> list[str]:
    words = {w.lower().replace(" ", "-") for group in faker_attr("company", "en_US", "bsWords") for w in group}
    return sorted(w for w in words if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", w))


# ---- building blocks ---------------------------------------------------------------------------------------

_BASE36 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
# the two base-36 digits of 0..1295 as little-endian uint16 (memory order: high digit first)
_BASE36_PAIRS = np.ascontiguousarray(
    np.stack([_BASE36[np.arange(1296) // 36], _BASE36[np.arange(1296) % 36]], axis=1)).view("<u2").ravel()


def _token_bits(ctx: GenContext) -> tuple[int, int]:
    """(bits of the bijection, characters of the token): a function of the table size only."""
    total = max(ctx.table_rows or 2**31, int(ctx.rows.max()) + 1 if len(ctx) else 1)
    bits = max(20, math.ceil(math.log2(total)))
    return bits, math.ceil(bits * math.log(2) / math.log(36) - 1e-9)


def _write_tokens(ctx: GenContext, rows: np.ndarray, data: np.ndarray, start: int, stride: int) -> None:
    """Write the tokens of ``rows`` (global row indices) into the flat byte buffer ``data``: row i's
    token at data[start + i * stride:], in cache-sized blocks."""
    bits, width = _token_bits(ctx)
    # = ctx.unique_index(2**bits) of these rows: a keyed bijection (no cycle-walking at a power of two)
    values = rnd.permute_pow2_blocked(rows & (2**bits - 1), bits, ctx.key).view(np.int64)
    for first in range(0, len(values), rnd.BLOCK):
        v = values[first:first + rnd.BLOCK]
        at = start + first * stride
        j = width
        while j >= 2:  # two digits per step, least significant first
            high = v // 1296  # division by a constant: vectorised, unlike divmod
            pair = v - high * 1296
            v = high
            j -= 2
            view = np.ndarray((len(v),), dtype="<u2", buffer=data, offset=at + j, strides=(stride,))
            view[...] = np.take(_BASE36_PAIRS, pair)
        if j:
            view = np.ndarray((len(v),), dtype=np.uint8, buffer=data, offset=at, strides=(stride,))
            view[...] = np.take(_BASE36, v % 36)


def _unique_token_bytes(ctx: GenContext, prefix: bytes = b"") -> np.ndarray:
    """(rows, len(prefix) + width) bytes: ``prefix`` then the row's token (see :func:`unique_token`)."""
    width = len(prefix) + _token_bits(ctx)[1]
    out = np.empty((len(ctx), width), dtype=np.uint8)
    out[:, :len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    _write_tokens(ctx, ctx.rows, out.reshape(-1), len(prefix), width)
    return out


def unique_token(ctx: GenContext) -> pa.Array:
    """Fixed-width lower-case base-36 token, a keyed bijection of the row index (distinct per row).

    The bijection is over a power of two (no cycle-walking): 2**31 (6 characters) unless the table is
    declared larger; the width depends only on the table size, never on the chunk being generated.
    """
    return strings.from_bytes_matrix(_unique_token_bytes(ctx))


def _name_part(ctx: GenContext, ref: str | None, vocab_name: str, stream: int) -> tuple[Coded, bool]:
    """Folded names from a column, rows whose name folds to nothing getting a sampled ASCII name instead;
    or sampled names when no column is given. The flag is True when the dictionary is shared by every
    batch (a vocabulary, or a vocabulary folded once), so that what is built from it can be cached."""
    vocab = vocabulary(vocab_name, ctx.locale)
    if ref is None:
        return coded(vocab, ctx, stream), True
    column = ctx.column(ref)
    names = fold_coded(column, ctx.locale)
    shared = sampled_from(column) is not None
    empty = np.asarray(pc.equal(names.dictionary, "").to_numpy(zero_copy_only=False), dtype=bool)
    if not empty.any():
        return names, shared
    rows = np.flatnonzero(empty[names.indices])
    if len(rows) == 0:
        return names, shared
    idx = names.indices.copy()
    idx[rows] = len(names.dictionary) + vocab.indices(replace(ctx, rows=ctx.rows[rows]), stream)
    return Coded(pa.concat_arrays([names.dictionary, vocab.values]), idx), False


_LOCAL_FORMATS = {
    "{{first}}.{{last}}": 0.30, "{{first}}{{last}}": 0.10, "{{f}}{{last}}": 0.15, "{{first}}_{{last}}": 0.08,
    "{{last}}.{{first}}": 0.05, "{{first}}{{nn}}": 0.10, "{{first}}.{{last}}{{nn}}": 0.12,
    "{{f}}{{last}}{{nn}}": 0.10,
}


@cache
def _two_digits() -> pa.Array:
    # built on first use: pyarrow imports pandas on its first pa.array call, which loading the catalogue must not
    return pa.array([f"{i:02d}" for i in range(100)], pa.string())


_SOURCES = ("first", "last", "nn", None)  # where a piece's row index comes from ("f" is the first name)

Piece = tuple[str | None, str]  # a field and the literal that follows it ("john.")


@dataclass(frozen=True)
class _LocalPlan:
    """The local-part formats cut into pieces, each one dictionary lookup per row: a field with the
    literal that follows it ("john.")."""

    weights: np.ndarray
    groups: tuple[Piece, ...]  # distinct pieces
    group: np.ndarray          # (formats, pieces) group of each piece (padding: the empty piece)


def _source(field: str | None) -> int:
    return _SOURCES.index("first" if field == "f" else field)


@cache
def _local_plan() -> _LocalPlan:
    names, weights = weighted_formats(_LOCAL_FORMATS)
    groups: dict[Piece, int] = {}
    table = []
    for fmt in names:
        parts = _FIELD.split(fmt)
        row = [groups.setdefault((None, parts[0]), len(groups))] if parts[0] else []
        row += [groups.setdefault((parts[i], parts[i + 1]), len(groups)) for i in range(1, len(parts), 2)]
        table.append(row)
    pad = groups.setdefault((None, ""), len(groups))
    width = max(len(r) for r in table)
    group = np.array([r + [pad] * (width - len(r)) for r in table], dtype=np.intp)
    return _LocalPlan(weights, tuple(groups), group)


def _local_dictionary(f: pa.Array, la: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Every piece laid end to end (first names + ".", last names, "00".."99", …) and the offset of
    each piece group."""
    segments = []
    for field, lit in _local_plan().groups:
        values = {"first": f, "f": f, "last": la, "nn": _two_digits(), None: pa.array([""], pa.string())}[field]
        if field == "f":
            values = pc.utf8_slice_codeunits(values, 0, 1)
        segments.append(pc.binary_join_element_wise(values, lit, "") if lit else values)
    sizes = np.array([len(x) for x in segments], dtype=np.int64)
    return pa.concat_arrays(segments), np.concatenate([[0], np.cumsum(sizes)[:-1]])


_LOCAL_CACHE: dict[tuple[int, int], tuple[pa.Array, pa.Array, tuple[pa.Array, np.ndarray]]] = {}


def _shared_local_dictionary(f: pa.Array, la: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """:func:`_local_dictionary` of dictionaries shared by all batches, built once."""
    entry = _LOCAL_CACHE.get((id(f), id(la)))
    if entry is not None and entry[0] is f and entry[1] is la:
        return entry[2]
    if len(_LOCAL_CACHE) >= 32:
        _LOCAL_CACHE.clear()
    built = _local_dictionary(f, la)
    _LOCAL_CACHE[(id(f), id(la))] = (f, la, built)
    return built


class _Pieces:
    """Rows assembled from ``width`` pieces each, all taken from one dictionary laid end to end from
    segments: see :func:`strings.gather_join`. Column k holds each row's index of its k-th piece."""

    def __init__(self, n: int, width: int):
        self.segments: list[pa.Array] = []
        self.size = 0
        # a dictionary holds at most a few per-row segments and small vocabularies
        self.matrix = np.empty((n, width), dtype=np.int32 if 4 * n + 2**24 < 2**31 else np.int64)
        self.filled = 0

    def segment(self, values: pa.Array) -> int:
        """Add values to the dictionary; returns the index of the first."""
        start = self.size
        self.segments.append(values)
        self.size += len(values)
        return start

    def column(self) -> np.ndarray:
        """The next column of the index matrix, to fill."""
        self.filled += 1
        return self.matrix[:, self.filled - 1]

    def add(self, values: pa.Array, idx: np.ndarray | int) -> None:
        """A piece: values[idx] (idx per row, or one index for all rows)."""
        np.add(idx, self.segment(values), out=self.column(), casting="unsafe")

    def join(self) -> pa.Array:
        assert self.filled == self.matrix.shape[1]
        dictionary = self.segments[0] if len(self.segments) == 1 else pa.concat_arrays(self.segments)
        return strings.gather_join(dictionary, self.matrix)


def _choose_source(code: np.ndarray, weights: np.ndarray, fmt: np.ndarray,
                   sources: dict[str | None, np.ndarray | int]) -> np.ndarray | int:
    """Per row, the source array named by code[fmt]: the most used one, replaced where others apply."""
    by_weight = np.bincount(code, weights=weights, minlength=len(_SOURCES))
    order = [c for c in np.argsort(-by_weight, kind="stable").tolist() if by_weight[c] > 0]
    src = sources[_SOURCES[order[0]]]
    for c in order[1:]:
        src = np.where(np.take(code == c, fmt), sources[_SOURCES[c]], src)
    return src


def _local_pieces(ctx: GenContext, first: str | None, last: str | None, pieces: _Pieces) -> None:
    """Add the pieces of the user-name style local part (john.smith, jsmith84, smith.john …) from
    first/last names; unique mode appends '.' and the row token."""
    f, shared_f = _name_part(ctx, first, "internet.first_ascii", 1)
    la, shared_l = _name_part(ctx, last, "internet.last_ascii", 2)
    plan = _local_plan()
    build = _shared_local_dictionary if shared_f and shared_l else _local_dictionary
    dictionary, offsets = build(f.dictionary, la.dictionary)
    base = pieces.segment(dictionary)
    fmt = pick(ctx, plan.weights, 3)
    sources: dict[str | None, np.ndarray | int] = {"first": f.indices, "last": la.indices, None: 0}
    if any(field == "nn" for field, _ in plan.groups):
        sources["nn"] = rnd.integers_blocked(ctx.key, ctx.rows, 100, 4)  # = ctx.integers(100, 4)
    for k in range(plan.group.shape[1]):
        groups = plan.group[:, k]
        col = pieces.column()
        np.take((offsets[groups] + base).astype(col.dtype), fmt, out=col)
        src = _choose_source(np.array([_source(plan.groups[g][0]) for g in groups]), plan.weights, fmt, sources)
        np.add(col, src, out=col, casting="unsafe")
    if ctx.unique:
        pieces.add(strings.from_bytes_matrix(_unique_token_bytes(ctx, b".")), np.arange(len(ctx)))


def _local_width(ctx: GenContext) -> int:
    """Pieces of the local part (see :func:`_local_pieces`)."""
    return _local_plan().group.shape[1] + bool(ctx.unique)


def local_part(ctx: GenContext, first: str | None, last: str | None) -> pa.Array:
    """user-name style local part from first/last names (john.smith, jsmith84, smith.john …); unique mode
    appends '.' and the row token."""
    pieces = _Pieces(len(ctx), _local_width(ctx))
    _local_pieces(ctx, first, last, pieces)
    return pieces.join()


@cache
def _at_domains(locale: str) -> pa.Array:
    return pc.binary_join_element_wise("@", vocabulary("internet.free_email_domain", locale).values, "")


_DOMAIN_FORMATS = {"{{w}}.{{tld}}": 0.7, "{{w}}-{{w}}.{{tld}}": 0.2, "{{w}}{{w}}.{{tld}}": 0.1}


def company_domain(ctx: GenContext, stream: int = 6) -> pa.Array:
    """Company-like domain: smith.com, baker-jones.net, …"""

    def field(name: str, k: int) -> Field:
        if name == "tld":
            return coded(vocabulary("internet.tld", ctx.locale), ctx, stream + 1)
        return coded(vocabulary("internet.last_ascii", ctx.locale), ctx, stream + 2 + k)

    return render(ctx, _DOMAIN_FORMATS, field, stream=stream)


# ---- generators --------------------------------------------------------------------------------------------

@generator("email", category="internet", returns="string", example="jennifer.johnson84@gmail.com",
           aliases=("email_address",), supports_unique=True,
           facts=Facts(regex=lambda _p, _l: r"^[^@\s]+@[^@\s]+\.[^@\s]+$"))
def email(ctx: GenContext, *, first: OptionalColumnRef = None, last: OptionalColumnRef = None,
          domain: str | None = None, free: bool = True) -> pa.Array:
    """Email address, built from this row's first/last name columns when given.

    Names are ASCII-folded (Jürgen → juergen; ja_JP romanised). free=true uses the locale's free-mail
    providers, free=false company-like domains, domain= a fixed domain. Unique mode appends a row-derived
    token, so uniqueness holds at any row count."""
    pieces = _Pieces(len(ctx), _local_width(ctx) + (1 if domain or free else 2))
    _local_pieces(ctx, first, last, pieces)
    if domain:
        pieces.add(pa.array(["@" + domain.strip().lstrip("@").lower()], pa.string()), 0)
    elif free:
        pieces.add(_at_domains(ctx.locale), vocabulary("internet.free_email_domain", ctx.locale).indices(ctx, 5))
    else:
        pieces.add(pa.array(["@"], pa.string()), 0)
        pieces.add(company_domain(ctx, 6), np.arange(len(ctx)))
    return pieces.join()


@generator("user_name", category="internet", returns="string", example="jjohnson84",
           aliases=("username", "login"), supports_unique=True,
           facts=NO_FACTS)
def user_name(ctx: GenContext, *, first: OptionalColumnRef = None, last: OptionalColumnRef = None) -> pa.Array:
    """Login name like john.smith or jsmith84, from this row's name columns when given.

    Unique mode appends a row-derived token."""
    return local_part(ctx, first, last)


@generator("free_email_domain", category="internet", returns="string", example="gmail.com",
           supports_unique=True, capacity=lambda _p, loc: len(vocabulary("internet.free_email_domain", loc)),
           facts=NO_FACTS)
def free_email_domain(ctx: GenContext) -> pa.Array:
    """Free-mail provider domain popular in the locale (gmx.de, orange.fr, gmail.com…)."""
    vocab = vocabulary("internet.free_email_domain", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


@generator("domain_name", category="internet", returns="string", example="johnson-miller.com",
           aliases=("domain",), supports_unique=True,
           facts=NO_FACTS)
def domain_name(ctx: GenContext) -> pa.Array:
    """Company-like domain name (smith.com, baker-jones.net); unique mode adds a row-derived token."""
    if not ctx.unique:
        return company_domain(ctx, 6)
    word = vocabulary("internet.last_ascii", ctx.locale).sample(ctx, 8)
    tld = vocabulary("internet.tld", ctx.locale).sample(ctx, 7)
    return strings.concat([word, "-", unique_token(ctx), ".", tld])


@generator("tld", category="internet", returns="string", example="com", aliases=("top_level_domain",),
           facts=NO_FACTS)
def tld(ctx: GenContext) -> pa.Array:
    """Top-level domain, weighted as in the locale's data (com, net, org, de, fr…)."""
    return vocabulary("internet.tld", ctx.locale).sample(ctx)


@generator("url", category="internet", returns="string", example="https://www.johnson-miller.com/blog/index.html",
           aliases=("uri", "website"),
           facts=NO_FACTS)
def url(ctx: GenContext, *, scheme: str = "https", path: bool = False) -> pa.Array:
    """Web URL on a company-like domain, optionally with a page path (path=true)."""
    # Faker's url_formats are "www.{{domain_name}}/" and "{{domain_name}}/"
    www = pc.match_substring(vocabulary("internet.url_formats", ctx.locale).sample(ctx, 1), "www.")
    prefix = pc.if_else(www, pa.scalar(f"{scheme}://www."), pa.scalar(f"{scheme}://"))
    pieces: list[pa.Array | str] = [prefix, company_domain(ctx, 6), "/"]
    if path:
        pieces += [vocabulary("internet.uri_paths", ctx.locale).sample(ctx, 10), "/",
                   vocabulary("internet.uri_pages", ctx.locale).sample(ctx, 11),
                   vocabulary("internet.uri_extensions", ctx.locale).sample(ctx, 12)]
    return strings.concat(pieces)


@generator("slug", category="internet", returns="string", example="streamline-scalable-synergies",
           supports_unique=True,
           facts=NO_FACTS)
def slug(ctx: GenContext, *, words: Annotated[int, pydantic.Field(ge=1, le=100)] = 3) -> pa.Array:
    """URL slug of lower-case words joined by hyphens; unique mode adds a row-derived token."""
    vocab = vocabulary("internet.slug_words", ctx.locale)
    parts: list[pa.Array | str] = [vocab.sample(ctx, 20 + i) for i in range(max(1, words))]
    if ctx.unique:
        parts.append(unique_token(ctx))
    return strings.concat(parts, sep="-")


_SPECIAL = b"!@#$%^&*()-_=+?"


@generator("password", category="internet", returns="string", example="q7R!vX2m@kLp",
           facts=NO_FACTS)
def password(ctx: GenContext, *, length: int = 12, special: bool = True) -> pa.Array:
    """Random password with lower- and upper-case letters, digits and (optionally) symbols.

    Every class appears at least once when length allows; special=false leaves out symbols."""
    if length < 1:
        raise ValueError("password length must be at least 1")
    classes = [strings.LOWER, strings.UPPER, strings.DIGITS]
    if special:
        classes.append(np.frombuffer(_SPECIAL, dtype=np.uint8))
    alphabet = np.concatenate(classes)
    r = random_u16(ctx, length, 1).astype(np.uint32)
    out = alphabet[(r * len(alphabet)) >> 16]
    if length >= len(classes):
        # put one character of each class at distinct random positions
        positions = np.argsort(random_u16(ctx, length, 2), axis=1)[:, : len(classes)]
        pick = random_u16(ctx, len(classes), 3).astype(np.uint32)
        rows = np.arange(len(ctx))
        for c, chars in enumerate(classes):
            out[rows, positions[:, c]] = chars[(pick[:, c] * len(chars)) >> 16]
    return strings.from_bytes_matrix(out.astype(np.uint8))


__all__ = ["company_domain", "fold", "fold_array", "local_part", "transliterate", "unique_token"]
