"""People: first, last and full names, titles, gender, job titles and spoken languages, per locale.

Names come from Faker's locale data, read once per locale into weighted vocabularies (Faker keeps
frequency-weighted lists for en_US names and ja_JP surnames) and sampled with counter-based indices.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Annotated, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS
from mock_pipelines.core.generators.templating import (
    Field,
    as_strings,
    by_distinct,
    coded,
    render,
    weighted_formats,
)
from mock_pipelines.core.locales.person import PREFIXES, SUFFIXES
from mock_pipelines.core.registry import COLUMN_REF, GenContext, generator
from mock_pipelines.core.vocab import FAKER, Vocabulary, faker_attr, faker_has, source, vocabulary

Gender = Literal["any", "female", "male"]
# An optional reference to another column (the registry recognises Annotated[..., COLUMN_REF] only).
OptionalColumnRef = Annotated[str | None, COLUMN_REF]
Script = Literal["native", "kana", "romaji"]


# ---- helpers for gender columns -------------------------------------------------------------------------

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


_SCRIPT_COLUMN = {"native": 0, "kana": 1, "romaji": 2}


@cache
def has_name_pairs(locale: str) -> bool:
    """True for locales whose Faker names come as (kanji, kana, romaji) pairs (ja_JP)."""
    return faker_has("person", locale, "last_name_pairs", fallback_locale=locale)


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
        source(f"person.first_name.{_g}.{_s}", packages=FAKER)(lambda loc, g=_g, s=_s: _first_names(loc, g, s))
for _s in _SCRIPT_COLUMN:
    source(f"person.last_name.{_s}", packages=FAKER)(lambda loc, s=_s: _last_names(loc, s))


def _titles(locale: str, kind: str, gender: str) -> Mapping[str, float]:
    genders = ("female", "male") if gender == "any" else (gender,)
    parts: list[Mapping[str, float]] = []
    for g in genders:
        if kind == "prefix" and locale in PREFIXES:
            parts.append(PREFIXES[locale][g])
            continue
        if kind == "suffix" and locale in SUFFIXES:
            parts.append(SUFFIXES[locale])
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


_TITLE_MODULES = ("mock_pipelines.core.locales.person",)  # PREFIXES and SUFFIXES
for _g in ("any", "female", "male"):
    source(f"person.prefix.{_g}", packages=FAKER, modules=_TITLE_MODULES)(lambda loc, g=_g: _titles(loc, "prefix", g))
    source(f"person.suffix.{_g}", packages=FAKER, modules=_TITLE_MODULES)(lambda loc, g=_g: _titles(loc, "suffix", g))


@source("person.job", packages=FAKER)
def _jobs(locale: str) -> Sequence[str]:
    return faker_attr("job", locale, "jobs")


@source("person.language", packages=FAKER)
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


@source("person.particle", packages=FAKER)
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
