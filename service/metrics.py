"""Prometheus metrics, in a registry of each app's own.

A private ``CollectorRegistry`` per app, not the global one, so tests (and two apps
in one process) never share or double-register counters.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from argmine.service.batcher import BatchStats

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Request latency: from a 5 ms cache-hot sentence to a 30 s document flood.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Sentences per forward: powers of two up to the largest sensible sentence cap.
_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("argmine_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("argmine_http_request_duration_seconds", "Time to answer an HTTP request.",
                                 ["method", "route"], buckets=_LATENCY, registry=r)
        self.batch_sentences = Histogram("argmine_batch_sentences", "Sentences per forward pass.",
                                         buckets=_SIZES, registry=r)
        self.batch_requests = Histogram("argmine_batch_requests", "Requests sharing one forward pass.",
                                        buckets=_SIZES, registry=r)
        self.batch_tokens = Histogram("argmine_batch_tokens", "Estimated tokens per forward pass.",
                                      buckets=tuple(64 * 2 ** i for i in range(10)), registry=r)
        self.forward_seconds = Histogram("argmine_forward_duration_seconds", "Time of one forward pass.",
                                         buckets=_LATENCY, registry=r)
        self.batch_failures = Counter("argmine_batch_failures", "Forward passes that raised.", registry=r)
        self.rejected = Counter("argmine_rejected_requests", "Requests refused with 429: the queue was full.",
                                registry=r)
        self.sentences = Counter("argmine_labelled_sentences", "Sentences labelled.", registry=r)
        self.documents = Counter("argmine_labelled_documents", "Documents labelled.", registry=r)
        self.queue_depth = Gauge("argmine_queue_depth", "Requests waiting for a forward pass.", registry=r)
        self.queue_sentences = Gauge("argmine_queue_sentences", "Sentences waiting for a forward pass.",
                                     registry=r)
        self.model_info = Gauge("argmine_model_info", "The active model (value 1).", ["version"], registry=r)

    def observe_batch(self, stats: BatchStats) -> None:
        self.batch_sentences.observe(stats.sentences)
        self.batch_requests.observe(stats.requests)
        self.batch_tokens.observe(stats.tokens)
        self.forward_seconds.observe(stats.seconds)
        if stats.failed:
            self.batch_failures.inc()

    def watch_queue(self, depth: Callable[[], int], sentences: Callable[[], int]) -> None:
        """Gauges read at scrape time, so they are never stale."""
        self.queue_depth.set_function(depth)
        self.queue_sentences.set_function(sentences)

    def set_model(self, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
