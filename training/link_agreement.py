"""Agreement between two link passes over the same documents (AGREEMENT.md).

Existence: every ordered pair of distinct arguing sentences (role claim or
premise in the corpus) of a document both passes annotated is "linked" or not in
each pass; Cohen's kappa over those pairs, and F1 taking the first pass as the
reference (what a model's link F1 is comparable to). Type: Cohen's kappa of
support/attack over the links both passes drew.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

from argmine.models.links import Link, link_f1


def read_links(path: Path) -> list[dict[str, Any]]:
    """Links from a JSONL file, or from every ``*.jsonl`` of a folder."""
    files = sorted(Path(path).glob("*.jsonl")) if Path(path).is_dir() else [Path(path)]
    return [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def link_agreement(records: Sequence[dict[str, Any]], first: Sequence[dict[str, Any]],
                   second: Sequence[dict[str, Any]], documents: Sequence[str]) -> dict[str, Any]:
    """Agreement on ``documents`` (those both passes annotated)."""
    docs = set(documents)
    first = [l for l in first if l["doc_id"] in docs]
    second = [l for l in second if l["doc_id"] in docs]
    arguing: dict[str, list[int]] = {}
    for r in records:
        if r["doc_id"] in docs and r["role"] != "none":
            arguing.setdefault(r["doc_id"], []).append(r["sent_id"])
    a = {(l["doc_id"], l["source"], l["target"]): l["type"] for l in first}
    b = {(l["doc_id"], l["source"], l["target"]): l["type"] for l in second}
    pairs = [(d, s, t) for d, ids in arguing.items() for s in ids for t in ids if s != t]
    x = [int(p in a) for p in pairs]
    y = [int(p in b) for p in pairs]
    both = sorted(set(a) & set(b))
    types_a, types_b = [a[p] for p in both], [b[p] for p in both]
    f1 = link_f1([Link(d, s, t, b[(d, s, t)], 1.0) for d, s, t in b], first)
    typed = link_f1([Link(d, s, t, b[(d, s, t)], 1.0) for d, s, t in b], first, typed=True)
    return {
        "documents": len(docs), "pairs": len(pairs), "first": len(a), "second": len(b), "both": len(both),
        "existence_kappa": float(cohen_kappa_score(x, y)) if len(set(x) | set(y)) > 1 else 1.0,
        "existence_f1": f1["f1"], "typed_f1": typed["f1"],
        "type_kappa": float(cohen_kappa_score(types_a, types_b)) if len(set(types_a) | set(types_b)) > 1 else 1.0,
        "type_observed": sum(p == q for p, q in zip(types_a, types_b)) / len(both) if both else 0.0,
    }
