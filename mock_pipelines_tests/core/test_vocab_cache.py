"""The vocabulary cache: a table read back from disk equals a fresh build, and a file is reused only when it is
whole and was made from the same versions of everything the table comes from."""

from __future__ import annotations

import importlib
import sys
import threading
from dataclasses import fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import mock_pipelines
from mock_pipelines.core import vocab_cache
from mock_pipelines.core.generators import address
from mock_pipelines.core.vocab_cache import cache_dir, cache_key, cached_table


class CountingBuild:
    """A table builder that counts its calls (a call means the cache was not used)."""

    def __init__(self, table: pa.Table):
        self.table = table
        self.calls = 0

    def __call__(self) -> pa.Table:
        self.calls += 1
        return self.table


@pytest.fixture
def build() -> CountingBuild:
    return CountingBuild(pa.table({"city": ["Springfield", "Shelbyville"], "weight": [0.25, 0.75]}))


def only_file(folder: Path) -> Path:
    (path,) = folder.glob("*.arrow")
    return path


def assert_same_places(a: address.Places, b: address.Places) -> None:
    for f in fields(address.Places):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "postcode":
            for part in ("base", "span", "lengths"):
                assert getattr(x, part).dtype == getattr(y, part).dtype, part
                np.testing.assert_array_equal(getattr(x, part), getattr(y, part))
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            np.testing.assert_array_equal(x, y)
        elif x is None or isinstance(x, str):
            assert x == y, f.name
        else:
            assert x.type == y.type and x.equals(y), f.name


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "ja_JP"])
def test_a_place_table_read_from_the_cache_equals_a_fresh_build(locale, tmp_path, monkeypatch):
    monkeypatch.setenv(vocab_cache.CACHE_DIR_ENV, str(tmp_path))
    address.places.cache_clear()
    try:
        stored = address.places(locale)  # built and written
        assert len(list(tmp_path.glob(f"places-{locale}-*.arrow"))) == 1
        address.places.cache_clear()
        read_back = address.places(locale)  # read from the file
    finally:
        address.places.cache_clear()
    fresh = address._build_places(locale)
    assert_same_places(fresh, stored)
    assert_same_places(fresh, read_back)


def test_a_cached_table_is_built_once_then_read(tmp_path, build):
    first = cached_table("towns", "en_US", build, folder=tmp_path)
    second = cached_table("towns", "en_US", build, folder=tmp_path)
    assert build.calls == 1
    assert first.equals(build.table) and second.equals(build.table)


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "empty"])
def test_a_damaged_file_is_rebuilt_not_trusted(damage, tmp_path, build):
    cached_table("towns", "en_US", build, folder=tmp_path)
    path = only_file(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "flip a byte":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[:len(data) - 40]
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    again = cached_table("towns", "en_US", build, folder=tmp_path)
    assert build.calls == 2
    assert again.equals(build.table)
    assert vocab_cache.read(path, cache_key("towns", "en_US")) is not None  # rewritten whole


def test_another_version_of_mock_pipelines_does_not_reuse_the_file(tmp_path, build, monkeypatch):
    cached_table("towns", "en_US", build, folder=tmp_path)
    monkeypatch.setattr(mock_pipelines, "__version__", mock_pipelines.__version__ + ".post1")
    cached_table("towns", "en_US", build, folder=tmp_path)
    assert build.calls == 2
    assert len(list(tmp_path.glob("*.arrow"))) == 2


def test_the_key_follows_the_locale_the_source_package_and_the_building_code(tmp_path, monkeypatch):
    assert cache_key("towns", "en_US") != cache_key("towns", "de_DE")
    assert cache_key("towns", "en_US", packages=["zipcodes"]) != cache_key("towns", "en_US", packages=["faker"])
    assert cache_key("towns", "en_US", packages=["zipcodes"]) == cache_key("towns", "en_US", packages=["zipcodes"])
    module = tmp_path / "town_builder.py"
    module.write_text("TOWNS = ['Springfield']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("town_builder")
    try:
        before = cache_key("towns", "en_US", modules=["town_builder"])
        module.write_text("TOWNS = ['Springfield', 'Shelbyville']\n")
        assert cache_key("towns", "en_US", modules=["town_builder"]) != before
    finally:
        del sys.modules["town_builder"]


def test_a_file_with_another_key_is_not_read(tmp_path, build):
    cached_table("towns", "en_US", build, folder=tmp_path)
    assert vocab_cache.read(only_file(tmp_path), cache_key("towns", "de_DE")) is None


def test_an_unwritable_cache_folder_means_building_in_memory(tmp_path, build):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    folder = blocker / "cache"
    first = cached_table("towns", "en_US", build, folder=folder)
    second = cached_table("towns", "en_US", build, folder=folder)
    assert first.equals(build.table) and second.equals(build.table)
    assert build.calls == 2
    assert list(tmp_path.iterdir()) == [blocker]


def test_without_a_home_folder_the_table_is_built_in_memory(build, monkeypatch):
    def no_home(*_args, **_kwargs):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(vocab_cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    assert cached_table("towns", "en_US", build).equals(build.table)
    assert build.calls == 1


def test_writers_at_the_same_time_leave_one_whole_file(tmp_path, build):
    key = cache_key("towns", "en_US")
    path = tmp_path / f"towns-en_US-{key}.arrow"
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(vocab_cache.write(path, key, build.table)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 8
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert vocab_cache.read(path, key).equals(build.table)


def test_the_cache_folder_comes_from_the_environment_then_xdg_then_home():
    home = Path("/home/ada")
    assert cache_dir({}, home) == home / ".cache" / "mock-pipelines"
    assert cache_dir({"XDG_CACHE_HOME": "/var/cache/ada"}, home) == Path("/var/cache/ada/mock-pipelines")
    assert cache_dir({"XDG_CACHE_HOME": "/var/cache/ada", "MOCK_PIPELINES_CACHE_DIR": "/tmp/mp"}, home) == \
        Path("/tmp/mp")
    assert cache_dir({"XDG_CACHE_HOME": "", "MOCK_PIPELINES_CACHE_DIR": ""}, home) == \
        home / ".cache" / "mock-pipelines"


def test_the_test_session_keeps_its_cache_out_of_the_home_folder():
    assert not cache_dir().resolve().is_relative_to(Path.home().resolve() / ".cache")
