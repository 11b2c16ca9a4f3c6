"""Generate the next record batch while the current one is being written.

Writing (encoding, compressing) costs about as much as generating the rows, and both spend most of their
time in C/C++ code that releases the GIL (numpy kernels, Arrow's writers). Running the generator on a
background thread overlaps the two: on two cores a table lands close to the speed of the slower stage
instead of the sum of both. The writer of CSV and JSON uses it; Parquet goes further and encodes batches on
every core (:mod:`mock_pipelines.store.files.parallel_parquet`), since its encoding is the slower stage. Order is preserved (one producer, a FIFO queue), so output bytes are the same
as without prefetching; memory grows by at most ``depth`` batches.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

DEFAULT_DEPTH = 1
_POLL_SECONDS = 0.1


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. under taskset), not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def prefetch(items: Iterable[T], depth: int = DEFAULT_DEPTH) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` of them ahead on a background thread.

    With a single usable core there is nothing to overlap and ``items`` is iterated directly. An exception
    raised by the producer is re-raised here, at the position it happened; if the consumer stops early
    (an error while writing, ``close()``), the producer is told to stop and never blocks forever.
    """
    if depth < 1 or usable_cores() < 2:
        yield from items
        return
    slots: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: tuple[str, object]) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(("item", item)):
                    return
        except BaseException as exc:  # handed to the consumer, re-raised there
            offer(("error", exc))
            return
        offer(("done", None))

    worker = threading.Thread(target=produce, name="mock-pipelines-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "item":
                yield value  # type: ignore[misc]
            elif kind == "error":
                raise value  # type: ignore[misc]
            else:
                return
    finally:
        stop.set()
        worker.join()
