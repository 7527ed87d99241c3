"""The batching queue: sentences of concurrent requests share forward passes.

Knows nothing about HTTP or the model. It owns one queue of requests and one
worker task; the worker cuts the queue into batches by an estimated token budget
and a sentence cap, runs ``predict_batch`` on a single worker thread (so the event
loop keeps answering), and routes each result back to its request in order.

- Admission is bounded: ``submit`` raises ``QueueFull`` at once when ``max_queue``
  requests wait, instead of letting latency pile up.
- A request whose caller is gone (its future cancelled) is skipped, even midway.
- A failed forward fails every request that had sentences in it, and only those.
- A request larger than one batch is spread over several; its results still come
  back in the order of its texts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from argmine.models.context import SentenceInput

R = TypeVar("R")
log = logging.getLogger("argmine.batcher")


class QueueFull(RuntimeError):
    """Too many requests wait already; the caller should retry later."""


class BatchFailed(RuntimeError):
    """The forward pass holding some of this request's sentences raised."""


class BatcherStopped(RuntimeError):
    """The batcher is not running (not started yet, or shutting down)."""


def estimate_tokens(item: SentenceInput) -> int:
    """Word pieces of English text: ~4 characters each, plus the special tokens.

    Cheap and model-agnostic; the budget only has to be roughly right because the
    engine re-batches by exact token counts inside one call. A sentence in context
    counts its nearest neighbours too (models read one or two a side).
    """
    if isinstance(item, str):
        return len(item) // 4 + 2
    neighbours = len(item.before[-1]) if item.before else 0
    neighbours += len(item.after[0]) if item.after else 0
    return (len(item.text) + neighbours) // 4 + 3


@dataclass(frozen=True)
class BatchStats:
    sentences: int
    tokens: int
    requests: int
    seconds: float
    failed: bool


@dataclass(eq=False)
class _Request(Generic[R]):
    texts: Sequence[str]
    tokens: list[int]
    future: asyncio.Future
    results: list = field(default_factory=list)
    dispatched: int = 0  # texts handed to a forward so far
    received: int = 0  # results routed back so far

    def __post_init__(self) -> None:
        self.results = [None] * len(self.texts)


@dataclass
class _Batch:
    texts: list[str] = field(default_factory=list)
    tokens: int = 0
    # (request, first index in the request, first index in the batch, count)
    slices: list[tuple[_Request, int, int, int]] = field(default_factory=list)


