"""Free text: words, sentences, paragraphs and length-bounded text from Faker's lorem word lists per
locale (ja_JP joins words without spaces and ends sentences with '。'; 'lorem' is Latin).

Variable-length text is built flat: every row's word count is drawn, the words of all rows are drawn at
once from (row, sentence, position) counters, and Arrow list arrays join them — no per-row Python.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core.facts import NO_FACTS, Facts, ValueSet, zipf_weights
from mock_pipelines.core.locales.text import EMOJI
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import FAKER, faker_attr, faker_data, source, vocabulary

_WORD_STREAM = 101  # streams of per-word draws (indexed by virtual sentence counters)
_LEN_STREAM = 11


@source("text.words", packages=FAKER)
def _words(locale: str) -> list[str]:
    return list(faker_attr("lorem", locale, "word_list"))


@source("text.latin", packages=FAKER)
def _latin(_locale: str) -> list[str]:
    return list(faker_attr("lorem", "la", "word_list"))


@dataclass(frozen=True)
class Language:
    """A locale's words (lower-case as listed, then the same words capitalised) and punctuation."""

    words: pa.Array  # 2·V entries: words[0:V] as listed, words[V:2V] with the first letter upper-cased
    size: int
    connector: str
    full_stop: str
    sentence_sep: str
    mean_word_chars: float

    def mean_sentence_chars(self, min_words: int, max_words: int) -> float:
        k = (min_words + max_words) / 2
        return k * self.mean_word_chars + (k - 1) * len(self.connector) + len(self.full_stop) + len(self.sentence_sep)


def _punctuation(locale: str) -> tuple[str, str]:
    """The locale's word connector and full stop (Faker's lorem provider; en_US when the locale has none)."""
    return faker_data("lorem", locale, "word_connector"), faker_data("lorem", locale, "sentence_punctuation")


@lru_cache(maxsize=32)
def language(locale: str, latin: bool = False) -> Language:
    words = vocabulary("text.latin" if latin else "text.words", locale).values
    connector, full_stop = (" ", ".") if latin else _punctuation(locale)
    # Capitalise the first letter only (utf8_capitalize would lower-case German nouns' other letters,
    # which is harmless for single words but keep the original letters anyway).
    first = pc.utf8_upper(pc.utf8_slice_codeunits(words, 0, 1))
    rest = pc.utf8_slice_codeunits(words, 1)
    capitalised = pc.binary_join_element_wise(first, rest, "")
    mean_chars = float(pc.mean(pc.utf8_length(words)).as_py())
    return Language(pa.concat_arrays([words, capitalised]), len(words), connector, full_stop,
                    "" if connector == "" else " ", mean_chars)


def _counts(ctx: GenContext, lo: int, hi: int, stream: int) -> np.ndarray:
    if lo < 1 or hi < lo:
        raise ValueError(f"need 1 <= min <= max, got {lo}..{hi}")
    return lo + ctx.integers(hi - lo + 1, stream) if hi > lo else np.full(len(ctx), lo, dtype=np.int64)


def _ragged(counts: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offsets, owner row of each flat item, position of each item within its row); counts <= most."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if most <= 64:
        owner, position = np.nonzero(np.arange(most)[None, :] < counts[:, None])
        return offsets, owner, position
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    position = np.arange(offsets[-1], dtype=np.int64) - offsets[owner]
    return offsets, owner, position


def _list_join(offsets: np.ndarray, values: pa.Array, sep: str) -> pa.Array:
    offsets_type = pa.int32() if offsets[-1] < 2**31 else pa.int64()
    offsets_arr = pa.array(offsets, type=offsets_type)
    lists = (pa.ListArray if offsets_type == pa.int32() else pa.LargeListArray).from_arrays(offsets_arr, values)
    return pc.binary_join(lists, sep)


