"""Inter-annotator agreement: Cohen's kappa per dimension and the frequent confusions."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from argmine.models.scheme import HEADS
from argmine.training.metrics import gold


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def paired(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Records of both passes for the sentences both labelled, matched by doc and span."""
    key = lambda r: (r["doc_id"], r["start"], r["end"])  # noqa: E731
    index = {key(r): r for r in first}
    a, b = [], []
    for record in second:
        if key(record) in index:
            a.append(index[key(record)])
            b.append(record)
    return a, b


def agreement(a: list[dict[str, Any]], b: list[dict[str, Any]], top: int = 5) -> dict[str, Any]:
    from sklearn.metrics import cohen_kappa_score  # here: the service imports this module, sklearn costs seconds

    out: dict[str, Any] = {"n": len(a)}
    for head in HEADS:
        x, y = gold(a, head), gold(b, head)
        confusions = Counter((p, q) for p, q in zip(x, y) if p != q)
        out[head] = {
            "kappa": float(cohen_kappa_score(x, y)) if len(set(x) | set(y)) > 1 else 1.0,
            "observed": sum(p == q for p, q in zip(x, y)) / len(x) if x else 0.0,
            "confusions": [{"first": p, "second": q, "count": n} for (p, q), n in confusions.most_common(top)],
        }
    return out


def sample_paragraphs(records: list[dict[str, Any]], min_sentences: int, seed: int) -> list[dict[str, Any]]:
    """Whole paragraphs drawn at random until ``min_sentences`` are covered.

    Whole paragraphs, so the second annotator reads every sentence in its context.
    """
    import random

    paragraphs = sorted({r["paragraph"] for r in records})
    random.Random(seed).shuffle(paragraphs)
    chosen: set[int] = set()
    count = 0
    for paragraph in paragraphs:
        if count >= min_sentences:
            break
        chosen.add(paragraph)
        count += sum(r["paragraph"] == paragraph for r in records)
    return [r for r in records if r["paragraph"] in chosen]
