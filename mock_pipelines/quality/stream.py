"""Measure rows while a writer streams them: a batch source that feeds a measuring thread.

:class:`MeasuredSlice` wraps what an asset returns (a :class:`~mock_pipelines.core.engine.TableSlice`, or
anything with ``schema`` and ``batches()``). Each batch the writer pulls is also put on a small bounded
queue that a second thread consumes into a :class:`~mock_pipelines.quality.measure.TableMeasure`, so the
measuring runs on another core while the writer encodes and writes (pyarrow and NumPy release the GIL); the
queue's bound keeps memory flat when measuring is the slower of the two.

``batches()`` may be called more than once (several destinations, a retry of a failed write): the first
*complete* pass is measured; a pass that stops half-way is dropped and the next one is measured from its
first row; later passes are not measured again. The writer reports what it wrote through :meth:`landed`,
so the asset can verify that the rows measured are the rows written.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from mock_pipelines.quality.measure import TableMeasure

QUEUE_BATCHES = 2
_DONE, _ABORT = object(), object()


class MeasuredSlice:
    """A batch source measured on a second thread during its first complete pass."""

    # The measuring thread keeps about one core busy while the writer writes: a writer that would encode on
    # every core leaves one to it (see :func:`~mock_pipelines.defs.io_managers.table_io.encoders_for`).
    cores_busy = 1

    def __init__(self, inner: Any, make_measure: Callable[[], TableMeasure]):
        self.inner = inner
        self._make = make_measure
        self.measure: TableMeasure | None = None  # of the first complete pass
        self.written: list[Any] = []  # what each destination wrote (``WriteResult``)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __getattr__(self, name: str) -> Any:  # table, partition_key, num_rows, … of the wrapped slice
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def schema(self) -> pa.Schema:
        return self.inner.schema

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.measure is not None or self._thread is not None:
            yield from self.inner.batches()
            return
        feed: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_BATCHES)
        measure = self._make()
        self._thread = threading.Thread(target=self._consume, args=(feed, measure), name="measure", daemon=True)
        self._thread.start()
        complete = False
        try:
            for batch in self.inner.batches():
                feed.put(batch)
                yield batch
            complete = True
        finally:
            feed.put(_DONE if complete else _ABORT)
            if not complete:  # measure the next pass instead
                self._thread.join()
                self._thread, self._error = None, None

    def _consume(self, feed: queue.Queue[Any], measure: TableMeasure) -> None:
        failed = False
        while True:
            item = feed.get()
            if item is _DONE:
                if not failed:
                    try:
                        measure.settle()
                    except BaseException as exc:  # reported by finish(), in the step
                        self._error = exc
                        return
                    self.measure = measure
                return
            if item is _ABORT:
                measure.close()
                return
            if failed:
                continue  # keep draining so the writer never blocks
            try:
                measure.add(item)
            except BaseException as exc:  # reported by finish(), in the step
                self._error, failed = exc, True

    def landed(self, result: Any) -> None:
        """Called by an IO manager with the ``WriteResult`` of what it wrote."""
        self.written.append(result)

    def finish(self) -> TableMeasure | None:
        """The measure of the first complete pass (None when no pass completed); waits for the thread."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self.measure