def _virtual_sentences(ctx: GenContext, owner: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Counter of sentence ``position`` of row ``owner``: the row index times 1024 plus the position."""
    return (ctx.rows[owner].astype(np.uint64) << np.uint64(10)) | position.astype(np.uint64)


_CHUNK = 1 << 23  # word slots per block, to bound memory for long sentences


def _word_matrix(key: int, counters: np.ndarray, count: int, size: int) -> np.ndarray:
    """(len(counters), count) uint32 word indices below ``size`` (<= 65536): four 16-bit slices of each
    64-bit draw, the q = ceil(count/4) draws of a counter taken from counter·q .. counter·q + q-1."""
    q = max(1, -(-count // 4))
    expanded = (counters.astype(np.uint64)[:, None] * np.uint64(q) + np.arange(q, dtype=np.uint64)).ravel()
    halves = rnd.bits(key, expanded, _WORD_STREAM).astype("<u8", copy=False).view("<u2")
    halves = halves.reshape(len(counters), 4 * q)[:, :count]
    return (halves.astype(np.uint32) * np.uint32(size)) >> np.uint32(16)


def sentences_flat(ctx: GenContext, lang: Language, virtual: np.ndarray, min_words: int,
                   max_words: int) -> pa.Array:
    """One sentence per virtual sentence counter: capitalised, words joined, with a full stop.

    Word j of a sentence is drawn from the counter (sentence, j) and the sentence length from the
    sentence counter, so any subset of rows reproduces the same sentences.
    """
    if max_words > min_words:
        n_words = min_words + rnd.integers(ctx.key, virtual, max_words - min_words + 1, _LEN_STREAM)
    else:
        n_words = np.full(len(virtual), min_words, dtype=np.int64)
    parts = []
    block = max(1, _CHUNK // max_words)
    for lo in range(0, len(virtual), block):
        idx = _word_matrix(ctx.key, virtual[lo:lo + block], max_words, lang.size)
        idx[:, 0] += lang.size  # the first word of every sentence capitalised
        if max_words > min_words:
            parts.append(idx[np.arange(max_words)[None, :] < n_words[lo:lo + block, None]])
        else:
            parts.append(idx.ravel())
    flat = parts[0] if len(parts) == 1 else np.concatenate(parts)
    offsets = np.zeros(len(virtual) + 1, dtype=np.int64)
    np.cumsum(n_words, out=offsets[1:])
    joined = _list_join(offsets, lang.words.take(pa.array(flat)), lang.connector)
    return pc.binary_join_element_wise(joined, pa.scalar(lang.full_stop), "")


def _check_words(min_words: int, max_words: int) -> None:
    if not 1 <= min_words <= max_words <= 1000:
        raise ValueError("need 1 <= min_words <= max_words <= 1000")


# ---- generators -------------------------------------------------------------------------------------------


@generator("word", category="text", returns="string", example="market", supports_unique=True,
           capacity=lambda _p, locale: len(vocabulary("text.words", locale)),
           facts=NO_FACTS)
def word(ctx: GenContext) -> pa.Array:
    """Single words from the locale's lorem word list."""
    vocab = vocabulary("text.words", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


@generator("words", category="text", returns="string", example="market simple arrive",
           facts=NO_FACTS)
def words(ctx: GenContext, *, n: int = 3, separator: str | None = None) -> pa.Array:
    """n words joined by a space (no separator in Japanese), e.g. tags or short labels."""
    if not 1 <= n <= 1000:
        raise ValueError("words: n must be 1..1000")
    lang = language(ctx.locale)
    sep = lang.connector if separator is None else separator
    idx = _word_matrix(ctx.key, ctx.rows, n, lang.size)
    cols = [lang.words.take(pa.array(idx[:, j])) for j in range(n)]
    return cols[0] if n == 1 else pc.binary_join_element_wise(*cols, sep)


@generator("sentence", category="text", returns="string", example="Market simple arrive the quickly.",
           facts=NO_FACTS)
def sentence(ctx: GenContext, *, min_words: int = 4, max_words: int = 10) -> pa.Array:
    """One sentence of min_words..max_words words, capitalised and ending in a full stop."""
    _check_words(min_words, max_words)
    virtual = ctx.rows.astype(np.uint64) << np.uint64(10)
    return sentences_flat(ctx, language(ctx.locale), virtual, min_words, max_words)


def _paragraphs(ctx: GenContext, lang: Language, min_sentences: int, max_sentences: int,
                min_words: int, max_words: int) -> pa.Array:
    if not 1 <= min_sentences <= max_sentences <= 1000:
        raise ValueError("need 1 <= min_sentences <= max_sentences <= 1000")
    _check_words(min_words, max_words)
    counts = _counts(ctx, min_sentences, max_sentences, 1)
    offsets, owner, position = _ragged(counts, max_sentences)
    flat = sentences_flat(ctx, lang, _virtual_sentences(ctx, owner, position), min_words, max_words)
    return _list_join(offsets, flat, lang.sentence_sep)


@generator("paragraph", category="text", returns="string",
           example="Market simple arrive the quickly. Whole trip yet second.",
           facts=NO_FACTS)
def paragraph(ctx: GenContext, *, min_sentences: int = 3, max_sentences: int = 6, min_words: int = 4,
              max_words: int = 10) -> pa.Array:
    """A paragraph of min_sentences..max_sentences sentences in the locale's language."""
    return _paragraphs(ctx, language(ctx.locale), min_sentences, max_sentences, min_words, max_words)


@generator("lorem", category="text", returns="string", example="Lorem ipsum dolor sit amet.",
           aliases=("lorem_ipsum",),
           facts=NO_FACTS)
def lorem(ctx: GenContext, *, min_sentences: int = 1, max_sentences: int = 3, min_words: int = 4,
          max_words: int = 10) -> pa.Array:
    """Latin placeholder text (lorem ipsum words), whatever the locale."""
    return _paragraphs(ctx, language(ctx.locale, latin=True), min_sentences, max_sentences, min_words,
                       max_words)


@generator("text", category="text", returns="string", example="Market simple arrive the quickly. Whole trip.",
           aliases=("description", "comment"),
           facts=NO_FACTS)
def text(ctx: GenContext, *, max_chars: int = 200, min_words: int = 4, max_words: int = 10) -> pa.Array:
    """Whole sentences filling up to max_chars characters (a single sentence is cut to fit)."""
    if max_chars < 5:
        raise ValueError("text: max_chars must be at least 5")
    _check_words(min_words, max_words)
    lang = language(ctx.locale)
    n = len(ctx)
    # As many sentences as fit on average; rows whose sentences run long drop the last ones below.
    per_row = max(1, min(1000, round(max_chars / lang.mean_sentence_chars(min_words, max_words))))
    counts = np.full(n, per_row, dtype=np.int64)
    _, owner, position = _ragged(counts, per_row)
    flat = sentences_flat(ctx, lang, _virtual_sentences(ctx, owner, position), min_words, max_words)
    sep = len(lang.sentence_sep)
    length = np.asarray(pc.utf8_length(flat).to_numpy(zero_copy_only=False), dtype=np.int64) + sep
    # Characters used up to and including each sentence within its row (separators between sentences).
    cum = np.cumsum(length).reshape(n, per_row)
    cum -= np.concatenate([[0], cum[:-1, -1]])[:, None]
    keep = (cum - sep) <= max_chars
    keep[:, 0] = True
    kept = pc.filter(flat, pa.array(keep.ravel()))
    out = _list_join(np.concatenate([[0], np.cumsum(keep.sum(axis=1))]), kept, lang.sentence_sep)
    # A first sentence longer than max_chars is cut and closed with the full stop.
    too_long = pc.greater(pc.utf8_length(out), max_chars)
    if pc.any(too_long).as_py():
        cut = pc.utf8_rtrim_whitespace(pc.utf8_slice_codeunits(out, 0, max_chars - len(lang.full_stop)))
        cut = pc.binary_join_element_wise(cut, pa.scalar(lang.full_stop), "")
        out = pc.if_else(too_long, cut, out)
    return out


# ---- emoji ------------------------------------------------------------------------------------------------

_EMOJI_WEIGHTS = zipf_weights(1.0, len(EMOJI))  # the k-th most used with weight 1/k
_EMOJI_CDF = np.cumsum(_EMOJI_WEIGHTS) / _EMOJI_WEIGHTS.sum()


@lru_cache(maxsize=1)
def _emoji_array() -> pa.Array:
    # built on first use: pyarrow imports pandas on its first pa.array call, which loading the catalogue must not
    return pa.array(EMOJI, type=pa.string())


@generator("emoji", category="text", returns="string", example="😂",
           facts=Facts(values=lambda _p: ValueSet(EMOJI, tuple(float(w) for w in _EMOJI_WEIGHTS))))
def emoji(ctx: GenContext) -> pa.Array:
    """Single emoji (reactions, chat), the 50 most used, the k-th most used with weight 1/k."""
    idx = np.minimum(np.searchsorted(_EMOJI_CDF, ctx.uniform(), side="right"), len(EMOJI) - 1)
    return _emoji_array().take(pa.array(idx, type=pa.int64()))
