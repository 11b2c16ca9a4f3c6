"""Vocabularies and Faker facts kept in the vocabulary cache: what a process reads back from disk equals what
it would build from Faker, and a warm cache is read, not rebuilt."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest

from mock_pipelines.core import vocab, vocab_cache

# (name, locale): weighted and uniform vocabularies, Latin and Japanese names, a counted() one
CASES = [("person.first_name.female.native", "en_US"), ("person.last_name.native", "de_DE"),
         ("person.last_name.romaji", "ja_JP"), ("person.job", "fr_FR"), ("company.suffix", "de_DE"),
         ("internet.free_email_domain", "en_US"), ("address.street_suffixes", "en_US"), ("text.words", "la")]


class CountingSource:
    """A vocabulary source that counts its calls (a call means the cache was not used)."""

    def __init__(self, build):
        self.build = build
        self.calls = 0

    def __call__(self, locale: str):
        self.calls += 1
        return self.build(locale)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(vocab_cache.CACHE_DIR_ENV, str(tmp_path))
    vocab.vocabulary.cache_clear()
    yield tmp_path
    vocab.vocabulary.cache_clear()


def assert_same_vocabulary(a: vocab.Vocabulary, b: vocab.Vocabulary) -> None:
    assert a.values.type == b.values.type and a.values.equals(b.values)
    assert (a.cdf is None) == (b.cdf is None)
    if a.cdf is not None:
        assert a.cdf.dtype == b.cdf.dtype
        np.testing.assert_array_equal(a.cdf, b.cdf)


@pytest.mark.parametrize(("name", "locale"), CASES)
def test_a_vocabulary_read_back_from_the_cache_equals_a_fresh_build(name, locale, fresh_cache, monkeypatch):
    source = CountingSource(vocab._source(name))
    monkeypatch.setitem(vocab._SOURCES, name, source)
    stored = vocab.vocabulary(name, locale)  # built and written
    assert len(list(fresh_cache.glob(f"vocab.{name}-{locale}-*.arrow"))) == 1
    vocab.vocabulary.cache_clear()
    read_back = vocab.vocabulary(name, locale)  # read from the file
    assert source.calls == 1
    fresh = vocab._build(name, locale, source.build)
    assert_same_vocabulary(fresh, stored)
    assert_same_vocabulary(fresh, read_back)


def test_a_source_that_names_no_packages_is_built_in_every_process(fresh_cache, monkeypatch):
    name = "company.industry"  # registered without packages=: its inputs are not named, so never stored
    assert name not in vocab._CACHED
    vocab.vocabulary(name, "en_US")
    assert list(fresh_cache.glob("*.arrow")) == []


@pytest.mark.parametrize(("provider", "locale", "attr"), [("phone_number", "en_US", "formats"),
                                                          ("internet", "de_DE", "replacements"),
                                                          ("lorem", "ja_JP", "word_connector"),
                                                          ("address", "fr_FR", "street_address_formats")])
def test_faker_data_read_back_equals_faker_s_own(provider, locale, attr, fresh_cache):
    vocab.faker_data.cache_clear()
    try:
        stored = vocab.faker_data(provider, locale, attr)
        vocab.faker_data.cache_clear()
        read_back = vocab.faker_data(provider, locale, attr)
    finally:
        vocab.faker_data.cache_clear()
    original = vocab.faker_attr(provider, locale, attr)
    as_lists = [list(v) if isinstance(v, tuple) else v for v in original] if not isinstance(original, str) else original
    assert stored == read_back == as_lists
    assert len(list(fresh_cache.glob(f"faker.data.{provider}.{attr}.*-{locale}-*.arrow"))) == 1


@pytest.mark.parametrize(("locale", "expected"), [("ja_JP", True), ("en_US", False)])
def test_faker_has_tells_name_pairs_apart(locale, expected, fresh_cache):
    vocab.faker_has.cache_clear()
    try:
        assert vocab.faker_has("person", locale, "last_name_pairs", locale) is expected
        vocab.faker_has.cache_clear()
        assert vocab.faker_has("person", locale, "last_name_pairs", locale) is expected  # read back
    finally:
        vocab.faker_has.cache_clear()


def test_a_package_s_fingerprint_is_read_once_per_process(monkeypatch):
    calls = []
    real = importlib.metadata.distribution
    monkeypatch.setattr(importlib.metadata, "distribution", lambda p: calls.append(p) or real(p))
    vocab_cache._package_fingerprint.cache_clear()
    try:
        keys = {vocab_cache.cache_key("words", loc, packages=["faker"]) for loc in ("en_US", "en_US", "de_DE")}
    finally:
        vocab_cache._package_fingerprint.cache_clear()
    assert len(keys) == 2
    assert calls == ["faker"]
