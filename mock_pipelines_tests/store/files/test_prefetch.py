"""The background-generation iterator: same items, same order, errors where they happened, no stuck thread."""

from __future__ import annotations

import threading

import pytest

from mock_pipelines.store.files import prefetch as prefetch_module
from mock_pipelines.store.files.prefetch import prefetch


@pytest.fixture(params=[1, 2], ids=["one-core", "two-cores"])
def cores(request, monkeypatch):
    monkeypatch.setattr(prefetch_module, "usable_cores", lambda: request.param)
    return request.param


def test_yields_every_item_in_order(cores):
    assert list(prefetch(iter(range(1000)), depth=2)) == list(range(1000))


def test_runs_the_producer_on_another_thread_only_with_two_cores(cores):
    def producer():
        for _ in range(3):
            yield threading.get_ident()

    idents = set(prefetch(producer()))
    assert (threading.get_ident() in idents) == (cores == 1)


def test_an_error_of_the_producer_is_raised_after_the_items_before_it(cores):
    def producer():
        yield 1
        yield 2
        raise ValueError("generator broke at item 3")

    seen = []
    with pytest.raises(ValueError, match="item 3"):
        for item in prefetch(producer()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_stops_the_producer(cores):
    produced = []

    def producer():
        for i in range(10_000):
            produced.append(i)
            yield i

    stream = prefetch(producer(), depth=2)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()  # what a failing writer's loop does when it unwinds
    assert not any(t.name == "mock-pipelines-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(produced) <= 3 + 2 + 1  # at most `depth` ahead, plus the one being handed over
