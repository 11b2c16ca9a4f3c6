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
from dataclasses import replace
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import strings
from mock_pipelines.core.generators.person import (
    Coded,
    Field,
    OptionalColumnRef,
    as_strings,
    coded,
    counted,
    has_name_pairs,
    random_u16,
    render,
    render_parts,
)
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import faker_attr, source, vocabulary

# Transliterations every locale gets (after the locale's own Faker table): letters NFKD cannot split.
_EXTRA_REPLACEMENTS = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("ł", "l"), ("đ", "d"),
                       ("þ", "th"), ("ı", "i"))
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_MAX_PART = 20  # cap each name part of a local part (RFC 5321 allows 64 octets in all)


@cache
def _replacements(locale: str) -> tuple[tuple[str, str], ...]:
    table = [(a.lower(), b.lower()) for a, b in faker_attr("internet", locale, "replacements")]
    return tuple(dict(table + list(_EXTRA_REPLACEMENTS)).items())


def fold(value: str, locale: str) -> str:
    """ASCII-fold one string (used when building vocabularies, once per locale)."""
    s = value.lower()
    for a, b in _replacements(locale):
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s)
    return _NOT_ALNUM.sub("", s)[:_MAX_PART]


@cache
def _romaji_table(locale: str) -> tuple[pa.Array, pa.Array]:
    """ja_JP: every kanji/kana/romaji first and last name → its lower-case romanisation."""
    keys: dict[str, str] = {}
    pairs = [*faker_attr("person", locale, "first_name_pairs"), *faker_attr("person", locale, "last_name_pairs")]
    for pair in pairs:
        for form in pair:
            keys.setdefault(form, fold(pair[2], locale))
    return pa.array(list(keys), pa.string()), pa.array(list(keys.values()), pa.string())


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


def fold_coded(values: pa.Array, locale: str) -> Coded:
    """ASCII-fold a column, vectorised over its distinct values; "" where nothing ASCII remains (nulls
    too). Returns the folded distinct values and each row's index into them."""
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


@source("internet.free_email_domain")
def _free_domains(locale: str) -> dict[str, float]:
    return counted(faker_attr("internet", locale, "free_email_domains"))


@source("internet.tld")
def _tlds(locale: str) -> dict[str, float]:
    return counted(faker_attr("internet", locale, "tlds"))


for _attr in ("uri_paths", "uri_pages", "uri_extensions", "url_formats"):
    source(f"internet.{_attr}")(lambda loc, a=_attr: counted(faker_attr("internet", loc, a)))


@source("internet.slug_words")
def _slug_words(_locale: str) -> list[str]:
    words = {w.lower().replace(" ", "-") for group in faker_attr("company", "en_US", "bsWords") for w in group}
    return sorted(w for w in words if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", w))


# ---- building blocks ---------------------------------------------------------------------------------------

def unique_token(ctx: GenContext) -> pa.Array:
    """Fixed-width lower-case base-36 token, a keyed bijection of the row index (distinct per row).

    The bijection is over a power of two (no cycle-walking): 2**31 (6 characters) unless the table is
    declared larger; the width depends only on the table size, never on the chunk being generated.
    """
    total = max(ctx.table_rows or 2**31, int(ctx.rows.max()) + 1 if len(ctx) else 1)
    bits = max(20, math.ceil(math.log2(total)))
    width = math.ceil(bits * math.log(2) / math.log(36) - 1e-9)
    values = ctx.unique_index(2**bits).astype(np.uint64)
    alphabet = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    out = np.empty((len(values), width), dtype=np.uint8)
    for j in range(width - 1, -1, -1):
        out[:, j] = alphabet[(values % np.uint64(36)).astype(np.intp)]
        values //= np.uint64(36)
    return strings.from_bytes_matrix(out)


def _name_part(ctx: GenContext, ref: str | None, vocab_name: str, stream: int) -> Coded:
    """Folded names from a column, rows whose name folds to nothing getting a sampled ASCII name instead;
    or sampled names when no column is given."""
    vocab = vocabulary(vocab_name, ctx.locale)
    if ref is None:
        return coded(vocab, ctx, stream)
    names = fold_coded(ctx.column(ref), ctx.locale)
    empty = np.asarray(pc.equal(names.dictionary, "").to_numpy(zero_copy_only=False), dtype=bool)
    if not empty.any():
        return names
    rows = np.flatnonzero(empty[names.indices])
    if len(rows) == 0:
        return names
    idx = names.indices.copy()
    idx[rows] = len(names.dictionary) + vocab.indices(replace(ctx, rows=ctx.rows[rows]), stream)
    return Coded(pa.concat_arrays([names.dictionary, vocab.values]), idx)


_NN = pa.array([f"{i:02d}" for i in range(100)], pa.string())
_LOCAL_FORMATS = {
    "{{first}}.{{last}}": 0.30, "{{first}}{{last}}": 0.10, "{{f}}{{last}}": 0.15, "{{first}}_{{last}}": 0.08,
    "{{last}}.{{first}}": 0.05, "{{first}}{{nn}}": 0.10, "{{first}}.{{last}}{{nn}}": 0.12,
    "{{f}}{{last}}{{nn}}": 0.10,
}


def local_parts(ctx: GenContext, first: str | None, last: str | None) -> list[pa.Array | str]:
    """user-name style local part from first/last names (john.smith, jsmith84, smith.john …), as parts
    to join; unique mode appends '.' and the row token."""
    f = _name_part(ctx, first, "internet.first_ascii", 1)
    la = _name_part(ctx, last, "internet.last_ascii", 2)

    def field(name: str, _k: int) -> Field:
        if name == "first":
            return f
        if name == "last":
            return la
        if name == "f":
            return Coded(pc.utf8_slice_codeunits(f.dictionary, 0, 1), f.indices)
        return Coded(_NN, ctx.integers(100, 4))

    parts = render_parts(ctx, _LOCAL_FORMATS, field, stream=3)
    if ctx.unique:
        parts += [".", unique_token(ctx)]
    return parts


def local_part(ctx: GenContext, first: str | None, last: str | None) -> pa.Array:
    """The joined local part (see :func:`local_parts`)."""
    return strings.concat(local_parts(ctx, first, last))


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
           aliases=("email_address",), supports_unique=True)