class Batcher(Generic[R]):
    def __init__(self, predict_batch: Callable[[list[str]], Sequence[R]], *, max_queue: int = 64,
                 batch_tokens: int = 8192, max_batch: int = 256, max_wait_ms: float = 0.0,
                 estimate: Callable[[str], int] = estimate_tokens,
                 on_batch: Callable[[BatchStats], None] | None = None):
        if max_queue < 1 or batch_tokens < 1 or max_batch < 1 or max_wait_ms < 0:
            raise ValueError("max_queue, batch_tokens and max_batch must be >= 1 and max_wait_ms >= 0")
        self.predict_batch = predict_batch
        self.max_queue = max_queue
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self.estimate = estimate
        self.on_batch = on_batch
        self._waiting: deque[_Request] = deque()
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._executor: ThreadPoolExecutor | None = None

    # ---- lifecycle ------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is not None:
            return
        self._wakeup = asyncio.Event()
        # One thread: forwards never overlap, torch already uses every core inside one.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argmine-forward")
        self._task = asyncio.create_task(self._run(), name="argmine-batcher")

    async def stop(self) -> None:
        """Fail what still waits, stop the worker; a forward already running finishes in its thread."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        while self._waiting:
            request = self._waiting.popleft()
            if not request.future.done():
                request.future.set_exception(BatcherStopped("the service is shutting down"))
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def depth(self) -> int:
        """Requests waiting for (more of) their sentences to reach a forward."""
        return len(self._waiting)

    @property
    def waiting_sentences(self) -> int:
        return sum(len(r.texts) - r.dispatched for r in self._waiting)

    # ---- admission ------------------------------------------------------------------
    async def submit(self, texts: Sequence[str]) -> list[R]:
        """Results for ``texts`` in order. Cancelling the caller withdraws the request."""
        if not texts:
            return []
        if not self.running:
            raise BatcherStopped("the batcher is not running")
        if len(self._waiting) >= self.max_queue:
            raise QueueFull(f"{len(self._waiting)} requests are waiting (queue_size={self.max_queue}); retry shortly")
        if len(texts) > 1000:  # a large request's estimates take tens of ms: not on the event loop
            tokens = await asyncio.to_thread(lambda: [max(1, self.estimate(t)) for t in texts])
            if len(self._waiting) >= self.max_queue:
                raise QueueFull(f"{len(self._waiting)} requests are waiting (queue_size={self.max_queue}); "
                                f"retry shortly")
        else:
            tokens = [max(1, self.estimate(t)) for t in texts]
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting.append(_Request(texts, tokens, future))
        assert self._wakeup is not None
        self._wakeup.set()
        # Awaiting the future directly: when the caller's task is cancelled, so is the
        # future, and the worker skips whatever of this request is not sent yet.
        return await future

    # ---- the worker -----------------------------------------------------------------
    async def _run(self) -> None:
        assert self._wakeup is not None
        idle = True
        while True:
            await self._wakeup.wait()
            self._drop_abandoned()
            if not self._waiting:
                self._wakeup.clear()
                idle = True
                continue
            # A request that finds the batcher idle goes to the model at once: coalescing
            # comes from the requests that queue while a forward runs. ``max_wait`` (0 by
            # default) adds a wait for company only after a busy forward.
            if self.max_wait and not idle and not self._full():
                await asyncio.sleep(self.max_wait)
                self._drop_abandoned()
            batch = self._cut()
            if batch.texts:
                idle = False
                await self._forward(batch)

    def _drop_abandoned(self) -> None:
        self._waiting = deque(r for r in self._waiting if not r.future.done())

    def _full(self) -> bool:
        sentences = tokens = 0
        for request in self._waiting:
            for t in request.tokens[request.dispatched:]:
                sentences += 1
                tokens += t
                if sentences >= self.max_batch or tokens >= self.batch_tokens:
                    return True
        return False

    def _cut(self) -> _Batch:
        """Take sentences in arrival order until the token budget or sentence cap is reached.

        The first sentence always goes in, even over budget, so nothing starves.
        """
        batch = _Batch()
        while self._waiting:
            request = self._waiting[0]
            first, offset = request.dispatched, len(batch.texts)
            while request.dispatched < len(request.texts):
                cost = request.tokens[request.dispatched]
                if batch.texts and (len(batch.texts) >= self.max_batch or batch.tokens + cost > self.batch_tokens):
                    break
                batch.texts.append(request.texts[request.dispatched])
                batch.tokens += cost
                request.dispatched += 1
            if request.dispatched > first:
                batch.slices.append((request, first, offset, request.dispatched - first))
            if request.dispatched < len(request.texts):
                break  # the batch is full; the rest of this request leads the next one
            self._waiting.popleft()
        return batch

    async def _forward(self, batch: _Batch) -> None:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        failed = False
        try:
            outputs = await loop.run_in_executor(self._executor, self.predict_batch, batch.texts)
            if len(outputs) != len(batch.texts):
                raise BatchFailed(f"predict_batch returned {len(outputs)} results for {len(batch.texts)} texts")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any model error fails this batch, never the worker
            failed = True
            log.exception("forward pass of %d sentences failed", len(batch.texts))
            error = exc if isinstance(exc, BatchFailed) else BatchFailed(f"the model failed on this batch: {exc}")
            for request, *_ in batch.slices:
                if not request.future.done():
                    request.future.set_exception(error)
            self._drop_abandoned()
        else:
            for request, first, offset, count in batch.slices:
                if request.future.done():
                    continue  # its caller left while the forward ran
                request.results[first:first + count] = outputs[offset:offset + count]
                request.received += count
                if request.received == len(request.texts):
                    request.future.set_result(request.results)
        if self.on_batch is not None:
            self.on_batch(BatchStats(len(batch.texts), batch.tokens, len(batch.slices),
                                     time.perf_counter() - started, failed))
