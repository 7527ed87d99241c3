"""Recently labelled sentences, kept to suggest what to annotate next.

A bounded pool in memory: the newest ``capacity`` distinct sentences the service
labelled, each with its uncertainty. ``top`` returns the least certain ones,
uncertainty being the largest normalised entropy over the heads, so a sentence
on which any label is in doubt comes first. Memory, not the database, because
these are cheap to regain (label the documents again) and would otherwise cost
a write per labelled sentence; a restart empties the pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from argmine.models.segment import normalize

KEPT = ("doc_id", "sent_id", "start", "end", "text", "role", "stance", "risk", "probabilities", "uncertainty",
        "model_version")


class SuggestionPool:
    def __init__(self, capacity: int = 5000):
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        """Sentence records of a labelled document, in order; a sentence seen again moves to the newest end.

        Each keeps the text of its neighbours (``before``, ``after``): the context a person reads it in."""
        records = list(records)
        with self._lock:
            for i, record in enumerate(records):
                key = normalize(record["text"])
                self._items.pop(key, None)
                self._items[key] = {**{k: record[k] for k in KEPT},
                                    "before": records[i - 1]["text"] if i > 0 else None,
                                    "after": records[i + 1]["text"] if i + 1 < len(records) else None}
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def top(self, n: int, exclude: Callable[[list[str]], set[str]] | None = None) -> list[dict[str, Any]]:
        """The ``n`` least certain sentences, skipping those ``exclude`` names (already annotated)."""
        with self._lock:
            ranked = sorted(self._items.values(), key=lambda r: r["uncertainty"], reverse=True)
        out: list[dict[str, Any]] = []
        # Check candidates in slices a little larger than needed: most are not annotated yet.
        step = max(n * 2, 50)
        for i in range(0, len(ranked), step):
            chunk = ranked[i:i + step]
            skip = exclude([r["text"] for r in chunk]) if exclude else set()
            out.extend(r for r in chunk if r["text"] not in skip)
            if len(out) >= n:
                break
        return out[:n]
