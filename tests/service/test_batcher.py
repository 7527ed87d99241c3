"""The batcher on its own: a plain predict_batch callable, no HTTP, no model."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from argmine.service.batcher import Batcher, BatchFailed, BatchStats, QueueFull


class Recorder:
    """Echoes texts upper-cased; records every batch; can block or fail on demand."""

    def __init__(self, delay: float = 0.0, fail_on: str | None = None):
        self.batches: list[list[str]] = []
        self.delay = delay
        self.fail_on = fail_on
        self.release = threading.Event()
        self.release.set()

    def __call__(self, texts: list[str]) -> list[str]:
        self.batches.append(list(texts))
        self.release.wait(5)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_on and self.fail_on in texts:
            raise RuntimeError("boom")
        return [t.upper() for t in texts]


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


async def _with(batcher: Batcher, body):
    await batcher.start()
    try:
        return await body()
    finally:
        await batcher.stop()


def test_concurrent_requests_share_one_forward_and_get_their_own_results_in_order():
    predict = Recorder()
    batcher = Batcher(predict, max_wait_ms=20)
    requests = [[f"r{r}s{s}" for s in range(3)] for r in range(5)]

    async def body():
        return await asyncio.gather(*(batcher.submit(texts) for texts in requests))

    results = run(_with(batcher, body))
    assert results == [[t.upper() for t in texts] for texts in requests]
    assert len(predict.batches) == 1 and len(predict.batches[0]) == 15


def test_batches_are_cut_by_sentence_cap_and_token_budget():
    predict = Recorder()
    by_count = Batcher(predict, max_batch=4, batch_tokens=10_000, max_wait_ms=0)
    texts = [f"s{i}" for i in range(10)]
    assert run(_with(by_count, lambda: by_count.submit(texts))) == [t.upper() for t in texts]
    assert [len(b) for b in predict.batches] == [4, 4, 2]

    predict = Recorder()
    # 40 characters ~ 12 estimated tokens each: a budget of 30 fits two per forward.
    long = ["x" * 40 + str(i) for i in range(5)]
    by_tokens = Batcher(predict, max_batch=100, batch_tokens=30, max_wait_ms=0)
    assert run(_with(by_tokens, lambda: by_tokens.submit(long))) == [t.upper() for t in long]
    assert [len(b) for b in predict.batches] == [2, 2, 1]


def test_one_oversized_sentence_still_goes_through_alone():
    predict = Recorder()
    batcher = Batcher(predict, batch_tokens=8, max_wait_ms=0)
    assert run(_with(batcher, lambda: batcher.submit(["y" * 400, "ok"]))) == ["Y" * 400, "OK"]
    assert [len(b) for b in predict.batches] == [1, 1]


def test_a_model_error_fails_every_request_of_that_batch_and_only_those():
    predict = Recorder(fail_on="bad")
    batcher = Batcher(predict, max_wait_ms=20)
    stats: list[BatchStats] = []
    batcher.on_batch = stats.append

    async def body():
        together = await asyncio.gather(batcher.submit(["fine"]), batcher.submit(["bad"]), return_exceptions=True)
        later = await batcher.submit(["after"])
        return together, later

    (first, second), later = run(_with(batcher, body))
    assert isinstance(first, BatchFailed) and isinstance(second, BatchFailed)
    assert later == ["AFTER"]  # the worker survived
    assert [s.failed for s in stats] == [True, False]


def test_a_request_whose_caller_left_is_never_forwarded():
    predict = Recorder()
    predict.release.clear()  # hold the first forward until the others are queued
    batcher = Batcher(predict, max_wait_ms=0)

    async def body():
        first = asyncio.create_task(batcher.submit(["first"]))
        while not predict.batches:
            await asyncio.sleep(0.005)
        gone = asyncio.create_task(batcher.submit(["gone-1", "gone-2"]))
        stays = asyncio.create_task(batcher.submit(["stays"]))
        await asyncio.sleep(0.01)
        gone.cancel()
        predict.release.set()
        return await first, await stays, await asyncio.gather(gone, return_exceptions=True)

    first, stays, (gone,) = run(_with(batcher, body))
    assert first == ["FIRST"] and stays == ["STAYS"]
    assert isinstance(gone, asyncio.CancelledError)
    assert predict.batches == [["first"], ["stays"]]


def test_a_full_queue_refuses_at_once():
    predict = Recorder()
    predict.release.clear()
    batcher = Batcher(predict, max_queue=2, max_wait_ms=0)

    async def body():
        running = asyncio.create_task(batcher.submit(["in the forward"]))
        while not predict.batches:
            await asyncio.sleep(0.005)
        waiting = [asyncio.create_task(batcher.submit([f"w{i}"])) for i in range(2)]
        await asyncio.sleep(0.01)
        assert batcher.depth == 2
        started = time.perf_counter()
        with pytest.raises(QueueFull):
            await batcher.submit(["one too many"])
        refused_in = time.perf_counter() - started
        predict.release.set()
        await asyncio.gather(running, *waiting)
        return refused_in

    assert run(_with(batcher, body)) < 0.05


def test_results_of_a_request_spread_over_several_batches_keep_their_order():
    predict = Recorder()
    batcher = Batcher(predict, max_batch=3, max_wait_ms=10)
    a = [f"a{i}" for i in range(7)]
    b = [f"b{i}" for i in range(2)]

    async def body():
        return await asyncio.gather(batcher.submit(a), batcher.submit(b))

    ra, rb = run(_with(batcher, body))
    assert ra == [t.upper() for t in a] and rb == [t.upper() for t in b]
    assert [len(x) for x in predict.batches] == [3, 3, 3]  # a's tail shares a forward with b


def test_a_request_to_an_idle_batcher_goes_to_the_model_at_once():
    predict = Recorder()
    batcher = Batcher(predict, max_wait_ms=500)  # a wait for company, which an idle batcher must not pay

    async def body():
        started = time.perf_counter()
        await batcher.submit(["alone"])
        first = time.perf_counter() - started
        await asyncio.sleep(0.05)  # idle again
        started = time.perf_counter()
        await batcher.submit(["alone again"])
        return first, time.perf_counter() - started

    first, second = run(_with(batcher, body))
    assert first < 0.25 and second < 0.25


def test_requests_arriving_during_a_forward_share_the_next_one():
    predict = Recorder()
    predict.release.clear()  # the first forward blocks until released
    batcher = Batcher(predict, max_wait_ms=0)

    async def body():
        first = asyncio.ensure_future(batcher.submit(["first"]))
        while not predict.batches:
            await asyncio.sleep(0.005)
        later = [asyncio.ensure_future(batcher.submit([f"later{i}"])) for i in range(4)]
        await asyncio.sleep(0.05)
        predict.release.set()
        return await first, await asyncio.gather(*later)

    first, later = run(_with(batcher, body))
    assert first == ["FIRST"] and later == [[f"LATER{i}"] for i in range(4)]
    assert [len(b) for b in predict.batches] == [1, 4]