def email(ctx: GenContext, *, first: OptionalColumnRef = None, last: OptionalColumnRef = None,
          domain: str | None = None, free: bool = True) -> pa.Array:
    """Email address, built from this row's first/last name columns when given.

    Names are ASCII-folded (Jürgen → juergen; ja_JP romanised). free=true uses the locale's free-mail
    providers, free=false company-like domains, domain= a fixed domain. Unique mode appends a row-derived
    token, so uniqueness holds at any row count."""
    if domain:
        dom: pa.Array | str = domain.strip().lstrip("@").lower()
    elif free:
        dom = vocabulary("internet.free_email_domain", ctx.locale).sample(ctx, 5)
    else:
        dom = company_domain(ctx, 6)
    return strings.concat([*local_parts(ctx, first, last), "@", dom])


@generator("user_name", category="internet", returns="string", example="jjohnson84",
           aliases=("username", "login"), supports_unique=True)
def user_name(ctx: GenContext, *, first: OptionalColumnRef = None, last: OptionalColumnRef = None) -> pa.Array:
    """Login name like john.smith or jsmith84, from this row's name columns when given.

    Unique mode appends a row-derived token."""
    return local_part(ctx, first, last)


@generator("free_email_domain", category="internet", returns="string", example="gmail.com",
           supports_unique=True, capacity=lambda _p, loc: len(vocabulary("internet.free_email_domain", loc)))
def free_email_domain(ctx: GenContext) -> pa.Array:
    """Free-mail provider domain popular in the locale (gmx.de, orange.fr, gmail.com…)."""
    vocab = vocabulary("internet.free_email_domain", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


@generator("domain_name", category="internet", returns="string", example="johnson-miller.com",
           aliases=("domain",), supports_unique=True)
def domain_name(ctx: GenContext) -> pa.Array:
    """Company-like domain name (smith.com, baker-jones.net); unique mode adds a row-derived token."""
    if not ctx.unique:
        return company_domain(ctx, 6)
    word = vocabulary("internet.last_ascii", ctx.locale).sample(ctx, 8)
    tld = vocabulary("internet.tld", ctx.locale).sample(ctx, 7)
    return strings.concat([word, "-", unique_token(ctx), ".", tld])


@generator("tld", category="internet", returns="string", example="com", aliases=("top_level_domain",))
def tld(ctx: GenContext) -> pa.Array:
    """Top-level domain, weighted as in the locale's data (com, net, org, de, fr…)."""
    return vocabulary("internet.tld", ctx.locale).sample(ctx)


@generator("url", category="internet", returns="string", example="https://www.johnson-miller.com/blog/index.html",
           aliases=("uri", "website"))
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
           supports_unique=True)
def slug(ctx: GenContext, *, words: int = 3) -> pa.Array:
    """URL slug of lower-case words joined by hyphens; unique mode adds a row-derived token."""
    vocab = vocabulary("internet.slug_words", ctx.locale)
    parts: list[pa.Array | str] = [vocab.sample(ctx, 20 + i) for i in range(max(1, words))]
    if ctx.unique:
        parts.append(unique_token(ctx))
    return strings.concat(parts, sep="-")


_SPECIAL = b"!@#$%^&*()-_=+?"


@generator("password", category="internet", returns="string", example="q7R!vX2m@kLp")
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


__all__ = ["company_domain", "fold", "fold_array", "local_part", "unique_token"]
