"""Two threads around the model, so host work overlaps the forward pass instead of taking turns with it.

``ahead`` runs a generator (reading, segmenting, tokenizing the next chunk) on a thread
one or two items ahead of its consumer; ``Behind`` runs jobs (building and writing a
labelled chunk) on a thread behind it, in submission order. The forward pass and the
fast tokenizer's batch calls run without the GIL, so on two cores the host stages
cost the run little wall time. Both keep order, and both hand an error to the
consuming thread at the point it would have happened in a single-threaded loop.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """``items`` in order, produced on a thread up to ``depth`` items before they are asked for.

    An exception the producer raises is raised here after the items before it. When
    the consumer stops early (an error, ``close()``), the producer stops after at
    most the item it is working on, or is left behind if that takes over a second.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failure(exc))
            return
        put(_END)

    worker = threading.Thread(target=produce, name="argmine-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        # A producer blocked on its input (a stalled pipe on stdin) must not hold up Ctrl-C:
        # it only reads, so after a short wait it is left behind (a daemon thread).
        worker.join(timeout=1.0)


class Behind:
    """Runs submitted jobs one at a time, in order, on a thread; at most ``depth`` wait.

    ``submit`` blocks while ``depth`` jobs wait, and raises the error of a job that
    failed (no later job runs). ``close`` waits for every submitted job and raises a
    failure not raised yet. Use it as a context manager: on the way out, even after an
    error in the caller, every job submitted so far is finished (a labelled chunk is
    written, not lost) before the caller closes what the jobs write to.
    """

    def __init__(self, depth: int = 1):
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._raised = False
        self._worker = threading.Thread(target=self._run, name="argmine-behind", daemon=True)
        self._worker.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _END:
                return
            if self._error is None:
                try:
                    job()
                except BaseException as exc:
                    self._error = exc

    def _check(self) -> None:
        if self._error is not None and not self._raised:
            self._raised = True
            raise self._error

    def submit(self, job: Callable[[], None]) -> None:
        self._check()
        self._jobs.put(job)

    def close(self) -> None:
        if self._worker.is_alive():
            self._jobs.put(_END)
            self._worker.join()
        self._check()

    def __enter__(self) -> "Behind":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is None:
            self.close()
            return
        if self._worker.is_alive():  # finish what was submitted; the caller's error wins
            self._jobs.put(_END)
            self._worker.join()
